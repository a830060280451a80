/**
 * pino on stderr (stdout belongs to the stdio transport). `console` is a readable single-line
 * format (`[HH:MM:ss.mmm] LEVEL: message {fields}`, formatted here: pino-pretty's module tree
 * cost more start-up time than the rest of the logger), `json` one object per line with the
 * level by name (`"level":"warn"`), as log collectors expect. Secrets are kept out by construction — tool arguments are
 * only ever logged through `redactArgs` — and pino's own `redact` is a second net for the
 * well-known paths.
 */
import pino, { type Logger } from "pino";
import type { LogLevel } from "../config/index.js";

export type { Logger };

export const REDACT_PATHS = [
  "password",
  "*.password",
  "secret",
  "*.secret",
  "authorization",
  "*.authorization",
  "headers.authorization",
  "mapiSecret",
  "*.mapiSecret",
];

export function createLogger(opts: { format: "console" | "json"; level: LogLevel }): Logger {
  const base = {
    level: opts.level,
    base: undefined,
    redact: { paths: REDACT_PATHS, censor: "[REDACTED]" },
  };
  if (opts.format === "json") {
    return pino(
      { ...base, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label: string) => ({ level: label }) } },
      pino.destination({ fd: 2, sync: true }),
    );
  }
  const stderr = pino.destination({ fd: 2, sync: true });
  return pino(base, { write: (line: string) => stderr.write(consoleLine(line)) });
}

const LABELS: Readonly<Record<number, string>> = { 10: "TRACE", 20: "DEBUG", 30: "INFO", 40: "WARN", 50: "ERROR", 60: "FATAL" };
const two = (n: number): string => String(n).padStart(2, "0");

/** One pino JSON line as `[HH:MM:ss.mmm] LEVEL: message {other fields}` (local time). */
export function consoleLine(json: string): string {
  const { level, time, msg, ...fields } = JSON.parse(json) as { level: number; time: number; msg?: string } & Record<string, unknown>;
  const t = new Date(time);
  const stamp = `${two(t.getHours())}:${two(t.getMinutes())}:${two(t.getSeconds())}.${String(t.getMilliseconds()).padStart(3, "0")}`;
  const rest = Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : "";
  return `[${stamp}] ${LABELS[level] ?? String(level)}: ${msg ?? ""}${rest}\n`;
}

/**
 * The last line a command prints before it exits on an error (no logger may exist yet: the
 * settings may be what failed): `ERROR: message`, or one JSON log record under LOG_FORMAT=json.
 */
export function errorLine(message: string, format: string | undefined, level: "error" | "fatal" = "fatal"): string {
  if ((format ?? "").trim().toLowerCase() === "json") {
    return `${JSON.stringify({ level, time: new Date().toISOString(), msg: message })}\n`;
  }
  return `ERROR: ${message}\n`;
}

/** A logger that writes nothing (tests, library use). */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
