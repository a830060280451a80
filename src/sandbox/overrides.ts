/**
 * The few operations where the generic rule is wrong and the workflow matters, keyed
 * "<service>.<operationId>". Everything else is answered by the generic engine (engine.ts);
 * these answers go through the same response validation.
 */
import { inTimeOfDay } from "./time-of-day.js";
import { createHash, randomUUID } from "node:crypto";
import { AUDIT_REPORTS } from "./audit-reports.js";
import { CLASSIFICATION } from "./classification.js";
import { ORG, QUERY_AUDITS } from "./warehouse.js";
import { KEYS } from "./keys.js";
import { SIDECAR } from "./sidecar.js";
import { TOKENIZATION } from "./tokens.js";
import { filterRows } from "./replies.js";
import type { Context, Override, Reply } from "./types.js";
import { isRecord, str, type Item, type Json } from "./values.js";

const POLICIES = "/v1/unified-policy/management/policy";
const ACCESS_REQUESTS = "/v1/unified-policy/management/accessRequest";
const TAG_MASKING = "/v1/tag/masking";
const TAG_VALUES = "/v1/dis/tags/v2/tags/list";
const SEARCHES = "sandbox/query-audit-searches";
const EXAMPLE_SEARCH = "123e4567-e89b-12d3-a456-426614174000";

const body = (ctx: Context): Record<string, unknown> => (isRecord(ctx.body) ? ctx.body : {});

/** Rules of a policy live at its rules path; ALTR's rule id spells out the role and tag value. */
export const rulesKey = (policyId: string) => `${POLICIES}/${policyId}/rules`;
export function ruleOf(policyId: string, role: string, tagValue: string, maskingPolicy: Json, updatedAt: string): Item {
  const hash = `${createHash("md5").update(`${policyId}|${role}`).digest("hex")}${tagValue}`;
  return {
    rule_id: `${policyId}#ROLE#${role}#TAG_VALUE#${tagValue}`,
    rule_hash: hash,
    policy_id: policyId,
    role,
    tag_value: tagValue,
    pending_rule_json: {},
    success_rule_json: { masking_policy: str(maskingPolicy) },
    failed_rule_json: {},
    updated_at: updatedAt,
  };
}

function policy(ctx: Context): { list: Item[]; item?: Item } {
  const list = ctx.items(POLICIES);
  return { list, item: list.find((p) => p.policy_id === str(ctx.params.policy_id)) };
}

/** A policy's roles, as ALTR reports them in metadata.roles: the roles its rules name. */
function syncRoles(p: Item, rules: Item[], now: Date): void {
  const metadata = isRecord(p.metadata) ? (p.metadata as Item) : {};
  p.metadata = { ...metadata, roles: [...new Set(rules.map((r) => str(r.role)))], updated_at: now.toISOString() };
}

/**
 * An OPEN request's decision. ALTR approves in two steps (PENDING_APPROVED while it applies the
 * grant, then CLOSED_APPROVED); the sandbox applies the grant at once, so it answers with the
 * final state. The grant shows in access management as a GRANT policy named after the request.
 */
function accessRequestDecision(final: string, justification: string, grant = false): Override {
  return (ctx) => {
    const list = ctx.items(ACCESS_REQUESTS);
    const found = list.find((r) => r.id === str(ctx.params.request_id));
    if (!found) return ctx.error(404, `access request ${str(ctx.params.request_id)} not found`);
    if (found.status !== "OPEN") return ctx.error(400, `access request ${str(found.id)} is ${str(found.status)}; only an OPEN request can be decided`);
    found.status = final;
    found[justification] = str(body(ctx).justification);
    found.updated_at = ctx.now.toISOString();
    if (grant) {
      const role = isRecord(found.requester_identity) ? str(found.requester_identity.role) : "";
      ctx.items(POLICIES).push({
        policy_id: `GRANT#${str(found.id)}`,
        name: `access request ${str(found.id)}`,
        this_status: "SUCCESS",
        metadata: { updated_at: ctx.now.toISOString(), roles: role ? [role] : [] },
      });
    }
    return ctx.itemReply(found, ctx.collection(ACCESS_REQUESTS)!);
  };
}

/** The audit rows a search's filters select (all AND-ed), ordered as asked (event_time desc by default). */
function searchAudits(all: Item[], f: Item): Item[] {
  const at = (v: Json | undefined) => (v === undefined ? undefined : Date.parse(str(v)));
  const from = at(f.from_date_time);
  const to = at(f.to_date_time);
  const rec = (v: unknown): Item => (isRecord(v) ? (v as Item) : {});
  const rows = all.filter((row) => {
    const details = rec(row.event_details);
    const actor = rec(details.actor);
    const query = rec(details.query);
    const decisions = (rec(rec(details.result).tag_policy).query_time_decision as Json[] | undefined) ?? [];
    const time = Number(row.event_time);
    const text = str(query.text).toUpperCase();
    const table = [f.policy_column_database_name, f.policy_column_schema_name, f.policy_column_table_name].filter((x) => x !== undefined).map((x) => str(x).toUpperCase());
    return (
      (from === undefined || time >= from) &&
      (to === undefined || time <= to) &&
      (f.executing_role === undefined || actor.current_role === f.executing_role) &&
      (f.executing_user === undefined || actor.username === f.executing_user) &&
      (f.query_id === undefined || query.id === f.query_id) &&
      (f.policy_tag_name === undefined || decisions.some((d) => rec(d).tag_name === f.policy_tag_name)) &&
      (f.policy_tag_value === undefined || decisions.some((d) => rec(d).tag_value === f.policy_tag_value)) &&
      // Not pinned by the documents: a column filter matches the object names in the query text.
      (table.length === 0 || text.includes(table.join("."))) &&
      (f.policy_column_name === undefined || text.includes(str(f.policy_column_name).toUpperCase())) &&
      (!isRecord(f.time_of_day) || inTimeOfDay(time, { start: str(f.time_of_day.start), end: str(f.time_of_day.end), timezone: str(f.timezone) }))
    );
  });
  const key = (r: Item) => (f.sort_by === "rows_accessed" ? Number(rec(rec(r.event_details).result).row_count ?? 0) : Number(r.event_time));
  rows.sort((a, b) => (f.order_by === "asc" ? key(a) - key(b) : key(b) - key(a)));
  const offset = Number(f.offset ?? 0) || 0;
  return rows.slice(offset, offset + (Number(f.limit ?? 10000) || 10000));
}

/** Offset paging keyed by the last item's id (`exclusive_start_key` = previous `last_evaluated_key.id`). */
function afterKey(items: Item[], key: unknown, limit: unknown, idProp: string): { page: Item[]; last: Item | null } | undefined {
  let start = 0;
  if (key !== undefined) {
    const at = items.findIndex((i) => str(i[idProp]) === str(key));
    if (at < 0) return undefined;
    start = at + 1;
  }
  const size = Number(limit ?? 10) || 10;
  const page = items.slice(start, start + size);
  return { page, last: start + size < items.length ? page[page.length - 1]! : null };
}

export const OVERRIDES: Record<string, Override> = {
  ...CLASSIFICATION,
  ...TOKENIZATION,
  ...SIDECAR,
  ...KEYS,
  ...AUDIT_REPORTS,
  /** A masking policy's id is "<type>#<tag>", its name the tag. */
  "api.createPolicy": (ctx) => {
    const { identifier, type } = body(ctx);
    const id = `${str(type)}#${str(identifier)}`;
    const { list } = policy(ctx);
    if (list.some((p) => p.policy_id === id)) return ctx.error(400, `policy ${id} already exists`);
    const created: Item = {
      policy_id: id,
      name: str(identifier),
      this_status: "SUCCESS",
      metadata: { updated_at: ctx.now.toISOString(), roles: [] },
    };
    list.push(created);
    return ctx.itemReply(created, ctx.collection(POLICIES)!);
  },
  /** Policies of the asked type only. */
  "api.listPolicies": (ctx) => ctx.listReply(policy(ctx).list.filter((p) => str(p.policy_id).startsWith(`${str(ctx.params.policy_type)}#`))),
  "api.deletePolicy": (ctx) => {
    const reply = ctx.generic();
    if (reply.status < 300) ctx.store(rulesKey(str(ctx.params.policy_id))).splice(0);
    return reply;
  },
  /** Rules grouped by rule hash, as ALTR lists them. */
  "api.listPolicyRules": (ctx) => {
    if (!policy(ctx).item) return ctx.error(404, `policy ${str(ctx.params.policy_id)} not found`);
    const rules = ctx.store(rulesKey(str(ctx.params.policy_id)));
    const items: Record<string, Json> = {};
    for (const r of rules) items[str(r.rule_hash)] = [...((items[str(r.rule_hash)] as Json[] | undefined) ?? []), r];
    return { status: 200, body: { success: true, data: { items, last_evaluated_key: null, count: rules.length } } };
  },
  "api.batchUpdatePolicyRules": (ctx) => {
    const p = policy(ctx).item;
    if (!p) return ctx.error(404, `policy ${str(ctx.params.policy_id)} not found`);
    const rules = ctx.store(rulesKey(str(p.policy_id)));
    for (const action of (body(ctx).rules as Record<string, unknown>[] | undefined) ?? []) {
      const rule = isRecord(action.rule) ? action.rule : {};
      const next = ruleOf(str(p.policy_id), str(rule.role), str(rule.tag_value), rule.masking_policy as Json, ctx.now.toISOString());
      const at = rules.findIndex((r) => r.rule_id === (rule.rule_id ?? next.rule_id));
      if (action.action === "DELETE") {
        if (at >= 0) rules.splice(at, 1);
      } else if (at >= 0) rules[at] = next;
      else rules.push(next);
    }
    syncRoles(p, rules, ctx.now);
    return { status: 200, body: { success: true } };
  },
  "api.updatePolicyRule": (ctx) => {
    const p = policy(ctx).item;
    const rules = ctx.store(rulesKey(str(ctx.params.policy_id)));
    const at = rules.findIndex((r) => r.rule_id === str(ctx.params.rule_id));
    if (!p || at < 0) return ctx.error(404, `rule ${str(ctx.params.rule_id)} not found`);
    const current = rules[at]!;
    const change = body(ctx);
    const masking = change.masking_policy ?? (isRecord(current.success_rule_json) ? current.success_rule_json.masking_policy : undefined);
    const next = ruleOf(str(p.policy_id), str(change.role ?? current.role), str(change.tag_value ?? current.tag_value), masking as Json, ctx.now.toISOString());
    for (const extra of ["access_rate_thresholds", "time_window_thresholds"]) {
      if (change[extra] !== undefined) (next.success_rule_json as Item)[extra] = change[extra] as Json;
    }
    rules[at] = next;
    syncRoles(p, rules, ctx.now);
    return { status: 200, body: { success: true } };
  },
  "api.deletePolicyRule": (ctx) => {
    const p = policy(ctx).item;
    const rules = ctx.store(rulesKey(str(ctx.params.policy_id)));
    const at = rules.findIndex((r) => r.rule_id === str(ctx.params.rule_id));
    if (!p || at < 0) return ctx.error(404, `rule ${str(ctx.params.rule_id)} not found`);
    rules.splice(at, 1);
    syncRoles(p, rules, ctx.now);
    return { status: 204 };
  },
  /** Connecting a tag creates (or replaces) its masking record, found by where the tag lives. */
  "api.connectTagMasking": (ctx) => {
    const b = body(ctx);
    const list = ctx.items(TAG_MASKING);
    const at = list.findIndex((t) => t.database_id === b.database_id && t.schema_name === b.schema_name && t.tag_name === b.tag_name);
    const now = ctx.now.toISOString();
    const record: Item = {
      tag_group_id: at >= 0 ? list[at]!.tag_group_id! : randomUUID(),
      tag_name: str(b.tag_name),
      friendly_name: str(b.friendly_name),
      database_id: b.database_id as Json,
      database_name: str(b.database_name),
      schema_name: str(b.schema_name),
      database_type_enum: 9,
      masking_applied: (isRecord(b.masking) ? b.masking : { protection_type: "governed", custom_role_provider: { enabled: false } }) as Json,
      masking_pending: null,
      masking_failed: null,
      created_at: at >= 0 ? list[at]!.created_at! : now,
      updated_at: now,
    };
    if (at >= 0) {
      list[at] = record;
      return { status: 204 };
    }
    list.push(record);
    return { status: 201, body: { status: "SUCCESS", job_id: randomUUID(), details: {} } };
  },
  /**
   * Connected tags with ALTR's filters: the generic ones (name, database), plus a tag's status
   * (applied, pending or failed: whichever of its masking_* records is set; not pinned by the
   * documents) and its protection type (the applied masking's, else the pending one's).
   */
  "api.listTagMasking": (ctx) => {
    const rec = (v: unknown): Item => (isRecord(v) ? (v as Item) : {});
    const statuses = (t: Item) => (["applied", "pending", "failed"] as const).filter((s) => isRecord(t[`masking_${s}`]));
    const listOf = (v: unknown) => (v === undefined ? undefined : str(v).split(","));
    const include = listOf(ctx.params.status_include);
    const exclude = listOf(ctx.params.status_exclude);
    const protection = ctx.params.protection_type;
    const c = ctx.collection(TAG_MASKING)!;
    const rows = filterRows(ctx.doc, ctx.op, ctx.params, ctx.items(TAG_MASKING), c.item, ctx.now.getTime()).filter((t) => {
      const s = statuses(t);
      const type = rec(t.masking_applied).protection_type ?? rec(t.masking_pending).protection_type;
      return (!include || s.some((x) => include.includes(x))) && (!exclude || !s.some((x) => exclude.includes(x))) && (protection === undefined || type === protection);
    });
    return ctx.listReply(rows);
  },
  "api.deleteTagMaskingByDetails": (ctx) => {
    const b = body(ctx);
    const list = ctx.items(TAG_MASKING);
    const at = list.findIndex((t) => t.database_id === b.database_id && t.schema_name === b.schema_name && t.tag_name === b.tag_name);
    if (at < 0) return ctx.error(404, `tag ${str(b.tag_name)} is not connected in ${str(b.database_name)}.${str(b.schema_name)}`);
    list.splice(at, 1);
    return { status: 202 };
  },
  "api.approveAccessRequest": accessRequestDecision("CLOSED_APPROVED", "approver_justification", true),
  "api.denyAccessRequest": accessRequestDecision("CLOSED_DENIED", "denier_justification"),
  "api.cancelAccessRequest": accessRequestDecision("CLOSED_CANCELLED", "canceller_justification"),
  "api.createAccessRequest": (ctx) => {
    const b = body(ctx);
    if (!ctx.shared("altrnet /api/databases").some((d) => Number(d.id) === Number(b.connection_id))) return ctx.error(404, `connection ${str(b.connection_id)} not found`);
    const id = randomUUID();
    const now = ctx.now.toISOString();
    const identity = isRecord(b.requester_identity) ? (b.requester_identity as Item) : {};
    const created: Item = {
      PK: `ORG#${ORG}#ACCESS_REQUEST`,
      SK: `ACCESS_REQUEST#${id}`,
      id,
      client_id: ORG,
      created_at: now,
      updated_at: now,
      status: "OPEN",
      requester: str(identity.requester),
      requester_identity: identity,
      requester_justification: str(b.justification),
      rules: (b.rules as Json) ?? [],
      connection_id: Number(b.connection_id),
      ...(isRecord(b.snowflake_metadata) ? { snowflake_metadata: b.snowflake_metadata as Json } : {}),
      tracking_id: randomUUID(),
    };
    ctx.items(ACCESS_REQUESTS).unshift(created);
    return { status: 200, body: { success: true, data: created } };
  },
  /** Filtered by requester and status, sorted by creation time (desc unless sort=asc), paged by id. */
  "api.listAccessRequests": (ctx) => {
    const p = ctx.params;
    const rows = ctx
      .items(ACCESS_REQUESTS)
      .filter((r) => p.status === undefined || r.status === p.status)
      .filter((r) => p.requester === undefined || (isRecord(r.requester_identity) && r.requester_identity.requester === p.requester) || r.requester === p.requester)
      .sort((a, b) => (p.sort === "asc" ? 1 : -1) * str(a.created_at).localeCompare(str(b.created_at)));
    const paged = afterKey(rows, p.exclusive_start_key, p.limit, "id");
    if (!paged) return ctx.error(400, `query parameter exclusive_start_key ${str(p.exclusive_start_key)} is not an access request id`);
    return { status: 200, body: { success: true, data: paged.page, last_evaluated_key: paged.last ? { id: str(paged.last.id) } : null } };
  },
  /** A search remembers its filters; its results apply them to the audit rows when read. */
  "api.startQueryAuditSearch": (ctx) => {
    const search_uuid = randomUUID();
    const filters: Item = {};
    for (const [k, v] of Object.entries(ctx.params)) if (v !== undefined) filters[k] = v as Json;
    // The filter-tree body (the one filter the documents describe): a time-of-day window in a zone.
    const tree = isRecord(ctx.body) ? (ctx.body as Item) : {};
    const between = isRecord(tree.filter) ? (tree.filter as Item).between : undefined;
    if (isRecord(between)) Object.assign(filters, { time_of_day: between as Json, timezone: tree.timezone ?? "UTC" });
    ctx.store(SEARCHES).push({ search_uuid, filters, created_at: ctx.now.toISOString() });
    return { status: 200, body: { search_uuid } };
  },
  "api.getQueryAuditResults": (ctx): Reply => {
    const search = ctx.store(SEARCHES).find((s) => s.search_uuid === str(ctx.params.search_uuid));
    // The documents' example search id reads every row (so the documented example call finds the seed).
    const filters = search ? (search.filters as Item) : str(ctx.params.search_uuid) === EXAMPLE_SEARCH ? {} : undefined;
    if (!filters) return ctx.error(404, `search ${str(ctx.params.search_uuid)} not found`);
    const rows = searchAudits(ctx.store(QUERY_AUDITS), filters);
    const size = Number(ctx.params.limit ?? 250) || 250;
    const offset = ctx.params.next_page_token === undefined ? 0 : Number(Buffer.from(str(ctx.params.next_page_token), "base64url").toString("utf8"));
    if (!Number.isInteger(offset) || offset < 0) return ctx.error(400, "query parameter next_page_token is not a token this search gave");
    const next = offset + size < rows.length ? Buffer.from(String(offset + size)).toString("base64url") : null;
    return { status: 200, body: { query_audits: rows.slice(offset, offset + size), next_page_token: next } };
  },
  /** `filter` matches the tag's name or value (case-insensitive, as ALTR's contains); tagCount counts what it selects. */
  "api.listTagValues": (ctx): Reply => {
    const needle = ctx.params.filter === undefined ? undefined : str(ctx.params.filter).toLowerCase();
    // dataTagGroupID: the values of that connected tag (its tag_group_id's tag name; not pinned by the documents).
    const group = ctx.params.dataTagGroupID === undefined ? undefined : ctx.items(TAG_MASKING).find((t) => str(t.tag_group_id) === str(ctx.params.dataTagGroupID));
    const rows = ctx
      .items(TAG_VALUES)
      .filter((t) => needle === undefined || str(t.tagKey).toLowerCase().includes(needle) || str(t.tagValue).toLowerCase().includes(needle))
      .filter((t) => ctx.params.dataTagGroupID === undefined || (group !== undefined && str(t.tagKey) === str(group.tag_name)));
    const offset = Number(ctx.params.offset ?? 0) || 0;
    const limit = Number(ctx.params.limit ?? 10) || 10;
    return { status: 200, body: { tags: rows.slice(offset, offset + limit), totals: { tagCount: rows.length } } };
  },
};
