/**
 * The few operations where the generic rule is wrong and the workflow matters, keyed
 * "<service>.<operationId>". Everything else is answered by the generic engine (engine.ts);
 * these answers go through the same response validation.
 */
import { createHash, randomUUID } from "node:crypto";
import { CLASSIFICATION } from "./classification.js";
import type { Context, Override, Reply } from "./types.js";
import { isRecord, type Item, type Json } from "./values.js";

const POLICIES = "/v1/unified-policy/management/policy";
const ACCESS_REQUESTS = "/v1/unified-policy/management/accessRequest";
const TAG_MASKING = "/v1/tag/masking";
/** Where the sandbox keeps rows that only a search returns (see seed.ts). */
export const QUERY_AUDITS = "/v1/query-audits/results";

const str = (v: unknown): string => (typeof v === "string" ? v : String(v ?? ""));
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

function accessRequestDecision(status: string, justification: string): Override {
  return (ctx) => {
    const list = ctx.items(ACCESS_REQUESTS);
    const found = list.find((r) => r.id === str(ctx.params.request_id));
    if (!found) return ctx.error(404, `access request ${str(ctx.params.request_id)} not found`);
    found.status = status;
    const reason = body(ctx)[justification] ?? body(ctx).justification;
    if (typeof reason === "string") found[justification] = reason;
    found.updated_at = ctx.now.toISOString();
    return ctx.itemReply(found, ctx.collection(ACCESS_REQUESTS)!);
  };
}

export const OVERRIDES: Record<string, Override> = {
  ...CLASSIFICATION,
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
  "api.deleteTagMaskingByDetails": (ctx) => {
    const b = body(ctx);
    const list = ctx.items(TAG_MASKING);
    const at = list.findIndex((t) => t.database_id === b.database_id && t.schema_name === b.schema_name && t.tag_name === b.tag_name);
    if (at < 0) return ctx.error(404, `tag ${str(b.tag_name)} is not connected in ${str(b.database_name)}.${str(b.schema_name)}`);
    list.splice(at, 1);
    return { status: 202 };
  },
  "api.approveAccessRequest": accessRequestDecision("PENDING_APPROVED", "approver_justification"),
  "api.denyAccessRequest": accessRequestDecision("CLOSED_DENIED", "denier_justification"),
  "api.cancelAccessRequest": accessRequestDecision("CLOSED_CANCELLED", "canceller_justification"),
  /** Query-audit searches find the audit rows the sandbox holds. */
  "api.getQueryAuditResults": (ctx): Reply => ctx.listReply(ctx.store(QUERY_AUDITS)),
};
