/**
 * The one error type of the ALTR client layer. Every failure of a call to ALTR — an HTTP error
 * status, a timeout, a connection failure, a cancelled call, a body that is not what ALTR
 * promised — becomes an AltrError whose message says what happened and what to do about it.
 */
export type AltrErrorKind = "http" | "timeout" | "network" | "cancelled" | "invalid_response" | "rejected";

export interface AltrErrorInit {
  kind: AltrErrorKind;
  /** "GET /api/databases/{databaseId}" — the operation, never a URL with values in it. */
  operation?: string;
  status?: number;
  statusText?: string;
  altrMessage?: string;
  attempts?: number;
  detail?: string;
  /** A network failure after ALTR had the request (the answer was lost): it may have been applied. */
  afterSend?: boolean;
  /** A fix hint that replaces the kind's default (e.g. for a call refused before sending). */
  hint?: string;
  /**
   * The error body as received. Only read (by altrErrorBody) to tell whether ALTR itself wrote
   * it; never kept, logged or shown (ALTR's message reaches the caller through altrMessage).
   */
  body?: unknown;
  /** Set from `body` by the constructor: the body is one of ALTR's documented error bodies. */
  fromAltr?: boolean;
}

/** Fix hints, after the troubleshooting table of the original server's README (our words). */
export const STATUS_HINTS: Record<number, string> = {
  400: "ALTR rejected the request as invalid; check the parameter values against the tool's description.",
  401: "Invalid credentials: check MAPI_KEY and MAPI_SECRET (ALTR console → Settings → Preferences → API) and that ORG_ID is the organisation the key belongs to.",
  403: "The endpoint exists but this organisation or key may not use it — usually an ALTR feature that is not enabled for the organisation; ask ALTR support to enable it, or use a key with the needed permissions.",
  404: "Not found: check the id or name you gave — list the resources first (e.g. get_databases, get_policies) and use a value from the list.",
  409: "Conflict: the resource already exists or is being changed; list it to see its current state before retrying.",
  429: "Rate limited: the server already retried with backoff; wait a minute and make fewer calls.",
};

const LOST_ANSWER_HINT =
  "ALTR received the request but the answer was lost. For a change, check whether it was applied (list or get the resource) before repeating it.";

const KIND_HINTS: Record<Exclude<AltrErrorKind, "http">, string> = {
  timeout: "ALTR did not answer in time (ALTR_TIMEOUT_SECONDS). Check that the action did not happen before repeating a change.",
  network: "Could not reach ALTR: check the network, proxy settings and the ALTR_*_BASE_URL variables.",
  cancelled: "The call was cancelled by the client.",
  invalid_response: "ALTR answered with a body altr-mcp could not read; try again, and report it if it persists.",
  rejected: "ALTR answered but reported that the operation failed (its message says why). For a change, list or get the resource before repeating it.",
};

export class AltrError extends Error {
  readonly kind: AltrErrorKind;
  readonly status: number | undefined;
  readonly altrMessage: string | undefined;
  readonly attempts: number;
  readonly hint: string | undefined;
  readonly operation: string | undefined;
  /**
   * The error body is one of ALTR's documented error bodies, whose own status (where it states
   * one) is the HTTP status (see altrErrorBody). False for a page or JSON from something else
   * answering at the base URL (a proxy, a wrong ALTR_*_BASE_URL, a gateway's own 404).
   */
  readonly fromAltr: boolean;
  private readonly init: AltrErrorInit;

  constructor(init: AltrErrorInit) {
    const attempts = init.attempts ?? 1;
    const hint = init.hint ??
      (init.kind === "http"
        ? retriedDeleteHint(init, attempts) ?? existsHint(init) ?? STATUS_HINTS[init.status ?? 0] ?? serverHint(init.status)
        : init.kind === "network" && init.afterSend
          ? LOST_ANSWER_HINT
          : KIND_HINTS[init.kind]);
    super(describe(init, attempts, hint));
    this.name = "AltrError";
    this.kind = init.kind;
    this.status = init.status;
    this.altrMessage = init.altrMessage;
    this.attempts = attempts;
    this.hint = hint;
    this.operation = init.operation;
    this.fromAltr = init.fromAltr ?? altrErrorBody(init.body, init.status);
    // The body itself is not kept: only what was judged from it.
    const { body: _body, ...rest } = init;
    this.init = { ...rest, fromAltr: this.fromAltr };
  }

  /** The same error, naming the operation it happened in. */
  withOperation(operation: string): AltrError {
    return this.operation ? this : new AltrError({ ...this.init, operation });
  }

  /** The same error with another hint (what the caller should do, as the tool knows it better). */
  withHint(hint: string): AltrError {
    return new AltrError({ ...this.init, hint });
  }

  /** The same error with ALTR's message rewritten (e.g. wire keys mapped back to the caller's names). */
  withAltrMessage(rewrite: (message: string) => string): AltrError {
    return this.altrMessage === undefined ? this : new AltrError({ ...this.init, altrMessage: rewrite(this.altrMessage) });
  }
}

/**
 * A DELETE is retried after a timeout or a gateway error (it is idempotent), so a 404 on a later
 * attempt can mean the first one did delete it and only its answer was lost.
 */
function retriedDeleteHint(init: AltrErrorInit, attempts: number): string | undefined {
  if (init.status !== 404 || attempts < 2 || !init.operation?.startsWith("DELETE ")) return undefined;
  return "Not found on a repeated attempt: an earlier attempt whose answer was lost may already have deleted it. List the resources to check before reporting a failure.";
}

/**
 * A create refused because the object exists (400 or 409 whose message says so): say so and
 * name the tools that read and change it, instead of the generic "invalid request" hint.
 */
function existsHint(init: AltrErrorInit): string | undefined {
  if ((init.status !== 400 && init.status !== 409) || !init.operation?.startsWith("POST ") || !/\bexist/i.test(init.altrMessage ?? "")) return undefined;
  if (/\/policy$/.test(init.operation)) return "It exists already: use get_policies to see the policy and add_rules to change its rules, instead of creating it again.";
  return "It exists already: list or get it to see its current state, and use the matching update or add tool instead of creating it again.";
}

function serverHint(status: number | undefined): string | undefined {
  if (status !== undefined && status >= 500) {
    return "ALTR had an internal problem. For reads, try again shortly; for changes, list the resource first to see whether the change was applied.";
  }
  return undefined;
}

function describe(init: AltrErrorInit, attempts: number, hint: string | undefined): string {
  // The operation names the path template; its unfilled parameters are shown as "…" (the values
  // are left out on purpose: they may be sensitive, and the caller knows what it passed).
  const where = init.operation ? ` (${init.operation.replace(/\{[^}/]*\}/g, "…")})` : "";
  const tries = attempts > 1 ? ` after ${attempts} attempts` : "";
  let head: string;
  switch (init.kind) {
    case "http":
      head = `ALTR API returned HTTP ${init.status}${init.statusText ? ` ${init.statusText}` : ""}${where}${tries}`;
      break;
    case "timeout":
      head = `ALTR API request timed out${where}${tries}`;
      break;
    case "network":
      head = init.afterSend
        ? `Lost the connection to the ALTR API while reading its answer${where}${tries}${init.detail ? `: ${init.detail}` : ""}`
        : `Could not connect to the ALTR API${where}${tries}${init.detail ? `: ${init.detail}` : ""}`;
      break;
    case "cancelled":
      head = `ALTR API request cancelled${where}`;
      break;
    case "invalid_response":
      head = `ALTR API returned an unreadable response${where}${init.detail ? `: ${init.detail}` : ""}`;
      break;
    case "rejected":
      head = init.detail ?? `ALTR reported that the operation failed${where}`;
      break;
  }
  const msg = init.altrMessage ? `: ${init.altrMessage}` : "";
  return `${head}${msg}.${hint ? ` ${hint}` : ""}`;
}

/** Top-level keys of ALTR's documented error bodies (every service's, see altrErrorBody). */
const ERROR_BODY_KEYS = new Set(["success", "data", "message", "statusCode", "date", "response", "error", "errorCode"]);

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * Whether `body` is one of the error bodies ALTR's services document (openapi/*.yaml), with the
 * status it states (if any) equal to `status`:
 * - `{message, statusCode, date}` (unified policy API);
 * - `{success: false, data: {message, statusCode, date, context}}` (altrnet);
 * - `{statusCode, response: {error_code, message}}` (sc-control, classification, audit reports)
 *   and `{error: {error_code, message}}` (sidecar telemetry);
 * - `{errorCode, message}` (tag values) and `{error: "text"}` (tag masking, query audits),
 *   the latter stating no status.
 * Any other top-level key (Spring's `timestamp`/`path`, …), a text or HTML page, an empty body, or
 * a body that states only a bare `message` (what API gateways answer for an unknown route) is
 * not ALTR's: a 404 with it says nothing about whether the object exists.
 */
export function altrErrorBody(body: unknown, status: number | undefined): boolean {
  if (!isRecord(body) || Object.keys(body).length === 0) return false;
  if (!Object.keys(body).every((k) => ERROR_BODY_KEYS.has(k))) return false;
  const stated: unknown[] = [];
  if ("statusCode" in body) stated.push(body.statusCode);
  if ("errorCode" in body) stated.push(body.errorCode);
  if (isRecord(body.data)) {
    if (body.success !== false) return false;
    if ("statusCode" in body.data) stated.push(body.data.statusCode);
  }
  for (const inner of [body.response, body.error]) if (isRecord(inner) && "error_code" in inner) stated.push(inner.error_code);
  if (stated.length > 0) return stated.every((s) => s === status);
  // No status stated: only the `{error: "text"}` body of the tag-masking and query-audit services.
  return typeof body.error === "string" && Object.keys(body).length === 1;
}

/**
 * ALTR's own message from an error body. altrnet answers `{success:false, data:{message}}`;
 * the audit-report and sc-control services `{statusCode, response:{message}}`; others use `message`,
 * `error`, `detail` or `errors[]`.
 */
export function altrMessageOf(body: unknown): string | undefined {
  if (typeof body === "string") {
    const t = body.trim();
    return t && t.length <= 500 && !t.startsWith("<") ? t : undefined;
  }
  if (body === null || typeof body !== "object") return undefined;
  const o = body as Record<string, unknown>;
  for (const key of ["message", "detail", "error_description", "title"]) {
    const v = o[key];
    if (typeof v === "string" && v.trim()) return v.trim();
  }
  for (const key of ["data", "error", "response"]) {
    const v = o[key];
    if (typeof v === "string" && v.trim()) return v.trim();
    if (v && typeof v === "object") {
      const inner = altrMessageOf(v);
      if (inner) return inner;
    }
  }
  const errors = o.errors;
  if (Array.isArray(errors)) {
    const msgs = errors.map((e) => altrMessageOf(e)).filter((m): m is string => Boolean(m));
    if (msgs.length) return msgs.slice(0, 5).join("; ");
  }
  return undefined;
}
