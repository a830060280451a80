/**
 * Starting altr-mcp from settings: builds the ALTR clients and the tool host and serves MCP over
 * stdio or HTTP. Used by the CLI and by tests that run the server in-process.
 */
import { readFileSync } from "node:fs";
import { basicCredential, createAltrClients } from "../altr/client.js";
import { loadSettings, type Settings } from "../config/index.js";
import { createLogger, type Logger } from "../log/logger.js";
import { createToolHost, type ToolHost } from "../server/server.js";

export const VERSION: string = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }
).version;

export interface Started {
  settings: Settings;
  host: ToolHost;
  logger: Logger;
  close(): Promise<void>;
}

export async function start(env: NodeJS.ProcessEnv): Promise<Started> {
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
    selection: { toolsets: settings.toolsets, readOnly: settings.readOnly, restricted: settings.restrictedTools },
    confirmDestructive: settings.confirmDestructive,
  });
  logger.info(
    { version: VERSION, transport: settings.transport, tools: host.listed.length, readOnly: settings.readOnly },
    "altr-mcp starting",
  );

  if (settings.transport === "stdio") {
    const { StdioServerTransport } = await import("@modelcontextprotocol/sdk/server/stdio.js");
    const server = host.createServer();
    await server.connect(new StdioServerTransport());
    return { settings, host, logger, close: () => server.close() };
  }
  const { startHttp } = await import("../transports/http.js");
  const running = await startHttp(host, { ...settings, version: VERSION }, logger);
  return { settings, host, logger, close: () => running.close() };
}

