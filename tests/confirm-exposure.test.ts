/**
 * Writes that lower protection ask first (#13 item 3), through a real SDK client, on the sandbox
 * (its seeded policy TAG#PII: ADMIN SSN 10000, ANALYST SSN 10003, ANALYST EMAIL 10002):
 * - add_rules asks when a rule lets a role see more than today (unmask, partial unmask, a new
 *   revealing rule), names who sees what afterwards, and does not ask for a raise; a failed
 *   look-up asks anyway (fail closed);
 * - approve_access_request and the detokenize tools ask too, without being advertised as
 *   destructive.
 * The hostile case — add_rules {ANALYST, SSN, 10000} with confirmation on and update_rule in
 * RESTRICTED_TOOLS — went through without a question before this change.
 */
import { afterEach, describe, expect, it } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { ElicitRequestSchema, type CallToolResult, type ElicitRequest } from "@modelcontextprotocol/sdk/types.js";
import { prepare, type Prepared } from "../src/cli/start.js";
import { baseUrlsFrom, connect, envelope, type Harness } from "./helpers/harness.js";
import { routeRuleNames } from "./helpers/rule-names.js";
import { startStub, type Stub } from "./helpers/stub.js";

interface Session {
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  client: Client;
  asked: string[];
  prepared: Prepared;
  close(): Promise<void>;
}

let open: Session | undefined;
afterEach(async () => {
  await open?.close();
  open = undefined;
});

/** The sandboxed server behind an in-memory SDK client; `elicit` answers every question. */
async function sandbox(opts: { env?: Record<string, string>; elicit?: "accept" | "decline" } = {}): Promise<Session> {
  const prepared = await prepare({ LOG_LEVEL: "silent", ALTR_TOOLSETS: "all", RESTRICTED_TOOLS: "update_rule", ...opts.env }, { sandbox: {} });
  const server = prepared.host.createServer();
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const asked: string[] = [];
  const client = new Client({ name: "exposure", version: "0" }, { capabilities: opts.elicit ? { elicitation: {} } : {} });
  const answer = opts.elicit;
  if (answer) {
    client.setRequestHandler(ElicitRequestSchema, async (req: ElicitRequest) => {
      asked.push(req.params.message);
      return answer === "accept" ? { action: "accept", content: {} } : { action: "decline" };
    });
  }
  await client.connect(clientSide);
  open = {
    client,
    asked,
    prepared,
    call: async (name, args = {}) => (await client.callTool({ name, arguments: args })) as CallToolResult,
    async close() {
      await client.close();
      await server.close();
      await prepared.close();
    },
  };
  return open;
}

/** The level of role × tag value in TAG#PII, as get_rules reports it. */
async function levelOf(s: Session, role: string, tagValue: string): Promise<string | undefined> {
  const data = envelope(await s.call("get_rules", { policy_id: "TAG#PII" })).data as {
    rules: { role: string | null; tag_value: string | null; level: number | null }[];
  };
  const rule = data.rules.find((r) => r.role === role && r.tag_value === tagValue);
  return rule ? String(rule.level) : undefined;
}

const UNMASK = { policy_id: "TAG#PII", rules: [{ masking_policy: 10000, role: "ANALYST", tag_value: "SSN" }] };

describe("add_rules that unmasks asks first (sandbox, update_rule restricted)", () => {
  it("hostile case, no form: refused without confirm, naming who sees what; the rule stays 10003", async () => {
    const s = await sandbox();
    expect(await levelOf(s, "ANALYST", "SSN")).toBe("10003");
    const res = await s.call("add_rules", UNMASK);
    expect(res.isError).toBe(true);
    const env = envelope(res);
    expect(env.error).toMatchObject({ kind: "invalid_input", fields: ["confirm"] });
    expect(env.error!.message).toContain("ANALYST sees SSN unmasked (10003 → 10000)");
    expect(env.error!.message).toContain("Nothing was changed in ALTR (only read)");
    expect(await levelOf(s, "ANALYST", "SSN")).toBe("10003");
    // confirm: true (the user agreed) applies it.
    expect((await s.call("add_rules", { ...UNMASK, confirm: true })).isError).toBeFalsy();
    expect(await levelOf(s, "ANALYST", "SSN")).toBe("10000");
  });

  it("with a form: the question says which role sees what; decline changes nothing, accept applies", async () => {
    const s = await sandbox({ elicit: "decline" });
    const declined = envelope(await s.call("add_rules", { ...UNMASK, confirm: true }));
    expect(declined.data).toMatchObject({ confirmed: false, changed: false });
    expect(s.asked).toEqual(["Add masking rules: policy_id=TAG#PII, rules=1 item — ANALYST sees SSN unmasked (10003 → 10000)?"]);
    expect(await levelOf(s, "ANALYST", "SSN")).toBe("10003");
    await s.close();

    const t = await sandbox({ elicit: "accept" });
    expect(envelope(await t.call("add_rules", UNMASK)).data).toMatchObject({ rules_added: 1 });
    expect(t.asked).toHaveLength(1);
    expect(await levelOf(t, "ANALYST", "SSN")).toBe("10000");
  });

  it("a partial unmask, a new revealing rule and a lowered level are all named; the raise is not", async () => {
    const s = await sandbox({ elicit: "decline" });
    await s.call("add_rules", {
      policy_id: "TAG#PII",
      rules: [
        { masking_policy: 10003, role: "ANALYST", tag_value: "EMAIL" }, // email → last four: another part shows
        { masking_policy: 10000, role: "DATA_SCIENTIST", tag_value: "SSN" }, // no rule today: fully masked
        { masking_policy: 10001, role: "ADMIN", tag_value: "SSN" }, // raise: no mention
        { masking_policy: 10002, role: "DATA_SCIENTIST", tag_value: "EMAIL" },
      ],
    });
    expect(s.asked).toEqual([
      "Add masking rules: policy_id=TAG#PII, rules=4 items — ANALYST sees EMAIL partly unmasked (10002 → 10003); " +
        "DATA_SCIENTIST sees SSN unmasked (no rule: fully masked → 10000); DATA_SCIENTIST sees EMAIL partly unmasked (no rule: fully masked → 10002)?",
    ]);
    expect(await levelOf(s, "ADMIN", "SSN")).toBe("10000");
  });

  it("raising protection, or keeping a level, does not ask", async () => {
    const s = await sandbox({ elicit: "decline" });
    const res = await s.call("add_rules", {
      policy_id: "TAG#PII",
      rules: [
        { masking_policy: 10001, role: "ANALYST", tag_value: "SSN" },
        { masking_policy: 10000, role: "ADMIN", tag_value: "SSN" },
        { masking_policy: 10005, role: "DATA_SCIENTIST", tag_value: "SSN" },
      ],
    });
    expect(envelope(res).data).toMatchObject({ rules_added: 3 });
    expect(s.asked).toEqual([]);
    expect(await levelOf(s, "ANALYST", "SSN")).toBe("10001");
  });

  it("ALTR_CONFIRM_DESTRUCTIVE=false: no question, no confirm parameter (upstream behaviour)", async () => {
    const s = await sandbox({ elicit: "decline", env: { ALTR_CONFIRM_DESTRUCTIVE: "false" } });
    expect((await s.call("add_rules", UNMASK)).isError).toBeFalsy();
    expect(s.asked).toEqual([]);
    expect(await levelOf(s, "ANALYST", "SSN")).toBe("10000");
    const listed = (await s.client.listTools()).tools.find((t) => t.name === "add_rules")!;
    expect(listed.inputSchema.properties).not.toHaveProperty("confirm");
  });
});

describe("fail closed and the exposure tools (stub ALTR)", () => {
  let stub: Stub;
  let h: Harness | undefined;
  const asked: string[] = [];
  afterEach(async () => {
    await h?.close();
    await stub?.close();
    h = undefined;
    asked.length = 0;
  });
  async function harness(elicit: "accept" | "decline" | undefined): Promise<Harness> {
    stub = await startStub();
    h = await connect({
      baseUrls: baseUrlsFrom(stub.url),
      confirmDestructive: true,
      ...(elicit
        ? {
            capabilities: { elicitation: {} },
            onElicit: (req: ElicitRequest) => {
              asked.push(req.params.message);
              return elicit === "accept" ? { action: "accept" as const, content: {} } : { action: "decline" as const };
            },
          }
        : {}),
    });
    return h;
  }
  const writes = () => stub.requests.filter((r) => r.method !== "GET");

  it("the rules cannot be read (500, or a lying body): add_rules asks anyway", async () => {
    const hh = await harness("decline");
    routeRuleNames(stub, ["ANALYST"], ["SSN"]);
    stub.route("GET", /\/policy\/[^/]+\/rules/, { status: 500, body: { error: "boom" } });
    const res = await hh.call("add_rules", UNMASK);
    expect(envelope(res).data).toMatchObject({ changed: false });
    expect(asked).toEqual(["Add masking rules: policy_id=TAG#PII, rules=1 item — the current state could not be read, so this may expose data?"]);
    stub.route("GET", /\/policy\/[^/]+\/rules/, { status: 200, body: { success: true, data: { items: "not a map" } } });
    await hh.call("add_rules", UNMASK);
    expect(asked).toHaveLength(2);
    expect(writes()).toHaveLength(0);
  });

  it("a raise needs no question; the rules are read once, for the report", async () => {
    const hh = await harness("decline");
    routeRuleNames(stub, ["ANALYST"], ["SSN"]);
    stub.route("PATCH", /\/rules\/batch$/, { status: 200, body: { success: true } });
    const res = await hh.call("add_rules", { policy_id: "TAG#PII", rules: [{ masking_policy: 10001, role: "ANALYST", tag_value: "SSN" }] });
    expect(res.isError).toBeFalsy();
    expect(asked).toEqual([]);
    // The name check (roles, then the tag's values) and the rules for the report, then the write.
    expect(stub.requests.map((r) => `${r.method} ${r.url.split("?")[0]!}`)).toEqual([
      "GET /api/userGroups",
      "GET /v1/dis/tags/v2/tags/list",
      "GET /v1/unified-policy/management/policy/TAG%23PII/rules",
      "PATCH /v1/unified-policy/management/policy/TAG%23PII/rules/batch",
    ]);
  });

  it("approve_access_request asks (deny does not); without a form it needs confirm: true", async () => {
    const hh = await harness("decline");
    stub.route("PUT", /\/accessRequest\/[^/]+\/(approve|deny)$/, { status: 200, body: { success: true, data: { status: "PENDING_APPROVED" } } });
    const declined = await hh.call("approve_access_request", { request_id: "r-1", justification: "quarterly report" });
    expect(envelope(declined).data).toMatchObject({ confirmed: false, changed: false });
    expect(asked).toEqual(["Approve an access request: request_id=r-1, justification=quarterly report?"]);
    expect(writes()).toHaveLength(0);
    expect((await hh.call("deny_access_request", { request_id: "r-1", justification: "no" })).isError).toBeFalsy();
    expect(asked).toHaveLength(1);
    await hh.close();
    await stub.close();

    const plain = await harness(undefined);
    stub.route("PUT", /\/accessRequest\/[^/]+\/approve$/, { status: 200, body: { success: true, data: { status: "PENDING_APPROVED" } } });
    const refused = envelope(await plain.call("approve_access_request", { request_id: "r-1", justification: "q" }));
    expect(refused.error).toMatchObject({ kind: "invalid_input", fields: ["confirm"] });
    expect(refused.error!.message).toContain("approve_access_request needs the user's confirmation");
    expect(writes()).toHaveLength(0);
    expect((await plain.call("approve_access_request", { request_id: "r-1", justification: "q", confirm: true })).isError).toBeFalsy();
    expect(writes()).toHaveLength(1);
  });

  for (const tool of ["vault_detokenize", "critical_detokenize", "vault_partial_detokenize", "critical_partial_detokenize"]) {
    it(`${tool} asks before revealing plaintext; the tokens are not in the question`, async () => {
      const hh = await harness("decline");
      const key = tool.endsWith("_partial_detokenize") ? "values" : "tokens";
      const res = await hh.call(tool, { [key]: { a: "token_SECRETTOKENVALUE1", b: "token_SECRETTOKENVALUE2" } });
      expect(envelope(res).data).toMatchObject({ confirmed: false, changed: false });
      expect(asked).toHaveLength(1);
      expect(asked[0]).toContain("reveals up to 2 plaintext values in the conversation");
      expect(asked[0]).not.toContain("SECRETTOKENVALUE");
      expect(stub.requests).toHaveLength(0);
    });
  }

  it("the tools that ask are advertised with confirm, and not as destructive", async () => {
    const hh = await harness(undefined);
    const tools = (await hh.client.listTools()).tools;
    for (const name of ["add_rules", "approve_access_request", "vault_detokenize", "critical_partial_detokenize"]) {
      const t = tools.find((x) => x.name === name)!;
      expect(t.inputSchema.properties, name).toHaveProperty("confirm");
      expect(t.annotations?.destructiveHint, name).toBe(false);
      expect(t.description, name).toMatch(/asks first/i);
    }
    expect(tools.find((x) => x.name === "deny_access_request")!.inputSchema.properties).not.toHaveProperty("confirm");
  });
});
