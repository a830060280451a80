/**
 * The sandbox's answers built from the documents, independent of its state: which paths are
 * collections, the documented success and error bodies, list answers (paging, totals, cursors)
 * and item answers. engine.ts decides what to answer; this module shapes it.
 */
import type { JsonSchema } from "../schema/json-schema.js";
import { describeErrors, type Document, type Operation } from "./documents.js";
import type { Collection, Reply } from "./types.js";
import { clone, findArray, findObject, getAt, idProperty, isRecord, knownFields, objectView, setAt, str, valueFor, type Item, type Json } from "./values.js";

export const PAGING = new Set(["offset", "limit", "page", "page_size", "pageSize", "size", "cursor", "exclusive_start_key", "next_token", "nextToken", "start_after", "max_results", "contiguous_id", "page_token", "next_page_token"]);
/** Query parameters that continue a list (the document's cursor), read back as an offset. */
const CURSOR_PARAMS = ["contiguous_id", "cursor", "page_token", "next_page_token", "next_token", "nextToken"];
/** Sort parameters: a field (enum of property names) or a direction (asc|desc), by ALTR's several names. */
const SORT_PARAMS = new Set(["sort_by", "sortBy", "order_by", "orderBy", "order", "sort_order", "sort"]);
const LIMITS = ["limit", "page_size", "pageSize", "size", "max_results"];
const TOTALS = new Set(["count", "total", "total_count", "totalCount", "total_items", "totalItems", "totalRecords", "total_records"]);
const CURSOR = /next|cursor|last_evaluated|continuation|page_token|marker|contiguous/i;
export const TIMESTAMPS = new Set(["created_at", "createdAt", "updated_at", "updatedAt", "created", "updated", "create_time", "update_time", "createdDate", "updatedDate", "last_modified"]);

export const trim = (t: string) => (t.length > 1 ? t.replace(/\/+$/, "") : t);
export const fill = (template: string, params: Record<string, unknown>) =>
  trim(template.replace(/\{([^}]+)\}/g, (m, n: string) => (params[n] === undefined ? m : String(params[n]))));

const MESSAGE_KEYS = ["message", "error", "detail", "error_description", "title"];

/** Puts `message` where the documented error example keeps its message. */
function withMessage(body: Json, message: string): Json {
  const visit = (node: Json): boolean => {
    if (!isRecord(node)) return false;
    const rec = node as Item;
    for (const k of MESSAGE_KEYS) {
      if (typeof rec[k] === "string") {
        rec[k] = message;
        return true;
      }
    }
    return Object.values(rec).some((v) => visit(v));
  };
  if (!visit(body) && isRecord(body)) (body as Item).message = message;
  return body;
}

const COLLECTIONS = new WeakMap<Document, Map<string, Collection | undefined>>();

/** The collection at a template: its list operation, where the items sit, and its item template. */
export function collectionOf(doc: Document, template: string): Collection | undefined {
  const key = trim(template);
  let perDoc = COLLECTIONS.get(doc);
  if (!perDoc) COLLECTIONS.set(doc, (perDoc = new Map()));
  if (perDoc.has(key)) return perDoc.get(key);
  let found: Collection | undefined;
  const list = doc.byTemplate.get(key)?.get("get") ?? doc.byTemplate.get(`${key}/`)?.get("get");
  const schema = list ? okResponse(list)?.schema : undefined;
  const array = schema ? findArray(schema, doc.resolve) : undefined;
  if (list && array && (array.items.type === "object" || array.items.properties || array.items.allOf)) {
    found = { template: key, list, arrayPath: array.path, item: array.items };
    const itemRegex = new RegExp(`^${key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/\\{([^}]+)\\}/?$`);
    for (const t of doc.byTemplate.keys()) {
      const m = itemRegex.exec(t);
      if (!m) continue;
      found.itemTemplate = t;
      found.idParam = m[1]!;
      found.idProp = idProperty(m[1]!, array.items, doc.resolve);
      break;
    }
  }
  perDoc.set(key, found);
  return found;
}

export function okResponse(op: Operation): { status: number; schema?: JsonSchema; example?: unknown } | undefined {
  const codes = [...op.responses.keys()].filter((s) => s >= 200 && s < 300).sort((a, b) => a - b);
  const status = codes[0];
  return status === undefined ? undefined : { status, ...op.responses.get(status)! };
}

export function baseBody(doc: Document, op: Operation, status: number): Json | undefined {
  const r = op.responses.get(status);
  if (!r?.schema) return undefined;
  return r.example !== undefined ? (clone(r.example) as Json) : valueFor(r.schema, doc.resolve);
}

// ---------------------------------------------------------------------------------------------
// Generic lists: the documented filters, sort and paging cursors, applied the same way to every
// list the sandbox does not model by hand (issue 17). What ALTR's documents leave open is
// decided here, one line each, where it is implemented.

const lower = (v: unknown) => str(v).toLowerCase();
const textOf = (v: unknown): string => (typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : "");
/** A query value as a list: repeated keys, or one comma-separated value (as ALTR's status lists go). */
const valuesOf = (v: unknown): string[] => (Array.isArray(v) ? v.map(str) : str(v).split(",").map((s) => s.trim()).filter(Boolean));

/** The item property a `<x>_starts_with`, `prefix` or name-like filter reads: x, else the first *name property. */
function nameProperty(view: Record<string, JsonSchema>, stem?: string): string | undefined {
  if (stem && stem in view) return stem;
  const names = Object.keys(view).filter((k) => /name$/i.test(k) && !/(^|_)(org|user|database|schema|repo)_?name$/i.test(k));
  return names.find((k) => k === "name") ?? names.find((k) => /(friendly|classifier|collection|tag|policy)_?name$/i.test(k)) ?? names[0] ?? (stem ? undefined : Object.keys(view).find((k) => k === "id"));
}

/** A time bound as epoch ms: unix ms, a duration ago (5m, 1h, 7d) or a date-time. */
function boundMs(v: unknown, now: number): number {
  const s = str(v);
  const d = /^(\d+)([smhd])$/.exec(s);
  if (d) return now - Number(d[1]) * { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7 }[d[2] as "s" | "m" | "h" | "d"];
  return /^\d+$/.test(s) ? Number(s) : Date.parse(s);
}
const timeOf = (v: unknown): number => (typeof v === "number" ? v : typeof v === "string" ? Date.parse(v) : NaN);

/**
 * The rows a list's documented query filters select: a parameter naming an item property
 * matches it (case-insensitively; repeated keys or a comma list match any value); `<x>_starts_with`
 * and `prefix` match the start of the name; `<x>_include`/`<x>_exclude` keep or drop those values
 * of x; `exclude_<x>` drops rows whose x (or x's list) holds the value; `<x>_after`/`<x>_before`
 * bound x's time (x_time, x_at or x), inclusive. A filter naming nothing the rows carry is left
 * to the operation's override (the sandbox cannot know what it means).
 */
export function filterRows(doc: Document, op: Operation, params: Record<string, unknown>, list: Item[], item: JsonSchema, now = Date.now()): Item[] {
  const view = objectView(item, doc.resolve).properties;
  const tests: ((x: Item) => boolean)[] = [];
  for (const p of op.parameters) {
    const given = params[p.name];
    if (p.in !== "query" || given === undefined || PAGING.has(p.name) || SORT_PARAMS.has(p.name)) continue;
    const name = p.name;
    let m: RegExpExecArray | null;
    // `<x>_type` on rows that carry `type` (repo_type on repos) is that type.
    const prop = name in view ? name : /_type$/.test(name) && "type" in view ? "type" : undefined;
    if (prop) {
      const wanted = valuesOf(given).map(lower);
      // An object or array property is not a scalar filter: left alone (as before).
      tests.push((x) => x[prop] === undefined || x[prop] === null || typeof x[prop] === "object" || wanted.includes(lower(x[prop])));
    } else if ((m = /^(.*)_starts_with$/.exec(name)) || name === "prefix") {
      const prop = nameProperty(view, m?.[1]);
      if (prop) tests.push((x) => lower(textOf(x[prop])).startsWith(lower(given)));
    } else if ((m = /^(.+)_(include|exclude)$/.exec(name)) && m[1]! in view) {
      const [prop, keep] = [m[1]!, m[2] === "include"];
      const set = valuesOf(given).map(lower);
      tests.push((x) => set.includes(lower(x[prop])) === keep);
    } else if ((m = /^exclude_(.+)$/.exec(name))) {
      const prop = [m[1]!, `${m[1]!}_names`, `${m[1]!}s`].find((k) => k in view);
      if (prop) tests.push((x) => !(Array.isArray(x[prop]) ? (x[prop] as Json[]).map(lower) : [lower(x[prop])]).includes(lower(given)));
    } else if ((m = /^(.+)_(after|before)$/.exec(name))) {
      const prop = [`${m[1]!}_time`, `${m[1]!}_at`, m[1]!].find((k) => k in view);
      const bound = boundMs(given, now);
      const after = m[2] === "after";
      if (prop && !Number.isNaN(bound)) tests.push((x) => (after ? timeOf(x[prop]) >= bound : timeOf(x[prop]) <= bound));
    }
  }
  return list.filter((x) => tests.every((t) => t(x)));
}

/** The sort a list asks for: field (documented enum of properties, its default, else the name) and direction. */
function sortOf(doc: Document, op: Operation, params: Record<string, unknown>, view: Record<string, JsonSchema>): { field: string; desc: boolean } | undefined {
  let field: string | undefined;
  let direction: string | undefined;
  let fieldDefault: string | undefined;
  for (const p of op.parameters.filter((x) => x.in === "query" && SORT_PARAMS.has(x.name))) {
    const s = doc.resolve(p.schema);
    const values = (Array.isArray(s.enum) ? s.enum : []).map(str);
    const isDirection = values.length > 0 && values.every((v) => ["asc", "desc"].includes(v.toLowerCase()));
    if (isDirection) direction = params[p.name] === undefined ? direction : lower(params[p.name]);
    else {
      if (params[p.name] !== undefined) field = str(params[p.name]);
      if (s.default !== undefined) fieldDefault = str(s.default);
    }
  }
  if (field === undefined && direction === undefined) return undefined;
  // Only a direction: the documented default field, else the rows' name (ALTR: "sorts by name"), else their creation time.
  const asked = field ?? fieldDefault;
  // A field named as ALTR names it on the wire ("name" for classifier_name): the property it stands for.
  const chosen =
    asked === undefined
      ? (nameProperty(view) ?? Object.keys(view).find((k) => /^created/i.test(k)))
      : asked in view
        ? asked
        : asked === "name"
          ? nameProperty(view)
          : Object.keys(view).find((k) => k.endsWith(`_${asked}`));
  if (!chosen) return undefined;
  return { field: chosen, desc: direction === "desc" };
}

function compareValues(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === undefined || a === null) return 1;
  if (b === undefined || b === null) return -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  return textOf(a).localeCompare(textOf(b), "en", { sensitivity: "base", numeric: true });
}

/** A continuation cursor: the next row's offset, opaque to the caller. */
const encodeCursor = (offset: number) => Buffer.from(JSON.stringify({ o: offset })).toString("base64url");
function decodeCursor(v: unknown): number | undefined {
  try {
    const o = (JSON.parse(Buffer.from(str(v), "base64url").toString("utf8")) as { o?: unknown }).o;
    return typeof o === "number" && Number.isInteger(o) && o >= 0 ? o : undefined;
  } catch {
    return undefined;
  }
}

/** A list answer of `op` holding `list`, sorted and paged as asked (offset or the document's cursor), its totals and cursors set. */
export function listReply(doc: Document, op: Operation, params: Record<string, unknown>, list: Item[]): Reply {
  const ok = okResponse(op)!;
  const array = findArray(ok.schema ?? {}, doc.resolve);
  let base: Json = baseBody(doc, op, ok.status) ?? [];
  if (!array) return { status: ok.status, body: base };
  const sort = sortOf(doc, op, params, objectView(array.items, doc.resolve).properties);
  if (sort) {
    // A stable sort: equal keys keep the stored order, so pages never overlap.
    list = list.map((x, i) => [x, i] as const).sort(([a, i], [b, j]) => compareValues(a[sort.field], b[sort.field]) * (sort.desc ? -1 : 1) || i - j).map(([x]) => x);
  }
  const cursorName = CURSOR_PARAMS.find((n) => op.parameters.some((p) => p.in === "query" && p.name === n));
  const fromCursor = cursorName && params[cursorName] !== undefined ? decodeCursor(params[cursorName]) : undefined;
  // A cursor the sandbox did not hand out (e.g. a document's example) starts at the top.
  const offset = fromCursor ?? (Number(params.offset ?? 0) || 0);
  const limitName = LIMITS.find((n) => params[n] !== undefined);
  const limit = limitName ? Number(params[limitName]) : undefined;
  const end = limit && limit > 0 ? offset + limit : undefined;
  const page = list.slice(offset, end);
  const next = end !== undefined && end < list.length ? encodeCursor(end) : undefined;
  base = setAt(base, array.path, clone(page));
  // The answer's counters and continuation keys: totals count everything, cursors end here.
  const containerPath = array.path.slice(0, -1);
  const container = getAt(base, containerPath);
  const containerSchema = containerPath.reduce<JsonSchema>((s, p) => doc.resolve(objectView(s, doc.resolve).properties[p] ?? {}), doc.resolve(ok.schema ?? {}));
  for (const [target, schema] of [[container, containerSchema], ...(containerPath.length ? [[base, doc.resolve(ok.schema ?? {})]] : [])] as [unknown, JsonSchema][]) {
    if (!isRecord(target)) continue;
    const view = objectView(schema, doc.resolve);
    for (const [k, sub] of Object.entries(view.properties)) {
      const s = doc.resolve(sub);
      if (TOTALS.has(k) && (s.type === "integer" || s.type === "number")) (target as Item)[k] = list.length;
      else if (k === "has_more" && s.type === "boolean") (target as Item)[k] = next !== undefined;
      else if (CURSOR.test(k) && (k in target || (next !== undefined && s.type === "string"))) {
        // The next page's cursor where the document keeps a text cursor; at the end, none.
        if (next !== undefined && s.type === "string") (target as Item)[k] = next;
        else if (s.nullable === true) (target as Item)[k] = null;
        else if (!view.required.includes(k)) delete (target as Item)[k];
      } else if (k === "offset" && s.type === "integer") (target as Item)[k] = offset;
      else if (k === "limit" && s.type === "integer" && limit !== undefined) (target as Item)[k] = limit;
    }
  }
  return { status: ok.status, body: base };
}

/** The success answer of `op` carrying this item (or the fields of it the answer has). */
export function itemReply(doc: Document, op: Operation, item: Item, c: Collection, status?: number): Reply {
  const ok = status === undefined ? okResponse(op) : { status, ...op.responses.get(status) };
  if (!ok?.schema) return { status: ok?.status ?? 204 };
  const base = baseBody(doc, op, ok.status)!;
  const at = findObject(ok.schema, c.item, c.idProp, doc.resolve);
  if (!at) return { status: ok.status, body: base };
  if (at.exact) return { status: ok.status, body: setAt(base, at.path, clone(item)) };
  const current = getAt(base, at.path);
  const merged = { ...(isRecord(current) ? (current as Item) : (valueFor(at.schema, doc.resolve) as Item)), ...knownFields(item, at.schema, doc.resolve) };
  return { status: ok.status, body: setAt(base, at.path, merged) };
}

export function errorReply(doc: Document, op: Operation, status: number, message: string): Reply {
  const documented = op.responses.get(status) ?? (status === 409 || status === 404 ? op.responses.get(400) : undefined);
  const code = op.responses.has(status) ? status : documented ? 400 : status;
  if (!documented?.schema) return { status: code, body: { message } };
  const base = documented.example !== undefined ? (clone(documented.example) as Json) : valueFor(documented.schema, doc.resolve);
  if (isRecord(base)) for (const k of ["statusCode", "status_code", "error_code", "code"]) if (typeof (base as Item)[k] === "number") (base as Item)[k] = code;
  return { status: code, body: withMessage(base, message) };
}

export function json(status: number, body: Json | undefined): Response {
  const nullBody = status === 204 || body === undefined;
  return new Response(nullBody ? null : JSON.stringify(body), {
    status,
    headers: nullBody ? {} : { "content-type": "application/json" },
  });
}

/** The request's path and query parameters (coerced to their documented types) and JSON body, validated; or why not. */
export async function readRequest(doc: Document, op: Operation, pathParams: Record<string, string>, request: Request): Promise<{ params: Record<string, unknown>; body: unknown } | { reject: string }> {
  const url = new URL(request.url);
  const fail = (message: string) => ({ reject: message });
  // Parameters: path and query, coerced to their documented types and validated.
  const params: Record<string, unknown> = { ...pathParams };
  for (const p of op.parameters) {
    if (p.in !== "query") continue;
    const values = url.searchParams.getAll(p.name);
    if (values.length) params[p.name] = doc.resolve(p.schema).type === "array" ? values : values[0];
  }
  const validateParams = doc.validator(op, "params")!;
  if (!validateParams(params)) {
    const e = validateParams.errors?.[0];
    const field = e?.keyword === "required" ? String((e.params as { missingProperty: string }).missingProperty) : (e?.instancePath.split("/")[1] ?? "");
    const where = op.parameters.find((p) => p.name === field)?.in === "path" ? "path parameter" : "query parameter";
    const detail = describeErrors("params", validateParams.errors).replace(/^params field \S+ /, "").replace(/^params /, "");
    return fail(`${where} ${field} ${detail}`);
  }

  // Body: JSON, validated against the operation's request schema.
  let body: unknown;
  const text = request.body ? await request.text() : "";
  if (op.body) {
    if (text.trim() === "") {
      if (op.body.required) return fail("request body is required");
    } else {
      try {
        body = JSON.parse(text);
      } catch {
        return fail("request body is not valid JSON");
      }
      const validateBody = doc.validator(op, "body")!;
      if (!validateBody(body)) return fail(describeErrors("body", validateBody.errors).replace(/^body field /, "request body field "));
    }
  }

  return { params, body };
}
