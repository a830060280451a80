/**
 * What may be said about a tool call's arguments. Values of sensitive arguments — those a tool
 * declares, and any whose name looks like a credential — are replaced by a marker before
 * anything is logged, and their literal values are scrubbed from error text.
 */
export const REDACTED = "[REDACTED]";

const SENSITIVE_NAME = /pass(word)?|secret|token|credential|api[_-]?key|private[_-]?key|connection[_-]?string|authorization/i;

export function isSensitiveName(name: string): boolean {
  return SENSITIVE_NAME.test(name);
}

/** Arguments as they may appear in logs: sensitive values replaced, long strings shortened. */
export function redactArgs(args: unknown, sensitive: ReadonlySet<string>): unknown {
  return walk(args, sensitive, false);
}

function walk(value: unknown, sensitive: ReadonlySet<string>, hidden: boolean): unknown {
  if (hidden) return REDACTED;
  if (Array.isArray(value)) return value.map((v) => walk(v, sensitive, false));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = walk(v, sensitive, sensitive.has(k) || isSensitiveName(k));
    }
    return out;
  }
  if (typeof value === "string" && value.length > 200) return `${value.slice(0, 200)}…`;
  return value;
}

/** Every string value found under sensitive keys, for scrubbing them out of free text. */
export function collectSecrets(args: unknown, sensitive: ReadonlySet<string>, into: Set<string> = new Set()): Set<string> {
  const visit = (value: unknown, hidden: boolean): void => {
    if (Array.isArray(value)) {
      for (const v of value) visit(v, hidden);
    } else if (value !== null && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) visit(v, hidden || sensitive.has(k) || isSensitiveName(k));
    } else if (hidden && (typeof value === "string" || typeof value === "number")) {
      const s = String(value);
      if (s.length >= 4) into.add(s);
      // A sensitive object given as a JSON string (input.jsonOr) is sent re-serialised, so its
      // values can come back one by one in ALTR's error text: collect them too.
      if (typeof value === "string" && /^\s*[[{]/.test(value)) {
        try {
          visit(JSON.parse(value) as unknown, true);
        } catch {
          // not JSON: the string itself is collected above
        }
      }
    }
  };
  visit(args, false);
  return into;
}

/** Replaces every occurrence of each secret (and its percent-encoded form) in `text`. */
export function scrub(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const s of secrets) {
    if (!s) continue;
    for (const form of new Set([s, encodeURIComponent(s), JSON.stringify(s).slice(1, -1)])) {
      out = out.split(form).join(REDACTED);
    }
  }
  return out;
}
