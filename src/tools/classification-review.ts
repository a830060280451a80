/** Classification findings tree (database → schema → table → column → classifier) and review decisions. */
import { z } from "zod";
import type { components } from "../generated/classification.js";
import { S, objectOf } from "../schema/json-schema.js";
import { defineTool, responseBody, type Tool } from "./define.js";
import { MAX_PAGES, READ, REMOVE } from "./common.js";
import { allPages, checkScope, classifierNameFilter, confirmedStatusFilter, jobId, name, nonEmpty, objectName, pageSize } from "./classification-shared.js";
import { paginateTokens } from "../altr/paginate.js";

type Row = components["schemas"]["FindingsRow"];
type Decision = components["schemas"]["Decision"];


const paging = {
  limit: pageSize(1000),
  page_token: z.string().min(1).optional(),
  all_pages: allPages,
};
const filters = { classifier_name: classifierNameFilter, confirmed_status: confirmedStatusFilter };

/** Reads one or more pages of a findings level; `get` performs one request for a page token. */
async function findings(
  args: { page_token?: string | undefined; all_pages?: boolean | undefined },
  get: (token: string | undefined) => Promise<{ items?: Row[]; next_page_token?: string | null }>,
): Promise<{ items: Row[]; next_page_token: string | null }> {
  const page = await paginateTokens<Row>({
    start: args.page_token,
    maxPages: args.all_pages === true ? MAX_PAGES : 1,
    fetch: async (token) => {
      const body = await get(token);
      return { items: body.items, next: body.next_page_token };
    },
  });
  return { items: page.items, next_page_token: page.next };
}

/** The query of one findings page: size, token and the filters (an empty filter list is left out). */
function findingsQuery(
  args: {
    limit?: number | undefined;
    classifier_name?: z.output<typeof classifierNameFilter>;
    confirmed_status?: z.output<typeof confirmedStatusFilter>;
  },
  token: string | undefined,
) {
  return {
    limit: args.limit,
    page_token: token,
    classifier_name: nonEmpty(args.classifier_name),
    confirmed_status: nonEmpty(args.confirmed_status),
  };
}

const scopeFields = {
  database: objectName.optional(),
  schema: objectName.optional(),
  table: objectName.optional(),
  column: objectName.optional(),
};
const scopeOutput = objectOf({
  database: S.string,
  schema: S.string,
  table: S.string,
  column: S.string,
  classifier_name: S.string,
});

export const classificationReviewTools: Tool[] = [
  defineTool({
    name: "get_job_findings",
    title: "Job findings: databases",
    description: "Findings level 1: databases with detections; then get_job_findings_schemas.",
    toolset: "classification",
    input: {
      job_id: jobId,
      ...paging,
      ...filters,
      include_column_status_counts: z.boolean().optional(),
    },
    annotations: READ,
    operations: ["classification.listFindingDatabases"],
    output: responseBody("classification.listFindingDatabases"),
    async handler(args, { call, signal }) {
      return findings(args, (token) =>
        call("classification.listFindingDatabases", { path: { job_id: args.job_id }, query: { ...findingsQuery(args, token), include_column_status_counts: args.include_column_status_counts }, signal }),
      );
    },
  }),

  defineTool({
    name: "get_job_findings_schemas",
    title: "Job findings: schemas",
    description: "Findings level 2: schemas with detections in one database.",
    toolset: "classification",
    input: { job_id: jobId, database: objectName, ...paging, ...filters },
    annotations: READ,
    operations: ["classification.listFindingSchemas"],
    output: responseBody("classification.listFindingSchemas"),
    async handler(args, { call, signal }) {
      return findings(args, (token) =>
        call("classification.listFindingSchemas", { path: { job_id: args.job_id, database: args.database }, query: findingsQuery(args, token), signal }),
      );
    },
  }),

  defineTool({
    name: "get_job_findings_tables",
    title: "Job findings: tables",
    description: "Findings level 3: tables with detections in one schema.",
    toolset: "classification",
    input: { job_id: jobId, database: objectName, schema: objectName, ...paging, ...filters },
    annotations: READ,
    operations: ["classification.listFindingTables"],
    output: responseBody("classification.listFindingTables"),
    async handler(args, { call, signal }) {
      return findings(args, (token) =>
        call("classification.listFindingTables", { path: { job_id: args.job_id, database: args.database, schema: args.schema }, query: findingsQuery(args, token), signal }),
      );
    },
  }),

  defineTool({
    name: "get_job_findings_columns",
    title: "Job findings: columns",
    description: "Findings level 4: detected columns of one table.",
    toolset: "classification",
    input: { job_id: jobId, database: objectName, schema: objectName, table: objectName, ...paging, ...filters },
    annotations: READ,
    operations: ["classification.listFindingColumns"],
    output: responseBody("classification.listFindingColumns"),
    async handler(args, { call, signal }) {
      return findings(args, (token) =>
        call("classification.listFindingColumns", { path: { job_id: args.job_id, database: args.database, schema: args.schema, table: args.table }, query: findingsQuery(args, token), signal }),
      );
    },
  }),

  defineTool({
    name: "get_job_findings_classifiers",
    title: "Job findings: classifiers of a column",
    description: "Findings level 5: classifiers that matched one column.",
    toolset: "classification",
    input: {
      job_id: jobId,
      database: objectName,
      schema: objectName,
      table: objectName,
      column: objectName,
      ...paging,
      confirmed_status: confirmedStatusFilter,
      classifier_name: classifierNameFilter,
    },
    annotations: READ,
    operations: ["classification.listFindingClassifiers"],
    output: responseBody("classification.listFindingClassifiers"),
    async handler(args, { call, signal }) {
      return findings(args, (token) =>
        call("classification.listFindingClassifiers", { path: { job_id: args.job_id, database: args.database, schema: args.schema, table: args.table, column: args.column }, query: { limit: args.limit, page_token: token, confirmed_status: nonEmpty(args.confirmed_status), classifier_name: nonEmpty(args.classifier_name) }, signal }),
      );
    },
  }),

  defineTool({
    name: "get_job_findings_lineage",
    title: "Why a classifier matched a column",
    description:
      "Explain a classifier's result on a column, condition by condition.",
    toolset: "classification",
    input: {
      job_id: jobId,
      database: objectName,
      schema: objectName,
      table: objectName,
      column: objectName,
      classifier_name: name,
    },
    annotations: READ,
    operations: ["classification.getFindingLineage"],
    output: responseBody("classification.getFindingLineage"),
    async handler({ job_id, database, schema, table, column, classifier_name }, { call, signal }) {
      return call("classification.getFindingLineage", { path: { job_id, database, schema, table, column, classifier_name }, signal });
    },
  }),

  defineTool({
    name: "record_job_decision",
    title: "Approve or reject findings",
    description:
      "Approve or reject a job's findings in a scope (database → schema → table → column → classifier_name; none = whole job); overwrites earlier decisions.",
    toolset: "classification",
    input: { job_id: jobId, confirmed_status: z.enum(["approved", "rejected"]), ...scopeFields, classifier_name: name.optional() },
    // Without a scope it decides every finding of the job, replacing what reviewers decided.
    annotations: REMOVE,
    operations: ["classification.recordDecision"],
    output: objectOf({ job_id: S.string, confirmed_status: S.string, scope: scopeOutput, recorded: S.boolean }),
    async handler({ job_id, confirmed_status, ...scope }, { call, signal }) {
      checkScope(scope);
      await call("classification.recordDecision", { path: { job_id }, body: { confirmed_status, ...scope }, signal });
      return { job_id, confirmed_status, scope: definedOnly(scope), recorded: true };
    },
  }),

  defineTool({
    name: "get_job_decisions",
    title: "List review decisions",
    description: "List a job's review decisions, optionally within a scope.",
    toolset: "classification",
    input: { job_id: jobId, ...scopeFields, ...paging },
    annotations: READ,
    operations: ["classification.listDecisions"],
    output: responseBody("classification.listDecisions"),
    async handler(args, { call, signal }) {
      const { job_id, database, schema, table, column, limit } = args;
      checkScope({ database, schema, table, column });
      const page = await paginateTokens<Decision>({
        start: args.page_token,
        maxPages: args.all_pages === true ? MAX_PAGES : 1,
        fetch: async (token) => {
          const body = await call("classification.listDecisions", { path: { job_id }, query: { database, schema, table, column, limit, page_token: token }, signal });
          return { items: body.decisions, next: body.next_page_token };
        },
      });
      return { decisions: page.items, next_page_token: page.next };
    },
  }),

  defineTool({
    name: "revoke_job_decisions",
    title: "Revoke review decisions",
    description:
      "Revoke the one decision recorded at exactly this scope (none = the job-level decision).",
    toolset: "classification",
    input: { job_id: jobId, ...scopeFields, classifier_name: name.optional() },
    annotations: REMOVE,
    operations: ["classification.revokeDecisions"],
    output: objectOf({ job_id: S.string, scope: scopeOutput, revoked: S.boolean }),
    async handler({ job_id, ...scope }, { call, signal }) {
      checkScope(scope);
      // ALTR reads the scope from a JSON body (a DELETE with a body), not from the query string.
      await call("classification.revokeDecisions", { path: { job_id }, body: definedOnly(scope), signal });
      return { job_id, scope: definedOnly(scope), revoked: true };
    },
  }),

  defineTool({
    name: "get_job_review_status",
    title: "Review progress of a job",
    description: "Count a job's findings by review state.",
    toolset: "classification",
    input: { job_id: jobId },
    annotations: READ,
    operations: ["classification.getReviewStatus"],
    output: responseBody("classification.getReviewStatus"),
    async handler({ job_id }, { call, signal }) {
      return call("classification.getReviewStatus", { path: { job_id }, signal });
    },
  }),
];

function definedOnly<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
