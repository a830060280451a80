/**
 * Every prompt the server lists, run end to end on the sandbox (--sandbox) through a real MCP SDK
 * client, as an assistant follows it: get the prompt, make the tool calls its steps name in the
 * order it names them, check that each succeeds, and read the state back. The prompt list comes
 * from prompts/list, so a new prompt without a workflow here fails; a tool a prompt names that
 * its workflow neither calls nor explains (OPTIONAL) fails too.
 * The troubleshooting prompts (SUPPORT_PROMPTS) are run end to end, under the support latch, by
 * tests/support-prompts.test.ts; the first test here checks that every one listed is one of them.
 */
import { afterEach, describe, expect, it } from "vitest";
import { SUPPORT_PROMPT_NEEDS } from "../src/server/guidance.js";
import { ALL_TOOLS } from "../src/tools/index.js";
import { openSandboxSession, type SandboxSession } from "./helpers/sandbox-client.js";

type Data = Record<string, unknown>;
/** What the steps of one run found (ids, names), for the steps after them. */
type Found = Record<string, unknown>;

interface Step {
  tool: string;
  args: (found: Found) => Record<string, unknown>;
  /** Checks the step's data and keeps what later steps need. */
  then?: (data: Data, found: Found) => void | Promise<void>;
}

interface Workflow {
  /** What the scenario is (a prompt may branch: the tag has a policy or not). */
  scenario: string;
  prompt: string;
  args: Record<string, string>;
  steps: (s: SandboxSession) => Step[];
  /** Tools the prompt names that this run does not call, and why. */
  optional: Record<string, string>;
  /** The prompt's text must say this (the rule the prompt exists to carry). */
  says?: RegExp[];
  /** After the steps: the state as a new reader sees it. */
  readBack: (s: SandboxSession, found: Found) => Promise<void>;
}

const JOB = "3f8c2a91-5b7d-4e26-9c1a-7d4e8b2f6a10";
const CUSTOMERS = { database: "ANALYTICS", schema: "CRM DATA", table: "CUSTOMERS" };
/** What the user said when asked for the justification (the prompt forbids writing one). */
const USER_JUSTIFICATION = "Finance needs it for the Q3 close; approved by Dana (CFO)";

const list = <T = Data>(d: Data, key: string) => (d[key] as T[] | undefined) ?? [];
const rulesOf = async (s: SandboxSession, policy_id: string) =>
  list<{ role: string; tag_value: string; level: number }>(await s.ok("get_rules", { policy_id }), "rules")
    .map((r) => `${r.role} ${r.tag_value} ${r.level}`)
    .sort();

const WORKFLOWS: Workflow[] = [
  {
    scenario: "a tag without a policy: create it, add rules",
    prompt: "protect_snowflake_column",
    args: { database: "PROD_SNOWFLAKE", tag: "FINANCIAL", who_sees_what: "ANALYST sees the last four digits, ADMIN sees everything" },
    says: [/before creating anything, check what protects the tag today: get_policies/i, /get_rules of the tag's policy/],
    optional: {
      connect_tag: "FINANCIAL is connected already (get_tags shows it)",
    },
    steps: () => [
      { tool: "get_database_id", args: () => ({ database_name: "PROD_SNOWFLAKE" }), then: (d, f) => void (f.database_id = d.database_id) },
      { tool: "get_tags", args: () => ({}), then: (d) => expect(JSON.stringify(d)).toContain('"FINANCIAL"') },
      { tool: "get_tag_values", args: () => ({ tag_name: "FINANCIAL" }), then: (d) => expect(JSON.stringify(d)).toContain("CARD_NUMBER") },
      {
        tool: "get_policies",
        args: () => ({ policy_type: "TAG" }),
        then: (d) => expect(list<{ policy_id: string }>(d, "policies").map((p) => p.policy_id)).not.toContain("TAG#FINANCIAL"),
      },
      { tool: "get_roles", args: () => ({}), then: (d) => expect(d.roles).toEqual(expect.arrayContaining(["ANALYST", "ADMIN"])) },
      { tool: "create_policy", args: () => ({ tag: "FINANCIAL", policy_type: "TAG" }), then: (d, f) => void (f.policy_id = d.policy_id) },
      {
        tool: "add_rules",
        args: (f) => ({
          policy_id: f.policy_id,
          rules: [
            { masking_policy: "SHOW_LAST_FOUR", role: "ANALYST", tag_value: "CARD_NUMBER" },
            { masking_policy: 10000, role: "ADMIN", tag_value: "CARD_NUMBER" },
          ],
        }),
        then: (d) => expect(list<{ status: string }>(d, "results").map((r) => r.status)).toEqual(["created", "created"]),
      },
      { tool: "get_rules", args: (f) => ({ policy_id: f.policy_id }), then: (d) => expect(d.count).toBe(2) },
    ],
    async readBack(s, f) {
      expect(f.policy_id).toBe("TAG#FINANCIAL");
      expect(await rulesOf(s, "TAG#FINANCIAL")).toEqual(["ADMIN CARD_NUMBER 10000", "ANALYST CARD_NUMBER 10003"]);
    },
  },
  {
    scenario: "a tag that has a policy: no second policy, its rules changed",
    prompt: "protect_snowflake_column",
    args: { database: "PROD_SNOWFLAKE", tag: "PII", who_sees_what: "DATA_SCIENTIST sees phone numbers fully masked" },
    optional: {
      connect_tag: "PII is connected already (get_tags shows it)",
      create_policy: "PII has a policy: the prompt says not to create a second",
    },
    steps: () => [
      { tool: "get_database_id", args: () => ({ database_name: "PROD_SNOWFLAKE" }) },
      { tool: "get_tags", args: () => ({}), then: (d) => expect(JSON.stringify(d)).toContain('"PII"') },
      { tool: "get_tag_values", args: () => ({ tag_name: "PII" }), then: (d) => expect(JSON.stringify(d)).toContain("PHONE") },
      {
        tool: "get_policies",
        args: () => ({ policy_type: "TAG" }),
        then: (d) => expect(list<{ policy_id: string }>(d, "policies").map((p) => p.policy_id)).toContain("TAG#PII"),
      },
      { tool: "get_rules", args: () => ({ policy_id: "TAG#PII" }), then: (d) => expect(d.count).toBe(3) },
      { tool: "get_roles", args: () => ({}), then: (d) => expect(d.roles).toContain("DATA_SCIENTIST") },
      {
        tool: "add_rules",
        args: () => ({ policy_id: "TAG#PII", rules: [{ masking_policy: 10001, role: "DATA_SCIENTIST", tag_value: "PHONE" }] }),
        then: (d) => expect(list<{ status: string }>(d, "results").map((r) => r.status)).toEqual(["created"]),
      },
      { tool: "get_rules", args: () => ({ policy_id: "TAG#PII" }), then: (d) => expect(d.count).toBe(4) },
    ],
    async readBack(s) {
      expect(await rulesOf(s, "TAG#PII")).toEqual(["ADMIN SSN 10000", "ANALYST EMAIL 10002", "ANALYST SSN 10003", "DATA_SCIENTIST PHONE 10001"]);
      const policies = list<{ policy_id: string }>(await s.ok("get_policies", {}), "policies").map((p) => p.policy_id);
      expect(policies.filter((p) => p.includes("PII"))).toEqual(["TAG#PII"]);
    },
  },
  {
    scenario: "a connected catalog: PUSHDOWN policy on a raw tag, rules",
    prompt: "setup_databricks_masking",
    args: { catalog: "PROD_DATABRICKS", tag: "pii_email", who_sees_what: "ANALYST sees e-mail masked" },
    optional: {
      create_databricks_database: "PROD_DATABRICKS is connected already (get_database_id finds it)",
      connect_tag: "named only to say it does not apply to Databricks",
    },
    steps: () => [
      { tool: "get_database_id", args: () => ({ database_name: "PROD_DATABRICKS" }), then: (d, f) => void (f.database_id = d.database_id) },
      { tool: "get_roles", args: () => ({}) },
      {
        tool: "create_policy",
        args: (f) => ({ tag: "pii_email", policy_type: "PUSHDOWN", database_ids: [f.database_id] }),
        then: (d, f) => void (f.policy_id = d.policy_id),
      },
      {
        tool: "add_rules",
        args: (f) => ({ policy_id: f.policy_id, rules: [{ masking_policy: "EMAIL", role: "ANALYST", tag_value: "email" }] }),
      },
      { tool: "get_rules", args: (f) => ({ policy_id: f.policy_id }), then: (d) => expect(d.count).toBe(1) },
    ],
    async readBack(s, f) {
      expect(await rulesOf(s, String(f.policy_id))).toEqual(["ANALYST email 10002"]);
      const policies = list<{ policy_id: string }>(await s.ok("get_policies", { policy_type: "PUSHDOWN" }), "policies").map((p) => p.policy_id);
      expect(policies).toContain(f.policy_id);
    },
  },
  {
    scenario: "a finished job: drill down, decide, undo",
    prompt: "review_classification_findings",
    args: { job_id: JOB },
    says: [/create_job needs a collection_name: take it from get_collections/],
    optional: {
      create_job: "a finished job exists (classify_snowflake_database runs it)",
      get_collections: "a finished job exists (classify_snowflake_database runs it)",
    },
    steps: () => [
      { tool: "get_job", args: () => ({ job_id: JOB }), then: (d) => expect(d.status).toBe("COMPLETED") },
      { tool: "get_job_summary", args: () => ({ job_id: JOB }) },
      { tool: "get_job_findings", args: () => ({ job_id: JOB }), then: (d) => expect(JSON.stringify(d)).toContain("ANALYTICS") },
      { tool: "get_job_findings_schemas", args: () => ({ job_id: JOB, database: "ANALYTICS" }) },
      { tool: "get_job_findings_tables", args: () => ({ job_id: JOB, database: "ANALYTICS", schema: "CRM DATA" }) },
      {
        tool: "get_job_findings_columns",
        args: () => ({ job_id: JOB, ...CUSTOMERS }),
        then: (d, f) => {
          const pending = list<{ name: string; column_status?: string }>(d, "items").find((c) => c.column_status === "pending");
          expect(pending, "a pending column to decide").toBeDefined();
          f.column = pending!.name;
        },
      },
      { tool: "get_job_findings_classifiers", args: (f) => ({ job_id: JOB, ...CUSTOMERS, column: f.column }) },
      {
        tool: "record_job_decision",
        args: (f) => ({ job_id: JOB, confirmed_status: "rejected", ...CUSTOMERS, column: f.column }),
      },
      {
        tool: "get_job_review_status",
        args: () => ({ job_id: JOB }),
        then: (d, f) => {
          expect(d.rejected).toBeGreaterThanOrEqual(1);
          f.rejected = d.rejected;
        },
      },
      {
        tool: "get_job_decisions",
        args: () => ({ job_id: JOB, ...CUSTOMERS }),
        then: (d, f) => expect(JSON.stringify(d)).toContain(`"${String(f.column)}"`),
      },
      { tool: "revoke_job_decisions", args: (f) => ({ job_id: JOB, ...CUSTOMERS, column: f.column }) },
    ],
    async readBack(s, f) {
      const review = await s.ok("get_job_review_status", { job_id: JOB });
      expect(review.rejected).toBe(Number(f.rejected) - 1);
      const decisions = JSON.stringify(await s.ok("get_job_decisions", { job_id: JOB, ...CUSTOMERS }));
      expect(decisions).not.toContain(`"${String(f.column)}"`);
    },
  },
  {
    scenario: "a new repo behind the existing sidecar",
    prompt: "onboard_oltp_sidecar",
    args: { repo_name: "crm_postgres", database_type: "PostgreSQL" },
    optional: {
      create_sc_sidecar: "a sidecar exists (list_sc_sidecars finds it)",
      create_oltp_job: "offered as a next step, not part of onboarding",
      create_oltp_access_policy: "offered as a next step, not part of onboarding",
      get_collections: "named for create_oltp_job, a next step",
    },
    steps: () => [
      {
        tool: "create_sc_repo",
        args: () => ({ name: "crm_postgres", repo_type: "Postgres", hostname: "crm-db.internal.example.com", port: 5432 }),
      },
      {
        tool: "create_sc_repo_user",
        args: () => ({
          repo_name: "crm_postgres",
          username: "crm_reader",
          aws_secrets_manager: { secrets_path: "prod/crm/crm_reader", iam_role: "arn:aws:iam::123456789012:role/altr-sidecar" },
        }),
      },
      {
        tool: "list_sc_sidecars",
        args: () => ({}),
        then: (d, f) => {
          const sidecar = JSON.stringify(d).match(/"id":"([0-9a-f-]{36})"/);
          expect(sidecar).not.toBeNull();
          f.sidecar_id = sidecar![1];
        },
      },
      { tool: "register_sc_sidecar_listener", args: (f) => ({ sidecar_id: f.sidecar_id, port: 5432, database_type: "PostgreSQL" }) },
      { tool: "create_sc_sidecar_binding", args: (f) => ({ sidecar_id: f.sidecar_id, port: 5432, repo_name: "crm_postgres" }) },
      { tool: "list_sc_repo_bindings", args: () => ({ repo_name: "crm_postgres" }), then: (d) => expect(JSON.stringify(d)).toContain("5432") },
      { tool: "get_sidecar_instances", args: (f) => ({ sidecar_id: f.sidecar_id }) },
    ],
    async readBack(s, f) {
      expect(JSON.stringify(await s.ok("list_sc_repo_users", { repo_name: "crm_postgres" }))).toContain("crm_reader");
      expect(JSON.stringify(await s.ok("list_sc_sidecar_listeners", { sidecar_id: f.sidecar_id }))).toContain("5432");
      expect(JSON.stringify(await s.ok("list_sc_sidecar_bindings", { sidecar_id: f.sidecar_id }))).toContain("crm_postgres");
    },
  },
  {
    scenario: "a Snowflake database, ALTR's engine, a collection from get_collections",
    prompt: "classify_snowflake_database",
    args: { database: "PROD_SNOWFLAKE" },
    says: [/create_job needs a collection_name: take it from get_collections .*never guess one/],
    optional: {},
    steps: (s) => [
      { tool: "get_database_id", args: () => ({ database_name: "PROD_SNOWFLAKE" }), then: (d, f) => void (f.database_id = d.database_id) },
      {
        tool: "get_collections",
        args: () => ({}),
        then: (d, f) => {
          const names = JSON.stringify(d).match(/"collection_name":"([^"]+)"/);
          expect(names).not.toBeNull();
          f.collection_name = names![1];
        },
      },
      {
        tool: "create_job",
        args: (f) => ({ job_type: "FULL", database_id: f.database_id, collection_name: f.collection_name }),
        then: (d, f) => {
          f.job_id = d.job_id;
          expect(f.job_id).toEqual(expect.any(String));
        },
      },
      {
        tool: "get_job",
        args: (f) => ({ job_id: f.job_id }),
        // Poll as the prompt says, bounded.
        then: async (d, f) => {
          let status = d.status;
          for (let i = 0; i < 20 && status !== "COMPLETED" && status !== "FAILED"; i++) status = (await s.ok("get_job", { job_id: f.job_id })).status;
          expect(status).toBe("COMPLETED");
        },
      },
      { tool: "get_job_summary", args: (f) => ({ job_id: f.job_id }) },
      { tool: "get_job_findings", args: (f) => ({ job_id: f.job_id }) },
    ],
    async readBack(s, f) {
      const jobs = list<{ job_id: string; collection_name: string; database_id: number }>(await s.ok("get_jobs", {}), "jobs");
      expect(jobs.find((j) => j.job_id === f.job_id)).toMatchObject({ collection_name: f.collection_name, database_id: f.database_id });
    },
  },
  {
    scenario: "an open request, approved with the user's justification",
    prompt: "review_access_request",
    args: {},
    says: [/ask me for the justification in my own words/, /Never write, complete or improve a justification yourself/, /word for word/],
    optional: { deny_access_request: "the user chose to approve (deny is the other branch)" },
    steps: () => [
      {
        tool: "get_access_requests",
        args: () => ({ status: "OPEN" }),
        then: (d, f) => {
          const open = list<{ id: string }>(d, "access_requests");
          expect(open.length).toBeGreaterThanOrEqual(1);
          f.request_id = open[0]!.id;
        },
      },
      { tool: "get_access_request", args: (f) => ({ request_id: f.request_id }), then: (d) => expect(d.status).toBe("OPEN") },
      { tool: "approve_access_request", args: (f) => ({ request_id: f.request_id, justification: USER_JUSTIFICATION }) },
      { tool: "get_access_request", args: (f) => ({ request_id: f.request_id }), then: (d) => expect(d.status).not.toBe("OPEN") },
    ],
    async readBack(s, f) {
      const request = await s.ok("get_access_request", { request_id: f.request_id });
      expect(String(request.status)).toMatch(/APPROVED/);
      // The justification ALTR keeps is the user's, word for word.
      expect(JSON.stringify(request)).toContain(USER_JUSTIFICATION);
    },
  },
];

const TOOL_NAMES = ALL_TOOLS.map((t) => t.name);
/** Tool names a text mentions, each with the positions of its mentions. */
function mentions(text: string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const name of TOOL_NAMES) {
    const at = [...text.matchAll(new RegExp(`(?<![a-z_])${name}(?![a-z_])`, "g"))].map((m) => m.index);
    if (at.length) out.set(name, at);
  }
  return out;
}

async function promptText(s: SandboxSession, name: string, args: Record<string, string>): Promise<string> {
  const got = await s.client.getPrompt({ name, arguments: args });
  const content = got.messages[0]!.content;
  return content.type === "text" ? content.text : "";
}

let session: SandboxSession | undefined;
afterEach(async () => {
  if (session) expect(session.sandbox.violations).toEqual([]);
  await session?.close();
  session = undefined;
});

describe("every prompt runs end to end on the sandbox", () => {
  it("every prompt the server lists has a workflow here (or is a troubleshooting prompt run by support-prompts.test.ts)", async () => {
    // Every toolset and the troubleshooting prompts on: the most prompts the server can list.
    const s = (session = await openSandboxSession(undefined, { SUPPORT_PROMPTS: "true" }));
    const listed = (await s.client.listPrompts()).prompts.map((p) => p.name);

    const workflows = new Set(WORKFLOWS.map((w) => w.prompt));
    const uncovered = listed.filter((n) => !workflows.has(n) && !SUPPORT_PROMPT_NEEDS.has(n));
    expect(uncovered).toEqual([]);
    // And no workflow for a prompt the server does not list.
    expect([...workflows].filter((n) => !listed.includes(n))).toEqual([]);
    expect(listed.filter((n) => SUPPORT_PROMPT_NEEDS.has(n))).toHaveLength(SUPPORT_PROMPT_NEEDS.size);
  });

  it("the check can fail: a prompt with no workflow is reported", () => {
    const workflows = new Set(WORKFLOWS.map((w) => w.prompt));
    expect(["brand_new_prompt"].filter((n) => !workflows.has(n) && !SUPPORT_PROMPT_NEEDS.has(n))).toEqual(["brand_new_prompt"]);
  });

  it.each(WORKFLOWS.map((w) => [w.prompt, w.scenario, w] as const))("%s — %s", { timeout: 60_000 }, async (_name, _scenario, w) => {
    const s = (session = await openSandboxSession());
    const text = await promptText(s, w.prompt, w.args);
    for (const rule of w.says ?? []) expect(text).toMatch(rule);
    const steps = w.steps(s);

    // The steps call, in the prompt's order, every tool it names (OPTIONAL says why one is not called).
    const named = mentions(text);
    const called = new Set(steps.map((st) => st.tool));
    expect([...named.keys()].filter((t) => !called.has(t) && !(t in w.optional)), "named by the prompt, neither called nor explained").toEqual([]);
    expect(Object.keys(w.optional).filter((t) => !named.has(t)), "OPTIONAL names a tool the prompt does not").toEqual([]);
    let at = -1;
    for (const st of steps) {
      const next = (named.get(st.tool) ?? []).find((i) => i >= at);
      expect(next, `${st.tool} is named by the prompt after the step before it`).toBeDefined();
      at = next!;
    }

    const found: Found = {};
    for (const st of steps) {
      const args = st.args(found);
      const res = await s.call(st.tool, args);
      expect(res.success, `${st.tool} ${JSON.stringify(args)}: ${res.error?.message ?? ""}`).toBe(true);
      await st.then?.(res.data as Data, found);
    }
    await w.readBack(s, found);
  });
});
