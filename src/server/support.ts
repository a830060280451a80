/**
 * Support mode: a read-only latch for diagnosis sessions.
 *
 * - The operator's hard latch (SUPPORT_MODE) holds for the whole process and cannot be lifted by
 *   any tool. The soft latch (enter_support_mode) holds for one MCP session: stdio's process, or
 *   one streamable HTTP / SSE session — one client's latch never restricts another.
 * - While latched, only the allow-list runs (get_/list_/search_ tools, detokenize excluded), plus
 *   one call of a tool the user unlocked (request_write_unlock). The refusal happens at
 *   tools/call (the mechanism that lasts); hiding tools and notifications/tools/list_changed are
 *   the presentation on top. The request layer is guarded too (supportGuard): while latched, an
 *   operation that is not a read of an allowed tool does not leave, whatever a handler does.
 * - Leaving takes the exit phrase typed by the user: in a form where the client can show one (a
 *   phrase the model supplies is then ignored), else as the `confirmation` argument.
 * - A bounded journal records what happened, with sensitive argument values redacted; it is
 *   readable as a resource while latched and returned (then cleared) on exit.
 */
import type { ElicitRequestFormParams, ElicitResult, Tool as McpTool } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import type { AltrClients } from "../altr/client.js";
import { OPERATIONS, type OperationKey } from "../generated/operations.js";
import { redactArgs } from "../log/redact.js";
import { InputError, type Tool } from "../tools/define.js";
import {
  allowedWhileLatched,
  ENTER_SUPPORT_MODE,
  EXIT_PHRASE,
  EXIT_SUPPORT_MODE,
  NEVER_UNLOCKABLE,
  REQUEST_WRITE_UNLOCK,
  SUPPORT_TOOLS,
  type ControlTool,
} from "../tools/support.js";
import { advertise, tidy } from "./advertise.js";
import { advertisedAnnotations, type Selected } from "./registry.js";
import { clean, outputSchemaFor } from "./result.js";
import type { JsonSchema } from "../schema/json-schema.js";

export type LatchState = "off" | "soft" | "hard";
export type JournalAction = "entered" | "unlock_granted" | "write_executed" | "exited";

export interface JournalEntry {
  action: JournalAction;
  tool: string | null;
  detail: string;
  at: string;
}

/** Entries kept per session; older ones are dropped and counted. */
export const JOURNAL_LIMIT = 200;
const MAX_DETAIL = 500;
export const JOURNAL_URI = "altr://support/journal";

export interface SupportSettings {
  /** SUPPORT_MODE: the operator's hard latch for the whole process. */
  mode: boolean;
  /** SUPPORT_PROMPTS: publish the troubleshooting prompts (and the control tools). */
  prompts: boolean;
}

/** Asks the user through a form; the client's answer. */
export type Elicit = (params: ElicitRequestFormParams) => Promise<ElicitResult>;

/** A refusal of a control tool or of a latched call: an error result, nothing sent to ALTR. */
export class SupportRefusal extends InputError {
  constructor(message: string, sent: "nothing" | "read" = "nothing") {
    super(message, [], sent);
    this.name = "SupportRefusal";
  }
}

/** The latch of one MCP session (stdio: the process). */
export class SupportSession {
  private soft = false;
  /** Tools allowed for exactly one more call. */
  private readonly unlocked = new Set<string>();
  private readonly entries: JournalEntry[] = [];
  private dropped = 0;
  private writes = 0;
  /** Called after every change of what this session may call (list_changed). */
  onChange: (() => void) | undefined;

  constructor(
    readonly hard: boolean,
    /** False for stateless HTTP: there is no session to hold a soft latch. */
    readonly sessionful: boolean,
    private readonly now: () => Date = () => new Date(),
  ) {
    if (hard) this.record("entered", null, "SUPPORT_MODE is set by the operator for the whole server");
  }

  get state(): LatchState {
    return this.hard ? "hard" : this.soft ? "soft" : "off";
  }

  get latched(): boolean {
    return this.hard || this.soft;
  }

  isUnlocked(name: string): boolean {
    return this.unlocked.has(name);
  }

  record(action: JournalAction, tool: string | null, detail: string): void {
    const text = clean(detail).replace(/\s+/g, " ").trim();
    this.entries.push({ action, tool, detail: text.length > MAX_DETAIL ? `${text.slice(0, MAX_DETAIL)}…` : text, at: this.now().toISOString() });
    if (this.entries.length > JOURNAL_LIMIT) {
      this.dropped += this.entries.splice(0, this.entries.length - JOURNAL_LIMIT).length;
    }
  }

  journal(): { state: LatchState; writes_executed: number; dropped_entries: number; entries: JournalEntry[] } {
    return { state: this.state, writes_executed: this.writes, dropped_entries: this.dropped, entries: this.entries.map((e) => ({ ...e })) };
  }

  /** Arms the soft latch; false when it was already armed. */
  enter(): boolean {
    if (this.soft) return false;
    this.soft = true;
    this.record("entered", null, "enter_support_mode: this session is read-only");
    this.changed();
    return true;
  }

  grant(tool: string, reason: string): void {
    this.unlocked.add(tool);
    this.record("unlock_granted", tool, `one call; reason: ${reason}`);
    this.changed();
  }

  /** Spends a tool's unlock at the start of its call (success or failure); true if it held one. */
  spend(tool: string): boolean {
    if (!this.unlocked.delete(tool)) return false;
    this.changed();
    return true;
  }

  wrote(tool: string, detail: string): void {
    this.writes++;
    this.record("write_executed", tool, detail);
  }

  /** Lifts the soft latch; returns the journal and clears it. */
  exit(): ReturnType<SupportSession["journal"]> {
    this.soft = false;
    this.unlocked.clear();
    this.record("exited", null, "exit_support_mode: the user typed the exit phrase");
    const journal = this.journal();
    this.entries.length = 0;
    this.dropped = 0;
    this.writes = 0;
    this.changed();
    return journal;
  }

  private changed(): void {
    this.onChange?.();
  }
}

/** The answer of a refused call while latched (the original's wording, then what to do). */
export function latchedRefusal(tool: string, session: SupportSession): string {
  const how = session.hard
    ? "The operator set SUPPORT_MODE: report what the fix needs instead of making it."
    : NEVER_UNLOCKABLE.includes(tool)
      ? "It can never be unlocked in support mode."
      : `If the user wants this change, ask them, then call ${REQUEST_WRITE_UNLOCK} with tool_name "${tool}" and their reason.`;
  return `Tool ${tool} is not available due to support read-only mode. ${how}`;
}

/** Operations of a tool, keyed the way the request layer sees them: service, method, path. */
const OPERATION_BY_REQUEST = new Map<string, OperationKey>(
  (Object.entries(OPERATIONS) as [OperationKey, (typeof OPERATIONS)[OperationKey]][]).map(([key, op]) => [
    `${op.service} ${op.method.toUpperCase()} ${op.path}`,
    key,
  ]),
);

/** Decides whether an operation may leave: undefined = yes, else the reason it may not. */
export type OperationGuard = (op: OperationKey) => string | undefined;

export interface SupportPolicy {
  settings: SupportSettings;
  /** Control tools offered (SUPPORT_MODE or SUPPORT_PROMPTS on), without the RESTRICTED_TOOLS ones. */
  controls: readonly ControlTool[];
  /** Canonical names of the table's tools allowed while latched. */
  allowed: ReadonlySet<string>;
  newSession(opts?: { stateless?: boolean }): SupportSession;
  /** tools/list of a session (`base`: the configuration's list). */
  list(session: SupportSession, base: readonly McpTool[]): McpTool[];
  /** Whether `tool` may run in this session now; spends an unlock. Throws SupportRefusal. */
  admit(session: SupportSession, tool: Tool): { unlocked: boolean };
  /** The request-layer guard of one call (`unlocked`: the call holds its tool's unlock). */
  guard(session: SupportSession, tool?: Tool, unlocked?: boolean): OperationGuard;
  /** A control tool's answer, or a SupportRefusal. */
  control(session: SupportSession, name: string, args: unknown, elicit?: Elicit): Promise<Record<string, unknown>>;
  /** The extra server instructions. */
  instructions(): string;
}

export function isControlTool(name: string): boolean {
  return SUPPORT_TOOLS.some((t) => t.name === name);
}

/** The tools/list entry of a control tool. */
export function describeControl(tool: ControlTool): McpTool {
  return {
    name: tool.name,
    description: tool.description,
    inputSchema: { ...(advertise(tidy(z.toJSONSchema(tool.input, { io: "input" })) as JsonSchema) as object), type: "object" } as McpTool["inputSchema"],
    outputSchema: outputSchemaFor(tool.output) as McpTool["outputSchema"],
    annotations: advertisedAnnotations(tool.annotations),
  };
}

const EXIT_FORM_FIELD = "phrase";
const ASK_TIMEOUT_NOTE = "Still in support mode.";

export function createSupportPolicy(
  table: readonly Tool[],
  selected: Selected,
  settings: SupportSettings,
  /** RESTRICTED_TOOLS: it outranks support mode, control tools included. */
  restricted: readonly string[] = [],
): SupportPolicy {
  const offered = settings.mode || settings.prompts;
  const blocked = new Set(restricted.map((s) => s.trim().toLowerCase()));
  const controls = offered ? SUPPORT_TOOLS.filter((t) => !blocked.has(t.name)) : [];
  const controlListed = controls.map(describeControl);
  const allowedTools = table.filter(allowedWhileLatched);
  const allowed = new Set(allowedTools.map((t) => t.name));
  // Reads: every GET, and what an allowed tool sends (the search_* tools POST to start a search).
  const readOps = new Set<OperationKey>([
    ...allowedTools.flatMap((t) => t.operations),
    ...(Object.keys(OPERATIONS) as OperationKey[]).filter((op) => OPERATIONS[op].method.toUpperCase() === "GET"),
  ]);
  const availableReads = selected.enabled.filter((t) => allowed.has(t.name)).length;
  const byName = new Map<string, Tool>(table.flatMap((t) => [t.name, ...t.aliases].map((n) => [n.toLowerCase(), t] as const)));

  function newSession(opts: { stateless?: boolean } = {}): SupportSession {
    return new SupportSession(settings.mode, !opts.stateless);
  }

  function list(session: SupportSession, base: readonly McpTool[]): McpTool[] {
    if (!session.latched) return [...base, ...controlListed];
    const tools = base.filter((t) => allowed.has(t.name) || session.isUnlocked(t.name));
    // Under the hard latch only enter_support_mode stays (it answers "hard"), as the original lists.
    return [...tools, ...controlListed.filter((t) => !session.hard || t.name === ENTER_SUPPORT_MODE)];
  }

  function admit(session: SupportSession, tool: Tool): { unlocked: boolean } {
    if (!session.latched || allowed.has(tool.name)) return { unlocked: false };
    if (!session.hard && session.spend(tool.name)) return { unlocked: true };
    throw new SupportRefusal(latchedRefusal(tool.name, session));
  }

  function guard(session: SupportSession, tool?: Tool, unlocked = false): OperationGuard {
    return (op) => {
      if (!session.latched || readOps.has(op)) return undefined;
      if (unlocked && tool && !session.hard && tool.operations.includes(op)) return undefined;
      return `${op} is not a read and this session is in support read-only mode`;
    };
  }

  async function control(session: SupportSession, name: string, raw: unknown, elicit?: Elicit): Promise<Record<string, unknown>> {
    const def = SUPPORT_TOOLS.find((t) => t.name === name);
    if (!def) throw new SupportRefusal(`Unknown control tool ${name}`);
    const parsed = def.input.safeParse(raw ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.join(".") || "(arguments)";
      throw new InputError(`Invalid arguments: ${field}: ${issue?.code === "unrecognized_keys" ? "unknown parameter" : (issue?.message ?? "invalid")}`, [field]);
    }
    const args = parsed.data as Record<string, unknown>;
    if (name === ENTER_SUPPORT_MODE) return enter(session);
    if (name === REQUEST_WRITE_UNLOCK) return unlock(session, String(args.tool_name), String(args.reason), elicit);
    return leave(session, typeof args.confirmation === "string" ? args.confirmation : undefined, elicit);
  }

  function enter(session: SupportSession): Record<string, unknown> {
    if (session.hard) {
      return {
        state: "hard",
        changed: false,
        note: "The operator set SUPPORT_MODE: this server is read-only for everyone; tools cannot change that.",
      };
    }
    if (!session.sessionful) {
      throw new SupportRefusal(
        "Support mode needs a session: this server runs stateless HTTP (MCP_STATELESS), where no latch can last beyond one request. Ask the operator for SUPPORT_MODE or a stateful server.",
      );
    }
    const changed = session.enter();
    return {
      state: "soft",
      changed,
      read_tools_available: availableReads,
      exit: `Only the user can end support mode: they type the exit phrase, then you call ${EXIT_SUPPORT_MODE}. Never end it on your own.`,
    };
  }

  async function unlock(session: SupportSession, rawName: string, rawReason: string, elicit?: Elicit): Promise<Record<string, unknown>> {
    if (!session.latched) throw new SupportRefusal(`Support mode is off: nothing to unlock (call ${ENTER_SUPPORT_MODE} first).`);
    if (session.hard) throw new SupportRefusal("The operator set SUPPORT_MODE: no write can be unlocked on this server.");
    const name = clean(rawName).trim();
    const tool = byName.get(name.toLowerCase());
    if (!tool || isControlTool(name)) throw new SupportRefusal(`tool_name: there is no tool named "${name.slice(0, 80)}".`);
    const hidden = selected.hidden.get(tool.name);
    if (hidden) throw new SupportRefusal(`tool_name: ${tool.name} is not available due to access restrictions (${hidden}); no unlock changes that.`);
    if (NEVER_UNLOCKABLE.includes(tool.name)) throw new SupportRefusal(`tool_name: ${tool.name} can never be unlocked in support mode.`);
    if (allowed.has(tool.name) || session.isUnlocked(tool.name)) throw new SupportRefusal(`tool_name: ${tool.name} is already allowed; call it.`);
    const reason = clean(rawReason).replace(/\s+/g, " ").trim().slice(0, 200);
    if (!reason) throw new SupportRefusal("reason: required — say why, in the user's words.");
    if (elicit) {
      const answer = await askUser(elicit, {
        mode: "form",
        message: `Support mode: allow ONE call of "${tool.title}" (${tool.name})? Reason given: ${reason}`,
        requestedSchema: { type: "object", properties: {} },
      });
      if (answer.action !== "accept") throw new SupportRefusal(`The user did not allow ${tool.name} (${answer.action}). ${ASK_TIMEOUT_NOTE}`);
    }
    session.grant(tool.name, reason);
    return { unlocked: tool.name, scope: "one call", reason, never_unlockable: [...NEVER_UNLOCKABLE] };
  }

  async function leave(session: SupportSession, confirmation: string | undefined, elicit?: Elicit): Promise<Record<string, unknown>> {
    if (session.hard) throw new SupportRefusal("The operator set SUPPORT_MODE for the whole server: only the operator can lift it (restart without it).");
    if (!session.latched) throw new SupportRefusal(`Support mode is not on in this session (${ENTER_SUPPORT_MODE} arms it).`);
    let typed: string | undefined;
    if (elicit) {
      // The user types the phrase; whatever the model passed as `confirmation` is ignored.
      const answer = await askUser(elicit, {
        mode: "form",
        message: `The assistant asks to leave support mode (read-only). To allow changes again, type ${EXIT_PHRASE}.`,
        requestedSchema: {
          type: "object",
          properties: { [EXIT_FORM_FIELD]: { type: "string", title: "Exit phrase", description: `Type ${EXIT_PHRASE}` } },
          required: [EXIT_FORM_FIELD],
        },
      });
      if (answer.action !== "accept") throw new SupportRefusal(`The user did not confirm leaving support mode (${answer.action}). ${ASK_TIMEOUT_NOTE}`);
      const value = answer.content?.[EXIT_FORM_FIELD];
      typed = typeof value === "string" ? value : undefined;
    } else {
      if (confirmation === undefined) {
        throw new SupportRefusal(`confirmation: required — the user types the exit phrase and you pass it exactly. ${ASK_TIMEOUT_NOTE}`);
      }
      typed = confirmation;
    }
    // Never repeats the phrase: a model that guessed wrong learns nothing it can replay.
    if (typed?.trim() !== EXIT_PHRASE) {
      throw new SupportRefusal(`${elicit ? "The phrase the user typed" : "confirmation"} does not match the exit phrase. ${ASK_TIMEOUT_NOTE}`);
    }
    const journal = session.exit();
    return {
      state: "off",
      exit_phrase_required: true,
      writes_executed: journal.writes_executed,
      session_log: journal.entries,
      dropped_entries: journal.dropped_entries,
      note: "Support mode is off in this session; the journal was cleared. Every tool the configuration enables is available again.",
    };
  }

  function instructions(): string {
    if (settings.mode) {
      return (
        "\n- SUPPORT_MODE is on: this server is read-only (get_/list_/search_ tools). Diagnose, and report what a fix needs " +
        "(which tool, which arguments) instead of making it. Never ask the operator to turn SUPPORT_MODE off."
      );
    }
    if (settings.prompts) {
      return (
        `\n- Support mode: ${ENTER_SUPPORT_MODE} makes this session read-only for a diagnosis; ${REQUEST_WRITE_UNLOCK} allows one call of one tool after the user agreed; ` +
        `${EXIT_SUPPORT_MODE} ends it only when the user typed the exit phrase. Never leave support mode on your own.`
      );
    }
    return "";
  }

  return { settings, controls, allowed, newSession, list, admit, guard, control, instructions };
}

async function askUser(elicit: Elicit, params: ElicitRequestFormParams): Promise<ElicitResult> {
  try {
    return await elicit(params);
  } catch (err) {
    throw new SupportRefusal(`The user could not be asked (${err instanceof Error ? clean(err.message).slice(0, 80) : "error"}). ${ASK_TIMEOUT_NOTE}`);
  }
}

/**
 * The request-layer enforcement while the ops refactor has not landed: the ALTR clients a latched
 * call gets, whose every request is matched to its operation and checked by `check` before it is
 * sent. A request that matches no documented operation is refused while latched.
 */
export function guardClients(clients: AltrClients, check: OperationGuard): AltrClients {
  const METHODS = new Set(["GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"]);
  const wrapped: Record<string, unknown> = {};
  for (const [service, client] of Object.entries(clients) as [string, object][]) {
    wrapped[service] = new Proxy(client, {
      get(target, prop, receiver) {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (typeof prop !== "string" || !METHODS.has(prop) || typeof value !== "function") return value;
        return (path: string, ...rest: unknown[]) => {
          const op = OPERATION_BY_REQUEST.get(`${service} ${prop} ${path}`);
          const refusal = op ? check(op) : `${prop} ${path} is not a documented read and this session is in support read-only mode`;
          // Reads of this call may have left before: say so rather than "nothing was sent".
          if (refusal) return Promise.reject(new SupportRefusal(`Not sent: ${refusal}`, "read"));
          return (value as (...a: unknown[]) => unknown).call(target, path, ...rest);
        };
      },
    });
  }
  return wrapped as AltrClients;
}

/** The journal detail of an executed unlocked call: redacted arguments and the outcome. */
export function writeDetail(tool: Tool, args: unknown, outcome: string): string {
  let shown: string;
  try {
    shown = JSON.stringify(redactArgs(args, tool.sensitive)) ?? "{}";
  } catch {
    shown = "(arguments not shown)";
  }
  return `outcome: ${outcome}; arguments: ${shown}`;
}

/**
 * The guard the request layer consults for one call (the ops refactor's hook): whether an
 * operation may leave for this session. Reads of allowed tools always may; while latched,
 * anything else only within the one call its unlock was spent on.
 */
export function supportGuard(policy: SupportPolicy, session: SupportSession, tool?: Tool, unlocked = false): OperationGuard {
  return policy.guard(session, tool, unlocked);
}
