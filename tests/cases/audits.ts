import type { ToolCase } from "./types.js";

/** A system-audit token with the characters that must be percent-encoded in a path. */
export const SYSTEM_AUDIT_TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJxIjoiZHMifQ.c2ln+bmF0/dXJl==";

export const auditCases: ToolCase[] = [
  {
    tool: "search_query_audits",
    args: {
      from_date_time: "2025-06-01T00:00:00Z",
      to_date_time: "2025-06-02T00:00:00Z",
      policy_tag_name: "PII",
      limit: 1000,
      sort_by: "event_time",
    },
    // Every filter in the query string, no body (as the upstream sends it).
    wire: [
      {
        method: "POST",
        service: "api",
        path: "/v1/query-audits/search",
        query: {
          from_date_time: "2025-06-01T00:00:00Z",
          to_date_time: "2025-06-02T00:00:00Z",
          policy_tag_name: "PII",
          limit: "1000",
          sort_by: "event_time",
        },
      },
    ],
  },
  {
    tool: "search_query_audits",
    args: { executing_role: "ANALYST", time_of_day: JSON.stringify({ start: "09:00", end: "17:30" }), timezone: "Europe/Berlin" },
    wire: [
      {
        method: "POST",
        service: "api",
        path: "/v1/query-audits/search",
        query: { executing_role: "ANALYST" },
        body: { filter: { dimension: "time_of_day", op: "between", between: { start: "09:00", end: "17:30" } }, timezone: "Europe/Berlin" },
      },
    ],
  },
  {
    tool: "get_query_audit_results",
    args: { search_uuid: "123e4567-e89b-12d3-a456-426614174000", limit: 250 },
    wire: [
      { method: "GET", service: "api", path: "/v1/query-audits/results/123e4567-e89b-12d3-a456-426614174000", query: { limit: "250" } },
    ],
  },
  {
    tool: "search_system_audits",
    args: { category: "Data Sources", from_date_time: "2025-06-09T00:00:00Z", to_date_time: "2025-06-11T00:00:00Z", limit: 50 },
    wire: [
      {
        method: "POST",
        service: "altrnet",
        path: "/api/systemaudits/query/start",
        query: { category: "Data Sources", limit: "50", from: "2025-06-09T00:00:00.000Z", to: "2025-06-11T00:00:00.000Z" },
      },
    ],
  },
  {
    tool: "get_system_audit_results",
    args: { token: SYSTEM_AUDIT_TOKEN },
    wire: [
      {
        method: "GET",
        service: "altrnet",
        path: `/api/systemaudits/query/result/${encodeURIComponent(SYSTEM_AUDIT_TOKEN)}`,
      },
    ],
  },
];
