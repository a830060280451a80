/**
 * More edges of the HTTP transport (src/transports/http.ts), in process, for the mutation run
 * (group transport): the graceful drain with several calls in flight, the session cap's choice
 * of the session to close and concurrent initializations, sessions closed with the server, the
 * OAuth guard's paths, and Node's header-timeout check interval. Loopback only; each test starts
 * its own server (per-test coverage).
 */
import { request, type ClientRequest, type IncomingMessage } from "node:http";
import { connect as netConnect } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { silentLogger, type Logger } from "../src/log/logger.js";
import type { ToolHost } from "../src/server/server.js";
import { asksProgress, startHttp, type HttpOptions, type RunningHttp } from "../src/transports/http.js";
import { baseUrlsFrom, connect, type Harness } from "./helpers/harness.js";
import { httpOptions } from "./helpers/http-options.js";
import { captureLog } from "./helpers/log-capture.js";

const CLIENT = { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "0" } };
const INIT = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: CLIENT });
const LIST = JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list", params: {} });
const DRAIN_WARNING = "stopping: calls still in flight after the drain time are cut";

let h: Harness;
const running: RunningHttp[] = [];
beforeAll(async () => {
  h = await connect({ baseUrls: baseUrlsFrom("http://127.0.0.1:9") });
});
afterAll(async () => {
  for (const r of running) await r.close().catch(() => undefined);
  await h.close();
});

async function serve(opts: Partial<HttpOptions> = {}, log: Logger = silentLogger(), host: ToolHost = h.host): Promise<RunningHttp> {
  const r = await startHttp(host, httpOptions({ maxSessions: 10, ...opts }), log);
  running.push(r);
  return r;
}
const pause = (ms: number) => new Promise((res) => setTimeout(res, ms));

/** A request whose body is still being sent: `finish()` sends the rest. */
interface Held {
  req: ClientRequest;
  response: Promise<IncomingMessage>;
  finish(): void;
}
function upload(url: string, method: string, path: string, body: string, headers: Record<string, string> = {}): Held {
  const u = new URL(url);
  const req = request({
    host: u.hostname.replace(/^\[|\]$/g, ""),
    port: u.port,
    method,
    path,
    headers: { accept: "application/json, text/event-stream", "content-type": "application/json", "content-length": String(body.length), ...headers },
  });
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    req.on("response", (res: IncomingMessage) => {
      res.resume();
      resolve(res);
    });
    req.on("error", reject);
  });
  req.write(body.slice(0, 5));
  return { req, response, finish: () => req.end(body.slice(5)) };
}

/** Status and session id of a whole request (an event stream is read to its end). */
async function send(url: string, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<{ status: number; sid?: string }> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { accept: "application/json, text/event-stream", ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers },
    ...(body !== undefined ? { body } : {}),
  });
  await res.arrayBuffer();
  return { status: res.status, sid: res.headers.get("mcp-session-id") ?? undefined };
}

/** The status line of a raw request (node:net, so Host can be anything). */
function statusWithHost(port: number, hostHeader: string, headers: Record<string, string>, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = netConnect(port, "127.0.0.1");
    let answer = "";
    socket.setEncoding("utf8");
    socket.on("data", (d: string) => {
      answer += d;
      const m = /^HTTP\/1\.1 (\d{3}) /.exec(answer);
      if (m) {
        socket.destroy();
        resolve(Number(m[1]));
      }
    });
    socket.on("error", reject);
    const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("");
    socket.write(
      `POST /mcp HTTP/1.1\r\nHost: ${hostHeader}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n${extra}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  });
}

describe("graceful close", () => {
  it("waits for every call in flight, not only the first to end; none cut, no warning", async () => {
    const log = captureLog("info");
    const r = await startHttp(h.host, httpOptions({ drainMs: 5_000 }), log.logger);
    const a = upload(r.url, "POST", "/mcp", INIT);
    const b = upload(r.url, "POST", "/mcp", INIT);
    await pause(150);
    let closed = false;
    const started = Date.now();
    const closing = r.close().then(() => (closed = true));
    await pause(100);
    expect(closed).toBe(false);
    a.finish();
    expect((await a.response).statusCode).toBe(200);
    await pause(150);
    expect(closed).toBe(false); // b is still being answered
    b.finish();
    expect((await b.response).statusCode).toBe(200);
    await closing;
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(log.text()).not.toContain(DRAIN_WARNING);
  });

  it("a GET that is not a stream (here: its body still arriving) is a call in flight too", async () => {
    const log = captureLog("info");
    const r = await startHttp(h.host, httpOptions({ drainMs: 5_000 }), log.logger);
    const get = upload(r.url, "GET", "/elsewhere", JSON.stringify({ a: "x".repeat(20) }));
    await pause(150);
    let closed = false;
    const closing = r.close().then(() => (closed = true));
    await pause(150);
    expect(closed).toBe(false);
    get.finish();
    expect((await get.response).statusCode).toBe(404);
    await closing;
    expect(log.text()).not.toContain(DRAIN_WARNING);
  });

  it("nothing in flight: closes at once, without the drain warning", async () => {
    const log = captureLog("info");
    const r = await startHttp(h.host, httpOptions({ drainMs: 5_000 }), log.logger);
    expect((await send(r.url, "GET", "/healthz")).status).toBe(200);
    const started = Date.now();
    await r.close();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(log.text()).not.toContain(DRAIN_WARNING);
  });

  it("the sessions' servers are closed with it", async () => {
    const r = await startHttp(h.host, httpOptions({}), silentLogger());
    for (let i = 0; i < 2; i++) expect((await send(r.url, "POST", "/mcp", {}, INIT)).status).toBe(200);
    const close = vi.spyOn(Server.prototype, "close");
    try {
      await r.close();
      expect(close).toHaveBeenCalledTimes(2);
    } finally {
      close.mockRestore();
    }
  });
});

describe("session cap", () => {
  beforeAll(() => void vi.useFakeTimers({ toFake: ["Date"] }));
  afterAll(() => void vi.useRealTimers());
  const open = async (r: RunningHttp) => (await send(r.url, "POST", "/mcp", {}, INIT)).sid!;
  const status = async (r: RunningHttp, sid: string) =>
    (await send(r.url, "POST", "/mcp", { "mcp-session-id": sid, "mcp-protocol-version": "2025-06-18" }, LIST)).status;

  it("the least recently used session is closed even when it is the first in the table", async () => {
    const r = await serve({ maxSessions: 2 });
    const a = await open(r);
    vi.advanceTimersByTime(1_000);
    const b = await open(r);
    vi.advanceTimersByTime(1_000);
    expect(await status(r, b)).toBe(200); // b used last; a is the least recently used
    vi.advanceTimersByTime(1_000);
    expect(await open(r)).toBeTruthy();
    expect(await status(r, a)).toBe(404);
    expect(await status(r, b)).toBe(200);
  });

  it("between sessions last used at the same time, the older one goes", async () => {
    const r = await serve({ maxSessions: 2 });
    const a = await open(r);
    const b = await open(r);
    expect(await open(r)).toBeTruthy();
    expect(await status(r, a)).toBe(404);
    expect(await status(r, b)).toBe(200);
  });

  it("initializations arriving together cannot pass the cap", async () => {
    // A session is registered in the same turn of the event loop as its room check, so at most
    // one of them is still open (the others were closed to make room for the next, or refused).
    const r = await serve({ maxSessions: 1 });
    const answers = await Promise.all([0, 1, 2].map(() => send(r.url, "POST", "/mcp", {}, INIT)));
    const alive = [];
    for (const a of answers) if (a.sid && (await status(r, a.sid)) === 200) alive.push(a.sid);
    expect(alive).toHaveLength(1);
  });

  it("an initialization that fails gives its slot back", async () => {
    let fail = true;
    const host: ToolHost = {
      ...h.host,
      createServer: (opts) => {
        if (fail) throw new Error("no server this time");
        return h.host.createServer(opts);
      },
    };
    const r = await serve({ maxSessions: 1 }, silentLogger(), host);
    expect((await send(r.url, "POST", "/mcp", {}, INIT)).status).toBe(500);
    fail = false;
    const sid = await open(r);
    expect(await status(r, sid)).toBe(200);
  });
});

describe("OAuth", () => {
  const oauth = { issuer: "http://127.0.0.1:9", resource: "http://127.0.0.1/mcp", jwksUrl: "http://127.0.0.1:9/jwks" };

  it("guards the MCP endpoints only: another path is 404, not 401", async () => {
    const r = await serve({ oauth });
    expect((await send(r.url, "POST", "/mcp", {}, INIT)).status).toBe(401);
    expect((await send(r.url, "GET", "/sse")).status).toBe(401);
    expect((await send(r.url, "POST", "/messages?sessionId=x", {}, "{}")).status).toBe(401);
    expect((await send(r.url, "POST", "/elsewhere", {}, "{}")).status).toBe(404);
    expect((await send(r.url, "GET", "/elsewhere")).status).toBe(404);
  });

  it("the listening line says the server is protected by OAuth", async () => {
    const log = captureLog("info");
    await serve({ oauth }, log.logger);
    expect(log.text()).toMatch(/"auth":"oauth".*"msg":"altr-mcp listening"/);
  });
});

describe("Host check", () => {
  it("a bind not known as loopback gets no default Host check: the token guards it (MCP_ALLOWED_HOSTS adds one)", async () => {
    // ::ffff:127.0.0.1 is loopback underneath but not a name the transport treats as one, so it
    // stands for a non-loopback bind here while the test stays on loopback.
    const token = "test-token-0123456789abcdef";
    const r = await serve({ host: "::ffff:127.0.0.1", authToken: token });
    const auth = { authorization: `Bearer ${token}` };
    expect(await statusWithHost(r.port, "altr-mcp.internal.example", auth, INIT)).toBe(200);
    const checked = await serve({ host: "::ffff:127.0.0.1", authToken: token, allowedHosts: ["mcp.example"] });
    expect(await statusWithHost(checked.port, "altr-mcp.internal.example", auth, INIT)).toBe(403);
  });
});

describe("stateless progress", () => {
  const call = (meta: unknown) => ({ jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "get_roles", arguments: {}, _meta: meta } });

  it.each([
    [call({ progressToken: "p1" }), true],
    [call({ progressToken: 0 }), true],
    [call({ progressToken: null }), false],
    [call({ progressToken: { id: 1 } }), false],
    [call({ progressToken: true }), false],
    [call({}), false],
    [call(undefined), false],
    [{ jsonrpc: "2.0", id: 1, method: "ping" }, false],
    [{ jsonrpc: "2.0", id: 1, method: "ping", params: null }, false],
    [[call({}), null, call({ progressToken: "p2" })], true],
    [[call({}), null, "x"], false],
    [[], false],
    [null, false],
    [undefined, false],
    ["progressToken", false],
  ])("asksProgress(%j) is %s", (body, asks) => {
    expect(asksProgress(body)).toBe(asks);
  });

  it("a stateless call asking for progress is answered as an event stream; otherwise as JSON", async () => {
    const r = await serve({ stateless: true });
    const kind = (body: unknown) =>
      new Promise<string | undefined>((resolve, reject) => {
        const u = new URL(r.url);
        const req = request(
          { host: u.hostname, port: u.port, method: "POST", path: "/mcp", headers: { accept: "application/json, text/event-stream", "content-type": "application/json" } },
          (res) => {
            res.resume();
            resolve(res.headers["content-type"]);
            res.destroy();
          },
        );
        req.on("error", reject);
        req.end(JSON.stringify(body));
      });
    const ping = (meta?: unknown) => ({ jsonrpc: "2.0", id: 1, method: "ping", params: meta === undefined ? {} : { _meta: meta } });
    expect(await kind(ping({ progressToken: "p" }))).toMatch(/^text\/event-stream/);
    expect(await kind(ping())).toMatch(/^application\/json/);
  });
});

describe("connection timeouts", () => {
  it("headers that stop arriving are cut at the headers timeout: Node checks often enough (every quarter of it)", async () => {
    const r = await serve({ headersTimeoutMs: 300, requestTimeoutMs: 600 });
    const socket = netConnect(r.port, "127.0.0.1");
    socket.on("error", () => undefined);
    socket.resume();
    const opened = Date.now();
    socket.write(`POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${r.port}\r\n`);
    const after = await new Promise<number>((resolve) => socket.once("close", () => resolve(Date.now() - opened)));
    expect(after).toBeGreaterThanOrEqual(250);
    // Checked every second (a bigger interval), it would last until the first check, ~1 s after listening.
    expect(after).toBeLessThan(800);
  });
});
