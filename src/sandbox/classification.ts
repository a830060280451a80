/**
 * Classification as a workflow: a created job is the job asked for (its own id, collection, type
 * and database) and moves CREATED → RUNNING → COMPLETED, one step per read of the job (getJob is
 * how a client polls; deterministic, no timers). On completion it evaluates its collection's
 * classifiers on the seed model's columns (warehouse.ts); the findings tree, summary, lineage,
 * review status and report are all computed from those findings and the recorded decisions.
 */
import { randomUUID } from "node:crypto";
import type { Context, Override, Reply } from "./types.js";
import { columnsOf, evaluate, ORG, queryAudit, QUERY_AUDITS, type ColumnModel } from "./warehouse.js";
import { isRecord, str, type Item, type Json } from "./values.js";

const JOBS = "/v1/jobs";
const CLASSIFIERS = "/v1/classifiers";
const COLLECTIONS = "/v1/collections";
/** Per job: the findings computed when it completed ({job_id, findings: [...]}). */
const FINDINGS = "sandbox/findings";
/** Per job: its review decisions (documented Decision items). */
const DECISIONS = "sandbox/decisions";
const PATH = ["database", "schema", "table", "column"] as const;
type Status = "approved" | "rejected" | "pending";

const body = (ctx: Context): Record<string, unknown> => (isRecord(ctx.body) ? ctx.body : {});
const list = (v: unknown): string[] | undefined => (v === undefined ? undefined : (Array.isArray(v) ? v : [v]).map(str));
const round = (n: number) => Math.round(n * 100) / 100;

/** Offset paging with an opaque token (base64url of the offset): `next` is null on the last page. */
export function pageOf<T>(all: T[], limit: unknown, token: unknown, fallback = 100): { page: T[]; next: string | null } | undefined {
  let offset = 0;
  if (token !== undefined && token !== null && token !== "") {
    const decoded = Number(Buffer.from(str(token), "base64url").toString("utf8"));
    if (!Number.isInteger(decoded) || decoded < 0) return undefined;
    offset = decoded;
  }
  const size = Number(limit ?? fallback) || fallback;
  const page = all.slice(offset, offset + size);
  return { page, next: offset + size < all.length ? Buffer.from(String(offset + size)).toString("base64url") : null };
}

export interface Finding extends Item {
  database: string;
  schema: string;
  table: string;
  column: string;
  classifier_name: string;
  match_rate: number;
  lineage: Item | null;
}

const jobOf = (ctx: Context, id = str(ctx.params.job_id)) => ctx.items(JOBS).find((j) => j.job_id === id);

/** The classifiers of a collection, as the classifiers themselves list their collections. */
function classifiersIn(ctx: Context, collection: string): Item[] {
  return ctx.items(CLASSIFIERS).filter((c) => Array.isArray(c.collection_names) && c.collection_names.includes(collection));
}

function computeFindings(ctx: Context, job: Item): Finding[] {
  const repo = isRecord(job.repository) ? str(job.repository.name) : undefined;
  const columns = columnsOf(repo ? { repo } : { databaseId: Number(job.database_id) });
  const classifiers = classifiersIn(ctx, str(job.collection_name));
  const found: Finding[] = [];
  for (const column of columns) {
    for (const c of classifiers) {
      const e = evaluate(c, column);
      if (!e.matched) continue;
      found.push({ database: column.database, schema: column.schema, table: column.table, column: column.column, classifier_name: str(c.classifier_name), match_rate: e.matchRate, lineage: e.lineage });
    }
  }
  return found;
}

/** A job's findings: computed once, when it completed (a seeded completed job computes them on first use). */
function findingsOf(ctx: Context, job: Item): Finding[] {
  if (job.status !== "COMPLETED") return [];
  const store = ctx.store(FINDINGS);
  let entry = store.find((e) => e.job_id === job.job_id);
  if (!entry) {
    entry = { job_id: job.job_id!, findings: computeFindings(ctx, job) as unknown as Json[] };
    store.push(entry);
  }
  return entry.findings as unknown as Finding[];
}

const decisionsOf = (ctx: Context, jobId: string) => ctx.store(DECISIONS).filter((d) => d.job_id === jobId);

/** Does a decision (or revoke) scope cover a finding? Unset levels cover everything beneath. */
const covers = (scope: Record<string, unknown>, f: Finding) =>
  PATH.every((k) => scope[k] === undefined || scope[k] === f[k]) && (scope.classifier_name === undefined || scope.classifier_name === f.classifier_name);
const depth = (scope: Record<string, unknown>) => PATH.filter((k) => scope[k] !== undefined).length * 2 + (scope.classifier_name !== undefined ? 1 : 0);

/** The decision covering a finding: the deepest scope wins (documented), the later one among equals. */
function statusOf(f: Finding, decisions: Item[]): Status {
  let best: Item | undefined;
  for (const d of decisions) if (covers(d, f) && (!best || depth(d) >= depth(best))) best = d;
  return best ? (best.confirmed_status as Status) : "pending";
}

function scopeOf(source: Record<string, unknown>): Record<string, string> | string {
  const scope: Record<string, string> = {};
  let gap = false;
  for (const k of PATH) {
    if (source[k] === undefined) gap = true;
    else if (gap) return `${k} needs ${PATH.slice(0, PATH.indexOf(k)).join(", ")}: the scope is contiguous from the database down`;
    else scope[k] = str(source[k]);
  }
  if (source.classifier_name !== undefined) scope.classifier_name = str(source.classifier_name);
  return scope;
}

/** The scan's sampling queries, one per table, appear in the query audits as the service user's. */
function auditScan(ctx: Context, columns: ColumnModel[]): void {
  const audits = ctx.shared(`api ${QUERY_AUDITS}`);
  const tables = [...new Set(columns.map((c) => `${c.database}.${c.schema}.${c.table}`))];
  for (const table of tables) {
    const names = columns.filter((c) => `${c.database}.${c.schema}.${c.table}` === table).map((c) => c.column);
    audits.push(queryAudit(randomUUID(), "ALTR_SERVICE_USER", "ALTR_SERVICE_ROLE", `SELECT ${names.join(", ")} FROM ${table} SAMPLE (5 ROWS)`, ctx.now.getTime()) as unknown as Item);
  }
}

function advance(ctx: Context, job: Item): void {
  const now = ctx.now.toISOString();
  const repo = isRecord(job.repository) ? str(job.repository.name) : undefined;
  const columns = columnsOf(repo ? { repo } : { databaseId: Number(job.database_id) });
  if (job.status === "CREATED") {
    Object.assign(job, { status: "RUNNING", started_at: now, updated_at: now, cols_processed: Math.floor(columns.length / 2) });
  } else if (job.status === "RUNNING") {
    Object.assign(job, { status: "COMPLETED", completed_at: now, updated_at: now, cols_processed: columns.length });
    job.findings_count = findingsOf(ctx, job).length;
    job.new_findings_count = 0;
    if (job.platform === "snowflake") auditScan(ctx, columns);
  } else return;
  ctx.progressed();
}


function createJob(ctx: Context, fields: Item): Reply {
  const name = fields.collection_name;
  if (name !== undefined && name !== null && !ctx.items(COLLECTIONS).some((c) => c.collection_name === name)) {
    return ctx.error(404, `collection ${str(name)} not found`);
  }
  const now = ctx.now.toISOString();
  const job: Item = { job_id: randomUUID(), ...fields, status: "CREATED", updated_at: now, cols_processed: 0, retry_count: 0, org_id: ORG };
  for (const k of Object.keys(job)) if (job[k] === undefined) delete job[k];
  ctx.items(JOBS).unshift(job);
  return { status: 201, body: job };
}

function database(ctx: Context, platform: "snowflake" | "databricks"): Item | Reply {
  const id = Number(body(ctx).database_id);
  const db = ctx.shared("altrnet /api/databases").find((d) => Number(d.id) === id);
  if (!db) return ctx.error(404, `database ${id} not found`);
  if (!str(db.databaseType).toLowerCase().includes(platform)) return ctx.error(400, `database ${id} is not a ${platform} connection (it is ${str(db.databaseType)})`);
  return db;
}

/** A findings level: the findings under the path asked, filtered, grouped by the next level. */
function level(ctx: Context, by: (typeof PATH)[number]): Reply {
  const job = jobOf(ctx);
  if (!job) return ctx.error(404, `job ${str(ctx.params.job_id)} not found`);
  const decisions = decisionsOf(ctx, str(job.job_id));
  const classifiers = list(ctx.params.classifier_name);
  const statuses = list(ctx.params.confirmed_status);
  const within = findingsOf(ctx, job)
    .filter((f) => PATH.every((k) => ctx.params[k] === undefined || str(ctx.params[k]) === f[k]))
    .map((f) => ({ f, status: statusOf(f, decisions) }))
    .filter((x) => (!classifiers || classifiers.includes(x.f.classifier_name)) && (!statuses || statuses.includes(x.status)));
  const groups = new Map<string, { f: Finding; status: Status }[]>();
  for (const x of within) groups.set(x.f[by], [...(groups.get(x.f[by]) ?? []), x]);
  const rows: Item[] = [...groups].map(([name, xs]) => {
    const names = [...new Set(xs.map((x) => x.f.classifier_name))];
    const states = new Set(xs.map((x) => x.status));
    const row: Item = {
      name,
      distinct_classifier_count: names.length,
      findings_count: xs.length,
      match_rate_avg: round(xs.reduce((a, x) => a + x.f.match_rate, 0) / xs.length),
      fully_decided: !states.has("pending"),
      new_findings_count: 0,
    };
    if (by === "column") {
      row.classifier_names = names;
      // Not pinned by the documents: a column whose findings disagree is "mixed".
      row.column_status = states.size === 1 ? [...states][0]! : "mixed";
    }
    if (by === "database" && ctx.params.include_column_status_counts !== undefined && String(ctx.params.include_column_status_counts) === "true") {
      const columns = new Map<string, Set<Status>>();
      for (const x of xs) {
        const key = `${x.f.schema}\u0000${x.f.table}\u0000${x.f.column}`;
        columns.set(key, (columns.get(key) ?? new Set()).add(x.status));
      }
      const single = (s: Status) => [...columns.values()].filter((v) => v.size === 1 && v.has(s)).length;
      const counts = { total: columns.size, approved: single("approved"), rejected: single("rejected"), pending: single("pending") };
      row.column_status_counts = { ...counts, mixed: counts.total - counts.approved - counts.rejected - counts.pending, resolved: counts.approved + counts.rejected };
    }
    return row;
  });
  const paged = pageOf(rows, ctx.params.limit, ctx.params.page_token);
  if (!paged) return ctx.error(400, "query parameter page_token is not a token this API gave");
  return { status: 200, body: { items: paged.page, next_page_token: paged.next } };
}

function withFinding(ctx: Context, then: (f: Finding, job: Item) => Reply): Reply {
  const job = jobOf(ctx);
  if (!job) return ctx.error(404, `job ${str(ctx.params.job_id)} not found`);
  const f = findingsOf(ctx, job).find((x) => PATH.every((k) => str(ctx.params[k]) === x[k]) && (ctx.params.classifier_name === undefined || str(ctx.params.classifier_name) === x.classifier_name));
  if (!f) return ctx.error(404, `no finding for ${PATH.map((k) => str(ctx.params[k])).join(".")}${ctx.params.classifier_name ? ` and ${str(ctx.params.classifier_name)}` : ""} in job ${str(job.job_id)}`);
  return then(f, job);
}

/** Rows of a job's report: every finding with its review state (what the report download holds). */
export function reportRows(findings: Finding[], decisions: Item[]): Item[] {
  return findings.map((f) => ({ database: f.database, schema: f.schema, table: f.table, column: f.column, classifier_name: f.classifier_name, match_rate: f.match_rate, confirmed_status: statusOf(f, decisions) }));
}

/** The report a presigned URL of this sandbox names (…/<org>/<job id>/report.json). */
export function reportFor(collections: Record<string, Item[]>, url: string): Item | undefined {
  const jobId = /\/([0-9a-f-]{36})\/report\.json/.exec(url)?.[1];
  if (!jobId) return undefined;
  const entry = (collections[`classification ${FINDINGS}`] ?? []).find((e) => e.job_id === jobId);
  if (!entry) return undefined;
  const decisions = (collections[`classification ${DECISIONS}`] ?? []).filter((d) => d.job_id === jobId);
  return { job_id: jobId, rows: reportRows(entry.findings as unknown as Finding[], decisions) };
}

function updateCollectionMembers(ctx: Context, add: boolean): Reply {
  const collection = str(ctx.params.collection_name);
  if (!ctx.items(COLLECTIONS).some((c) => c.collection_name === collection)) return ctx.error(404, `collection ${collection} not found`);
  const names = list(body(ctx).classifier_names) ?? [];
  const all = ctx.items(CLASSIFIERS);
  for (const n of names) {
    const c = all.find((x) => x.classifier_name === n);
    if (!c) return ctx.error(404, `classifier ${n} not found`);
    const member = Array.isArray(c.collection_names) && c.collection_names.includes(collection);
    if (!add && !member) return ctx.error(404, `classifier ${n} is not in collection ${collection}`);
  }
  for (const c of all.filter((x) => names.includes(str(x.classifier_name)))) {
    const current = (Array.isArray(c.collection_names) ? c.collection_names : []).map(str);
    c.collection_names = add ? [...new Set([...current, collection])] : current.filter((x) => x !== collection);
    c.collection_count = c.collection_names.length;
  }
  return { status: 204 };
}

export const CLASSIFICATION: Record<string, Override> = {
  "classification.createSnowflakeJob": (ctx) => {
    const db = database(ctx, "snowflake");
    if ("status" in db && typeof db.status === "number") return db as Reply;
    const b = body(ctx);
    const gdlp = b.classification_type === "gdlp";
    return createJob(ctx, {
      database_id: Number(b.database_id),
      collection_name: b.collection_name as Json,
      job_type: gdlp ? "FULL" : ((b.job_type as Json) ?? "FULL"),
      classification_type: gdlp ? 1 : 5,
      platform: "snowflake",
      sample_strategy: "ROWS",
      condition_types: b.condition_types as Json,
      sample_size: b.sample_size as Json,
      sample_type: b.sample_type as Json,
    });
  },
  "classification.createDatabricksJob": (ctx) => {
    const db = database(ctx, "databricks");
    if ("status" in db && typeof db.status === "number") return db as Reply;
    const b = body(ctx);
    return createJob(ctx, { database_id: Number(b.database_id), collection_name: b.collection_name as Json, job_type: "FULL", classification_type: 1, platform: "databricks", condition_types: b.condition_types as Json });
  },
  "classification.createOltpJob": (ctx) => {
    const b = body(ctx);
    const repo = ctx.shared("sc_control /v1/repos").find((r) => r.name === b.repo_name);
    if (!repo) return ctx.error(404, `repo ${str(b.repo_name)} not found`);
    const repository: Item = { name: str(repo.name), type: str(repo.type), hostname: str(repo.hostname), port: Number(repo.port) };
    for (const k of ["sid", "service_name"] as const) if (typeof b[k] === "string") repository[k] = b[k];
    return createJob(ctx, {
      agent_id: str(b.agent_id),
      collection_name: b.collection_name as Json,
      classification_type: b.classification_type as Json,
      sample_strategy: b.sample_strategy as Json,
      sample_size: b.sample_size as Json,
      sample_type: b.sample_type as Json,
      condition_types: b.condition_types as Json,
      repository,
      service_user: { username: str(b.service_user_name) },
      task_id: b.task_id as Json,
    });
  },
  /** One read of a job moves it one step on (see the header). */
  "classification.getJob": (ctx) => {
    const job = jobOf(ctx);
    if (!job) return ctx.error(404, `job ${str(ctx.params.job_id)} not found`);
    advance(ctx, job);
    return { status: 200, body: job };
  },
  "classification.listJobs": (ctx) => jobList(ctx, () => true),
  "classification.listActiveJobs": (ctx) => jobList(ctx, (j) => !["COMPLETED", "CANCELLED", "FAILED"].includes(str(j.status))),
  "classification.updateJobStatus": (ctx) => {
    const job = jobOf(ctx);
    if (!job) return ctx.error(404, `job ${str(ctx.params.job_id)} not found`);
    const next = str(body(ctx).status);
    const from = str(job.status);
    if (["COMPLETED", "CANCELLED", "FAILED"].includes(from)) return ctx.error(400, `job ${str(job.job_id)} is ${from}; a finished or cancelled job cannot change`);
    if (next === "RUNNING" && from !== "PAUSED") return ctx.error(400, `job ${str(job.job_id)} is ${from}; only a paused job can be resumed`);
    job.status = next;
    job.updated_at = ctx.now.toISOString();
    if (next === "PAUSED") job.pause_count = Number(job.pause_count ?? 0) + 1;
    return { status: 200, body: job };
  },
  "classification.getJobSummary": (ctx) => {
    const job = jobOf(ctx);
    if (!job) return ctx.error(404, `job ${str(ctx.params.job_id)} not found`);
    if (job.status !== "COMPLETED") return ctx.error(404, `job ${str(job.job_id)} is ${str(job.status)}; its summary exists once it is processed`);
    const decisions = decisionsOf(ctx, str(job.job_id));
    const repo = isRecord(job.repository) ? str(job.repository.name) : undefined;
    const total = columnsOf(repo ? { repo } : { databaseId: Number(job.database_id) }).length;
    // Not pinned by the documents for a reviewed job: rejected findings no longer count.
    const kept = findingsOf(ctx, job).filter((f) => statusOf(f, decisions) !== "rejected");
    const by = new Map<string, number>();
    for (const f of kept) by.set(f.classifier_name, (by.get(f.classifier_name) ?? 0) + 1);
    const classified = new Set(kept.map((f) => `${f.database}.${f.schema}.${f.table}.${f.column}`)).size;
    const pct = (n: number) => (total ? round((n / total) * 100) : 0);
    return {
      status: 200,
      body: {
        classifications: [...by].map(([classifier_name, amount]) => ({ classifier_name, amount, percent: pct(amount) })),
        totals: { total_columns: total, classified_columns: classified, percent_successfully_classified: pct(classified) },
      },
    };
  },
  "classification.createJobReport": (ctx) => {
    const job = jobOf(ctx);
    if (!job) return ctx.error(404, `job ${str(ctx.params.job_id)} not found`);
    if (job.status !== "COMPLETED") return ctx.error(404, `job ${str(job.job_id)} is ${str(job.status)}; its report exists once it is processed`);
    findingsOf(ctx, job);
    const expires = new Date(ctx.now.getTime() + 15 * 60_000).toISOString().replace(/\.\d{3}Z$/, "Z");
    return {
      status: 201,
      body: { url: `https://altr-classification-reports.s3.us-east-1.amazonaws.com/${ORG}/${str(job.job_id)}/report.json?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=900&X-Amz-Signature=sandbox`, expiration: expires },
    };
  },
  "classification.listFindingDatabases": (ctx) => level(ctx, "database"),
  "classification.listFindingSchemas": (ctx) => level(ctx, "schema"),
  "classification.listFindingTables": (ctx) => level(ctx, "table"),
  "classification.listFindingColumns": (ctx) => level(ctx, "column"),
  "classification.listFindingClassifiers": (ctx) =>
    withFindingColumn(ctx, (fs, decisions) => {
      const statuses = list(ctx.params.confirmed_status);
      const names = list(ctx.params.classifier_name);
      const rows = fs
        .map((f) => ({ f, status: statusOf(f, decisions) }))
        .filter((x) => !statuses || statuses.includes(x.status))
        .filter((x) => !names || names.includes(str(x.f.classifier_name)))
        .map(({ f, status }) => ({
          classifier_name: f.classifier_name,
          total_findings: 1,
          match_rate_avg: f.match_rate,
          confirmed_status: status,
          is_new: false,
          status_confirmed: status === "approved" ? 1 : 0,
          status_pending: status === "pending" ? 1 : 0,
          status_rejected: status === "rejected" ? 1 : 0,
        }));
      const paged = pageOf(rows, ctx.params.limit, ctx.params.page_token);
      if (!paged) return ctx.error(400, "query parameter page_token is not a token this API gave");
      return { status: 200, body: { items: paged.page, next_page_token: paged.next } };
    }),
  "classification.getFindingLineage": (ctx) => withFinding(ctx, (f) => ({ status: 200, body: { decision_lineage: f.lineage } })),
  "classification.listDecisions": (ctx) => {
    const job = jobOf(ctx);
    if (!job) return ctx.error(404, `job ${str(ctx.params.job_id)} not found`);
    const scope = scopeOf(ctx.params);
    if (typeof scope === "string") return ctx.error(400, scope);
    const rows = decisionsOf(ctx, str(job.job_id)).filter((d) => PATH.every((k) => scope[k] === undefined || d[k] === scope[k]));
    const paged = pageOf(rows, ctx.params.limit, ctx.params.page_token);
    if (!paged) return ctx.error(400, "query parameter page_token is not a token this API gave");
    return { status: 200, body: { decisions: paged.page, next_page_token: paged.next } };
  },
  "classification.recordDecision": (ctx) => {
    const job = jobOf(ctx);
    if (!job) return ctx.error(404, `job ${str(ctx.params.job_id)} not found`);
    const scope = scopeOf(body(ctx));
    if (typeof scope === "string") return ctx.error(400, scope);
    // Not pinned by the documents: a scope that covers no finding of the job is a 404.
    if (!findingsOf(ctx, job).some((f) => covers(scope, f))) return ctx.error(404, `no finding of job ${str(job.job_id)} in that scope`);
    const store = ctx.store(DECISIONS);
    const same = (d: Item) => d.job_id === job.job_id && [...PATH, "classifier_name" as const].every((k) => d[k] === scope[k]);
    const at = store.findIndex(same);
    const decision: Item = { job_id: str(job.job_id), org_id: str(job.org_id ?? ORG), ...scope, confirmed_status: str(body(ctx).confirmed_status), decided_at: ctx.now.toISOString() };
    if (at >= 0) store.splice(at, 1);
    store.push(decision);
    return { status: 204 };
  },
  "classification.revokeDecisions": (ctx) => {
    const job = jobOf(ctx);
    if (!job) return ctx.error(404, `job ${str(ctx.params.job_id)} not found`);
    // ALTR's document: the body names the one decision to revoke (its exact scope); 404 if none.
    const scope = scopeOf(body(ctx));
    if (typeof scope === "string") return ctx.error(400, scope);
    const store = ctx.store(DECISIONS);
    const at = store.findIndex((d) => d.job_id === job.job_id && [...PATH, "classifier_name" as const].every((k) => d[k] === scope[k]));
    if (at < 0) return ctx.error(404, `no decision of job ${str(job.job_id)} at that scope`);
    store.splice(at, 1);
    return { status: 204 };
  },
  "classification.getReviewStatus": (ctx) => {
    const job = jobOf(ctx);
    if (!job) return ctx.error(404, `job ${str(ctx.params.job_id)} not found`);
    const decisions = decisionsOf(ctx, str(job.job_id));
    const states = findingsOf(ctx, job).map((f) => statusOf(f, decisions));
    const n = (s: Status) => states.filter((x) => x === s).length;
    return { status: 200, body: { total: states.length, approved: n("approved"), rejected: n("rejected"), pending: n("pending") } };
  },
  "classification.listCollectionClassifiers": (ctx) => {
    const collection = str(ctx.params.collection_name);
    if (!ctx.items(COLLECTIONS).some((c) => c.collection_name === collection)) return ctx.error(404, `collection ${collection} not found`);
    return ctx.listReply(classifiersIn(ctx, collection));
  },
  "classification.appendCollectionClassifiers": (ctx) => updateCollectionMembers(ctx, true),
  "classification.removeCollectionClassifiers": (ctx) => updateCollectionMembers(ctx, false),
  /** A collection's classifier_count is the number of classifiers that list it. */
  "classification.listCollections": (ctx) => {
    const all = ctx.items(CLASSIFIERS);
    const rows = ctx.items(COLLECTIONS).map((c) => ({ ...c, classifier_count: all.filter((x) => Array.isArray(x.collection_names) && x.collection_names.includes(str(c.collection_name))).length }));
    return ctx.listReply(rows);
  },
};

function withFindingColumn(ctx: Context, then: (fs: Finding[], decisions: Item[]) => Reply): Reply {
  const job = jobOf(ctx);
  if (!job) return ctx.error(404, `job ${str(ctx.params.job_id)} not found`);
  const fs = findingsOf(ctx, job).filter((x) => PATH.every((k) => str(ctx.params[k]) === x[k]));
  if (!fs.length) return ctx.error(404, `column ${PATH.map((k) => str(ctx.params[k])).join(".")} has no findings in job ${str(job.job_id)}`);
  return then(fs, decisionsOf(ctx, str(job.job_id)));
}

/** Jobs filtered by every documented filter, sorted by start time (desc unless order=asc), paged by contiguous_id. */
function jobList(ctx: Context, keep: (j: Item) => boolean): Reply {
  const p = ctx.params;
  const rows = ctx
    .items(JOBS)
    .filter(keep)
    .filter((j) => (["status", "job_type", "agent_id"] as const).every((k) => p[k] === undefined || str(j[k]) === str(p[k])))
    .filter((j) => (["database_id", "classification_type"] as const).every((k) => p[k] === undefined || Number(j[k]) === Number(p[k])));
  const key = (j: Item) => str(j.started_at ?? j.updated_at);
  rows.sort((a, b) => (p.order === "asc" ? key(a).localeCompare(key(b)) : key(b).localeCompare(key(a))));
  const paged = pageOf(rows, p.limit, p.contiguous_id, 50);
  if (!paged) return ctx.error(400, "query parameter contiguous_id is not a token this API gave");
  return { status: 200, body: { jobs: paged.page, contiguous_id: paged.next } };
}
