/**
 * The masking levels as the views show them: the same names as the server's table
 * (src/server/guidance.ts MASKING_LEVELS; tests/views.test.ts proves they are equal), plus how
 * much each level reveals, which sets a cell's colour. Kept here rather than imported so the view
 * bundle carries no server code.
 */
export const LEVELS: readonly { level: number; name: string }[] = [
  { level: 10000, name: "no mask" },
  { level: 10001, name: "full mask" },
  { level: 10002, name: "email" },
  { level: 10003, name: "show last four" },
  { level: 10004, name: "constant" },
  { level: 10005, name: "null" },
  { level: 10006, name: "full-mask hash" },
  { level: 10007, name: "email hash" },
  { level: 10008, name: "last-four hash" },
  { level: 10009, name: "constant date" },
];

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
