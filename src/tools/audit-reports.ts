/**
 * Audit reports: report definitions, their generated instances, and the review workflow on an
 * instance (comments, pins, sign-offs) — ALTR's Audit Report service (audit_report).
 */
import { z } from "zod";
import { paginate, type CallScope } from "../altr/paginate.js";
import type { components } from "../generated/audit-report.js";
import { S, objectOf, propertyOf } from "../schema/json-schema.js";
import { defineTool, input, InputError, responseBody, type Tool } from "./define.js";
import { CREATE, isTimeZone, MAX_PAGES, READ, readFirstFailure, REMOVE, UPDATE, withProperties } from "./common.js";
import { cron } from "./cron.js";
import { deleteOnce, DELETE_OUTCOME, outcome } from "./deletes.js";

type Definition = components["schemas"]["Definition"];
type DefinitionInput = components["schemas"]["DefinitionInput"];
type IntegrationType = components["schemas"]["IntegrationType"];

/** ALTR's largest page (its default is 25). */
const PAGE_MAX = 100;

// ---------------------------------------------------------------------------------------------
// Definition parameters.

const timeZone = z
  .string()
  .trim()
  .refine(isTimeZone, { error: 'must be an IANA time zone, e.g. "America/New_York" or "UTC"' });

const FILTER_FIELDS: Record<IntegrationType, readonly string[]> = {
  oltp: [
    "database_name", "table_name", "schema_name", "column_name", "statement_type", "consuming_user", "event_source",
    "event_name", "repo_user", "repo_host", "repo_name", "repo_type", "application_name", "client_host", "connection_id",
    "statement_text", "policy_blocked", "execution_success", "row_count",
  ],
  snowflake: [
    "username", "current_role", "ip_address", "client", "query_type", "warehouse", "warehouse_size", "account_identifier",
    "account_region", "event_source", "event_name", "query_text", "row_count",
  ],
};
const BOOLEAN_FIELDS = new Set(["policy_blocked", "execution_success"]);
const RANGE_FIELDS = new Set(["row_count"]);

// A plain check rather than z.email(): its long pattern would be advertised in every tools/list.
const isEmail = (s: string): boolean => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s);

const delivery = z
  .object({
    channels: z.array(
      z
        .object({
          type: z.literal("email"),
          enabled: z.boolean().optional(),
          recipients: z.array(z.string().trim().refine(isEmail, { error: "must be an email address" })).min(1),
        })
        .strict(),
    ),
  })
  .strict();

/** The upstream's docs call them prefix/suffix; ALTR documents starts_with/ends_with. */
const matchType = z.preprocess(
  (v) => (v === "prefix" ? "starts_with" : v === "suffix" ? "ends_with" : v),
  z.enum(["exact", "contains", "starts_with", "ends_with"]),
);

const filter = z
  .object({
    field: z.string().trim().min(1),
    mode: z.enum(["include", "exclude"]).optional(),
    patterns: z.array(z.object({ match_type: matchType.optional(), value: z.string().min(1) }).strict()).min(1).optional(),
    range: z
      .object({ min: z.number().int().optional(), max: z.number().int().optional() })
      .strict()
      .refine((r) => r.min !== undefined || r.max !== undefined, { error: "give min, max or both" })
      .optional(),
    value: z.boolean().optional(),
  })
  .strict();

const filters = z.object({ filter_groups: z.array(z.object({ filters: z.array(filter).min(1) }).strict()) }).strict();
type Filters = z.output<typeof filters>;

/** Filter fields must exist for the integration type and carry the kind of condition they take. */
function checkFilters(value: Filters, integration: IntegrationType): void {
  const problems: string[] = [];
  const fields: string[] = [];
  value.filter_groups.forEach((group, g) =>
    group.filters.forEach((f, i) => {
      const at = `filters.filter_groups[${g}].filters[${i}]`;
      const bad = (path: string, message: string) => {
        fields.push(path);
        problems.push(`${path}: ${message}`);
      };
      if (!FILTER_FIELDS[integration].includes(f.field)) {
        bad(`${at}.field`, `"${f.field}" is not a ${integration} field; use one of ${FILTER_FIELDS[integration].join(", ")}`);
        return;
      }
      const kinds = [f.patterns && "patterns", f.range && "range", f.value !== undefined && "value"].filter(Boolean);
      const wanted = BOOLEAN_FIELDS.has(f.field) ? "value" : RANGE_FIELDS.has(f.field) ? "range" : "patterns";
      if (kinds.length !== 1 || kinds[0] !== wanted) {
        bad(at, `${f.field} takes ${wanted === "value" ? "value (true/false)" : wanted === "range" ? "range {min,max}" : "patterns [{match_type,value}]"} and nothing else`);
      }
    }),
  );
  if (problems.length) throw new InputError(`Invalid arguments: ${problems.slice(0, 10).join("; ")}`, fields);
}

const definitionFields = {
  name: z.string().trim().min(1),
  integration_type: z.enum(["oltp", "snowflake"]).describe("oltp = sidecar audits."),
  description: z.string().optional(),
  lookback_days: z.number().int().min(1).optional().describe("Days, ending at midnight of the run day."),
  timezone: timeZone.optional().describe("IANA zone of the report window."),
  schedule_cron: cron.optional(),
  schedule_enabled: z.boolean().optional(),
  schedule_timezone: timeZone.optional().describe("IANA zone the cron runs in."),
  delivery: input.jsonOr(delivery).optional(),
  filters: input
    .jsonOr(filters)
    .optional()
    .describe("Fields depend on integration_type; row_count takes range, policy_blocked/execution_success take value."),
  required_approvals: z.number().int().min(0).max(100).optional(),
  retention_days: z.number().int().min(1).max(3650).optional(),
};
type DefinitionArgs = z.output<z.ZodObject<typeof definitionFields>>;

/**
 * update_report_definition's fields: validated as create_report_definition's, which spells them
 * out once (same toolset; the tool list's budget).
 */
const AS_CREATE = "As in create_report_definition.";
const updateFields = {
  ...definitionFields,
  integration_type: z.enum(["oltp", "snowflake"]),
  lookback_days: z.number().int().min(1).optional(),
  timezone: timeZone.optional(),
  schedule_cron: cron.optional().describe(AS_CREATE),
  schedule_timezone: timeZone.optional(),
  delivery: input.described("object", delivery, AS_CREATE).optional(),
  filters: input.described("object", filters, AS_CREATE).optional(),
};

/** The upstream's grouping: flat parameters → report_window and schedule, each only when used. */
function definitionBody(a: DefinitionArgs): DefinitionInput {
  if (a.filters) checkFilters(a.filters, a.integration_type);
  const window = { lookback_days: a.lookback_days, timezone: a.timezone };
  const schedule = { cron: a.schedule_cron, enabled: a.schedule_enabled, timezone: a.schedule_timezone };
  const present = <T extends object>(o: T): T | undefined => {
    const kept = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
    return Object.keys(kept).length ? kept : undefined;
  };
  const body: DefinitionInput = { name: a.name, integration_type: a.integration_type };
  if (a.description !== undefined) body.description = a.description;
  const w = present(window);
  if (w) body.report_window = w;
  const s = present(schedule);
  if (s) body.schedule = s;
  if (a.delivery) body.delivery = a.delivery;
  if (a.filters) body.filters = a.filters;
  if (a.required_approvals !== undefined) body.required_approvals = a.required_approvals;
  if (a.retention_days !== undefined) body.retention_days = a.retention_days;
  return body;
}

/** Fields a full replace would clear: stored, but absent from the new body, with their old values. */
function clearedBy(current: Definition, body: DefinitionInput): Record<string, unknown> {
  const cleared: Record<string, unknown> = {};
  const set = (v: unknown) => v !== undefined && v !== null && v !== "";
  if (set(current.description) && body.description === undefined) cleared.description = current.description;
  for (const k of ["lookback_days", "timezone"] as const) {
    if (set(current.report_window?.[k]) && body.report_window?.[k] === undefined) cleared[`report_window.${k}`] = current.report_window![k];
  }
  for (const k of ["cron", "enabled", "timezone"] as const) {
    if (set(current.schedule?.[k]) && body.schedule?.[k] === undefined) cleared[`schedule.${k}`] = current.schedule![k];
  }
  if (current.delivery?.channels?.length && body.delivery === undefined) cleared.delivery = current.delivery;
  if (current.filters?.filter_groups?.length && body.filters === undefined) cleared.filters = current.filters;
  return cleared;
}

// ---------------------------------------------------------------------------------------------
// Ids and paging.

const definitionId = z.string().trim().min(1);
const instanceId = z.string().trim().min(1);
const commentId = z.string().trim().min(1);
const paging = {
  limit: z.number().int().min(1).max(PAGE_MAX).optional().describe("Default: all pages."),
  cursor: z.string().min(1).optional(),
};

interface PageBody<T> {
  items?: T[];
  has_more?: boolean;
  next_cursor?: string;
  cursor?: string | null;
}

/**
 * One page of `limit` when the caller gives one (the upstream's call), otherwise every page of
 * ALTR's largest size up to MAX_PAGES; either way the cursor to continue when more remain.
 */
async function pages<T>(
  scope: CallScope | undefined,
  args: { limit?: number | undefined; cursor?: string | undefined },
  fetchPage: (query: { limit: number; cursor?: string }) => Promise<PageBody<T>>,
): Promise<{ items: T[]; count: number; next_cursor: string | null }> {
  const paged = await paginate<T, string>({
    scope,
    start: args.cursor ?? null,
    maxPages: args.limit !== undefined ? 1 : MAX_PAGES,
    fetchPage: async (c) => {
      const body = await fetchPage({ limit: args.limit ?? PAGE_MAX, ...(c ? { cursor: c } : {}) });
      const next = body.next_cursor || body.cursor || null;
      return { items: body.items ?? [], next: body.has_more === false ? null : next };
    },
  });
  return { items: paged.items, count: paged.items.length, next_cursor: paged.next };
}

const listOutput = (op: Parameters<typeof responseBody>[0]) =>
  objectOf({ items: propertyOf(responseBody(op), "items"), count: S.integer, next_cursor: S.nullableString });


export const auditReportTools: Tool[] = [
  defineTool({
    name: "list_report_definitions",
    title: "List audit report definitions",
    description: "List audit report definitions (archived ones with archived=true).",
    toolset: "audit_reports",
    input: { ...paging, archived: z.boolean().optional() },
    annotations: READ,
    operations: ["audit_report.listReportDefinitions"],
    output: listOutput("audit_report.listReportDefinitions"),
    async handler({ archived, ...args }, { call, signal, scope }) {
      return pages(scope, args, (query) =>
        call("audit_report.listReportDefinitions", { query: { ...query, ...(archived !== undefined ? { archived } : {}) }, signal }),
      );
    },
  }),

  defineTool({
    name: "create_report_definition",
    title: "Create an audit report definition",
    description: "Create an audit report definition.",
    toolset: "audit_reports",
    input: definitionFields,
    annotations: CREATE,
    operations: ["audit_report.createReportDefinition"],
    output: responseBody("audit_report.createReportDefinition"),
    async handler(args, { call, signal }) {
      const body = definitionBody(args);
      return call("audit_report.createReportDefinition", { body, signal });
    },
  }),

  defineTool({
    name: "get_report_definition",
    title: "Get an audit report definition",
    description: "Get an audit report definition.",
    toolset: "audit_reports",
    input: { definition_id: definitionId },
    annotations: READ,
    operations: ["audit_report.getReportDefinition"],
    output: responseBody("audit_report.getReportDefinition"),
    async handler({ definition_id }, { call, signal }) {
      return call("audit_report.getReportDefinition", { path: { definition_id }, signal });
    },
  }),

  defineTool({
    name: "update_report_definition",
    title: "Replace an audit report definition",
    description: "Replace a report definition: omitted fields are cleared (listed in cleared); resend what you keep. Reads it first: a concurrent change can be overwritten.",
    toolset: "audit_reports",
    input: { definition_id: definitionId, ...updateFields },
    // A full replace removes whatever the caller leaves out (delivery, filters, schedule).
    annotations: REMOVE,
    operations: ["audit_report.getReportDefinition", "audit_report.updateReportDefinition"],
    output: objectOf({ definition: responseBody("audit_report.updateReportDefinition"), cleared: { type: "object" } }),
    async handler({ definition_id, ...args }, { call, signal }) {
      const body = definitionBody(args);
      const current = await call("audit_report.getReportDefinition", { path: { definition_id }, signal }).catch((err: unknown) => {
        throw readFirstFailure(err, "update_report_definition", "get_report_definition");
      });
      // Left out, these keep their stored values: a replace must not silently reset them.
      if (body.required_approvals === undefined && current.required_approvals !== undefined) body.required_approvals = current.required_approvals;
      if (body.retention_days === undefined && current.retention_days !== undefined) body.retention_days = current.retention_days;
      const cleared = clearedBy(current, body);
      const definition = await call("audit_report.updateReportDefinition", { path: { definition_id }, body, signal });
      return { definition, cleared };
    },
  }),

  defineTool({
    name: "archive_report_definition",
    title: "Archive an audit report definition",
    description: "Archive a report definition: it stops running until restored; reports stay.",
    toolset: "audit_reports",
    input: { definition_id: definitionId },
    annotations: REMOVE,
    operations: ["audit_report.archiveReportDefinition"],
    output: withProperties(responseBody("audit_report.archiveReportDefinition"), DELETE_OUTCOME),
    async handler({ definition_id }, { call, signal }) {
      // A repeat archive is ALTR's documented 409 "already archived": changed: false, not an error.
      const done = await deleteOnce(call("audit_report.archiveReportDefinition", { path: { definition_id }, signal }), {
        what: "report definition",
        list: "list_report_definitions",
        repeatConflict: /already archived/i,
      });
      return { ...(done.answer ?? { definition_id }), ...outcome(done) };
    },
  }),

  defineTool({
    name: "restore_report_definition",
    title: "Restore an archived audit report definition",
    description: "Make an archived report definition active again.",
    toolset: "audit_reports",
    input: { definition_id: definitionId },
    annotations: UPDATE,
    operations: ["audit_report.restoreReportDefinition"],
    output: responseBody("audit_report.restoreReportDefinition"),
    async handler({ definition_id }, { call, signal }) {
      return call("audit_report.restoreReportDefinition", { path: { definition_id }, signal });
    },
  }),

  defineTool({
    name: "trigger_report_definition",
    title: "Generate an audit report now",
    description: "Generate a report now; at most once per definition every 5 minutes.",
    toolset: "audit_reports",
    input: { definition_id: definitionId },
    annotations: CREATE,
    operations: ["audit_report.triggerReportDefinition"],
    output: responseBody("audit_report.triggerReportDefinition"),
    async handler({ definition_id }, { call, signal }) {
      return call("audit_report.triggerReportDefinition", { path: { definition_id }, signal });
    },
  }),

  defineTool({
    name: "list_report_instances",
    title: "List generated audit reports",
    description: "List a definition's generated reports, newest first.",
    toolset: "audit_reports",
    input: { definition_id: definitionId, ...paging },
    annotations: READ,
    operations: ["audit_report.listReportInstances"],
    output: listOutput("audit_report.listReportInstances"),
    async handler({ definition_id, ...args }, { call, signal, scope }) {
      return pages(scope, args, (query) =>
        call("audit_report.listReportInstances", { path: { definition_id }, query, signal }),
      );
    },
  }),

  defineTool({
    name: "get_report_instance",
    title: "Get a generated audit report",
    description: "Get a generated report: status, period, totals, sign-offs.",
    toolset: "audit_reports",
    input: { definition_id: definitionId, instance_id: instanceId },
    annotations: READ,
    operations: ["audit_report.getReportInstance"],
    output: responseBody("audit_report.getReportInstance"),
    async handler({ definition_id, instance_id }, { call, signal }) {
      return call("audit_report.getReportInstance", { path: { definition_id, instance_id }, signal });
    },
  }),

  defineTool({
    name: "get_report_instance_download_url",
    title: "Get an audit report download link",
    description: "Get a short-lived pre-signed link to a report file (PDF or CSV); anyone with it can download.",
    toolset: "audit_reports",
    input: {
      definition_id: definitionId,
      instance_id: instanceId,
      format: z.enum(["pdf", "csv"]).default("pdf"),
    },
    annotations: READ,
    operations: ["audit_report.getReportInstanceDownloadUrl"],
    output: responseBody("audit_report.getReportInstanceDownloadUrl"),
    async handler({ definition_id, instance_id, format }, { call, signal, progress }) {
      const link = await call("audit_report.getReportInstanceDownloadUrl", { path: { definition_id, instance_id }, query: { format }, signal });
      progress(1, 1, `${format.toUpperCase()} download link received`);
      return link;
    },
  }),

  defineTool({
    name: "list_report_comments",
    title: "List comments on an audit report",
    description: "List a report's comments, pinned first.",
    toolset: "audit_reports",
    input: { definition_id: definitionId, instance_id: instanceId, ...paging },
    annotations: READ,
    operations: ["audit_report.listReportComments"],
    output: listOutput("audit_report.listReportComments"),
    async handler({ definition_id, instance_id, ...args }, { call, signal, scope }) {
      return pages(scope, args, (query) =>
        call("audit_report.listReportComments", { path: { definition_id, instance_id }, query, signal }),
      );
    },
  }),

  defineTool({
    name: "create_report_comment",
    title: "Comment on an audit report",
    description: "Comment on a generated report; each call adds one.",
    toolset: "audit_reports",
    input: { definition_id: definitionId, instance_id: instanceId, text: z.string().trim().min(1) },
    annotations: CREATE,
    operations: ["audit_report.createReportComment"],
    output: responseBody("audit_report.createReportComment"),
    async handler({ definition_id, instance_id, text }, { call, signal }) {
      return call("audit_report.createReportComment", { path: { definition_id, instance_id }, body: { text }, signal });
    },
  }),

  defineTool({
    name: "pin_report_comment",
    title: "Pin a comment on an audit report",
    description: "Pin a comment to the top; one per report.",
    toolset: "audit_reports",
    input: { definition_id: definitionId, instance_id: instanceId, comment_id: commentId },
    annotations: UPDATE,
    operations: ["audit_report.pinReportComment"],
    output: responseBody("audit_report.pinReportComment"),
    async handler({ definition_id, instance_id, comment_id }, { call, signal }) {
      return call("audit_report.pinReportComment", { path: { definition_id, instance_id, comment_id }, signal });
    },
  }),

  defineTool({
    name: "unpin_report_comment",
    title: "Unpin a comment on an audit report",
    description: "Unpin a comment.",
    toolset: "audit_reports",
    input: { definition_id: definitionId, instance_id: instanceId, comment_id: commentId },
    annotations: UPDATE,
    operations: ["audit_report.unpinReportComment"],
    output: responseBody("audit_report.unpinReportComment"),
    async handler({ definition_id, instance_id, comment_id }, { call, signal }) {
      return call("audit_report.unpinReportComment", { path: { definition_id, instance_id, comment_id }, signal });
    },
  }),

  defineTool({
    name: "get_report_sign_off",
    title: "Get my sign-off on an audit report",
    description: "Get the API user's own sign-off on a report (null if none).",
    toolset: "audit_reports",
    input: { definition_id: definitionId, instance_id: instanceId },
    annotations: READ,
    operations: ["audit_report.getReportSignOff"],
    output: responseBody("audit_report.getReportSignOff"),
    async handler({ definition_id, instance_id }, { call, signal }) {
      return call("audit_report.getReportSignOff", { path: { definition_id, instance_id }, signal });
    },
  }),

  defineTool({
    name: "create_report_sign_off",
    title: "Sign off an audit report",
    description: "Sign off a report as the API user, once. attestation=true says it is accurate: only if the user says so.",
    toolset: "audit_reports",
    input: {
      definition_id: definitionId,
      instance_id: instanceId,
      action: z.literal("approve").default("approve"),
      attestation: z.boolean({
        error: (issue) =>
          issue.input === undefined
            ? "required: true only when the user confirms the report is accurate"
            : "must be true or false",
      }),
      comments: z.string().trim().min(1).optional(),
    },
    // ALTR refuses a second sign-off by the same user (409), so a repeat changes nothing.
    annotations: UPDATE,
    operations: ["audit_report.createReportSignOff"],
    output: responseBody("audit_report.createReportSignOff"),
    async handler({ definition_id, instance_id, action, attestation, comments }, { call, signal }) {
      return call("audit_report.createReportSignOff", { path: { definition_id, instance_id }, body: { action, attestation, ...(comments !== undefined ? { comments } : {}) }, signal });
    },
  }),

  defineTool({
    name: "list_report_sign_offs",
    title: "List sign-offs on an audit report",
    description: "List every user's sign-offs on a report.",
    toolset: "audit_reports",
    input: { definition_id: definitionId, instance_id: instanceId, ...paging },
    annotations: READ,
    operations: ["audit_report.listReportSignOffs"],
    output: listOutput("audit_report.listReportSignOffs"),
    async handler({ definition_id, instance_id, ...args }, { call, signal, scope }) {
      return pages(scope, args, (query) =>
        call("audit_report.listReportSignOffs", { path: { definition_id, instance_id }, query, signal }),
      );
    },
  }),
];
