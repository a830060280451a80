import type { ToolCase, WireCall } from "./types.js";

/** Ids shared with the examples in openapi/sc-control.yaml. */
export const AGENT = "3f9c2b1e-8a7d-4c6b-9e5f-1a2b3c4d5e6f";
export const TASK = "9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
export const SIDECAR = "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a";
export const ROLE_ARN = "arn:aws:iam::123456789012:role/AltrSidecarSecrets";

const sc = (method: WireCall["method"], path: string, rest: Partial<WireCall> = {}): WireCall[] => [
  { method, service: "sc_control", path: `/v1${path}`, ...rest },
];

export const sidecarCases: ToolCase[] = [
  {
    tool: "list_sc_agents",
    args: { agent_type: "sis", limit: 25, name_starts_with: "prod-" },
    // agent_type is matched case-insensitively and sent as the query key `type`.
    wire: sc("GET", "/agents", { query: { limit: "25", type: "SIS", name_starts_with: "prod-" } }),
  },
  {
    tool: "create_sc_agent",
    args: { agent_type: "SIS", name: "prod-oracle-audit", description: "Audits the production Oracle repo" },
    wire: sc("POST", "/agents", { body: { type: "SIS", name: "prod-oracle-audit", description: "Audits the production Oracle repo" } }),
  },
  { tool: "get_sc_agent", args: { agent_id: AGENT }, wire: sc("GET", `/agents/${AGENT}`) },
  {
    tool: "update_sc_agent",
    args: { agent_id: AGENT, description: "Audits the production Oracle repo nightly" },
    wire: sc("PATCH", `/agents/${AGENT}`, { body: { description: "Audits the production Oracle repo nightly" } }),
  },
  { tool: "disconnect_sc_agent", args: { agent_id: AGENT }, wire: sc("DELETE", `/agents/${AGENT}`) },
  {
    tool: "list_sc_agent_tasks",
    args: { agent_id: AGENT, contiguous_id: "eyJQSyI6Ik9SRyMxIn0" },
    wire: sc("GET", `/agents/${AGENT}/tasks`, { query: { contiguous_id: "eyJQSyI6Ik9SRyMxIn0" } }),
  },
  {
    tool: "create_sc_agent_task",
    args: {
      agent_id: AGENT,
      name: "oracle-nightly-audit",
      repo_name: "orders_oracle",
      service_user: "altr_audit_svc",
      // Both structured parameters as JSON strings, as some clients send them.
      configuration: JSON.stringify({ service_name: "ORCLPDB1", initial_audit_timestamp: "2025-06-01T00:00:00Z" }),
      schedule: JSON.stringify({ value: "0 2 * * *", timezone: "America/New_York", max_duration: "PT2H" }),
    },
    wire: sc("POST", `/agents/${AGENT}/tasks`, {
      body: {
        name: "oracle-nightly-audit",
        repo_name: "orders_oracle",
        service_user: "altr_audit_svc",
        configuration: { service_name: "ORCLPDB1", initial_audit_timestamp: "2025-06-01T00:00:00Z" },
        schedule: { type: "CRON", value: "0 2 * * *", timezone: "America/New_York", max_duration: "PT2H" },
      },
    }),
  },
  {
    tool: "update_sc_agent_task",
    args: { agent_id: AGENT, task_id: TASK, schedule: { type: "cron", value: "30 1 * * *", timezone: "UTC" } },
    wire: sc("PATCH", `/agents/${AGENT}/tasks/${TASK}`, { body: { schedule: { type: "CRON", value: "30 1 * * *", timezone: "UTC" } } }),
  },
  { tool: "delete_sc_agent_task", args: { agent_id: AGENT, task_id: TASK }, wire: sc("DELETE", `/agents/${AGENT}/tasks/${TASK}`) },
  {
    tool: "list_sc_repos",
    args: { repo_type: "postgres" },
    // The filter's wire key is repo_type (ALTR's document and the upstream agree).
    wire: sc("GET", "/repos", { query: { repo_type: "Postgres" } }),
  },
  {
    tool: "list_sc_repos",
    args: { name_starts_with: "orders", limit: 50 },
    wire: sc("GET", "/repos", { query: { name_starts_with: "orders", limit: "50" } }),
  },
  {
    tool: "create_sc_repo",
    args: { name: "orders_oracle", repo_type: "Oracle", hostname: "orders-db.internal.example.com", port: 1521, description: "Production orders database" },
    wire: sc("POST", "/repos", {
      body: { name: "orders_oracle", type: "Oracle", hostname: "orders-db.internal.example.com", port: 1521, description: "Production orders database" },
    }),
  },
  { tool: "get_sc_repo", args: { repo_name: "orders db" }, wire: sc("GET", "/repos/orders%20db") },
  {
    tool: "update_sc_repo",
    args: { repo_name: "orders_oracle", description: "Production orders database (EU)" },
    wire: sc("PATCH", "/repos/orders_oracle", { body: { description: "Production orders database (EU)" } }),
  },
  { tool: "disconnect_sc_repo", args: { repo_name: "orders_oracle" }, wire: sc("DELETE", "/repos/orders_oracle") },
  {
    tool: "list_sc_repo_users",
    args: { repo_name: "orders_oracle", limit: 100 },
    wire: sc("GET", "/repos/orders_oracle/users", { query: { limit: "100" } }),
  },
  {
    tool: "create_sc_repo_user",
    args: { repo_name: "orders_oracle", username: "app_reader", aws_secrets_manager: { secrets_path: "prod/orders/app_reader", iam_role: ROLE_ARN } },
    wire: sc("POST", "/repos/orders_oracle/users", {
      body: { username: "app_reader", aws_secrets_manager: { secrets_path: "prod/orders/app_reader", iam_role: ROLE_ARN } },
    }),
  },
  {
    tool: "get_sc_repo_user",
    args: { repo_name: "orders_oracle", username: "app reader/ro" },
    wire: sc("GET", "/repos/orders_oracle/users/app%20reader%2Fro"),
  },
  {
    tool: "update_sc_repo_user",
    args: {
      repo_name: "orders_oracle",
      username: "app_reader",
      azure_key_vault: JSON.stringify({ key_vault_uri: "https://orders-kv.vault.azure.net/", secret_name: "app-reader-password" }),
    },
    wire: sc("PATCH", "/repos/orders_oracle/users/app_reader", {
      body: { azure_key_vault: { key_vault_uri: "https://orders-kv.vault.azure.net/", secret_name: "app-reader-password" } },
    }),
  },
  {
    // ALTR's other credential sources: an environment variable of the sidecar, a secret file.
    tool: "create_sc_repo_user",
    args: { repo_name: "orders_oracle", username: "app_reader", environment_variable: { variable_name: "ORDERS_APP_READER_PW" } },
    wire: sc("POST", "/repos/orders_oracle/users", { body: { username: "app_reader", environment_variable: { variable_name: "ORDERS_APP_READER_PW" } } }),
  },
  {
    tool: "update_sc_repo_user",
    args: { repo_name: "orders_oracle", username: "app_reader", secret_file: JSON.stringify({ path: "app_reader_password" }) },
    wire: sc("PATCH", "/repos/orders_oracle/users/app_reader", { body: { secret_file: { path: "app_reader_password" } } }),
  },
  { tool: "disconnect_sc_repo_user", args: { repo_name: "orders_oracle", username: "app_reader" }, wire: sc("DELETE", "/repos/orders_oracle/users/app_reader") },
  {
    tool: "list_sc_service_users",
    args: { repo_name: "orders_oracle", username_starts_with: "altr_" },
    wire: sc("GET", "/repos/orders_oracle/serviceusers", { query: { username_starts_with: "altr_" } }),
  },
  {
    // Without repo_name: every service user of the organisation (its other declared operation).
    tool: "list_sc_service_users",
    args: { limit: 10 },
    wire: sc("GET", "/serviceusers", { query: { limit: "10" } }),
  },
  {
    tool: "create_sc_service_user",
    args: {
      repo_name: "orders_oracle",
      username: "altr_audit_svc",
      resource: "arn:aws:iam::123456789012:role/AltrAuditAgent",
      aws_secrets_manager: { secrets_path: "prod/orders/altr_audit_svc" },
    },
    wire: sc("POST", "/repos/orders_oracle/serviceusers", {
      body: {
        username: "altr_audit_svc",
        resource: "arn:aws:iam::123456789012:role/AltrAuditAgent",
        aws_secrets_manager: { secrets_path: "prod/orders/altr_audit_svc" },
      },
    }),
  },
  {
    tool: "create_sc_service_user",
    args: { repo_name: "orders_oracle", username: "altr_audit_svc", resource: "arn:aws:iam::123456789012:role/AltrAuditAgent", secret_file: { path: "altr_audit_svc" } },
    wire: sc("POST", "/repos/orders_oracle/serviceusers", {
      body: { username: "altr_audit_svc", resource: "arn:aws:iam::123456789012:role/AltrAuditAgent", secret_file: { path: "altr_audit_svc" } },
    }),
  },
  {
    tool: "get_sc_service_user",
    args: { repo_name: "orders_oracle", username: "altr_audit_svc" },
    wire: sc("GET", "/repos/orders_oracle/serviceusers/altr_audit_svc"),
  },
  {
    tool: "update_sc_service_user",
    args: { repo_name: "orders_oracle", username: "altr_audit_svc", resource: "arn:aws:iam::123456789012:role/AltrAuditAgentV2" },
    wire: sc("PATCH", "/repos/orders_oracle/serviceusers/altr_audit_svc", { body: { resource: "arn:aws:iam::123456789012:role/AltrAuditAgentV2" } }),
  },
  {
    tool: "update_sc_service_user",
    args: { repo_name: "orders_oracle", username: "altr_audit_svc", environment_variable: { variable_name: "ALTR_AUDIT_SVC_PW" } },
    wire: sc("PATCH", "/repos/orders_oracle/serviceusers/altr_audit_svc", { body: { environment_variable: { variable_name: "ALTR_AUDIT_SVC_PW" } } }),
  },
  {
    tool: "disconnect_sc_service_user",
    args: { repo_name: "orders_oracle", username: "altr_audit_svc" },
    wire: sc("DELETE", "/repos/orders_oracle/serviceusers/altr_audit_svc"),
  },
  { tool: "list_sc_sidecars", args: {}, wire: sc("GET", "/sidecars") },
  {
    tool: "create_sc_sidecar",
    args: { name: "prod-sidecar-east", hostname: "sidecar-east.internal.example.com", unsupported_query_bypass: false },
    // false is sent, not dropped.
    wire: sc("POST", "/sidecars", { body: { name: "prod-sidecar-east", hostname: "sidecar-east.internal.example.com", unsupported_query_bypass: false } }),
  },
  { tool: "get_sc_sidecar", args: { sidecar_id: SIDECAR }, wire: sc("GET", `/sidecars/${SIDECAR}`) },
  {
    tool: "update_sc_sidecar",
    args: { sidecar_id: SIDECAR, disable_platform_audits: false },
    wire: sc("PATCH", `/sidecars/${SIDECAR}`, { body: { disable_platform_audits: false } }),
  },
  { tool: "disconnect_sc_sidecar", args: { sidecar_id: SIDECAR }, wire: sc("DELETE", `/sidecars/${SIDECAR}`) },
  { tool: "list_sc_sidecar_listeners", args: { sidecar_id: SIDECAR }, wire: sc("GET", `/sidecars/${SIDECAR}/ports`) },
  {
    tool: "register_sc_sidecar_listener",
    args: { sidecar_id: SIDECAR, port: 1521, database_type: "Oracle", advertised_version: "19.0.0.0" },
    wire: sc("POST", `/sidecars/${SIDECAR}/ports`, { body: { port: 1521, database_type: "Oracle", advertised_version: "19.0.0.0" } }),
  },
  { tool: "deregister_sc_sidecar_listener", args: { sidecar_id: SIDECAR, port: 1521 }, wire: sc("DELETE", `/sidecars/${SIDECAR}/ports/1521`) },
  {
    tool: "list_sc_sidecar_bindings",
    args: { sidecar_id: SIDECAR, ports: [1521, 5432], repo_names: "orders_oracle, billing_pg" },
    wire: sc("GET", `/sidecars/${SIDECAR}/bindings`, { query: { ports: "1521,5432", repo_names: "orders_oracle,billing_pg" } }),
  },
  {
    tool: "list_sc_repo_bindings",
    args: { repo_name: "orders_oracle", ports: "1521", sidecar_ids: [SIDECAR] },
    wire: sc("GET", "/repos/orders_oracle/bindings", { query: { ports: "1521", sidecar_ids: SIDECAR } }),
  },
  {
    tool: "get_sc_sidecar_binding",
    args: { sidecar_id: SIDECAR, port: 1521, repo_name: "orders_oracle" },
    wire: sc("GET", `/sidecars/${SIDECAR}/bindings/ports/1521/repos/orders_oracle`),
  },
  {
    tool: "create_sc_sidecar_binding",
    args: { sidecar_id: SIDECAR, port: 1521, repo_name: "orders_oracle" },
    // All identifiers in the path; no body.
    wire: sc("POST", `/sidecars/${SIDECAR}/bindings/ports/1521/repos/orders_oracle`),
  },
  {
    tool: "disconnect_sc_sidecar_binding",
    args: { sidecar_id: SIDECAR, port: 1521, repo_name: "orders_oracle" },
    wire: sc("DELETE", `/sidecars/${SIDECAR}/bindings/ports/1521/repos/orders_oracle`),
  },
];
