/**
 * Success means success (security issue, item 5): a 2xx is reported as success only when the
 * answer says so. A stub that lies — 200 with ALTR's envelope saying `success: false`, 200 with
 * a null body, 204 where the document promises a body — on get_roles, create_policy and a sample
 * of other tools: `rejected` with ALTR's message, or `invalid_response`; never success, never
 * `internal`. Before: get_roles answered an empty list and create_policy `data: null`.
 */
import { describe, expect, it } from "vitest";
import { OPERATIONS, type OperationKey } from "../src/generated/operations.js";
import { ALL_TOOLS } from "../src/tools/index.js";
import { CASES } from "./cases/index.js";
import { envelope } from "./helpers/harness.js";
import { h, stub, useStubHarness } from "./helpers/stub-harness.js";

useStubHarness();

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"];
const lie = (reply: Parameters<typeof stub.route>[2]) => {
  for (const m of METHODS) stub.route(m, /.*/, reply);
};

/** The one operation a single-request case sends. */
function operationOf(c: (typeof CASES)[number]): OperationKey | undefined {
  if (c.wire.length !== 1) return undefined;
  const w = c.wire[0]!;
  const tool = ALL_TOOLS.find((t) => t.name === c.tool)!;
  return tool.operations.find((k) => {
    const info = OPERATIONS[k];
    return info.method === w.method && info.service === w.service && new RegExp(`^${info.path.replace(/\{[^}]+\}/g, "[^/]+")}$`).test(w.path);
  });
}

/** get_roles, create_policy, and every fourth other single-request case whose operation promises a JSON body. */
const sample = CASES.filter((c) => {
  const op = operationOf(c);
  return op !== undefined && Object.values(OPERATIONS[op].bodies).some(Boolean);
}).filter((c, i) => c.tool === "get_roles" || c.tool === "create_policy" || i % 4 === 0);

describe("a 2xx that is not a success", () => {
  it("samples enough tools", () => {
    expect(sample.map((c) => c.tool)).toEqual(expect.arrayContaining(["get_roles", "create_policy"]));
    expect(sample.length).toBeGreaterThan(20);
  });

  it.each(sample.map((c) => [c.tool, c] as const))("%s: 200 {success: false} → rejected with ALTR's message", async (_t, c) => {
    lie({ status: 200, body: { success: false, data: { message: "Policy limit reached for this organisation" } } });
    const res = await h.call(c.tool, c.args);
    const env = envelope(res);
    expect(res.isError, JSON.stringify(env)).toBe(true);
    expect(env.error?.kind).toBe("rejected");
    expect(env.error?.altr_message).toBe("Policy limit reached for this organisation");
    expect(env.error?.message).toContain("Policy limit reached");
  });

  it.each(sample.map((c) => [c.tool, c] as const))("%s: 200 null → invalid_response", async (_t, c) => {
    lie({ status: 200, body: null });
    const env = envelope(await h.call(c.tool, c.args));
    expect(env.success).toBe(false);
    expect(env.error?.kind, env.error?.message).toBe(allowsEmpty(c) ? env.error?.kind : "invalid_response");
    expect(env.error?.kind).not.toBe("internal");
  });

  it.each(sample.map((c) => [c.tool, c] as const))("%s: 204 → invalid_response", async (_t, c) => {
    lie({ status: 204 });
    const env = envelope(await h.call(c.tool, c.args));
    if (allowsEmpty(c)) return;
    // A 204 the document declares without a body (e.g. update_rule: 200 or 204) is a success.
    if (OPERATIONS[operationOf(c)!].bodies["204"] === false) return expect(env.success).toBe(true);
    expect(env.success).toBe(false);
    expect(env.error?.kind, env.error?.message).toBe("invalid_response");
  });

  it("an operation documented without a body still succeeds on 204 (delete_policy)", async () => {
    lie({ status: 204 });
    const c = CASES.find((x) => x.tool === "delete_policy")!;
    expect(envelope(await h.call(c.tool, c.args)).success).toBe(true);
  });

  it("an answer that reports per-item outcomes is left to its tool (token deletion: partial_failure)", async () => {
    stub.route("PUT", "/batch/delete", { status: 200, body: { success: false, unprocessed: [{ field001: "token_aaaa", message: "no such token" }] } });
    const env = envelope(await h.call("critical_delete_tokens", { tokens: { a: "token_aaaa" } }));
    expect(env.error?.kind).toBe("partial_failure");
  });
});

/** The operations whose document says the body may be empty (see altr/operations.ts). */
function allowsEmpty(c: (typeof CASES)[number]): boolean {
  return ["connect_tag", "get_query_audit_results", "get_audit_results"].includes(c.tool);
}

describe("every error is a documented kind", () => {
  it.each(["get_rules", "delete_rule", "get_sc_repo"])("a lone surrogate in an id is invalid_input naming it (%s)", async (tool) => {
    const c = CASES.find((x) => x.tool === tool)!;
    const field = Object.keys(c.args).find((k) => typeof c.args[k] === "string")!;
    const env = envelope(await h.call(tool, { ...c.args, [field]: "TAG\uD800" }));
    expect(env.error?.kind).toBe("invalid_input");
    expect(env.error?.fields).toContain(field);
    expect(stub.requests).toHaveLength(0);
  });
});
