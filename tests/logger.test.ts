/** The console log format (src/log/logger.ts): one readable line per pino record. */
import { describe, expect, it } from "vitest";
import { consoleLine } from "../src/log/logger.js";

describe("consoleLine", () => {
  const time = new Date(2026, 0, 2, 3, 4, 5, 67).getTime();

  it("time, level, message and the other fields as JSON on one line", () => {
    const line = consoleLine(JSON.stringify({ level: 30, time, msg: "tool call finished", tool: "get_roles", ms: 3, outcome: "ok" }));
    expect(line).toBe('[03:04:05.067] INFO: tool call finished {"tool":"get_roles","ms":3,"outcome":"ok"}\n');
  });

  it("no fields: no trailing object; multi-line values stay on the line (escaped)", () => {
    expect(consoleLine(JSON.stringify({ level: 40, time, msg: "retrying" }))).toBe("[03:04:05.067] WARN: retrying\n");
    const line = consoleLine(JSON.stringify({ level: 50, time, msg: "tool call failed", stack: "Error: x\n    at y" }));
    expect(line.split("\n")).toHaveLength(2);
    expect(line).toContain('"stack":"Error: x\\n    at y"');
  });
});
