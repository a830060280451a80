/**
 * Soak: 32 concurrent streamable-HTTP sessions call tools for SOAK_SECONDS (default 60) against
 * a local stub. Zero failed calls; the heap after GC stays bounded; sessions are freed on
 * DELETE and on idle timeout; beyond MCP_MAX_SESSIONS a new session gets a clear 503.
 * In-process (src/transports/http.ts) so that the heap measured is the server's.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { silentLogger } from "../src/log/logger.js";
import { startHttp, type HttpOptions, type RunningHttp } from "../src/transports/http.js";
import { httpOptions } from "./helpers/http-options.js";
import { baseUrlsFrom, connect, envelope, type Harness } from "./helpers/harness.js";
import { startStub, type Stub } from "./helpers/stub.js";

const SESSIONS = 32;
const SOAK_MS = Number(process.env.SOAK_SECONDS ?? "60") * 1000;
/** Pause between one session's calls: 32 sessions stay busy without starving parallel test files. */
const PACE_MS = Number(process.env.SOAK_PACE_MS ?? "10");
/** Allowed heap growth (after GC) from the warmed-up state to the end of the soak. */
const HEAP_GROWTH_BYTES = 24 * 1024 * 1024;

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

let stub: Stub;
let h: Harness;
const servers: RunningHttp[] = [];

const options = (extra: Partial<HttpOptions>): HttpOptions =>
  httpOptions({ maxSessions: SESSIONS, version: "soak", ...extra });

async function serve(extra: Partial<HttpOptions> = {}): Promise<RunningHttp> {
  const s = await startHttp(h.host, options(extra), silentLogger());
  servers.push(s);
  return s;
}

async function session(url: string): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`));
  const client = new Client({ name: "soak", version: "0" });
  await client.connect(transport);
  return { client, transport };
}

async function initStatus(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`${url}/mcp`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "probe", version: "0" } },
    }),
  });
  return { status: res.status, body: await res.text() };
}

beforeAll(async () => {
  stub = await startStub();
  stub.route("GET", "/api/userGroups", { status: 200, body: { success: true, data: { userGroups: [{ userGroupName: "ANALYST" }], count: 1 } } });
  stub.route("GET", "/api/databases", {
    status: 200,
    body: { success: true, data: { databases: [{ id: 1, friendlyDatabaseName: "A" }], count: 1 } },
  });
  h = await connect({ baseUrls: baseUrlsFrom(stub.url) });
});
afterAll(async () => {
  for (const s of servers) await s.close();
  await h?.close();
  await stub?.close();
});

describe("soak", () => {
  it(
    `${SESSIONS} sessions for ${SOAK_MS / 1000} s: no failed call, bounded heap, sessions freed on DELETE`,
    async () => {
      const server = await serve();
      const clients = await Promise.all(Array.from({ length: SESSIONS }, () => session(server.url)));
      // The limit holds while every slot is taken.
      const refused = await initStatus(server.url);
      expect(refused.status).toBe(503);
      expect(refused.body).toContain("Too many sessions");

      let calls = 0;
      const failures: string[] = [];
      const started = Date.now();
      let warmHeap = 0;
      const warmAt = started + Math.min(10_000, SOAK_MS / 4);
      const tools = ["get_roles", "get_databases"];
      await Promise.all(
        clients.map(async ({ client }, i) => {
          for (let n = i; Date.now() - started < SOAK_MS; n++) {
            try {
              const res = (await client.callTool({ name: tools[n % tools.length]!, arguments: {} })) as CallToolResult;
              if (res.isError || !envelope(res).success) failures.push(JSON.stringify(res.structuredContent).slice(0, 200));
            } catch (err) {
              failures.push(String(err));
            }
            calls++;
            // The stub records every request: forget them so that its log is not counted as server growth.
            if (stub.requests.length > 500) stub.requests.length = 0;
            if (!warmHeap && Date.now() >= warmAt) warmHeap = heapAfterGc();
            if (PACE_MS > 0) await new Promise((r) => setTimeout(r, PACE_MS));
          }
        }),
      );
      const endHeap = heapAfterGc();
      expect(failures.slice(0, 5)).toEqual([]);
      expect(calls).toBeGreaterThan(SESSIONS * 10);
      expect(endHeap - warmHeap).toBeLessThan(HEAP_GROWTH_BYTES);

      // DELETE frees every slot: a full set of new sessions fits again.
      await Promise.all(clients.map(({ transport }) => transport.terminateSession()));
      await Promise.all(clients.map(({ client }) => client.close()));
      const again = await Promise.all(Array.from({ length: SESSIONS }, () => session(server.url)));
      const res = (await again[0]!.client.callTool({ name: "get_roles", arguments: {} })) as CallToolResult;
      expect(envelope(res).success).toBe(true);
      await Promise.all(again.map(({ transport }) => transport.terminateSession()));
      await Promise.all(again.map(({ client }) => client.close()));
      if (process.env.SOAK_DEBUG) console.log({ calls, perSecond: Math.round(calls / (SOAK_MS / 1000)), warmHeap, endHeap });
    },
    SOAK_MS + 60_000,
  );

  it("an idle session is closed by the sweep and its slot is freed", async () => {
    const server = await serve({ maxSessions: 1, sessionIdleMs: 1_000 });
    const { client } = await session(server.url);
    expect((await initStatus(server.url)).status).toBe(503);
    await new Promise((r) => setTimeout(r, 2_600));
    // The idle session is gone (404 tells the client to start over) and a new one fits.
    await expect(client.callTool({ name: "get_roles", arguments: {} })).rejects.toThrow(/404|Session not found/);
    expect((await initStatus(server.url)).status).toBe(200);
    await client.close();
  }, 20_000);
});
