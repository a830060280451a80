/**
 * Values the sandbox derives from the documents: a minimal value for a schema (required
 * properties, from the schema's own example/default/enum), where a list keeps its items, and
 * where an answer carries one object of a given schema.
 */
import type { JsonSchema } from "../schema/json-schema.js";

export type Resolve = (node: unknown) => JsonSchema;
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Item = { [key: string]: Json };

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A value as text: strings as they are, anything else through String (undefined/null → ""). */
export const str = (v: unknown): string => (typeof v === "string" ? v : String(v ?? ""));

export const clone = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));

/** allOf flattened into one object schema (properties and required merged). */
export function objectView(schema: JsonSchema, resolve: Resolve): { properties: Record<string, JsonSchema>; required: string[] } {
  const s = resolve(schema);
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const part of [s, ...((s.allOf as unknown[]) ?? []).map(resolve)]) {
    Object.assign(properties, (part.properties as Record<string, JsonSchema>) ?? {});
    required.push(...((part.required as string[]) ?? []));
  }
  return { properties, required };
}

/** A small valid value for a schema: example, default, first enum value, or built from its parts. */
export function valueFor(schema: JsonSchema, resolve: Resolve, depth = 0): Json {
  const s = resolve(schema);
  if (s.example !== undefined) return clone(s.example) as Json;
  if (s.default !== undefined) return clone(s.default) as Json;
  if (Array.isArray(s.enum) && s.enum.length) return clone(s.enum[0]) as Json;
  const variants = (s.oneOf ?? s.anyOf) as unknown[] | undefined;
  if (variants?.length) return valueFor(resolve(variants[0]), resolve, depth + 1);
  if (depth > 12) return s.nullable === true ? null : {};
  const type = s.type ?? (s.properties || s.allOf ? "object" : undefined);
  switch (type) {
    case "object": {
      const { properties, required } = objectView(s, resolve);
      const out: Item = {};
      for (const name of required) if (properties[name]) out[name] = valueFor(properties[name]!, resolve, depth + 1);
      return out;
    }
    case "array": {
      const min = typeof s.minItems === "number" ? s.minItems : 0;
      return Array.from({ length: min }, () => valueFor((s.items as JsonSchema) ?? {}, resolve, depth + 1));
    }
    case "integer":
    case "number":
      return typeof s.minimum === "number" ? s.minimum : 0;
    case "boolean":
      return false;
    case "string":
      if (s.format === "date-time") return new Date(0).toISOString();
      if (s.format === "uuid") return "00000000-0000-4000-8000-000000000000";
      return "x".repeat(typeof s.minLength === "number" ? s.minLength : 0);
    default:
      return null;
  }
}

/** Where a list answer keeps its items: the path to the first array of objects (breadth first). */
export function findArray(schema: JsonSchema, resolve: Resolve): { path: string[]; items: JsonSchema } | undefined {
  const queue: { s: JsonSchema; path: string[] }[] = [{ s: resolve(schema), path: [] }];
  for (let i = 0; i < queue.length && i < 200; i++) {
    const { s, path } = queue[i]!;
    if (s.type === "array" && s.items) return { path, items: resolve(s.items) };
    if (s.type === "object" || s.properties || s.allOf) {
      for (const [name, sub] of Object.entries(objectView(s, resolve).properties)) queue.push({ s: resolve(sub), path: [...path, name] });
    }
  }
  return undefined;
}

/**
 * Where an answer carries an object whose schema is `target` (the same document node: exact), or
 * else the first object that has property `key`.
 */
export function findObject(
  schema: JsonSchema,
  target: JsonSchema,
  key: string | undefined,
  resolve: Resolve,
): { path: string[]; exact: boolean; schema: JsonSchema } | undefined {
  const queue: { s: JsonSchema; path: string[] }[] = [{ s: resolve(schema), path: [] }];
  let byKey: { path: string[]; exact: boolean; schema: JsonSchema } | undefined;
  for (let i = 0; i < queue.length && i < 200; i++) {
    const { s, path } = queue[i]!;
    if (s === target) return { path, exact: true, schema: s };
    if (s.type === "array") continue;
    const { properties } = objectView(s, resolve);
    if (key && properties[key] && !byKey) byKey = { path, exact: false, schema: s };
    for (const [name, sub] of Object.entries(properties)) queue.push({ s: resolve(sub), path: [...path, name] });
  }
  return byKey;
}

export function getAt(value: unknown, path: string[]): unknown {
  let v = value;
  for (const p of path) v = isRecord(v) ? v[p] : undefined;
  return v;
}

export function setAt(value: Json, path: string[], inner: Json): Json {
  if (path.length === 0) return inner;
  const root: Item = isRecord(value) ? (value as Item) : {};
  let node: Item = root;
  for (const p of path.slice(0, -1)) {
    const next = node[p];
    node = node[p] = isRecord(next) ? (next as Item) : {};
  }
  node[path[path.length - 1]!] = inner;
  return root;
}

/** Secrets ALTR takes but never returns: kept out of the sandbox's state (and so out of its state file). */
const SECRET_NAME = /passw|secret|private_key|credential/i;

function isSecret(name: string, schema: JsonSchema | undefined): boolean {
  return SECRET_NAME.test(name) || schema?.writeOnly === true || schema?.format === "password";
}

/** Copies the fields of `patch` the schema knows (all of them when it allows extra fields), secrets left out. */
export function knownFields(patch: unknown, schema: JsonSchema, resolve: Resolve): Item {
  if (!isRecord(patch)) return {};
  const s = resolve(schema);
  const { properties } = objectView(s, resolve);
  const open = s.additionalProperties !== false && Object.keys(properties).length === 0;
  const out: Item = {};
  for (const [k, v] of Object.entries(patch)) {
    const sub = properties[k] ? resolve(properties[k]) : undefined;
    if ((open || sub) && !isSecret(k, sub)) out[k] = clone(v) as Json;
  }
  return out;
}

/** The property of an item that a path parameter names: job_id → id, repo_name → name, databaseId → id. */
export function idProperty(param: string, item: JsonSchema, resolve: Resolve): string | undefined {
  const { properties } = objectView(item, resolve);
  const snake = param.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
  const camel = param.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  const last = snake.split("_").pop() ?? "";
  for (const c of [param, snake, camel, last, "id", "name", "uuid"]) if (c && c in properties) return c;
  return undefined;
}
