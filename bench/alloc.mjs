#!/usr/bin/env node
/**
 * `node bench/alloc.mjs` (after `npm run build`): what one tools/call allocates in the streamable
 * HTTP server — a figure that does not move with the machine's load, unlike calls/s. The built
 * server (BENCH_DIST, default dist/) runs against a loopback stub with the V8 sampling heap
 * profiler on, counting objects the GC has already collected too; 32 raw sessions (as
 * bench/run.mjs) make ALLOC_WARMUP calls (default 3000), then ALLOC_CALLS (default 5000) are
 * profiled. Prints KB allocated per call, minor/major GCs in the window, and the top packages
 * and functions (source-mapped when dist/ has its maps). ALLOC_TOP sets how many.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Agent, createServer, request as httpRequest } from "node:http";
import { SourceMap } from "node:module";
import { createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const DIST = resolve(process.env.BENCH_DIST ?? join(ROOT, "dist"));
const CALLS = Number(process.env.ALLOC_CALLS ?? 5000);
const WARMUP = Number(process.env.ALLOC_WARMUP ?? 3000);
const TOP = Number(process.env.ALLOC_TOP ?? 15);
const SESSIONS = 32;

// The server-side half: SIGUSR2 starts the profile, the next SIGUSR2 writes it (with GC counts).
const PRELOAD = `
const inspector = require("node:inspector");
const fs = require("node:fs");
const { PerformanceObserver, constants } = require("node:perf_hooks");
const session = new inspector.Session();
session.connect();
let on = false;
let gcs = { minor: 0, major: 0 };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    if (e.detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) gcs.minor++;
    else if (e.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) gcs.major++;
  }
}).observe({ entryTypes: ["gc"] });
process.on("SIGUSR2", () => {
  if (!on) {
    on = true;
    gcs = { minor: 0, major: 0 };
    session.post("HeapProfiler.startSampling", { samplingInterval: 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
    return;
  }
  const counted = gcs;
  session.post("HeapProfiler.stopSampling", (err, r) => fs.writeFileSync(process.env.ALLOC_OUT, JSON.stringify({ err, profile: r?.profile, gcs: counted })));
});
`;

const work = mkdtempSync(join(tmpdir(), "altr-alloc-"));
const preload = join(work, "preload.cjs");
const out = join(work, "profile.json");
writeFileSync(preload, PRELOAD);

const ROLES_BODY = JSON.stringify({ success: true, data: { userGroups: [{ userGroupName: "ANALYST" }, { userGroupName: "ADMIN" }], count: 2 } });
const stub = createServer((req, res) => {
  req.resume();
  req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end(ROLES_BODY));
});
stub.keepAliveTimeout = 60_000;
await new Promise((ok) => stub.listen(0, "127.0.0.1", ok));
const stubUrl = `http://127.0.0.1:${stub.address().port}`;
const port = await new Promise((ok) => {
  const s = createNetServer().listen(0, "127.0.0.1", () => {
    const { port: p } = s.address();
    s.close(() => ok(p));
  });
});
const env = {
  PATH: process.env.PATH ?? "",
  ORG_ID: "bench-org",
  MAPI_KEY: "bench-key",
  MAPI_SECRET: "bench-secret-value",
  LOG_LEVEL: "error",
  MCP_TRANSPORT: "streamable-http",
  MCP_PORT: String(port),
  MCP_MAX_SESSIONS: "100",
  NODE_OPTIONS: `--require ${preload}`,
  ALLOC_OUT: out,
};
for (const s of ["ALTRNET", "API", "CLASSIFICATION", "SC_CONTROL", "SERVICE_USER", "AUDIT_REPORT", "VAULT", "CRITICAL", "KMA"]) env[`ALTR_${s}_BASE_URL`] = stubUrl;
const child = spawn(process.execPath, [join(DIST, "cli", "main.js")], { env, stdio: ["ignore", "ignore", "inherit"], cwd: tmpdir() });
const agent = new Agent({ keepAlive: true, maxSockets: 256 });
const endpoint = `http://127.0.0.1:${port}/mcp`;
const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

function post(body, headers) {
  return new Promise((ok, fail) => {
    const data = JSON.stringify(body);
    const req = httpRequest(endpoint, { method: "POST", agent, headers: { ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(data) } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (text += d));
      res.on("end", () => ok({ status: res.statusCode, headers: res.headers, body: text }));
    });
    req.on("error", fail);
    req.end(data);
  });
}

try {
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
    } catch {
      if (i > 200) throw new Error("the server did not start");
    }
    await sleep(50);
  }
  const accept = { accept: "application/json, text/event-stream" };
  const sessions = [];
  for (let i = 0; i < SESSIONS; i++) {
    const init = await post({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "alloc", version: "0" } } }, accept);
    const headers = { ...accept, "mcp-session-id": init.headers["mcp-session-id"], "mcp-protocol-version": "2025-06-18" };
    await post({ jsonrpc: "2.0", method: "notifications/initialized" }, headers);
    sessions.push({ headers, id: 1 });
  }
  const run = async (total) => {
    let left = total;
    await Promise.all(
      sessions.map(async (s) => {
        while (left-- > 0) {
          const res = await post({ jsonrpc: "2.0", id: ++s.id, method: "tools/call", params: { name: "get_roles", arguments: {} } }, s.headers);
          if (res.status !== 200 || !res.body.includes('"success":true')) throw new Error(`get_roles failed: ${res.body.slice(0, 300)}`);
        }
      }),
    );
  };
  await run(WARMUP);
  child.kill("SIGUSR2");
  await sleep(300);
  await run(CALLS);
  child.kill("SIGUSR2");
  for (let i = 0; i < 600 && !existsSync(out); i++) await sleep(100);
  await sleep(500);
  report(JSON.parse(readFileSync(out, "utf8")));
} finally {
  child.kill();
  agent.destroy();
  stub.closeAllConnections();
  stub.close();
  rmSync(work, { recursive: true, force: true });
}

function report({ err, profile, gcs }) {
  if (err || !profile) throw new Error(`no profile: ${JSON.stringify(err)}`);
  const maps = new Map();
  const mapFor = (file) => {
    if (!maps.has(file)) maps.set(file, existsSync(`${file}.map`) ? new SourceMap(JSON.parse(readFileSync(`${file}.map`, "utf8"))) : null);
    return maps.get(file);
  };
  /** A frame as package (node_modules) or source file, with the function's name. */
  const where = ({ url, functionName, lineNumber, columnNumber }) => {
    if (!url) return { unit: "(V8)", fn: functionName || "(anonymous)" };
    if (url.startsWith("node:")) return { unit: url.startsWith("node:internal/deps/undici") ? "node's web Request/Response/fetch (its undici)" : url, fn: functionName };
    const file = url.replace(/^file:\/\//, "");
    const entry = mapFor(file)?.findEntry(lineNumber, columnNumber);
    const source = entry?.originalSource ?? file;
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(source)?.[1];
    const unit = pkg ?? source.replace(/^.*?\/src\//, "src/");
    return { unit, fn: `${functionName || "(anonymous)"} ${unit}${entry ? `:${entry.originalLine + 1}` : ""}` };
  };
  const byUnit = new Map();
  const byFn = new Map();
  let total = 0;
  const walk = (node) => {
    if (node.selfSize) {
      const w = where(node.callFrame);
      total += node.selfSize;
      byUnit.set(w.unit, (byUnit.get(w.unit) ?? 0) + node.selfSize);
      byFn.set(w.fn, (byFn.get(w.fn) ?? 0) + node.selfSize);
    }
    for (const c of node.children) walk(c);
  };
  walk(profile.head);
  const kb = (b) => `${(b / CALLS / 1024).toFixed(2)} KB`;
  console.log(`${DIST}: ${kb(total)} allocated per tools/call (${CALLS} calls at ${SESSIONS} sessions after ${WARMUP}); GCs in the window: ${gcs.minor} minor, ${gcs.major} major`);
  for (const [title, map] of [["by package / file", byUnit], ["by function", byFn]]) {
    console.log(`\n${title}:`);
    for (const [k, v] of [...map].sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(`${kb(v).padStart(10)}  ${((100 * v) / total).toFixed(1).padStart(5)} %  ${k}`);
  }
}
