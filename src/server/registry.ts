/**
 * Which tools a configuration exposes, as pure functions over the tool table.
 *
 * Precedence (documented in the README):
 * 1. ALTR_READ_ONLY=true keeps only tools with readOnlyHint — it beats everything.
 * 2. RESTRICTED_TOOLS hides and blocks the named tools (case-insensitive; pre-rename names
 *    match the renamed tool) — it beats any inclusion.
 * 3. ALTR_TOOLSETS (comma list, or `all`) picks the domains; empty = the default toolsets.
 * Pre-rename names stay callable as hidden aliases of enabled tools.
 */
import { z } from "zod";
import type { Tool as McpTool } from "@modelcontextprotocol/sdk/types.js";
import type { JsonSchema } from "../schema/json-schema.js";
import { CONFIRM_PARAM, CONFIRM_SCHEMA } from "./confirm.js";
import { outputSchemaFor } from "./result.js";
import { TOOLSETS, type Tool, type ToolsetName } from "../tools/define.js";

export interface Selection {
  toolsets: string[];
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

export function resolveToolsets(requested: string[]): Set<ToolsetName> {
  const names = requested.map((s) => s.trim().toLowerCase()).filter(Boolean);
  if (names.length === 0) return new Set(DEFAULT_TOOLSETS);
  if (names.includes("all")) return new Set(Object.keys(TOOLSETS) as ToolsetName[]);
  const unknown = names.filter((n) => !(n in TOOLSETS));
  if (unknown.length) {
    throw new SelectionError(
      `ALTR_TOOLSETS names unknown toolset(s): ${unknown.join(", ")}. Known: ${Object.keys(TOOLSETS).join(", ")}, all.`,
    );
  }
  return new Set(names as ToolsetName[]);
}

export function selectTools(table: readonly Tool[], sel: Selection): Selected {
  const toolsets = resolveToolsets(sel.toolsets);
  const restricted = new Set(sel.restricted.map((s) => s.trim().toLowerCase()).filter(Boolean));
  const enabled: Tool[] = [];
  const callable = new Map<string, Tool>();
  const hidden = new Map<string, string>();
  for (const tool of table) {
    const names = [tool.name, ...tool.aliases];
    let reason: string | undefined;
    if (sel.readOnly && !tool.annotations.readOnlyHint) reason = "it changes data and ALTR_READ_ONLY is on";
    else if (names.some((n) => restricted.has(n.toLowerCase()))) reason = "it is listed in RESTRICTED_TOOLS";
    else if (!toolsets.has(tool.toolset)) reason = `its toolset "${tool.toolset}" is not enabled (ALTR_TOOLSETS)`;
    if (reason) {
      for (const n of names) hidden.set(n, reason);
      continue;
    }
    enabled.push(tool);
    for (const n of names) callable.set(n, tool);
  }
  return { enabled, callable, hidden };
}

const SAFE_INT = 9007199254740991;

/**
 * Drops what costs tokens and tells the model nothing: zod's safe-integer bounds, `$schema`,
 * and `minLength: 1` (blank strings are still refused by validation, with a clear error).
 */
function tidy(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(tidy);
  if (node === null || typeof node !== "object") return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === "$schema") continue;
    if ((k === "minimum" && v === -SAFE_INT) || (k === "maximum" && v === SAFE_INT)) continue;
    if (k === "minLength" && v === 1) continue;
    out[k] = tidy(v);
  }
  return out;
}

/**
 * The advertised input schema. Unknown top-level parameters are refused at call time with an
 * error naming them, so `additionalProperties: false` is left out of the list to save tokens.
 * Destructive tools get the optional `confirm` parameter while confirmation is on (confirm.ts).
 */
export function inputJsonSchema(tool: Tool, confirmDestructive = true): McpTool["inputSchema"] {
  const { additionalProperties: _strict, ...schema } = tidy(
    z.toJSONSchema(tool.inputSchema, { io: "input", unrepresentable: "any" }),
  ) as JsonSchema;
  if (confirmDestructive && tool.annotations.destructiveHint) {
    const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
    schema.properties = { ...properties, [CONFIRM_PARAM]: { ...CONFIRM_SCHEMA } };
  }
  return { ...schema, type: "object" } as McpTool["inputSchema"];
}

/**
 * The tools/list entry of a tool. Computed once per server: the list never varies per call.
 * `confirmDestructive` is ALTR_CONFIRM_DESTRUCTIVE (default on).
 */
export function describeTool(tool: Tool, confirmDestructive = true): McpTool {
  return {
    name: tool.name,
    title: tool.title,
    description: tool.description,
    inputSchema: inputJsonSchema(tool, confirmDestructive),
    outputSchema: outputSchemaFor(tool.output) as McpTool["outputSchema"],
    // `title` is top-level (MCP 2025-06-18); repeating it in annotations would only cost tokens.
    annotations: { ...tool.annotations },
  };
}
