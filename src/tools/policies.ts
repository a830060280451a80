/** Policies & rules: tag-based masking policies of the Unified Policy API (api service). */
import { z } from "zod";
import { encodePathSegment } from "../altr/client.js";
import { AltrError } from "../altr/errors.js";
import { nextOffset, paginate, paginateOffset } from "../altr/paginate.js";
import type { components } from "../generated/api.js";
import { S, objectOf, propertyOf } from "../schema/json-schema.js";
import { defineTool, input, InputError, ToolFailure, responseData, type Tool, type ToolContext } from "./define.js";
import { CREATE, cursor, MAX_PAGES, READ, REMOVE, UPDATE } from "./common.js";
import { LEVEL_LIST, levelByName, levelName, MAX_LEVEL, MIN_LEVEL } from "../schema/masking-levels.js";
import { TAG_VALUE_PAGE_SIZE } from "./tags.js";
import { deleteOnce, DELETE_OUTCOME, outcome } from "./deletes.js";

type PolicyType = components["schemas"]["PolicyType"];
type Rule = components["schemas"]["Rule"];
type RuleInput = components["schemas"]["RuleInput"];

const POLICY_TYPES = ["TAG", "COLUMN", "PUSHDOWN", "IMPERSONATION", "GRANT", "ROW", "OLTP"] as const satisfies readonly PolicyType[];

/** The API takes at most 99 rules per batch request. */
export const RULE_BATCH_SIZE = 99;

const policyId = z
  .string()
  .trim()
  .min(1)
  .describe("e.g. TAG#PII.");
const ruleId = z.string().trim().min(1);

const NOT_A_LEVEL = `not a masking level: give ${MIN_LEVEL}–${MAX_LEVEL} or a name (${LEVEL_LIST})`;

/** A masking level: its number, or its name from the one table ("SHOW_LAST_FOUR" → 10003). */
const maskingLevel = z
  .union([
    // The number branch's type error is the one a wrong type reports: say what is accepted.
    z.number({ error: (iss) => (iss.code === "invalid_type" && iss.input !== undefined ? NOT_A_LEVEL : undefined) }).int().min(MIN_LEVEL).max(MAX_LEVEL),
    z.string().transform((v, ctx) => {
      const level = levelByName(v);
      if (level !== undefined) return level;
      ctx.addIssue({ code: "custom", message: NOT_A_LEVEL, input: v });
      return z.NEVER;
    }),
  ])
  .describe(`${MIN_LEVEL}–${MAX_LEVEL} or the level's name (SHOW_LAST_FOUR); see altr://reference/masking-levels.`);

const allowUnknown = z
  .boolean()
  .optional()
  .describe("true writes roles/tag values ALTR does not list (not synced yet); a case-only mismatch is still refused.");

const upper = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (typeof v === "string" ? v.toUpperCase() : v), schema);
const lower = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (typeof v === "string" ? v.toLowerCase() : v), schema);

const thresholdAction = upper(z.enum(["ALERT", "BLOCK"]));
const timeOfDay = z.object({ hour: z.number().int().min(0).max(23), minute: z.number().int().min(0).max(59) }).strict();

const accessRateThreshold = z
  .object({
    access_rate_unit: lower(z.enum(["minute", "hour", "day", "week", "month"])),
    access_rate_limit: z.number().int().min(1),
    action: thresholdAction,
  })
  .strict();

const timeWindowThreshold = z
  .object({
    // ALTR's enum is lower case; either case is accepted and lower case is sent.
    day: z.array(lower(z.enum(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]))).min(1),
    start_time: timeOfDay,
    end_time: timeOfDay,
    timezone: z.string().trim().min(1),
    action: thresholdAction,
  })
  .strict();

/** One threshold object or a list of them (object or JSON string); always sent as a list. */
const oneOrMany = <T extends z.ZodType>(item: T) =>
  z.preprocess((v) => (v !== null && typeof v === "object" && !Array.isArray(v) ? [v] : v), z.array(item).min(1));
/** update_rule's thresholds: validated as in add_rules, whose rules spell the shape out once (the list's budget). */
const thresholdsAsInAddRules = <T extends z.ZodType>(item: T) => input.described("array", oneOrMany(item), "As in add_rules' rules.");

const rule = z
  .object({
    masking_policy: maskingLevel,
    role: z.string().trim().min(1),
    tag_value: z.string().trim().min(1),
    access_rate_thresholds: z.array(accessRateThreshold).min(1).optional(),
    time_window_thresholds: z.array(timeWindowThreshold).min(1).optional(),
  })
  .strict();

const continueWith = z.string().min(1).optional();

/** The query value for the next page: ALTR's last_evaluated_key, JSON-encoded when it is an object. */
function startKey(lastEvaluated: unknown): string | null {
  if (lastEvaluated === null || lastEvaluated === undefined) return null;
  if (typeof lastEvaluated === "string") return lastEvaluated || null;
  if (typeof lastEvaluated === "object" && Object.keys(lastEvaluated).length === 0) return null;
  return JSON.stringify(lastEvaluated);
}

/** One page of a policy's rules (listPolicyRules), as [rule hash, rules] pairs. */
async function rulesPage(ctx: Pick<ToolContext<"api.listPolicyRules">, "call" | "signal">, policy_id: string, k: string | null) {
  const body = await ctx.call("api.listPolicyRules", {
    path: { policy_id },
    query: k ? { exclusive_start_key: k } : {},
    signal: ctx.signal,
  });
  return { items: Object.entries(body.data?.items ?? {}), next: startKey(body.data?.last_evaluated_key) };
}

/** Pages read to describe a policy's rules in a confirmation question. */
const IMPACT_PAGES = 3;

/** The first rules of a policy, for a confirmation question (bounded: not a listing). */
async function someRules(ctx: Pick<ToolContext<"api.listPolicyRules">, "call" | "signal" | "scope">, policy_id: string) {
  const paged = await paginate<[string, Rule[]], string>({
    scope: ctx.scope,
    start: null,
    maxPages: IMPACT_PAGES,
    fetchPage: (k) => rulesPage(ctx, policy_id, k),
  });
  return { rules: paged.items.flatMap(([, rules]) => rules), more: paged.next !== null };
}

const norm = (v: string | null | undefined) => (v ?? "").trim().toUpperCase();

interface AddRulesArgs {
  policy_id: string;
  rules: RuleInput[];
}

/** The policy's rules read once per add_rules call (its confirmation look-up and its report share them). */
const rulesRead = new WeakMap<object, ReturnType<typeof someRules>>();
function currentRules(args: AddRulesArgs, ctx: Pick<ToolContext<"api.listPolicyRules">, "call" | "signal" | "scope">): ReturnType<typeof someRules> {
  let read = rulesRead.get(args);
  if (!read) {
    read = someRules(ctx, args.policy_id);
    rulesRead.set(args, read);
  }
  return read;
}

/**
 * What add_rules did to each rule, from the rules read before the write: created (no such rule),
 * updated (another level, or thresholds given), unchanged (same level, no thresholds), or
 * upserted (the rules could not all be read, so which one is unknown).
 */
async function ruleOutcomes(args: AddRulesArgs, ctx: Pick<ToolContext<"api.listPolicyRules">, "call" | "signal" | "scope">) {
  const read = await currentRules(args, ctx).catch(() => undefined);
  return args.rules.map((r) => {
    const same = read?.rules.find((e) => norm(e.role) === norm(r.role) && norm(e.tag_value) === norm(r.tag_value));
    const from = same ? levelOf(same) : undefined;
    const fromLevel = from === undefined || from === null || Number.isNaN(Number(from)) ? null : Number(from);
    const status = !read
      ? "upserted"
      : same
        ? fromLevel === r.masking_policy && !r.access_rate_thresholds && !r.time_window_thresholds
          ? "unchanged"
          : "updated"
        : read.more
          ? "upserted"
          : "created";
    return {
      role: r.role,
      tag_value: r.tag_value,
      status,
      from: status === "updated" || status === "unchanged" ? fromLevel : null,
      to: r.masking_policy,
      to_name: levelName(r.masking_policy),
    };
  });
}

type RuleState = components["schemas"]["RuleState"];
const filled = (st: RuleState | undefined): st is RuleState => st !== undefined && st !== null && Object.keys(st).length > 0;

/**
 * A rule as get_rules shows it: no hash keys or storage keys, the level as an integer with its
 * name, and its state (failed wins over pending, pending over applied).
 */
function flatRule(r: Rule) {
  const state = filled(r.failed_rule_json) ? "failed" : filled(r.pending_rule_json) ? "pending" : filled(r.success_rule_json) ? "applied" : null;
  const st = state === "failed" ? r.failed_rule_json : state === "pending" ? r.pending_rule_json : r.success_rule_json;
  const n = Number(st?.masking_policy);
  const level = st?.masking_policy !== undefined && Number.isInteger(n) ? n : null;
  return {
    rule_id: r.rule_id ?? null,
    role: r.role ?? null,
    tag_value: r.tag_value ?? r.tag_value_regex ?? null,
    level,
    level_name: levelName(level),
    status: state,
    access_rate_thresholds: st?.access_rate_thresholds ?? [],
    time_window_thresholds: st?.time_window_thresholds ?? [],
    updated_at: r.updated_at ?? null,
  };
}

const levelOf = (r: Rule) => r.success_rule_json?.masking_policy ?? r.pending_rule_json?.masking_policy;

/** "role ANALYST, tag value EMAIL, level 10003" — the rule as a user would name it. */
function describeRule(r: Rule): string {
  const value = r.tag_value ?? r.tag_value_regex;
  const level = levelOf(r);
  return [`role ${r.role ?? "?"}`, value ? `tag value ${value}` : undefined, level !== undefined ? `level ${String(level)}` : undefined]
    .filter(Boolean)
    .join(", ");
}

/**
 * How much of a value a masking level lets its role see: 2 nothing (full mask, constant, null,
 * full-mask hash, constant date — and no rule at all: a policy masks everyone it has no rule
 * for), 1 part of it (email, show last four and their hashes), 0 all of it (10000, no mask).
 */
function reveals(level: number | string | undefined): 0 | 1 | 2 {
  const n = Number(level);
  if (n === 10000) return 0;
  return n === 10002 || n === 10003 || n === 10007 || n === 10008 ? 1 : 2;
}

/** Most rules named in add_rules' confirmation question. */
const ASK_NAMED = 5;

/**
 * add_rules' confirmation: what each rule that lets its role see more than today would show
 * ("ANALYST sees SSN unmasked (10003 → 10000)"), from the same bounded look-up as update_rule;
 * undefined when no rule reveals more. A rule that reveals all or part of a value and matches
 * no rule read (none today, or beyond the pages read) counts as new: it replaces the full mask.
 */
async function addRulesExposure(args: AddRulesArgs, ctx: Pick<ToolContext<"api.listPolicyRules">, "call" | "signal" | "scope">) {
  const revealing = args.rules.filter((r) => reveals(r.masking_policy) < 2);
  if (revealing.length === 0) return undefined;
  const existing = (await currentRules(args, ctx)).rules;
  const lines: string[] = [];
  for (const r of revealing) {
    // The most protective of the matching rules (case-insensitive), so a doubt asks.
    const same = existing.filter((e) => norm(e.role) === norm(r.role) && norm(e.tag_value) === norm(r.tag_value));
    const current = same.map(levelOf).sort((a, b) => reveals(b) - reveals(a))[0];
    const before = same.length ? reveals(current) : 2;
    const after = reveals(r.masking_policy);
    if (after > before || (after === before && (after === 0 || Number(current) === r.masking_policy))) continue;
    const sees = after === 0 ? "unmasked" : "partly unmasked";
    lines.push(`${r.role} sees ${r.tag_value} ${sees} (${same.length ? String(current ?? "?") : "no rule: fully masked"} → ${r.masking_policy})`);
  }
  if (lines.length === 0) return undefined;
  const more = lines.length > ASK_NAMED ? ` and ${lines.length - ASK_NAMED} more` : "";
  return `${lines.slice(0, ASK_NAMED).join("; ")}${more}`;
}

// ---------------------------------------------------------------------------------------------
// Guardrails: roles and tag values are checked against ALTR before a rule is written, so a
// rule for "analyst" (ALTR has ANALYST) is not created to match nothing.

/** Pages read per look-up (roles, the policy tag's values): bounded, not a listing. */
const GUARD_PAGES = 5;

/** Names ALTR lists, and whether every page was read. */
interface Known {
  values: string[];
  complete: boolean;
}

/** The tag a TAG policy masks ("TAG#PII" → "PII"); other policy types are not checked. */
const policyTag = (policy_id: string): string | undefined => /^TAG#(.+)$/i.exec(policy_id.trim())?.[1];

type GuardCtx = Pick<ToolContext<"altrnet.listUserGroups" | "api.listTagValues">, "call" | "signal" | "scope">;

async function knownRoles(ctx: GuardCtx): Promise<Known> {
  const paged = await paginateOffset({
    scope: ctx.scope,
    start: 0,
    maxPages: GUARD_PAGES,
    fetchPage: async (at) => {
      const body = await ctx.call("altrnet.listUserGroups", { query: { offset: at }, signal: ctx.signal });
      return { items: body.data?.userGroups ?? [], total: body.data?.count };
    },
  });
  const values = paged.items.map((g) => g.userGroupName).filter((n): n is string => typeof n === "string");
  return { values, complete: paged.next_offset === null };
}

async function knownTagValues(ctx: GuardCtx, tag: string): Promise<Known> {
  const values: string[] = [];
  let at = 0;
  for (let page = 0; page < GUARD_PAGES; page++) {
    const body = await ctx.call("api.listTagValues", { query: { filter: tag, offset: at, limit: TAG_VALUE_PAGE_SIZE }, signal: ctx.signal });
    const received = body?.tags ?? [];
    // The filter also matches other tags' values: keep this tag's only.
    for (const t of received) if (t.tagKey?.toUpperCase() === tag.toUpperCase() && typeof t.tagValue === "string") values.push(t.tagValue);
    const next = nextOffset(at, received.length, body?.totals?.tagCount);
    if (next === null) return { values, complete: true };
    at = next;
  }
  return { values, complete: false };
}

/** Edit distance (Levenshtein), for "closest known" suggestions. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

/** The three known names nearest to `value` (case-insensitive). */
function closest(value: string, known: readonly string[]): string[] {
  const v = value.toUpperCase();
  return [...new Set(known)]
    .map((k) => ({ k, d: distance(v, k.toUpperCase()) }))
    .sort((a, b) => a.d - b.d || a.k.localeCompare(b.k))
    .slice(0, 3)
    .map((x) => x.k);
}

/** One role or tag value to check: where it came from (`rules[0].role`) and what it says. */
interface NameCheck {
  field: string;
  kind: "role" | "tag_value";
  value: string;
}

/** The outcome of a call's check, shared by its confirmation look-up and its handler. */
const checked = new WeakMap<object, Promise<void>>();

/**
 * Refuses (InputError, nothing written) a role or tag value ALTR does not list: a case-only
 * mismatch names the exact spelling; an unknown value names the closest known ones unless
 * `allow_unknown`. A look-up that fails refuses too (fail closed) unless `allow_unknown`.
 * Cached per call (keyed by the call's parsed arguments).
 */
function checkNames(args: object, policy_id: string, checks: readonly NameCheck[], allow: boolean, ctx: GuardCtx): Promise<void> {
  // The write's path is checked first (dot segments are refused naming policy_id): a call that
  // cannot be sent reads nothing either.
  encodePathSegment(policy_id, "policy_id");
  let done = checked.get(args);
  if (!done) {
    done = runChecks(policy_id, checks, allow, ctx);
    checked.set(args, done);
  }
  return done;
}

async function runChecks(policy_id: string, checks: readonly NameCheck[], allow: boolean, ctx: GuardCtx): Promise<void> {
  const tag = policyTag(policy_id);
  const lists: Partial<Record<NameCheck["kind"], Known>> = {};
  const wanted: [NameCheck["kind"], () => Promise<Known>, string][] = [
    ["role", () => knownRoles(ctx), "roles (get_roles)"],
    ...(tag ? [["tag_value", () => knownTagValues(ctx, tag), `values of tag ${tag} (get_tag_values)`] as [NameCheck["kind"], () => Promise<Known>, string]] : []),
  ];
  for (const [kind, read, what] of wanted) {
    if (!checks.some((c) => c.kind === kind)) continue;
    try {
      lists[kind] = await read();
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      if (allow) continue;
      const why = err instanceof Error ? err.message : "unknown error";
      throw new InputError(
        `Could not read the ${what} from ALTR to check the rules (${why}). Nothing was written. Retry, or pass allow_unknown: true to write without this check.`,
        ["allow_unknown"],
        "read",
      );
    }
  }
  const problems: string[] = [];
  const fields: string[] = [];
  for (const c of checks) {
    const known = lists[c.kind];
    if (!known || known.values.includes(c.value)) continue;
    const name = c.kind === "role" ? "role" : `value of tag ${tag ?? "?"}`;
    const sameButCase = known.values.find((k) => k.toUpperCase() === c.value.toUpperCase());
    if (sameButCase !== undefined) {
      problems.push(`${c.field}: "${c.value}" is not a ${name} in ALTR; use "${sameButCase}" (names are case-sensitive)`);
      fields.push(c.field);
    } else if (!allow) {
      const near = closest(c.value, known.values);
      const read = known.complete ? "" : ` among the first ${known.values.length} read`;
      problems.push(
        `${c.field}: "${c.value}" is not a ${name} in ALTR${read}${near.length ? ` (closest: ${near.join(", ")})` : ""}; if it exists but ALTR has not synced it yet, pass allow_unknown: true`,
      );
      fields.push(c.field);
    }
  }
  if (problems.length) {
    const more = problems.length > 10 ? ` (and ${problems.length - 10} more)` : "";
    throw new InputError(`Invalid arguments: ${problems.slice(0, 10).join("; ")}${more}`, [...new Set(fields)], "read");
  }
}

/** add_rules' checks: every rule's role and tag value. */
const ruleChecks = (rules: readonly RuleInput[]): NameCheck[] =>
  rules.flatMap((r, i) => [
    { field: `rules[${i}].role`, kind: "role" as const, value: r.role },
    { field: `rules[${i}].tag_value`, kind: "tag_value" as const, value: r.tag_value },
  ]);

interface RuleUpdate {
  policy_id: string;
  rule_id: string;
  role?: string | undefined;
  tag_value?: string | undefined;
  allow_unknown?: boolean | undefined;
  [field: string]: unknown;
}

/** update_rule's refusals: nothing to change, or a new role / tag value ALTR does not know (cached per call). */
async function checkRuleUpdate(args: RuleUpdate, ctx: GuardCtx): Promise<void> {
  const { policy_id, rule_id, allow_unknown, ...fields } = args;
  if (Object.values(fields).every((v) => v === undefined)) {
    throw new InputError(
      "Nothing to update: give masking_policy, role, tag_value, access_rate_thresholds or time_window_thresholds",
      [],
    );
  }
  const checks: NameCheck[] = [
    ...(args.role !== undefined ? [{ field: "role", kind: "role" as const, value: args.role }] : []),
    ...(args.tag_value !== undefined ? [{ field: "tag_value", kind: "tag_value" as const, value: args.tag_value }] : []),
  ];
  if (checks.length) {
    encodePathSegment(rule_id, "rule_id");
    await checkNames(args, policy_id, checks, allow_unknown === true, ctx);
  }
}

interface PolicyCursor {
  /** Policy type filter the cursor belongs to (null = all types). */
  p: PolicyType | null;
  /** Index into the list of types being read. */
  t: number;
  /** exclusive_start_key within that type. */
  k: string | null;
}
const isPolicyCursor = (v: unknown): v is PolicyCursor =>
  typeof v === "object" &&
  v !== null &&
  Number.isInteger((v as PolicyCursor).t) &&
  (v as PolicyCursor).t >= 0 &&
  ((v as PolicyCursor).k === null || typeof (v as PolicyCursor).k === "string");

const isRuleCursor = (v: unknown): v is { k: string } => typeof v === "object" && v !== null && typeof (v as { k: unknown }).k === "string";

function badCursor(): InputError {
  return new InputError("cursor: not a cursor returned by this tool with the same filter", ["cursor"]);
}

export const policyTools: Tool[] = [
  defineTool({
    name: "get_policies",
    title: "List masking policies",
    description:
      "List masking policies.",
    toolset: "policies",
    input: {
      policy_type: z.enum(POLICY_TYPES).optional(),
      cursor: continueWith,
      // ALTR sorts within one policy type; without policy_type the types still come in turn.
      sort_by: z.enum(["name", "updated_at"]).optional(),
      order_by: z.enum(["asc", "desc"]).optional(),
    },
    annotations: READ,
    operations: ["api.listPolicies"],
    output: objectOf({
      policies: propertyOf(responseData("api.listPolicies"), "policies"),
      count: S.integer,
      next_cursor: S.nullableString,
    }),
    async handler(args, { call, signal, scope }) {
      const filter = args.policy_type ?? null;
      const types: readonly PolicyType[] = filter ? [filter] : POLICY_TYPES;
      let start: PolicyCursor = { p: filter, t: 0, k: null };
      if (args.cursor !== undefined) {
        const decoded = cursor.decode(args.cursor, isPolicyCursor);
        if (!decoded || decoded.p !== filter || decoded.t >= types.length) throw badCursor();
        start = decoded;
      }
      const paged = await paginate<components["schemas"]["Policy"], PolicyCursor>({
        scope,
        start,
        maxPages: MAX_PAGES,
        fetchPage: async (c) => {
          const at = c ?? start;
          const type = types[at.t]!;
          const sort = { sort_by: args.sort_by, order_by: args.order_by };
          const body = await call("api.listPolicies", { query: { policy_type: type, ...(at.k ? { exclusive_start_key: at.k } : {}), ...sort }, signal });
          const key = startKey(body.data?.last_evaluated_key);
          const next = key ? { p: filter, t: at.t, k: key } : at.t + 1 < types.length ? { p: filter, t: at.t + 1, k: null } : null;
          return { items: body.data?.policies ?? [], next };
        },
      });
      return {
        policies: paged.items,
        count: paged.items.length,
        next_cursor: paged.next ? cursor.encode(paged.next) : null,
      };
    },
  }),

  defineTool({
    name: "get_rules",
    title: "List a policy's rules",
    description:
      "List a policy's masking rules (role × tag value × level).",
    toolset: "policies",
    input: { policy_id: policyId, cursor: continueWith },
    annotations: READ,
    operations: ["api.listPolicyRules"],
    output: objectOf({
      rules: S.arrayOf(
        objectOf(
          {
            rule_id: S.nullableString,
            role: S.nullableString,
            tag_value: S.nullableString,
            level: S.nullableInteger,
            level_name: S.nullableString,
            status: { type: ["string", "null"], enum: ["applied", "pending", "failed", null] },
            access_rate_thresholds: { type: "array" },
            time_window_thresholds: { type: "array" },
            updated_at: S.nullableString,
          },
          "One rule. status: applied (in force), pending (being applied; level is the pending one) or failed; tag_value may be a pattern (*).",
        ),
      ),
      count: S.integer,
      next_cursor: S.nullableString,
    }),
    async handler(args, { call, signal, scope }) {
      let start: string | null = null;
      if (args.cursor !== undefined) {
        const decoded = cursor.decode(args.cursor, isRuleCursor);
        if (!decoded) throw badCursor();
        start = decoded.k;
      }
      const paged = await paginate<[string, Rule[]], string>({
        scope,
        start,
        maxPages: MAX_PAGES,
        fetchPage: (k) => rulesPage({ call, signal }, args.policy_id, k),
      });
      // One flat list in ALTR's order; a rule hash can span pages, and a rule seen twice is kept once.
      const rules: ReturnType<typeof flatRule>[] = [];
      const seen = new Set<string>();
      for (const [, list] of paged.items) {
        for (const r of Array.isArray(list) ? list : []) {
          const id = r.rule_id ?? JSON.stringify(r);
          if (seen.has(id)) continue;
          seen.add(id);
          rules.push(flatRule(r));
        }
      }
      return { rules, count: rules.length, next_cursor: paged.next ? cursor.encode({ k: paged.next }) : null };
    },
  }),

  defineTool({
    name: "create_policy",
    title: "Create a masking policy",
    description:
      "Create an empty masking policy for a tag (masks its columns for everyone until add_rules). Snowflake: UPPERCASE connected tag, TAG. Databricks: raw tag, PUSHDOWN, database_ids.",
    toolset: "policies",
    input: {
      tag: z.string().trim().min(1),
      policy_type: z
        .preprocess((v) => (v === "" ? undefined : v), z.enum(["TAG", "PUSHDOWN", "COLUMN"]).default("TAG"))
        .describe("TAG (Snowflake) or PUSHDOWN (Databricks)."),
      database_ids: z
        .array(z.number().int().min(1))
        .min(1)
        .optional()
        .describe("Databricks only: required with PUSHDOWN."),
    },
    annotations: CREATE,
    operations: ["api.createPolicy"],
    output: responseData("api.createPolicy"),
    async handler({ tag, policy_type, database_ids }, { call, signal }) {
      if (policy_type === "PUSHDOWN" && !database_ids) {
        throw new InputError("database_ids: required when policy_type is PUSHDOWN (Databricks)", ["database_ids"]);
      }
      if (policy_type === "TAG" && database_ids) {
        throw new InputError("database_ids: not allowed for TAG (Snowflake) policies; use PUSHDOWN for Databricks", ["database_ids"]);
      }
      const body = await call("api.createPolicy", { body: { identifier: tag, type: policy_type, ...(database_ids ? { database_ids } : {}) }, signal });
      return body.data ?? null;
    },
  }),

  defineTool({
    name: "add_rules",
    title: "Add masking rules",
    description:
      `Upsert masking rules {masking_policy, role (get_roles), tag_value}, spelled exactly as in ALTR, in batches of 99; stops at the first failed batch. Asks first if a role would see more. Levels: ${LEVEL_LIST}.`,
    toolset: "policies",
    input: {
      policy_id: policyId,
      rules: input.jsonOr(z.array(rule).min(1)),
      allow_unknown: allowUnknown,
    },
    // Upserting the same rules again leaves the same state; an upsert can replace an existing
    // rule's level, which is the purpose of the tool, not a removal.
    annotations: UPDATE,
    operations: ["api.batchUpdatePolicyRules", "api.listPolicyRules", "altrnet.listUserGroups", "api.listTagValues"],
    output: objectOf({
      policy_id: S.string,
      rules_added: S.integer,
      batches: S.integer,
      results: S.arrayOf(
        objectOf(
          {
            role: S.string,
            tag_value: S.string,
            status: { type: "string", enum: ["created", "updated", "unchanged", "upserted"] },
            from: S.nullableInteger,
            to: S.integer,
            to_name: S.nullableString,
          },
          "Per rule, in order: created, updated (from → to), unchanged, or upserted (the current rules could not all be read).",
        ),
      ),
    }),
    // Not destructive, but an upsert can unmask: such calls go through the confirmation gate.
    check: (args, ctx) => checkNames(args, args.policy_id, ruleChecks(args.rules), args.allow_unknown === true, ctx),
    asks: (args, ctx) => addRulesExposure(args, ctx),
    async handler(args, ctx) {
      const { policy_id, rules } = args;
      const { call, signal } = ctx;
      await checkNames(args, policy_id, ruleChecks(rules), args.allow_unknown === true, ctx);
      const results = await ruleOutcomes(args, ctx);
      const batches: RuleInput[][] = [];
      for (let i = 0; i < rules.length; i += RULE_BATCH_SIZE) batches.push(rules.slice(i, i + RULE_BATCH_SIZE));
      let applied = 0;
      const sent = (index: number) => (index === 0 ? "No earlier batch was sent" : `The first ${applied} rules (batches 1–${index}) were applied`);
      for (const [index, batch] of batches.entries()) {
        // A cancelled call sends no further batch, and says what the earlier ones did.
        if (signal.aborted) {
          if (index === 0) throw new AltrError({ kind: "cancelled", hint: "The call was cancelled by the client before any rule was sent: nothing was changed." });
          throw new ToolFailure(
            "cancelled",
            `Cancelled by the client after batch ${index} of ${batches.length}. ${sent(index)}; the remaining ${rules.length - applied} were not sent. Check with get_rules.`,
            { policy_id, rules_added: applied, batches: index },
          );
        }
        try {
          await call("api.batchUpdatePolicyRules", { path: { policy_id }, body: { rules: batch.map((r) => ({ action: "PUT" as const, rule: r })) }, signal });
        } catch (err) {
          if (!(err instanceof AltrError)) throw err;
          if (err.kind === "cancelled") {
            // The batch may have reached ALTR before the cancel: its outcome is unknown, not "not applied".
            throw new ToolFailure(
              "cancelled",
              `Cancelled by the client while batch ${index + 1} of ${batches.length} (${batch.length} rules) was being sent: ALTR may or may not have applied it. ${sent(index)}; the remaining ${rules.length - applied - batch.length} were not sent. Check with get_rules before retrying.`,
              { policy_id, rules_added: applied, batches: index },
            );
          }
          if (index === 0) throw err;
          throw new ToolFailure(
            "partial_failure",
            `Batch ${index + 1} of ${batches.length} failed: ${err.message} The first ${applied} rules (batches 1–${index}) were applied; the remaining ${rules.length - applied} were not sent. Check with get_rules before retrying.`,
            { policy_id, rules_added: applied, batches: index },
          );
        }
        applied += batch.length;
        ctx.progress(applied, rules.length, `${applied} of ${rules.length} rules applied (batch ${index + 1} of ${batches.length})`);
      }
      return { policy_id, rules_added: applied, batches: batches.length, results };
    },
  }),

  defineTool({
    name: "update_rule",
    title: "Update a masking rule",
    description:
      "Change one masking rule. A lower level (e.g. 10000) unmasks data.",
    toolset: "policies",
    input: {
      policy_id: policyId,
      rule_id: ruleId,
      masking_policy: maskingLevel.optional(),
      role: z.string().trim().min(1).optional(),
      tag_value: z.string().trim().min(1).optional(),
      access_rate_thresholds: thresholdsAsInAddRules(accessRateThreshold).optional(),
      time_window_thresholds: thresholdsAsInAddRules(timeWindowThreshold).optional(),
      allow_unknown: allowUnknown.describe("As in add_rules."),
    },
    // It can unmask data (a lower masking level), so it is flagged as destructive.
    annotations: REMOVE,
    operations: ["api.updatePolicyRule", "api.listPolicyRules", "altrnet.listUserGroups", "api.listTagValues"],
    output: responseData("api.updatePolicyRule"),
    async impact({ policy_id, rule_id, masking_policy, role, tag_value }, ctx) {
      const rule = (await someRules(ctx, policy_id)).rules.find((r) => r.rule_id === rule_id);
      if (!rule) return undefined;
      const changes = [
        masking_policy !== undefined ? `level ${String(levelOf(rule) ?? "?")} → ${masking_policy}${masking_policy === 10000 ? " (no mask: unmasks)" : ""}` : undefined,
        role !== undefined ? `role ${rule.role ?? "?"} → ${role}` : undefined,
        tag_value !== undefined ? `tag value ${rule.tag_value ?? rule.tag_value_regex ?? "?"} → ${tag_value}` : undefined,
      ].filter(Boolean);
      return `rule ${describeRule(rule)}${changes.length ? `: ${changes.join(", ")}` : ""}`;
    },
    // Before the confirmation question: an empty change or an unknown role/tag value is refused unasked.
    check: (args, ctx) => checkRuleUpdate(args, ctx),
    async handler(args, ctx) {
      const { policy_id, rule_id, allow_unknown: _allow, ...fields } = args;
      const { call, signal } = ctx;
      await checkRuleUpdate(args, ctx);
      const body = await call("api.updatePolicyRule", { path: { policy_id, rule_id }, body: fields, signal });
      return body?.data ?? { rule_id, policy_id };
    },
  }),

  defineTool({
    name: "delete_policy",
    title: "Delete a masking policy",
    description: "Delete a masking policy and its rules; its columns stop being masked by it.",
    toolset: "policies",
    input: { policy_id: policyId, force_delete: z.boolean().optional() },
    annotations: REMOVE,
    operations: ["api.deletePolicy", "api.listPolicyRules"],
    output: objectOf({ policy_id: S.string, deleted: S.boolean, ...DELETE_OUTCOME }),
    async impact({ policy_id }, ctx) {
      const { rules, more } = await someRules(ctx, policy_id);
      const n = `${rules.length}${more ? "+" : ""}`;
      return rules.length === 0 && !more ? "it has no rules" : n === "1" ? "1 rule goes with it" : `${n} rules go with it`;
    },
    async handler({ policy_id, force_delete }, { call, signal }) {
      const query = force_delete === undefined ? undefined : { "force-delete": force_delete };
      const done = await deleteOnce(call("api.deletePolicy", { path: { policy_id }, ...(query ? { query } : {}), signal }), { what: "policy", list: "get_policies" });
      return { policy_id, deleted: done.changed, ...outcome(done) };
    },
  }),

  defineTool({
    name: "delete_rule",
    title: "Delete a masking rule",
    description: "Delete one masking rule; what its role sees changes at once.",
    toolset: "policies",
    input: { policy_id: policyId, rule_id: ruleId },
    annotations: REMOVE,
    operations: ["api.deletePolicyRule", "api.listPolicyRules"],
    output: objectOf({ policy_id: S.string, rule_id: S.string, deleted: S.boolean, ...DELETE_OUTCOME }),
    async impact({ policy_id, rule_id }, ctx) {
      const rule = (await someRules(ctx, policy_id)).rules.find((r) => r.rule_id === rule_id);
      return rule ? `${describeRule(rule)}; what that role sees changes at once` : undefined;
    },
    async handler({ policy_id, rule_id }, ctx) {
      const { call, signal } = ctx;
      const done = await deleteOnce(call("api.deletePolicyRule", { path: { policy_id, rule_id }, signal }), { what: "rule", list: "get_rules" });
      // ALTR's 404 body is the same "Not Found" for an unknown policy and an unknown rule: the
      // policy's rules are read to tell them apart (an unknown policy is a wrong policy_id, an error).
      if (!done.changed) {
        await rulesPage(ctx, policy_id, null).catch((err: unknown) => {
          if (!(err instanceof AltrError) || err.status !== 404) throw err;
          throw err.withHint("ALTR has no policy with this policy_id, so the rule id was not looked at: check policy_id with get_policies. Nothing was deleted.");
        });
      }
      return { policy_id, rule_id, deleted: done.changed, ...outcome(done) };
    },
  }),
];
