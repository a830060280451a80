/**
 * The HTTP transports under abuse (in-process, src/transports/http.ts, small limits): abandoned
 * sessions do not lock new clients out, slow or idle connections are closed, the connection cap
 * holds, a long SSE stream outlives the request timeout, and a port in use is one clear error.
 */
import { get as httpGet } from "node:http";
import { connect as netConnect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { silentLogger } from "../src/log/logger.js";
import { ListenError, startHttp, type HttpOptions, type RunningHttp } from "../src/transports/http.js";
import { baseUrlsFrom, connect, envelope, type Harness } from "./helpers/harness.js";
import { httpOptions } from "./helpers/http-options.js";
import { startStub, type Stub } from "./helpers/stub.js";

let stub: Stub;
let h: Harness;
const servers: RunningHttp[] = [];
const sockets: Socket[] = [];

async function serve(extra: Partial<HttpOptions> = {}): Promise<RunningHttp> {
  const s = await startHttp(h.host, httpOptions(extra), silentLogger());
  servers.push(s);
  return s;
}

const INIT = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "probe", version: "0" } },
});

/** An initialize that is never followed up: the session it opens is abandoned. */
async function abandonedSession(url: string): Promise<{ status: number; sid: string | null }> {
  const res = await fetch(`${url}/mcp`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
    body: INIT,
  });
  await res.text();
  return { status: res.status, sid: res.headers.get("mcp-session-id") };
}

async function roles(client: Client): Promise<void> {
  const res = (await client.callTool({ name: "get_roles", arguments: {} })) as CallToolResult;
  expect(envelope(res)).toMatchObject({ success: true });
}

/** A raw TCP connection to the server; resolves `closed` when the server hangs up. */
async function rawSocket(url: string): Promise<{ socket: Socket; closed: Promise<number> }> {
  const { hostname, port } = new URL(url);
  const socket = netConnect(Number(port), hostname);
  sockets.push(socket);
  socket.on("error", () => undefined);
  // Read whatever the server sends (Node's own headers-timeout check may answer 408 before our
  // silent-connection timer closes it): unread data would hold back 'end', and so 'close'.
  socket.resume();
  const opened = Date.now();
  const closed = new Promise<number>((resolve) => socket.once("close", () => resolve(Date.now() - opened)));
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("error", reject);
  });
  return { socket, closed };
}

/** GET /healthz on a fresh connection (node:http, no pooled connection from earlier requests). */
function healthz(url: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = httpGet(`${url}/healthz`, { agent: false }, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () => resolve(JSON.parse(body)));
    });
    req.on("error", reject);
  });
}

beforeAll(async () => {
  stub = await startStub();
  stub.route("GET", "/api/userGroups", { status: 200, body: { success: true, data: { userGroups: [{ userGroupName: "ANALYST" }], count: 1 } } });
  h = await connect({ baseUrls: baseUrlsFrom(stub.url) });
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  for (const s of servers) await s.close();
  await h?.close();
  await stub?.close();
});

describe("session cap", () => {
  it("100 abandoned sessions fill the cap; a new client still initialises (the least recently used idle one goes)", async () => {
    const server = await serve({ maxSessions: 100 });
    const abandoned = [];
    for (let i = 0; i < 100; i++) abandoned.push(await abandonedSession(server.url));
    expect(abandoned.every((a) => a.status === 200 && a.sid)).toBe(true);

    // Before: 503 "Too many sessions" until the 30-minute sweep.
    const client = new Client({ name: "newcomer", version: "0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`)));
    await roles(client);

    // The oldest abandoned session was the one closed; the newest still answers.
    const ask = (sid: string) =>
      fetch(`${server.url}/mcp`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-session-id": sid, "mcp-protocol-version": "2025-06-18" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" }),
      });
    expect((await ask(abandoned[0]!.sid!)).status).toBe(404);
    const newest = await ask(abandoned[99]!.sid!);
    expect(newest.status).toBe(200);
    await newest.text();
    await client.close();
  });

  it("busy sessions (an open stream) are never evicted: at the cap with all busy, a new session gets 503", async () => {
    const server = await serve({ maxSessions: 2 });
    const busy: Client[] = [];
    for (let i = 0; i < 2; i++) {
      const c = new Client({ name: `busy-${i}`, version: "0" });
      // The legacy SSE transport holds its stream open for the whole session.
      await c.connect(new SSEClientTransport(new URL(`${server.url}/sse`)));
      busy.push(c);
    }
    const refused = await abandonedSession(server.url);
    expect(refused.status).toBe(503);
    for (const c of busy) await roles(c);
    for (const c of busy) await c.close();
  });

  it("an idle streamable session is evicted for an SSE client too", async () => {
    const server = await serve({ maxSessions: 1 });
    const idle = await abandonedSession(server.url);
    expect(idle.status).toBe(200);
    const c = new Client({ name: "sse", version: "0" });
    await c.connect(new SSEClientTransport(new URL(`${server.url}/sse`)));
    await roles(c);
    await c.close();
  });
});

describe("connections", () => {
  /** Writes `head`, then `drip` every 100 ms; resolves how long until the server hung up (-1: not in 5 s). */
  async function hangUpAfter(url: string, head: string, drip: string): Promise<number> {
    const { socket, closed } = await rawSocket(url);
    socket.write(head);
    const timer = setInterval(() => socket.write(drip), 100);
    const after = await Promise.race([closed, new Promise<number>((r) => setTimeout(() => r(-1), 5_000))]);
    clearInterval(timer);
    return after;
  }

  it("slowloris: a connection that never finishes its headers is closed by the headers timeout", async () => {
    const server = await serve({ headersTimeoutMs: 400, requestTimeoutMs: 800 });
    const after = await hangUpAfter(server.url, "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n", "X-Slow: 1\r\n");
    expect(after).toBeGreaterThan(0);
    expect(after).toBeLessThan(3_000);
  });

  it("a body that never completes is closed by the request timeout", async () => {
    const server = await serve({ headersTimeoutMs: 300, requestTimeoutMs: 600 });
    const head = "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{";
    const after = await hangUpAfter(server.url, head, " ");
    expect(after).toBeGreaterThan(0);
    expect(after).toBeLessThan(3_000);
  });

  it("maxConnections: beyond the cap a connection is refused; once the idle ones time out, /healthz answers again", async () => {
    const server = await serve({ maxConnections: 5, headersTimeoutMs: 600, requestTimeoutMs: 1_000 });
    const idle = await Promise.all(Array.from({ length: 5 }, () => rawSocket(server.url)));
    // Every slot is taken: the server closes a sixth connection at once, with no answer.
    await new Promise((r) => setTimeout(r, 50));
    const sixth = await rawSocket(server.url);
    let answered = "";
    sixth.socket.on("data", (d: Buffer) => (answered += d.toString()));
    sixth.socket.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    expect(await sixth.closed).toBeLessThan(500);
    expect(answered).toBe("");
    // Idle connections that send nothing are closed (the headers timeout applies before the first
    // byte too), freeing the slots: the starvation lasts one headers timeout, not for ever.
    const freedAfter = await Promise.all(idle.map((s) => s.closed));
    expect(Math.max(...freedAfter)).toBeLessThan(4_000);
    expect(await healthz(server.url)).toMatchObject({ status: "ok" });
  });

  it("a long SSE stream is not cut by the request timeout", async () => {
    const server = await serve({ headersTimeoutMs: 200, requestTimeoutMs: 400, keepAliveTimeoutMs: 200 });
    const legacy = new Client({ name: "sse", version: "0" });
    let closed = false;
    const transport = new SSEClientTransport(new URL(`${server.url}/sse`));
    await legacy.connect(transport);
    transport.onclose = () => (closed = true);
    const streamable = new Client({ name: "streamable", version: "0" });
    await streamable.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`)));
    await new Promise((r) => setTimeout(r, 2_000));
    expect(closed).toBe(false);
    await roles(legacy);
    await roles(streamable);
    await legacy.close();
    await streamable.close();
  });
});

describe("bodies", () => {
  it("JSON nested 10,000 levels deep → 400 with a clear message, not a stack overflow", async () => {
    const server = await serve();
    const deep = `${"[".repeat(10_000)}${"]".repeat(10_000)}`;
    const res = await fetch(`${server.url}/mcp`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"x":${deep}}}`,
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { message: "Invalid input: JSON nested deeper than 100 levels" } });
    // Ordinary bodies still pass.
    expect((await abandonedSession(server.url)).status).toBe(200);
  });
});

describe("listening", () => {
  it("a port in use is one ListenError naming the port and MCP_PORT", async () => {
    const first = await serve();
    const second = startHttp(h.host, httpOptions({ port: first.port }), silentLogger());
    await expect(second).rejects.toThrow(ListenError);
    await expect(second).rejects.toThrow(new RegExp(`Port ${first.port} on 127\\.0\\.0\\.1 is already in use: set MCP_PORT`));
  });
});
