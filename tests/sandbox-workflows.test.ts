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

    await s.ok("revoke_job_decisions", { job_id: job.job_id, database: "ANALYTICS" });
    const restored = await classificationInvariants(s, job.job_id);
    expect(restored.review).toEqual(start.review);
    expect(restored.summary).toEqual(start.summary);
    expect((await s.call("revoke_job_decisions", { job_id: job.job_id, database: "ANALYTICS" })).error?.message).toContain("404");
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
