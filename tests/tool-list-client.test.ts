/**
 * The output schema as a real SDK client meets it: listTools compiles a validator per output
 * schema, then every tools/call's structuredContent is checked against it — on errors too when
 * present. So successes carry structuredContent that matches the (success-only) schema, and errors
 * carry the envelope as text without structuredContent, which the client accepts.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { CallToolRequestSchema, ListToolsRequestSchema, type Tool as McpTool } from "@modelcontextprotocol/sdk/types.js";
import { describeTool } from "../src/server/registry.js";
import { ALL_TOOLS } from "../src/tools/index.js";
import { baseUrlsFrom, connect, envelope, type Harness } from "./helpers/harness.js";
import { startStub, type Stub } from "./helpers/stub.js";

let stub: Stub;
let h: Harness | undefined;

beforeAll(async () => {
  stub = await startStub();
});
afterAll(async () => {
  await stub.close();
});
afterEach(async () => {
  await h?.close();
  h = undefined;
  stub.requests.length = 0;
});

const ROLES = { success: true, data: { userGroups: [{ userGroupName: "ANALYST", extra_field: 1 }, { userGroupName: "ADMIN" }], count: 2 } };

describe("output schemas through the SDK client", () => {
  it("a success is validated against the advertised schema (extra fields admitted)", async () => {
    stub.route("GET", /^\/api\/userGroups/, { status: 200, body: ROLES });
    h = await connect({ baseUrls: baseUrlsFrom(stub.url) });
    const { tools } = await h.client.listTools();
    expect(tools.find((t) => t.name === "get_roles")?.outputSchema).toBeDefined();
    const res = await h.call("get_roles");
    expect(res.isError ?? false).toBe(false);
    expect(res.structuredContent).toMatchObject({ success: true, error: null });
    expect(JSON.stringify(envelope(res).data)).toContain("ANALYST");
  });

  it("an error carries the envelope as text only, and the client accepts it", async () => {
    stub.route("GET", /^\/api\/userGroups/, { status: 500, body: { message: "boom" } });
    h = await connect({ baseUrls: baseUrlsFrom(stub.url), http: { maxAttempts: 1 } });
    await h.client.listTools();
    const res = await h.call("get_roles");
    expect(res.isError).toBe(true);
    expect(res.structuredContent).toBeUndefined();
    const env = envelope(res);
    expect(env).toMatchObject({ success: false, data: null, error: { kind: "http", status: 500 } });
  });

  it("why: the client rejects an error whose structuredContent does not match the success schema", async () => {
    const tool = ALL_TOOLS.find((t) => t.name === "get_roles")!;
    const listed: McpTool = describeTool(tool);
    const server = new Server({ name: "s", version: "0" }, { capabilities: { tools: {} } });
    const failure = { success: false, data: null, error: { kind: "http", message: "HTTP 500" } };
    let withStructured = true;
    server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: [listed] }));
    server.setRequestHandler(CallToolRequestSchema, () => ({
      isError: true,
      content: [{ type: "text", text: JSON.stringify(failure) }],
      ...(withStructured ? { structuredContent: failure } : {}),
    }));
    const [a, b] = InMemoryTransport.createLinkedPair();
    await server.connect(b);
    const client = new Client({ name: "c", version: "0" });
    await client.connect(a);
    try {
      await client.listTools();
      await expect(client.callTool({ name: "get_roles", arguments: {} })).rejects.toThrow(/output schema/);
      withStructured = false;
      await expect(client.callTool({ name: "get_roles", arguments: {} })).resolves.toMatchObject({ isError: true });
    } finally {
      await client.close();
      await server.close();
    }
  });
});
