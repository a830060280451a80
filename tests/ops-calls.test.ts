/**
 * Operation-keyed calls (altr/operations.ts): handlers name operations by key, never by method
 * and path; a handler reaches only the operations its tool declares; a tool declares exactly
 * the operations its requests use (derived from the recorded requests of tests/cases); and a
 * read-only session refuses every non-read operation where requests leave, whatever the tool
 * table says.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAltrClients, type AltrClients } from "../src/altr/client.js";
import { AltrError } from "../src/altr/errors.js";
import { UndeclaredOperationError } from "../src/altr/operations.js";
import { READ_ONLY_OPERATIONS } from "../src/altr/read-only.js";
import { OPERATIONS, type OperationKey } from "../src/generated/operations.js";
import { silentLogger } from "../src/log/logger.js";
import { createToolHost } from "../src/server/server.js";
import { defineTool, type InvokeContext, type Tool } from "../src/tools/define.js";
import { ALL_TOOLS } from "../src/tools/index.js";
import { CASES, type WireCall } from "./cases/index.js";
import { baseUrlsFrom, connect, envelope, FAST_HTTP, TEST_KEY, TEST_SECRET } from "./helpers/harness.js";
import { startStub, type Stub } from "./helpers/stub.js";

const toolsDir = fileURLToPath(new URL("../src/tools/", import.meta.url));

let stub: Stub;
beforeAll(async () => {
  stub = await startStub();
  for (const m of ["GET", "POST", "PUT", "PATCH", "DELETE"]) stub.route(m, /.*/, { status: 200, body: { success: true, data: {} } });
});
afterAll(async () => stub?.close());

function clients(opts: { readOnly?: boolean; guard?: Parameters<typeof createAltrClients>[0]["guard"] } = {}): AltrClients {
  return createAltrClients({
    mapiKey: TEST_KEY,
    mapiSecret: TEST_SECRET,
    baseUrls: baseUrlsFrom(stub.url),
    http: { ...FAST_HTTP, maxAttempts: 1 },
    logger: silentLogger(),
    ...opts,
  });
}

const run = (tool: Tool, args: Record<string, unknown>, altr: AltrClients) =>
  tool.invoke(args, { altr, signal: new AbortController().signal, log: silentLogger() } satisfies InvokeContext);

/** The declared operation a recorded request hits: same service and method, path template matching. */
function operationOf(w: Pick<WireCall, "method" | "service" | "path">): OperationKey | undefined {
  return (Object.keys(OPERATIONS) as OperationKey[]).find((key) => {
    const info = OPERATIONS[key];
    const pattern = new RegExp(`^${info.path.replace(/\{[^}]+\}/g, "[^/]+")}$`);
    return info.service === w.service && info.method === w.method && pattern.test(w.path);
  });
}

describe("handlers speak operation keys", () => {
  const files = readdirSync(toolsDir).filter((f) => f.endsWith(".ts"));
  it.each(files)("%s has no HTTP method or path string", (file) => {
    const text = readFileSync(join(toolsDir, file), "utf8").replace(/\/\*[\s\S]*?\*\/|^\s*\/\/.*$/gm, "");
    // (A rule's `action: "PUT"` in ALTR's batch body is data, not a method.)
    const methods = text.replace(/action: "PUT"/g, "").match(/["'`](GET|POST|PUT|PATCH|DELETE)["'`]/g) ?? [];
    expect(methods).toEqual([]);
    // A string that starts like a path of a curated operation (/api/…, /v1/…, /audit-reports/…).
    const roots = new Set(Object.values(OPERATIONS).map((o) => o.path.split("/")[1]));
    const paths = [...text.matchAll(/["'`]\/([A-Za-z_-]+)[/"'`{]/g)].filter((m) => roots.has(m[1]!)).map((m) => m[0]);
    expect(paths).toEqual([]);
    expect(text).not.toMatch(/openapi-fetch|\.(GET|POST|PUT|PATCH|DELETE)\(/);
  });
});

describe("ctx is scoped to the declared operations", () => {
  const liar = defineTool({
    name: "test_liar",
    title: "t",
    description: "t",
    toolset: "databases",
    input: {},
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    operations: ["altrnet.listDatabases"],
    output: {},
    async handler(_args, { call, signal }) {
      // @ts-expect-error api.deletePolicy is not among this tool's operations: a type error…
      return call("api.deletePolicy", { path: { policy_id: "TAG#PII" }, signal });
    },
  });

  it("…and a thrown programming error at run time, with nothing sent", async () => {
    const before = stub.requests.length;
    await expect(run(liar, {}, clients())).rejects.toBeInstanceOf(UndeclaredOperationError);
    expect(stub.requests.length).toBe(before);
  });

  it("an undeclared call surfaces as an internal error (a bug in the tool), not a request", async () => {
    const host = createToolHost({
      clients: clients(),
      logger: silentLogger(),
      version: "test",
      selection: { toolsets: ["all"], readOnly: false, restricted: [] },
      tools: [liar],
    });
    const before = stub.requests.length;
    const env = envelope(await host.call("test_liar", {}, new AbortController().signal));
    expect(env.error?.kind).toBe("internal");
    expect(stub.requests.length).toBe(before);
  });
});

describe("a tool declares exactly the operations its requests use", () => {
  const used = new Map<string, Set<OperationKey>>();
  const use = (tool: string, op: OperationKey) => {
    if (!used.has(tool)) used.set(tool, new Set());
    used.get(tool)!.add(op);
  };

  it("every recorded request of every case is a declared operation", () => {
    const undeclared: string[] = [];
    for (const c of CASES) {
      const tool = ALL_TOOLS.find((t) => t.name === c.tool)!;
      for (const w of c.wire) {
        const op = operationOf(w);
        if (!op || !tool.operations.includes(op)) undeclared.push(`${c.tool}: ${w.method} ${w.path} (${op ?? "no curated operation"})`);
        else use(c.tool, op);
      }
    }
    expect(undeclared).toEqual([]);
  });

  it("every declared operation is used by a case or by the confirmation look-up (impact)", async () => {
    // Impact look-ups run only when a call is about to be confirmed: run each destructive case,
    // and each case of a tool that asks (add_rules' exposure look-up), with confirmation on and
    // no `confirm`, and record what it reads.
    const h = await connect({ baseUrls: baseUrlsFrom(stub.url), confirmDestructive: true });
    try {
      for (const c of CASES) {
        const tool = ALL_TOOLS.find((t) => t.name === c.tool)!;
        if (!tool.annotations.destructiveHint && !tool.asks) continue;
        const before = stub.requests.length;
        await h.call(c.tool, c.args);
        for (const r of stub.requests.slice(before)) {
          const path = r.url.split("?")[0]!;
          const op = tool.operations.find((key) => {
            const info = OPERATIONS[key];
            return info.method === r.method && new RegExp(`${info.path.replace(/\{[^}]+\}/g, "[^/]+")}$`).test(path);
          });
          expect(op, `${c.tool}: the impact look-up sent ${r.method} ${path}, which it does not declare`).toBeDefined();
          use(c.tool, op!);
          expect(OPERATIONS[op!].method, `${c.tool}: an impact look-up only reads`).toBe("GET");
        }
      }
    } finally {
      await h.close();
    }
    const unused = ALL_TOOLS.flatMap((t) => t.operations.filter((op) => !used.get(t.name)?.has(op)).map((op) => `${t.name}: ${op}`));
    expect(unused).toEqual([]);
  });
});

describe("ALTR_READ_ONLY is enforced where requests leave", () => {
  /** A tool whose table entry wrongly claims to be read-only while it creates a database. */
  const mislabelled = defineTool({
    name: "test_mislabelled",
    title: "t",
    description: "t",
    toolset: "databases",
    input: {},
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    operations: ["altrnet.createDatabase"],
    output: {},
    async handler(_args, { call, signal }) {
      return call("altrnet.createDatabase", { body: { friendlyDatabaseName: "x", databaseType: "mysql", databaseName: "x" }, signal });
    },
  });

  it("refuses a non-read operation before it leaves, whatever the tool says about itself", async () => {
    const before = stub.requests.length;
    const err = await run(mislabelled, {}, clients({ readOnly: true })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AltrError);
    expect((err as AltrError).kind).toBe("rejected");
    expect((err as AltrError).message).toMatch(/read-only.*Nothing was sent/);
    expect(stub.requests.length).toBe(before);
  });

  it("sends the same operation when the session is not read-only", async () => {
    const before = stub.requests.length;
    await run(mislabelled, {}, clients({ readOnly: false }));
    expect(stub.requests.length).toBe(before + 1);
  });

  it("refuses DELETE, PUT, PATCH and POST of every tool in a read-only session, and lets reads through", async () => {
    const refused: string[] = [];
    for (const c of CASES) {
      const tool = ALL_TOOLS.find((t) => t.name === c.tool)!;
      const before = stub.requests.length;
      const result = await run(tool, c.args, clients({ readOnly: true })).then(
        () => undefined,
        (e: unknown) => e,
      );
      for (const r of stub.requests.slice(before)) {
        const op = tool.operations.find((k) => OPERATIONS[k].method === r.method);
        if (r.method !== "GET") expect(op && READ_ONLY_OPERATIONS[op], `${c.tool} sent ${r.method} in a read-only session`).toBeTruthy();
      }
      if (result instanceof AltrError && result.kind === "rejected" && /read-only/.test(result.message)) refused.push(c.tool);
    }
    expect(refused.length).toBeGreaterThan(50);
  });

  it("the searches that POST are the only non-GET reads, exactly those of the read-only tools", () => {
    const derived = new Set(
      ALL_TOOLS.filter((t) => t.annotations.readOnlyHint).flatMap((t) => t.operations.filter((op) => OPERATIONS[op].method !== "GET")),
    );
    expect(new Set(Object.keys(READ_ONLY_OPERATIONS))).toEqual(derived);
    for (const t of ALL_TOOLS.filter((x) => x.operations.some((op) => READ_ONLY_OPERATIONS[op]))) {
      expect(t.readOnlyReason, t.name).toBeTruthy();
    }
  });

  it("the guard hook sees every operation and can refuse the ones that are not reads", async () => {
    const seen: string[] = [];
    const latch = clients({
      guard: (op) => {
        seen.push(`${op.key} ${op.reads}`);
        if (!op.reads) throw new AltrError({ kind: "rejected", detail: "Refused: support mode is on" });
      },
    });
    const before = stub.requests.length;
    await expect(run(mislabelled, {}, latch)).rejects.toThrow(/support mode/);
    expect(stub.requests.length).toBe(before);
    const get = ALL_TOOLS.find((t) => t.name === "get_databases")!;
    await run(get, {}, latch);
    expect(seen).toEqual(["altrnet.createDatabase false", "altrnet.listDatabases true"]);
  });
});
