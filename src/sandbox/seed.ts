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
import { ruleOf, rulesKey } from "./overrides.js";
import { TOKENS } from "./tokens.js";
import { CLASSIFIERS, COLLECTIONS, ORG, QUERY_AUDITS, queryAudit } from "./warehouse.js";

const SNOWFLAKE = 42;
const DATABRICKS = 55;
const JOB = "3f8c2a91-5b7d-4e26-9c1a-7d4e8b2f6a10";
const SIDECAR = "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a";
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
  },
};
