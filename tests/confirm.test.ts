/**
 * Confirmation of destructive tools through a real SDK client: with the elicitation capability
 * (accept runs; decline/cancel change nothing, non-error), without it (`confirm: true` needed),
 * and ALTR_CONFIRM_DESTRUCTIVE=false (upstream behaviour).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ElicitRequestSchema, type CallToolResult, type ElicitRequest, type ElicitResult } from "@modelcontextprotocol/sdk/types.js";
import { silentLogger } from "../src/log/logger.js";
import { startHttp } from "../src/transports/http.js";
import { loadSettings } from "../src/config/index.js";
import { confirmationSummary } from "../src/server/confirm.js";
import { describeTool } from "../src/server/registry.js";
import { ALL_TOOLS } from "../src/tools/index.js";
import { baseUrlsFrom, connect, envelope, type Harness } from "./helpers/harness.js";
import { startStub, type Stub } from "./helpers/stub.js";

const POLICY = "/v1/unified-policy/management/policy";
const DELETED = { status: 200, body: { success: true, data: { message: "Policy deleted" } } };

let stub: Stub;
let h: Harness | undefined;
let asked: ElicitRequest[] = [];

async function harness(opts: { confirm?: boolean; elicit?: ElicitResult["action"] | "error" } = {}): Promise<Harness> {
  const answer = opts.elicit;
  h = await connect({
    baseUrls: baseUrlsFrom(stub.url),
    confirmDestructive: opts.confirm ?? true,
    ...(answer
      ? {
          capabilities: { elicitation: {} },
          onElicit: (req: ElicitRequest): ElicitResult => {
            asked.push(req);
            if (answer === "error") throw new Error("form failed");
            return answer === "accept" ? { action: "accept", content: {} } : { action: answer };
          },
        }
      : {}),
  });
  return h;
}

const RULES = {
  status: 200,
  body: {
    success: true,
    data: {
      items: {
        h1: [{ rule_id: "R1", role: "ANALYST", tag_value: "EMAIL", success_rule_json: { masking_policy: "10002" } }],
        h2: [{ rule_id: "R2", role: "ADMIN", tag_value: "EMAIL", success_rule_json: { masking_policy: "10001" } }],
      },
      last_evaluated_key: {},
    },
  },
};
/** Requests that could change something (anything but GET). */
const writes = () => stub.requests.filter((r) => r.method !== "GET");

beforeAll(async () => {
  stub = await startStub();
  stub.route("DELETE", /\/policy\/.+$/, DELETED);
  stub.route("GET", /\/policy\/[^/]+\/rules/, RULES);
});
afterAll(async () => {
  await stub.close();
});
afterEach(async () => {
  await h?.close();
  h = undefined;
  stub.requests.length = 0;
  asked = [];
});

describe("client with elicitation", () => {
  it("one rule: the question says '1 rule goes with it'", async () => {
    stub.route("GET", /\/policy\/ONE[^/]*\/rules/, {
      status: 200,
      body: { success: true, data: { items: { h1: [RULES.body.data.items.h1[0]] }, last_evaluated_key: {} } },
    });
    await (await harness({ elicit: "decline" })).call("delete_policy", { policy_id: "ONE" });
    expect(asked[0]!.params.message).toBe("Delete a masking policy: policy_id=ONE — 1 rule goes with it?");
  });

  it("accept: asks once with a one-line summary, then runs", async () => {
    const res = await (await harness({ elicit: "accept" })).call("delete_policy", { policy_id: "TAG#PII" });
    expect(res.isError).toBeFalsy();
    expect(envelope(res)).toMatchObject({ success: true, data: { deleted: true, policy_id: "TAG#PII" } });
    expect(asked).toHaveLength(1);
    expect(asked[0]!.params.message).toBe("Delete a masking policy: policy_id=TAG#PII — 2 rules go with it?");
    expect(stub.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      `GET ${POLICY}/TAG%23PII/rules`,
      `DELETE ${POLICY}/TAG%23PII`,
    ]);
  });

  it("the question names what a rule change unmasks, from a read-only look-up", async () => {
    stub.route("PATCH", /\/rules\/R1$/, { status: 200, body: { success: true, data: { rule_id: "R1" } } });
    await (await harness({ elicit: "decline" })).call("update_rule", { policy_id: "TAG#PII", rule_id: "R1", masking_policy: 10000 });
    expect(asked[0]!.params.message).toBe(
      "Update a masking rule: policy_id=TAG#PII, rule_id=R1, masking_policy=10000 — rule role ANALYST, tag value EMAIL, level 10002: level 10002 → 10000 (no mask: unmasks)?",
    );
    asked = [];
    await h!.call("delete_rule", { policy_id: "TAG#PII", rule_id: "R2" });
    expect(asked[0]!.params.message).toBe(
      "Delete a masking rule: policy_id=TAG#PII, rule_id=R2 — role ADMIN, tag value EMAIL, level 10001; what that role sees changes at once?",
    );
    expect(writes()).toHaveLength(0);
  });

  it("disconnecting a tag names the tag whose columns stop being masked", async () => {
    stub.route("GET", "/v1/tag/masking/tag/g-1", {
      status: 200,
      body: { item: { tag_group_id: "g-1", tag_name: "PII", database_name: "PROD_DB", schema_name: "GOVERNANCE" } },
    });
    await (await harness({ elicit: "decline" })).call("disconnect_tag", { tag_group_id: "g-1" });
    expect(asked[0]!.params.message).toBe(
      "Disconnect a tag: tag_group_id=g-1 — tag PROD_DB.GOVERNANCE.PII: its columns stop being masked?",
    );
    expect(writes()).toHaveLength(0);
  });

  it("disconnecting a database names it", async () => {
    stub.route("GET", "/api/databases", {
      status: 200,
      body: { success: true, data: { databases: [{ id: 42, friendlyDatabaseName: "PROD_SNOWFLAKE", databaseType: "snowflake_external_functions" }], count: 1 } },
    });
    await (await harness({ elicit: "decline" })).call("disconnect_database", { database_id: 42 });
    expect(asked[0]!.params.message).toBe(
      "Disconnect a database: database_id=42, ignore_errors=false — PROD_SNOWFLAKE (snowflake_external_functions): ALTR stops governing it?",
    );
    expect(writes()).toHaveLength(0);
  });

  it("a failed look-up leaves the detail out of the question; the call still runs on accept", async () => {
    stub.route("GET", /\/policy\/BROKEN\/rules/, { status: 500, body: { error: "boom" } });
    stub.route("DELETE", /\/policy\/BROKEN$/, DELETED);
    const res = await (await harness({ elicit: "accept" })).call("delete_policy", { policy_id: "BROKEN" });
    expect(res.isError).toBeFalsy();
    expect(asked[0]!.params.message).toBe("Delete a masking policy: policy_id=BROKEN?");
    expect(writes().map((r) => r.method)).toEqual(["DELETE"]);
  });

  for (const action of ["decline", "cancel"] as const) {
    it(`${action}: nothing is sent; a non-error result says nothing changed`, async () => {
      const res = await (await harness({ elicit: action })).call("delete_policy", { policy_id: "TAG#PII" });
      expect(res.isError).toBeFalsy();
      const env = envelope(res);
      expect(env).toMatchObject({ success: true, error: null, data: { confirmed: false, changed: false } });
      expect((env.data as { message: string }).message).toMatch(/nothing was changed/);
      expect(asked).toHaveLength(1);
      expect(writes()).toHaveLength(0);
    });
  }

  it("confirm: true does not skip the question: the model cannot confirm for the user", async () => {
    const res = await (await harness({ elicit: "decline" })).call("delete_policy", { policy_id: "TAG#PII", confirm: true });
    expect(res.isError).toBeFalsy();
    expect((envelope(res).data as { changed: boolean }).changed).toBe(false);
    expect(asked).toHaveLength(1);
    expect(writes()).toHaveLength(0);
  });

  it("invalid arguments are refused before the user is asked", async () => {
    const res = await (await harness({ elicit: "accept" })).call("delete_policy", {});
    expect(res.isError).toBe(true);
    expect(envelope(res).error!.fields).toEqual(["policy_id"]);
    expect(asked).toHaveLength(0);
    expect(stub.requests).toHaveLength(0);
  });

  it("non-destructive tools are never confirmed and do not accept confirm", async () => {
    stub.route("GET", "/api/databases", { status: 200, body: { success: true, data: { databases: [], count: 0 } } });
    const hh = await harness({ elicit: "decline" });
    expect(envelope(await hh.call("get_databases")).success).toBe(true);
    expect(asked).toHaveLength(0);
    const res = await hh.call("get_databases", { confirm: true });
    expect(res.isError).toBe(true);
    expect(envelope(res).error!.message).toMatch(/confirm: unknown parameter/);
  });

  it("a failing form refuses the call and says how to confirm", async () => {
    const res = await (await harness({ elicit: "error" })).call("delete_policy", { policy_id: "TAG#PII" });
    expect(res.isError).toBe(true);
    expect(envelope(res).error).toMatchObject({ kind: "invalid_input", fields: ["confirm"] });
    expect(envelope(res).error!.message).toMatch(/confirm: true/);
    expect(writes()).toHaveLength(0);
  });
});

describe("client without elicitation", () => {
  it("without confirm: error explaining confirm: true, nothing sent", async () => {
    const res = await (await harness()).call("delete_policy", { policy_id: "TAG#PII" });
    expect(res.isError).toBe(true);
    const env = envelope(res);
    expect(env.error).toMatchObject({ kind: "invalid_input", fields: ["confirm"] });
    expect(env.error!.message).toContain("confirm: true");
    expect(env.error!.message).toContain("policy_id=TAG#PII — 2 rules go with it");
    expect(env.error!.message).toContain("Nothing was changed in ALTR (only read)");
    expect(writes()).toHaveLength(0);
  });

  it("confirm: false is the same as leaving it out; a non-boolean is refused", async () => {
    const hh = await harness();
    expect((await hh.call("delete_policy", { policy_id: "TAG#PII", confirm: false })).isError).toBe(true);
    const bad = await hh.call("delete_policy", { policy_id: "TAG#PII", confirm: "yes" });
    expect(envelope(bad).error).toMatchObject({ kind: "invalid_input", fields: ["confirm"] });
    expect(envelope(bad).error!.message).toContain("Nothing was sent to ALTR");
    expect(writes()).toHaveLength(0);
  });

  it("confirm: true runs", async () => {
    const res = await (await harness()).call("delete_policy", { policy_id: "TAG#PII", confirm: true });
    expect(res.isError).toBeFalsy();
    expect(stub.requests.map((r) => `${r.method} ${r.url}`)).toEqual([`DELETE ${POLICY}/TAG%23PII`]);
  });
});

describe("ALTR_CONFIRM_DESTRUCTIVE=false", () => {
  it("runs destructive tools without asking; confirm is not advertised", async () => {
    const hh = await harness({ confirm: false, elicit: "decline" });
    const res = await hh.call("delete_policy", { policy_id: "TAG#PII" });
    expect(res.isError).toBeFalsy();
    expect(asked).toHaveLength(0);
    expect(stub.requests).toHaveLength(1);
    const listed = (await hh.client.listTools()).tools.find((t) => t.name === "delete_policy")!;
    expect(listed.inputSchema.properties).not.toHaveProperty("confirm");
  });

  it("is on by default and parsed like every boolean setting", () => {
    const base = { ORG_ID: "o", MAPI_KEY: "k", MAPI_SECRET: "s" };
    expect(loadSettings(base).confirmDestructive).toBe(true);
    expect(loadSettings({ ...base, ALTR_CONFIRM_DESTRUCTIVE: "false" }).confirmDestructive).toBe(false);
    expect(() => loadSettings({ ...base, ALTR_CONFIRM_DESTRUCTIVE: "maybe" })).toThrow(/ALTR_CONFIRM_DESTRUCTIVE/);
  });
});

describe("over streamable HTTP", () => {
  async function httpCall(stateless: boolean, args: Record<string, unknown>): Promise<CallToolResult> {
    const hh = await harness();
    const http = await startHttp(
      hh.host,
      {
        host: "127.0.0.1",
        port: 0,
        authToken: undefined,
        stateless,
        allowedOrigins: [],
        allowedHosts: [],
        maxBodyBytes: 1_048_576,
        maxSessions: 10,
        sessionIdleMs: 60_000,
        version: "test",
      },
      silentLogger(),
    );
    const client = new Client({ name: "http", version: "0" }, { capabilities: { elicitation: {} } });
    client.setRequestHandler(ElicitRequestSchema, (req): ElicitResult => {
      asked.push(req);
      return { action: "decline" };
    });
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(`${http.url}/mcp`)));
      return (await client.callTool({ name: "delete_policy", arguments: args })) as CallToolResult;
    } finally {
      await client.close();
      await http.close();
    }
  }

  it("stateful sessions ask the user on the call's stream", async () => {
    const res = await httpCall(false, { policy_id: "TAG#PII" });
    expect(envelope(res).data).toMatchObject({ confirmed: false, changed: false });
    expect(asked).toHaveLength(1);
    expect(writes()).toHaveLength(0);
  });

  it("stateless mode has no client capabilities: confirm: true is needed", async () => {
    const refused = await httpCall(true, { policy_id: "TAG#PII" });
    expect(envelope(refused).error).toMatchObject({ kind: "invalid_input", fields: ["confirm"] });
    expect(writes()).toHaveLength(0);
    const done = await httpCall(true, { policy_id: "TAG#PII", confirm: true });
    expect(done.isError).toBeFalsy();
    expect(asked).toHaveLength(0);
    expect(writes()).toHaveLength(1);
  });
});

describe("advertised schema and summary", () => {
  it("confirm is a parameter of exactly the destructive tools and those that ask (exposure)", () => {
    const asking = ALL_TOOLS.filter((t) => t.asks).map((t) => t.name);
    expect(asking.sort()).toEqual(
      ["add_rules", "approve_access_request", "critical_detokenize", "critical_partial_detokenize", "vault_detokenize", "vault_partial_detokenize"],
    );
    for (const t of ALL_TOOLS) {
      const props = describeTool(t).inputSchema.properties ?? {};
      expect("confirm" in props, t.name).toBe(t.annotations.destructiveHint || t.asks);
      expect(t.inputSchema.shape, t.name).not.toHaveProperty("confirm");
    }
  });

  it("the summary counts lists, never shows secrets, and strips bidi controls", () => {
    const tool = (n: string) => ALL_TOOLS.find((t) => t.name === n)!;
    expect(confirmationSummary(tool("vault_delete_tokens"), { tokens: ["tok_secret_1", "tok_secret_2"] })).toBe(
      "Delete tokens (vault): tokens=2 items?",
    );
    const s = confirmationSummary(tool("disconnect_sc_repo_user"), { repo_name: "pg\u202Eevil", username: "x\u200By" });
    expect(s).toBe("Remove a repo user: repo_name=pgevil, username=xy?");
    const secret = confirmationSummary({ ...tool("delete_policy"), sensitive: new Set(["policy_id"]) }, { policy_id: "hunter2" });
    expect(secret).not.toContain("hunter2");
  });
});
