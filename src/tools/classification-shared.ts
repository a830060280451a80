/** Pieces shared by the classification tool tables (classification service). */
import { z } from "zod";
import { input, InputError } from "./define.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A UUID id; checked without advertising the pattern (it would cost tokens on every tool). */
export const uuid = (what: string, from: string) =>
  z
    .string()
    .trim()
    .refine((v) => UUID.test(v), `must be ${what} (a UUID) from ${from}`);

export const jobId = uuid("a job id", "get_jobs");

/** Integers ≥ 1; the bound is checked, not advertised. */
export const positive = z
  .number()
  .int()
  .refine((n) => n >= 1, "must be 1 or more");

export const databaseId = positive;

/** A classifier or collection name (a path segment; percent-encoded by the client). */
export const name = z.string().trim().min(1);

/** An object name from the findings tree (not trimmed: Snowflake identifiers may be quoted). */
export const objectName = z.string().min(1);

/**
 * A list of strings that also accepts one string, or a JSON array in a string (clients that
 * only send strings). A plain string is one value: it is not split on commas.
 */
export function listOf<T extends z.ZodType>(item: T, min = 0, minMessage?: string) {
  return z.preprocess((v) => {
    if (typeof v !== "string") return v;
    if (v.trimStart().startsWith("[")) {
      try {
        const parsed: unknown = JSON.parse(v);
        if (Array.isArray(parsed)) return parsed;
      } catch {
        // not JSON: one value
      }
    }
    return [v];
  }, min > 0 ? z.array(item).min(min, minMessage) : z.array(item));
}

/** `schema`'s validation, listed in tools/list as `shape` (the lenient forms stay unlisted). */
function listedAs<T extends z.ZodType>(schema: T, shape: Record<string, unknown>) {
  return z
    .custom<unknown>(() => true)
    .pipe(schema)
    .meta(shape);
}

export const classifierNames = listedAs(listOf(name, 1, "give at least one classifier name"), {
  type: "array",
  items: { type: "string" },
});

/**
 * Review-state filter of the findings tree: one state (as the upstream declares it) or a list,
 * sent as repeated query keys. Only the one-state form is listed.
 */
const STATES = ["approved", "rejected", "pending"] as const;
export const confirmedStatusFilter = listedAs(listOf(z.enum(STATES)), { type: "string", enum: [...STATES] }).optional();

/** Optional classifier-name filter for the findings tree; a list is sent as repeated keys. */
export const classifierNameFilter = listOf(name).optional();

/**
 * The bounded "read every page" mode of paged lists (up to MAX_PAGES; the server instructions
 * explain it once for every list tool).
 */
export const allPages = z.boolean().optional();

export { contiguousId } from "./common.js";

/** A page size; the range is checked, not advertised (the name says what it is). */
export const pageSize = (max: number) =>
  z
    .number()
    .int()
    .refine((n) => n >= 1 && n <= max, `must be between 1 and ${max}`)
    .optional();


/** A list filter, or undefined when it is empty (the upstream ignores an empty filter). */
export function nonEmpty<T>(list: T[] | undefined): T[] | undefined {
  return list && list.length > 0 ? list : undefined;
}

/**
 * A findings scope (database → schema → table → column) must be contiguous from the database
 * down: each level needs the one above it.
 */
export function checkScope(scope: { database?: string; schema?: string; table?: string; column?: string }): void {
  const chain = ["database", "schema", "table", "column"] as const;
  for (let i = 1; i < chain.length; i++) {
    const field = chain[i]!;
    const parent = chain[i - 1]!;
    if (scope[field] !== undefined && scope[parent] === undefined) {
      throw new InputError(`${field}: requires ${parent} (the scope runs database → schema → table → column)`, [field]);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Compound rulesets: validated against their real structure before any request.

const TEXT_COMPARATORS = ["matches", "contains", "equals", "starts_with", "ends_with"] as const;
const SIZE_COMPARATORS = ["greater_than", "greater_than_or_equal", "less_than", "less_than_or_equal", "equals"] as const;
const CONTENT_FORMATS = [
  "JSON", "XML", "HTML", "YAML", "CSV", "BASE64", "PLAIN_TEXT", "PDF", "DOCX", "XLSX",
  "PPTX", "MS_OFFICE_LEGACY", "RTF", "ZIP", "GZIP", "PNG", "JPEG", "GIF", "TIFF", "PARQUET",
] as const;

const tag = z
  .string()
  .regex(/^[^:A-Z]+:[^:A-Z]+$/, "must be a lower-case key:value pair, e.g. type:ssn")
  .refine((t) => !t.startsWith("altr"), "keys starting with altr are reserved for ALTR");
const common = { negated: z.boolean().optional(), tags: z.array(tag).optional() };
const percent = z.number().gt(0).max(100);
const ratio = z.number().min(0).max(1);
const text = z.string().min(1);

/** The fields of each leaf target (ALTR's ConditionTarget), strict: a stray field is an error. */
const LEAVES = {
  ROW_DATA: { pattern: text, comparator: z.literal("matches").optional(), minimum_threshold: percent.optional() },
  METADATA: { pattern: text, comparator: z.enum(TEXT_COMPARATORS).optional() },
  COLUMN_LOCATION: {
    location: z.strictObject({ database: text.optional(), schema: text.optional(), table: text.optional() }),
  },
  GDLP: { info_type: text, minimum_likelihood: z.enum(["VERY_UNLIKELY", "UNLIKELY", "POSSIBLE", "LIKELY", "VERY_LIKELY"]).optional() },
  SNOWFLAKE_NATIVE: {
    semantic_category: text.optional(),
    privacy_category: text.optional(),
    minimum_confidence: z.enum(["HIGH", "MEDIUM", "LOW"]).optional(),
    minimum_coverage: ratio.optional(),
  },
  CONTENT_TYPE: {
    content_format: z.enum(CONTENT_FORMATS).optional(),
    content_formats: z.array(z.enum(CONTENT_FORMATS)).min(1).optional(),
    dominance_threshold: z.number().min(0).optional(),
  },
  DATA_LENGTH: {
    length: z.number().int().min(0),
    comparator: z.enum(SIZE_COMPARATORS),
    trim: z.boolean().optional(),
    minimum_threshold: percent.optional(),
  },
  COLUMN_SIZE: { size: z.number().int().min(0), comparator: z.enum(SIZE_COMPARATORS) },
  AMAZON_COMPREHEND: { entity_type: text, minimum_score: ratio.optional() },
} as const;
type Target = keyof typeof LEAVES;
export const CONDITION_TARGETS = Object.keys(LEAVES) as Target[];

const leafSchemas = {} as Record<Target, z.ZodType>;
for (const t of CONDITION_TARGETS) leafSchemas[t] = z.strictObject({ target: z.literal(t), ...common, ...LEAVES[t] });

/** Nested group levels below the top (ALTR documents no limit; the curated document unrolls four). */
const MAX_DEPTH = 4;

type Ctx = z.RefinementCtx;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function checkLeaf(node: Record<string, unknown>, path: PropertyKey[], ctx: Ctx): void {
  const target = node.target;
  if (typeof target !== "string" || !(target in LEAVES)) {
    ctx.addIssue({ code: "custom", path: [...path, "target"], message: `must be one of ${CONDITION_TARGETS.join(", ")}` });
    return;
  }
  const t = target as Target;
  if (t === "COLUMN_LOCATION" && isObject(node.location) && "column" in node.location) {
    ctx.addIssue({
      code: "custom",
      path: [...path, "location", "column"],
      message: "not allowed: COLUMN_LOCATION matches database, schema and table; match column names with a METADATA condition",
    });
    return;
  }
  const parsed = leafSchemas[t].safeParse(node);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (issue.code === "unrecognized_keys") {
        for (const key of issue.keys) {
          ctx.addIssue({ code: "custom", path: [...path, ...issue.path, key], message: `not a field of a ${t} condition` });
        }
      } else {
        const missing = issue.code === "invalid_type" && /received undefined$/.test(issue.message);
        ctx.addIssue({ code: "custom", path: [...path, ...issue.path], message: missing ? "required" : issue.message });
      }
    }
    return;
  }
  if (t === "SNOWFLAKE_NATIVE" && node.semantic_category === undefined && node.privacy_category === undefined) {
    ctx.addIssue({ code: "custom", path, message: "a SNOWFLAKE_NATIVE condition needs semantic_category or privacy_category" });
  }
  if (t === "CONTENT_TYPE" && node.content_format === undefined && node.content_formats === undefined) {
    ctx.addIssue({ code: "custom", path, message: "a CONTENT_TYPE condition needs content_format or content_formats" });
  }
}

function checkGroup(node: Record<string, unknown>, path: PropertyKey[], ctx: Ctx, depth: number): void {
  if (depth > MAX_DEPTH) {
    ctx.addIssue({ code: "custom", path, message: `groups nest more than ${MAX_DEPTH} levels deep` });
    return;
  }
  for (const key of Object.keys(node)) {
    if (!["operator", "conditions", "negated", "tags"].includes(key)) {
      ctx.addIssue({
        code: "custom",
        path: [...path, key],
        message: "not a field of a group (a group has operator, conditions, negated, tags; a leaf has target)",
      });
    }
  }
  if (node.operator !== "AND" && node.operator !== "OR") {
    ctx.addIssue({ code: "custom", path: [...path, "operator"], message: "must be AND or OR" });
  }
  const extras = z.object(common).safeParse({ negated: node.negated, tags: node.tags });
  if (!extras.success) {
    for (const issue of extras.error.issues) ctx.addIssue({ code: "custom", path: [...path, ...issue.path], message: issue.message });
  }
  const conditions = node.conditions;
  if (!Array.isArray(conditions) || conditions.length === 0) {
    ctx.addIssue({ code: "custom", path: [...path, "conditions"], message: "must be a non-empty list of conditions" });
    return;
  }
  conditions.forEach((c, i) => {
    const at = [...path, "conditions", i];
    if (!isObject(c)) {
      ctx.addIssue({ code: "custom", path: at, message: "must be an object: a leaf {target, …} or a group {operator, conditions}" });
    } else if ("target" in c) {
      checkLeaf(c, at, ctx);
    } else if ("operator" in c || "conditions" in c) {
      checkGroup(c, at, ctx, depth + 1);
    } else {
      ctx.addIssue({ code: "custom", path: at, message: "needs target (a leaf) or operator and conditions (a group)" });
    }
  });
}

const RULESET_HELP =
  "{operator: AND|OR, conditions: [group or leaf]}. Leaf {target, negated?, …}: ROW_DATA/METADATA pattern+comparator; COLUMN_LOCATION location{database,schema,table}; GDLP info_type; AMAZON_COMPREHEND entity_type; DATA_LENGTH length / COLUMN_SIZE size +comparator; CONTENT_TYPE content_formats; SNOWFLAKE_NATIVE semantic_category.";

/**
 * A compound ruleset parameter (object or JSON string). `allowEmpty`: `{}` is accepted (it
 * removes the ruleset on update). The advertised schema is a plain object with a summary; the
 * full structure is checked here, with errors such as `compound_ruleset.conditions[1].pattern`.
 */
export function rulesetParam(opts: { allowEmpty: boolean; description?: string }) {
  return input.jsonOr(
    z
      .custom<Record<string, unknown>>(isObject, { message: "must be an object {operator, conditions}" })
      .superRefine((value, ctx) => {
        if (opts.allowEmpty && Object.keys(value).length === 0) return;
        checkGroup(value, [], ctx, 0);
      })
      .meta({ type: "object", description: opts.description ?? RULESET_HELP }),
  );
}
