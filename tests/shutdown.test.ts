/**
 * Graceful shutdown of the HTTP transports (in-process, src/transports/http.ts): close() stops
 * accepting connections at once, lets the calls in flight finish — a write is never cut between
 * ALTR's answer and the client's — within a bounded drain time, then closes the sessions.
 */
import { get as httpGet } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { silentLogger } from "../src/log/logger.js";
import { startHttp, type HttpOptions, type RunningHttp } from "../src/transports/http.js";
import { baseUrlsFrom, connect, envelope, type Harness } from "./helpers/harness.js";
import { httpOptions } from "./helpers/http-options.js";
import { startStub, type Stub } from "./helpers/stub.js";

let stub: Stub;
let h: Harness;

beforeAll(async () => {
  stub = await startStub();
  h = await connect({ baseUrls: baseUrlsFrom(stub.url) });
});
afterAll(async () => {
  await h?.close();
  await stub?.close();
});

async function serve(extra: Partial<HttpOptions>): Promise<{ server: RunningHttp; client: Client }> {
  const server = await startHttp(h.host, httpOptions(extra), silentLogger());
  const client = new Client({ name: "shutdown-test", version: "0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`)));
  return { server, client };
}

/** Resolves once the stub has received `n` requests in all. */
async function stubSaw(n: number): Promise<void> {
  for (let i = 0; i < 200 && stub.requests.length < n; i++) await new Promise((r) => setTimeout(r, 10));
  expect(stub.requests.length).toBeGreaterThanOrEqual(n);
}

/** GET /healthz on a fresh connection: "refused" once the server stopped accepting. */
function freshHealthz(url: string): Promise<"ok" | "refused"> {
  return new Promise((resolve) => {
    const req = httpGet(`${url}/healthz`, { agent: false }, (res) => {
      res.resume();
      resolve("ok");
    });
    req.on("error", () => resolve("refused"));
  });
}

describe("graceful shutdown", () => {
  it("a write in flight when the stop begins completes and reaches the client, once; new connections are refused at once", async () => {
    const before = stub.requests.length;
    stub.route("POST", "/v1/unified-policy/management/policy", {
      status: 200,
      delayMs: 800,
      body: { success: true, data: { policy_id: "TAG#FINANCIAL", name: "FINANCIAL", policy_type: "TAG" } },
    });
    const { server, client } = await serve({ drainMs: 10_000 });
    const call = client.callTool({ name: "create_policy", arguments: { tag: "FINANCIAL" } }) as Promise<CallToolResult>;
    await stubSaw(before + 1);
    const t0 = performance.now();
    const closing = server.close();
    expect(await freshHealthz(server.url)).toBe("refused");
    const result = await call;
    expect(envelope(result)).toMatchObject({ success: true });
    await closing;
    // The stop waited for the answer instead of cutting it…
    expect(performance.now() - t0).toBeGreaterThan(300);
    // …and the write was sent exactly once.
    expect(stub.requests.slice(before).filter((r) => r.method === "POST")).toHaveLength(1);
    await client.close().catch(() => undefined);
  });

  it("the drain is bounded: a call that never ends is cut after drainMs and the stop completes", async () => {
    const before = stub.requests.length;
    stub.route("GET", "/api/userGroups", { hang: true });
    const { server, client } = await serve({ drainMs: 300 });
    const call = client.callTool({ name: "get_roles", arguments: {} }).then(
      () => "answered",
      () => "cut",
    );
    await stubSaw(before + 1);
    const t0 = performance.now();
    await server.close();
    const took = performance.now() - t0;
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(5_000);
    // The client was not answered (its pending request ends when it gives up or closes).
    await client.close();
    expect(await call).toBe("cut");
  });

  it("with nothing in flight the stop is immediate", async () => {
    stub.route("GET", "/api/userGroups", { status: 200, body: { success: true, data: { userGroups: [], count: 0 } } });
    const { server, client } = await serve({ drainMs: 10_000 });
    expect(envelope((await client.callTool({ name: "get_roles", arguments: {} })) as CallToolResult)).toMatchObject({ success: true });
    const t0 = performance.now();
    await server.close();
    expect(performance.now() - t0).toBeLessThan(2_000);
  });
});
