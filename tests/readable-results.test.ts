/**
 * Results a model reads at a glance (#16), checked over every tool result of the Prism cases and
 * of the same cases on the sandbox, through a real MCP client:
 * - every documented epoch-milliseconds time has its ISO 8601 UTC form beside it (`<field>_iso`),
 *   done once in result shaping from the fields the curated documents describe (not from values);
 * - no internal storage key (PK, SK) anywhere;
 * - a `count` beside a list equals its length (a total is named as one: `total`, `*_count`, …).
 */
import { readdirSync, readFileSync } from "node:fs";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockServers, type MockServers } from "../mock-server/prism.js";
import { STORAGE_KEYS } from "../src/server/advertise.js";
import { EPOCH_MS_FIELDS, isoOf, shape } from "../src/server/result.js";
import { CASES } from "./cases/index.js";
import { baseUrlsFrom, connect, envelope, type Harness } from "./helpers/harness.js";
import { openSandboxSession, type SandboxSession } from "./helpers/sandbox-client.js";
import { h, stub, useStubHarness } from "./helpers/stub-harness.js";

/** Every problem of one result's data: storage keys, epoch times without ISO, counts that are not the rows'. */
export function readabilityProblems(data: unknown, path = "data"): string[] {
  const out: string[] = [];
  if (Array.isArray(data)) {
    data.forEach((v, i) => out.push(...readabilityProblems(v, `${path}[${i}]`)));
    return out;
  }
  if (data === null || typeof data !== "object") return out;
  const o = data as Record<string, unknown>;
  for (const [k, v] of Object.entries(o)) {
    if (STORAGE_KEYS.has(k)) out.push(`${path}.${k}: an internal storage key`);
    if (EPOCH_MS_FIELDS.has(k) && isoOf(v) !== undefined && o[`${k}_iso`] !== isoOf(v)) out.push(`${path}.${k}: no ${k}_iso beside it`);
    out.push(...readabilityProblems(v, `${path}.${k}`));
  }
  if (typeof o.count === "number") {
    const lists = Object.entries(o).filter(([, v]) => Array.isArray(v)) as [string, unknown[]][];
    if (lists.length > 0 && !lists.some(([, v]) => v.length === o.count)) {
      out.push(`${path}.count is ${o.count} beside ${lists.map(([k, v]) => `${k} (${v.length} rows)`).join(", ")}`);
    }
  }
  return out;
}

useStubHarness();

describe("the epoch-millisecond fields are the curated documents' own", () => {
  it("EPOCH_MS_FIELDS is exactly the properties openapi/ describes as epoch or Unix milliseconds", () => {
    const found = new Set<string>();
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) return node.forEach(walk);
      if (node === null || typeof node !== "object") return;
      const o = node as Record<string, unknown>;
      if (o.properties && typeof o.properties === "object") {
        for (const [name, sub] of Object.entries(o.properties as Record<string, unknown>)) {
          const d = (sub as { description?: unknown })?.description;
          if (typeof d === "string" && /(epoch|unix) milliseconds/i.test(d)) found.add(name);
        }
      }
      Object.values(o).forEach(walk);
    };
    const dir = new URL("../openapi/", import.meta.url);
    for (const f of readdirSync(dir).filter((f) => f.endsWith(".yaml"))) walk(parse(readFileSync(new URL(f, dir), "utf8")));
    expect([...EPOCH_MS_FIELDS].sort()).toEqual([...found].sort());
  });
});

describe("isoOf: hostile values", () => {
  it.each([
    [1749560437000, "2025-06-10T13:00:37.000Z"],
    ["1749560437000", "2025-06-10T13:00:37.000Z"],
    // Seconds where milliseconds are documented: read as seconds (no ALTR event is from 1970).
    [1749560437, "2025-06-10T13:00:37.000Z"],
    [-1749560437000, undefined],
    [0, undefined],
    [Number.NaN, undefined],
    [Number.POSITIVE_INFINITY, undefined],
    [1e20, undefined],
    [8.64e15 + 1, undefined],
    [1749560437000.5, undefined],
    ["2025-06-10T13:00:37Z", undefined],
    ["17495604370001234567", undefined],
    ["", undefined],
    [null, undefined],
    [true, undefined],
    [{ ms: 1 }, undefined],
    [12345, undefined],
  ] as const)("%j → %s", (value, iso) => {
    expect(isoOf(value)).toBe(iso);
  });

  it("shape: ISO beside the field, an ALTR-sent _iso kept, PK/SK dropped at any depth, other fields untouched", () => {
    expect(
      shape({ PK: "ORG#1", SK: "REQ#2", rows: [{ event_time: 1749560437000, timestamp: "soon", n: 1749560437000, inner: { SK: "x", checkin_time: -5 } }], agent_time: 1749560437000, agent_time_iso: "ALTR's" }),
    ).toEqual({
      rows: [{ event_time: 1749560437000, event_time_iso: "2025-06-10T13:00:37.000Z", timestamp: "soon", n: 1749560437000, inner: { checkin_time: -5 } }],
      agent_time: 1749560437000,
      agent_time_iso: "ALTR's",
    });
  });
});

describe("through a real client: hostile times from ALTR", () => {
  it("get_agent_instances: each instance's times get _iso; a hostile one gets none and does not break the call", async () => {
    const c = CASES.find((x) => x.tool === "get_agent_instances")!;
    stub.route("GET", /.*/, {
      status: 200,
      body: {
        items: [
          { agent_id: "a", instance_id: "i1", agent_time: 1749560437000, checkin_time: 1749560438000, PK: "AGENT#a" },
          { agent_id: "a", instance_id: "i2", agent_time: 1e20, checkin_time: "yesterday" },
          { agent_id: "a", instance_id: "i3", agent_time: -1, checkin_time: 1749560437 },
        ],
      },
    });
    const res = await h.call("get_agent_instances", c.args);
    expect(res.isError, JSON.stringify(res.content)).toBeFalsy();
    const text = JSON.stringify(envelope(res).data);
    expect(text).toContain('"agent_time":1749560437000,"agent_time_iso":"2025-06-10T13:00:37.000Z"');
    expect(text).toContain('"checkin_time":1749560438000,"checkin_time_iso":"2025-06-10T13:00:38.000Z"');
    expect(text).toContain('"agent_time":100000000000000000000,"checkin_time":"yesterday"');
    expect(text).toContain('"agent_time":-1,"checkin_time":1749560437,"checkin_time_iso":"2025-06-10T13:00:37.000Z"');
    expect(text).not.toContain("PK");
  });
});

describe("through a real client: tokenization answers are keyed by the caller's labels, so they are not shaped", () => {
  it("vault_tokenize with the labels PK and timestamp gets both back, and no timestamp_iso", async () => {
    stub.route("POST", /.*/, {
      status: 201,
      bodyFrom: (req) => ({ success: true, data: Object.fromEntries(Object.keys(JSON.parse(req.body) as object).map((k) => [k, "1749560437000"])) }),
    });
    const res = await h.call("vault_tokenize", { values: { PK: "1234", timestamp: "5678" } });
    expect(res.isError, JSON.stringify(res.content)).toBeFalsy();
    expect(envelope(res).data).toEqual({ PK: "1749560437000", timestamp: "1749560437000" });
  });
});

describe("through a real client: count is the rows returned, ALTR's figure is total", () => {
  it("get_tag_values: 4 rows beside ALTR's tagCount 2 (the issue's case) → count 4, total 2", async () => {
    const tags = ["a", "b", "c", "d"].map((v, i) => ({ tagID: `t${i}`, tagKey: "PII", tagValue: v }));
    stub.route("GET", /.*/, { status: 200, body: { tags, totals: { tagCount: 2 } } });
    const data = envelope(await h.call("get_tag_values", { tag_name: "PII" })).data as Record<string, unknown>;
    expect(data).toMatchObject({ count: 4, total: 2 });
    expect(readabilityProblems(data)).toEqual([]);
  });

  it.each([
    ["get_roles", { success: true, data: { userGroups: [{ userGroupName: "ANALYST" }, { userGroupName: "AUDITOR" }], count: 9 } }, "roles"],
    ["get_databases", { success: true, data: { databases: [{ id: 1, friendlyDatabaseName: "A" }], count: 9 } }, "databases"],
  ] as const)("%s: ALTR says 9, one page read then an empty one → count is the rows, total 9", async (tool, first, list) => {
    stub.route("GET", /.*/, { status: 200, body: first }, { status: 200, body: { success: true, data: { [list]: [], userGroups: [], databases: [], count: 9 } } });
    const data = envelope(await h.call(tool, {})).data as Record<string, unknown[] | number>;
    expect(data.count).toBe((data[list] as unknown[]).length);
    expect(data.total).toBe(9);
  });
});

describe("every tool result of the Prism cases", () => {
  let mock: MockServers;
  let prism: Harness;
  beforeAll(async () => {
    mock = await startMockServers();
    prism = await connect({ baseUrls: baseUrlsFrom(mock.urls) });
  });
  afterAll(async () => {
    await prism?.close();
    await mock?.close();
  });

  it("has no storage key, an ISO beside every epoch time, and counts that are the rows'", async () => {
    const problems: string[] = [];
    let epochSeen = 0;
    for (const c of CASES) {
      mock.reset();
      const env = envelope(await prism.call(c.tool, c.args));
      if (!env.success) continue;
      problems.push(...readabilityProblems(env.data).map((p) => `${c.tool}: ${p}`));
      if (/_time_iso|timestamp_iso/.test(JSON.stringify(env.data))) epochSeen++;
    }
    expect(problems).toEqual([]);
    // The check above is not empty: some cases do return documented epoch times.
    expect(epochSeen).toBeGreaterThan(0);
  });
});

describe("every tool result of the same cases on the sandbox", () => {
  let s: SandboxSession;
  beforeAll(async () => {
    s = await openSandboxSession();
  });
  afterAll(async () => {
    await s?.close();
  });

  it("has no storage key, an ISO beside every epoch time, and counts that are the rows'", async () => {
    const problems: string[] = [];
    let ok = 0;
    for (const c of CASES) {
      const env = await s.call(c.tool, c.args);
      if (!env.success) continue;
      ok++;
      problems.push(...readabilityProblems(env.data).map((p) => `${c.tool}: ${p}`));
    }
    expect(problems).toEqual([]);
    expect(ok).toBeGreaterThan(100);
  });
});

describe("access requests show what they ask for at a glance (get_access_request, get_access_requests)", () => {
  const request = {
    PK: "ORG#1",
    SK: "AR#1",
    id: "r1",
    status: "OPEN",
    requester: "Alice",
    rules: [
      {
        actors: [{ type: "role", condition: "equals", identifiers: ["ANALYST"] }],
        objects: [
          { type: "table", condition: "fully_qualified", fully_qualified_identifiers: [{ database: "PROD_DB", schema: "SALES", table: "REVENUE" }] },
          { type: "schema", condition: "starts_with", identifiers: ["FIN_"] },
        ],
        tagged_objects: [{ check_against: ["tables"], tagged_with: [{ database: "GOV", schema: "TAGS", name: "PII", value: "SSN" }] }],
        access: [{ name: "read" }, { name: "write" }],
      },
      {
        type: "read",
        actors: [{ type: "idp_group", condition: "equals", identifiers: ["finance"] }],
        objects: [{ type: "column", identifiers: [{ database: { name: "ORDERS" }, schema: { name: "public" }, table: { wildcard: true }, column: { name: "card" } }] }],
      },
    ],
  };

  it("get_access_request: requested_summary and one row per object (database/schema/table/column, access, for whom)", async () => {
    stub.route("GET", /.*/, { status: 200, body: { success: true, data: request } });
    const data = envelope(await h.call("get_access_request", { request_id: "r1" })).data as Record<string, unknown>;
    expect(data.requested_summary).toBe(
      "read+write on table PROD_DB.SALES.REVENUE for role ANALYST; read+write on schema starts with FIN_ for role ANALYST; " +
        "read+write on tables tagged GOV.TAGS.PII=SSN for role ANALYST; read on column ORDERS.public.*.card for idp_group finance",
    );
    expect(data.requested).toEqual([
      expect.objectContaining({ access: "read+write", type: "table", database: "PROD_DB", schema: "SALES", table: "REVENUE" }),
      expect.objectContaining({ type: "schema", match: "starts_with", schema: "FIN_" }),
      expect.objectContaining({ type: "tables", match: "tagged", tag: "GOV.TAGS.PII=SSN" }),
      expect.objectContaining({ access: "read", type: "column", database: "ORDERS", schema: "public", table: "*", column: "card", for: "idp_group finance" }),
    ]);
    expect(JSON.stringify(data)).not.toMatch(/"PK"|"SK"/);
    // ALTR's own fields are still all there.
    expect(data).toMatchObject({ id: "r1", status: "OPEN", rules: request.rules });
  });

  it("get_access_requests: every listed request has them too; count is the rows", async () => {
    stub.route("GET", /.*/, { status: 200, body: { success: true, data: [request, { ...request, id: "r2", rules: [] }] } });
    const data = envelope(await h.call("get_access_requests", {})).data as { access_requests: Record<string, unknown>[]; count: number };
    expect(data.count).toBe(2);
    expect(data.access_requests[0]!.requested_summary).toMatch(/^read\+write on table PROD_DB\.SALES\.REVENUE/);
    expect(data.access_requests[1]).toMatchObject({ requested_summary: "no objects could be read from the rules", requested: [] });
  });

  it("hostile rules: not a list, odd types, 10,000 objects → bounded rows, no crash, ALTR's fields not overwritten", async () => {
    const many = { actors: [], access: [{ name: "read" }], objects: [{ type: "database", condition: "equals", identifiers: Array.from({ length: 10_000 }, (_, i) => `DB${i}`) }] };
    const odd = { actors: "x", access: "y", objects: [{ type: "summary", identifiers: ["evil"] }, null, 7] };
    stub.route("GET", /.*/, { status: 200, body: { success: true, data: [{ id: "a", rules: "nope" }, { id: "b", rules: [many] }, { id: "c", rules: [odd] }] } });
    const res = await h.call("get_access_requests", {});
    expect(res.isError, JSON.stringify(res.content)).toBeFalsy();
    const [a, b, c] = (envelope(res).data as { access_requests: Record<string, unknown>[] }).access_requests;
    expect(a).toMatchObject({ id: "a", rules: "nope", requested: [] });
    expect((b!.requested as unknown[]).length).toBe(50);
    expect(b!.requested_summary).toMatch(/\(\+9995 more in requested, which lists the first 50\)$/);
    expect(c!.requested).toEqual([expect.objectContaining({ type: "summary", name: "evil", summary: "access on summary evil for (no actor)" })]);
  });
});
