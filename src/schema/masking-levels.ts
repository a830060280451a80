/**
 * Masking levels of policy rules (`masking_policy`): the one table of their numbers, codes and
 * names, read by the rule tools, the server's instructions and masking-levels resource
 * (server/guidance.ts) and the masking matrix view (views/levels.ts), which runs in the browser
 * and so may import nothing heavier.
 */

export interface MaskingLevel {
  /** The number ALTR stores (10000–10009). */
  level: number;
  /** The name a caller may give instead of the number (case-insensitive). */
  code: string;
  /** What the rule's role sees, in words. */
  name: string;
}

export const MASKING_LEVELS: readonly MaskingLevel[] = [
  { level: 10000, code: "NO_MASK", name: "no mask" },
  { level: 10001, code: "FULL_MASK", name: "full mask" },
  { level: 10002, code: "EMAIL", name: "email" },
  { level: 10003, code: "SHOW_LAST_FOUR", name: "show last four" },
  { level: 10004, code: "CONSTANT", name: "constant" },
  { level: 10005, code: "NULL", name: "null" },
  { level: 10006, code: "FULL_MASK_HASH", name: "full-mask hash" },
  { level: 10007, code: "EMAIL_HASH", name: "email hash" },
  { level: 10008, code: "LAST_FOUR_HASH", name: "last-four hash" },
  { level: 10009, code: "CONSTANT_DATE", name: "constant date" },
];

export const MIN_LEVEL = MASKING_LEVELS[0]!.level;
export const MAX_LEVEL = MASKING_LEVELS[MASKING_LEVELS.length - 1]!.level;

const BY_CODE = new Map(MASKING_LEVELS.map((m) => [m.code, m.level]));
const BY_LEVEL = new Map(MASKING_LEVELS.map((m) => [m.level, m.code]));

/** The level a name stands for ("show_last_four", "SHOW LAST FOUR" → 10003); undefined if none. */
export function levelByName(name: string): number | undefined {
  return BY_CODE.get(name.trim().toUpperCase().replace(/[\s-]+/g, "_"));
}

/** The level's name (10003 or "10003" → "SHOW_LAST_FOUR"); null when it is not a known level. */
export function levelName(level: unknown): string | null {
  return BY_LEVEL.get(Number(level)) ?? null;
}

/** "10000 NO_MASK, 10001 FULL_MASK, …" — once per description. */
export const LEVEL_LIST = MASKING_LEVELS.map((m) => `${m.level} ${m.code}`).join(", ");
