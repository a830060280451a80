/**
 * Every tool result is bounded (#13 item 4): the whole CallToolResult as sent — the envelope is in
 * it twice, as text and as structuredContent — is at most ALTR_MAX_RESULT_BYTES, cut at an item
 * boundary of the largest list, with `truncated: true`, the number of items left out and how to
 * get them. Hostile case: ALTR answers a 7 MB page of roles, or 120,000 roles over 20 pages; on
 * main the result was over 10 MiB, the SDK's stdio client failed and the server exited.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { loadSettings } from "../src/config/index.js";
import { bounded, DEFAULT_MAX_RESULT_BYTES, errorResult, resultBytes, type Envelope } from "../src/server/result.js";
import { AltrError } from "../src/altr/errors.js";
import { envelope } from "./helpers/harness.js";
import { builtServerTransport } from "./helpers/built-server.js";
import { startStub, type Stub } from "./helpers/stub.js";

const group = (i: number) => ({
  userGroupId: i,
  userGroupName: `ROLE_${String(i).padStart(6, "0")}_${"x".repeat(60)}`,
  userGroupType: "User Group",
  description: "padding ".repeat(4),
});

let stub: Stub;
let client: Client;
let stderr = "";

beforeAll(async () => {
  stub = await startStub();
  const transport = builtServerTransport(stub.url, {
    ORG_ID: "bound-org",
    MAPI_KEY: "bound-key",
    MAPI_SECRET: "bound-secret-value",
    LOG_LEVEL: "info",
    MAX_RETRIES: "1",
  });
  transport.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  client = new Client({ name: "bound", version: "0" });
  await client.connect(transport);
});
afterAll(async () => {
  await client.close();
  await stub.close();
});

const call = async (name: string, args: Record<string, unknown> = {}) =>
  (await client.callTool({ name, arguments: args }, undefined, { timeout: 120_000 })) as CallToolResult;

describe("over stdio with the SDK client (built server)", () => {
  it("a 7 MB page of roles: the result fits the bound, says what it left out, and offset continues", async () => {
    const groups = Array.from({ length: 70_000 }, (_, i) => group(i));
    const page = { success: true, data: { userGroups: groups, count: groups.length } };
    expect(JSON.stringify(page).length).toBeGreaterThan(7_000_000);
    stub.route("GET", "/api/userGroups", {
      status: 200,
      bodyFrom: (req) => {
        const offset = Number(new URL(req.url, "http://x").searchParams.get("offset") ?? 0);
        return { success: true, data: { userGroups: groups.slice(offset), count: groups.length } };
      },
    });
    const res = await call("get_roles");
    expect(resultBytes(res)).toBeLessThanOrEqual(DEFAULT_MAX_RESULT_BYTES);
    const env = envelope(res);
    const data = env.data as { roles: string[]; count: number; next_offset: number | null };
    const kept = data.roles.length;
    expect(kept).toBeGreaterThan(1000);
    expect(env.truncated).toBe(true);
    expect(env.truncation).toMatchObject({
      path: "data.roles",
      items_returned: kept,
      items_omitted: 70_000 - kept,
      continue_with: { offset: kept },
    });
    expect(data.next_offset).toBe(kept);
    expect(data.count).toBe(70_000);
    // The server is still up, and the continuation fetches the next role.
    const next = envelope(await call("get_roles", { offset: kept }));
    expect((next.data as { roles: string[] }).roles[0]).toBe(group(kept).userGroupName);
    expect(stderr).not.toMatch(/ReadBuffer|exceeded/i);
  }, 180_000);

  it("120,000 roles over 20 pages: bounded too", async () => {
    const total = 120_000;
    stub.route("GET", "/api/userGroups", {
      status: 200,
      bodyFrom: (req) => {
        const offset = Number(new URL(req.url, "http://x").searchParams.get("offset") ?? 0);
        const userGroups = Array.from({ length: Math.min(6_000, total - offset) }, (_, i) => group(offset + i));
        return { success: true, data: { userGroups, count: total } };
      },
    });
    const res = await call("get_roles", { offset: 0 });
    expect(resultBytes(res)).toBeLessThanOrEqual(DEFAULT_MAX_RESULT_BYTES);
    const env = envelope(res);
    expect(env.truncated).toBe(true);
    expect(env.truncation!.items_returned + env.truncation!.items_omitted).toBe(total);
    expect((await call("get_roles", { offset: 119_999 })).isError).toBeFalsy();
  }, 180_000);
});

describe("bounded()", () => {
  const wrap = (data: unknown): Envelope => ({ success: true, data, error: null });

  it("counts UTF-8 bytes of the whole result (text and structuredContent) and cuts the largest list", () => {
    const data = { small: ["a", "b"], findings: Array.from({ length: 5_000 }, (_, i) => ({ id: i, note: "é€😀\"\\".repeat(10) })), next_cursor: "c1" };
    const res = bounded(wrap(data), false, { maxBytes: 50_000, params: ["job_id", "cursor", "table"] });
    expect(resultBytes(res)).toBeLessThanOrEqual(50_000);
    const env = envelope(res);
    const out = env.data as typeof data;
    expect(out.small).toEqual(["a", "b"]);
    expect(out.findings.length).toBe(env.truncation!.items_returned);
    expect(out.findings.length).toBeGreaterThan(50);
    expect(out.findings[0]).toEqual(data.findings[0]);
    expect(env.truncation).toMatchObject({ path: "data.findings", items_omitted: 5_000 - out.findings.length, narrow_with: ["job_id", "table"] });
    expect(env.truncation!.message).toMatch(/not in any continuation cursor/);
    // Nothing was mutated.
    expect(data.findings).toHaveLength(5_000);
  });

  it("a result under the bound is unchanged", () => {
    const res = bounded(wrap({ roles: ["A"] }), false, { maxBytes: 4096 });
    expect(envelope(res)).toEqual({ success: true, data: { roles: ["A"] }, error: null });
  });

  it("no list to cut (one huge string): data is left out, the envelope says why", () => {
    const res = bounded(wrap({ report: "x".repeat(100_000) }), false, { maxBytes: 8_192, params: ["job_id"] });
    expect(resultBytes(res)).toBeLessThanOrEqual(8_192);
    expect(envelope(res)).toMatchObject({ success: true, data: null, truncated: true, truncation: { path: "data", narrow_with: ["job_id"] } });
  });

  it("a list whose first item alone is too big comes back empty, with the item counted as left out", () => {
    const res = bounded(wrap({ rows: [{ blob: "y".repeat(50_000) }] }), false, { maxBytes: 8_192 });
    expect(resultBytes(res)).toBeLessThanOrEqual(8_192);
    expect(envelope(res)).toMatchObject({ data: { rows: [] }, truncation: { items_returned: 0, items_omitted: 1 } });
  });

  it("no list but a large map (label → value, or many rule hashes): cut at an entry boundary", () => {
    const values = Object.fromEntries(Array.from({ length: 4_096 }, (_, i) => [`row ${i}`, "v".repeat(1_000)]));
    const res = bounded(wrap(values), false, { maxBytes: 65_536, params: ["tokens"] });
    expect(resultBytes(res)).toBeLessThanOrEqual(65_536);
    const env = envelope(res);
    const kept = Object.keys(env.data as object);
    expect(kept.length).toBeGreaterThan(10);
    expect(kept[0]).toBe("row 0");
    expect(env.truncation).toMatchObject({ path: "data", items_returned: kept.length, items_omitted: 4_096 - kept.length, narrow_with: ["tokens"] });
    // get_rules: many hashes of one rule each; the largest list cannot help, the map can.
    const items = Object.fromEntries(Array.from({ length: 2_000 }, (_, i) => [`h${i}`, [{ rule_id: `R${i}`, role: "r".repeat(200) }]]));
    const rules = envelope(bounded(wrap({ items, count: 2_000, next_cursor: null }), false, { maxBytes: 65_536, params: ["policy_id", "cursor"] }));
    expect(rules.truncation).toMatchObject({ path: "data.items", narrow_with: ["policy_id"] });
    expect((rules.data as { count: number }).count).toBe(2_000);
    // A small record is never cut entry by entry: it falls back to no data.
    const record = envelope(bounded(wrap({ a: "x".repeat(100_000), b: 1 }), false, { maxBytes: 8_192 }));
    expect(record.data).toBeNull();
  });

  it("an error with a huge ALTR message and partial-failure data is bounded and stays an error", () => {
    const err = new AltrError({ kind: "http", status: 400, altrMessage: "m".repeat(1_000_000) });
    const res = errorResult(err, [], { maxBytes: 16_384 });
    expect(res.isError).toBe(true);
    expect(resultBytes(res)).toBeLessThanOrEqual(16_384);
    expect(envelope(res).error!.kind).toBe("http");
  });

  it("ALTR_MAX_RESULT_BYTES: default 256 KiB, validated, below the stdio client's 10 MiB", () => {
    const base = { ORG_ID: "o", MAPI_KEY: "k", MAPI_SECRET: "s" };
    expect(loadSettings(base).maxResultBytes).toBe(262_144);
    expect(loadSettings({ ...base, ALTR_MAX_RESULT_BYTES: "65536" }).maxResultBytes).toBe(65_536);
    expect(() => loadSettings({ ...base, ALTR_MAX_RESULT_BYTES: "20000000" })).toThrow(/ALTR_MAX_RESULT_BYTES/);
  });
});
