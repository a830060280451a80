/**
 * A second opinion on every curated operation: ALTR's own published documents, vendored in
 * openapi/altr-published/ (never read from outside the repository).
 * - The vendored files are exactly those the manifest lists (sha256), and nothing lints,
 *   builds or ships them.
 * - Every curated operation names its ALTR operation in `x-altr-source` (or says why ALTR has
 *   none), and every wire-visible mismatch with it is recorded in `x-altr-differences` with the
 *   same values; a recorded difference that no longer differs fails too.
 * - The requests our tools send (the Prism cases) validate against ALTR's own schema for the
 *   operation, apart from the recorded differences and an explicit, reasoned opt-out.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import { describe, expect, it } from "vitest";
import { SERVICES } from "../src/config/services.js";
import { CASES, type WireCall } from "./cases/index.js";
import {
  auditOperation,
  compare,
  deref,
  endpointKey,
  isObject,
  loadCurated,
  loadPublished,
  matchTemplate,
  namedOperation,
  PUBLISHED_DIR,
  recordedDifferences,
  ROOT,
  sourceProblems,
  type Json,
  type Operation,
} from "./helpers/altr-alignment.js";

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

interface Manifest {
  repository: string;
  commit: string;
  documents: { file: string; title: string; version: string; bytes: number; sha256: string; source: string; operations: number }[];
}
const manifest = JSON.parse(readFileSync(join(PUBLISHED_DIR, "manifest.json"), "utf8")) as Manifest;
const published = loadPublished();
const curated = loadCurated();
const allOps = curated.flatMap((d) => d.operations.map((op) => ({ file: d.file, op })));
const idOf = (op: Operation): string => String(op.raw.operationId);
const sourceOf = (op: Operation): Json => (isObject(op.raw["x-altr-source"]) ? op.raw["x-altr-source"] : {});

describe("vendored ALTR documents", () => {
  it("are exactly the files the manifest lists, byte for byte", () => {
    const files = readdirSync(PUBLISHED_DIR).filter((f) => !["manifest.json", ".gitattributes"].includes(f)).sort();
    expect(files).toEqual(manifest.documents.map((d) => d.file).sort());
    for (const d of manifest.documents) {
      const bytes = readFileSync(join(PUBLISHED_DIR, d.file));
      expect(createHash("sha256").update(bytes).digest("hex"), d.file).toBe(d.sha256);
      expect(bytes.length, d.file).toBe(d.bytes);
      const doc = JSON.parse(bytes.toString("utf8")) as { info: { title: string; version: string } };
      expect([doc.info.title, doc.info.version], d.file).toEqual([d.title, d.version]);
      expect(published.get(d.file)?.operations.length, d.file).toBe(d.operations);
      expect(d.source).toBe(`${manifest.repository}/blob/${manifest.commit}/openapi/_original/${d.file}`);
    }
    expect(manifest.documents.reduce((n, d) => n + d.operations, 0)).toBe(375);
  });

  it("are not linted, built or shipped as ours", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string>; files: string[] };
    // The lint glob stops at openapi/*.yaml; the vendored documents are JSON one folder down.
    expect(pkg.scripts["lint:openapi"]).toBe("redocly lint openapi/*.yaml");
    expect(readdirSync(PUBLISHED_DIR).filter((f) => f.endsWith(".yaml"))).toEqual([]);
    // The build converts only openapi/*.yaml; nothing the package ships comes from the folder.
    expect(readFileSync(join(ROOT, "scripts/build.mjs"), "utf8")).toContain('if (!file.endsWith(".yaml")) continue;');
    const pack = spawnSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: ROOT, encoding: "utf8" });
    expect(pack.status, pack.stderr).toBe(0);
    const shipped = (JSON.parse(pack.stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
    expect(shipped.length).toBeGreaterThan(0);
    expect(shipped.filter((p) => p.includes("altr-published") || /altr-[a-z-]+-openapi\.json$/.test(p))).toEqual([]);
  });
});

describe("x-altr-source", () => {
  it("every curated operation has one, and it names an existing ALTR operation", () => {
    const problems = allOps.flatMap(({ file, op }) => {
      const own = sourceProblems(op.raw["x-altr-source"]).map((p) => `${file} ${idOf(op)}: ${p}`);
      const src = sourceOf(op);
      if (own.length || src.upstream === true) return own;
      const named = namedOperation(published, src as { document: string; method: string; path: string });
      return named ? [] : [`${file} ${idOf(op)}: ${String(src.document)} has no ${String(src.method)} ${String(src.path)}`];
    });
    expect(problems).toEqual([]);
  });

  it("an operation claimed upstream-only really has no counterpart in ALTR's documents", () => {
    const theirs = new Set([...published.values()].flatMap((d) => d.operations.map(endpointKey)));
    const claimed = allOps.filter(({ op }) => sourceOf(op).upstream === true);
    expect(claimed.length).toBeGreaterThan(0);
    expect(claimed.filter(({ op }) => theirs.has(endpointKey(op))).map(({ op }) => idOf(op))).toEqual([]);
  });

  it("no two curated operations claim the same ALTR operation", () => {
    const named = allOps.filter(({ op }) => sourceOf(op).document).map(({ op }) => `${String(sourceOf(op).document)} ${String(sourceOf(op).method)} ${String(sourceOf(op).path)}`);
    expect(named.filter((n, i) => named.indexOf(n) !== i)).toEqual([]);
  });
});

describe("alignment with ALTR's documents", () => {
  const mapped = allOps.filter(({ op }) => sourceOf(op).document);

  it.each(mapped.map(({ file, op }) => [`${file} ${idOf(op)}`, op] as const))("%s", (_, op) => {
    const theirs = namedOperation(published, sourceOf(op) as { document: string; method: string; path: string })!;
    expect(auditOperation(op, theirs)).toEqual([]);
  });

  it("upstream-only operations record no ALTR differences (there is nothing to differ from)", () => {
    const odd = allOps.filter(({ op }) => sourceOf(op).upstream === true && op.raw["x-altr-differences"] !== undefined);
    expect(odd.map(({ op }) => idOf(op))).toEqual([]);
  });

  it("x-upstream-differences entries are complete", () => {
    const problems = allOps.flatMap(({ op }) => {
      const raw = op.raw["x-upstream-differences"];
      if (raw === undefined) return [];
      if (!Array.isArray(raw) || raw.length === 0) return [`${idOf(op)}: x-upstream-differences must be a non-empty list`];
      return raw.flatMap((e, i) =>
        isObject(e) && ["what", "ours", "upstream", "why"].every((k) => typeof e[k] === "string" && (e[k] as string).trim())
          ? []
          : [`${idOf(op)}: x-upstream-differences[${i}] needs what, ours, upstream and why`],
      );
    });
    expect(problems).toEqual([]);
  });

  it("counts: matched exactly, with recorded differences, upstream-only", () => {
    let exact = 0;
    let differing = 0;
    let upstream = 0;
    for (const { op } of allOps) {
      if (sourceOf(op).upstream === true) upstream++;
      else if (recordedDifferences(op).entries.length) differing++;
      else exact++;
    }
    expect(exact + differing + upstream).toBe(allOps.length);
    // The figures the documents give today; a change here is a change in alignment: say why.
    expect({ exact, differing, upstream }).toEqual({ exact: 108, differing: 33, upstream: 13 });
  });
});

describe("the audit itself catches what it must", () => {
  const find = (id: string): Operation => allOps.find(({ op }) => idOf(op) === id)!.op;
  const theirsOf = (op: Operation): Operation => namedOperation(published, sourceOf(op) as { document: string; method: string; path: string })!;
  const withRaw = (op: Operation, patch: Json): Operation => ({ ...op, raw: { ...op.raw, ...patch } });
  const mappedOps = allOps.map(({ op }) => op).filter((op) => sourceOf(op).document);

  it("an unrecorded difference fails", () => {
    const op = withRaw(find("listUserGroups"), { "x-altr-differences": undefined });
    expect(auditOperation(op, theirsOf(op))).toEqual([expect.stringContaining('unrecorded difference "path"')]);
  });

  it("a recorded difference with the wrong values fails", () => {
    const op = find("listUserGroups");
    const entries = recordedDifferences(op).entries.map((e) => ({ ...e, theirs: "/api/userGroups" }));
    expect(auditOperation(withRaw(op, { "x-altr-differences": entries }), theirsOf(op))).toEqual([expect.stringContaining("is recorded as")]);
  });

  it("a recorded difference that no longer differs fails", () => {
    const op = mappedOps.find((o) => o.raw["x-altr-differences"] === undefined)!;
    expect(auditOperation(op, theirsOf(op))).toEqual([]);
    const stale = [{ what: "path", ours: "/x", theirs: "/y", basis: "upstream", why: "made up" }];
    expect(auditOperation(withRaw(op, { "x-altr-differences": stale }), theirsOf(op))).toEqual([expect.stringContaining("no longer differs")]);
  });

  it("an entry without basis or reason fails", () => {
    const op = find("listUserGroups");
    const entries = recordedDifferences(op).entries.map(({ what, ours, theirs }) => ({ what, ours, theirs }));
    expect(auditOperation(withRaw(op, { "x-altr-differences": entries }), theirsOf(op)).join("\n")).toMatch(/why missing[\s\S]*basis must be/);
  });

  it("a parameter moved to another location, a lost required body field and a changed enum are seen", () => {
    const theirs = theirsOf(find("revokeDecisions"));
    const ours = find("revokeDecisions");
    // The scope moved from ALTR's body to the query string (what the tool once sent) is seen.
    const moved = { ...ours, params: [...ours.params, { name: "database", in: "query", required: false, schema: { type: "string" } }], body: null, bodyRequired: false };
    expect(compare(moved, theirs).map((d) => d.what)).toEqual(expect.arrayContaining(["parameter query database", "request body"]));
    expect(compare(ours, theirs).map((d) => d.what)).toEqual(["pattern path job_id"]);
    const listDb = find("listDatabases");
    const narrowed = { ...listDb, params: listDb.params.map((p) => (p.name === "databaseType" ? { ...p, schema: { type: "string", enum: ["mysql"] } } : p)) };
    expect(compare(narrowed, theirsOf(listDb)).find((d) => d.what === "enum query databaseType")?.ours).toBe("mysql");
    const record = find("recordDecision");
    const strict = (op: Operation) => compare(op, theirsOf(record)).filter((d) => !d.stricter);
    expect(strict(record)).toEqual([]);
    const optional = { ...record, body: { ...record.body!, required: record.body!.required.filter((f) => f !== "confirmed_status") } };
    expect(strict(optional)).toEqual([{ what: "required body field confirmed_status", ours: "optional", theirs: "required" }]);
  });

  it("a missing or half-filled x-altr-source fails", () => {
    expect(sourceProblems(undefined)).toEqual(["x-altr-source is missing"]);
    expect(sourceProblems({ upstream: true })).toEqual([expect.stringContaining("without a reason")]);
    expect(sourceProblems({ document: "altr-mapi-openapi.json", method: "GET" })).toEqual([expect.stringContaining("path missing")]);
  });
});

// ---------------------------------------------------------------------------------------------
// The requests our tools send, against ALTR's own schema.

/** OpenAPI 3.0 / Swagger schema keywords → JSON Schema that ajv reads. */
function jsonSchema(v: unknown, base: string): unknown {
  if (Array.isArray(v)) return v.map((x) => jsonSchema(x, base));
  if (!isObject(v)) return v;
  const out: Json = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === "$ref" && typeof x === "string" && x.startsWith("#")) out.$ref = base + x;
    else if (k === "example" || k === "examples" || k === "discriminator" || k === "xml") continue;
    else out[k] = jsonSchema(x, base);
  }
  if (out.nullable === true && typeof out.type === "string") out.type = [out.type, "null"];
  // OpenAPI 3.0 / Swagger: a boolean exclusiveMinimum/Maximum qualifies minimum/maximum.
  for (const [ex, bound] of [["exclusiveMinimum", "minimum"], ["exclusiveMaximum", "maximum"]] as const) {
    if (typeof out[ex] !== "boolean") continue;
    if (out[ex] === true && typeof out[bound] === "number") {
      out[ex] = out[bound];
      delete out[bound];
    } else delete out[ex];
  }
  return out;
}

const ajv = addFormats(new Ajv({ strict: false, allErrors: true, validateSchema: false }));
for (const [file, d] of published) ajv.addSchema(jsonSchema(d.doc, `altr:${file}`) as Json, `altr:${file}`);

const SWAGGER_PARAM_KEYS = ["type", "format", "enum", "items", "minimum", "maximum", "minLength", "maxLength", "pattern", "minItems", "maxItems", "uniqueItems"];
function paramSchema(theirs: Operation, schema: Json): Json {
  const s = typeof theirs.root.swagger === "string" ? Object.fromEntries(SWAGGER_PARAM_KEYS.filter((k) => k in schema).map((k) => [k, schema[k]])) : schema;
  return jsonSchema(s, `altr:${theirs.doc}`) as Json;
}

/** A query or path value as ALTR's schema types it. */
function typed(schema: Json, root: Json, raw: string | string[]): unknown {
  const s = deref(root, schema) as Json;
  if (s.type === "array") {
    const items = isObject(s.items) ? s.items : {};
    const values = Array.isArray(raw) ? raw : raw.split(",");
    return values.map((v) => typed(items, root, v));
  }
  const v = Array.isArray(raw) ? raw[0]! : raw;
  if (s.type === "integer" || s.type === "number") return /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
  if (s.type === "boolean") return v === "true" ? true : v === "false" ? false : v;
  return v;
}

const compiled = new Map<unknown, ValidateFunction>();
function check(schema: Json, value: unknown): string | null {
  let fn = compiled.get(schema);
  if (!fn) compiled.set(schema, (fn = ajv.compile(schema)));
  return fn(value) ? null : ajv.errorsText(fn.errors);
}

interface Located {
  op: Operation;
  segments: string[];
}
function locate(w: WireCall): Located | undefined {
  const file = SERVICES[w.service].spec;
  const doc = curated.find((d) => d.file === file)!;
  const candidates = doc.operations.filter((op) => op.method === w.method);
  const path = matchTemplate(candidates.map((op) => op.path), w.path);
  const op = candidates.find((o) => o.path === path);
  return op ? { op, segments: w.path.split("/") } : undefined;
}

/** Problems with one sent request against ALTR's operation, apart from the recorded differences. */
function requestProblems(w: WireCall, ours: Operation, sent: string[], theirs: Operation): string[] {
  const recorded = recordedDifferences(ours).entries.map((e) => e.what);
  const problems: string[] = [];
  // Path values, by position (ALTR's names may differ).
  const ourSegs = ours.wirePath.split("/");
  const theirSegs = theirs.wirePath.split("/");
  const offset = ourSegs.length - sent.length;
  if (!recorded.includes("path")) {
    theirSegs.forEach((seg, i) => {
      const m = /^\{(.+)\}$/.exec(seg);
      if (!m || i - offset < 0) return;
      const p = theirs.params.find((x) => x.in === "path" && x.name === m[1]);
      if (!p) return;
      const err = check(paramSchema(theirs, p.schema), typed(p.schema, theirs.root, decodeURIComponent(sent[i - offset]!)));
      if (err) problems.push(`path ${p.name}: ${err}`);
    });
  }
  for (const [key, value] of Object.entries(w.query ?? {})) {
    if (recorded.includes(`parameter query ${key}`)) continue;
    const p = theirs.params.find((x) => x.in === "query" && x.name === key);
    if (!p) {
      problems.push(`query ${key}: not a query parameter in ALTR's document`);
      continue;
    }
    const err = check(paramSchema(theirs, p.schema), typed(p.schema, theirs.root, value));
    if (err) problems.push(`query ${key}=${String(value)}: ${err}`);
  }
  for (const p of theirs.params.filter((x) => x.in === "query" && x.required)) {
    if (recorded.includes(`required parameter query ${p.name}`)) continue;
    if (!(p.name in (w.query ?? {}))) problems.push(`query ${p.name}: required by ALTR, not sent`);
  }
  if (theirs.body && w.body !== undefined && !recorded.includes("request body")) {
    const excused = recorded.flatMap((r) => /^(?:body field|enum body) (.+)$/.exec(r)?.[1] ?? []);
    const body = isObject(w.body) ? Object.fromEntries(Object.entries(w.body).filter(([k]) => !excused.includes(k))) : w.body;
    const err = check(jsonSchema(theirs.body.schema, `altr:${theirs.doc}`) as Json, body);
    if (err) problems.push(`body: ${err}`);
  } else if (theirs.body && theirs.bodyRequired && w.body === undefined && !recorded.includes("request body")) {
    problems.push("body: required by ALTR, none sent");
  }
  return problems;
}

describe("requests our tools send validate against ALTR's schema", () => {
  const calls = CASES.flatMap((c) => c.wire.map((w, i) => [`${c.tool} #${i + 1} ${w.method} ${w.path}`, w] as const));

  it("every Prism-case request maps to a curated operation, the most specific path first", () => {
    expect(calls.filter(([, w]) => !locate(w)).map(([n]) => n)).toEqual([]);
    const active = calls.find(([, w]) => w.path === "/v1/jobs/active")![1];
    expect(idOf(locate(active)!.op)).toBe("listActiveJobs");
  });

  it("an opt-out names its reason and is used", () => {
    const used = new Set(calls.map(([, w]) => locate(w)?.op).filter((op): op is Operation => !!op));
    const problems = allOps.flatMap(({ op }) => {
      const skip = op.raw["x-altr-request-check"];
      if (skip === undefined) return [];
      if (!isObject(skip) || typeof skip.skip !== "string" || !skip.skip.trim()) return [`${idOf(op)}: x-altr-request-check needs {skip: reason}`];
      if (sourceOf(op).upstream === true) return [`${idOf(op)}: upstream-only, there is no ALTR schema to skip`];
      return used.has(op) ? [] : [`${idOf(op)}: opts out but no case sends it`];
    });
    expect(problems).toEqual([]);
  });

  it.each(calls)("%s", (_, w) => {
    const { op, segments } = locate(w)!;
    const src = sourceOf(op);
    if (src.upstream === true || isObject(op.raw["x-altr-request-check"])) return;
    const theirs = namedOperation(published, src as { document: string; method: string; path: string })!;
    expect(requestProblems(w, op, segments, theirs)).toEqual([]);
  });

  it("a request ALTR's schema refuses is caught: wrong body type, unknown query key, bad enum value", () => {
    const sign = CASES.find((c) => c.tool === "create_report_sign_off")!.wire[0]!;
    const { op, segments } = locate(sign)!;
    const theirs = namedOperation(published, sourceOf(op) as { document: string; method: string; path: string })!;
    expect(requestProblems(sign, op, segments, theirs)).toEqual([]);
    const broken = { ...sign, body: { ...(sign.body as Json), attestation: "yes" }, query: { sneaky: "1" } };
    expect(requestProblems(broken, op, segments, theirs)).toEqual([
      expect.stringContaining("query sneaky: not a query parameter"),
      expect.stringContaining("body: data/attestation must be boolean"),
    ]);
    const jobs = CASES.find((c) => c.tool === "get_jobs")!.wire[0]!;
    const j = locate(jobs)!;
    const jobsTheirs = namedOperation(published, sourceOf(j.op) as { document: string; method: string; path: string })!;
    expect(requestProblems({ ...jobs, query: { ...jobs.query, order: "sideways" } }, j.op, j.segments, jobsTheirs)).toEqual([
      expect.stringContaining("query order=sideways: data must be equal to one of the allowed values"),
    ]);
  });
});
