/**
 * Each miss the assistant met (issue 16) gets the hint that fixes it in one retry — one test per
 * hint, through a real MCP client, and each retry done as the hint says succeeds.
 */
import { describe, expect, it } from "vitest";
import { envelope } from "./helpers/harness.js";
import { h, stub, useStubHarness } from "./helpers/stub-harness.js";
import { routeRuleNames } from "./helpers/rule-names.js";

useStubHarness();

const POLICY = "/v1/unified-policy/management/policy";

/** The error of a call that must fail, and the count of requests it sent. */
async function failure(tool: string, args: Record<string, unknown>) {
  const res = await h.call(tool, args);
  expect(res.isError, JSON.stringify(res.content)).toBe(true);
  return envelope(res).error!;
}

describe("hints that fix the call in one retry", () => {
  it("a name where an id is needed → names get_database_id; the retry with the id works", async () => {
    const error = await failure("disconnect_database", { database_id: "SALES_DB" });
    expect(error.kind).toBe("invalid_input");
    expect(error.message).toMatch(/database_id: expected a number \(an id\), got a string: look the id up with get_database_id/);
    expect(stub.requests).toHaveLength(0);
    stub.route("DELETE", /.*/, { status: 204 });
    expect((await h.call("disconnect_database", { database_id: 7 })).isError).toBeFalsy();
  });

  it("masking_policy wrong → the range and the level names (the table), and the name itself is accepted", async () => {
    const error = await failure("add_rules", { policy_id: "TAG#PII", rules: [{ role: "ANALYST", tag_value: "SSN", masking_policy: "SHOW_LAST_FIVE" }] });
    expect(error.kind).toBe("invalid_input");
    expect(error.message).toMatch(/rules\[0\]\.masking_policy/);
    expect(error.message).toMatch(/10000.*10009/);
    expect(error.message).toMatch(/SHOW_LAST_FOUR/);
    expect(stub.requests).toHaveLength(0);
  });

  it("list_keys without namespace → suggests fpe; the retry with fpe works", async () => {
    const error = await failure("list_keys", {});
    expect(error.message).toMatch(/namespace: required/);
    expect(error.message).toMatch(/\bfpe\b/);
    stub.route("GET", /.*/, { status: 200, body: { keys: [], contiguous_id: null } });
    expect((await h.call("list_keys", { namespace: "fpe" })).isError).toBeFalsy();
  });

  it("a values list instead of a record → plain words with the expected shape, no validator jargon", async () => {
    const error = await failure("vault_tokenize", { values: ["123-45-6789", "987-65-4321"] });
    expect(error.message).toMatch(/values: expected an object of name → value/);
    expect(error.message).toMatch(/got a list/);
    expect(error.message).not.toMatch(/expected record|invalid_type|ZodError/);
  });

  it("a 404: the hint names the id and the list tools, no ORG_ID talk, no unfilled path template", async () => {
    stub.route("GET", /\/rules$/, { status: 404, body: { message: "Not Found", statusCode: 404 } });
    const error = await failure("get_rules", { policy_id: "TAG#NOPE" });
    expect(error.hint).toMatch(/^Not found: check the id or name you gave/);
    expect(error.hint).toMatch(/get_policies/);
    expect(error.message).not.toMatch(/ORG_ID|BASE_URL/);
    expect(error.message).not.toMatch(/\{\w+\}/);
  });

  it("create_policy on an existing tag → 'it exists: use get_policies / add_rules'", async () => {
    stub.route("POST", POLICY, { status: 400, body: { message: "Policy for tag PII already exists", statusCode: 400 } });
    const error = await failure("create_policy", { tag: "PII" });
    expect(error.hint).toMatch(/^It exists already: use get_policies .*add_rules/);
  });

  it("a role in the wrong case → the exact spelling to use, before anything is written", async () => {
    routeRuleNames(stub, ["ANALYST"], ["SSN"]);
    const error = await failure("add_rules", { policy_id: "TAG#PII", rules: [{ role: "analyst", tag_value: "SSN", masking_policy: 10003 }] });
    expect(error.kind).toBe("invalid_input");
    expect(error.message).toMatch(/rules\[0\]\.role.*"ANALYST"/);
    expect(stub.requests.every((r) => r.method === "GET")).toBe(true);
  });

  it("an unknown tool → did you mean", async () => {
    await expect(h.client.callTool({ name: "get_databse", arguments: {} })).rejects.toThrow(/Did you mean get_databases/);
  });
});
