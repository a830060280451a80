/**
 * The guards of the HTTP transport (src/transports/http.ts), in process so a mutant in src/ is
 * seen: bind refusal, Host and Origin checks, the bearer token (wrong, prefix, suffix, empty),
 * body cap, session rules and limits, stateless mode, SSE look-ups. Loopback only.
 * Written to kill the mutants `npm run mutate` found surviving.
 */
import { httpOptions } from "./helpers/http-options.js";
import { createServer, request, type ClientRequest, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { connect as netConnect, type Socket } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { silentLogger } from "../src/log/logger.js";
import {
  defaultMaxConnections,
  isLoopback,
  ListenError,
  startHttp,
  UnsafeBindError,
  type HttpOptions,
  type RunningHttp,
} from "../src/transports/http.js";
import { captureLog } from "./helpers/log-capture.js";
import { baseUrlsFrom, connect, type Harness } from "./helpers/harness.js";

const TOKEN = "test-token-0123456789abcdef";
const INIT = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "0" } },
});
const LIST = JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list", params: {} });

let h: Harness;
const running: RunningHttp[] = [];
beforeAll(async () => {
  h = await connect({ baseUrls: baseUrlsFrom("http://127.0.0.1:9") });
});
afterAll(async () => {
  for (const r of running) await r.close();
  await h.close();
});

async function serve(opts: Partial<HttpOptions> = {}, log = silentLogger()): Promise<RunningHttp> {
  const r = await startHttp(
    h.host,
    httpOptions({
      maxBodyBytes: 10_000,
      maxSessions: 10,
      sessionIdleMs: 60_000,
      version: "9.9.9",
      ...opts,
    }),
    log,
  );
  running.push(r);
  return r;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}
/** A raw request (node:http, so Host can be set), reading the status and the start of the body. */
function send(url: string, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname.replace(/^\[|\]$/g, ""),
        port: u.port,
        method,
        path,
        headers: { accept: "application/json, text/event-stream", ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => {
          text += c;
          // SSE streams stay open: the first event is enough.
          if (res.headers["content-type"]?.includes("text/event-stream") && text.includes("\n\n")) res.destroy();
        });
        const done = () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text });
        res.on("end", done);
        res.on("close", done);
      },
    );
    req.on("error", reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}
const messageOf = (a: Answer) => (JSON.parse(a.text) as { error: { message: string } }).error.message;

describe("binding", () => {
  it.each([
    ["127.0.0.1", true],
    ["127.9.8.7", true],
    ["127.10.200.30", true],
    ["127.255.255.254", true],
    ["LOCALHOST", true],
    ["::1", true],
    ["[::1]", true],
    ["0.0.0.0", false],
    ["10.0.0.1", false],
    ["127.0.0.1.evil.test", false],
    ["x127.0.0.1", false],
    ["::", false],
  ] as const)("isLoopback(%s) = %s", (host, loopback) => {
    expect(isLoopback(host)).toBe(loopback);
  });

  it("a non-loopback address without a token is refused before listening", async () => {
    const err = await serve({ host: "0.0.0.0" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsafeBindError);
    expect((err as Error).name).toBe("UnsafeBindError");
    expect((err as Error).message).toContain("Refusing to listen on 0.0.0.0");
    expect((err as Error).message).toContain("MCP_AUTH_TOKEN");
  });

  it("an IPv6 loopback URL is bracketed; /healthz names the server", async () => {
    const r = await serve({ host: "::1" });
    expect(r.url).toBe(`http://[::1]:${r.port}`);
    const health = await send(r.url, "GET", "/healthz");
    expect(health.status).toBe(200);
    expect(JSON.parse(health.text)).toEqual({ status: "ok", name: "altr-mcp", version: "9.9.9", tools: h.host.listed.length });
    expect(health.headers["x-powered-by"]).toBeUndefined();
  });
});

// Servers are started in beforeEach, not beforeAll: Stryker's per-test coverage attributes code
// run in beforeAll to no test, so a mutant in start-up code would never meet these tests.
describe("Host and Origin", () => {
  let r: RunningHttp;
  beforeEach(async () => {
    r = await serve();
  });

  it("a foreign Host is refused on a loopback bind (DNS rebinding)", async () => {
    expect((await send(r.url, "POST", "/mcp", { host: "evil.test" }, INIT)).status).toBe(403);
    expect((await send(r.url, "POST", "/mcp", { host: `localhost:${r.port}` }, INIT)).status).toBe(200);
  });

  it.each([
    ["http://evil.test", 403],
    ["null", 403],
    ["http://127.0.0.1.evil.test", 403],
    ["http://localhost:3000", 200],
    ["http://127.0.0.1:8080", 200],
  ] as const)("Origin %s → %i (default: loopback origins only)", async (origin, status) => {
    const a = await send(r.url, "POST", "/mcp", { origin }, INIT);
    expect(a.status).toBe(status);
    if (status === 403) expect(messageOf(a)).toBe("Forbidden: Origin not allowed (MCP_ALLOWED_ORIGINS)");
  });

  it("MCP_ALLOWED_ORIGINS replaces the default; `*` allows any", async () => {
    const listed = await serve({ allowedOrigins: ["https://app.example"] });
    expect((await send(listed.url, "POST", "/mcp", { origin: "https://app.example" }, INIT)).status).toBe(200);
    expect((await send(listed.url, "POST", "/mcp", { origin: "http://localhost:3000" }, INIT)).status).toBe(403);
    const any = await serve({ allowedOrigins: ["*"] });
    expect((await send(any.url, "POST", "/mcp", { origin: "https://whoever.example" }, INIT)).status).toBe(200);
  });

  it("MCP_ALLOWED_HOSTS replaces the loopback Host check", async () => {
    const named = await serve({ allowedHosts: ["mcp.internal"] });
    expect((await send(named.url, "POST", "/mcp", { host: "mcp.internal" }, INIT)).status).toBe(200);
    expect((await send(named.url, "POST", "/mcp", { host: `127.0.0.1:${named.port}` }, INIT)).status).toBe(403);
  });
});

describe("bearer token", () => {
  let r: RunningHttp;
  beforeEach(async () => {
    r = await serve({ authToken: TOKEN });
  });

  it.each([
    ["no header", undefined],
    ["another token", `Bearer wrong-token-0123456789abcdef`],
    ["a prefix", `Bearer ${TOKEN.slice(0, 8)}`],
    ["a suffix added", `Bearer ${TOKEN}x`],
    ["the token minus its last character", `Bearer ${TOKEN.slice(0, -1)}`],
    ["an empty token", "Bearer "],
    ["another scheme", `Basic ${TOKEN}`],
    ["no scheme", TOKEN],
    ["text before the scheme", `x Bearer ${TOKEN}`],
  ])("%s → 401 with WWW-Authenticate", async (_what, authorization) => {
    const a = await send(r.url, "POST", "/mcp", authorization === undefined ? {} : { authorization }, INIT);
    expect(a.status).toBe(401);
    expect(a.headers["www-authenticate"]).toBe('Bearer realm="altr-mcp"');
    expect(messageOf(a)).toBe("Unauthorized: send Authorization: Bearer <MCP_AUTH_TOKEN>");
  });

  it.each([`Bearer ${TOKEN}`, `bearer ${TOKEN}`, `Bearer   ${TOKEN}  `])("%j → accepted", async (authorization) => {
    expect((await send(r.url, "POST", "/mcp", { authorization }, INIT)).status).toBe(200);
  });

  it("applies to SSE too; /healthz needs no token", async () => {
    expect((await send(r.url, "GET", "/sse")).status).toBe(401);
    expect((await send(r.url, "POST", "/messages?sessionId=x", {}, "{}")).status).toBe(401);
    expect((await send(r.url, "GET", "/healthz")).status).toBe(200);
  });
});

describe("bodies, sessions and limits", () => {
  it("a body over MCP_MAX_BODY_BYTES is 413; a body that is not JSON is 400", async () => {
    const r = await serve({ maxBodyBytes: 1_000 });
    const big = await send(r.url, "POST", "/mcp", {}, JSON.stringify({ pad: "x".repeat(2_000) }));
    expect(big.status).toBe(413);
    expect(messageOf(big)).toBe("Request body larger than MCP_MAX_BODY_BYTES (1000)");
    const bad = await send(r.url, "POST", "/mcp", {}, "{not json");
    expect(bad.status).toBe(400);
    expect(messageOf(bad)).toBe("Bad Request: body is not valid JSON");
  });

  it("stateful: the first request must be initialize; unknown sessions are 404; a session works until deleted", async () => {
    const r = await serve();
    const noSession = await send(r.url, "POST", "/mcp", {}, LIST);
    expect(noSession.status).toBe(400);
    expect(messageOf(noSession)).toBe("Bad Request: no Mcp-Session-Id header; the first request must be initialize");
    const unknown = await send(r.url, "POST", "/mcp", { "mcp-session-id": "nope" }, LIST);
    expect(unknown.status).toBe(404);
    expect(messageOf(unknown)).toBe("Session not found: start a new session with initialize");
    for (const method of ["GET", "DELETE"]) {
      const missing = await send(r.url, method, "/mcp");
      expect(missing.status).toBe(400);
      expect(messageOf(missing)).toBe("Missing Mcp-Session-Id header");
      const gone = await send(r.url, method, "/mcp", { "mcp-session-id": "nope" });
      expect(gone.status).toBe(404);
      expect(messageOf(gone)).toBe("Session not found");
    }
    const init = await send(r.url, "POST", "/mcp", {}, INIT);
    const sid = init.headers["mcp-session-id"] as string;
    expect(sid).toMatch(/^[0-9a-f-]{36}$/);
    const headers = { "mcp-session-id": sid, "mcp-protocol-version": "2025-06-18" };
    const listed = await send(r.url, "POST", "/mcp", headers, LIST);
    expect(listed.status).toBe(200);
    expect(listed.text).toContain('"tools"');
    expect((await send(r.url, "DELETE", "/mcp", headers)).status).toBe(200);
    expect((await send(r.url, "POST", "/mcp", headers, LIST)).status).toBe(404);
  });

  it("MCP_MAX_SESSIONS: at the cap the least recently used idle session makes room (busy ones: tests/http-abuse.test.ts)", async () => {
    const r = await serve({ maxSessions: 1 });
    const first = await send(r.url, "POST", "/mcp", {}, INIT);
    expect(first.status).toBe(200);
    const second = await send(r.url, "POST", "/mcp", {}, INIT);
    expect(second.status).toBe(200);
    const headers = (sid: unknown) => ({ "mcp-session-id": sid as string, "mcp-protocol-version": "2025-06-18" });
    // The first, idle, session was closed for the newcomer; the newcomer's answers.
    expect((await send(r.url, "POST", "/mcp", headers(first.headers["mcp-session-id"]), LIST)).status).toBe(404);
    expect((await send(r.url, "POST", "/mcp", headers(second.headers["mcp-session-id"]), LIST)).status).toBe(200);
  });

  describe("idle sessions are closed by a sweep every half of MCP_SESSION_IDLE (between 1 s and 60 s)", () => {
    // The sweep's interval and clock are faked (the sockets' own timers are not): no real wait.
    beforeAll(() => void vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "Date"] }));
    afterAll(() => void vi.useRealTimers());
    const headers = (sid: string) => ({ "mcp-session-id": sid, "mcp-protocol-version": "2025-06-18" });
    const open = async (r: RunningHttp) => (await send(r.url, "POST", "/mcp", {}, INIT)).headers["mcp-session-id"] as string;
    const status = async (r: RunningHttp, sid: string) => (await send(r.url, "POST", "/mcp", headers(sid), LIST)).status;
    /** Advances the fake clock, then lets the sessions the sweep closed finish closing. */
    const advance = async (ms: number) => {
      vi.advanceTimersByTime(ms);
      await new Promise((res) => setImmediate(res));
    };

    it("MCP_SESSION_IDLE=4 s: a session idle for exactly 4 s stays, one idle for more is closed at the next sweep", async () => {
      const r = await serve({ sessionIdleMs: 4_000 });
      const [kept, dropped] = [await open(r), await open(r)];
      await advance(4_000); // sweeps at 2 s and 4 s: idle for 4 s, not more
      expect(await status(r, kept)).toBe(200);
      await advance(2_000); // sweep at 6 s: `dropped` has been idle 6 s, `kept` 2 s
      expect(await status(r, dropped)).toBe(404);
      expect(await status(r, kept)).toBe(200);
    });

    it("MCP_SESSION_IDLE=1 s: the sweep runs every second, not every half second", async () => {
      const r = await serve({ sessionIdleMs: 1_000 });
      const sid = await open(r);
      await advance(1_500); // one sweep (1 s: idle exactly 1 s); a sweep at 1.5 s would close it
      expect(await status(r, sid)).toBe(200);
      await advance(2_000);
      expect(await status(r, sid)).toBe(404);
    });

    it("MCP_SESSION_IDLE=200 s: the sweep runs every 60 s, not every 100 s", async () => {
      const r = await serve({ sessionIdleMs: 200_000 });
      const sid = await open(r);
      await advance(240_000); // sweeps at 60, 120, 180, 240 s: closed at 240 s (at 300 s if every 100 s)
      expect(await status(r, sid)).toBe(404);
    });
  });

  it("stateless: every POST stands alone; GET and DELETE are 405", async () => {
    const r = await serve({ stateless: true });
    const init = await send(r.url, "POST", "/mcp", {}, INIT);
    expect(init.status).toBe(200);
    expect(init.headers["mcp-session-id"]).toBeUndefined();
    expect((await send(r.url, "POST", "/mcp", { "mcp-protocol-version": "2025-06-18" }, LIST)).text).toContain('"tools"');
    for (const method of ["GET", "DELETE"]) {
      const a = await send(r.url, method, "/mcp");
      expect(a.status).toBe(405);
      expect(messageOf(a)).toBe("Method not allowed in stateless mode");
    }
  });

  it("SSE: the stream names its message endpoint; an unknown SSE session is 404", async () => {
    const r = await serve();
    const stream = await send(r.url, "GET", "/sse");
    expect(stream.status).toBe(200);
    expect(stream.text).toMatch(/event: endpoint\ndata: \/messages\?sessionId=[0-9a-f-]{36}/);
    const unknown = await send(r.url, "POST", "/messages?sessionId=nope", {}, LIST);
    expect(unknown.status).toBe(404);
    expect(messageOf(unknown)).toBe("SSE session not found");
    expect((await send(r.url, "POST", "/messages", {}, LIST)).status).toBe(404);
  });
});

/** A request whose response is held open (a stream) or whose body is still being sent. */
interface Held {
  req: ClientRequest;
  response: Promise<IncomingMessage>;
}
function hold(url: string, method: string, path: string, headers: Record<string, string> = {}, partialBody?: string): Held {
  const u = new URL(url);
  const req = request({
    host: u.hostname,
    port: u.port,
    method,
    path,
    headers: { accept: "application/json, text/event-stream", ...(partialBody !== undefined ? { "content-type": "application/json" } : {}), ...headers },
  });
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    req.on("response", resolve);
    req.on("error", reject);
  });
  if (partialBody !== undefined) req.write(partialBody);
  else req.end();
  return { req, response };
}

/** The message endpoint an HTTP+SSE stream announces (its first `endpoint` event). */
function sseEndpoint(res: IncomingMessage): Promise<string> {
  return new Promise<string>((resolve) => {
    let text = "";
    res.setEncoding("utf8");
    res.on("data", (c: string) => {
      text += c;
      const m = /data: (\/messages\?sessionId=[0-9a-f-]{36})/.exec(text);
      if (m) resolve(m[1]!);
    });
  });
}

describe("guards and limits at their edges", () => {
  it("the default connection cap is 3 per session, never under 1024", () => {
    expect(defaultMaxConnections(10)).toBe(1024);
    expect(defaultMaxConnections(341)).toBe(1024);
    expect(defaultMaxConnections(342)).toBe(1026);
    expect(defaultMaxConnections(1000)).toBe(3000);
  });

  it("a refusal is a whole JSON-RPC error: code -32000, id null", async () => {
    const r = await serve();
    const a = await send(r.url, "POST", "/mcp", {}, LIST);
    expect(a.headers["content-type"]).toMatch(/^application\/json/);
    expect(JSON.parse(a.text)).toEqual({
      jsonrpc: "2.0",
      error: { code: -32000, message: "Bad Request: no Mcp-Session-Id header; the first request must be initialize" },
      id: null,
    });
  });

  it("JSON nested 100 levels deep passes the body check; 101 levels is 400 naming the limit", async () => {
    const r = await serve();
    const nested = (levels: number) => `${"[".repeat(levels - 1)}${"]".repeat(levels - 1)}`;
    const body = (levels: number) => `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"x":${nested(levels - 1)}}}`;
    // 100 levels: the body parses, and is then refused only as "not an initialize" (no session).
    const ok = await send(r.url, "POST", "/mcp", {}, body(100));
    expect(messageOf(ok)).toBe("Bad Request: no Mcp-Session-Id header; the first request must be initialize");
    const deep = await send(r.url, "POST", "/mcp", {}, body(101));
    expect(deep.status).toBe(400);
    expect(messageOf(deep)).toBe("Invalid input: JSON nested deeper than 100 levels");
  });

  it("a body the parser refuses for another client error keeps its 4xx status", async () => {
    const r = await serve();
    const a = await send(r.url, "POST", "/mcp", { "content-encoding": "x-unknown" }, INIT);
    expect(a.status).toBe(415);
    expect(messageOf(a)).toBe("Bad Request: body is not valid JSON");
  });

  it("a token or OAuth makes a non-loopback bind allowed: it then fails only as an address not of this machine", async () => {
    // 192.0.2.1 (TEST-NET-1) is on no interface here: listen fails locally, nothing is sent.
    for (const extra of [{ authToken: TOKEN }, { oauth: { issuer: "http://127.0.0.1:9", resource: "http://192.0.2.1/mcp", jwksUrl: "http://127.0.0.1:9/jwks" } }]) {
      const err = await serve({ host: "192.0.2.1", port: 8123, ...extra }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ListenError);
      expect((err as Error).message).toBe("Cannot listen on 192.0.2.1:8123: MCP_HOST is not an address of this machine");
    }
  });

  it("a port in use is a ListenError naming it", async () => {
    const first = await serve();
    const err = await serve({ port: first.port }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ListenError);
    expect((err as Error).name).toBe("ListenError");
    expect((err as Error).message).toBe(`Port ${first.port} on 127.0.0.1 is already in use: set MCP_PORT (or --port) to a free port`);
  });

  it("says where it listens, and how it is protected", async () => {
    const log = captureLog("info");
    const r = await serve({ authToken: TOKEN, stateless: true }, log.logger);
    const line = JSON.parse(log.text().trim().split("\n").pop()!) as Record<string, unknown>;
    expect(line).toMatchObject({ msg: "altr-mcp listening", url: `${r.url}/mcp`, sse: `${r.url}/sse`, stateless: true, auth: "token" });
    const plain = captureLog("info");
    await serve({}, plain.logger);
    expect(plain.text()).toContain('"auth":"none"');
  });

  it("stateless answers are plain JSON (no event stream)", async () => {
    const r = await serve({ stateless: true });
    const a = await send(r.url, "POST", "/mcp", {}, INIT);
    expect(a.headers["content-type"]).toMatch(/^application\/json/);
    expect(JSON.parse(a.text)).toMatchObject({ jsonrpc: "2.0", id: 1, result: { serverInfo: { name: "altr-mcp" } } });
  });

  it("a connection that sends nothing is closed after the headers timeout", async () => {
    const r = await serve({ headersTimeoutMs: 300, requestTimeoutMs: 600 });
    const socket: Socket = netConnect(r.port, "127.0.0.1");
    socket.on("error", () => undefined);
    socket.resume();
    const opened = Date.now();
    const after = await new Promise<number>((resolve) => socket.once("close", () => resolve(Date.now() - opened)));
    expect(after).toBeGreaterThanOrEqual(250);
    expect(after).toBeLessThan(2_500);
  });

  it("a connection beyond maxConnections is closed at once", async () => {
    const r = await serve({ maxConnections: 1 });
    const first = hold(r.url, "GET", "/sse");
    await first.response;
    const second = await send(r.url, "GET", "/healthz").catch((e: unknown) => e);
    expect(second).toBeInstanceOf(Error);
    first.req.destroy();
  });
});

describe("session cap and streams", () => {
  beforeAll(() => void vi.useFakeTimers({ toFake: ["Date"] }));
  afterAll(() => void vi.useRealTimers());
  const headers = (sid: string) => ({ "mcp-session-id": sid, "mcp-protocol-version": "2025-06-18" });
  const open = async (r: RunningHttp) => (await send(r.url, "POST", "/mcp", {}, INIT)).headers["mcp-session-id"] as string;
  const status = async (r: RunningHttp, sid: string) => (await send(r.url, "POST", "/mcp", headers(sid), LIST)).status;

  it("at the cap, the least recently used idle session is the one closed", async () => {
    const log = captureLog("info");
    const r = await serve({ maxSessions: 2 }, log.logger);
    const a = await open(r);
    vi.advanceTimersByTime(1_000);
    const b = await open(r);
    vi.advanceTimersByTime(1_000);
    expect(await status(r, a)).toBe(200); // a is now the most recently used
    vi.advanceTimersByTime(1_000);
    const c = await open(r);
    expect(c).toBeTruthy();
    expect(await status(r, b)).toBe(404);
    expect(await status(r, a)).toBe(200);
    expect(await status(r, c)).toBe(200);
    expect(log.text()).toMatch(/"idleMs":2000,"msg":"session cap reached: closed the least recently used idle session"/);
  });

  it("a session with an open stream is busy: never closed for a newcomer, which gets 503 with Retry-After", async () => {
    const r = await serve({ maxSessions: 1 });
    const sid = await open(r);
    const stream = hold(r.url, "GET", "/mcp", headers(sid));
    expect((await stream.response).statusCode).toBe(200);
    const refused = await send(r.url, "POST", "/mcp", {}, INIT);
    expect(refused.status).toBe(503);
    expect(refused.headers["retry-after"]).toBe("5");
    expect(messageOf(refused)).toBe("Too many sessions (MCP_MAX_SESSIONS=1), all of them busy; close one or retry later");
    expect((await send(r.url, "GET", "/sse")).status).toBe(503);
    // The stream ends: the session is idle again, and makes room.
    stream.req.destroy();
    await new Promise((res) => setTimeout(res, 50));
    vi.advanceTimersByTime(1_000);
    expect((await send(r.url, "POST", "/mcp", {}, INIT)).status).toBe(200);
    expect(await status(r, sid)).toBe(404);
  });

  it("an SSE session counts toward the cap", async () => {
    const r = await serve({ maxSessions: 1 });
    const sse = hold(r.url, "GET", "/sse");
    expect((await sse.response).statusCode).toBe(200);
    expect((await send(r.url, "POST", "/mcp", {}, INIT)).status).toBe(503);
    sse.req.destroy();
    await new Promise((res) => setTimeout(res, 50));
    expect((await send(r.url, "POST", "/mcp", {}, INIT)).status).toBe(200);
  });

  it("SSE: messages reach the session while its stream is open, and 404 once it closed", async () => {
    const r = await serve();
    const sse = hold(r.url, "GET", "/sse");
    const res = await sse.response;
    const endpoint = await sseEndpoint(res);
    expect((await send(r.url, "POST", endpoint, {}, INIT)).status).toBe(202);
    expect((await send(r.url, "POST", `${endpoint}&sessionId=again`, {}, INIT)).status).toBe(404);
    sse.req.destroy();
    await new Promise((res) => setTimeout(res, 50));
    expect((await send(r.url, "POST", endpoint, {}, INIT)).status).toBe(404);
  });
});

describe("graceful close", () => {
  it("waits for a request being answered; a request arriving meanwhile is told to close its connection", async () => {
    const r = await startHttp(h.host, httpOptions({ drainMs: 5_000 }), silentLogger());
    const socket = netConnect(r.port, "127.0.0.1");
    socket.on("error", () => undefined);
    let answers = "";
    socket.setEncoding("utf8");
    socket.on("data", (d: string) => (answers += d));
    await new Promise((res) => socket.once("connect", res));
    const host = `127.0.0.1:${r.port}`;
    socket.write(
      `POST /mcp HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: ${INIT.length}\r\n\r\n${INIT.slice(0, 10)}`,
    );
    await new Promise((res) => setTimeout(res, 100));
    let closed = false;
    const closing = r.close().then(() => (closed = true));
    await new Promise((res) => setTimeout(res, 100));
    expect(closed).toBe(false);
    // The rest of the body, and a second request on the same connection (pipelined).
    socket.write(`${INIT.slice(10)}GET /healthz HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    await closing;
    await new Promise((res) => (socket.readyState === "closed" ? res(undefined) : socket.once("close", res)));
    const [first, second] = answers.split(/(?=HTTP\/1\.1 )/);
    expect(first).toMatch(/^HTTP\/1\.1 200 /);
    expect(first).toContain('"serverInfo"');
    expect(first).not.toMatch(/\r\nconnection: close\r\n/i);
    expect(second).toMatch(/^HTTP\/1\.1 200 /);
    expect(second).toMatch(/\r\nconnection: close\r\n/i);
    expect(second).toContain('"status":"ok"');
  });

  it("cuts what is still in flight after drainMs, and says so", async () => {
    const log = captureLog("info");
    const r = await startHttp(h.host, httpOptions({ drainMs: 200 }), log.logger);
    const upload = hold(r.url, "POST", "/mcp", { "content-length": String(INIT.length) }, INIT.slice(0, 10));
    upload.response.catch(() => undefined);
    await new Promise((res) => setTimeout(res, 100));
    const started = Date.now();
    await r.close();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(log.text()).toContain("stopping: calls still in flight after the drain time are cut");
    expect(log.text()).toContain('"pending":1');
    expect(log.text()).toContain('"drainMs":200');
  });

  it("closes at once when nothing is in flight", async () => {
    const r = await startHttp(h.host, httpOptions({ drainMs: 5_000 }), silentLogger());
    await send(r.url, "GET", "/healthz");
    const started = Date.now();
    await r.close();
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

describe("OAuth: a session belongs to the subject that created it", () => {
  // Opaque tokens checked by a loopback introspection endpoint: `token-<subject>` is active.
  let introspection: Server;
  let r: RunningHttp;
  const RESOURCE = "http://127.0.0.1/mcp";
  beforeAll(async () => {
    introspection = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        const token = new URLSearchParams(body).get("token") ?? "";
        const subject = /^token-(\w+)$/.exec(token)?.[1];
        res.writeHead(200, { "content-type": "application/json" }).end(
          JSON.stringify(
            subject
              ? { active: true, sub: subject, aud: RESOURCE, exp: Math.floor(Date.now() / 1000) + 3600, scope: "altr:read altr:write" }
              : { active: false },
          ),
        );
      });
    });
    await new Promise<void>((res) => introspection.listen(0, "127.0.0.1", res));
  });
  beforeEach(async () => {
    const at = `http://127.0.0.1:${(introspection.address() as AddressInfo).port}`;
    r = await serve({ oauth: { issuer: at, resource: RESOURCE, introspectionUrl: `${at}/introspect` } });
  });
  afterAll(async () => {
    await new Promise<void>((res) => introspection.close(() => res()));
  });
  const as = (subject: string, sid?: string) => ({
    authorization: `Bearer token-${subject}`,
    ...(sid ? { "mcp-session-id": sid, "mcp-protocol-version": "2025-06-18" } : {}),
  });

  it("streamable HTTP: another valid token presenting the session id is answered as if it did not exist", async () => {
    const sid = (await send(r.url, "POST", "/mcp", as("alice"), INIT)).headers["mcp-session-id"] as string;
    expect(sid).toBeTruthy();
    expect((await send(r.url, "POST", "/mcp", as("bob", sid), LIST)).status).toBe(404);
    expect((await send(r.url, "GET", "/mcp", as("bob", sid))).status).toBe(404);
    expect((await send(r.url, "DELETE", "/mcp", as("bob", sid))).status).toBe(404);
    const own = await send(r.url, "POST", "/mcp", as("alice", sid), LIST);
    expect(own.status).toBe(200);
    expect(own.text).toContain('"tools"');
    expect((await send(r.url, "DELETE", "/mcp", as("alice", sid))).status).toBe(200);
  });

  it("HTTP+SSE: messages for another subject's stream are 404", async () => {
    const sse = hold(r.url, "GET", "/sse", as("alice"));
    const res = await sse.response;
    expect(res.statusCode).toBe(200);
    const endpoint = await sseEndpoint(res);
    expect((await send(r.url, "POST", endpoint, as("bob"), INIT)).status).toBe(404);
    expect((await send(r.url, "POST", endpoint, as("alice"), INIT)).status).toBe(202);
    sse.req.destroy();
  });

  it("the protected-resource metadata is public; the MCP endpoints are not", async () => {
    const meta = await send(r.url, "GET", "/.well-known/oauth-protected-resource/mcp");
    expect(meta.status).toBe(200);
    expect(JSON.parse(meta.text)).toMatchObject({ resource: RESOURCE, resource_name: "altr-mcp" });
    expect((await send(r.url, "POST", "/mcp", {}, INIT)).status).toBe(401);
    expect((await send(r.url, "GET", "/sse")).status).toBe(401);
    expect((await send(r.url, "POST", "/messages?sessionId=x", {}, INIT)).status).toBe(401);
  });
});

describe("more edges", () => {
  it("open streams (GET /mcp, GET /sse) are not calls in flight: close does not wait for them", async () => {
    const r = await startHttp(h.host, httpOptions({ drainMs: 5_000 }), silentLogger());
    const sid = (await send(r.url, "POST", "/mcp", {}, INIT)).headers["mcp-session-id"] as string;
    const stream = hold(r.url, "GET", "/mcp", { "mcp-session-id": sid, "mcp-protocol-version": "2025-06-18" });
    const sse = hold(r.url, "GET", "/sse");
    expect((await stream.response).statusCode).toBe(200);
    expect((await sse.response).statusCode).toBe(200);
    const started = Date.now();
    await r.close();
    expect(Date.now() - started).toBeLessThan(2_500);
  });

  it("a refused Origin is logged with the origin", async () => {
    const log = captureLog("info");
    const r = await serve({}, log.logger);
    expect((await send(r.url, "POST", "/mcp", { origin: "http://evil.test" }, INIT)).status).toBe(403);
    expect(log.text()).toMatch(/"origin":"http:\/\/evil.test","msg":"rejected request from a disallowed Origin"/);
  });

  it("a handler that fails is a JSON-RPC 500 without details, logged; an error's own status is kept only for 4xx", async () => {
    const cases: [unknown, number, string][] = [
      [new Error("boom"), 500, "Internal server error"],
      [Object.assign(new Error("redirect?"), { status: 302 }), 500, "Internal server error"],
      [Object.assign(new Error("server"), { status: 500 }), 500, "Internal server error"],
      [Object.assign(new Error("text status"), { status: "404" }), 500, "Internal server error"],
      [Object.assign(new Error("client"), { status: 409 }), 409, "Bad Request: body is not valid JSON"],
    ];
    for (const [thrown, code, message] of cases) {
      const log = captureLog("info");
      const failing = {
        ...h.host,
        createServer: () => {
          throw thrown;
        },
      };
      const r = await startHttp(failing, httpOptions({}), log.logger);
      running.push(r);
      const a = await send(r.url, "POST", "/mcp", {}, INIT);
      expect(a.status, String(thrown)).toBe(code);
      expect(messageOf(a)).toBe(message);
      if (code === 500) expect(log.text()).toContain(`"err":"${(thrown as Error).message}","msg":"HTTP handler failed"`);
    }
  });

  it("the request timeout is never shorter than the headers timeout", async () => {
    const r = await serve({ headersTimeoutMs: 300, requestTimeoutMs: 900 });
    const socket = netConnect(r.port, "127.0.0.1");
    socket.on("error", () => undefined);
    socket.resume();
    await new Promise((res) => socket.once("connect", res));
    const opened = Date.now();
    socket.write(`POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${r.port}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{`);
    const drip = setInterval(() => socket.write(" "), 50);
    const after = await new Promise<number>((resolve) => socket.once("close", () => resolve(Date.now() - opened)));
    clearInterval(drip);
    expect(after).toBeGreaterThanOrEqual(700);
    expect(after).toBeLessThan(3_000);
  });
});
