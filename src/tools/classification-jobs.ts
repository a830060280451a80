/** Classification jobs: list, inspect, start (Snowflake native / GDLP, Databricks, OLTP), control, report. */
import { z } from "zod";
import { downloadPresigned, PresignedError, type PresignedErrorKind } from "../altr/presigned.js";
import type { components } from "../generated/classification.js";
import { S, objectOf } from "../schema/json-schema.js";
import { defineTool, InputError, ToolFailure, responseBody, type ErrorKind, type Tool } from "./define.js";
import { MAX_PAGES, READ, REMOVE, UPDATE } from "./common.js";
import { allPages, CONDITION_TARGETS, contiguousId, databaseId, jobId, listOf, name, pageSize, positive, uuid } from "./classification-shared.js";
import { paginateTokens } from "../altr/paginate.js";

type Job = components["schemas"]["Job"];
type Target = components["schemas"]["ConditionTarget"];

/** Starting a job is not idempotent: every call starts another scan. */
const START = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true } as const;
const POLL = "Poll get_job.";

const agentId = uuid("an agent id", "list_sc_agents");
const jobPageSize = pageSize(50);
/** ALTR's classification types (get_jobs spells them out; get_active_jobs filters by them too). */
const classificationType = z.number().int().refine((n) => n >= 1 && n <= 6, "must be 1-6");
/** ALTR's human-review gate: the report waits (AWAITING_REVIEW) until the findings are confirmed. */
const requiresReview = z.boolean().optional();

/** Rule targets a job may evaluate; each job kind accepts a subset. Duplicates are dropped. */
function conditionTypes(allowed: readonly Target[], other?: { targets: readonly Target[]; tool: string }) {
  const valid = new Set<string>(allowed);
  return listOf(z.string())
    .superRefine((list, ctx) => {
      list.forEach((t, i) => {
        if (valid.has(t)) return;
        const hint = other?.targets.includes(t as Target) ? ` (${t}: use ${other.tool})` : "";
        ctx.addIssue({ code: "custom", path: [i], message: `must be one of ${allowed.join(", ")}${hint}` });
      });
    })
    .transform((list) => [...new Set(list)] as Target[])
    .optional();
}

const NATIVE_TARGETS = ["ROW_DATA", "METADATA", "COLUMN_LOCATION", "SNOWFLAKE_NATIVE", "CONTENT_TYPE", "DATA_LENGTH", "COLUMN_SIZE"] as const;
const OLTP_TARGETS = CONDITION_TARGETS.filter((t) => t !== "SNOWFLAKE_NATIVE");

/** The presigned download's failure, as the tool reports it. */
const DOWNLOAD_KIND: Record<PresignedErrorKind, ErrorKind> = {
  invalid_url: "invalid_response",
  blocked_address: "invalid_response",
  redirect: "invalid_response",
  http: "http",
  timeout: "timeout",
  cancelled: "cancelled",
  network: "network",
  too_large: "invalid_response",
  invalid_body: "invalid_response",
};

export const classificationJobTools: Tool[] = [
  defineTool({
    name: "get_jobs",
    title: "List classification jobs",
    description: "List classification jobs, newest first, with filters.",
    toolset: "classification",
    input: {
      limit: jobPageSize,
      contiguous_id: contiguousId,
      status: z.enum(["RUNNING", "PAUSED", "COMPLETED", "CANCELLED", "FAILED"]).optional(),
      job_type: z.enum(["FULL", "INCREMENTAL"]).optional(),
      database_id: databaseId.optional(),
      agent_id: agentId.optional(),
      classification_type: classificationType
        .optional()
        .describe("1 GDLP, 2 Snowflake native, 3 tag import, 4 both, 5 ALTR native, 6 GDLP BYOK."),
      order: z.enum(["asc", "desc"]).optional(),
      all_pages: allPages,
    },
    annotations: READ,
    operations: ["classification.listJobs"],
    output: responseBody("classification.listJobs"),
    async handler({ contiguous_id, all_pages, ...filters }, { call, signal, scope }) {
      const page = await paginateTokens<Job>({
        scope,
        start: contiguous_id,
        maxPages: all_pages === true ? MAX_PAGES : 1,
        fetch: async (token) => {
          const body = await call("classification.listJobs", { query: {
                  limit: filters.limit,
                  contiguous_id: token,
                  status: filters.status,
                  job_type: filters.job_type,
                  database_id: filters.database_id,
                  agent_id: filters.agent_id,
                  classification_type: filters.classification_type as 1 | 2 | 3 | 4 | 5 | 6 | undefined,
                  order: filters.order,
                }, signal });
          return { items: body.jobs, next: body.contiguous_id };
        },
      });
      return { jobs: page.items, contiguous_id: page.next };
    },
  }),

  defineTool({
    name: "get_active_jobs",
    title: "List active classification jobs",
    description: "List classification jobs that have not finished.",
    toolset: "classification",
    input: {
      limit: jobPageSize,
      contiguous_id: contiguousId,
      database_id: databaseId.optional(),
      agent_id: agentId.optional(),
      all_pages: allPages,
      status: z.enum(["CREATED", "RESUMED", "PAUSED", "RUNNING", "PENDING_CANCEL", "UPLOADING_REPORT", "PROCESSING_REPORT", "PROCESSING_FINDINGS", "AWAITING_REVIEW"]).optional(),
      job_type: z.enum(["FULL", "INCREMENTAL"]).optional(),
      classification_type: classificationType.optional(),
      order: z.enum(["asc", "desc"]).optional(),
    },
    annotations: READ,
    operations: ["classification.listActiveJobs"],
    output: responseBody("classification.listActiveJobs"),
    async handler({ contiguous_id, all_pages, limit, database_id, agent_id, ...filters }, { call, signal, scope }) {
      const page = await paginateTokens<Job>({
        scope,
        start: contiguous_id,
        maxPages: all_pages === true ? MAX_PAGES : 1,
        fetch: async (token) => {
          const query = { limit, contiguous_id: token, database_id, agent_id, ...filters, classification_type: filters.classification_type as 1 | 2 | 3 | 4 | 5 | 6 | undefined };
          const body = await call("classification.listActiveJobs", { query, signal });
          return { items: body.jobs, next: body.contiguous_id };
        },
      });
      return { jobs: page.items, contiguous_id: page.next };
    },
  }),

  defineTool({
    name: "get_job",
    title: "Get a classification job",
    description: "Get a classification job's status; poll until COMPLETED or FAILED.",
    toolset: "classification",
    input: { job_id: jobId },
    annotations: READ,
    operations: ["classification.getJob"],
    output: responseBody("classification.getJob"),
    async handler({ job_id }, { call, signal }) {
      return call("classification.getJob", { path: { job_id }, signal });
    },
  }),

  defineTool({
    name: "get_job_summary",
    title: "Classification job summary",
    description: "Get per-classifier finding counts and column totals of a job.",
    toolset: "classification",
    input: { job_id: jobId },
    annotations: READ,
    operations: ["classification.getJobSummary"],
    output: responseBody("classification.getJobSummary"),
    async handler({ job_id }, { call, signal }) {
      return call("classification.getJobSummary", { path: { job_id }, signal });
    },
  }),

  defineTool({
    name: "create_job",
    title: "Start an ALTR-native Snowflake scan",
    description: `Scan a Snowflake database with ALTR's engine and a collection's classifiers (Google DLP: create_gdlp_job). ${POLL}`,
    toolset: "classification",
    input: {
      job_type: z.enum(["FULL", "INCREMENTAL"]),
      database_id: databaseId,
      collection_name: name,
      condition_types: conditionTypes(NATIVE_TARGETS, { targets: ["GDLP", "AMAZON_COMPREHEND"], tool: "create_gdlp_job" }),
      sample_strategy: z.enum(["ROWS", "METADATA", "COMBINED"]).optional(),
      requires_review: requiresReview,
    },
    annotations: START,
    operations: ["classification.createSnowflakeJob"],
    output: responseBody("classification.createSnowflakeJob"),
    async handler(args, { call, signal }) {
      return call("classification.createSnowflakeJob", { body: {
            job_type: args.job_type,
            database_id: args.database_id,
            collection_name: args.collection_name,
            classification_type: "altr_native",
            ...(args.condition_types?.length ? { condition_types: args.condition_types } : {}),
            sample_strategy: args.sample_strategy,
            requires_review: args.requires_review,
          }, signal });
    },
  }),

  defineTool({
    name: "create_gdlp_job",
    title: "Start a Google DLP Snowflake scan",
    description: `Scan a Snowflake database with Google DLP; collection_name narrows info types (ALTR engine: create_job). ${POLL}`,
    toolset: "classification",
    input: {
      database_id: databaseId,
      collection_name: name.optional(),
      condition_types: conditionTypes(CONDITION_TARGETS),
      sample_size: positive.optional(),
      sample_type: z.enum(["ROWS", "PERCENT"]).optional(),
      requires_review: requiresReview,
    },
    annotations: START,
    operations: ["classification.createSnowflakeJob"],
    output: responseBody("classification.createSnowflakeJob"),
    async handler(args, { call, signal }) {
      return call("classification.createSnowflakeJob", { body: {
            database_id: args.database_id,
            classification_type: "gdlp",
            collection_name: args.collection_name,
            ...(args.condition_types?.length ? { condition_types: args.condition_types } : {}),
            sample_size: args.sample_size,
            sample_type: args.sample_type,
            requires_review: args.requires_review,
          }, signal });
    },
  }),

  defineTool({
    name: "create_databricks_job",
    title: "Start a Databricks scan",
    description: `Scan every catalog of a Databricks workspace with Google DLP; collection_name narrows info types. ${POLL}`,
    toolset: "classification",
    input: {
      database_id: databaseId,
      collection_name: name.optional(),
      condition_types: conditionTypes(CONDITION_TARGETS),
      requires_review: requiresReview,
    },
    annotations: START,
    operations: ["classification.createDatabricksJob"],
    output: responseBody("classification.createDatabricksJob"),
    async handler(args, { call, signal }) {
      return call("classification.createDatabricksJob", { body: {
            database_id: args.database_id,
            collection_name: args.collection_name,
            ...(args.condition_types?.length ? { condition_types: args.condition_types } : {}),
            requires_review: args.requires_review,
          }, signal });
    },
  }),

  defineTool({
    name: "create_oltp_job",
    title: "Start an OLTP repository scan",
    description: `Scan an OLTP sidecar repo via a classifier agent. classification_type 5 ALTR native (needs collection_name), 6 Google DLP with your GCP key (ROWS only). ${POLL}`,
    toolset: "classification",
    input: {
      agent_id: agentId,
      repo_name: name.describe("From list_sc_repos."),
      service_user_name: name.describe("From list_sc_service_users."),
      collection_name: name.optional(),
      classification_type: z.number().int().refine((n) => n === 5 || n === 6, "must be 5 or 6").default(5),
      sample_strategy: z.enum(["ROWS", "METADATA", "COMBINED"]).default("ROWS"),
      sample_size: positive.default(1000),
      sample_type: z.enum(["ROWS", "PERCENT"]).default("ROWS"),
      condition_types: conditionTypes(OLTP_TARGETS),
      sid: name.optional(),
      service_name: name.optional(),
      task_id: name.optional(),
      requires_review: requiresReview,
    },
    annotations: START,
    operations: ["classification.createOltpJob"],
    output: responseBody("classification.createOltpJob"),
    async handler(args, { call, signal }) {
      if (args.classification_type === 5 && args.collection_name === undefined) {
        throw new InputError("collection_name: required for classification_type 5 (ALTR native)", ["collection_name"]);
      }
      if (args.classification_type === 6 && args.sample_strategy !== "ROWS") {
        throw new InputError("sample_strategy: classification_type 6 (Google DLP) supports only ROWS", ["sample_strategy"]);
      }
      if (args.sid !== undefined && args.service_name !== undefined) {
        throw new InputError("sid, service_name: give one of them, not both", ["sid", "service_name"]);
      }
      return call("classification.createOltpJob", { body: {
            agent_id: args.agent_id,
            repo_name: args.repo_name,
            service_user_name: args.service_user_name,
            collection_name: args.collection_name,
            classification_type: args.classification_type,
            sample_strategy: args.sample_strategy,
            sample_size: args.sample_size,
            sample_type: args.sample_type,
            ...(args.condition_types?.length ? { condition_types: args.condition_types } : {}),
            sid: args.sid,
            service_name: args.service_name,
            task_id: args.task_id,
            requires_review: args.requires_review,
          }, signal });
    },
  }),

  defineTool({
    name: "update_job_status",
    title: "Pause, resume or cancel a job",
    description: "Pause, resume (RUNNING) or cancel (final) an OLTP classification job.",
    toolset: "classification",
    input: { job_id: jobId, status: z.enum(["PAUSED", "CANCELLED", "RUNNING"]) },
    // Cancelling ends the scan for good.
    annotations: REMOVE,
    operations: ["classification.updateJobStatus"],
    output: responseBody("classification.updateJobStatus"),
    async handler({ job_id, status }, { call, signal }) {
      return call("classification.updateJobStatus", { path: { job_id }, body: { status }, signal });
    },
  }),

  defineTool({
    name: "get_classification_report",
    title: "Download a job's report",
    description:
      "Get a finished job's full report; large (lighter: get_job_summary, get_job_findings).",
    toolset: "classification",
    input: { job_id: jobId },
    // The POST (re)generates the report in ALTR; repeating it regenerates the same report.
    annotations: UPDATE,
    operations: ["classification.createJobReport"],
    output: objectOf({ job_id: S.string, report: { description: "The report as ALTR produced it (JSON)." } }),
    async handler({ job_id }, { call, signal, presigned, progress }) {
      const link = await call("classification.createJobReport", { path: { job_id }, body: {}, signal });
      if (typeof link.url !== "string" || link.url === "") {
        throw new ToolFailure("invalid_response", `ALTR answered without a download URL for the report of job ${job_id}; try again.`);
      }
      progress(1, 2, "report generated; downloading it");
      try {
        const report = await (presigned ?? downloadPresigned)(link.url, signal);
        progress(2, 2, "report downloaded");
        return { job_id, report };
      } catch (err) {
        if (!(err instanceof PresignedError)) throw err;
        const retry = err.kind === "http" && err.status === 403 ? " The link may have expired: call the tool again." : "";
        throw new ToolFailure(
          DOWNLOAD_KIND[err.kind],
          `ALTR generated the report of job ${job_id}, but downloading it failed: ${err.message}.${retry} Lighter alternatives: get_job_summary, get_job_findings.`,
        );
      }
    },
  }),
];
