// `npm run build`: bundles the CLI with esbuild into dist/cli/ (type checking is `npm run typecheck`)
// and writes the curated OpenAPI documents as JSON to dist/openapi/ for the sandbox (--sandbox),
// which reads them at run time without a YAML parser (JSON parses in milliseconds, YAML in seconds).
//
// One ESM bundle loads much faster than ~100 separate modules (cold start, bench/README.md).
// - dist/cli/main.js stays the entry and `bin`; the HTTP transport (express) and the stdio
//   transport are dynamic imports, so they stay separate chunks loaded only when used: the stdio
//   path never loads express.
// - Every chunk is written to dist/cli/, two levels below the package root like every src/*/*.ts
//   file, so `new URL("../../package.json", import.meta.url)` (start.ts: VERSION) and any other
//   path relative to the package root resolve the same from the bundle as from the sources. The
//   check below refuses a source file deeper than that which uses import.meta.url.
// - Dependencies are bundled; CommonJS ones that call require() get a real `require`.
import { chmodSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { parse } from "yaml";

const root = fileURLToPath(new URL("..", import.meta.url));
const src = join(root, "src");
const out = join(root, "dist");

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else if (p.endsWith(".ts")) yield p;
  }
}
const misplaced = [...files(src)].filter(
  (f) => relative(src, f).split(sep).length !== 2 && readFileSync(f, "utf8").includes("import.meta.url"),
);
if (misplaced.length) {
  console.error(`build: import.meta.url in ${misplaced.join(", ")}: only src/<folder>/<file>.ts keeps its paths in the bundle`);
  process.exit(1);
}

rmSync(out, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: ["src/cli/main.ts"],
  outdir: "dist/cli",
  chunkNames: "[name]-[hash]",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  sourcemap: true,
  legalComments: "linked",
  logLevel: "warning",
  metafile: true,
  minifyWhitespace: true,
  minifySyntax: true,
  banner: { js: 'import { createRequire as __altrCreateRequire } from "node:module"; const require = __altrCreateRequire(import.meta.url);' },
});
chmodSync(join(out, "cli", "main.js"), 0o755);

// The stdio path must not load express: walk the static imports from the entry.
const outputs = result.metafile.outputs;
const seen = new Set();
const walk = (name) => {
  if (seen.has(name)) return;
  seen.add(name);
  for (const i of outputs[name].imports) if (i.kind === "import-statement" && outputs[i.path]) walk(i.path);
};
walk("dist/cli/main.js");
const eager = [...seen].filter((name) => Object.keys(outputs[name].inputs).some((i) => i.includes("node_modules/express/")));
if (eager.length) {
  console.error(`build: express is loaded at start (${eager.join(", ")}): import the HTTP transport dynamically`);
  process.exit(1);
}

// The curated documents, as JSON, for the sandbox.
mkdirSync(join(out, "openapi"), { recursive: true });
for (const file of readdirSync(join(root, "openapi"))) {
  if (!file.endsWith(".yaml")) continue;
  const doc = parse(readFileSync(join(root, "openapi", file), "utf8"));
  const target = join(out, "openapi", file.replace(/\.yaml$/, ".json"));
  writeFileSync(`${target}.tmp`, JSON.stringify(doc));
  renameSync(`${target}.tmp`, target);
}
