/**
 * The test scripts: `npm run test:fast` leaves out only the slow suites it names (each of which
 * exists, so a rename cannot quietly drop a suite from the fast loop's exclusions while `npm test`
 * keeps it), and `npm test` — what CI runs — still runs every test file.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SLOW } from "../vitest.fast.config.js";

const ROOT = new URL("..", import.meta.url).pathname;
const { scripts } = JSON.parse(readFileSync(`${ROOT}package.json`, "utf8")) as { scripts: Record<string, string> };

describe("test scripts", () => {
  it("test:fast builds, then runs everything but the named slow suites", () => {
    expect(scripts["test:fast"]).toBe("npm run build && vitest run --config vitest.fast.config.ts");
    for (const file of SLOW) expect(existsSync(`${ROOT}${file}`), file).toBe(true);
    const all = readdirSync(`${ROOT}tests`).filter((f) => f.endsWith(".test.ts"));
    expect(all.length - SLOW.length).toBeGreaterThan(30);
  });

  it("npm test (CI) keeps every suite: the default config, Pact on its own after the rest", () => {
    expect(scripts.test).not.toContain("fast");
    expect(scripts.test).toMatch(/vitest run --exclude tests\/pact\.test\.ts && vitest run tests\/pact\.test\.ts$/);
    expect(readFileSync(`${ROOT}.ci/run`, "utf8")).toMatch(/^npm test$/m);
  });
});
