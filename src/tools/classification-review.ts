/** Classification findings tree (database → schema → table → column → classifier) and review decisions. */
import { z } from "zod";
import type { components } from "../generated/classification.js";
import { S, objectOf } from "../schema/json-schema.js";
import { defineTool, InputError, responseBody, type Tool } from "./define.js";
import { cursor, MAX_PAGES, READ, REMOVE } from "./common.js";
import { allPages, checkScope, classifierNameFilter, confirmedStatusFilter, jobId, name, nonEmpty, objectName, pageSize } from "./classification-shared.js";
import { paginateTokens, type CallScope } from "../altr/paginate.js";
import { deleteOnce, DELETE_OUTCOME, outcome } from "./deletes.js";

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
  scope: CallScope | undefined,
  args: { page_token?: string | undefined; all_pages?: boolean | undefined },
  get: (token: string | undefined) => Promise<{ items?: Row[]; next_page_token?: string | null }>,
): Promise<{ items: Row[]; next_page_token: string | null }> {
  const page = await paginateTokens<Row>({
    scope,
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

/** One classified column of the whole findings tree (get_job_classified_columns). */
interface ClassifiedColumn {
  database: string;
  schema: string;
  table: string;
  column: string;
  classifier_names?: string[];
  column_status?: string;
  confirmed_status?: string;
  findings_count?: number;
  match_rate_avg?: number;
  is_new?: boolean;
}

/** Most findings requests one get_job_classified_columns call sends (every level's pages together). */
export const TREE_MAX_REQUESTS = 40;
/** Rows per page asked of each findings level while walking the tree. */
const TREE_PAGE_SIZE = 200;

/**
 * Where a walk of the findings tree stands: one frame per level entered (databases, schemas,
 * tables, columns). `a`: the page token that fetched the frame's current page (absent for the
 * first page); `s`: items of that page already done. `n[i]`: the name frame i is inside.
 * The job and the filters are bound in (`j`, `q`): a cursor is only valid for the same call.
 */
interface TreeCursor {
  j: string;
  q: string;
  n: string[];
  f: { a?: string; s: number }[];
}
const isTreeCursor = (v: unknown): v is TreeCursor => {
  if (v === null || typeof v !== "object") return false;
  const c = v as TreeCursor;
  return (
    typeof c.j === "string" &&
    typeof c.q === "string" &&
    Array.isArray(c.n) &&
    c.n.every((x) => typeof x === "string" && x.length > 0) &&
    Array.isArray(c.f) &&
    c.f.length >= 1 &&
    c.f.length <= 4 &&
    c.n.length === c.f.length - 1 &&
    c.f.every((x) => x !== null && typeof x === "object" && Number.isSafeInteger(x.s) && x.s >= 0 && (x.a === undefined || (typeof x.a === "string" && x.a.length > 0)))
  );
};

/** A frame of the walk, with its current page once read. */
interface Frame {
  a?: string;
  s: number;
  items?: Row[];
  next?: string | null;
}

const pick = (row: Row, path: readonly string[]): ClassifiedColumn => {
  const out: ClassifiedColumn = { database: path[0]!, schema: path[1]!, table: path[2]!, column: row.name ?? "" };
  if (Array.isArray(row.classifier_names)) out.classifier_names = row.classifier_names;
  if (typeof row.column_status === "string") out.column_status = row.column_status;
  if (typeof row.confirmed_status === "string") out.confirmed_status = row.confirmed_status;
  if (typeof row.findings_count === "number") out.findings_count = row.findings_count;
  if (typeof row.match_rate_avg === "number") out.match_rate_avg = row.match_rate_avg;
  if (typeof row.is_new === "boolean") out.is_new = row.is_new;
  return out;
};

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
    async handler(args, { call, signal, scope }) {
      return findings(scope, args, (token) =>
        call("classification.listFindingDatabases", { path: { job_id: args.job_id }, query: { ...findingsQuery(args, token), include_column_status_counts: args.include_column_status_counts }, signal }),
      );
    },
  }),

  defineTool({
    name: "get_job_classified_columns",
    title: "Job findings: every classified column",
    description:
      "Every detected column of a job (all databases, schemas, tables) in one bounded call; continue with next_cursor.",
    toolset: "classification",
    input: {
      job_id: jobId,
      limit: pageSize(1000).describe("Most columns returned (default 200)."),
      cursor: z.string().min(1).max(4096).optional().describe("next_cursor of a previous answer."),
      ...filters,
    },
    annotations: READ,
    operations: [
      "classification.listFindingDatabases",
      "classification.listFindingSchemas",
      "classification.listFindingTables",
      "classification.listFindingColumns",
    ],
    output: objectOf({
      job_id: S.string,
      columns: S.arrayOf(
        objectOf({ database: S.string, schema: S.string, table: S.string, column: S.string, classifier_names: S.arrayOf(S.string), column_status: S.string, confirmed_status: S.string }),
      ),
      count: S.integer,
      complete: S.boolean,
      next_cursor: S.nullableString,
      message: S.string,
    }),
    async handler(args, { call, signal }) {
      const { job_id } = args;
      const limit = args.limit ?? 200;
      const bind = JSON.stringify([args.classifier_name ?? null, args.confirmed_status ?? null]);
      let names: string[] = [];
      let frames: Frame[] = [{ s: 0 }];
      if (args.cursor !== undefined) {
        const c = cursor.decode(args.cursor, isTreeCursor);
        if (!c || c.j !== job_id || c.q !== bind) throw new InputError("cursor: not a next_cursor of this tool for the same job_id and filters", ["cursor"]);
        names = c.n;
        frames = c.f.map((f) => ({ ...(f.a ? { a: f.a } : {}), s: f.s }));
      }
      const level = (depth: number, token: string | undefined) => {
        const query = { ...findingsQuery({ ...args, limit: TREE_PAGE_SIZE }, token) };
        const [database, schema, table] = names as [string, string, string];
        switch (depth) {
          case 0:
            return call("classification.listFindingDatabases", { path: { job_id }, query, signal });
          case 1:
            return call("classification.listFindingSchemas", { path: { job_id, database }, query, signal });
          case 2:
            return call("classification.listFindingTables", { path: { job_id, database, schema }, query, signal });
          default:
            return call("classification.listFindingColumns", { path: { job_id, database, schema, table }, query, signal });
        }
      };
      const columns: ClassifiedColumn[] = [];
      let requests = 0;
      let stopped: string | undefined;
      // Depth first: the top frame's current item is entered (or, at the column level, returned).
      while (frames.length > 0) {
        if (columns.length >= limit) {
          stopped = `limit ${limit} reached`;
          break;
        }
        const depth = frames.length - 1;
        const top = frames[depth]!;
        if (top.items === undefined) {
          if (requests >= TREE_MAX_REQUESTS) {
            stopped = `${TREE_MAX_REQUESTS} requests sent (the most one call sends)`;
            break;
          }
          requests++;
          const body = await level(depth, top.a);
          top.items = body.items ?? [];
          top.next = body.next_page_token ?? null;
        }
        if (top.s >= top.items.length) {
          // The page is done: its next page, or back up to the parent's next item.
          if (top.next && top.next !== top.a) {
            frames[depth] = { a: top.next, s: 0 };
            continue;
          }
          frames.pop();
          names = names.slice(0, frames.length - 1 < 0 ? 0 : frames.length - 1);
          if (frames.length > 0) frames[frames.length - 1]!.s++;
          continue;
        }
        const item = top.items[top.s]!;
        if (depth === 3) {
          if (typeof item.name === "string" && item.name) columns.push(pick(item, names));
          top.s++;
        } else if (typeof item.name === "string" && item.name) {
          names = [...names.slice(0, depth), item.name];
          frames.push({ s: 0 });
        } else {
          top.s++;
        }
      }
      const next =
        frames.length > 0
          ? cursor.encode({ j: job_id, q: bind, n: names, f: frames.map((f) => ({ ...(f.a ? { a: f.a } : {}), s: f.s })) } satisfies TreeCursor)
          : null;
      return {
        job_id,
        columns,
        count: columns.length,
        complete: next === null,
        next_cursor: next,
        message:
          next === null
            ? `every classified column of the job (${columns.length}${args.cursor ? " in this part" : ""})`
            : `${columns.length} columns; ${stopped}: call again with cursor next_cursor for the rest`,
      };
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
    async handler(args, { call, signal, scope }) {
      return findings(scope, args, (token) =>
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
    async handler(args, { call, signal, scope }) {
      return findings(scope, args, (token) =>
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
    async handler(args, { call, signal, scope }) {
      return findings(scope, args, (token) =>
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
    async handler(args, { call, signal, scope }) {
      return findings(scope, args, (token) =>
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
    async handler(args, { call, signal, scope }) {
      const { job_id, database, schema, table, column, limit } = args;
      checkScope({ database, schema, table, column });
      const page = await paginateTokens<Decision>({
        scope,
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
    output: objectOf({ job_id: S.string, scope: scopeOutput, revoked: S.boolean, ...DELETE_OUTCOME }),
    async handler({ job_id, ...scope }, { call, signal }) {
      checkScope(scope);
      // ALTR reads the scope from a JSON body (a DELETE with a body), not from the query string.
      const done = await deleteOnce(call("classification.revokeDecisions", { path: { job_id }, body: definedOnly(scope), signal }), { what: "decision", list: "get_job_decisions" });
      return { job_id, scope: definedOnly(scope), revoked: done.changed, ...outcome(done) };
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
