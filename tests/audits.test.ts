/**
 * Query and system audits against a local stub: a 202 "still running" answer is reported as
 * status "processing" (the upstream dropped the status), filters travel in the query string with no
 * body, the system-audit token is percent-encoded once and never appears in error text, and
 * time windows are checked before any request.
 */
import { describe, expect, it } from "vitest";
import { SYSTEM_AUDIT_TOKEN } from "./cases/audits.js";
import { envelope } from "./helpers/harness.js";
import { describeInvalidInput, h, stub, useStubHarness, queryOf as query } from "./helpers/stub-harness.js";

const SEARCH = "/v1/query-audits/search";
const RESULTS = "/v1/query-audits/results";
const START = "/api/systemaudits/query/start";
const RESULT = "/api/systemaudits/query/result";

useStubHarness();


describe("query audits", () => {
  it("search_query_audits sends every filter in the query string and no body", async () => {
    stub.route("POST", SEARCH, { status: 200, body: { search_uuid: "s-1" } });
    const args = {
      limit: 10000,
      offset: 5,
      from_date_time: "2025-06-01T00:00:00.123Z",
      executing_role: "BI_ROLE",
      executing_user: "BI_USER",
      query_id: "01b4",
      policy_tag_name: "PII",
      policy_tag_value: "EMAIL",
      policy_column_database_name: "PROD_DB",
      policy_column_schema_name: "SALES",
      policy_column_table_name: "CUSTOMERS",
      policy_column_name: "EMAIL",
      order_by: "asc",
      sort_by: "rows_accessed",
    };
    const env = envelope(await h.call("search_query_audits", args));
    expect(env.data).toEqual({ search_uuid: "s-1" });
    expect(query(stub.requests[0]!)).toEqual(Object.fromEntries(Object.entries(args).map(([k, v]) => [k, String(v)])));
    expect(stub.requests[0]!.body).toBe("");
  });

  it("a running search (202) is status processing; a finished one (200) is complete", async () => {
    stub.route(
      "GET",
      `${RESULTS}/s-1`,
      { status: 202, body: { query_audits: [] } },
      { status: 202 },
      { status: 200, body: { query_audits: [{ event_id: "e1" }], next_page_token: "tok/2+=" } },
    );
    const first = envelope(await h.call("get_query_audit_results", { search_uuid: "s-1" }));
    expect(first.data).toEqual({ status: "processing", query_audits: [], next_page_token: null });
    const empty = envelope(await h.call("get_query_audit_results", { search_uuid: "s-1" }));
    expect(empty.data).toEqual({ status: "processing", query_audits: [], next_page_token: null });
    const done = envelope(await h.call("get_query_audit_results", { search_uuid: "s-1", limit: 100 }));
    expect(done.data).toEqual({ status: "complete", query_audits: [{ event_id: "e1" }], next_page_token: "tok/2+=" });
    // The next page token travels in the query string, encoded there; the same token handed
    // back again would only repeat the page, so it ends the paging.
    stub.requests.length = 0;
    const again = envelope(await h.call("get_query_audit_results", { search_uuid: "s-1", next_page_token: "tok/2+=" }));
    expect(query(stub.requests[0]!)).toEqual({ next_page_token: "tok/2+=" });
    expect(again.data).toMatchObject({ status: "complete", next_page_token: null });
  });

  it("an unknown search (404) is an error, not an empty result", async () => {
    stub.route("GET", /^\/v1\/query-audits\/results\/.+$/, { status: 404, body: { error: "Search UUID not found." } });
    const res = await h.call("get_query_audit_results", { search_uuid: "a b/c" });
    expect(res.isError).toBe(true);
    expect(envelope(res).error).toMatchObject({ status: 404, altr_message: "Search UUID not found." });
    expect(stub.requests[0]!.url).toBe(`${RESULTS}/a%20b%2Fc`);
  });

  it("500 on the search POST: one attempt", async () => {
    stub.route("POST", SEARCH, { status: 500, body: { error: "Internal Server Error" } });
    const env = envelope(await h.call("search_query_audits", {}));
    expect(env.error).toMatchObject({ status: 500, attempts: 1 });
    expect(stub.requests).toHaveLength(1);
  });
});

describe("system audits", () => {
  it("renames from/to, sends them in ALTR's exact form, and reports ready results with next_offset", async () => {
    stub.route("POST", START, {
      status: 200,
      body: { success: true, data: { moreData: true, token: "t1", data: [{ event: "a" }, { event: "b" }] } },
    });
    const env = envelope(
      await h.call("search_system_audits", {
        category: "Access Requests",
        offset: 10,
        limit: 2,
        wait: -1,
        from_date_time: "2025-06-09T00:00:00Z",
        to_date_time: "2025-06-10T12:30:00.5Z",
      }),
    );
    expect(query(stub.requests[0]!)).toEqual({
      category: "Access Requests",
      offset: "10",
      limit: "2",
      wait: "-1",
      from: "2025-06-09T00:00:00.000Z",
      to: "2025-06-10T12:30:00.500Z",
    });
    expect(stub.requests[0]!.body).toBe("");
    expect(env.data).toEqual({ moreData: true, token: "t1", data: [{ event: "a" }, { event: "b" }], status: "complete", next_offset: 12 });
  });

  it("202 is status processing with the token; no next_offset", async () => {
    stub.route("POST", START, { status: 202, body: { success: true, data: { token: "t2" } } });
    const env = envelope(await h.call("search_system_audits", { category: "Data Sources" }));
    expect(env.data).toEqual({ token: "t2", status: "processing", next_offset: null });
    expect(query(stub.requests[0]!)).toEqual({ category: "Data Sources" });
  });

  it("the last page has no next_offset", async () => {
    stub.route("POST", START, { status: 200, body: { success: true, data: { moreData: false, token: "t3", data: [{ event: "a" }] } } });
    const env = envelope(await h.call("search_system_audits", { category: "API Keys" }));
    expect(env.data).toMatchObject({ status: "complete", next_offset: null });
  });

  it("get_system_audit_results percent-encodes the token exactly once and reports 202 as processing", async () => {
    stub.route("GET", /^\/api\/systemaudits\/query\/result\/.+$/, { status: 202, body: { success: true, data: { token: "t" } } }, {
      status: 200,
      body: { success: true, data: { moreData: false, token: "t", data: [] } },
    });
    const pending = envelope(await h.call("get_system_audit_results", { token: SYSTEM_AUDIT_TOKEN }));
    expect(pending.data).toEqual({ token: "t", status: "processing" });
    const done = envelope(await h.call("get_system_audit_results", { token: encodeURIComponent(SYSTEM_AUDIT_TOKEN) }));
    expect(done.data).toEqual({ moreData: false, token: "t", data: [], status: "complete" });
    const encoded = `${RESULT}/${encodeURIComponent(SYSTEM_AUDIT_TOKEN)}`;
    expect(encoded).toContain("%2B");
    expect(encoded).toContain("%2F");
    expect(stub.requests.map((r) => r.url)).toEqual([encoded, encoded]);
  });

  it("the token never appears in error text, even when ALTR echoes the URL back", async () => {
    stub.route("GET", /^\/api\/systemaudits\/query\/result\/.+$/, {
      status: 400,
      bodyFrom: (req) => ({ success: false, data: { message: `bad token in ${decodeURIComponent(req.url)}` } }),
    });
    const res = await h.call("get_system_audit_results", { token: SYSTEM_AUDIT_TOKEN });
    const text = JSON.stringify(res);
    expect(res.isError).toBe(true);
    expect(text).not.toContain(SYSTEM_AUDIT_TOKEN);
    expect(envelope(res).error!.message).toContain("bad token in");
  });
});

const INVALID: [tool: string, args: Record<string, unknown>, field: string][] = [
  ["search_query_audits", { limit: 10001 }, "limit"],
  ["search_query_audits", { limit: 0 }, "limit"],
  ["search_query_audits", { offset: -1 }, "offset"],
  ["search_query_audits", { from_date_time: "yesterday" }, "from_date_time"],
  ["search_query_audits", { to_date_time: "2025-06-01T00:00:00+02:00" }, "to_date_time"],
  ["search_query_audits", { from_date_time: "2025-06-02T00:00:00Z", to_date_time: "2025-06-01T00:00:00Z" }, "to_date_time"],
  ["search_query_audits", { order_by: "up" }, "order_by"],
  ["search_query_audits", { sort_by: "user" }, "sort_by"],
  ["search_query_audits", { executing_user: ["A", "B"] }, "executing_user"],
  ["get_query_audit_results", {}, "search_uuid"],
  ["get_query_audit_results", { search_uuid: "s", limit: 251 }, "limit"],
  ["search_system_audits", {}, "category"],
  ["search_system_audits", { category: "Databases" }, "category"],
  ["search_system_audits", { category: "Data", limit: 101 }, "limit"],
  ["search_system_audits", { category: "Data", wait: 1001 }, "wait"],
  ["search_system_audits", { category: "Data", wait: -2 }, "wait"],
  ["search_system_audits", { category: "Data", from_date_time: "2025-02-30T00:00:00Z" }, "from_date_time"],
  ["search_system_audits", { category: "Data", from_date_time: "2025-06-01T00:00:00Z", to_date_time: "2025-06-09T00:00:00Z" }, "one week"],
  ["search_system_audits", { category: "Data", from_date_time: "2025-06-09T00:00:00Z", to_date_time: "2025-06-01T00:00:00Z" }, "to_date_time"],
  ["get_system_audit_results", {}, "token"],
  ["get_system_audit_results", { token: " " }, "token"],
];

describeInvalidInput(INVALID);
