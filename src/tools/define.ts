/**
 * The one way to declare a tool. A tool is data: name, title, description, toolset, zod input,
 * annotations, the curated operations it calls, the schema of what it returns, and a handler
 * that maps validated input onto typed ALTR calls and returns the `data` of the result. The
 * generic server code (registry.ts) does validation, logging, errors and the result envelope.
 */
import { z } from "zod";
import { PathParamError, type AltrClients } from "../altr/client.js";
import { operationCaller, type OperationCaller } from "../altr/operations.js";
import type { AltrErrorKind } from "../altr/errors.js";
import type { PresignedFetch } from "../altr/presigned.js";
import type { CallScope, ProgressStage } from "../altr/paginate.js";
import { OPERATIONS, type OperationKey } from "../generated/operations.js";
import type { Logger } from "../log/logger.js";
import { propertyOf, type JsonSchema } from "../schema/json-schema.js";

/**
 * Toolsets: one per domain. `default` toolsets are on when ALTR_TOOLSETS is empty; the three
 * sensitive domains added after the original release must be named explicitly (or `all`).
 */
export const TOOLSETS = {
  databases: { title: "Databases", default: true, description: "Connect, update and disconnect Snowflake, Databricks and OLTP data sources." },
  roles: { title: "Roles", default: true, description: "ALTR user groups (roles) used in masking rules." },
  tags: { title: "Tags", default: true, description: "Snowflake tags connected to ALTR (Databricks tags are raw strings in policies)." },
  policies: { title: "Policies & rules", default: true, description: "Tag-based masking policies and their rules." },
  classification: { title: "Classification", default: true, description: "Classifiers, collections, classification jobs, findings and review decisions." },
  access_management: { title: "Access management", default: true, description: "Access-management policies for Snowflake and OLTP." },
  access_requests: { title: "Access requests", default: true, description: "Submit, review and resolve Snowflake data access requests." },
  audits: { title: "Audits", default: true, description: "Sidecar, Snowflake query and system audit searches." },
  telemetry: { title: "Telemetry", default: true, description: "Health of ALTR sidecar and agent instances." },
  sidecar: { title: "Sidecar configuration", default: true, description: "Agents, repos, repo users, service users, sidecars, listeners and bindings of the ALTR sidecar." },
  audit_reports: { title: "Audit reports", default: false, description: "Audit report definitions, instances, comments and sign-offs." },
  tokenization: { title: "Tokenization", default: false, description: "Vault and critical tokenization: tokenize, detokenize, delete tokens." },
  key_management: { title: "Key management", default: false, description: "Tweaks and format-preserving-encryption keys." },
} as const;
export type ToolsetName = keyof typeof TOOLSETS;

export interface Annotations {
  /** Changes nothing anywhere. */
  readOnlyHint: boolean;
  /** May remove data, access or protection (delete, disconnect, unmask). */
  destructiveHint: boolean;
  /** Repeating the call with the same arguments has no further effect. */
  idempotentHint: boolean;
  /** Talks to a system outside this server (always true here: ALTR). */
  openWorldHint: boolean;
}

/**
 * A call's progress (MCP notifications/progress, server/progress.ts): stages that each count from
 * where the call is. A call without a progressToken gets NO_PROGRESS.
 */
export interface Progress {
  stage(): ProgressStage;
}

/** Reports nothing: a call whose client asked for no progress. */
export const NO_PROGRESS: Progress = { stage: () => ({ report: () => undefined }) };

/** What the server hands a tool call: the ALTR clients, the call's signal, logger and progress. */
export interface InvokeContext {
  altr: AltrClients;
  signal: AbortSignal;
  log: Logger;
  /** Where the call's progress goes (default: nowhere). Paging loops report to it on their own. */
  progress?: Progress;
  /**
   * Downloads a presigned (non-ALTR) URL without ALTR credentials. Absent in production, where
   * tools use altr/presigned.ts's guarded download; tests pass a stand-in for the object store.
   */
  presigned?: PresignedFetch;
}

/**
 * What a handler gets: `call`/`callWithStatus` scoped to the tool's declared operations (another
 * key is a type error, and throws), the call's signal, logger and progress. There is no raw client.
 */
export interface ToolContext<K extends OperationKey = OperationKey> extends OperationCaller<K> {
  signal: AbortSignal;
  log: Logger;
  presigned?: PresignedFetch;
  /**
   * The handler's own progress (rules applied, steps of a download): `done` of `total` units with
   * a short message, one stage of the call's progress. Paging loops (altr/paginate.ts) report
   * their pages through `scope` instead.
   */
  progress: ProgressStage["report"];
  /** The call as a paging loop sees it (pass it as the loop's `scope`): progress stages and `signal`. */
  scope: CallScope;
}

export interface ToolSpec<S extends z.ZodRawShape, O extends readonly OperationKey[]> {
  name: string;
  title: string;
  description: string;
  toolset: ToolsetName;
  input: S;
  annotations: Annotations;
  /** Why a tool that sends POST/PATCH is nonetheless read-only (required in that case). */
  readOnlyReason?: string;
  /**
   * Why this tool's data must reach the caller exactly as ALTR sent it, exempt from the removal
   * of invisible and bidi control characters applied to every other result (e.g. detokenized
   * plaintext, where altering a character would corrupt the customer's value).
   */
  verbatimOutput?: string;
  /** The curated operations the handler calls: the only ones its `ctx.call` reaches. */
  operations: O;
  /** Schema of `data` on success. */
  output: JsonSchema;
  /** Argument names whose values never reach logs or error text (beyond the name heuristic). */
  sensitive?: readonly (keyof S & string)[];
  /** Names the tool had before a rename: callable (hidden from tools/list) and matched by RESTRICTED_TOOLS. */
  aliases?: readonly string[];
  handler: (args: z.output<z.ZodObject<S>>, ctx: ToolContext<O[number]>) => Promise<unknown>;
  /**
   * Destructive tools: a read-only look-up of what the call will remove or unmask, added to the
   * confirmation question (e.g. "2 rules go with it"). Runs only when the user is about to be
   * asked (or the call is refused for want of `confirm`), within IMPACT_TIMEOUT_MS; if it fails,
   * the question is asked without it.
   */
  impact?: (args: z.output<z.ZodObject<S>>, ctx: ToolContext<O[number]>) => Promise<string | undefined>;
  /**
   * A tool that is not destructive but exposes protected data or grants access to it goes
   * through the same confirmation as destructive tools (the description says why). "always":
   * every call asks. A function decides per call: it returns what the question should say
   * (e.g. "ANALYST sees SSN unmasked (10003 → 10000)"), or undefined when the call exposes
   * nothing and need not ask. It runs within IMPACT_TIMEOUT_MS; if it fails, the call asks.
   */
  asks?: "always" | ((args: z.output<z.ZodObject<S>>, ctx: ToolContext<O[number]>) => Promise<string | undefined>);
  /**
   * A refusal that needs read-only look-ups (e.g. a role ALTR does not know): runs after
   * validation and before the confirmation gate, so no one is asked about a call that would then
   * be refused. Throws to refuse; the handler may repeat it (cache the look-ups per call).
   */
  check?: (args: z.output<z.ZodObject<S>>, ctx: ToolContext<O[number]>) => Promise<void>;
}

/** How long the confirmation look-up (`impact`) may take before the question is asked without it. */
export const IMPACT_TIMEOUT_MS = 5_000;

/**
 * The confirmation step of a destructive call (server/confirm.ts): runs after validation and
 * before the handler, may call `impact` to say what will change, throws to stop the call.
 */
export type Gate = (args: Record<string, unknown>, impact?: () => Promise<string | undefined>) => Promise<void>;

export interface Tool {
  name: string;
  title: string;
  description: string;
  toolset: ToolsetName;
  annotations: Annotations;
  readOnlyReason: string | undefined;
  verbatimOutput: boolean;
  operations: readonly OperationKey[];
  output: JsonSchema;
  sensitive: ReadonlySet<string>;
  aliases: readonly string[];
  /** Goes through the confirmation gate although not destructive (ToolSpec.asks). */
  asks: boolean;
  inputSchema: z.ZodObject<z.ZodRawShape>;
  /**
   * Validates raw arguments, then runs the handler. Throws InputError on invalid input. `gate`
   * runs between validation and the handler (the server's confirmation of destructive calls);
   * it throws to stop the call before anything is sent.
   */
  invoke(raw: unknown, ctx: InvokeContext, gate?: Gate): Promise<unknown>;
}

/**
 * Every kind of failure a tool result can report. `rejected`: ALTR answered 2xx but reports in
 * the body that the operation failed (e.g. a tag connection job with status FAILED).
 */
export type ErrorKind = AltrErrorKind | "invalid_input" | "partial_failure" | "not_found" | "rejected" | "internal";

/** A failure a handler reports itself (e.g. some batches applied, others not). */
export class ToolFailure extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly data: unknown = null,
  ) {
    super(message);
    this.name = "ToolFailure";
  }
}

/** Invalid tool input: the message names every offending field. No request has been sent. */
export class InputError extends Error {
  constructor(
    message: string,
    readonly fields: string[] = [],
    /** "read": only read-only look-ups were sent before the refusal (a confirmation's impact). */
    readonly sent: "nothing" | "read" = "nothing",
  ) {
    super(message);
    this.name = "InputError";
  }
}

/** `rules[0].masking_policy` style path of a zod issue. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out || "(arguments)";
}

/**
 * Flattens union failures to the branch that got furthest: for "object or list" inputs the
 * caller wants `rules[0].role: Required`, not "Invalid input".
 */
function specificIssues(issues: readonly z.core.$ZodIssue[], prefix: PropertyKey[] = []): { path: PropertyKey[]; issue: z.core.$ZodIssue }[] {
  const out: { path: PropertyKey[]; issue: z.core.$ZodIssue }[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === "invalid_union" && issue.errors.length > 0) {
      const branches = issue.errors.map((branch) => specificIssues(branch, path));
      const depth = (b: { path: PropertyKey[] }[]) => Math.max(...b.map((x) => x.path.length));
      const best = branches.reduce((a, b) => (depth(b) > depth(a) ? b : a));
      out.push(...best);
    } else {
      out.push({ path, issue });
    }
  }
  return out;
}

/** Validator type names in plain words. */
const PLAIN_TYPES: Record<string, string> = {
  record: "an object of name → value",
  object: "an object",
  array: "a list",
  number: "a number",
  int: "a whole number",
  string: "a string",
  boolean: "true or false",
};

/** Numeric ids that are often given as a name, and the tool that turns the name into the id. */
const ID_LOOKUPS: Record<string, string> = { database_id: "get_database_id (or get_databases)", job_id: "get_jobs", connection_id: "get_databases" };

/**
 * A type mismatch in plain words with the expected shape ("expected record" → "expected an
 * object of name → value"); a masking level names its range, an id given as a name names the
 * tool that looks it up. Other issues keep the validator's message.
 */
function plainIssue(issue: z.core.$ZodIssue, path: readonly PropertyKey[]): string {
  // A schema's own message (anything but zod's "Invalid input: …") already says what to do.
  if (issue.code !== "invalid_type" || !/^Invalid input/.test(issue.message)) return issue.message;
  const received = /received (\w+)/.exec(issue.message)?.[1];
  const got = received ? `, got ${PLAIN_TYPES[received] ?? received}` : "";
  const name = String([...path].reverse().find((k) => typeof k === "string") ?? "");
  const expected = String(issue.expected);
  if ((expected === "number" || expected === "int") && name === "masking_policy") {
    return `expected a masking level, a number 10000–10009${got} (levels: altr://reference/masking-levels)`;
  }
  if ((expected === "number" || expected === "int") && received === "string" && name.endsWith("_id")) {
    const lookup = ID_LOOKUPS[name];
    return `expected a number (an id)${got}: ${lookup ? `look the id up with ${lookup}` : "look the id up with the list tool of that object"}`;
  }
  return `expected ${PLAIN_TYPES[expected] ?? expected}${got}`;
}

/**
 * `required` with the parameter's own description when it has one ("namespace: required — usually
 * fpe."): the missing value's usual source or value, so the retry needs no other look-up.
 */
function requiredHint(path: readonly PropertyKey[], shape: z.ZodRawShape | undefined): string {
  const top = path.length === 1 && typeof path[0] === "string" ? shape?.[path[0]] : undefined;
  const description = top instanceof z.ZodType ? top.description?.trim() : undefined;
  if (!description || description.length > 120) return "required";
  return `required — ${description.charAt(0).toLowerCase()}${description.slice(1)}`;
}

export function formatIssues(error: z.ZodError, shape?: z.ZodRawShape): InputError {
  const fields: string[] = [];
  const issues = specificIssues(error.issues);
  const lines = issues.slice(0, 10).map(({ path, issue }) => {
    if (issue.code === "unrecognized_keys") {
      const names = issue.keys.map((k) => fieldPath([...path, k]));
      fields.push(...names);
      return `${names.join(", ")}: unknown parameter${names.length > 1 ? "s" : ""}`;
    }
    const field = fieldPath(path);
    fields.push(field);
    const message =
      issue.code === "invalid_type" && /^Invalid input.*received undefined$/.test(issue.message) ? requiredHint(path, shape) : plainIssue(issue, path);
    return `${field}: ${message}`;
  });
  const more = issues.length > 10 ? ` (and ${issues.length - 10} more)` : "";
  return new InputError(`Invalid arguments: ${lines.join("; ")}${more}`, [...new Set(fields)]);
}

/**
 * The path builder refused a value (altr/client.ts): the caller's error names the argument(s)
 * that carried it — the tool's parameter name (`rule_id`), not the document's (`ruleId`).
 */
function refusedPathParam(err: PathParamError, args: unknown): InputError {
  const fields = fieldsHolding(args, err.value);
  const named = fields.length ? fields.join(", ") : err.param;
  const reason = err.reason.replace(/\s*\(".*"\)/, "");
  return new InputError(`Invalid arguments: ${named}: ${reason}`, fields.length ? fields : [err.param]);
}

/** Paths (`rules[0].id`) of every string or number in `value` equal to `wanted`. */
function fieldsHolding(value: unknown, wanted: string): string[] {
  return fieldsWhere(value, (v) => (typeof v === "string" || typeof v === "number") && String(v) === wanted);
}

/** A UTF-16 surrogate without its pair: no UTF-8 encoding exists for it, so no request can carry it. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Paths of every string in `value` (keys included) that `pattern` matches. */
function fieldsWith(value: unknown, pattern: RegExp): string[] {
  return fieldsWhere(value, (v) => typeof v === "string" && pattern.test(v), (k) => pattern.test(k));
}

function fieldsWhere(
  value: unknown,
  test: (v: unknown) => boolean,
  testKey: (k: string) => boolean = () => false,
  path: PropertyKey[] = [],
): string[] {
  if (test(value)) return [fieldPath(path)];
  if (Array.isArray(value)) return value.flatMap((v, i) => fieldsWhere(v, test, testKey, [...path, i]));
  if (value && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) =>
      testKey(k) ? [fieldPath([...path, k])] : fieldsWhere(v, test, testKey, [...path, k]),
    );
  }
  return [];
}

/** Clients often send null for an optional parameter they mean to leave out. */
function withoutNulls(raw: unknown): unknown {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== "object" || Array.isArray(raw)) return raw;
  return Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== null));
}

export function defineTool<S extends z.ZodRawShape, const O extends readonly OperationKey[]>(spec: ToolSpec<S, O>): Tool {
  const schema = z.object(spec.input).strict();
  /** The handler's context: calls scoped to the declared operations, on `signal`. */
  const scoped = (ctx: InvokeContext, signal: AbortSignal): ToolContext<O[number]> => {
    // The handler's stage begins at its first report (after the look-ups before it).
    let own: ProgressStage | undefined;
    return {
      ...operationCaller<O[number]>(ctx.altr, spec.name, spec.operations, signal),
      signal,
      log: ctx.log,
      ...(ctx.presigned ? { presigned: ctx.presigned } : {}),
      progress: (done, total, message) => (own ??= (ctx.progress ?? NO_PROGRESS).stage()).report(done, total, message),
      scope: { stage: () => (ctx.progress ?? NO_PROGRESS).stage(), signal },
    };
  };
  return {
    name: spec.name,
    title: spec.title,
    description: spec.description,
    toolset: spec.toolset,
    annotations: spec.annotations,
    readOnlyReason: spec.readOnlyReason,
    verbatimOutput: spec.verbatimOutput !== undefined,
    operations: spec.operations,
    output: spec.output,
    sensitive: new Set(spec.sensitive ?? []),
    aliases: spec.aliases ?? [],
    asks: spec.asks !== undefined,
    inputSchema: schema,
    invoke(raw, ctx, gate) {
      return run(raw, ctx, gate);
    },
  };

  async function run(raw: unknown, ctx: InvokeContext, gate: Gate | undefined): Promise<unknown> {
    const parsed = schema.safeParse(withoutNulls(raw));
    if (!parsed.success) throw formatIssues(parsed.error, spec.input);
    const broken = fieldsWith(parsed.data, LONE_SURROGATE);
    if (broken.length) {
      throw new InputError(`Invalid arguments: ${broken.join(", ")}: not valid Unicode text (contains a lone surrogate)`, broken);
    }
    try {
      if (spec.check) await spec.check(parsed.data, scoped(ctx, ctx.signal));
      if (gate) {
        const lookUp = scoped(ctx, AbortSignal.any([ctx.signal, AbortSignal.timeout(IMPACT_TIMEOUT_MS)]));
        const args = parsed.data as Record<string, unknown>;
        const asks = spec.asks;
        if (typeof asks === "function") {
          // Fail closed: a look-up that fails or times out asks rather than lets the call through.
          // (The failure itself is not quoted: the question reaches the user unscrubbed.)
          const question = await asks(parsed.data, lookUp).then(
            (q) => (q === undefined ? null : q),
            () => "the current state could not be read, so this may expose data",
          );
          if (question !== null) await gate(args, async () => question);
        } else {
          const impact = spec.impact;
          await gate(args, impact ? () => impact(parsed.data, lookUp) : undefined);
        }
      }
      return await spec.handler(parsed.data, scoped(ctx, ctx.signal));
    } catch (err) {
      if (err instanceof PathParamError) throw refusedPathParam(err, parsed.data);
      throw err;
    }
  }
}

/** The documented `data` of an operation whose body is ALTR's `{success, data}` wrapper. */
export function responseData(op: OperationKey): JsonSchema {
  return propertyOf(OPERATIONS[op].response, "data");
}

/** The documented body of an operation's success response. */
export function responseBody(op: OperationKey): JsonSchema {
  const schema = OPERATIONS[op].response;
  if (!schema) throw new Error(`${op} has no response body`);
  return schema;
}

/** Input helpers shared by every domain. */
export const input = {
  /**
   * A parameter that accepts the value itself or the same value as a JSON string (the upstream
   * accepts JSON strings for lists and objects, and some clients only send strings). Errors
   * inside the parsed value keep their path, e.g. `rules[0].role`.
   */
  jsonOr<T extends z.ZodType>(schema: T) {
    return z.preprocess((value, ctx) => {
      if (typeof value !== "string") return value;
      try {
        return JSON.parse(value) as unknown;
      } catch {
        ctx.addIssue({ code: "custom", message: "is a string but not valid JSON", input: value });
        return z.NEVER;
      }
    }, schema);
  },

  /**
   * A structured parameter advertised in tools/list as only its JSON type and a description
   * that spells out the structure (far fewer tokens than the full JSON Schema), but validated
   * in full before any request, errors naming the path (`rules[0].actors[0].condition`). Like
   * jsonOr, the same value as a JSON string is accepted.
   */
  described<T extends z.ZodType>(type: "object" | "array", schema: T, description: string) {
    return input.jsonOr(z.unknown().pipe(schema)).meta({ type, description });
  },
};
