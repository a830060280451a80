/**
 * The one result shape: `{success, data, error}`, sent as JSON text and, on success, also as
 * structuredContent. Failures are `isError: true` with `success: false` and an error object
 * whose `message` is complete on its own (status, ALTR's message, the fix).
 *
 * Every result is bounded: the whole CallToolResult as sent (text and structuredContent, which
 * carry the envelope twice) is at most ALTR_MAX_RESULT_BYTES. A larger one is cut at an item
 * boundary of the largest list in `data`, and the envelope says so: `truncated: true` and
 * `truncation` {path, items_returned, items_omitted, continue_with | narrow_with, message}.
 */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { AltrError } from "../altr/errors.js";
import { scrub, scrubDeep, secretPattern } from "../log/redact.js";
import type { JsonSchema } from "../schema/json-schema.js";
import { advertisedData, STORAGE_KEYS } from "./advertise.js";
import { InputError, ToolFailure, type ErrorKind } from "../tools/define.js";

export interface ToolError {
  kind: ErrorKind;
  message: string;
  status?: number;
  altr_message?: string;
  hint?: string;
  attempts?: number;
  fields?: string[];
}

export interface Envelope {
  success: boolean;
  data: unknown;
  error: ToolError | null;
  /** Present (true) only when the result was cut to ALTR_MAX_RESULT_BYTES. */
  truncated?: true;
  truncation?: Truncation;
}

/** What a cut result left out, and how to get it. */
export interface Truncation {
  /** Where the cut list is, e.g. `data.roles` (`data` when no list could be cut). */
  path: string;
  items_returned: number;
  items_omitted: number;
  /** Arguments to add to the same call to fetch the rest (offset tools). */
  continue_with?: Record<string, unknown>;
  /** Parameters that narrow the answer, when the tool has no way to continue mid-answer. */
  narrow_with?: string[];
  message: string;
}

/** ALTR_MAX_RESULT_BYTES default: 256 KiB, more than an assistant can use in one answer. */
export const DEFAULT_MAX_RESULT_BYTES = 262_144;

/** What bounding needs to know about the call: the limit, and the tool's paging parameters. */
export interface Bound {
  maxBytes: number;
  /** The call's validated-or-raw arguments (for `offset`). */
  args?: unknown;
  /** The tool's top-level parameter names. */
  params?: readonly string[];
}

/**
 * outputSchema of a tool: the SUCCESS envelope only. Error results carry the envelope as text
 * and no structuredContent (a client validates structuredContent whenever it is present, error
 * or not, and accepts none on `isError`), so the error object is described once in the server
 * instructions instead of in every tool.
 *
 * `data` is advertised as its JSON type plus a compact signature of the curated shape (see
 * outputSignature): every documented field is named, nothing more is enforced, because the
 * curated spec approximates the live API and a difference (an extra field, a null) must never
 * turn a successful ALTR call into a failed tool call. Tests hold our own results to the full
 * curated schema (the tool's `output`). `truncated`/`truncation` (see bounded) are listed here
 * and their shape is in the server instructions, once. `error` is not listed: on a success it is
 * always null (the instructions say so), and 24 bytes in each of 157 tools buy the model nothing.
 */
export function outputSchemaFor(data: JsonSchema): JsonSchema {
  return {
    type: "object",
    properties: {
      success: { const: true },
      data: advertisedData(data),
      truncated: { const: true },
      truncation: { type: "object" },
    },
  };
}


/**
 * Invisible and direction-changing characters: Unicode Cc (controls) except tab, newline and
 * carriage return, and Cf (format: zero-width U+200B–U+200F, bidi embeddings and overrides
 * U+202A–U+202E and isolates U+2066–U+2069, U+FEFF, tag characters U+E0000–U+E007F, …).
 * Text from customer systems can hide instructions or reorder what a reader sees with them.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}]/gu;

/** A string without invisible/bidi control characters (tab, newline, CR kept). */
export function clean(text: string): string {
  return text.replace(INVISIBLE, (c) => (c === "\t" || c === "\n" || c === "\r" ? c : ""));
}

/**
 * Every string of a value (object keys too) cleaned: tool results carry customer text
 * (findings, audit rows, tag and column names, comments) that is returned as data only.
 */
export function sanitize(value: unknown): unknown {
  if (typeof value === "string") return clean(value);
  if (Array.isArray(value)) return value.map(sanitize);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[clean(k)] = sanitize(v);
    return out;
  }
  return value;
}

/**
 * Fields that the curated documents (openapi/*.yaml) describe as epoch (Unix) milliseconds: each
 * gets its ISO 8601 UTC form beside it (`event_time` → `event_time_iso`).
 * tests/readable-results.test.ts checks this list against the documents, both ways.
 */
export const EPOCH_MS_FIELDS: ReadonlySet<string> = new Set(["agent_time", "checkin_time", "event_time", "timestamp"]);


/** Epoch-millisecond values accepted: 1973-03-03 … 5138-11-16 (a smaller number is taken as seconds). */
const MS_MIN = 1e11;
const MS_MAX = 1e14;
/** Epoch seconds accepted when a documented millisecond field carries seconds: from 2001-09-09 (up to MS_MIN). */
const S_MIN = 1e9;

/**
 * The ISO 8601 UTC form of an epoch time, or undefined when `value` is not one: a finite integer
 * (or a string of digits) in milliseconds, or in seconds when it is too small to be milliseconds
 * of any ALTR event (before 1973) but a plausible seconds value (after 2001). Negative, zero,
 * fractional, NaN, huge (1e20) or non-numeric values get no ISO form.
 */
export function isoOf(value: unknown): string | undefined {
  const n = typeof value === "number" ? value : typeof value === "string" && /^\d{1,16}$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n <= 0) return undefined;
  const ms = n >= MS_MIN && n < MS_MAX ? n : n >= S_MIN && n < MS_MIN ? n * 1000 : undefined;
  return ms === undefined ? undefined : new Date(ms).toISOString();
}

/**
 * Result shaping, the one place for it: every documented epoch-ms field gets `<field>_iso` right
 * after it (unless ALTR already sent one), and ALTR's storage keys (PK, SK) are dropped, at any
 * depth. A map's entries (e.g. rules keyed by id) are shaped like any object.
 */
export function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shape);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  const source = value as Record<string, unknown>;
  for (const [k, v] of Object.entries(source)) {
    if (STORAGE_KEYS.has(k)) continue;
    out[k] = shape(v);
    if (EPOCH_MS_FIELDS.has(k) && !Object.hasOwn(source, `${k}_iso`)) {
      const iso = isoOf(v);
      if (iso !== undefined) out[`${k}_iso`] = iso;
    }
  }
  return out;
}

/**
 * `verbatim`: the tool declared that its data must not be altered (see ToolSpec.verbatimOutput).
 * `scrub`: the secrets (every derived form, see log/redact.ts) to take out of the data.
 * `shape: false`: data keyed by the caller's own labels (tokenization), left as it is by shape().
 */
export function successResult(data: unknown, opts: { verbatim?: boolean; bound?: Bound; scrub?: RegExp; shape?: boolean } = {}): CallToolResult {
  const shaped = opts.shape === false ? (data ?? null) : shape(data ?? null);
  const cleaned = opts.verbatim ? (data ?? null) : sanitize(shaped);
  const envelope: Envelope = { success: true, data: scrubDeep(cleaned, opts.scrub), error: null };
  return bounded(envelope, false, opts.bound);
}

/** Longest error text kept (ALTR's message can be a whole page). */
const MAX_ERROR_TEXT = 4_000;
const capText = (t: string): string => (t.length > MAX_ERROR_TEXT ? `${t.slice(0, MAX_ERROR_TEXT)}… (cut)` : t);

/** Maps any thrown value to the error envelope; secrets are scrubbed from every text. */
export function errorResult(err: unknown, secrets: Iterable<string> | RegExp | undefined, bound?: Bound): CallToolResult {
  const error = toToolError(err);
  const pattern = secrets instanceof RegExp || secrets === undefined ? secrets : secretPattern(secrets);
  const scrubbed = sanitize({ ...error, message: capText(scrub(error.message, pattern)) }) as ToolError;
  if (error.altr_message !== undefined) scrubbed.altr_message = clean(capText(scrub(error.altr_message, pattern)));
  const data = err instanceof ToolFailure ? scrubDeep(sanitize(err.data), pattern) : null;
  const envelope: Envelope = { success: false, data, error: scrubbed };
  return bounded(envelope, true, bound);
}

function toResult(envelope: Envelope, isError: boolean): CallToolResult {
  const text: CallToolResult["content"] = [{ type: "text", text: JSON.stringify(envelope) }];
  // An error carries the envelope as text only: outputSchema describes the success envelope.
  return isError ? { isError: true, content: text } : { content: text, structuredContent: { ...envelope } };
}

/** UTF-8 bytes of the result as the transport serialises it. */
export function resultBytes(result: CallToolResult): number {
  return Buffer.byteLength(JSON.stringify(result), "utf8");
}

type Key = string | number;

/** A list, or an object used as a map (label → value), that can be cut at an item boundary. */
interface Collection {
  path: Key[];
  /** List items, or a map's [key, value] entries. */
  items: unknown[];
  /** The collection with only its first `kept` items. */
  rebuild(kept: number): unknown;
  size: number;
}

/** Fewest entries for an object to count as a map that may be cut (records are not cut). */
const MAP_MIN_ENTRIES = 16;

/**
 * The largest list (kind "list") or map (kind "map", an object of MAP_MIN_ENTRIES or more
 * entries) in `value`, by serialised length; never looking inside list items.
 */
function largest(value: unknown, kind: "list" | "map", path: Key[] = []): Collection | undefined {
  if (Array.isArray(value)) {
    return kind === "list" ? { path, items: value, rebuild: (k) => value.slice(0, k), size: JSON.stringify(value)?.length ?? 0 } : undefined;
  }
  if (value === null || typeof value !== "object") return undefined;
  const entries = Object.entries(value);
  let best: Collection | undefined =
    kind === "map" && entries.length >= MAP_MIN_ENTRIES
      ? { path, items: entries, rebuild: (k) => Object.fromEntries(entries.slice(0, k)), size: JSON.stringify(value)?.length ?? 0 }
      : undefined;
  for (const [k, v] of entries) {
    const found = largest(v, kind, [...path, k]);
    if (found && (!best || found.size > best.size)) best = found;
  }
  return best;
}

/** `root` with the value at `path` replaced (objects along the path copied, nothing mutated). */
function replaceAt(root: unknown, path: readonly Key[], value: unknown, sibling?: [string, unknown]): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  const copy = { ...(root as Record<string, unknown>) };
  copy[String(head)] = replaceAt(copy[String(head)], rest, value, sibling);
  if (rest.length === 0 && sibling && Object.hasOwn(copy, sibling[0])) copy[sibling[0]] = sibling[1];
  return copy;
}

const CURSOR_NAMES = new Set(["offset", "cursor", "page_token", "next_page_token", "contiguous_id", "exclusive_start_key", "start_key"]);

/**
 * The result of `envelope`, at most `bound.maxBytes` serialised: the largest list in `data`
 * (else the largest map, e.g. label → value) keeps as many leading items as fit. Offset tools get
 * `continue_with: {offset}` (and their `next_offset` moved to the first item left out); others
 * are told which parameters narrow it.
 */
export function bounded(envelope: Envelope, isError: boolean, bound: Bound | undefined): CallToolResult {
  const full = toResult(envelope, isError);
  const max = bound?.maxBytes ?? DEFAULT_MAX_RESULT_BYTES;
  const fullBytes = resultBytes(full);
  if (fullBytes <= max) return full;
  const params = bound?.params ?? [];
  const narrow = params.filter((p) => !CURSOR_NAMES.has(p));
  const narrowText = narrow.length ? `narrow the call (${narrow.join(", ")})` : "narrow the call";
  for (const kind of ["list", "map"] as const) {
    const found = largest(envelope.data, kind);
    if (!found || found.items.length === 0) continue;
    const total = found.items.length;
    const where = ["data", ...found.path].map((k) => (typeof k === "number" ? `[${k}]` : k)).join(".");
    const args = bound?.args !== null && typeof bound?.args === "object" ? (bound.args as Record<string, unknown>) : {};
    const parent = found.path.length > 0 ? valueAt(envelope.data, found.path.slice(0, -1)) : undefined;
    const offsetTool =
      kind === "list" && params.includes("offset") && parent !== null && typeof parent === "object" && Object.hasOwn(parent, "next_offset");
    const start = typeof args.offset === "number" ? args.offset : 0;
    const attempt = (kept: number): CallToolResult => {
      const truncation: Truncation = {
        path: where,
        items_returned: kept,
        items_omitted: total - kept,
        ...(offsetTool ? { continue_with: { offset: start + kept } } : narrow.length ? { narrow_with: narrow } : {}),
        message:
          `The answer (${fullBytes} bytes) is over ALTR_MAX_RESULT_BYTES (${max}): ${where} keeps its first ${kept} of ${total} ${kind === "list" ? "items" : "entries"}. ` +
          (offsetTool
            ? `Call again with offset ${start + kept} for the rest.`
            : `The ${kind === "list" ? "items" : "entries"} left out are not in any continuation cursor of this answer; ${narrowText} to see them.`),
      };
      const data = replaceAt(envelope.data, found.path, found.rebuild(kept), offsetTool ? ["next_offset", start + kept] : undefined);
      return toResult({ ...envelope, data, truncated: true, truncation }, isError);
    };
    // Estimate from the items' own sizes (each appears plain and JSON-escaped), then check.
    const overhead = resultBytes(attempt(0));
    let budget = max - overhead;
    let kept = 0;
    while (kept < total && budget > 0) {
      const item = JSON.stringify(found.items[kept]) ?? "null";
      budget -= Buffer.byteLength(item) * 2 + (Buffer.byteLength(JSON.stringify(item)) - Buffer.byteLength(item)) + 4;
      if (budget < 0) break;
      kept++;
    }
    for (;;) {
      const result = attempt(kept);
      if (resultBytes(result) <= max) return result;
      if (kept === 0) break;
      kept = Math.floor(kept * 0.9);
    }
  }
  // Nothing to cut at an item boundary (or the rest alone is too big): no data at all.
  const truncation: Truncation = {
    path: "data",
    items_returned: 0,
    items_omitted: 0,
    ...(narrow.length ? { narrow_with: narrow } : {}),
    message: `The answer (${fullBytes} bytes) is over ALTR_MAX_RESULT_BYTES (${max}) and has no list to shorten; ${narrowText}.`,
  };
  const error = envelope.error ? { ...envelope.error, message: capText(envelope.error.message).slice(0, 2_000) } : null;
  return toResult({ success: envelope.success, data: null, error, truncated: true, truncation }, isError);
}

function valueAt(root: unknown, path: readonly Key[]): unknown {
  let v = root;
  for (const k of path) v = v !== null && typeof v === "object" ? (v as Record<string, unknown>)[String(k)] : undefined;
  return v;
}

export function toToolError(err: unknown): ToolError {
  if (err instanceof InputError) {
    const sent = err.sent === "read" ? "Nothing was changed in ALTR (only read)." : "Nothing was sent to ALTR.";
    return { kind: "invalid_input", message: `${err.message}. ${sent}`, fields: err.fields };
  }
  if (err instanceof AltrError) {
    const out: ToolError = { kind: err.kind, message: err.message, attempts: err.attempts };
    if (err.status !== undefined) out.status = err.status;
    if (err.altrMessage !== undefined) out.altr_message = err.altrMessage;
    if (err.hint !== undefined) out.hint = err.hint;
    return out;
  }
  if (err instanceof ToolFailure) return { kind: err.kind, message: err.message };
  // The call's own signal, raised outside the ALTR client (e.g. while waiting on something else).
  if (err instanceof DOMException && err.name === "AbortError") return { kind: "cancelled", message: "The call was cancelled by the client." };
  if (err instanceof DOMException && err.name === "TimeoutError") return { kind: "timeout", message: "The call took too long and was stopped." };
  return {
    kind: "internal",
    message: `altr-mcp failed unexpectedly: ${err instanceof Error ? err.name : "error"}. See the server log for details.`,
  };
}
