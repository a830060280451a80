/**
 * Audit reports against a local stub: flat parameters grouped as the upstream does, delivery,
 * filters and cron validated before any request, the full-replace update reporting what it
 * clears, cursor paging that terminates, and the trigger's rate limit reported, not hammered.
 */
import { describe, expect, it } from "vitest";
import { auditReportTools } from "../src/tools/audit-reports.js";
import { cronProblem } from "../src/tools/cron.js";
import { MAX_PAGES } from "../src/tools/common.js";
import { baseUrlsFrom, connect, envelope } from "./helpers/harness.js";
import { type StubRequest } from "./helpers/stub.js";
import { h, stub, useStubHarness, queryOf as query } from "./helpers/stub-harness.js";

const DEFS = "/audit-reports/definitions/";
const DEF = `${DEFS}d-1`;
const INST = `${DEF}/instances/i-1`;

useStubHarness();

const body = (r: StubRequest) => JSON.parse(r.body) as Record<string, unknown>;
const base = { name: "Weekly DDL", integration_type: "oltp" };
const ddl = { field: "statement_type", mode: "include", patterns: [{ match_type: "exact", value: "DDL" }] };
const filtersOf = (...filters: unknown[]) => ({ filter_groups: [{ filters }] });

describe("cron: the 6-field form", () => {
  it.each([
    "0 12 * * ? *",
    "0 9 ? * MON *",
    "30 8 ? * MON-FRI *",
    "0 0 1 * ? *",
    "0 * * * ? *",
    "0/15 * * * ? *",
    "0 10 ? * 6L 2026",
    "0 10 ? * FRI#2 *",
    "15 10 L * ? *",
    "0 8 15W JAN,JUL ? 2025-2030",
  ])("accepts %s", (expr) => {
    expect(cronProblem(expr)).toBeUndefined();
  });

  it.each([
    ["0 9 ? * MON", /has 5 fields/],
    ["0 9 * * MON *", /\? must be in exactly one/],
    ["0 9 ? * ? *", /\? must be in exactly one/],
    ["60 9 ? * MON *", /minute "60"/],
    ["0 24 ? * MON *", /hour "24"/],
    ["0 9 ? * MOM *", /day-of-week "MOM"/],
    ["0 9 32 * ? *", /day-of-month "32"/],
    ["0 9 1 13 ? *", /month "13"/],
    ["0 9 ? * MON 1969", /year "1969"/],
    ["0/0 9 ? * MON *", /minute/],
    ["? 9 1 * ? *", /only allowed in day-of-month or day-of-week/],
  ])("refuses %s", (expr, why) => {
    expect(cronProblem(expr)).toMatch(why);
  });
});

describe("invalid input never reaches ALTR", () => {
  const INVALID: [what: string, tool: string, args: Record<string, unknown>, expected: (string | RegExp)[]][] = [
    ["a 5-field cron", "create_report_definition", { ...base, schedule_cron: "0 9 ? * MON" }, ["schedule_cron", "has 5 fields", "minute hour day-of-month month day-of-week year", "0 9 ? * MON *"]],
    ["? in both day fields", "update_report_definition", { definition_id: "d-1", ...base, schedule_cron: "0 9 ? * ? *" }, ["schedule_cron", "exactly one"]],
    ["an unknown time zone", "create_report_definition", { ...base, timezone: "Mars/Olympus" }, ["timezone", "IANA"]],
    ["a bad schedule time zone", "create_report_definition", { ...base, schedule_timezone: "EST5" }, ["schedule_timezone"]],
    ["an unknown integration type", "create_report_definition", { ...base, integration_type: "postgres" }, ["integration_type"]],
    ["lookback_days 0", "create_report_definition", { ...base, lookback_days: 0 }, ["lookback_days"]],
    ["no name", "create_report_definition", { integration_type: "oltp" }, ["name"]],
    ["delivery as an array", "create_report_definition", { ...base, delivery: [] }, ["delivery"]],
    ["delivery as broken JSON", "create_report_definition", { ...base, delivery: "{channels:" }, ["delivery", "not valid JSON"]],
    ["delivery with a bad email", "create_report_definition", { ...base, delivery: { channels: [{ type: "email", recipients: ["not-an-email"] }] } }, ["delivery.channels[0].recipients[0]", "email"]],
    ["delivery channel type sms", "create_report_definition", { ...base, delivery: { channels: [{ type: "sms", recipients: ["a@b.co"] }] } }, ["delivery.channels[0].type"]],
    ["delivery with an unknown key", "create_report_definition", { ...base, delivery: { channels: [], cc: "x" } }, ["delivery.cc"]],
    ["delivery JSON string with no recipients", "create_report_definition", { ...base, delivery: JSON.stringify({ channels: [{ type: "email", recipients: [] }] }) }, ["delivery.channels[0].recipients"]],
    ["filters with a Snowflake field on oltp", "create_report_definition", { ...base, filters: filtersOf({ ...ddl, field: "warehouse" }) }, ["filters.filter_groups[0].filters[0].field", "not a oltp field", "statement_type"]],
    ["filters with an oltp field on snowflake", "create_report_definition", { ...base, integration_type: "snowflake", filters: filtersOf(ddl) }, ["filters.filter_groups[0].filters[0].field"]],
    ["row_count with patterns", "create_report_definition", { ...base, filters: filtersOf(ddl, { field: "row_count", patterns: [{ value: "5" }] }) }, ["filters.filter_groups[0].filters[1]", "range"]],
    ["policy_blocked without value", "create_report_definition", { ...base, filters: filtersOf({ field: "policy_blocked", mode: "include" }) }, ["filters.filter_groups[0].filters[0]", "value"]],
    ["an unknown match type", "create_report_definition", { ...base, filters: filtersOf({ ...ddl, patterns: [{ match_type: "regex", value: "x" }] }) }, ["filters.filter_groups[0].filters[0].patterns[0].match_type"]],
    ["a mode that is not include/exclude", "create_report_definition", { ...base, filters: filtersOf({ ...ddl, mode: "only" }) }, ["filters.filter_groups[0].filters[0].mode"]],
    ["an empty filter group", "create_report_definition", { ...base, filters: { filter_groups: [{ filters: [] }] } }, ["filters.filter_groups[0].filters"]],
    ["filters as a JSON string with an unknown key", "create_report_definition", { ...base, filters: JSON.stringify({ groups: [] }) }, ["filters"]],
    ["a range with neither bound", "create_report_definition", { ...base, filters: filtersOf({ field: "row_count", range: {} }) }, ["filters.filter_groups[0].filters[0].range"]],
    ["limit over ALTR's 100", "list_report_definitions", { limit: 101 }, ["limit"]],
    ["an empty cursor", "list_report_instances", { definition_id: "d-1", cursor: "" }, ["cursor"]],
    ["archived as a string", "list_report_definitions", { archived: "yes" }, ["archived"]],
    ["no definition_id", "get_report_definition", {}, ["definition_id"]],
    ["a blank instance_id", "get_report_instance", { definition_id: "d-1", instance_id: " " }, ["instance_id"]],
    ["format docx", "get_report_instance_download_url", { definition_id: "d-1", instance_id: "i-1", format: "docx" }, ["format"]],
    ["an empty comment", "create_report_comment", { definition_id: "d-1", instance_id: "i-1", text: "  " }, ["text"]],
    ["no comment_id", "pin_report_comment", { definition_id: "d-1", instance_id: "i-1" }, ["comment_id"]],
    ["a sign-off without attestation", "create_report_sign_off", { definition_id: "d-1", instance_id: "i-1" }, ["attestation", "only when the user confirms"]],
    ["a sign-off action other than approve", "create_report_sign_off", { definition_id: "d-1", instance_id: "i-1", attestation: true, action: "reject" }, ["action"]],
  ];
  it.each(INVALID)("%s → invalid_input naming the field", async (_what, tool, args, expected) => {
    const res = await h.call(tool, args);
    expect(res.isError).toBe(true);
    const env = envelope(res);
    expect(env.error?.kind).toBe("invalid_input");
    for (const e of expected) {
      if (typeof e === "string") expect(env.error?.message).toContain(e);
      else expect(env.error?.message).toMatch(e);
    }
    expect(env.error?.message).toContain("Nothing was sent to ALTR");
    expect(stub.requests).toHaveLength(0);
  });
});

describe("definition bodies", () => {
  const created = { definition_id: "d-1", name: "Weekly DDL", integration_type: "oltp" };

  it("flat parameters are grouped into report_window and schedule; groups with nothing given are left out", async () => {
    stub.route("POST", DEFS, { status: 201, body: created });
    await h.call("create_report_definition", { ...base, lookback_days: 7 });
    await h.call("create_report_definition", { ...base, schedule_enabled: false });
    await h.call("create_report_definition", base);
    expect(stub.requests.map(body)).toEqual([
      { ...base, report_window: { lookback_days: 7 } },
      { ...base, schedule: { enabled: false } },
      base,
    ]);
  });

  it("delivery and filters as JSON strings are sent as objects; prefix/suffix become starts_with/ends_with", async () => {
    stub.route("POST", DEFS, { status: 201, body: created });
    const delivery = { channels: [{ type: "email", enabled: true, recipients: ["audit@example.com"] }] };
    const res = await h.call("create_report_definition", {
      ...base,
      delivery: JSON.stringify(delivery),
      filters: JSON.stringify(
        filtersOf(
          { field: "database_name", mode: "exclude", patterns: [{ match_type: "prefix", value: "TEST_" }, { match_type: "suffix", value: "_TMP" }] },
          { field: "row_count", range: { min: 1000 } },
          { field: "policy_blocked", value: true },
        ),
      ),
    });
    expect(envelope(res).success).toBe(true);
    expect(body(stub.requests[0]!)).toEqual({
      ...base,
      delivery,
      filters: filtersOf(
        { field: "database_name", mode: "exclude", patterns: [{ match_type: "starts_with", value: "TEST_" }, { match_type: "ends_with", value: "_TMP" }] },
        { field: "row_count", range: { min: 1000 } },
        { field: "policy_blocked", value: true },
      ),
    });
    expect(stub.requests[0]!.url).toBe(DEFS);
  });
});

describe("update_report_definition is a full replace that says what it clears", () => {
  const stored = {
    definition_id: "d-1",
    name: "Weekly DDL",
    integration_type: "oltp",
    description: "prod schema changes",
    report_window: { lookback_days: 7, timezone: "UTC" },
    schedule: { cron: "0 9 ? * MON *", enabled: true, timezone: "UTC" },
    delivery: { channels: [{ type: "email", enabled: true, recipients: ["a@example.com"] }] },
    filters: filtersOf(ddl),
    required_approvals: 2,
    retention_days: 30,
  };

  it("omitted fields are cleared and listed with their old values; fields no parameter sets are kept", async () => {
    stub.route("GET", DEF, { status: 200, body: stored });
    stub.route("PUT", DEF, { status: 200, bodyFrom: (req) => ({ definition_id: "d-1", ...body(req) }) });
    const env = envelope(await h.call("update_report_definition", { definition_id: "d-1", ...base, lookback_days: 14, schedule_cron: "0 8 ? * MON *" }));
    expect(env.success).toBe(true);
    expect(stub.requests.map((r) => `${r.method} ${r.url}`)).toEqual([`GET ${DEF}`, `PUT ${DEF}`]);
    expect(body(stub.requests[1]!)).toEqual({
      ...base,
      report_window: { lookback_days: 14 },
      schedule: { cron: "0 8 ? * MON *" },
      required_approvals: 2,
      retention_days: 30,
    });
    expect((env.data as { cleared: unknown }).cleared).toEqual({
      description: "prod schema changes",
      "report_window.timezone": "UTC",
      "schedule.enabled": true,
      "schedule.timezone": "UTC",
      delivery: stored.delivery,
      filters: stored.filters,
    });
  });

  it("resending everything clears nothing", async () => {
    stub.route("GET", DEF, { status: 200, body: stored });
    stub.route("PUT", DEF, { status: 200, bodyFrom: (req) => ({ definition_id: "d-1", ...body(req) }) });
    const env = envelope(
      await h.call("update_report_definition", {
        definition_id: "d-1",
        ...base,
        description: stored.description,
        lookback_days: 7,
        timezone: "UTC",
        schedule_cron: stored.schedule.cron,
        schedule_enabled: true,
        schedule_timezone: "UTC",
        delivery: stored.delivery,
        filters: stored.filters,
      }),
    );
    expect((env.data as { cleared: unknown }).cleared).toEqual({});
  });

  it("a definition that does not exist: the error, and no PUT", async () => {
    stub.route("GET", DEF, { status: 404, body: { statusCode: 404, response: { error_code: 404, message: "definition not found" } } });
    const env = envelope(await h.call("update_report_definition", { definition_id: "d-1", ...base }));
    expect(env.error).toMatchObject({ kind: "http", status: 404, altr_message: "definition not found" });
    expect(stub.requests.map((r) => r.method)).toEqual(["GET"]);
  });

  it("a 403 on the read names the read permission it needs; no PUT", async () => {
    stub.route("GET", DEF, { status: 403, body: { statusCode: 403, response: { error_code: 403, message: "forbidden" } } });
    stub.route("PUT", DEF, { status: 200, body: stored });
    const env = envelope(await h.call("update_report_definition", { definition_id: "d-1", ...base }));
    expect(env.error).toMatchObject({ kind: "http", status: 403, altr_message: "forbidden" });
    expect(env.error!.message).toMatch(/update_report_definition needs read permission on get_report_definition/);
    expect(stub.requests.map((r) => r.method)).toEqual(["GET"]);
  });

  it("the description says it is a full replace", () => {
    const tool = h.host.listed.find((t) => t.name === "update_report_definition")!;
    expect(tool.description).toMatch(/Reads it first: a concurrent change can be overwritten/);
    expect(tool.description).toMatch(/^Replace .*omitted fields are cleared/);
    expect(tool.description).toMatch(/omit.*cleared/);
    expect(tool.annotations?.destructiveHint).toBe(true);
  });
});

describe("trigger: rate limit and no duplicate runs", () => {
  it("a 429 on every attempt is reported with the rate-limit hint after MAX_RETRIES attempts, not retried further", async () => {
    stub.route("POST", `${DEF}/trigger`, {
      status: 429,
      headers: { "retry-after": "300" },
      body: { statusCode: 429, response: { error_code: 429, message: "report was triggered less than 5 minutes ago" } },
    });
    const t0 = Date.now();
    const env = envelope(await h.call("trigger_report_definition", { definition_id: "d-1" }));
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(env.error).toMatchObject({ kind: "http", status: 429, attempts: 3, altr_message: "report was triggered less than 5 minutes ago" });
    expect(env.error!.hint).toMatch(/Rate limited/);
    expect(stub.requests).toHaveLength(3);
  });

  it("a 503 on trigger is one attempt (a repeat would generate a second report)", async () => {
    stub.route("POST", `${DEF}/trigger`, { status: 503 });
    const env = envelope(await h.call("trigger_report_definition", { definition_id: "d-1" }));
    expect(env.error).toMatchObject({ status: 503, attempts: 1 });
    expect(stub.requests).toHaveLength(1);
  });

  it("the description names the 5-minute limit", () => {
    expect(h.host.listed.find((t) => t.name === "trigger_report_definition")!.description).toMatch(/5 minutes/);
  });
});

describe("paths and bodies as the upstream calls them", () => {
  it("collections keep their trailing slash; sign_offs has none; ids are percent-encoded once", async () => {
    stub.route("GET", /.*/, { status: 200, body: { items: [], has_more: false } });
    stub.route("POST", /.*/, { status: 200, body: {} });
    await h.call("list_report_definitions", { archived: true });
    await h.call("list_report_instances", { definition_id: "d/1 x" });
    await h.call("list_report_comments", { definition_id: "d-1", instance_id: "i-1" });
    await h.call("list_report_sign_offs", { definition_id: "d-1", instance_id: "i-1" });
    await h.call("create_report_comment", { definition_id: "d-1", instance_id: "i-1", text: "ok" });
    await h.call("restore_report_definition", { definition_id: "d-1" });
    await h.call("create_report_sign_off", { definition_id: "d-1", instance_id: "i-1", attestation: false });
    await h.call("get_report_instance_download_url", { definition_id: "d-1", instance_id: "i-1", format: "csv" });
    expect(stub.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      `GET ${DEFS}?limit=100&archived=true`,
      `GET ${DEFS}d%2F1%20x/instances/?limit=100`,
      `GET ${INST}/comments/?limit=100`,
      `GET ${INST}/sign_offs?limit=100`,
      `POST ${INST}/comments/`,
      `POST ${DEF}/restore`,
      `POST ${INST}/sign_off`,
      `GET ${INST}/download?format=csv`,
    ]);
    expect(stub.requests[5]!.body).toBe("");
    expect(body(stub.requests[6]!)).toEqual({ action: "approve", attestation: false });
  });

  it("ALTR's {statusCode, response: {message}} error body gives the message", async () => {
    stub.route("POST", `${INST}/comments/c-1/pin`, { status: 409, body: { statusCode: 409, response: { error_code: 409, message: "a comment is already pinned" } } });
    const env = envelope(await h.call("pin_report_comment", { definition_id: "d-1", instance_id: "i-1", comment_id: "c-1" }));
    expect(env.error).toMatchObject({ status: 409, altr_message: "a comment is already pinned", attempts: 1 });
  });
});

describe("cursor paging", () => {
  const items = Array.from({ length: 250 }, (_, i) => ({ definition_id: `d-${i}` }));
  const paged = (req: StubRequest) => {
    const q = query(req);
    const start = q.cursor ? Number(q.cursor.slice(1)) : 0;
    const end = start + Number(q.limit);
    return { items: items.slice(start, end), has_more: end < items.length, next_cursor: end < items.length ? `c${end}` : "" };
  };

  it("without a limit: every page, 100 at a time, until has_more is false", async () => {
    stub.route("GET", DEFS, { status: 200, bodyFrom: paged });
    const data = envelope(await h.call("list_report_definitions")).data as { items: unknown[]; count: number; next_cursor: string | null };
    expect(data.items).toEqual(items);
    expect(data.count).toBe(250);
    expect(data.next_cursor).toBeNull();
    expect(stub.requests.map(query)).toEqual([{ limit: "100" }, { limit: "100", cursor: "c100" }, { limit: "100", cursor: "c200" }]);
  });

  it("with a limit: one page and the cursor to continue; passing it back continues", async () => {
    stub.route("GET", DEFS, { status: 200, bodyFrom: paged });
    const first = envelope(await h.call("list_report_definitions", { limit: 10 })).data as { items: unknown[]; next_cursor: string };
    expect(first.items).toEqual(items.slice(0, 10));
    expect(first.next_cursor).toBe("c10");
    const second = envelope(await h.call("list_report_definitions", { limit: 10, cursor: first.next_cursor })).data as { items: unknown[] };
    expect(second.items).toEqual(items.slice(10, 20));
    expect(stub.requests.map(query)).toEqual([{ limit: "10" }, { limit: "10", cursor: "c10" }]);
  });

  it("a server that always has more stops at MAX_PAGES and hands back the cursor", async () => {
    let n = 0;
    stub.route("GET", `${INST}/sign_offs`, { status: 200, bodyFrom: () => ({ items: [{ user_id: `u${n}` }], has_more: true, next_cursor: `k${++n}` }) });
    const data = envelope(await h.call("list_report_sign_offs", { definition_id: "d-1", instance_id: "i-1" })).data as { next_cursor: string };
    expect(stub.requests).toHaveLength(MAX_PAGES);
    expect(data.next_cursor).toBe(`k${MAX_PAGES}`);
  });

  it("a cursor that does not advance ends the loop", async () => {
    stub.route("GET", `${DEF}/instances/`, { status: 200, body: { items: [{ instance_id: "i-1" }], has_more: true, next_cursor: "same" } });
    const data = envelope(await h.call("list_report_instances", { definition_id: "d-1" })).data as { count: number };
    expect(stub.requests).toHaveLength(2);
    expect(data.count).toBe(2);
  });

  it("the upstream samples' `cursor` name is followed too", async () => {
    stub.route(
      "GET",
      `${INST}/comments/`,
      { status: 200, body: { items: [{ comment_id: "c1" }], cursor: "n2" } },
      { status: 200, body: { items: [{ comment_id: "c2" }], cursor: null } },
    );
    const data = envelope(await h.call("list_report_comments", { definition_id: "d-1", instance_id: "i-1" })).data as { items: unknown[] };
    expect(data.items).toEqual([{ comment_id: "c1" }, { comment_id: "c2" }]);
  });
});

describe("selection", () => {
  it("audit reports are off unless ALTR_TOOLSETS names them", async () => {
    const d = await connect({ baseUrls: baseUrlsFrom(stub.url), selection: { toolsets: [] } });
    try {
      const { tools } = await d.client.listTools();
      const mine = new Set(auditReportTools.map((t) => t.name));
      expect(mine.size).toBe(17);
      expect(tools.filter((t) => mine.has(t.name))).toEqual([]);
      await expect(d.call("trigger_report_definition", { definition_id: "d-1" })).rejects.toThrow(/audit_reports/);
    } finally {
      await d.close();
    }
    expect(stub.requests).toHaveLength(0);
  });
});
