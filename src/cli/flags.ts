/**
 * Command-line flags that stand for environment settings (`--read-only` = ALTR_READ_ONLY=true,
 * `--port 9000` = MCP_PORT=9000, …), shared by the server command, `tools` and `call`.
 *
 * A flag is applied as an overlay on the process environment BEFORE `.env` and the settings are
 * read: it wins over the variable and over `.env`, and it counts as part of the real environment
 * (an operator typed it), never as a value from a file in the working directory.
 */

export interface SettingFlag {
  /** Without the leading `--`. */
  flag: string;
  variable: string;
  /** A flag without a value (`--read-only`, or `--read-only=false`). */
  boolean?: boolean;
  /** For `--help`: the value's shape and what it does. */
  arg?: string;
  help: string;
  /** Only for the server (a transport setting means nothing to `tools`/`call`). */
  serverOnly?: boolean;
}

export const SETTING_FLAGS: readonly SettingFlag[] = [
  { flag: "toolsets", variable: "ALTR_TOOLSETS", arg: "A,B|all|none", help: "toolsets to expose" },
  { flag: "tools", variable: "ALTR_TOOLS", arg: "T1,T2", help: "single tools to add" },
  { flag: "read-only", variable: "ALTR_READ_ONLY", boolean: true, help: "only tools that change nothing" },
  { flag: "restricted-tools", variable: "RESTRICTED_TOOLS", arg: "T1,T2", help: "tools to hide and block" },
  { flag: "transport", variable: "MCP_TRANSPORT", arg: "stdio|streamable-http|sse", help: "how clients connect", serverOnly: true },
  { flag: "host", variable: "MCP_HOST", arg: "H", help: "HTTP bind address (default 127.0.0.1)", serverOnly: true },
  { flag: "port", variable: "MCP_PORT", arg: "N", help: "HTTP port (default 8000)", serverOnly: true },
  { flag: "log-level", variable: "LOG_LEVEL", arg: "LEVEL", help: "DEBUG, INFO, WARNING, ERROR, CRITICAL" },
  { flag: "log-format", variable: "LOG_FORMAT", arg: "console|json", help: "log lines on stderr" },
];

export class FlagError extends Error {
  override name = "FlagError";
}

/** The setting flag called `name` (without `--`), for the server or for a command. */
export function settingFlag(name: string, server: boolean): SettingFlag | undefined {
  return SETTING_FLAGS.find((f) => f.flag === name && (server || !f.serverOnly));
}

/**
 * The value a setting flag gives its variable. `inline` is the `=value` part; `next()` takes the
 * following argument (only for flags that need a value). Throws FlagError naming the flag.
 */
export function flagValue(f: SettingFlag, inline: string | undefined, next: () => string | undefined): string {
  if (f.boolean) {
    if (inline === undefined) return "true";
    if (inline !== "true" && inline !== "false") throw new FlagError(`--${f.flag} is true or false`);
    return inline;
  }
  const value = inline ?? next();
  if (value === undefined || value.startsWith("--")) throw new FlagError(`--${f.flag} needs a value (${f.arg ?? "a value"})`);
  return value;
}

/** `--help` lines: each flag, what it takes, and the variable it mirrors. */
export function flagHelp(server: boolean): string {
  const rows = SETTING_FLAGS.filter((f) => server || !f.serverOnly).map((f) => [
    `--${f.flag}${f.arg ? ` ${f.arg}` : ""}`,
    f.variable + (f.boolean ? "=true" : ""),
    f.help,
  ]);
  const w0 = Math.max(...rows.map((r) => r[0]!.length));
  const w1 = Math.max(...rows.map((r) => r[1]!.length));
  return rows.map(([a, b, c]) => `  ${a!.padEnd(w0)}  ${b!.padEnd(w1)}  ${c}`).join("\n");
}

/**
 * The environment the settings are read from: the process environment with the flags laid over
 * it (flags win), then `.env` under both (`withDotEnv` gives the real environment precedence).
 */
export function overlay(env: NodeJS.ProcessEnv, flags: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  return { ...env, ...flags };
}
