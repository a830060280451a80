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
import { describeErrors, documentFor, type Document, type Operation } from "./documents.js";
import { recordActivity } from "./activity.js";
import { auditReportFor } from "./audit-reports.js";
import { reportFor } from "./classification.js";
import { baseBody, collectionOf, errorReply, filterRows, fill, itemReply, json, listReply, okResponse, readRequest, TIMESTAMPS, trim } from "./replies.js";
import { OVERRIDES } from "./overrides.js";
import type { Collection, Context, Reply, Sandbox, SandboxOptions, SandboxState, Violation } from "./types.js";
export type { Collection, Context, Override, Reply, Sandbox, SandboxOptions, SandboxState, Violation } from "./types.js";
import { clone, findObject, getAt, isRecord, knownFields, objectView, valueFor, type Item, type Json } from "./values.js";

export function createSandbox(opts: SandboxOptions): Sandbox {
  const state: SandboxState = clone(opts.state);
  const now = opts.now ?? (() => new Date());
  const violations: Violation[] = [];
  let requests = 0;
  const prefixes = (Object.entries(opts.baseUrls) as [ServiceName, string][])
    .map(([service, url]) => ({ service, url: trim(url) }))
    .sort((a, b) => b.url.length - a.url.length);

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
      listReply: (list) => listReply(doc, op, params, list),
      itemReply: (item, c, status) => itemReply(doc, op, item, c, status),
      error: (status, message) => errorReply(doc, op, status, message),
    };

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
        if (op.method === "get") return itemReply(doc, op, current, parent);
        if (op.method === "delete") {
          list.splice(index, 1);
          changed = true;
          return itemReply(doc, op, current, parent);
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
        return itemReply(doc, op, next, parent);
      }
      // An item (`/x/{id}` under a list `/x`) before a list: an item's answer may hold arrays too.
      const own = parent?.idProp && parent.idParam === last![1] ? undefined : collectionOf(doc, template);
      if (own && (op.method === "get" || op.method === "post")) {
        const missing = parentMissing(template.split("/").slice(0, -1).join("/") + "/");
        if (missing) return missing;
        const list = items(doc, own, params);
        if (op.method === "get") return listReply(doc, op, params, filterRows(doc, op, params, list, own.item, now().getTime()));
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
        return itemReply(doc, op, item, own);
      }
      const ok = okResponse(op);
      if (!ok) return errorReply(doc, op, 500, `${op.operationId} documents no success answer`);
      return { status: ok.status, ...(ok.schema ? { body: baseBody(doc, op, ok.status)! } : {}) };
    }

    const override = OVERRIDES[`${doc.service}.${op.operationId}`];
    const reply = override ? override(ctx) : generic();
    recordActivity(ctx, reply);
    return { reply, changed: (changed && op.method !== "get") || progressed };
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

    const read = await readRequest(doc, op, route.params, request);
    if ("reject" in read) return reject(read.reject);
    const { params, body } = read;

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
    },
    get requests() {
      return requests;
    },
    violations,
    async download(url) {
      const report = reportFor(state.collections, url) ?? auditReportFor(state.collections, url);
      return { source: "altr-mcp sandbox (no download was made)", url, ...(report ?? { rows: [] }) };
    },
  };
}
