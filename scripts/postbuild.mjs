// After `tsc`: marks the CLI entry executable (npm also does this for `bin` on install), and
// writes the curated OpenAPI documents as JSON to dist/openapi/ for the sandbox (--sandbox), which
// reads them at run time without a YAML parser (JSON parses in milliseconds, YAML in seconds).
import { chmodSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { parse } from "yaml";

chmodSync(new URL("../dist/cli/main.js", import.meta.url), 0o755);

const out = new URL("../dist/openapi/", import.meta.url);
mkdirSync(out, { recursive: true });
for (const file of readdirSync(new URL("../openapi/", import.meta.url))) {
  if (!file.endsWith(".yaml")) continue;
  const doc = parse(readFileSync(new URL(`../openapi/${file}`, import.meta.url), "utf8"));
  const target = new URL(file.replace(/\.yaml$/, ".json"), out);
  writeFileSync(new URL(`${target.href}.tmp`), JSON.stringify(doc));
  renameSync(new URL(`${target.href}.tmp`), target);
}
