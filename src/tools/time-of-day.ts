/**
 * The time-of-day window of an audit search (Snowflake query audits and sidecar audits): ALTR's
 * filter-tree body carries it as a `time_of_day` `between` filter with the IANA `timezone` it is
 * read in. ALTR requires the zone with such a filter and forbids it without one, so both rules
 * are checked here, naming the field, before anything is sent.
 */
import { z } from "zod";
import { InputError, input } from "./define.js";
import { isTimeZone } from "./common.js";

const hhmm = z.string().refine((v) => /^([01]\d|2[0-3]):[0-5]\d$/.test(v), { error: "must be HH:MM, 24-hour, e.g. 22:00" });

export const timeOfDayParams = {
  time_of_day: input
    .described(
      "object",
      z
        .object({ start: hhmm, end: hhmm })
        .strict()
        .refine((w) => w.start !== w.end, { error: "start and end must differ", path: ["end"] }),
      "{start, end: HH:MM}",
    )
    .optional(),
  timezone: z.string().trim().refine(isTimeZone, { error: "must be an IANA time zone such as America/New_York" }).optional(),
};

type Window = { time_of_day?: { start: string; end: string } | undefined; timezone?: string | undefined };

/** The search body for a time-of-day window, or undefined (no body) when none is asked for. */
export function timeOfDayBody(w: Window) {
  if (w.time_of_day === undefined) {
    if (w.timezone !== undefined) {
      throw new InputError("timezone: only with time_of_day (ALTR forbids a zone without a time-of-day filter)", ["timezone"]);
    }
    return undefined;
  }
  if (w.timezone === undefined) {
    throw new InputError("timezone: required with time_of_day (the zone the window is read in)", ["timezone"]);
  }
  return {
    filter: { dimension: "time_of_day" as const, op: "between" as const, between: { start: w.time_of_day.start, end: w.time_of_day.end } },
    timezone: w.timezone,
  };
}
