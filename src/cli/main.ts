#!/usr/bin/env node
/**
 * `altr-mcp`: reads the environment (and .env), builds the ALTR clients and the tool host, and
 * serves MCP over stdio (default) or HTTP. stdout is reserved for the stdio transport; every
 * message for people goes to stderr.
 */
import { ConfigError, withDotEnv } from "../config/index.js";
import { SelectionError } from "../server/registry.js";
import { COMMAND_USAGE, isCommand, runCommand } from "./commands.js";
import { start, VERSION, type Started } from "./start.js";

const HELP = `altr-mcp ${VERSION} — MCP server for the ALTR data security platform

Usage: altr-mcp [--transport stdio|streamable-http|sse] [--host H] [--port N]
                [--sandbox [--sandbox-state FILE]]
${COMMAND_USAGE}
       altr-mcp --help | --version

  --sandbox              serve an in-process stand-in of ALTR (built from the OpenAPI documents,
                         seeded with a demo organisation); no account, nothing leaves this machine
  --sandbox-state FILE   keep the sandbox's state in FILE (loaded at start, saved after each change)

Required environment: ORG_ID, MAPI_KEY, MAPI_SECRET (also read from ./.env); not with --sandbox.
Common options (environment):
  MCP_TRANSPORT      stdio (default), streamable-http, sse
  MCP_HOST/MCP_PORT  HTTP bind address (default 127.0.0.1:8000)
  MCP_AUTH_TOKEN     bearer token for HTTP; required to bind a non-loopback address
  ALTR_TOOLSETS      comma list of toolsets, all, or none; ALTR_TOOLS adds single tools
  ALTR_READ_ONLY     true: only tools that change nothing
  RESTRICTED_TOOLS   comma list of tools to hide and block
  LOG_LEVEL, LOG_FORMAT (console|json), MAX_RETRIES, DISABLE_RETRY, ALTR_*_BASE_URL
See the README for the full table.`;

interface Parsed {
  env: Record<string, string>;
  command?: "help" | "version";
  sandbox?: { stateFile?: string };
}

function parseArgs(argv: string[]): Parsed {
  const env: Record<string, string> = {};
  let sandbox: Parsed["sandbox"];
  let stateFile: string | undefined;
  const flags: Record<string, string> = { "--transport": "MCP_TRANSPORT", "--host": "MCP_HOST", "--port": "MCP_PORT" };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--help" || arg === "-h") return { env, command: "help" };
    if (arg === "--version" || arg === "-v") return { env, command: "version" };
    if (arg === "--sandbox") {
      sandbox = {};
      continue;
    }
    const [name, inline] = arg.split("=", 2) as [string, string | undefined];
    if (name === "--sandbox-state") {
      stateFile = inline ?? argv[++i];
      if (!stateFile) throw new UsageError("--sandbox-state needs a file");
      continue;
    }
    const variable = flags[name];
    if (!variable) throw new UsageError(`Unknown option: ${arg}`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`${name} needs a value`);
    env[variable] = value;
  }
  if (stateFile !== undefined && !sandbox) throw new UsageError("--sandbox-state needs --sandbox");
  return { env, ...(sandbox ? { sandbox: { ...sandbox, ...(stateFile ? { stateFile } : {}) } } : {}) };
}

class UsageError extends Error {}

/** Writes and waits until the text is flushed (the process exits right after). */
const write = (stream: NodeJS.WriteStream, text: string) => new Promise<void>((resolve) => stream.write(text, () => resolve()));

async function main(): Promise<void> {
  const [first, ...rest] = process.argv.slice(2);
  if (isCommand(first)) {
    const pending: Promise<void>[] = [];
    const code = await runCommand(first, rest, withDotEnv(process.env), {
      out: (text) => void pending.push(write(process.stdout, text)),
      err: (text) => void pending.push(write(process.stderr, text)),
    });
    await Promise.all(pending);
    process.exit(code);
  }
  let parsed: Parsed;
  try {
    parsed = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`ERROR: ${(err as Error).message}\n\n${HELP}\n`);
    process.exit(2);
  }
  if (parsed.command === "help") {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  if (parsed.command === "version") {
    process.stdout.write(`${VERSION}\n`);
    return;
  }
  let started: Started;
  try {
    started = await start({ ...withDotEnv(process.env), ...parsed.env }, parsed.sandbox ? { sandbox: parsed.sandbox } : {});
  } catch (err) {
    if (err instanceof ConfigError || err instanceof SelectionError || (err as Error).name === "UnsafeBindError") {
      process.stderr.write(`ERROR: ${(err as Error).message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const stop = async (signal: string) => {
    started.logger.info({ signal }, "altr-mcp stopping");
    await started.close().catch(() => undefined);
    process.exit(0);
  };
  process.once("SIGINT", () => void stop("SIGINT"));
  process.once("SIGTERM", () => void stop("SIGTERM"));
  if (started.settings.transport === "stdio") process.stdin.once("end", () => void stop("stdin closed"));
}

main().catch((err: unknown) => {
  process.stderr.write(`ERROR: altr-mcp failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
