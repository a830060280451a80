/**
 * "Did you mean": the known names closest to a mistyped one (edit distance, case ignored), for
 * unknown tools, toolsets and similar names. fastest-levenshtein computes the distance.
 */
import { distance } from "fastest-levenshtein";

/** Up to `max` known names close to `input`, closest first (none when nothing is close). */
export function closestNames(input: string, known: Iterable<string>, max = 3): string[] {
  const wanted = input.trim().toLowerCase();
  if (!wanted) return [];
  const limit = Math.max(2, Math.floor(wanted.length / 3));
  const scored: { name: string; d: number }[] = [];
  for (const name of new Set(known)) {
    const lower = name.toLowerCase();
    const d = distance(wanted, lower);
    // A name that contains the input (or is contained in it) is close whatever the distance.
    const contained = wanted.length >= 4 && (lower.includes(wanted) || wanted.includes(lower));
    if (d <= limit || contained) scored.push({ name, d: contained ? Math.min(d, limit) : d });
  }
  return scored
    .sort((a, b) => a.d - b.d || a.name.localeCompare(b.name))
    .slice(0, max)
    .map((s) => s.name);
}

/** ` Did you mean a or b?` for the closest known names, or "" when none is close. */
export function didYouMean(input: string, known: Iterable<string>): string {
  const names = closestNames(input, known);
  if (names.length === 0) return "";
  const list = names.length === 1 ? names[0]! : `${names.slice(0, -1).join(", ")} or ${names.at(-1)!}`;
  return ` Did you mean ${list}?`;
}
