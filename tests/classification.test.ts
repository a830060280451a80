/**
 * Classification tools against a local stub standing in for ALTR: invalid input never reaches
 * ALTR, paging is one page by default and bounded otherwise, errors are errors, the wire format
 * (repeated query keys, booleans, percent-encoding, discriminators) is exact, and the report
 * download goes to the presigned URL without ALTR credentials.
 */
import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { downloadPresigned, fetchPresigned } from "../src/altr/presigned.js";
import { MAX_PAGES } from "../src/tools/common.js";
import { ALL_TOOLS } from "../src/tools/index.js";
import { baseUrlsFrom, connect, envelope, TEST_KEY, TEST_SECRET, type Harness } from "./helpers/harness.js";
import { startStub, type Stub, type StubRequest } from "./helpers/stub.js";
import { describeInvalidInput, h, stub, useStubHarness } from "./helpers/stub-harness.js";

const JOB = "3f8c2a91-5b7d-4e26-9c1a-7d4e8b2f6a10";
const AGENT = "c5750de6-170d-46d3-a9bc-b5f7ba032ad0";
const FINDINGS = `/v1/jobs/${JOB}/findings`;

useStubHarness();

const query = (r: StubRequest) => new URL(r.url, "http://x").searchParams;
const path = (r: StubRequest) => r.url.split("?")[0]!;
const data = async (tool: string, args: Record<string, unknown> = {}, harness = h) => {
  const res = await harness.call(tool, args);
  const env = envelope(res);
  expect(env.error, JSON.stringify(env.error)).toBeNull();
  return env.data as Record<string, unknown>;
};

const leaf = { target: "METADATA", comparator: "contains", pattern: "ssn" };
const ruleset = (conditions: unknown[], operator = "AND") => ({ classifier_name: "c", compound_ruleset: { operator, conditions } });
const nest = (depth: number): unknown => (depth === 0 ? leaf : { operator: "OR", conditions: [nest(depth - 1)] });

const INVALID: [tool: string, args: Record<string, unknown>, field: string][] = [
  // Classifiers and rulesets
  ["get_classifier", {}, "classifier_name"],
  ["get_classifier", { classifier_name: "  " }, "classifier_name"],
  ["get_classifiers", { contiguous_id: "" }, "contiguous_id"],
  ["get_classifiers", { all_pages: "yes" }, "all_pages"],
  ["create_classifier", { classifier_name: "c" }, "pattern, compound_ruleset"],
  ["create_classifier", { classifier_name: "c", pattern: "x", minimum_threshold: 101 }, "minimum_threshold"],
  ["create_classifier", { classifier_name: "c", pattern: "x", sample_size: 0 }, "sample_size"],
  ["create_classifier", { classifier_name: "c", compound_ruleset: [leaf] }, "compound_ruleset"],
  ["create_classifier", { classifier_name: "c", compound_ruleset: "{not json" }, "compound_ruleset"],
  ["create_classifier", { classifier_name: "c", compound_ruleset: {} }, "compound_ruleset.operator"],
  ["create_classifier", ruleset([leaf], "XOR"), "compound_ruleset.operator"],
  ["create_classifier", ruleset([]), "compound_ruleset.conditions"],
  ["create_classifier", ruleset([{ target: "REGEX", pattern: "x" }]), "compound_ruleset.conditions[0].target"],
  ["create_classifier", ruleset([{ target: "METADATA" }]), "compound_ruleset.conditions[0].pattern"],
  ["create_classifier", ruleset([{ ...leaf, comparator: "greater_than" }]), "compound_ruleset.conditions[0].comparator"],
  ["create_classifier", ruleset([{ ...leaf, info_type: "EMAIL_ADDRESS" }]), "compound_ruleset.conditions[0].info_type"],
  ["create_classifier", ruleset([leaf, { operator: "OR", conditions: [{ target: "ROW_DATA" }] }]), "compound_ruleset.conditions[1].conditions[0].pattern"],
  ["create_classifier", ruleset([{ operator: "OR", conditions: [leaf], colour: "red" }]), "compound_ruleset.conditions[0].colour"],
  ["create_classifier", ruleset([{ negated: true }]), "compound_ruleset.conditions[0]"],
  ["create_classifier", ruleset(["METADATA"]), "compound_ruleset.conditions[0]"],
  ["create_classifier", ruleset([{ target: "ROW_DATA", pattern: "x", minimum_threshold: 0 }]), "compound_ruleset.conditions[0].minimum_threshold"],
  ["create_classifier", ruleset([{ target: "COLUMN_LOCATION", location: { table: "t", column: "ssn" } }]), "compound_ruleset.conditions[0].location.column"],
  ["create_classifier", ruleset([{ target: "COLUMN_LOCATION" }]), "compound_ruleset.conditions[0].location"],
  ["create_classifier", ruleset([{ target: "GDLP", info_type: "EMAIL_ADDRESS", minimum_likelihood: "SURE" }]), "compound_ruleset.conditions[0].minimum_likelihood"],
  ["create_classifier", ruleset([{ target: "SNOWFLAKE_NATIVE" }]), "compound_ruleset.conditions[0]: a SNOWFLAKE_NATIVE condition needs"],
  ["create_classifier", ruleset([{ target: "CONTENT_TYPE", content_formats: ["JSON", "EXE"] }]), "compound_ruleset.conditions[0].content_formats[1]"],
  ["create_classifier", ruleset([{ target: "CONTENT_TYPE" }]), "compound_ruleset.conditions[0]: a CONTENT_TYPE condition needs"],
  ["create_classifier", ruleset([{ target: "DATA_LENGTH", length: 10 }]), "compound_ruleset.conditions[0].comparator"],
  ["create_classifier", ruleset([{ target: "DATA_LENGTH", length: -1, comparator: "less_than" }]), "compound_ruleset.conditions[0].length"],
  ["create_classifier", ruleset([{ target: "COLUMN_SIZE", size: 9, comparator: "equals", minimum_threshold: 50 }]), "compound_ruleset.conditions[0].minimum_threshold"],
  ["create_classifier", ruleset([{ target: "AMAZON_COMPREHEND", entity_type: "SSN", minimum_score: 2 }]), "compound_ruleset.conditions[0].minimum_score"],
  ["create_classifier", ruleset([{ ...leaf, tags: ["Type:SSN"] }]), "compound_ruleset.conditions[0].tags[0]"],
  ["create_classifier", ruleset([{ ...leaf, tags: ["altr:pii"] }]), "compound_ruleset.conditions[0].tags[0]"],
  ["create_classifier", ruleset([{ ...leaf, negated: "yes" }]), "compound_ruleset.conditions[0].negated"],
  ["create_classifier", ruleset([nest(5)]), "groups nest more than 4 levels"],
  ["update_classifier", { classifier_name: "c" }, "Nothing to update"],
  ["update_classifier", { classifier_name: "c", pattern: "", compound_ruleset: {} }, "cannot clear both"],
  ["update_classifier", { classifier_name: "c", compound_ruleset: { operator: "AND" } }, "compound_ruleset.conditions"],
  ["delete_classifier", { classifier_name: "" }, "classifier_name"],
  // Collections
  ["get_collections", { contiguous_id: 5 }, "contiguous_id"],
  ["get_collection", { collection_name: ["a"] }, "collection_name"],
  ["create_collection", { description: "x" }, "collection_name"],
  ["delete_collection", {}, "collection_name"],
  ["import_altr_managed_classifiers", { force: true }, "force"],
  ["get_altr_managed_timestamp", { collection: "x" }, "collection"],
  ["update_collection", { collection_name: "c" }, "description"],
  ["add_classifiers_to_collection", { collection_name: "c", classifier_names: [] }, "classifier_names"],
  ["add_classifiers_to_collection", { collection_name: "c", classifier_names: ["a", " "] }, "classifier_names[1]"],
  ["remove_classifiers_from_collection", { collection_name: "c", classifier_names: 7 }, "classifier_names"],
  ["get_collection_classifiers", { collection_name: "c", limit: 101 }, "limit"],
  ["list_altr_managed_classifiers", { limit: 0 }, "limit"],
  // Jobs
  ["get_jobs", { status: "DONE" }, "status"],
  ["get_jobs", { job_type: "RECLASSIFICATION" }, "job_type"],
  ["get_jobs", { classification_type: 7 }, "classification_type"],
  ["get_jobs", { database_id: 0 }, "database_id"],
  ["get_jobs", { agent_id: "agent-1" }, "agent_id"],
  ["get_jobs", { limit: 51 }, "limit"],
  ["get_jobs", { order: "up" }, "order"],
  ["get_active_jobs", { database_id: "42" }, "database_id"],
  ["get_active_jobs", { agent_id: "c5750de6" }, "agent_id"],
  ["get_job", { job_id: "j1" }, "job_id"],
  ["get_job_summary", {}, "job_id"],
  ["create_job", { database_id: 42, collection_name: "c" }, "job_type"],
  ["create_job", { job_type: "FULL", database_id: 42 }, "collection_name"],
  ["create_job", { job_type: "FULL", database_id: 42, collection_name: "c", condition_types: ["METADATA", "GDLP"] }, "condition_types[1]"],
  ["create_job", { job_type: "FULL", database_id: 42, collection_name: "c", condition_types: ["GDLP"] }, "use create_gdlp_job"],
  ["create_gdlp_job", { database_id: 42, sample_type: "BYTES" }, "sample_type"],
  ["create_gdlp_job", { database_id: 42, sample_size: 0 }, "sample_size"],
  ["create_gdlp_job", { database_id: 42, condition_types: { GDLP: true } }, "condition_types"],
  ["create_gdlp_job", { collection_name: "c" }, "database_id"],
  ["create_databricks_job", { database_id: 57, condition_types: "NOPE" }, "condition_types[0]"],
  ["create_databricks_job", { collection_name: "c" }, "database_id"],
  ["create_oltp_job", { repo_name: "r", service_user_name: "s", collection_name: "c" }, "agent_id"],
  ["create_oltp_job", { agent_id: AGENT, repo_name: "r", service_user_name: "s" }, "collection_name"],
  ["create_oltp_job", { agent_id: AGENT, repo_name: "r", service_user_name: "s", classification_type: 7 }, "classification_type"],
  ["create_oltp_job", { agent_id: AGENT, repo_name: "r", service_user_name: "s", classification_type: 6, sample_strategy: "METADATA" }, "sample_strategy"],
  ["create_oltp_job", { agent_id: AGENT, repo_name: "r", service_user_name: "s", collection_name: "c", sample_strategy: "ROW_COUNT" }, "sample_strategy"],
  ["create_oltp_job", { agent_id: AGENT, repo_name: "r", service_user_name: "s", collection_name: "c", sid: "ORCL", service_name: "orcl" }, "sid, service_name"],
  ["create_oltp_job", { agent_id: AGENT, repo_name: "r", service_user_name: "s", collection_name: "c", condition_types: ["SNOWFLAKE_NATIVE"] }, "condition_types[0]"],
  ["create_oltp_job", { agent_id: AGENT, repo_name: "r", service_user_name: "s", collection_name: "c", sample_size: 0 }, "sample_size"],
  ["create_oltp_job", { agent_id: AGENT, repo_name: "r", service_user_name: "s", collection_name: "c", sample_type: "BYTES" }, "sample_type"],
  ["create_oltp_job", { agent_id: AGENT, repo_name: "", service_user_name: "s", collection_name: "c" }, "repo_name"],
  ["update_job_status", { job_id: JOB, status: "STOPPED" }, "status"],
  ["update_job_status", { job_id: JOB }, "status"],
  ["get_classification_report", { job_id: "report-1" }, "job_id"],
  // Findings and review
  ["get_job_findings", { job_id: JOB, confirmed_status: "maybe" }, "confirmed_status[0]"],
  ["get_job_findings", { job_id: JOB, confirmed_status: ["pending", "later"] }, "confirmed_status[1]"],
  ["get_job_findings", { job_id: JOB, include_column_status_counts: "true" }, "include_column_status_counts"],
  ["get_job_findings", { job_id: JOB, limit: 1001 }, "limit"],
  ["get_job_findings", { job_id: JOB, classifier_name: [""] }, "classifier_name[0]"],
  ["get_job_findings_schemas", { job_id: JOB, database: "" }, "database"],
  ["get_job_findings_tables", { job_id: JOB, database: "D" }, "schema"],
  ["get_job_findings_columns", { job_id: JOB, database: "D", schema: "S" }, "table"],
  ["get_job_classified_columns", { job_id: "j1" }, "job_id"],
  ["get_job_classified_columns", { job_id: JOB, limit: 1001 }, "limit"],
  ["get_job_classified_columns", { job_id: JOB, cursor: "" }, "cursor"],
  ["get_job_findings_classifiers", { job_id: JOB, database: "D", schema: "S", table: "T" }, "column"],
  ["get_job_findings_lineage", { job_id: JOB, database: "D", schema: "S", table: "T", column: "C" }, "classifier_name"],
  ["record_job_decision", { job_id: JOB, confirmed_status: "pending" }, "confirmed_status"],
  ["record_job_decision", { job_id: JOB, confirmed_status: "approved", schema: "S" }, "schema: requires database"],
  ["record_job_decision", { job_id: JOB, confirmed_status: "approved", database: "D", schema: "S", column: "C" }, "column: requires table"],
  ["get_job_decisions", { job_id: JOB, database: "D", table: "T" }, "table: requires schema"],
  ["get_job_decisions", { job_id: JOB, page_token: "" }, "page_token"],
  ["revoke_job_decisions", { job_id: JOB, column: "C" }, "column: requires table"],
  ["revoke_job_decisions", { job_id: "*" }, "job_id"],
  ["get_job_review_status", { job_id: JOB, verbose: true }, "verbose"],
];

describe("invalid input cases", () => {
  it("cover every classification tool", () => {
    const tools = ALL_TOOLS.filter((t) => t.toolset === "classification").map((t) => t.name);
    expect(tools).toHaveLength(37);
    expect(tools.filter((t) => !INVALID.some(([name]) => name === t))).toEqual([]);
  });
});

describeInvalidInput(INVALID);

describe("paged lists: one page by default, bounded all_pages, cursor returned", () => {
  /** A list of `total` classifiers served `size` per page behind contiguous_id = the next index. */
  function pagedClassifiers(route: string, total: number, size: number, key = "classifiers") {
    stub.route("GET", route, {
      status: 200,
      bodyFrom: (req) => {
        const at = Number(query(req).get("contiguous_id") ?? 0);
        const items = Array.from({ length: Math.min(size, total - at) }, (_, i) => ({ classifier_name: `C${at + i}` }));
        return { [key]: items, contiguous_id: at + size < total ? String(at + size) : null };
      },
    });
  }

  it("get_classifiers reads one page and returns its contiguous_id; passing it back continues", async () => {
    pagedClassifiers("/v1/classifiers", 250, 100);
    const first = await data("get_classifiers");
    expect((first.classifiers as unknown[]).length).toBe(100);
    expect(first.contiguous_id).toBe("100");
    expect(stub.requests).toHaveLength(1);
    expect([...query(stub.requests[0]!).keys()]).toEqual([]);
    const second = await data("get_classifiers", { contiguous_id: "100" });
    expect(query(stub.requests[1]!).get("contiguous_id")).toBe("100");
    expect((second.classifiers as { classifier_name: string }[])[0]!.classifier_name).toBe("C100");
  });

  it("all_pages follows the cursor to the end, without duplicates", async () => {
    pagedClassifiers("/v1/classifiers", 250, 100);
    const all = await data("get_classifiers", { all_pages: true });
    const names = (all.classifiers as { classifier_name: string }[]).map((c) => c.classifier_name);
    expect(names).toEqual(Array.from({ length: 250 }, (_, i) => `C${i}`));
    expect(all.contiguous_id).toBeNull();
    expect(stub.requests.map((r) => query(r).get("contiguous_id"))).toEqual([null, "100", "200"]);
  });

  it(`all_pages stops after ${MAX_PAGES} pages and returns the cursor to continue`, async () => {
    pagedClassifiers("/v1/collections", 10_000, 10, "collections");
    const all = await data("get_collections", { all_pages: true });
    expect(stub.requests).toHaveLength(MAX_PAGES);
    expect((all.collections as unknown[]).length).toBe(MAX_PAGES * 10);
    expect(all.contiguous_id).toBe(String(MAX_PAGES * 10));
  });

  it("a server that repeats its cursor cannot make all_pages loop", async () => {
    stub.route("GET", "/v1/jobs", { status: 200, body: { jobs: [{ job_id: JOB }], contiguous_id: "same" } });
    const all = await data("get_jobs", { all_pages: true });
    expect(stub.requests).toHaveLength(2);
    expect(all.contiguous_id).toBeNull();
  });

  it("an empty-string cursor means the last page", async () => {
    stub.route("GET", "/v1/jobs/active", { status: 200, body: { jobs: [], contiguous_id: "" } });
    expect((await data("get_active_jobs", { all_pages: true })).contiguous_id).toBeNull();
    expect(stub.requests).toHaveLength(1);
  });

  it("get_jobs sends the same filters on every page", async () => {
    stub.route("GET", "/v1/jobs", {
      status: 200,
      bodyFrom: (req) => ({ jobs: [{ job_id: JOB }], contiguous_id: query(req).get("contiguous_id") ? null : "p2" }),
    });
    await data("get_jobs", { status: "FAILED", job_type: "INCREMENTAL", agent_id: AGENT, limit: 50, all_pages: true });
    expect(stub.requests).toHaveLength(2);
    for (const r of stub.requests) {
      expect(query(r).get("status")).toBe("FAILED");
      expect(query(r).get("job_type")).toBe("INCREMENTAL");
      expect(query(r).get("agent_id")).toBe(AGENT);
      expect(query(r).get("limit")).toBe("50");
    }
    expect(query(stub.requests[1]!).get("contiguous_id")).toBe("p2");
  });

  it("findings page with page_token / next_page_token, filters kept on every page", async () => {
    stub.route("GET", `${FINDINGS}/databases/ANALYTICS/schemas`, {
      status: 200,
      bodyFrom: (req) => {
        const token = query(req).get("page_token");
        return { items: [{ name: token ? "S2" : "S1" }], next_page_token: token ? null : "t2" };
      },
    });
    const one = await data("get_job_findings_schemas", { job_id: JOB, database: "ANALYTICS", confirmed_status: "pending" });
    expect(one).toEqual({ items: [{ name: "S1" }], next_page_token: "t2" });
    stub.requests.length = 0;
    const all = await data("get_job_findings_schemas", { job_id: JOB, database: "ANALYTICS", confirmed_status: "pending", all_pages: true });
    expect(all).toEqual({ items: [{ name: "S1" }, { name: "S2" }], next_page_token: null });
    expect(stub.requests.map((r) => query(r).getAll("confirmed_status"))).toEqual([["pending"], ["pending"]]);
    expect(query(stub.requests[1]!).get("page_token")).toBe("t2");
  });

  it("get_job_decisions pages with next_page_token", async () => {
    stub.route("GET", `/v1/jobs/${JOB}/decisions`, { status: 200, body: { decisions: [{ confirmed_status: "approved" }], next_page_token: "n" } });
    const page = await data("get_job_decisions", { job_id: JOB, page_token: "m" });
    expect(page).toEqual({ decisions: [{ confirmed_status: "approved" }], next_page_token: "n" });
    expect(query(stub.requests[0]!).get("page_token")).toBe("m");
  });
});

describe("errors are errors (the upstream returned empty lists)", () => {
  it("a failing list call is an error with ALTR's message, not an empty list", async () => {
    stub.route("GET", "/v1/classifiers", { status: 500, body: { statusCode: 500, response: { error_code: 500, message: "dynamo unavailable" } } });
    const res = await h.call("get_classifiers");
    const env = envelope(res);
    expect(res.isError).toBe(true);
    expect(env.data).toBeNull();
    expect(env.error).toMatchObject({ kind: "http", status: 500, altr_message: "dynamo unavailable" });
  });

  it("a failure on a later page fails all_pages (nothing partial is reported as complete)", async () => {
    stub.route(
      "GET",
      "/v1/collections",
      { status: 200, body: { collections: [{ collection_name: "a" }], contiguous_id: "2" } },
      { status: 400, body: { statusCode: 400, response: { error_code: 400, message: "bad contiguous_id" } } },
    );
    const env = envelope(await h.call("get_collections", { all_pages: true }));
    expect(env.error).toMatchObject({ status: 400, altr_message: "bad contiguous_id" });
  });

  it("404 on a classifier names ALTR's message and the list-first hint", async () => {
    stub.route("GET", /^\/v1\/classifiers\/.+/, { status: 404, body: { statusCode: 404, response: { error_code: 404, message: "classifier not found" } } });
    const env = envelope(await h.call("get_classifier", { classifier_name: "nope" }));
    expect(env.error).toMatchObject({ kind: "http", status: 404, altr_message: "classifier not found" });
    // The operation is named without its unfilled template ({classifier_name} reads like a value to fill in).
    expect(env.error!.message).toContain("GET /v1/classifiers/…");
    expect(env.error!.message).not.toContain("{");
  });

  it("starting a job is never repeated on a 5xx (it could start a second scan)", async () => {
    stub.route("POST", "/v1/jobs/snowflake", { status: 502, body: { statusCode: 502, response: { message: "bad gateway" } } });
    const env = envelope(await h.call("create_gdlp_job", { database_id: 42 }));
    expect(env.error).toMatchObject({ status: 502, attempts: 1 });
    expect(stub.requests).toHaveLength(1);
  });

  it("reads are retried on 503", async () => {
    stub.route("GET", `/v1/jobs/${JOB}`, { status: 503, body: {} }, { status: 200, body: { job_id: JOB, status: "RUNNING" } });
    expect(await data("get_job", { job_id: JOB })).toEqual({ job_id: JOB, status: "RUNNING" });
    expect(stub.requests).toHaveLength(2);
  });
});

describe("wire format", () => {
  it("list filters go as repeated query keys; booleans as true/false", async () => {
    stub.route("GET", FINDINGS, { status: 200, body: { items: [], next_page_token: null } });
    await data("get_job_findings", {
      job_id: JOB,
      classifier_name: ["US SSN", "email_by_name"],
      confirmed_status: ["approved", "rejected"],
      include_column_status_counts: false,
    });
    const q = query(stub.requests[0]!);
    expect(q.getAll("classifier_name")).toEqual(["US SSN", "email_by_name"]);
    expect(q.getAll("confirmed_status")).toEqual(["approved", "rejected"]);
    expect(q.get("include_column_status_counts")).toBe("false");
    expect(stub.requests[0]!.url).toContain("classifier_name=US%20SSN&classifier_name=email_by_name");
  });

  it("one name, a JSON-array string, or an empty list: one value, the list, or no filter", async () => {
    stub.route("GET", /\/findings\/databases\/.+\/columns$/, { status: 200, body: { items: [], next_page_token: null } });
    const base = { job_id: JOB, database: "D", schema: "S", table: "T" };
    await data("get_job_findings_columns", { ...base, classifier_name: "a,b" });
    await data("get_job_findings_columns", { ...base, classifier_name: '["a","b"]' });
    await data("get_job_findings_columns", { ...base, classifier_name: [], confirmed_status: [] });
    expect(stub.requests.map((r) => query(r).getAll("classifier_name"))).toEqual([["a,b"], ["a", "b"], []]);
    expect(query(stub.requests[2]!).has("confirmed_status")).toBe(false);
  });

  it("every path segment is percent-encoded exactly once", async () => {
    stub.route("GET", /\/lineage$/, { status: 200, body: { decision_lineage: null } });
    await data("get_job_findings_lineage", {
      job_id: JOB,
      database: "DB/2024",
      schema: "CRM DATA",
      table: "ORDERS?#",
      column: "e-mail %",
      classifier_name: "US SSN",
    });
    expect(path(stub.requests[0]!)).toBe(
      `${FINDINGS}/databases/DB%2F2024/schemas/CRM%20DATA/tables/ORDERS%3F%23/columns/e-mail%20%25/classifiers/US%20SSN/lineage`,
    );
  });

  it("create_job and create_gdlp_job share /v1/jobs/snowflake, told apart by classification_type", async () => {
    stub.route("POST", "/v1/jobs/snowflake", { status: 201, body: { job_id: JOB, status: "CREATED" } });
    await data("create_job", { job_type: "INCREMENTAL", database_id: 42, collection_name: "pii", condition_types: '["METADATA","METADATA"]' });
    await data("create_gdlp_job", { database_id: 42, condition_types: [] });
    expect(JSON.parse(stub.requests[0]!.body)).toEqual({
      job_type: "INCREMENTAL",
      database_id: 42,
      collection_name: "pii",
      classification_type: "altr_native",
      condition_types: ["METADATA"],
    });
    // GDLP: no job_type, no collection unless given, an empty condition list is left out.
    expect(JSON.parse(stub.requests[1]!.body)).toEqual({ database_id: 42, classification_type: "gdlp" });
  });

  it("create_oltp_job sends the upstream defaults and the Oracle field given", async () => {
    stub.route("POST", "/v1/jobs/oltp", { status: 201, body: { job_id: JOB } });
    await data("create_oltp_job", {
      agent_id: AGENT,
      repo_name: "orders_oracle",
      service_user_name: "svc",
      classification_type: 6,
      service_name: "ORCLPDB1",
      condition_types: ["GDLP", "METADATA"],
      task_id: "task-7",
    });
    expect(JSON.parse(stub.requests[0]!.body)).toEqual({
      agent_id: AGENT,
      repo_name: "orders_oracle",
      service_user_name: "svc",
      classification_type: 6,
      sample_strategy: "ROWS",
      sample_size: 1000,
      sample_type: "ROWS",
      condition_types: ["GDLP", "METADATA"],
      service_name: "ORCLPDB1",
      task_id: "task-7",
    });
  });

  it("record_job_decision without a scope covers the whole job: body carries only the decision", async () => {
    stub.route("POST", `/v1/jobs/${JOB}/decisions`, { status: 204 });
    expect(await data("record_job_decision", { job_id: JOB, confirmed_status: "rejected" })).toEqual({
      job_id: JOB,
      confirmed_status: "rejected",
      scope: {},
      recorded: true,
    });
    expect(JSON.parse(stub.requests[0]!.body)).toEqual({ confirmed_status: "rejected" });
  });

  it("a classifier-only decision (job-wide for one classifier) is allowed", async () => {
    stub.route("POST", `/v1/jobs/${JOB}/decisions`, { status: 204 });
    await data("record_job_decision", { job_id: JOB, confirmed_status: "approved", classifier_name: "US SSN" });
    expect(JSON.parse(stub.requests[0]!.body)).toEqual({ confirmed_status: "approved", classifier_name: "US SSN" });
  });

  it("revoke_job_decisions sends its scope as a JSON body (ALTR's document), never in the query", async () => {
    stub.route("DELETE", `/v1/jobs/${JOB}/decisions`, { status: 204 });
    expect(await data("revoke_job_decisions", { job_id: JOB, database: "D", schema: "S", classifier_name: "US SSN" })).toEqual({
      job_id: JOB,
      scope: { database: "D", schema: "S", classifier_name: "US SSN" },
      revoked: true,
      changed: true,
      message: "deleted",
    });
    expect(stub.requests[0]!.url).toBe(`/v1/jobs/${JOB}/decisions`);
    expect(stub.requests[0]!.headers["content-type"]).toMatch(/^application\/json/);
    expect(JSON.parse(stub.requests[0]!.body)).toEqual({ database: "D", schema: "S", classifier_name: "US SSN" });
  });

  it("revoke_job_decisions without a scope names the job-level decision: an empty JSON body", async () => {
    stub.route("DELETE", `/v1/jobs/${JOB}/decisions`, { status: 204 });
    expect(await data("revoke_job_decisions", { job_id: JOB })).toEqual({ job_id: JOB, scope: {}, revoked: true, changed: true, message: "deleted" });
    expect(stub.requests[0]!.url).toBe(`/v1/jobs/${JOB}/decisions`);
    expect(JSON.parse(stub.requests[0]!.body)).toEqual({});
  });

  it("classifier names: one string is one name, duplicates are sent once", async () => {
    stub.route("PATCH", /\/classifiers\/append$/, { status: 204 });
    expect(await data("add_classifiers_to_collection", { collection_name: "pii data", classifier_names: ["a", "b", "a"] })).toEqual({
      collection_name: "pii data",
      classifier_names: ["a", "b"],
      added: true,
    });
    expect(path(stub.requests[0]!)).toBe("/v1/collections/pii%20data/classifiers/append");
    expect(JSON.parse(stub.requests[0]!.body)).toEqual({ classifier_names: ["a", "b"] });
  });

  it("create_collection sends an empty description when none is given (as upstream)", async () => {
    stub.route("POST", "/v1/collections", { status: 201, body: { collection_name: "pii" } });
    await data("create_collection", { collection_name: "pii" });
    expect(JSON.parse(stub.requests[0]!.body)).toEqual({ collection_name: "pii", description: "" });
  });

  it("update_classifier sends only the given fields; {} clears the ruleset", async () => {
    stub.route("PATCH", /^\/v1\/classifiers\/.+/, { status: 200, body: { classifier: { classifier_name: "c" } } });
    await data("update_classifier", { classifier_name: "c", compound_ruleset: {}, pattern: "\\d+" });
    await data("update_classifier", { classifier_name: "c", pattern: "", minimum_threshold: 0 });
    expect(JSON.parse(stub.requests[0]!.body)).toEqual({ compound_ruleset: {}, pattern: "\\d+" });
    expect(JSON.parse(stub.requests[1]!.body)).toEqual({ pattern: "", minimum_threshold: 0 });
  });

  it("a ruleset using every leaf target and four nested levels passes as written", async () => {
    stub.route("POST", "/v1/classifiers", { status: 201, body: { classifier: { classifier_name: "c" } } });
    const conditions = [
      { target: "ROW_DATA", comparator: "matches", pattern: "\\d{9}", minimum_threshold: 60.5, tags: ["type:ssn"] },
      { target: "METADATA", comparator: "ends_with", pattern: "_ssn", negated: true },
      { target: "COLUMN_LOCATION", location: { database: "*", schema: "pii" } },
      { target: "GDLP", info_type: "US_SOCIAL_SECURITY_NUMBER", minimum_likelihood: "LIKELY" },
      { target: "SNOWFLAKE_NATIVE", privacy_category: "IDENTIFIER", minimum_confidence: "HIGH", minimum_coverage: 0.7 },
      { target: "CONTENT_TYPE", content_format: "JSON", dominance_threshold: 0.5 },
      { target: "DATA_LENGTH", length: 11, comparator: "equals", trim: true, minimum_threshold: 90 },
      { target: "COLUMN_SIZE", size: 64, comparator: "less_than_or_equal" },
      { target: "AMAZON_COMPREHEND", entity_type: "SSN", minimum_score: 0.8 },
      nest(4),
    ];
    await data("create_classifier", { classifier_name: "c", compound_ruleset: { operator: "OR", tags: ["reg:pii"], conditions } });
    expect(JSON.parse(stub.requests[0]!.body)).toEqual({
      classifier_name: "c",
      compound_ruleset: { operator: "OR", tags: ["reg:pii"], conditions },
    });
  });
});

describe("annotations and descriptions say what the calls do", () => {
  const tool = (n: string) => ALL_TOOLS.find((t) => t.name === n)!;

  it("scope-less review calls are destructive and say so", () => {
    expect(tool("revoke_job_decisions").annotations.destructiveHint).toBe(true);
    expect(tool("revoke_job_decisions").description).toMatch(/exactly this scope \(none = the job-level decision\)/);
    expect(tool("record_job_decision").annotations.destructiveHint).toBe(true);
    expect(tool("record_job_decision").description).toMatch(/none = whole job/);
  });

  it("the report tool is not read-only (it regenerates the report)", () => {
    expect(tool("get_classification_report").annotations).toMatchObject({ readOnlyHint: false, destructiveHint: false });
  });

  it("job starters are not idempotent and tell the assistant to poll get_job", () => {
    for (const n of ["create_job", "create_gdlp_job", "create_databricks_job", "create_oltp_job"]) {
      expect(tool(n).annotations.idempotentHint, n).toBe(false);
      expect(tool(n).description, n).toMatch(/Poll get_job/);
    }
    expect(tool("create_job").description).toMatch(/create_gdlp_job/);
    expect(tool("create_gdlp_job").description).toMatch(/create_job/);
  });
});

describe("get_classification_report: POST for a presigned URL, then a credential-free download", () => {
  const SIGNATURE = "X-Amz-Signature=5f1e9c0d2b7a4e6f8a1c3b5d7e9f0a2c";
  let s3: Stub;
  let lines: string[];
  let hr: Harness;

  beforeAll(async () => {
    s3 = await startStub();
    lines = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    hr = await connect({
      baseUrls: baseUrlsFrom(stub.url),
      logger: pino({ level: "debug" }, sink),
      // The production download, with the test-only allowance for a local stand-in for S3.
      presigned: (url, signal) => fetchPresigned(url, { signal, allowLoopback: true, timeoutMs: 2_000 }),
    });
  });
  afterEach(() => {
    s3.requests.length = 0;
  });
  afterAll(async () => {
    await hr.close();
    await s3.close();
  });

  const reportLink = (path = `/reports/${JOB}.json`) => ({
    status: 201,
    body: { url: `${s3.url}${path}?X-Amz-Algorithm=AWS4-HMAC-SHA256&${SIGNATURE}`, expiration: "2030-01-01T00:00:00Z" },
  });

  it("returns the downloaded report; the download carries no ALTR credentials and the URL is not echoed", async () => {
    const report = { job_id: JOB, columns: [{ column_name: "SSN", classifier: "US SSN" }] };
    stub.route("POST", `/v1/jobs/${JOB}/report`, reportLink());
    s3.route("GET", `/reports/${JOB}.json`, { status: 200, body: report });
    const res = await hr.call("get_classification_report", { job_id: JOB });
    expect(envelope(res)).toEqual({ success: true, data: { job_id: JOB, report }, error: null });
    expect(JSON.parse(stub.requests[0]!.body)).toEqual({});
    expect(stub.requests[0]!.headers.authorization).toBe(`Basic ${Buffer.from(`${TEST_KEY}:${TEST_SECRET}`).toString("base64")}`);
    expect(s3.requests).toHaveLength(1);
    const sent = s3.requests[0]!;
    expect(sent.url).toContain(SIGNATURE);
    expect(sent.headers.authorization).toBeUndefined();
    expect(JSON.stringify(sent.headers)).not.toContain(TEST_SECRET);
    expect(Object.keys(sent.headers).sort()).toEqual(["accept", "accept-encoding", "connection", "host"]);
    expect(JSON.stringify(res)).not.toContain(SIGNATURE);
    expect(lines.join("")).not.toContain(SIGNATURE);
  });

  it("an expired link (S3 403) is a clear error without the signature", async () => {
    stub.route("POST", `/v1/jobs/${JOB}/report`, reportLink());
    s3.route("GET", `/reports/${JOB}.json`, {
      status: 403,
      body: "<?xml version=\"1.0\"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>",
    });
    const res = await hr.call("get_classification_report", { job_id: JOB });
    const env = envelope(res);
    expect(res.isError).toBe(true);
    expect(env.error!.kind).toBe("http");
    expect(env.error!.message).toContain("HTTP 403 (AccessDenied)");
    expect(env.error!.message).toContain("call the tool again");
    expect(env.error!.message).toContain("get_job_summary");
    expect(JSON.stringify(res)).not.toContain(SIGNATURE);
    expect(lines.join("")).not.toContain(SIGNATURE);
  });

  it("a report that is not JSON is an error, not a success with garbage", async () => {
    stub.route("POST", `/v1/jobs/${JOB}/report`, reportLink());
    s3.route("GET", `/reports/${JOB}.json`, { status: 200, body: "<html>maintenance</html>" });
    const env = envelope(await hr.call("get_classification_report", { job_id: JOB }));
    expect(env.error).toMatchObject({ kind: "invalid_response" });
    expect(env.error!.message).toContain("did not return JSON");
  });

  it("ALTR's answer without a URL is an error; nothing is downloaded", async () => {
    stub.route("POST", `/v1/jobs/${JOB}/report`, { status: 201, body: { expiration: "2030-01-01T00:00:00Z" } });
    const env = envelope(await hr.call("get_classification_report", { job_id: JOB }));
    expect(env.error).toMatchObject({ kind: "invalid_response" });
    expect(s3.requests).toHaveLength(0);
  });

  it("a failed POST is reported as ALTR's error; nothing is downloaded", async () => {
    stub.route("POST", `/v1/jobs/${JOB}/report`, { status: 404, body: { statusCode: 404, response: { error_code: 404, message: "job not found" } } });
    const env = envelope(await hr.call("get_classification_report", { job_id: JOB }));
    expect(env.error).toMatchObject({ kind: "http", status: 404, altr_message: "job not found" });
    expect(s3.requests).toHaveLength(0);
  });

  it("cancelling the tool call aborts the download", async () => {
    stub.route("POST", `/v1/jobs/${JOB}/report`, reportLink("/slow.json"));
    s3.route("GET", "/slow.json", { hang: true });
    const abort = new AbortController();
    const call = hr.client.callTool({ name: "get_classification_report", arguments: { job_id: JOB } }, undefined, { signal: abort.signal });
    await vi.waitUntil(() => s3.requests.length === 1, { timeout: 2_000 });
    abort.abort();
    await expect(call).rejects.toThrow();
    await vi.waitUntil(() => s3.abandoned() > 0, { timeout: 2_000 });
  });

  it("the production download refuses non-https, loopback, private and metadata addresses before connecting", async () => {
    const prod = await connect({ baseUrls: baseUrlsFrom(stub.url), presigned: downloadPresigned });
    try {
      for (const url of [
        `${s3.url}/reports/r.json`,
        `https://127.0.0.1:${new URL(s3.url).port}/reports/r.json`,
        "https://localhost/reports/r.json",
        "https://169.254.169.254/latest/meta-data/iam",
        "https://10.0.0.8/r.json",
        "https://[::1]/r.json",
        "https://user:pw@reports.example.com/r.json",
        "ftp://reports.example.com/r.json",
      ]) {
        stub.route("POST", `/v1/jobs/${JOB}/report`, { status: 201, body: { url } });
        const env = envelope(await prod.call("get_classification_report", { job_id: JOB }));
        expect(env.error?.kind, url).toBe("invalid_response");
        expect(env.error!.message, url).toMatch(/https|public address|credentials/);
      }
      expect(s3.requests).toHaveLength(0);
    } finally {
      await prod.close();
    }
  });
});
