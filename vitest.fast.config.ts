/**
 * `npm run test:fast`: the edit-test loop — unit, tool, CLI and Prism cases. Left out (they run
 * in `npm test` and CI): the soak, the real-client, conformance and demo suites, the generated
 * code drift check, the packed-tarball test, the HAProxy replicas and Pact (`npm test` runs it
 * alone, after the rest).
 */
import { configDefaults, defineConfig, mergeConfig } from "vitest/config";
import base from "./vitest.config.js";

export const SLOW = [
  "tests/soak.test.ts",
  "tests/clients.test.ts",
  "tests/conformance.test.ts",
  "tests/demo.test.ts",
  "tests/drift.test.ts",
  "tests/package.test.ts",
  "tests/pact.test.ts",
  "tests/replicas.test.ts",
];

export default mergeConfig(base, defineConfig({ test: { exclude: [...configDefaults.exclude, ...SLOW] } }));
