/**
 * errors.ts unit by unit for the mutation run (group http): which error bodies are ALTR's own
 * (altrErrorBody decides whether a 404 may count as "already absent"), the hint for a create of
 * something that exists, and the hint for a DELETE that meets a 404 on a retry.
 */
import { describe, expect, it } from "vitest";
import { AltrError, altrErrorBody, STATUS_HINTS } from "../src/altr/errors.js";

describe("altrErrorBody(): ALTR's documented error bodies, with the status they state", () => {
  it.each([
    ["unified policy {message, statusCode, date}", { message: "Policy not found", statusCode: 404, date: "2025-06-01" }],
    ["altrnet {success: false, data: {message, statusCode}}", { success: false, data: { message: "not found", statusCode: 404, date: "x" } }],
    ["sc-control {statusCode, response: {error_code, message}}", { statusCode: 404, response: { error_code: 404, message: "repo not found" } }],
    ["telemetry {error: {error_code, message}}", { error: { error_code: 404, message: "not found" } }],
    ["tag values {errorCode, message}", { errorCode: 404, message: "not found" }],
    ["tag masking {error: text}", { error: "tag not found" }],
  ])("%s is ALTR's", (_name, body) => {
    expect(altrErrorBody(body, 404)).toBe(true);
  });

  it.each([
    ["null", null],
    ["a string", "Not Found"],
    ["an array", [{ message: "x" }]],
    ["an empty object", {}],
    ["a gateway's bare {message}", { message: "Not Found" }],
    ["Spring's body", { timestamp: "t", status: 404, error: "Not Found", path: "/x" }],
    ["another stated status", { message: "m", statusCode: 500, date: "d" }],
    ["a stated status as a string", { message: "m", statusCode: "404", date: "d" }],
    ["an errorCode that differs", { errorCode: 400, message: "m" }],
    ["altrnet data that says success", { success: true, data: { message: "m", statusCode: 404 } }],
    ["altrnet data without success", { data: { message: "m", statusCode: 404 } }],
    ["altrnet data with another status", { success: false, data: { message: "m", statusCode: 403 } }],
    ["a nested error_code that differs", { statusCode: 404, response: { error_code: 500, message: "m" } }],
    ["a telemetry error_code that differs", { error: { error_code: 401, message: "m" } }],
    ["{error: text} beside another key", { error: "tag not found", message: "x" }],
    ["{error: object} with no error_code", { error: { message: "m" } }],
    ["{success: false, data} stating no status (only {error: text} may state none)", { success: false, data: { message: "gone" } }],
  ])("%s is not", (_name, body) => {
    expect(altrErrorBody(body, 404)).toBe(false);
  });

  it("every stated status must equal the HTTP status", () => {
    expect(altrErrorBody({ statusCode: 404, response: { error_code: 404, message: "m" } }, 404)).toBe(true);
    expect(altrErrorBody({ statusCode: 404, response: { error_code: 404, message: "m" } }, 400)).toBe(false);
    expect(altrErrorBody({ errorCode: 404, message: "m" }, undefined)).toBe(false);
  });

  it("the constructor judges the body once and keeps only the verdict", () => {
    const fromAltr = new AltrError({ kind: "http", status: 404, body: { message: "m", statusCode: 404, date: "d" } });
    expect(fromAltr.fromAltr).toBe(true);
    expect(fromAltr.withOperation("DELETE /x").fromAltr).toBe(true);
    const gateway = new AltrError({ kind: "http", status: 404, body: { message: "Not Found" } });
    expect(gateway.fromAltr).toBe(false);
    expect(JSON.stringify(fromAltr)).not.toContain("statusCode");
  });
});

describe("hints of an HTTP error", () => {
  it("a create refused because it exists names the tools to use instead (400 or 409, POST, 'exist')", () => {
    const policy = new AltrError({ kind: "http", status: 400, operation: "POST /v1/unified-policy/management/policy", altrMessage: "Policy already exists" });
    expect(policy.hint).toBe("It exists already: use get_policies to see the policy and add_rules to change its rules, instead of creating it again.");
    const other = new AltrError({ kind: "http", status: 409, operation: "POST /api/databases", altrMessage: "database EXISTS" });
    expect(other.hint).toBe("It exists already: list or get it to see its current state, and use the matching update or add tool instead of creating it again.");
    // Not a POST, another status, or a message that does not say so: the status hint.
    expect(new AltrError({ kind: "http", status: 400, operation: "PUT /api/databases/{id}", altrMessage: "already exists" }).hint).toBe(STATUS_HINTS[400]);
    expect(new AltrError({ kind: "http", status: 404, operation: "POST /api/databases", altrMessage: "exists" }).hint).toBe(STATUS_HINTS[404]);
    expect(new AltrError({ kind: "http", status: 400, operation: "POST /api/databases", altrMessage: "bad name" }).hint).toBe(STATUS_HINTS[400]);
    expect(new AltrError({ kind: "http", status: 400, operation: "POST /api/databases" }).hint).toBe(STATUS_HINTS[400]);
    expect(new AltrError({ kind: "http", status: 400, altrMessage: "exists" }).hint).toBe(STATUS_HINTS[400]);
  });

  it("a DELETE that meets a 404 on a retry may have been deleted by the lost first attempt", () => {
    const retried = new AltrError({ kind: "http", status: 404, operation: "DELETE /v1/policy/{id}", attempts: 2 });
    expect(retried.hint).toMatch(/^Not found on a repeated attempt: an earlier attempt whose answer was lost may already have deleted it\./);
    expect(new AltrError({ kind: "http", status: 404, operation: "DELETE /v1/policy/{id}", attempts: 1 }).hint).toBe(STATUS_HINTS[404]);
    expect(new AltrError({ kind: "http", status: 404, operation: "GET /v1/policy/{id}", attempts: 3 }).hint).toBe(STATUS_HINTS[404]);
    expect(new AltrError({ kind: "http", status: 500, operation: "DELETE /v1/policy/{id}", attempts: 3 }).hint).toMatch(/^ALTR had an internal problem/);
    expect(new AltrError({ kind: "http", status: 404, attempts: 2 }).hint).toBe(STATUS_HINTS[404]);
  });

  it("the message shows the operation with its parameters as …, never their values", () => {
    const e = new AltrError({ kind: "http", status: 404, statusText: "Not Found", operation: "DELETE /v1/policy/{policy_id}/rules/{rule_id}", attempts: 2 });
    expect(e.message.startsWith("ALTR API returned HTTP 404 Not Found (DELETE /v1/policy/…/rules/…) after 2 attempts.")).toBe(true);
  });
});

describe("the survivors of the last full run (http group)", () => {
  it("a body with a key ALTR does not document is not ALTR's, even when the status it states matches", () => {
    expect(altrErrorBody({ message: "m", statusCode: 404, date: "d", timestamp: "t" }, 404)).toBe(false);
    expect(altrErrorBody({ statusCode: 404, path: "/x" }, 404)).toBe(false);
  });

  it("altrnet data that states no status adds none to what the body states", () => {
    expect(altrErrorBody({ success: false, statusCode: 404, data: { message: "gone" } }, 404)).toBe(true);
  });

  it("the policy hint is for creating a policy only, not for a POST below one", () => {
    const below = new AltrError({ kind: "http", status: 409, operation: "POST /v1/unified-policy/management/policy/{policy_id}/rules", altrMessage: "rule already exists" });
    expect(below.hint).toBe("It exists already: list or get it to see its current state, and use the matching update or add tool instead of creating it again.");
  });

  it("a refusal without its own text says ALTR reported the failure, with the operation", () => {
    const e = new AltrError({ kind: "rejected", operation: "POST /api/databases/{id}/sync" });
    expect(e.message.startsWith("ALTR reported that the operation failed (POST /api/databases/…/sync). ")).toBe(true);
  });
});

describe("withHint()", () => {
  it("keeps everything the error says and replaces only its hint", () => {
    const e = new AltrError({ kind: "http", status: 404, statusText: "Not Found", operation: "DELETE /v1/policy/{id}", altrMessage: "gone", attempts: 2, body: { message: "gone", statusCode: 404, date: "d" } });
    const hinted = e.withHint("Check the id.");
    expect(hinted).toBeInstanceOf(AltrError);
    expect(hinted.hint).toBe("Check the id.");
    expect([hinted.kind, hinted.status, hinted.operation, hinted.altrMessage, hinted.attempts, hinted.fromAltr]).toEqual(["http", 404, "DELETE /v1/policy/{id}", "gone", 2, true]);
    expect(hinted.message).toBe("ALTR API returned HTTP 404 Not Found (DELETE /v1/policy/…) after 2 attempts: gone. Check the id.");
    expect(e.hint).not.toBe("Check the id.");
  });
});
