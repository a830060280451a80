/**
 * The safety-critical modules `npm run mutate` mutates, in groups, each with the tests written
 * for it. Stryker runs once per group: a mutant is then tested only against its group's tests,
 * not against every test that happens to execute its line (every tool call runs the HTTP layer,
 * so per-test coverage alone would re-run the whole tool suite for each surviving mutant).
 * The groups list unit-level tests where there are some (tests/mutation-*.test.ts): a
 * surviving mutant costs a run of every test of its group that reaches it, and tests that
 * start an MCP session and a stub per file cost seconds each on a loaded machine.
 * Globs, not line numbers: the groups survive edits of the files they name.
 */
/** Stryker's thresholds; `break`: a group scoring below it fails `npm run mutate`. */
export const THRESHOLDS = { high: 95, low: 90, break: 90 };

export const GROUPS = {
  http: {
    mutate: ["src/altr/http.ts", "src/altr/errors.ts"],
    tests: [
      "tests/mutation-http.test.ts",
      "tests/mutation-results.test.ts",
      "tests/mutation-errors.test.ts",
      "tests/altr-request.test.ts",
      "tests/mutation-altr-request.test.ts",
    ],
  },
  server: {
    mutate: ["src/server/registry.ts", "src/server/confirm.ts", "src/server/result.ts", "src/log/redact.ts"],
    tests: [
      "tests/mutation-selection.test.ts",
      "tests/mutation-toolsets.test.ts",
      "tests/mutation-results.test.ts",
      "tests/mutation-shape.test.ts",
      "tests/mutation-bound.test.ts",
      "tests/mutation-redact.test.ts",
      "tests/logger.test.ts",
    ],
  },
  transport: {
    mutate: ["src/transports/http.ts"],
    tests: [
      "tests/mutation-transport.test.ts",
      "tests/mutation-transport-servers.test.ts",
      "tests/mutation-transport-edges.test.ts",
      "tests/mutation-transport-listen.test.ts",
    ],
  },
  config: {
    mutate: ["src/config/index.ts", "src/config/loopback.ts"],
    tests: ["tests/mutation-config.test.ts", "tests/config.test.ts", "tests/support-settings.test.ts"],
  },
  client: {
    mutate: ["src/altr/client.ts", "src/altr/paginate.ts"],
    tests: ["tests/mutation-client.test.ts", "tests/pagination.test.ts"],
  },
  presigned: {
    mutate: ["src/altr/presigned.ts"],
    tests: ["tests/mutation-presigned.test.ts", "tests/classification-presigned.test.ts"],
  },
};

/** The group a run is for (MUTATE_GROUP), or an error naming the known ones. */
export function currentGroup() {
  const name = process.env.MUTATE_GROUP ?? "";
  const group = GROUPS[name];
  if (!group) throw new Error(`MUTATE_GROUP must be one of ${Object.keys(GROUPS).join(", ")} (got "${name}"); run npm run mutate`);
  return { name, ...group };
}
