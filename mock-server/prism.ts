/**
 * In-process Prism mock servers: one Prism HTTP server per ALTR service whose OpenAPI
 * document exists, all in this Node process, each behind a tiny node:http proxy that
 * records every request. Validation problems are captured by wrapping Prism's own
 * router/validator/mocker components, so they are exact and never depend on log parsing
 * or on the (8 KB-truncated, sometimes absent) `sl-violations` header.
 */
import { existsSync } from "node:fs";
import {
  Agent,
  createServer as createHttpServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createLogger, type IPrismDiagnostic } from "@stoplight/prism-core";
import {
  getHttpOperationsFromSpec,
  type IHttpConfig,
  type IHttpRequest,
  type IHttpResponse,
} from "@stoplight/prism-http";
import { createServer as createPrismServer } from "@stoplight/prism-http-server";
// Prism's default components (prism-http has no "exports" map, so dist/ is importable; versions
// are pinned). createServer accepts replacements: we pass wrapped ones that record diagnostics.
import mockerModule from "@stoplight/prism-http/dist/mocker/index.js";
import routerModule from "@stoplight/prism-http/dist/router/index.js";
import { validateInput, validateOutput, validateSecurity } from "@stoplight/prism-http/dist/validator/index.js";
import { SERVICES, SERVICE_NAMES, type ServiceName } from "../src/config/services.js";

export interface Violation {
  service: string;
  method: string;
  path: string;
  severity: string;
  message: string;
  location?: string[];
}

export interface RecordedRequest {
  service: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface MockServers {
  /** service name -> base URL, e.g. http://127.0.0.1:43123 */
  urls: Record<string, string>;
  /** every request/response validation problem Prism saw, appended live */
  violations: Violation[];
  /** every request received, in arrival order (body is filled in when it has been read) */
  requests: RecordedRequest[];
  /** clears violations and requests */
  reset(): void;
  close(): Promise<void>;
}

export interface MockServerOptions {
  /** folder holding the OpenAPI documents named in SERVICES; default: the repo's openapi/ */
  specDir?: string;
  /** services to start; default: every service whose document exists (explicit names must exist) */
  services?: string[];
  /** public listen address; default 127.0.0.1 */
  host?: string;
  /** fixed public port per service (wins over basePort) */
  ports?: Record<string, number>;
  /** service i of SERVICES (declaration order, stable even if documents are missing) gets basePort + i */
  basePort?: number;
  /** Prism dynamic mode (schema-generated bodies) with a fixed seed; default static examples */
  dynamic?: boolean;
  /** called for every violation as it is recorded (after it is appended to `violations`) */
  onViolation?: (violation: Violation) => void;
}

// prism-http-server's index exports only createServer; derive its types from it.
type HttpOperation = Parameters<typeof createPrismServer>[0][number];
type PrismServerComponents = Parameters<typeof createPrismServer>[1]["components"];
type PrismServer = ReturnType<typeof createPrismServer>;

const DEFAULT_SPEC_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../openapi");
const DYNAMIC_SEED = "altr-mcp";
/** @stoplight/types DiagnosticSeverity, by value (Prism's sl-violations header uses these names). */
const SEVERITY_NAMES = ["Error", "Warning", "Information", "Hint"] as const;
const ERROR_SEVERITY = 0;
/** Hop-by-hop headers the proxy must not forward (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "upgrade", "te", "trailer"]);

/**
 * The default export of a CommonJS module (`exports.default = fn`). Node's ESM loader hands
 * us module.exports ({ default: fn }); vitest's loader applies __esModule interop and hands
 * us fn itself. Accept both.
 */
function cjsDefault<T extends (...args: never[]) => unknown>(mod: { default: T }): T {
  // The typeof check is the runtime proof that `mod` is the function itself here.
  return typeof mod === "function" ? (mod as unknown as T) : mod.default;
}
const mock = cjsDefault(mockerModule);
const route = cjsDefault(routerModule);

function severityName(severity: number): string {
  return SEVERITY_NAMES[severity] ?? String(severity);
}

function isServiceName(name: string): name is ServiceName {
  return Object.prototype.hasOwnProperty.call(SERVICES, name);
}

function problemMessage(error: Error): string {
  const detail: unknown = "detail" in error ? error.detail : undefined;
  return typeof detail === "string" && detail !== "" && detail !== error.message
    ? `${error.message}: ${detail}`
    : error.message;
}

/** Prism's logger (pino 6) writing to our own sink: silent unless MOCK_LOG=1, then stderr. */
function prismLogger(service: string) {
  const verbose = process.env["MOCK_LOG"] === "1";
  const sink = {
    write(line: string): void {
      if (!verbose) return;
      let text = line.trimEnd();
      try {
        const parsed: unknown = JSON.parse(text);
        if (typeof parsed === "object" && parsed !== null && "msg" in parsed) {
          const name = "name" in parsed && typeof parsed.name === "string" ? ` [${parsed.name}]` : "";
          text = `${name} ${String(parsed.msg)}`;
        }
      } catch {
        // not JSON: print as is
      }
      process.stderr.write(`[prism ${service}]${text}\n`);
    },
  };
  return createLogger(service, { level: verbose ? "info" : "silent" }, sink);
}

interface ServiceServer {
  service: ServiceName;
  url: string;
  close(): Promise<void>;
}

export async function startMockServers(opts: MockServerOptions = {}): Promise<MockServers> {
  const specDir = path.resolve(opts.specDir ?? DEFAULT_SPEC_DIR);
  const host = opts.host ?? "127.0.0.1";
  const violations: Violation[] = [];
  const requests: RecordedRequest[] = [];

  for (const name of [...(opts.services ?? []), ...Object.keys(opts.ports ?? {})]) {
    if (!isServiceName(name)) throw new Error(`mock-server: unknown service "${name}" (known: ${SERVICE_NAMES.join(", ")})`);
  }
  const wanted = opts.services ? SERVICE_NAMES.filter((s) => opts.services?.includes(s)) : SERVICE_NAMES;
  const selected = wanted.filter((service) => {
    const file = path.join(specDir, SERVICES[service].spec);
    if (existsSync(file)) return true;
    if (opts.services) throw new Error(`mock-server: no OpenAPI document for "${service}" at ${file}`);
    return false;
  });
  if (selected.length === 0) throw new Error(`mock-server: no service documents found in ${specDir}`);

  const record = (violation: Violation): void => {
    violations.push(violation);
    try {
      opts.onViolation?.(violation);
    } catch {
      // A throwing listener must not break Prism's pipeline (the request would never be answered).
    }
  };

  const portFor = (service: ServiceName): number =>
    opts.ports?.[service] ?? (opts.basePort === undefined ? 0 : opts.basePort + SERVICE_NAMES.indexOf(service));

  const started = await Promise.allSettled(
    selected.map((service) =>
      startService(service, {
        file: path.join(specDir, SERVICES[service].spec),
        host,
        port: portFor(service),
        dynamic: opts.dynamic ?? false,
        record,
        requests,
      }),
    ),
  );
  const servers = started.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const failure = started.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failure) {
    await Promise.allSettled(servers.map((s) => s.close()));
    throw failure.reason;
  }

  const urls: Record<string, string> = {};
  for (const s of servers) urls[s.service] = s.url;

  let closing: Promise<void> | undefined;
  return {
    urls,
    violations,
    requests,
    reset() {
      violations.length = 0;
      requests.length = 0;
    },
    close() {
      closing ??= Promise.all(servers.map((s) => s.close())).then(() => undefined);
      return closing;
    },
  };
}

interface StartServiceOptions {
  file: string;
  host: string;
  port: number;
  dynamic: boolean;
  record: (violation: Violation) => void;
  requests: RecordedRequest[];
}

async function startService(service: ServiceName, o: StartServiceOptions): Promise<ServiceServer> {
  let operations: HttpOperation[];
  try {
    operations = await getHttpOperationsFromSpec(o.file);
  } catch (error) {
    throw new Error(`mock-server: cannot load ${o.file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (operations.length === 0) throw new Error(`mock-server: no operations in ${o.file}`);

  /** mocked response object -> the request it answers (validateOutput only sees the response). */
  const requestOf = new WeakMap<IHttpResponse, IHttpRequest>();

  const recordDiagnostics = (
    side: "request" | "response",
    request: IHttpRequest | undefined,
    operation: HttpOperation,
    diagnostics: IPrismDiagnostic[],
  ): void => {
    for (const d of diagnostics) {
      o.record({
        service,
        method: (request?.method ?? operation.method).toUpperCase(),
        path: request?.url.path ?? operation.path,
        severity: severityName(d.severity),
        message: d.message,
        location: [side, ...(d.path ?? [])],
      });
    }
  };

  const components: PrismServerComponents = {
    logger: prismLogger(service).child({ name: "HTTP SERVER" }),
    route(args) {
      const result = route(args);
      if (result._tag === "Left") {
        o.record({
          service,
          method: args.input.method.toUpperCase(),
          path: args.input.url.path,
          severity: severityName(ERROR_SEVERITY),
          message: problemMessage(result.left),
          location: ["request"],
        });
      }
      return result;
    },
    validateSecurity(args) {
      const result = validateSecurity(args);
      if (result._tag === "Right") return { _tag: "Right", right: args.element }; // it returns its input
      recordDiagnostics("request", args.element, args.resource, result.left);
      return result;
    },
    validateInput(args) {
      const result = validateInput(args);
      if (result._tag === "Left") recordDiagnostics("request", args.element, args.resource, result.left);
      return result;
    },
    validateOutput(args) {
      const result = validateOutput(args);
      if (result._tag === "Left") recordDiagnostics("response", requestOf.get(args.element), args.resource, result.left);
      return result;
    },
    mock: (args) => (logger) => {
      const result = mock(args)(logger);
      if (result._tag === "Right") {
        requestOf.set(result.right, args.input.data);
      } else if (!args.input.validations.some((d) => d.severity === ERROR_SEVERITY)) {
        // A valid request Prism could not answer (e.g. `Prefer: code=` not in the document):
        // report it. Failures caused by request violations were recorded by the validators.
        o.record({
          service,
          method: args.input.data.method.toUpperCase(),
          path: args.input.data.url.path,
          severity: severityName(ERROR_SEVERITY),
          message: problemMessage(result.left),
          location: ["response"],
        });
      }
      return result;
    },
    // `forward` is left out: unused in mock mode, Prism's createInstance fills in its default.
  };

  const config: IHttpConfig = {
    isProxy: false,
    mock: o.dynamic ? { dynamic: true, seed: DYNAMIC_SEED } : { dynamic: false },
    checkSecurity: true,
    validateRequest: true,
    validateResponse: true,
    errors: true,
    upstreamProxy: undefined,
  };

  const prism = createPrismServer(operations, { components, config, cors: false });
  const internal = new URL(await prism.listen(0, "127.0.0.1"));
  try {
    return await startProxy(service, prism, Number(internal.port), o);
  } catch (error) {
    await prism.close();
    throw error;
  }
}

function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

function forwardableHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name.toLowerCase())) out[name] = value;
  }
  return out;
}

async function startProxy(
  service: ServiceName,
  prism: PrismServer,
  prismPort: number,
  o: StartServiceOptions,
): Promise<ServiceServer> {
  const agent = new Agent({ keepAlive: true });
  let publicBase = "";

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const entry: RecordedRequest = {
      service,
      method: req.method ?? "GET",
      url: publicBase + (req.url ?? "/"),
      headers: flattenHeaders(req.headers),
      body: "",
    };
    o.requests.push(entry);
    const chunks: Buffer[] = [];

    const upstream = httpRequest(
      {
        agent,
        host: "127.0.0.1",
        port: prismPort,
        method: entry.method,
        path: req.url ?? "/",
        headers: forwardableHeaders(req.headers),
      },
      (upRes) => {
        const headers = forwardableHeaders(upRes.headers);
        res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, headers);
        upRes.pipe(res);
        upRes.on("error", () => res.destroy());
      },
    );
    upstream.on("error", (error) => {
      if (!res.headersSent) {
        res.writeHead(502, { "content-type": "text/plain" });
        res.end(`mock-server proxy: ${error.message}\n`);
      } else {
        res.destroy();
      }
    });
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      entry.body = Buffer.concat(chunks).toString("utf8");
    });
    req.on("error", () => upstream.destroy());
    res.on("close", () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  };

  const server: Server = createHttpServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port, o.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo; // a TCP listener always yields AddressInfo
  // URLs must be dialable: a wildcard listen address is reached through loopback.
  const dialHost = o.host === "0.0.0.0" ? "127.0.0.1" : o.host === "::" ? "::1" : o.host;
  const urlHost = dialHost.includes(":") ? `[${dialHost}]` : dialHost;
  publicBase = `http://${urlHost}:${port}`;

  return {
    service,
    url: publicBase,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      agent.destroy();
      await prism.close();
    },
  };
}
