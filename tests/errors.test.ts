/**
 * Failure paths through a real MCP client, against a local stub standing in for ALTR: every
 * failure is isError with a clear message, writes are never repeated, reads are retried.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createServer } from "node:net";
import { baseUrlsFrom, connect, envelope, type Harness } from "./helpers/harness.js";
import { startStub, type Stub } from "./helpers/stub.js";

const POLICY = "/v1/unified-policy/management/policy";
const ALTR_401 = { success: false, data: { message: "Invalid credentials.", statusCode: 401, date: "2026-01-01T00:00:00Z" } };

let stub: Stub;
let h: Harness;

async function harness(http: Parameters<typeof connect>[0]["http"] = {}): Promise<Harness> {
  h = await connect({ baseUrls: baseUrlsFrom(stub.url), http });
  return h;
}

beforeAll(async () => {
  stub = await startStub();
});
afterAll(async () => {
  await stub.close();
});
afterEach(async () => {
  await h?.close();
  stub.requests.length = 0;
});

describe("HTTP errors", () => {
  it("401: names the status, ALTR's message and the credential fix", async () => {
    stub.route("GET", "/api/databases", { status: 401, body: ALTR_401 });
    const res = await (await harness()).call("get_databases");
    expect(res.isError).toBe(true);
    const env = envelope(res);
    expect(env.success).toBe(false);
    expect(env.data).toBeNull();
    expect(env.error).toMatchObject({ kind: "http", status: 401, altr_message: "Invalid credentials.", attempts: 1 });
    expect(env.error!.message).toContain("HTTP 401");
    expect(env.error!.message).toContain("Invalid credentials.");
    expect(env.error!.message).toContain("MAPI_KEY");
    expect(env.error!.message).toContain("GET /api/databases");
    expect(stub.requests).toHaveLength(1);
  });

  it("404: hint says to list first; the id is percent-encoded once in the path", async () => {
    // (A read: a delete that gets 404 is "already absent", not an error — see rule-guardrails.test.ts.)
    stub.route("GET", /\/policy\/.+\/rules$/, { status: 404, body: { message: "Policy not found", statusCode: 404 } });
    const res = await (await harness()).call("get_rules", { policy_id: "TAG#NO SUCH/TAG" });
    const env = envelope(res);
    expect(res.isError).toBe(true);
    expect(env.error).toMatchObject({ status: 404, altr_message: "Policy not found" });
    expect(env.error!.hint).toMatch(/list the resources first/);
    expect(stub.requests[0]!.url).toBe(`${POLICY}/TAG%23NO%20SUCH%2FTAG/rules`);
  });

  it("404: the hint starts with the id, not ORG_ID; the message shows no unfilled path template", async () => {
    // (A repeat delete is not an error: delete_policy answers changed: false. A read is.)
    stub.route("GET", /\/policy\/[^/]+\/rules$/, { status: 404, body: { message: "Policy not found", statusCode: 404 } });
    const env = envelope(await (await harness()).call("get_rules", { policy_id: "TAG#NOPE" }));
    expect(env.error!.hint).toMatch(/^Not found: check the id or name you gave/);
    expect(env.error!.hint).toMatch(/list the resources first/);
    expect(env.error!.hint).not.toContain("ORG_ID");
    expect(env.error!.hint).not.toContain("BASE_URL");
    expect(env.error!.message).toContain("(GET /v1/unified-policy/management/policy/…/rules)");
    expect(env.error!.message).not.toMatch(/\{\w+\}/);
  });

  it("create_policy on an existing tag: the hint says it exists and names get_policies / add_rules", async () => {
    for (const status of [400, 409]) {
      stub.route("POST", POLICY, { status, body: { message: "Policy for tag FINANCIAL already exists", statusCode: status } });
      const env = envelope(await (await harness()).call("create_policy", { tag: "FINANCIAL" }));
      expect(env.error).toMatchObject({ status });
      expect(env.error!.hint).toMatch(/^It exists already: use get_policies .* add_rules/);
      await h.close();
    }
    // A 400 that is not about existence keeps the generic hint.
    stub.route("POST", POLICY, { status: 400, body: { message: "tag is invalid", statusCode: 400 } });
    const env = envelope(await (await harness()).call("create_policy", { tag: "FINANCIAL" }));
    expect(env.error!.hint).toMatch(/^ALTR rejected the request as invalid/);
  });

  it("404 on a retried DELETE says an earlier attempt may already have deleted it", async () => {
    stub.route(
      "DELETE",
      /\/policy\/.+$/,
      { status: 504, body: { message: "gateway timeout" } },
      { status: 404, body: { message: "Policy not found", statusCode: 404 } },
    );
    const res = await (await harness()).call("delete_policy", { policy_id: "TAG#PII" });
    // delete_policy treats that 404 as already absent (a success that changed nothing).
    expect(envelope(res).data).toMatchObject({ deleted: false, changed: false });
    stub.route(
      "DELETE",
      /\/v1\/classifiers\/.+$/,
      { status: 504, body: { message: "gateway timeout" } },
      { status: 404, body: { message: "Classifier not found", statusCode: 404 } },
    );
    stub.requests.length = 0;
    const other = await (await harness()).call("delete_classifier", { classifier_name: "US SSN" });
    // ALTR's not-found body: already absent, and the message says the lost first attempt may have deleted it.
    expect(envelope(other).data).toMatchObject({ deleted: false, changed: false, message: expect.stringMatching(/earlier attempt of this call, whose answer was lost, may have deleted it/) });
    expect(stub.requests.map((r) => r.method)).toEqual(["DELETE", "DELETE"]);
    // A 404 that ALTR did not write (a gateway's bare message) stays an error, with the retry hint.
    stub.route("DELETE", /\/v1\/classifiers\/.+$/, { status: 504, body: { message: "gateway timeout" } }, { status: 404, body: { message: "Not Found" } });
    const env = envelope(await (await harness()).call("delete_classifier", { classifier_name: "US SSN" }));
    expect(env.error).toMatchObject({ status: 404, attempts: 2 });
    expect(env.error!.hint).toMatch(/earlier attempt whose answer was lost may already have deleted it/);
  });

  it("an already-encoded id is not encoded twice", async () => {
    stub.route("DELETE", /\/policy\/.+$/, { status: 204 });
    await (await harness()).call("delete_policy", { policy_id: "TAG%23PII" });
    expect(stub.requests[0]!.url).toBe(`${POLICY}/TAG%23PII`);
  });

  it("429 with Retry-After (seconds) is waited for, then succeeds", async () => {
    stub.route(
      "GET",
      "/api/userGroups",
      { status: 429, body: { message: "slow down" }, headers: { "retry-after": "1" } },
      { status: 200, body: { success: true, data: { userGroups: [{ userGroupName: "ANALYST" }], count: 1 } } },
    );
    const t0 = Date.now();
    const res = await (await harness({ maxDelayMs: 5_000 })).call("get_roles");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    expect(res.isError).toBeFalsy();
    expect(envelope(res).data).toMatchObject({ roles: ["ANALYST"], count: 1 });
    expect(stub.requests).toHaveLength(2);
  });

  it("429 with Retry-After as an HTTP date is honoured and capped", async () => {
    const inAnHour = new Date(Date.now() + 3_600_000).toUTCString();
    stub.route(
      "GET",
      "/api/userGroups",
      { status: 429, headers: { "retry-after": inAnHour } },
      { status: 200, body: { success: true, data: { userGroups: [], count: 0 } } },
    );
    const t0 = Date.now();
    const res = await (await harness({ maxDelayMs: 200 })).call("get_roles");
    expect(res.isError).toBeFalsy();
    const waited = Date.now() - t0;
    expect(waited).toBeGreaterThanOrEqual(190);
    expect(waited).toBeLessThan(3_000);
  });

  it("429 on every attempt: error after MAX_RETRIES attempts with the rate-limit hint", async () => {
    stub.route("GET", "/api/userGroups", { status: 429, body: { message: "Too many requests" } });
    const env = envelope(await (await harness()).call("get_roles"));
    expect(env.error).toMatchObject({ kind: "http", status: 429, attempts: 3 });
    expect(env.error!.message).toContain("after 3 attempts");
    expect(env.error!.hint).toMatch(/Rate limited/);
    expect(stub.requests).toHaveLength(3);
  });

  it("429 on a POST is retried: ALTR refused before doing anything", async () => {
    stub.route(
      "POST",
      POLICY,
      { status: 429 },
      { status: 202, body: { success: true, data: { policy_id: "TAG#PII" } } },
    );
    const env = envelope(await (await harness()).call("create_policy", { tag: "PII" }));
    expect(env.success).toBe(true);
    expect(stub.requests).toHaveLength(2);
  });

  it("500 on a POST: exactly one attempt (never a duplicate write)", async () => {
    stub.route("POST", POLICY, { status: 500, body: { message: "internal" } });
    const res = await (await harness()).call("create_policy", { tag: "PII" });
    const env = envelope(res);
    expect(res.isError).toBe(true);
    expect(env.error).toMatchObject({ kind: "http", status: 500, attempts: 1 });
    expect(env.error!.hint).toMatch(/list the resource first/);
    expect(stub.requests).toHaveLength(1);
  });

  it("503 on a POST/PATCH: one attempt", async () => {
    stub.route("PATCH", /\/status$/, { status: 503 });
    await (await harness()).call("trigger_database_status_sync", { database_id: 7 });
    expect(stub.requests).toHaveLength(1);
  });

  it("503 on a GET is retried and then succeeds", async () => {
    stub.route(
      "GET",
      "/api/databases",
      { status: 503 },
      { status: 502 },
      { status: 200, body: { success: true, data: { databases: [{ id: 1, friendlyDatabaseName: "A" }], count: 1 } } },
    );
    const env = envelope(await (await harness()).call("get_databases"));
    expect(env.success).toBe(true);
    expect(stub.requests).toHaveLength(3);
  });

  it("500 on a GET is not retried", async () => {
    stub.route("GET", "/api/databases", { status: 500 });
    await (await harness()).call("get_databases");
    expect(stub.requests).toHaveLength(1);
  });

  it("DISABLE_RETRY (one attempt) turns retries off", async () => {
    stub.route("GET", "/api/databases", { status: 503 });
    const env = envelope(await (await harness({ maxAttempts: 1 })).call("get_databases"));
    expect(env.error).toMatchObject({ status: 503, attempts: 1 });
    expect(stub.requests).toHaveLength(1);
  });
});

describe("timeouts, connection failures, cancellation", () => {
  it("a GET that times out is retried, then reported as a timeout", async () => {
    stub.route("GET", "/api/databases", { hang: true });
    const env = envelope(await (await harness({ timeoutMs: 150 })).call("get_databases"));
    expect(env.error).toMatchObject({ kind: "timeout", attempts: 3 });
    expect(env.error!.message).toMatch(/timed out/);
    expect(stub.requests).toHaveLength(3);
  });

  it("a POST that times out is not repeated (it may have been applied)", async () => {
    stub.route("POST", POLICY, { hang: true });
    const env = envelope(await (await harness({ timeoutMs: 150 })).call("create_policy", { tag: "PII" }));
    expect(env.error).toMatchObject({ kind: "timeout", attempts: 1 });
    expect(env.error!.hint).toMatch(/did not happen before repeating/);
    expect(stub.requests).toHaveLength(1);
  });

  it("connection reset on a GET is retried", async () => {
    stub.route(
      "GET",
      "/api/databases",
      { reset: true },
      { status: 200, body: { success: true, data: { databases: [], count: 0 } } },
    );
    const env = envelope(await (await harness()).call("get_databases"));
    expect(env.success).toBe(true);
    expect(stub.requests).toHaveLength(2);
  });

  it("connection reset on a POST is reported, not repeated", async () => {
    stub.route("POST", "/api/databases", { reset: true });
    const res = await (await harness()).call("create_database", {
      friendly_database_name: "X",
      database_type: "snowflake_external_functions",
      database_name: "X",
      service_user_id: "svc-1",
    });
    const env = envelope(res);
    expect(res.isError).toBe(true);
    expect(env.error).toMatchObject({ kind: "network", attempts: 1 });
    expect(stub.requests).toHaveLength(1);
  });

  it("connection refused (request never sent) is retried even for a POST", async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, "127.0.0.1", () => {
        const { port } = s.address() as { port: number };
        s.close(() => resolve(port));
      });
    });
    h = await connect({ baseUrls: baseUrlsFrom(`http://127.0.0.1:${closed}`) });
    const env = envelope(await h.call("create_policy", { tag: "PII" }));
    expect(env.error).toMatchObject({ kind: "network", attempts: 3 });
    expect(env.error!.message).toContain("ECONNREFUSED");
  });

  it("a cancelled MCP request aborts the HTTP request", async () => {
    stub.route("GET", "/api/databases", { hang: true });
    await harness({ timeoutMs: 10_000 });
    const abandonedBefore = stub.abandoned();
    const controller = new AbortController();
    const pending = h.client.callTool({ name: "get_databases", arguments: {} }, undefined, { signal: controller.signal });
    await new Promise((r) => setTimeout(r, 200));
    controller.abort();
    await expect(pending).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 200));
    expect(stub.requests).toHaveLength(1);
    expect(stub.abandoned() - abandonedBefore).toBe(1);
  });
});

describe("unreadable answers", () => {
  it("a 200 with a body that is not JSON is an invalid_response error", async () => {
    stub.route("GET", "/api/databases", { status: 200, body: "<html>oops</html>", headers: { "content-type": "application/json" } });
    const res = await (await harness()).call("get_databases");
    expect(res.isError).toBe(true);
    expect(envelope(res).error).toMatchObject({ kind: "invalid_response" });
  });

  it("an oversized body is cut off with a clear error", async () => {
    stub.route("GET", "/api/databases", { status: 200, body: { success: true, data: { pad: "x".repeat(5000) } } });
    const res = await (await harness({ maxResponseBytes: 1024 })).call("get_databases");
    expect(envelope(res).error).toMatchObject({ kind: "invalid_response" });
    expect(envelope(res).error!.message).toMatch(/1024-byte limit/);
  });
});
