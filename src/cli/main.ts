#!/usr/bin/env node
/**
 * `altr-mcp`: reads the environment (and .env), builds the ALTR clients and the tool host, and
 * serves MCP over stdio (default) or HTTP. stdout is reserved for the stdio transport; every
 * message for people goes to stderr.
 */
import { ConfigError, withDotEnv } from "../config/index.js";
import { SelectionError } from "../server/registry.js";
import { errorLine } from "../log/logger.js";
import { COMMAND_USAGE, configMessage, isCommand, runCommand } from "./commands.js";
import { flagHelp, flagValue, overlay, settingFlag } from "./flags.js";
import { start, VERSION, type Started } from "./start.js";

const HELP = `altr-mcp ${VERSION} — MCP server for the ALTR data security platform

Usage: altr-mcp [options] [--sandbox [--sandbox-state FILE]]
${COMMAND_USAGE}
       altr-mcp --help | --version

  --sandbox              serve an in-process stand-in of ALTR (built from the OpenAPI documents,
                         seeded with a demo organisation); no account, nothing leaves this machine
  --sandbox-state FILE   keep the sandbox's state in FILE (loaded at start, saved after each change)

Options (each sets the environment variable beside it, and wins over it and over .env):
${flagHelp(true)}

Required environment: ORG_ID, MAPI_KEY, MAPI_SECRET (also read from ./.env); not with --sandbox.
Other settings (environment only):
  MCP_AUTH_TOKEN     bearer token for HTTP; required to bind a non-loopback address
  HTTPS_PROXY, HTTP_PROXY, NO_PROXY  forward proxy for ALTR calls and report downloads
  MAX_RETRIES, DISABLE_RETRY, ALTR_*_BASE_URL, ALTR_CONFIRM_DESTRUCTIVE
See the README for the full table.`;

interface Parsed {
  /** Variables set by flags (laid over the process environment). */
  env: Record<string, string>;
  command?: "help" | "version";
  sandbox?: { stateFile?: string };
}

function parseArgs(argv: string[]): Parsed {
  const env: Record<string, string> = {};
  let sandbox: Parsed["sandbox"];
  let stateFile: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--help" || arg === "-h") return { env, command: "help" };
    if (arg === "--version" || arg === "-v") return { env, command: "version" };
    if (arg === "--sandbox") {
      sandbox = {};
      continue;
    }
    const eq = arg.indexOf("=");
    const name = eq === -1 ? arg : arg.slice(0, eq);
    const inline = eq === -1 ? undefined : arg.slice(eq + 1);
    if (name === "--sandbox-state") {
      stateFile = inline ?? argv[++i];
      if (!stateFile) throw new UsageError("--sandbox-state needs a file");
      continue;
    }
    const flag = name.startsWith("--") ? settingFlag(name.slice(2), true) : undefined;
    if (!flag) throw new UsageError(`Unknown option: ${arg}`);
    try {
      env[flag.variable] = flagValue(flag, inline, () => argv[++i]);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
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
    const code = await runCommand(
      first,
      rest,
      process.env,
      {
        out: (text) => void pending.push(write(process.stdout, text)),
        err: (text) => void pending.push(write(process.stderr, text)),
        tty: process.stderr.isTTY === true,
      },
      (env) => withDotEnv(env),
    );
    await Promise.all(pending);
    process.exit(code);
  }
  let parsed: Parsed;
  try {
    parsed = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${errorLine((err as Error).message, withDotEnv(process.env).LOG_FORMAT, "error")}Run \`altr-mcp --help\` for usage.\n`);
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
  const env = withDotEnv(overlay(process.env, parsed.env));
  logFormat = env.LOG_FORMAT;
  let started: Started;
  try {
    started = await start(env, parsed.sandbox ? { sandbox: parsed.sandbox } : {});
  } catch (err) {
    if (err instanceof ConfigError || err instanceof SelectionError || (err as Error).name === "UnsafeBindError") {
      await write(process.stderr, errorLine(err instanceof ConfigError ? configMessage(err) : (err as Error).message, logFormat));
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

/** LOG_FORMAT as the server reads it, for the last line when starting fails. */
let logFormat: string | undefined;

main().catch(async (err: unknown) => {
  await write(process.stderr, errorLine(`altr-mcp failed to start: ${err instanceof Error ? err.message : String(err)}`, logFormat));
  process.exit(1);
});
