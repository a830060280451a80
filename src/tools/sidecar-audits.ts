/**
 * Sidecar query audits (sc_control): start an asynchronous search, then read its results one
 * page per call. A search that is still running (HTTP 202) is reported as status "processing",
 * so the caller knows to ask again rather than read it as an empty result.
 */
import { z } from "zod";
import { S } from "../schema/json-schema.js";
import { defineTool, InputError, responseBody, type Tool } from "./define.js";
import { READ, withProperties } from "./common.js";
import { caseless, manyOf, rfc3339, verbatim } from "./sidecar-shared.js";
import { timeOfDayBody, timeOfDayParams } from "./time-of-day.js";

const utc = rfc3339(true).optional();

export const sidecarAuditTools: Tool[] = [
  defineTool({
    name: "search_audits",
    title: "Search sidecar query audits",
    description:
      "Start a search of sidecar (OLTP) query audits (filters AND-ed); then get_audit_results.",
    toolset: "audits",
    input: {
      from_date_time: utc.describe("UTC, e.g. 2025-06-01T00:00:00Z; default 24 h ago."),
      to_date_time: utc.describe("UTC; default now."),
      consuming_user: manyOf,
      consuming_user_email: manyOf,
      query_id: manyOf.describe("From audit rows."),
      sidecar_id: manyOf,
      sidecar_instance_id: manyOf.describe("From get_sidecar_instances."),
      database_name: manyOf,
      schema_name: manyOf,
      table_name: manyOf,
      column_name: manyOf,
      repo_name: manyOf,
      statement_type: manyOf.describe("e.g. SELECT."),
      statement_text_contains: verbatim.optional(),
      sort_by: caseless(["event_time", "rows_accessed"]).optional(),
      order_by: caseless(["asc", "desc"]).optional(),
      limit: z.number().int().min(1).max(100000).optional().describe("Default 10000."),
      offset: z.number().int().min(0).optional(),
      ...timeOfDayParams,
    },
    annotations: READ,
    readOnlyReason: "The POST only starts a search over existing audits; it changes nothing.",
    operations: ["sc_control.searchSidecarAudits"],
    output: responseBody("sc_control.searchSidecarAudits"),
    async handler({ time_of_day, timezone, ...query }, { call, signal }) {
      if (query.from_date_time && query.to_date_time && query.from_date_time > query.to_date_time) {
        throw new InputError("from_date_time: must not be after to_date_time", ["from_date_time", "to_date_time"]);
      }
      // Every filter travels in the query string (lists as repeated keys); only a time-of-day
      // window needs ALTR's filter-tree body, otherwise the POST has none.
      const body = timeOfDayBody({ time_of_day, timezone });
      return call("sc_control.searchSidecarAudits", { query, ...(body ? { body } : {}), signal });
    },
  }),

  defineTool({
    name: "get_audit_results",
    title: "Read sidecar audit search results",
    description:
      "Read a page of a search_audits search.",
    toolset: "audits",
    input: {
      search_uuid: z.string().trim().min(1),
      limit: z.number().int().min(1).max(250).optional(),
      next_page_token: z.string().min(1).optional(),
    },
    annotations: READ,
    operations: ["sc_control.getSidecarAuditResults"],
    output: withProperties(responseBody("sc_control.getSidecarAuditResults"), {
      status: { type: "string", enum: ["complete", "processing"] },
      next_page_token: S.nullableString,
    }),
    async handler({ search_uuid, ...query }, { callWithStatus, signal }) {
      const { data: body, status } = await callWithStatus("sc_control.getSidecarAuditResults", { path: { search_uuid }, query, signal });
      if (status === 202) return { status: "processing", audits: [], next_page_token: null };
      const next = body?.next_page_token || null;
      return {
        status: "complete",
        ...body,
        audits: body?.audits ?? [],
        // A token equal to the one just used would return this page again: treat it as the end.
        next_page_token: next !== null && next === query.next_page_token ? null : next,
      };
    },
  }),
];
