/**
 * The masking levels as the views show them: the server's table (schema/masking-levels.ts, the
 * names the instructions and the masking-levels resource use), plus how much each level reveals,
 * which sets a cell's colour.
 */
import { MASKING_LEVELS } from "../schema/masking-levels.js";

export const LEVELS = MASKING_LEVELS;

/**
 * How much of the value a reader sees: `all` (no mask), `part` (the domain, the last four, or a
 * hash that still lets equal values be matched), `none` (masked, constant or null).
 */
export type Reveal = "all" | "part" | "none" | "unknown";

const PART = new Set([10002, 10003, 10006, 10007, 10008]);

export function revealOf(level: number | null): Reveal {
  if (level === null || !LEVELS.some((l) => l.level === level)) return "unknown";
  if (level === 10000) return "all";
  return PART.has(level) ? "part" : "none";
}

export function levelName(level: number | null): string {
  return LEVELS.find((l) => l.level === level)?.name ?? "unknown level";
}

export const REVEAL_TEXT: Record<Reveal, string> = {
  all: "reveals the value",
  part: "reveals part",
  none: "reveals nothing",
  unknown: "unknown level",
};
