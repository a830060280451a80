/**
 * Support mode's control tools, as data: names, arguments, annotations and answers. They act on
 * the MCP session (its read-only latch, server/support.ts), never on ALTR, so they are not in the
 * ALTR tool table and have no operations. Names, arguments and answers follow the Python server
 * after 0.5.1 so an assistant written for it works unchanged.
 */
import { z } from "zod";
import { S, objectOf, type JsonSchema } from "../schema/json-schema.js";
import type { Annotations, Tool } from "./define.js";

export const ENTER_SUPPORT_MODE = "enter_support_mode";
export const REQUEST_WRITE_UNLOCK = "request_write_unlock";
export const EXIT_SUPPORT_MODE = "exit_support_mode";

/** What the operator types to leave support mode (never repeated in a refusal). */
export const EXIT_PHRASE = "EXIT SUPPORT MODE";

/**
 * Tools no unlock can release while latched: detokenizing discloses protected data, deleting
 * tokens destroys it for good.
 */
export const NEVER_UNLOCKABLE: readonly string[] = [
  "vault_detokenize",
  "vault_partial_detokenize",
  "critical_detokenize",
  "critical_partial_detokenize",
  "vault_delete_tokens",
  "critical_delete_tokens",
];

/**
 * The rule of the latch's allow-list, as the original states it: the tools named get_*, list_*
 * or search_* (the search_* audit tools POST, but only to start a search), except the ones that
 * detokenize (they read, but disclose protected data).
 */
export function allowedWhileLatched(tool: Pick<Tool, "name">): boolean {
  return /^(get|list|search)_/.test(tool.name) && !tool.name.includes("detokenize");
}

export interface ControlTool {
  name: string;
  title: string;
  description: string;
  input: z.ZodObject<z.ZodRawShape>;
  annotations: Annotations;
  /** Schema of `data` on success. */
  output: JsonSchema;
}

/** Changes only this session's latch: nothing in ALTR, no other session. */
const SESSION_ONLY: Annotations = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false };

const JOURNAL_ENTRY = objectOf({
  action: S.string,
  tool: S.nullableString,
  detail: S.string,
  at: S.string,
});

export const SUPPORT_TOOLS: readonly ControlTool[] = [
  {
    name: ENTER_SUPPORT_MODE,
    title: "Enter support mode (read-only)",
    description:
      "Make this session read-only for a diagnosis: only get_/list_/search_ tools stay callable until the user ends it. " +
      "Call it first when asked why something is broken.",
    input: z.object({}).strict(),
    annotations: { ...SESSION_ONLY, idempotentHint: true },
    output: objectOf({
      state: S.string,
      changed: S.boolean,
      read_tools_available: S.integer,
      exit: S.string,
      note: S.string,
    }),
  },
  {
    name: REQUEST_WRITE_UNLOCK,
    title: "Unlock one write call",
    description:
      "In support mode, allow ONE call of ONE named tool after the user agreed to that change; the next call of it uses the unlock, success or failure.",
    input: z
      .object({
        tool_name: z.string().describe("The tool to allow once"),
        reason: z.string().describe("Why, in the user's words"),
      })
      .strict(),
    annotations: SESSION_ONLY,
    output: objectOf({
      unlocked: S.string,
      scope: S.string,
      reason: S.string,
      never_unlockable: S.arrayOf(S.string),
    }),
  },
  {
    name: EXIT_SUPPORT_MODE,
    title: "Exit support mode",
    description:
      "Leave support mode; only on the user's request. The user types the exit phrase: in a form the client shows, or to you to pass as confirmation.",
    input: z
      .object({
        confirmation: z.string().optional().describe("The exit phrase exactly as the user typed it (ignored where the client can ask the user)"),
      })
      .strict(),
    annotations: SESSION_ONLY,
    output: objectOf({
      state: S.string,
      exit_phrase_required: S.boolean,
      writes_executed: S.integer,
      session_log: S.arrayOf(JOURNAL_ENTRY),
      dropped_entries: S.integer,
      note: S.string,
    }),
  },
];
