import type { ToolCase } from "./types.js";

const GROUP = "3f6e2a9c-1b7d-4c58-a0e4-9d2b8f1c7e65";
const TAG = "/v1/tag/masking";

export const tagCases: ToolCase[] = [
  {
    tool: "get_tags",
    args: {},
    // Fixes the upstream's cursor-less has_more loop: pages with offset/limit while has_more.
    wire: [{ method: "GET", service: "api", path: TAG, query: { offset: "0", limit: "50" } }],
  },
  {
    tool: "get_tags",
    args: { database_id: 42, tag_name: "PII", friendly_name: "PII", protection_type: "governed", status_include: ["applied", "pending"], status_exclude: "failed", order_by: "desc" },
    // The status lists go comma-separated, as ALTR documents them.
    wire: [
      {
        method: "GET",
        service: "api",
        path: TAG,
        query: { offset: "0", limit: "50", database_id: "42", tag_name: "PII", friendly_name: "PII", protection_type: "governed", status_include: "applied,pending", status_exclude: "failed", order_by: "desc" },
      },
    ],
  },
  {
    tool: "get_tag_values",
    args: { tag_name: "PII", dataTagGroupID: "7" },
    wire: [{ method: "GET", service: "api", path: "/v1/dis/tags/v2/tags/list", query: { filter: "PII", offset: "0", limit: "100", dataTagGroupID: "7" } }],
  },
  {
    tool: "get_tag_values",
    args: { tag_name: "PII" },
    // Fixes the upstream's repeated first page: pages with offset/limit until totals.tagCount.
    wire: [{ method: "GET", service: "api", path: "/v1/dis/tags/v2/tags/list", query: { filter: "PII", offset: "0", limit: "100" } }],
  },
  {
    tool: "get_tag_details",
    args: { database_id: 42, database_name: "PROD_DB", tag_name: "PII", schema_name: "GOVERNANCE", protection_type: "governed" },
    wire: [
      {
        method: "GET",
        service: "api",
        path: `${TAG}/database/42/database-name/PROD_DB/tag-name/PII/schema-name/GOVERNANCE`,
        query: { "protection-type": "governed" },
      },
    ],
  },
  {
    tool: "get_tag_details_by_group_id",
    args: { tag_group_id: GROUP },
    wire: [{ method: "GET", service: "api", path: `${TAG}/tag/${GROUP}` }],
  },
  {
    tool: "connect_tag",
    args: { database_name: "PROD_SNOWFLAKE", schema_name: "GOVERNANCE", tag_name: "PII" },
    wire: [
      {
        method: "GET",
        service: "altrnet",
        path: "/api/databases",
        query: { friendlyDatabaseName: "PROD_SNOWFLAKE", limit: "50" },
      },
      {
        method: "PUT",
        service: "api",
        path: `${TAG}/`,
        body: {
          database_id: 42,
          database_name: "PROD_DB",
          schema_name: "GOVERNANCE",
          tag_name: "PII",
          friendly_name: "PII",
          masking: { custom_role_provider: { enabled: false }, protection_type: "governed" },
        },
      },
    ],
  },
  {
    tool: "update_tag",
    args: { tag_group_id: GROUP, custom_role_provider_enabled: true },
    // Reads the tag first; the PUT keeps its stored protection type and data types.
    wire: [
      { method: "GET", service: "api", path: `${TAG}/tag/${GROUP}` },
      {
        method: "PUT",
        service: "api",
        path: `${TAG}/tag/${GROUP}`,
        body: {
          database_id: 42,
          friendly_name: "PII",
          masking: { protection_type: "governed", custom_role_provider: { enabled: true }, mask_data_type_list: ["VARCHAR", "NUMBER"] },
        },
      },
    ],
  },
  {
    tool: "disconnect_tag",
    args: { tag_group_id: GROUP },
    wire: [{ method: "DELETE", service: "api", path: `${TAG}/tag/${GROUP}` }],
  },
  {
    tool: "disconnect_tag",
    args: { tag_group_id: GROUP, ignore_errors: false },
    // false is sent, not dropped.
    wire: [{ method: "DELETE", service: "api", path: `${TAG}/tag/${GROUP}`, query: { ignore_errors: "false" } }],
  },
  {
    tool: "disconnect_tag_by_details",
    args: { database_id: 42, database_name: "PROD_DB", schema_name: "GOVERNANCE", tag_name: "PII" },
    wire: [
      {
        method: "DELETE",
        service: "api",
        path: `${TAG}/`,
        query: { ignore_errors: "false" },
        body: { database_id: 42, database_name: "PROD_DB", schema_name: "GOVERNANCE", tag_name: "PII" },
      },
    ],
  },
];
