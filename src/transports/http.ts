/**
 * HTTP transports on one Express app:
 * - streamable HTTP at /mcp (POST/GET/DELETE), stateful sessions by default, or stateless
 *   (MCP_STATELESS=true) for replicas behind a load balancer;
 * - the older HTTP+SSE transport at GET /sse + POST /messages;
 * - GET /healthz.
 * Security: loopback by default; a non-loopback bind needs MCP_AUTH_TOKEN (bearer, compared in
 * constant time) or the server refuses to start; Host and Origin are validated (403); JSON
 * bodies are capped (413). Loaded only for HTTP transports: stdio never imports express.
 */
import { createHash, randomUUID, timingSafeEqual } from "node:crypto";
import type { AddressInfo } from "node:net";
import type { Server as HttpServer } from "node:http";
import express, { type NextFunction, type Request, type Response } from "express";
import { hostHeaderValidation, localhostHostValidation } from "@modelcontextprotocol/sdk/server/middleware/hostHeaderValidation.js";
import { SSEServerTransport } from "@modelcontextprotocol/sdk/server/sse.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import type { Settings } from "../config/index.js";
import type { Logger } from "../log/logger.js";
import type { ToolHost } from "../server/server.js";
import { createTokenVerifier, metadataPaths, protectedResourceMetadata, requireOAuth } from "./oauth.js";

export type HttpOptions = Pick<
  Settings,
  "host" | "port" | "authToken" | "stateless" | "allowedOrigins" | "allowedHosts" | "maxBodyBytes" | "maxSessions" | "sessionIdleMs"
> & { version: string; oauth?: Settings["oauth"] };

export interface RunningHttp {
  url: string;
  port: number;
  close(): Promise<void>;
}

export class UnsafeBindError extends Error {
  override name = "UnsafeBindError";
}

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

export function isLoopback(host: string): boolean {
  return LOOPBACK_HOSTS.has(host.toLowerCase()) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function jsonRpcError(res: Response, status: number, message: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  res.status(status).set(headers).json({ jsonrpc: "2.0", error: { code: -32000, message }, id: null });
}

function sameToken(given: string, expected: string): boolean {
  // Hashing first makes both sides the same length, so the comparison time says nothing.
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

function originAllowed(origin: string, allowed: string[]): boolean {
  if (allowed.length > 0) return allowed.includes(origin) || allowed.includes("*");
  try {
    const { hostname } = new URL(origin);
    return isLoopback(hostname);
  } catch {
    return false;
  }
}

interface Session {
  transport: StreamableHTTPServerTransport;
  server: Server;
  lastSeen: number;
}

export async function startHttp(host: ToolHost, opts: HttpOptions, log: Logger): Promise<RunningHttp> {
  const loopback = isLoopback(opts.host);
  if (!loopback && !opts.authToken && !opts.oauth) {
    throw new UnsafeBindError(
      `Refusing to listen on ${opts.host}: binding a non-loopback address exposes your ALTR credentials to the network. Set MCP_AUTH_TOKEN (at least 16 characters) or MCP_OAUTH_ISSUER, or use MCP_HOST=127.0.0.1.`,
    );
  }

  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", false);

  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok", name: "altr-mcp", version: opts.version, tools: host.listed.length });
  });

  // DNS-rebinding protection: the Host header must name this server.
  if (opts.allowedHosts.length > 0) app.use(hostHeaderValidation(opts.allowedHosts));
  else if (loopback) app.use(localhostHostValidation());

  app.use((req: Request, res: Response, next: NextFunction) => {
    const origin = req.headers.origin;
    if (origin !== undefined && !originAllowed(origin, opts.allowedOrigins)) {
      log.warn({ origin }, "rejected request from a disallowed Origin");
      jsonRpcError(res, 403, "Forbidden: Origin not allowed (MCP_ALLOWED_ORIGINS)");
      return;
    }
    next();
  });

  if (opts.authToken) {
    const token = opts.authToken;
    app.use((req: Request, res: Response, next: NextFunction) => {
      const header = req.headers.authorization ?? "";
      const match = /^Bearer\s+(.+)$/i.exec(header);
      if (!match || !sameToken(match[1]!.trim(), token)) {
        jsonRpcError(res, 401, "Unauthorized: send Authorization: Bearer <MCP_AUTH_TOKEN>", {
          "WWW-Authenticate": 'Bearer realm="altr-mcp"',
        });
        return;
      }
      next();
    });
  }

  if (opts.oauth) {
    // RFC 9728 metadata is public: clients read it to find the authorization server.
    const metadata = protectedResourceMetadata(opts.oauth);
    for (const path of metadataPaths(opts.oauth.resource)) app.get(path, (_req, res) => void res.json(metadata));
  }

  app.use(express.json({ limit: opts.maxBodyBytes }));

  if (opts.oauth) {
    // After the body parser: the scope a tools/call needs depends on the tool it names.
    const verifier = createTokenVerifier(opts.oauth);
    app.use(["/mcp", "/sse", "/messages"], requireOAuth(verifier, { resource: opts.oauth.resource, writes: host.writes, log }));
  }

  // ---- streamable HTTP ------------------------------------------------------------------
  const sessions = new Map<string, Session>();

  const closeSession = async (id: string): Promise<void> => {
    const s = sessions.get(id);
    if (!s) return;
    sessions.delete(id);
    await s.transport.close().catch(() => undefined);
    await s.server.close().catch(() => undefined);
  };

  app.post("/mcp", async (req: Request, res: Response) => {
    if (opts.stateless) {
      const server = host.createServer();
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
      res.on("close", () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(req, res, req.body);
      return;
    }
    const sid = req.header("mcp-session-id");
    if (sid) {
      const s = sessions.get(sid);
      if (!s) return jsonRpcError(res, 404, "Session not found: start a new session with initialize");
      s.lastSeen = Date.now();
      await s.transport.handleRequest(req, res, req.body);
      return;
    }
    if (!isInitializeRequest(req.body)) {
      return jsonRpcError(res, 400, "Bad Request: no Mcp-Session-Id header; the first request must be initialize");
    }
    if (sessions.size >= opts.maxSessions) {
      return jsonRpcError(res, 503, `Too many sessions (MCP_MAX_SESSIONS=${opts.maxSessions}); close one or retry later`, {
        "Retry-After": "5",
      });
    }
    const server = host.createServer();
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        sessions.set(id, { transport, server, lastSeen: Date.now() });
      },
      onsessionclosed: (id) => {
        void closeSession(id);
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  });

  const existingSession = async (req: Request, res: Response) => {
    if (opts.stateless) return jsonRpcError(res, 405, "Method not allowed in stateless mode");
    const sid = req.header("mcp-session-id");
    const s = sid ? sessions.get(sid) : undefined;
    if (!s) return jsonRpcError(res, sid ? 404 : 400, sid ? "Session not found" : "Missing Mcp-Session-Id header");
    s.lastSeen = Date.now();
    await s.transport.handleRequest(req, res);
  };
  app.get("/mcp", existingSession);
  app.delete("/mcp", existingSession);

  const sweep = setInterval(
    () => {
      const cutoff = Date.now() - opts.sessionIdleMs;
      for (const [id, s] of sessions) if (s.lastSeen < cutoff) void closeSession(id);
    },
    Math.min(60_000, Math.max(1000, Math.floor(opts.sessionIdleMs / 2))),
  );
  sweep.unref();

  // ---- HTTP+SSE (deprecated by the spec, kept for older clients) -----------------------------
  const sseSessions = new Map<string, SSEServerTransport>();
  app.get("/sse", async (_req: Request, res: Response) => {
    if (sseSessions.size + sessions.size >= opts.maxSessions) {
      return jsonRpcError(res, 503, `Too many sessions (MCP_MAX_SESSIONS=${opts.maxSessions})`);
    }
    const transport = new SSEServerTransport("/messages", res);
    const server = host.createServer();
    sseSessions.set(transport.sessionId, transport);
    res.on("close", () => {
      sseSessions.delete(transport.sessionId);
      void server.close();
    });
    await server.connect(transport);
  });
  app.post("/messages", async (req: Request, res: Response) => {
    const id = typeof req.query.sessionId === "string" ? req.query.sessionId : "";
    const transport = sseSessions.get(id);
    if (!transport) return jsonRpcError(res, 404, "SSE session not found");
    await transport.handlePostMessage(req, res, req.body);
  });

  // Body-parser and handler errors: JSON-RPC shaped, never a stack trace.
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = typeof (err as { status?: unknown }).status === "number" ? (err as { status: number }).status : 500;
    if (status === 413) return jsonRpcError(res, 413, `Request body larger than MCP_MAX_BODY_BYTES (${opts.maxBodyBytes})`);
    if (status >= 400 && status < 500) return jsonRpcError(res, status, "Bad Request: body is not valid JSON");
    log.error({ err: err instanceof Error ? err.message : String(err) }, "HTTP handler failed");
    return jsonRpcError(res, 500, "Internal server error");
  });

  const httpServer: HttpServer = await new Promise((resolve, reject) => {
    const s = app.listen(opts.port, opts.host, () => resolve(s));
    s.once("error", reject);
  });
  const port = (httpServer.address() as AddressInfo).port;
  const shownHost = opts.host.includes(":") ? `[${opts.host}]` : opts.host;
  const url = `http://${shownHost}:${port}`;
  log.info({ url: `${url}/mcp`, sse: `${url}/sse`, stateless: opts.stateless, auth: opts.oauth ? "oauth" : opts.authToken ? "token" : "none" }, "altr-mcp listening");

  return {
    url,
    port,
    async close() {
      clearInterval(sweep);
      await Promise.all([...sessions.keys()].map((id) => closeSession(id)));
      for (const t of sseSessions.values()) await t.close().catch(() => undefined);
      sseSessions.clear();
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
}
