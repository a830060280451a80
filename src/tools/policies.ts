/** Policies & rules: tag-based masking policies of the Unified Policy API (api service). */
import { z } from "zod";
import { AltrError } from "../altr/errors.js";
import { paginate } from "../altr/paginate.js";
import type { components } from "../generated/api.js";
import { S, objectOf, propertyOf } from "../schema/json-schema.js";
import { defineTool, input, InputError, ToolFailure, responseData, type Tool, type ToolContext } from "./define.js";
import { CREATE, cursor, MAX_PAGES, READ, REMOVE, UPDATE } from "./common.js";

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

const maskingLevel = z
  .number()
  .int()
  .min(10000)
  .max(10009)
  .describe("10000 no mask … 10009; see instructions.");

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
const thresholds = <T extends z.ZodType>(item: T) =>
  input.jsonOr(z.preprocess((v) => (v !== null && typeof v === "object" && !Array.isArray(v) ? [v] : v), z.array(item).min(1)));

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
async function someRules(ctx: Pick<ToolContext<"api.listPolicyRules">, "call" | "signal">, policy_id: string) {
  const paged = await paginate<[string, Rule[]], string>({
    start: null,
    maxPages: IMPACT_PAGES,
    fetchPage: (k) => rulesPage(ctx, policy_id, k),
  });
  return { rules: paged.items.flatMap(([, rules]) => rules), more: paged.next !== null };
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
async function addRulesExposure(policy_id: string, rules: readonly RuleInput[], ctx: Pick<ToolContext<"api.listPolicyRules">, "call" | "signal">) {
  const revealing = rules.filter((r) => reveals(r.masking_policy) < 2);
  if (revealing.length === 0) return undefined;
  const existing = (await someRules(ctx, policy_id)).rules;
  const norm = (v: string | null | undefined) => (v ?? "").trim().toUpperCase();
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
    },
    annotations: READ,
    operations: ["api.listPolicies"],
    output: objectOf({
      policies: propertyOf(responseData("api.listPolicies"), "policies"),
      count: S.integer,
      next_cursor: S.nullableString,
    }),
    async handler(args, { call, signal }) {
      const filter = args.policy_type ?? null;
      const types: readonly PolicyType[] = filter ? [filter] : POLICY_TYPES;
      let start: PolicyCursor = { p: filter, t: 0, k: null };
      if (args.cursor !== undefined) {
        const decoded = cursor.decode(args.cursor, isPolicyCursor);
        if (!decoded || decoded.p !== filter || decoded.t >= types.length) throw badCursor();
        start = decoded;
      }
      const paged = await paginate<components["schemas"]["Policy"], PolicyCursor>({
        start,
        maxPages: MAX_PAGES,
        fetchPage: async (c) => {
          const at = c ?? start;
          const type = types[at.t]!;
          const body = await call("api.listPolicies", { query: { policy_type: type, ...(at.k ? { exclusive_start_key: at.k } : {}) }, signal });
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
      items: propertyOf(responseData("api.listPolicyRules"), "items"),
      count: S.integer,
      next_cursor: S.nullableString,
    }),
    async handler(args, { call, signal }) {
      let start: string | null = null;
      if (args.cursor !== undefined) {
        const decoded = cursor.decode(args.cursor, isRuleCursor);
        if (!decoded) throw badCursor();
        start = decoded.k;
      }
      const paged = await paginate<[string, Rule[]], string>({
        start,
        maxPages: MAX_PAGES,
        fetchPage: (k) => rulesPage({ call, signal }, args.policy_id, k),
      });
      // A rule hash can span pages: concatenate its lists instead of keeping only the last one.
      const items: Record<string, Rule[]> = {};
      const seen = new Set<string>();
      let count = 0;
      for (const [hash, rules] of paged.items) {
        const list = (items[hash] ??= []);
        for (const r of rules) {
          const id = r.rule_id ?? JSON.stringify(r);
          if (seen.has(id)) continue;
          seen.add(id);
          list.push(r);
          count++;
        }
      }
      return { items, count, next_cursor: paged.next ? cursor.encode({ k: paged.next }) : null };
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
      "Upsert masking rules {masking_policy 10000–10009, role (get_roles), tag_value} in batches of 99; stops at the first failed batch. Asks first if a role would see more.",
    toolset: "policies",
    input: {
      policy_id: policyId,
      rules: input.jsonOr(z.array(rule).min(1)),
    },
    // Upserting the same rules again leaves the same state; an upsert can replace an existing
    // rule's level, which is the purpose of the tool, not a removal.
    annotations: UPDATE,
    operations: ["api.batchUpdatePolicyRules", "api.listPolicyRules"],
    output: objectOf({ policy_id: S.string, rules_added: S.integer, batches: S.integer }),
    // Not destructive, but an upsert can unmask: such calls go through the confirmation gate.
    asks: ({ policy_id, rules }, ctx) => addRulesExposure(policy_id, rules, ctx),
    async handler({ policy_id, rules }, { call, signal }) {
      const batches: RuleInput[][] = [];
      for (let i = 0; i < rules.length; i += RULE_BATCH_SIZE) batches.push(rules.slice(i, i + RULE_BATCH_SIZE));
      let applied = 0;
      for (const [index, batch] of batches.entries()) {
        try {
          await call("api.batchUpdatePolicyRules", { path: { policy_id }, body: { rules: batch.map((r) => ({ action: "PUT" as const, rule: r })) }, signal });
        } catch (err) {
          if (index === 0 || !(err instanceof AltrError)) throw err;
          throw new ToolFailure(
            "partial_failure",
            `Batch ${index + 1} of ${batches.length} failed: ${err.message} The first ${applied} rules (batches 1–${index}) were applied; the remaining ${rules.length - applied} were not sent. Check with get_rules before retrying.`,
            { policy_id, rules_added: applied, batches: index },
          );
        }
        applied += batch.length;
      }
      return { policy_id, rules_added: applied, batches: batches.length };
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
      access_rate_thresholds: thresholds(accessRateThreshold).optional(),
      time_window_thresholds: thresholds(timeWindowThreshold).optional(),
    },
    // It can unmask data (a lower masking level), so it is flagged as destructive.
    annotations: REMOVE,
    operations: ["api.updatePolicyRule", "api.listPolicyRules"],
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
    async handler({ policy_id, rule_id, ...fields }, { call, signal }) {
      if (Object.values(fields).every((v) => v === undefined)) {
        throw new InputError(
          "Nothing to update: give masking_policy, role, tag_value, access_rate_thresholds or time_window_thresholds",
          [],
        );
      }
      const body = await call("api.updatePolicyRule", { path: { policy_id, rule_id }, body: fields, signal });
      return body?.data ?? { rule_id, policy_id };
    },
  }),

  defineTool({
    name: "delete_policy",
    title: "Delete a masking policy",
    description: "Delete a masking policy and its rules; its columns stop being masked by it.",
    toolset: "policies",
    input: { policy_id: policyId },
    annotations: REMOVE,
    operations: ["api.deletePolicy", "api.listPolicyRules"],
    output: objectOf({ policy_id: S.string, deleted: S.boolean }),
    async impact({ policy_id }, ctx) {
      const { rules, more } = await someRules(ctx, policy_id);
      const n = `${rules.length}${more ? "+" : ""}`;
      return rules.length === 0 && !more ? "it has no rules" : `${n} rule${n === "1" ? "" : "s"} go with it`;
    },
    async handler({ policy_id }, { call, signal }) {
      await call("api.deletePolicy", { path: { policy_id }, signal });
      return { policy_id, deleted: true };
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
    output: objectOf({ policy_id: S.string, rule_id: S.string, deleted: S.boolean }),
    async impact({ policy_id, rule_id }, ctx) {
      const rule = (await someRules(ctx, policy_id)).rules.find((r) => r.rule_id === rule_id);
      return rule ? `${describeRule(rule)}; what that role sees changes at once` : undefined;
    },
    async handler({ policy_id, rule_id }, { call, signal }) {
      await call("api.deletePolicyRule", { path: { policy_id, rule_id }, signal });
      return { policy_id, rule_id, deleted: true };
    },
  }),
];
