/** A pino logger that writes into memory, for tests that read what was logged. */
import { Writable } from "node:stream";
import pino from "pino";
import type { Logger } from "../../src/log/logger.js";

export interface LogCapture {
  logger: Logger;
  /** Everything logged so far (pino JSON lines). */
  text(): string;
  clear(): void;
}

export function captureLog(level: "debug" | "info"): LogCapture {
  let text = "";
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  return { logger: pino({ level }, sink), text: () => text, clear: () => void (text = "") };
}
