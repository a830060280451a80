/**
 * The MCP server: tools/list from the selected table (computed once), tools/call through one
 * pipeline — look up, validate, confirm (destructive tools, confirm.ts), run, wrap (customer
 * text cleaned, result.ts), log — for every tool; prompts and reference resources (guidance.ts).
 */
import { readFileSync } from "node:fs";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import {
  CallToolRequestSchema,
  ErrorCode,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  ReadResourceRequestSchema,
  McpError,
  type CallToolResult,
  type Tool as McpTool,
} from "@modelcontextprotocol/sdk/types.js";
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv";
import type { JsonSchemaType, JsonSchemaValidator, jsonSchemaValidator } from "@modelcontextprotocol/sdk/validation";
import { basicCredential, type AltrClients } from "../altr/client.js";
import type { PresignedFetch } from "../altr/presigned.js";
import type { Logger } from "../log/logger.js";
import { collectSecrets, redactArgs, scrub, secretPattern } from "../log/redact.js";
import { finishList } from "./advertise.js";
import { createApps } from "./apps.js";
import { confirmationGate, needsConfirmation, NotConfirmed, notConfirmedData, takeConfirm, type Ask } from "./confirm.js";
import { getPrompt, listPrompts, listResources, PromptError, readResource, referenceResources } from "./guidance.js";
import { instructions } from "./instructions.js";
import { callProgress, PROGRESS_INTERVAL_MS, type ProgressNotice } from "./progress.js";
import { describeTool, enableSetting, selectTools, unknownRestricted, type Selection } from "./registry.js";
import { DEFAULT_MAX_RESULT_BYTES, errorResult, successResult, toToolError, type Bound } from "./result.js";
import {
  createSupportPolicy,
  guardClients,
  isControlTool,
  JOURNAL_URI,
  SupportRefusal,
  writeDetail,
  type Elicit,
  type SupportSession,
  type SupportSettings,
} from "./support.js";
import { InputError, TOOLSETS, ToolFailure, type Tool, type ToolsetName } from "../tools/define.js";
import { didYouMean } from "../schema/suggest.js";
import { ALL_TOOLS, SUPPORT_TOOLS } from "../tools/index.js";

export const SERVER_NAME = "altr-mcp";

/** Deepest nesting accepted in tool arguments (no tool takes more than a few levels). */
export const MAX_ARGUMENT_DEPTH = 32;

/** An unpaired UTF-16 surrogate: not text, and it cannot be put in a URL (URIError). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Refuses arguments no tool can take, before anything else walks them (iteratively: a hostile
 * nesting depth must not overflow the stack): nesting deeper than MAX_ARGUMENT_DEPTH, and
 * strings or keys with an unpaired surrogate (which ended as `internal` when put in a path).
 */
function checkArguments(raw: unknown): void {
  const bad: string[] = [];
  const stack: { value: unknown; path: string; depth: number }[] = [{ value: raw, path: "", depth: 0 }];
  while (stack.length > 0 && bad.length < 10) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === "string") {
      if (LONE_SURROGATE.test(value)) bad.push(`${path || "(arguments)"}: contains an unpaired UTF-16 surrogate (not valid text)`);
      continue;
    }
    if (value === null || typeof value !== "object") continue;
    if (depth >= MAX_ARGUMENT_DEPTH) {
      throw new InputError(`Invalid arguments: ${path || "(arguments)"}: nested deeper than ${MAX_ARGUMENT_DEPTH} levels`, [path.split(/[.[]/)[0] || "(arguments)"]);
    }
    const entries = Array.isArray(value) ? value.map((v, i) => [`[${i}]`, v] as const) : Object.entries(value).map(([k, v]) => [k, v] as const);
    for (const [k, v] of entries) {
      if (!k.startsWith("[") && LONE_SURROGATE.test(k)) bad.push(`${path ? `${path}.` : ""}(a key): contains an unpaired UTF-16 surrogate (not valid text)`);
      stack.push({ value: v, path: k.startsWith("[") ? `${path}${k}` : path ? `${path}.${k}` : k, depth: depth + 1 });
    }
  }
  if (bad.length > 0) throw new InputError(`Invalid arguments: ${bad.join("; ")}`, [...new Set(bad.map((b) => b.split(/[.[:]/)[0]!))]);
}

/**
 * The credentials' values that must never appear in a result or a log line: MAPI_SECRET and the
 * Basic credential built from it (each also in every derived form, see log/redact.ts). The one
 * list both the CLI's start-up and the in-process test harness pass as ServerDeps.secrets.
 */
export function credentialSecrets(mapiKey: string, mapiSecret: string): string[] {
  return [mapiSecret, basicCredential(mapiKey, mapiSecret)];
}

export interface ServerDeps {
  clients: AltrClients;
  logger: Logger;
  selection: Selection;
  version: string;
  /** Values that must never appear in tool output or logs (MAPI_SECRET). */
  secrets?: string[];
  tools?: readonly Tool[];
  /** Presigned-URL downloads (tests and --sandbox; production uses altr/presigned.ts's guarded download). */
  presigned?: PresignedFetch;
  /** ALTR_CONFIRM_DESTRUCTIVE: destructive calls need the user's confirmation (default true). */
  confirmDestructive?: boolean;
  /** ALTR_MAX_RESULT_BYTES: the most bytes one tool result may take as sent (default 256 KiB). */
  maxResultBytes?: number;
  /** SUPPORT_MODE and SUPPORT_PROMPTS (support.ts); both off by default. */
  support?: SupportSettings;
  /** Least time between two progress notifications of one call (progress.ts; tests use 0). */
  progressIntervalMs?: number;
}

/** The MCP session a call belongs to: its support latch, and how to ask its user (elicitation). */
export interface CallSession {
  support: SupportSession;
  elicit?: Elicit;
  /** Who is calling, when the transport authenticated them (OAuth). */
  caller?: Caller;
}

/**
 * The SDK Server's JSON Schema validator (it checks elicitation answers), one per host and built
 * on first use: the SDK's default builds an Ajv instance per Server, which cost start-up time and
 * about a millisecond and some memory per HTTP session.
 */
class LazyAjvValidator implements jsonSchemaValidator {
  private ajv?: AjvJsonSchemaValidator;
  getValidator<T>(schema: JsonSchemaType): JsonSchemaValidator<T> {
    this.ajv ??= new AjvJsonSchemaValidator();
    return this.ajv.getValidator<T>(schema);
  }
}

/**
 * The tools/list entries of the built-in table as the build computed them with describeTool
 * (scripts/build.mjs writes tool-list-*.json next to the bundle): turning 156 zod schemas into
 * JSON Schemas was about a tenth of the cold start. Absent when running from the sources: then
 * they are computed. tests/tool-list-prebuilt.test.ts proves the files equal describeTool's output.
 */
function prebuiltList(confirmDestructive: boolean): Map<string, McpTool> | undefined {
  try {
    const file = new URL(`./tool-list-${confirmDestructive ? "confirm" : "plain"}.json`, import.meta.url);
    const tools = JSON.parse(readFileSync(file, "utf8")) as McpTool[];
    return new Map(tools.map((t) => [t.name, t]));
  } catch {
    return undefined;
  }
}

/** How long the user has to answer a confirmation question. */
const CONFIRM_TIMEOUT_MS = 10 * 60_000;

export interface ToolHost {
  /**
   * A new SDK Server wired to the shared tool table (one per HTTP session; one for stdio), with
   * its own support latch. `stateless`: one request per Server (no latch can be armed).
   * `readOnly`: tools/list leaves out the tools that change data (an OAuth token without
   * altr:write: the 2025-era presentation; such calls are refused at call time all the same).
   */
  createServer(opts?: { stateless?: boolean; readOnly?: boolean }): Server;
  /** What tools/list shows a new session (the configuration's tools, latched under SUPPORT_MODE). */
  listed: McpTool[];
  /**
   * `ask`: the user's confirmation of a destructive call, when the client can show a form.
   * `session`: the caller's MCP session; without one (the command line), the process's own.
   * `progress`: where the call's progress goes, when the caller asked for it (a progressToken).
   */
  call(name: string, args: unknown, signal: AbortSignal, ask?: Ask, session?: CallSession, progress?: (notice: ProgressNotice) => void): Promise<CallToolResult>;
  /** Whether calling `name` (a tool or alias this configuration exposes) may change data. */
  writes(name: string): boolean;
}

/** Who is calling, when the transport authenticated them (OAuth): logged, and its scopes enforced. */
export interface Caller {
  subject: string;
  scopes: readonly string[];
}

/** The OAuth scope without which no tool that changes data runs (transports/oauth.ts checks it first). */
export const WRITE_SCOPE = "altr:write";

export function createToolHost(deps: ServerDeps): ToolHost {
  const table = deps.tools ?? ALL_TOOLS;
  const selected = selectTools(table, deps.selection);
  const confirmDestructive = deps.confirmDestructive ?? true;
  const maxResultBytes = deps.maxResultBytes ?? DEFAULT_MAX_RESULT_BYTES;
  const prebuilt = deps.tools === undefined ? prebuiltList(confirmDestructive) : undefined;
  const configured = selected.enabled.map((t) => prebuilt?.get(t.name) ?? describeTool(t, confirmDestructive));
  const support = createSupportPolicy(table, selected, deps.support ?? { mode: false, prompts: false }, deps.selection.restricted);
  const supportOffered = support.controls.length > 0;
  const processSession: CallSession = { support: support.newSession() };
  // The entries as sent (advertise.ts finishList), memoised by the names a list holds: a host
  // shows a handful of distinct lists (support latch, read-only), each finished once.
  const finished = new Map<string, McpTool[]>();
  const finish = (tools: McpTool[]): McpTool[] => {
    const key = tools.map((t) => t.name).join(",");
    let list = finished.get(key);
    if (list === undefined) {
      list = finishList(tools);
      if (finished.size < 64) finished.set(key, list);
    }
    return list;
  };
  const listed = finish(support.list(processSession.support, configured));
  const enabledNames = new Set(selected.enabled.map((t) => t.name));
  // Prompts may name the control tools offered here (the troubleshooting prompts open with one).
  const promptTools = new Set([...enabledNames, ...support.controls.map((t) => t.name)]);
  const resources = referenceResources(table, enabledNames);
  // MCP Apps views: offered per session, only to clients that declare the extension (apps.ts).
  const apps = createApps(enabledNames);
  const toolsetsOn = new Set(selected.enabled.map((t) => t.toolset));
  const toolsetsOff = (Object.keys(TOOLSETS) as ToolsetName[]).filter((t) => !toolsetsOn.has(t) && table.some((tool) => tool.toolset === t));
  const serverInstructions =
    instructions(confirmDestructive, { off: toolsetsOff, example: toolsetsOff.length ? enableSetting(toolsetsOff[0]!, deps.selection.toolsets) : "" }) +
    support.instructions();
  const log = deps.logger;
  const typos = unknownRestricted(table, deps.selection.restricted, SUPPORT_TOOLS.map((t) => t.name));
  if (typos.length) log.warn({ entries: typos }, `RESTRICTED_TOOLS names no tool: ${typos.join(", ")} (check the spelling: nothing is restricted by them)`);
  const baseSecrets = (deps.secrets ?? []).filter((s) => s.length >= 4);
  const baseSecretPattern = secretPattern(baseSecrets);
  const jsonSchemaValidator = new LazyAjvValidator();
  // One child logger per tool, made on its first call, instead of a pino child (an object and its
  // serialised bindings) per call.
  const toolLogs = new Map<string, Logger>();

  async function call(
    name: string,
    raw: unknown,
    signal: AbortSignal,
    ask?: Ask,
    session = processSession,
    onProgress?: (notice: ProgressNotice) => void,
  ): Promise<CallToolResult> {
    if (isControlTool(name)) return callControl(name, raw, session);
    const tool = selected.callable.get(name);
    if (!tool) {
      const reason = selected.hidden.get(name);
      throw new McpError(
        ErrorCode.InvalidParams,
        reason
          ? `Tool ${name} is disabled because ${reason}.`
          : `Unknown tool: ${name}.${didYouMean(name, [...selected.callable.keys(), ...selected.hidden.keys(), ...support.controls.map((t) => t.name)])}`,
      );
    }
    // Defence in depth behind the HTTP layer's 403: a token without the write scope never runs a write.
    if (session.caller && !tool.annotations.readOnlyHint && !session.caller.scopes.includes(WRITE_SCOPE)) {
      throw new McpError(ErrorCode.InvalidRequest, `Tool ${name} changes data: the access token lacks the scope ${WRITE_SCOPE}.`);
    }
    // Support mode, after the configuration (RESTRICTED_TOOLS outranks it): refused at call time
    // with the reason; a spent unlock is journaled with the outcome.
    const latch = session.support;
    let unlocked = false;
    try {
      unlocked = support.admit(latch, tool).unlocked;
    } catch (err) {
      if (err instanceof SupportRefusal) {
        log.info({ tool: tool.name, outcome: "support_refused" }, "tool call refused: support read-only mode");
        return errorResult(err, baseSecrets);
      }
      throw err;
    }
    // Where requests leave: while latched, every ALTR request of this call passes the guard (the
    // operation-keyed client's guard hook takes `guard` directly once it exists).
    const guard = latch.latched ? support.guard(latch, tool, unlocked) : undefined;
    const altr = guard ? guardClients(deps.clients, guard) : deps.clients;
    const journal = (outcome: string) => {
      if (unlocked) latch.wrote(tool.name, writeDetail(tool, takeConfirmQuietly(tool, raw), outcome));
    };
    const bound: Bound = { maxBytes: maxResultBytes, args: raw, params: Object.keys(tool.inputSchema.shape) };
    const started = performance.now();
    let child = toolLogs.get(tool.name);
    if (!child) toolLogs.set(tool.name, (child = log.child({ tool: tool.name })));
    // The token's subject is logged with each call (never the token itself).
    if (session.caller) child = child.child({ subject: session.caller.subject });
    let secrets = baseSecretPattern;
    try {
      checkArguments(raw);
      // Every derived form (encoded, base64, JSON-escaped, any case) of the credentials and of
      // this call's sensitive values, taken out of the result and of every log line about the call.
      // The credentials' pattern is built once per host; a new one only for a call that carries
      // sensitive values (it was rebuilt on every call: its forms, sort and RegExp).
      const own = collectSecrets(raw, tool.sensitive);
      if (own.size > 0) secrets = secretPattern([...baseSecrets, ...own]);
      if (log.isLevelEnabled("debug")) child.debug({ args: redactArgs(raw, tool.sensitive) }, "tool call");
      const { args, confirm } = takeConfirm(tool, raw);
      // A client that can show a form always asks the user: the model cannot confirm on the user's
      // behalf. `confirm: true` is the confirmation only where no form can be shown.
      const gate =
        confirmDestructive && needsConfirmation(tool) && (ask !== undefined || !confirm)
          ? confirmationGate(tool, ask)
          : undefined;
      const progress = onProgress ? callProgress(onProgress, deps.progressIntervalMs ?? PROGRESS_INTERVAL_MS) : undefined;
      const data = await tool.invoke(args, { altr, signal, log: child, presigned: deps.presigned, ...(progress ? { progress } : {}) }, gate);
      // Tokenization answers are derived from the call's sensitive values by design (tokens for
      // plaintext and back; a random token can contain a short value by chance): only the
      // credentials are taken out of them. Every other answer loses the call's secrets too.
      const payload = tool.verbatimOutput || tool.toolset === "tokenization";
      let result: CallToolResult;
      try {
        // Tokenization answers are maps keyed by the caller's own labels ("PK", "timestamp"…): not shaped.
        result = successResult(data, { verbatim: tool.verbatimOutput, bound, scrub: payload ? baseSecretPattern : secrets, shape: !payload });
      } catch (err) {
        // ALTR's answer nested too deeply (or too large) to walk or serialise: its fault, not ours.
        if (err instanceof RangeError) {
          throw new ToolFailure("invalid_response", "ALTR's answer could not be turned into a result: it is nested too deeply or too large. Narrow the call.");
        }
        throw err;
      }
      const truncated = result.structuredContent?.truncated === true;
      child.info({ ms: Math.round(performance.now() - started), outcome: "ok", ...(truncated ? { truncated } : {}) }, "tool call finished");
      journal("ok");
      return result;
    } catch (err) {
      if (err instanceof NotConfirmed) {
        child.info({ ms: Math.round(performance.now() - started), outcome: err.action }, "tool call not confirmed");
        journal(`not confirmed (${err.action})`);
        return successResult(notConfirmedData(tool, err.action), { bound });
      }
      const e = toToolError(err);
      journal(`error (${e.kind}${e.status === undefined ? "" : ` ${e.status}`})`);
      const fields: Record<string, unknown> = {
        ms: Math.round(performance.now() - started),
        outcome: "error",
        kind: e.kind,
        status: e.status,
        error: scrub(e.message, secrets),
        // The client cancelled: it will not see the result (the SDK sends none), so the log says what happened.
        ...(signal.aborted ? { cancelled: true } : {}),
      };
      if (e.kind === "internal") {
        fields.stack = scrub(err instanceof Error ? `${err.message}\n${err.stack ?? ""}` : String(err), secrets);
        child.error(fields, "tool call failed");
      } else {
        child.warn(fields, "tool call failed");
      }
      return errorResult(err, secrets, bound);
    }
  }

  /** A control tool of support mode: acts on the session's latch, never on ALTR. */
  async function callControl(name: string, raw: unknown, session: CallSession): Promise<CallToolResult> {
    if (!support.controls.some((t) => t.name === name)) {
      const restricted = support.settings.mode || support.settings.prompts;
      throw new McpError(
        ErrorCode.InvalidParams,
        restricted
          ? `Tool ${name} is disabled because it is listed in RESTRICTED_TOOLS.`
          : `Tool ${name} is disabled because support mode is not enabled (SUPPORT_PROMPTS or SUPPORT_MODE).`,
      );
    }
    try {
      const data = await support.control(session.support, name, raw, session.elicit);
      log.info({ tool: name, state: session.support.state }, "support mode control");
      return successResult(data);
    } catch (err) {
      log.info({ tool: name, outcome: "refused" }, "support mode control refused");
      return errorResult(err, baseSecrets);
    }
  }

  function createServer(opts: { stateless?: boolean; readOnly?: boolean } = {}): Server {
    const server = new Server(
      { name: SERVER_NAME, title: "ALTR", version: deps.version },
      {
        capabilities: {
          tools: { listChanged: supportOffered },
          prompts: { listChanged: false },
          resources: { listChanged: supportOffered },
        },
        instructions: serverInstructions,
        jsonSchemaValidator,
      },
    );
    const latch = support.newSession(opts);
    latch.onChange = () => {
      // A session whose transport is gone has nobody to tell.
      server.sendToolListChanged().catch(() => undefined);
      server.sendResourceListChanged().catch(() => undefined);
    };
    const shown = (tools: McpTool[]) => (opts.readOnly ? tools.filter((t) => !writes(t.name)) : tools);
    server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: apps.tools(server.getClientCapabilities(), finish(shown(support.list(latch, configured)))) }));
    server.setRequestHandler(ListPromptsRequestSchema, async () => ({ prompts: listPrompts(promptTools, support.settings.prompts) }));
    server.setRequestHandler(GetPromptRequestSchema, async (req) => {
      try {
        return getPrompt(req.params.name, req.params.arguments, promptTools, support.settings.prompts);
      } catch (err) {
        if (err instanceof PromptError) throw new McpError(ErrorCode.InvalidParams, err.message);
        throw err;
      }
    });
    server.setRequestHandler(ListResourcesRequestSchema, async () => ({
      resources: [
        ...listResources(resources),
        ...(latch.latched
          ? [{ uri: JOURNAL_URI, name: "support-journal", title: "Support mode journal of this session", mimeType: "application/json" }]
          : []),
        ...apps.resources(server.getClientCapabilities()),
      ],
    }));
    server.setRequestHandler(ListResourceTemplatesRequestSchema, async () => ({ resourceTemplates: [] }));
    server.setRequestHandler(ReadResourceRequestSchema, async (req) => {
      if (req.params.uri === JOURNAL_URI) {
        if (!latch.latched) throw new McpError(ErrorCode.InvalidParams, `${JOURNAL_URI} is readable only while support mode is on in this session`);
        return { contents: [{ uri: JOURNAL_URI, mimeType: "application/json", text: JSON.stringify(latch.journal()) }] };
      }
      const view = apps.read(server.getClientCapabilities(), req.params.uri);
      if (view) return view;
      const found = readResource(resources, req.params.uri);
      if (!found) throw new McpError(ErrorCode.InvalidParams, `Unknown resource: ${req.params.uri}`);
      return found;
    });
    // Stateless HTTP never initializes, so it has no client capabilities: `confirm: true` applies.
    server.setRequestHandler(CallToolRequestSchema, async (req, extra) => {
      const ask: Ask | undefined = server.getClientCapabilities()?.elicitation?.form
        ? async (message) =>
            (
              await server.elicitInput(
                { mode: "form", message, requestedSchema: { type: "object", properties: {} } },
                { signal: extra.signal, relatedRequestId: extra.requestId, timeout: CONFIRM_TIMEOUT_MS },
              )
            ).action
        : undefined;
      // The support latch of this session, and its user's forms (exit phrase, unlock) where the client can show them.
      const auth = extra.authInfo;
      const session: CallSession = {
        support: latch,
        ...(auth
          ? { caller: { subject: typeof auth.extra?.subject === "string" ? auth.extra.subject : auth.clientId, scopes: auth.scopes } }
          : {}),
        ...(server.getClientCapabilities()?.elicitation?.form
          ? { elicit: (params) => server.elicitInput(params, { signal: extra.signal, relatedRequestId: extra.requestId, timeout: CONFIRM_TIMEOUT_MS }) }
          : {}),
      };
      // Progress only for a caller that asked (a progressToken); notifications after the call are never sent.
      const token = extra._meta?.progressToken;
      const progress =
        token === undefined
          ? undefined
          : (notice: ProgressNotice) =>
              void extra.sendNotification({ method: "notifications/progress", params: { progressToken: token, ...notice } }).catch(() => undefined);
      const result = await call(req.params.name, req.params.arguments ?? {}, extra.signal, ask, session, progress);
      // The SDK client handles a notification a microtask later than a response that arrives in
      // the same read, and drops it once the response is in: the answer waits one turn of the
      // event loop, so the last notification leaves in an earlier write.
      if (progress) await new Promise((resolve) => setImmediate(resolve));
      return result;
    });
    return server;
  }

  const writes = (name: string): boolean => {
    const tool = selected.callable.get(name);
    return tool !== undefined && !tool.annotations.readOnlyHint;
  };

  return { createServer, listed, call, writes };
}

/** The arguments without `confirm`, for the journal (never throws). */
function takeConfirmQuietly(tool: Tool, raw: unknown): unknown {
  try {
    return takeConfirm(tool, raw).args;
  } catch {
    return raw;
  }
}
