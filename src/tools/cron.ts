/**
 * The cron grammar of ALTR's Audit Report service: six fields (minute hour day-of-month month
 * day-of-week year), `?` in exactly one of the two day fields, names for months and weekdays,
 * ranges, lists, steps, and L / W / # in the day fields.
 */
import { z } from "zod";

/** How the grammar is explained in an error message. */
export const CRON_FORM =
  'six fields "minute hour day-of-month month day-of-week year" with ? in exactly one of day-of-month and day-of-week, e.g. "0 9 ? * MON *" (Mondays 09:00) or "0 12 * * ? *" (daily at noon)';

interface CronField {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}
const CRON_FIELDS: readonly CronField[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day-of-month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"] },
  { name: "day-of-week", min: 1, max: 7, names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] },
  { name: "year", min: 1970, max: 2199 },
];
const DOM = 2;
const DOW = 4;

function cronValue(field: CronField, text: string): boolean {
  if (/^\d+$/.test(text)) return Number(text) >= field.min && Number(text) <= field.max;
  return field.names?.includes(text.toUpperCase()) ?? false;
}

function cronItem(index: number, text: string): boolean {
  const field = CRON_FIELDS[index]!;
  if (index === DOM && /^(L|LW|\d{1,2}W)$/i.test(text)) return !/\d/.test(text) || cronValue(field, text.replace(/W$/i, ""));
  if (index === DOW) {
    const special = /^(\w+?)(L|#[1-5])$/i.exec(text);
    if (text.toUpperCase() === "L") return true;
    if (special) return cronValue(field, special[1]!);
  }
  const parts = text.split("/");
  if (parts.length > 2) return false;
  const [base, step] = parts as [string, string | undefined];
  if (step !== undefined && !(/^\d+$/.test(step) && Number(step) >= 1)) return false;
  if (base === "*") return true;
  const bounds = base.split("-");
  if (bounds.length > 2) return false;
  return bounds.every((b) => cronValue(field, b));
}

/** Why `expr` is not a cron expression the service accepts, or undefined when it is one. */
export function cronProblem(expr: string): string | undefined {
  const fields = expr.trim().split(/\s+/);
  if (fields.length !== 6) return `has ${fields.length} field${fields.length === 1 ? "" : "s"}`;
  const dom = fields[DOM] === "?";
  const dow = fields[DOW] === "?";
  if (dom === dow) return "? must be in exactly one of day-of-month and day-of-week";
  for (const [i, f] of fields.entries()) {
    if (f === "?") {
      if (i !== DOM && i !== DOW) return `? is only allowed in day-of-month or day-of-week, not in ${CRON_FIELDS[i]!.name}`;
      continue;
    }
    if (!f.split(",").every((item) => cronItem(i, item))) return `${CRON_FIELDS[i]!.name} "${f}" is not valid`;
  }
  return undefined;
}

/** A schedule parameter: validated against the grammar, described briefly in tools/list. */
export const cron = z
  .string()
  .trim()
  .superRefine((value, ctx) => {
    const problem = cronProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: `${problem}; expected ${CRON_FORM}` });
  })
  .describe('6-field cron (min hour dom month dow year), ? in one day field, e.g. "0 9 ? * MON *".');
