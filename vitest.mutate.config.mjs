/**
 * The tests `npm run mutate` runs against each mutant: those of the group being mutated
 * (mutation/groups.mjs, chosen by MUTATE_GROUP). Tests that drive the built dist/ in a child
 * process cannot see a mutant in src/, so no group lists them.
 */
import { defineConfig } from "vitest/config";
import { currentGroup } from "./mutation/groups.mjs";

export default defineConfig({
  test: {
    include: currentGroup().tests,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    env: { PACT_DO_NOT_TRACK: "true" },
  },
});
