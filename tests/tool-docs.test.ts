/**
 * scripts/tool-docs.ts: docs/tools.md is generated from the tool table and checked for drift;
 * a README with the `tools` markers gets the same list, one without them is left alone; the
 * check prints a line on success and names the stale file on failure.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { END, renderToolList, renderToolsDocument, run, START, withReadmeList } from "../scripts/tool-docs.js";
import { ALL_TOOLS } from "../src/tools/index.js";

const dirs: string[] = [];
const tempRoot = () => {
  const d = mkdtempSync(join(tmpdir(), "altr-mcp-tool-docs-"));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("tool docs", () => {
  it("one row per tool, sections per toolset, required parameters in bold; counts agree in number", () => {
    const doc = renderToolsDocument();
    expect(doc.startsWith("# Tools\n")).toBe(true);
    for (const t of ALL_TOOLS) expect(doc).toContain(`| \`${t.name}\` |`);
    expect(doc).toContain(`${ALL_TOOLS.length} tools.`);
    expect(renderToolList(ALL_TOOLS.slice(0, 1)).split("\n")[0]).toBe("1 tool.");
  });

  it("the README list: replaced between the markers, a README without them untouched, half a pair refused", () => {
    expect(withReadmeList("# x\nno markers\n", "LIST")).toBe("# x\nno markers\n");
    expect(withReadmeList(`a\n${START}\nold\n${END}\nb\n`, "LIST")).toBe(`a\n${START}\n\nLIST\n\n${END}\nb\n`);
    expect(() => withReadmeList(`a\n${START}\nold\n`, "LIST")).toThrow("only one of the tools markers");
  });

  it("--check: fails naming the stale file, passes with one line once written; a marker-less README stays as it is", () => {
    const root = tempRoot();
    writeFileSync(join(root, "README.md"), "# altr-mcp\n\nSee docs/tools.md.\n");
    expect(run(true, root)).toEqual({ code: 1, lines: ["Tool list out of date in docs/tools.md: run `npm run docs:tools`."] });
    expect(run(false, root)).toEqual({ code: 0, lines: [`Tool list (${ALL_TOOLS.length} tools): wrote docs/tools.md.`] });
    expect(run(true, root)).toEqual({ code: 0, lines: [`Tool list (${ALL_TOOLS.length} tools): up to date: docs/tools.md.`] });
    expect(readFileSync(join(root, "README.md"), "utf8")).toBe("# altr-mcp\n\nSee docs/tools.md.\n");
    // A hand edit of the generated file is drift.
    writeFileSync(join(root, "docs/tools.md"), readFileSync(join(root, "docs/tools.md"), "utf8").replace("read-only", "read-write"));
    expect(run(true, root).code).toBe(1);
  });

  it("--check: a README whose marked list is stale fails too", () => {
    const root = tempRoot();
    mkdirSync(join(root, "docs"));
    writeFileSync(join(root, "docs/tools.md"), renderToolsDocument());
    writeFileSync(join(root, "README.md"), `# altr-mcp\n${START}\n\n1 tools.\n\n${END}\n`);
    expect(run(true, root).lines).toEqual(["Tool list out of date in README.md: run `npm run docs:tools`."]);
  });
});
