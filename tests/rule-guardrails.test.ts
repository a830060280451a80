/**
 * Guardrails on masking rules, through a real MCP client: before add_rules / update_rule write,
 * roles and tag values are checked against ALTR (bounded look-ups, once per call). A case-only
 * mismatch is refused with the exact spelling, an unknown value with the closest known ones
 * unless allow_unknown, a failed look-up fails closed; nothing is written when refused.
 * masking_policy also takes a level's name; add_rules reports what it did to each rule.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, describe, expect, it } from "vitest";
import { prepare } from "../src/cli/start.js";
import { baseUrlsFrom, connect, envelope, type Harness } from "./helpers/harness.js";
import { routeRuleNames } from "./helpers/rule-names.js";
import { startStub, type Stub } from "./helpers/stub.js";

const POLICY = "/v1/unified-policy/management/policy";
let stub: Stub | undefined;
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  await stub?.close();
  h = undefined;
  stub = undefined;
});

async function stubbed(roles: string[] = ["ADMIN", "ANALYST"], values: string[] = ["SSN", "EMAIL"]): Promise<{ s: Stub; c: Harness }> {
  stub = await startStub();
  routeRuleNames(stub, roles, values);
  stub.route("GET", `${POLICY}/TAG%23PII/rules`, { status: 200, body: { success: true, data: { items: {} } } });
  stub.route("PATCH", /\/rules(\/batch)?(\/[^/]+)?$/, { status: 200, body: { success: true } });
  h = await connect({ baseUrls: baseUrlsFrom(stub.url) });
  return { s: stub, c: h };
}
const writes = (s: Stub) => s.requests.filter((r) => r.method !== "GET");
const add = (rules: Record<string, unknown>[], extra: Record<string, unknown> = {}) => ({ policy_id: "TAG#PII", rules, ...extra });

describe("roles and tag values are checked before a write (stub ALTR)", () => {
  it.each([
    ["rules[0].role", { masking_policy: 10003, role: "analyst", tag_value: "SSN" }, '"ANALYST"'],
    ["rules[0].tag_value", { masking_policy: 10003, role: "ANALYST", tag_value: "ssn" }, '"SSN"'],
  ])("a case-only mismatch in %s is refused with the exact spelling; nothing is written", async (field, r, spelling) => {
    const { s, c } = await stubbed();
    const res = await c.call("add_rules", add([r]));
    const env = envelope(res);
    expect(res.isError).toBe(true);
    expect(env.error?.kind).toBe("invalid_input");
    expect(env.error?.fields).toEqual([field]);
    expect(env.error?.message).toContain(`${field}:`);
    expect(env.error?.message).toContain(`use ${spelling}`);
    expect(env.error?.message).toContain("Nothing was changed in ALTR");
    expect(writes(s)).toHaveLength(0);
  });

  it("a case-only mismatch is refused even with allow_unknown", async () => {
    const { s, c } = await stubbed();
    const env = envelope(await c.call("add_rules", add([{ masking_policy: 10001, role: "Analyst", tag_value: "SSN" }], { allow_unknown: true })));
    expect(env.error?.message).toContain('use "ANALYST"');
    expect(writes(s)).toHaveLength(0);
  });

  it("an unknown value is refused with the closest known ones and names allow_unknown", async () => {
    const { s, c } = await stubbed(["ADMIN", "ANALYST", "DATA_SCIENTIST", "SUPPORT"]);
    const env = envelope(await c.call("add_rules", add([{ masking_policy: 10001, role: "ANALSYT", tag_value: "SSN" }])));
    expect(env.error?.kind).toBe("invalid_input");
    expect(env.error?.message).toMatch(/rules\[0\]\.role: "ANALSYT" is not a role in ALTR \(closest: ANALYST, /);
    expect(env.error?.message).toContain("allow_unknown: true");
    expect(writes(s)).toHaveLength(0);
  });

  it("allow_unknown: true writes a value ALTR has not synced yet", async () => {
    const { s, c } = await stubbed();
    const res = await c.call("add_rules", add([{ masking_policy: 10001, role: "NEW_ROLE", tag_value: "NEW_VALUE" }], { allow_unknown: true }));
    expect(res.isError).toBeFalsy();
    expect(writes(s)).toHaveLength(1);
    expect(JSON.parse(writes(s)[0]!.body)).toEqual({ rules: [{ action: "PUT", rule: { masking_policy: 10001, role: "NEW_ROLE", tag_value: "NEW_VALUE" } }] });
  });

  it("a failed look-up fails closed and names allow_unknown; with it, the write goes ahead", async () => {
    stub = await startStub();
    stub.route("GET", "/api/userGroups", { status: 500, body: { message: "down" } });
    stub.route("GET", /\/rules$/, { status: 200, body: { success: true, data: { items: {} } } });
    stub.route("PATCH", /\/rules\/batch$/, { status: 200, body: { success: true } });
    h = await connect({ baseUrls: baseUrlsFrom(stub.url) });
    const env = envelope(await h.call("add_rules", add([{ masking_policy: 10001, role: "ANALYST", tag_value: "SSN" }])));
    expect(env.error?.kind).toBe("invalid_input");
    expect(env.error?.message).toMatch(/Could not read the roles .*Nothing was written.*allow_unknown: true/s);
    expect(writes(stub)).toHaveLength(0);
    // The tag values cannot be read either (no route): allow_unknown skips both checks.
    const ok = await h.call("add_rules", add([{ masking_policy: 10001, role: "ANALYST", tag_value: "SSN" }], { allow_unknown: true }));
    expect(ok.isError).toBeFalsy();
    expect(writes(stub)).toHaveLength(1);
  });

  it("hostile: another tag's values do not count, and a server that never ends its list is read a bounded number of pages", async () => {
    stub = await startStub();
    // Every page says there are a million roles and repeats the same one.
    stub.route("GET", "/api/userGroups", { status: 200, body: { success: true, data: { userGroups: [{ userGroupName: "ADMIN" }], count: 1_000_000 } } });
    stub.route("GET", "/v1/dis/tags/v2/tags/list", {
      status: 200,
      body: { tags: [{ tagID: "x", tagKey: "PII_OLD", tagValue: "SSN" }], totals: { tagCount: 1 } },
    });
    h = await connect({ baseUrls: baseUrlsFrom(stub.url) });
    const env = envelope(await h.call("add_rules", add([{ masking_policy: 10001, role: "ANALYST", tag_value: "SSN" }])));
    expect(env.error?.message).toMatch(/rules\[0\]\.role: "ANALYST" is not a role in ALTR among the first 5 read/);
    expect(env.error?.message).toMatch(/rules\[0\]\.tag_value: "SSN" is not a value of tag PII/);
    expect(stub.requests.filter((r) => r.url.startsWith("/api/userGroups"))).toHaveLength(5);
    expect(writes(stub)).toHaveLength(0);
  });

  it("update_rule checks a new role or tag value the same way; nothing is written", async () => {
    const { s, c } = await stubbed();
    const env = envelope(await c.call("update_rule", { policy_id: "TAG#PII", rule_id: "r1", role: "admin" }));
    expect(env.error).toMatchObject({ kind: "invalid_input", fields: ["role"] });
    expect(env.error?.message).toContain('use "ADMIN"');
    expect(writes(s)).toHaveLength(0);
    // A level change alone needs no look-up.
    expect((await c.call("update_rule", { policy_id: "TAG#PII", rule_id: "r1", masking_policy: "full_mask" })).isError).toBeFalsy();
    expect(JSON.parse(writes(s)[0]!.body)).toEqual({ masking_policy: 10001 });
    // Only the roles were read, for the first call.
    expect(s.requests.filter((r) => r.method === "GET").map((r) => r.url.split("?")[0])).toEqual(["/api/userGroups"]);
  });
});

describe("a refused rule is refused before anyone is asked to confirm it", () => {
  /** A stub that knows ADMIN, ANALYST and SSN, and a client that can be asked (answering `answer`). */
  async function asking(answer: "accept" | "decline"): Promise<{ c: Harness; asked: unknown[] }> {
    stub = await startStub();
    routeRuleNames(stub, ["ADMIN", "ANALYST"], ["SSN"]);
    stub.route("GET", `${POLICY}/TAG%23PII/rules`, { status: 200, body: { success: true, data: { items: {} } } });
    const asked: unknown[] = [];
    h = await connect({
      baseUrls: baseUrlsFrom(stub.url),
      confirmDestructive: true,
      capabilities: { elicitation: {} },
      onElicit: (req) => {
        asked.push(req);
        return answer === "accept" ? { action: "accept", content: {} } : { action: "decline" };
      },
    });
    return { c: h, asked };
  }

  it.each([
    ["update_rule", { policy_id: "TAG#PII", rule_id: "r1", role: "admin", masking_policy: 10000 }, ["role"]],
    ["update_rule", { policy_id: "TAG#PII", rule_id: "r1" }, []],
    ["add_rules", add([{ masking_policy: 10000, role: "ANALSYT", tag_value: "SSN" }]), ["rules[0].role"]],
  ])("%s %j: invalid_input, no question, nothing written", async (tool, args, fields) => {
    const { c, asked } = await asking("accept");
    const env = envelope(await c.call(tool, args));
    expect(env.error).toMatchObject({ kind: "invalid_input", fields });
    expect(asked).toHaveLength(0);
    expect(writes(stub!)).toHaveLength(0);
  });

  it("a known role still asks before it unmasks (the check does not skip the question)", async () => {
    const { c, asked } = await asking("decline");
    await c.call("update_rule", { policy_id: "TAG#PII", rule_id: "r1", role: "ADMIN", masking_policy: 10000 });
    expect(asked).toHaveLength(1);
    expect(writes(stub!)).toHaveLength(0);
  });
});

describe("masking_policy takes a level's name", () => {
  it('"SHOW_LAST_FOUR" (any case) is sent as 10003', async () => {
    const { s, c } = await stubbed();
    await c.call("add_rules", add([{ masking_policy: "show_last_four", role: "ANALYST", tag_value: "SSN" }]));
    expect(JSON.parse(writes(s)[0]!.body)).toEqual({ rules: [{ action: "PUT", rule: { masking_policy: 10003, role: "ANALYST", tag_value: "SSN" } }] });
  });

  it("an unknown name is refused naming the field and listing the names; nothing is sent", async () => {
    const { s, c } = await stubbed();
    const env = envelope(await c.call("add_rules", add([{ masking_policy: "LAST_4", role: "ANALYST", tag_value: "SSN" }])));
    expect(env.error?.kind).toBe("invalid_input");
    expect(env.error?.message).toContain("rules[0].masking_policy: not a masking level: give 10000–10009 or a name (10000 NO_MASK");
    expect(env.error?.message).toContain("10003 SHOW_LAST_FOUR");
    expect(s.requests).toHaveLength(0);
  });
});

describe("add_rules reports what it did to each rule", () => {
  it("created, updated (from → to) and unchanged, from the rules read before the write", async () => {
    stub = await startStub();
    routeRuleNames(stub, ["ADMIN", "ANALYST"], ["SSN", "EMAIL"]);
    const rule = (role: string, tag_value: string, level: string) => ({ rule_id: `TAG#PII#ROLE#${role}#TAG_VALUE#${tag_value}`, role, tag_value, success_rule_json: { masking_policy: level } });
    stub.route("GET", `${POLICY}/TAG%23PII/rules`, {
      status: 200,
      body: { success: true, data: { items: { a: [rule("ANALYST", "SSN", "10003")], b: [rule("ADMIN", "SSN", "10000")] } } },
    });
    stub.route("PATCH", /\/rules\/batch$/, { status: 200, body: { success: true } });
    h = await connect({ baseUrls: baseUrlsFrom(stub.url) });
    const env = envelope(
      await h.call(
        "add_rules",
        add([
          { masking_policy: 10001, role: "ANALYST", tag_value: "SSN" },
          { masking_policy: "NO_MASK", role: "ADMIN", tag_value: "SSN" },
          { masking_policy: 10002, role: "ANALYST", tag_value: "EMAIL" },
        ]),
      ),
    );
    expect((env.data as { results: unknown[] }).results).toEqual([
      { role: "ANALYST", tag_value: "SSN", status: "updated", from: 10003, to: 10001, to_name: "FULL_MASK" },
      { role: "ADMIN", tag_value: "SSN", status: "unchanged", from: 10000, to: 10000, to_name: "NO_MASK" },
      { role: "ANALYST", tag_value: "EMAIL", status: "created", from: null, to: 10002, to_name: "EMAIL" },
    ]);
  });
});

describe("on the sandbox", () => {
  async function sandbox() {
    const prepared = await prepare({ LOG_LEVEL: "silent", ALTR_TOOLSETS: "all", ALTR_CONFIRM_DESTRUCTIVE: "false" }, { sandbox: {} });
    const server = prepared.host.createServer();
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    const client = new Client({ name: "guardrails", version: "0" });
    await client.connect(clientSide);
    return {
      call: async (name: string, args: Record<string, unknown>) => (await client.callTool({ name, arguments: args })) as CallToolResult,
      close: async () => {
        await client.close();
        await prepared.close();
      },
    };
  }

  it('"analyst" / "ssn" are refused with the real spelling; the corrected call creates the rule', async () => {
    const s = await sandbox();
    try {
      const refused = envelope(await s.call("add_rules", add([{ masking_policy: "SHOW_LAST_FOUR", role: "analyst", tag_value: "ssn" }])));
      expect(refused.error?.kind).toBe("invalid_input");
      expect(refused.error?.message).toContain('rules[0].role: "analyst" is not a role in ALTR; use "ANALYST"');
      expect(refused.error?.message).toContain('rules[0].tag_value: "ssn" is not a value of tag PII in ALTR; use "SSN"');
      const unknown = envelope(await s.call("add_rules", add([{ masking_policy: 10001, role: "DATA_SCIENTST", tag_value: "PHONE" }])));
      expect(unknown.error?.message).toContain("closest: DATA_SCIENTIST");
      const done = envelope(await s.call("add_rules", add([{ masking_policy: "SHOW_LAST_FOUR", role: "DATA_SCIENTIST", tag_value: "PHONE" }])));
      expect(done.error).toBeNull();
      expect((done.data as { results: unknown[] }).results).toEqual([
        { role: "DATA_SCIENTIST", tag_value: "PHONE", status: "created", from: null, to: 10003, to_name: "SHOW_LAST_FOUR" },
      ]);
    } finally {
      await s.close();
    }
  });
});

describe("get_rules reads at a glance", () => {
  it("a flat list: integer levels with names, state, no hash or storage keys; paging unchanged", async () => {
    stub = await startStub();
    stub.route("GET", `${POLICY}/TAG%23PII/rules`, {
      status: 200,
      body: {
        success: true,
        data: {
          items: {
            "9f2c": [
              {
                PK: "ORG#x#POLICY",
                SK: "RULE#1",
                rule_id: "TAG#PII#ROLE#ANALYST#TAG_VALUE#SSN",
                rule_hash: "9f2c",
                policy_id: "TAG#PII",
                role: "ANALYST",
                tag_value: "SSN",
                success_rule_json: { masking_policy: "10003" },
                pending_rule_json: {},
                failed_rule_json: {},
                updated_at: "2025-06-10T20:14:40Z",
              },
              { rule_id: "R2", role: "ADMIN", tag_value_regex: "*", success_rule_json: { masking_policy: 10000 }, pending_rule_json: { masking_policy: 10001 } },
            ],
          },
          last_evaluated_key: { rule_id: "R2" },
        },
      },
    }, { status: 200, body: { success: true, data: { items: { "9f2c": [{ rule_id: "R2", role: "ADMIN" }] }, last_evaluated_key: null } } });
    h = await connect({ baseUrls: baseUrlsFrom(stub.url) });
    const env = envelope(await h.call("get_rules", { policy_id: "TAG#PII" }));
    const data = env.data as { rules: Record<string, unknown>[]; count: number; next_cursor: string | null };
    expect(data.rules).toEqual([
      {
        rule_id: "TAG#PII#ROLE#ANALYST#TAG_VALUE#SSN",
        role: "ANALYST",
        tag_value: "SSN",
        level: 10003,
        level_name: "SHOW_LAST_FOUR",
        status: "applied",
        access_rate_thresholds: [],
        time_window_thresholds: [],
        updated_at: "2025-06-10T20:14:40Z",
      },
      {
        rule_id: "R2",
        role: "ADMIN",
        tag_value: "*",
        level: 10001,
        level_name: "FULL_MASK",
        status: "pending",
        access_rate_thresholds: [],
        time_window_thresholds: [],
        updated_at: null,
      },
    ]);
    expect(data.count).toBe(2);
    expect(JSON.stringify(data)).not.toMatch(/"PK"|"SK"|rule_hash|9f2c/);
    // Paging on the wire is unchanged: the second page is asked with ALTR's key; a rule seen again is kept once.
    expect(data.next_cursor).toBeNull();
    expect(new URL(stub.requests[1]!.url, "http://x").searchParams.get("exclusive_start_key")).toBe('{"rule_id":"R2"}');
  });
});

describe("idempotent deletes are honest (delete_rule, delete_policy)", () => {
  it.each([
    ["delete_rule", { policy_id: "TAG#PII", rule_id: "R1" }, /\/rules\/R1$/],
    ["delete_policy", { policy_id: "TAG#PII" }, /\/policy\/TAG%23PII$/],
  ] as const)("%s: a repeat delete that gets 404 is a non-error with changed: false; a 500 is still an error", async (tool, args, path) => {
    stub = await startStub();
    stub.route("DELETE", path, { status: 200, body: { success: true } }, { status: 404, body: { message: "Not Found", statusCode: 404 } }, { status: 500, body: { message: "boom" } });
    // delete_rule reads the policy after a 404 (an unknown policy is an error, an absent rule is not).
    stub.route("GET", /\/rules$/, { status: 200, body: { success: true, data: { items: {} } } });
    h = await connect({ baseUrls: baseUrlsFrom(stub.url) });
    const first = envelope(await h.call(tool, args));
    expect(first.data).toMatchObject({ deleted: true, changed: true });
    const again = await h.call(tool, args);
    expect(again.isError).toBeFalsy();
    expect(envelope(again).data).toMatchObject({ deleted: false, changed: false, message: expect.stringMatching(/^already absent — nothing to delete/) });
    const broken = await h.call(tool, args);
    expect(broken.isError).toBe(true);
  });
});
