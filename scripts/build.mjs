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
// - Dependencies are bundled (the package has no runtime dependencies to install); CommonJS ones
//   that call require() get a real `require`. Their licences are collected into
//   dist/THIRD_PARTY_LICENSES.txt, which ships with the package.
// - dist/cli/tool-list-{confirm,plain}.json: every tool's tools/list entry (describeTool, with and
//   without the `confirm` parameter), computed here by the same code so that start-up need not turn 156 zod
//   schemas into JSON Schemas (server.ts; tests/tool-list-prebuilt.test.ts checks it is identical).
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { parse } from "yaml";
import { buildViews } from "./build-views.mjs";

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

const REQUIRE_BANNER = 'import { createRequire as __altrCreateRequire } from "node:module"; const require = __altrCreateRequire(import.meta.url);';

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
  banner: { js: REQUIRE_BANNER },
});
chmodSync(join(out, "cli", "main.js"), 0o755);

// The prebuilt tool list: a throw-away bundle that prints describeTool for every tool.
const generator = join(out, "cli", ".tool-list.mjs");
await build({
  absWorkingDir: root,
  stdin: {
    contents: `import { ALL_TOOLS } from "./src/tools/index.ts";
import { describeTool } from "./src/server/registry.ts";
process.stdout.write(JSON.stringify({ confirm: ALL_TOOLS.map((t) => describeTool(t, true)), plain: ALL_TOOLS.map((t) => describeTool(t, false)) }));`,
    resolveDir: root,
    loader: "ts",
  },
  outfile: generator,
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  logLevel: "warning",
  banner: { js: REQUIRE_BANNER },
});
const listed = spawnSync(process.execPath, [generator], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
rmSync(generator);
if (listed.status !== 0) {
  console.error(`build: computing the tool list failed:\n${listed.stderr}`);
  process.exit(1);
}
const lists = JSON.parse(listed.stdout);
for (const variant of ["confirm", "plain"]) writeFileSync(join(out, "cli", `tool-list-${variant}.json`), JSON.stringify(lists[variant]));

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

// The MCP Apps views: one self-contained HTML file each, dist/views/*.html (build-views.mjs).
await buildViews(join(out, "views"));

// The curated documents, as JSON, for the sandbox.
mkdirSync(join(out, "openapi"), { recursive: true });
for (const file of readdirSync(join(root, "openapi"))) {
  if (!file.endsWith(".yaml")) continue;
  const doc = parse(readFileSync(join(root, "openapi", file), "utf8"));
  const target = join(out, "openapi", file.replace(/\.yaml$/, ".json"));
  writeFileSync(`${target}.tmp`, JSON.stringify(doc));
  renameSync(`${target}.tmp`, target);
}

// Licences of every package the bundle contains (from esbuild's metafile), shipped with it.
const bundled = new Map();
for (const output of Object.values(result.metafile.outputs)) {
  for (const input of Object.keys(output.inputs)) {
    const m = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (!m) continue;
    const dir = join(root, input.slice(0, input.lastIndexOf(`node_modules/${m[1]}/`) + `node_modules/${m[1]}`.length));
    if (!bundled.has(dir)) bundled.set(dir, m[1]);
  }
}
const notices = [...bundled]
  .map(([dir, name]) => {
    const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    const licenseFile = readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f));
    const text = licenseFile ? readFileSync(join(dir, licenseFile), "utf8").trim() : `License: ${manifest.license ?? "see the package"}`;
    return { id: `${name}@${manifest.version}`, license: manifest.license ?? "", text };
  })
  .sort((a, b) => a.id.localeCompare(b.id));
const missing = notices.filter((n) => !n.license);
if (missing.length) {
  console.error(`build: no licence declared by ${missing.map((n) => n.id).join(", ")}`);
  process.exit(1);
}
writeFileSync(
  join(out, "THIRD_PARTY_LICENSES.txt"),
  `altr-mcp bundles the following packages; their licences follow.\n\n${notices
    .map((n) => `${"=".repeat(72)}\n${n.id} (${n.license})\n${"=".repeat(72)}\n${n.text}\n`)
    .join("\n")}`,
);
