/**
 * Dependencies point one way — cli → transports → server → tools → altr → config/log →
 * generated → schema — and the stdio path never loads Express. Checked on the source's static
 * imports (dynamic `import()` is how the CLI loads HTTP only when asked).
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = resolve(new URL("../src", import.meta.url).pathname);
const RANK: Record<string, number> = {
  schema: 0,
  // The MCP Apps views run in the client's browser: they import nothing of the server.
  views: 0,
  generated: 1,
  config: 2,
  log: 2,
  altr: 3,
  sandbox: 3,
  tools: 4,
  server: 5,
  transports: 6,
  cli: 7,
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : [];
  });
}

/** Static imports of a file: `import … from "x"` and `export … from "x"`, not `import("x")`. */
function staticImports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"/gms)].map((m) => m[1]!);
}

const layer = (file: string) => relative(SRC, file).split("/")[0]!;

describe("architecture", () => {
  const all = files(SRC);

  it("every source folder has a rank", () => {
    for (const f of all) expect(RANK[layer(f)], relative(SRC, f)).toBeDefined();
  });

  it("imports only point down the layers", () => {
    const bad: string[] = [];
    for (const f of all) {
      for (const spec of staticImports(f)) {
        if (!spec.startsWith(".")) continue;
        const target = resolve(dirname(f), spec.replace(/\.js$/, ".ts"));
        if (RANK[layer(target)]! > RANK[layer(f)]!) bad.push(`${relative(SRC, f)} → ${relative(SRC, target)}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it("the stdio path (cli/main.ts, statically) never reaches express or the HTTP transport", () => {
    const seen = new Set<string>();
    const packages = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const spec of staticImports(file)) {
        if (spec.startsWith(".")) visit(resolve(dirname(file), spec.replace(/\.js$/, ".ts")));
        else packages.add(spec);
      }
    };
    visit(join(SRC, "cli", "main.ts"));
    expect([...seen].map((f) => relative(SRC, f))).not.toContain("transports/http.ts");
    expect([...packages].filter((p) => p === "express" || p.includes("streamableHttp") || p.includes("/sse"))).toEqual([]);
  });
});
