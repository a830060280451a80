/**
 * The time-of-day window of an audit search (ALTR's filter-tree body: a `time_of_day` `between`
 * filter read in an IANA `timezone`): whether an event's local clock time falls in it.
 * Not pinned by the documents: the window includes its start and excludes its end (22:00–06:00
 * keeps 22:00 and 05:59, not 06:00), and a start after the end wraps past midnight.
 */
import { isRecord, str } from "./values.js";

export interface TimeOfDay {
  start: string;
  end: string;
  timezone: string;
}

/** The window a search body asks for, undefined without one, or why it cannot be used. */
export function timeOfDayOf(body: unknown): TimeOfDay | undefined | { error: string } {
  if (!isRecord(body) || !isRecord(body.filter)) return undefined;
  const between = isRecord(body.filter.between) ? body.filter.between : {};
  const window = { start: str(between.start), end: str(between.end), timezone: str(body.timezone) };
  try {
    new Intl.DateTimeFormat("en-GB", { timeZone: window.timezone });
  } catch {
    return { error: `request body field timezone ${window.timezone} is not an IANA time zone` };
  }
  return window;
}

/** The local HH:MM of an instant in a zone. */
function clock(ms: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(new Date(ms));
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? "00";
  return `${part("hour")}:${part("minute")}`;
}

/** Whether epoch-ms `ms` falls in the window (an invalid time or zone: it does not). */
export function inTimeOfDay(ms: number, w: TimeOfDay): boolean {
  if (!Number.isFinite(ms)) return false;
  let t: string;
  try {
    t = clock(ms, w.timezone);
  } catch {
    return false;
  }
  return w.start <= w.end ? t >= w.start && t < w.end : t >= w.start || t < w.end;
}
