/**
 * Whole workflows on the sandbox (--sandbox) through a real MCP SDK client, as a new user tries
 * them, with the invariants checked after each step: counts equal the rows they count, filters
 * select what they say, no id is handed out twice, a read after a write shows the write.
 * Each inconsistency of the sandbox issue has a case here that failed on cec23c6.
 */
import { afterEach, describe, expect, it } from "vitest";
import { openSandboxSession, type SandboxSession } from "./helpers/sandbox-client.js";

let session: SandboxSession | undefined;
afterEach(async () => {
  if (session) expect(session.sandbox.violations).toEqual([]);
  await session?.close();
  session = undefined;
});
const open = async () => (session = await openSandboxSession());

interface Job {
  job_id: string;
  status: string;
  collection_name?: string;
  database_id?: number;
  job_type?: string;
  findings_count?: number;
}
interface Row {
  name: string;
  findings_count: number;
  classifier_names?: string[];
  column_status?: string;
}
interface Summary {
  classifications: { classifier_name: string; amount: number }[];
  totals: { total_columns: number; classified_columns: number };
}
interface Review {
  total: number;
  approved: number;
  rejected: number;
  pending: number;
}
const CUSTOMERS = { database: "ANALYTICS", schema: "CRM DATA", table: "CUSTOMERS" };

/** The job's counts agree: tree totals = review total = findings_count; summary = findings not rejected. */
async function classificationInvariants(s: SandboxSession, jobId: string): Promise<{ review: Review; summary: Summary }> {
  const job = await s.ok<Job>("get_job", { job_id: jobId });
  const review = await s.ok<Review>("get_job_review_status", { job_id: jobId });
  const summary = await s.ok<Summary>("get_job_summary", { job_id: jobId });
  const dbs = (await s.ok<{ items: Row[] }>("get_job_findings", { job_id: jobId })).items;
  const tree = dbs.reduce((a, r) => a + r.findings_count, 0);
  expect(review.total).toBe(tree);
  expect(job.findings_count).toBe(tree);
  expect(review.approved + review.rejected + review.pending).toBe(review.total);
  expect(summary.classifications.reduce((a, c) => a + c.amount, 0)).toBe(review.total - review.rejected);
  for (const status of ["approved", "rejected", "pending"] as const) {
    const filtered = (await s.ok<{ items: Row[] }>("get_job_findings", { job_id: jobId, confirmed_status: [status] })).items;
    expect(filtered.reduce((a, r) => a + r.findings_count, 0), status).toBe(review[status]);
  }
  return { review, summary };
}

describe("classification: scan → findings → review", () => {
  it("create_job returns its own new job for the collection asked, which runs CREATED → RUNNING → COMPLETED on reads", async () => {
    const s = await open();
    const before = (await s.ok<{ jobs: Job[] }>("get_jobs")).jobs.map((j) => j.job_id);
    const job = await s.ok<Job>("create_job", { job_type: "INCREMENTAL", database_id: 42, collection_name: "financial_classifiers" });
    expect(before).not.toContain(job.job_id);
    expect(job).toMatchObject({ collection_name: "financial_classifiers", job_type: "INCREMENTAL", database_id: 42, status: "CREATED" });
    expect((await s.ok<Job>("get_job", { job_id: job.job_id })).status).toBe("RUNNING");
    expect((await s.ok<Job>("get_job", { job_id: job.job_id })).status).toBe("COMPLETED");
    expect((await s.ok<Job>("get_job", { job_id: job.job_id })).status).toBe("COMPLETED");
    const listed = (await s.ok<{ jobs: Job[] }>("get_jobs")).jobs;
    expect(listed.map((j) => j.job_id)).toContain(job.job_id);
    expect(new Set(listed.map((j) => j.job_id)).size).toBe(listed.length);
    // Only the financial collection's classifier ran: card numbers, nothing else.
    const { summary } = await classificationInvariants(s, job.job_id);
    expect(summary.classifications.map((c) => c.classifier_name)).toEqual(["card_number"]);
    // Filters on the job list select what they say.
    expect((await s.ok<{ jobs: Job[] }>("get_jobs", { status: "COMPLETED" })).jobs.every((j) => j.status === "COMPLETED")).toBe(true);
    const second = await s.ok<Job>("create_job", { job_type: "FULL", database_id: 42, collection_name: "pii_classifiers" });
    expect(second.job_id).not.toBe(job.job_id);
    const active = (await s.ok<{ jobs: Job[] }>("get_active_jobs")).jobs.map((j) => j.job_id);
    expect(active).toEqual([second.job_id]);
  });

  it("a job for an unknown collection or a database that is not Snowflake is refused, not answered with another job", async () => {
    const s = await open();
    expect((await s.call("create_job", { job_type: "FULL", database_id: 42, collection_name: "no_such_collection" })).error?.message).toContain("404");
    expect((await s.call("create_job", { job_type: "FULL", database_id: 55, collection_name: "pii_classifiers" })).error?.message).toContain("not a snowflake connection");
  });

  it("the PHONE column is classified as phone (classifiers and lineage), not as US SSN", async () => {
    const s = await open();
    const job = await s.ok<Job>("create_job", { job_type: "FULL", database_id: 42, collection_name: "pii_classifiers" });
    await s.ok("get_job", { job_id: job.job_id });
    await s.ok("get_job", { job_id: job.job_id });
    const columns = (await s.ok<{ items: Row[] }>("get_job_findings_columns", { job_id: job.job_id, ...CUSTOMERS })).items;
    expect(columns.find((c) => c.name === "PHONE")?.classifier_names).toEqual(["phone_by_pattern"]);
    expect(columns.find((c) => c.name === "SSN")?.classifier_names).toEqual(["US SSN"]);
    const classifiers = (await s.ok<{ items: { classifier_name: string }[] }>("get_job_findings_classifiers", { job_id: job.job_id, ...CUSTOMERS, column: "PHONE" })).items;
    expect(classifiers.map((c) => c.classifier_name)).toEqual(["phone_by_pattern"]);
    const lineage = await s.ok<{ decision_lineage: { classifier_name: string; result: boolean } | null }>("get_job_findings_lineage", { job_id: job.job_id, ...CUSTOMERS, column: "PHONE", classifier_name: "phone_by_pattern" });
    expect(lineage.decision_lineage).toMatchObject({ classifier_name: "phone_by_pattern", result: true });
    // No finding, no lineage: US SSN did not match PHONE.
    expect((await s.call("get_job_findings_lineage", { job_id: job.job_id, ...CUSTOMERS, column: "PHONE", classifier_name: "US SSN" })).error?.message).toContain("404");
    // The column filter by classifier selects only its findings.
    const ssnOnly = (await s.ok<{ items: Row[] }>("get_job_findings_columns", { job_id: job.job_id, ...CUSTOMERS, classifier_name: ["US SSN"] })).items;
    expect(ssnOnly.map((c) => c.name)).toEqual(["SSN"]);
  });

  it("decisions change review status, column status and summary; revoking restores them", async () => {
    const s = await open();
    const job = await s.ok<Job>("create_job", { job_type: "FULL", database_id: 42, collection_name: "pii_classifiers" });
    await s.ok("get_job", { job_id: job.job_id });
    await s.ok("get_job", { job_id: job.job_id });
    const start = await classificationInvariants(s, job.job_id);
    expect(start.review).toMatchObject({ rejected: 0, approved: 0 });

    await s.ok("record_job_decision", { job_id: job.job_id, confirmed_status: "rejected", ...CUSTOMERS, column: "PHONE" });
    const rejected = await classificationInvariants(s, job.job_id);
    expect(rejected.review).toMatchObject({ rejected: 1, pending: start.review.total - 1 });
    expect(rejected.summary.classifications.map((c) => c.classifier_name)).not.toContain("phone_by_pattern");
    const columns = (await s.ok<{ items: Row[] }>("get_job_findings_columns", { job_id: job.job_id, ...CUSTOMERS })).items;
    expect(columns.find((c) => c.name === "PHONE")?.column_status).toBe("rejected");
    const decisions = (await s.ok<{ decisions: { column?: string; confirmed_status: string }[] }>("get_job_decisions", { job_id: job.job_id })).decisions;
    expect(decisions).toEqual([expect.objectContaining({ column: "PHONE", confirmed_status: "rejected" })]);

    // A broad approval covers the rest; the deeper rejection still wins for PHONE.
    await s.ok("record_job_decision", { job_id: job.job_id, confirmed_status: "approved", database: "ANALYTICS" });
    const broad = await classificationInvariants(s, job.job_id);
    expect(broad.review).toMatchObject({ rejected: 1, approved: 2 });

    // A revoke removes the one decision at exactly its scope: the column's rejection stays until revoked too.
    await s.ok("revoke_job_decisions", { job_id: job.job_id, database: "ANALYTICS" });
    expect((await classificationInvariants(s, job.job_id)).review).toMatchObject({ rejected: 1, approved: 0 });
    await s.ok("revoke_job_decisions", { job_id: job.job_id, ...CUSTOMERS, column: "PHONE" });
    const restored = await classificationInvariants(s, job.job_id);
    expect(restored.review).toEqual(start.review);
    expect(restored.summary).toEqual(start.summary);
    // A repeat revoke: ALTR (the sandbox) answers 404, which is "already absent", not an error.
    expect((await s.ok("revoke_job_decisions", { job_id: job.job_id, database: "ANALYTICS" }))).toMatchObject({ revoked: false, changed: false });
  });

  it("the report download holds the job's findings with their review state", async () => {
    const s = await open();
    const job = await s.ok<Job>("create_job", { job_type: "FULL", database_id: 42, collection_name: "pii_classifiers" });
    expect((await s.call("get_classification_report", { job_id: job.job_id })).error?.message).toContain("404");
    await s.ok("get_job", { job_id: job.job_id });
    await s.ok("get_job", { job_id: job.job_id });
    await s.ok("record_job_decision", { job_id: job.job_id, confirmed_status: "approved", ...CUSTOMERS, column: "SSN" });
    const report = await s.ok<{ report: { rows: { column: string; classifier_name: string; confirmed_status: string }[] } }>("get_classification_report", { job_id: job.job_id });
    const review = await s.ok<Review>("get_job_review_status", { job_id: job.job_id });
    expect(report.report.rows).toHaveLength(review.total);
    expect(report.report.rows.filter((r) => r.confirmed_status === "approved")).toEqual([expect.objectContaining({ column: "SSN", classifier_name: "US SSN" })]);
  });

  it("the seeded job's counts agree with its findings", async () => {
    const s = await open();
    const { review } = await classificationInvariants(s, "3f8c2a91-5b7d-4e26-9c1a-7d4e8b2f6a10");
    expect(review.approved).toBe(1);
  });
});

interface AccessRequest {
  id: string;
  status: string;
  approver_justification?: string;
}
const readRevenue = {
  actors: [{ type: "role", condition: "equals", identifiers: ["ANALYST"] }],
  objects: [{ type: "table", condition: "fully_qualified", fully_qualified_identifiers: [{ database: "PROD_DB", schema: "SALES", table: "REVENUE" }] }],
  access: [{ name: "read" }],
};

interface Requests {
  access_requests: AccessRequest[];
  count: number;
}
describe("access requests: file → decide → grant", () => {
  it("an approved request reaches its final state and its grant shows in access management; a denied one is closed", async () => {
    const s = await open();
    const requestArgs = { requester: "Bob", justification: "Month-end close", connection_id: 42, rules: [readRevenue], role: "ANALYST" };
    const filed = await s.ok<{ data: AccessRequest } | AccessRequest>("create_access_request", requestArgs);
    const id = ("data" in filed ? filed.data : filed).id;
    const open1 = await s.ok<Requests>("get_access_requests", { status: "OPEN" });
    expect(open1.access_requests.map((r) => r.id)).toContain(id);
    expect(open1.access_requests.every((r) => r.status === "OPEN")).toBe(true);
    expect(open1.count).toBe(open1.access_requests.length);

    await s.ok("approve_access_request", { request_id: id, justification: "ok for close" });
    const read = await s.ok<{ data: AccessRequest } | AccessRequest>("get_access_request", { request_id: id });
    const after = "data" in read ? read.data : read;
    expect(after).toMatchObject({ status: "CLOSED_APPROVED", approver_justification: "ok for close" });
    expect((await s.ok<Requests>("get_access_requests", { status: "OPEN" })).access_requests.map((r) => r.id)).not.toContain(id);
    expect((await s.ok<Requests>("get_access_requests", { status: "CLOSED_APPROVED" })).access_requests.map((r) => r.id)).toEqual([id]);
    expect(JSON.stringify(await s.ok("get_policies", { policy_type: "GRANT" }))).toContain(`GRANT#${id}`);
    // A decided request cannot be decided again.
    expect((await s.call("deny_access_request", { request_id: id, justification: "too late" })).success).toBe(false);

    const seeded = "a56f3f23-e523-46a8-880e-a41339ae7e3c";
    await s.ok("deny_access_request", { request_id: seeded, justification: "use the aggregate view" });
    expect(JSON.stringify(await s.ok("get_access_request", { request_id: seeded }))).toContain("CLOSED_DENIED");
    expect((await s.ok<Requests>("get_access_requests", { status: "OPEN" })).access_requests).toEqual([]);
  });
});

describe("tokenization", () => {
  it("vault tokens exist for exactly the fields sent, are deterministic when asked, and detokenize back", async () => {
    const s = await open();
    const values = { phone: "(555) 010-2233", email: "ann@example.com" };
    const first = JSON.stringify(await s.ok("vault_tokenize", { values, deterministic: true }));
    const tokens = [...first.matchAll(/vaultd_[A-Za-z0-9]{32}/g)].map((m) => m[0]);
    expect(tokens).toHaveLength(2);
    expect(first).not.toContain("field001");
    expect(first).not.toContain("4111");
    const again = JSON.stringify(await s.ok("vault_tokenize", { values, deterministic: true }));
    expect([...again.matchAll(/vaultd_[A-Za-z0-9]{32}/g)].map((m) => m[0])).toEqual(tokens);
    const random = JSON.stringify(await s.ok("vault_tokenize", { values: { phone: values.phone }, deterministic: false }));
    expect(random).toMatch(/vaultn_[A-Za-z0-9]{32}/);
    const back = JSON.stringify(await s.ok("vault_detokenize", { tokens: { a: tokens[0], b: tokens[1] } }));
    expect(back).toContain(values.phone);
    expect(back).toContain(values.email);
    expect(back).not.toContain("4111");
    // An unknown token fails the whole batch.
    expect((await s.call("vault_detokenize", { tokens: { a: tokens[0], b: "vaultd_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" } })).success).toBe(false);
  });

  it("critical tokens have their documented form and detokenize back", async () => {
    const s = await open();
    const out = JSON.stringify(await s.ok("critical_tokenize", { values: { ssn: "321-54-9876" } }));
    const token = /token_[A-Za-z0-9]{64}/.exec(out)?.[0];
    expect(token).toBeDefined();
    expect(JSON.stringify(await s.ok("critical_detokenize", { tokens: { ssn: token } }))).toContain("321-54-9876");
  });
});

describe("tags and audits", () => {
  interface TagValues {
    tags: { tagKey: string; tagValue: string }[];
    count: number;
  }
  it("get_tag_values: count equals the rows, and the filter selects by name or value", async () => {
    const s = await open();
    const pii = await s.ok<TagValues>("get_tag_values", { tag_name: "PII" });
    expect(pii.count).toBe(pii.tags.length);
    expect(pii.tags.map((t) => t.tagValue).sort()).toEqual(["EMAIL", "PHONE", "SSN"]);
    const ssn = await s.ok<TagValues>("get_tag_values", { tag_name: "SSN" });
    expect(ssn.tags).toEqual([expect.objectContaining({ tagKey: "PII", tagValue: "SSN" })]);
    expect(ssn.count).toBe(1);
  });

  interface Audits {
    query_audits: { event_time: number; event_details: { actor: { username: string } } }[];
  }
  async function search(s: SandboxSession, filters: Record<string, unknown>) {
    const { search_uuid } = await s.ok<{ search_uuid: string }>("search_query_audits", filters);
    return (await s.ok<Audits>("get_query_audit_results", { search_uuid })).query_audits;
  }

  it("search_query_audits honours its date window and other filters; the sandbox's own scans appear", async () => {
    const s = await open();
    const all = await search(s, {});
    expect(all.length).toBeGreaterThanOrEqual(2);
    const day = await search(s, { from_date_time: "2025-06-02T00:30:00Z", to_date_time: "2025-06-03T00:00:00Z" });
    expect(day.length).toBeGreaterThan(0);
    expect(day.length).toBeLessThan(all.length);
    for (const row of day) expect(row.event_time).toBeGreaterThanOrEqual(Date.parse("2025-06-02T00:30:00Z"));
    const none = await search(s, { from_date_time: "2020-01-01T00:00:00Z", to_date_time: "2020-01-02T00:00:00Z" });
    expect(none).toEqual([]);
    expect((await search(s, { executing_user: "BOB" })).every((r) => r.event_details.actor.username === "BOB")).toBe(true);
    expect(await search(s, { policy_tag_value: "SSN" })).toHaveLength(1);

    // A scan run in the sandbox leaves its sampling queries in the audits.
    const job = await s.ok<Job>("create_job", { job_type: "FULL", database_id: 42, collection_name: "pii_classifiers" });
    await s.ok("get_job", { job_id: job.job_id });
    await s.ok("get_job", { job_id: job.job_id });
    const mine = await search(s, { executing_user: "ALTR_SERVICE_USER" });
    expect(mine.length).toBeGreaterThan(0);
    expect((await search(s, {})).length).toBe(all.length + mine.length);
  });
});

describe("the prompts' workflows, end to end", () => {
  it("protect_snowflake_column: find the database, the tag and its values, roles; create the policy with rules; verify", async () => {
    const s = await open();
    expect(JSON.stringify(await s.ok("get_database_id", { database_name: "PROD_SNOWFLAKE" }))).toContain("42");
    expect(JSON.stringify(await s.ok("get_tags"))).toContain("FINANCIAL");
    const values = await s.ok<{ tags: { tagKey: string; tagValue: string }[]; count: number }>("get_tag_values", { tag_name: "FINANCIAL" });
    expect(values.count).toBe(values.tags.length);
    expect(values.tags.map((t) => t.tagValue)).toEqual(["CARD_NUMBER"]);
    expect(JSON.stringify(await s.ok("get_roles"))).toContain("ANALYST");
    expect(JSON.stringify(await s.ok("get_policies", { policy_type: "TAG" }))).not.toContain("TAG#FINANCIAL");
    await s.ok("create_policy", { tag: "FINANCIAL" });
    await s.ok("add_rules", {
      policy_id: "TAG#FINANCIAL",
      rules: [
        { masking_policy: 10000, role: "ADMIN", tag_value: "CARD_NUMBER" },
        { masking_policy: 10003, role: "ANALYST", tag_value: "CARD_NUMBER" },
      ],
    });
    const rules = JSON.stringify(await s.ok("get_rules", { policy_id: "TAG#FINANCIAL" }));
    expect(rules).toContain("TAG#FINANCIAL#ROLE#ADMIN#TAG_VALUE#CARD_NUMBER");
    expect(rules).toContain("TAG#FINANCIAL#ROLE#ANALYST#TAG_VALUE#CARD_NUMBER");
    expect(JSON.stringify(await s.ok("get_policies", { policy_type: "TAG" }))).toContain("TAG#FINANCIAL");
  });

  it("review_classification_findings: pick a finished job, drill down level by level with consistent counts, decide, check progress", async () => {
    const s = await open();
    const jobs = (await s.ok<{ jobs: Job[] }>("get_jobs", { status: "COMPLETED" })).jobs;
    const jobId = jobs[0]!.job_id;
    expect((await s.ok<Job>("get_job", { job_id: jobId })).status).toBe("COMPLETED");
    const { review } = await classificationInvariants(s, jobId);
    let seen = 0;
    for (const db of (await s.ok<{ items: Row[] }>("get_job_findings", { job_id: jobId })).items) {
      const schemas = (await s.ok<{ items: Row[] }>("get_job_findings_schemas", { job_id: jobId, database: db.name })).items;
      expect(schemas.reduce((a, r) => a + r.findings_count, 0)).toBe(db.findings_count);
      for (const schema of schemas) {
        const tables = (await s.ok<{ items: Row[] }>("get_job_findings_tables", { job_id: jobId, database: db.name, schema: schema.name })).items;
        expect(tables.reduce((a, r) => a + r.findings_count, 0)).toBe(schema.findings_count);
        for (const table of tables) {
          const columns = (await s.ok<{ items: Row[] }>("get_job_findings_columns", { job_id: jobId, database: db.name, schema: schema.name, table: table.name })).items;
          expect(columns.reduce((a, r) => a + r.findings_count, 0)).toBe(table.findings_count);
          for (const column of columns) {
            const classifiers = (await s.ok<{ items: unknown[] }>("get_job_findings_classifiers", { job_id: jobId, database: db.name, schema: schema.name, table: table.name, column: column.name })).items;
            expect(classifiers).toHaveLength(column.findings_count);
            seen += classifiers.length;
          }
        }
      }
    }
    expect(seen).toBe(review.total);
    await s.ok("record_job_decision", { job_id: jobId, confirmed_status: "approved", database: "ANALYTICS", schema: "CRM DATA", table: "CUSTOMERS", column: "EMAIL" });
    const after = await s.ok<Review>("get_job_review_status", { job_id: jobId });
    expect(after.approved).toBe(review.approved + 1);
    expect((await s.ok<{ decisions: unknown[] }>("get_job_decisions", { job_id: jobId })).decisions).toHaveLength(2);
  });

  it("onboard_oltp_sidecar: repo, user, listener, binding, check; then classify it through an agent", async () => {
    const s = await open();
    await s.ok("create_sc_repo", { name: "billing_oracle", repo_type: "Oracle", hostname: "billing-db.internal.example.com", port: 1522, description: "Billing" });
    await s.ok("create_sc_repo_user", { repo_name: "billing_oracle", username: "billing_reader", aws_secrets_manager: { secrets_path: "prod/billing/reader", iam_role: "arn:aws:iam::123456789012:role/altr-sidecar" } });
    const sidecars = JSON.stringify(await s.ok("list_sc_sidecars"));
    const sidecar = /"id":"([0-9a-f-]{36})"/.exec(sidecars)![1]!;
    await s.ok("register_sc_sidecar_listener", { sidecar_id: sidecar, port: 1522, database_type: "Oracle", advertised_version: "19.0.0.0" });
    await s.ok("create_sc_sidecar_binding", { sidecar_id: sidecar, port: 1522, repo_name: "billing_oracle" });
    expect(JSON.stringify(await s.ok("list_sc_repo_bindings", { repo_name: "billing_oracle" }))).toContain("1522");
    await s.ok("get_sidecar_instances", { sidecar_id: sidecar });
    // Referential consistency: no binding to a port without a listener; a bound repo is not removed.
    expect((await s.call("create_sc_sidecar_binding", { sidecar_id: sidecar, port: 1600, repo_name: "billing_oracle" })).error?.message).toContain("no listener on port 1600");
    expect((await s.call("disconnect_sc_repo", { repo_name: "billing_oracle", confirm: true })).error?.message).toContain("binding");
    expect(JSON.stringify(await s.ok("list_sc_repos"))).toContain("billing_oracle");
    const job = await s.ok<Job>("create_oltp_job", { agent_id: "c5750de6-170d-46d3-a9bc-b5f7ba032ad0", repo_name: "orders_oracle", service_user_name: "altr_classification_svc", collection_name: "pii_classifiers" });
    expect(job).toMatchObject({ collection_name: "pii_classifiers", status: "CREATED" });
    await s.ok("get_job", { job_id: job.job_id });
    expect((await s.ok<Job>("get_job", { job_id: job.job_id })).status).toBe("COMPLETED");
    const review = await s.ok<Review>("get_job_review_status", { job_id: job.job_id });
    expect(review.total).toBe(2); // EMAIL (email_by_name) and SSN (US SSN) of the Oracle repo
    expect((await s.call("create_oltp_job", { agent_id: "c5750de6-170d-46d3-a9bc-b5f7ba032ad0", repo_name: "no_such_repo", service_user_name: "svc", collection_name: "pii_classifiers" })).error?.message).toContain("404");
  });
});

describe("key management", () => {
  it("the seeded keys are listed; rotating a version marks that version, deactivating it stops rotation", async () => {
    const s = await open();
    const listed = JSON.stringify(await s.ok("list_keys", { namespace: "fpe" }));
    const seq = /"name":"customer-ssn","sequence":"(\d+)"/.exec(listed)?.[1] ?? /"sequence":"(\d+)"[^}]*"name":"customer-ssn"/.exec(listed)?.[1];
    expect(seq).toBeDefined();
    const rotated = JSON.stringify(await s.ok("rotate_key", { namespace: "fpe", name: "customer-ssn", sequence: seq, confirm: true }));
    expect(rotated).toContain('"rotated":true');
    expect(rotated).toContain(`"sequence":"${seq}"`);
    expect(JSON.stringify(await s.ok("list_keys", { namespace: "fpe" }))).toContain('"rotated":true');
    await s.ok("deactivate_key", { namespace: "fpe", name: "customer-ssn", sequence: seq, confirm: true });
    expect((await s.call("rotate_key", { namespace: "fpe", name: "customer-ssn", sequence: seq, confirm: true })).error?.message).toContain("deactivated");
    expect((await s.call("rotate_key", { namespace: "fpe", name: "customer-ssn", sequence: "99", confirm: true })).error?.message).toContain("404");
  });
});

describe("audit reports", () => {
  it("a trigger creates an instance that is generated on read, downloads its rows, and is finalized by sign-off", async () => {
    const s = await open();
    const defs = JSON.stringify(await s.ok("list_report_definitions"));
    const definition_id = /"definition_id":"([^"]+)"/.exec(defs)![1]!;
    const before = JSON.stringify(await s.ok("list_report_instances", { definition_id }));
    const { instance_id } = await s.ok<{ instance_id: string }>("trigger_report_definition", { definition_id });
    expect(before).not.toContain(instance_id);
    expect(JSON.stringify(await s.ok("list_report_instances", { definition_id }))).toContain(instance_id);
    expect((await s.call("get_report_instance_download_url", { definition_id, instance_id })).error?.message).toContain("503");
    const instance = await s.ok<{ status: string; total_events: number; sign_off_count: number; required_approvals: number }>("get_report_instance", { definition_id, instance_id });
    expect(instance.status).toBe("generated");
    const { search_uuid } = await s.ok<{ search_uuid: string }>("search_query_audits", {});
    const audits = (await s.ok<{ query_audits: unknown[] }>("get_query_audit_results", { search_uuid })).query_audits;
    expect(instance.total_events).toBe(audits.length);
    const link = JSON.stringify(await s.ok("get_report_instance_download_url", { definition_id, instance_id, format: "csv" }));
    const url = /"(https:[^"]+)"/.exec(link)![1]!;
    const file = (await s.sandbox.download(url)) as { instance_id: string; rows: unknown[] };
    expect(file.instance_id).toBe(instance_id);
    expect(file.rows).toHaveLength(instance.total_events);

    expect((await s.call("get_report_sign_off", { definition_id, instance_id })).error?.message).toContain("404");
    await s.ok("create_report_sign_off", { definition_id, instance_id, attestation: true, comments: "checked" });
    expect(JSON.stringify(await s.ok("get_report_sign_off", { definition_id, instance_id }))).toContain('"comments":"checked"');
    const signed = await s.ok<{ status: string; sign_off_count: number; required_approvals: number }>("get_report_instance", { definition_id, instance_id });
    expect(signed.sign_off_count).toBe(1);
    expect(signed.status).toBe(signed.required_approvals <= 1 ? "finalized" : "finalizing");
    expect((await s.call("create_report_sign_off", { definition_id, instance_id, attestation: true })).error?.message).toContain("409");
  });
});
