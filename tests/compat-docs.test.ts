/**
 * docs/compatibility.md: its generated part is what scripts/compat-docs.ts renders from the
 * curated documents' provenance entries (so `npm run docs:check` passes), the hand-written rest
 * survives regeneration, and a new entry in a document reaches the page.
 */
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { END, renderCompat, START, updatePage } from "../scripts/compat-docs.js";
import { CURATED_DIR, ROOT } from "./helpers/altr-alignment.js";

const page = readFileSync(join(ROOT, "docs/compatibility.md"), "utf8");
const generated = renderCompat();
const tmp = mkdtempSync(join(tmpdir(), "altr-compat-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("docs/compatibility.md", () => {
  it("is up to date with the documents (npm run docs:compat)", () => {
    expect(updatePage(page, generated)).toBe(page);
  });

  it("lists every difference of ours and every place we follow ALTR against the upstream", () => {
    const entries = readdirSync(CURATED_DIR)
      .filter((f) => f.endsWith(".yaml"))
      .flatMap((f) => [...readFileSync(join(CURATED_DIR, f), "utf8").matchAll(/- what: "([^"]+)"\n\s+ours: "[^"]*"\n\s+(theirs|upstream): "[^"]*"(?:\n\s+basis: (\S+))?/g)])
      .filter((m) => m[2] === "upstream" || m[3] === "altr-mcp");
    expect(entries.length).toBeGreaterThan(5);
    for (const m of entries) expect(generated, m[1]).toContain(`${m[1]}`);
  });

  it("keeps hand-written text outside the markers, byte for byte", () => {
    const hand = `# Title\n\nA hand-written line | with a pipe.\n\n${START}\nstale\n${END}\n\n## After\n- kept\n`;
    const next = updatePage(hand, generated);
    expect(next.startsWith("# Title\n\nA hand-written line | with a pipe.\n\n")).toBe(true);
    expect(next.endsWith("\n\n## After\n- kept\n")).toBe(true);
    expect(next).not.toContain("stale");
    expect(updatePage(next, generated)).toBe(next);
  });

  it("refuses a page without exactly one pair of markers", () => {
    expect(() => updatePage("# no markers\n", generated)).toThrow(/markers/);
    expect(() => updatePage(`${START}\n${END}\n${START}\n${END}\n`, generated)).toThrow(/markers/);
    expect(() => updatePage(`${END}\n${START}\n`, generated)).toThrow(/markers/);
  });

  it("a new difference recorded in a document reaches the page", () => {
    for (const f of readdirSync(CURATED_DIR).filter((x) => x.endsWith(".yaml"))) copyFileSync(join(CURATED_DIR, f), join(tmp, f));
    const file = join(tmp, "service-user.yaml");
    const text = readFileSync(file, "utf8");
    const entry = `      x-altr-differences:\n        - what: "rule: canary"\n          ours: "refuses canaries"\n          theirs: "not stated"\n          basis: altr-mcp\n          why: "Because the test says so."\n`;
    writeFileSync(file, text.replace(/(      operationId: listSnowflakeServiceUsers\n(?:        .*\n|      x-altr-source:\n)*)/, `$1${entry}`));
    const rendered = renderCompat(pathToFileURL(`${tmp}/`));
    expect(rendered).toContain("`get_service_users` (`service-user listSnowflakeServiceUsers`): **rule: canary** — ours: refuses canaries; ALTR's document: not stated. Because the test says so.");
    expect(generated).not.toContain("canary");
  });
});
