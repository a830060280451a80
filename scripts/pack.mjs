// `npm pack` / `npm publish` hooks. `before` (prepack): refuses to pack without a build, and
// writes npm-shrinkwrap.json — package-lock.json without the devDependencies — so `npx altr-mcp`
// installs exactly the dependency tree the tests ran with (npm's recommendation for command-line
// tools). `after` (postpack): removes it again; in the repository package-lock.json is the lock
// (npm ci would prefer a shrinkwrap, so it must not stay behind).
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";

const root = new URL("../", import.meta.url);
const shrinkwrap = new URL("npm-shrinkwrap.json", root);

const step = process.argv[2];
if (step === "before") {
  if (!existsSync(new URL("dist/cli/main.js", root))) {
    console.error("prepack: dist/ is missing: run `npm run build` first");
    process.exit(1);
  }
  const lock = JSON.parse(readFileSync(new URL("package-lock.json", root), "utf8"));
  const packages = Object.fromEntries(Object.entries(lock.packages).filter(([path, entry]) => path === "" || !entry.dev));
  writeFileSync(shrinkwrap, `${JSON.stringify({ ...lock, packages }, null, 2)}\n`);
} else if (step === "after") {
  rmSync(shrinkwrap, { force: true });
} else {
  console.error("usage: node scripts/pack.mjs before|after");
  process.exit(2);
}
