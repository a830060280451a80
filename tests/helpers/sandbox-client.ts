/**
 * A sandbox (--sandbox) reached as an assistant reaches it: prepare() with the sandbox, a real MCP
 * SDK client over an in-memory transport, and each tool result read as its {success, data, error}
 * envelope. Used by the sandbox workflow and property tests.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { prepare } from "../../src/cli/start.js";
import type { Sandbox } from "../../src/sandbox/index.js";
import { envelope, type ResultEnvelope } from "./harness.js";

export interface SandboxSession {
  sandbox: Sandbox;
  client: Client;
  call(name: string, args?: Record<string, unknown>): Promise<ResultEnvelope>;
  /** The data of a call that must succeed (the error's message otherwise). */
  ok<T = Record<string, unknown>>(name: string, args?: Record<string, unknown>): Promise<T>;
  close(): Promise<void>;
}

/** `env` adds settings (e.g. SUPPORT_PROMPTS) to the session's configuration. */
export async function openSandboxSession(stateFile?: string, env: Record<string, string> = {}): Promise<SandboxSession> {
  const prepared = await prepare({ ALTR_TOOLSETS: "all", ALTR_CONFIRM_DESTRUCTIVE: "false", LOG_LEVEL: "silent", ...env }, { sandbox: stateFile ? { stateFile } : {} });
  const server = prepared.host.createServer();
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: "sandbox-workflows", version: "0" });
  await client.connect(clientSide);
  const call = async (name: string, args: Record<string, unknown> = {}) => envelope((await client.callTool({ name, arguments: args })) as CallToolResult);
  return {
    sandbox: prepared.sandbox!,
    client,
    call,
    async ok<T>(name: string, args: Record<string, unknown> = {}) {
      const e = await call(name, args);
      if (!e.success) throw new Error(`${name} ${JSON.stringify(args)} failed: ${e.error?.message}`);
      return e.data as T;
    },
    async close() {
      await client.close();
      await prepared.close();
    },
  };
}
