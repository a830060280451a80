/** Runs the tool host in-process behind a real MCP SDK client (in-memory transport). */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import {
  ElicitRequestSchema,
  type CallToolResult,
  type ClientCapabilities,
  type ElicitRequest,
  type ElicitResult,
} from "@modelcontextprotocol/sdk/types.js";
import { createAltrClients } from "../../src/altr/client.js";
import { checkPresignedUrl, type PresignedFetch } from "../../src/altr/presigned.js";
import { SERVICE_NAMES, type ServiceName } from "../../src/config/services.js";
import type { HttpPolicy } from "../../src/config/index.js";
import { silentLogger, type Logger } from "../../src/log/logger.js";
import type { Selection } from "../../src/server/registry.js";
import type { Envelope } from "../../src/server/result.js";
import { createToolHost, credentialSecrets, type ToolHost } from "../../src/server/server.js";
import type { SupportSettings } from "../../src/server/support.js";

export const TEST_KEY = "test-mapi-key";
export const TEST_SECRET = "test-mapi-secret-value";

export const FAST_HTTP: HttpPolicy = {
  maxAttempts: 3,
  timeoutMs: 5_000,
  baseDelayMs: 1,
  maxDelayMs: 50,
  maxResponseBytes: 1_048_576,
};

export interface Harness {
  client: Client;
  host: ToolHost;
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  close(): Promise<void>;
}

export function baseUrlsFrom(urls: Record<string, string> | string): Record<ServiceName, string> {
  return Object.fromEntries(
    SERVICE_NAMES.map((s) => [s, typeof urls === "string" ? urls : (urls[s] ?? "http://127.0.0.1:9")]),
  ) as Record<ServiceName, string>;
}

/**
 * Presigned (object-store) downloads in tests: the URL must pass the production URL check, and
 * the answer names what would have been fetched. No network. Download tests pass their own.
 */
export const offlinePresigned: PresignedFetch = async (url) => {
  const u = checkPresignedUrl(url);
  return { downloaded: `${u.host}${u.pathname}` };
};

export async function connect(opts: {
  baseUrls: Record<ServiceName, string>;
  http?: Partial<HttpPolicy>;
  selection?: Partial<Selection>;
  logger?: Logger;
  /** Presigned-URL downloads; default offlinePresigned (no network). */
  presigned?: PresignedFetch;
  /** ALTR_CONFIRM_DESTRUCTIVE; default false here (see below). */
  confirmDestructive?: boolean;
  /** ALTR_MAX_RESULT_BYTES; default the server's. */
  maxResultBytes?: number;
  /** Client capabilities, e.g. `{ elicitation: {} }` for confirmation tests. */
  capabilities?: ClientCapabilities;
  /** The client's answer to elicitation requests (with `capabilities.elicitation`). */
  onElicit?: (req: ElicitRequest) => ElicitResult | Promise<ElicitResult>;
  /** SUPPORT_MODE / SUPPORT_PROMPTS; both off by default. */
  support?: SupportSettings;
}): Promise<Harness> {
  const logger = opts.logger ?? silentLogger();
  const clients = createAltrClients({
    mapiKey: TEST_KEY,
    mapiSecret: TEST_SECRET,
    baseUrls: opts.baseUrls,
    http: { ...FAST_HTTP, ...opts.http },
    logger,
    readOnly: opts.selection?.readOnly ?? false,
  });
  const host = createToolHost({
    clients,
    logger,
    version: "test",
    // The same list the CLI's start-up passes (a test of the harness is a test of production).
    secrets: credentialSecrets(TEST_KEY, TEST_SECRET),
    presigned: opts.presigned ?? offlinePresigned,
    // Every toolset, including the ones that are off by default: tests exercise every tool
    // (default selection is tested on selectTools and the built CLI).
    selection: { toolsets: ["all"], readOnly: false, restricted: [], ...opts.selection },
    // Off by default here so the Prism, Pact and behaviour tests call destructive tools exactly
    // as their cases describe (no `confirm`); tests/confirm.test.ts turns it on.
    confirmDestructive: opts.confirmDestructive ?? false,
    ...(opts.maxResultBytes ? { maxResultBytes: opts.maxResultBytes } : {}),
    ...(opts.support ? { support: opts.support } : {}),
  });
  const server = host.createServer();
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: "altr-mcp-tests", version: "0" }, { capabilities: opts.capabilities ?? {} });
  if (opts.onElicit) {
    const answer = opts.onElicit;
    client.setRequestHandler(ElicitRequestSchema, async (req) => answer(req));
  }
  await client.connect(clientSide);
  return {
    client,
    host,
    call: async (name, args = {}) => (await client.callTool({ name, arguments: args })) as CallToolResult,
    async close() {
      await client.close();
      await server.close();
    },
  };
}

/**
 * The `{success, data, error}` envelope of a result: on success structuredContent and text must
 * agree; an error carries it as text only (outputSchema describes the success envelope).
 */
export type ResultEnvelope = Envelope;

export function envelope(result: CallToolResult): ResultEnvelope {
  const text = result.content.find((c) => c.type === "text");
  if (!text || text.type !== "text") throw new Error("result has no text content");
  const fromText = JSON.parse(text.text) as ResultEnvelope;
  if (result.isError) {
    if (result.structuredContent !== undefined) throw new Error("an error result carries structuredContent");
    if (fromText.success !== false) throw new Error("an error result's envelope says success");
  } else if (JSON.stringify(fromText) !== JSON.stringify(result.structuredContent)) {
    throw new Error("text content and structuredContent differ");
  }
  return fromText;
}
