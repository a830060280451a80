/**
 * Pagination always terminates and never duplicates; batching never sends past a failure.
 * Multi-page answers come from a local stub (Prism's static examples are single pages).
 */
import { beforeEach, describe, expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { nextToken, onePage, paginate, paginateOffset, paginateTokens, type CallScope } from "../src/altr/paginate.js";
import { AltrError } from "../src/altr/errors.js";
import { RULE_BATCH_SIZE } from "../src/tools/policies.js";
import { MAX_PAGES } from "../src/tools/common.js";
import { envelope } from "./helpers/harness.js";
import { routeRuleNames } from "./helpers/rule-names.js";
import { h, stub, useStubHarness, queryOf as query } from "./helpers/stub-harness.js";

const POLICY = "/v1/unified-policy/management/policy";
useStubHarness();


describe("paginate()", () => {
  it("stops at the page cap and returns the cursor to continue", async () => {
    const r = await paginate<number, number>({ scope: undefined, maxPages: 3, fetchPage: async (c) => ({ items: [c ?? 0], next: (c ?? 0) + 1 }) });
    expect(r).toEqual({ items: [0, 1, 2], next: 3, pages: 3, stopped: "page_limit" });
  });

  it("takes a 200,000-item page (a spread push overflowed the stack past ~150,000)", async () => {
    const page = Array.from({ length: 200_000 }, (_, i) => i);
    const r = await paginate<number, number>({ scope: undefined, maxPages: 2, fetchPage: async (c) => ({ items: page, next: c === null ? 1 : null }) });
    expect(r.items.length).toBe(400_000);
    expect(r.items[399_999]).toBe(199_999);
    expect(r.next).toBeNull();
  });

  it("stops when the cursor does not advance", async () => {
    const r = await paginate<number, string>({ scope: undefined, maxPages: 50, fetchPage: async () => ({ items: [1], next: "same" }) });
    expect(r.pages).toBe(2);
    expect(r.stopped).toBe("cursor_did_not_advance");
    expect(r.next).toBeNull();
  });
});

describe("paginate() inside a tool call (ctx.scope): progress and cancellation", () => {
  /** A call scope that records every stage's reports as [stage, done, total, message]. */
  function recording(signal = new AbortController().signal) {
    const reports: [number, number, number | undefined, string][] = [];
    let stages = 0;
    const scope: CallScope = {
      signal,
      stage: () => {
        const n = ++stages;
        return { report: (done, total, message) => void reports.push([n, done, total, message]) };
      },
    };
    return { scope, reports };
  }

  it("reports each page of a cursor loop (no total), one stage per loop; nothing outside a call", async () => {
    const { scope, reports } = recording();
    const pages = [{ items: [1], next: "a" }, { items: [], next: "b" }, { items: [2, 3], next: null }];
    let i = 0;
    await paginate<number, string>({ scope, maxPages: 10, fetchPage: async () => pages[i++]! });
    await paginate<number, string>({ scope, maxPages: 10, fetchPage: async () => ({ items: [4], next: null }) });
    expect(reports).toEqual([
      [1, 1, undefined, "page 1 read, 1 items"],
      [1, 2, undefined, "page 2 read, 1 items"],
      [1, 3, undefined, "page 3 read, 3 items"],
      [2, 1, undefined, "page 1 read, 1 items"],
    ]);
    // Outside a call there is no scope: the loop runs and reports nowhere.
    expect((await paginate<number, string>({ scope: undefined, maxPages: 2, fetchPage: async () => ({ items: [1], next: null }) })).items).toEqual([1]);
    expect(reports).toHaveLength(4);
  });

  it("an offset loop counts items of the total ALTR reported, from its start", async () => {
    const { scope, reports } = recording();
    await paginateOffset({ scope, start: 10, maxPages: 5, fetchPage: async (at) => ({ items: at < 30 ? ["x", "y", "z", "w", "v", "u", "t", "s", "r", "q"] : [], total: 30 }) });
    expect(reports).toEqual([
      [1, 10, 20, "10 of 20 items read (page 1)"],
      [1, 20, 20, "20 of 20 items read (page 2)"],
    ]);
    // A total below the start (ALTR's count shrank) is 0, never negative; until ALTR gives a total, pages are counted.
    const low = recording();
    await paginateOffset({ scope: low.scope, start: 50, maxPages: 1, fetchPage: async () => ({ items: ["a"], total: 40 }) });
    expect(low.reports).toEqual([[1, 1, 0, "1 of 0 items read (page 1)"]]);
    const none = recording();
    await paginateOffset({ scope: none.scope, start: 0, maxPages: 1, fetchPage: async () => ({ items: ["a"] }) });
    expect(none.reports).toEqual([[1, 1, undefined, "page 1 read, 1 items"]]);
  });

  it("a cancelled call fetches no further page and says how far it got", async () => {
    const abort = new AbortController();
    const { scope } = recording(abort.signal);
    let fetched = 0;
    const run = paginate<number, number>({
      scope,
      maxPages: 10,
      fetchPage: async (c) => {
        fetched++;
        if (fetched === 2) abort.abort();
        return { items: [c ?? 0], next: (c ?? 0) + 1 };
      },
    });
    const err = await run.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AltrError);
    expect(err).toMatchObject({ kind: "cancelled" });
    expect((err as AltrError).message).toBe(
      "ALTR API request cancelled. The call was cancelled by the client after 2 page(s); no further page was requested.",
    );
    expect(fetched).toBe(2);
    // Cancelled before the loop: not even the first page.
    const before = recording(AbortSignal.abort());
    let none = 0;
    await expect(paginate({ scope: before.scope, maxPages: 3, fetchPage: async () => ({ items: [none++], next: null }) })).rejects.toThrow(
      "after 0 page(s)",
    );
    expect(none).toBe(0);
  });

  it("no AsyncLocalStorage in the server: on Node 20 its first run() hooks every promise of the process", () => {
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []));
    const using = files(join(import.meta.dirname, "..", "src")).filter((f) => /["']node:async_hooks["']|new AsyncLocalStorage\b/.test(readFileSync(f, "utf8")));
    expect(using).toEqual([]);
  });
});

describe("page tokens (nextToken, paginateTokens, onePage)", () => {
  it("a token that is empty, null, absent or not a string means no further page", () => {
    expect([nextToken("t1"), nextToken(""), nextToken(null), nextToken(undefined), nextToken(7)]).toEqual(["t1", null, null, null, null]);
  });

  it("paginateTokens starts from the token given, passes each token on, and stops on an empty one or the cap", async () => {
    const asked: (string | undefined)[] = [];
    const tokens: Record<string, { items: number[] | undefined; next: unknown }> = {
      start: { items: [1], next: "a" },
      a: { items: undefined, next: "b" },
      b: { items: [2], next: "" },
    };
    const all = await paginateTokens<number>({ scope: undefined, start: "start", maxPages: 10, fetch: async (t) => (asked.push(t), tokens[t!]!) });
    expect(all).toEqual({ items: [1, 2], next: null });
    expect(asked).toEqual(["start", "a", "b"]);
    // No start: the first request carries no token; one page asked for: its token comes back to continue.
    const first: (string | undefined)[] = [];
    const one = await paginateTokens<number>({ scope: undefined, start: undefined, maxPages: 1, fetch: async (t) => (first.push(t), { items: [9], next: "more" }) });
    expect(one).toEqual({ items: [9], next: "more" });
    expect(first).toEqual([undefined]);
  });

  it("onePage passes the page through with its token normalized; a token handed back unchanged ends the list", () => {
    expect(onePage({ jobs: [1], contiguous_id: "n2" }, "n1")).toEqual({ jobs: [1], contiguous_id: "n2" });
    expect(onePage({ jobs: [1], contiguous_id: "n1" }, "n1")).toEqual({ jobs: [1], contiguous_id: null });
    expect(onePage({ jobs: [], contiguous_id: "" }, undefined)).toEqual({ jobs: [], contiguous_id: null });
    expect(onePage({ jobs: [1], contiguous_id: "n1" }, undefined)).toEqual({ jobs: [1], contiguous_id: "n1" });
    expect(onePage(undefined, "n1")).toEqual({ contiguous_id: null });
  });
});

describe("offset paging (get_databases, get_roles)", () => {
  it("reads every page until count, without duplicates", async () => {
    const all = Array.from({ length: 120 }, (_, i) => ({ id: i + 1, friendlyDatabaseName: `DB${i + 1}` }));
    stub.route("GET", "/api/databases", {
      status: 200,
      bodyFrom: (req) => {
        const q = query(req);
        const offset = Number(q.offset);
        return { success: true, data: { databases: all.slice(offset, offset + Number(q.limit)), count: all.length } };
      },
    });
    const env = envelope(await h.call("get_databases"));
    const data = env.data as { databases: { id: number }[]; count: number; next_offset: number | null };
    expect(data.databases.map((d) => d.id)).toEqual(all.map((d) => d.id));
    expect(data.count).toBe(120);
    expect(data.next_offset).toBeNull();
    expect(stub.requests.map((r) => query(r).offset)).toEqual(["0", "50", "100"]);
  });

  it("a server that ignores offset cannot make it loop: bounded, and the cursor is returned", async () => {
    stub.route("GET", "/api/userGroups", {
      status: 200,
      body: { success: true, data: { userGroups: [{ userGroupName: "A" }, { userGroupName: "B" }], count: 1_000_000 } },
    });
    const env = envelope(await h.call("get_roles"));
    const data = env.data as { roles: string[]; next_offset: number | null };
    expect(stub.requests).toHaveLength(MAX_PAGES);
    expect(data.next_offset).toBe(MAX_PAGES * 2);
    // Continue from where it stopped.
    stub.requests.length = 0;
    await h.call("get_roles", { offset: data.next_offset });
    expect(query(stub.requests[0]!).offset).toBe(String(MAX_PAGES * 2));
  });

  it("an empty page ends the loop even if count says there is more", async () => {
    stub.route("GET", "/api/userGroups", { status: 200, body: { success: true, data: { userGroups: [], count: 50 } } });
    const env = envelope(await h.call("get_roles"));
    expect(env.data).toMatchObject({ roles: [], next_offset: null });
    expect(stub.requests).toHaveLength(1);
  });

  it("an error on page 2 is an error, not a short list", async () => {
    stub.route(
      "GET",
      "/api/databases",
      { status: 200, body: { success: true, data: { databases: [{ id: 1 }], count: 2 } } },
      { status: 401, body: { success: false, data: { message: "expired" } } },
    );
    const res = await h.call("get_databases");
    expect(res.isError).toBe(true);
    expect(envelope(res).error).toMatchObject({ status: 401 });
  });
});

describe("key paging (get_policies, get_rules)", () => {
  it("follows last_evaluated_key (objects JSON-encoded) per type, then the next type", async () => {
    stub.route("GET", POLICY, {
      status: 200,
      bodyFrom: (req) => {
        const q = query(req);
        if (q.policy_type === "TAG" && !q.exclusive_start_key) {
          return { success: true, data: { policies: [{ policy_id: "TAG#A" }], last_evaluated_key: { policy_id: "TAG#A" } } };
        }
        if (q.policy_type === "TAG") return { success: true, data: { policies: [{ policy_id: "TAG#B" }], last_evaluated_key: null } };
        return { success: true, data: { policies: q.policy_type === "COLUMN" ? [{ policy_id: "COLUMN#C" }] : [], last_evaluated_key: null } };
      },
    });
    const env = envelope(await h.call("get_policies"));
    const data = env.data as { policies: { policy_id: string }[]; next_cursor: string | null };
    expect(data.policies.map((p) => p.policy_id)).toEqual(["TAG#A", "TAG#B", "COLUMN#C"]);
    expect(data.next_cursor).toBeNull();
    expect(stub.requests.map(query)).toEqual([
      { policy_type: "TAG" },
      { policy_type: "TAG", exclusive_start_key: JSON.stringify({ policy_id: "TAG#A" }) },
      { policy_type: "COLUMN" },
      { policy_type: "PUSHDOWN" },
      { policy_type: "IMPERSONATION" },
      { policy_type: "GRANT" },
      { policy_type: "ROW" },
      { policy_type: "OLTP" },
    ]);
  });

  it("a key that never changes cannot loop; the cap returns a usable cursor", async () => {
    let n = 0;
    stub.route("GET", POLICY, {
      status: 200,
      bodyFrom: () => ({ success: true, data: { policies: [{ policy_id: `TAG#${n}` }], last_evaluated_key: `k${n++}` } }),
    });
    const first = envelope(await h.call("get_policies", { policy_type: "TAG" })).data as { policies: unknown[]; next_cursor: string };
    expect(first.policies).toHaveLength(MAX_PAGES);
    expect(first.next_cursor).toEqual(expect.any(String));
    stub.requests.length = 0;
    await h.call("get_policies", { policy_type: "TAG", cursor: first.next_cursor });
    expect(query(stub.requests[0]!)).toEqual({ policy_type: "TAG", exclusive_start_key: `k${MAX_PAGES - 1}` });
    // A cursor from another filter is refused before any request.
    stub.requests.length = 0;
    const wrong = await h.call("get_policies", { policy_type: "ROW", cursor: first.next_cursor });
    expect(envelope(wrong).error).toMatchObject({ kind: "invalid_input", fields: ["cursor"] });
    expect(stub.requests).toHaveLength(0);

    stub.route("GET", POLICY, { status: 200, body: { success: true, data: { policies: [{}], last_evaluated_key: "same" } } });
    stub.requests.length = 0;
    const stuck = envelope(await h.call("get_policies", { policy_type: "TAG" }));
    expect(stuck.success).toBe(true);
    expect(stub.requests).toHaveLength(2);
  });

  it("get_rules keeps a rule hash that spans pages (as one flat list) instead of dropping the first page", async () => {
    stub.route(
      "GET",
      `${POLICY}/TAG%23PII/rules`,
      {
        status: 200,
        body: { success: true, data: { items: { h1: [{ rule_id: "r1" }] }, last_evaluated_key: { rule_id: "r1" } } },
      },
      {
        status: 200,
        body: { success: true, data: { items: { h1: [{ rule_id: "r2" }, { rule_id: "r1" }], h2: [{ rule_id: "r3" }] }, last_evaluated_key: null } },
      },
    );
    const env = envelope(await h.call("get_rules", { policy_id: "TAG#PII" }));
    const data = env.data as { rules: { rule_id: string }[]; count: number; next_cursor: string | null };
    expect(data.rules.map((r) => r.rule_id)).toEqual(["r1", "r2", "r3"]);
    expect(data.count).toBe(3);
    expect(data.next_cursor).toBeNull();
  });
});

describe("add_rules batching", () => {
  const rules = (n: number) => Array.from({ length: n }, (_, i) => ({ masking_policy: 10001, role: `R${i}`, tag_value: "SSN" }));
  const patches = () => stub.requests.filter((r) => r.method === "PATCH");
  beforeEach(() => routeRuleNames(stub, rules(250).map((r) => r.role), ["SSN"]));

  it(`splits into batches of ${RULE_BATCH_SIZE}, in order`, async () => {
    stub.route("PATCH", `${POLICY}/TAG%23PII/rules/batch`, { status: 200, body: { success: true } });
    const env = envelope(await h.call("add_rules", { policy_id: "TAG#PII", rules: rules(250) }));
    expect(env.data).toMatchObject({ policy_id: "TAG#PII", rules_added: 250, batches: 3 });
    // One result per rule, in order; none of these roles has a rule in the stub's answer.
    const results = (env.data as { results: { role: string; status: string }[] }).results;
    expect(results.map((r) => r.role)).toEqual(rules(250).map((r) => r.role));
    expect(new Set(results.map((r) => r.status))).toEqual(new Set(["created"]));
    const sizes = patches().map((r) => (JSON.parse(r.body) as { rules: unknown[] }).rules.length);
    expect(sizes).toEqual([99, 99, 52]);
    const roles = patches().flatMap((r) => (JSON.parse(r.body) as { rules: { rule: { role: string } }[] }).rules.map((x) => x.rule.role));
    expect(roles).toEqual(rules(250).map((r) => r.role));
  });

  it("a failed batch stops the rest and reports exactly what was applied", async () => {
    stub.route(
      "PATCH",
      `${POLICY}/TAG%23PII/rules/batch`,
      { status: 200, body: { success: true } },
      { status: 400, body: { message: "role R150 does not exist" } },
      { status: 200, body: { success: true } },
    );
    const res = await h.call("add_rules", { policy_id: "TAG#PII", rules: rules(250) });
    const env = envelope(res);
    expect(res.isError).toBe(true);
    expect(env.error!.kind).toBe("partial_failure");
    expect(env.error!.message).toMatch(/Batch 2 of 3 failed.*HTTP 400.*role R150 does not exist.*first 99 rules.*remaining 151 were not sent/s);
    expect(env.data).toEqual({ policy_id: "TAG#PII", rules_added: 99, batches: 1 });
    expect(patches()).toHaveLength(2);
  });

  it("a failed first batch is a plain error (nothing applied)", async () => {
    stub.route("PATCH", `${POLICY}/TAG%23PII/rules/batch`, { status: 404, body: { message: "no such policy" } });
    const env = envelope(await h.call("add_rules", { policy_id: "TAG#PII", rules: rules(3) }));
    expect(env.error).toMatchObject({ kind: "http", status: 404, altr_message: "no such policy" });
  });
});

describe("get_database_id", () => {
  it("several exact matches is an error listing the ids", async () => {
    stub.route("GET", "/api/databases", {
      status: 200,
      body: { success: true, data: { databases: [{ id: 1, friendlyDatabaseName: "DUP" }, { id: 2, friendlyDatabaseName: "DUP" }], count: 2 } },
    });
    const env = envelope(await h.call("get_database_id", { database_name: "DUP" }));
    expect(env.error?.message).toMatch(/2 databases are named "DUP" \(ids 1, 2\)/);
  });

  it("no match is a not_found error with near names; a lookup failure is that failure", async () => {
    stub.route("GET", "/api/databases", {
      status: 200,
      body: { success: true, data: { databases: [{ id: 1, friendlyDatabaseName: "PROD_SNOWFLAKE_2" }], count: 1 } },
    });
    const miss = envelope(await h.call("get_database_id", { database_name: "PROD_SNOWFLAKE" }));
    expect(miss.error).toMatchObject({ kind: "not_found" });
    expect(miss.error!.message).toContain("PROD_SNOWFLAKE_2");

    stub.route("GET", "/api/databases", { status: 503 });
    const down = envelope(await h.call("get_database_id", { database_name: "PROD_SNOWFLAKE" }));
    expect(down.error).toMatchObject({ kind: "http", status: 503 });
  });

  it("an exact match wins over the server's partial matches", async () => {
    stub.route("GET", "/api/databases", {
      status: 200,
      body: { success: true, data: { databases: [{ id: 7, friendlyDatabaseName: "SALES_OLD" }, { id: 8, friendlyDatabaseName: "SALES" }], count: 2 } },
    });
    const env = envelope(await h.call("get_database_id", { database_name: "SALES" }));
    expect(env.data).toMatchObject({ database_id: 8 });
  });
});
