#!/usr/bin/env node
/**
 * `npm run bench` (after `npm run build`): measures the built server (dist/) as users feel it
 * and prints a table; writes bench/results.json. Loopback only: ALTR is a local stub.
 *
 *   cold start   spawn `node dist/cli/main.js` (stdio) → first tools/list answer; RSS after it
 *   list size    tools/list bytes: all toolsets, defaults, each toolset; with/without outputSchema
 *   overhead     the same GET: direct HTTP to the stub vs tools/call over stdio and streamable HTTP
 *   throughput   streamable HTTP with 1, 8 and 32 concurrent sessions (calls/s, p99)
 *
 * Env: BENCH_DIST (default <repo>/dist), BENCH_RUNS (cold starts, default 15),
 * BENCH_CALLS (overhead samples per path, default 2000), BENCH_SECONDS (per concurrency, default 5).
 */
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer as createNetServer } from "node:net";
import { cpus, totalmem, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const DIST = resolve(process.env.BENCH_DIST ?? join(ROOT, "dist"));
const CLI = join(DIST, "cli", "main.js");
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const CALLS = Number(process.env.BENCH_CALLS ?? 2000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const TOOLSETS = [
  "databases", "roles", "tags", "policies", "classification", "access_management", "access_requests",
  "audits", "telemetry", "sidecar", "audit_reports", "tokenization", "key_management",
];
const TARGETS = { coldStartMedianMs: 300, rssMb: 90, fullListBytesNoOutputSchema: 70_000, overheadMedianMs: 1, throughput32: 1500 };
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
    let out = "";
    let err = "";
    const timer = setTimeout(() => { child.kill(); fail(new Error(`no tools/list answer in 20 s: ${err}`)); }, 20_000);
    child.stderr.on("data", (d) => (err += d));
    child.on("exit", (code) => { if (code) fail(new Error(`server exited ${code}: ${err}`)); });
    child.stdout.on("data", (d) => {
      out += d;
      let nl;
      while ((nl = out.indexOf("\n")) >= 0) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        const msg = JSON.parse(line);
        if (msg.id === 1) {
          child.stdin.write(JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }) + "\n");
          child.stdin.write(JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list", params: {} }) + "\n");
        } else if (msg.id === 2) {
          const ms = performance.now() - t0;
          const rss = rssMb(child.pid);
          const cpu = cpuMs(child.pid);
          clearTimeout(timer);
          child.removeAllListeners("exit");
          child.kill();
          ok({ ms, rss, cpu, tools: msg.result.tools });
        }
      }
    });
    child.stdin.write(
      JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "bench", version: "0" } } }) + "\n",
    );
  });
}

const bytes = (tools, withOutput) => Buffer.byteLength(JSON.stringify(withOutput ? tools : tools.map(({ outputSchema: _o, ...t }) => t)));

// ---- MCP clients ---------------------------------------------------------------------------
async function stdioClient(stubUrl) {
  const transport = new StdioClientTransport({ command: process.execPath, args: [CLI], env: serverEnv(stubUrl), stderr: "ignore", cwd: tmpdir() });
  const client = new Client({ name: "bench", version: "0" });
  await client.connect(transport);
  return client;
}

async function startHttpServer(stubUrl) {
  const port = await freePort();
  const child = spawn(process.execPath, [CLI], {
    env: serverEnv(stubUrl, { MCP_TRANSPORT: "streamable-http", MCP_PORT: String(port), MCP_MAX_SESSIONS: "100" }),
    stdio: ["ignore", "ignore", "pipe"],
    cwd: tmpdir(),
  });
  let err = "";
  child.stderr.on("data", (d) => (err += d));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return { url, child };
    } catch {
      // not yet listening
    }
    await new Promise((ok) => setTimeout(ok, 50));
  }
  child.kill();
  throw new Error(`HTTP server did not start: ${err}`);
}

async function httpClient(url) {
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`));
  const client = new Client({ name: "bench", version: "0" });
  await client.connect(transport);
  return { client, transport };
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

const callRoles = (client) => async () => {
  const res = await client.callTool({ name: "get_roles", arguments: {} });
  if (res.isError) throw new Error(`get_roles failed: ${JSON.stringify(res.structuredContent)}`);
};

// ---- main ----------------------------------------------------------------------------------
const stub = await startStub();
const results = {
  machine: { node: process.version, platform: `${process.platform}-${process.arch}`, cpus: cpus().length, cpuModel: cpus()[0]?.model, memGb: r(totalmem() / 2 ** 30, 1) },
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
  };

  // tools/call overhead: direct HTTP vs stdio vs streamable HTTP, interleaved in rounds.
  const stdio = await stdioClient(stub.url);
  const http = await startHttpServer(stub.url);
  const { client: hc } = await httpClient(http.url);
  const direct = async () => (await fetch(`${stub.url}/api/userGroups?offset=0`)).text();
  for (const f of [direct, callRoles(stdio), callRoles(hc)]) await timeCalls(f, 200); // warm-up
  const samples = { direct: [], stdio: [], http: [] };
  const rounds = 10;
  for (let i = 0; i < rounds; i++) {
    samples.direct.push(...(await timeCalls(direct, CALLS / rounds)));
    samples.stdio.push(...(await timeCalls(callRoles(stdio), CALLS / rounds)));
    samples.http.push(...(await timeCalls(callRoles(hc), CALLS / rounds)));
  }
  const summary = (xs) => ({ medianMs: r(median(xs), 3), p99Ms: r(pct(xs, 99), 3) });
  results.callOverhead = {
    calls: CALLS,
    direct: summary(samples.direct),
    stdio: { ...summary(samples.stdio), overheadMedianMs: r(median(samples.stdio) - median(samples.direct), 3) },
    streamableHttp: { ...summary(samples.http), overheadMedianMs: r(median(samples.http) - median(samples.direct), 3) },
  };
  await stdio.close();
  await hc.close();

  // Throughput over streamable HTTP.
  results.throughput = {};
  for (const n of [1, 8, 32]) {
    const sessions = await Promise.all(Array.from({ length: n }, () => httpClient(http.url)));
    for (const s of sessions) await timeCalls(callRoles(s.client), 20);
    const lat = [];
    let failed = 0;
    const t0 = performance.now();
    const end = t0 + SECONDS * 1000;
    await Promise.all(
      sessions.map(async ({ client }) => {
        while (performance.now() < end) {
          const s = performance.now();
          try {
            await callRoles(client)();
          } catch {
            failed++;
          }
          lat.push(performance.now() - s);
        }
      }),
    );
    const elapsed = (performance.now() - t0) / 1000;
    results.throughput[n] = { calls: lat.length, failed, callsPerSecond: Math.round(lat.length / elapsed), medianMs: r(median(lat), 2), p99Ms: r(pct(lat, 99), 2) };
    await Promise.all(sessions.map(async ({ client, transport }) => { await transport.terminateSession().catch(() => {}); await client.close(); }));
  }
  results.serverRssAfterThroughputMb = r(rssMb(http.child.pid), 1);
  http.child.kill();
} finally {
  await stub.close();
}

// ---- report ---------------------------------------------------------------------------------
const verdict = (ok) => (ok ? "ok" : "MISSED");
const rows = [
  ["cold start to tools/list (stdio), median", `${results.coldStart.medianMs} ms (min ${results.coldStart.minMs}, p90 ${results.coldStart.p90Ms}, max ${results.coldStart.maxMs}; n=${RUNS}); CPU ${results.coldStart.cpuMedianMs} ms`, `≤ ${TARGETS.coldStartMedianMs} ms`, verdict(results.coldStart.medianMs <= TARGETS.coldStartMedianMs)],
  ["RSS after start", `${results.coldStart.rssMedianMb} MB`, `≤ ${TARGETS.rssMb} MB`, verdict(results.coldStart.rssMedianMb <= TARGETS.rssMb)],
  ["tools/list, all toolsets, no outputSchema", `${results.listSize.all.bytes} B (${results.listSize.all.tools} tools; ${r(results.listSize.all.bytes / UPSTREAM_FULL_LIST_BYTES, 2)}× upstream's ~${UPSTREAM_FULL_LIST_BYTES})`, `≤ ${TARGETS.fullListBytesNoOutputSchema} B`, verdict(results.listSize.all.bytes <= TARGETS.fullListBytesNoOutputSchema)],
  ["tools/list, all toolsets, with outputSchema", `${results.listSize.all.bytesWithOutputSchema} B`, "", ""],
  ["tools/list, default toolsets", `${results.listSize.default.bytes} B / ${results.listSize.default.bytesWithOutputSchema} B with outputSchema (${results.listSize.default.tools} tools)`, "", ""],
  ...Object.entries(results.listSize.perToolset).map(([t, v]) => [`  toolset ${t}`, `${v.bytes} B / ${v.bytesWithOutputSchema} B (${v.tools} tools)`, "", ""]),
  ["direct GET to the stub, median / p99", `${results.callOverhead.direct.medianMs} / ${results.callOverhead.direct.p99Ms} ms`, "", ""],
  ["tools/call over stdio, median / p99", `${results.callOverhead.stdio.medianMs} / ${results.callOverhead.stdio.p99Ms} ms (overhead ${results.callOverhead.stdio.overheadMedianMs} ms)`, `≤ ${TARGETS.overheadMedianMs} ms overhead`, verdict(results.callOverhead.stdio.overheadMedianMs <= TARGETS.overheadMedianMs)],
  ["tools/call over streamable HTTP, median / p99", `${results.callOverhead.streamableHttp.medianMs} / ${results.callOverhead.streamableHttp.p99Ms} ms (overhead ${results.callOverhead.streamableHttp.overheadMedianMs} ms)`, `≤ ${TARGETS.overheadMedianMs} ms overhead`, verdict(results.callOverhead.streamableHttp.overheadMedianMs <= TARGETS.overheadMedianMs)],
  ...Object.entries(results.throughput).map(([n, v]) => [`streamable HTTP, ${n} session(s)`, `${v.callsPerSecond} calls/s, median ${v.medianMs} ms, p99 ${v.p99Ms} ms, ${v.failed} failed`, n === "32" ? `≥ ${TARGETS.throughput32} calls/s` : "", n === "32" ? verdict(v.callsPerSecond >= TARGETS.throughput32 && v.failed === 0) : ""]),
  ["server RSS after the throughput runs", `${results.serverRssAfterThroughputMb} MB`, "", ""],
];
const w = [0, 1, 2].map((i) => Math.max(...rows.map((row) => row[i].length)));
console.log(`altr-mcp bench — ${results.machine.cpus} × ${results.machine.cpuModel}, ${results.machine.memGb} GB, Node ${results.machine.node}, ${DIST}`);
for (const row of rows) console.log(`${row[0].padEnd(w[0])}  ${row[1].padEnd(w[1])}  ${row[2].padEnd(w[2])}  ${row[3]}`);
const outFile = join(ROOT, "bench", "results.json");
writeFileSync(outFile, JSON.stringify(results, null, 2) + "\n");
console.log(`\nwrote ${outFile}`);
