/**
 * The sandbox's answers built from the documents, independent of its state: which paths are
 * collections, the documented success and error bodies, list answers (paging, totals, cursors)
 * and item answers. engine.ts decides what to answer; this module shapes it.
 */
import type { JsonSchema } from "../schema/json-schema.js";
import { describeErrors, type Document, type Operation } from "./documents.js";
import type { Collection, Reply } from "./types.js";
import { clone, findArray, findObject, getAt, idProperty, isRecord, knownFields, objectView, setAt, valueFor, type Item, type Json } from "./values.js";

export const PAGING = new Set(["offset", "limit", "page", "page_size", "pageSize", "size", "cursor", "exclusive_start_key", "next_token", "nextToken", "start_after", "max_results"]);
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

/** A list answer of `op` holding `list`, paged by offset/limit, its totals and cursors set. */
export function listReply(doc: Document, op: Operation, params: Record<string, unknown>, list: Item[]): Reply {
  const ok = okResponse(op)!;
  const array = findArray(ok.schema ?? {}, doc.resolve);
  let base: Json = baseBody(doc, op, ok.status) ?? [];
  if (!array) return { status: ok.status, body: base };
  const offset = Number(params.offset ?? 0) || 0;
  const limitName = LIMITS.find((n) => params[n] !== undefined);
  const limit = limitName ? Number(params[limitName]) : undefined;
  const page = list.slice(offset, limit && limit > 0 ? offset + limit : undefined);
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
      else if (CURSOR.test(k) && k in target) {
        if (s.nullable === true) (target as Item)[k] = null;
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
