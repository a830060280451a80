/**
 * What the HTTP transport (src/transports/http.ts) does with the MCP servers it asks the tool
 * host for: a stateless request gets a server told it is stateless, closed once the answer is
 * sent; a deleted session's server is closed; with OAuth, a token without altr:write gets a
 * read-only server (streamable HTTP, stateless, SSE). A wrapper around the real tool host records the
 * calls. Written to kill the mutants `npm run mutate` found surviving.
 */
import { createServer, request, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { silentLogger } from "../src/log/logger.js";
import type { ToolHost } from "../src/server/server.js";
import { startHttp, type RunningHttp } from "../src/transports/http.js";
import { baseUrlsFrom, connect, type Harness } from "./helpers/harness.js";
import { httpOptions } from "./helpers/http-options.js";

const INIT = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "0" } },
});

let h: Harness;
const running: RunningHttp[] = [];
beforeAll(async () => {
  h = await connect({ baseUrls: baseUrlsFrom("http://127.0.0.1:9") });
});
afterAll(async () => {
  for (const r of running) await r.close();
  await h.close();
});

/** The real tool host, recording each createServer call's options and whether that server was closed. */
function recordingHost(): { host: ToolHost; made: { opts: unknown; closed: boolean }[] } {
  const made: { opts: unknown; closed: boolean }[] = [];
  const host: ToolHost = {
    ...h.host,
    createServer: (opts?: { stateless?: boolean }) => {
      const server: Server = h.host.createServer(opts);
      const entry = { opts, closed: false };
      made.push(entry);
      const close = server.close.bind(server);
      server.close = async () => {
        entry.closed = true;
        await close();
      };
      return server;
    },
  };
  return { host, made };
}

function send(url: string, method: string, headers: Record<string, string>, body?: string): Promise<{ status: number; sid: string | undefined }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        method,
        path: "/mcp",
        headers: { accept: "application/json, text/event-stream", ...(body ? { "content-type": "application/json" } : {}), ...headers },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode ?? 0, sid: res.headers["mcp-session-id"] as string | undefined }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const settle = () => new Promise((res) => setTimeout(res, 50));

it("stateless: each request's server is created stateless and closed once the answer is sent", async () => {
  const { host, made } = recordingHost();
  const r = await startHttp(host, httpOptions({ stateless: true }), silentLogger());
  running.push(r);
  expect((await send(r.url, "POST", {}, INIT)).status).toBe(200);
  await settle();
  expect(made).toEqual([{ opts: { stateless: true }, closed: true }]);
});

it("stateful: the session's server is created without options and closed when the session is deleted", async () => {
  const { host, made } = recordingHost();
  const r = await startHttp(host, httpOptions({}), silentLogger());
  running.push(r);
  const { sid } = await send(r.url, "POST", {}, INIT);
  expect(sid).toBeTruthy();
  expect(made).toEqual([{ opts: {}, closed: false }]);
  expect((await send(r.url, "DELETE", { "mcp-session-id": sid!, "mcp-protocol-version": "2025-06-18" })).status).toBe(200);
  await settle();
  expect(made[0]!.closed).toBe(true);
});

it("OAuth: a token without altr:write gets read-only servers; one with it does not", async () => {
  // Opaque tokens checked by a loopback introspection endpoint: `token-reader` has altr:read only.
  const introspection: HttpServer = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const token = new URLSearchParams(body).get("token") ?? "";
      const scope = token === "token-reader" ? "altr:read" : "altr:read altr:write";
      res.writeHead(200, { "content-type": "application/json" }).end(
        JSON.stringify({ active: true, sub: "user", aud: "http://127.0.0.1/mcp", exp: Math.floor(Date.now() / 1000) + 3600, scope }),
      );
    });
  });
  await new Promise<void>((res) => introspection.listen(0, "127.0.0.1", res));
  try {
    const at = `http://127.0.0.1:${(introspection.address() as AddressInfo).port}`;
    const oauth = { issuer: at, resource: "http://127.0.0.1/mcp", introspectionUrl: `${at}/introspect` };
    const reader = { authorization: "Bearer token-reader" };
    const writer = { authorization: "Bearer token-writer" };
    const stateful = recordingHost();
    const r = await startHttp(stateful.host, httpOptions({ oauth }), silentLogger());
    running.push(r);
    expect((await send(r.url, "POST", reader, INIT)).status).toBe(200);
    expect((await send(r.url, "POST", writer, INIT)).status).toBe(200);
    expect(stateful.made.map((m) => m.opts)).toEqual([{ readOnly: true }, {}]);
    const stateless = recordingHost();
    const s = await startHttp(stateless.host, httpOptions({ oauth, stateless: true }), silentLogger());
    running.push(s);
    expect((await send(s.url, "POST", reader, INIT)).status).toBe(200);
    expect((await send(s.url, "POST", writer, INIT)).status).toBe(200);
    expect(stateless.made.map((m) => m.opts)).toEqual([{ stateless: true, readOnly: true }, { stateless: true }]);
  } finally {
    await new Promise<void>((res) => introspection.close(() => res()));
  }
});
