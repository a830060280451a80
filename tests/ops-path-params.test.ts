/**
 * The one path builder (altr/client.ts) refuses path-parameter values that would leave their
 * segment: empty, `.`, `..`, or any percent-encoded spelling of them. Which argument feeds which
 * path parameter is derived, not listed: every tool case (tests/cases) names the request it sends,
 * the generated operations give that request's path template, and an argument whose value is the
 * segment sent feeds that parameter. Each such argument, given each hostile value, must end as
 * invalid_input naming the argument, with nothing sent. (Fails on the previous main: `..` and
 * `%2e%2e` were sent as `…/policy/TAG%23PII/` and `…/management/rules`.)
 */
import { describe, expect, it } from "vitest";
import { encodePathSegment, PathParamError } from "../src/altr/client.js";
import { OPERATIONS, type OperationKey } from "../src/generated/operations.js";
import { ALL_TOOLS } from "../src/tools/index.js";
import { CASES, type WireCall } from "./cases/index.js";
import { h, stub, useStubHarness } from "./helpers/stub-harness.js";
import { envelope } from "./helpers/harness.js";

useStubHarness();

const HOSTILE = [".", "..", "%2e%2e", "%2E.", ".%2E", "", "%2e", "%252e%252e", "%2E%2e"];

/** Path parameters of an operation, in template order. */
const paramsOf = (op: OperationKey): string[] => [...OPERATIONS[op].path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);

/** The declared operation a recorded request hits, with the segment values it carried. */
function matchOperation(tool: string, w: WireCall): { op: OperationKey; values: Record<string, string> } | undefined {
  const t = ALL_TOOLS.find((x) => x.name === tool)!;
  for (const op of t.operations) {
    const info = OPERATIONS[op];
    if (info.service !== w.service || info.method !== w.method) continue;
    const pattern = new RegExp(`^${info.path.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\\?\{[^}]+\\?\}/g, "([^/]+)")}$`);
    const m = pattern.exec(w.path);
    if (!m) continue;
    const names = paramsOf(op);
    return { op, values: Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)])) };
  }
  return undefined;
}

/** Top-level arguments whose value is exactly `value` (ids are top-level arguments in every tool). */
const argsHolding = (args: Record<string, unknown>, value: string) =>
  Object.entries(args)
    .filter(([, v]) => (typeof v === "string" || typeof v === "number") && String(v) === value)
    .map(([k]) => k);

interface Feed {
  tool: string;
  field: string;
  op: OperationKey;
  param: string;
  args: Record<string, unknown>;
}

const feeds: Feed[] = [];
/** Path parameters filled from ALTR's own answers (e.g. the id a create returned), not from an argument. */
const fromAnswers: string[] = [];
for (const c of CASES) {
  for (const w of c.wire) {
    const hit = matchOperation(c.tool, w);
    if (!hit) continue;
    for (const [param, value] of Object.entries(hit.values)) {
      const fields = argsHolding(c.args, value);
      if (fields.length === 0) fromAnswers.push(`${c.tool} ${hit.op} {${param}}`);
      for (const field of fields) {
        if (!feeds.some((f) => f.tool === c.tool && f.field === field)) feeds.push({ tool: c.tool, field, op: hit.op, param, args: c.args });
      }
    }
  }
}

describe("the path builder", () => {
  it.each(HOSTILE)("refuses %j", (value) => {
    expect(() => encodePathSegment(value, "ruleId")).toThrow(PathParamError);
  });

  it.each(["..%2F", "a/..", "%2e%2e%2fx", "...", ". .", "TAG#PII", "a%2Fb", "%"])("encodes %j as one segment", (value) => {
    const out = encodePathSegment(value, "x");
    expect(out).not.toContain("/");
    expect(/^\.{0,2}$/.test(decodeURIComponent(out))).toBe(false);
  });

  it("encodes exactly once (an already-encoded id is decoded first)", () => {
    expect(encodePathSegment("TAG#PII", "x")).toBe("TAG%23PII");
    expect(encodePathSegment("TAG%23PII", "x")).toBe("TAG%23PII");
  });

  it("refuses a lone surrogate instead of crashing", () => {
    expect(() => encodePathSegment("ab\uD800", "x")).toThrow(PathParamError);
  });
});

describe("every argument that fills a path parameter refuses dot segments", () => {
  it("covers every tool whose declared operations take a path parameter from its arguments", () => {
    const withParams = ALL_TOOLS.filter((t) => t.operations.some((op) => paramsOf(op).length > 0)).map((t) => t.name);
    const covered = new Set([...feeds.map((f) => f.tool), ...fromAnswers.map((s) => s.split(" ")[0]!)]);
    expect(withParams.filter((t) => !covered.has(t))).toEqual([]);
    expect(feeds.length).toBeGreaterThan(60);
  });

  it.each(feeds.map((f) => [f.tool, f.field, f] as const))("%s %s", async (tool, field, f) => {
    for (const value of HOSTILE) {
      const res = await h.call(tool, { ...f.args, [field]: value });
      const env = envelope(res);
      expect(env.error?.kind, `${tool} ${field}=${JSON.stringify(value)}: ${env.error?.message}`).toBe("invalid_input");
      expect(env.error?.fields ?? [], JSON.stringify(value)).toContain(field);
      expect(stub.requests, `${tool} ${field}=${JSON.stringify(value)}`).toHaveLength(0);
    }
  });
});
