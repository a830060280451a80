/**
 * Compares each curated operation (openapi/*.yaml) with the ALTR operation it names in
 * `x-altr-source`, using ALTR's own published documents vendored in openapi/altr-published/.
 * What is compared is what reaches the wire: method, path (literal segments, case and trailing
 * slash; path parameter names are not on the wire), the names and locations of query and header
 * parameters, whether a JSON body is sent, top-level body fields and which ones are required,
 * and enums on both sides. Each mismatch is a {what, ours, theirs} triple; the curated operation
 * must record every one in `x-altr-differences` with those exact values (tests/alignment.test.ts).
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

export const ROOT = new URL("../..", import.meta.url).pathname;
export const CURATED_DIR = join(ROOT, "openapi");
export const PUBLISHED_DIR = join(ROOT, "openapi", "altr-published");

export type Json = Record<string, unknown>;
const METHODS = ["get", "put", "post", "delete", "patch"] as const;

export function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Follows local `$ref`s (`#/…`) until the value is not a reference. */
export function deref(doc: Json, v: unknown, seen: string[] = []): unknown {
  if (!isObject(v) || typeof v.$ref !== "string") return v;
  const ref = v.$ref;
  if (!ref.startsWith("#/")) throw new Error(`non-local $ref ${ref}`);
  if (seen.includes(ref)) return {};
  let cur: unknown = doc;
  for (const raw of ref.slice(2).split("/")) {
    const key = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
    cur = isObject(cur) ? cur[key] : undefined;
  }
  if (cur === undefined) throw new Error(`unresolved $ref ${ref}`);
  return deref(doc, cur, [...seen, ref]);
}

export interface Param {
  name: string;
  in: string;
  required: boolean;
  schema: Json;
}

export interface Body {
  /** Top-level properties, null when the schema does not say (open object, free form). */
  properties: Record<string, Json> | null;
  required: string[];
  schema: Json;
}

export interface Operation {
  doc: string;
  method: string;
  /** Path as written in the document. */
  path: string;
  /** Server path prefix + path: the path as it goes on the wire. */
  wirePath: string;
  raw: Json;
  params: Param[];
  body: Body | null;
  /** The document declares the body required (an optional one may be left out). */
  bodyRequired: boolean;
  /** The document, for resolving references. */
  root: Json;
}

/** Merges allOf; unions oneOf/anyOf branches (a field is required only when every branch requires it). */
export function flatten(doc: Json, schema: unknown): Body {
  const s = deref(doc, schema);
  if (!isObject(s)) return { properties: null, required: [], schema: {} };
  if (Array.isArray(s.allOf)) {
    const parts = s.allOf.map((p) => flatten(doc, p));
    const own = flatten(doc, { ...s, allOf: undefined });
    const all = [...parts, own];
    const open = all.every((p) => p.properties === null);
    return {
      properties: open ? null : Object.assign({}, ...all.map((p) => p.properties ?? {})),
      required: [...new Set(all.flatMap((p) => p.required))],
      schema: s,
    };
  }
  const union = (Array.isArray(s.oneOf) ? s.oneOf : Array.isArray(s.anyOf) ? s.anyOf : null) as unknown[] | null;
  if (union) {
    const parts = union.map((p) => flatten(doc, p));
    if (parts.some((p) => p.properties === null)) return { properties: null, required: [], schema: s };
    return {
      properties: Object.assign({}, ...parts.map((p) => p.properties)),
      required: parts.map((p) => p.required).reduce((a, b) => a.filter((x) => b.includes(x))),
      schema: s,
    };
  }
  const props = isObject(s.properties) ? s.properties : null;
  return {
    properties: props
      ? Object.fromEntries(Object.entries(props).map(([k, v]) => [k, (deref(doc, v) as Json | undefined) ?? {}]))
      : null,
    required: Array.isArray(s.required) ? (s.required as string[]) : [],
    schema: s,
  };
}

function serverPrefix(doc: Json): string {
  if (typeof doc.swagger === "string") {
    const host = typeof doc.host === "string" ? doc.host.replace(/^[^/]*/, "") : "";
    return (host + (typeof doc.basePath === "string" ? doc.basePath : "")).replace(/\/$/, "");
  }
  const servers = Array.isArray(doc.servers) ? doc.servers : [];
  const url = isObject(servers[0]) && typeof servers[0].url === "string" ? servers[0].url.trim() : "";
  return url.replace(/^[a-z]+:\/\/[^/]+/, "").replace(/\/$/, "");
}

/** Every operation of a document (Swagger 2.0 or OpenAPI 3.x), parameters and body resolved. */
export function operationsOf(name: string, doc: Json): Operation[] {
  const prefix = serverPrefix(doc);
  const swagger = typeof doc.swagger === "string";
  const out: Operation[] = [];
  for (const [path, itemRaw] of Object.entries(isObject(doc.paths) ? doc.paths : {})) {
    const item = deref(doc, itemRaw) as Json;
    const shared = Array.isArray(item.parameters) ? item.parameters : [];
    for (const method of METHODS) {
      const raw = item[method];
      if (!isObject(raw)) continue;
      const params: Param[] = [];
      let body: Body | null = null;
      let bodyRequired = false;
      const own = Array.isArray(raw.parameters) ? raw.parameters : [];
      const byKey = new Map<string, Json>();
      for (const p of [...shared, ...own]) {
        const r = deref(doc, p) as Json;
        byKey.set(`${String(r.in)} ${String(r.name)}`, r);
      }
      for (const p of byKey.values()) {
        if (p.in === "body") {
          body = flatten(doc, p.schema);
          bodyRequired = p.required === true;
          continue;
        }
        const schema = swagger ? p : ((deref(doc, p.schema) as Json | undefined) ?? {});
        params.push({ name: String(p.name), in: String(p.in), required: p.required === true, schema });
      }
      if (!swagger && isObject(raw.requestBody)) {
        const rb = deref(doc, raw.requestBody) as Json;
        const content = isObject(rb.content) ? rb.content : {};
        const json = Object.entries(content).find(([type]) => type.includes("json"));
        const media = json?.[1] ?? Object.values(content)[0];
        body = flatten(doc, isObject(media) ? media.schema : undefined);
        bodyRequired = rb.required === true;
      }
      out.push({ doc: name, method: method.toUpperCase(), path, wirePath: prefix + path, raw, params, body, bodyRequired, root: doc });
    }
  }
  return out;
}

export interface PublishedDoc {
  file: string;
  doc: Json;
  operations: Operation[];
}

export function loadPublished(): Map<string, PublishedDoc> {
  const docs = new Map<string, PublishedDoc>();
  for (const file of readdirSync(PUBLISHED_DIR).filter((f) => f.endsWith("-openapi.json")).sort()) {
    const doc = JSON.parse(readFileSync(join(PUBLISHED_DIR, file), "utf8")) as Json;
    docs.set(file, { file, doc, operations: operationsOf(file, doc) });
  }
  return docs;
}

export interface CuratedDoc {
  file: string;
  doc: Json;
  operations: Operation[];
}

export function loadCurated(): CuratedDoc[] {
  return readdirSync(CURATED_DIR)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((file) => {
      const doc = parse(readFileSync(join(CURATED_DIR, file), "utf8")) as Json;
      return { file, doc, operations: operationsOf(file, doc) };
    });
}

export interface Difference {
  what: string;
  ours: string;
  theirs: string;
  /**
   * Ours only adds a rule ALTR's document does not state (a required field it leaves optional,
   * a pattern or format it leaves open): recording it is optional, but a recorded one must hold.
   */
  stricter?: true;
}

const segments = (p: string): string[] => p.split("/").slice(1);
const isParam = (seg: string): boolean => /^\{[^}]+\}$/.test(seg);

function enumOf(doc: Json, schema: Json | undefined): string[] | null {
  if (!schema) return null;
  const s = deref(doc, schema) as Json;
  const e = Array.isArray(s.enum) ? s.enum : isObject(s.items) && Array.isArray((deref(doc, s.items) as Json).enum) ? ((deref(doc, s.items) as Json).enum as unknown[]) : null;
  return e ? e.map(String) : null;
}
const list = (xs: readonly string[]): string => (xs.length ? [...xs].sort().join(", ") : "(none)");

function pathParamEnum(op: Operation, segment: string): string[] | null {
  const name = segment.slice(1, -1);
  const p = op.params.find((x) => x.in === "path" && x.name === name);
  return p ? enumOf(op.root, p.schema) : null;
}

/** Every wire-visible mismatch between our operation and ALTR's, as {what, ours, theirs}. */
export function compare(ours: Operation, theirs: Operation): Difference[] {
  const diffs: Difference[] = [];
  const stricterFormat = (where: string, od: Json, os: Json, td: Json, ts: Json): void => {
    const a = deref(od, os) as Json;
    const b = deref(td, ts) as Json;
    const rule = (s: Json): string | null => (typeof s.pattern === "string" ? s.pattern : typeof s.format === "string" && !["int32", "int64", "password"].includes(s.format) ? `format ${s.format}` : null);
    const ra = rule(a);
    if (ra && ra !== rule(b)) diffs.push({ what: `pattern ${where}`, ours: ra, theirs: rule(b) ?? "(none)", stricter: true });
  };
  if (ours.method !== theirs.method) diffs.push({ what: "method", ours: ours.method, theirs: theirs.method });

  const a = segments(ours.wirePath);
  const b = segments(theirs.wirePath);
  const samePath =
    a.length === b.length &&
    a.every((seg, i) => {
      const t = b[i]!;
      if (isParam(seg) && isParam(t)) return true;
      if (!isParam(seg) && isParam(t)) return pathParamEnum(theirs, t)?.includes(seg) ?? false;
      return seg === t;
    });
  if (!samePath) diffs.push({ what: "path", ours: ours.wirePath, theirs: theirs.wirePath });
  else {
    // Path parameters by position (their names are not on the wire).
    a.forEach((seg, i) => {
      const t = b[i]!;
      if (!isParam(seg) || !isParam(t)) return;
      const p = ours.params.find((x) => x.in === "path" && x.name === seg.slice(1, -1));
      const q = theirs.params.find((x) => x.in === "path" && x.name === t.slice(1, -1));
      if (p && q) stricterFormat(`path ${p.name}`, ours.root, p.schema, theirs.root, q.schema);
    });
  }

  // Query and header parameters: names and locations.
  const wire = (op: Operation): Param[] => op.params.filter((p) => p.in === "query" || p.in === "header");
  const theirParams = wire(theirs);
  const theirBodyFields = theirs.body?.properties ? Object.keys(theirs.body.properties) : [];
  for (const p of wire(ours)) {
    const match = theirParams.find((t) => t.name === p.name && t.in === p.in);
    if (!match) {
      const elsewhere = theirs.params.find((t) => t.name === p.name)?.in ?? (theirBodyFields.includes(p.name) ? "body" : "absent");
      diffs.push({ what: `parameter ${p.in} ${p.name}`, ours: p.in, theirs: elsewhere });
      continue;
    }
    stricterFormat(`${p.in} ${p.name}`, ours.root, p.schema, theirs.root, match.schema);
    const e1 = enumOf(ours.root, p.schema);
    const e2 = enumOf(theirs.root, match.schema);
    if (e2 && list(e1 ?? []) !== list(e2)) diffs.push({ what: `enum ${p.in} ${p.name}`, ours: e1 ? list(e1) : "(any)", theirs: list(e2) });
  }
  for (const t of theirParams.filter((x) => x.required)) {
    if (t.in === "header" && t.name.toLowerCase() === "authorization") continue;
    const mine = wire(ours).find((p) => p.name === t.name && p.in === t.in);
    if (!mine || !mine.required) diffs.push({ what: `required parameter ${t.in} ${t.name}`, ours: mine ? "optional" : "absent", theirs: "required" });
  }

  // The JSON body.
  if (ours.body && !theirs.body) {
    diffs.push({ what: "request body", ours: "sent", theirs: "none" });
  } else if (!ours.body && theirs.body && theirs.bodyRequired) {
    diffs.push({ what: "request body", ours: "none", theirs: "required" });
  } else if (ours.body && theirs.body) {
    const op = ours.body.properties ?? {};
    const tp = theirs.body.properties;
    if (tp) {
      for (const [name, schema] of Object.entries(op)) {
        if (!(name in tp)) {
          const elsewhere = theirParams.find((t) => t.name === name)?.in ?? "absent";
          diffs.push({ what: `body field ${name}`, ours: "body", theirs: elsewhere });
          continue;
        }
        const e1 = enumOf(ours.root, schema);
        const e2 = enumOf(theirs.root, tp[name]);
        if (e2 && list(e1 ?? []) !== list(e2)) diffs.push({ what: `enum body ${name}`, ours: e1 ? list(e1) : "(any)", theirs: list(e2) });
      }
    }
    for (const name of theirs.body.required) {
      if (!ours.body.required.includes(name)) diffs.push({ what: `required body field ${name}`, ours: name in op ? "optional" : "absent", theirs: "required" });
    }
    for (const name of ours.body.required) {
      if (tp && name in tp && !theirs.body.required.includes(name)) diffs.push({ what: `required body field ${name}`, ours: "required", theirs: "optional", stricter: true });
    }
    if (tp) {
      for (const [name, schema] of Object.entries(op)) if (name in tp) stricterFormat(`body ${name}`, ours.root, schema, theirs.root, tp[name]!);
    }
  }
  return diffs;
}

// ---------------------------------------------------------------------------------------------
// The provenance extensions and their audit.

export const BASES = ["upstream", "altr-mcp"] as const;

export interface RecordedDifference {
  what: string;
  ours: string;
  theirs: string;
  basis: (typeof BASES)[number];
  why: string;
}

/** A difference that no schema comparison can see (a rule the tool applies), marked `rule: …`. */
export const isRule = (what: string): boolean => what.startsWith("rule: ");

export type Source = { document: string; method: string; path: string } | { upstream: true; reason: string };

const text = (v: unknown): v is string => typeof v === "string" && v.trim().length > 0;

/** Problems with an operation's `x-altr-source` shape; [] when sound. */
export function sourceProblems(raw: unknown): string[] {
  if (!isObject(raw)) return ["x-altr-source is missing"];
  if (raw.upstream === true) return text(raw.reason) ? [] : ["x-altr-source: upstream without a reason"];
  const bad = ["document", "method", "path"].filter((k) => !text(raw[k]));
  return bad.length ? [`x-altr-source: ${bad.join(", ")} missing (or say upstream: true with a reason)`] : [];
}

export function recordedDifferences(op: Operation): { entries: RecordedDifference[]; problems: string[] } {
  const raw = op.raw["x-altr-differences"];
  if (raw === undefined) return { entries: [], problems: [] };
  if (!Array.isArray(raw)) return { entries: [], problems: ["x-altr-differences is not a list"] };
  const problems: string[] = [];
  const entries: RecordedDifference[] = [];
  raw.forEach((e, i) => {
    if (!isObject(e)) return problems.push(`x-altr-differences[${i}] is not an object`);
    const missing = ["what", "ours", "theirs", "why"].filter((k) => !text(e[k]));
    if (missing.length) problems.push(`x-altr-differences[${i}]: ${missing.join(", ")} missing`);
    if (!BASES.includes(e.basis as (typeof BASES)[number])) problems.push(`x-altr-differences[${i}]: basis must be ${BASES.join(" or ")}`);
    const extra = Object.keys(e).filter((k) => !["what", "ours", "theirs", "basis", "why"].includes(k));
    if (extra.length) problems.push(`x-altr-differences[${i}]: unknown keys ${extra.join(", ")}`);
    if (!missing.length) entries.push(e as unknown as RecordedDifference);
  });
  const whats = entries.map((e) => e.what);
  for (const w of new Set(whats)) if (whats.filter((x) => x === w).length > 1) problems.push(`x-altr-differences: "${w}" recorded twice`);
  return { entries, problems };
}

/**
 * Audits one curated operation against ALTR's: every mismatch the comparison finds is recorded
 * with the same `ours` and `theirs`, and every recorded structural difference still differs.
 */
export function auditOperation(ours: Operation, theirs: Operation): string[] {
  const { entries, problems } = recordedDifferences(ours);
  const found = compare(ours, theirs);
  for (const d of found) {
    const e = entries.find((x) => x.what === d.what);
    if (!e) {
      if (!d.stricter) problems.push(`unrecorded difference "${d.what}": ours ${d.ours}, ALTR's ${d.theirs}`);
      continue;
    }
    if (e.ours !== d.ours || e.theirs !== d.theirs) problems.push(`"${d.what}" is recorded as ours ${e.ours} / ALTR's ${e.theirs}, but is ours ${d.ours} / ALTR's ${d.theirs}`);
  }
  for (const e of entries) {
    if (!isRule(e.what) && !found.some((d) => d.what === e.what)) problems.push(`recorded difference "${e.what}" no longer differs from ALTR's document: remove the entry`);
  }
  return problems;
}

/** Finds the published operation an `x-altr-source` names. */
export function namedOperation(published: Map<string, PublishedDoc>, src: { document: string; method: string; path: string }): Operation | undefined {
  return published.get(src.document)?.operations.find((o) => o.method === src.method && o.path === src.path);
}

/** Method plus wire path, with parameter names, case and a trailing slash ignored: what "the same endpoint" means for an upstream-only claim. */
export const endpointKey = (op: Pick<Operation, "method" | "wirePath">): string =>
  `${op.method} ${op.wirePath.replace(/\{[^}]+\}/g, "{}").replace(/\/$/, "").toLowerCase()}`;

/**
 * The path template a sent path matches, the most specific one when several do
 * (`/v1/jobs/active` is not `/v1/jobs/{job_id}`); undefined when none does.
 */
export function matchTemplate(templates: readonly string[], sentPath: string): string | undefined {
  const sent = sentPath.split("/");
  const literals = (t: string): number => t.split("/").filter((s) => !/^\{.+\}$/.test(s)).length;
  return templates
    .filter((t) => {
      const tpl = t.split("/");
      return tpl.length === sent.length && tpl.every((seg, i) => /^\{.+\}$/.test(seg) || seg === sent[i]);
    })
    .sort((a, b) => literals(b) - literals(a))[0];
}
