/**
 * Every failure in the call pipeline is one of the documented kinds; `internal` is left for real
 * bugs (#13 item 5, server side). Hostile cases that ended as `internal` (or as a JSON-RPC error
 * with no result) on main: an id with an unpaired surrogate (URIError while building the path),
 * arguments nested 10,000 levels deep, an ALTR answer nested 10,000 levels deep.
 */
import { describe, expect, it } from "vitest";
import { h, stub, useStubHarness } from "./helpers/stub-harness.js";
import { envelope } from "./helpers/harness.js";

useStubHarness();

const nested = (depth: number): unknown => {
  let v: unknown = "leaf";
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
};

describe("unpaired surrogates are invalid input naming the field; nothing is sent", () => {
  it.each([
    ["get_rules", { policy_id: "a\uD800" }, "policy_id"],
    ["delete_rule", { policy_id: "P", rule_id: "\uDC00x" }, "rule_id"],
    ["get_access_request", { request_id: "\uD83D" }, "request_id"],
    ["create_policy", { tag: "T\uD800" }, "tag"],
    ["add_rules", { policy_id: "TAG#PII", rules: [{ masking_policy: 10001, role: "A\uDFFF", tag_value: "SSN" }] }, "rules[0].role"],
    ["vault_tokenize", { values: { "label\uD800": "v" } }, "values"],
  ] as const)("%s %j", async (tool, args, field) => {
    const res = await h.call(tool, args as Record<string, unknown>);
    const env = envelope(res);
    expect(res.isError).toBe(true);
    expect(env.error!.kind).toBe("invalid_input");
    expect(env.error!.message).toContain(field);
    expect(env.error!.message).toContain("unpaired UTF-16 surrogate");
    expect(env.error!.fields).toEqual([field.split(/[.[]/)[0]]);
    expect(env.error!.message).toContain("Nothing was sent to ALTR");
    expect(stub.requests).toHaveLength(0);
  });

  it("a well-formed astral character (a surrogate pair) is fine", async () => {
    stub.route("GET", /\/policy\/[^/]+\/rules$/, { status: 200, body: { success: true, data: { items: {}, last_evaluated_key: null } } });
    const res = await h.call("get_rules", { policy_id: "TAG#\u{1F600}" });
    expect(res.isError).toBeFalsy();
    expect(stub.requests).toHaveLength(1);
  });
});

describe("hostile nesting", () => {
  it("arguments nested 10,000 levels deep: invalid_input, not a stack overflow; the server still answers", async () => {
    const res = await h.call("create_access_request", {
      requester: "x",
      justification: "y",
      connection_id: 1,
      rules: nested(10_000),
    });
    const env = envelope(res);
    expect(env.error).toMatchObject({ kind: "invalid_input", fields: ["rules"] });
    expect(env.error!.message).toMatch(/nested deeper than 32 levels/);
    expect(stub.requests).toHaveLength(0);
    stub.route("GET", "/api/databases", { status: 200, body: { success: true, data: { databases: [], count: 0 } } });
    expect((await h.call("get_databases")).isError).toBeFalsy();
  });

  it("ALTR answers a body nested 10,000 levels deep: invalid_response, not internal", async () => {
    // Built as text: JSON.stringify itself overflows the stack at this depth.
    const deep = `${'{"a":'.repeat(10_000)}"leaf"${"}".repeat(10_000)}`;
    stub.route("GET", "/api/databases", {
      status: 200,
      headers: { "content-type": "application/json" },
      body: `{"success":true,"data":{"databases":[{"id":1,"friendlyDatabaseName":"X","extra":${deep}}],"count":1}}`,
    });
    const res = await h.call("get_databases");
    const env = envelope(res);
    expect(res.isError).toBe(true);
    expect(env.error!.kind).toBe("invalid_response");
  });
});
