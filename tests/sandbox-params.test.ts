/**
 * The sandbox honours the parameters issue 15 exposes, and its generic lists honour their
 * documented filters, sort (both directions) and paging cursors (issue 17): through a real MCP
 * client, each filter changes the rows, each count equals the rows it counts, page 2 comes from
 * the document's cursor and no row appears on two pages.
 */
import { afterEach, describe, expect, it } from "vitest";
import { openSandboxSession, type SandboxSession } from "./helpers/sandbox-client.js";

let s: SandboxSession | undefined;
afterEach(async () => {
  if (s) expect(s.sandbox.violations).toEqual([]);
  await s?.close();
  s = undefined;
});
const open = async () => (s = await openSandboxSession());

type Rows<K extends string> = Record<K, Record<string, unknown>[]> & { contiguous_id?: string | null; count?: number };
const names = (rows: Record<string, unknown>[], key: string) => rows.map((r) => String(r[key]));
const sorted = (xs: string[], desc = false) => [...xs].sort((a, b) => a.localeCompare(b, "en", { sensitivity: "base", numeric: true }) * (desc ? -1 : 1));

describe("generic lists: filters, sort both ways, cursor paging (issue 17)", () => {
  it("sidecar repos: name_starts_with selects, limit pages with the document's contiguous_id, no repo twice", async () => {
    const x = await open();
    for (const name of ["orders_pg", "billing_oracle", "orders_mysql"]) {
      await x.ok("create_sc_repo", { name, repo_type: "Postgres", hostname: `${name}.internal`, port: 5432 });
    }
    const orders = await x.ok<Rows<"repos">>("list_sc_repos", { name_starts_with: "ORDERS" });
    expect(names(orders.repos, "name").sort()).toEqual(["orders_mysql", "orders_oracle", "orders_pg"]);
    const all = await x.ok<Rows<"repos">>("list_sc_repos", {});
    expect(all.repos).toHaveLength(4);
    const p1 = await x.ok<Rows<"repos">>("list_sc_repos", { limit: 3 });
    expect(p1.repos).toHaveLength(3);
    expect(typeof p1.contiguous_id).toBe("string");
    const p2 = await x.ok<Rows<"repos">>("list_sc_repos", { limit: 3, contiguous_id: p1.contiguous_id });
    expect(p2.repos).toHaveLength(1);
    expect(p2.contiguous_id).toBeNull();
    const seen = [...names(p1.repos, "name"), ...names(p2.repos, "name")];
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.sort()).toEqual(names(all.repos, "name").sort());
    // repo_type filters too (the generic rule: a parameter naming a property matches it).
    expect(names((await x.ok<Rows<"repos">>("list_sc_repos", { repo_type: "Oracle" })).repos, "name")).toEqual(["orders_oracle"]);
  });

  it("classifiers: prefix, order_by both directions, exclude_collection, limit and page 2 by cursor", async () => {
    const x = await open();
    await x.ok("create_classifier", { classifier_name: "zip_code", pattern: "\\d{5}" });
    await x.ok("create_classifier", { classifier_name: "US passport", pattern: "[A-Z]\\d{8}" });
    const all = (await x.ok<Rows<"classifiers">>("get_classifiers", {})).classifiers;
    const every = names(all, "classifier_name");
    expect(every.length).toBeGreaterThanOrEqual(4);
    const asc = names((await x.ok<Rows<"classifiers">>("get_classifiers", { order_by: "name", sort_order: "asc" })).classifiers, "classifier_name");
    const desc = names((await x.ok<Rows<"classifiers">>("get_classifiers", { order_by: "name", sort_order: "desc" })).classifiers, "classifier_name");
    expect(asc).toEqual(sorted(every));
    expect(desc).toEqual(sorted(every, true));
    expect(names((await x.ok<Rows<"classifiers">>("get_classifiers", { prefix: "us" })).classifiers, "classifier_name").sort()).toEqual(every.filter((n) => n.toLowerCase().startsWith("us")).sort());
    // The new classifiers are in no collection: excluding the seeded collection keeps them and drops its members.
    const outside = names((await x.ok<Rows<"classifiers">>("get_classifiers", { exclude_collection: "pii_classifiers" })).classifiers, "classifier_name");
    const members = all.filter((c) => (c.collection_names as string[] | undefined)?.includes("pii_classifiers")).map((c) => String(c.classifier_name));
    expect(members.length).toBeGreaterThan(0);
    expect(outside).toEqual(expect.arrayContaining(["US passport", "zip_code"]));
    expect(outside.sort()).toEqual(every.filter((n) => !members.includes(n)).sort());
    const p1 = await x.ok<Rows<"classifiers">>("get_classifiers", { limit: 2, order_by: "name", sort_order: "desc" });
    const p2 = await x.ok<Rows<"classifiers">>("get_classifiers", { limit: 2, order_by: "name", sort_order: "desc", contiguous_id: p1.contiguous_id });
    expect([...names(p1.classifiers, "classifier_name"), ...names(p2.classifiers, "classifier_name")]).toEqual(desc.slice(0, 4));
  });

  it("collections: sort_order by name both ways; a limit pages", async () => {
    const x = await open();
    await x.ok("create_collection", { collection_name: "a_first", description: "first" });
    await x.ok("create_collection", { collection_name: "z_last", description: "last" });
    const asc = names((await x.ok<Rows<"collections">>("get_collections", { sort_order: "asc" })).collections, "collection_name");
    const desc = names((await x.ok<Rows<"collections">>("get_collections", { sort_order: "desc" })).collections, "collection_name");
    expect(asc).toEqual(sorted(asc));
    expect(desc).toEqual([...asc].reverse());
    const p1 = await x.ok<Rows<"collections">>("get_collections", { sort_order: "asc", limit: 1 });
    expect(names(p1.collections, "collection_name")).toEqual([asc[0]]);
    const p2 = await x.ok<Rows<"collections">>("get_collections", { sort_order: "asc", limit: 1, contiguous_id: p1.contiguous_id });
    expect(names(p2.collections, "collection_name")).toEqual([asc[1]]);
  });

  it("databases: sortBy id and friendlyDatabaseName, orderBy both directions; the count stays the total", async () => {
    const x = await open();
    type Dbs = { databases: { id: number; friendlyDatabaseName: string }[]; count: number };
    const byIdAsc = await x.ok<Dbs>("get_databases", { sortBy: "id", orderBy: "asc" });
    const byIdDesc = await x.ok<Dbs>("get_databases", { sortBy: "id", orderBy: "desc" });
    const ids = byIdAsc.databases.map((d) => d.id);
    expect(ids.length).toBeGreaterThanOrEqual(2);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(byIdDesc.databases.map((d) => d.id)).toEqual([...ids].reverse());
    expect(byIdAsc.count).toBe(byIdAsc.databases.length);
    const byName = (await x.ok<Dbs>("get_databases", { sortBy: "friendlyDatabaseName", orderBy: "desc" })).databases.map((d) => d.friendlyDatabaseName);
    expect(byName).toEqual(sorted(byName, true));
  });

  it("agent and sidecar instances: check-in bounds are inclusive and select by time", async () => {
    const x = await open();
    const agent = "3f9c2b1e-8a7d-4c6b-9e5f-1a2b3c4d5e6f";
    type Items = { items: { checkin_time: number }[] };
    const all = (await x.ok<Items>("get_agent_instances", { agent_id: agent })).items;
    expect(all.length).toBeGreaterThan(0);
    const t = all[0]!.checkin_time;
    expect((await x.ok<Items>("get_agent_instances", { agent_id: agent, checkin_after: String(t) })).items.length).toBe(all.filter((i) => i.checkin_time >= t).length);
    expect((await x.ok<Items>("get_agent_instances", { agent_id: agent, checkin_after: String(t + 1) })).items.filter((i) => i.checkin_time === t)).toEqual([]);
    expect((await x.ok<Items>("get_agent_instances", { agent_id: agent, checkin_before: new Date(t - 1).toISOString() })).items.filter((i) => i.checkin_time === t)).toEqual([]);
    const sidecar = "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a";
    const sAll = (await x.ok<Items>("get_sidecar_instances", { sidecar_id: sidecar })).items;
    expect(sAll.length).toBeGreaterThan(0);
    // A check-in long ago is older than "1h ago"; none is newer than now.
    expect((await x.ok<Items>("get_sidecar_instances", { sidecar_id: sidecar, checkin_after: "1h" })).items).toEqual([]);
    expect((await x.ok<Items>("get_sidecar_instances", { sidecar_id: sidecar, checkin_before: "1m" })).items).toHaveLength(sAll.length);
  });
});

describe("the sandbox honours the new parameters (issue 15)", () => {
  it("connected tags: status, protection type, name filters; order_by both directions; count == rows", async () => {
    const x = await open();
    type Tags = { items: { tag_name: string; friendly_name: string; masking_applied: unknown; masking_pending: unknown }[]; count: number };
    const all = await x.ok<Tags>("get_tags", {});
    expect(all.items.length).toBeGreaterThanOrEqual(2);
    const applied = await x.ok<Tags>("get_tags", { status_include: "applied" });
    expect(applied.items.length).toBe(all.items.filter((t) => t.masking_applied).length);
    expect(applied.count).toBe(applied.items.length);
    const notApplied = await x.ok<Tags>("get_tags", { status_exclude: ["applied"] });
    expect(notApplied.items.length + applied.items.length).toBe(all.items.length);
    expect((await x.ok<Tags>("get_tags", { protection_type: "encryption-fpe" })).items.length).toBeLessThan(all.items.length);
    expect(names((await x.ok<Tags>("get_tags", { tag_name: "pii" })).items, "tag_name")).toEqual(["PII"]);
    const asc = names((await x.ok<Tags>("get_tags", { order_by: "asc" })).items, "friendly_name");
    const desc = names((await x.ok<Tags>("get_tags", { order_by: "desc" })).items, "friendly_name");
    expect(asc).toEqual(sorted(asc));
    expect(desc).toEqual([...asc].reverse());
  });

  it("tag values: dataTagGroupID selects that tag's values; an unknown group none; count == rows", async () => {
    const x = await open();
    const tags = (await x.ok<{ items: { tag_group_id: string; tag_name: string }[] }>("get_tags", {})).items;
    const pii = tags.find((t) => t.tag_name === "PII")!;
    type Values = { tags: { tagKey: string }[]; count: number };
    const mixed = await x.ok<Values>("get_tag_values", { tag_name: "S" });
    const only = await x.ok<Values>("get_tag_values", { tag_name: "S", dataTagGroupID: pii.tag_group_id });
    expect(only.tags.length).toBeGreaterThan(0);
    expect(new Set(only.tags.map((t) => t.tagKey))).toEqual(new Set(["PII"]));
    expect(only.tags.length).toBeLessThanOrEqual(mixed.tags.length);
    expect(only.count).toBe(only.tags.length);
    expect((await x.ok<Values>("get_tag_values", { tag_name: "PII", dataTagGroupID: "no-such-group" })).tags).toEqual([]);
  });

  it("query audits: a time-of-day window in a zone selects by local time, wrapping midnight", async () => {
    const x = await open();
    // The seed's two audits ran at 00:00 and 01:00 UTC on 2025-06-02 (20:00 and 21:00 in New York).
    const users = async (args: Record<string, unknown>) => {
      const { search_uuid } = await x.ok<{ search_uuid: string }>("search_query_audits", { from_date_time: "2025-06-01T00:00:00Z", to_date_time: "2025-06-03T00:00:00Z", ...args });
      const rows = (await x.ok<{ query_audits: { event_details: { actor: { username: string } } }[] }>("get_query_audit_results", { search_uuid })).query_audits;
      return rows.map((r) => r.event_details.actor.username).sort();
    };
    expect(await users({})).toEqual(["ALICE", "BOB"]);
    expect(await users({ time_of_day: { start: "00:30", end: "02:00" }, timezone: "UTC" })).toEqual(["BOB"]);
    expect(await users({ time_of_day: { start: "23:00", end: "00:30" }, timezone: "UTC" })).toEqual(["ALICE"]);
    expect(await users({ time_of_day: { start: "20:30", end: "22:00" }, timezone: "America/New_York" })).toEqual(["BOB"]);
  });

  it("active jobs: the status filter selects", async () => {
    const x = await open();
    const job = await x.ok<{ job_id: string }>("create_job", { job_type: "FULL", database_id: 42, collection_name: "pii_classifiers", requires_review: true });
    type Jobs = { jobs: { job_id: string; status: string }[] };
    const active = (await x.ok<Jobs>("get_active_jobs", {})).jobs;
    const mine = active.find((j) => j.job_id === job.job_id)!;
    expect(mine).toBeDefined();
    const same = (await x.ok<Jobs>("get_active_jobs", { status: mine.status })).jobs;
    expect(same.map((j) => j.job_id)).toContain(job.job_id);
    expect(same.every((j) => j.status === mine.status)).toBe(true);
    const other = mine.status === "RUNNING" ? "PAUSED" : "RUNNING";
    expect((await x.ok<Jobs>("get_active_jobs", { status: other })).jobs.map((j) => j.job_id)).not.toContain(job.job_id);
  });

  it("writes: classifier attributes, report definition approvals/retention, force delete, ignore_errors are kept or done", async () => {
    const x = await open();
    await x.ok("create_classifier", { classifier_name: "iban", pattern: "[A-Z]{2}\\d{2}", attributes: { tags: ["type:iban"] } });
    const c = await x.ok<{ classifier: { attributes?: { tags: string[] } } }>("get_classifier", { classifier_name: "iban" });
    expect(c.classifier.attributes).toEqual({ tags: ["type:iban"] });
    const def = await x.ok<{ definition_id: string; required_approvals?: number; retention_days?: number }>("create_report_definition", {
      name: "Quarterly",
      integration_type: "snowflake",
      required_approvals: 2,
      retention_days: 400,
    });
    const read = await x.ok<{ required_approvals?: number; retention_days?: number }>("get_report_definition", { definition_id: def.definition_id });
    expect([read.required_approvals, read.retention_days]).toEqual([2, 400]);
    await x.ok("update_report_definition", { definition_id: def.definition_id, name: "Quarterly", integration_type: "snowflake", retention_days: 30 });
    const after = await x.ok<{ required_approvals?: number; retention_days?: number }>("get_report_definition", { definition_id: def.definition_id });
    expect([after.required_approvals, after.retention_days]).toEqual([2, 30]);
    expect(await x.ok("delete_policy", { policy_id: "TAG#PII", force_delete: true })).toMatchObject({ deleted: true });
    expect((await x.ok<{ policies: unknown[] }>("get_policies", { policy_type: "TAG" })).policies).toEqual([]);
  });
});
