import type { ToolCase } from "./types.js";

export const databaseCases: ToolCase[] = [
  {
    tool: "get_databases",
    args: {},
    // Fixes the upstream's unpaged call: pages with offset/limit until count is reached.
    wire: [{ method: "GET", service: "altrnet", path: "/api/databases", query: { offset: "0", limit: "50" } }],
  },
  {
    tool: "get_databases",
    args: { sortBy: "id", orderBy: "desc" },
    wire: [{ method: "GET", service: "altrnet", path: "/api/databases", query: { offset: "0", limit: "50", sortBy: "id", orderBy: "desc" } }],
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
    tool: "get_service_users",
    args: { limit: 50, prefix: "ALTR_SVC_", order_by: "desc", contiguous_id: "eyJDb250aW" },
    wire: [{ method: "GET", service: "service_user", path: "/v1/services/snowflake/users", query: { limit: "50", prefix: "ALTR_SVC_", order_by: "desc", contiguous_id: "eyJDb250aW" } }],
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
];
