/**
 * MCP progress and cancellation, through the SDK client (`callTool(…, { onprogress, signal })`):
 * a call with a progressToken gets notifications/progress for every paging loop, add_rules' rule
 * batches and the report downloads — monotonic, with total when known — and a call without one
 * gets none; a cancelled call sends no further request to ALTR (asserted on the stub), and a
 * write already sent is reported as possibly applied. In process (in-memory transport), over
 * stdio (the built server) and over streamable HTTP.
 */
import { existsSync } from "node:fs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ProgressNotificationSchema, type CallToolResult, type Progress } from "@modelcontextprotocol/sdk/types.js";
import { createAltrClients } from "../src/altr/client.js";
import { createToolHost, credentialSecrets, type ToolHost } from "../src/server/server.js";
import { callProgress, type ProgressNotice } from "../src/server/progress.js";
import { startHttp } from "../src/transports/http.js";
import { MAX_PAGES } from "../src/tools/common.js";
import { builtServerTransport } from "./helpers/built-server.js";
import { baseUrlsFrom, envelope, FAST_HTTP, TEST_KEY, TEST_SECRET } from "./helpers/harness.js";
import { httpOptions } from "./helpers/http-options.js";
import { captureLog, type LogCapture } from "./helpers/log-capture.js";
import { routeRuleNames } from "./helpers/rule-names.js";
import { startStub, type Reply, type Stub } from "./helpers/stub.js";

const POLICY = "/v1/unified-policy/management/policy";
const RULES = `${POLICY}/TAG%23PII/rules`;
const BATCH = `${RULES}/batch`;
const JOB = "7f1c2a9e-3b4d-4e5f-8a6b-1c2d3e4f5a6b";
const CLI = new URL("../dist/cli/main.js", import.meta.url).pathname;

let stub: Stub;
let log: LogCapture;
const closing: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  stub = await startStub();
});
afterEach(async () => {
  for (const c of closing.splice(0).reverse()) await c();
  stub.requests.length = 0;
});
afterAll(async () => {
  await stub.close();
});

/** The tool host on the stub, every toolset, no confirmation; progress not rate-limited unless asked. */
function host(progressIntervalMs = 0): ToolHost {
  log = captureLog("info");
  return createToolHost({
    clients: createAltrClients({ mapiKey: TEST_KEY, mapiSecret: TEST_SECRET, baseUrls: baseUrlsFrom(stub.url), http: FAST_HTTP, logger: log.logger }),
    logger: log.logger,
    version: "test",
    secrets: credentialSecrets(TEST_KEY, TEST_SECRET),
    selection: { toolsets: ["all"], readOnly: false, restricted: [] },
    confirmDestructive: false,
    presigned: async () => ({ findings: 3 }),
    progressIntervalMs,
  });
}

async function inMemory(progressIntervalMs = 0): Promise<Client> {
  const server = host(progressIntervalMs).createServer();
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: "progress-tests", version: "0" });
  await client.connect(clientSide);
  closing.push(() => client.close(), () => server.close());
  return client;
}

/** Calls a tool with a progressToken; the notifications it got, in order. */
async function withProgress(client: Client, name: string, args: Record<string, unknown>) {
  const seen: Progress[] = [];
  const result = (await client.callTool({ name, arguments: args }, undefined, { onprogress: (p) => seen.push(p) })) as CallToolResult;
  return { result, seen };
}

/** Progress only grows; a total is never below the progress it comes with. */
function expectMonotonic(seen: readonly Progress[]): void {
  for (const [i, p] of seen.entries()) {
    if (i > 0) expect(p.progress).toBeGreaterThan(seen[i - 1]!.progress);
    if (p.total !== undefined) expect(p.total).toBeGreaterThanOrEqual(p.progress);
  }
}

const roles = (names: readonly string[], count: number, delayMs?: number): Reply => ({
  status: 200,
  body: { success: true, data: { userGroups: names.map((userGroupName) => ({ userGroupName })), count } },
  ...(delayMs ? { delayMs } : {}),
});
const namesFrom = (from: number, n: number) => Array.from({ length: n }, (_, i) => `R${from + i}`);

/** get_policies (TAG) pages with keys k1, k2, …: an endless listing, each page after the first delayed. */
function endlessPolicies(delayMs: number): void {
  const page = (i: number): Reply => ({
    status: 200,
    body: { success: true, data: { policies: [{ policy_id: `TAG#P${i}` }], last_evaluated_key: `k${i}` } },
    ...(i > 1 ? { delayMs } : {}),
  });
  stub.route("GET", POLICY, ...Array.from({ length: MAX_PAGES + 2 }, (_, i) => page(i + 1)));
}

const rules = (n: number) => Array.from({ length: n }, (_, i) => ({ masking_policy: 10001, role: `R${i}`, tag_value: "SSN" }));
const patches = () => stub.requests.filter((r) => r.method === "PATCH");

function routeAddRules(batches: Reply[]): void {
  routeRuleNames(stub, rules(250).map((r) => r.role), ["SSN"]);
  stub.route("GET", RULES, { status: 200, body: { success: true, data: { items: {}, last_evaluated_key: null } } });
  stub.route("PATCH", BATCH, ...batches);
}

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("callProgress (one call's notifications)", () => {
  it("stages count on from each other; values that do not grow are dropped; a total below done is left out", () => {
    const sent: ProgressNotice[] = [];
    const p = callProgress((n) => sent.push(n), 0);
    const pages = p.stage();
    pages.report(1, undefined, "page 1");
    pages.report(2, undefined, "page 2");
    pages.report(2, undefined, "page 2 again");
    const rules = p.stage();
    rules.report(99, 250, "99 of 250");
    rules.report(250, 120, "a total below done");
    expect(sent).toEqual([
      { progress: 1, message: "page 1" },
      { progress: 2, message: "page 2" },
      { progress: 101, total: 252, message: "99 of 250" },
      { progress: 252, message: "a total below done" },
    ]);
    // An earlier stage that reports again cannot send progress backwards.
    pages.report(3, undefined, "late page");
    expect(sent).toHaveLength(4);
  });

  it("rate limit: at most one notification per interval, a stage's end always sent", () => {
    const sent: ProgressNotice[] = [];
    let clock = 0;
    const p = callProgress((n) => sent.push(n), 100, () => clock);
    const loop = p.stage();
    // 10,000 pages, one per millisecond: 10 s of paging.
    for (let i = 1; i <= 10_000; i++) {
      clock = i;
      loop.report(i, 10_000, `page ${i}`);
    }
    // t = 1, 101, 201, … 9901 (100 sends), and the end at t = 10,000.
    expect(sent.length).toBe(101);
    expect(sent[0]).toEqual({ progress: 1, total: 10_000, message: "page 1" });
    expect(sent.at(-1)).toEqual({ progress: 10_000, total: 10_000, message: "page 10000" });
    expectMonotonic(sent);
    // Within the interval, only the end gets through.
    const quick: ProgressNotice[] = [];
    const q = callProgress((n) => quick.push(n), 100, () => 0).stage();
    for (let i = 1; i <= 5; i++) q.report(i, 5, `step ${i}`);
    expect(quick.map((n) => n.progress)).toEqual([1, 5]);
  });
});

describe("progress through the SDK client (in process)", () => {
  it("an offset listing (get_roles): one notification per page, items of the total ALTR reported", async () => {
    stub.route("GET", "/api/userGroups", roles(namesFrom(0, 50), 120), roles(namesFrom(50, 50), 120), roles(namesFrom(100, 20), 120));
    const { result, seen } = await withProgress(await inMemory(), "get_roles", {});
    expect(envelope(result).data).toMatchObject({ count: 120, next_offset: null });
    expect(seen).toEqual([
      { progress: 50, total: 120, message: "50 of 120 items read (page 1)" },
      { progress: 100, total: 120, message: "100 of 120 items read (page 2)" },
      { progress: 120, total: 120, message: "120 of 120 items read (page 3)" },
    ]);
  });

  it("a cursor listing (get_policies) counts pages, without a total ALTR does not give", async () => {
    stub.route(
      "GET",
      POLICY,
      { status: 200, body: { success: true, data: { policies: [{ policy_id: "TAG#A" }], last_evaluated_key: "k1" } } },
      { status: 200, body: { success: true, data: { policies: [{ policy_id: "TAG#B" }, { policy_id: "TAG#C" }], last_evaluated_key: null } } },
    );
    const { seen } = await withProgress(await inMemory(), "get_policies", { policy_type: "TAG" });
    expect(seen).toEqual([
      { progress: 1, message: "page 1 read, 1 items" },
      { progress: 2, message: "page 2 read, 3 items" },
    ]);
  });

  it("all_pages (get_jobs) reports each page", async () => {
    stub.route(
      "GET",
      "/v1/jobs",
      { status: 200, body: { jobs: [{ job_id: "j1" }], contiguous_id: "c1" } },
      { status: 200, body: { jobs: [{ job_id: "j2" }], contiguous_id: "c2" } },
      { status: 200, body: { jobs: [{ job_id: "j3" }], contiguous_id: "" } },
    );
    const { result, seen } = await withProgress(await inMemory(), "get_jobs", { all_pages: true });
    expect(result.isError).toBeFalsy();
    expect(seen.map((p) => p.progress)).toEqual([1, 2, 3]);
    expect(seen.at(-1)!.message).toBe("page 3 read, 3 items");
  });

  it("add_rules: the look-ups, then rules applied of the rules given, per batch", async () => {
    routeAddRules([{ status: 200, body: { success: true } }]);
    const { result, seen } = await withProgress(await inMemory(), "add_rules", { policy_id: "TAG#PII", rules: rules(250) });
    expect(envelope(result).data).toMatchObject({ rules_added: 250, batches: 3 });
    expectMonotonic(seen);
    const batches = seen.filter((p) => p.message!.includes("rules applied"));
    expect(batches.map((p) => p.message)).toEqual([
      "99 of 250 rules applied (batch 1 of 3)",
      "198 of 250 rules applied (batch 2 of 3)",
      "250 of 250 rules applied (batch 3 of 3)",
    ]);
    // The batches count on from where the look-ups (roles read by items, the current rules by pages) left the call.
    const base = batches[0]!.progress - 99;
    const lookUps = seen.slice(0, seen.indexOf(batches[0]!));
    expect(lookUps.length).toBeGreaterThanOrEqual(2);
    expect(base).toBe(lookUps.at(-1)!.progress);
    expect(batches.map((p) => [p.progress - base, p.total! - base])).toEqual([
      [99, 250],
      [198, 250],
      [250, 250],
    ]);
  });

  it("report downloads: the classification report in two steps, the audit report link in one", async () => {
    stub.route("POST", /\/jobs\/[^/]+\/report$/, { status: 201, body: { url: "https://reports.example.com/r.json?sig=x" } });
    const report = await withProgress(await inMemory(), "get_classification_report", { job_id: JOB });
    expect(envelope(report.result).success).toBe(true);
    expect(envelope(report.result).data).toEqual({ job_id: JOB, report: { findings: 3 } });
    expect(report.seen).toEqual([
      { progress: 1, total: 2, message: "report generated; downloading it" },
      { progress: 2, total: 2, message: "report downloaded" },
    ]);

    stub.route("GET", /\/instances\/[^/]+\/download$/, { status: 200, body: { url: "https://reports.example.com/a.csv?sig=y", expires_at: "2026-12-07T00:00:00Z" } });
    const audit = await withProgress(await inMemory(), "get_report_instance_download_url", { definition_id: "d1", instance_id: "i1", format: "csv" });
    expect(envelope(audit.result).success).toBe(true);
    expect(audit.seen).toEqual([{ progress: 1, total: 1, message: "CSV download link received" }]);
  });

  it("two calls at once on one session: each gets its own notifications, none of the other's", async () => {
    stub.route("GET", "/api/userGroups", {
      status: 200,
      bodyFrom: (req) => {
        const offset = Number(new URL(req.url, "http://x").searchParams.get("offset"));
        return { success: true, data: { userGroups: namesFrom(offset, Math.min(50, 120 - offset)).map((userGroupName) => ({ userGroupName })), count: 120 } };
      },
    });
    stub.route("GET", POLICY, { status: 200, body: { success: true, data: { policies: [{ policy_id: "TAG#A" }], last_evaluated_key: null } } });
    const client = await inMemory();
    const [roles, policies] = await Promise.all([withProgress(client, "get_roles", {}), withProgress(client, "get_policies", { policy_type: "TAG" })]);
    expect(roles.seen.map((p) => p.progress)).toEqual([50, 100, 120]);
    expect(policies.seen).toEqual([{ progress: 1, message: "page 1 read, 1 items" }]);
  });

  it("no progressToken: no notification at all, the same result", async () => {
    stub.route("GET", "/api/userGroups", roles(namesFrom(0, 50), 120), roles(namesFrom(50, 50), 120), roles(namesFrom(100, 20), 120));
    const client = await inMemory();
    const stray: unknown[] = [];
    // Replaces the SDK's own progress dispatch: any notifications/progress the server sends lands here.
    client.setNotificationHandler(ProgressNotificationSchema, (n) => void stray.push(n));
    const result = (await client.callTool({ name: "get_roles", arguments: {} })) as CallToolResult;
    expect(envelope(result).data).toMatchObject({ count: 120 });
    expect(stub.requests).toHaveLength(3);
    expect(stray).toEqual([]);
  });

  it("the default rate limit holds over a real call: 20 fast pages send far fewer notifications", async () => {
    endlessPolicies(0);
    const { seen } = await withProgress(await inMemory(100), "get_policies", { policy_type: "TAG" });
    expect(stub.requests).toHaveLength(MAX_PAGES);
    expect(seen.length).toBeGreaterThanOrEqual(1);
    expect(seen.length).toBeLessThan(MAX_PAGES);
    expectMonotonic(seen);
  });
});

describe("cancellation (notifications/cancelled) stops the call", () => {
  it("a paged read: after the cancel no further page is requested", async () => {
    endlessPolicies(300);
    const client = await inMemory();
    const abort = new AbortController();
    let atCancel = -1;
    const call = client.callTool({ name: "get_policies", arguments: { policy_type: "TAG" } }, undefined, {
      signal: abort.signal,
      onprogress: () => {
        atCancel = stub.requests.length;
        abort.abort("the user stopped it");
      },
    });
    await expect(call).rejects.toThrow();
    await settle(800);
    // Page 1 answered, page 2 in flight when the cancel came: nothing after it.
    expect(atCancel).toBeLessThanOrEqual(2);
    expect(stub.requests.length).toBeLessThanOrEqual(2);
    expect(log.text()).toMatch(/"outcome":"error","kind":"cancelled".*"cancelled":true/);
  });

  it("add_rules: a cancel during batch 2 sends no batch 3, and says batch 2 may have been applied", async () => {
    routeAddRules([{ status: 200, body: { success: true } }, { status: 200, body: { success: true }, delayMs: 400 }]);
    const client = await inMemory();
    const abort = new AbortController();
    const call = client.callTool({ name: "add_rules", arguments: { policy_id: "TAG#PII", rules: rules(250) } }, undefined, {
      signal: abort.signal,
      onprogress: (p) => {
        // Batch 2 answers after 400 ms: cancelled while it is in flight.
        if (p.message?.startsWith("99 of 250")) setTimeout(() => abort.abort("stop"), 150);
      },
    });
    await expect(call).rejects.toThrow();
    await settle(800);
    expect(patches()).toHaveLength(2);
    // The client gets no result after its cancel (the SDK sends none): the log says what happened.
    const line = log.text().split("\n").find((l) => l.includes('"tool":"add_rules"') && l.includes("tool call failed"));
    expect(line).toBeDefined();
    const entry = JSON.parse(line!) as { kind: string; cancelled: boolean; error: string };
    expect(entry).toMatchObject({ kind: "cancelled", cancelled: true });
    expect(entry.error).toBe(
      "Cancelled by the client while batch 2 of 3 (99 rules) was being sent: ALTR may or may not have applied it. The first 99 rules (batches 1–1) were applied; the remaining 52 were not sent. Check with get_rules before retrying.",
    );
  });

  it("add_rules called directly: the result is the same honest account, with what was applied", async () => {
    routeAddRules([{ status: 200, body: { success: true } }, { status: 200, body: { success: true }, delayMs: 400 }]);
    const abort = new AbortController();
    const h = host();
    const pending = h.call("add_rules", { policy_id: "TAG#PII", rules: rules(250) }, abort.signal, undefined, undefined, (n) => {
      if (n.message.startsWith("99 of 250")) setTimeout(() => abort.abort(), 150);
    });
    const result = await pending;
    const env = envelope(result);
    expect(result.isError).toBe(true);
    expect(env.error).toMatchObject({ kind: "cancelled" });
    expect(env.error!.message).toContain("batch 2 of 3 (99 rules) was being sent: ALTR may or may not have applied it");
    expect(env.data).toEqual({ policy_id: "TAG#PII", rules_added: 99, batches: 1 });
    await settle(600);
    expect(patches()).toHaveLength(2);
  });

  it("add_rules cancelled between batches: the batches sent are applied, none after", async () => {
    routeAddRules([{ status: 200, body: { success: true } }]);
    const abort = new AbortController();
    const result = await host().call("add_rules", { policy_id: "TAG#PII", rules: rules(250) }, abort.signal, undefined, undefined, (n) => {
      // Cancelled as batch 1's answer is counted: batch 2 is never sent.
      if (n.message.startsWith("99 of 250")) abort.abort();
    });
    const env = envelope(result);
    expect(env.error).toMatchObject({ kind: "cancelled" });
    expect(env.error!.message).toMatch(/^Cancelled by the client after batch 1 of 3\. The first 99 rules \(batches 1–1\) were applied; the remaining 151 were not sent/);
    expect(env.data).toEqual({ policy_id: "TAG#PII", rules_added: 99, batches: 1 });
    expect(patches()).toHaveLength(1);
  });

  it("add_rules cancelled before its first batch: nothing changed, and it says so", async () => {
    routeAddRules([{ status: 200, body: { success: true } }]);
    const abort = new AbortController();
    // Cancelled during the look-ups: their loops stop, and no batch goes out.
    const result = await host().call("add_rules", { policy_id: "TAG#PII", rules: rules(3) }, abort.signal, undefined, undefined, () => abort.abort());
    const env = envelope(result);
    expect(env.error).toMatchObject({ kind: "cancelled" });
    expect(patches()).toHaveLength(0);
  });
});

describe("over the transports", () => {
  async function scenario(client: Client): Promise<void> {
    // Pages slower than the default rate limit (100 ms): each one is reported.
    stub.route("GET", "/api/userGroups", roles(namesFrom(0, 50), 120, 150), roles(namesFrom(50, 50), 120, 150), roles(namesFrom(100, 20), 120, 150));
    const { seen } = await withProgress(client, "get_roles", {});
    // In order, none skipped. The SDK client handles a notification a microtask after a response
    // read in the same chunk: on a loaded machine the last one can still arrive with the answer
    // and be dropped by the client (the server waits one event-loop turn to make that rare).
    const expected = [
      [50, 120],
      [100, 120],
      [120, 120],
    ];
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen.map((p) => [p.progress, p.total])).toEqual(expected.slice(0, seen.length));
    stub.requests.length = 0;

    endlessPolicies(300);
    const abort = new AbortController();
    let atCancel = 0;
    const call = client.callTool({ name: "get_policies", arguments: { policy_type: "TAG" } }, undefined, {
      signal: abort.signal,
      onprogress: () => {
        atCancel = stub.requests.length;
        abort.abort("stop");
      },
    });
    await expect(call).rejects.toThrow();
    // The cancel crosses the transport while the page after the one reported is asked for, and
    // the one after that may start before the cancel lands: at most two more requests, then none
    // (an endless listing left running asks every 300 ms).
    await settle(800);
    const after = stub.requests.length;
    expect(after).toBeLessThanOrEqual(atCancel + 2);
    await settle(800);
    expect(stub.requests.length).toBe(after);
  }

  it("stdio (the built server)", { timeout: 30_000 }, async () => {
    if (!existsSync(CLI)) throw new Error("dist/ is missing: run `npm run build` (npm test does it)");
    const transport = builtServerTransport(stub.url, { ORG_ID: "o", MAPI_KEY: "k", MAPI_SECRET: "secret-value", LOG_LEVEL: "error", ALTR_TOOLSETS: "all" });
    const client = new Client({ name: "progress-stdio", version: "0" });
    await client.connect(transport);
    closing.push(() => client.close());
    await scenario(client);
  });

  it("streamable HTTP (a stateful session)", { timeout: 30_000 }, async () => {
    const http = await startHttp(host(100), httpOptions(), log.logger);
    closing.push(() => http.close());
    const client = new Client({ name: "progress-http", version: "0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${http.url}/mcp`)));
    closing.push(() => client.close());
    await scenario(client);
  });

  it("stateless streamable HTTP: progress on an SSE answer when asked, one JSON body otherwise; closing the request stops the call", { timeout: 30_000 }, async () => {
    const http = await startHttp(host(100), httpOptions({ stateless: true }), log.logger);
    closing.push(() => http.close());
    const client = new Client({ name: "progress-stateless", version: "0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${http.url}/mcp`)));
    closing.push(() => client.close());
    stub.route("GET", "/api/userGroups", roles(namesFrom(0, 50), 120, 150), roles(namesFrom(50, 50), 120, 150), roles(namesFrom(100, 20), 120, 150));
    const { seen, result } = await withProgress(client, "get_roles", {});
    expect(result.isError).toBeFalsy();
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen.map((p) => [p.progress, p.total])).toEqual([[50, 120], [100, 120], [120, 120]].slice(0, seen.length));

    // Without a progressToken the answer is a JSON body (no stream to keep open).
    const post = (body: unknown) =>
      fetch(`${http.url}/mcp`, { method: "POST", headers: { "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-protocol-version": "2025-06-18" }, body: JSON.stringify(body) });
    const call = (meta?: object) => ({ jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "get_roles", arguments: {}, ...(meta ? { _meta: meta } : {}) } });
    stub.route("GET", "/api/userGroups", roles(namesFrom(0, 3), 3));
    const plain = await post(call());
    expect(plain.headers.get("content-type")).toMatch(/^application\/json/);
    await plain.text();
    // Hostile: a progressToken of the wrong type is not a request for progress.
    stub.route("GET", "/api/userGroups", roles(namesFrom(0, 3), 3));
    const odd = await post(call({ progressToken: { x: 1 } }));
    expect(odd.headers.get("content-type")).toMatch(/^application\/json/);
    await odd.text();
    stub.route("GET", "/api/userGroups", roles(namesFrom(0, 3), 3));
    const streamed = await post(call({ progressToken: "p1" }));
    expect(streamed.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(await streamed.text()).toContain('"id":7');

    // Closing the request stops the call: no page is asked for after the close.
    stub.requests.length = 0;
    endlessPolicies(300);
    const open = await post({ jsonrpc: "2.0", id: 8, method: "tools/call", params: { name: "get_policies", arguments: { policy_type: "TAG" }, _meta: { progressToken: 1 } } });
    const reader = open.body!.getReader();
    await reader.read(); // the first progress notification: the call is paging
    await reader.cancel();
    await settle(400);
    const after = stub.requests.length;
    await settle(900);
    expect(stub.requests.length, "an endless listing left running asks every 300 ms").toBe(after);
  });
});
