/**
 * Random sequences of sandbox calls (fast-check), with the sandbox's invariants checked after
 * every step: counts equal the rows they count, filters select what they say, no id is handed
 * out twice, a read after a write shows the write, and no answer breaks its document. Bounded
 * (a few seconds); a failure prints the shrunk sequence.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { openSandboxSession, type SandboxSession } from "./helpers/sandbox-client.js";

type Step =
  | { kind: "createJob"; collection: "pii_classifiers" | "financial_classifiers" }
  | { kind: "pollJob"; pick: number }
  | { kind: "decide"; pick: number; status: "approved" | "rejected"; depth: number }
  | { kind: "revoke"; pick: number }
  | { kind: "tokenize"; values: string[]; deterministic: boolean }
  | { kind: "fileRequest"; requester: string }
  | { kind: "decideRequest"; pick: number; approve: boolean }
  | { kind: "tagValues"; filter: string };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant("createJob" as const), collection: fc.constantFrom("pii_classifiers" as const, "financial_classifiers" as const) }),
  fc.record({ kind: fc.constant("pollJob" as const), pick: fc.nat(20) }),
  fc.record({ kind: fc.constant("decide" as const), pick: fc.nat(20), status: fc.constantFrom("approved" as const, "rejected" as const), depth: fc.integer({ min: 0, max: 4 }) }),
  fc.record({ kind: fc.constant("revoke" as const), pick: fc.nat(20) }),
  fc.record({ kind: fc.constant("tokenize" as const), values: fc.array(fc.string({ minLength: 1, maxLength: 20 }), { minLength: 1, maxLength: 4 }), deterministic: fc.boolean() }),
  fc.record({ kind: fc.constant("fileRequest" as const), requester: fc.constantFrom("Ann", "Bo", "Cy") }),
  fc.record({ kind: fc.constant("decideRequest" as const), pick: fc.nat(20), approve: fc.boolean() }),
  fc.record({ kind: fc.constant("tagValues" as const), filter: fc.constantFrom("PII", "SSN", "email", "FINANCIAL", "card", "nothing") }),
);

interface Job {
  job_id: string;
  status: string;
  findings_count?: number;
}
interface Row {
  name: string;
  findings_count: number;
}
const SCOPE = ["ANALYTICS", "CRM DATA", "CUSTOMERS", "SSN"] as const;
const PATH = ["database", "schema", "table", "column"] as const;

async function checkJob(s: SandboxSession, jobId: string): Promise<void> {
  const review = await s.ok<{ total: number; approved: number; rejected: number; pending: number }>("get_job_review_status", { job_id: jobId });
  expect(review.approved + review.rejected + review.pending).toBe(review.total);
  const tree = (await s.ok<{ items: Row[] }>("get_job_findings", { job_id: jobId })).items.reduce((a, r) => a + r.findings_count, 0);
  expect(tree).toBe(review.total);
  const summary = await s.ok<{ classifications: { amount: number }[] }>("get_job_summary", { job_id: jobId });
  expect(summary.classifications.reduce((a, c) => a + c.amount, 0)).toBe(review.total - review.rejected);
  const rejected = (await s.ok<{ items: Row[] }>("get_job_findings", { job_id: jobId, confirmed_status: ["rejected"] })).items.reduce((a, r) => a + r.findings_count, 0);
  expect(rejected).toBe(review.rejected);
}

async function run(steps: Step[]): Promise<void> {
  const s = await openSandboxSession();
  const jobs: string[] = [];
  const requests: string[] = [];
  try {
    for (const st of steps) {
      switch (st.kind) {
        case "createJob": {
          const job = await s.ok<Job>("create_job", { job_type: "FULL", database_id: 42, collection_name: st.collection });
          expect(jobs).not.toContain(job.job_id);
          jobs.push(job.job_id);
          break;
        }
        case "pollJob": {
          if (!jobs.length) break;
          const id = jobs[st.pick % jobs.length]!;
          const before = (await s.ok<{ jobs: Job[] }>("get_jobs")).jobs.find((j) => j.job_id === id)!.status;
          const after = (await s.ok<Job>("get_job", { job_id: id })).status;
          const order = ["CREATED", "RUNNING", "COMPLETED"];
          expect(order.indexOf(after)).toBe(Math.min(order.indexOf(before) + 1, 2));
          if (after === "COMPLETED") await checkJob(s, id);
          break;
        }
        case "decide":
        case "revoke": {
          const done = [];
          for (const id of jobs) if ((await s.ok<{ jobs: Job[] }>("get_jobs", { status: "COMPLETED" })).jobs.some((j) => j.job_id === id)) done.push(id);
          if (!done.length) break;
          const id = done[st.pick % done.length]!;
          const depth = st.kind === "decide" ? st.depth : 1;
          const scope = Object.fromEntries(PATH.slice(0, depth).map((k, i) => [k, SCOPE[i]]));
          const result = st.kind === "decide" ? await s.call("record_job_decision", { job_id: id, confirmed_status: st.status, ...scope }) : await s.call("revoke_job_decisions", { job_id: id, ...scope });
          // A scope without findings (financial jobs have none in CUSTOMERS) or nothing to revoke is a 404, never a success that changed nothing.
          if (!result.success) expect(result.error?.message).toContain("404");
          await checkJob(s, id);
          break;
        }
        case "tokenize": {
          const values = Object.fromEntries(st.values.map((v, i) => [`f${i}`, v]));
          const out = await s.ok<Record<string, unknown>>("vault_tokenize", { values, deterministic: st.deterministic });
          const tokens = JSON.stringify(out).match(/vault[dn]_[A-Za-z0-9]{32}/g) ?? [];
          expect(tokens).toHaveLength(st.values.length);
          const back = await s.ok<Record<string, unknown>>("vault_detokenize", { tokens: Object.fromEntries(tokens.map((t, i) => [`f${i}`, t])) });
          for (const v of st.values) expect(JSON.stringify(back)).toContain(JSON.stringify(v).slice(1, -1));
          break;
        }
        case "fileRequest": {
          const filed = await s.ok<{ id?: string; data?: { id: string } }>("create_access_request", { requester: st.requester, justification: "property test", connection_id: 42, rules: [{ actors: [{ type: "role", condition: "equals", identifiers: ["ANALYST"] }], objects: [{ type: "database", condition: "equals", identifiers: ["PROD_DB"] }], access: [{ name: "read" }] }] });
          const id = filed.data?.id ?? filed.id!;
          expect(requests).not.toContain(id);
          requests.push(id);
          const mine = await s.ok<{ access_requests: { id: string; requester_identity?: { requester?: string } }[]; count: number }>("get_access_requests", { requester: st.requester, limit: 100 });
          expect(mine.count).toBe(mine.access_requests.length);
          expect(mine.access_requests.map((r) => r.id)).toContain(id);
          break;
        }
        case "decideRequest": {
          if (!requests.length) break;
          const id = requests[st.pick % requests.length]!;
          const wasOpen = (await s.ok<{ access_requests: { id: string }[] }>("get_access_requests", { status: "OPEN", limit: 100 })).access_requests.some((r) => r.id === id);
          const result = await s.call(st.approve ? "approve_access_request" : "deny_access_request", { request_id: id, justification: "property test" });
          expect(result.success).toBe(wasOpen);
          const state = JSON.stringify(await s.ok("get_access_request", { request_id: id }));
          if (wasOpen) expect(state).toContain(st.approve ? "CLOSED_APPROVED" : "CLOSED_DENIED");
          expect(JSON.stringify(await s.ok("get_policies", { policy_type: "GRANT" })).includes(`GRANT#${id}`)).toBe(state.includes("CLOSED_APPROVED"));
          break;
        }
        case "tagValues": {
          const out = await s.ok<{ tags: { tagKey: string; tagValue: string }[]; count: number }>("get_tag_values", { tag_name: st.filter });
          expect(out.count).toBe(out.tags.length);
          const needle = st.filter.toLowerCase();
          for (const t of out.tags) expect(`${t.tagKey} ${t.tagValue}`.toLowerCase()).toContain(needle);
          break;
        }
      }
      expect(s.sandbox.violations).toEqual([]);
    }
  } finally {
    await s.close();
  }
}

describe("sandbox property: random call sequences keep the invariants", () => {
  it("holds for bounded random sequences", { timeout: 60_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 14 }), (steps) => run(steps)),
      { numRuns: 10, seed: Number(process.env.SANDBOX_PROPERTY_SEED ?? 20261207) },
    );
  });
});
