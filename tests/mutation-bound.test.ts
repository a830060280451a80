/**
 * Result bounding (src/server/result.ts: bounded, and the error text cap) unit by unit, for the
 * mutation run (group server), with small limits so each case takes milliseconds: which
 * collection is cut (largest list by size, else a map of 16+ entries), the exact truncation note,
 * offset tools' continuation, nothing mutated, and the fallback when nothing can be cut.
 * tests/result-bound.test.ts covers the same through a built server with megabyte answers.
 */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { bounded, DEFAULT_MAX_RESULT_BYTES, errorResult, resultBytes, toToolError, type Envelope } from "../src/server/result.js";
import { ToolFailure } from "../src/tools/define.js";

const wrap = (data: unknown): Envelope => ({ success: true, data, error: null });
const text = (r: CallToolResult): Record<string, unknown> => JSON.parse((r.content[0] as { text: string }).text) as Record<string, unknown>;
const items = (n: number, width = 40) => Array.from({ length: n }, (_, i) => ({ id: i, v: "x".repeat(width) }));

describe("bounded(): when nothing is cut", () => {
  it("a result at the limit is the plain result, byte for byte", () => {
    const env = wrap({ roles: ["A", "B"] });
    const plain = bounded(env, false, undefined);
    expect(plain).toEqual({ content: [{ type: "text", text: JSON.stringify(env) }], structuredContent: env });
    expect(bounded(env, false, { maxBytes: resultBytes(plain) })).toEqual(plain);
    expect(text(bounded(env, false, { maxBytes: resultBytes(plain) - 1 })).truncated).toBe(true);
  });
  it("the default limit is DEFAULT_MAX_RESULT_BYTES (256 KiB)", () => {
    expect(DEFAULT_MAX_RESULT_BYTES).toBe(262_144);
    // The envelope is in the result twice (text and structuredContent).
    const under = wrap({ s: "x".repeat(131_072 - 200) });
    expect(text(bounded(under, false, undefined)).truncated).toBeUndefined();
    const over = wrap({ s: "x".repeat(131_072) });
    expect(text(bounded(over, false, undefined)).truncated).toBe(true);
    expect(text(bounded(over, false, { maxBytes: 300_000 })).truncated).toBeUndefined();
  });
});

describe("bounded(): cutting a list", () => {
  it("keeps as many leading items as fit, and says exactly what it left out (no paging tool)", () => {
    const data = { rows: items(100), note: "kept" };
    const res = bounded(wrap(data), false, { maxBytes: 2_000, params: ["cursor", "table", "offset_hint", "page_token"] });
    const out = text(res);
    const kept = (out.data as { rows: unknown[] }).rows.length;
    expect(resultBytes(res)).toBeLessThanOrEqual(2_000);
    // What the size estimate (each item plain and JSON-escaped) lets in for this answer.
    expect(kept).toBe(8);
    expect(out).toEqual({
      success: true,
      data: { rows: data.rows.slice(0, kept), note: "kept" },
      error: null,
      truncated: true,
      truncation: {
        path: "data.rows",
        items_returned: kept,
        items_omitted: 100 - kept,
        narrow_with: ["table", "offset_hint"],
        message: `The answer (${resultBytes(bounded(wrap(data), false, undefined))} bytes) is over ALTR_MAX_RESULT_BYTES (2000): data.rows keeps its first ${kept} of 100 items. The items left out are not in any continuation cursor of this answer; narrow the call (table, offset_hint) to see them.`,
      },
    });
    expect(res.structuredContent).toEqual(out);
    expect(res.isError).toBeUndefined();
    expect(data.rows).toHaveLength(100);
  });

  it("more room keeps more items; the estimate never overshoots", () => {
    const data = { rows: items(300) };
    let previous = -1;
    for (const max of [1_000, 1_500, 2_000, 4_000, 8_000, 16_000]) {
      const res = bounded(wrap(data), false, { maxBytes: max });
      const kept = (text(res).data as { rows: unknown[] }).rows.length;
      expect(resultBytes(res), String(max)).toBeLessThanOrEqual(max);
      expect(kept, String(max)).toBeGreaterThan(previous);
      previous = kept;
    }
  });

  it("at every limit it keeps about as many items as fit: never over, and not many fewer", () => {
    // The same answer with `extra` more items and the note's counts moved along: what a cut
    // that kept more would weigh (the envelope is in the result as text and as structuredContent).
    const heavier = (out: Record<string, unknown>, rows: unknown[], extra: number): number => {
      const t = out.truncation as { items_returned: number; items_omitted: number; message: string };
      const k = t.items_returned + extra;
      const env = {
        ...out,
        data: { rows: rows.slice(0, k) },
        truncation: { ...t, items_returned: k, items_omitted: rows.length - k, message: t.message.replace(/first \d+ of/, `first ${k} of`) },
      };
      return resultBytes({ content: [{ type: "text", text: JSON.stringify(env) }], structuredContent: env });
    };
    for (const rows of [items(60, 30), Array.from({ length: 60 }, (_, i) => `"q\\${i}" é€`)]) {
      // The estimate counts each item a few bytes heavier than it weighs (an item weighs at least
      // twice its JSON): it may leave out up to 4 * kept / that, plus the one it stopped at.
      const lightest = 2 * Math.min(...rows.map((r) => JSON.stringify(r).length));
      let previous = 0;
      for (let max = 900; max < 5_000; max += 7) {
        const res = bounded(wrap({ rows }), false, { maxBytes: max });
        const out = text(res);
        const t = out.truncation as { path: string; items_returned: number } | undefined;
        if (t === undefined) {
          expect(out.data).toEqual({ rows }); // all of it fits: nothing cut
          break;
        }
        expect(resultBytes(res), String(max)).toBeLessThanOrEqual(max);
        expect(t.path, String(max)).toBe("data.rows");
        expect(t.items_returned, String(max)).toBeGreaterThanOrEqual(previous);
        previous = t.items_returned;
        const extra = 2 + Math.floor((4 * t.items_returned) / lightest);
        if (t.items_returned + extra <= rows.length) expect(heavier(out, rows, extra), String(max)).toBeGreaterThan(max);
      }
      expect(previous).toBeGreaterThan(20);
    }
    // The last set fits whole before 5,000 bytes; the first never does.
    expect(resultBytes(bounded(wrap({ rows: items(60, 30) }), false, undefined))).toBeGreaterThan(5_000);
  });

  it("items with quotes and non-ASCII count in UTF-8 bytes, escaped twice in the text", () => {
    const data = { rows: Array.from({ length: 200 }, (_, i) => `é"€\\${i}`) };
    const res = bounded(wrap(data), false, { maxBytes: 3_000 });
    expect(resultBytes(res)).toBeLessThanOrEqual(3_000);
    expect((text(res).data as { rows: string[] }).rows.length).toBeGreaterThan(20);
  });

  it("no parameters: told to narrow the call, without a list of parameters", () => {
    const out = text(bounded(wrap(items(100)), false, { maxBytes: 1_500 }));
    const t = out.truncation as Record<string, unknown>;
    expect(t.path).toBe("data");
    expect(t.narrow_with).toBeUndefined();
    expect(t.continue_with).toBeUndefined();
    expect(t.message).toMatch(/: data keeps its first \d+ of 100 items\. The items left out are not in any continuation cursor of this answer; narrow the call to see them\.$/);
    // Only cursor parameters: nothing to narrow with either.
    const onlyCursors = text(bounded(wrap(items(100)), false, { maxBytes: 1_500, params: ["offset", "cursor", "next_page_token", "contiguous_id", "exclusive_start_key", "start_key", "page_token"] }));
    expect((onlyCursors.truncation as Record<string, unknown>).narrow_with).toBeUndefined();
    expect((onlyCursors.truncation as Record<string, unknown>).message).toMatch(/narrow the call to see them\.$/);
  });

  it("the largest list by size is cut (not the longest), at any depth; equal sizes: the first", () => {
    const data = { many: Array.from({ length: 50 }, (_, i) => i % 10), deep: { inner: { big: items(30) } }, tail: [1] };
    const out = text(bounded(wrap(data), false, { maxBytes: 1_200 }));
    const got = out.data as typeof data;
    expect((out.truncation as { path: string }).path).toBe("data.deep.inner.big");
    expect(got.many).toEqual(data.many);
    expect(got.tail).toEqual([1]);
    expect(got.deep.inner.big.length).toBeLessThan(30);
    const twins = text(bounded(wrap({ a: items(20), b: items(20) }), false, { maxBytes: 4_000 }));
    expect((twins.truncation as { path: string }).path).toBe("data.a");
    expect((twins.data as { b: unknown[] }).b).toHaveLength(20);
  });

  it("an empty cut that weighs exactly the limit is kept (at the limit is within it)", () => {
    const data = { rows: [{ blob: "y".repeat(50_000) }] };
    // The note names the limit: find the limit at which the cut weighs exactly that.
    let exact = 8_000;
    for (let i = 0; i < 5; i++) exact = resultBytes(bounded(wrap(data), false, { maxBytes: exact }));
    const res = bounded(wrap(data), false, { maxBytes: exact });
    expect(resultBytes(res)).toBe(exact);
    expect(text(res)).toMatchObject({ data: { rows: [] }, truncation: { path: "data.rows", items_returned: 0, items_omitted: 1 } });
    expect(text(bounded(wrap(data), false, { maxBytes: exact - 1 })).data).toBeNull();
  });

  it("a list is cut whole: items inside list items are never cut", () => {
    const data = { pages: [{ rows: items(60) }] };
    const out = text(bounded(wrap(data), false, { maxBytes: 1_500 }));
    expect(out.data).toEqual({ pages: [] });
    expect(out.truncation).toMatchObject({ path: "data.pages", items_returned: 0, items_omitted: 1 });
  });
});

describe("bounded(): offset tools", () => {
  const page = (offset: number) => ({ roles: items(100).map((r) => r.v + r.id), count: 500, next_offset: offset + 100 });

  it("continue_with the next offset, next_offset moved to the first item left out", () => {
    const res = bounded(wrap(page(200)), false, { maxBytes: 2_000, params: ["offset", "name"], args: { offset: 200, name: "x" } });
    const out = text(res);
    const data = out.data as { roles: string[]; count: number; next_offset: number };
    const kept = data.roles.length;
    expect(kept).toBeGreaterThan(5);
    expect(data).toEqual({ roles: page(200).roles.slice(0, kept), count: 500, next_offset: 200 + kept });
    expect(out.truncation).toEqual({
      path: "data.roles",
      items_returned: kept,
      items_omitted: 100 - kept,
      continue_with: { offset: 200 + kept },
      message: `The answer (${resultBytes(bounded(wrap(page(200)), false, undefined))} bytes) is over ALTR_MAX_RESULT_BYTES (2000): data.roles keeps its first ${kept} of 100 items. Call again with offset ${200 + kept} for the rest.`,
    });
  });

  it("no offset argument (or not a number, or no arguments) counts from 0", () => {
    for (const args of [{}, { offset: "200" }, null, undefined, "offset"]) {
      const out = text(bounded(wrap(page(0)), false, { maxBytes: 2_000, params: ["offset"], args }));
      const kept = (out.data as { roles: unknown[] }).roles.length;
      expect((out.truncation as Record<string, unknown>).continue_with, JSON.stringify(args)).toEqual({ offset: kept });
      expect((out.data as { next_offset: number }).next_offset).toBe(kept);
    }
  });

  it("not an offset tool when the tool has no offset parameter, or its answer no next_offset beside the list", () => {
    const noParam = text(bounded(wrap(page(0)), false, { maxBytes: 2_000, params: ["name"], args: { offset: 0 } }));
    expect(noParam.truncation).toMatchObject({ narrow_with: ["name"] });
    expect((noParam.truncation as Record<string, unknown>).continue_with).toBeUndefined();
    expect((noParam.data as { next_offset: number }).next_offset).toBe(100);

    const { next_offset: _drop, ...noNext } = page(0);
    const out = text(bounded(wrap(noNext), false, { maxBytes: 2_000, params: ["offset"], args: { offset: 0 } }));
    expect((out.truncation as Record<string, unknown>).continue_with).toBeUndefined();
    expect(Object.keys(out.data as object)).toEqual(["roles", "count"]);

    // A top-level list has no parent to carry next_offset.
    const top = text(bounded(wrap(page(0).roles), false, { maxBytes: 2_000, params: ["offset"] }));
    expect((top.truncation as Record<string, unknown>).continue_with).toBeUndefined();
    // next_offset inherited, not the answer's own: not an offset answer.
    const inherited = Object.assign(Object.create({ next_offset: 9 }) as object, { roles: page(0).roles });
    const inh = text(bounded(wrap(inherited), false, { maxBytes: 2_000, params: ["offset"] }));
    expect((inh.truncation as Record<string, unknown>).continue_with).toBeUndefined();
  });

  it("a list deeper down is continued too; only its own parent's next_offset moves", () => {
    const data = { page: { roles: page(0).roles, next_offset: 100 }, next_offset: 7 };
    const out = text(bounded(wrap(data), false, { maxBytes: 2_000, params: ["offset"], args: { offset: 40 } }));
    const got = out.data as { page: { roles: string[]; next_offset: number }; next_offset: number };
    const kept = got.page.roles.length;
    expect(out.truncation).toMatchObject({ path: "data.page.roles", continue_with: { offset: 40 + kept } });
    expect(got.page.next_offset).toBe(40 + kept);
    expect(got.next_offset).toBe(7);
  });

  it("continued near a power of ten: the longer numbers are counted too", () => {
    const rows = Array.from({ length: 40 }, (_, i) => `r${i}`.padEnd(30, "."));
    let previous = -1;
    for (let max = 500; max < 1_600; max++) {
      const res = bounded(wrap({ rows, next_offset: 1 }), false, { maxBytes: max, params: ["offset"], args: { offset: 9_999 } });
      const out = text(res);
      const t = out.truncation as { path: string; items_returned: number; continue_with: { offset: number } };
      // Too small for even the note (far below the 4,096 the setting allows): no data. From the
      // first limit that fits the note, always the list.
      if (previous < 0 && t.path === "data") continue;
      expect(resultBytes(res), String(max)).toBeLessThanOrEqual(max);
      expect(t.path, String(max)).toBe("data.rows");
      expect(t.continue_with.offset, String(max)).toBe(9_999 + t.items_returned);
      expect(t.items_returned, String(max)).toBeGreaterThanOrEqual(previous);
      previous = t.items_returned;
    }
    expect(previous).toBeGreaterThan(3);
  });

  it("a map is never continued by offset", () => {
    const map = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, "v".repeat(60)]));
    const out = text(bounded(wrap({ map, next_offset: 5 }), false, { maxBytes: 2_000, params: ["offset"] }));
    expect((out.truncation as Record<string, unknown>).continue_with).toBeUndefined();
    expect((out.data as { next_offset: number }).next_offset).toBe(5);
  });
});

describe("bounded(): cutting a map", () => {
  const map = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`label ${i}`, "v".repeat(60)]));

  it("an object of 16+ entries is cut at an entry boundary, with the entries note", () => {
    const data = { values: map(40), count: 40 };
    const res = bounded(wrap(data), false, { maxBytes: 3_000, params: ["tokens"] });
    const out = text(res);
    const kept = Object.keys((out.data as { values: object }).values);
    expect(resultBytes(res)).toBeLessThanOrEqual(3_000);
    expect(kept.length).toBeGreaterThan(5);
    expect(kept).toEqual(Object.keys(data.values).slice(0, kept.length));
    expect((out.data as { count: number }).count).toBe(40);
    expect(out.truncation).toEqual({
      path: "data.values",
      items_returned: kept.length,
      items_omitted: 40 - kept.length,
      narrow_with: ["tokens"],
      message: `The answer (${resultBytes(bounded(wrap(data), false, undefined))} bytes) is over ALTR_MAX_RESULT_BYTES (3000): data.values keeps its first ${kept.length} of 40 entries. The entries left out are not in any continuation cursor of this answer; narrow the call (tokens) to see them.`,
    });
  });

  it("exactly 16 entries is a map; 15 is a record, never cut entry by entry", () => {
    const wide = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`f${i}`, "w".repeat(200)]));
    const sixteen = text(bounded(wrap(wide(16)), false, { maxBytes: 1_500 }));
    expect(sixteen.truncation).toMatchObject({ path: "data", items_omitted: 16 - Object.keys(sixteen.data as object).length });
    expect(Object.keys(sixteen.data as object).length).toBeGreaterThan(0);
    const fifteen = text(bounded(wrap(wide(15)), false, { maxBytes: 1_500 }));
    expect(fifteen.data).toBeNull();
  });

  it("the largest map wins, also over a map that contains it; a list is preferred to any map", () => {
    const inner = { big: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`b${i}`, "b".repeat(100)])) };
    const outer = { ...Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`s${i}`, i])), ...inner };
    const small = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`m${i}`, 1]));
    const out = text(bounded(wrap({ outer, small }), false, { maxBytes: 1_500 }));
    expect((out.truncation as { path: string }).path).toBe("data.outer");
    // Sibling maps: the larger one, wherever it is.
    const siblings = text(bounded(wrap({ small, large: map(40) }), false, { maxBytes: 3_000 }));
    expect((siblings.truncation as { path: string }).path).toBe("data.large");
    expect(siblings.data).toMatchObject({ small });
    const withList = text(bounded(wrap({ big: map(16), list: items(30) }), false, { maxBytes: 6_000 }));
    expect((withList.truncation as { path: string }).path).toBe("data.list");
    expect(Object.keys((withList.data as { big: object }).big)).toHaveLength(16);
  });

  it("when the list cannot be cut small enough, the largest map is tried next", () => {
    const data = { list: [1, 2], values: map(60) };
    const out = text(bounded(wrap(data), false, { maxBytes: 1_500 }));
    expect((out.truncation as { path: string }).path).toBe("data.values");
    expect((out.data as { list: number[] }).list).toEqual([1, 2]);
  });
});

describe("bounded(): nothing to cut", () => {
  it("data is left out and the note says why (exact text)", () => {
    const data = { report: "x".repeat(5_000) };
    const out = text(bounded(wrap(data), false, { maxBytes: 1_000, params: ["job_id", "cursor"] }));
    expect(out).toEqual({
      success: true,
      data: null,
      error: null,
      truncated: true,
      truncation: {
        path: "data",
        items_returned: 0,
        items_omitted: 0,
        narrow_with: ["job_id"],
        message: `The answer (${resultBytes(bounded(wrap(data), false, undefined))} bytes) is over ALTR_MAX_RESULT_BYTES (1000) and has no list to shorten; narrow the call (job_id).`,
      },
    });
    const bare = text(bounded(wrap(data), false, { maxBytes: 1_000 }));
    expect(bare.truncation).toEqual({ path: "data", items_returned: 0, items_omitted: 0, message: expect.stringMatching(/has no list to shorten; narrow the call\.$/) });
  });

  it("an empty list beside a huge value: nothing to cut", () => {
    const out = text(bounded(wrap({ rows: [], blob: "y".repeat(5_000) }), false, { maxBytes: 1_000 }));
    expect(out.data).toBeNull();
    expect((out.truncation as { path: string }).path).toBe("data");
  });

  it("an error keeps its kind and the first 2,000 characters of its message, and stays an error", () => {
    const res = errorResult(new ToolFailure("partial_failure", "m".repeat(3_000), { rows: ["z".repeat(10_000)] }), [], { maxBytes: 3_000 });
    expect(res.isError).toBe(true);
    expect(res.structuredContent).toBeUndefined();
    expect(resultBytes(res)).toBeLessThanOrEqual(3_000);
    const out = text(res);
    expect(out.success).toBe(false);
    expect(out.data).toBeNull();
    expect(out.error).toEqual({ kind: "partial_failure", message: "m".repeat(2_000) });
  });
});

describe("error text", () => {
  it("a message over 4,000 characters is cut with a marker; 4,000 is kept whole", () => {
    const long = text(errorResult(new ToolFailure("partial_failure", "a".repeat(4_001)), []));
    expect((long.error as { message: string }).message).toBe(`${"a".repeat(4_000)}… (cut)`);
    const exact = text(errorResult(new ToolFailure("partial_failure", "a".repeat(4_000)), []));
    expect((exact.error as { message: string }).message).toBe("a".repeat(4_000));
  });
  it("the call's own abort and timeout signals are cancelled and timeout; other DOMExceptions and look-alikes are internal", () => {
    expect(toToolError(new DOMException("stop", "AbortError"))).toEqual({ kind: "cancelled", message: "The call was cancelled by the client." });
    expect(toToolError(new DOMException("slow", "TimeoutError"))).toEqual({ kind: "timeout", message: "The call took too long and was stopped." });
    const fake = Object.assign(new Error("x"), { name: "AbortError" });
    expect(toToolError(fake).kind).toBe("internal");
    const fakeTimeout = Object.assign(new Error("x"), { name: "TimeoutError" });
    expect(toToolError(fakeTimeout).kind).toBe("internal");
    expect(toToolError(new DOMException("x", "NotFoundError"))).toEqual({
      kind: "internal",
      message: "altr-mcp failed unexpectedly: NotFoundError. See the server log for details.",
    });
    expect(toToolError("thrown string").message).toBe("altr-mcp failed unexpectedly: error. See the server log for details.");
  });
});
