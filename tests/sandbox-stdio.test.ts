/**
 * The built server with --sandbox over stdio, as Claude Desktop runs it: no credentials, no ALTR
 * URL, tools listed and answered from the sandbox; --sandbox-state keeps what was created.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, describe, expect, it } from "vitest";
import { envelope } from "./helpers/harness.js";

const CLI = new URL("../dist/cli/main.js", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "altr-sandbox-stdio-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(args: string[]): Promise<{ client: Client; stderr: () => string }> {
  // Only PATH: no ORG_ID/MAPI_KEY/MAPI_SECRET, and a working directory without a .env.
  const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, ...args], env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "info" }, stderr: "pipe", cwd: dir });
  let stderr = "";
  transport.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const client = new Client({ name: "sandbox-stdio", version: "0" });
  await client.connect(transport);
  return { client, stderr: () => stderr };
}

describe("altr-mcp --sandbox over stdio (built)", () => {
  it("lists tools and answers get_roles from the demo organisation", async () => {
    const { client, stderr } = await run(["--sandbox"]);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toContain("get_policies");
    const roles = envelope((await client.callTool({ name: "get_roles", arguments: {} })) as CallToolResult);
    expect(roles.data).toMatchObject({ roles: ["ADMIN", "ANALYST", "DATA_SCIENTIST"] });
    await client.close();
    expect(stderr()).toContain("sandbox: in-process ALTR stand-in");
  });

  it("--sandbox-state keeps a created policy across restarts", async () => {
    const state = join(dir, "state.json");
    const first = await run(["--sandbox", "--sandbox-state", state]);
    const created = envelope((await first.client.callTool({ name: "create_policy", arguments: { tag: "FINANCIAL" } })) as CallToolResult);
    expect(created.success).toBe(true);
    await first.client.close();

    const second = await run(["--sandbox", `--sandbox-state=${state}`]);
    const listed = envelope((await second.client.callTool({ name: "get_policies", arguments: { policy_type: "TAG" } })) as CallToolResult);
    expect(JSON.stringify(listed.data)).toContain("TAG#FINANCIAL");
    await second.client.close();
  });
});
