import { POLICY_PATH as POLICY, type ToolCase } from "./types.js";

export const policyCases: ToolCase[] = [
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
    tool: "get_policies",
    args: { policy_type: "TAG", sort_by: "updated_at", order_by: "desc" },
    wire: [{ method: "GET", service: "api", path: POLICY, query: { policy_type: "TAG", sort_by: "updated_at", order_by: "desc" } }],
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
    // ALTR's force-delete flag, under the tool's own snake_case name.
    tool: "delete_policy",
    args: { policy_id: "TAG#PII", force_delete: true },
    wire: [{ method: "DELETE", service: "api", path: `${POLICY}/TAG%23PII`, query: { "force-delete": "true" } }],
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
      // The roles and the tag's values are checked before anything is written.
      { method: "GET", service: "altrnet", path: "/api/userGroups", query: { offset: "0" } },
      { method: "GET", service: "api", path: "/v1/dis/tags/v2/tags/list", query: { filter: "PII", offset: "0", limit: "100" } },
      // The current rules, to report each rule as created, updated or unchanged.
      { method: "GET", service: "api", path: `${POLICY}/TAG%23PII/rules` },
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
        // Either case is accepted from the user; ALTR's lower case is sent (wire change, issue 15).
        day: ["MONDAY", "tuesday"],
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
              day: ["monday", "tuesday"],
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
    // A new role or tag value is checked against ALTR before the write.
    tool: "update_rule",
    args: { policy_id: "TAG#PII", rule_id: "TAG#PII#ROLE#ANALYST#TAG_VALUE#SSN", role: "ADMIN", tag_value: "EMAIL" },
    wire: [
      { method: "GET", service: "altrnet", path: "/api/userGroups", query: { offset: "0" } },
      { method: "GET", service: "api", path: "/v1/dis/tags/v2/tags/list", query: { filter: "PII", offset: "0", limit: "100" } },
      {
        method: "PATCH",
        service: "api",
        path: `${POLICY}/TAG%23PII/rules/TAG%23PII%23ROLE%23ANALYST%23TAG_VALUE%23SSN`,
        body: { role: "ADMIN", tag_value: "EMAIL" },
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
