// Mutation testing of the safety-critical modules: `npm run mutate` (see CONTRIBUTING.md), which
// runs Stryker once per group of mutation/groups.mjs (MUTATE_GROUP) and then writes
// mutation/summary.json. Globs, not line numbers, so the config survives edits of the files.
import { mkdirSync, writeFileSync } from "node:fs";
import { currentGroup, THRESHOLDS } from "./mutation/groups.mjs";

const group = currentGroup();

// The type checker compiles only the group's modules and what they import (not all of src/):
// on a loaded 2-core machine the checker, not the tests, was the bottleneck. The declaration
// files of src/ (types for untyped packages, e.g. proxy-from-env) come along: `files` alone
// would not see them, and the checker's dry run would fail.
const tsconfigFile = `mutation/tsconfig/${group.name}.json`;
mkdirSync("mutation/tsconfig", { recursive: true });
writeFileSync(
  tsconfigFile,
  `${JSON.stringify({ extends: "../../tsconfig.json", include: ["../../src/**/*.d.ts"], files: group.mutate.map((f) => `../../${f}`) }, null, 2)}\n`,
);

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  mutate: group.mutate,
  testRunner: "vitest",
  vitest: { configFile: "vitest.mutate.config.mjs" },
  checkers: ["typescript"],
  tsconfigFile,
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  coverageAnalysis: "perTest",
  // Static mutants (module-level constants) need every test re-run per mutant; the constants
  // that matter (blocked address ranges, retry sets, status hints) are pinned by value instead.
  ignoreStatic: true,
  incremental: true,
  incrementalFile: `mutation/incremental/${group.name}.json`,
  reporters: ["progress", "clear-text", "json"],
  jsonReporter: { fileName: `reports/mutation/${group.name}.json` },
  thresholds: THRESHOLDS,
  concurrency: 2,
  timeoutMS: 10000,
  tempDirName: `.stryker-tmp/${group.name}`,
  // Groups may run at the same time: never copy another group's sandbox, or the reports.
  ignorePatterns: ["/.stryker-tmp", "/reports", "/mutation/incremental", "/dist", "/coverage", "/scratch"],
  cleanTempDir: "always",
};
