import type { ToolCase } from "./types.js";

const DEFS = "/audit-reports/definitions/";
const DEF_ID = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
const INST_ID = "3f1c9a52-8d7e-4b21-a6f0-91e2d4c7b803";
const COMMENT_ID = "9b2e4f10-6c3a-4d8e-b5f7-2a1c0e9d8b64";
const DEF = `${DEFS}${DEF_ID}`;
const INST = `${DEF}/instances/${INST_ID}`;

const definitionArgs = {
  name: "Weekly DDL Audit",
  integration_type: "oltp",
  description: "Schema changes across production databases",
  lookback_days: 7,
  timezone: "America/New_York",
  schedule_cron: "0 9 ? * MON *",
  schedule_enabled: true,
  schedule_timezone: "America/New_York",
  delivery: { channels: [{ type: "email", enabled: true, recipients: ["compliance@example.com"] }] },
  filters: {
    filter_groups: [{ filters: [{ field: "statement_type", mode: "include", patterns: [{ match_type: "exact", value: "DDL" }] }] }],
  },
};

/** The upstream's grouping of the flat parameters. */
const definitionBody = {
  name: "Weekly DDL Audit",
  integration_type: "oltp",
  description: "Schema changes across production databases",
  report_window: { lookback_days: 7, timezone: "America/New_York" },
  schedule: { cron: "0 9 ? * MON *", enabled: true, timezone: "America/New_York" },
  delivery: definitionArgs.delivery,
  filters: definitionArgs.filters,
};

export const auditReportCases: ToolCase[] = [
  {
    tool: "list_report_definitions",
    args: {},
    // Without a limit every page is read, 100 (ALTR's maximum) at a time; the upstream reads one page.
    wire: [{ method: "GET", service: "audit_report", path: DEFS, query: { limit: "100" } }],
  },
  {
    tool: "create_report_definition",
    args: definitionArgs,
    wire: [{ method: "POST", service: "audit_report", path: DEFS, body: definitionBody }],
  },
  {
    tool: "create_report_definition",
    args: { name: "Monthly access review", integration_type: "snowflake", required_approvals: 2, retention_days: 365 },
    wire: [
      {
        method: "POST",
        service: "audit_report",
        path: DEFS,
        body: { name: "Monthly access review", integration_type: "snowflake", required_approvals: 2, retention_days: 365 },
      },
    ],
  },
  {
    tool: "get_report_definition",
    args: { definition_id: DEF_ID },
    wire: [{ method: "GET", service: "audit_report", path: DEF }],
  },
  {
    tool: "update_report_definition",
    args: { definition_id: DEF_ID, ...definitionArgs, lookback_days: 14 },
    // Reads the stored definition first (to report what the replace clears and to keep
    // required_approvals and retention_days when they are not given), then replaces it.
    wire: [
      { method: "GET", service: "audit_report", path: DEF },
      {
        method: "PUT",
        service: "audit_report",
        path: DEF,
        body: {
          ...definitionBody,
          report_window: { lookback_days: 14, timezone: "America/New_York" },
          required_approvals: 1,
          retention_days: 90,
        },
      },
    ],
  },
  {
    tool: "update_report_definition",
    args: { definition_id: DEF_ID, name: "Weekly DDL Audit", integration_type: "oltp", required_approvals: 3 },
    // A given required_approvals replaces the stored 1; retention_days (not given) keeps its 90.
    wire: [
      { method: "GET", service: "audit_report", path: DEF },
      { method: "PUT", service: "audit_report", path: DEF, body: { name: "Weekly DDL Audit", integration_type: "oltp", required_approvals: 3, retention_days: 90 } },
    ],
  },
  {
    tool: "archive_report_definition",
    args: { definition_id: DEF_ID },
    wire: [{ method: "DELETE", service: "audit_report", path: DEF }],
  },
  {
    tool: "restore_report_definition",
    args: { definition_id: DEF_ID },
    wire: [{ method: "POST", service: "audit_report", path: `${DEF}/restore` }],
  },
  {
    tool: "trigger_report_definition",
    args: { definition_id: DEF_ID },
    wire: [{ method: "POST", service: "audit_report", path: `${DEF}/trigger` }],
  },
  {
    tool: "list_report_instances",
    args: { definition_id: DEF_ID },
    wire: [{ method: "GET", service: "audit_report", path: `${DEF}/instances/`, query: { limit: "100" } }],
  },
  {
    tool: "get_report_instance",
    args: { definition_id: DEF_ID, instance_id: INST_ID },
    wire: [{ method: "GET", service: "audit_report", path: INST }],
  },
  {
    tool: "get_report_instance_download_url",
    args: { definition_id: DEF_ID, instance_id: INST_ID },
    wire: [{ method: "GET", service: "audit_report", path: `${INST}/download`, query: { format: "pdf" } }],
  },
  {
    tool: "list_report_comments",
    args: { definition_id: DEF_ID, instance_id: INST_ID, limit: 25, cursor: "eyJvZmZzZXQiOjI1fQ" },
    // With a limit: one page, exactly the upstream's call.
    wire: [
      {
        method: "GET",
        service: "audit_report",
        path: `${INST}/comments/`,
        query: { limit: "25", cursor: "eyJvZmZzZXQiOjI1fQ" },
      },
    ],
  },
  {
    tool: "create_report_comment",
    args: { definition_id: DEF_ID, instance_id: INST_ID, text: "Reviewed all DDL statements; no unexpected changes." },
    wire: [
      {
        method: "POST",
        service: "audit_report",
        path: `${INST}/comments/`,
        body: { text: "Reviewed all DDL statements; no unexpected changes." },
      },
    ],
  },
  {
    tool: "pin_report_comment",
    args: { definition_id: DEF_ID, instance_id: INST_ID, comment_id: COMMENT_ID },
    wire: [{ method: "POST", service: "audit_report", path: `${INST}/comments/${COMMENT_ID}/pin` }],
  },
  {
    tool: "unpin_report_comment",
    args: { definition_id: DEF_ID, instance_id: INST_ID, comment_id: COMMENT_ID },
    wire: [{ method: "POST", service: "audit_report", path: `${INST}/comments/${COMMENT_ID}/unpin` }],
  },
  {
    tool: "get_report_sign_off",
    args: { definition_id: DEF_ID, instance_id: INST_ID },
    wire: [{ method: "GET", service: "audit_report", path: `${INST}/sign_off` }],
  },
  {
    tool: "create_report_sign_off",
    args: { definition_id: DEF_ID, instance_id: INST_ID, attestation: true, comments: "Quarterly review complete." },
    wire: [
      {
        method: "POST",
        service: "audit_report",
        path: `${INST}/sign_off`,
        body: { action: "approve", attestation: true, comments: "Quarterly review complete." },
      },
    ],
  },
  {
    tool: "list_report_sign_offs",
    args: { definition_id: DEF_ID, instance_id: INST_ID },
    wire: [{ method: "GET", service: "audit_report", path: `${INST}/sign_offs`, query: { limit: "100" } }],
  },
];
