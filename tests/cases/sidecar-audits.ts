import type { ToolCase } from "./types.js";

export const SEARCH = "123e4567-e89b-12d3-a456-426614174000";

export const sidecarAuditCases: ToolCase[] = [
  {
    tool: "search_audits",
    args: {
      from_date_time: "2025-06-01T00:00:00Z",
      to_date_time: "2025-06-02T00:00:00Z",
      database_name: "ORCLPDB1",
      statement_type: ["SELECT", "UPDATE"],
      sort_by: "ROWS_ACCESSED",
      limit: 1000,
    },
    // Filters in the query string, a list as a repeated key (as the upstream sends it), and no
    // body at all.
    wire: [
      {
        method: "POST",
        service: "sc_control",
        path: "/v1/audits",
        query: {
          from_date_time: "2025-06-01T00:00:00Z",
          to_date_time: "2025-06-02T00:00:00Z",
          database_name: "ORCLPDB1",
          statement_type: ["SELECT", "UPDATE"],
          sort_by: "rows_accessed",
          limit: "1000",
        },
      },
    ],
  },
  {
    tool: "search_audits",
    args: { repo_name: ["orders_oracle", "billing_pg"], time_of_day: { start: "22:00", end: "06:00" }, timezone: "America/New_York" },
    // repo_name repeated; the time-of-day window in ALTR's filter-tree body with its zone.
    wire: [
      {
        method: "POST",
        service: "sc_control",
        path: "/v1/audits",
        query: { repo_name: ["orders_oracle", "billing_pg"] },
        body: { filter: { dimension: "time_of_day", op: "between", between: { start: "22:00", end: "06:00" } }, timezone: "America/New_York" },
      },
    ],
  },
  {
    tool: "get_audit_results",
    args: { search_uuid: SEARCH, limit: 100 },
    wire: [{ method: "GET", service: "sc_control", path: `/v1/audits/${SEARCH}`, query: { limit: "100" } }],
  },
];
