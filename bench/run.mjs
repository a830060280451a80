#!/usr/bin/env node
/**
 * `npm run bench` (after `npm run build`): measures the built server (dist/) as users feel it
 * and prints a table; writes bench/results.json. Loopback only: ALTR is a local stub.
 *
 *   cold start   spawn `node dist/cli/main.js` (stdio) → first tools/list answer; RSS after it
 *   list size    tools/list bytes: all toolsets, defaults, each toolset; with/without outputSchema;
 *                the SDK Client's listTools time: repeated calls, and a new client's first (which
 *                compiles a validator per distinct output schema)
 *   overhead     the same GET: direct HTTP to the stub vs tools/call over stdio and streamable HTTP
 *   throughput   streamable HTTP with 1, 8 and 32 concurrent sessions (calls/s, p99)
 *   replicas     stateless replicas behind HAProxy (Debian's haproxy, scripts/test-deps.sh installs
 *                it): 1 vs 2 replicas, 32 concurrent clients, same run
 *   reference    the SDK Client's listTools against the reference `everything` server
 *                (@modelcontextprotocol/server-everything, pinned) beside ours, interleaved
 *
 * Load generators: the stub, the clients and the server share the machine's cores, so the clients
 * are the lightest ones that speak the protocol: JSON-RPC lines on the child's stdin/stdout, and
 * node:http keep-alive POSTs (initialize, notifications/initialized, then tools/call with the
 * Mcp-Session-Id and MCP-Protocol-Version headers; the SSE answer parsed and checked). The direct
 * request is a fetch() (what the server does to reach ALTR); node:http's time is shown beside it. One extra throughput run with the SDK's Client (32
 * sessions) shows what a heavier client costs on the same cores; it is reported, not targeted.
 *
 * Env: BENCH_DIST (default <repo>/dist), BENCH_RUNS (cold starts, default 15),
 * BENCH_CALLS (overhead samples per path, default 2000), BENCH_WARMUP (calls per path before the
 * overhead samples, default 1000), BENCH_SECONDS (per concurrency, default 5).
 * BENCH_BASELINE: the dist/ of another build (e.g. a worktree of an older commit, built): its
 * streamable-HTTP server and this one take turns at 32 sessions (6 rounds of BENCH_SECONDS / 2
 * each, same stub, same load), and the ratios of calls/s and of server CPU per call are reported;
 * BENCH_BASELINE_LABEL names it in results.json.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Agent, createServer as createHttpServer, request as httpRequestRaw } from "node:http";
import { connect as netConnect, createServer as createNetServer } from "node:net";
import { cpus, loadavg, totalmem, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ListToolsResultSchema } from "@modelcontextprotocol/sdk/types.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const DIST = resolve(process.env.BENCH_DIST ?? join(ROOT, "dist"));
const CLI = join(DIST, "cli", "main.js");
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const CALLS = Number(process.env.BENCH_CALLS ?? 2000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 1000);
const BASELINE = process.env.BENCH_BASELINE ? resolve(process.env.BENCH_BASELINE) : undefined;
const TOOLSETS = [
  "databases", "roles", "tags", "policies", "classification", "access_management", "access_requests",
  "audits", "telemetry", "sidecar", "audit_reports", "tokenization", "key_management",
];
const TARGETS = { sandboxStartRatio: 1.3, sandboxFirstCallMs: 100, coldStartMedianMs: 300, rssMb: 90, fullListBytesNoOutputSchema: 70_000, fullListBytes: 140_000, defaultListBytes: 110_000, overheadMedianMs: 1, throughput32: 1500, rssAfterThroughputMb: 150, listToolsRatioToReference: 2 };
/** The reference server of the MCP project (devDependency, pinned), started over stdio. */
const EVERYTHING = join(ROOT, "node_modules", "@modelcontextprotocol", "server-everything", "dist", "index.js");
const UPSTREAM_FULL_LIST_BYTES = 140_500;

// ---- statistics --------------------------------------------------------------------------
const sorted = (xs) => [...xs].sort((a, b) => a - b);
const pct = (xs, p) => {
  const s = sorted(xs);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : NaN;
};
const median = (xs) => pct(xs, 50);
const r = (x, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

// ---- the local ALTR stub -------------------------------------------------------------------
const ROLES_BODY = JSON.stringify({ success: true, data: { userGroups: [{ userGroupName: "ANALYST" }, { userGroupName: "ADMIN" }], count: 2 } });
async function startStub() {
  const server = createHttpServer((req, res) => {
    req.resume();
    req.on("end", () => {
      if (req.url?.startsWith("/api/userGroups")) res.writeHead(200, { "content-type": "application/json" }).end(ROLES_BODY);
      else res.writeHead(404, { "content-type": "application/json" }).end('{"message":"not found"}');
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((ok) => { server.closeAllConnections(); server.close(ok); }) };
}

function serverEnv(stubUrl, extra = {}) {
  const env = { PATH: process.env.PATH ?? "", ORG_ID: "bench-org", MAPI_KEY: "bench-key", MAPI_SECRET: "bench-secret-value", LOG_LEVEL: "error" };
  for (const s of ["ALTRNET", "API", "CLASSIFICATION", "SC_CONTROL", "SERVICE_USER", "AUDIT_REPORT", "VAULT", "CRITICAL", "KMA"]) env[`ALTR_${s}_BASE_URL`] = stubUrl;
  return { ...env, ...extra };
}

async function freePort() {
  return new Promise((ok) => {
    const s = createNetServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

function rssMb(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

// ---- cold start + tools/list over raw stdio ------------------------------------------------
/** Spawns the CLI, sends initialize + tools/list as JSON lines; resolves with timing, RSS and the list. */
function stdioList(stubUrl, extraEnv = {}) {
  return new Promise((ok, fail) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [CLI], { env: serverEnv(stubUrl, extraEnv), stdio: ["pipe", "pipe", "pipe"], cwd: tmpdir() });
    let err = "";
    const timer = setTimeout(() => { child.kill(); fail(new Error(`no tools/list answer in 20 s: ${err}`)); }, 20_000);
    child.stderr.on("data", (d) => (err += d));
    child.on("exit", (code) => { if (code) fail(new Error(`server exited ${code}: ${err}`)); });
    onJsonLines(child.stdout, (msg) => {
      if (msg.id === 1) {
        child.stdin.write(JSON.stringify(INITIALIZED) + "\n");
        child.stdin.write(JSON.stringify(LIST_TOOLS) + "\n");
      } else if (msg.id === 2) {
        const ms = performance.now() - t0;
        const rss = rssMb(child.pid);
        const cpu = cpuMs(child.pid);
        clearTimeout(timer);
        child.removeAllListeners("exit");
        child.kill();
        ok({ ms, rss, cpu, tools: msg.result.tools });
      }
    });
    child.stdin.write(JSON.stringify(INIT) + "\n");
  });
}

/**
 * The same cold start with `--sandbox` (stdio → first tools/list), then the first tools/call
 * (get_roles, answered by the in-process sandbox): what a user trying altr-mcp feels.
 */
function sandboxStart() {
  return new Promise((ok, fail) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [CLI, "--sandbox"], { env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "error" }, stdio: ["pipe", "pipe", "pipe"], cwd: tmpdir() });
    let err = "";
    let listMs = 0;
    let listCpu = 0;
    const timer = setTimeout(() => { child.kill(); fail(new Error(`no sandbox answer in 20 s: ${err}`)); }, 20_000);
    child.stderr.on("data", (d) => (err += d));
    child.on("exit", (code) => { if (code) fail(new Error(`sandbox server exited ${code}: ${err}`)); });
    onJsonLines(child.stdout, (msg) => {
      if (msg.id === 1) {
        child.stdin.write(JSON.stringify(INITIALIZED) + "\n");
        child.stdin.write(JSON.stringify(LIST_TOOLS) + "\n");
      } else if (msg.id === 2) {
        listMs = performance.now() - t0;
        listCpu = cpuMs(child.pid);
        child.stdin.write(JSON.stringify(callMessage(3)) + "\n");
      } else if (msg.id === 3) {
        const callMs = performance.now() - t0 - listMs;
        const callCpuMs = cpuMs(child.pid) - listCpu;
        clearTimeout(timer);
        child.removeAllListeners("exit");
        child.kill();
        if (msg.result?.isError) fail(new Error(`sandbox get_roles failed: ${JSON.stringify(msg.result)}`));
        else ok({ listMs, callMs, callCpuMs });
      }
    });
    child.stdin.write(JSON.stringify(INIT) + "\n");
  });
}

const bytes = (tools, withOutput) => Buffer.byteLength(JSON.stringify(withOutput ? tools : tools.map(({ outputSchema: _o, ...t }) => t)));

// ---- MCP clients ---------------------------------------------------------------------------
const PROTOCOL_VERSION = "2025-06-18";
const INIT = { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: "bench", version: "0" } } };
const INITIALIZED = { jsonrpc: "2.0", method: "notifications/initialized" };
const LIST_TOOLS = { jsonrpc: "2.0", id: 2, method: "tools/list", params: {} };

/** Calls `onMessage` with each JSON-RPC message a stdio server writes (one a line). */
function onJsonLines(stream, onMessage) {
  let buffer = "";
  stream.setEncoding("utf8");
  stream.on("data", (d) => {
    buffer += d;
    let nl;
    while ((nl = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      onMessage(JSON.parse(line));
    }
  });
}
const callMessage = (id) => ({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "get_roles", arguments: {} } });

/** Throws unless a tools/call answer is a successful get_roles. */
function checkCall(msg) {
  if (!msg?.result || msg.result.isError || msg.result.structuredContent?.success !== true) throw new Error(`get_roles failed: ${JSON.stringify(msg).slice(0, 300)}`);
}

/** A raw stdio client: JSON-RPC lines, one call in flight. */
async function rawStdioClient(stubUrl) {
  const child = spawn(process.execPath, [CLI], { env: serverEnv(stubUrl), stdio: ["pipe", "pipe", "ignore"], cwd: tmpdir() });
  const waiting = new Map();
  onJsonLines(child.stdout, (msg) => {
    waiting.get(msg.id)?.(msg);
    waiting.delete(msg.id);
  });
  const request = (msg) => new Promise((ok) => { waiting.set(msg.id, ok); child.stdin.write(JSON.stringify(msg) + "\n"); });
  await request(INIT);
  child.stdin.write(JSON.stringify(INITIALIZED) + "\n");
  let id = 1;
  return { call: async () => checkCall(await request(callMessage(++id))), close: () => child.kill() };
}

async function startHttpServer(stubUrl, extraEnv = {}, cli = CLI) {
  const port = await freePort();
  const child = spawn(process.execPath, [cli], {
    env: serverEnv(stubUrl, { MCP_TRANSPORT: "streamable-http", MCP_PORT: String(port), MCP_MAX_SESSIONS: "100", ...extraEnv }),
    stdio: ["ignore", "ignore", "pipe"],
    cwd: tmpdir(),
  });
  let err = "";
  child.stderr.on("data", (d) => (err += d));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return { url, port, child };
    } catch {
      // not yet listening
    }
    await new Promise((ok) => setTimeout(ok, 50));
  }
  child.kill();
  throw new Error(`HTTP server did not start: ${err}`);
}

const agent = new Agent({ keepAlive: true, maxSockets: 256 });

/** One HTTP exchange on the shared keep-alive agent: { status, headers, body }. */
function httpRequest(url, method, body, headers = {}) {
  return new Promise((ok, fail) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = httpRequestRaw(url, { method, agent, headers: data === undefined ? headers : { ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(data) } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (text += d));
      res.on("end", () => ok({ status: res.statusCode, headers: res.headers, body: text }));
      res.on("error", fail);
    });
    req.on("error", fail);
    req.end(data);
  });
}

/** The JSON-RPC messages of a streamable-HTTP answer (SSE events or a JSON body). */
function messagesOf(res) {
  if (!String(res.headers["content-type"]).startsWith("text/event-stream")) return res.body ? [JSON.parse(res.body)] : [];
  return res.body.split("\n").filter((l) => l.startsWith("data: ")).map((l) => JSON.parse(l.slice(6)));
}

/** One checked tools/call per invocation on `endpoint` with `headers`, numbering its own ids. */
function toolsCall(endpoint, headers) {
  let id = 1;
  return async () => {
    const res = await httpRequest(endpoint, "POST", callMessage(++id), headers);
    if (res.status !== 200) throw new Error(`tools/call: HTTP ${res.status} ${res.body}`);
    checkCall(messagesOf(res).find((m) => m.id === id));
  };
}

/** A raw streamable-HTTP client: initialize, initialized, then tools/call on the session. */
async function rawHttpClient(url) {
  const endpoint = `${url}/mcp`;
  const accept = { accept: "application/json, text/event-stream" };
  const init = await httpRequest(endpoint, "POST", INIT, accept);
  const sid = init.headers["mcp-session-id"];
  if (init.status !== 200 || !sid) throw new Error(`initialize failed: ${init.status} ${init.body}`);
  const headers = { ...accept, "mcp-session-id": sid, "mcp-protocol-version": PROTOCOL_VERSION };
  await httpRequest(endpoint, "POST", INITIALIZED, headers);
  return {
    call: toolsCall(endpoint, headers),
    close: async () => { await httpRequest(endpoint, "DELETE", undefined, headers); },
  };
}

/**
 * The SDK Client's listTools over stdio, repeated on one client (it compiles a validator per
 * output schema it has not seen: a schema without `$id` on every call, ours once per `$id`),
 * the servers taken in turn in each round so that they see the same load: median and p90 ms per
 * server, n calls each after one warm-up call. `servers`: name → { args, env }.
 * `requestMedianMs`: the same tools/list sent with client.request (answer parsed, no validators
 * compiled), so the rest of listTools is the client's per-output-schema work.
 */
async function sdkListTools(servers, n = 20) {
  const clients = {};
  try {
    for (const [name, { args, env }] of Object.entries(servers)) {
      const client = new Client({ name: "bench", version: "0" });
      await client.connect(new StdioClientTransport({ command: process.execPath, args, env, cwd: tmpdir(), stderr: "ignore" }));
      const { tools } = await client.listTools();
      clients[name] = { client, tools: tools.length, withOutputSchema: tools.filter((t) => t.outputSchema).length, times: [], requestTimes: [] };
    }
    for (let i = 0; i < n; i++) {
      for (const c of Object.values(clients)) {
        const t0 = performance.now();
        await c.client.listTools();
        c.times.push(performance.now() - t0);
        const t1 = performance.now();
        await c.client.request({ method: "tools/list", params: {} }, ListToolsResultSchema);
        c.requestTimes.push(performance.now() - t1);
      }
    }
    return Object.fromEntries(Object.entries(clients).map(([name, c]) => [name, { tools: c.tools, withOutputSchema: c.withOutputSchema, medianMs: r(median(c.times), 1), p90Ms: r(pct(c.times, 90), 1), requestMedianMs: r(median(c.requestTimes), 1), calls: n }]));
  } finally {
    for (const c of Object.values(clients)) await c.client.close();
  }
}

/**
 * The first listTools of a new SDK Client (it compiles a validator for every distinct output
 * schema then; later calls reuse them by `$id`): `n` fresh clients per server, the servers taken
 * in turn, only the listTools call timed (not the process start or initialize).
 */
async function sdkFirstListTools(servers, n = 5) {
  const times = Object.fromEntries(Object.keys(servers).map((name) => [name, []]));
  for (let i = 0; i < n; i++) {
    for (const [name, { args, env }] of Object.entries(servers)) {
      const client = new Client({ name: "bench", version: "0" });
      await client.connect(new StdioClientTransport({ command: process.execPath, args, env, cwd: tmpdir(), stderr: "ignore" }));
      try {
        await client.request({ method: "tools/list", params: {} }, ListToolsResultSchema); // the server's own first answer, not timed
        const t0 = performance.now();
        await client.listTools();
        times[name].push(performance.now() - t0);
      } finally {
        await client.close();
      }
    }
  }
  return Object.fromEntries(Object.entries(times).map(([name, t]) => [name, { medianMs: r(median(t), 1), clients: n }]));
}

/** A raw client of a stateless server (MCP_STATELESS): each tools/call a request of its own, JSON answer. */
async function rawStatelessClient(url) {
  const endpoint = `${url}/mcp`;
  const headers = { accept: "application/json, text/event-stream", "mcp-protocol-version": PROTOCOL_VERSION };
  return {
    call: toolsCall(endpoint, headers),
    close: async () => {},
  };
}

/**
 * HAProxy (Debian's package) in front of stateless replicas, as docs/deploy.md configures it
 * (round robin, health check on /healthz): one frontend per backend size, so 1 and 2 replicas are
 * measured in the same run. Undefined when haproxy is not installed.
 */
async function startHaproxy(backends) {
  try {
    execFileSync("haproxy", ["-v"], { stdio: "ignore" });
  } catch {
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), "altr-mcp-bench-"));
  const sock = join(dir, "haproxy.sock");
  const fronts = {};
  let cfg = `global\n    maxconn 4096\n    stats socket ${sock}\n\ndefaults\n    mode http\n    timeout connect 2s\n    timeout client 60s\n    timeout server 60s\n    option http-keep-alive\n`;
  for (const [name, ports] of Object.entries(backends)) {
    fronts[name] = await freePort();
    cfg += `\nfrontend fe_${name}\n    bind 127.0.0.1:${fronts[name]}\n    default_backend be_${name}\n`;
    // Health checks as docs/deploy.md has them, but patient: on a loaded bench machine a replica
    // busy with 32 clients answers /healthz late, and a replica marked down fails the calls (503).
    cfg += `\nbackend be_${name}\n    balance roundrobin\n    option httpchk GET /healthz\n    http-check expect status 200\n    timeout check 10s\n    default-server inter 2s fall 5 rise 1\n`;
    ports.forEach((port, i) => (cfg += `    server r${i + 1} 127.0.0.1:${port} check\n`));
  }
  writeFileSync(join(dir, "haproxy.cfg"), cfg);
  execFileSync("haproxy", ["-c", "-q", "-f", join(dir, "haproxy.cfg")]);
  const child = spawn("haproxy", ["-db", "-f", join(dir, "haproxy.cfg")], { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  child.stderr.on("data", (d) => (err += d));
  const stat = () =>
    new Promise((ok) => {
      let out = "";
      const s = netConnect(sock, () => s.end("show stat\n"));
      s.on("data", (d) => (out += d));
      s.on("close", () => ok(out));
      s.on("error", () => ok(""));
    });
  const servers = Object.values(backends).flat().length;
  for (let i = 0; i < 200; i++) {
    const up = (await stat()).split("\n").filter((l) => /^be_[^,]+,r\d+,/.test(l) && l.includes(",UP")).length;
    if (up === servers) {
      return { url: (name) => `http://127.0.0.1:${fronts[name]}`, pid: child.pid, close: () => { child.kill(); rmSync(dir, { recursive: true, force: true }); } };
    }
    await new Promise((ok) => setTimeout(ok, 100));
  }
  child.kill();
  throw new Error(`HAProxy did not see every replica up: ${err}`);
}

/** The SDK's client over streamable HTTP (the heavier client, for the comparison row). */
async function sdkHttpClient(url) {
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`));
  const client = new Client({ name: "bench", version: "0" });
  await client.connect(transport);
  return {
    call: async () => {
      const res = await client.callTool({ name: "get_roles", arguments: {} });
      if (res.isError) throw new Error(`get_roles failed: ${JSON.stringify(res.structuredContent)}`);
    },
    close: async () => { await transport.terminateSession().catch(() => {}); await client.close(); },
  };
}

async function timeCalls(fn, n) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

/** Successful calls/s, latency and the server's CPU time per call (all its processes) for `n` concurrent sessions. */
async function throughput(open, n, serverPids, seconds = SECONDS) {
  const pids = [serverPids].flat();
  const serverCpu = () => pids.reduce((sum, pid) => sum + cpuMs(pid), 0);
  const sessions = await Promise.all(Array.from({ length: n }, () => open()));
  for (const s of sessions) await timeCalls(s.call, 20);
  const lat = [];
  let failed = 0;
  let firstError;
  const cpu0 = serverCpu();
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  await Promise.all(
    sessions.map(async (s) => {
      while (performance.now() < end) {
        const t = performance.now();
        try {
          await s.call();
        } catch (err) {
          if (failed++ === 0) firstError = String(err?.message ?? err).slice(0, 200);
        }
        lat.push(performance.now() - t);
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  const serverCpuMsPerCall = r((serverCpu() - cpu0) / lat.length, 3);
  await Promise.all(sessions.map((s) => s.close()));
  return { calls: lat.length, seconds: r(elapsed, 3), failed, ...(firstError ? { firstError } : {}), callsPerSecond: Math.round((lat.length - failed) / elapsed), medianMs: r(median(lat), 2), p99Ms: r(pct(lat, 99), 2), serverCpuMsPerCall };
}

/** CPU time (user + system) of a process so far, in ms (clock ticks of 10 ms). */
function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

// ---- main ----------------------------------------------------------------------------------
const stub = await startStub();
const results = {
  machine: { node: process.version, platform: `${process.platform}-${process.arch}`, cpus: cpus().length, cpuModel: cpus()[0]?.model, memGb: r(totalmem() / 2 ** 30, 1), loadAverage: loadavg().map((x) => r(x, 2)) },
  targets: TARGETS,
  measuredAt: new Date().toISOString(),
};

try {
  // Cold start (one discarded warm-up run fills the OS file cache).
  await stdioList(stub.url);
  const starts = [];
  const rss = [];
  const cpu = [];
  for (let i = 0; i < RUNS; i++) {
    const s = await stdioList(stub.url);
    starts.push(s.ms);
    rss.push(s.rss);
    cpu.push(s.cpu);
  }
  // CPU time (user + system, all threads, 10 ms ticks) says what the server spent whatever the load.
  results.coldStart = { runs: RUNS, medianMs: r(median(starts), 1), minMs: r(Math.min(...starts), 1), maxMs: r(Math.max(...starts), 1), p90Ms: r(pct(starts, 90), 1), cpuMedianMs: median(cpu), rssMedianMb: r(median(rss), 1) };

  // Sandbox start-up, interleaved with plain starts so both see the same load (same run, ratio).
  await sandboxStart();
  const plainStarts = [];
  const sandboxLists = [];
  const sandboxCalls = [];
  const sandboxCallCpu = [];
  for (let i = 0; i < RUNS; i++) {
    plainStarts.push((await stdioList(stub.url)).ms);
    const s = await sandboxStart();
    sandboxLists.push(s.listMs);
    sandboxCalls.push(s.callMs);
    sandboxCallCpu.push(s.callCpuMs);
  }
  results.sandboxStart = {
    runs: RUNS,
    plainMedianMs: r(median(plainStarts), 1),
    sandboxListMedianMs: r(median(sandboxLists), 1),
    ratio: r(median(sandboxLists) / median(plainStarts), 2),
    firstCallMedianMs: r(median(sandboxCalls), 1),
    firstCallP90Ms: r(pct(sandboxCalls, 90), 1),
    firstCallCpuMedianMs: median(sandboxCallCpu),
  };

  // Tool-list sizes.
  const all = (await stdioList(stub.url, { ALTR_TOOLSETS: "all" })).tools;
  const defaults = (await stdioList(stub.url)).tools;
  const per = {};
  for (const t of TOOLSETS) {
    const tools = (await stdioList(stub.url, { ALTR_TOOLSETS: t })).tools;
    per[t] = { tools: tools.length, bytes: bytes(tools, false), bytesWithOutputSchema: bytes(tools, true) };
  }
  results.listSize = {
    all: { tools: all.length, bytes: bytes(all, false), bytesWithOutputSchema: bytes(all, true) },
    default: { tools: defaults.length, bytes: bytes(defaults, false), bytesWithOutputSchema: bytes(defaults, true) },
    perToolset: per,
    upstreamFullBytes: UPSTREAM_FULL_LIST_BYTES,
    sdkListTools: await sdkListTools({
      default: { args: [CLI], env: serverEnv(stub.url) },
      all: { args: [CLI], env: serverEnv(stub.url, { ALTR_TOOLSETS: "all" }) },
      everything: { args: [EVERYTHING, "stdio"], env: { PATH: process.env.PATH ?? "" } },
    }),
  };
  results.listSize.sdkFirstListTools = await sdkFirstListTools({
    default: { args: [CLI], env: serverEnv(stub.url) },
    all: { args: [CLI], env: serverEnv(stub.url, { ALTR_TOOLSETS: "all" }) },
    everything: { args: [EVERYTHING, "stdio"], env: { PATH: process.env.PATH ?? "" } },
  });
  const first = results.listSize.sdkFirstListTools;
  first.ratioDefault = r(first.default.medianMs / first.everything.medianMs, 2);
  first.ratioAll = r(first.all.medianMs / first.everything.medianMs, 2);
  const ref = results.listSize.sdkListTools;
  ref.referencePackage = `@modelcontextprotocol/server-everything@${JSON.parse(readFileSync(join(dirname(dirname(EVERYTHING)), "package.json"), "utf8")).version}`;
  ref.ratioDefault = r(ref.default.medianMs / ref.everything.medianMs, 2);
  ref.ratioAll = r(ref.all.medianMs / ref.everything.medianMs, 2);
  // The MCP Apps views as built (dist/views/*.html), each one self-contained file.
  results.viewBytes = Object.fromEntries(
    ["masking-matrix", "findings-explorer"].map((v) => [v, Buffer.byteLength(readFileSync(join(DIST, "views", `${v}.html`)))]),
  );

  // tools/call overhead: direct HTTP vs stdio vs streamable HTTP, interleaved in rounds.
  const stdio = await rawStdioClient(stub.url);
  const http = await startHttpServer(stub.url);
  const hc = await rawHttpClient(http.url);
  // The direct request: fetch(), as the server itself calls ALTR (and as the figures were
  // taken); the same GET with node:http is reported too.
  const direct = async () => (await fetch(`${stub.url}/api/userGroups?offset=0`)).text();
  const directNodeHttp = async () => {
    const res = await httpRequest(`${stub.url}/api/userGroups?offset=0`, "GET");
    if (res.status !== 200) throw new Error(`stub: HTTP ${res.status}`);
  };
  // Warm-up: a running server's steady state (JIT-compiled paths); cold start is measured above.
  for (const f of [direct, directNodeHttp, stdio.call, hc.call]) await timeCalls(f, WARMUP);
  const samples = { direct: [], directNodeHttp: [], stdio: [], http: [] };
  const rounds = 10;
  for (let i = 0; i < rounds; i++) {
    samples.direct.push(...(await timeCalls(direct, CALLS / rounds)));
    samples.directNodeHttp.push(...(await timeCalls(directNodeHttp, CALLS / rounds)));
    samples.stdio.push(...(await timeCalls(stdio.call, CALLS / rounds)));
    samples.http.push(...(await timeCalls(hc.call, CALLS / rounds)));
  }
  const summary = (xs) => ({ medianMs: r(median(xs), 3), p99Ms: r(pct(xs, 99), 3) });
  results.callOverhead = {
    calls: CALLS,
    warmup: WARMUP,
    client: "raw JSON-RPC (stdio lines; node:http keep-alive for streamable HTTP); direct GET with fetch",
    direct: summary(samples.direct),
    directNodeHttp: summary(samples.directNodeHttp),
    stdio: { ...summary(samples.stdio), overheadMedianMs: r(median(samples.stdio) - median(samples.direct), 3) },
    streamableHttp: { ...summary(samples.http), overheadMedianMs: r(median(samples.http) - median(samples.direct), 3) },
  };
  stdio.close();
  await hc.close();

  // Throughput over streamable HTTP: the raw client (targeted), then the SDK client at 32 (reference).
  results.throughput = {};
  for (const n of [1, 8, 32]) results.throughput[n] = await throughput(() => rawHttpClient(http.url), n, http.child.pid);
  results.throughputSdkClient32 = await throughput(() => sdkHttpClient(http.url), 32, http.child.pid);
  results.serverRssAfterThroughputMb = r(rssMb(http.child.pid), 1);
  http.child.kill();

  // This build against a baseline build, taking turns under the same load.
  if (BASELINE) {
    const servers = { current: await startHttpServer(stub.url), baseline: await startHttpServer(stub.url, {}, join(BASELINE, "cli", "main.js")) };
    const sum = { current: { calls: 0, seconds: 0, cpu: 0 }, baseline: { calls: 0, seconds: 0, cpu: 0 } };
    for (let round = 0; round < 6; round++) {
      for (const name of round % 2 ? ["baseline", "current"] : ["current", "baseline"]) {
        const t = await throughput(() => rawHttpClient(servers[name].url), 32, servers[name].child.pid, SECONDS / 2);
        sum[name].calls += t.calls;
        sum[name].seconds += t.seconds;
        sum[name].cpu += t.serverCpuMsPerCall * t.calls;
      }
    }
    for (const x of Object.values(servers)) x.child.kill();
    const per = (x) => ({ callsPerSecond: Math.round(x.calls / x.seconds), serverCpuMsPerCall: r(x.cpu / x.calls, 3), calls: x.calls });
    const current = per(sum.current);
    const baseline = per(sum.baseline);
    results.baseline = {
      // What the baseline is (e.g. "main at abc1234"), never its path: results.json is committed.
      label: process.env.BENCH_BASELINE_LABEL ?? "BENCH_BASELINE",
      current,
      baseline,
      callsPerSecondRatio: r(current.callsPerSecond / baseline.callsPerSecond, 3),
      cpuPerCallRatio: r(current.serverCpuMsPerCall / baseline.serverCpuMsPerCall, 3),
    };
  }

  // Stateless replicas behind HAProxy: 1 vs 2 replicas, 32 concurrent clients, same run.
  const replicas = [await startHttpServer(stub.url, { MCP_STATELESS: "true" }), await startHttpServer(stub.url, { MCP_STATELESS: "true" })];
  const lb = await startHaproxy({ one: [replicas[0].port], two: replicas.map((x) => x.port) });
  try {
    if (!lb) results.replicas = { skipped: "haproxy is not installed (scripts/test-deps.sh installs it)" };
    else {
      const one = await throughput(() => rawStatelessClient(lb.url("one")), 32, [replicas[0].child.pid, lb.pid]);
      const two = await throughput(() => rawStatelessClient(lb.url("two")), 32, [...replicas.map((x) => x.child.pid), lb.pid]);
      results.replicas = { sessions: 32, stateless: true, one, two, ratio: r(two.callsPerSecond / one.callsPerSecond, 2) };
    }
  } finally {
    lb?.close();
    for (const x of replicas) x.child.kill();
  }
} finally {
  await stub.close();
  agent.destroy();
}

// ---- report ---------------------------------------------------------------------------------
const verdict = (ok) => (ok ? "ok" : "MISSED");
const ref = results.listSize.sdkListTools;
const first = results.listSize.sdkFirstListTools;
const rows = [
  ["cold start to tools/list (stdio), median", `${results.coldStart.medianMs} ms (min ${results.coldStart.minMs}, p90 ${results.coldStart.p90Ms}, max ${results.coldStart.maxMs}; n=${RUNS}); CPU ${results.coldStart.cpuMedianMs} ms`, `≤ ${TARGETS.coldStartMedianMs} ms`, verdict(results.coldStart.medianMs <= TARGETS.coldStartMedianMs)],
  ["--sandbox start to tools/list, median (ratio to plain, same run)", `${results.sandboxStart.sandboxListMedianMs} ms vs ${results.sandboxStart.plainMedianMs} ms: ${results.sandboxStart.ratio}×`, `≤ ${TARGETS.sandboxStartRatio}×`, verdict(results.sandboxStart.ratio <= TARGETS.sandboxStartRatio)],
  ["--sandbox first tools/call (get_roles), median / p90", `${results.sandboxStart.firstCallMedianMs} / ${results.sandboxStart.firstCallP90Ms} ms; CPU ${results.sandboxStart.firstCallCpuMedianMs} ms`, `≤ ${TARGETS.sandboxFirstCallMs} ms`, verdict(results.sandboxStart.firstCallMedianMs <= TARGETS.sandboxFirstCallMs)],
  ["RSS after start", `${results.coldStart.rssMedianMb} MB`, `≤ ${TARGETS.rssMb} MB`, verdict(results.coldStart.rssMedianMb <= TARGETS.rssMb)],
  ["tools/list, all toolsets, no outputSchema", `${results.listSize.all.bytes} B (${results.listSize.all.tools} tools; ${r(results.listSize.all.bytes / UPSTREAM_FULL_LIST_BYTES, 2)}× upstream's ~${UPSTREAM_FULL_LIST_BYTES})`, `≤ ${TARGETS.fullListBytesNoOutputSchema} B`, verdict(results.listSize.all.bytes <= TARGETS.fullListBytesNoOutputSchema)],
  ["tools/list, all toolsets, with outputSchema", `${results.listSize.all.bytesWithOutputSchema} B`, `≤ ${TARGETS.fullListBytes} B`, verdict(results.listSize.all.bytesWithOutputSchema <= TARGETS.fullListBytes)],
  ["tools/list, default toolsets, with outputSchema", `${results.listSize.default.bytesWithOutputSchema} B (${results.listSize.default.bytes} B without; ${results.listSize.default.tools} tools)`, `≤ ${TARGETS.defaultListBytes} B`, verdict(results.listSize.default.bytesWithOutputSchema <= TARGETS.defaultListBytes)],
  ["SDK Client listTools (stdio), default / all, median", `${ref.default.medianMs} / ${ref.all.medianMs} ms (p90 ${ref.default.p90Ms} / ${ref.all.p90Ms} ms; n=${ref.default.calls}, interleaved with the reference)`, "", ""],
  ["  the same against the reference server, median (ratio, same run)", `${ref.everything.medianMs} ms (${ref.referencePackage}, ${ref.everything.tools} tools, ${ref.everything.withOutputSchema} with outputSchema): default ${ref.ratioDefault}×, all ${ref.ratioAll}×; without the client's validators (client.request) ${ref.default.requestMedianMs} / ${ref.all.requestMedianMs} vs ${ref.everything.requestMedianMs} ms`, `≤ ${TARGETS.listToolsRatioToReference}×`, verdict(ref.ratioDefault <= TARGETS.listToolsRatioToReference && ref.ratioAll <= TARGETS.listToolsRatioToReference)],
  ["  a new Client's first listTools (compiles each distinct output schema), default / all vs the reference", `${first.default.medianMs} / ${first.all.medianMs} vs ${first.everything.medianMs} ms: ${first.ratioDefault}× / ${first.ratioAll}× (median of ${first.default.clients} clients each)`, "", ""],
  ...Object.entries(results.listSize.perToolset).map(([t, v]) => [`  toolset ${t}`, `${v.bytes} B / ${v.bytesWithOutputSchema} B (${v.tools} tools)`, "", ""]),
  ["MCP Apps views (self-contained HTML)", Object.entries(results.viewBytes).map(([v, b]) => `${v} ${b} B`).join(", "), "", ""],
  ["direct GET to the stub (fetch), median / p99", `${results.callOverhead.direct.medianMs} / ${results.callOverhead.direct.p99Ms} ms (node:http: ${results.callOverhead.directNodeHttp.medianMs} / ${results.callOverhead.directNodeHttp.p99Ms} ms)`, "", ""],
  ["tools/call over stdio, median / p99", `${results.callOverhead.stdio.medianMs} / ${results.callOverhead.stdio.p99Ms} ms (overhead ${results.callOverhead.stdio.overheadMedianMs} ms)`, `≤ ${TARGETS.overheadMedianMs} ms overhead`, verdict(results.callOverhead.stdio.overheadMedianMs <= TARGETS.overheadMedianMs)],
  ["tools/call over streamable HTTP, median / p99", `${results.callOverhead.streamableHttp.medianMs} / ${results.callOverhead.streamableHttp.p99Ms} ms (overhead ${results.callOverhead.streamableHttp.overheadMedianMs} ms)`, `≤ ${TARGETS.overheadMedianMs} ms overhead`, verdict(results.callOverhead.streamableHttp.overheadMedianMs <= TARGETS.overheadMedianMs)],
  ...Object.entries(results.throughput).map(([n, v]) => [`streamable HTTP, ${n} session(s)`, `${v.callsPerSecond} calls/s, median ${v.medianMs} ms, p99 ${v.p99Ms} ms, ${v.failed} failed; server CPU ${v.serverCpuMsPerCall} ms/call`, n === "32" ? `≥ ${TARGETS.throughput32} calls/s` : "", n === "32" ? verdict(v.callsPerSecond >= TARGETS.throughput32 && v.failed === 0) : ""]),
  ["streamable HTTP, 32 sessions, SDK Client", `${results.throughputSdkClient32.callsPerSecond} calls/s, median ${results.throughputSdkClient32.medianMs} ms, p99 ${results.throughputSdkClient32.p99Ms} ms, ${results.throughputSdkClient32.failed} failed; server CPU ${results.throughputSdkClient32.serverCpuMsPerCall} ms/call`, "(reference)", ""],
  ["server RSS after the throughput runs", `${results.serverRssAfterThroughputMb} MB`, `≤ ${TARGETS.rssAfterThroughputMb} MB`, verdict(results.serverRssAfterThroughputMb <= TARGETS.rssAfterThroughputMb)],
  ...(results.replicas.skipped
    ? [["stateless replicas behind HAProxy", `skipped: ${results.replicas.skipped}`, "", ""]]
    : [
        ["stateless, 1 replica behind HAProxy, 32 clients", `${results.replicas.one.callsPerSecond} calls/s, median ${results.replicas.one.medianMs} ms, p99 ${results.replicas.one.p99Ms} ms, ${results.replicas.one.failed} failed; CPU (replica + HAProxy) ${results.replicas.one.serverCpuMsPerCall} ms/call`, "", ""],
        ["stateless, 2 replicas behind HAProxy, 32 clients (ratio to 1, same run)", `${results.replicas.two.callsPerSecond} calls/s (${results.replicas.ratio}×), median ${results.replicas.two.medianMs} ms, p99 ${results.replicas.two.p99Ms} ms, ${results.replicas.two.failed} failed; CPU ${results.replicas.two.serverCpuMsPerCall} ms/call`, "", ""],
      ]),
  ...(results.baseline
    ? [["32 sessions, this build vs BENCH_BASELINE (turns, same run)", `${results.baseline.current.callsPerSecond} vs ${results.baseline.baseline.callsPerSecond} calls/s (${results.baseline.callsPerSecondRatio}×); server CPU ${results.baseline.current.serverCpuMsPerCall} vs ${results.baseline.baseline.serverCpuMsPerCall} ms/call (${results.baseline.cpuPerCallRatio}×)`, "", ""]]
    : []),
];
const w = [0, 1, 2].map((i) => Math.max(...rows.map((row) => row[i].length)));
console.log(`altr-mcp bench — ${results.machine.cpus} × ${results.machine.cpuModel}, ${results.machine.memGb} GB, Node ${results.machine.node}, ${DIST}; load average at start ${results.machine.loadAverage.join(" ")}`);
for (const row of rows) console.log(`${row[0].padEnd(w[0])}  ${row[1].padEnd(w[1])}  ${row[2].padEnd(w[2])}  ${row[3]}`);
const outFile = join(ROOT, "bench", "results.json");
writeFileSync(outFile, JSON.stringify(results, null, 2) + "\n");
console.log(`\nwrote ${outFile}`);
