/** Generated artefacts cannot drift: types from openapi/, and the README's tool list. */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = new URL("..", import.meta.url).pathname;
const tsx = `${root}node_modules/.bin/tsx`;

describe("drift", () => {
  it("src/generated matches openapi/ (npm run generate)", async () => {
    const { stderr } = await run(tsx, ["scripts/generate.ts", "--check"], { cwd: root });
    expect(stderr).toMatch(/up to date/);
  }, 60_000);

  it("the README tool list matches the tool table (npm run docs:tools)", async () => {
    await expect(run(tsx, ["scripts/tool-docs.ts", "--check"], { cwd: root })).resolves.toBeDefined();
  }, 60_000);
});
