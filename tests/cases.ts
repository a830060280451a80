/**
 * One valid call per tool, with the exact request(s) it must send — the upstream's wire format
 * (../shared/reference/upstream-tools/*.json) unless a listed defect is fixed. Shared by the
 * Prism, Pact and redaction tests, so every tool is covered the same way everywhere.
 */
export interface WireCall {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  service: "altrnet" | "api" | "service_user";
  /** Path as sent, percent-encoding included. */
  path: string;
  query?: Record<string, string>;
  /** Exact JSON body; undefined = no body at all. */
  body?: unknown;
}

export interface ToolCase {
  tool: string;
  args: Record<string, unknown>;
  wire: WireCall[];
}

export const SECRET_ARGS = new Set(["database_password", "connection_string"]);

const POLICY = "/v1/unified-policy/management/policy";

export const CASES: ToolCase[] = [
  {
    tool: "get_databases",
    args: {},
    // Fixes the upstream's unpaged call: pages with offset/limit until count is reached.
    wire: [{ method: "GET", service: "altrnet", path: "/api/databases", query: { offset: "0", limit: "50" } }],
  },
  {
    tool: "get_database_id",
    args: { database_name: "PROD_SNOWFLAKE" },
    wire: [
      {
        method: "GET",
        service: "altrnet",
        path: "/api/databases",
        query: { friendlyDatabaseName: "PROD_SNOWFLAKE", limit: "50" },
      },
    ],
  },
  {
    tool: "get_service_users",
    args: {},
    wire: [{ method: "GET", service: "service_user", path: "/v1/services/snowflake/users" }],
  },
  {
    tool: "create_database",
    args: {
      friendly_database_name: "Orders MySQL",
      database_type: "mysql",
      database_name: "orders",
      database_username: "altr_svc",
      database_password: "s3cr3t-Passw0rd",
      hostname: "orders.db.internal",
      database_port: 3306,
    },
    wire: [
      {
        method: "POST",
        service: "altrnet",
        path: "/api/databases",
        body: {
          friendlyDatabaseName: "Orders MySQL",
          databaseType: "mysql",
          databaseName: "orders",
          databaseUsername: "altr_svc",
          databasePassword: "s3cr3t-Passw0rd",
          hostname: "orders.db.internal",
          databasePort: 3306,
        },
      },
    ],
  },
  {
    tool: "create_databricks_database",
    args: {
      friendly_database_name: "Lakehouse",
      database_name: "main",
      hostname: "https://adb-1234567890123456.7.azuredatabricks.net",
      service_user_id: "svc-dbx-01",
    },
    wire: [
      {
        method: "POST",
        service: "altrnet",
        path: "/api/databases",
        body: {
          friendlyDatabaseName: "Lakehouse",
          databaseType: "databricks",
          databaseName: "main",
          hostname: "https://adb-1234567890123456.7.azuredatabricks.net",
          serviceUserID: "svc-dbx-01",
        },
      },
    ],
  },
  {
    tool: "update_database",
    args: { database_id: 42, friendly_database_name: "PROD_SNOWFLAKE", should_classify: false, database_password: "n3w-Passw0rd" },
    wire: [
      {
        method: "PATCH",
        service: "altrnet",
        path: "/api/databases/42",
        body: { friendlyDatabaseName: "PROD_SNOWFLAKE", databasePassword: "n3w-Passw0rd", shouldClassify: false },
      },
    ],
  },
  {
    tool: "trigger_database_status_sync",
    args: { database_id: 42 },
    wire: [{ method: "PATCH", service: "altrnet", path: "/api/databases/42/status" }],
  },
  {
    tool: "disconnect_database",
    args: { database_id: 42, ignore_errors: true },
    wire: [{ method: "DELETE", service: "altrnet", path: "/api/databases/42", query: { ignoreErrors: "true" } }],
  },
  {
    tool: "get_roles",
    args: {},
    wire: [{ method: "GET", service: "altrnet", path: "/api/userGroups", query: { offset: "0" } }],
  },
  {
    tool: "get_policies",
    args: { policy_type: "TAG" },
    wire: [{ method: "GET", service: "api", path: POLICY, query: { policy_type: "TAG" } }],
  },
  {
    tool: "create_policy",
    args: { tag: "PII" },
    wire: [{ method: "POST", service: "api", path: POLICY, body: { identifier: "PII", type: "TAG" } }],
  },
  {
    tool: "delete_policy",
    args: { policy_id: "TAG#PII" },
    wire: [{ method: "DELETE", service: "api", path: `${POLICY}/TAG%23PII` }],
  },
  {
    tool: "get_rules",
    args: { policy_id: "TAG#PII" },
    wire: [{ method: "GET", service: "api", path: `${POLICY}/TAG%23PII/rules` }],
  },
  {
    tool: "add_rules",
    args: {
      policy_id: "TAG#PII",
      rules: [
        { masking_policy: 10000, role: "ADMIN", tag_value: "SSN" },
        { masking_policy: 10003, role: "ANALYST", tag_value: "SSN" },
      ],
    },
    wire: [
      {
        method: "PATCH",
        service: "api",
        path: `${POLICY}/TAG%23PII/rules/batch`,
        body: {
          rules: [
            { action: "PUT", rule: { masking_policy: 10000, role: "ADMIN", tag_value: "SSN" } },
            { action: "PUT", rule: { masking_policy: 10003, role: "ANALYST", tag_value: "SSN" } },
          ],
        },
      },
    ],
  },
  {
    tool: "update_rule",
    args: {
      policy_id: "TAG#PII",
      rule_id: "TAG#PII#ROLE#ANALYST#TAG_VALUE#SSN",
      masking_policy: 10001,
      time_window_thresholds: {
        day: ["MONDAY", "TUESDAY"],
        start_time: { hour: 8, minute: 0 },
        end_time: { hour: 18, minute: 30 },
        timezone: "UTC",
        action: "BLOCK",
      },
    },
    wire: [
      {
        method: "PATCH",
        service: "api",
        path: `${POLICY}/TAG%23PII/rules/TAG%23PII%23ROLE%23ANALYST%23TAG_VALUE%23SSN`,
        body: {
          masking_policy: 10001,
          time_window_thresholds: [
            {
              day: ["MONDAY", "TUESDAY"],
              start_time: { hour: 8, minute: 0 },
              end_time: { hour: 18, minute: 30 },
              timezone: "UTC",
              action: "BLOCK",
            },
          ],
        },
      },
    ],
  },
  {
    tool: "delete_rule",
    args: { policy_id: "TAG#PII", rule_id: "TAG#PII#ROLE#ANALYST#TAG_VALUE#SSN" },
    wire: [
      { method: "DELETE", service: "api", path: `${POLICY}/TAG%23PII/rules/TAG%23PII%23ROLE%23ANALYST%23TAG_VALUE%23SSN` },
    ],
  },
];
