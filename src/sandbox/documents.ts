/**
 * The curated OpenAPI documents as the sandbox reads them: one per service, loaded on the first
 * request to that service, with a route table and ajv validators compiled per operation on first
 * use (never all at start-up).
 *
 * Where a document comes from: `dist/openapi/<doc>.json`, written from openapi/*.yaml by
 * scripts/build.mjs (JSON parses in milliseconds; YAML takes over a second for all nine).
 * In a checkout where the YAML is newer than that JSON (or there is no build yet) the YAML is
 * parsed instead, with the `yaml` dev dependency — the same document either way.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import type { Ajv, ErrorObject, ValidateFunction } from "ajv";
import { SERVICES, type ServiceName } from "../config/services.js";
import type { JsonSchema } from "../schema/json-schema.js";

export type Method = "get" | "post" | "put" | "patch" | "delete";
export const METHODS: readonly Method[] = ["get", "post", "put", "patch", "delete"];

export interface Parameter {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  required: boolean;
  schema: JsonSchema;
  /** JSON pointer (unescaped segments) to the parameter's schema in the document. */
  pointer: string[];
}

export interface Operation {
  service: ServiceName;
  /** openapi/<file> */
  doc: string;
  operationId: string;
  method: Method;
  /** Path template as in the document, e.g. /v1/jobs/{job_id}. */
  template: string;
  parameters: Parameter[];
  /** Pointer to the JSON request body schema, when there is one. */
  body?: { pointer: string[]; required: boolean };
  /** Documented statuses, with the pointer to each JSON body schema and its example. */
  responses: Map<number, { pointer?: string[]; schema?: JsonSchema; example?: unknown }>;
}

export interface Route {
  operation: Operation;
  params: Record<string, string>;
}

export interface Document {
  service: ServiceName;
  file: string;
  root: JsonSchema;
  operations: Operation[];
  /** Operations by template and method. */
  byTemplate: Map<string, Map<Method, Operation>>;
  match(method: string, path: string): Route | { allowed: Method[] } | undefined;
  /** Resolves local $refs until a non-$ref node. */
  resolve(node: unknown): JsonSchema;
  validator(op: Operation, part: "params" | "body" | number): ValidateFunction | undefined;
}

const PACKAGE_ROOT = new URL("../../", import.meta.url);

async function readDocument(file: string): Promise<JsonSchema> {
  const yamlPath = new URL(`openapi/${file}`, PACKAGE_ROOT);
  const jsonPath = new URL(`dist/openapi/${file.replace(/\.yaml$/, ".json")}`, PACKAGE_ROOT);
  const hasJson = existsSync(jsonPath);
  const hasYaml = existsSync(yamlPath);
  if (hasJson && (!hasYaml || statSync(yamlPath).mtimeMs <= statSync(jsonPath).mtimeMs)) {
    return JSON.parse(readFileSync(jsonPath, "utf8")) as JsonSchema;
  }
  if (hasYaml) {
    const { parse } = await import("yaml");
    return parse(readFileSync(yamlPath, "utf8")) as JsonSchema;
  }
  throw new Error(`sandbox: the OpenAPI document ${file} is missing (looked for dist/openapi and openapi/; run npm run build)`);
}

const escapePointer = (s: string) => s.replaceAll("~", "~0").replaceAll("/", "~1");
export const pointerText = (pointer: string[]) => `#/${pointer.map(escapePointer).join("/")}`;

function isObject(v: unknown): v is JsonSchema {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function at(root: JsonSchema, pointer: string[]): unknown {
  let node: unknown = root;
  for (const part of pointer) node = isObject(node) || Array.isArray(node) ? (node as Record<string, unknown>)[part] : undefined;
  return node;
}

/** A local `$ref` as pointer segments. */
function refPointer(ref: string): string[] {
  if (!ref.startsWith("#/")) throw new Error(`sandbox: only local $refs are supported, got ${ref}`);
  return ref.slice(2).split("/").map((p) => p.replaceAll("~1", "/").replaceAll("~0", "~"));
}

/** Follows $refs from a pointer to the node that holds content; returns the final pointer. */
function follow(root: JsonSchema, pointer: string[]): string[] {
  let p = pointer;
  for (let i = 0; i < 16; i++) {
    const node = at(root, p);
    if (isObject(node) && typeof node.$ref === "string") p = refPointer(node.$ref);
    else return p;
  }
  throw new Error(`sandbox: $ref chain too deep at ${pointerText(pointer)}`);
}

/** OpenAPI's formats that ajv-formats does not know. */
const NUMBER_FORMATS: Record<string, (v: number) => boolean> = {
  int32: (v) => Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31,
  int64: (v) => Number.isInteger(v),
  float: () => true,
  double: () => true,
};
const STRING_FORMATS: Record<string, (v: string) => boolean> = {
  password: () => true,
  byte: (v) => /^[A-Za-z0-9+/]*={0,2}$/.test(v),
  binary: () => true,
};

type AddFormats = (ajv: Ajv) => Ajv;
interface Validators {
  Ajv: typeof Ajv;
  addFormats: AddFormats;
}

let validatorsLoaded: Promise<Validators> | undefined;
/** ajv and its formats, loaded once: with the first document, or by warmUp (never by a normal start). */
function loadValidators(): Promise<Validators> {
  validatorsLoaded ??= importValidators();
  validatorsLoaded.catch(() => (validatorsLoaded = undefined));
  return validatorsLoaded;
}

async function importValidators(): Promise<Validators> {
  const [ajv, formats] = await Promise.all([import("ajv"), import("ajv-formats")]);
  // Both are CommonJS: from the sources Node exposes ajv's named export; from the esbuild bundle
  // only `default` (module.exports) is there. Likewise ajv-formats' default arrives wrapped or bare.
  const ajvExports: unknown = ajv.default;
  const Ajv = (ajv.Ajv ?? (ajvExports as { Ajv?: typeof ajv.Ajv }).Ajv) as typeof ajv.Ajv;
  const mod: unknown = formats.default;
  const addFormats = (typeof mod === "function" ? mod : (mod as { default: AddFormats }).default) as AddFormats;
  return { Ajv, addFormats };
}

/**
 * One ajv per document, for requests and answers alike. Its code is not optimised: the first
 * call on --sandbox compiles two validators on a cold ajv, and optimising them costs more than
 * it saves (the validation is the same).
 */
function newAjv({ Ajv, addFormats }: Validators): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: false, validateSchema: false, meta: false, code: { optimize: false } });
  addFormats(ajv);
  for (const [name, validate] of Object.entries(NUMBER_FORMATS)) ajv.addFormat(name, { type: "number", validate });
  for (const [name, validate] of Object.entries(STRING_FORMATS)) ajv.addFormat(name, { type: "string", validate });
  return ajv;
}

function templateRegex(template: string): { regex: RegExp; names: string[] } {
  const names: string[] = [];
  const source = template
    .split(/(\{[^}]+\})/)
    .map((part) => {
      const m = /^\{([^}]+)\}$/.exec(part);
      if (m) {
        names.push(m[1]!);
        return "([^/]+)";
      }
      return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("");
  return { regex: new RegExp(`^${source}$`), names };
}

/** OpenAPI 3.0's boolean exclusiveMinimum/exclusiveMaximum, in the JSON Schema form ajv reads. */
function normalise(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(normalise);
  if (!isObject(node)) return;
  for (const [flag, bound] of [["exclusiveMinimum", "minimum"], ["exclusiveMaximum", "maximum"]] as const) {
    if (typeof node[flag] !== "boolean") continue;
    if (node[flag] === true && typeof node[bound] === "number") {
      node[flag] = node[bound];
      delete node[bound];
    } else delete node[flag];
  }
  for (const [key, value] of Object.entries(node)) if (key !== "example" && key !== "examples") normalise(value);
}

function buildDocument(service: ServiceName, file: string, root: JsonSchema, validators: Validators): Document {
  normalise(root);
  const operations: Operation[] = [];
  const byTemplate = new Map<string, Map<Method, Operation>>();
  const paths = (root.paths ?? {}) as Record<string, JsonSchema>;
  for (const [template, item] of Object.entries(paths)) {
    const shared = Array.isArray(item.parameters) ? (item.parameters as unknown[]).map((_, i) => ["paths", template, "parameters", String(i)]) : [];
    for (const method of METHODS) {
      const raw = item[method];
      if (!isObject(raw)) continue;
      const own = Array.isArray(raw.parameters) ? (raw.parameters as unknown[]).map((_, i) => ["paths", template, method, "parameters", String(i)]) : [];
      const parameters = new Map<string, Parameter>();
      for (const pointer of [...shared, ...own]) {
        const p = follow(root, pointer);
        const param = at(root, p) as JsonSchema;
        const schemaPointer = follow(root, [...p, "schema"]);
        parameters.set(`${String(param.in)}:${String(param.name)}`, {
          name: String(param.name),
          in: param.in as Parameter["in"],
          required: param.required === true,
          schema: (at(root, schemaPointer) ?? {}) as JsonSchema,
          pointer: [...p, "schema"],
        });
      }
      let body: Operation["body"];
      if (isObject(raw.requestBody)) {
        const rb = follow(root, ["paths", template, method, "requestBody"]);
        const rbNode = at(root, rb) as JsonSchema;
        if (isObject(at(root, [...rb, "content", "application/json", "schema"]))) {
          body = { pointer: [...rb, "content", "application/json", "schema"], required: rbNode.required === true };
        }
      }
      const responses: Operation["responses"] = new Map();
      for (const code of Object.keys(isObject(raw.responses) ? raw.responses : {})) {
        const status = Number(code);
        if (!Number.isInteger(status)) continue;
        const r = follow(root, ["paths", template, method, "responses", code]);
        const media = at(root, [...r, "content", "application/json"]);
        if (!isObject(media)) {
          responses.set(status, {});
          continue;
        }
        let example: unknown = media.example;
        if (example === undefined && isObject(media.examples)) {
          const first = Object.values(media.examples)[0];
          if (isObject(first)) example = isObject(first) && typeof first.$ref === "string" ? (at(root, refPointer(first.$ref)) as JsonSchema).value : first.value;
        }
        const pointer = isObject(media.schema) ? [...r, "content", "application/json", "schema"] : undefined;
        responses.set(status, { pointer, schema: pointer ? (at(root, follow(root, pointer)) as JsonSchema) : undefined, example });
      }
      const op: Operation = {
        service,
        doc: file,
        operationId: String(raw.operationId ?? `${method} ${template}`),
        method,
        template,
        parameters: [...parameters.values()],
        body,
        responses,
      };
      operations.push(op);
      const methods = byTemplate.get(template) ?? new Map<Method, Operation>();
      methods.set(method, op);
      byTemplate.set(template, methods);
    }
  }

  // Most specific first: fewer parameters, then longer literal text (…/jobs/active before …/jobs/{job_id}).
  const routes = [...byTemplate.keys()]
    .map((template) => ({ template, ...templateRegex(template) }))
    .sort((a, b) => a.names.length - b.names.length || b.template.length - a.template.length);

  const ajv = newAjv(validators);
  const resolve = (node: unknown): JsonSchema => {
    let n: unknown = node;
    for (let i = 0; i < 16 && isObject(n) && typeof n.$ref === "string"; i++) n = at(root, refPointer(n.$ref));
    return (isObject(n) ? n : {}) as JsonSchema;
  };
  const cache = new Map<string, ValidateFunction | undefined>();

  return {
    service,
    file,
    root,
    operations,
    byTemplate,
    match(method, path) {
      const m = method.toLowerCase() as Method;
      let allowed: Method[] | undefined;
      for (const strict of [true, false]) {
        for (const route of routes) {
          const candidate = strict ? path : path.replace(/\/+$/, "");
          const found = route.regex.exec(candidate) ?? (strict ? null : route.regex.exec(`${candidate}/`));
          if (!found) continue;
          const methods = byTemplate.get(route.template)!;
          const op = methods.get(m);
          if (!op) {
            allowed ??= [...methods.keys()];
            continue;
          }
          const params: Record<string, string> = {};
          route.names.forEach((name, i) => {
            const raw = found[i + 1]!;
            try {
              params[name] = decodeURIComponent(raw);
            } catch {
              params[name] = raw;
            }
          });
          return { operation: op, params };
        }
      }
      return allowed ? { allowed } : undefined;
    },
    resolve,
    validator(op, part) {
      const key = `${op.method} ${op.template} ${part}`;
      if (cache.has(key)) return cache.get(key);
      let fn: ValidateFunction | undefined;
      if (part === "params") {
        const properties: Record<string, JsonSchema> = {};
        const required: string[] = [];
        for (const p of op.parameters) {
          if (p.in !== "path" && p.in !== "query") continue;
          properties[p.name] = at(root, follow(root, p.pointer)) as JsonSchema;
          if (p.required) required.push(p.name);
        }
        fn = coercing(ajv.compile(selfContained(root, { type: "object", properties, required })), op.parameters, resolve);
      } else if (part === "body") {
        fn = op.body ? ajv.compile(selfContained(root, at(root, follow(root, op.body.pointer)) as JsonSchema)) : undefined;
      } else {
        const pointer = op.responses.get(part)?.pointer;
        fn = pointer ? ajv.compile(selfContained(root, at(root, follow(root, pointer)) as JsonSchema)) : undefined;
      }
      cache.set(key, fn);
      return fn;
    },
  };
}

/**
 * A schema of the document that ajv can compile alone: the schema itself, plus (at their own
 * pointers) the document's nodes its local `$ref`s reach, transitively. ajv then reads only
 * those, not the whole document (registering the whole document walks every node of it).
 */
function selfContained(root: JsonSchema, schema: JsonSchema): JsonSchema {
  const reached: Record<string, unknown> = {};
  const seen = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!isObject(node)) return;
    for (const [key, value] of Object.entries(node)) {
      if (key === "example" || key === "examples") continue;
      if (key !== "$ref" || typeof value !== "string") {
        visit(value);
        continue;
      }
      if (seen.has(value)) continue;
      seen.add(value);
      const pointer = refPointer(value);
      const target = at(root, pointer);
      let parent = reached;
      for (const part of pointer.slice(0, -1)) parent = (parent[part] ??= {}) as Record<string, unknown>;
      parent[pointer[pointer.length - 1]!] = target;
      visit(target);
    }
  };
  visit(schema);
  if (Object.keys(reached).some((k) => k in schema)) throw new Error(`sandbox: a schema's own keys collide with the pointers its $refs need`);
  return { ...reached, ...schema } as JsonSchema;
}

/**
 * Query and path values arrive as text: each is turned into its documented type before the
 * validator runs (in place, as ajv's coerceTypes "array" would): numbers and integers from
 * numeric text, booleans from "true"/"false", a single value into a one-item array.
 */
function coerce(value: unknown, schema: JsonSchema, resolve: (n: unknown) => JsonSchema): unknown {
  const s = resolve(schema);
  switch (s.type) {
    case "integer":
    case "number":
      return typeof value === "string" && value.trim() !== "" && !Number.isNaN(Number(value)) ? Number(value) : value;
    case "boolean":
      return value === "true" ? true : value === "false" ? false : value;
    case "array": {
      const items = Array.isArray(value) ? value : [value];
      return s.items ? items.map((v) => coerce(v, s.items as JsonSchema, resolve)) : items;
    }
    default:
      return value;
  }
}

function coercing(inner: ValidateFunction, parameters: Parameter[], resolve: (n: unknown) => JsonSchema): ValidateFunction {
  const typed = parameters.filter((p) => p.in === "path" || p.in === "query");
  const validate = (data: Record<string, unknown>): boolean => {
    for (const p of typed) if (data[p.name] !== undefined) data[p.name] = coerce(data[p.name], p.schema, resolve);
    const ok = inner(data);
    validate.errors = inner.errors;
    return ok;
  };
  validate.errors = null as ErrorObject[] | null | undefined;
  return Object.assign(validate, { schema: inner.schema, schemaEnv: inner.schemaEnv }) as unknown as ValidateFunction;
}

/**
 * Readies validation while the server waits for its first call: loads ajv and compiles one small
 * schema, so the first request's two compiles do not also pay for ajv's own first run (about a
 * third of the first call's sandbox time). Only an optimisation: a failure here is left to the
 * first request to report.
 */
export function warmUp(): void {
  loadValidators()
    .then((v) => {
      newAjv(v).compile({ type: "object", properties: { n: { type: "integer", minimum: 1 }, s: { type: "string", enum: ["a"] }, l: { type: "array", items: { type: "object", properties: { t: { type: "string", format: "date-time" } } } } }, required: ["n"] });
    })
    .catch(() => undefined);
}

const loaded = new Map<ServiceName, Promise<Document>>();

/** The service's document, loaded once per process. */
export function documentFor(service: ServiceName): Promise<Document> {
  let doc = loaded.get(service);
  if (!doc) {
    const file = SERVICES[service].spec;
    doc = Promise.all([readDocument(file), loadValidators()]).then(([root, validators]) => buildDocument(service, file, root, validators));
    doc.catch(() => loaded.delete(service));
    loaded.set(service, doc);
  }
  return doc;
}

/** "body/identifier must NOT have fewer than 1 characters" — the field first, in words a caller can act on. */
export function describeErrors(where: "query" | "path" | "body" | "params" | "response", errors: ErrorObject[] | null | undefined): string {
  const e = errors?.[0];
  if (!e) return `${where} is invalid`;
  let field = e.instancePath.split("/").slice(1).map((s) => s.replaceAll("~1", "/").replaceAll("~0", "~"));
  if (e.keyword === "required") field = [...field, String((e.params as { missingProperty: string }).missingProperty)];
  if (e.keyword === "additionalProperties") field = [...field, String((e.params as { additionalProperty: string }).additionalProperty)];
  const name = field.join(".");
  const message =
    e.keyword === "required"
      ? "is required"
      : e.keyword === "additionalProperties"
        ? "is not allowed"
        : e.keyword === "enum"
          ? `must be one of ${((e.params as { allowedValues: unknown[] }).allowedValues ?? []).join(", ")}`
          : (e.message ?? "is invalid");
  return name ? `${where} field ${name} ${message}` : `${where} ${message}`;
}
