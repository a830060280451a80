/**
 * get_job_classified_columns (#16): every classified column of a job across the whole findings
 * tree in one call, bounded (limit, and at most TREE_MAX_REQUESTS requests), with a cursor that
 * continues exactly where the last call stopped. On the stub (paging at every level, the bounds,
 * hostile pages and cursors) and on the sandbox (the same answer as drilling down by hand).
 */
import { describe, expect, it } from "vitest";
import { TREE_MAX_REQUESTS } from "../src/tools/classification-review.js";
import { envelope } from "./helpers/harness.js";
import { h, stub, useStubHarness } from "./helpers/stub-harness.js";
import { openSandboxSession } from "./helpers/sandbox-client.js";
import type { StubRequest } from "./helpers/stub.js";

const JOB = "5f0c2a1e-8b7d-4c3a-9e21-0d6f4b8a7c11";

/** database → schema → table → pages of columns (each page a list; the page token is its index). */
const TREE: Record<string, Record<string, Record<string, string[][]>>> = {
  D1: { S1: { T1: [["C1", "C2"], ["C3"]], T2: [["C4"]] }, EMPTY: {} },
  D2: { S2: { T3: [["C5"]] } },
};
/** The database level answers in two pages too. */
const DB_PAGES = [["D1"], ["D2"]];

function answer(req: StubRequest): unknown {
  const url = new URL(req.url, "http://x");
  const parts = url.pathname.split("/").map(decodeURIComponent);
  const token = Number(url.searchParams.get("page_token") ?? "0");
  const page = (pages: string[][]) => ({
    items: (pages[token] ?? []).map((name) => ({ name, classifier_names: ["US SSN"], column_status: "pending", PK: "x" })),
    next_page_token: token + 1 < pages.length ? String(token + 1) : null,
  });
  // /v1/jobs/{job}/findings[/databases/{d}/schemas[/{s}/tables[/{t}/columns]]]
  const [, , , , , , d, , s, , t] = parts;
  if (parts.length === 5) return page(DB_PAGES);
  if (parts.length === 8) return page([Object.keys(TREE[d!] ?? {})]);
  if (parts.length === 10) return page([Object.keys(TREE[d!]?.[s!] ?? {})]);
  return page(TREE[d!]?.[s!]?.[t!] ?? []);
}

const ALL = ["D1.S1.T1.C1", "D1.S1.T1.C2", "D1.S1.T1.C3", "D1.S1.T2.C4", "D2.S2.T3.C5"];
type Data = { columns: { database: string; schema: string; table: string; column: string }[]; count: number; complete: boolean; next_cursor: string | null; message: string };
const paths = (d: Data) => d.columns.map((c) => `${c.database}.${c.schema}.${c.table}.${c.column}`);

useStubHarness();

const call = async (args: Record<string, unknown>) => {
  const res = await h.call("get_job_classified_columns", { job_id: JOB, ...args });
  expect(res.isError, JSON.stringify(res.content)).toBeFalsy();
  return envelope(res).data as Data;
};

describe("on the stub", () => {
  it("one call: every column of every page of every level, in tree order; complete, no cursor", async () => {
    stub.route("GET", /.*/, { status: 200, bodyFrom: answer });
    const d = await call({});
    expect(paths(d)).toEqual(ALL);
    expect(d).toMatchObject({ count: 5, complete: true, next_cursor: null });
    expect(JSON.stringify(d)).not.toContain('"PK"');
  });

  it("limit 2: three calls with the cursor give every column exactly once; a resumed call re-reads only its own pages", async () => {
    stub.route("GET", /.*/, { status: 200, bodyFrom: answer });
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 5; i++) {
      const d: Data = await call({ limit: 2, ...(cursor ? { cursor } : {}) });
      expect(d.count).toBe(d.columns.length);
      expect(d.count).toBeLessThanOrEqual(2);
      seen.push(...paths(d));
      cursor = d.next_cursor;
      if (!cursor) break;
    }
    expect(seen).toEqual(ALL);
    expect(cursor).toBeNull();
  });

  it("filters go to every level, and a cursor only continues the same job and filters", async () => {
    stub.route("GET", /.*/, { status: 200, bodyFrom: answer });
    const d = await call({ limit: 1, classifier_name: ["US SSN"], confirmed_status: ["pending"] });
    expect(stub.requests.every((r) => new URL(r.url, "http://x").searchParams.get("classifier_name") === "US SSN")).toBe(true);
    stub.requests.length = 0;
    for (const args of [{ cursor: d.next_cursor }, { cursor: d.next_cursor, classifier_name: ["US SSN"] }, { cursor: "not-a-cursor" }, { cursor: Buffer.from(JSON.stringify({ j: JOB, q: "[null,null]", n: ["a"], f: [{ s: -1 }, { s: 0 }] })).toString("base64url") }]) {
      const res = await h.call("get_job_classified_columns", { job_id: JOB, ...args });
      expect(res.isError).toBe(true);
      expect(envelope(res).error).toMatchObject({ kind: "invalid_input", fields: ["cursor"] });
    }
    const other = await h.call("get_job_classified_columns", { job_id: "6f0c2a1e-8b7d-4c3a-9e21-0d6f4b8a7c11", cursor: d.next_cursor, classifier_name: ["US SSN"], confirmed_status: ["pending"] });
    expect(envelope(other).error?.kind).toBe("invalid_input");
    expect(stub.requests).toHaveLength(0);
  });

  it(`hostile: column pages that never end stop at ${TREE_MAX_REQUESTS} requests, with a cursor that goes on`, async () => {
    let n = 0;
    stub.route("GET", /\/columns$/, { status: 200, bodyFrom: () => ({ items: [{ name: `X${n}` }], next_page_token: `t${++n}` }) });
    stub.route("GET", /\/findings$/, { status: 200, body: { items: [{ name: "D" }], next_page_token: null } });
    stub.route("GET", /\/schemas$/, { status: 200, body: { items: [{ name: "S" }], next_page_token: null } });
    stub.route("GET", /\/tables$/, { status: 200, body: { items: [{ name: "T" }], next_page_token: null } });
    const d = await call({ limit: 1000 });
    expect(stub.requests.length).toBe(TREE_MAX_REQUESTS);
    expect(d.complete).toBe(false);
    expect(d.count).toBe(TREE_MAX_REQUESTS - 3);
    expect(d.message).toMatch(/requests sent .*call again with cursor next_cursor/);
    const more = await call({ limit: 5, cursor: d.next_cursor });
    expect(more.columns[0]!.column).not.toBe(d.columns.at(-1)!.column);
  });

  it("hostile: a page token that repeats itself, or rows without a name, end the walk instead of looping", async () => {
    stub.route("GET", /\/findings$/, { status: 200, body: { items: [{ name: "D" }, {}, { name: "" }], next_page_token: "same" } });
    stub.route("GET", /\/schemas$/, { status: 200, body: { items: [], next_page_token: null } });
    const d = await call({});
    expect(d).toMatchObject({ count: 0, complete: true });
    expect(stub.requests.length).toBeLessThanOrEqual(4);
  });
});

describe("on the sandbox", () => {
  it("gives the same columns as drilling down level by level, and continues with the cursor", async () => {
    const s = await openSandboxSession();
    try {
      const job = await s.ok<{ job_id: string }>("create_job", { job_type: "FULL", database_id: 42, collection_name: "pii_classifiers" });
      await s.ok("get_job", { job_id: job.job_id });
      await s.ok("get_job", { job_id: job.job_id });
      // By hand: the five drill-down calls the issue describes, over every branch.
      const byHand: string[] = [];
      type Items = { items: { name: string }[] };
      for (const d of (await s.ok<Items>("get_job_findings", { job_id: job.job_id, all_pages: true })).items)
        for (const sc of (await s.ok<Items>("get_job_findings_schemas", { job_id: job.job_id, database: d.name, all_pages: true })).items)
          for (const t of (await s.ok<Items>("get_job_findings_tables", { job_id: job.job_id, database: d.name, schema: sc.name, all_pages: true })).items)
            for (const c of (await s.ok<Items>("get_job_findings_columns", { job_id: job.job_id, database: d.name, schema: sc.name, table: t.name, all_pages: true })).items)
              byHand.push(`${d.name}.${sc.name}.${t.name}.${c.name}`);
      expect(byHand.length).toBeGreaterThan(1);
      const one = await s.ok<Data>("get_job_classified_columns", { job_id: job.job_id });
      expect(paths(one)).toEqual(byHand);
      expect(one.complete).toBe(true);
      // In parts of one column each.
      const parts: string[] = [];
      let cursor: string | null = null;
      do {
        const d: Data = await s.ok<Data>("get_job_classified_columns", { job_id: job.job_id, limit: 1, ...(cursor ? { cursor } : {}) });
        parts.push(...paths(d));
        cursor = d.next_cursor;
      } while (cursor);
      expect(parts).toEqual(byHand);
      const ssn = await s.ok<Data>("get_job_classified_columns", { job_id: job.job_id, classifier_name: ["US SSN"] });
      expect(paths(ssn).some((p) => p.endsWith(".SSN"))).toBe(true);
      expect(paths(ssn).some((p) => p.endsWith(".PHONE"))).toBe(false);
    } finally {
      await s.close();
    }
  });
});
