/**
 * Which tools a configuration exposes, as pure functions over the tool table.
 *
 * Precedence (documented in the README):
 * 1. ALTR_READ_ONLY=true keeps only tools with readOnlyHint — it beats everything.
 * 2. RESTRICTED_TOOLS hides and blocks the named tools (case-insensitive; pre-rename names
 *    match the renamed tool) — it beats any inclusion.
 * 3. ALTR_TOOLSETS (comma list, `all`, `none`, `default`, `-name` to remove) picks the domains;
 *    empty = the default toolsets. ALTR_TOOLS adds individual tools (names or pre-rename names) on top of them.
 * Pre-rename names stay callable as hidden aliases of enabled tools.
 */
import { z } from "zod";
import type { Tool as McpTool } from "@modelcontextprotocol/sdk/types.js";
import type { JsonSchema } from "../schema/json-schema.js";
import { advertise, tidy } from "./advertise.js";
import { CONFIRM_PARAM, CONFIRM_SCHEMA, needsConfirmation } from "./confirm.js";
import { outputSchemaFor } from "./result.js";
import { TOOLSETS, type Tool, type ToolsetName } from "../tools/define.js";
import { didYouMean } from "../schema/suggest.js";

export interface Selection {
  toolsets: string[];
  /** ALTR_TOOLS: individual tools added to the toolsets (still subject to rules 1 and 2). */
  tools?: string[];
  readOnly: boolean;
  restricted: string[];
}

export interface Selected {
  /** Listed and callable, in table order. */
  enabled: Tool[];
  /** Every callable name (tool names and their aliases) → tool. */
  callable: Map<string, Tool>;
  /** Names of tools the configuration hides, with the reason, for a clear refusal. */
  hidden: Map<string, string>;
}

/** Toolsets on when ALTR_TOOLSETS is empty. */
export const DEFAULT_TOOLSETS: readonly ToolsetName[] = (Object.keys(TOOLSETS) as ToolsetName[]).filter(
  (name) => TOOLSETS[name].default,
);

export class SelectionError extends Error {}

/**
 * ALTR_TOOLSETS / --toolsets: a comma list of toolset names, `all`, `none` and `default` (the
 * default toolsets), each name optionally prefixed `-` (remove) or `+` (add):
 * `default,tokenization`, `default,-sidecar`, `all,-key_management`. Removals apply after
 * additions whatever the order; a list of removals only starts from the defaults. Empty = the
 * defaults. An unknown entry is refused, naming it and the closest toolset.
 */
export function resolveToolsets(requested: string[]): Set<ToolsetName> {
  const entries = requested.flatMap((s) => s.split(",")).map((s) => s.trim().toLowerCase()).filter(Boolean);
  if (entries.length === 0) return new Set(DEFAULT_TOOLSETS);
  const known = Object.keys(TOOLSETS) as ToolsetName[];
  const add = new Set<ToolsetName>();
  const remove = new Set<ToolsetName>();
  let base = false;
  const bad: string[] = [];
  for (const entry of entries) {
    const removal = entry.startsWith("-");
    const name = entry.replace(/^[-+]\s*/, "");
    const group: readonly ToolsetName[] | undefined =
      name === "all" ? known : name === "default" ? DEFAULT_TOOLSETS : name === "none" ? [] : name in TOOLSETS ? [name as ToolsetName] : undefined;
    if (!group || (removal && name === "none")) {
      const hint = didYouMean(name, [...known, "default", "all", "none"]).trim();
      bad.push(hint ? `${entry} (${hint.charAt(0).toLowerCase()}${hint.slice(1)})` : entry);
      continue;
    }
    if (removal) group.forEach((t) => remove.add(t));
    else {
      base = true;
      group.forEach((t) => add.add(t));
    }
  }
  if (bad.length) {
    throw new SelectionError(
      `ALTR_TOOLSETS names unknown toolset(s): ${bad.join(", ")}. Known toolsets: ${known.join(", ")}; ` +
        "also default, all, none, and -name to remove one (e.g. default,tokenization or default,-sidecar).",
    );
  }
  const out = base ? add : new Set(DEFAULT_TOOLSETS);
  for (const t of remove) out.delete(t);
  return out;
}

/** The exact ALTR_TOOLSETS value that turns `toolset` on besides the current selection. */
export function enableSetting(toolset: string, requested: readonly string[]): string {
  const current = requested.flatMap((s) => s.split(",")).map((s) => s.trim()).filter(Boolean);
  const kept = current.filter((e) => e.replace(/^[-+]\s*/, "").toLowerCase() !== toolset);
  const base = kept.length === 0 || kept.every((e) => e.startsWith("-")) ? ["default", ...kept] : kept;
  return `ALTR_TOOLSETS=${[...base.filter((e) => e.toLowerCase() !== "none"), toolset].join(",")}`;
}

export function selectTools(table: readonly Tool[], sel: Selection): Selected {
  const toolsets = resolveToolsets(sel.toolsets);
  const restricted = new Set(sel.restricted.map((s) => s.trim().toLowerCase()).filter(Boolean));
  const extra = new Set((sel.tools ?? []).map((s) => s.trim().toLowerCase()).filter(Boolean));
  const known = new Set(table.flatMap((t) => [t.name, ...t.aliases].map((n) => n.toLowerCase())));
  const unknown = [...extra].filter((n) => !known.has(n));
  if (unknown.length) throw new SelectionError(`ALTR_TOOLS names unknown tool(s): ${unknown.join(", ")}.`);
  const enabled: Tool[] = [];
  const callable = new Map<string, Tool>();
  const hidden = new Map<string, string>();
  for (const tool of table) {
    const names = [tool.name, ...tool.aliases];
    let reason: string | undefined;
    if (sel.readOnly && !tool.annotations.readOnlyHint) reason = "it changes data and ALTR_READ_ONLY is on";
    else if (names.some((n) => restricted.has(n.toLowerCase()))) reason = "it is listed in RESTRICTED_TOOLS";
    else if (!toolsets.has(tool.toolset) && !names.some((n) => extra.has(n.toLowerCase()))) {
      reason = `its toolset "${tool.toolset}" is not enabled (ALTR_TOOLSETS) and ALTR_TOOLS does not name it`;
    }
    if (reason) {
      for (const n of names) hidden.set(n, reason);
      continue;
    }
    enabled.push(tool);
    for (const n of names) callable.set(n, tool);
  }
  return { enabled, callable, hidden };
}

/**
 * The advertised input schema. Unknown top-level parameters are refused at call time with an
 * error naming them, so `additionalProperties: false` is left out of the list to save tokens.
 * Destructive tools and tools that ask get the optional `confirm` parameter while confirmation
 * is on (confirm.ts).
 */
export function inputJsonSchema(tool: Tool, confirmDestructive = true): McpTool["inputSchema"] {
  const schema = advertise(
    tidy(z.toJSONSchema(tool.inputSchema, { io: "input", unrepresentable: "any" })) as JsonSchema,
  );
  if (confirmDestructive && needsConfirmation(tool)) {
    const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
    schema.properties = { ...properties, [CONFIRM_PARAM]: { ...CONFIRM_SCHEMA } };
  }
  return { ...schema, type: "object" } as McpTool["inputSchema"];
}

/**
 * The annotations as advertised: values equal to the MCP defaults are left out (readOnlyHint
 * false, openWorldHint true; destructiveHint and idempotentHint mean nothing on a read-only
 * tool). destructiveHint is always spelled out on tools that change data, true or false, so a
 * client that ignores the defaults still flags every destructive tool.
 */
export function advertisedAnnotations(a: Tool["annotations"]): NonNullable<McpTool["annotations"]> {
  if (a.readOnlyHint) return a.openWorldHint ? { readOnlyHint: true } : { readOnlyHint: true, openWorldHint: false };
  return {
    destructiveHint: a.destructiveHint,
    ...(a.idempotentHint ? { idempotentHint: true } : {}),
    ...(a.openWorldHint ? {} : { openWorldHint: false }),
  };
}

/**
 * The tools/list entry of a tool. Computed once per server: the list never varies per call.
 * `confirmDestructive` is ALTR_CONFIRM_DESTRUCTIVE (default on).
 */
export function describeTool(tool: Tool, confirmDestructive = true): McpTool {
  return {
    name: tool.name,
    description: tool.description,
    inputSchema: inputJsonSchema(tool, confirmDestructive),
    outputSchema: outputSchemaFor(tool.output) as McpTool["outputSchema"],
    annotations: advertisedAnnotations(tool.annotations),
  };
}

/**
 * RESTRICTED_TOOLS entries that name no tool (nor a pre-rename name, nor one of `extra`, e.g. the
 * support-mode tools): a typo there silently restricts nothing, so the server warns about them.
 */
export function unknownRestricted(table: readonly Tool[], restricted: readonly string[], extra: readonly string[] = []): string[] {
  const known = new Set([...table.flatMap((t) => [t.name, ...t.aliases]), ...extra].map((n) => n.toLowerCase()));
  return [...new Set(restricted.map((s) => s.trim()).filter((s) => s && !known.has(s.toLowerCase())))];
}
