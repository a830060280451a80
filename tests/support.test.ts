/**
 * Support mode through a real MCP SDK client: the hard latch (SUPPORT_MODE), the soft latch
 * (enter_support_mode → request_write_unlock → one call → exit_support_mode), list_changed, the
 * never-unlockable set, RESTRICTED_TOOLS precedence, the user typing the exit phrase, the journal
 * and its redaction, and the request-layer guard.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  ToolListChangedNotificationSchema,
  type CallToolResult,
  type ElicitRequest,
  type ElicitResult,
} from "@modelcontextprotocol/sdk/types.js";
import { createAltrClients } from "../src/altr/client.js";
import { silentLogger } from "../src/log/logger.js";
import { selectTools } from "../src/server/registry.js";
import { createSupportPolicy, guardClients, JOURNAL_LIMIT, JOURNAL_URI, SupportSession, supportGuard } from "../src/server/support.js";
import { ALL_TOOLS } from "../src/tools/index.js";
import { allowedWhileLatched, EXIT_PHRASE, NEVER_UNLOCKABLE } from "../src/tools/support.js";
import { baseUrlsFrom, connect, envelope, FAST_HTTP, type Harness } from "./helpers/harness.js";
import { startStub, type Stub } from "./helpers/stub.js";

const ALLOWED = ALL_TOOLS.filter(allowedWhileLatched).map((t) => t.name);
const WITHHELD = ALL_TOOLS.filter((t) => !allowedWhileLatched(t));
const CONTROLS = ["enter_support_mode", "request_write_unlock", "exit_support_mode"];
const READ_ONLY_REFUSAL = "not available due to support read-only mode";

let stub: Stub;
const open: Harness[] = [];

beforeAll(async () => {
  stub = await startStub();
  stub.route("GET", "/api/userGroups", { status: 200, body: { success: true, data: { userGroups: [{ userGroupName: "ANALYST" }], count: 1 } } });
  stub.route("POST", "/v1/unified-policy/management/policy", { status: 202, body: { success: true, data: { policy_id: "TAG#FINANCIAL" } } });
  stub.route("DELETE", /^\/v1\/unified-policy\/management\/policy\/.+$/, { status: 204 });
  stub.route("POST", "/api/databases", { status: 201, body: { success: true, data: { id: 77 } } });
});
afterEach(async () => {
  stub.requests.length = 0;
  for (const h of open.splice(0)) await h.close();
});
afterAll(async () => {
  await stub.close();
});

async function harness(opts: Omit<Parameters<typeof connect>[0], "baseUrls"> = {}): Promise<Harness & { changes: () => number }> {
  const h = await connect({ baseUrls: baseUrlsFrom(stub.url), support: { mode: false, prompts: true }, ...opts });
  let changes = 0;
  h.client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
    changes++;
  });
  open.push(h);
  return Object.assign(h, { changes: () => changes });
}

const names = async (h: Harness) => (await h.client.listTools()).tools.map((t) => t.name);
const data = (r: CallToolResult) => {
  const e = envelope(r);
  expect(e.error, JSON.stringify(e.error)).toBeNull();
  return e.data as Record<string, unknown>;
};
const refusal = (r: CallToolResult) => {
  expect(r.isError).toBe(true);
  return envelope(r).error!;
};
/** Notifications arrive asynchronously over the in-memory transport. */
const settle = () => new Promise((r) => setTimeout(r, 20));

describe("the allow-list", () => {
  it("is the 72 get_/list_/search_ tools of the table, detokenize excluded, the three search_* included", () => {
    expect(ALLOWED).toHaveLength(72);
    expect(ALLOWED.filter((n) => n.startsWith("search_")).sort()).toEqual(["search_audits", "search_query_audits", "search_system_audits"]);
    expect(allowedWhileLatched({ name: "get_detokenized_value" })).toBe(false);
    expect(WITHHELD).toHaveLength(ALL_TOOLS.length - 72);
  });

  it("names real tools as never unlockable", () => {
    const all = new Set(ALL_TOOLS.map((t) => t.name));
    for (const n of NEVER_UNLOCKABLE) expect(all.has(n), n).toBe(true);
  });
});

describe("hard latch (SUPPORT_MODE)", () => {
  it("lists the 72 allowed tools and enter_support_mode", async () => {
    const h = await harness({ support: { mode: true, prompts: false } });
    expect((await names(h)).sort()).toEqual([...ALLOWED, "enter_support_mode"].sort());
    expect(h.host.listed.map((t) => t.name).sort()).toEqual([...ALLOWED, "enter_support_mode"].sort());
  });

  it("refuses every withheld tool (and its pre-rename names) with the reason; nothing reaches ALTR", async () => {
    const h = await harness({ support: { mode: true, prompts: false } });
    const names = WITHHELD.flatMap((t) => [t.name, ...t.aliases]);
    expect(names.length).toBeGreaterThanOrEqual(85);
    for (const name of names) {
      const error = refusal(await h.call(name, {}));
      expect(error.message, name).toContain(READ_ONLY_REFUSAL);
      expect(error.message, name).toContain("SUPPORT_MODE");
      expect(error.message, name).toContain("Nothing was sent to ALTR");
    }
    expect(stub.requests).toEqual([]);
  });

  it("keeps allowed tools working; enter answers hard; unlock and exit are refused", async () => {
    const h = await harness({ support: { mode: true, prompts: true } });
    expect(data(await h.call("get_roles"))).toMatchObject({ roles: ["ANALYST"] });
    expect(data(await h.call("enter_support_mode"))).toMatchObject({ state: "hard", changed: false });
    expect(refusal(await h.call("request_write_unlock", { tool_name: "create_policy", reason: "user asked" })).message).toMatch(/SUPPORT_MODE/);
    expect(refusal(await h.call("exit_support_mode", { confirmation: EXIT_PHRASE })).message).toMatch(/only the operator/);
    expect(refusal(await h.call("create_policy", { tag: "FINANCIAL" })).message).toContain(READ_ONLY_REFUSAL);
    expect(stub.requests.map((r) => r.method)).toEqual(["GET"]);
  });
});

describe("soft latch", () => {
  it("arm → unlock → one call spends it → exit, with list_changed on every change", async () => {
    const h = await harness();
    const before = await names(h);
    expect(before).toHaveLength(ALL_TOOLS.length + 3);
    expect(before.slice(-3)).toEqual(CONTROLS);

    const entered = data(await h.call("enter_support_mode"));
    expect(entered).toMatchObject({ state: "soft", changed: true, read_tools_available: 72 });
    expect(data(await (await harness({ selection: { toolsets: [] } })).call("enter_support_mode")).read_tools_available).toBeLessThan(71);
    expect(String(entered.exit)).not.toContain(EXIT_PHRASE);
    await settle();
    expect(h.changes()).toBe(1);
    expect((await names(h)).sort()).toEqual([...ALLOWED, ...CONTROLS].sort());
    expect(data(await h.call("enter_support_mode"))).toMatchObject({ state: "soft", changed: false });

    expect(refusal(await h.call("create_policy", { tag: "FINANCIAL" })).message).toContain(READ_ONLY_REFUSAL);
    expect(stub.requests).toEqual([]);

    const unlocked = data(await h.call("request_write_unlock", { tool_name: "create_policy", reason: "the user asked for a FINANCIAL policy" }));
    expect(unlocked).toMatchObject({ unlocked: "create_policy", scope: "one call", never_unlockable: NEVER_UNLOCKABLE });
    await settle();
    expect(h.changes()).toBe(2);
    expect(await names(h)).toContain("create_policy");
    expect(refusal(await h.call("request_write_unlock", { tool_name: "create_policy", reason: "again" })).message).toMatch(/already allowed/);

    expect(data(await h.call("create_policy", { tag: "FINANCIAL" }))).toMatchObject({ policy_id: "TAG#FINANCIAL" });
    expect(stub.requests.map((r) => r.method)).toEqual(["POST"]);
    await settle();
    expect(h.changes()).toBe(3);
    expect(await names(h)).not.toContain("create_policy");
    expect(refusal(await h.call("create_policy", { tag: "FINANCIAL" })).message).toContain(READ_ONLY_REFUSAL);
    expect(stub.requests).toHaveLength(1);

    // A wrong phrase is refused without repeating the phrase.
    const wrong = refusal(await h.call("exit_support_mode", { confirmation: "exit support mode please" }));
    expect(wrong.message).not.toContain(EXIT_PHRASE);
    expect(wrong.message).toMatch(/does not match/);
    expect(refusal(await h.call("exit_support_mode", {})).message).toMatch(/confirmation: required/);

    const exited = data(await h.call("exit_support_mode", { confirmation: EXIT_PHRASE }));
    expect(exited).toMatchObject({ state: "off", exit_phrase_required: true, writes_executed: 1 });
    const log = exited.session_log as { action: string; tool: string | null }[];
    expect(log.map((e) => e.action)).toEqual(["entered", "unlock_granted", "write_executed", "exited"]);
    expect(log[2]!.tool).toBe("create_policy");
    await settle();
    expect(h.changes()).toBe(4);
    expect(await names(h)).toEqual(before);
    expect(refusal(await h.call("exit_support_mode", { confirmation: EXIT_PHRASE })).message).toMatch(/not on/);
  });

  it("a failed unlocked call spends the unlock too", async () => {
    const h = await harness();
    await h.call("enter_support_mode");
    data(await h.call("request_write_unlock", { tool_name: "create_policy", reason: "user asked" }));
    // Invalid input: fails before anything is sent, and the unlock is gone.
    expect(refusal(await h.call("create_policy", { tag: 5 })).kind).toBe("invalid_input");
    expect(refusal(await h.call("create_policy", { tag: "FINANCIAL" })).message).toContain(READ_ONLY_REFUSAL);
    expect(stub.requests).toEqual([]);
  });

  it("refuses unlocks: off, unknown tool, never unlockable, already allowed, blank reason", async () => {
    const h = await harness();
    expect(refusal(await h.call("request_write_unlock", { tool_name: "create_policy", reason: "x" })).message).toMatch(/Support mode is off/);
    await h.call("enter_support_mode");
    expect(refusal(await h.call("request_write_unlock", { tool_name: "drop_everything", reason: "x" })).message).toMatch(/no tool named/);
    for (const tool of NEVER_UNLOCKABLE) {
      expect(refusal(await h.call("request_write_unlock", { tool_name: tool, reason: "the user insists" })).message, tool).toMatch(/never be unlocked/);
      const call = refusal(await h.call(tool, {}));
      expect(call.message, tool).toContain(READ_ONLY_REFUSAL);
      expect(call.message, tool).toMatch(/never be unlocked/);
    }
    expect(refusal(await h.call("request_write_unlock", { tool_name: "get_roles", reason: "x" })).message).toMatch(/already allowed/);
    expect(refusal(await h.call("request_write_unlock", { tool_name: "delete_policy", reason: "   " })).message).toMatch(/reason: required/);
    expect(refusal(await h.call("request_write_unlock", { tool_name: "delete_policy" })).message).toMatch(/reason/);
    expect(stub.requests).toEqual([]);
    expect(await names(h)).not.toContain("delete_policy");
  });

  it("is per session: a second in-process session of the same host is not latched", async () => {
    const h = await harness();
    await h.call("enter_support_mode");
    const other = await harness();
    expect(await names(other)).toHaveLength(ALL_TOOLS.length + 3);
    // Different hosts here; the same host over HTTP is in support-http.test.ts.
    expect(data(await other.call("create_policy", { tag: "FINANCIAL" }))).toMatchObject({ policy_id: "TAG#FINANCIAL" });
  });

  it("the command line's calls (no MCP session) use the process's latch", async () => {
    const h = await harness({ support: { mode: true, prompts: false } });
    const res = await h.host.call("create_policy", { tag: "FINANCIAL" }, new AbortController().signal);
    expect(refusal(res).message).toContain(READ_ONLY_REFUSAL);
    expect(stub.requests).toEqual([]);
  });
});

describe("RESTRICTED_TOOLS outranks support mode", () => {
  it("an allowed tool it names stays blocked; it cannot be unlocked; a control tool it names is gone", async () => {
    const h = await harness({ selection: { restricted: ["get_roles", "delete_policy", "exit_support_mode"] } });
    expect(await names(h)).not.toContain("exit_support_mode");
    await h.call("enter_support_mode");
    expect(await names(h)).not.toContain("get_roles");
    await expect(h.call("get_roles")).rejects.toThrow(/RESTRICTED_TOOLS/);
    const error = refusal(await h.call("request_write_unlock", { tool_name: "delete_policy", reason: "user asked" }));
    expect(error.message).toMatch(/access restrictions/);
    await expect(h.call("exit_support_mode", { confirmation: EXIT_PHRASE })).rejects.toThrow(/RESTRICTED_TOOLS/);
    expect(stub.requests).toEqual([]);
  });

  it("a restricted tool under the hard latch is refused for the restriction, not the latch", async () => {
    const h = await harness({ support: { mode: true, prompts: false }, selection: { restricted: ["create_policy"] } });
    await expect(h.call("create_policy", { tag: "X" })).rejects.toThrow(/RESTRICTED_TOOLS/);
  });
});

describe("the user, not the model, answers (elicitation)", () => {
  function asking(answers: ElicitResult[]) {
    const asked: ElicitRequest[] = [];
    return {
      asked,
      opts: {
        capabilities: { elicitation: { form: {} } },
        onElicit: (req: ElicitRequest): ElicitResult => {
          asked.push(req);
          return answers.shift() ?? { action: "cancel" };
        },
      },
    };
  }

  it("exit: the phrase the model passes is ignored; the user's typed phrase decides", async () => {
    const user = asking([
      { action: "accept", content: { phrase: "exit" } },
      { action: "decline" },
      { action: "accept", content: { phrase: ` ${EXIT_PHRASE} ` } },
    ]);
    const h = await harness(user.opts);
    await h.call("enter_support_mode");
    // The model supplies the right phrase, the user typed a wrong one: refused.
    expect(refusal(await h.call("exit_support_mode", { confirmation: EXIT_PHRASE })).message).toMatch(/phrase the user typed does not match/);
    expect(user.asked[0]!.params.message).toContain(EXIT_PHRASE);
    expect(refusal(await h.call("exit_support_mode", { confirmation: EXIT_PHRASE })).message).toMatch(/did not confirm/);
    expect(await names(h)).not.toContain("create_policy");
    // The model supplies garbage, the user typed the phrase: done.
    expect(data(await h.call("exit_support_mode", { confirmation: "whatever" }))).toMatchObject({ state: "off" });
    expect(user.asked).toHaveLength(3);
  });

  it("unlock: the user is asked and a decline unlocks nothing", async () => {
    const user = asking([{ action: "decline" }, { action: "accept", content: {} }]);
    const h = await harness(user.opts);
    await h.call("enter_support_mode");
    expect(refusal(await h.call("request_write_unlock", { tool_name: "create_policy", reason: "user asked" })).message).toMatch(/did not allow/);
    expect(refusal(await h.call("create_policy", { tag: "FINANCIAL" })).message).toContain(READ_ONLY_REFUSAL);
    data(await h.call("request_write_unlock", { tool_name: "create_policy", reason: "user asked" }));
    expect(user.asked.map((a) => a.params.message)).toEqual([expect.stringContaining("ONE call"), expect.stringContaining("user asked")]);
    data(await h.call("create_policy", { tag: "FINANCIAL" }));
    expect(stub.requests.map((r) => r.method)).toEqual(["POST"]);
  });

  it("an unlock is not a confirmation: an unlocked destructive call still asks, and a decline spends the unlock", async () => {
    const user = asking([{ action: "accept", content: {} }, { action: "decline" }]);
    const h = await harness({ ...user.opts, confirmDestructive: true });
    await h.call("enter_support_mode");
    data(await h.call("request_write_unlock", { tool_name: "delete_policy", reason: "user asked" }));
    const res = data(await h.call("delete_policy", { policy_id: "TAG#PII", confirm: true }));
    expect(res).toMatchObject({ confirmed: false, changed: false });
    expect(user.asked).toHaveLength(2);
    expect(stub.requests.filter((r) => r.method === "DELETE")).toEqual([]);
    expect(refusal(await h.call("delete_policy", { policy_id: "TAG#PII", confirm: true })).message).toContain(READ_ONLY_REFUSAL);
    const journal = JSON.parse(((await h.client.readResource({ uri: JOURNAL_URI })).contents[0] as { text: string }).text) as {
      entries: { action: string; detail: string }[];
    };
    expect(journal.entries.at(-1)).toMatchObject({ action: "write_executed", detail: expect.stringContaining("not confirmed (decline)") });
  });
});

describe("the journal", () => {
  it("is a resource only while latched, and carries no secret argument values", async () => {
    const h = await harness();
    const uris = async () => (await h.client.listResources()).resources.map((r) => r.uri);
    expect(await uris()).not.toContain(JOURNAL_URI);
    await expect(h.client.readResource({ uri: JOURNAL_URI })).rejects.toThrow(/only while support mode is on/);
    await h.call("enter_support_mode");
    expect(await uris()).toContain(JOURNAL_URI);
    data(await h.call("request_write_unlock", { tool_name: "create_database", reason: "connect staging" }));
    const password = "Sup3r-Secret-Passw0rd!";
    await h.call("create_database", {
      friendly_database_name: "STAGING",
      database_type: "mysql",
      database_name: "staging",
      database_username: "svc",
      database_password: password,
      hostname: "db.internal",
      database_port: 3306,
    });
    const text = ((await h.client.readResource({ uri: JOURNAL_URI })).contents[0] as { text: string }).text;
    expect(text).toContain("create_database");
    expect(text).toContain("STAGING");
    expect(text).not.toContain(password);
    expect(text).toContain("[REDACTED]");
    const exited = data(await h.call("exit_support_mode", { confirmation: EXIT_PHRASE }));
    expect(JSON.stringify(exited)).not.toContain(password);
    expect(await uris()).not.toContain(JOURNAL_URI);
  });

  it("is bounded: the oldest entries go and are counted", () => {
    const s = new SupportSession(false, true);
    for (let i = 0; i < JOURNAL_LIMIT + 50; i++) s.record("write_executed", "create_policy", `call ${i} ${"x".repeat(2000)}`);
    const j = s.journal();
    expect(j.entries).toHaveLength(JOURNAL_LIMIT);
    expect(j.dropped_entries).toBe(50);
    expect(j.entries[0]!.detail).toMatch(/^call 50 /);
    expect(j.entries[0]!.detail.length).toBeLessThanOrEqual(501);
  });
});

describe("where requests leave (request-layer guard)", () => {
  const policy = createSupportPolicy(ALL_TOOLS, selectTools(ALL_TOOLS, { toolsets: ["all"], readOnly: false, restricted: [] }), {
    mode: false,
    prompts: true,
  });
  const tool = (name: string) => ALL_TOOLS.find((t) => t.name === name)!;

  it("while latched, only reads of allowed tools leave; the one unlocked call may send its own operations", () => {
    const s = policy.newSession();
    expect(supportGuard(policy, s)("api.createPolicy")).toBeUndefined();
    s.enter();
    expect(supportGuard(policy, s)("altrnet.listUserGroups")).toBeUndefined();
    expect(supportGuard(policy, s)("api.startQueryAuditSearch")).toBeUndefined();
    expect(supportGuard(policy, s)("api.createPolicy")).toMatch(/support read-only mode/);
    expect(supportGuard(policy, s, tool("create_policy"), true)("api.createPolicy")).toBeUndefined();
    // The unlock covers its own tool's operations only.
    expect(supportGuard(policy, s, tool("create_policy"), true)("api.deletePolicy")).toMatch(/support read-only mode/);
  });

  it("hostile handler: a write sent by a read tool's handler never leaves while latched", async () => {
    const s = policy.newSession();
    s.enter();
    const clients = createAltrClients({ mapiKey: "k", mapiSecret: "s", baseUrls: baseUrlsFrom(stub.url), http: FAST_HTTP, logger: silentLogger() });
    const guarded = guardClients(clients, policy.guard(s, tool("get_roles"), false));
    await expect(guarded.api.POST("/v1/unified-policy/management/policy", { body: { tag: "X" } as never })).rejects.toThrow(/Not sent/);
    await expect(guarded.api.DELETE("/v1/unified-policy/management/policy/{policy_id}", { params: { path: { policy_id: "TAG#PII" } } } as never)).rejects.toThrow(/Not sent/);
    expect(stub.requests).toEqual([]);
    const read = await guarded.altrnet.GET("/api/userGroups", {});
    expect(read.response.status).toBe(200);
    expect(stub.requests.map((r) => r.method)).toEqual(["GET"]);
  });
});
