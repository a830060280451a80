/**
 * Support mode over HTTP: the latch belongs to one MCP session (streamable HTTP or SSE), so one
 * client's latch never restricts another client of the same server; SUPPORT_MODE holds for all;
 * stateless HTTP has no session to hold a soft latch. Over stdio (the built server) the session is the
 * process.
 */
import { httpOptions } from "./helpers/http-options.js";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ToolListChangedNotificationSchema, type CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { createAltrClients } from "../src/altr/client.js";
import { silentLogger } from "../src/log/logger.js";
import { createToolHost } from "../src/server/server.js";
import type { SupportSettings } from "../src/server/support.js";
import { startHttp, type RunningHttp } from "../src/transports/http.js";
import { ALL_TOOLS } from "../src/tools/index.js";
import { EXIT_PHRASE } from "../src/tools/support.js";
import { baseUrlsFrom, envelope, FAST_HTTP } from "./helpers/harness.js";
import { startStub, type Stub } from "./helpers/stub.js";

let stub: Stub;
const closing: (() => Promise<void>)[] = [];

beforeAll(async () => {
  stub = await startStub();
  stub.route("POST", "/v1/unified-policy/management/policy", { status: 202, body: { success: true, data: { policy_id: "TAG#FINANCIAL" } } });
  stub.route("GET", "/api/userGroups", { status: 200, body: { success: true, data: { userGroups: [], count: 0 } } });
});
afterEach(async () => {
  stub.requests.length = 0;
  for (const c of closing.splice(0).reverse()) await c();
});
afterAll(async () => {
  await stub.close();
});

async function serve(support: SupportSettings, stateless = false): Promise<RunningHttp> {
  const logger = silentLogger();
  const host = createToolHost({
    clients: createAltrClients({ mapiKey: "k", mapiSecret: "s", baseUrls: baseUrlsFrom(stub.url), http: FAST_HTTP, logger }),
    logger,
    version: "test",
    selection: { toolsets: ["all"], readOnly: false, restricted: [] },
    confirmDestructive: false,
    support,
  });
  const http = await startHttp(
    host,
    httpOptions({ stateless, maxSessions: 10, sessionIdleMs: 60_000 }),
    logger,
  );
  closing.push(() => http.close());
  return http;
}

async function client(http: RunningHttp, kind: "streamable" | "sse" = "streamable") {
  const c = new Client({ name: `support-${kind}`, version: "0" });
  let changes = 0;
  c.setNotificationHandler(ToolListChangedNotificationSchema, () => {
    changes++;
  });
  await c.connect(
    kind === "sse" ? new SSEClientTransport(new URL(`${http.url}/sse`)) : new StreamableHTTPClientTransport(new URL(`${http.url}/mcp`)),
  );
  closing.push(() => c.close());
  return {
    changes: () => changes,
    names: async () => (await c.listTools()).tools.map((t) => t.name),
    call: async (name: string, args: Record<string, unknown> = {}) => envelope((await c.callTool({ name, arguments: args })) as CallToolResult),
  };
}

const settle = () => new Promise((r) => setTimeout(r, 50));

describe("two HTTP sessions of one server", () => {
  it("one client's latch never restricts the other (streamable HTTP, and SSE beside it)", async () => {
    const http = await serve({ mode: false, prompts: true });
    const a = await client(http);
    const b = await client(http);
    const c = await client(http, "sse");

    expect(await a.call("enter_support_mode")).toMatchObject({ success: true, data: { state: "soft", changed: true } });
    await settle();
    expect(a.changes()).toBe(1);
    expect(b.changes()).toBe(0);
    expect(c.changes()).toBe(0);
    expect(await a.names()).toHaveLength(72 + 3);
    expect(await b.names()).toHaveLength(ALL_TOOLS.length + 3);
    expect(await c.names()).toHaveLength(ALL_TOOLS.length + 3);

    const refused = await a.call("create_policy", { tag: "FINANCIAL" });
    expect(refused.error?.message).toContain("not available due to support read-only mode");
    expect(stub.requests).toEqual([]);
    expect(await b.call("create_policy", { tag: "FINANCIAL" })).toMatchObject({ success: true });
    expect(await c.call("create_policy", { tag: "FINANCIAL" })).toMatchObject({ success: true });
    expect(stub.requests.map((r) => r.method)).toEqual(["POST", "POST"]);

    // B cannot lift A's latch, nor use an unlock A holds.
    expect((await b.call("exit_support_mode", { confirmation: EXIT_PHRASE })).error?.message).toMatch(/not on in this session/);
    expect(await a.call("request_write_unlock", { tool_name: "create_policy", reason: "user asked" })).toMatchObject({ success: true });
    expect((await a.call("create_policy", { tag: "FINANCIAL" })).success).toBe(true);
    expect((await a.call("create_policy", { tag: "FINANCIAL" })).error?.message).toContain("support read-only mode");

    // The SSE session latches alone too.
    expect(await c.call("enter_support_mode")).toMatchObject({ success: true });
    expect((await c.call("create_policy", { tag: "FINANCIAL" })).error?.message).toContain("support read-only mode");
    expect(await b.call("create_policy", { tag: "FINANCIAL" })).toMatchObject({ success: true });
  });

  it("SUPPORT_MODE holds for every session", async () => {
    const http = await serve({ mode: true, prompts: false });
    const a = await client(http);
    const b = await client(http, "sse");
    for (const s of [a, b]) {
      expect(await s.names()).toHaveLength(73);
      expect((await s.call("create_policy", { tag: "FINANCIAL" })).error?.message).toContain("support read-only mode");
    }
    expect(stub.requests).toEqual([]);
  });

  it("stateless HTTP refuses to arm a latch that could not last", async () => {
    const http = await serve({ mode: false, prompts: true }, true);
    const a = await client(http);
    const res = await a.call("enter_support_mode");
    expect(res.error?.message).toMatch(/stateless HTTP/);
    expect((await a.call("create_policy", { tag: "FINANCIAL" })).success).toBe(true);
  });
});

describe("stdio (the built server): the session is the process", () => {
  it("SUPPORT_MODE=true from the environment latches it; an allowed tool still runs", { timeout: 30_000 }, async () => {
    const cli = new URL("../dist/cli/main.js", import.meta.url).pathname;
    if (!existsSync(cli)) throw new Error("dist/ is missing: run `npm run build` (npm test does it)");
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [cli],
      env: {
        PATH: process.env.PATH ?? "",
        ORG_ID: "o",
        MAPI_KEY: "k",
        MAPI_SECRET: "secret-value",
        LOG_LEVEL: "error",
        ALTR_TOOLSETS: "all",
        SUPPORT_MODE: "true",
        ALTR_ALTRNET_BASE_URL: stub.url,
        ALTR_API_BASE_URL: stub.url,
      },
      cwd: tmpdir(),
      stderr: "ignore",
    });
    const c = new Client({ name: "support-stdio", version: "0" });
    await c.connect(transport);
    closing.push(() => c.close());
    const names = (await c.listTools()).tools.map((t) => t.name);
    expect(names).toHaveLength(73);
    expect(names).toContain("enter_support_mode");
    const refused = envelope((await c.callTool({ name: "create_policy", arguments: { tag: "FINANCIAL" } })) as CallToolResult);
    expect(refused.error?.message).toContain("not available due to support read-only mode");
    expect(envelope((await c.callTool({ name: "get_roles", arguments: {} })) as CallToolResult).success).toBe(true);
    expect(stub.requests.map((r) => r.method)).toEqual(["GET"]);
  });
});
