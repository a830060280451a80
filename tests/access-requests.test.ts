/**
 * Access requests against a local stub: request rules validated like access-policy rules, the
 * requester fields nested as ALTR wants them, caller-driven paging with the next start key,
 * request ids encoded once, and ALTR's refusals reported as errors.
 */
import { describe, expect, it } from "vitest";
import { envelope } from "./helpers/harness.js";
import { describeInvalidInput, h, stub, useStubHarness, queryOf as query } from "./helpers/stub-harness.js";

const AR = "/v1/unified-policy/management/accessRequest";
const ID = "a56f3f23-e523-46a8-880e-a41339ae7e3c";

useStubHarness();

const rule = {
  actors: [{ type: "role", condition: "equals", identifiers: ["ANALYST"] }],
  objects: [{ type: "view", condition: "starts_with", identifiers: ["REPORT_"] }],
  access: [{ name: "read" }],
};
const request = (extra: Record<string, unknown> = {}) => ({ requester: "Alice", justification: "Reporting", connection_id: 42, rules: [rule], ...extra });
const answer = (data: unknown) => ({ status: 200, body: { success: true, data } });

describe("create_access_request", () => {
  it("nests requester, email and role under requester_identity and leaves out what was not given", async () => {
    stub.route("POST", AR, answer({ id: ID, status: "OPEN" }));
    await h.call("create_access_request", request());
    await h.call("create_access_request", request({ email: "alice@example.com", role: "ANALYST", snowflake_metadata: '{"account_region":"AWS_US_WEST_2","account_name":"ORG"}' }));
    expect(JSON.parse(stub.requests[0]!.body)).toEqual({
      requester_identity: { requester: "Alice" },
      justification: "Reporting",
      connection_id: 42,
      rules: [rule],
    });
    expect(JSON.parse(stub.requests[1]!.body)).toEqual({
      requester_identity: { requester: "Alice", email: "alice@example.com", role: "ANALYST" },
      justification: "Reporting",
      connection_id: 42,
      rules: [rule],
      snowflake_metadata: { account_region: "AWS_US_WEST_2", account_name: "ORG" },
    });
  });

  it("a 500 on the create is reported after one attempt (never a duplicate request)", async () => {
    stub.route("POST", AR, { status: 500, body: { message: "internal", statusCode: 500 } });
    const env = envelope(await h.call("create_access_request", request()));
    expect(env.error).toMatchObject({ kind: "http", status: 500, attempts: 1 });
    expect(stub.requests).toHaveLength(1);
  });
});

describe("get_access_requests", () => {
  it("sends only the given filters and returns the next start key from last_evaluated_key.id", async () => {
    stub.route("GET", AR, {
      status: 200,
      body: { success: true, data: [{ id: "r1" }, { id: "r2" }], last_evaluated_key: { id: "eyJrIjoicjIifQ==" } },
    });
    const env = envelope(await h.call("get_access_requests", { status: "CLOSED_DENIED", sort: "asc", limit: 2 }));
    expect(query(stub.requests[0]!)).toEqual({ status: "CLOSED_DENIED", sort: "asc", limit: "2" });
    expect(env.data).toEqual({ access_requests: [{ id: "r1" }, { id: "r2" }], count: 2, next_start_key: "eyJrIjoicjIifQ==" });
    stub.requests.length = 0;
    await h.call("get_access_requests", { limit: 2, exclusive_start_key: "eyJrIjoicjIifQ==" });
    expect(query(stub.requests[0]!)).toEqual({ limit: "2", exclusive_start_key: "eyJrIjoicjIifQ==" });
  });

  it("no last_evaluated_key means no further page", async () => {
    stub.route("GET", AR, answer([]));
    const env = envelope(await h.call("get_access_requests"));
    expect(env.data).toEqual({ access_requests: [], count: 0, next_start_key: null });
    expect(stub.requests[0]!.url).toBe(AR);
  });
});

describe("one request: ids encoded once, refusals are errors", () => {
  it("get_access_request encodes the id once (the upstream encoded an encoded id twice)", async () => {
    stub.route("GET", /^\/v1\/unified-policy\/management\/accessRequest\/.+$/, answer({ id: ID }));
    await h.call("get_access_request", { request_id: "req/1#a" });
    await h.call("get_access_request", { request_id: "req%2F1%23a" });
    expect(stub.requests.map((r) => r.url)).toEqual([`${AR}/req%2F1%23a`, `${AR}/req%2F1%23a`]);
  });

  it.each(["approve", "deny", "cancel"])("%s sends the justification to /%s", async (verb) => {
    stub.route("PUT", `${AR}/${ID}/${verb}`, answer({ id: ID, status: "PENDING" }));
    const env = envelope(await h.call(`${verb}_access_request`, { request_id: ID, justification: "Because" }));
    expect(env.success).toBe(true);
    expect(stub.requests.map((r) => `${r.method} ${r.url}`)).toEqual([`PUT ${AR}/${ID}/${verb}`]);
    expect(JSON.parse(stub.requests[0]!.body)).toEqual({ justification: "Because" });
  });

  it("approving a request that is not OPEN is an error with ALTR's reason", async () => {
    stub.route("PUT", `${AR}/${ID}/approve`, { status: 400, body: { message: "Access request must be OPEN", statusCode: 400 } });
    const res = await h.call("approve_access_request", { request_id: ID, justification: "ok" });
    expect(res.isError).toBe(true);
    expect(envelope(res).error).toMatchObject({ status: 400, altr_message: "Access request must be OPEN" });
  });

  it("a 403 is an error (the upstream reported it as success)", async () => {
    stub.route("GET", `${AR}/${ID}`, { status: 403, body: { message: "Resource is forbidden", statusCode: 403 } });
    const res = await h.call("get_access_request", { request_id: ID });
    expect(res.isError).toBe(true);
    expect(envelope(res).error).toMatchObject({ kind: "http", status: 403 });
  });
});

const INVALID: [tool: string, args: Record<string, unknown>, field: string][] = [
  ["create_access_request", request({ rules: [] }), "rules"],
  ["create_access_request", request({ rules: "not json" }), "rules"],
  ["create_access_request", request({ rules: [{ ...rule, actors: [{ type: "role", condition: "matches", identifiers: ["A"] }] }] }), "rules[0].actors[0].condition"],
  ["create_access_request", request({ rules: [{ ...rule, objects: [{ type: "warehouse", condition: "equals", identifiers: ["W"] }] }] }), "rules[0].objects[0].type"],
  ["create_access_request", request({ rules: [{ ...rule, access: [{ name: "own" }] }] }), "rules[0].access[0].name"],
  ["create_access_request", request({ rules: JSON.stringify([{ actors: rule.actors, access: rule.access }]) }), "rules[0].objects"],
  ["create_access_request", request({ email: "alice" }), "email"],
  ["create_access_request", request({ snowflake_metadata: { account_region: "X", region: "Y" } }), "snowflake_metadata.region"],
  ["create_access_request", request({ snowflake_metadata: "{bad" }), "snowflake_metadata"],
  ["create_access_request", request({ connection_id: 0 }), "connection_id"],
  ["create_access_request", { justification: "x", connection_id: 1, rules: [rule] }, "requester"],
  ["get_access_requests", { status: "APPROVED" }, "status"],
  ["get_access_requests", { sort: "newest" }, "sort"],
  ["get_access_requests", { limit: 0 }, "limit"],
  ["get_access_request", { request_id: "" }, "request_id"],
  ["approve_access_request", { request_id: ID }, "justification"],
  ["deny_access_request", { request_id: ID, justification: "  " }, "justification"],
  ["cancel_access_request", { justification: "x" }, "request_id"],
];

describeInvalidInput(INVALID);
