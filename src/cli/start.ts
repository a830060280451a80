/**
 * Starting altr-mcp from settings: builds the ALTR clients and the tool host and serves MCP over
 * stdio or HTTP. Used by the CLI and by tests that run the server in-process.
 */
import { readFileSync } from "node:fs";
import { basicCredential, createAltrClients } from "../altr/client.js";
import { ConfigError, loadSettings, type Settings } from "../config/index.js";
import { createLogger, type Logger } from "../log/logger.js";
import { createToolHost, type ToolHost } from "../server/server.js";

export const VERSION: string = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }
).version;

export interface Prepared {
  settings: Settings;
  host: ToolHost;
  logger: Logger;
  /** Releases what prepare() opened (nothing for a real ALTR; the sandbox's state for --sandbox). */
  close(): Promise<void>;
}

export interface Started extends Prepared {}

export interface PrepareOptions {
  /** Run against the in-process ALTR sandbox instead of ALTR (placeholder credentials). */
  sandbox?: { stateFile?: string };
}

/** Settings, logger, ALTR clients and the tool host — everything but a transport. */
export async function prepare(env: NodeJS.ProcessEnv, options: PrepareOptions = {}): Promise<Prepared> {
  if (options.sandbox) throw new ConfigError("--sandbox is not available in this build");
  const settings = loadSettings(env);
  const logger = createLogger({ format: settings.logFormat, level: settings.logLevel });
  const clients = createAltrClients({
    mapiKey: settings.mapiKey,
    mapiSecret: settings.mapiSecret,
    baseUrls: settings.baseUrls,
    http: settings.http,
    logger,
  });
  const host = createToolHost({
    clients,
    logger,
    version: VERSION,
    secrets: [settings.mapiSecret, basicCredential(settings.mapiKey, settings.mapiSecret)],
    selection: {
      toolsets: settings.toolsets,
      tools: settings.tools,
      readOnly: settings.readOnly,
      restricted: settings.restrictedTools,
    },
    confirmDestructive: settings.confirmDestructive,
  });
  return { settings, host, logger, close: async () => undefined };
}

export async function start(env: NodeJS.ProcessEnv, options: PrepareOptions = {}): Promise<Started> {
  const prepared = await prepare(env, options);
  const { settings, host, logger } = prepared;
  logger.info(
    { version: VERSION, transport: settings.transport, tools: host.listed.length, readOnly: settings.readOnly },
    "altr-mcp starting",
  );

  if (settings.transport === "stdio") {
    const { StdioServerTransport } = await import("@modelcontextprotocol/sdk/server/stdio.js");
    const server = host.createServer();
    await server.connect(new StdioServerTransport());
    return { ...prepared, close: async () => { await server.close(); await prepared.close(); } };
  }
  const { startHttp } = await import("../transports/http.js");
  const running = await startHttp(host, { ...settings, version: VERSION }, logger);
  return { ...prepared, close: async () => { await running.close(); await prepared.close(); } };
}
