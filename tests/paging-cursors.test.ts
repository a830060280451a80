/**
 * Every paginated tool hands ALTR the cursor of the page it just read, exactly as the document
 * names it. The list of tools is derived, not written down: a tool is paginated when one of the
 * operations in its `operations` (the tool table) documents a cursor query parameter in
 * openapi/*.yaml (exclusive_start_key, contiguous_id, page_token, next_page_token, cursor,
 * offset). A new paginated tool without a case below fails the first test.
 *
 * The stub answers BY THE CURSOR IT RECEIVES: no cursor → page 1 (with a cursor to continue);
 * page 1's cursor, byte for byte → page 2 (the last); anything else → an empty page. A tool that
 * drops or mangles its cursor therefore sees page 1 again or nothing, and the assertion on the
 * second request names the difference. Behaviour only: tools/call through the in-process harness.
 */
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { OPERATIONS, type OperationKey } from "../src/generated/operations.js";
import { ALL_TOOLS } from "../src/tools/index.js";
import { envelope } from "./helpers/harness.js";
import { h, queryOf, stub, useStubHarness } from "./helpers/stub-harness.js";
import type { StubRequest } from "./helpers/stub.js";

useStubHarness();

/** Query parameters ALTR's documents use to ask for a further page. */
const CURSOR_PARAMS = ["exclusive_start_key", "contiguous_id", "page_token", "next_page_token", "cursor", "offset"] as const;
type CursorParam = (typeof CURSOR_PARAMS)[number];
/** Any documented query parameter whose name looks like a cursor must be one of the above. */
// checkin_after is a time filter (telemetry), not a cursor.
const CURSOR_LIKE = /cursor|token|offset|start_key|contiguous|continu|marker|(?<!checkin_)after/i;

/** The tool input that continues a listing, and the result field that feeds it. */
const RESUME: Record<CursorParam, string> = {
  exclusive_start_key: "next_start_key",
  contiguous_id: "contiguous_id",
  page_token: "next_page_token",
  next_page_token: "next_page_token",
  cursor: "next_cursor",
  offset: "next_offset",
};

/** A cursor value that survives only exact, once-only encoding. */
const TOKEN = "tok/2 +=&?é#%";

interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: Schema | boolean;
}
interface Param {
  name: string;
  in: string;
}
interface OpenApiDoc {
  paths: Record<string, Record<string, { operationId?: string; parameters?: (Param | { $ref: string })[] }>>;
  components?: { parameters?: Record<string, Param> };
}

const SERVICE_OF_FILE = (file: string) => file.replace(/\.yaml$/, "").replace(/-/g, "_");

/** Documented query parameter names of every operation, keyed like OPERATIONS. */
function documentedQueryParams(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const dir = new URL("../openapi/", import.meta.url);
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".yaml"))) {
    const doc = parse(readFileSync(new URL(file, dir), "utf8")) as OpenApiDoc;
    const resolve = (p: Param | { $ref: string }): Param =>
      "$ref" in p ? doc.components!.parameters![p.$ref.split("/").pop()!]! : p;
    for (const item of Object.values(doc.paths)) {
      const shared = (item.parameters as unknown as (Param | { $ref: string })[] | undefined) ?? [];
      for (const [method, op] of Object.entries(item)) {
        if (!["get", "post", "put", "patch", "delete"].includes(method) || !op.operationId) continue;
        const names = [...shared, ...(op.parameters ?? [])].map(resolve).filter((p) => p.in === "query").map((p) => p.name);
        out.set(`${SERVICE_OF_FILE(file)}.${op.operationId}`, names);
      }
    }
  }
  return out;
}

const QUERY_PARAMS = documentedQueryParams();
const cursorParamOf = (op: OperationKey): CursorParam | undefined =>
  CURSOR_PARAMS.find((p) => QUERY_PARAMS.get(op)?.includes(p));
/**
 * Tools that page: one of their operations takes a documented cursor. Tools that go through the
 * confirmation gate (destructive, or asking before they expose data) read a paged operation only
 * in their bounded confirmation look-up (e.g. a policy's rules before deleting it): not paging.
 */
const PAGED_TOOLS = ALL_TOOLS.filter(
  (t) => !t.annotations.destructiveHint && !t.asks && t.operations.some((op) => cursorParamOf(op) !== undefined),
).map((t) => t.name);

interface Case {
  args?: Record<string, unknown>;
  /** The paged operation exercised, when the tool has several. */
  op?: OperationKey;
  /** The cursor on the wire when it differs from what ALTR sent (e.g. a JSON-encoded key). */
  wire?: string;
  /** The tool makes one filtered look-up and does not page: the reason. */
  lookup?: string;
  /** Other reads the tool makes on its way to the paged one (one page each). */
  also?: { path: RegExp; body: unknown }[];
}

const JOB = "0f8fad5b-d9cb-469f-a165-70867728950e";
const AGENT = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
const CASES: Record<string, Case> = {
  get_databases: {},
  get_database_id: { args: { database_name: "page1-item0" }, lookup: "one request filtered by friendlyDatabaseName" },
  get_roles: {},
  get_tags: {},
  get_tag_values: { args: { tag_name: "PII" } },
  connect_tag: {
    args: { database_name: "page1-item0", schema_name: "PUBLIC", tag_name: "PII" },
    lookup: "one request filtered by friendlyDatabaseName before the PUT",
  },
  get_policies: { args: { policy_type: "TAG" }, wire: JSON.stringify({ policy_id: TOKEN }) },
  get_rules: { args: { policy_id: "TAG#PII" }, wire: JSON.stringify({ policy_id: TOKEN }) },
  get_classifiers: {},
  get_collections: {},
  get_collection_classifiers: { args: { collection_name: "PII" } },
  list_altr_managed_classifiers: {},
  get_jobs: {},
  get_active_jobs: {},
  get_job_findings: { args: { job_id: JOB } },
  get_job_findings_schemas: { args: { job_id: JOB, database: "DB" } },
  get_job_findings_tables: { args: { job_id: JOB, database: "DB", schema: "S" } },
  get_job_findings_columns: { args: { job_id: JOB, database: "DB", schema: "S", table: "T" } },
  get_job_findings_classifiers: { args: { job_id: JOB, database: "DB", schema: "S", table: "T", column: "C" } },
  // The whole tree: one database, schema and table on the way to the paged columns.
  get_job_classified_columns: {
    args: { job_id: JOB },
    op: "classification.listFindingColumns",
    also: [
      { path: /\/findings$/, body: { items: [{ name: "DB" }], next_page_token: null } },
      { path: /\/schemas$/, body: { items: [{ name: "S" }], next_page_token: null } },
      { path: /\/tables$/, body: { items: [{ name: "T" }], next_page_token: null } },
    ],
  },
  get_job_decisions: { args: { job_id: JOB } },
  get_access_requests: { wire: TOKEN },
  search_audits: {},
  get_audit_results: { args: { search_uuid: JOB } },
  search_query_audits: {},
  get_query_audit_results: { args: { search_uuid: JOB } },
  search_system_audits: { args: { category: "Data" } },
  get_agent_instances: { args: { agent_id: AGENT } },
  get_agent_task_telemetry: { args: { agent_id: AGENT } },
  get_sidecar_instances: { args: { sidecar_id: AGENT } },
  list_sc_agents: {},
  list_sc_agent_tasks: { args: { agent_id: AGENT } },
  list_sc_repos: {},
  list_sc_repo_users: { args: { repo_name: "orders" } },
  list_sc_service_users: { args: { repo_name: "orders" }, op: "sc_control.listRepoServiceUsers" },
  list_sc_sidecars: {},
  list_sc_sidecar_listeners: { args: { sidecar_id: AGENT } },
  list_sc_sidecar_bindings: { args: { sidecar_id: AGENT } },
  list_sc_repo_bindings: { args: { repo_name: "orders" } },
  list_report_definitions: {},
  list_report_instances: { args: { definition_id: "def-1" } },
  list_report_comments: { args: { definition_id: "def-1", instance_id: "inst-1" } },
  list_report_sign_offs: { args: { definition_id: "def-1", instance_id: "inst-1" } },
  get_service_users: {},
  list_tweaks: {},
  list_keys: { args: { namespace: "ns" } },
};

const isType = (s: Schema | undefined, t: string) => s !== undefined && (Array.isArray(s.type) ? s.type.includes(t) : s.type === t);

/** One list item shaped by the documented item schema: every string field carries `marker`. */
function itemFor(schema: Schema | undefined, marker: string, n: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema?.properties ?? {})) {
    if (isType(v, "string")) out[k] = marker;
    else if (isType(v, "integer") || isType(v, "number")) out[k] = n;
    else if (isType(v, "boolean")) out[k] = false;
  }
  return Object.keys(out).length > 0 ? out : { id: marker, rule_id: marker, name: marker };
}

const PER_PAGE = { 1: 3, 2: 2 } as const;
const TOTAL = PER_PAGE[1] + PER_PAGE[2];

/**
 * A page as the operation documents it: its list (`page` 0 is an empty page), the cursor field
 * it documents set to `next` (null on the last page), and the count / has_more / moreData flags
 * that offset listings read.
 */
function pageBody(op: OperationKey, page: 0 | 1 | 2, next: unknown): unknown {
  // An answer documented as "a bare list, or a page object with a cursor" (get_service_users):
  // the page object is the branch that pages.
  const documented = OPERATIONS[op].response as Schema & { oneOf?: Schema[]; anyOf?: Schema[] };
  const root = (documented.oneOf ?? documented.anyOf)?.find((b) => isType(b, "object")) ?? documented;
  const count = page === 0 ? 0 : PER_PAGE[page];
  const fill = (container: Schema): Record<string, unknown> => {
    const props = container.properties ?? {};
    const body: Record<string, unknown> = {};
    const listKey = Object.keys(props).find((k) => isType(props[k], "array") && props[k]!.items?.properties);
    const mapKey = Object.keys(props).find((k) => typeof props[k]!.additionalProperties === "object");
    const items = Array.from({ length: count }, (_, i) => itemFor(listKey ? props[listKey]!.items : undefined, `page${page}-item${i}`, page * 100 + i));
    if (listKey) body[listKey] = items;
    else if (mapKey) body[mapKey] = Object.fromEntries(items.map((it, i) => [`hash-${page}-${i}`, [it]]));
    for (const field of ["contiguous_id", "next_page_token", "next_cursor", "last_evaluated_key"]) {
      if (field in props) body[field] = next;
    }
    if ("count" in props) body.count = TOTAL;
    if ("has_more" in props) body.has_more = next !== null;
    if ("moreData" in props) body.moreData = next !== null;
    if ("totals" in props) body.totals = { tagCount: TOTAL };
    if ("token" in props) body.token = "query-token";
    return body;
  };
  const data = root.properties?.data;
  if (data?.properties) return { success: true, data: fill(data) };
  if (isType(data, "array")) {
    // A bare list under `data`, the key beside it (listAccessRequests).
    const items = Array.from({ length: count }, (_, i) => itemFor(data!.items, `page${page}-item${i}`, page * 100 + i));
    return { success: true, data: items, last_evaluated_key: next };
  }
  return fill(root);
}

/** The value ALTR puts in page 1's body to say "continue from here". */
function firstCursor(op: OperationKey, param: CursorParam): unknown {
  if (param === "offset") return "more";
  if (param === "exclusive_start_key") {
    const data = (OPERATIONS[op].response as Schema).properties?.data;
    return isType(data, "array") ? { id: TOKEN } : { policy_id: TOKEN };
  }
  return TOKEN;
}

const pathPattern = (path: string) => new RegExp(`^${path.replace(/\{[^}]+\}/g, "[^/]+")}$`);
const pathOf = (r: StubRequest) => r.url.split("?")[0]!;

describe("paging cursors: every paginated tool sends page 1's cursor exactly as the document names it", () => {
  it("the paginated tools are derived from the tool table and the documents, and each has a case", () => {
    // Guard the derivation: a documented cursor under a new name must be added to CURSOR_PARAMS.
    const unknown = [...QUERY_PARAMS.entries()].flatMap(([op, names]) =>
      names.filter((n) => CURSOR_LIKE.test(n) && !(CURSOR_PARAMS as readonly string[]).includes(n)).map((n) => `${op}?${n}`),
    );
    expect(unknown).toEqual([]);
    expect(PAGED_TOOLS.length).toBeGreaterThanOrEqual(40);
    expect(Object.keys(CASES).sort()).toEqual([...PAGED_TOOLS].sort());
  });

  it.each(Object.keys(CASES))("%s", async (tool) => {
    const c = CASES[tool]!;
    const def = ALL_TOOLS.find((t) => t.name === tool)!;
    const op = c.op ?? def.operations.find((o) => cursorParamOf(o) !== undefined)!;
    const param = cursorParamOf(op)!;
    const info = OPERATIONS[op];
    const route = pathPattern(info.path);
    const next1 = firstCursor(op, param);
    const wire = param === "offset" ? String(PER_PAGE[1]) : (c.wire ?? (typeof next1 === "string" ? next1 : JSON.stringify(next1)));
    const isFirst = (v: string | undefined) => v === undefined || (param === "offset" && v === "0");
    for (const a of c.also ?? []) stub.route("GET", a.path, { status: 200, body: a.body });
    stub.route(info.method, route, {
      status: 200,
      bodyFrom: (req) => {
        const got = queryOf(req)[param];
        if (isFirst(got)) return pageBody(op, 1, next1);
        return got === wire ? pageBody(op, 2, null) : pageBody(op, 0, null);
      },
    });
    // Everything else the tool may ask (e.g. connect_tag's PUT) succeeds with an empty body.
    stub.route("PUT", /./, { status: 201, body: {} });

    const listed = (await h.client.listTools()).tools.find((t) => t.name === tool)!;
    const inputs = Object.keys(listed.inputSchema.properties ?? {});
    const args = { ...c.args, ...(inputs.includes("all_pages") ? { all_pages: true } : {}) };
    const first = await h.call(tool, args);
    const env1 = envelope(first);
    expect(env1.success, JSON.stringify(env1.error)).toBe(true);
    const pages = () => stub.requests.filter((r) => r.method === info.method && route.test(pathOf(r)));

    if (c.lookup) {
      // Not a listing: one filtered request, no cursor.
      expect(pages()).toHaveLength(1);
      expect(queryOf(pages()[0]!)[param]).toBeUndefined();
      return;
    }
    const texts = [JSON.stringify(env1.data)];
    if (pages().length === 1) {
      // One page per call: continue with what the tool handed back (or, for a search that only
      // starts at an offset, with page 1's offset).
      const resume = (CURSOR_PARAMS as readonly string[]).find((p) => inputs.includes(p)) as CursorParam;
      expect(resume, `${tool} reads one page per call but has no cursor input`).toBeDefined();
      const handedBack = (env1.data as Record<string, unknown>)[RESUME[resume]];
      const value = handedBack ?? (resume === "offset" ? PER_PAGE[1] : undefined);
      expect(value, `${tool} returned no ${RESUME[resume]}`).toBeDefined();
      const second = envelope(await h.call(tool, { ...c.args, [resume]: value }));
      expect(second.success, JSON.stringify(second.error)).toBe(true);
      texts.push(JSON.stringify(second.data));
    }
    const sent = pages();
    expect(sent).toHaveLength(2);
    expect(isFirst(queryOf(sent[0]!)[param])).toBe(true);
    // The assertion that matters: page 2 was asked for with page 1's cursor, exactly.
    expect(queryOf(sent[1]!)[param]).toBe(wire);
    // Both pages reached the caller (where the tool returns the list; searches return an id).
    const all = texts.join("\n");
    if (all.includes("page1-item0")) expect(all).toContain("page2-item0");
  });
});
