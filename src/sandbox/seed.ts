/**
 * The sandbox's demo organisation "Acme Retail": a Snowflake and a Databricks connection, the PII
 * and FINANCIAL tags connected (PII with its values), a masking policy with rules on PII (none yet
 * on FINANCIAL: `create_policy {"tag": "FINANCIAL"}` is the first thing to try), roles, a finished classification
 * job with findings, an Oracle (OLTP) repo behind a sidecar, an access request and some audit
 * rows. Ids are consistent across resources (database 42 is the Snowflake connection everywhere)
 * and reuse the ids of the documents' examples, so every example call finds its object.
 *
 * Keys are "<service> <path of the list that shows the items>"; collections not listed here start
 * from the documents' list examples on first use. Each list is checked against its schema at
 * compile time (`satisfies`) and against the document by tests/sandbox.test.ts.
 */
import type { components as Altrnet } from "../generated/altrnet.js";
import type { components as Api } from "../generated/api.js";
import type { components as Classification } from "../generated/classification.js";
import type { components as ScControl } from "../generated/sc-control.js";
import type { SandboxState } from "./types.js";
import { AGENT_INSTANCES, auditRecord, SIDECAR_AUDITS, SIDECAR_INSTANCES, TASK_REPORTS, type Traffic } from "./activity.js";
import { ruleOf, rulesKey } from "./overrides.js";
import { TOKENS } from "./tokens.js";
import { CLASSIFIERS, COLLECTIONS, ORG, QUERY_AUDITS, queryAudit } from "./warehouse.js";

const SNOWFLAKE = 42;
const DATABRICKS = 55;
const JOB = "3f8c2a91-5b7d-4e26-9c1a-7d4e8b2f6a10";
const SIDECAR = "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a";
const AUDIT_AGENT = "3f9c2b1e-8a7d-4c6b-9e5f-1a2b3c4d5e6f";
const CLASSIFIER_AGENT = "c5750de6-170d-46d3-a9bc-b5f7ba032ad0";
const AUDIT_TASK = "9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
const INSTANCE_EAST_1 = "c58a2976-d2df-4af4-9fba-bda6e09c8c1f";
const INSTANCE_EAST_2 = "7e6d5c4b-3a29-4180-9f7e-6d5c4b3a2918";
const PII_POLICY = "TAG#PII";

const databases = [
  {
    id: SNOWFLAKE,
    clientId: ORG,
    friendlyDatabaseName: "PROD_SNOWFLAKE",
    databaseType: "snowflake_external_functions",
    databaseName: "PROD_DB",
    databaseUsername: "ALTR_SERVICE_USER",
    SFCount: 12,
    inProgress: 0,
    lastConnectedTime: "2025-06-10T20:00:37.000Z",
  },
  {
    id: DATABRICKS,
    clientId: ORG,
    friendlyDatabaseName: "PROD_DATABRICKS",
    databaseType: "databricks",
    databaseName: "main",
    databaseUsername: null,
    SFCount: 0,
    inProgress: 0,
    lastConnectedTime: "2025-06-11T08:15:02.000Z",
  },
] satisfies Altrnet["schemas"]["Database"][];

const roles = [
  { userGroupId: 1, userGroupName: "ADMIN", userGroupType: "User Group", description: "Data platform administrators", groupTag: "ADMIN", usersInGroup: 2 },
  { userGroupId: 3, userGroupName: "ANALYST", userGroupType: "User Group", description: "Analysts who may see masked PII", groupTag: "ANALYST", usersInGroup: 14 },
  { userGroupId: 4, userGroupName: "DATA_SCIENTIST", userGroupType: "User Group", description: "Model builders; PII is tokenized for them", groupTag: "DATA_SCIENTIST", usersInGroup: 5 },
] satisfies Altrnet["schemas"]["UserGroup"][];

const tags = [
  {
    tag_group_id: "3f6e2a9c-1b7d-4c58-a0e4-9d2b8f1c7e65",
    tag_name: "PII",
    friendly_name: "PII",
    database_id: SNOWFLAKE,
    database_name: "PROD_DB",
    schema_name: "GOVERNANCE",
    database_type_enum: 9,
    masking_applied: {
      protection_type: "governed",
      custom_role_provider: { enabled: false },
      mask_data_type_list: ["VARCHAR", "NUMBER"],
      tracking_id: "5d0c7e3a-62f1-4b9e-8a47-1f2e3d4c5b6a",
    },
    masking_pending: null,
    masking_failed: null,
    created_at: "2025-06-10T20:05:11Z",
    updated_at: "2025-06-10T20:06:40Z",
  },
  {
    tag_group_id: "8b2d4f6a-0c1e-4a3b-9d5f-7e6c5b4a3921",
    tag_name: "FINANCIAL",
    friendly_name: "FINANCIAL",
    database_id: SNOWFLAKE,
    database_name: "PROD_DB",
    schema_name: "GOVERNANCE",
    database_type_enum: 9,
    masking_applied: { protection_type: "governed", custom_role_provider: { enabled: false }, mask_data_type_list: ["NUMBER"], tracking_id: "0a9b8c7d-6e5f-4a3b-2c1d-0e9f8a7b6c5d" },
    masking_pending: null,
    masking_failed: null,
    created_at: "2025-06-11T09:12:30Z",
    updated_at: "2025-06-11T09:13:02Z",
  },
] satisfies Api["schemas"]["TagMaskingItem"][];

const tagValues = [
  { tagID: "1c9e5a7b-3d2f-4e6a-8b0c-9d1e2f3a4b5c", tagKey: "PII", tagValue: "EMAIL", tagCreationTimeStamp: "06/10/2025 20:05:11" },
  { tagID: "2d0f6b8c-4e3a-4f7b-9c1d-0e2f3a4b5c6d", tagKey: "PII", tagValue: "SSN", tagCreationTimeStamp: "06/10/2025 20:05:11" },
  { tagID: "3e1a7c9d-5f4b-4a8c-8d2e-1f3a4b5c6d7e", tagKey: "PII", tagValue: "PHONE", tagCreationTimeStamp: "06/10/2025 20:05:11" },
  { tagID: "4f2b8d0e-6a5c-4b9d-9e3f-2a4b5c6d7e8f", tagKey: "FINANCIAL", tagValue: "CARD_NUMBER", tagCreationTimeStamp: "06/11/2025 09:12:30" },
] satisfies Api["schemas"]["TagValue"][];

const RULES_AT = "2025-06-10T20:14:40Z";
const rules = [
  ruleOf(PII_POLICY, "ADMIN", "SSN", "10000", RULES_AT),
  ruleOf(PII_POLICY, "ANALYST", "SSN", "10003", RULES_AT),
  ruleOf(PII_POLICY, "ANALYST", "EMAIL", "10002", RULES_AT),
];

const policies = [
  {
    policy_id: PII_POLICY,
    name: "PII",
    this_status: "SUCCESS",
    metadata: { updated_at: RULES_AT, roles: ["ADMIN", "ANALYST"] },
  },
] satisfies Api["schemas"]["Policy"][];

const accessRequests = [
  {
    PK: `ORG#${ORG}#ACCESS_REQUEST`,
    SK: "ACCESS_REQUEST#a56f3f23-e523-46a8-880e-a41339ae7e3c",
    id: "a56f3f23-e523-46a8-880e-a41339ae7e3c",
    client_id: ORG,
    created_at: "2025-06-12T18:20:05.713Z",
    updated_at: "2025-06-12T18:20:05.718Z",
    status: "OPEN",
    requester_identity: { requester: "Alice", email: "alice@example.com", role: "ANALYST" },
    requester_justification: "Quarterly revenue reporting",
    tracking_id: "b8490d10-0808-44f0-80b6-e244724d4030",
  },
] satisfies Api["schemas"]["AccessRequest"][];

const audits = [
  queryAudit("7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f", "ALICE", "ANALYST", "SELECT EMAIL FROM PROD_DB.SALES.CUSTOMERS", 1748822400000, "EMAIL", "MASK"),
  queryAudit("8d2e3f4a-5b6c-4d7e-9f0a-1b2c3d4e5f60", "BOB", "ADMIN", "SELECT SSN FROM PROD_DB.SALES.CUSTOMERS", 1748826000000, "SSN", "ALLOW"),
] satisfies Api["schemas"]["QueryAudit"][];

const jobs = [
  {
    job_id: JOB,
    database_id: SNOWFLAKE,
    collection_name: "pii_classifiers",
    job_type: "FULL",
    status: "COMPLETED",
    classification_type: 5,
    platform: "snowflake",
    sample_strategy: "ROWS",
    started_at: "2025-06-03T10:00:00Z",
    completed_at: "2025-06-03T10:24:31Z",
    updated_at: "2025-06-03T10:24:31Z",
    cols_processed: 10,
    findings_count: 5,
    retry_count: 0,
    org_id: ORG,
  },
] satisfies Classification["schemas"]["Job"][];

/** The one review decision of the seeded job (its other findings are pending). */
const decisions = [
  { job_id: JOB, org_id: ORG, database: "ANALYTICS", schema: "CRM DATA", table: "CUSTOMERS", column: "SSN", classifier_name: "US SSN", confirmed_status: "approved", decided_at: "2025-06-03T12:01:00Z" },
] satisfies Classification["schemas"]["Decision"][];

const repos = [
  {
    name: "orders_oracle",
    type: "Oracle",
    description: "Production orders database",
    hostname: "orders-db.internal.example.com",
    port: 1521,
    user_count: 1,
    service_user_count: 1,
    binding_count: 1,
    org_id: ORG,
    created_at: "2025-05-20T09:00:00Z",
    updated_at: "2025-05-20T09:00:00Z",
  },
] satisfies ScControl["schemas"]["Repo"][];

const sidecars = [
  {
    id: SIDECAR,
    name: "prod-sidecar-east",
    description: "Sidecar in front of the orders database",
    hostname: "sidecar-east.internal.example.com",
    org_id: ORG,
    data_plane_url: "https://dp.us-east-1.sc-control.live.altr.com",
    listener_count: 1,
    listener_repo_binding_count: 1,
    unsupported_query_bypass: false,
    disable_platform_audits: false,
    created_at: "2025-05-20T08:50:00Z",
    updated_at: "2025-05-20T08:50:00Z",
  },
] satisfies ScControl["schemas"]["Sidecar"][];

const listeners = [{ port: 1521, database_type: "Oracle", advertised_version: "19.0.0.0" }] satisfies ScControl["schemas"]["Listener"][];
const bindings = [{ sidecar_id: SIDECAR, port: 1521, repo_name: "orders_oracle" }] satisfies ScControl["schemas"]["Binding"][];

const repoUsers = [
  {
    username: "app_reader",
    repo_name: "orders_oracle",
    aws_secrets_manager: { secrets_path: "prod/orders/app_reader", iam_role: "arn:aws:iam::123456789012:role/AltrSidecarSecrets" },
    created_at: "2025-05-20T09:05:00Z",
    updated_at: "2025-05-20T09:05:00Z",
  },
] satisfies ScControl["schemas"]["RepoUser"][];

const serviceUsers = [
  { username: "altr_audit_svc", repo_name: "orders_oracle", resource: "arn:aws:iam::123456789012:role/AltrAuditAgent", aws_secrets_manager: { secrets_path: "prod/orders/altr_audit_svc" }, task_count: 1, created_at: "2025-05-20T09:10:00Z", updated_at: "2025-05-20T09:10:00Z" },
  { username: "altr_classification_svc", repo_name: "orders_oracle", resource: "arn:aws:iam::123456789012:role/AltrClassifierAgent", aws_secrets_manager: { secrets_path: "prod/orders/altr_classification_svc" }, task_count: 0, created_at: "2025-05-21T10:00:00Z", updated_at: "2025-05-21T10:00:00Z" },
] satisfies ScControl["schemas"]["ServiceUser"][];

/** The audit agent of the documents' examples, and the classifier agent the classification documents name. */
const agents = [
  {
    id: AUDIT_AGENT,
    type: "SIS",
    name: "prod-oracle-audit",
    description: "Audits the production Oracle repo",
    data_plane_url: "https://dp.us-east-1.sc-control.live.altr.com",
    task_count: 1,
    public_key_1: { rsa_key: "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo\n-----END PUBLIC KEY-----\n", registered_at: "2025-05-20T09:15:00Z" },
    created_at: "2025-05-20T09:15:00Z",
    updated_at: "2025-06-01T12:30:00Z",
  },
  {
    id: CLASSIFIER_AGENT,
    type: "CLASSIFIER",
    name: "prod-oltp-classifier",
    description: "Classifies the repos behind the sidecar",
    data_plane_url: "https://dp.us-east-1.sc-control.live.altr.com",
    task_count: 0,
    public_key_1: { rsa_key: "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA3vX7c2kPq9LmN0aRtY5w\n-----END PUBLIC KEY-----\n", registered_at: "2025-05-21T10:00:00Z" },
    created_at: "2025-05-21T10:00:00Z",
    updated_at: "2025-05-21T10:00:00Z",
  },
] satisfies ScControl["schemas"]["Agent"][];

const auditTasks = [
  {
    id: AUDIT_TASK,
    agent_id: AUDIT_AGENT,
    name: "oracle-nightly-audit",
    description: "",
    repo_name: "orders_oracle",
    service_user: "altr_audit_svc",
    configuration: { service_name: "ORCLPDB1", initial_audit_timestamp: "2025-06-01T00:00:00Z" },
    schedule: { type: "CRON", value: "0 2 * * *", timezone: "America/New_York", max_duration: "PT2H" },
    created_at: "2025-06-01T12:30:00Z",
    updated_at: "2025-06-01T12:30:00Z",
  },
] satisfies ScControl["schemas"]["Task"][];

/** Running instances: two of the sidecar (one checked in recently, one days before), one per agent. */
const sidecarInstances = [
  { sidecar_id: SIDECAR, instance_id: INSTANCE_EAST_1, checkin_time: 1752074611204, active_connections: 12, sidecar_version: "2.4.1", tags: { env: "prod" } },
  { sidecar_id: SIDECAR, instance_id: INSTANCE_EAST_2, checkin_time: 1748945700000, active_connections: 0, sidecar_version: "2.4.0", tags: { env: "prod" } },
] satisfies ScControl["schemas"]["SidecarInstance"][];
const agentInstances = [
  { agent_id: AUDIT_AGENT, instance_id: "b55f7214-191b-47df-adf1-9b004fd98e39", agent_time: 1752074610981, checkin_time: 1752074611204, active_tasks: 1, idle_tasks: 0, tags: { env: "prod" } },
  { agent_id: CLASSIFIER_AGENT, instance_id: "0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6", agent_time: 1749549999000, checkin_time: 1749550000000, active_tasks: 0, idle_tasks: 0, tags: { env: "prod" } },
] satisfies ScControl["schemas"]["AgentInstance"][];
const taskReports = [
  {
    task_id: AUDIT_TASK,
    agent_id: AUDIT_AGENT,
    status: "RUNNING",
    task_type: "AUDIT",
    repository: "orders_oracle",
    service_user: "altr_audit_svc",
    agent_time: 1752074610981,
    checkin_time: 1752074611204,
    messages: [{ severity: "Warning", message: "Unified auditing trail is close to its retention limit." }],
    tags: {},
  },
] satisfies ScControl["schemas"]["TaskTelemetry"][];

/** Three days of traffic through the sidecar to orders_oracle (its columns are warehouse.ts's ORCL model). */
const east = (instance: string) => ({ id: SIDECAR, instance_id: instance, version: instance === INSTANCE_EAST_1 ? "2.4.1" : "2.4.0" });
const ORDERS_REPO = { name: "orders_oracle", type: "Oracle", host: "orders-db.internal.example.com", port: 1521 };
const JDOE = { username: "jdoe", email: "jdoe@example.com", user_groups: ["ANALYST"] };
const ASMITH = { username: "asmith", email: "asmith@example.com", user_groups: ["ADMIN"] };
const ORDERS_APP = { username: "orders_app", user_groups: [] as string[] };
const MLEE = { username: "mlee", email: "mlee@example.com", user_groups: ["DATA_SCIENTIST"] };
const statement = (text: string, type: string, table: string, columns: string[], records: number, ms: number, extra: { block?: boolean; policies?: string[] } = {}) => ({ text, type, schema: "ORDERS", table, columns, records, ms, ...extra });
const traffic: Traffic[] = [
  { at: "2025-06-01T14:03:25Z", user: JDOE, repoUser: "app_reader", connection: { authorized: true } },
  { at: "2025-06-01T14:03:27Z", user: JDOE, repoUser: "app_reader", statement: statement("SELECT EMAIL FROM ORDERS.CUSTOMERS WHERE ID = 7", "SELECT", "CUSTOMERS", ["EMAIL"], 1, 23) },
  { at: "2025-06-01T15:10:00Z", user: JDOE, repoUser: "app_reader", statement: statement("SELECT EMAIL, SSN FROM ORDERS.CUSTOMERS", "SELECT", "CUSTOMERS", ["EMAIL", "SSN"], 250, 410, { policies: ["PII"] }) },
  { at: "2025-06-01T16:45:12Z", user: ASMITH, repoUser: "app_reader", statement: statement("UPDATE ORDERS.CUSTOMERS SET EMAIL = 'ann@example.com' WHERE ID = 7", "UPDATE", "CUSTOMERS", ["EMAIL"], 1, 31) },
  { at: "2025-06-02T09:00:03Z", user: ORDERS_APP, repoUser: "app_reader", statement: statement("INSERT INTO ORDERS.PAYMENTS (CARD_NUMBER) VALUES ('4111-1111-1111-1111')", "INSERT", "PAYMENTS", ["CARD_NUMBER"], 1, 18) },
  { at: "2025-06-02T11:30:40Z", user: JDOE, repoUser: "app_reader", statement: statement("SELECT CARD_NUMBER FROM ORDERS.PAYMENTS", "SELECT", "PAYMENTS", ["CARD_NUMBER"], 0, 5, { block: true, policies: ["FINANCIAL"] }) },
  { at: "2025-06-02T18:22:09Z", user: MLEE, repoUser: "app_reader", connection: { authorized: false, error: "user mlee may not use repo orders_oracle" } },
  { at: "2025-06-03T08:05:55Z", user: ASMITH, repoUser: "app_reader", statement: statement("SELECT SSN FROM ORDERS.CUSTOMERS WHERE ID = 12", "SELECT", "CUSTOMERS", ["SSN"], 1, 19, { policies: ["PII"] }) },
  { at: "2025-06-03T10:12:00Z", user: ASMITH, repoUser: "app_reader", statement: statement("DELETE FROM ORDERS.PAYMENTS WHERE ID IN (3, 4, 5)", "DELETE", "PAYMENTS", ["ID"], 3, 44) },
  { at: "2025-06-03T13:40:31Z", user: JDOE, repoUser: "app_reader", statement: statement("SELECT EMAIL FROM ORDERS.CUSTOMERS", "SELECT", "CUSTOMERS", ["EMAIL"], 40, 120) },
].map((t, i) => ({ ...t, sidecar: east(i === 7 || i === 8 ? INSTANCE_EAST_2 : INSTANCE_EAST_1), repo: ORDERS_REPO, database: "ORCL" }));
const sidecarAudits = traffic.map((t, i) => auditRecord(t, i));

/** The documents' example tokens, so their examples detokenize (deterministic: the same value keeps its token). */
const vaultTokens = [
  { token: "vaultn_8KzQ2mW4pR7tY1vX3cB6nD9fG0hJ5kL2", value: "123-45-6789", deterministic: false },
  { token: "vaultn_3HsT6uV9wX2yZ5aB8cD1eF4gH7iJ0kL3", value: "4111 1111 1111 1111", deterministic: false },
];
const criticalTokens = [
  { token: "token_D4xX6U0dvORHDCOSrfTFhV7tRea2T1ek0RUpLCKbEKZYyVp3oVYPgKOvTyiDRa1W", value: "123-45-6789", deterministic: false },
  { token: "token_fKK064rOjZqHQlacME1kf3niLiBaTwS7Mpf6wla1R7EmwZP4fYeMADGgp9ODPSBG", value: "4111 1111 1111 1111", deterministic: false },
];

export const SEED: SandboxState = {
  version: 1,
  collections: {
    "altrnet /api/databases": databases,
    "altrnet /api/userGroups": roles,
    "api /v1/tag/masking": tags,
    "api /v1/dis/tags/v2/tags/list": tagValues,
    "api /v1/unified-policy/management/policy": policies,
    [`api ${rulesKey(PII_POLICY)}`]: rules,
    "api /v1/unified-policy/management/accessRequest": accessRequests,
    [`api ${QUERY_AUDITS}`]: audits,
    "classification /v1/jobs": jobs,
    "classification sandbox/decisions": decisions,
    [`vault ${TOKENS}`]: vaultTokens,
    [`critical ${TOKENS}`]: criticalTokens,
    "classification /v1/classifiers": CLASSIFIERS,
    "classification /v1/collections": COLLECTIONS,
    "sc_control /v1/repos": repos,
    "sc_control /v1/sidecars": sidecars,
    [`sc_control /v1/sidecars/${SIDECAR}/ports`]: listeners,
    [`sc_control /v1/sidecars/${SIDECAR}/bindings`]: bindings,
    "sc_control /v1/repos/orders_oracle/users": repoUsers,
    "sc_control /v1/repos/orders_oracle/serviceusers": serviceUsers,
    "sc_control /v1/agents": agents,
    [`sc_control /v1/agents/${AUDIT_AGENT}/tasks`]: auditTasks,
    [`sc_control /v1/agents/${CLASSIFIER_AGENT}/tasks`]: [],
    [`sc_control ${SIDECAR_INSTANCES}`]: sidecarInstances,
    [`sc_control ${AGENT_INSTANCES}`]: agentInstances,
    [`sc_control ${TASK_REPORTS}`]: taskReports,
    [`sc_control ${SIDECAR_AUDITS}`]: sidecarAudits,
  },
};
