/**
 * The built-in CLI over the tool table, for people and scripts without an MCP client:
 *
 *   altr-mcp tools [--toolset X] [--read-only] [--json]
 *   altr-mcp call <tool> [--json '{…}' | --<param> value …] [--confirm] [--output json|table]
 *
 * Both build the same tool host as the server (prepare() in start.ts) and `call` goes through
 * the host's one call pipeline — selection, validation, confirmation, envelope, redaction — that
 * MCP's tools/call uses. No elicitation here: a destructive tool needs `--confirm` (the tool's
 * `confirm: true`) while ALTR_CONFIRM_DESTRUCTIVE is on.
 *
 * Exit codes: 0 success; 1 the tool failed (isError other than invalid input), configuration or
 * credentials missing; 2 usage: bad options, unknown tool or parameter, input the tool refused
 * before sending anything (kind invalid_input). Results go to stdout, messages and logs to stderr.
 */
import type { CallToolResult, Tool as McpTool } from "@modelcontextprotocol/sdk/types.js";
import { McpError } from "@modelcontextprotocol/sdk/types.js";
import { closest, distance } from "fastest-levenshtein";
import { ConfigError, REQUIRED_VARIABLES } from "../config/index.js";
import { SelectionError } from "../server/registry.js";
import type { Envelope } from "../server/result.js";
import { ALL_TOOLS } from "../tools/index.js";
import { flagHelp, flagValue, overlay, settingFlag } from "./flags.js";
import { prepare, type PrepareOptions, type Prepared } from "./start.js";

export const COMMANDS = ["tools", "call"] as const;
export type CommandName = (typeof COMMANDS)[number];

export function isCommand(arg: string | undefined): arg is CommandName {
  return (COMMANDS as readonly string[]).includes(arg ?? "");
}

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Usage lines shared by `altr-mcp --help` and `altr-mcp <command> --help`. */
export const COMMAND_USAGE = `       altr-mcp tools [--toolset X] [--read-only] [--json] [--sandbox [--sandbox-state F]]
       altr-mcp call <tool> [--json '{…}' | --<param> <value> …] [--confirm] [--output json|table]
                     [--toolset X] [--read-only] [--sandbox [--sandbox-state F]]`;

const TOOLS_HELP = `Usage: altr-mcp tools [--toolset X] [--read-only] [--json]

Lists the tools this configuration exposes (ALTR_TOOLSETS, ALTR_READ_ONLY, RESTRICTED_TOOLS),
exactly as an MCP client sees them. Needs no credentials.
  --toolset X     toolset(s) to list, comma list or repeated, or all (sets ALTR_TOOLSETS)
  --json          the tools/list result ({"tools": [...]}) as JSON
  --sandbox [--sandbox-state F]  against the in-process ALTR sandbox
Settings (each sets the variable beside it and wins over it):
${flagHelp(false)}`;

const CALL_HELP = `Usage: altr-mcp call <tool> [--json '{…}' | --<param> <value> …] [--confirm] [--output json|table]

Calls one tool, as an MCP client would, and prints its result envelope {success, data, error}.
  --json '{…}'       all arguments as one JSON object (not combined with --<param>)
  --<param> <value>  one argument; the value is read by the parameter's type: integer, number,
                     boolean (true|false; a bare flag is true), arrays by repeating the option or
                     as a JSON array, objects as JSON
  --confirm          confirm a destructive tool (sends confirm: true)
  --output json      the envelope as JSON (default; also printed for a failed call)
  --output table     lists as aligned columns (other shapes as JSON)
  --toolset X, --sandbox [--sandbox-state F]  as for \`altr-mcp tools\`
Settings (each sets the variable beside it and wins over it):
${flagHelp(false)}
Exit codes: 0 success, 1 the tool failed, 2 usage (bad option, unknown tool or parameter,
invalid input: nothing was sent). Credentials: ORG_ID, MAPI_KEY, MAPI_SECRET (or --sandbox).`;

/** Where a command writes: stdout for results, stderr for messages. */
export interface CommandIO {
  out(text: string): void;
  err(text: string): void;
  /** stderr is a terminal: `call` shows a progress line while a call takes several requests or downloads. */
  tty?: boolean;
}

export class CommandUsageError extends Error {
  override name = "CommandUsageError";
}

/** Runs `altr-mcp tools|call …`; resolves to the exit code. Never throws for expected failures. */
/**
 * `env` is the process environment; `dotEnv` (the CLI passes withDotEnv) adds `./.env` under it
 * after the command's setting flags are laid over it, so a flag wins over both and counts as
 * part of the real environment.
 */
export async function runCommand(
  command: CommandName,
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  io: CommandIO,
  dotEnv: (env: NodeJS.ProcessEnv) => NodeJS.ProcessEnv = (e) => e,
): Promise<number> {
  let prepared: Prepared | undefined;
  try {
    // `--help` is never a value (values do not start with --); `-h` only in first place.
    if (argv.includes("--help") || argv[0] === "-h") {
      io.out(`${command === "tools" ? TOOLS_HELP : CALL_HELP}\n`);
      return EXIT.ok;
    }
    if (command === "tools") {
      const opts = parseToolsArgs(argv);
      // Listing contacts nobody: missing credentials are irrelevant to what is listed (the
      // sandbox brings its own).
      const listingEnv = commandEnv(env, opts.common, dotEnv);
      if (!opts.common.sandbox) for (const v of REQUIRED_VARIABLES) if (!listingEnv[v]?.trim()) listingEnv[v] = "not-needed-for-listing";
      prepared = await prepare(listingEnv, prepareOptions(opts.common));
      printTools(prepared.host.listed, opts.json, io);
      return EXIT.ok;
    }
    const opts = parseCallArgs(argv);
    const progress = io.tty ? progressLine(opts.tool, io) : undefined;
    prepared = await prepare(commandEnv(env, opts.common, dotEnv), {
      ...prepareOptions(opts.common),
      ...(progress ? { onRequest: progress.onRequest } : {}),
    });
    try {
      return await callTool(prepared, opts, io, progress);
    } finally {
      progress?.clear();
    }
  } catch (err) {
    if (err instanceof CommandUsageError) {
      io.err(`ERROR: ${err.message}\nRun \`altr-mcp ${command} --help\` for usage.\n`);
      return EXIT.usage;
    }
    if (err instanceof ConfigError || err instanceof SelectionError) {
      io.err(`ERROR: ${err instanceof ConfigError ? configMessage(err) : err.message}\n`);
      return EXIT.failed;
    }
    throw err;
  } finally {
    await prepared?.close().catch(() => undefined);
  }
}

/** A configuration error, with the way to try altr-mcp without an account when credentials are missing. */
export function configMessage(err: ConfigError): string {
  if (!err.missing.length) return err.message;
  return `${err.message} (set them in the environment or in ./.env; to try altr-mcp without an ALTR account, add --sandbox)`;
}

interface CommonOptions {
  toolsets: string[];
  /** Variables set by setting flags (--read-only, --tools, --log-level, …). */
  env: Record<string, string>;
  sandbox: boolean;
  sandboxState?: string;
}

interface ToolsOptions {
  common: CommonOptions;
  json: boolean;
}

export interface CallOptions {
  common: CommonOptions;
  tool: string;
  /** `--json`: the whole argument object. */
  json?: Record<string, unknown>;
  /** `--<param> value` in order; `undefined` value = a bare flag. */
  params: [name: string, value: string | undefined][];
  confirm: boolean;
  output: "json" | "table";
}

/**
 * The options of a command line: `--name=value`, or `--name value` where `value()` takes the
 * next token unless it is an option itself (a bare flag then). Anything else is refused.
 */
function* options(
  argv: readonly string[],
): Generator<{ name: string; inline: string | undefined; value: () => string | undefined; token: string }> {
  let i = 0;
  while (i < argv.length) {
    const token = argv[i++]!;
    if (!token.startsWith("--") || token === "--") throw new CommandUsageError(`Unexpected argument: ${token}`);
    const eq = token.indexOf("=");
    const name = eq === -1 ? token.slice(2) : token.slice(2, eq);
    const inline = eq === -1 ? undefined : token.slice(eq + 1);
    let taken: { value: string | undefined } | undefined;
    const value = (): string | undefined => {
      if (inline !== undefined) return inline;
      if (!taken) {
        const next = argv[i];
        taken = { value: next === undefined || next.startsWith("--") ? undefined : next };
        if (taken.value !== undefined) i++;
      }
      return taken.value;
    };
    yield { name, inline, value, token };
  }
}

function required(name: string, value: string | undefined): string {
  if (value === undefined) throw new CommandUsageError(`--${name} needs a value`);
  return value;
}

/** The options `tools` and `call` share; false when `name` is not one of them. */
function commonOption(common: CommonOptions, name: string, inline: string | undefined, value: () => string | undefined): boolean {
  switch (name) {
    case "toolset":
    case "toolsets":
      common.toolsets.push(required(name, value()));
      return true;
    case "sandbox":
      common.sandbox = true;
      return true;
    case "sandbox-state":
      common.sandboxState = required(name, value());
      return true;
    default: {
      const flag = settingFlag(name, false);
      if (!flag) return false;
      try {
        common.env[flag.variable] = flagValue(flag, inline, value);
      } catch (err) {
        throw new CommandUsageError((err as Error).message);
      }
      return true;
    }
  }
}

function checkCommon(common: CommonOptions): void {
  if (common.sandboxState !== undefined && !common.sandbox) throw new CommandUsageError("--sandbox-state needs --sandbox");
}

export function parseToolsArgs(argv: readonly string[]): ToolsOptions {
  const common: CommonOptions = { toolsets: [], env: {}, sandbox: false };
  let json = false;
  for (const opt of options(argv)) {
    if (commonOption(common, opt.name, opt.inline, opt.value)) continue;
    if (opt.name === "json") json = true;
    else throw new CommandUsageError(`Unknown option: ${opt.token}`);
  }
  checkCommon(common);
  return { common, json };
}

export function parseCallArgs(argv: readonly string[]): CallOptions {
  const [tool, ...rest] = argv;
  if (tool === undefined || tool.startsWith("-")) throw new CommandUsageError("call needs a tool name first: altr-mcp call <tool> …");
  const common: CommonOptions = { toolsets: [], env: {}, sandbox: false };
  const opts: CallOptions = { common, tool, params: [], confirm: false, output: "json" };
  for (const opt of options(rest)) {
    if (commonOption(common, opt.name, opt.inline, opt.value)) continue;
    if (opt.name === "json") opts.json = parseJsonObject("--json", required("json", opt.value()));
    else if (opt.name === "confirm") {
      // A flag: `--confirm` (or `--confirm=true|false`); it never takes the next token.
      if (opt.inline !== undefined && opt.inline !== "true" && opt.inline !== "false") throw new CommandUsageError("--confirm is true or false");
      opts.confirm = opt.inline !== "false";
    }
    else if (opt.name === "output") {
      const output = required("output", opt.value());
      if (output !== "json" && output !== "table") throw new CommandUsageError(`--output must be json or table`);
      opts.output = output;
    } else if (opt.name === "") throw new CommandUsageError(`Unexpected argument: ${opt.token}`);
    else opts.params.push([opt.name, opt.value()]);
  }
  checkCommon(common);
  if (opts.json && opts.params.length) {
    throw new CommandUsageError(`--json and --<param> options are exclusive (got --json and --${opts.params[0]![0]})`);
  }
  return opts;
}

/** JSON text that must be an object. The text is never echoed: it may hold secrets. */
function parseJsonObject(what: string, text: string): Record<string, unknown> {
  const value = parseJson(what, text);
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new CommandUsageError(`${what} must be a JSON object`);
  return value as Record<string, unknown>;
}

function parseJson(what: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new CommandUsageError(`${what} is not valid JSON`);
  }
}

function commandEnv(env: NodeJS.ProcessEnv, common: CommonOptions, dotEnv: (env: NodeJS.ProcessEnv) => NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const flags = { ...common.env };
  if (common.toolsets.length) flags.ALTR_TOOLSETS = common.toolsets.join(",");
  const out: NodeJS.ProcessEnv = dotEnv(overlay(env, flags));
  // Logs stay on stderr; on the command line only errors, unless LOG_LEVEL asks for more.
  if (!out.LOG_LEVEL?.trim()) out.LOG_LEVEL = "ERROR";
  return out;
}

function prepareOptions(common: CommonOptions): PrepareOptions {
  if (!common.sandbox) return {};
  return { sandbox: common.sandboxState === undefined ? {} : { stateFile: common.sandboxState } };
}

// ---------------------------------------------------------------------------------------------
// tools

function access(tool: McpTool): string {
  if (tool.annotations?.readOnlyHint) return "read-only";
  return tool.annotations?.destructiveHint ? "destructive" : "write";
}

const TOOLSET_OF = new Map(ALL_TOOLS.map((t) => [t.name, t.toolset]));

function printTools(listed: readonly McpTool[], json: boolean, io: CommandIO): void {
  if (json) {
    io.out(`${JSON.stringify({ tools: listed }, null, 2)}\n`);
    return;
  }
  const rows = listed.map((t) => ({ tool: t.name, toolset: TOOLSET_OF.get(t.name) ?? "", access: access(t), description: t.description ?? "" }));
  io.out(renderTable(rows));
  io.err(`${plural(listed.length, "tool")}.\n`);
}

// ---------------------------------------------------------------------------------------------
// call

/** The listed tool a name (or a pre-rename alias) stands for; undefined when not exposed. */
function listedTool(listed: readonly McpTool[], name: string): McpTool | undefined {
  const canonical = ALL_TOOLS.find((t) => t.name === name || t.aliases.includes(name))?.name ?? name;
  return listed.find((t) => t.name === canonical);
}

/**
 * A line on the terminal (stderr) that counts a call's requests to ALTR and downloads, shown
 * from the second request or the first download on (a one-request call shows nothing), redrawn
 * in place and erased before the result is printed.
 */
export function progressLine(tool: string, io: CommandIO, now: () => number = Date.now) {
  const started = now();
  let requests = 0;
  let downloads = 0;
  let shown = false;
  return {
    onRequest(kind: "altr" | "download"): void {
      if (kind === "altr") requests++;
      else downloads++;
      if (requests < 2 && downloads === 0) return;
      shown = true;
      const parts = [plural(requests, "request") + " to ALTR", ...(downloads ? [plural(downloads, "download")] : [])];
      io.err(`\r\x1b[K${tool}: ${parts.join(", ")} (${((now() - started) / 1000).toFixed(1)} s)…`);
    },
    clear(): void {
      if (shown) io.err("\r\x1b[K");
      shown = false;
    },
  };
}

async function callTool(prepared: Prepared, opts: CallOptions, io: CommandIO, progress?: { clear(): void }): Promise<number> {
  const { host } = prepared;
  const tool = listedTool(host.listed, opts.tool);
  let args: Record<string, unknown>;
  if (tool) {
    args = opts.json ? { ...opts.json } : argumentsFrom(tool, opts.params);
    if (opts.confirm && tool.inputSchema.properties && "confirm" in tool.inputSchema.properties) args.confirm = true;
  } else {
    // Not exposed: the host refuses it before anything runs, with the reason (unknown tool,
    // toolset off, read-only, RESTRICTED_TOOLS) — the same message an MCP client gets.
    args = {};
  }
  const abort = new AbortController();
  const onSigint = () => abort.abort(new Error("interrupted"));
  process.once("SIGINT", onSigint);
  let result: CallToolResult;
  try {
    result = await host.call(opts.tool, args, abort.signal);
  } catch (err) {
    if (err instanceof McpError) throw new CommandUsageError(refusal(err.message.replace(/^MCP error -?\d+: /, ""), opts.tool));
    throw err;
  } finally {
    process.removeListener("SIGINT", onSigint);
  }
  progress?.clear();
  const envelope = envelopeOf(result);
  if (opts.output === "json" || result.isError) io.out(`${JSON.stringify(envelope, null, 2)}\n`);
  else io.out(renderData(envelope.data, (why) => io.err(`note: --output table: ${why}; printed as JSON.\n`)));
  if (result.isError) {
    const needsConfirm = envelope.error?.kind === "invalid_input" && envelope.error.fields?.includes("confirm");
    io.err(`ERROR: ${envelope.error?.message ?? "the tool failed"}${needsConfirm ? " (altr-mcp call: add --confirm)" : ""}\n`);
    return envelope.error?.kind === "invalid_input" ? EXIT.usage : EXIT.failed;
  }
  return EXIT.ok;
}

/** The host's refusal of a tool it does not expose, with the command-line way out. */
function refusal(message: string, name: string): string {
  const tool = ALL_TOOLS.find((t) => t.name === name || t.aliases.includes(name));
  if (!tool) {
    const guess = suggestion(name);
    return `${message}.${guess ? ` Did you mean ${guess}?` : ""} \`altr-mcp tools --toolset all\` lists every tool.`;
  }
  if (message.includes("ALTR_TOOLSETS")) return `${message} Add --toolset ${tool.toolset}.`;
  return message;
}

/** The known tool name (or alias) nearest to a mistyped one, when it is near enough. */
export function suggestion(name: string): string | undefined {
  const names = ALL_TOOLS.flatMap((t) => [t.name, ...t.aliases]);
  const best = closest(name.toLowerCase(), names);
  // Near enough: a few typos, scaled to the length (a short name allows fewer).
  return distance(name.toLowerCase(), best) <= Math.max(2, Math.floor(best.length / 4)) ? best : undefined;
}

/** "1 tool", "2 tools". */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function envelopeOf(result: CallToolResult): Envelope {
  if (result.structuredContent) return result.structuredContent as unknown as Envelope;
  const text = result.content.find((c) => c.type === "text");
  return JSON.parse(text && text.type === "text" ? text.text : "null") as Envelope;
}

type Schema = Record<string, unknown>;

/** The JSON types a schema admits (type, anyOf/oneOf branches, enum/const values); "any" if open. */
function typesOf(schema: Schema | undefined): Set<string> {
  const out = new Set<string>();
  if (!schema) return new Set(["any"]);
  const t = schema.type;
  if (typeof t === "string") out.add(t);
  else if (Array.isArray(t)) for (const x of t) if (typeof x === "string") out.add(x);
  for (const key of ["anyOf", "oneOf"] as const) {
    const branches = schema[key];
    if (Array.isArray(branches)) for (const b of branches) for (const x of typesOf(b as Schema)) out.add(x);
  }
  const values = Array.isArray(schema.enum) ? schema.enum : "const" in schema ? [schema.const] : [];
  for (const v of values) out.add(v === null ? "null" : Number.isInteger(v) ? "integer" : typeof v);
  if (out.size === 0) out.add("any");
  return out;
}

/** An array schema's items schema (the array branch of a union included). */
function itemsOf(schema: Schema): Schema | undefined {
  if (schema.items && typeof schema.items === "object") return schema.items as Schema;
  for (const key of ["anyOf", "oneOf"] as const) {
    const branches = schema[key];
    if (Array.isArray(branches)) {
      for (const b of branches) {
        const items = itemsOf(b as Schema);
        if (items) return items;
      }
    }
  }
  return undefined;
}

function describeTypes(types: Set<string>): string {
  const names = [...types].filter((t) => t !== "null" && !(t === "number" && types.has("integer")));
  const words = names.map((t) => (t === "object" ? "a JSON object" : t === "array" ? "a JSON array" : t === "integer" ? "an integer" : `a ${t}`));
  return words.length > 1 ? `${words.slice(0, -1).join(", ")} or ${words[words.length - 1]}` : (words[0] ?? "a value");
}

/**
 * One `--<param>` value read by the parameter's schema. Values are never echoed in errors:
 * they may be secrets (passwords, tokens).
 */
function coerce(param: string, raw: string, schema: Schema | undefined): unknown {
  const types = typesOf(schema);
  if (types.has("any")) {
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      return raw;
    }
  }
  const trimmed = raw.trim();
  if (types.has("integer") && /^-?\d+$/.test(trimmed)) {
    const n = Number(trimmed);
    if (Number.isSafeInteger(n)) return n;
  }
  if (types.has("number") && trimmed !== "" && Number.isFinite(Number(trimmed))) return Number(trimmed);
  if (types.has("boolean") && (trimmed === "true" || trimmed === "false")) return trimmed === "true";
  if ((types.has("object") || types.has("array")) && /^[[{]/.test(trimmed)) {
    const value = parseJson(`--${param}`, trimmed);
    const kind = Array.isArray(value) ? "array" : value === null ? "null" : typeof value;
    if (types.has(kind)) return value;
    throw new CommandUsageError(`--${param} expects ${describeTypes(types)}`);
  }
  if (types.has("string")) return raw;
  if (types.has("null") && trimmed === "null") return null;
  throw new CommandUsageError(`--${param} expects ${describeTypes(types)}`);
}

/** A single `--<param> [..]` value as a whole JSON array, when it is one. */
function wholeArray(value: string): unknown[] | undefined {
  if (!/^\s*\[/.test(value)) return undefined;
  try {
    const parsed = JSON.parse(value) as unknown;
    return Array.isArray(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Builds a tool's arguments from `--<param> value` pairs, by its advertised input schema. */
export function argumentsFrom(tool: McpTool, params: CallOptions["params"]): Record<string, unknown> {
  const properties = (tool.inputSchema.properties ?? {}) as Record<string, Schema>;
  const grouped = new Map<string, (string | undefined)[]>();
  for (const [given, value] of params) {
    const name = given in properties ? given : given.replaceAll("-", "_");
    if (!(name in properties) || name === "confirm") {
      const known = Object.keys(properties).filter((p) => p !== "confirm");
      throw new CommandUsageError(`${tool.name} has no parameter "${given}". Its parameters: ${known.length ? known.join(", ") : "none"}`);
    }
    grouped.set(name, [...(grouped.get(name) ?? []), value]);
  }
  const args: Record<string, unknown> = {};
  for (const [name, values] of grouped) {
    const schema = properties[name];
    const types = typesOf(schema);
    if (types.has("array") && schema) {
      // Repeat the option for a list, or give the whole list as one JSON array.
      const items = itemsOf(schema);
      const whole = values.length === 1 && values[0] !== undefined && !typesOf(items).has("array") ? wholeArray(values[0]) : undefined;
      args[name] =
        whole ??
        values.map((value) => {
          if (value === undefined) throw new CommandUsageError(`--${name} needs a value`);
          return coerce(name, value, items);
        });
      continue;
    }
    if (values.length > 1) throw new CommandUsageError(`--${name} is given more than once (it is not a list)`);
    const value = values[0];
    if (value === undefined) {
      if (!types.has("boolean")) throw new CommandUsageError(`--${name} needs a value`);
      args[name] = true;
    } else {
      args[name] = coerce(name, value, schema);
    }
  }
  return args;
}

// ---------------------------------------------------------------------------------------------
// table output

function cell(value: unknown): string {
  if (value === null || value === undefined) return "";
  const text = typeof value === "object" ? JSON.stringify(value) : String(value);
  return text.replace(/[\r\n\t]+/g, " ");
}

/** A column header: the key in capitals with its words apart (friendlyDatabaseName → FRIENDLY_DATABASE_NAME). */
export function header(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/([A-Z]+)([A-Z][a-z]{2,})/g, "$1_$2")
    .replace(/[\s-]+/g, "_")
    .toUpperCase();
}

/** Aligned columns (header, rule, rows); the last column is not padded. */
export function renderTable(rows: readonly Record<string, unknown>[]): string {
  const columns: string[] = [];
  for (const row of rows) for (const key of Object.keys(row)) if (!columns.includes(key)) columns.push(key);
  if (columns.length === 0) return rows.length ? "" : "(no rows)\n";
  const cells = rows.map((row) => columns.map((c) => cell(row[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(columns.map(header)), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)].join("\n") + "\n";
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * `--output table`: a list as columns — `data` itself, or the one list property of `data` (the
 * other properties, e.g. count and next_offset, follow as `name: value` lines), or the one
 * property that groups lists by a key (get_rules' `items: {hash: [rule, …]}`: the groups'
 * rows one after another). Lists of scalars are one column. Any other shape is printed as
 * JSON, and `onFallback` is told why.
 */
export function renderData(data: unknown, onFallback: (why: string) => void = () => undefined): string {
  let list: unknown[] | undefined;
  let listName = "value";
  let rest: [string, unknown][] = [];
  if (Array.isArray(data)) list = data;
  else if (isPlainObject(data)) {
    const lists = Object.entries(data).filter(([, v]) => Array.isArray(v));
    const groups = Object.entries(data).filter(
      ([, v]) => isPlainObject(v) && Object.keys(v).length > 0 && Object.values(v).every((g) => Array.isArray(g) && g.every(isPlainObject)),
    );
    if (lists.length === 1) {
      [listName, list] = lists[0] as [string, unknown[]];
    } else if (lists.length === 0 && groups.length === 1) {
      listName = groups[0]![0];
      list = Object.values(groups[0]![1] as Record<string, unknown[]>).flat();
    } else {
      onFallback(lists.length > 1 ? `the result has ${lists.length} lists (${lists.map(([k]) => k).join(", ")})` : "the result is not a list");
      return `${JSON.stringify(data, null, 2)}\n`;
    }
    rest = Object.entries(data).filter(([k]) => k !== listName);
  } else {
    onFallback("the result is not a list");
    return `${JSON.stringify(data, null, 2)}\n`;
  }
  const tabular = list.every(isPlainObject) || list.every((v) => !isPlainObject(v) && !Array.isArray(v));
  if (!tabular) {
    onFallback(`the items of ${listName} mix objects, lists and values`);
    return `${JSON.stringify(data, null, 2)}\n`;
  }
  const rows = list.map((v) => (isPlainObject(v) ? v : { [listName]: v }));
  const footer = rest.map(([k, v]) => `${k}: ${v === null ? "null" : cell(v)}`).join("\n");
  return renderTable(rows) + (footer ? `\n${footer}\n` : "");
}
