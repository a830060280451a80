/**
 * How a tool's input schema is advertised in tools/list — the token budget of issue 7.
 *
 * Top-level parameters keep real JSON Schema (type, enum, bounds, required) when they are
 * scalars or lists of scalars. A structured parameter (an object, a list of objects, a union)
 * is advertised as its JSON type plus a compact, exact signature in the description, e.g.
 *   `{hour: int 0–23, minute: int 0–59}` or `{type: "email", enabled?: bool, recipients: string[1+]}[]`
 * which keeps every enum, bound and required field at about a quarter of the bytes. Validation
 * is unchanged: the zod schema checks the whole structure before any request and names the
 * failing path (`rules[0].time_window_thresholds[0].start_time.hour`).
 *
 * Also dropped from the advertised schema because they tell the model nothing: `$schema`,
 * zod's safe-integer bounds, `minLength`/`minItems` 1 (blank strings and empty lists are still refused), `maxLength` of
 * 256 and more, and `additionalProperties: false` (unknown keys are still refused, naming them).
 */
import { createHash } from "node:crypto";
import type { JsonSchema } from "../schema/json-schema.js";

const SAFE_INT = 9007199254740991;
/** Length caps from here up (names of 256, PEM keys of 45,000) are never reached by accident. */
const LONG_TEXT = 256;

/** Drops what costs tokens and tells the model nothing (see above). */
export function tidy(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(tidy);
  if (node === null || typeof node !== "object") return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === "$schema") continue;
    if ((k === "minimum" && v === -SAFE_INT) || (k === "maximum" && v === SAFE_INT)) continue;
    if ((k === "minLength" || k === "minItems") && v === 1) continue;
    if (k === "additionalProperties" && v === false) continue;
    if (k === "maxLength" && typeof v === "number" && v >= LONG_TEXT) continue;
    out[k] = tidy(v);
  }
  return out;
}

const isObject = (v: unknown): v is JsonSchema => v !== null && typeof v === "object" && !Array.isArray(v);

function bounds(s: JsonSchema): string {
  const min = s.minimum ?? (s.exclusiveMinimum === undefined ? undefined : `>${String(s.exclusiveMinimum)}`);
  const max = s.maximum ?? (s.exclusiveMaximum === undefined ? undefined : `<${String(s.exclusiveMaximum)}`);
  if (min !== undefined && max !== undefined) return ` ${String(min)}–${String(max)}`;
  if (min !== undefined) return typeof min === "string" ? ` ${min}` : ` ≥${String(min)}`;
  if (max !== undefined) return typeof max === "string" ? ` ${max}` : ` ≤${String(max)}`;
  return "";
}

function lengths(s: JsonSchema, min: string, max: string): string {
  const lo = s[min] as number | undefined;
  const hi = s[max] as number | undefined;
  if (lo !== undefined && hi !== undefined) return lo === hi ? `[${lo}]` : `[${lo}–${hi}]`;
  if (lo !== undefined) return `[${lo}+]`;
  if (hi !== undefined) return `[≤${hi}]`;
  return "";
}

/** A compact TypeScript-like signature of a JSON Schema: exact enums, bounds and required keys. */
export function signature(s: unknown): string {
  if (!isObject(s)) return "any";
  const variants = (s.anyOf ?? s.oneOf) as unknown[] | undefined;
  let out: string;
  if (Array.isArray(variants)) out = variants.map(signature).join(" | ");
  else if (s.const !== undefined) out = JSON.stringify(s.const);
  else if (Array.isArray(s.enum)) out = s.enum.map((v) => (typeof v === "string" ? v : JSON.stringify(v))).join("|");
  else {
    switch (s.type) {
      case "string":
        out = `string${lengths(s, "minLength", "maxLength")}${s.pattern ? ` /${String(s.pattern)}/` : ""}`;
        break;
      case "integer":
        out = `int${bounds(s)}`;
        break;
      case "number":
        out = `number${bounds(s)}`;
        break;
      case "boolean":
        out = "bool";
        break;
      case "array": {
        const item = signature(s.items);
        const wrapped = /[ |]/.test(item) && !item.startsWith("{") ? `(${item})` : item;
        out = `${wrapped}[]${lengths(s, "minItems", "maxItems").replace(/^\[(.*)\]$/, "($1)")}`;
        break;
      }
      case "object": {
        const props = isObject(s.properties) ? s.properties : undefined;
        if (!props) {
          out = "object";
          break;
        }
        const required = new Set(Array.isArray(s.required) ? (s.required as string[]) : []);
        out = `{${Object.entries(props)
          .map(([k, v]) => `${k}${required.has(k) ? "" : "?"}: ${signature(v)}`)
          .join(", ")}}`;
        break;
      }
      default:
        out = "any";
    }
  }
  const note = typeof s.description === "string" ? ` (${s.description.replace(/\.$/, "")})` : "";
  return `${out}${note}`;
}

/** A schema that is a scalar (or array of scalars) stays JSON Schema at any depth. */
function isFlat(s: JsonSchema): boolean {
  if (s.type === "object" || s.anyOf || s.oneOf) return false;
  if (s.type === "array") return !isObject(s.items) || isFlat(s.items);
  return true;
}

/** Replaces a structured schema by its JSON type and a signature description. */
function compact(s: JsonSchema): JsonSchema {
  if (isFlat(s)) return s;
  const { description, ...shape } = s;
  const type = shape.type === "array" ? "array" : shape.type === "object" ? "object" : undefined;
  const sig = signature(shape);
  // A shape with nothing beyond its JSON type (a record, a free-form object) adds no signature.
  const generic = /^(object|any)(\[\])*(\(.*\))?$/.test(sig);
  if (typeof description === "string" && generic) return type ? { type, description } : { description };
  const text = typeof description === "string" ? `${description.replace(/\.?$/, ".")} ${sig}` : sig;
  return type ? { type, description: text } : { description: text };
}

/**
 * The advertised form of a tool's tidied input schema: every top-level parameter keeps its JSON
 * Schema when it is a scalar or a list of scalars; a structured one (object, list of objects,
 * union) is advertised as its JSON type and its signature.
 */
export function advertise(schema: JsonSchema): JsonSchema {
  if (!isObject(schema.properties)) return schema;
  const properties: Record<string, unknown> = {};
  for (const [name, param] of Object.entries(schema.properties)) properties[name] = isObject(param) ? compact(param) : param;
  return { ...schema, properties };
}

/** Shapes shorter than this are written out again rather than referred to. */
const SHARED_MIN = 40;

const typesOf = (s: JsonSchema): string[] => (Array.isArray(s.type) ? (s.type as string[]) : typeof s.type === "string" ? [s.type] : []);

/**
 * A compact signature of a tolerant output schema (schema/json-schema.ts: nothing required,
 * every value may be null, extra fields allowed — said once in the server instructions, not at
 * every field): `{id: int, name, tags: string[], owner: {id: int, email}}` (a bare name is a
 * string). A shape met again in the same tool is written once and referred to by the field that
 * first had it: `masking_pending: like masking_applied`.
 */
export function outputSignature(s: unknown, seen: Map<string, string> | null = new Map(), key = "data"): string {
  if (!isObject(s)) return "any";
  const variants = (s.anyOf ?? s.oneOf) as unknown[] | undefined;
  if (Array.isArray(variants)) {
    const parts = [...new Set(variants.map((v) => outputSignature(v, seen, key)))];
    return parts.length === 1 ? parts[0]! : parts.join(" | ");
  }
  if (Array.isArray(s.allOf)) return (s.allOf as unknown[]).map((v) => outputSignature(v, seen, key)).join(" & ");
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (Array.isArray(s.enum)) return s.enum.map((v) => (typeof v === "string" ? v : JSON.stringify(v))).join("|");
  const types = typesOf(s).filter((t) => t !== "null");
  if (types.length > 1) return types.map((t) => outputSignature({ ...s, type: t }, seen, key)).join(" | ");
  switch (types[0]) {
    case "string":
      return "string";
    case "integer":
      return "int";
    case "number":
      return "number";
    case "boolean":
      return "bool";
    case "array": {
      const item = outputSignature(s.items, seen, key);
      return `${/[ |]/.test(item) && !item.startsWith("{") ? `(${item})` : item}[]`;
    }
    case "object":
    case undefined: {
      const props = isObject(s.properties) ? s.properties : undefined;
      const extra = isObject(s.additionalProperties) ? s.additionalProperties : undefined;
      if (!props && !extra) return types[0] ? "object" : "any";
      if (seen) {
        const canonical = outputSignature(s, null);
        const first = seen.get(canonical);
        if (first !== undefined) return `like ${first}`;
        if (canonical.length >= SHARED_MIN) seen.set(canonical, key);
      }
      const fields = Object.entries(props ?? {}).filter(([k]) => !STORAGE_KEYS.has(k)).map(([k, v]) => {
        const sig = outputSignature(v, seen, k);
        return sig === "string" ? k : `${k}: ${sig}`;
      });
      if (extra) fields.push(`[name]: ${outputSignature(extra, seen, key)}`);
      return `{${fields.join(", ")}}`;
    }
    default:
      return "any";
  }
}

/**
 * ALTR's internal storage keys (its table's partition and sort keys): result shaping drops them
 * (result.ts), so the advertised signatures leave them out too.
 */
export const STORAGE_KEYS: ReadonlySet<string> = new Set(["PK", "SK"]);

/** The advertised `data` of an output schema: its JSON type(s) and its signature. */
export function advertisedData(data: JsonSchema): JsonSchema {
  const sig = outputSignature(data);
  const type = data.type;
  const described = sig === "any" || sig === "object" || sig === "string" ? {} : { description: sig };
  return type === undefined ? described : { type, ...described };
}

/**
 * The tools/list entries as sent, from the configuration's entries (describeTool): two steps over
 * the output schemas, on the list a session actually sees (after read-only hiding and support
 * mode), so that a reference never names a tool the session does not have.
 * - A `data` shape already advertised by an earlier tool of the list is written "As in <tool>."
 *   (a job's shape is the same for get_job and its five writers): the signature is text for the
 *   model either way, and each shape is then written once per list.
 * - Each output schema gets a `$id` derived from its content (`urn:altr-mcp:` and 12 hex digits of
 *   its SHA-256). The SDK's Client compiles a validator for every output schema on every
 *   listTools unless the schema has a `$id` it has compiled before: with content-addressed ids a
 *   re-list compiles nothing, tools with the same schema share one validator, and a changed schema
 *   gets a new id, so no client validates against a stale compile. Clients that compile with a
 *   long-lived Ajv and no look-up (SDK releases before the look-up) get an "already exists" error
 *   for an id they have seen, catch it and skip validating that tool (docs/compatibility.md).
 */
export function finishList<T extends { name: string; outputSchema?: object }>(tools: readonly T[]): T[] {
  const owners = new Map<string, string>();
  return tools.map((tool) => {
    const schema = tool.outputSchema as JsonSchema | undefined;
    const props = schema?.properties as Record<string, JsonSchema> | undefined;
    const data = props?.data;
    if (schema === undefined || props === undefined || data === undefined) return tool;
    const key = JSON.stringify(data);
    const owner = owners.get(key);
    let finished = schema;
    if (owner === undefined) owners.set(key, tool.name);
    else {
      const reference = `As in ${owner}.`;
      if (typeof data.description === "string" && data.description.length > reference.length) {
        finished = { ...schema, properties: { ...props, data: { ...data, description: reference } } };
      }
    }
    return { ...tool, outputSchema: withSchemaId(finished) };
  });
}

/** The schema with its content-addressed `$id` first (see finishList). */
export function withSchemaId(schema: JsonSchema): JsonSchema {
  const { $id: _previous, ...content } = schema;
  const hash = createHash("sha256").update(JSON.stringify(content)).digest("hex").slice(0, 12);
  return { $id: `urn:altr-mcp:${hash}`, ...content };
}
