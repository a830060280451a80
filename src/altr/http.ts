/**
 * The fetch every ALTR client uses: per-attempt timeout, cancellation, bounded body size and
 * retries that never duplicate a write.
 *
 * Retry rules:
 * - GET, HEAD, PUT, DELETE (idempotent): on 429, 502, 503, 504, timeouts and connection errors.
 * - POST, PATCH: only on 429 (ALTR refused before doing anything) and on connection failures
 *   that happened before the request left this process (refused, DNS, connect timeout).
 * Waits grow exponentially with full jitter; Retry-After (seconds or HTTP date) is honoured and
 * capped at maxDelayMs. Waiting is a timer, never a busy loop, and a cancel ends it at once.
 */
import type { HttpPolicy } from "../config/index.js";
import { AltrError } from "./errors.js";
import { undiciFor } from "./proxy.js";

export const ATTEMPTS_HEADER = "x-altr-mcp-attempts";

const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE"]);
const RETRY_STATUS_IDEMPOTENT = new Set([429, 502, 503, 504]);
/** Connection errors that prove the request never reached the server. */
const NOT_SENT_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
]);

export interface FetchDeps {
  fetch?: typeof globalThis.fetch;
  random?: () => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Called before each retry wait, for logging. */
  onRetry?: (info: { method: string; attempt: number; delayMs: number; reason: string }) => void;
}

class TimeoutSignal extends Error {}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const date = Date.parse(v);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

function errorCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let i = 0; i < 4 && e && typeof e === "object"; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** One answer as an attempt reads it, whichever client sent the request. */
interface Answer {
  status: number;
  statusText: string;
  header(name: string): string | null;
  /** The headers for the Response handed to openapi-fetch, with the attempts header added. */
  responseHeaders(attempts: number): Headers | [string, string][];
  body: AsyncIterable<Uint8Array> | null;
  /** Reads and drops a small body (the connection stays usable); throws on a transport error. */
  drain(): Promise<void>;
  /** Stops a body that is not wanted (too large): its connection is closed. */
  abandon(): void;
}

interface Outgoing {
  method: string;
  headers: Headers;
  body: Uint8Array | undefined;
  signal: AbortSignal;
}

type Send = (url: string, req: Outgoing) => Promise<Answer>;

/**
 * The default client: undici's request() (the npm package, bundled; through a ProxyAgent when a
 * proxy applies, proxy.ts). Profiled at 32 sessions, fetch() built a second Request, a fetch
 * controller and a web ReadableStream per ALTR call — the largest share of the server's
 * allocations per tool call; request() answers with a node stream and plain header objects.
 */
const sendWithUndici: Send = async (url, req) => {
  const { request, dispatcher } = await undiciFor(url);
  const headers: Record<string, string> = {};
  req.headers.forEach((value, key) => {
    headers[key] = value;
  });
  const res = await request(url, { method: req.method as "GET", headers, body: req.body ?? null, signal: req.signal, dispatcher });
  const raw = res.headers;
  return {
    status: res.statusCode,
    statusText: res.statusText,
    header: (name) => {
      const v = raw[name];
      return v === undefined ? null : Array.isArray(v) ? v.join(", ") : v;
    },
    responseHeaders: (attempts) => {
      const pairs: [string, string][] = [];
      for (const [k, v] of Object.entries(raw)) {
        if (Array.isArray(v)) for (const one of v) pairs.push([k, one]);
        else if (v !== undefined) pairs.push([k, v]);
      }
      pairs.push([ATTEMPTS_HEADER, String(attempts)]);
      return pairs;
    },
    body: res.body,
    drain: () => res.body.dump(),
    abandon: () => void res.body.destroy(),
  };
};

/** An injected fetch (tests, the sandbox, a request observer) behind the same interface. */
function sendWithFetch(doFetch: typeof globalThis.fetch): Send {
  return async (url, req) => {
    const res = await doFetch(url, { method: req.method, headers: req.headers, body: req.body ?? null, signal: req.signal, redirect: "manual" });
    return {
      status: res.status,
      statusText: res.statusText,
      header: (name) => res.headers.get(name),
      responseHeaders: (attempts) => {
        const headers = new Headers(res.headers);
        headers.set(ATTEMPTS_HEADER, String(attempts));
        return headers;
      },
      body: res.body,
      drain: async () => {
        await res.body?.cancel();
      },
      abandon: () => void res.body?.cancel().catch(() => undefined),
    };
  };
}

async function readCapped(res: Answer, max: number): Promise<Uint8Array> {
  const declared = Number(res.header("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > max) {
    res.abandon();
    throw new AltrError({ kind: "invalid_response", detail: `body of ${declared} bytes exceeds the ${max}-byte limit` });
  }
  if (!res.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const value of res.body) {
    size += value.byteLength;
    if (size > max) {
      res.abandon();
      throw new AltrError({ kind: "invalid_response", detail: `body exceeds the ${max}-byte limit` });
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

export function createAltrFetch(policy: HttpPolicy, deps: FetchDeps = {}): (req: Request) => Promise<Response> {
  // HTTPS_PROXY / HTTP_PROXY / NO_PROXY are honoured (proxy.ts) unless a fetch is injected.
  const send = deps.fetch ? sendWithFetch(deps.fetch) : sendWithUndici;
  const random = deps.random ?? Math.random;
  const wait = deps.sleep ?? sleep;

  const backoff = (attempt: number): number =>
    Math.min(policy.maxDelayMs, Math.round(policy.baseDelayMs * 2 ** (attempt - 1) * random()));

  type Outcome = { response: Response } | { retry: string; delayMs?: number };

  /** One attempt: a final response, or the reason it may be repeated. Throws AltrError when final. */
  async function attemptOnce(
    request: Request,
    body: Uint8Array | undefined,
    attempt: number,
    canRetry: boolean,
  ): Promise<Outcome> {
    const method = request.method.toUpperCase();
    const idempotent = IDEMPOTENT.has(method);
    const callerSignal = request.signal;
    // One controller per attempt, aborted by its timer or by the caller (no AbortSignal.any: it
    // cost a signal, a weak set and a listener per attempt).
    const abort = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      abort.abort(new TimeoutSignal("timeout"));
    }, policy.timeoutMs);
    const onCancel = () => abort.abort(callerSignal.reason);
    callerSignal.addEventListener("abort", onCancel, { once: true });
    try {
      let res: Answer;
      try {
        res = await send(request.url, { method, headers: request.headers, body, signal: abort.signal });
      } catch (err) {
        if (callerSignal.aborted) throw new AltrError({ kind: "cancelled", attempts: attempt });
        if (timedOut) {
          // A write that timed out may have been applied: only reads are repeated.
          if (idempotent && canRetry) return { retry: "timeout" };
          throw new AltrError({ kind: "timeout", attempts: attempt });
        }
        const code = errorCode(err);
        if (canRetry && (idempotent || (code !== undefined && NOT_SENT_CODES.has(code)))) {
          return { retry: code ?? "connection error" };
        }
        throw new AltrError({ kind: "network", attempts: attempt, detail: code ?? "connection failed" });
      }
      const status = res.status;
      if (canRetry && (status === 429 || (idempotent && RETRY_STATUS_IDEMPOTENT.has(status)))) {
        await res.drain().catch(() => undefined);
        return { retry: `HTTP ${status}`, delayMs: parseRetryAfter(res.header("retry-after")) };
      }
      let bytes: Uint8Array;
      try {
        bytes = await readCapped(res, policy.maxResponseBytes);
      } catch (err) {
        if (err instanceof AltrError) throw err;
        if (callerSignal.aborted) throw new AltrError({ kind: "cancelled", attempts: attempt });
        if (timedOut) throw new AltrError({ kind: "timeout", attempts: attempt });
        throw new AltrError({
          kind: "network",
          attempts: attempt,
          // The request was delivered and answered: say so, a bare socket code reads like "never connected".
          detail: errorCode(err) ?? "connection closed",
          afterSend: true,
        });
      }
      const nullBody = status === 204 || status === 205 || status === 304;
      return { response: new Response(nullBody ? null : bytes, { status, statusText: res.statusText, headers: res.responseHeaders(attempt) }) };
    } finally {
      clearTimeout(timer);
      callerSignal.removeEventListener("abort", onCancel);
    }
  }

  return async function altrFetch(request: Request): Promise<Response> {
    // The body is read once so that every attempt sends the same bytes.
    const body = request.body ? new Uint8Array(await request.arrayBuffer()) : undefined;
    const maxAttempts = Math.max(1, policy.maxAttempts);
    for (let attempt = 1; ; attempt++) {
      if (request.signal.aborted) throw new AltrError({ kind: "cancelled", attempts: attempt });
      const outcome = await attemptOnce(request, body, attempt, attempt < maxAttempts);
      if ("response" in outcome) return outcome.response;
      const delay = Math.min(policy.maxDelayMs, outcome.delayMs ?? backoff(attempt));
      deps.onRetry?.({ method: request.method, attempt, delayMs: delay, reason: outcome.retry });
      try {
        await wait(delay, request.signal);
      } catch {
        throw new AltrError({ kind: "cancelled", attempts: attempt });
      }
    }
  };
}
