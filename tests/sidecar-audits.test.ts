/**
 * Sidecar audit searches: filters travel in the query string (lists as repeated keys) of a
 * body-less POST; a search still running (202) is reported as status "processing"; results are
 * one page per call with a token that always ends; bad input never reaches ALTR.
 */
import { describe, expect, it } from "vitest";
import { envelope } from "./helpers/harness.js";
import { type StubRequest } from "./helpers/stub.js";
import { describeInvalidInput, h, stub, useStubHarness } from "./helpers/stub-harness.js";

const SEARCH = "123e4567-e89b-12d3-a456-426614174000";

useStubHarness();

const entries = (r: StubRequest) => [...new URL(r.url, "http://x").searchParams.entries()];

const INVALID: [tool: string, args: Record<string, unknown>, field: string][] = [
  ["search_audits", { from_date_time: "2025-06-01" }, "from_date_time"],
  ["search_audits", { from_date_time: "2025-06-01T00:00:00+02:00" }, "from_date_time"],
  ["search_audits", { to_date_time: "2025-13-01T00:00:00Z" }, "to_date_time"],
  ["search_audits", { from_date_time: "2025-06-02T00:00:00Z", to_date_time: "2025-06-01T00:00:00Z" }, "from_date_time"],
  ["search_audits", { limit: 0 }, "limit"],
  ["search_audits", { limit: 100001 }, "limit"],
  ["search_audits", { offset: -1 }, "offset"],
  ["search_audits", { order_by: "newest" }, "order_by"],
  ["search_audits", { sort_by: "user" }, "sort_by"],
  ["search_audits", { database_name: ["ORCL", ""] }, "database_name[1]"],
  ["search_audits", { consuming_user: 42 }, "consuming_user"],
  ["search_audits", { statement_text_contains: "   " }, "statement_text_contains"],
  ["search_audits", { repo: "x" }, "repo"],
  ["get_audit_results", {}, "search_uuid"],
  ["get_audit_results", { search_uuid: SEARCH, limit: 251 }, "limit"],
  ["get_audit_results", { search_uuid: SEARCH, next_page_token: "" }, "next_page_token"],
];

describeInvalidInput(INVALID);

describe("search_audits", () => {
  it("sends list filters as repeated keys, one value as one key, and no body", async () => {
    stub.route("POST", "/v1/audits", { status: 200, body: { search_uuid: SEARCH } });
    const env = envelope(
      await h.call("search_audits", {
        database_name: ["ORCLPDB1", "BILLING"],
        consuming_user_email: "jdoe@example.com",
        statement_type: ["SELECT", "UPDATE"],
        statement_text_contains: " FROM orders ",
        order_by: "ASC",
        offset: 0,
      }),
    );
    expect(env.data).toEqual({ search_uuid: SEARCH });
    const sent = stub.requests[0]!;
    expect(sent.method).toBe("POST");
    expect(sent.body).toBe("");
    expect(sent.headers["content-type"]).toBeUndefined();
    expect(entries(sent)).toEqual([
      ["consuming_user_email", "jdoe@example.com"],
      ["database_name", "ORCLPDB1"],
      ["database_name", "BILLING"],
      ["statement_type", "SELECT"],
      ["statement_type", "UPDATE"],
      // The search text keeps its spaces.
      ["statement_text_contains", " FROM orders "],
      ["order_by", "asc"],
      ["offset", "0"],
    ]);
  });

  it("a 500 starts no second search (the POST is not retried)", async () => {
    stub.route("POST", "/v1/audits", { status: 500, body: { error: "search backend unavailable" } });
    const env = envelope(await h.call("search_audits", {}));
    expect(env.error).toMatchObject({ status: 500, altr_message: "search backend unavailable", attempts: 1 });
    expect(stub.requests).toHaveLength(1);
  });
});

describe("get_audit_results", () => {
  it("202: status processing, so the caller knows to ask again (not an empty result)", async () => {
    stub.route("GET", /\/v1\/audits\/.+$/, { status: 202, body: { audits: [] } });
    const res = await h.call("get_audit_results", { search_uuid: SEARCH });
    expect(res.isError).toBeFalsy();
    expect(envelope(res).data).toEqual({ status: "processing", audits: [], next_page_token: null });
  });

  it("202 with an empty body is processing too", async () => {
    stub.route("GET", /\/v1\/audits\/.+$/, { status: 202 });
    expect(envelope(await h.call("get_audit_results", { search_uuid: SEARCH })).data).toMatchObject({ status: "processing" });
  });

  it("200: status complete, one page per call, the token passed back; the last page has none", async () => {
    stub.route(
      "GET",
      /\/v1\/audits\/.+$/,
      { status: 200, body: { audits: [{ event_id: "e1" }], next_page_token: "tok/2+=" } },
      { status: 200, body: { audits: [{ event_id: "e2" }] } },
    );
    const first = envelope(await h.call("get_audit_results", { search_uuid: SEARCH, limit: 1 })).data;
    expect(first).toEqual({ status: "complete", audits: [{ event_id: "e1" }], next_page_token: "tok/2+=" });
    const second = envelope(await h.call("get_audit_results", { search_uuid: SEARCH, next_page_token: "tok/2+=" })).data;
    expect(second).toEqual({ status: "complete", audits: [{ event_id: "e2" }], next_page_token: null });
    expect(stub.requests.map(entries)).toEqual([[["limit", "1"]], [["next_page_token", "tok/2+="]]]);
  });

  it("a token equal to the one just used ends the paging", async () => {
    stub.route("GET", /\/v1\/audits\/.+$/, { status: 200, body: { audits: [], next_page_token: "same" } });
    const data = envelope(await h.call("get_audit_results", { search_uuid: SEARCH, next_page_token: "same" })).data;
    expect(data).toMatchObject({ next_page_token: null });
  });

  it("the search id is percent-encoded; an unknown id is a 404 error with ALTR's text", async () => {
    stub.route("GET", /\/v1\/audits\/.+$/, { status: 404, body: { error: "search not found" } });
    const res = await h.call("get_audit_results", { search_uuid: "a/b#c" });
    expect(stub.requests[0]!.url).toBe("/v1/audits/a%2Fb%23c");
    expect(res.isError).toBe(true);
    expect(envelope(res).error).toMatchObject({ status: 404, altr_message: "search not found" });
  });
});
