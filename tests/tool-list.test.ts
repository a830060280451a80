/**
 * The advertised tool list is an interface and a token budget: every change to a name,
 * description, input schema or annotation must be reviewed (snapshot), and the full list must
 * stay within budget.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SNAPSHOT, renderSnapshot, toolList } from "../scripts/tool-snapshot.js";

/** The budget for the full list (every toolset on, `confirm` advertised), without outputSchema. */
const BUDGET_BYTES = 70_000;

const bytes = (x: unknown) => Buffer.byteLength(JSON.stringify(x));

describe("tool list", () => {
  it("matches the reviewed snapshot", () => {
    const committed = readFileSync(SNAPSHOT, "utf8");
    const live = renderSnapshot();
    if (live !== committed) {
      const want = JSON.parse(committed) as { name: string }[];
      const got = JSON.parse(live) as { name: string }[];
      const byName = new Map(want.map((t) => [t.name, JSON.stringify(t)]));
      const changed = got.filter((t) => byName.get(t.name) !== JSON.stringify(t)).map((t) => t.name);
      const removed = [...byName.keys()].filter((n) => !got.some((t) => t.name === n));
      expect.fail(
        `The tool list changed (changed/added: ${changed.join(", ") || "none"}; removed: ${removed.join(", ") || "none"}; ` +
          "or the order). Review the change, then run `npx tsx scripts/tool-snapshot.ts` and commit the snapshot.",
      );
    }
  });

  it(`stays within the byte budget without outputSchema (${BUDGET_BYTES})`, () => {
    const list = toolList();
    const total = bytes(list);
    const largest = list
      .map((t) => ({ name: String(t.name), size: bytes(t) }))
      .sort((a, b) => b.size - a.size)
      .slice(0, 10)
      .map((t) => `${t.name} ${t.size}`)
      .join(", ");
    const report = `full tool list without outputSchema: ${total} bytes (budget ${BUDGET_BYTES}); largest: ${largest}`;
    expect(total, report).toBeLessThanOrEqual(BUDGET_BYTES);
  });
});
