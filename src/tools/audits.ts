/**
 * Audits: asynchronous searches over Snowflake query audits (api) and ALTR's own system audit
 * log (altrnet). A search that is still running is reported as `status: "processing"` (ALTR says
 * so with HTTP 202), so the assistant knows to ask for the results again.
 */
import { z } from "zod";
import type { components } from "../generated/altrnet.js";
import { S } from "../schema/json-schema.js";
import { defineTool, InputError, responseBody, responseData, type Tool } from "./define.js";
import { READ, withProperties } from "./common.js";
import { timeOfDayBody, timeOfDayParams } from "./time-of-day.js";

type SystemAuditCategory = components["schemas"]["SystemAuditCategory"];

/** `status` of a search answer: HTTP 202 means ALTR is still working on it. */
export const searchStatus = (httpStatus: number): "processing" | "complete" => (httpStatus === 202 ? "processing" : "complete");
const statusSchema = { type: "string", enum: ["complete", "processing"] };

const SYSTEM_AUDIT_CATEGORIES = [
  "API Keys",
  "Locks",
  "Data",
  "Administrators",
  "Thresholds",
  "Anomalies",
  "Applications",
  "User Groups",
  "Data Sources",
  "Row Access Policy",
  "Unified Access Policy",
  "Access Requests",
  "Access Management Policy",
  "Impersonation Policy",
  "Access Tokens",
  "Repo Config",
  "Agent Config",
  "Audit Report",
  "DAM Alerting",
  "Notification Integration",
] as const satisfies readonly SystemAuditCategory[];

/** Longest window ALTR allows for a system-audit query. */
const ONE_WEEK_MS = 7 * 24 * 3600 * 1000;

/** A real calendar time in RFC 3339 UTC form (JavaScript would roll 2025-02-30 over to March). */
function isUtcTime(v: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/.test(v)) return false;
  const t = Date.parse(v);
  return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 19) === v.slice(0, 19);
}

/** An RFC 3339 UTC timestamp (the Z form ALTR asks for), checked without a long advertised pattern. */
const utcTime = z.string().trim().refine(isUtcTime, "must be a UTC timestamp like 2025-06-01T00:00:00Z");

const filter = z.string().trim().min(1).optional();

function checkWindow(from: string | undefined, to: string | undefined, maxMs?: number): void {
  if (!from || !to) return;
  const span = Date.parse(to) - Date.parse(from);
  if (span < 0) throw new InputError("to_date_time: must not be before from_date_time", ["to_date_time"]);
  if (maxMs !== undefined && span > maxMs) {
    throw new InputError("to_date_time: the window may be at most one week after from_date_time", ["to_date_time"]);
  }
}

const systemAuditData = (op: "altrnet.startSystemAuditQuery" | "altrnet.getSystemAuditQueryResult") =>
  withProperties(responseData(op), { status: statusSchema });

export const auditTools: Tool[] = [
  defineTool({
    name: "search_query_audits",
    title: "Search Snowflake query audits",
    description:
      "Start a search of Snowflake query audits (filters AND-ed); then get_query_audit_results.",
    toolset: "audits",
    input: {
      limit: z.number().int().min(1).max(10000).optional().describe("Default 10000."),
      offset: z.number().int().min(0).optional(),
      from_date_time: utcTime.optional().describe("UTC, e.g. 2025-06-01T00:00:00Z."),
      to_date_time: utcTime.optional(),
      executing_role: filter,
      executing_user: filter,
      query_id: filter.describe("Snowflake query id."),
      policy_tag_name: filter,
      policy_tag_value: filter,
      policy_column_database_name: filter,
      policy_column_schema_name: filter,
      policy_column_table_name: filter,
      policy_column_name: filter,
      order_by: z.enum(["asc", "desc"]).optional(),
      sort_by: z.enum(["event_time", "rows_accessed"]).optional(),
      ...timeOfDayParams,
    },
    annotations: READ,
    readOnlyReason: "The POST only starts a search over audits; it changes nothing.",
    operations: ["api.startQueryAuditSearch"],
    output: responseBody("api.startQueryAuditSearch"),
    async handler({ time_of_day, timezone, ...query }, { call, signal }) {
      checkWindow(query.from_date_time, query.to_date_time);
      // Every filter travels in the query string; only a time-of-day window needs ALTR's
      // filter-tree body, otherwise no body is sent (as the upstream sends it).
      const body = timeOfDayBody({ time_of_day, timezone });
      return call("api.startQueryAuditSearch", { query, ...(body ? { body } : {}), signal });
    },
  }),

  defineTool({
    name: "get_query_audit_results",
    title: "Get query audit search results",
    description:
      "Read a page of a search_query_audits search.",
    toolset: "audits",
    input: {
      search_uuid: z.string().trim().min(1),
      limit: z.number().int().min(1).max(250).optional(),
      next_page_token: z.string().min(1).optional(),
    },
    annotations: READ,
    operations: ["api.getQueryAuditResults"],
    output: withProperties(responseBody("api.getQueryAuditResults"), { status: statusSchema }),
    async handler({ search_uuid, ...query }, { callWithStatus, signal }) {
      const { data, status } = await callWithStatus("api.getQueryAuditResults", { path: { search_uuid }, query, signal });
      const next = data?.next_page_token || null;
      return {
        ...data,
        status: searchStatus(status),
        query_audits: data?.query_audits ?? [],
        // The token just used, handed back again, would return this page again: it is the end.
        next_page_token: next !== null && next === query.next_page_token ? null : next,
      };
    },
  }),

  defineTool({
    name: "search_system_audits",
    title: "Search ALTR system audits",
    description:
      "Query ALTR's own audit log (admin and API actions), one category, ≤ 1 week; then get_system_audit_results.",
    toolset: "audits",
    input: {
      category: z.enum(SYSTEM_AUDIT_CATEGORIES),
      limit: z.number().int().min(1).max(100).optional(),
      offset: z.number().int().min(0).optional(),
      wait: z.number().int().min(-1).max(1000).optional().describe("ms to wait for results; -1: answer at once."),
      from_date_time: utcTime.optional().describe("UTC, e.g. 2025-06-01T00:00:00Z; default 48 h ago."),
      to_date_time: utcTime.optional(),
    },
    annotations: READ,
    readOnlyReason: "The POST only starts a query over the audit log; it changes nothing.",
    operations: ["altrnet.startSystemAuditQuery"],
    output: withProperties(systemAuditData("altrnet.startSystemAuditQuery"), { next_offset: S.nullableInteger }),
    async handler({ from_date_time, to_date_time, ...rest }, { callWithStatus, signal }) {
      checkWindow(from_date_time, to_date_time, ONE_WEEK_MS);
      // ALTR wants exactly YYYY-MM-DDTHH:mm:ss.sssZ; the upstream's names become from/to.
      const query = {
        ...rest,
        ...(from_date_time ? { from: new Date(from_date_time).toISOString() } : {}),
        ...(to_date_time ? { to: new Date(to_date_time).toISOString() } : {}),
      };
      const { data: body, status } = await callWithStatus("altrnet.startSystemAuditQuery", { query, signal });
      const data = body?.data ?? {};
      const received = data.data?.length ?? 0;
      const more = status !== 202 && data.moreData === true && received > 0;
      return { ...data, status: searchStatus(status), next_offset: more ? (rest.offset ?? 0) + received : null };
    },
  }),

  defineTool({
    name: "get_system_audit_results",
    title: "Get system audit results",
    description:
      "Get a system-audit query's results; moreData: search again with next_offset.",
    toolset: "audits",
    input: { token: z.string().trim().min(1) },
    annotations: READ,
    operations: ["altrnet.getSystemAuditQueryResult"],
    output: systemAuditData("altrnet.getSystemAuditQueryResult"),
    async handler({ token }, { callWithStatus, signal }) {
      // The token is percent-encoded exactly once by the shared path serializer.
      const { data: body, status } = await callWithStatus("altrnet.getSystemAuditQueryResult", { path: { token }, signal });
      return { ...(body?.data ?? {}), status: searchStatus(status) };
    },
  }),
];
