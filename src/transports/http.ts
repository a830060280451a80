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
import type { AddressInfo, Socket } from "node:net";
import { createServer, type Server as HttpServer } from "node:http";
import express, { type NextFunction, type Request, type Response } from "express";
import { hostHeaderValidation, localhostHostValidation } from "@modelcontextprotocol/sdk/server/middleware/hostHeaderValidation.js";
import { SSEServerTransport } from "@modelcontextprotocol/sdk/server/sse.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { ConfigError, type Settings } from "../config/index.js";
import type { Logger } from "../log/logger.js";
import { WRITE_SCOPE, type ToolHost } from "../server/server.js";
import { jsonDepth, MAX_DEPTH } from "./stdio.js";
import { createTokenVerifier, metadataPaths, protectedResourceMetadata, requireOAuth, type AuthedRequest } from "./oauth.js";
import { handleWeb } from "./web-bridge.js";

export type HttpOptions = Pick<
  Settings,
  "host" | "port" | "authToken" | "stateless" | "allowedOrigins" | "allowedHosts" | "maxBodyBytes" | "maxSessions" | "sessionIdleMs"
> &
  Partial<ConnectionLimits> & {
    version: string;
    oauth?: Settings["oauth"];
    /** On close, how long calls in flight may take to finish before their connections are cut. */
    drainMs?: number;
  };

/** How long a graceful stop waits for calls in flight (systemd's TimeoutStopSec must be longer). */
export const DRAIN_MS = 30_000;

/** Limits on the HTTP server's connections (defaults in CONNECTION_DEFAULTS; tests use small ones). */
export interface ConnectionLimits {
  /** Open connections at most; beyond it a new connection is closed at once. */
  maxConnections: number;
  /** Time to receive a request's headers (slowloris). */
  headersTimeoutMs: number;
  /** Time to receive a whole request, body included. Responses (SSE streams) are not limited. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this long. */
  keepAliveTimeoutMs: number;
}

export const CONNECTION_DEFAULTS: Omit<ConnectionLimits, "maxConnections"> = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
};

/** Room for every session's stream and a few requests each, and never under 1024. */
export const defaultMaxConnections = (maxSessions: number) => Math.max(1024, maxSessions * 3);

export interface RunningHttp {
  url: string;
  port: number;
  close(): Promise<void>;
}

export class UnsafeBindError extends Error {
  override name = "UnsafeBindError";
}

/** The port cannot be bound (in use, or not permitted): a configuration problem with one fix. */
export class ListenError extends ConfigError {
  override name = "ListenError";
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
  transport: WebStandardStreamableHTTPServerTransport;
  server: Server;
  lastSeen: number;
  /** Requests being answered and open streams (GET /mcp): a session with any is not idle. */
  active: number;
  /** The OAuth subject that created the session: only it may use the session. */
  owner?: string;
}

/** The OAuth subject of a request (undefined without OAuth). */
const ownerOf = (req: Request): string | undefined => (req as AuthedRequest).auth?.extra.subject;

/** The session's tool list for the request's token: without altr:write, the tools that change data are not listed. */
const listFor = (req: Request): { readOnly?: boolean } => {
  const auth = (req as AuthedRequest).auth;
  return auth && !auth.scopes.includes(WRITE_SCOPE) ? { readOnly: true } : {};
};

/**
 * A session is used only by whoever created it: with OAuth, another valid token presenting a
 * session id it did not create (a leaked or guessed id) is answered as if the session did not
 * exist. Without OAuth every caller holds the same token, and the check is moot.
 */
const ownedBy = (owner: string | undefined, req: Request): boolean => owner === ownerOf(req);

class TooDeep extends Error {
  readonly status = 400;
  constructor() {
    super(`Invalid input: JSON nested deeper than ${MAX_DEPTH} levels`);
  }
}

/** Refuses a non-loopback bind without a token: it would lend the ALTR credentials to the network. */
function assertSafeBind(opts: HttpOptions): void {
  if (!isLoopback(opts.host) && !opts.authToken && !opts.oauth) {
    throw new UnsafeBindError(
      `Refusing to listen on ${opts.host}: binding a non-loopback address exposes your ALTR credentials to the network. Set MCP_AUTH_TOKEN (at least 16 characters) or MCP_OAUTH_ISSUER, or use MCP_HOST=127.0.0.1.`,
    );
  }
}

/**
 * Graceful stop: counts the requests being answered (not the long-lived GET streams, which end
 * with their sessions) so that close() can wait for them. While draining, every response says
 * `Connection: close`, so a load balancer's kept-alive connection ends after its last answer and
 * the next request goes to another replica.
 */
class Drain {
  private draining = false;
  private inflight = 0;
  private idle: (() => void) | undefined;

  readonly middleware = (req: Request, res: Response, next: NextFunction): void => {
    if (this.draining) res.setHeader("connection", "close");
    if (req.method === "GET" && (req.path === "/mcp" || req.path === "/sse")) return next();
    this.inflight++;
    res.once("close", () => {
      this.inflight--;
      if (this.inflight === 0) this.idle?.();
    });
    next();
  };

  /** Starts draining; true once no request is being answered, false after `ms` with some left. */
  wait(ms: number): Promise<boolean> {
    this.draining = true;
    if (this.inflight === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      this.idle = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
  }

  get pending(): number {
    return this.inflight;
  }
}

/** /healthz, then Host (DNS rebinding), Origin and bearer-token checks, then the JSON body cap. */
function guardedApp(host: ToolHost, opts: HttpOptions, log: Logger, drain: Drain): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", false);
  app.use(drain.middleware);

  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok", name: "altr-mcp", version: opts.version, tools: host.listed.length });
  });

  if (opts.allowedHosts.length > 0) app.use(hostHeaderValidation(opts.allowedHosts));
  else if (isLoopback(opts.host)) app.use(localhostHostValidation());

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

  app.use(
    express.json({
      limit: opts.maxBodyBytes,
      // Refused before parsing: deeper JSON overflowed the stack further on (-32603).
      verify: (_req, _res, buf) => {
        if (jsonDepth(buf.toString("utf8"), MAX_DEPTH) > MAX_DEPTH) throw new TooDeep();
      },
    }),
  );

  if (opts.oauth) {
    // After the body parser: the scope a tools/call needs depends on the tool it names.
    const verifier = createTokenVerifier(opts.oauth);
    app.use(["/mcp", "/sse", "/messages"], requireOAuth(verifier, { resource: opts.oauth.resource, writes: host.writes, log }));
  }
  return app;
}

/** The stateful sessions of streamable HTTP: the cap, idle eviction and the idle sweep. */
class SessionTable {
  readonly sessions = new Map<string, Session>();
  private readonly sweep: NodeJS.Timeout;

  constructor(
    private readonly opts: HttpOptions,
    private readonly log: Logger,
    /** Sessions held elsewhere that count toward MCP_MAX_SESSIONS (the HTTP+SSE transport's). */
    private readonly others: () => number,
  ) {
    this.sweep = setInterval(
      () => {
        const cutoff = Date.now() - opts.sessionIdleMs;
        for (const [id, s] of this.sessions) if (s.lastSeen < cutoff) void this.close(id);
      },
      Math.min(60_000, Math.max(1000, Math.floor(opts.sessionIdleMs / 2))),
    );
    this.sweep.unref();
  }

  get size(): number {
    return this.sessions.size + this.others();
  }

  async close(id: string): Promise<void> {
    const s = this.sessions.get(id);
    if (!s) return;
    this.sessions.delete(id);
    await s.transport.close().catch(() => undefined);
    await s.server.close().catch(() => undefined);
  }

  /**
   * Room for one more session: at the cap, the least recently used idle session (no request
   * being answered, no open stream) is closed — an abandoned session must not lock new clients
   * out until the sweep. False when every session is busy.
   */
  async makeRoom(): Promise<boolean> {
    if (this.size < this.opts.maxSessions) return true;
    let oldest: [string, Session] | undefined;
    for (const entry of this.sessions) {
      if (entry[1].active === 0 && (!oldest || entry[1].lastSeen < oldest[1].lastSeen)) oldest = entry;
    }
    if (!oldest) return false;
    this.log.info({ idleMs: Date.now() - oldest[1].lastSeen }, "session cap reached: closed the least recently used idle session");
    await this.close(oldest[0]);
    return this.size < this.opts.maxSessions;
  }

  /** Marks the session busy until the response ends (for a stream: until it closes). */
  track(s: Session, res: Response): void {
    s.active++;
    s.lastSeen = Date.now();
    res.once("close", () => {
      s.active--;
      s.lastSeen = Date.now();
    });
  }

  async closeAll(): Promise<void> {
    clearInterval(this.sweep);
    await Promise.all([...this.sessions.keys()].map((id) => this.close(id)));
  }
}

const tooMany = (res: Response, max: number) =>
  jsonRpcError(res, 503, `Too many sessions (MCP_MAX_SESSIONS=${max}), all of them busy; close one or retry later`, {
    "Retry-After": "5",
  });

/** The SDK's web-standard transport answering on node's response (web-bridge.ts: fewer socket writes). */
const serve = (transport: WebStandardStreamableHTTPServerTransport, req: Request, res: Response) =>
  handleWeb(transport, req, res, req.body, (req as AuthedRequest).auth);

/**
 * Whether a POST asks for progress (a request whose `_meta.progressToken` is a string or number):
 * a stateless answer is then an SSE stream, so that notifications/progress travel before the
 * result; otherwise one JSON body. (A stateless call stops when its request is closed: a
 * notifications/cancelled arrives on a request of its own, with no server that knows the call.)
 */
export const asksProgress = (body: unknown): boolean =>
  (Array.isArray(body) ? (body as unknown[]) : [body]).some((message) => {
    const token = (message as { params?: { _meta?: { progressToken?: unknown } } } | null)?.params?._meta?.progressToken;
    return typeof token === "string" || typeof token === "number";
  });

/** Streamable HTTP at /mcp: stateless (a server per request) or stateful sessions. */
function mountStreamable(app: express.Express, host: ToolHost, opts: HttpOptions, table: SessionTable): void {
  app.post("/mcp", async (req: Request, res: Response) => {
    if (opts.stateless) {
      const server = host.createServer({ stateless: true, ...listFor(req) });
      const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: !asksProgress(req.body) });
      res.on("close", () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await serve(transport, req, res);
      return;
    }
    const sid = req.header("mcp-session-id");
    if (sid) {
      const s = table.sessions.get(sid);
      if (!s || !ownedBy(s.owner, req)) return jsonRpcError(res, 404, "Session not found: start a new session with initialize");
      table.track(s, res);
      await serve(s.transport, req, res);
      return;
    }
    if (!isInitializeRequest(req.body)) {
      return jsonRpcError(res, 400, "Bad Request: no Mcp-Session-Id header; the first request must be initialize");
    }
    if (!(await table.makeRoom())) return tooMany(res, opts.maxSessions);
    const server = host.createServer(listFor(req));
    const owner = ownerOf(req);
    const transport: WebStandardStreamableHTTPServerTransport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        table.sessions.set(id, { transport, server, lastSeen: Date.now(), active: 0, ...(owner !== undefined ? { owner } : {}) });
      },
      onsessionclosed: (id) => {
        void table.close(id);
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) table.sessions.delete(transport.sessionId);
    };
    await server.connect(transport);
    await serve(transport, req, res);
  });

  const existingSession = async (req: Request, res: Response) => {
    if (opts.stateless) return jsonRpcError(res, 405, "Method not allowed in stateless mode");
    const sid = req.header("mcp-session-id");
    const found = sid ? table.sessions.get(sid) : undefined;
    const s = found && ownedBy(found.owner, req) ? found : undefined;
    if (!s) return jsonRpcError(res, sid ? 404 : 400, sid ? "Session not found" : "Missing Mcp-Session-Id header");
    table.track(s, res);
    await serve(s.transport, req, res);
  };
  app.get("/mcp", existingSession);
  app.delete("/mcp", existingSession);
}

/** HTTP+SSE (deprecated by the spec, kept for older clients): GET /sse + POST /messages. */
function mountSse(app: express.Express, host: ToolHost, opts: HttpOptions, table: SessionTable, sse: Map<string, SSEServerTransport>): void {
  const owners = new Map<string, string | undefined>();
  app.get("/sse", async (req: Request, res: Response) => {
    if (!(await table.makeRoom())) return tooMany(res, opts.maxSessions);
    const transport = new SSEServerTransport("/messages", res);
    const server = host.createServer(listFor(req));
    sse.set(transport.sessionId, transport);
    owners.set(transport.sessionId, ownerOf(req));
    res.on("close", () => {
      sse.delete(transport.sessionId);
      owners.delete(transport.sessionId);
      void server.close();
    });
    await server.connect(transport);
  });
  app.post("/messages", async (req: Request, res: Response) => {
    const id = typeof req.query.sessionId === "string" ? req.query.sessionId : "";
    const transport = sse.get(id);
    if (!transport || !ownedBy(owners.get(id), req)) return jsonRpcError(res, 404, "SSE session not found");
    await transport.handlePostMessage(req, res, req.body);
  });
}

/** Body-parser and handler errors: JSON-RPC shaped, never a stack trace. */
function mountErrorHandler(app: express.Express, opts: HttpOptions, log: Logger): void {
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = typeof (err as { status?: unknown }).status === "number" ? (err as { status: number }).status : 500;
    if (err instanceof TooDeep) return jsonRpcError(res, 400, err.message);
    if (status === 413) return jsonRpcError(res, 413, `Request body larger than MCP_MAX_BODY_BYTES (${opts.maxBodyBytes})`);
    if (status >= 400 && status < 500) return jsonRpcError(res, status, "Bad Request: body is not valid JSON");
    log.error({ err: err instanceof Error ? err.message : String(err) }, "HTTP handler failed");
    return jsonRpcError(res, 500, "Internal server error");
  });
}

/**
 * Binds with the connection limits. A port that cannot be bound is a ListenError naming the
 * port and the setting that moves it (Express 5's listen hands the error to its callback, and
 * the server then has no address).
 */
async function listen(app: express.Express, opts: HttpOptions, log: Logger): Promise<HttpServer> {
  const headersTimeout = opts.headersTimeoutMs ?? CONNECTION_DEFAULTS.headersTimeoutMs;
  const requestTimeout = Math.max(headersTimeout, opts.requestTimeoutMs ?? CONNECTION_DEFAULTS.requestTimeoutMs);
  const server = createServer(
    // How often Node checks those two timeouts (its default, 30 s, would let them overrun).
    { headersTimeout, requestTimeout, connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(headersTimeout / 4))) },
    app,
  );
  server.keepAliveTimeout = opts.keepAliveTimeoutMs ?? CONNECTION_DEFAULTS.keepAliveTimeoutMs;
  server.maxConnections = opts.maxConnections ?? defaultMaxConnections(opts.maxSessions);
  // Node's headersTimeout starts with the first byte: a connection that sends nothing would hold
  // its slot for ever (the connection cap starved /healthz). It gets the same time to begin.
  server.on("connection", (socket: Socket) => {
    const silent = setTimeout(() => socket.destroy(), headersTimeout);
    silent.unref();
    const stop = () => clearTimeout(silent);
    socket.once("data", stop);
    socket.once("close", stop);
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      const where = `${opts.host}:${opts.port}`;
      if (err.code === "EADDRINUSE") reject(new ListenError(`Port ${opts.port} on ${opts.host} is already in use: set MCP_PORT (or --port) to a free port`));
      else if (err.code === "EACCES") reject(new ListenError(`Not permitted to listen on ${where}: set MCP_PORT (or --port) to a port above 1023`));
      else if (err.code === "EADDRNOTAVAIL") reject(new ListenError(`Cannot listen on ${where}: MCP_HOST is not an address of this machine`));
      else reject(err);
    };
    server.once("error", onError);
    server.listen(opts.port, opts.host, () => {
      server.off("error", onError);
      // A listening server emits "error" when accepting a connection fails (EMFILE: out of file
      // descriptors); with no listener left, that would end the process.
      server.on("error", (err: NodeJS.ErrnoException) => log.error({ code: err.code, err: err.message }, "HTTP server could not accept a connection"));
      resolve();
    });
  });
  return server;
}

export async function startHttp(host: ToolHost, opts: HttpOptions, log: Logger): Promise<RunningHttp> {
  assertSafeBind(opts);
  const drain = new Drain();
  const app = guardedApp(host, opts, log, drain);
  const sse = new Map<string, SSEServerTransport>();
  const table = new SessionTable(opts, log, () => sse.size);
  mountStreamable(app, host, opts, table);
  mountSse(app, host, opts, table, sse);
  mountErrorHandler(app, opts, log);

  let httpServer: HttpServer;
  try {
    httpServer = await listen(app, opts, log);
  } catch (err) {
    await table.closeAll();
    throw err;
  }
  const port = (httpServer.address() as AddressInfo).port;
  const shownHost = opts.host.includes(":") ? `[${opts.host}]` : opts.host;
  const url = `http://${shownHost}:${port}`;
  log.info({ url: `${url}/mcp`, sse: `${url}/sse`, stateless: opts.stateless, auth: opts.oauth ? "oauth" : opts.authToken ? "token" : "none" }, "altr-mcp listening");

  return {
    url,
    port,
    /**
     * Graceful: stop accepting connections, let the calls in flight finish (at most `drainMs`,
     * so a write is not cut between ALTR's answer and the client's), then close the sessions and
     * what connections remain.
     */
    async close() {
      const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
      httpServer.closeIdleConnections();
      const drainMs = opts.drainMs ?? DRAIN_MS;
      if (!(await drain.wait(drainMs))) {
        log.warn({ pending: drain.pending, drainMs }, "stopping: calls still in flight after the drain time are cut");
      }
      await table.closeAll();
      for (const t of sse.values()) await t.close().catch(() => undefined);
      sse.clear();
      httpServer.closeAllConnections();
      await closed;
    },
  };
}
