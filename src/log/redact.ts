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

/** `key=value` parts of a connection string whose key names a secret. */
const SECRET_PART = /pass(word|wd)?|pwd|secret|token|credential|api[_-]?key|access[_-]?key|private[_-]?key|account[_-]?key|sig/i;

/**
 * The secret parts of a connection string: each `key=value` (separated by `;`, or by `&`/`?`
 * when there is no `;`, or a newline) whose key names a secret (password, pwd, secret, token, …), quotes and braces
 * removed, and the password of a `scheme://user:password@host` URL; percent-decoded too.
 */
export function connectionSecrets(text: string): string[] {
  const out: string[] = [];
  const add = (v: string) => {
    const raw = v.trim();
    const value = raw.replace(/^(["'{])(.*)(["'}])$/s, "$2");
    if (value.length < 4) return;
    out.push(value);
    // ODBC escapes a quote inside "…" as "" and a brace inside {…} as }}: the password itself too.
    const unescaped = raw.startsWith('"') ? value.replaceAll('""', '"') : raw.startsWith("{") ? value.replaceAll("}}", "}") : value;
    if (unescaped !== value) out.push(unescaped);
    try {
      const decoded = decodeURIComponent(value.replace(/\+/g, " "));
      if (decoded !== value && decoded.length >= 4) out.push(decoded);
    } catch {
      // not percent-encoded
    }
  };
  if (text.includes(";")) {
    // ADO/ODBC style: `key=value;`, a value may be {braced} or "quoted" and then hold `;`.
    for (const m of text.matchAll(/(?:^|[;\n])\s*([^=;\n]+?)\s*=\s*(\{(?:[^}]|\}\})*\}|"(?:[^"]|"")*"|'[^']*'|[^;\n]*)/g)) {
      if (SECRET_PART.test(m[1]!)) add(m[2]!);
    }
  } else {
    // URL query style: `key=value&key=value`.
    for (const part of text.split(/[&?\n]/)) {
      const eq = part.indexOf("=");
      if (eq > 0 && SECRET_PART.test(part.slice(0, eq))) add(part.slice(eq + 1));
    }
  }
  for (const m of text.matchAll(/:\/\/[^:/@\s]*:([^@\s]+)@/g)) add(m[1]!);
  return out;
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
      // A connection string's password can come back on its own ("… password ConnPw9z …").
      if (typeof value === "string") for (const part of connectionSecrets(value)) into.add(part);
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

/** Shortest base64 fragment scrubbed: shorter ones would match ordinary text. */
const MIN_BASE64_CORE = 6;

/**
 * The base64 (and base64url) text of `secret` wherever it sits in a larger encoded value (e.g.
 * `Basic base64(key:secret)`): for each of the three byte alignments, the characters that encode
 * only the secret's own bytes. The full standalone encoding is included.
 */
function base64Forms(secret: string): string[] {
  const bytes = Buffer.from(secret, "utf8");
  const forms = [bytes.toString("base64"), bytes.toString("base64url")];
  for (const skip of [0, 1, 2]) {
    const whole = Math.floor((bytes.length - skip) / 3) * 3;
    if (whole <= 0) continue;
    const core = bytes.subarray(skip, skip + whole).toString("base64");
    if (core.length >= MIN_BASE64_CORE) forms.push(core, core.replace(/\+/g, "-").replace(/\//g, "_"));
  }
  return forms;
}

const attempt = (f: () => string): string => {
  try {
    return f();
  } catch {
    return "";
  }
};

/** JSON string escaping with every non-ASCII character as \uXXXX (Python's default). */
const asciiJson = (s: string): string =>
  JSON.stringify(s)
    .slice(1, -1)
    .replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);

/**
 * The forms a secret can come back in: as is, percent-encoded (URL and form encoding, `+` for a
 * space), base64 and base64url (also inside a larger encoded value), JSON-escaped (once, twice,
 * and with \u escapes). Matching is case-insensitive, so upper- or lower-cased echoes go too.
 */
export function secretForms(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  // A lone surrogate cannot be percent-encoded (URIError): such a secret has no encoded form.
  const encoded = attempt(() => encodeURIComponent(secret));
  const forms = new Set([
    secret,
    encoded,
    encoded.replace(/%20/g, "+"),
    new URLSearchParams({ s: secret }).toString().slice(2),
    attempt(() => encodeURI(secret)),
    json,
    JSON.stringify(json).slice(1, -1),
    asciiJson(secret),
    ...base64Forms(secret),
  ]);
  return [...forms].filter((f) => f.length >= 4);
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** A matcher for every form of every secret (longest first), or undefined when there are none. */
export function secretPattern(secrets: Iterable<string>): RegExp | undefined {
  const forms = new Set<string>();
  for (const s of secrets) if (s) for (const f of secretForms(s)) forms.add(f);
  if (forms.size === 0) return undefined;
  const sorted = [...forms].sort((a, b) => b.length - a.length).map(escapeRegExp);
  return new RegExp(sorted.join("|"), "giu");
}

/** Replaces every occurrence of each secret, in any of its derived forms, in `text`. */
export function scrub(text: string, secrets: Iterable<string> | RegExp | undefined): string {
  const pattern = secrets instanceof RegExp || secrets === undefined ? secrets : secretPattern(secrets);
  return pattern ? text.replace(pattern, REDACTED) : text;
}

/** `value` with every string (and object key) scrubbed; unchanged values are returned as they are. */
export function scrubDeep(value: unknown, pattern: RegExp | undefined): unknown {
  if (!pattern) return value;
  if (typeof value === "string") return scrub(value, pattern);
  if (Array.isArray(value)) return value.map((v) => scrubDeep(v, pattern));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[scrub(k, pattern)] = scrubDeep(v, pattern);
    return out;
  }
  return value;
}
