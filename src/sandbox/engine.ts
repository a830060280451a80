/**
 * The sandbox: a stateful stand-in for the ALTR API built from the curated OpenAPI documents,
 * exposed as a `fetch` for the normal client layer (auth, retries and error mapping run
 * unchanged; no sockets). Requests are routed to a service by base-URL prefix, validated against
 * the operation (path/query parameters and JSON body; invalid → 400 in the document's error
 * shape), answered by a generic engine — collections `/x` with items `/x/{id}`: POST creates,
 * GET lists and reads, PATCH merges, PUT replaces, DELETE removes — or by the operation's
 * documented example, and every answer is validated against the documented response schema
 * before it leaves (a failure is a sandbox bug: 500, and it is recorded).
 */
import { randomUUID } from "node:crypto";
import type { ServiceName } from "../config/services.js";
import type { JsonSchema } from "../schema/json-schema.js";
import { describeErrors, documentFor, type Document, type Operation } from "./documents.js";
import { reportFor } from "./classification.js";
import { OVERRIDES } from "./overrides.js";
import type { Collection, Context, Reply, Sandbox, SandboxOptions, SandboxState, Violation } from "./types.js";
export type { Collection, Context, Override, Reply, Sandbox, SandboxOptions, SandboxState, Violation } from "./types.js";
import { clone, findArray, findObject, getAt, idProperty, isRecord, knownFields, objectView, setAt, valueFor, type Item, type Json } from "./values.js";

const PAGING = new Set(["offset", "limit", "page", "page_size", "pageSize", "size", "cursor", "exclusive_start_key", "next_token", "nextToken", "start_after", "max_results"]);
const LIMITS = ["limit", "page_size", "pageSize", "size", "max_results"];
const TOTALS = new Set(["count", "total", "total_count", "totalCount", "total_items", "totalItems", "totalRecords", "total_records"]);
const CURSOR = /next|cursor|last_evaluated|continuation|page_token|marker|contiguous/i;
const TIMESTAMPS = new Set(["created_at", "createdAt", "updated_at", "updatedAt", "created", "updated", "create_time", "update_time", "createdDate", "updatedDate", "last_modified"]);

const trim = (t: string) => (t.length > 1 ? t.replace(/\/+$/, "") : t);
const fill = (template: string, params: Record<string, unknown>) =>
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

export function createSandbox(opts: SandboxOptions): Sandbox {
  const state: SandboxState = clone(opts.state);
  const now = opts.now ?? (() => new Date());
  const violations: Violation[] = [];
  let requests = 0;
  const prefixes = (Object.entries(opts.baseUrls) as [ServiceName, string][])
    .map(([service, url]) => ({ service, url: trim(url) }))
    .sort((a, b) => b.url.length - a.url.length);
  const collections = new Map<Document, Map<string, Collection | undefined>>();

  function collectionOf(doc: Document, template: string): Collection | undefined {
    const key = trim(template);
    let perDoc = collections.get(doc);
    if (!perDoc) collections.set(doc, (perDoc = new Map()));
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

  function okResponse(op: Operation): { status: number; schema?: JsonSchema; example?: unknown } | undefined {
    const codes = [...op.responses.keys()].filter((s) => s >= 200 && s < 300).sort((a, b) => a - b);
    const status = codes[0];
    return status === undefined ? undefined : { status, ...op.responses.get(status)! };
  }

  function items(doc: Document, c: Collection, params: Record<string, unknown>): Item[] {
    const key = `${doc.service} ${fill(c.template, params)}`;
    let list = state.collections[key];
    if (!list) {
      const example = getAt(okResponse(c.list)?.example, c.arrayPath);
      list = state.collections[key] = Array.isArray(example) ? (clone(example).filter(isRecord) as Item[]) : [];
      // The item read's example joins them when it is another object (documents pick different ids).
      const read = c.itemTemplate ? doc.byTemplate.get(c.itemTemplate)?.get("get") : undefined;
      const ok = read ? okResponse(read) : undefined;
      const at = ok?.schema ? findObject(ok.schema, c.item, c.idProp, doc.resolve) : undefined;
      const one = at?.exact ? getAt(ok!.example, at.path) : undefined;
      if (isRecord(one) && c.idProp && !list.some((x) => String(x[c.idProp!]) === String(one[c.idProp!]))) list.push(clone(one) as Item);
    }
    return list;
  }

  function baseBody(doc: Document, op: Operation, status: number): Json | undefined {
    const r = op.responses.get(status);
    if (!r?.schema) return undefined;
    return r.example !== undefined ? (clone(r.example) as Json) : valueFor(r.schema, doc.resolve);
  }

  /** A new id in the style of the collection's ids: the next number, or a UUID. */
  function newId(c: Collection, existing: Item[], doc: Document): Json {
    const prop = c.idProp!;
    const schema = doc.resolve(objectView(c.item, doc.resolve).properties[prop] ?? {});
    const ids = existing.map((i) => i[prop]);
    const strings = ids.filter((v): v is string => typeof v === "string");
    const numeric = schema.type === "integer" || schema.type === "number";
    if (!numeric && !(strings.length && strings.every((v) => /^\d+$/.test(v)))) return randomUUID();
    const key = `${doc.service} ${c.template}`;
    const highest = Math.max(0, state.lastIds?.[key] ?? 0, ...ids.map(Number).filter(Number.isFinite));
    state.lastIds = { ...state.lastIds, [key]: highest + 1 };
    return numeric ? highest + 1 : String(highest + 1);
  }

  function stamp(item: Item, c: Collection, doc: Document, created: boolean): void {
    const { properties } = objectView(c.item, doc.resolve);
    for (const [name, sub] of Object.entries(properties)) {
      if (!TIMESTAMPS.has(name) || (created === false && name.startsWith("create"))) continue;
      const s = doc.resolve(sub);
      if (s.type === "string") item[name] = now().toISOString();
    }
  }

  function handle(doc: Document, op: Operation, params: Record<string, unknown>, body: unknown, headers: Headers): { reply: Reply; changed: boolean } {
    let changed = false;
    let progressed = false;
    const ctx: Context = {
      doc,
      op,
      params,
      body,
      now: now(),
      items: (template, p = params) => {
        const c = collectionOf(doc, template);
        if (!c) throw new Error(`sandbox: ${template} is not a collection in ${doc.file}`);
        changed = true;
        return items(doc, c, p);
      },
      collection: (template) => collectionOf(doc, template),
      store: (key) => {
        changed = true;
        return (state.collections[`${doc.service} ${key}`] ??= []);
      },
      shared: (key) => {
        changed = true;
        return (state.collections[key] ??= []);
      },
      headers,
      progressed: () => {
        progressed = true;
      },
      generic: () => generic(),
      listReply: (list) => listReply(list),
      itemReply: (item, c, status) => itemReply(item, c, status),
      error: (status, message) => errorReply(doc, op, status, message),
    };

    function listReply(list: Item[]): Reply {
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

    function itemReply(item: Item, c: Collection, status?: number): Reply {
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

    function parentMissing(template: string): Reply | undefined {
      const parts = template.split("/");
      for (let i = parts.length - 1; i > 0; i--) {
        const m = /^\{([^}]+)\}$/.exec(parts[i]!);
        if (!m) continue;
        const parent = collectionOf(doc, parts.slice(0, i).join("/"));
        if (!parent?.idProp || parent.idParam !== m[1]) continue;
        const list = items(doc, parent, params);
        if (!list.some((x) => String(x[parent.idProp!]) === String(params[m[1]!]))) {
          return errorReply(doc, op, 404, `${m[1]} ${String(params[m[1]!])} not found`);
        }
        return undefined;
      }
      return undefined;
    }

    function generic(): Reply {
      const template = trim(op.template);
      const parts = template.split("/");
      const last = /^\{([^}]+)\}$/.exec(parts[parts.length - 1] ?? "");
      const parent = last ? collectionOf(doc, parts.slice(0, -1).join("/")) : undefined;
      if (parent?.idProp && parent.idParam === last![1] && op.method !== "post") {
        const missing = parentMissing(parts.slice(0, -1).join("/"));
        if (missing) return missing;
        const list = items(doc, parent, params);
        const id = params[last![1]!];
        const index = list.findIndex((x) => String(x[parent.idProp!]) === String(id));
        if (index < 0) return errorReply(doc, op, 404, `${last![1]} ${String(id)} not found`);
        const current = list[index]!;
        if (op.method === "get") return itemReply(current, parent);
        if (op.method === "delete") {
          list.splice(index, 1);
          changed = true;
          return itemReply(current, parent);
        }
        const patch = knownFields(body, parent.item, doc.resolve);
        delete patch[parent.idProp];
        const next =
          op.method === "patch"
            ? { ...current, ...patch }
            : { ...(valueFor(parent.item, doc.resolve) as Item), ...patch, [parent.idProp]: current[parent.idProp]! };
        stamp(next, parent, doc, false);
        list[index] = next;
        changed = true;
        return itemReply(next, parent);
      }
      // An item (`/x/{id}` under a list `/x`) before a list: an item's answer may hold arrays too.
      const own = parent?.idProp && parent.idParam === last![1] ? undefined : collectionOf(doc, template);
      if (own && (op.method === "get" || op.method === "post")) {
        const missing = parentMissing(template.split("/").slice(0, -1).join("/") + "/");
        if (missing) return missing;
        const list = items(doc, own, params);
        if (op.method === "get") {
          const view = objectView(own.item, doc.resolve).properties;
          const filtered = list.filter((x) =>
            op.parameters.every((p) => {
              if (p.in !== "query" || PAGING.has(p.name) || params[p.name] === undefined || !(p.name in view)) return true;
              const v = x[p.name];
              return v === undefined || v === null || typeof v === "object" || String(v) === String(params[p.name]);
            }),
          );
          return listReply(filtered);
        }
        // POST on a collection: create.
        const item = { ...(valueFor(own.item, doc.resolve) as Item), ...knownFields(body, own.item, doc.resolve) };
        if (own.idProp) {
          const given = item[own.idProp];
          const fromBody = isRecord(body) && body[own.idProp] !== undefined;
          if (fromBody && list.some((x) => String(x[own.idProp!]) === String(given))) {
            return errorReply(doc, op, 409, `${own.idProp} ${String(given)} already exists`);
          }
          if (!fromBody) item[own.idProp] = newId(own, list, doc);
        }
        stamp(item, own, doc, true);
        list.push(item);
        changed = true;
        return itemReply(item, own);
      }
      const ok = okResponse(op);
      if (!ok) return errorReply(doc, op, 500, `${op.operationId} documents no success answer`);
      return { status: ok.status, ...(ok.schema ? { body: baseBody(doc, op, ok.status)! } : {}) };
    }

    const override = OVERRIDES[`${doc.service}.${op.operationId}`];
    const reply = override ? override(ctx) : generic();
    return { reply, changed: (changed && op.method !== "get") || progressed };
  }

  function errorReply(doc: Document, op: Operation, status: number, message: string): Reply {
    const documented = op.responses.get(status) ?? (status === 409 || status === 404 ? op.responses.get(400) : undefined);
    const code = op.responses.has(status) ? status : documented ? 400 : status;
    if (!documented?.schema) return { status: code, body: { message } };
    const base = documented.example !== undefined ? (clone(documented.example) as Json) : valueFor(documented.schema, doc.resolve);
    if (isRecord(base)) for (const k of ["statusCode", "status_code", "error_code", "code"]) if (typeof (base as Item)[k] === "number") (base as Item)[k] = code;
    return { status: code, body: withMessage(base, message) };
  }

  function json(status: number, body: Json | undefined): Response {
    const nullBody = status === 204 || body === undefined;
    return new Response(nullBody ? null : JSON.stringify(body), {
      status,
      headers: nullBody ? {} : { "content-type": "application/json" },
    });
  }

  async function sandboxFetch(request: Request): Promise<Response> {
    requests++;
    try {
      return await answer(request);
    } catch (err) {
      const message = `sandbox failed on ${request.method} ${new URL(request.url).pathname}: ${(err as Error).message}`;
      violations.push({ kind: "response", operation: `${request.method} ${new URL(request.url).pathname}`, message });
      return json(500, { message });
    }
  }

  async function answer(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const target = `${url.origin}${url.pathname}`;
    const match = prefixes.find((p) => target === p.url || target.startsWith(`${p.url}/`));
    if (!match) return json(404, { message: `sandbox: no ALTR service at ${url.origin}${url.pathname}` });
    const doc = await documentFor(match.service);
    const path = target.slice(match.url.length) || "/";
    const route = doc.match(request.method, path);
    if (!route) return json(404, { message: `sandbox: ${path} is not in openapi/${doc.file}` });
    if (!("operation" in route)) return json(405, { message: `sandbox: ${request.method} is not documented for ${path}; allowed: ${route.allowed.join(", ")}` });
    const op = route.operation;
    const name = `openapi/${doc.file}#${op.operationId}`;
    const reject = (message: string): Response => {
      violations.push({ kind: "request", operation: name, message });
      const r = errorReply(doc, op, 400, message);
      return respond(r);
    };
    const respond = (r: Reply): Response => {
      const validate = r.body === undefined ? undefined : doc.validator(op, r.status);
      const documented = op.responses.get(r.status);
      let problem: string | undefined;
      if (!documented) problem = `status ${r.status} is not documented`;
      else if (r.body !== undefined && !documented.schema) problem = `status ${r.status} documents no body`;
      else if (r.body === undefined && documented.schema && r.status !== 204) problem = `status ${r.status} needs a body`;
      else if (validate && !validate(r.body)) problem = describeErrors("response", validate.errors);
      if (problem) {
        const message = `sandbox response violates ${name}: ${problem}`;
        violations.push({ kind: "response", operation: name, message });
        return json(500, { message });
      }
      return json(r.status, r.body);
    };

    // Parameters: path and query, coerced to their documented types and validated.
    const params: Record<string, unknown> = { ...route.params };
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
      return reject(`${where} ${field} ${detail}`);
    }

    // Body: JSON, validated against the operation's request schema.
    let body: unknown;
    const text = request.body ? await request.text() : "";
    if (op.body) {
      if (text.trim() === "") {
        if (op.body.required) return reject("request body is required");
      } else {
        try {
          body = JSON.parse(text);
        } catch {
          return reject("request body is not valid JSON");
        }
        const validateBody = doc.validator(op, "body")!;
        if (!validateBody(body)) return reject(describeErrors("body", validateBody.errors).replace(/^body field /, "request body field "));
      }
    }

    let outcome: { reply: Reply; changed: boolean };
    try {
      outcome = handle(doc, op, params, body, request.headers);
    } catch (err) {
      const message = `sandbox failed on ${name}: ${(err as Error).message}`;
      violations.push({ kind: "response", operation: name, message });
      return json(500, { message });
    }
    const response = respond(outcome.reply);
    if (outcome.changed) opts.onChange?.(state);
    return response;
  }

  return {
    fetch: sandboxFetch,
    state: () => state,
    load(next) {
      const copy = clone(next);
      state.collections = copy.collections;
      state.lastIds = copy.lastIds;
      state.clock = copy.clock;
    },
    get requests() {
      return requests;
    },
    violations,
    async download(url) {
      const report = reportFor(state.collections, url);
      return { source: "altr-mcp sandbox (no download was made)", url, ...(report ?? { rows: [] }) };
    },
  };
}
