/**
 * Sidecar audits and telemetry generated from the seed and from the sandbox's own activity.
 *
 * - Audit rows: the seed's traffic through the demo sidecar, plus what the sandbox itself sends
 *   through a sidecar: an OLTP classification job on a repo bound to a sidecar connects as its
 *   service user and samples each table it scans (one statement per table) when it completes.
 *   A search keeps its filters; its results apply them when read, sorted and paged as documented.
 *   Not pinned by the documents: a search has finished when first read (never 202, "processing").
 * - Telemetry: instances and task reports are kept per agent/sidecar; an instance checks in
 *   (checkin_time = the request's time) when the sandbox changes its configuration or passes
 *   traffic through it, the sandbox's stand-in for the periodic check-in. A sidecar or agent
 *   created in the sandbox runs no instance, so none checks in for it.
 * - Instance lists filter by check-in time (checkin_after/checkin_before); every telemetry
 *   list pages with `contiguous_id` (the last item's key, opaque) and ends with an empty one.
 */
import { createHash } from "node:crypto";
import type { Context, Override, Reply } from "./types.js";
import { isRecord, str, type Item, type Json } from "./values.js";
import { columnsOf, ORG } from "./warehouse.js";
import { inTimeOfDay, timeOfDayOf, type TimeOfDay } from "./time-of-day.js";

/** Where the sandbox keeps its sc_control records (state keys under "sc_control "). */
export const SIDECAR_AUDITS = "sandbox/sidecar-audits";
export const SIDECAR_INSTANCES = "sandbox/sidecar-instances";
export const AGENT_INSTANCES = "sandbox/agent-instances";
export const TASK_REPORTS = "sandbox/task-telemetry";
const SEARCHES = "sandbox/sidecar-audit-searches";
const SCANS_RECORDED = "sandbox/oltp-scans-audited";
const EXAMPLE_SEARCH = "123e4567-e89b-12d3-a456-426614174000";
const SIDECARS = "/v1/sidecars";
const AGENTS = "/v1/agents";
const DAY = 24 * 60 * 60 * 1000;

/** A UUID-shaped id derived from its parts: the same activity gives the same id (deterministic tests). */
export function derivedId(...parts: string[]): string {
  const h = createHash("sha256").update(parts.join("|")).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

// ---- audit rows ---------------------------------------------------------------------------

/** What a sidecar saw: a connection, or a statement on one table's columns. */
export interface Traffic {
  at: string;
  sidecar: { id: string; instance_id: string; version: string };
  repo: { name: string; type: string; host: string; port: number };
  /** The database the repo's columns live in (what `database_name` filters on). */
  database: string;
  repoUser: string;
  user: { username: string; email?: string; user_groups?: string[] };
  connection?: { authorized: boolean; error?: string };
  statement?: { text: string; type: string; schema: string; table: string; columns: string[]; records: number; ms: number; block?: boolean; policies?: string[] };
  trackingId?: string;
  client?: { host: string; port: number; application_name: string };
}

/**
 * The stored record: the documented row, and the objects the statement touched (ALTR parses the
 * statement; the sandbox knows them), which the name filters use and the answer leaves out.
 */
export function auditRecord(t: Traffic, seq: number): Item {
  const id = derivedId("sidecar-audit", String(seq), t.at, t.sidecar.id, t.user.username, t.statement?.text ?? "connect");
  const time = Date.parse(t.at);
  const client = t.client ?? { host: "10.20.4.17", port: 53000 + (seq % 1000), application_name: "SQL Developer" };
  const s = t.statement;
  const row: Item = {
    event_id: id,
    event_name: s ? "Query" : "Connection",
    event_source: "sidecar",
    event_time: new Date(time).toISOString().replace(/\.\d{3}Z$/, "Z"),
    event_time_nano_seconds: (time % 1000) * 1_000_000,
    event_version: "1.0",
    org_id: ORG,
    tracking_id: t.trackingId ?? derivedId("tracking", id),
    configuration_version_id: "cfg-42",
    policy_version_id: "pol-17",
    client: { connection_id: `conn-${id.slice(0, 4)}`, connection_time: new Date(time).toISOString().replace(/\.\d{3}Z$/, "Z"), ...client },
    sidecar: t.sidecar,
    repo: t.repo,
    user_identity: {
      repo_user: t.repoUser,
      consuming_user: { username: t.user.username, ...(t.user.email ? { email: t.user.email } : {}), user_groups: t.user.user_groups ?? [] },
    },
  };
  if (s) {
    const blocked = s.block === true;
    row.statement_request = {
      statement: s.text,
      statement_type: s.type,
      applied_policy_result: { block: blocked },
      applied_policies: (s.policies ?? []).map((name) => ({ id: derivedId("policy", name).slice(0, 8), name, type: "TAG" })),
      response: blocked
        ? { success: false, execution_time: `${s.ms}ms`, message: "Blocked by policy", records: 0, bytes: 0 }
        : { success: true, execution_time: `${s.ms}ms`, message: "OK", records: s.records, bytes: s.records * 64 },
    };
  } else {
    const c = t.connection ?? { authorized: true };
    row.connection_request = { authorized: c.authorized, authorization_type: "PASSWORD", ...(c.error ? { error: c.error } : {}) };
  }
  return { row, database: t.database, schema: s?.schema ?? "", table: s?.table ?? "", columns: s?.columns ?? [] };
}

const rec = (v: unknown): Item => (isRecord(v) ? (v as Item) : {});
const many = (v: unknown): string[] | undefined => (v === undefined ? undefined : (Array.isArray(v) ? v : [v]).map((x) => str(x).toLowerCase()));
const records = (row: Item) => Number(rec(rec(row.statement_request).response).records ?? 0);
const startOf = (row: Item) => Date.parse(str(row.event_time)) + Number(row.event_time_nano_seconds ?? 0) / 1e6;
const elapsed = (row: Item) => Number(/^(\d+)ms$/.exec(str(rec(rec(row.statement_request).response).execution_time))?.[1] ?? 0);

/** The stored rows a search's filters select (AND-ed; each list filter any-of, case-insensitive), sorted, then offset/limit. */
export function selectAudits(all: Item[], f: Item, now: Date): Item[] {
  // ALTR's defaults: from 24 hours ago, to now. "Ended" is the start plus the execution time.
  const from = f.from_date_time === undefined ? now.getTime() - DAY : Date.parse(str(f.from_date_time));
  const to = f.to_date_time === undefined ? now.getTime() : Date.parse(str(f.to_date_time));
  const lists = {
    consuming_user: many(f.consuming_user),
    consuming_user_email: many(f.consuming_user_email),
    query_id: many(f.query_id),
    sidecar_id: many(f.sidecar_id),
    sidecar_instance_id: many(f.sidecar_instance_id),
    database_name: many(f.database_name),
    schema_name: many(f.schema_name),
    table_name: many(f.table_name),
    column_name: many(f.column_name),
    statement_type: many(f.statement_type),
    repo_name: many(f.repo_name),
  };
  const text = f.statement_text_contains === undefined ? undefined : str(f.statement_text_contains).toLowerCase();
  const window = isRecord(f.time_of_day) ? (f.time_of_day as unknown as TimeOfDay) : undefined;
  const hit = (filter: string[] | undefined, ...values: unknown[]) => !filter || values.some((v) => v !== undefined && v !== "" && filter.includes(str(v).toLowerCase()));
  const rows = all.filter((r) => {
    const row = rec(r.row);
    const end = startOf(row) + elapsed(row);
    const user = rec(rec(row.user_identity).consuming_user);
    const statement = rec(row.statement_request);
    return (
      end >= from &&
      end <= to &&
      hit(lists.consuming_user, user.username) &&
      hit(lists.consuming_user_email, user.email) &&
      // Not pinned by the documents: an audit row's query id is its event_id.
      hit(lists.query_id, row.event_id) &&
      hit(lists.sidecar_id, rec(row.sidecar).id) &&
      hit(lists.sidecar_instance_id, rec(row.sidecar).instance_id) &&
      hit(lists.repo_name, rec(row.repo).name) &&
      hit(lists.database_name, r.database) &&
      hit(lists.schema_name, r.schema) &&
      hit(lists.table_name, r.table) &&
      hit(lists.column_name, ...(Array.isArray(r.columns) ? r.columns : [])) &&
      hit(lists.statement_type, statement.statement_type) &&
      (text === undefined || str(statement.statement).toLowerCase().includes(text)) &&
      (window === undefined || inTimeOfDay(startOf(row), window))
    );
  });
  const key = (r: Item) => (f.sort_by === "rows_accessed" ? records(rec(r.row)) : startOf(rec(r.row)));
  const sign = f.order_by === "asc" ? 1 : -1;
  // Ties keep a fixed order (by event id), so pages never overlap.
  rows.sort((a, b) => sign * (key(a) - key(b)) || str(rec(a.row).event_id).localeCompare(str(rec(b.row).event_id)));
  const offset = Number(f.offset ?? 0) || 0;
  return rows.slice(offset, offset + (Number(f.limit ?? 10000) || 10000)).map((r) => rec(r.row));
}

// ---- cursors ------------------------------------------------------------------------------

/**
 * One page after the item a `contiguous_id` names (ALTR: "the next set of items after this ID").
 * The cursor is opaque (base64url of the last item's key); one this list never gave is refused.
 */
export function cursorPage(ctx: Context, rows: Item[], keyOf: (i: Item) => string, fallback: number): { page: Item[]; next: string } | Reply {
  let start = 0;
  const given = ctx.params.contiguous_id;
  if (given !== undefined) {
    const key = Buffer.from(str(given), "base64url").toString("utf8");
    const at = rows.findIndex((r) => keyOf(r) === key);
    if (at < 0) return ctx.error(400, `query parameter contiguous_id ${str(given)} is not a cursor this list gave (or its item is gone)`);
    start = at + 1;
  }
  const size = Number(ctx.params.limit ?? fallback) || fallback;
  const page = rows.slice(start, start + size);
  const more = start + size < rows.length;
  return { page, next: more ? Buffer.from(keyOf(page[page.length - 1]!)).toString("base64url") : "" };
}

/** A list answer `{<key>: page, contiguous_id}` (empty on the last page, as ALTR's examples show). */
export function pagedList(ctx: Context, key: string, rows: Item[], keyOf: (i: Item) => string, fallback: number): Reply {
  const paged = cursorPage(ctx, rows, keyOf, fallback);
  if ("status" in paged) return paged;
  return { status: 200, body: { [key]: paged.page, contiguous_id: paged.next } };
}

/** checkin_after / checkin_before: Unix milliseconds, or a duration before now (5m, 1h, 24h, 7d). */
function instant(v: unknown, now: Date): number | undefined {
  if (v === undefined) return undefined;
  const text = str(v).trim();
  if (/^\d+$/.test(text)) return Number(text);
  const m = /^(\d+)([smhd])$/.exec(text);
  if (!m) return NaN;
  const unit = { s: 1000, m: 60_000, h: 3_600_000, d: DAY }[m[2] as "s" | "m" | "h" | "d"];
  return now.getTime() - Number(m[1]) * unit;
}

function checkinFilter(ctx: Context): ((i: Item) => boolean) | Reply {
  const after = instant(ctx.params.checkin_after, ctx.now);
  const before = instant(ctx.params.checkin_before, ctx.now);
  for (const [name, value] of [["checkin_after", after], ["checkin_before", before]] as const) {
    if (Number.isNaN(value)) return ctx.error(400, `query parameter ${name} must be Unix milliseconds or a duration such as 5m, 1h, 24h, 7d`);
  }
  return (i) => (after === undefined || Number(i.checkin_time) >= after) && (before === undefined || Number(i.checkin_time) <= before);
}

// ---- telemetry ----------------------------------------------------------------------------

/** The instances of a sidecar or agent now check in. */
export function checkIn(ctx: Context, kind: "sidecar" | "agent", id: string): void {
  const t = ctx.now.getTime();
  for (const i of ctx.shared(`sc_control ${kind === "sidecar" ? SIDECAR_INSTANCES : AGENT_INSTANCES}`)) {
    if (i[`${kind}_id`] !== id) continue;
    i.checkin_time = t;
    if (kind === "agent") i.agent_time = t;
  }
}

/** An agent's tasks as its instances report them (active = tasks it runs). */
function agentInstanceView(ctx: Context, i: Item): Item {
  const tasks = ctx.items(`${AGENTS}/{agent_id}/tasks`, { agent_id: str(i.agent_id) });
  return { ...i, active_tasks: tasks.length, idle_tasks: 0 };
}

function parent(ctx: Context, kind: "sidecar" | "agent"): Reply | undefined {
  const id = str(ctx.params[`${kind}_id`]);
  const list = ctx.items(kind === "sidecar" ? SIDECARS : AGENTS);
  return list.some((x) => x.id === id) ? undefined : ctx.error(404, `${kind} ${id} not found`);
}

function instances(kind: "sidecar" | "agent"): Record<"list" | "get" | "delete", Override> {
  const key = kind === "sidecar" ? SIDECAR_INSTANCES : AGENT_INSTANCES;
  const view = (ctx: Context, i: Item) => (kind === "agent" ? agentInstanceView(ctx, i) : i);
  const own = (ctx: Context) => ctx.store(key).filter((i) => i[`${kind}_id`] === str(ctx.params[`${kind}_id`]));
  const one = (ctx: Context, then: (i: Item) => Reply): Reply => {
    const missing = parent(ctx, kind);
    if (missing) return missing;
    const found = own(ctx).find((i) => i.instance_id === str(ctx.params.instance_id));
    return found ? then(found) : ctx.error(404, `instance ${str(ctx.params.instance_id)} of ${kind} ${str(ctx.params[`${kind}_id`])} not found`);
  };
  return {
    /** Latest check-in first (not pinned by the documents), ties by instance id. */
    list: (ctx) => {
      const missing = parent(ctx, kind);
      if (missing) return missing;
      const keep = checkinFilter(ctx);
      if (typeof keep !== "function") return keep;
      const rows = own(ctx)
        .filter(keep)
        .sort((a, b) => Number(b.checkin_time) - Number(a.checkin_time) || str(a.instance_id).localeCompare(str(b.instance_id)))
        .map((i) => view(ctx, i));
      // Not pinned by the documents: telemetry's default page size is 100.
      return pagedList(ctx, "items", rows, (i) => str(i.instance_id), 100);
    },
    get: (ctx) => one(ctx, (i) => ({ status: 200, body: view(ctx, i) })),
    delete: (ctx) =>
      one(ctx, (i) => {
        const list = ctx.store(key);
        list.splice(list.indexOf(i), 1);
        return { status: 204 };
      }),
  };
}

const sidecarInstances = instances("sidecar");
const agentInstances = instances("agent");

/** A task's report as its agent sends it when the task is scheduled (before its first run). */
export function taskReport(task: Item, agent: Item | undefined, at: number): Item {
  return {
    task_id: str(task.id),
    agent_id: str(task.agent_id),
    // Not pinned by the documents: a report's status and task_type for a task that has not run.
    status: "SCHEDULED",
    task_type: agent?.type === "CLASSIFIER" ? "CLASSIFICATION" : "AUDIT",
    repository: str(task.repo_name),
    service_user: str(task.service_user),
    agent_time: at,
    checkin_time: at,
    messages: [],
    tags: {},
  };
}

// ---- what the sandbox's own requests leave behind ----------------------------------------

/**
 * When an OLTP job completes (once per job): its agent checks in, and when its repo is bound to a
 * sidecar with a running instance, the agent's connection and one sampling statement per table
 * pass through that sidecar (tracking_id = the job id; not pinned by the documents).
 */
function recordOltpScan(ctx: Context, job: Item): void {
  const done = ctx.store(SCANS_RECORDED);
  if (done.some((d) => d.job_id === job.job_id)) return;
  done.push({ job_id: str(job.job_id) });
  ctx.progressed();
  if (job.agent_id !== undefined) checkIn(ctx, "agent", str(job.agent_id));
  const repository = rec(job.repository);
  const repoName = str(repository.name);
  const columns = columnsOf({ repo: repoName });
  let bound: { sidecarId: string; port: number } | undefined;
  for (const s of ctx.shared("sc_control /v1/sidecars")) {
    const b = ctx.shared(`sc_control /v1/sidecars/${str(s.id)}/bindings`).find((x) => x.repo_name === repoName);
    if (b) {
      bound = { sidecarId: str(s.id), port: Number(b.port) };
      break;
    }
  }
  if (!bound || !columns.length) return; // not behind a sidecar: the agent connects directly and no sidecar audits it
  const instance = ctx
    .shared(`sc_control ${SIDECAR_INSTANCES}`)
    .filter((i) => i.sidecar_id === bound.sidecarId)
    .sort((a, b) => Number(b.checkin_time) - Number(a.checkin_time) || str(a.instance_id).localeCompare(str(b.instance_id)))[0];
  if (!instance) return; // no running sidecar instance: nothing could pass through it
  const serviceUser = str(rec(job.service_user).username);
  const SAMPLE_MS = 12;
  const base = {
    // Each statement started SAMPLE_MS before now and ended now (a search run now finds it).
    at: new Date(ctx.now.getTime() - SAMPLE_MS).toISOString(),
    sidecar: { id: bound.sidecarId, instance_id: str(instance.instance_id), version: str(instance.sidecar_version) },
    repo: { name: repoName, type: str(repository.type), host: str(repository.hostname), port: bound.port },
    repoUser: serviceUser,
    user: { username: serviceUser, user_groups: [] },
    trackingId: str(job.job_id),
    client: { host: "10.20.9.5", port: 41000, application_name: "ALTR classifier agent" },
  };
  const all = ctx.shared(`sc_control ${SIDECAR_AUDITS}`);
  const oracle = /oracle/i.test(str(repository.type));
  let seq = all.length;
  all.push(auditRecord({ ...base, database: columns[0]!.database }, seq++));
  for (const t of [...new Set(columns.map((c) => `${c.database}\u0000${c.schema}\u0000${c.table}`))]) {
    const [database, schema, table] = t.split("\u0000") as [string, string, string];
    const names = columns.filter((c) => c.database === database && c.schema === schema && c.table === table).map((c) => c.column);
    const text = `SELECT ${names.join(", ")} FROM ${schema}.${table} ${oracle ? "FETCH FIRST 5 ROWS ONLY" : "LIMIT 5"}`;
    all.push(auditRecord({ ...base, database, statement: { text, type: "SELECT", schema, table, columns: names, records: 5, ms: SAMPLE_MS } }, seq++));
  }
  instance.checkin_time = ctx.now.getTime();
}

const SIDECAR_CONFIG = new Set(["sc_control.registerSidecarListener", "sc_control.deregisterSidecarListener", "sc_control.createSidecarBinding", "sc_control.deleteSidecarBinding", "sc_control.updateSidecar"]);
const AGENT_CONFIG = new Set(["sc_control.createAgentTask", "sc_control.updateAgentTask", "sc_control.deleteAgentTask", "sc_control.updateAgent"]);

/**
 * The recording hook: after a request succeeded, what it leaves in audits and telemetry.
 * Called by the engine for every answered request.
 */
export function recordActivity(ctx: Context, reply: Reply): void {
  if (reply.status >= 300) return;
  const name = `${ctx.doc.service}.${ctx.op.operationId}`;
  if (SIDECAR_CONFIG.has(name)) checkIn(ctx, "sidecar", str(ctx.params.sidecar_id));
  if (AGENT_CONFIG.has(name)) checkIn(ctx, "agent", str(ctx.params.agent_id));
  if (name === "sc_control.createAgentTask" && isRecord(reply.body)) {
    const agent = ctx.items(AGENTS).find((a) => a.id === str(ctx.params.agent_id));
    ctx.store(TASK_REPORTS).push(taskReport(reply.body as Item, agent, ctx.now.getTime()));
  }
  if (name === "sc_control.updateAgentTask" && isRecord(reply.body)) {
    const task = reply.body as Item;
    const report = ctx.store(TASK_REPORTS).find((r) => r.task_id === task.id);
    if (report) Object.assign(report, { repository: str(task.repo_name), service_user: str(task.service_user), agent_time: ctx.now.getTime(), checkin_time: ctx.now.getTime() });
  }
  if (name === "sc_control.deleteAgentTask") {
    const reports = ctx.store(TASK_REPORTS);
    const at = reports.findIndex((r) => r.task_id === str(ctx.params.task_id));
    if (at >= 0) reports.splice(at, 1);
  }
  if (name === "classification.getJob" && isRecord(reply.body)) {
    const job = reply.body as Item;
    if (job.status === "COMPLETED" && isRecord(job.repository)) recordOltpScan(ctx, job);
  }
}

// ---- overrides ----------------------------------------------------------------------------

export const ACTIVITY: Record<string, Override> = {
  "sc_control.listSidecarInstances": sidecarInstances.list,
  "sc_control.getSidecarInstance": sidecarInstances.get,
  "sc_control.deleteSidecarInstance": sidecarInstances.delete,
  "sc_control.listAgentInstances": agentInstances.list,
  "sc_control.getAgentInstance": agentInstances.get,
  "sc_control.deleteAgentInstance": agentInstances.delete,
  /** The agent's task reports, by task id. */
  "sc_control.listAgentTaskTelemetry": (ctx) => {
    const missing = parent(ctx, "agent");
    if (missing) return missing;
    const rows = ctx
      .store(TASK_REPORTS)
      .filter((r) => r.agent_id === str(ctx.params.agent_id))
      .sort((a, b) => str(a.task_id).localeCompare(str(b.task_id)));
    return pagedList(ctx, "items", rows, (r) => str(r.task_id), 100);
  },
  "sc_control.getTaskTelemetry": (ctx) => {
    const found = ctx.store(TASK_REPORTS).find((r) => r.task_id === str(ctx.params.task_id));
    return found ? { status: 200, body: found } : ctx.error(404, `no report of task ${str(ctx.params.task_id)}`);
  },
  "sc_control.deleteTaskTelemetry": (ctx) => {
    const reports = ctx.store(TASK_REPORTS);
    const at = reports.findIndex((r) => r.task_id === str(ctx.params.task_id));
    if (at < 0) return ctx.error(404, `no report of task ${str(ctx.params.task_id)}`);
    reports.splice(at, 1);
    return { status: 204 };
  },
  /** A search remembers its filters and when it ran (ALTR's default window ends then). */
  "sc_control.searchSidecarAudits": (ctx) => {
    const filters: Item = {};
    for (const [k, v] of Object.entries(ctx.params)) if (v !== undefined) filters[k] = v as Json;
    // The body's one filter: a time-of-day window (AND-ed with the query's).
    const window = timeOfDayOf(ctx.body);
    if (window && "error" in window) return ctx.error(400, window.error);
    if (window) filters.time_of_day = { ...window };
    const searches = ctx.store(SEARCHES);
    const search_uuid = derivedId("sidecar-audit-search", String(searches.length), ctx.now.toISOString(), JSON.stringify(filters));
    searches.push({ search_uuid, filters, at: ctx.now.toISOString() });
    return { status: 200, body: { search_uuid } };
  },
  /** One page (≤ limit, default 250); `next_page_token` names this search and the next offset, absent on the last page. */
  "sc_control.getSidecarAuditResults": (ctx): Reply => {
    const uuid = str(ctx.params.search_uuid);
    const search = ctx.store(SEARCHES).find((s) => s.search_uuid === uuid);
    // The documents' example search id reads every row (so the documented example call finds the seed).
    const filters: Item | undefined = search ? rec(search.filters) : uuid === EXAMPLE_SEARCH ? { from_date_time: "1970-01-01T00:00:00Z" } : undefined;
    if (!filters) return ctx.error(404, `search ${uuid} not found (or expired)`);
    const rows = selectAudits(ctx.store(SIDECAR_AUDITS), filters, search ? new Date(str(search.at)) : ctx.now);
    let offset = 0;
    if (ctx.params.next_page_token !== undefined) {
      const [id, at] = Buffer.from(str(ctx.params.next_page_token), "base64url").toString("utf8").split("\u0000");
      offset = Number(at);
      if (id !== uuid || !Number.isInteger(offset) || offset < 0) return ctx.error(400, "query parameter next_page_token is not a token this search gave");
    }
    const size = Number(ctx.params.limit ?? 250) || 250;
    const more = offset + size < rows.length;
    return { status: 200, body: { audits: rows.slice(offset, offset + size), ...(more ? { next_page_token: Buffer.from(`${uuid}\u0000${offset + size}`).toString("base64url") } : {}) } };
  },
};
