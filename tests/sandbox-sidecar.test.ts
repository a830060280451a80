/**
 * Sidecar audits, telemetry and sidecar configuration on the sandbox (--sandbox), through a real
 * MCP SDK client: rows come from the seed's traffic and from what the sandbox itself did, every
 * documented filter selects what it says, pages (next_page_token, contiguous_id) cover the rows
 * once each, counts equal the lists they count, and deletions are refused or cascade as ALTR's
 * documents say. The clock is fixed (only Date is faked), so times and ids are deterministic.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { openSandboxSession, type SandboxSession } from "./helpers/sandbox-client.js";

const NOW = Date.parse("2025-07-10T12:00:00Z");
let session: SandboxSession | undefined;
beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(NOW);
});
afterEach(async () => {
  if (session) expect(session.sandbox.violations).toEqual([]);
  await session?.close();
  session = undefined;
  vi.useRealTimers();
});
const open = async () => (session = await openSandboxSession());

const SIDECAR = "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a";
const EAST_1 = "c58a2976-d2df-4af4-9fba-bda6e09c8c1f";
const EAST_2 = "7e6d5c4b-3a29-4180-9f7e-6d5c4b3a2918";
const AUDIT_AGENT = "3f9c2b1e-8a7d-4c6b-9e5f-1a2b3c4d5e6f";
const CLASSIFIER_AGENT = "c5750de6-170d-46d3-a9bc-b5f7ba032ad0";
const SEEDED = { from_date_time: "2025-06-01T00:00:00Z", to_date_time: "2025-06-04T00:00:00Z" };

interface Audit {
  event_id: string;
  event_name: string;
  event_time: string;
  tracking_id: string;
  sidecar: { id: string; instance_id: string };
  repo: { name: string };
  user_identity: { repo_user: string; consuming_user: { username: string; email?: string } };
  statement_request?: { statement: string; statement_type: string; response: { records: number } };
  connection_request?: { authorized: boolean };
}
interface Results {
  status: string;
  audits: Audit[];
  next_page_token: string | null;
}
interface Instance {
  instance_id: string;
  checkin_time: number;
  active_tasks?: number;
}
interface Page<T> {
  items: T[];
  contiguous_id: string | null;
}

/** Every row a search selects, read page by page; checks that pages do not overlap. */
async function search(s: SandboxSession, filters: Record<string, unknown>, limit?: number): Promise<Audit[]> {
  const { search_uuid } = await s.ok<{ search_uuid: string }>("search_audits", filters);
  const rows: Audit[] = [];
  let token: string | undefined;
  for (let i = 0; i < 50; i++) {
    const page = await s.ok<Results>("get_audit_results", { search_uuid, ...(limit ? { limit } : {}), ...(token ? { next_page_token: token } : {}) });
    expect(page.status).toBe("complete");
    if (limit) expect(page.audits.length).toBeLessThanOrEqual(limit);
    rows.push(...page.audits);
    if (!page.next_page_token) break;
    token = page.next_page_token;
  }
  expect(new Set(rows.map((r) => r.event_id)).size).toBe(rows.length);
  return rows;
}

describe("sidecar audits", () => {
  it("the seeded traffic is found in its window; ALTR's default window (the last 24 hours) leaves it out", async () => {
    const s = await open();
    const seeded = await search(s, SEEDED);
    expect(seeded).toHaveLength(10);
    // Newest first by default, every row inside the window.
    const times = seeded.map((r) => Date.parse(r.event_time));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    for (const t of times) expect(t).toBeGreaterThanOrEqual(Date.parse(SEEDED.from_date_time));
    expect(await search(s, {})).toEqual([]);
    expect(await search(s, { from_date_time: "2025-06-02T00:00:00Z", to_date_time: "2025-06-02T23:59:59Z" })).toHaveLength(3);
  });

  it("every documented filter selects what it says (case-insensitive, lists any-of, all AND-ed)", async () => {
    const s = await open();
    const all = await search(s, SEEDED);
    const expectSubset = async (filters: Record<string, unknown>, keep: (r: Audit) => boolean, size: number) => {
      const rows = await search(s, { ...SEEDED, ...filters });
      expect(rows.map((r) => r.event_id).sort(), JSON.stringify(filters)).toEqual(all.filter(keep).map((r) => r.event_id).sort());
      expect(rows, JSON.stringify(filters)).toHaveLength(size);
    };
    await expectSubset({ consuming_user: "JDOE" }, (r) => r.user_identity.consuming_user.username === "jdoe", 5);
    await expectSubset({ consuming_user: ["jdoe", "asmith"] }, (r) => ["jdoe", "asmith"].includes(r.user_identity.consuming_user.username), 8);
    await expectSubset({ consuming_user_email: "ASMITH@example.com" }, (r) => r.user_identity.consuming_user.email === "asmith@example.com", 3);
    await expectSubset({ sidecar_instance_id: EAST_2 }, (r) => r.sidecar.instance_id === EAST_2, 2);
    await expectSubset({ sidecar_id: SIDECAR.toUpperCase() }, () => true, 10);
    await expectSubset({ sidecar_id: "00000000-0000-4000-8000-000000000000" }, () => false, 0);
    await expectSubset({ statement_type: "select" }, (r) => r.statement_request?.statement_type === "SELECT", 5);
    await expectSubset({ table_name: "payments" }, (r) => /PAYMENTS/.test(r.statement_request?.statement ?? ""), 3);
    await expectSubset({ column_name: "SSN" }, (r) => /SSN/.test(r.statement_request?.statement ?? ""), 2);
    await expectSubset({ schema_name: "orders", database_name: "orcl" }, (r) => r.event_name === "Query", 8);
    await expectSubset({ database_name: "PROD_DB" }, () => false, 0);
    await expectSubset({ statement_text_contains: "where id" }, (r) => /WHERE ID/.test(r.statement_request?.statement ?? ""), 4);
    await expectSubset({ consuming_user: "jdoe", statement_type: "SELECT", column_name: "EMAIL" }, (r) => r.user_identity.consuming_user.username === "jdoe" && /EMAIL/.test(r.statement_request?.statement ?? ""), 3);
    const one = all[3]!;
    await expectSubset({ query_id: one.event_id.toUpperCase() }, (r) => r.event_id === one.event_id, 1);
  });

  it("sorts by rows accessed either way, and limit/offset cut the sorted rows", async () => {
    const s = await open();
    const desc = await search(s, { ...SEEDED, sort_by: "rows_accessed" });
    const records = desc.map((r) => r.statement_request?.response.records ?? 0);
    expect(records).toEqual([...records].sort((a, b) => b - a));
    expect(records[0]).toBe(250);
    const asc = await search(s, { ...SEEDED, sort_by: "rows_accessed", order_by: "asc" });
    expect(asc.map((r) => r.statement_request?.response.records ?? 0)).toEqual([...records].sort((a, b) => a - b));
    const byTime = await search(s, { ...SEEDED, order_by: "asc" });
    const cut = await search(s, { ...SEEDED, order_by: "asc", offset: 2, limit: 3 });
    expect(cut.map((r) => r.event_id)).toEqual(byTime.slice(2, 5).map((r) => r.event_id));
  });

  it("pages of 3 cover the rows once each; the last page has no token; another search's token is refused", async () => {
    const s = await open();
    const whole = await search(s, SEEDED);
    const paged = await search(s, SEEDED, 3);
    expect(paged.map((r) => r.event_id)).toEqual(whole.map((r) => r.event_id));
    const a = await s.ok<{ search_uuid: string }>("search_audits", SEEDED);
    const b = await s.ok<{ search_uuid: string }>("search_audits", { ...SEEDED, consuming_user: "jdoe" });
    expect(a.search_uuid).not.toBe(b.search_uuid);
    const first = await s.ok<Results>("get_audit_results", { search_uuid: a.search_uuid, limit: 4 });
    expect(first.next_page_token).toBeTruthy();
    const forged = await s.call("get_audit_results", { search_uuid: b.search_uuid, next_page_token: first.next_page_token });
    expect(forged.error?.message).toContain("next_page_token");
    expect((await s.call("get_audit_results", { search_uuid: "no-such-search" })).error?.message).toContain("404");
    expect(session!.sandbox.violations.filter((v) => v.kind === "response")).toEqual([]);
    session!.sandbox.violations.splice(0);
  });

  it("an OLTP scan through the bound sidecar appears as the service user's connection and sampling statements; its sidecar and agent check in", async () => {
    const s = await open();
    const job = await s.ok<{ job_id: string }>("create_oltp_job", { agent_id: CLASSIFIER_AGENT, repo_name: "orders_oracle", service_user_name: "altr_classification_svc", collection_name: "pii_classifiers" });
    expect(await search(s, {})).toEqual([]);
    await s.ok("get_job", { job_id: job.job_id });
    vi.setSystemTime(NOW + 60_000);
    expect((await s.ok<{ status: string }>("get_job", { job_id: job.job_id })).status).toBe("COMPLETED");
    await s.ok("get_job", { job_id: job.job_id }); // a later read records nothing twice
    const mine = await search(s, {});
    expect(mine.map((r) => r.statement_request?.statement ?? "connect").sort()).toEqual([
      "SELECT CARD_NUMBER FROM ORDERS.PAYMENTS FETCH FIRST 5 ROWS ONLY",
      "SELECT EMAIL, SSN FROM ORDERS.CUSTOMERS FETCH FIRST 5 ROWS ONLY",
      "connect",
    ]);
    for (const r of mine) {
      expect(r).toMatchObject({ tracking_id: job.job_id, sidecar: { id: SIDECAR, instance_id: EAST_1 }, repo: { name: "orders_oracle" }, user_identity: { repo_user: "altr_classification_svc" } });
      expect(r.event_time).toBe("2025-07-10T12:00:59Z"); // the sampling started 12 ms before the read that completed the job
    }
    expect(await search(s, { consuming_user: "altr_classification_svc", table_name: "CUSTOMERS" })).toHaveLength(1);
    const sidecar = await s.ok<Page<Instance>>("get_sidecar_instances", { sidecar_id: SIDECAR });
    expect(sidecar.items[0]).toMatchObject({ instance_id: EAST_1, checkin_time: NOW + 60_000 });
    const agent = await s.ok<Page<Instance>>("get_agent_instances", { agent_id: CLASSIFIER_AGENT });
    expect(agent.items.map((i) => i.checkin_time)).toEqual([NOW + 60_000]);
  });

  it("a repo not behind a sidecar leaves no sidecar audit rows", async () => {
    const s = await open();
    await s.ok("create_sc_repo", { name: "billing_oracle", repo_type: "Oracle", hostname: "billing-db.internal.example.com", port: 1522 });
    const job = await s.ok<{ job_id: string }>("create_oltp_job", { agent_id: CLASSIFIER_AGENT, repo_name: "billing_oracle", service_user_name: "svc", collection_name: "pii_classifiers" });
    await s.ok("get_job", { job_id: job.job_id });
    await s.ok("get_job", { job_id: job.job_id });
    expect(await search(s, {})).toEqual([]);
  });
});

describe("telemetry", () => {
  it("sidecar instances: latest check-in first, paged with contiguous_id; removing one removes it", async () => {
    const s = await open();
    const all = await s.ok<Page<Instance>>("get_sidecar_instances", { sidecar_id: SIDECAR });
    expect(all.items.map((i) => i.instance_id)).toEqual([EAST_1, EAST_2]);
    expect(all.contiguous_id).toBeNull();
    const first = await s.ok<Page<Instance>>("get_sidecar_instances", { sidecar_id: SIDECAR, limit: 1 });
    expect(first.items.map((i) => i.instance_id)).toEqual([EAST_1]);
    expect(first.contiguous_id).toBeTruthy();
    const second = await s.ok<Page<Instance>>("get_sidecar_instances", { sidecar_id: SIDECAR, limit: 1, contiguous_id: first.contiguous_id });
    expect(second.items.map((i) => i.instance_id)).toEqual([EAST_2]);
    expect(second.contiguous_id).toBeNull();
    expect((await s.call("get_sidecar_instances", { sidecar_id: SIDECAR, contiguous_id: "bm90LWEtY3Vyc29y" })).error?.message).toContain("contiguous_id");
    session!.sandbox.violations.splice(0);

    await s.ok("disconnect_sidecar_instance", { sidecar_id: SIDECAR, instance_id: EAST_2 });
    expect((await s.ok<Page<Instance>>("get_sidecar_instances", { sidecar_id: SIDECAR })).items.map((i) => i.instance_id)).toEqual([EAST_1]);
    expect((await s.call("get_sidecar_instance", { sidecar_id: SIDECAR, instance_id: EAST_2 })).error?.message).toContain("404");
    expect((await s.call("get_sidecar_instances", { sidecar_id: "00000000-0000-4000-8000-000000000000" })).error?.message).toContain("404");
  });

  it("changing a sidecar's configuration makes its instances check in; a new sidecar runs none", async () => {
    const s = await open();
    await s.ok("register_sc_sidecar_listener", { sidecar_id: SIDECAR, port: 1600, database_type: "Oracle" });
    const after = await s.ok<Page<Instance>>("get_sidecar_instances", { sidecar_id: SIDECAR });
    expect(after.items.map((i) => i.checkin_time)).toEqual([NOW, NOW]);
    const created = await s.ok<{ id: string }>("create_sc_sidecar", { name: "new-sidecar", hostname: "sidecar-west.internal.example.com" });
    expect((await s.ok<Page<Instance>>("get_sidecar_instances", { sidecar_id: created.id })).items).toEqual([]);
  });

  it("a task gets a report when scheduled, which delete_task_telemetry removes; the agent's instances count its tasks", async () => {
    const s = await open();
    const before = await s.ok<Page<{ task_id: string }>>("get_agent_task_telemetry", { agent_id: AUDIT_AGENT });
    expect(before.items).toHaveLength(1);
    const task = await s.ok<{ id: string; agent_id: string }>("create_sc_agent_task", {
      agent_id: AUDIT_AGENT,
      name: "oracle-hourly-audit",
      repo_name: "orders_oracle",
      service_user: "altr_audit_svc",
      configuration: { service_name: "ORCLPDB1", initial_audit_timestamp: "2025-06-01T00:00:00Z" },
      schedule: { type: "CRON", value: "0 * * * *", timezone: "UTC", max_duration: "PT1H" },
    });
    expect(task.agent_id).toBe(AUDIT_AGENT);
    const reports = await s.ok<Page<{ task_id: string; status: string; repository: string }>>("get_agent_task_telemetry", { agent_id: AUDIT_AGENT });
    expect(reports.items.map((r) => r.task_id)).toContain(task.id);
    expect(await s.ok("get_task_telemetry", { task_id: task.id })).toMatchObject({ task_id: task.id, agent_id: AUDIT_AGENT, repository: "orders_oracle", checkin_time: NOW });
    const instances = await s.ok<Page<Instance>>("get_agent_instances", { agent_id: AUDIT_AGENT });
    expect(instances.items[0]).toMatchObject({ active_tasks: 2, checkin_time: NOW });
    expect((await s.ok<{ task_count: number }>("get_sc_agent", { agent_id: AUDIT_AGENT })).task_count).toBe(2);
    // Pages of one: both reports, once each.
    const one = await s.ok<Page<{ task_id: string }>>("get_agent_task_telemetry", { agent_id: AUDIT_AGENT, limit: 1 });
    const two = await s.ok<Page<{ task_id: string }>>("get_agent_task_telemetry", { agent_id: AUDIT_AGENT, limit: 1, contiguous_id: one.contiguous_id });
    expect([...one.items, ...two.items].map((r) => r.task_id).sort()).toEqual(reports.items.map((r) => r.task_id).sort());
    expect(two.contiguous_id).toBeNull();

    await s.ok("delete_task_telemetry", { task_id: task.id });
    expect((await s.call("get_task_telemetry", { task_id: task.id })).error?.message).toContain("404");
    expect((await s.ok<{ tasks: unknown[] }>("list_sc_agent_tasks", { agent_id: AUDIT_AGENT })).tasks).toHaveLength(2); // the task stays
    await s.ok("delete_sc_agent_task", { agent_id: AUDIT_AGENT, task_id: task.id, confirm: true });
    expect((await s.ok<{ task_count: number }>("get_sc_agent", { agent_id: AUDIT_AGENT })).task_count).toBe(1);
  });
});

describe("sidecar configuration stays referentially consistent", () => {
  it("counts equal the lists they count, after each change", async () => {
    const s = await open();
    const counts = async () => {
      const repo = await s.ok<{ user_count: number; service_user_count: number; binding_count: number }>("get_sc_repo", { repo_name: "billing_oracle" });
      const users = (await s.ok<{ users: unknown[] }>("list_sc_repo_users", { repo_name: "billing_oracle" })).users;
      const service = (await s.ok<{ service_users: unknown[] }>("list_sc_service_users", { repo_name: "billing_oracle" })).service_users;
      const bindings = (await s.ok<{ repo_bindings: unknown[] }>("list_sc_repo_bindings", { repo_name: "billing_oracle" })).repo_bindings;
      expect(repo.user_count).toBe(users.length);
      expect(repo.service_user_count).toBe(service.length);
      expect(repo.binding_count).toBe(bindings.length);
      const sidecar = await s.ok<{ listener_count: number; listener_repo_binding_count: number }>("get_sc_sidecar", { sidecar_id: SIDECAR });
      expect(sidecar.listener_count).toBe((await s.ok<{ sidecar_listeners: unknown[] }>("list_sc_sidecar_listeners", { sidecar_id: SIDECAR })).sidecar_listeners.length);
      expect(sidecar.listener_repo_binding_count).toBe((await s.ok<{ repo_bindings: unknown[] }>("list_sc_sidecar_bindings", { sidecar_id: SIDECAR })).repo_bindings.length);
      return { users: users.length, bindings: bindings.length };
    };
    await s.ok("create_sc_repo", { name: "billing_oracle", repo_type: "Oracle", hostname: "billing-db.internal.example.com", port: 1522 });
    // A new repo starts with no users (not the documents' example user).
    expect(await counts()).toEqual({ users: 0, bindings: 0 });
    await s.ok("create_sc_repo_user", { repo_name: "billing_oracle", username: "billing_reader", aws_secrets_manager: { secrets_path: "prod/billing/reader" } });
    expect(await s.ok("get_sc_repo_user", { repo_name: "billing_oracle", username: "billing_reader" })).toMatchObject({ repo_name: "billing_oracle" });
    await s.ok("register_sc_sidecar_listener", { sidecar_id: SIDECAR, port: 1522, database_type: "Oracle" });
    await s.ok("create_sc_sidecar_binding", { sidecar_id: SIDECAR, port: 1522, repo_name: "billing_oracle" });
    expect(await counts()).toEqual({ users: 1, bindings: 1 });
    // Filters on the bindings lists select what they say.
    expect((await s.ok<{ repo_bindings: { port: number }[] }>("list_sc_sidecar_bindings", { sidecar_id: SIDECAR, ports: "1522" })).repo_bindings.map((b) => b.port)).toEqual([1522]);

    // ALTR refuses to remove a repo with bindings or users, and a sidecar with listeners.
    expect((await s.call("disconnect_sc_repo", { repo_name: "billing_oracle", confirm: true })).error?.message).toContain("binding");
    expect((await s.call("disconnect_sc_sidecar", { sidecar_id: SIDECAR, confirm: true })).error?.message).toContain("listener");
    // Removing the listener removes the bindings on its port; the repo still has its user.
    await s.ok("deregister_sc_sidecar_listener", { sidecar_id: SIDECAR, port: 1522, confirm: true });
    expect(await counts()).toEqual({ users: 1, bindings: 0 });
    expect((await s.call("disconnect_sc_repo", { repo_name: "billing_oracle", confirm: true })).error?.message).toContain("user");
    await s.ok("disconnect_sc_repo_user", { repo_name: "billing_oracle", username: "billing_reader", confirm: true });
    await s.ok("disconnect_sc_repo", { repo_name: "billing_oracle", confirm: true });
    expect(JSON.stringify(await s.ok("list_sc_repos"))).not.toContain("billing_oracle");
    session!.sandbox.violations.splice(0);
  });

  it("a task names an existing repo and service user; an agent with tasks is not removed", async () => {
    const s = await open();
    const task = { agent_id: AUDIT_AGENT, name: "t", configuration: { service_name: "ORCLPDB1" }, schedule: { type: "CRON", value: "0 2 * * *", timezone: "UTC", max_duration: "PT1H" } };
    expect((await s.call("create_sc_agent_task", { ...task, repo_name: "no_such_repo", service_user: "x" })).error?.message).toContain("404");
    expect((await s.call("create_sc_agent_task", { ...task, repo_name: "orders_oracle", service_user: "nobody" })).error?.message).toContain("service user");
    expect((await s.call("disconnect_sc_agent", { agent_id: AUDIT_AGENT, confirm: true })).error?.message).toContain("task");
    // The classifier agent has no tasks: it goes, and its instances with it.
    await s.ok("disconnect_sc_agent", { agent_id: CLASSIFIER_AGENT, confirm: true });
    expect((await s.call("get_agent_instances", { agent_id: CLASSIFIER_AGENT })).error?.message).toContain("404");
    session!.sandbox.violations.splice(0);
  });

  it("configuration lists page with contiguous_id and filter by type", async () => {
    const s = await open();
    await s.ok("create_sc_repo", { name: "billing_pg", repo_type: "Postgres", hostname: "billing-pg.internal.example.com", port: 5432 });
    await s.ok("create_sc_repo", { name: "crm_pg", repo_type: "Postgres", hostname: "crm-pg.internal.example.com", port: 5432 });
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 10; i++) {
      const page = await s.ok<{ repos: { name: string }[]; contiguous_id: string | null }>("list_sc_repos", { limit: 1, ...(cursor ? { contiguous_id: cursor } : {}) });
      expect(page.repos).toHaveLength(1);
      seen.push(page.repos[0]!.name);
      if (!page.contiguous_id) break;
      cursor = page.contiguous_id;
    }
    expect(seen).toEqual(["orders_oracle", "billing_pg", "crm_pg"]);
    expect((await s.ok<{ repos: { name: string }[] }>("list_sc_repos", { repo_type: "Postgres" })).repos.map((r) => r.name)).toEqual(["billing_pg", "crm_pg"]);
    expect((await s.ok<{ agents: { id: string }[] }>("list_sc_agents", { agent_type: "CLASSIFIER" })).agents.map((a) => a.id)).toEqual([CLASSIFIER_AGENT]);
  });
});

describe("the sidecar-family parameters on the sandbox, through the tools", () => {
  it("search_audits: repo_name selects the connection; a time-of-day window in its zone (wrapping midnight) keeps only those hours", async () => {
    const s = await open();
    expect(await search(s, { ...SEEDED, repo_name: "ORDERS_ORACLE" })).toHaveLength(10);
    expect(await search(s, { ...SEEDED, repo_name: ["billing_oracle"] })).toEqual([]);
    // 14:00–16:00 UTC is 10:00–12:00 in New York (EDT): 14:03:25, 14:03:27, 15:10:00 UTC on 1 June.
    const ny = await search(s, { ...SEEDED, time_of_day: { start: "10:00", end: "12:00" }, timezone: "America/New_York" });
    expect(ny.map((r) => r.event_time).sort()).toEqual(["2025-06-01T14:03:25Z", "2025-06-01T14:03:27Z", "2025-06-01T15:10:00Z"]);
    // A window past midnight in UTC: 18:00–09:00 keeps the evening and early-morning rows.
    const night = await search(s, { ...SEEDED, time_of_day: { start: "18:00", end: "09:00" }, timezone: "UTC" });
    expect(night.map((r) => r.event_time).sort()).toEqual(["2025-06-02T18:22:09Z", "2025-06-03T08:05:55Z"]);
    // AND-ed with the other filters.
    expect(await search(s, { ...SEEDED, time_of_day: { start: "18:00", end: "09:00" }, timezone: "UTC", consuming_user: "asmith" })).toHaveLength(1);
    expect((await s.call("search_audits", { time_of_day: { start: "10:00", end: "12:00" } })).error?.message).toContain("timezone");
  });

  it("get_sidecar_instances / get_agent_instances: checkin_after and checkin_before select by check-in time (ms, durations, inclusive)", async () => {
    const s = await open();
    const ids = async (tool: string, args: Record<string, unknown>) => (await s.ok<Page<Instance>>(tool, args)).items.map((i) => i.instance_id);
    expect(await ids("get_sidecar_instances", { sidecar_id: SIDECAR, checkin_after: "1752074611204" })).toEqual([EAST_1]);
    expect(await ids("get_sidecar_instances", { sidecar_id: SIDECAR, checkin_before: "1752074611203" })).toEqual([EAST_2]);
    expect(await ids("get_sidecar_instances", { sidecar_id: SIDECAR, checkin_after: "1748945700000", checkin_before: "1752074611204" })).toEqual([EAST_1, EAST_2]);
    // Durations count back from now (2025-07-10T12:00Z): EAST_1 checked in 21 hours before, EAST_2 37 days before.
    expect(await ids("get_sidecar_instances", { sidecar_id: SIDECAR, checkin_after: "24h" })).toEqual([EAST_1]);
    expect(await ids("get_sidecar_instances", { sidecar_id: SIDECAR, checkin_after: "30d", checkin_before: "1d" })).toEqual([]);
    expect(await ids("get_sidecar_instances", { sidecar_id: SIDECAR, checkin_before: "30d" })).toEqual([EAST_2]);
    expect(await ids("get_agent_instances", { agent_id: AUDIT_AGENT, checkin_after: "2025-07-09T00:00:00Z" })).toEqual(["b55f7214-191b-47df-adf1-9b004fd98e39"]);
    expect(await ids("get_agent_instances", { agent_id: CLASSIFIER_AGENT, checkin_after: "7d" })).toEqual([]);
    // A check-in moves an instance into a recent window.
    const job = await s.ok<{ job_id: string }>("create_oltp_job", { agent_id: CLASSIFIER_AGENT, repo_name: "orders_oracle", service_user_name: "altr_classification_svc", collection_name: "pii_classifiers" });
    await s.ok("get_job", { job_id: job.job_id });
    await s.ok("get_job", { job_id: job.job_id });
    expect(await ids("get_agent_instances", { agent_id: CLASSIFIER_AGENT, checkin_after: "5m" })).toEqual(["0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6"]);
  });

  it("list_sc_repos: name_starts_with selects by prefix (case-insensitive), with the type filter and paging", async () => {
    const s = await open();
    for (const name of ["orders_pg", "billing_pg"]) await s.ok("create_sc_repo", { name, repo_type: "Postgres", hostname: `${name}.internal.example.com`, port: 5432 });
    const names = async (args: Record<string, unknown>) => (await s.ok<{ repos: { name: string }[] }>("list_sc_repos", args)).repos.map((r) => r.name);
    expect(await names({ name_starts_with: "ORDERS" })).toEqual(["orders_oracle", "orders_pg"]);
    expect(await names({ name_starts_with: "orders", repo_type: "Postgres" })).toEqual(["orders_pg"]);
    expect(await names({ name_starts_with: "zzz" })).toEqual([]);
    const first = await s.ok<{ repos: { name: string }[]; contiguous_id: string | null }>("list_sc_repos", { name_starts_with: "orders", limit: 1 });
    expect(first.repos.map((r) => r.name)).toEqual(["orders_oracle"]);
    expect(await names({ name_starts_with: "orders", limit: 1, contiguous_id: first.contiguous_id })).toEqual(["orders_pg"]);
  });

  it("environment_variable and secret_file credential sources are kept and shown; a change replaces the previous source", async () => {
    const s = await open();
    await s.ok("create_sc_repo_user", { repo_name: "orders_oracle", username: "env_reader", environment_variable: { variable_name: "ORDERS_READER_PW" } });
    expect(await s.ok("get_sc_repo_user", { repo_name: "orders_oracle", username: "env_reader" })).toMatchObject({ repo_name: "orders_oracle", environment_variable: { variable_name: "ORDERS_READER_PW" } });
    await s.ok("update_sc_repo_user", { repo_name: "orders_oracle", username: "env_reader", secret_file: { path: "orders_reader_pw" } });
    const user = await s.ok<Record<string, unknown>>("get_sc_repo_user", { repo_name: "orders_oracle", username: "env_reader" });
    expect(user.secret_file).toEqual({ path: "orders_reader_pw" });
    expect(user.environment_variable).toBeUndefined();
    await s.ok("create_sc_service_user", { repo_name: "orders_oracle", username: "file_svc", resource: "arn:aws:iam::123456789012:role/AltrFileSvc", secret_file: { path: "file_svc_pw" } });
    const listed = (await s.ok<{ service_users: Record<string, unknown>[] }>("list_sc_service_users", { repo_name: "orders_oracle" })).service_users.find((u) => u.username === "file_svc");
    expect(listed).toMatchObject({ repo_name: "orders_oracle", secret_file: { path: "file_svc_pw" }, task_count: 0 });
    await s.ok("update_sc_service_user", { repo_name: "orders_oracle", username: "file_svc", aws_secrets_manager: { secrets_path: "prod/orders/file_svc" } });
    const after = await s.ok<Record<string, unknown>>("get_sc_service_user", { repo_name: "orders_oracle", username: "file_svc" });
    expect(after.aws_secrets_manager).toEqual({ secrets_path: "prod/orders/file_svc" });
    expect(after.secret_file).toBeUndefined();
    // The repo counts its users, whatever their source.
    expect(await s.ok("get_sc_repo", { repo_name: "orders_oracle" })).toMatchObject({ user_count: 2, service_user_count: 3 });
  });
});

describe("the time-of-day window on Snowflake query audits too", () => {
  it("search_query_audits keeps only the rows whose local time is in the window", async () => {
    const s = await open();
    const rows = async (args: Record<string, unknown>) => {
      const { search_uuid } = await s.ok<{ search_uuid: string }>("search_query_audits", args);
      return (await s.ok<{ query_audits: { event_details: { actor: { username: string } } }[] }>("get_query_audit_results", { search_uuid })).query_audits.map((r) => r.event_details.actor.username);
    };
    // The seeded rows ran at 00:00 (ALICE) and 01:00 (BOB) UTC on 2 June: 20:00 and 21:00 in New York.
    expect((await rows({})).sort()).toEqual(["ALICE", "BOB"]);
    expect(await rows({ time_of_day: { start: "20:30", end: "23:00" }, timezone: "America/New_York" })).toEqual(["BOB"]);
    expect(await rows({ time_of_day: { start: "23:30", end: "00:30" }, timezone: "UTC" })).toEqual(["ALICE"]);
    expect(await rows({ time_of_day: { start: "02:00", end: "03:00" }, timezone: "UTC" })).toEqual([]);
  });
});
