/**
 * Key management against a local stub: rotate and deactivate are one attempt and say they are
 * destructive and not idempotent, contiguous_id paging terminates, names are checked and
 * percent-encoded, and bad input never reaches ALTR.
 */
import { describe, expect, it } from "vitest";
import { MAX_PAGES } from "../src/tools/common.js";
import { keyManagementTools } from "../src/tools/key-management.js";
import { baseUrlsFrom, connect, envelope } from "./helpers/harness.js";
import { type StubRequest } from "./helpers/stub.js";
import { h, stub, useStubHarness, queryOf as query } from "./helpers/stub-harness.js";

useStubHarness();

const ROTATE = "/keys/fpe/customer-ssn/sequence/2/rotate";

describe("rotate and deactivate", () => {
  it("rotate_key: a 503 is one attempt (a repeat would rotate twice)", async () => {
    stub.route("PATCH", ROTATE, { status: 503, body: { message: "Service Unavailable" } });
    const res = await h.call("rotate_key", { namespace: "fpe", name: "customer-ssn", sequence: "2" });
    const env = envelope(res);
    expect(res.isError).toBe(true);
    expect(env.error).toMatchObject({ kind: "http", status: 503, attempts: 1 });
    expect(env.error!.hint).toMatch(/list the resource first/);
    expect(stub.requests).toHaveLength(1);
  });

  it("rotate_key: a timeout is not repeated either", async () => {
    stub.route("PATCH", ROTATE, { hang: true });
    const d = await connect({ baseUrls: baseUrlsFrom(stub.url), http: { timeoutMs: 150 } });
    try {
      const env = envelope(await d.call("rotate_key", { namespace: "fpe", name: "customer-ssn", sequence: "2" }));
      expect(env.error).toMatchObject({ kind: "timeout", attempts: 1 });
      expect(stub.requests).toHaveLength(1);
    } finally {
      await d.close();
    }
  });

  it.each([
    ["deactivate_key", { namespace: "fpe", name: "customer-ssn", sequence: "1" }, "/keys/fpe/customer-ssn/sequence/1/deactivate"],
    ["deactivate_tweak", { name: "ssn-tweak", sequence: "1" }, "/tweaks/ssn-tweak/sequence/1/deactivate"],
  ])("%s: a 500 is one attempt", async (tool, args, path) => {
    stub.route("PATCH", path, { status: 500, body: { message: "internal" } });
    const env = envelope(await h.call(tool, args));
    expect(env.error).toMatchObject({ status: 500, attempts: 1, altr_message: "internal" });
    expect(stub.requests).toHaveLength(1);
    expect(stub.requests[0]!.body).toBe("");
  });

  it("rotate and deactivate are annotated and described as destructive and not idempotent", () => {
    for (const name of ["rotate_key", "deactivate_key", "deactivate_tweak"]) {
      const tool = h.host.listed.find((t) => t.name === name)!;
      // Advertised without the MCP defaults: readOnlyHint false and idempotentHint false are implied.
      expect(tool.annotations).toEqual({ destructiveHint: true });
      expect(tool.description).toMatch(/for good|each call rotates again/);
    }
  });

  it("a rotate answer is returned as ALTR gives it", async () => {
    stub.route("PATCH", ROTATE, { status: 200, body: { namespace: "fpe", name: "customer-ssn", sequence: "2", status: "active", rotated: true } });
    const env = envelope(await h.call("rotate_key", { namespace: "fpe", name: "customer-ssn", sequence: "2" }));
    expect(env.data).toMatchObject({ rotated: true, sequence: "2" });
  });
});

describe("contiguous_id paging", () => {
  const tweaks = Array.from({ length: 45 }, (_, i) => ({ name: `t${i}`, sequence: "1", status: "active" }));
  const paged = (req: StubRequest) => {
    const q = query(req);
    const start = q.contiguous_id ? Number(q.contiguous_id.slice(3)) : 0;
    const size = q.limit ? Number(q.limit) : 20;
    const end = start + size;
    return { tweaks: tweaks.slice(start, end), contiguous_id: end < tweaks.length ? `at-${end}` : null };
  };

  it("without a limit: follows contiguous_id to the end, filters on every page", async () => {
    stub.route("GET", "/tweaks", { status: 200, bodyFrom: paged });
    const data = envelope(await h.call("list_tweaks", { contain: "t", status: "active" })).data as {
      tweaks: unknown[];
      count: number;
      contiguous_id: string | null;
    };
    expect(data.tweaks).toEqual(tweaks);
    expect(data.count).toBe(45);
    expect(data.contiguous_id).toBeNull();
    expect(stub.requests.map(query)).toEqual([
      { contain: "t", status: "active" },
      { contiguous_id: "at-20", contain: "t", status: "active" },
      { contiguous_id: "at-40", contain: "t", status: "active" },
    ]);
  });

  it("with a limit: one page, and its contiguous_id to continue", async () => {
    stub.route("GET", "/tweaks", { status: 200, bodyFrom: paged });
    const data = envelope(await h.call("list_tweaks", { limit: 5, contiguous_id: "at-10" })).data as { tweaks: unknown[]; contiguous_id: string };
    expect(data.tweaks).toEqual(tweaks.slice(10, 15));
    expect(data.contiguous_id).toBe("at-15");
    expect(stub.requests.map(query)).toEqual([{ contiguous_id: "at-10", limit: "5" }]);
  });

  it("a server that never ends stops at MAX_PAGES with the id to continue; a repeated id ends the loop", async () => {
    let n = 0;
    stub.route("GET", "/keys/fpe", { status: 200, bodyFrom: () => ({ keys: [{ name: `k${n}` }], contiguous_id: `id-${++n}` }) });
    const data = envelope(await h.call("list_keys", { namespace: "fpe" })).data as { contiguous_id: string };
    expect(stub.requests).toHaveLength(MAX_PAGES);
    expect(data.contiguous_id).toBe(`id-${MAX_PAGES}`);

    stub.requests.length = 0;
    stub.route("GET", "/keys/fpe", { status: 200, body: { keys: [{ name: "k" }], contiguous_id: "stuck" } });
    const stuck = envelope(await h.call("list_keys", { namespace: "fpe" })).data as { contiguous_id: string | null };
    expect(stub.requests).toHaveLength(2);
    expect(stuck.contiguous_id).toBeNull();
  });
});

describe("names and paths", () => {
  it("names are percent-encoded once in the path; namespace goes in the body only for create_key", async () => {
    stub.route("GET", /.*/, { status: 200, body: { name: "x" } });
    stub.route("POST", "/keys", { status: 201, body: { name: "x" } });
    await h.call("get_key", { namespace: "fpe", name: "a/b c", sequence: "3" });
    await h.call("get_tweak", { name: "100% tweak" });
    await h.call("create_key", { namespace: "fpe", name: "a/b c" });
    expect(stub.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      "GET /keys/fpe/a%2Fb%20c?sequence=3",
      "GET /tweaks/100%25%20tweak",
      "POST /keys",
    ]);
    expect(JSON.parse(stub.requests[2]!.body)).toEqual({ name: "a/b c", namespace: "fpe" });
  });

  const INVALID: [what: string, tool: string, args: Record<string, unknown>, field: string][] = [
    ["a leading space", "create_tweak", { name: " ssn" }, "name"],
    ["a trailing space", "create_key", { namespace: "fpe", name: "ssn " }, "name"],
    ["257 characters", "create_tweak", { name: "x".repeat(257) }, "name"],
    ["an empty name", "get_tweak", { name: "" }, "name"],
    ["a namespace with spaces around it", "create_key", { namespace: " fpe", name: "k" }, "namespace"],
    ["no namespace", "list_keys", {}, "namespace"],
    ["an unknown status", "list_tweaks", { status: "enabled" }, "status"],
    ["limit 0", "list_keys", { namespace: "fpe", limit: 0 }, "limit"],
    ["an empty contiguous_id", "list_tweaks", { contiguous_id: "" }, "contiguous_id"],
    ["no sequence for rotate", "rotate_key", { namespace: "fpe", name: "k" }, "sequence"],
    ["no sequence for deactivate", "deactivate_tweak", { name: "t" }, "sequence"],
    ["a blank sequence", "deactivate_key", { namespace: "fpe", name: "k", sequence: "  " }, "sequence"],
    ["a numeric sequence", "get_key", { namespace: "fpe", name: "k", sequence: 2 }, "sequence"],
  ];
  it.each(INVALID)("%s → invalid_input naming the field", async (_what, tool, args, field) => {
    const res = await h.call(tool, args);
    const env = envelope(res);
    expect(res.isError).toBe(true);
    expect(env.error?.kind).toBe("invalid_input");
    expect(env.error?.message).toContain(field);
    expect(stub.requests).toHaveLength(0);
  });
});

describe("selection", () => {
  it("key management is off unless ALTR_TOOLSETS names it", async () => {
    const d = await connect({ baseUrls: baseUrlsFrom(stub.url), selection: { toolsets: [] } });
    try {
      const mine = new Set(keyManagementTools.map((t) => t.name));
      expect(mine.size).toBe(9);
      const { tools } = await d.client.listTools();
      expect(tools.filter((t) => mine.has(t.name))).toEqual([]);
      await expect(d.call("rotate_key", { namespace: "fpe", name: "k", sequence: "1" })).rejects.toThrow(/key_management/);
    } finally {
      await d.close();
    }
    expect(stub.requests).toHaveLength(0);
  });
});
