/**
 * fast-check arbitraries derived from a tool's input schema as JSON Schema (generated from the
 * tool's zod object, nested structure included): values that fit the schema, and single-field
 * mutations that break it.
 */
import fc from "fast-check";

export type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
  additionalProperties?: boolean | Schema;
};

/** Strings that have broken path building, encoding and logging in other servers. */
const AWKWARD = fc.constantFrom("a/b", "../x", "%2F", "TAG%23PII", "#?&=", "ü€😀", " ", "x\u0000y", "'; DROP TABLE t;--", "\\");

function stringArb(s: Schema): fc.Arbitrary<string> {
  const min = s.minLength ?? 0;
  const max = Math.max(min, Math.min(s.maxLength ?? 40, min + 40));
  if (s.pattern) {
    try {
      return fc.stringMatching(new RegExp(s.pattern)).filter((v) => v.length >= min && v.length <= (s.maxLength ?? Infinity));
    } catch {
      // an ECMAScript-incompatible pattern: fall through to plain strings (zod decides)
    }
  }
  if (s.format === "date-time") {
    return fc.date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2100-01-01T00:00:00Z"), noInvalidDate: true }).map((d) => d.toISOString());
  }
  if (s.format === "date") {
    return fc.date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2100-01-01T00:00:00Z"), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
  }
  return fc.oneof(
    { weight: 3, arbitrary: fc.string({ minLength: min, maxLength: max }) },
    { weight: 1, arbitrary: fc.string({ minLength: min, maxLength: max, unit: "grapheme" }) },
    { weight: 1, arbitrary: AWKWARD.filter((v) => v.length >= min && v.length <= max) },
  );
}

function numberArb(s: Schema, integer: boolean): fc.Arbitrary<number> {
  let min = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + (integer ? 1 : 1e-9) : undefined);
  let max = s.maximum ?? (s.exclusiveMaximum !== undefined ? s.exclusiveMaximum - (integer ? 1 : 1e-9) : undefined);
  if (integer) {
    min = Math.max(min ?? -1_000_000, Number.MIN_SAFE_INTEGER);
    max = Math.min(max ?? 1_000_000, Number.MAX_SAFE_INTEGER);
    return fc.integer({ min: Math.ceil(min), max: Math.floor(max) });
  }
  return fc.double({ min: min ?? -1e9, max: max ?? 1e9, noNaN: true, noDefaultInfinity: true });
}

/** Values that fit the schema (zod still has the last word: callers filter with safeParse). */
export function valueOf(s: Schema | undefined, depth = 0): fc.Arbitrary<unknown> {
  if (!s || depth > 5) return fc.jsonValue({ maxDepth: 1 });
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  const branches = s.anyOf ?? s.oneOf;
  if (branches && branches.length > 0) return fc.oneof(...branches.map((b) => valueOf(b, depth + 1)));
  if (s.allOf && s.allOf.length > 0) return valueOf(s.allOf[0], depth + 1);
  if (Array.isArray(s.type)) return fc.oneof(...s.type.map((t) => valueOf({ ...s, type: t }, depth + 1)));
  switch (s.type) {
    case "string":
      return stringArb(s);
    case "integer":
      return numberArb(s, true);
    case "number":
      return numberArb(s, false);
    case "boolean":
      return fc.boolean();
    case "null":
      return fc.constant(null);
    case "array": {
      const min = s.minItems ?? 0;
      return fc.array(valueOf(s.items, depth + 1), { minLength: min, maxLength: Math.max(min, Math.min(s.maxItems ?? 4, 4)) });
    }
    case "object": {
      if (s.properties && Object.keys(s.properties).length > 0) return objectOf(s, depth);
      return fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function objectOf(s: Schema, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const props = s.properties ?? {};
  const model = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, valueOf(v, depth + 1)]));
  return fc.record(model, { requiredKeys: (s.required ?? []).filter((k) => k in props) }) as fc.Arbitrary<Record<string, unknown>>;
}

/**
 * Tool arguments that fit the schema: each property either keeps the known-valid example value
 * or gets a generated one, so most samples pass zod's cross-field rules too.
 */
export function argsOf(s: Schema, example: Record<string, unknown>): fc.Arbitrary<Record<string, unknown>> {
  const props = s.properties ?? {};
  const required = new Set(s.required ?? []);
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [k, v] of Object.entries(props)) {
    const generated = valueOf(v, 1);
    model[k] = k in example ? fc.oneof(fc.constant(example[k]), generated) : generated;
  }
  const requiredKeys = Object.keys(props).filter((k) => required.has(k) || k in example);
  const optionalTaken = fc.record(model, { requiredKeys });
  return optionalTaken as fc.Arbitrary<Record<string, unknown>>;
}

/** A value of the wrong kind for the schema (or out of its bounds). */
export function wrongFor(s: Schema | undefined): fc.Arbitrary<unknown> {
  const wrongType = fc.oneof(fc.constant({ nested: true }), fc.constant([1, "x"]), fc.constant(true), fc.constant(12.5));
  if (!s) return wrongType;
  const types = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
  const options: fc.Arbitrary<unknown>[] = [wrongType];
  if (s.enum) options.push(fc.constant("__not_an_allowed_value__"));
  if (types.includes("string") || s.enum) options.push(fc.integer(), fc.constant({}));
  if (types.includes("integer")) options.push(fc.constant(1.5), fc.constant("12"));
  if (types.includes("number") || types.includes("integer")) options.push(fc.constant("not a number"));
  if (s.maximum !== undefined) options.push(fc.constant(s.maximum + 1));
  if (s.minimum !== undefined) options.push(fc.constant(s.minimum - 1));
  if (s.maxLength !== undefined) options.push(fc.constant("x".repeat(s.maxLength + 1)));
  if (s.minLength !== undefined && s.minLength > 0) options.push(fc.constant(""));
  if (types.includes("boolean")) options.push(fc.constant("yes"), fc.constant(1));
  if (types.includes("array")) options.push(fc.constant("not-a-list"), fc.constant({ 0: "a" }));
  if (s.maxItems !== undefined && s.items) options.push(fc.constant(Array.from({ length: s.maxItems + 1 }, () => null)));
  if (types.includes("object")) options.push(fc.constant(42), fc.constant([]));
  return fc.oneof(...options);
}

export type Mutation = { field: string; args: Record<string, unknown> };

/** One broken field: a wrong value, a missing required parameter, or an unknown parameter. */
export function brokenArgsOf(s: Schema, example: Record<string, unknown>): fc.Arbitrary<Mutation> {
  const props = s.properties ?? {};
  const choices: fc.Arbitrary<Mutation>[] = [
    fc
      .string({ minLength: 1, maxLength: 10 })
      .map((k) => `zz_${k.replace(/[^A-Za-z0-9_]/g, "_")}`)
      .map((field) => ({ field, args: { ...example, [field]: "unexpected" } })),
  ];
  const names = Object.keys(props).filter((k) => k !== "confirm");
  if (names.length > 0) {
    choices.push(
      fc.constantFrom(...names).chain((field) => wrongFor(props[field]).map((value) => ({ field, args: { ...example, [field]: value } }))),
    );
  }
  const required = (s.required ?? []).filter((k) => k in example);
  if (required.length > 0) {
    choices.push(
      fc.constantFrom(...required).map((field) => {
        const { [field]: _gone, ...rest } = example;
        return { field, args: rest };
      }),
    );
  }
  return fc.oneof(...choices);
}
