/**
 * The built server lists tools from dist/cli/tool-list-*.json (scripts/build.mjs): those files must
 * be exactly what describeTool computes from the sources, for every tool, with and without
 * confirmation. `npm test` builds first.
 */
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { describeTool } from "../src/server/registry.js";
import { ALL_TOOLS } from "../src/tools/index.js";

const DIST = new URL("../dist/cli/", import.meta.url);

describe("prebuilt tool list", () => {
  for (const confirm of [true, false]) {
    it(`tool-list-${confirm ? "confirm" : "plain"}.json equals describeTool(t, ${confirm}) for all ${ALL_TOOLS.length} tools`, () => {
      const file = new URL(`tool-list-${confirm ? "confirm" : "plain"}.json`, DIST);
      if (!existsSync(file)) throw new Error("dist/ is missing: run `npm run build` (npm test does it)");
      const prebuilt: unknown = JSON.parse(readFileSync(file, "utf8"));
      // Through JSON, as the server sends it.
      expect(prebuilt).toEqual(JSON.parse(JSON.stringify(ALL_TOOLS.map((t) => describeTool(t, confirm)))));
    });
  }
});
