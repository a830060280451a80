/**
 * Confirmation of destructive calls (tools with destructiveHint), one mechanism for every tool:
 * - the client can show a form (elicitation): the user is asked with a one-line summary, and
 *   the call runs only on accept; decline/cancel returns a non-error "nothing was changed";
 * - otherwise the call must carry `confirm: true` (advertised on destructive tools only), or it
 *   fails with an error saying how to confirm. Where a form can be shown the user is asked even
 *   with `confirm: true`: the model cannot confirm on the user's behalf.
 * Tools that are not destructive but expose protected data or grant access to it (ToolSpec.asks:
 * add_rules when a rule reveals more than today, approve_access_request, the detokenize tools)
 * go through the same gate; their annotations stay truthful and their descriptions say why.
 * ALTR_CONFIRM_DESTRUCTIVE=false turns all of it off (upstream behaviour, for automation).
 */
import { redactArgs } from "../log/redact.js";
import { InputError, type Gate, type Tool } from "../tools/define.js";
import { clean } from "./result.js";

export const CONFIRM_PARAM = "confirm";

/** Whether calls of `tool` go through the confirmation gate (while confirmation is on). */
export function needsConfirmation(tool: Tool): boolean {
  return tool.annotations.destructiveHint || tool.asks;
}

/**
 * The advertised `confirm` parameter of destructive tools and of tools that ask. No description:
 * the server instructions and the refusal of an unconfirmed call say what it means, and 39 copies
 * of one would cost the tool list over a kilobyte.
 */
export const CONFIRM_SCHEMA = { type: "boolean" } as const;

/** Thrown by the gate when the user declined or cancelled: the call ends, nothing sent. */
export class NotConfirmed extends Error {
  constructor(readonly action: "decline" | "cancel") {
    super(`confirmation ${action}`);
    this.name = "NotConfirmed";
  }
}

/** Asks the user a yes/no question; resolves to the user's action. */
export type Ask = (message: string) => Promise<"accept" | "decline" | "cancel">;

/** The `data` of a declined or cancelled destructive call (documented in the README). */
export function notConfirmedData(tool: Tool, action: "decline" | "cancel"): Record<string, unknown> {
  return {
    confirmed: false,
    changed: false,
    message: `The user ${action === "decline" ? "declined" : "cancelled"} "${tool.title}": nothing was changed in ALTR.`,
  };
}

const MAX_VALUE = 60;
const MAX_LINE = 300;

function short(value: string): string {
  const one = clean(value).replace(/\s+/g, " ").trim();
  return one.length > MAX_VALUE ? `${one.slice(0, MAX_VALUE)}…` : one;
}

/**
 * One line naming what the call changes, from the title and the validated arguments: scalars
 * as name=value, lists as a count, objects left out; then what the tool's look-up found (its
 * `impact`, e.g. "2 rules go with it"). Sensitive values stay redacted; customer
 * text is cleaned of invisible and bidi control characters so the line reads as it is.
 */
export function confirmationSummary(tool: Tool, args: Record<string, unknown>, impact?: string): string {
  const redacted = redactArgs(args, tool.sensitive) as Record<string, unknown>;
  const parts: string[] = [];
  for (const [key, value] of Object.entries(args)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) parts.push(`${key}=${value.length} item${value.length === 1 ? "" : "s"}`);
    else if (typeof value !== "object") parts.push(`${key}=${short(String(redacted[key]))}`);
  }
  let line = `${tool.title}${parts.length ? `: ${parts.join(", ")}` : ""}`;
  if (impact) line += ` — ${clean(impact).replace(/\s+/g, " ").trim()}`;
  if (line.length > MAX_LINE) line = `${line.slice(0, MAX_LINE)}…`;
  return `${line}?`;
}

/**
 * Takes `confirm` out of the raw arguments of a tool that asks (the tool's own strict schema
 * does not know it). Other tools keep it, so it is refused as an unknown parameter.
 */
export function takeConfirm(tool: Tool, raw: unknown): { args: unknown; confirm: boolean } {
  if (!needsConfirmation(tool) || raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    return { args: raw, confirm: false };
  }
  const { [CONFIRM_PARAM]: confirm, ...rest } = raw as Record<string, unknown>;
  if (confirm !== undefined && confirm !== null && typeof confirm !== "boolean") {
    throw new InputError(`Invalid arguments: ${CONFIRM_PARAM}: must be true or false`, [CONFIRM_PARAM]);
  }
  return { args: rest, confirm: confirm === true };
}

/**
 * The gate of a call that needs confirmation and was not sent with `confirm: true`: asks the
 * user when the client can show a form, else refuses with how to confirm.
 */
export function confirmationGate(tool: Tool, ask: Ask | undefined): Gate {
  return async (args, impact) => {
    const sent = impact ? "read" : "nothing";
    const summary = confirmationSummary(tool, args, impact ? await impact().catch(() => undefined) : undefined);
    if (!ask) {
      throw new InputError(
        `${CONFIRM_PARAM}: required — ${tool.name} ${tool.annotations.destructiveHint ? "is destructive" : "needs the user's confirmation"} (${summary.slice(0, -1)}). ` +
          `Ask the user to confirm, then call it again with ${CONFIRM_PARAM}: true`,
        [CONFIRM_PARAM],
        sent,
      );
    }
    let action: "accept" | "decline" | "cancel";
    try {
      action = await ask(summary);
    } catch (err) {
      throw new InputError(
        `${CONFIRM_PARAM}: the user could not be asked to confirm (${err instanceof Error ? short(err.message) : "error"}). ` +
          `Ask the user, then call ${tool.name} again with ${CONFIRM_PARAM}: true`,
        [CONFIRM_PARAM],
        sent,
      );
    }
    if (action !== "accept") throw new NotConfirmed(action);
  };
}
