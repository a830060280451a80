/**
 * Result shaping (src/server/result.ts: isoOf, shape, successResult's shape option) unit by
 * unit, for the mutation run (group server): the ISO form of documented epoch times and its
 * bounds, storage keys dropped at any depth, an ISO value ALTR already sent kept.
 */
import { describe, expect, it } from "vitest";
import { STORAGE_KEYS } from "../src/server/advertise.js";
import { EPOCH_MS_FIELDS, isoOf, shape, successResult } from "../src/server/result.js";

describe("isoOf()", () => {
  it.each([
    [1_748_736_000_000, "2025-06-01T00:00:00.000Z"],
    ["1748736000000", "2025-06-01T00:00:00.000Z"],
    [1_748_736_000, "2025-06-01T00:00:00.000Z"], // seconds where ms are documented
    [1e11, "1973-03-03T09:46:40.000Z"], // the smallest millisecond value
    [1e11 - 1, "5138-11-16T09:46:39.000Z"], // just below: read as seconds
    [1e9, "2001-09-09T01:46:40.000Z"], // the smallest seconds value
    [1e14 - 1, "5138-11-16T09:46:39.999Z"],
  ])("%j → %s", (value, iso) => {
    expect(isoOf(value)).toBe(iso);
  });

  it.each([[0], [-1], [1e9 - 1], [1e14], [1e20], [1.5e12 + 0.5], [Number.NaN], [Infinity], ["12a"], [""], ["-5"], ["1".repeat(17)], [null], [undefined], [{}], [true],
    // Only a whole string of digits: no sign, no blanks, no exponent (Number() would take them).
    ["+1748736000000"], [" 1748736000000"], ["1748736000000 "], ["1748736000000\n"], ["1.748736e12"],
    // A list or a date converts to a number, but is not an epoch value.
    [[1_748_736_000_000]], [["1748736000000"]], [new Date(1_748_736_000_000)]])(
    "%j has no ISO form",
    (value) => {
      expect(isoOf(value)).toBeUndefined();
    },
  );
});

describe("shape()", () => {
  it("adds <field>_iso right after each documented epoch field, at any depth and in arrays", () => {
    const out = shape({ rows: [{ event_time: 1_748_736_000_000, other_time: 1_748_736_000_000, checkin_time: "bad" }], agent_time: 1_748_736_000_000 });
    expect(out).toEqual({
      rows: [{ event_time: 1_748_736_000_000, event_time_iso: "2025-06-01T00:00:00.000Z", other_time: 1_748_736_000_000, checkin_time: "bad" }],
      agent_time: 1_748_736_000_000,
      agent_time_iso: "2025-06-01T00:00:00.000Z",
    });
    expect(Object.keys((out as { rows: Record<string, unknown>[] }).rows[0]!)).toEqual(["event_time", "event_time_iso", "other_time", "checkin_time"]);
    expect([...EPOCH_MS_FIELDS].sort()).toEqual(["agent_time", "checkin_time", "event_time", "timestamp"]);
  });

  it("keeps an _iso ALTR already sent, drops storage keys at any depth, leaves scalars alone", () => {
    expect(shape({ timestamp: 1_748_736_000_000, timestamp_iso: "theirs" })).toEqual({ timestamp: 1_748_736_000_000, timestamp_iso: "theirs" });
    // Also when it comes first (the computed one would overwrite it).
    expect(shape({ timestamp_iso: "theirs", timestamp: 1_748_736_000_000 })).toEqual({ timestamp_iso: "theirs", timestamp: 1_748_736_000_000 });
    expect(shape({ PK: "ORG#1", SK: "REQ#2", id: "2", nested: { PK: "x", keep: [{ SK: "y", v: 1 }] } })).toEqual({ id: "2", nested: { keep: [{ v: 1 }] } });
    expect([...STORAGE_KEYS].sort()).toEqual(["PK", "SK"]);
    for (const v of [null, 1, "s", true]) expect(shape(v)).toBe(v);
    expect(shape([1, { PK: 1 }])).toEqual([1, {}]);
  });

  it("successResult shapes data unless told not to (tokenization's labels are the caller's)", () => {
    const text = (r: ReturnType<typeof successResult>) => JSON.parse((r.content[0] as { text: string }).text) as { data: unknown };
    expect(text(successResult({ PK: "a", event_time: 1_748_736_000_000 })).data).toEqual({ event_time: 1_748_736_000_000, event_time_iso: "2025-06-01T00:00:00.000Z" });
    expect(text(successResult({ PK: "a", event_time: 1 }, { shape: false })).data).toEqual({ PK: "a", event_time: 1 });
    expect(text(successResult(undefined)).data).toBeNull();
    expect(text(successResult(undefined, { shape: false })).data).toBeNull();
  });
});
