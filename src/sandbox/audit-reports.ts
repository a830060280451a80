/**
 * Audit reports as a workflow: a trigger creates the definition's instance (generating), which is
 * generated on its next read (deterministic, like classification jobs) with total_events counted
 * from the query audit rows the sandbox holds; the download link names the instance and the
 * sandbox's download returns those rows. A sign-off is the API user's own, once per instance, on a
 * generated instance; when the sign-offs reach required_approvals the instance is finalized.
 */
import { randomUUID } from "node:crypto";
import type { Context, Override, Reply } from "./types.js";
import { str, type Item } from "./values.js";
import { QUERY_AUDITS } from "./warehouse.js";

const DEFINITIONS = "/audit-reports/definitions";
const INSTANCES = "/audit-reports/definitions/{definition_id}/instances";
const SIGN_OFFS = "sandbox/audit-report-sign-offs";
/** Who the API user is, in the sandbox. */
const ME = { user_id: "u-sandbox", user_name: "altr-mcp sandbox user" };
const URL_BASE = "https://altr-audit-reports.s3.amazonaws.com";

const definitionOf = (ctx: Context) => ctx.items(DEFINITIONS).find((d) => d.definition_id === str(ctx.params.definition_id));
const instancesOf = (ctx: Context) => ctx.items(INSTANCES, { definition_id: ctx.params.definition_id });

function withInstance(ctx: Context, then: (instance: Item, definition: Item) => Reply): Reply {
  const definition = definitionOf(ctx);
  if (!definition) return ctx.error(404, `definition ${str(ctx.params.definition_id)} not found`);
  const instance = instancesOf(ctx).find((i) => i.instance_id === str(ctx.params.instance_id));
  if (!instance) return ctx.error(404, `instance ${str(ctx.params.instance_id)} not found`);
  return then(instance, definition);
}

/** The rows a report instance holds: the query audit rows the sandbox has, newest first. */
export function reportRowsOf(collections: Record<string, Item[]>): Item[] {
  return [...(collections[`api ${QUERY_AUDITS}`] ?? [])].sort((a, b) => Number(b.event_time) - Number(a.event_time));
}

/** The audit report download a URL of this sandbox names (…/<definition>/<instance>.<format>). */
export function auditReportFor(collections: Record<string, Item[]>, url: string): Item | undefined {
  const m = /altr-audit-reports\.s3\.amazonaws\.com\/([^/]+)\/([^/.?]+)\.(pdf|csv)/.exec(url);
  if (!m) return undefined;
  return { definition_id: m[1]!, instance_id: m[2]!, format: m[3]!, rows: reportRowsOf(collections) };
}

export const AUDIT_REPORTS: Record<string, Override> = {
  "audit_report.triggerReportDefinition": (ctx) => {
    const definition = definitionOf(ctx);
    if (!definition) return ctx.error(404, `definition ${str(ctx.params.definition_id)} not found`);
    const now = ctx.now.toISOString();
    const instance: Item = { instance_id: randomUUID(), definition_id: str(definition.definition_id), status: "generating", period_start: now, period_end: now, updated_at: now, sign_off_count: 0, required_approvals: Number(definition.required_approvals ?? 1) };
    instancesOf(ctx).unshift(instance);
    definition.last_triggered_at = now;
    return { status: 202, body: { instance_id: str(instance.instance_id), message: "Report generation initiated" } };
  },
  /** One read of a generating instance generates it. */
  "audit_report.getReportInstance": (ctx) =>
    withInstance(ctx, (instance) => {
      if (instance.status === "generating") {
        const total = ctx.shared(`api ${QUERY_AUDITS}`).length;
        Object.assign(instance, { status: "generated", generated_at: ctx.now.toISOString(), updated_at: ctx.now.toISOString(), total_events: total, pdf_detail_rows: total });
        ctx.progressed();
      }
      return { status: 200, body: instance };
    }),
  "audit_report.getReportInstanceDownloadUrl": (ctx) =>
    withInstance(ctx, (instance, definition) => {
      if (instance.status === "generating") return ctx.error(503, `instance ${str(instance.instance_id)} is still being generated`);
      const format = str(ctx.params.format ?? "pdf");
      return { status: 200, body: { download_url: `${URL_BASE}/${str(definition.definition_id)}/${str(instance.instance_id)}.${format}?X-Amz-Expires=900&X-Amz-Signature=sandbox` } };
    }),
  "audit_report.createReportSignOff": (ctx) =>
    withInstance(ctx, (instance) => {
      const signOffs = ctx.store(SIGN_OFFS);
      const mine = signOffs.find((s) => s.instance_id === instance.instance_id && s.user_id === ME.user_id);
      if (mine) return ctx.error(409, "you already signed off this report");
      if (instance.status !== "generated" && instance.status !== "finalizing") return ctx.error(409, `instance ${str(instance.instance_id)} is ${str(instance.status)}, not generated`);
      const b = (ctx.body ?? {}) as Record<string, unknown>;
      const signOff: Item = { definition_id: str(instance.definition_id), instance_id: str(instance.instance_id), ...ME, action: "approve", attestation: b.attestation === true, ...(typeof b.comments === "string" ? { comments: b.comments } : {}), signed_off_at: ctx.now.toISOString() };
      signOffs.push(signOff);
      instance.sign_off_count = Number(instance.sign_off_count ?? 0) + 1;
      instance.status = Number(instance.sign_off_count) >= Number(instance.required_approvals ?? 1) ? "finalized" : "finalizing";
      instance.updated_at = ctx.now.toISOString();
      return { status: 201, body: signOff };
    }),
  "audit_report.getReportSignOff": (ctx) =>
    withInstance(ctx, (instance) => {
      const mine = ctx.store(SIGN_OFFS).find((s) => s.instance_id === instance.instance_id && s.user_id === ME.user_id);
      // ALTR answers {sign_off: null} when there is none, but the document's nullable allOf does not validate null: 404 instead.
      return mine ? { status: 200, body: { sign_off: mine } } : ctx.error(404, `you have not signed off instance ${str(instance.instance_id)}`);
    }),
  "audit_report.listReportSignOffs": (ctx) => withInstance(ctx, (instance) => ctx.listReply(ctx.store(SIGN_OFFS).filter((s) => s.instance_id === instance.instance_id))),
};
