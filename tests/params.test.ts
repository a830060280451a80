/**
 * The optional parameters issue 15 exposes from ALTR's published documents: bad input is refused
 * naming the field with nothing sent, and a good one goes on the wire exactly where ALTR's
 * document puts it (tests/cases/* hold the Prism cases; tests/sandbox-params.test.ts the sandbox).
 */
import type { ElicitRequest } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { ALL_TOOLS } from "../src/tools/index.js";
import { baseUrlsFrom, connect, envelope } from "./helpers/harness.js";
import { describeInvalidInput, h, queryOf, stub, useStubHarness } from "./helpers/stub-harness.js";

const AGENT = "3f9c2b1e-8a7d-4c6b-9e5f-1a2b3c4d5e6f";
const SIDECAR = "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a";
const ARN = "arn:aws:iam::123456789012:role/AltrAuditAgent";
const repoUser = { repo_name: "orders_oracle", username: "u" };
const svcUser = { ...repoUser, resource: ARN };
const aws = { secrets_path: "prod/u" };
const env = { variable_name: "DB_PASSWORD" };
const file = { path: "db_password" };
const window = { start: "22:00", end: "06:00" };

useStubHarness();

const INVALID: [tool: string, args: Record<string, unknown>, field: string][] = [
  // Credential sources: exactly one, each validated; a mix is refused naming every field given.
  ["create_sc_repo_user", { ...repoUser, environment_variable: env, secret_file: file }, "environment_variable, secret_file"],
  ["create_sc_repo_user", { ...repoUser, aws_secrets_manager: aws, environment_variable: env }, "aws_secrets_manager, environment_variable"],
  ["create_sc_repo_user", { ...repoUser, aws_secrets_manager: aws, environment_variable: env, secret_file: file }, "not several"],
  ["create_sc_repo_user", repoUser, "environment_variable or secret_file"],
  ["create_sc_repo_user", { ...repoUser, environment_variable: { variable_name: "DB-PASSWORD" } }, "environment_variable.variable_name"],
  ["create_sc_repo_user", { ...repoUser, environment_variable: { variable_name: "1PW" } }, "environment_variable.variable_name"],
  ["create_sc_repo_user", { ...repoUser, environment_variable: { name: "PW" } }, "environment_variable"],
  ["create_sc_repo_user", { ...repoUser, environment_variable: "PW" }, "environment_variable"],
  ["create_sc_repo_user", { ...repoUser, secret_file: { path: "../etc/passwd" } }, "secret_file.path"],
  ["create_sc_repo_user", { ...repoUser, secret_file: { path: "/altr/secrets/pw" } }, "secret_file.path"],
  ["create_sc_repo_user", { ...repoUser, secret_file: { path: ".." } }, "secret_file.path"],
  ["create_sc_repo_user", { ...repoUser, secret_file: { path: "a\\b" } }, "secret_file.path"],
  ["create_sc_repo_user", { ...repoUser, secret_file: { path: "pw", mode: "0400" } }, "secret_file.mode"],
  ["update_sc_repo_user", { ...repoUser, secret_file: file, azure_key_vault: { key_vault_uri: "https://kv.vault.azure.net/", secret_name: "s" } }, "azure_key_vault, secret_file"],
  ["create_sc_service_user", { ...svcUser, secret_file: file, environment_variable: env }, "environment_variable, secret_file"],
  ["create_sc_service_user", { ...svcUser }, "secret_file"],
  ["update_sc_service_user", { ...repoUser, aws_secrets_manager: aws, secret_file: file }, "aws_secrets_manager, secret_file"],
  ["update_sc_service_user", { ...repoUser, environment_variable: { variable_name: "" } }, "environment_variable.variable_name"],
  // Repos by name prefix.
  ["list_sc_repos", { name_starts_with: "  " }, "name_starts_with"],
  ["list_sc_repos", { name_starts_with: 7 }, "name_starts_with"],
  // Check-in bounds: unix ms, a duration ago (m, h, d) or RFC 3339; an empty window is refused.
  ["get_agent_instances", { agent_id: AGENT, checkin_after: "yesterday" }, "checkin_after"],
  ["get_agent_instances", { agent_id: AGENT, checkin_after: "5s" }, "checkin_after"],
  ["get_agent_instances", { agent_id: AGENT, checkin_before: "-5m" }, "checkin_before"],
  ["get_agent_instances", { agent_id: AGENT, checkin_before: "2025-02-30" }, "checkin_before"],
  ["get_agent_instances", { agent_id: AGENT, checkin_after: "1h", checkin_before: "2h" }, "checkin_after"],
  ["get_sidecar_instances", { sidecar_id: SIDECAR, checkin_after: "1752074611204", checkin_before: "1752074611203" }, "checkin_after"],
  ["get_sidecar_instances", { sidecar_id: SIDECAR, checkin_after: 1752074611204 }, "checkin_after"],
  // Audit searches: repo_name; timezone only with a time-of-day window, which needs one.
  ["search_audits", { repo_name: [""] }, "repo_name"],
  ["search_audits", { timezone: "America/New_York" }, "timezone"],
  ["search_audits", { time_of_day: window }, "timezone"],
  ["search_audits", { time_of_day: window, timezone: "Mars/Olympus" }, "timezone"],
  ["search_audits", { time_of_day: { start: "24:00", end: "06:00" }, timezone: "UTC" }, "time_of_day.start"],
  ["search_audits", { time_of_day: { start: "9:00", end: "17:00" }, timezone: "UTC" }, "time_of_day.start"],
  ["search_audits", { time_of_day: { start: "09:00", end: "09:00" }, timezone: "UTC" }, "time_of_day.end"],
  ["search_audits", { time_of_day: { start: "09:00" }, timezone: "UTC" }, "time_of_day.end"],
  ["search_query_audits", { timezone: "UTC" }, "timezone"],
  ["search_query_audits", { time_of_day: window }, "timezone"],
  ["search_query_audits", { time_of_day: "22:00-06:00", timezone: "UTC" }, "time_of_day"],
  // Sort and filters of the other lists: enums and bounds as ALTR documents them.
  ["get_databases", { sortBy: "name" }, "sortBy"],
  ["get_databases", { orderBy: "up" }, "orderBy"],
  ["get_policies", { sort_by: "created_at" }, "sort_by"],
  ["get_policies", { policy_type: "TAG", order_by: "ASC" }, "order_by"],
  ["get_tags", { protection_type: "masked" }, "protection_type"],
  ["get_tags", { status_include: "applied,done" }, "status_include[1]"],
  ["get_tags", { status_exclude: [] }, "status_exclude"],
  ["get_tags", { status_include: "applied,pending", status_exclude: "pending" }, "status_exclude"],
  ["get_tags", { database_id: 0 }, "database_id"],
  ["get_tags", { sort_by: "friendly_name" }, "sort_by"],
  ["get_tag_values", { tag_name: "PII", dataTagGroupID: " " }, "dataTagGroupID"],
  ["get_classifiers", { limit: 101 }, "limit"],
  ["get_classifiers", { limit: 0 }, "limit"],
  ["get_classifiers", { order_by: "created" }, "order_by"],
  ["get_classifiers", { sort_order: "up" }, "sort_order"],
  ["get_classifiers", { prefix: "" }, "prefix"],
  ["get_classifiers", { exclude_collection: " " }, "exclude_collection"],
  ["get_collections", { limit: 500 }, "limit"],
  ["get_collections", { sort_order: "name" }, "sort_order"],
  ["get_active_jobs", { status: "COMPLETED" }, "status"],
  ["get_active_jobs", { job_type: "PARTIAL" }, "job_type"],
  ["get_active_jobs", { classification_type: 7 }, "classification_type"],
  ["get_active_jobs", { order: "newest" }, "order"],
  ["create_job", { job_type: "FULL", database_id: 42, collection_name: "c", sample_strategy: "COLUMNS" }, "sample_strategy"],
  ["create_job", { job_type: "FULL", database_id: 42, collection_name: "c", requires_review: "yes" }, "requires_review"],
  ["create_gdlp_job", { database_id: 42, sample_strategy: "ROWS" }, "sample_strategy"],
  ["create_databricks_job", { database_id: 57, requires_review: 1 }, "requires_review"],
  ["create_oltp_job", { agent_id: "c5750de6-170d-46d3-a9bc-b5f7ba032ad0", repo_name: "r", service_user_name: "s", collection_name: "c", requires_review: "true" }, "requires_review"],
  ["create_classifier", { classifier_name: "c", pattern: "x", attributes: { tags: [""] } }, "attributes.tags[0]"],
  ["create_classifier", { classifier_name: "c", pattern: "x", attributes: { tier: 1 } }, "attributes"],
  ["create_classifier", { classifier_name: "c", pattern: "x", attributes: { tags: "type:ssn" } }, "attributes.tags"],
  ["update_classifier", { classifier_name: "c", attributes: { tags: Array.from({ length: 51 }, (_, i) => `t${i}`) } }, "attributes.tags"],
  ["get_job_findings_classifiers", { job_id: "3f8c2a91-5b7d-4e26-9c1a-7d4e8b2f6a10", database: "D", schema: "S", table: "T", column: "C", classifier_name: [""] }, "classifier_name"],
  ["create_report_definition", { name: "n", integration_type: "oltp", required_approvals: -1 }, "required_approvals"],
  ["create_report_definition", { name: "n", integration_type: "oltp", required_approvals: 1.5 }, "required_approvals"],
  ["create_report_definition", { name: "n", integration_type: "oltp", retention_days: 0 }, "retention_days"],
  ["update_report_definition", { definition_id: "d", name: "n", integration_type: "oltp", retention_days: 4000 }, "retention_days"],
  ["disconnect_tag", { tag_group_id: "7", ignore_errors: "yes" }, "ignore_errors"],
  ["delete_policy", { policy_id: "TAG#PII", force_delete: "true" }, "force_delete"],
];

describeInvalidInput(INVALID);

describe("on the wire", () => {
  it("the credential sources are sent as given, one per request; the locations are declared sensitive", async () => {
    stub.route("POST", /\/users$/, { status: 201, body: { username: "u" } });
    stub.route("PATCH", /\/serviceusers\/u$/, { status: 200, body: { username: "u" } });
    expect(envelope(await h.call("create_sc_repo_user", { ...repoUser, environment_variable: JSON.stringify(env) })).success).toBe(true);
    expect(JSON.parse(stub.requests[0]!.body)).toEqual({ username: "u", environment_variable: env });
    expect(envelope(await h.call("update_sc_service_user", { ...repoUser, secret_file: file })).success).toBe(true);
    expect(JSON.parse(stub.requests[1]!.body)).toEqual({ secret_file: file });
    for (const name of ["create_sc_repo_user", "update_sc_repo_user", "create_sc_service_user", "update_sc_service_user"]) {
      const t = ALL_TOOLS.find((x) => x.name === name)!;
      expect([...t.sensitive], name).toEqual(expect.arrayContaining(["environment_variable", "secret_file"]));
    }
  });

  it("check-in bounds: durations and ms as given, an RFC 3339 time as ms; a window in order is sent", async () => {
    stub.route("GET", /\/instances$/, { status: 200, body: { items: [], contiguous_id: "" } });
    await h.call("get_agent_instances", { agent_id: AGENT, checkin_after: "7d", checkin_before: "5m" });
    expect(queryOf(stub.requests[0]!)).toEqual({ checkin_after: "7d", checkin_before: "5m" });
    await h.call("get_sidecar_instances", { sidecar_id: SIDECAR, checkin_after: "2025-07-09T17:23:31.204+02:00" });
    expect(queryOf(stub.requests[1]!)).toEqual({ checkin_after: "1752074611204" });
  });

  it("an audit search without a time-of-day window sends no body; with one, ALTR's filter tree and zone", async () => {
    stub.route("POST", "/v1/audits", { status: 200, body: { search_uuid: "s" } });
    await h.call("search_audits", { repo_name: "orders_oracle" });
    expect(stub.requests[0]!.body).toBe("");
    expect(new URL(stub.requests[0]!.url, "http://x").searchParams.getAll("repo_name")).toEqual(["orders_oracle"]);
    await h.call("search_audits", { time_of_day: window, timezone: "UTC" });
    expect(JSON.parse(stub.requests[1]!.body)).toEqual({ filter: { dimension: "time_of_day", op: "between", between: window }, timezone: "UTC" });
  });
});

describe("policy delete with force-delete stays behind the confirmation", () => {
  const RULES = { status: 200, body: { success: true, data: { items: { h: [{ rule_id: "R1", role: "ANALYST", tag_value: "SSN" }] }, last_evaluated_key: {} } } };
  const connectConfirming = (answer?: "accept" | "decline") => {
    const asked: ElicitRequest[] = [];
    return connect({
      baseUrls: baseUrlsFrom(stub.url),
      confirmDestructive: true,
      ...(answer ? { capabilities: { elicitation: {} }, onElicit: (req: ElicitRequest) => (asked.push(req), { action: answer }) } : {}),
    }).then((c) => ({ c, asked }));
  };

  it("without a confirmation nothing is deleted: only the impact look-up is read", async () => {
    stub.route("GET", /\/rules/, RULES);
    stub.route("DELETE", /.*/, { status: 204 });
    const { c } = await connectConfirming();
    try {
      const res = await c.call("delete_policy", { policy_id: "TAG#PII", force_delete: true });
      expect(res.isError).toBe(true);
      expect(envelope(res).error).toMatchObject({ kind: "invalid_input", fields: ["confirm"] });
      expect(envelope(res).error!.message).toContain("1 rule goes with it");
      expect(stub.requests.filter((r) => r.method !== "GET")).toEqual([]);
    } finally {
      await c.close();
    }
  });

  it("declined: nothing is deleted; accepted: the question names the impact, then force-delete is sent", async () => {
    stub.route("GET", /\/rules/, RULES);
    stub.route("DELETE", /.*/, { status: 204 });
    const declined = await connectConfirming("decline");
    try {
      await declined.c.call("delete_policy", { policy_id: "TAG#PII", force_delete: true });
      expect(stub.requests.filter((r) => r.method !== "GET")).toEqual([]);
    } finally {
      await declined.c.close();
    }
    const accepted = await connectConfirming("accept");
    try {
      const res = await accepted.c.call("delete_policy", { policy_id: "TAG#PII", force_delete: true });
      expect(envelope(res)).toMatchObject({ success: true, data: { deleted: true } });
      expect(accepted.asked[0]!.params.message).toContain("1 rule goes with it");
      const del = stub.requests.filter((r) => r.method === "DELETE");
      expect(del).toHaveLength(1);
      expect(queryOf(del[0]!)).toEqual({ "force-delete": "true" });
    } finally {
      await accepted.c.close();
    }
  });
});

describe("report definitions: given values are sent, left-out ones keep what is stored", () => {
  it("update with retention_days only keeps the stored required_approvals", async () => {
    stub.route("GET", /\/definitions\/d1$/, { status: 200, body: { definition_id: "d1", name: "n", integration_type: "oltp", required_approvals: 2, retention_days: 30 } });
    stub.route("PUT", /\/definitions\/d1$/, { status: 200, body: { definition_id: "d1" } });
    expect(envelope(await h.call("update_report_definition", { definition_id: "d1", name: "n", integration_type: "oltp", retention_days: 60 })).success).toBe(true);
    expect(JSON.parse(stub.requests[1]!.body)).toEqual({ name: "n", integration_type: "oltp", required_approvals: 2, retention_days: 60 });
  });
});
