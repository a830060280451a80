/**
 * The one result shape: `{success, data, error}`, sent both as JSON text and as
 * structuredContent. Failures are `isError: true` with `success: false` and an error object
 * whose `message` is complete on its own (status, ALTR's message, the fix).
 */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { AltrError } from "../altr/errors.js";
import { scrub } from "../log/redact.js";
import type { JsonSchema } from "../schema/json-schema.js";
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
}

const ERROR_SCHEMA: JsonSchema = {
  type: "object",
  properties: {
    kind: {
      type: "string",
      enum: ["http", "timeout", "network", "cancelled", "invalid_response", "invalid_input", "partial_failure", "not_found", "rejected", "internal"],
    },
    message: { type: "string" },
    status: { type: "integer" },
    altr_message: { type: "string" },
    hint: { type: "string" },
    attempts: { type: "integer" },
    fields: { type: "array", items: { type: "string" } },
  },
  required: ["kind", "message"],
  additionalProperties: false,
};

/**
 * outputSchema of a tool: the envelope is exact; `data` documents the curated shape, and its
 * second branch admits any other shape, because the curated spec approximates the live API and
 * a difference must never turn a successful ALTR call into a failed tool call. Tests hold our
 * own results to the documented branch.
 */
export function outputSchemaFor(data: JsonSchema): JsonSchema {
  return {
    type: "object",
    properties: {
      success: { type: "boolean" },
      data: {
        anyOf: [data, { description: "Undocumented shape: ALTR's answer as received when it differs from the documented one." }],
      },
      error: { anyOf: [{ type: "null" }, ERROR_SCHEMA] },
    },
    required: ["success", "data", "error"],
    additionalProperties: false,
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

/** `verbatim`: the tool declared that its data must not be altered (see ToolSpec.verbatimOutput). */
export function successResult(data: unknown, opts: { verbatim?: boolean } = {}): CallToolResult {
  const envelope: Envelope = { success: true, data: opts.verbatim ? (data ?? null) : sanitize(data ?? null), error: null };
  return { content: [{ type: "text", text: JSON.stringify(envelope) }], structuredContent: { ...envelope } };
}

/** Maps any thrown value to the error envelope; secrets are scrubbed from every text. */
export function errorResult(err: unknown, secrets: Iterable<string>): CallToolResult {
  const error = toToolError(err);
  const scrubbed = sanitize({ ...error, message: scrub(error.message, secrets) }) as ToolError;
  if (error.altr_message !== undefined) scrubbed.altr_message = clean(scrub(error.altr_message, secrets));
  const data = err instanceof ToolFailure ? sanitize(err.data) : null;
  const envelope: Envelope = { success: false, data, error: scrubbed };
  return {
    isError: true,
    content: [{ type: "text", text: JSON.stringify(envelope) }],
    structuredContent: { ...envelope },
  };
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
  return {
    kind: "internal",
    message: `altr-mcp failed unexpectedly: ${err instanceof Error ? err.name : "error"}. See the server log for details.`,
  };
}
