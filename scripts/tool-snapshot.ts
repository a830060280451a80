/**
 * Writes tests/fixtures/tool-list.snapshot.json: the full tool list (every toolset on) as
 * tools/list advertises it — name, description, inputSchema, annotations (no outputSchema; titles
 * are not advertised) — with object keys sorted, so any change shows up as a reviewable diff.
 * tests/tool-list.test.ts fails when the live list differs from it.
 */
import { writeFileSync } from "node:fs";
import { describeTool } from "../src/server/registry.js";
import type { Tool } from "../src/tools/define.js";
import { ALL_TOOLS } from "../src/tools/index.js";

export const SNAPSHOT = new URL("../tests/fixtures/tool-list.snapshot.json", import.meta.url);

/** Object keys sorted recursively; arrays keep their order. */
function sortKeys(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(sortKeys);
  if (node === null || typeof node !== "object") return node;
  return Object.fromEntries(
    Object.keys(node)
      .sort()
      .map((k) => [k, sortKeys((node as Record<string, unknown>)[k])]),
  );
}

/** The tools/list entries of every tool, without outputSchema, in table order. */
export function toolList(tools: readonly Tool[] = ALL_TOOLS): Record<string, unknown>[] {
  return tools.map((t) => {
    const { outputSchema: _output, ...entry } = describeTool(t);
    return entry as Record<string, unknown>;
  });
}

/** The snapshot file's text: per tool name, title, description, inputSchema, annotations. */
export function renderSnapshot(tools: readonly Tool[] = ALL_TOOLS): string {
  const entries = toolList(tools).map(({ name, title, description, inputSchema, annotations }) =>
    sortKeys({ name, title, description, inputSchema, annotations }),
  );
  return `${JSON.stringify(entries, null, 2)}\n`;
}

function main(): void {
  writeFileSync(SNAPSHOT, renderSnapshot());
  console.error(`Wrote ${SNAPSHOT.pathname} (${ALL_TOOLS.length} tools).`);
}

if (import.meta.url === `file://${process.argv[1]}`) main();
