/**
 * One typed openapi-fetch client per ALTR service, all built the same way: HTTP Basic auth
 * (MAPI_KEY:MAPI_SECRET), the configured base URL, the retrying fetch, percent-encoded path
 * parameters, and a debug log line per request that names the operation, never its values.
 */
import createClient, { type Client, type Middleware } from "openapi-fetch";
import type { HttpPolicy } from "../config/index.js";
import { OPERATIONS, type OperationKey } from "../generated/operations.js";
import { GENERATED_SERVICES, type ServicePaths } from "../generated/services.js";
import type { Logger } from "../log/logger.js";
import { AltrError, altrMessageOf } from "./errors.js";
import { ATTEMPTS_HEADER, createAltrFetch, type FetchDeps } from "./http.js";
import { preloadUndici } from "./proxy.js";
import type { ServiceName } from "../config/services.js";
import { isReadOperation } from "./read-only.js";

/** One typed client per service that has a curated document in openapi/ (see generated/services.ts). */
export type AltrClients = { [S in keyof ServicePaths]: Client<ServicePaths[S]> };

export interface AltrClientOptions {
  mapiKey: string;
  mapiSecret: string;
  baseUrls: Record<ServiceName, string>;
  http: HttpPolicy;
  logger: Logger;
  deps?: FetchDeps;
  /**
   * ALTR_READ_ONLY: every operation that is not a read (a GET, or one of read-only.ts) is refused
   * here, before it leaves, whatever the tool table shows or hides.
   */
  readOnly?: boolean;
  /**
   * Sees every operation before it is sent and throws (an AltrError) to refuse it: the hook for a
   * session-wide rule such as a support-mode latch. Runs after the read-only check.
   */
  guard?: (operation: OutgoingOperation) => void;
}

/** An operation about to be sent, as the request guard sees it (never its parameter values). */
export interface OutgoingOperation {
  /** The curated operation's key; undefined only for a path no document declares. */
  key: OperationKey | undefined;
  service: ServiceName;
  method: string;
  /** The path template, e.g. /api/databases/{databaseId}. */
  path: string;
  /** A GET, or an operation listed in read-only.ts. */
  reads: boolean;
}

/** `service METHOD /path/template` → operation key, for the request guard. */
const OPERATION_BY_ROUTE = new Map<string, OperationKey>(
  (Object.entries(OPERATIONS) as [OperationKey, (typeof OPERATIONS)[OperationKey]][]).map(([key, info]) => [
    `${info.service} ${info.method} ${info.path}`,
    key,
  ]),
);

/** Refuses an operation before it leaves: read-only sessions, then the caller's guard. */
function checkOutgoing(opts: AltrClientOptions, service: ServiceName, method: string, path: string): void {
  const key = OPERATION_BY_ROUTE.get(`${service} ${method} ${path}`);
  const operation: OutgoingOperation = { key, service, method, path, reads: isReadOperation(key, method) };
  if (opts.readOnly && !operation.reads) {
    throw new AltrError({
      kind: "rejected",
      operation: `${method} ${path}`,
      detail: `Refused before sending ${method} ${path}: this session is read-only (ALTR_READ_ONLY=true) and ${key ?? "the operation"} is not a read. Nothing was sent to ALTR`,
      hint: "Unset ALTR_READ_ONLY to make changes.",
    });
  }
  opts.guard?.(operation);
}

/**
 * A path parameter the path builder refuses: a value that would leave its path segment (empty,
 * `.`, `..`, or any percent-encoded spelling of them — URL parsing and servers turn `%2e` into a
 * dot) or that cannot be encoded (a lone surrogate). Nothing has been sent when it is thrown;
 * defineTool turns it into the tool's invalid_input naming the argument that carried the value.
 */
export class PathParamError extends Error {
  constructor(
    /** The path parameter's name in the curated document, e.g. `ruleId`. */
    readonly param: string,
    /** The value as the handler passed it. */
    readonly value: string,
    readonly reason: string,
  ) {
    super(`path parameter ${param} ${reason}`);
    this.name = "PathParamError";
  }
}

/** Empty, `.` or `..`: a segment that removes itself or its parent once the URL is resolved. */
const DOT_SEGMENT = /^\.{0,2}$/;

/** Decodes the ASCII percent-escapes of `text` one level, leaving malformed or non-ASCII ones as they are. */
function decodeAsciiEscapes(text: string): string {
  return text.replace(/%([0-9a-fA-F]{2})/g, (escape, hex: string) => {
    const code = parseInt(hex, 16);
    return code < 0x80 ? String.fromCharCode(code) : escape;
  });
}

/**
 * Percent-encodes one path parameter exactly once (an already-encoded id is decoded first), and
 * refuses a value that is, or decodes at any depth to, an empty, `.` or `..` segment. A `/`
 * inside a value stays encoded (`%2F`), so a value is always exactly one segment.
 */
export function encodePathSegment(value: unknown, param = "id"): string {
  const raw = String(value);
  // Only ASCII escapes can spell a dot, so decoding those, level by level, finds every spelling
  // (`%2e`, `%2E`, `%252e`, …) even inside a value that is not valid percent-encoding as a whole.
  let stage = raw;
  for (let depth = 0; depth < 16; depth++) {
    if (DOT_SEGMENT.test(stage)) {
      const what = raw === "" ? "is empty" : `is a dot segment (${JSON.stringify(raw)})`;
      throw new PathParamError(param, raw, `${what}: it would address another resource than the one named`);
    }
    const next = decodeAsciiEscapes(stage);
    if (next === stage) break;
    stage = next;
  }
  let decoded = raw;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    decoded = raw;
  }
  try {
    return encodeURIComponent(decoded);
  } catch {
    throw new PathParamError(param, raw, "is not valid Unicode text (it contains a lone surrogate)");
  }
}

export function pathSerializer(pathname: string, params: Record<string, unknown>): string {
  return pathname.replace(/\{([^}]+)\}/g, (match, name: string) => {
    const value = params?.[name];
    return value === undefined || value === null ? match : encodePathSegment(value, name);
  });
}

/** The Basic credential sent to ALTR; it is a secret exactly as MAPI_SECRET is. */
export function basicCredential(mapiKey: string, mapiSecret: string): string {
  return Buffer.from(`${mapiKey}:${mapiSecret}`).toString("base64");
}

/** When undici is loaded in the background after the clients are made (see createAltrClients). */
const PRELOAD_AFTER_MS = 1000;

/** What the error mapper knows about a response: which operation produced it. */
const operationOf = new WeakMap<Response, string>();

export function createAltrClients(opts: AltrClientOptions): AltrClients {
  const log = opts.logger;
  const fetch = createAltrFetch(opts.http, {
    ...opts.deps,
    onRetry: (info) => {
      log.warn({ method: info.method, attempt: info.attempt, delayMs: info.delayMs, reason: info.reason }, "retrying ALTR request");
      opts.deps?.onRetry?.(info);
    },
  });
  // ALTR requests go over undici (http.ts), loaded on first use: a second after start-up (after
  // the first tools/list of a cold start) it is loaded in the background instead, so the first
  // call does not wait for it. Not with an injected fetch (tests, the sandbox).
  if (!opts.deps?.fetch) setTimeout(() => void preloadUndici(), PRELOAD_AFTER_MS).unref();
  const authorization = `Basic ${basicCredential(opts.mapiKey, opts.mapiSecret)}`;
  const started = new WeakMap<Request, number>();

  const middleware = (service: ServiceName): Middleware => ({
    onRequest({ request, schemaPath }) {
      checkOutgoing(opts, service, request.method, schemaPath);
      request.headers.set("authorization", authorization);
      request.headers.set("accept", "application/json");
      started.set(request, performance.now());
      log.debug({ service, method: request.method, path: schemaPath }, "ALTR request");
      return request;
    },
    onResponse({ request, response, schemaPath }) {
      const operation = `${request.method} ${schemaPath}`;
      operationOf.set(response, operation);
      const t0 = started.get(request);
      log.debug(
        {
          service,
          operation,
          status: response.status,
          attempts: Number(response.headers.get(ATTEMPTS_HEADER) ?? 1),
          ms: t0 === undefined ? undefined : Math.round(performance.now() - t0),
        },
        "ALTR response",
      );
      return response;
    },
    onError({ request, schemaPath, error }) {
      return error instanceof AltrError ? error.withOperation(`${request.method} ${schemaPath}`) : undefined;
    },
  });

  const clients: Partial<Record<ServiceName, Client<{}>>> = {};
  for (const service of GENERATED_SERVICES) {
    const client = createClient<{}>({ baseUrl: opts.baseUrls[service], fetch, pathSerializer });
    client.use(middleware(service));
    clients[service] = client;
  }
  // Every generated service got a client built the same way; the path types differ per service
  // only at compile time, which is what the mapped type expresses.
  return clients as AltrClients;
}

type FetchResult = { data?: unknown; error?: unknown; response: Response };

/**
 * Awaits an openapi-fetch call and returns its success body, or throws the AltrError that
 * describes the failure (HTTP status, ALTR's message, attempts, fix hint).
 */
export async function ok<R extends FetchResult>(call: Promise<R>): Promise<Exclude<R["data"], undefined>> {
  let result: R;
  try {
    result = await call;
  } catch (err) {
    if (err instanceof AltrError) throw err;
    if (err instanceof SyntaxError) {
      throw new AltrError({ kind: "invalid_response", detail: "the body is not valid JSON" });
    }
    throw err;
  }
  const { response } = result;
  if (!response.ok) {
    throw new AltrError({
      kind: "http",
      status: response.status,
      statusText: response.statusText,
      operation: operationOf.get(response),
      altrMessage: altrMessageOf(result.error),
      body: result.error,
      attempts: Number(response.headers.get(ATTEMPTS_HEADER) ?? 1),
    });
  }
  return result.data as Exclude<R["data"], undefined>;
}

/**
 * `ok()` that also gives the success status, for operations whose 2xx code carries meaning
 * (e.g. 202 = an asynchronous search is still running). Failures are thrown exactly as by ok().
 */
export async function okWithStatus<R extends FetchResult>(
  call: Promise<R>,
): Promise<{ data: Exclude<R["data"], undefined> | undefined; status: number }> {
  let status = 0;
  const data = await ok(
    call.then((result) => {
      status = result.response.status;
      return result;
    }),
  );
  return { data, status };
}
