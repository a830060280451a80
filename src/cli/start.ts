/**
 * Starting altr-mcp from settings: builds the ALTR clients and the tool host and serves MCP over
 * stdio or HTTP. Used by the CLI and by tests that run the server in-process.
 */
import { readFileSync } from "node:fs";
import { createAltrClients } from "../altr/client.js";
import type { FetchDeps } from "../altr/http.js";
import { downloadPresigned } from "../altr/presigned.js";
import { describeProxy, ProxyConfigError, proxyAwareFetch, proxyFor } from "../altr/proxy.js";
import { ConfigError, loadSettings, type Settings } from "../config/index.js";
import { SERVICES } from "../config/services.js";
import { createLogger, type Logger } from "../log/logger.js";
import type { Sandbox } from "../sandbox/index.js";
import { selectTools, type Selection } from "../server/registry.js";
import { createToolHost, credentialSecrets, type ToolHost } from "../server/server.js";
import { ALL_TOOLS } from "../tools/index.js";

export const VERSION: string = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }
).version;

export interface Prepared {
  settings: Settings;
  host: ToolHost;
  logger: Logger;
  /** The in-process ALTR stand-in when prepared with `sandbox` (its request count and violations). */
  sandbox?: Sandbox;
  /** Releases what prepare() opened (nothing for a real ALTR; the sandbox's state for --sandbox). */
  close(): Promise<void>;
}

export interface Started extends Prepared {}

export interface PrepareOptions {
  /** Run against the in-process ALTR sandbox instead of ALTR (placeholder credentials). */
  sandbox?: { stateFile?: string };
  /** Told of each request to ALTR and each report download as it starts (the CLI's progress line). */
  onRequest?: (kind: "altr" | "download") => void;
}

/** Settings, logger, ALTR clients and the tool host — everything but a transport. */
export async function prepare(env: NodeJS.ProcessEnv, options: PrepareOptions = {}): Promise<Prepared> {
  // Loaded only for --sandbox (a normal start never reads the sandbox or its validator).
  const sandboxModule = options.sandbox ? await import("../sandbox/index.js") : undefined;
  // The sandbox needs no account: placeholder credentials fill what the environment lacks.
  const settings = loadSettings(sandboxModule ? { ...sandboxModule.SANDBOX_CREDENTIALS, ...forSandbox(env) } : env);
  const logger = createLogger({ format: settings.logFormat, level: settings.logLevel });
  const sandbox = sandboxModule?.openSandbox({ baseUrls: settings.baseUrls, stateFile: options.sandbox?.stateFile });
  const clients = createAltrClients({
    mapiKey: settings.mapiKey,
    mapiSecret: settings.mapiSecret,
    baseUrls: settings.baseUrls,
    http: settings.http,
    logger,
    readOnly: settings.readOnly,
    deps: observed(sandbox ? { fetch: (input, init) => sandbox.fetch(new Request(input, init)) } : undefined, options.onRequest),
  });
  const host = createToolHost({
    clients,
    logger,
    version: VERSION,
    secrets: credentialSecrets(settings.mapiKey, settings.mapiSecret),
    selection: selection(settings, logger),
    confirmDestructive: settings.confirmDestructive,
    maxResultBytes: settings.maxResultBytes,
    support: { mode: settings.supportMode, prompts: settings.supportPrompts },
    ...(sandbox || options.onRequest
      ? {
          presigned: (url: string, signal: AbortSignal) => {
            options.onRequest?.("download");
            return sandbox ? sandbox.download(url) : downloadPresigned(url, signal);
          },
        }
      : {}),
  });
  if (sandbox) logger.info({ stateFile: sandbox.stateFile ?? null }, "sandbox: in-process ALTR stand-in, nothing leaves this machine");
  else logProxies(Object.values(settings.baseUrls), logger);
  const close = async () => {
    if (sandbox) logger.info(`sandbox: ${sandbox.requests} request${sandbox.requests === 1 ? "" : "s"}, state in ${sandbox.stateFile ?? "memory"}`);
  };
  return { settings, host, logger, ...(sandbox ? { sandbox } : {}), close };
}

/** The ALTR fetch dependencies, with `onRequest` told of each request (unchanged without it). */
function observed(deps: FetchDeps | undefined, onRequest: PrepareOptions["onRequest"]): FetchDeps | undefined {
  if (!onRequest) return deps;
  const inner = deps?.fetch ?? proxyAwareFetch;
  return {
    ...deps,
    fetch: (input, init) => {
      onRequest("altr");
      return inner(input, init);
    },
  };
}

/** Which ALTR base URLs go through a forward proxy (HTTPS_PROXY, NO_PROXY); never its credentials. */
function logProxies(urls: string[], logger: Logger): void {
  const via = new Map<string, string[]>();
  for (const url of new Set(urls)) {
    let proxy: URL | undefined;
    try {
      proxy = proxyFor(url);
    } catch (err) {
      if (err instanceof ProxyConfigError) throw new ConfigError(`Invalid proxy setting: ${err.message}`);
      throw err;
    }
    if (proxy) via.set(describeProxy(proxy), [...(via.get(describeProxy(proxy)) ?? []), new URL(url).host]);
  }
  for (const [proxy, hosts] of via) logger.info({ proxy, hosts }, "ALTR calls go through a forward proxy");
}

/**
 * The tool selection. A `.env`'s ALTR_TOOLSETS / ALTR_TOOLS (settings.narrowSelection) only
 * narrow: the tools enabled are those both the real environment and the `.env` select, named
 * one by one. Tools the `.env` would add are named in a warning and stay off.
 */
export function selection(settings: Settings, logger: Pick<Logger, "warn">): Selection {
  const base: Selection = {
    toolsets: settings.toolsets,
    tools: settings.tools,
    readOnly: settings.readOnly,
    restricted: settings.restrictedTools,
  };
  const narrow = settings.narrowSelection;
  if (!narrow) return base;
  const names = (sel: Selection) => new Set(selectTools(ALL_TOOLS, sel).enabled.map((t) => t.name));
  const real = names({ ...base, readOnly: false, restricted: [] });
  const fromFile = names({ toolsets: narrow.toolsets, tools: narrow.tools, readOnly: false, restricted: [] });
  const added = [...fromFile].filter((n) => !real.has(n));
  if (added.length > 0) {
    logger.warn(
      { tools: added.slice(0, 20), count: added.length },
      ".env's ALTR_TOOLSETS/ALTR_TOOLS would enable tools the environment does not: ignored (a .env may only narrow the selection)",
    );
  }
  return { ...base, toolsets: ["none"], tools: [...real].filter((n) => fromFile.has(n)) };
}

/**
 * The environment as the sandbox uses it: empty values dropped (placeholders fill them), and the
 * ALTR_*_BASE_URL overrides ignored — nothing is sent anywhere, and the sandbox tells the services
 * apart by their (distinct) default base URLs.
 */
function forSandbox(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const baseUrlVariables = new Set<string>(Object.values(SERVICES).map((s) => s.env));
  return Object.fromEntries(
    Object.entries(env).filter(([k, v]) => v !== undefined && v !== "" && !baseUrlVariables.has(k)),
  );
}

export async function start(env: NodeJS.ProcessEnv, options: PrepareOptions = {}): Promise<Started> {
  const prepared = await prepare(env, options);
  const { settings, host, logger } = prepared;
  logger.info(
    { version: VERSION, transport: settings.transport, tools: host.listed.length, readOnly: settings.readOnly },
    "altr-mcp starting",
  );

  if (settings.transport === "stdio") {
    const { GuardedStdioServerTransport } = await import("../transports/stdio.js");
    const server = host.createServer();
    await server.connect(new GuardedStdioServerTransport(logger));
    return { ...prepared, close: async () => { await server.close(); await prepared.close(); } };
  }
  const { startHttp } = await import("../transports/http.js");
  const running = await startHttp(host, { ...settings, version: VERSION }, logger);
  return { ...prepared, close: async () => { await running.close(); await prepared.close(); } };
}
