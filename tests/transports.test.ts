/**
 * The built server (dist/, as `npx altr-mcp` runs it) over every transport with the SDK client,
 * and the HTTP security rules. `npm test` builds first.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { connect as connectTcp, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { selectTools } from "../src/server/registry.js";
import { ALL_TOOLS } from "../src/tools/index.js";
import { envelope } from "./helpers/harness.js";
import { startStub, type Stub } from "./helpers/stub.js";
import { freePort } from "./helpers/ports.js";
import { HEADERS_WAIT_MS, writeResponse } from "../src/transports/web-bridge.js";

const CLI = new URL("../dist/cli/main.js", import.meta.url).pathname;
/** What the default configuration lists (the sensitive toolsets are off by default). */
const DEFAULT_COUNT = selectTools(ALL_TOOLS, { toolsets: [], readOnly: false, restricted: [] }).enabled.length;
const TOKEN = "test-token-0123456789abcdef";

let stub: Stub;
const children: ChildProcess[] = [];

function baseEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    ORG_ID: "test-org",
    MAPI_KEY: "key",
    MAPI_SECRET: "secret-value",
    LOG_LEVEL: "warning",
    ALTR_ALTRNET_BASE_URL: stub.url,
    ALTR_API_BASE_URL: stub.url,
    ALTR_SERVICE_USER_BASE_URL: stub.url,
    ...extra,
  };
  return env;
}


/** Starts the built CLI over HTTP and waits until /healthz answers. */
async function startHttpServer(extra: Record<string, string>): Promise<{ url: string; child: ChildProcess; stderr: () => string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [CLI], {
    env: baseEnv({ MCP_TRANSPORT: "streamable-http", MCP_PORT: String(port), ...extra }),
    stdio: ["ignore", "pipe", "pipe"],
    cwd: tmpdir(),
  });
  children.push(child);
  let err = "";
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) return { url, child, stderr: () => err };
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null) throw new Error(`server exited: ${err}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server did not start: ${err}`);
}

async function exercise(client: Client): Promise<void> {
  const { tools } = await client.listTools();
  expect(tools.length).toBe(DEFAULT_COUNT);
  expect(tools.map((t) => t.name)).toContain("get_roles");
  const res = (await client.callTool({ name: "get_roles", arguments: {} })) as CallToolResult;
  expect(envelope(res)).toMatchObject({ success: true, data: { roles: ["ANALYST"] } });
}

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error("dist/ is missing: run `npm run build` (npm test does it)");
  stub = await startStub();
  stub.route("GET", "/api/userGroups", {
    status: 200,
    body: { success: true, data: { userGroups: [{ userGroupName: "ANALYST" }], count: 1 } },
  });
});
afterEach(() => {
  for (const c of children.splice(0)) c.kill("SIGTERM");
});
afterAll(async () => {
  await stub.close();
});

describe("transports", () => {
  it("stdio: lists and calls tools; stdout carries only protocol messages", async () => {
    const transport = new StdioClientTransport({ command: process.execPath, args: [CLI], env: baseEnv({ LOG_LEVEL: "debug" }), stderr: "pipe", cwd: tmpdir() });
    let stderr = "";
    transport.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
    const client = new Client({ name: "t", version: "0" });
    const protocolErrors: Error[] = [];
    client.onerror = (e) => protocolErrors.push(e);
    await client.connect(transport);
    await exercise(client);
    expect(client.getInstructions()).toMatch(/Masking levels/);
    await client.close();
    expect(stderr).toContain("tool call finished");
    expect(stderr).toContain("ALTR request");
    expect(protocolErrors).toEqual([]);
  });

  it("streamable HTTP (stateful): session, tools, DELETE ends the session", async () => {
    const { url } = await startHttpServer({});
    const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`));
    const client = new Client({ name: "t", version: "0" });
    await client.connect(transport);
    expect(transport.sessionId).toBeTruthy();
    await exercise(client);
    await transport.terminateSession();
    const after = await fetch(`${url}/mcp`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-session-id": transport.sessionId ?? "gone" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(after.status).toBe(404);
    await client.close();
  });

  it("streamable HTTP (stateless): every request stands alone", async () => {
    const { url } = await startHttpServer({ MCP_STATELESS: "true" });
    const client = new Client({ name: "t", version: "0" });
    const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`));
    await client.connect(transport);
    expect(transport.sessionId).toBeUndefined();
    await exercise(client);
    await client.close();
  });

  it("SSE: GET /sse + POST /messages", async () => {
    const { url } = await startHttpServer({ MCP_TRANSPORT: "sse" });
    const client = new Client({ name: "t", version: "0" });
    await client.connect(new SSEClientTransport(new URL(`${url}/sse`)));
    await exercise(client);
    await client.close();
  });

  it("/healthz answers without credentials", async () => {
    const { url } = await startHttpServer({ MCP_AUTH_TOKEN: TOKEN });
    const r = await fetch(`${url}/healthz`);
    expect(await r.json()).toMatchObject({ status: "ok", tools: DEFAULT_COUNT });
  });
});

describe("HTTP security", () => {
  const init = JSON.stringify({
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "0" } },
  });
  const post = (url: string, headers: Record<string, string> = {}, body = init) =>
    fetch(`${url}/mcp`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
      body,
    });

  it("with MCP_AUTH_TOKEN: missing or wrong token → 401 with WWW-Authenticate; right token works", async () => {
    const { url } = await startHttpServer({ MCP_AUTH_TOKEN: TOKEN });
    const missing = await post(url);
    expect(missing.status).toBe(401);
    expect(missing.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect((await post(url, { authorization: "Bearer wrong-token-0123456789" })).status).toBe(401);
    expect((await fetch(`${url}/sse`, { headers: { authorization: "Basic eDp5" } })).status).toBe(401);

    const client = new Client({ name: "t", version: "0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${TOKEN}` } } }),
    );
    await exercise(client);
    await client.close();
  });

  it("the bearer token is compared whole: a prefix, an extension, empty and another case are all 401 (streamable HTTP and SSE)", async () => {
    const { url } = await startHttpServer({ MCP_AUTH_TOKEN: TOKEN });
    const wrong = [TOKEN.slice(0, 8), `${TOKEN}x`, "", TOKEN.toUpperCase(), TOKEN.slice(0, -1)];
    expect(TOKEN.toUpperCase()).not.toBe(TOKEN);
    for (const given of wrong) {
      const headers = { authorization: `Bearer ${given}` };
      expect((await post(url, headers)).status, `POST /mcp with "${given}"`).toBe(401);
      expect((await fetch(`${url}/mcp`, { headers })).status, `GET /mcp with "${given}"`).toBe(401);
      const sse = await fetch(`${url}/sse`, { headers });
      expect(sse.status, `GET /sse with "${given}"`).toBe(401);
      expect((await fetch(`${url}/messages?sessionId=x`, { method: "POST", headers })).status, `POST /messages with "${given}"`).toBe(401);
    }
    // The right token opens both transports.
    const ok = await fetch(`${url}/sse`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    await ok.body?.cancel();
    expect((await post(url, { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
  });

  it("a port already in use: one ERROR line naming the port and MCP_PORT, exit 1", async () => {
    const { url } = await startHttpServer({});
    const port = new URL(url).port;
    const child = spawn(process.execPath, [CLI], {
      env: baseEnv({ MCP_TRANSPORT: "streamable-http", MCP_PORT: port }),
      stdio: ["ignore", "pipe", "pipe"],
      cwd: tmpdir(),
    });
    let err = "";
    let out = "";
    child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
    child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(code).toBe(1);
    // Before: "Cannot read properties of null (reading 'port')".
    expect(err.trim().split("\n")).toEqual([`ERROR: Port ${port} on 127.0.0.1 is already in use: set MCP_PORT (or --port) to a free port`]);
    expect(out).toBe("");
  });

  it("a foreign Origin → 403; a localhost Origin is allowed", async () => {
    const { url } = await startHttpServer({});
    expect((await post(url, { origin: "https://evil.example" })).status).toBe(403);
    expect((await post(url, { origin: "http://localhost:6274" })).status).toBe(200);
  });

  it("MCP_ALLOWED_ORIGINS replaces the localhost default", async () => {
    const { url } = await startHttpServer({ MCP_ALLOWED_ORIGINS: "https://app.example" });
    expect((await post(url, { origin: "https://app.example" })).status).toBe(200);
    expect((await post(url, { origin: "http://localhost:6274" })).status).toBe(403);
  });

  it("a foreign Host header → 403 (DNS rebinding)", async () => {
    const { url } = await startHttpServer({});
    const { request } = await import("node:http");
    const status = await new Promise<number>((resolve, reject) => {
      const u = new URL(`${url}/mcp`);
      const req = request(
        { host: u.hostname, port: u.port, path: "/mcp", method: "POST", headers: { host: "evil.example", "content-type": "application/json" } },
        (res) => resolve(res.statusCode ?? 0),
      );
      req.on("error", reject);
      req.end(init);
    });
    expect(status).toBe(403);
  });

  it("an oversized body → 413", async () => {
    const { url } = await startHttpServer({ MCP_MAX_BODY_BYTES: "2048" });
    const big = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: { pad: "x".repeat(4096) } });
    expect((await post(url, {}, big)).status).toBe(413);
  });

  it("binding a non-loopback address without MCP_AUTH_TOKEN: refuses to start (exit 1)", async () => {
    const child = spawn(process.execPath, [CLI], {
      env: baseEnv({ MCP_TRANSPORT: "streamable-http", MCP_HOST: "0.0.0.0", MCP_PORT: "0" }),
      stdio: ["ignore", "pipe", "pipe"],
      cwd: tmpdir(),
    });
    let err = "";
    child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(code).toBe(1);
    expect(err).toMatch(/Refusing to listen on 0\.0\.0\.0.*MCP_AUTH_TOKEN/);
  });

  it("missing credentials: prints the upstream error line and exits 1", async () => {
    const child = spawn(process.execPath, [CLI], { env: { PATH: process.env.PATH ?? "" }, stdio: ["ignore", "pipe", "pipe"], cwd: tmpdir() });
    let err = "";
    child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(code).toBe(1);
    expect(err).toContain("ERROR: Missing required environment variables: ORG_ID, MAPI_KEY, MAPI_SECRET");
  });
});

/** Raw bytes of one HTTP exchange on a fresh socket: every chunk as it was read, until `done`. */
function rawExchange(url: string, request: string, done: (text: string) => boolean): Promise<{ reads: string[]; ms: number[] }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const reads: string[] = [];
    const ms: number[] = [];
    const t0 = performance.now();
    const socket = connectTcp(Number(port), hostname, () => socket.write(request));
    socket.setEncoding("utf8");
    socket.on("data", (d: string) => {
      reads.push(d);
      ms.push(performance.now() - t0);
      if (done(reads.join(""))) {
        socket.destroy();
        resolve({ reads, ms });
      }
    });
    socket.on("error", reject);
  });
}

const sseEnded = (text: string) => text.endsWith("0\r\n\r\n");

describe("streamable HTTP answers on the socket (transports/web-bridge.ts)", () => {
  it("a tools/call answer leaves in one write: headers, the event and the end of the stream together", async () => {
    const { url } = await startHttpServer({});
    const init = await fetch(`${url}/mcp`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "0" } } }),
    });
    const sid = init.headers.get("mcp-session-id")!;
    await init.text();
    const body = JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "get_roles", arguments: {} } });
    const head = `POST /mcp HTTP/1.1\r\nHost: ${new URL(url).host}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nMcp-Session-Id: ${sid}\r\nMcp-Protocol-Version: 2025-06-18\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
    // Before: the headers went out at once, the event and the terminator after ALTR answered.
    const { reads } = await rawExchange(url, head + body, sseEnded);
    expect(reads).toHaveLength(1);
    expect(reads[0]).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(reads[0]).toMatch(/content-type: text\/event-stream/i);
    expect(reads[0]).toMatch(new RegExp(`mcp-session-id: ${sid}`, "i"));
    expect(reads[0]).toContain('"id":2');
    expect(reads[0]).toContain("ANALYST");
  });

  describe("writeResponse", () => {
    let server: Server;
    let url = "";
    let respond: (res: import("node:http").ServerResponse, method: string) => Promise<void> = async () => undefined;
    beforeAll(async () => {
      server = createServer((req, res) => void respond(res, req.method ?? "GET"));
      await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise((ok) => server.close(ok));
    });
    const sse = (stream: ReadableStream<Uint8Array>) => new Response(stream, { status: 200, headers: { "content-type": "text/event-stream" } });
    const event = new TextEncoder().encode("event: message\ndata: {}\n\n");

    it("a stream whose first event is late sends its headers alone after the wait, then the event", async () => {
      respond = (res) =>
        writeResponse(
          sse(
            new ReadableStream({
              start: (c) => void setTimeout(() => (c.enqueue(event), c.close()), HEADERS_WAIT_MS + 400),
            }),
          ),
          res,
          { streamHeadersAtOnce: false },
        );
      const { reads, ms } = await rawExchange(url, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", sseEnded);
      expect(reads.length).toBeGreaterThanOrEqual(2);
      expect(reads[0]).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\n$/);
      expect(ms[0]).toBeGreaterThanOrEqual(HEADERS_WAIT_MS - 50);
      expect(ms[0]).toBeLessThan(HEADERS_WAIT_MS + 350);
      expect(reads.slice(1).join("")).toContain("event: message");
    });

    it("a GET stream (server notifications) sends its headers at once", async () => {
      let close = () => undefined as void;
      respond = (res) =>
        writeResponse(sse(new ReadableStream({ start: (c) => void (close = () => c.close()) })), res, { streamHeadersAtOnce: true });
      const { reads, ms } = await rawExchange(url, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", (t) => t.includes("\r\n\r\n"));
      close();
      expect(reads[0]).toMatch(/^HTTP\/1\.1 200 OK/);
      expect(ms[0]).toBeLessThan(HEADERS_WAIT_MS - 200);
    });

    it("the client going away cancels the stream (the transport forgets it); a JSON answer carries its length", async () => {
      let cancelled: (reason: unknown) => void = () => undefined;
      const wasCancelled = new Promise((ok) => (cancelled = ok));
      respond = (res) => writeResponse(sse(new ReadableStream({ start: (c) => c.enqueue(event), cancel: (r) => cancelled(r ?? "cancelled") })), res, { streamHeadersAtOnce: false });
      await rawExchange(url, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", (t) => t.includes("event: message"));
      await expect(wasCancelled).resolves.toBeDefined();

      respond = (res) => writeResponse(new Response('{"ok":true}', { status: 404, headers: { "content-type": "application/json" } }), res, { streamHeadersAtOnce: false });
      const got = await fetch(url, { method: "POST" });
      expect(got.status).toBe(404);
      expect(got.headers.get("content-length")).toBe("11");
      expect(await got.json()).toEqual({ ok: true });
    });
  });
});
