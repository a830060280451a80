/**
 * pino on stderr (stdout belongs to the stdio transport). `console` is a readable single-line
 * format, `json` one object per line. Secrets are kept out by construction — tool arguments are
 * only ever logged through `redactArgs` — and pino's own `redact` is a second net for the
 * well-known paths.
 */
import pino, { type Logger } from "pino";
import pretty from "pino-pretty";
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
    return pino({ ...base, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ fd: 2, sync: true }));
  }
  const stream = pretty({
    destination: 2,
    sync: true,
    colorize: false,
    singleLine: true,
    translateTime: "SYS:HH:MM:ss.l",
    ignore: "pid,hostname",
  });
  return pino(base, stream);
}

/** A logger that writes nothing (tests, library use). */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
