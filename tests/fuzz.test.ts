/**
 * Property-based fuzzing of every registered tool through a real MCP client, with arbitraries
 * derived from the tool's full input schema — its zod object as JSON Schema, nested structure
 * included (the advertised one abbreviates nested objects; tests/helpers/arbitrary.ts):
 * - invalid input (one wrong field, a missing required one, an unknown one) never reaches the
 *   network and always gives isError with kind invalid_input naming the field;
 * - valid input never crashes a handler (no protocol error, no `internal` error), whatever
 *   ALTR answers (an error status, or a 2xx with an unexpected body).
 * - a dot segment (`.`, `..`, any mix of `%2e`/`%2E`, encoded again) in any string argument never
 *   reaches ALTR as a path segment: the path builder refuses it (invalid_input) or it travels
 *   elsewhere (query, body).
 * Bounded: a fixed seed and a few runs per tool.
 */
import fc from "fast-check";
import { z } from "zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALL_TOOLS } from "../src/tools/index.js";
import { CASES } from "./cases/index.js";
import { argsOf, brokenArgsOf, type Schema } from "./helpers/arbitrary.js";
import { baseUrlsFrom, connect, envelope, type Harness } from "./helpers/harness.js";
import { startStub, type Stub } from "./helpers/stub.js";

const SEED = 20261125;
const INVALID_RUNS = 10;
const VALID_RUNS = 16;
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"];

let stub: Stub;
let h: Harness;

beforeAll(async () => {
  stub = await startStub();
  h = await connect({ baseUrls: baseUrlsFrom(stub.url), http: { maxAttempts: 1, timeoutMs: 2_000 } });
});
afterAll(async () => {
  await h?.close();
  await stub?.close();
});

function schemaOf(name: string): Schema {
  const tool = ALL_TOOLS.find((t) => t.name === name);
  if (!tool || !h.host.listed.some((t) => t.name === name)) throw new Error(`${name} is not listed`);
  return z.toJSONSchema(tool.inputSchema, { io: "input", unrepresentable: "any" }) as Schema;
}

/** Destructive tools take `confirm: true` while confirmation is on; it gets the call past the gate. */
function confirmed(schema: Schema, args: Record<string, unknown>): Record<string, unknown> {
  return schema.properties && "confirm" in schema.properties ? { ...args, confirm: true } : args;
}

function exampleOf(name: string): Record<string, unknown> {
  return CASES.find((c) => c.tool === name)?.args ?? {};
}

describe.each(ALL_TOOLS.map((t) => [t.name, t] as const))("%s", (name, tool) => {
  it("invalid input: isError naming the field, nothing sent", async () => {
    const schema = schemaOf(name);
    const example = exampleOf(name);
    let checked = 0;
    await fc.assert(
      fc.asyncProperty(brokenArgsOf(schema, example), async ({ field, args }) => {
        // Only inputs that zod really refuses count (e.g. "12" may be accepted by a coercing field).
        if (tool.inputSchema.safeParse(args).success) return;
        checked++;
        const sent = stub.requests.length;
        const res = await h.call(name, confirmed(schema, args));
        expect(res.isError).toBe(true);
        const env = envelope(res);
        expect(env.error?.kind).toBe("invalid_input");
        expect(env.error?.message).toContain(field);
        expect((env.error?.fields ?? []).some((f) => f === field || f.startsWith(`${field}.`) || f.startsWith(`${field}[`))).toBe(true);
        expect(stub.requests.length).toBe(sent);
      }),
      { seed: SEED, numRuns: INVALID_RUNS, endOnFailure: true },
    );
    // A tool whose every parameter is optional and free-form may admit all mutations but the unknown key.
    if (process.env.FUZZ_DEBUG) console.log("INVALID", name, checked);
    expect(checked).toBeGreaterThan(0);
  });

  it("valid input never crashes the handler", async () => {
    const schema = schemaOf(name);
    const example = exampleOf(name);
    let ran = 0;
    await fc.assert(
      fc.asyncProperty(argsOf(schema, example), fc.constantFrom("error", "odd-body"), async (args, answer) => {
        const { confirm: _c, ...toolArgs } = args;
        if (!tool.inputSchema.safeParse(toolArgs).success) return;
        ran++;
        for (const m of METHODS) {
          stub.route(m, /.*/, answer === "error" ? { status: 404, body: { message: "Not found" } } : { status: 200, body: { success: true, data: {} } });
        }
        const res = await h.call(name, confirmed(schema, toolArgs));
        const env = envelope(res);
        if (!env.success) {
          expect(env.error?.kind, env.error?.message).not.toBe("internal");
          expect(env.error?.message.length).toBeGreaterThan(10);
        }
      }),
      { seed: SEED, numRuns: VALID_RUNS, endOnFailure: true, examples: [[example, "error"]] },
    );
    if (process.env.FUZZ_DEBUG) console.log("VALID", name, ran);
    expect(ran).toBeGreaterThan(0);
  });
});

/** `.` or `..` spelled any way: literal dots, `%2e`/`%2E`, or an escape encoded once more. */
const dotSegment = fc
  .array(fc.constantFrom(".", "%2e", "%2E", "%252e", "%252E"), { minLength: 1, maxLength: 2 })
  .map((parts) => parts.join(""));

/** A request path with a segment that decodes (at any depth) to `.` or `..`. */
function hasDotSegment(url: string): boolean {
  return url
    .split("?")[0]!
    .split("/")
    .slice(1)
    .some((segment) => {
      let s = segment;
      for (let i = 0; i < 4; i++) {
        if (s === "." || s === "..") return true;
        s = s.replace(/%2e/gi, ".").replace(/%25/g, "%");
      }
      return false;
    });
}

describe.each(ALL_TOOLS.map((t) => [t.name] as const))("%s: dot segments", (name) => {
  const example = exampleOf(name);
  const fields = Object.keys(example).filter((k) => typeof example[k] === "string");
  it.skipIf(fields.length === 0)("never leave their path segment", async () => {
    const schema = schemaOf(name);
    for (const m of METHODS) stub.route(m, /.*/, { status: 200, body: { success: true, data: {} } });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...fields), dotSegment, async (field, value) => {
        const sent = stub.requests.length;
        const env = envelope(await h.call(name, confirmed(schema, { ...example, [field]: value })));
        const urls = stub.requests.slice(sent).map((r) => r.url);
        expect(urls.filter(hasDotSegment), `${field}=${value}`).toEqual([]);
        if (env.error) expect(env.error.kind, env.error.message).not.toBe("internal");
      }),
      { seed: SEED, numRuns: 8, endOnFailure: true },
    );
  });
});
