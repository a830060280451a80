/**
 * Fault injection per HTTP method class (GET, POST, PATCH, PUT, DELETE) against a local stub:
 * every fault gives isError with a clear message, the host keeps serving afterwards, and a
 * non-idempotent write (POST, PATCH) is never sent twice. tests/errors.test.ts covers the
 * generic cases (401/404/429, retries of reads, cancellation); this file covers the gaps.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { baseUrlsFrom, connect, envelope, type Harness } from "./helpers/harness.js";
import { startStub, type Reply, type Stub } from "./helpers/stub.js";
import { CASES, type ToolCase } from "./cases/index.js";

type Method = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";
const METHODS: Method[] = ["GET", "POST", "PATCH", "PUT", "DELETE"];
const IDEMPOTENT = new Set<Method>(["GET", "PUT", "DELETE"]);
const MAX_ATTEMPTS = 3;

/** The first tool whose valid call is exactly one request with this method. */
function caseFor(method: Method): ToolCase {
  const c = CASES.find((x) => x.wire.length === 1 && x.wire[0]!.method === method);
  if (!c) throw new Error(`no single-call ${method} case`);
  return c;
}

/** Destructive tools advertise `confirm` while confirmation is on: the fault is past that gate. */
function withConfirm(harness: Harness, tool: string, args: Record<string, unknown>): Record<string, unknown> {
  const listed = harness.host.listed.find((t) => t.name === tool);
  return listed?.inputSchema.properties && "confirm" in listed.inputSchema.properties ? { ...args, confirm: true } : args;
}

let stub: Stub;
let h: Harness;

beforeAll(async () => {
  stub = await startStub();
  // A healthy read, called after every fault to prove the host still serves.
  stub.route("GET", "/api/userGroups", { status: 200, body: { success: true, data: { userGroups: [{ userGroupName: "ANALYST" }], count: 1 } } });
});
afterAll(async () => {
  await stub.close();
});
afterEach(async () => {
  await h?.close();
  stub.requests.length = 0;
});

describe.each(METHODS)("%s", (method) => {
  const c = caseFor(method);
  const path = c.wire[0]!.path;
  const writes = () => stub.requests.filter((r) => r.method === method && r.url.split("?")[0] === path).length;

  async function inject(reply: Reply, http: Parameters<typeof connect>[0]["http"] = {}) {
    stub.route(method, path, reply);
    h = await connect({ baseUrls: baseUrlsFrom(stub.url), http });
    const res = await h.call(c.tool, withConfirm(h, c.tool, c.args));
    expect(res.isError, `${c.tool} must fail`).toBe(true);
    const env = envelope(res);
    expect(env.success).toBe(false);
    // The message names the call that failed and is complete on its own.
    expect(env.error!.message.length).toBeGreaterThan(20);
    if (env.error!.kind === "http") expect(env.error!.message).toContain(`${method} `);
    if (process.env.FAULTS_DEBUG) console.log(method, JSON.stringify(env.error));
    // The host survives: the same client gets a normal answer next.
    const after = envelope(await h.call("get_roles"));
    expect(after).toMatchObject({ success: true, data: { roles: ["ANALYST"] } });
    return env.error!;
  }

  it(`${c.tool}: 5xx after the write was applied: reported with the status, sent once`, async () => {
    const err = await inject({ status: 500, body: { message: "Applied, then the gateway failed" } });
    expect(err).toMatchObject({ kind: "http", status: 500, attempts: 1, altr_message: "Applied, then the gateway failed" });
    expect(writes()).toBe(1);
  });

  it(`${c.tool}: 502/503/504 ${IDEMPOTENT.has(method) ? "retried (idempotent)" : "never repeated"}`, async () => {
    for (const status of [502, 503, 504]) {
      stub.requests.length = 0;
      const err = await inject({ status, body: { message: "upstream down" } });
      await h.close();
      expect(err).toMatchObject({ kind: "http", status });
      expect(writes()).toBe(IDEMPOTENT.has(method) ? MAX_ATTEMPTS : 1);
    }
  });

  it(`${c.tool}: connection reset in the middle of the body: network error, sent once`, async () => {
    const err = await inject({ status: 200, resetMidBody: '{"success": true, "data": {"items": [' });
    expect(err.kind).toBe("network");
    expect(err.message).toMatch(/Lost the connection to the ALTR API while reading its answer/);
    expect(err.message).toMatch(/check whether it was applied/);
    expect(writes()).toBe(1);
  });

  it(`${c.tool}: stalled response: timeout${IDEMPOTENT.has(method) ? " after retries" : ", not repeated"}`, async () => {
    const err = await inject({ hang: true }, { timeoutMs: 120 });
    expect(err.kind).toBe("timeout");
    expect(err.message).toMatch(/timed out/);
    expect(writes()).toBe(IDEMPOTENT.has(method) ? MAX_ATTEMPTS : 1);
  });

  it(`${c.tool}: malformed JSON in a 2xx: invalid_response, sent once`, async () => {
    const err = await inject({ status: 200, body: '{"success": true, "data": {"id": 1,', headers: { "content-type": "application/json" } });
    expect(err.kind).toBe("invalid_response");
    expect(writes()).toBe(1);
  });

  it(`${c.tool}: wrong content type (an HTML page with 200): invalid_response, sent once`, async () => {
    const err = await inject({ status: 200, body: "<!doctype html><html><body>Sign in</body></html>", headers: { "content-type": "text/html" } });
    expect(err.kind).toBe("invalid_response");
    expect(writes()).toBe(1);
  });

  it(`${c.tool}: HTML error page from a proxy (500 text/html): http error naming the status`, async () => {
    const err = await inject({ status: 500, body: "<html><body><h1>500 Internal Server Error</h1></body></html>", headers: { "content-type": "text/html" } });
    expect(err).toMatchObject({ kind: "http", status: 500 });
    expect(writes()).toBe(1);
  });

  it(`${c.tool}: oversized chunked body: cut off at the cap, not read to the end`, async () => {
    const total = 64 * 1024 * 1024;
    const before = stub.streamed();
    const err = await inject({ status: 200, streamBytes: total }, { maxResponseBytes: 65_536 });
    expect(err.kind).toBe("invalid_response");
    expect(err.message).toMatch(/65536-byte limit/);
    expect(writes()).toBe(1);
    // The reader stopped early: far less than the whole body left the stub.
    await new Promise((r) => setTimeout(r, 50));
    if (process.env.FAULTS_DEBUG) console.log("streamed", stub.streamed() - before);
    // Socket buffers on both ends may hold a few MB; reading it all would be 64 MB.
    expect(stub.streamed() - before).toBeLessThan(16 * 1024 * 1024);
  });
});
