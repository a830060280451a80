/**
 * The built-in CLI (`altr-mcp tools`, `altr-mcp call`): argument reading by the advertised input
 * schema, output shapes, exit codes, and that calls take the server's pipeline (selection,
 * validation, confirmation, redaction) against a local stub of ALTR. In-process through
 * runCommand, plus the built binary for the process-level contract (streams, exit codes).
 * After the sandbox lands, the stub-backed cases here can run with `--sandbox` instead.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { argumentsFrom, header, parseCallArgs, progressLine, renderData, renderTable, runCommand, type CommandName } from "../src/cli/commands.js";
import { SERVICES } from "../src/config/services.js";
import { describeTool, selectTools } from "../src/server/registry.js";
import { finishList } from "../src/server/advertise.js";
import { ALL_TOOLS } from "../src/tools/index.js";
import { startStub, type Stub } from "./helpers/stub.js";

const CLI = new URL("../dist/cli/main.js", import.meta.url).pathname;
const PASSWORD = "s3cr3t-Passw0rd";
const ROLES = { success: true, data: { userGroups: [{ userGroupName: "ANALYST" }, { userGroupName: "AUDITOR" }], count: 2 } };

let stub: Stub;

function env(extra: Record<string, string> = {}): Record<string, string> {
  const urls = Object.fromEntries(Object.values(SERVICES).map((s) => [s.env, stub.url]));
  return { PATH: process.env.PATH ?? "", ORG_ID: "test-org", MAPI_KEY: "key", MAPI_SECRET: "cli-secret-value", DISABLE_RETRY: "true", ...urls, ...extra };
}

async function run(command: CommandName, argv: string[], extra: Record<string, string> = {}) {
  let out = "";
  let err = "";
  const code = await runCommand(command, argv, env(extra), { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

function listed(name: string) {
  const tool = ALL_TOOLS.find((t) => t.name === name);
  if (!tool) throw new Error(`no tool ${name}`);
  return describeTool(tool);
}

beforeAll(async () => {
  stub = await startStub();
  stub.route("GET", "/api/userGroups", { status: 200, body: ROLES });
});
afterEach(() => {
  stub.requests.length = 0;
});
afterAll(async () => {
  await stub.close();
});

describe("--<param> values are read by the advertised input schema", () => {
  it("integers, booleans (a bare flag is true), strings, dashes for underscores", () => {
    const args = argumentsFrom(listed("update_database"), [
      ["database_id", "12"],
      ["should_classify", undefined],
      ["data_usage_history", "false"],
      ["warehouse-name", "0042"],
    ]);
    expect(args).toEqual({ database_id: 12, should_classify: true, data_usage_history: false, warehouse_name: "0042" });
  });

  it("lists by repeating the option (items coerced) or as one JSON array; objects as JSON", () => {
    const bindings = listed("list_sc_sidecar_bindings");
    expect(argumentsFrom(bindings, [["ports", "5432"], ["ports", "5433"], ["repo_names", "a"], ["sidecar_id", "sc1"]])).toEqual({
      ports: [5432, 5433],
      repo_names: ["a"],
      sidecar_id: "sc1",
    });
    expect(argumentsFrom(bindings, [["ports", "[1, 2]"], ["repo_names", "[x"]])).toEqual({ ports: [1, 2], repo_names: ["[x"] });
    expect(argumentsFrom(listed("vault_tokenize"), [["values", '{"ssn":"123"}']])).toEqual({ values: { ssn: "123" } });
  });

  it.each([
    [[["offset", "abc"]], "get_databases", "--offset expects an integer"],
    [[["offset", "1.5"]], "get_databases", "--offset expects an integer"],
    [[["offset", "1"], ["offset", "2"]], "get_databases", "--offset is given more than once"],
    [[["offset", undefined]], "get_databases", "--offset needs a value"],
    [[["nope", "1"]], "get_databases", 'get_databases has no parameter "nope". Its parameters: offset'],
    [[["confirm", "true"]], "disconnect_database", 'has no parameter "confirm"'],
    [[["should_classify", "maybe"]], "update_database", "--should_classify expects a boolean"],
    [[["values", "[1]"]], "vault_tokenize", "--values expects a JSON object"],
    [[["values", "{oops"]], "vault_tokenize", "--values is not valid JSON"],
  ] as const)("%j for %s → usage error %s", (params, tool, message) => {
    expect(() => argumentsFrom(listed(tool), params.map(([k, v]) => [k, v]))).toThrow(message);
  });

  it("never echoes a value it refuses (it may be a secret)", () => {
    expect(() => argumentsFrom(listed("vault_tokenize"), [["values", `{"pw": "${PASSWORD}"`]])).toThrow(/^(?!.*s3cr3t).*$/);
    expect(() => parseCallArgs(["get_roles", "--json", `{"pw": "${PASSWORD}"`])).toThrow(/^--json is not valid JSON$/);
  });

  it("--json and --<param> are exclusive; the tool name comes first; --confirm takes no value", () => {
    expect(() => parseCallArgs(["get_roles", "--json", "{}", "--offset", "1"])).toThrow("exclusive");
    expect(() => parseCallArgs(["--offset", "1", "get_roles"])).toThrow("tool name first");
    expect(() => parseCallArgs(["get_roles", "stray"])).toThrow("Unexpected argument: stray");
    expect(() => parseCallArgs(["get_roles", "--output", "yaml"])).toThrow("--output must be json or table");
    expect(() => parseCallArgs(["get_roles", "--json", "[1]"])).toThrow("--json must be a JSON object");
    expect(parseCallArgs(["t", "--confirm", "--x", "1"])).toMatchObject({ confirm: true, params: [["x", "1"]] });
    expect(parseCallArgs(["t", "--confirm=false"]).confirm).toBe(false);
    expect(() => parseCallArgs(["t", "--sandbox-state", "f"])).toThrow("--sandbox-state needs --sandbox");
  });
});

describe("table output", () => {
  it("aligns a list of objects in columns; other properties follow; scalars are one column", () => {
    const text = renderData({ items: [{ id: 1, name: "orders" }, { id: 22, name: "x", note: null }], count: 2, next: null });
    expect(text).toBe(["ID  NAME    NOTE", "--  ------  ----", "1   orders", "22  x", "", "count: 2", "next: null", ""].join("\n"));
    expect(renderData({ roles: ["A", "B"], count: 2 })).toBe("ROLES\n-----\nA\nB\n\ncount: 2\n");
    expect(renderTable([])).toBe("(no rows)\n");
  });

  it("headers keep their words apart", () => {
    expect(renderTable([{ friendlyDatabaseName: "x", database_type: "y", sfCount: 1, IDs: 2 }]).split("\n")[0]).toBe(
      "FRIENDLY_DATABASE_NAME  DATABASE_TYPE  SF_COUNT  IDS",
    );
    expect(header("lastConnectedTime")).toBe("LAST_CONNECTED_TIME");
    expect(header("HTTPStatus")).toBe("HTTP_STATUS");
  });

  it("falls back to JSON for shapes that are not one list", () => {
    expect(renderData({ a: [1], b: [2] })).toBe(`${JSON.stringify({ a: [1], b: [2] }, null, 2)}\n`);
    expect(renderData({ id: 1 })).toBe(`${JSON.stringify({ id: 1 }, null, 2)}\n`);
    expect(renderData([[1, 2]])).toBe(`${JSON.stringify([[1, 2]], null, 2)}\n`);
  });
});

describe("altr-mcp tools", () => {
  const defaultCount = selectTools(ALL_TOOLS, { toolsets: [], readOnly: false, restricted: [] }).enabled.length;

  it("lists the default selection without credentials; --json is the tools/list result", async () => {
    const code = await runCommand("tools", [], { PATH: "" }, { out: () => undefined, err: () => undefined });
    expect(code).toBe(0);
    const res = await run("tools", ["--json"], { ORG_ID: "", MAPI_KEY: "", MAPI_SECRET: "" });
    expect(res.code).toBe(0);
    const { tools } = JSON.parse(res.out) as { tools: { name: string; inputSchema: unknown }[] };
    expect(tools.map((t) => t.name)).toEqual(
      selectTools(ALL_TOOLS, { toolsets: [], readOnly: false, restricted: [] }).enabled.map((t) => t.name),
    );
    expect(tools).toHaveLength(defaultCount);
    // As tools/list sends them (shared shapes written once, schemas with their $id).
    expect(tools).toEqual(finishList(tools.map((t) => describeTool(ALL_TOOLS.find((tool) => tool.name === t.name)!))));
  });

  it("honours --toolset, --read-only, ALTR_TOOLSETS and RESTRICTED_TOOLS; prints columns", async () => {
    const res = await run("tools", ["--toolset", "roles", "--toolset", "databases", "--read-only"], { RESTRICTED_TOOLS: "get_service_users" });
    expect(res.code).toBe(0);
    const rows = res.out.trim().split("\n");
    expect(rows[0]).toMatch(/^TOOL\s+TOOLSET\s+ACCESS\s+DESCRIPTION$/);
    // Computed from the table: the read-only tools of the two toolsets, minus the restricted one.
    const expected = ALL_TOOLS.filter(
      (t) => (t.toolset === "roles" || t.toolset === "databases") && t.annotations.readOnlyHint && t.name !== "get_service_users",
    ).map((t) => t.name);
    expect(expected).toEqual(expect.arrayContaining(["get_databases", "get_database_id", "get_roles"]));
    expect(rows.slice(2).map((r) => r.split(/\s+/)[0])).toEqual(expected);
    expect(rows[2]).toMatch(/^get_databases\s+databases\s+read-only\s+List connected/);
    expect(res.err).toBe(`${expected.length} tools.\n`);
    const one = await run("tools", ["--toolsets", "none", "--tools", "get_roles"]);
    expect(one.err).toBe("1 tool.\n");
    const fromEnv = await run("tools", ["--json"], { ALTR_TOOLSETS: "key_management" });
    expect((JSON.parse(fromEnv.out) as { tools: unknown[] }).tools).toHaveLength(ALL_TOOLS.filter((t) => t.toolset === "key_management").length);
  });

  it("an unknown toolset is a configuration error (exit 1); a bad option is usage (exit 2)", async () => {
    const bad = await run("tools", ["--toolset", "nope"]);
    expect(bad).toMatchObject({ code: 1, out: "" });
    expect(bad.err).toContain("unknown toolset(s): nope");
    const usage = await run("tools", ["--bogus"]);
    expect(usage).toMatchObject({ code: 2, out: "" });
    expect(usage.err).toContain("Unknown option: --bogus");
  });
});

describe("altr-mcp call", () => {
  it("prints the result envelope (exit 0)", async () => {
    const res = await run("call", ["get_roles", "--offset", "0"]);
    expect(res).toMatchObject({ code: 0, err: "" });
    expect(JSON.parse(res.out)).toEqual({ success: true, data: { roles: ["ANALYST", "AUDITOR"], count: 2, total: 2, next_offset: null }, error: null });
    expect(stub.requests.map((r) => r.url)).toEqual(["/api/userGroups?offset=0"]);
  });

  it("--output table prints the list as a column", async () => {
    const res = await run("call", ["get_roles", "--output", "table"]);
    expect(res.code).toBe(0);
    expect(res.out).toBe("ROLES\n-------\nANALYST\nAUDITOR\n\ncount: 2\ntotal: 2\nnext_offset: null\n");
  });

  it("a failed call: envelope on stdout, message on stderr, exit 1", async () => {
    stub.route("DELETE", "/api/databases/7", { status: 404, body: { success: false, message: "Database not found" } });
    const res = await run("call", ["disconnect_database", "--database_id", "7", "--confirm"]);
    expect(res.code).toBe(1);
    expect(JSON.parse(res.out)).toMatchObject({ success: false, error: { kind: "http", status: 404 } });
    expect(res.err).toMatch(/^ERROR: ALTR API returned HTTP 404.*Database not found/);
    expect(stub.requests).toHaveLength(1);
  });

  it("a destructive tool without --confirm is refused before anything changes (exit 2); --confirm sends it", async () => {
    const refused = await run("call", ["disconnect_database", "--json", '{"database_id": 8}']);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain("(altr-mcp call: add --confirm)");
    // Only the read-only look-up that names the database in the refusal was sent.
    expect(stub.requests.map((r) => r.method)).toEqual(["GET"]);
    expect(refused.err).toContain("Nothing was changed in ALTR (only read)");
    stub.requests.length = 0;
    stub.route("DELETE", "/api/databases/8", { status: 200, body: { success: true, data: {} } });
    const confirmed = await run("call", ["disconnect_database", "--json", '{"database_id": 8}', "--confirm"]);
    expect(confirmed.code).toBe(0);
    expect(stub.requests.map((r) => `${r.method} ${r.url}`)).toEqual(["DELETE /api/databases/8"]);
  });

  it("invalid input names the field, sends nothing, exit 2", async () => {
    const res = await run("call", ["create_database", "--friendly_database_name", "x", "--database_type", "db2", "--database_name", "d"]);
    expect(res.code).toBe(2);
    expect(res.err).toContain("database_type");
    expect(JSON.parse(res.out)).toMatchObject({ success: false, error: { kind: "invalid_input" } });
    expect(stub.requests).toHaveLength(0);
  });

  it.each([
    [["nope"], {}, "Unknown tool: nope"],
    [["vault_tokenize", "--values", "{}"], {}, 'its toolset "tokenization" is not enabled (ALTR_TOOLSETS) and ALTR_TOOLS does not name it. Add --toolset tokenization.'],
    [["get_roles"], { RESTRICTED_TOOLS: "get_roles" }, "listed in RESTRICTED_TOOLS"],
    [["disconnect_database", "--database_id", "1"], { ALTR_READ_ONLY: "true" }, "ALTR_READ_ONLY is on"],
    [["get_roles", "--limit", "1"], {}, 'get_roles has no parameter "limit"'],
  ] as const)("%j %j → exit 2: %s", async (argv, extra, message) => {
    const res = await run("call", [...argv], extra);
    expect(res).toMatchObject({ code: 2, out: "" });
    expect(res.err).toContain(message);
    expect(stub.requests).toHaveLength(0);
  });

  it("--toolset enables a toolset for the call; pre-rename aliases work", async () => {
    stub.route("DELETE", "/api/databases/9", { status: 200, body: { success: true, data: {} } });
    const res = await run("call", ["delete_database", "--database_id", "9", "--confirm", "--toolset", "databases"]);
    expect(res.code).toBe(0);
    expect(stub.requests.map((r) => r.url)).toEqual(["/api/databases/9"]);
  });

  it("missing credentials: the server's message, exit 1", async () => {
    const res = await run("call", ["get_roles"], { MAPI_SECRET: "" });
    expect(res).toMatchObject({ code: 1, out: "" });
    expect(res.err).toBe(
      "ERROR: Missing required environment variables: MAPI_SECRET (set them in the environment or in ./.env; to try altr-mcp without an ALTR account, add --sandbox)\n",
    );
  });

  it("on a terminal, a multi-page call shows a progress line on stderr, erased before the result; not otherwise", async () => {
    const all = Array.from({ length: 120 }, (_, i) => ({ id: i + 1, friendlyDatabaseName: `DB${i + 1}` }));
    stub.route("GET", "/api/databases", {
      status: 200,
      bodyFrom: (req) => {
        const q = new URL(req.url, "http://x").searchParams;
        const offset = Number(q.get("offset"));
        return { success: true, data: { databases: all.slice(offset, offset + Number(q.get("limit"))), count: all.length } };
      },
    });
    const runTty = async (tty: boolean, args: string[]) => {
      let out = "";
      let err = "";
      const code = await runCommand("call", args, env(), { out: (t) => (out += t), err: (t) => (err += t), tty });
      return { code, out, err };
    };
    const paged = await runTty(true, ["get_databases"]);
    expect(paged.code).toBe(0);
    expect(stub.requests).toHaveLength(3);
    expect(paged.err).toMatch(/^\r\x1b\[Kget_databases: 2 requests to ALTR \(\d+\.\d s\)…\r\x1b\[Kget_databases: 3 requests to ALTR \(\d+\.\d s\)…\r\x1b\[K$/);
    expect(JSON.parse(paged.out)).toMatchObject({ success: true, data: { count: 120 } });
    expect((await runTty(false, ["get_databases"])).err).toBe("");
    expect((await runTty(true, ["get_roles"])).err).toBe("");
    // A download shows at once.
    const lines: string[] = [];
    const p = progressLine("get_job_report", { out: () => undefined, err: (t) => lines.push(t) }, () => 0);
    p.onRequest("altr");
    p.onRequest("download");
    p.clear();
    expect(lines).toEqual(["\r\x1b[Kget_job_report: 1 request to ALTR, 1 download (0.0 s)…", "\r\x1b[K"]);
  });

  it("a mistyped tool name: did you mean …? (usage, exit 2, nothing sent)", async () => {
    const res = await run("call", ["get_rolse"]);
    expect(res).toMatchObject({ code: 2, out: "" });
    expect(res.err).toMatch(/Unknown tool: get_rolse\. Did you mean get_roles\b/);
    expect(res.err.match(/Did you mean/g)).toHaveLength(1);
    const far = await run("call", ["completely_different"]);
    expect(far.err).not.toContain("Did you mean");
    expect(stub.requests).toHaveLength(0);
  });

  it("--output table of a list grouped by key (get_rules' items) is a table; other shapes say why they are JSON", async () => {
    const grouped = { items: { h1: [{ role: "ADMIN", tag_value: "SSN" }], h2: [{ role: "ANALYST", tag_value: "SSN" }, { role: "ANALYST", tag_value: "EMAIL" }] }, next: null };
    expect(renderData(grouped)).toBe(
      ["ROLE     TAG_VALUE", "-------  ---------", "ADMIN    SSN", "ANALYST  SSN", "ANALYST  EMAIL", "", "next: null", ""].join("\n"),
    );
    const why: string[] = [];
    expect(renderData({ id: 1 }, (w) => why.push(w))).toBe(`${JSON.stringify({ id: 1 }, null, 2)}\n`);
    expect(renderData({ a: [1], b: [2] }, (w) => why.push(w))).toContain('"a"');
    expect(why).toEqual(["the result is not a list", "the result has 2 lists (a, b)"]);
    stub.route("GET", "/api/userGroups", { status: 200, body: { success: true, data: { userGroups: [], count: 0 } } });
    try {
      const res = await run("call", ["get_roles", "--output", "table"]);
      expect(res.code).toBe(0);
    } finally {
      stub.route("GET", "/api/userGroups", { status: 200, body: ROLES });
    }
  });

  it("the server's setting flags work for calls too (--tools, --restricted-tools, --read-only, --log-level)", async () => {
    const restricted = await run("call", ["get_roles", "--restricted-tools", "get_roles"]);
    expect(restricted.code).toBe(2);
    expect(restricted.err).toContain("get_roles");
    expect(stub.requests).toHaveLength(0);
    const readOnly = await run("call", ["delete_database", "--database_id", "9", "--confirm", "--toolset", "databases", "--read-only"]);
    expect(readOnly.code).toBe(2);
    expect(stub.requests).toHaveLength(0);
    // --read-only=false wins over ALTR_READ_ONLY=true; --tools adds a single tool.
    stub.route("DELETE", "/api/databases/9", { status: 200, body: { success: true, data: {} } });
    const allowed = await run("call", ["delete_database", "--database_id", "9", "--confirm", "--tools", "delete_database", "--read-only=false"], {
      ALTR_READ_ONLY: "true",
    });
    expect(allowed.code, allowed.err).toBe(0);
    expect(stub.requests.map((r) => r.url)).toEqual(["/api/databases/9"]);
    const debug = await run("call", ["get_roles", "--log-level", "bogus"]);
    expect(debug).toMatchObject({ code: 1 });
    expect(debug.err).toContain("LOG_LEVEL must be one of");
  });
});

describe("the built binary", () => {
  function exec(args: string[], extra: Record<string, string> = {}): Promise<{ code: number | null; out: string; err: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [CLI, ...args], { env: env(extra), stdio: ["ignore", "pipe", "pipe"], cwd: tmpdir() });
      let out = "";
      let err = "";
      child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
      child.on("close", (code) => resolve({ code, out, err }));
    });
  }

  beforeAll(() => {
    if (!existsSync(CLI)) throw new Error("dist/ is missing: run `npm run build` (npm test does it)");
  });

  it("call get_roles: the envelope on stdout, nothing else, exit 0", async () => {
    const res = await exec(["call", "get_roles"], { LOG_LEVEL: "" });
    expect(res).toMatchObject({ code: 0, err: "" });
    expect(JSON.parse(res.out)).toMatchObject({ success: true, data: { roles: ["ANALYST", "AUDITOR"] } });
  });

  it("call get_roles --sandbox prints the seeded roles with no credentials at all; a change sticks in --sandbox-state", async () => {
    const none = { ORG_ID: "", MAPI_KEY: "", MAPI_SECRET: "", LOG_LEVEL: "" };
    const roles = await exec(["call", "get_roles", "--sandbox", "--output", "table"], none);
    expect(roles, roles.err).toMatchObject({ code: 0, err: "" });
    expect(roles.out.split("\n").slice(0, 5)).toEqual(["ROLES", "--------------", "ADMIN", "ANALYST", "DATA_SCIENTIST"]);
    const dir = mkdtempSync(join(tmpdir(), "altr-mcp-cli-state-"));
    try {
      const state = join(dir, "sandbox.json");
      const created = await exec(["call", "create_policy", "--tag", "FINANCIAL", "--sandbox", "--sandbox-state", state], none);
      expect(created.code, created.err).toBe(0);
      const listed = await exec(["call", "get_policies", "--sandbox", "--sandbox-state", state], none);
      const ids = (JSON.parse(listed.out) as { data: { policies: { policy_id: string }[] } }).data.policies.map((p) => p.policy_id);
      expect(ids).toContain("TAG#FINANCIAL");
      const fresh = await exec(["call", "get_policies", "--sandbox"], none);
      expect(fresh.out).not.toContain("TAG#FINANCIAL");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the sandbox's closing line counts in words that agree (1 request, 2 requests)", async () => {
    const none = { ORG_ID: "", MAPI_KEY: "", MAPI_SECRET: "" };
    const one = await exec(["call", "get_roles", "--sandbox", "--log-level", "info"], none);
    expect(one.err).toContain("sandbox: 1 request, state in memory");
    const none0 = await exec(["tools", "--sandbox", "--log-level", "info"], none);
    expect(none0.err).toContain("sandbox: 0 requests, state in memory");
  });

  it("exit codes: 1 for a failed call, 2 for usage; --help works without credentials", async () => {
    stub.route("GET", "/api/userGroups", { status: 500, body: { success: false, message: "boom" } });
    try {
      const failed = await exec(["call", "get_roles"]);
      expect(failed.code).toBe(1);
      expect(failed.err).toContain("HTTP 500");
    } finally {
      stub.route("GET", "/api/userGroups", { status: 200, body: ROLES });
    }
    const usage = await exec(["call", "get_roles", "--offset", "x"]);
    expect(usage).toMatchObject({ code: 2, out: "" });
    const help = await exec(["call", "--help"], { ORG_ID: "" });
    expect(help.code).toBe(0);
    expect(help.out).toContain("Exit codes: 0 success, 1 the tool failed, 2 usage");
  });

  it("secrets given on the command line stay out of stdout, stderr and the debug log", async () => {
    stub.route("POST", "/api/databases", { status: 400, body: { success: false, message: `password ${PASSWORD} rejected` } });
    const res = await exec(
      ["call", "create_database", "--friendly_database_name", "Orders", "--database_type", "mysql", "--database_name", "orders", "--database_password", PASSWORD],
      { LOG_LEVEL: "debug" },
    );
    expect(res.code).toBe(1);
    expect(stub.requests[0]!.body).toContain(PASSWORD);
    expect(res.err).toContain("tool call failed");
    expect(res.out + res.err).not.toContain(PASSWORD);
    expect(res.out).toContain("[REDACTED]");
  });
});
