/**
 * Tokenization against a local stub: labels ↔ fieldNNN on every answer shape (values,
 * unprocessed entries, error text), limits before any request, the determinism header, and
 * no retry of a tokenize after a 5xx.
 */
import { describe, expect, it } from "vitest";
import { wireKey } from "../src/tools/tokenization.js";
import { baseUrlsFrom, connect, envelope } from "./helpers/harness.js";
import { type StubRequest } from "./helpers/stub.js";
import { h, stub, useStubHarness } from "./helpers/stub-harness.js";

useStubHarness();

const sent = (r: StubRequest) => JSON.parse(r.body) as Record<string, string>;
/** ALTR's answer to a batch: every wire key with `f(value)`. */
const answering = (f: (v: string) => string) => (req: StubRequest) => ({
  success: true,
  data: Object.fromEntries(Object.entries(sent(req)).map(([k, v]) => [k, f(v)])),
});

const SERVICES = [
  { prefix: "vault", maxEntries: 4096 },
  { prefix: "critical", maxEntries: 1024 },
] as const;

describe("labels ↔ fieldNNN", () => {
  it("wire keys are field000 … field999, then field1000", () => {
    expect([0, 7, 42, 999, 1000, 4095].map(wireKey)).toEqual(["field000", "field007", "field042", "field999", "field1000", "field4095"]);
  });

  for (const { prefix } of SERVICES) {
    it(`${prefix}_tokenize: labels never reach ALTR and come back on the answer`, async () => {
      stub.route("POST", "/batch", { status: 201, bodyFrom: answering((v) => `tok(${v})`) });
      const env = envelope(await h.call(`${prefix}_tokenize`, { values: { ssn: "123-45-6789", "e mail": "a@b.example", card: "4111" } }));
      expect(env.success).toBe(true);
      expect(env.data).toEqual({ ssn: "tok(123-45-6789)", "e mail": "tok(a@b.example)", card: "tok(4111)" });
      expect(stub.requests).toHaveLength(1);
      expect(stub.requests[0]!.body).toBe(JSON.stringify({ field000: "123-45-6789", field001: "a@b.example", field002: "4111" }));
    });
  }

  it("more than 1000 entries: the 1001st is field1000 and maps back to its label", async () => {
    stub.route("PUT", "/batch", { status: 200, bodyFrom: answering((v) => v.replace("vaultn_", "plain-")) });
    const tokens = Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`row ${i}`, `vaultn_${i}`]));
    const env = envelope(await h.call("vault_detokenize", { tokens }));
    const body = sent(stub.requests[0]!);
    expect(Object.keys(body)).toHaveLength(1001);
    expect(body.field999).toBe("vaultn_999");
    expect(body.field1000).toBe("vaultn_1000");
    expect((env.data as Record<string, string>)["row 1000"]).toBe("plain-1000");
    expect(Object.keys(env.data as object)).toHaveLength(1001);
  });

  it("a key ALTR adds that is not ours passes through unchanged", async () => {
    stub.route("PUT", "/batch/partial", { status: 200, body: { success: true, data: { field000: "x", field001: "y", note: "extra" } } });
    const env = envelope(await h.call("critical_partial_detokenize", { values: { a: "a1b2", b: "c3d4" } }));
    expect(env.data).toEqual({ a: "x", b: "y", note: "extra" });
  });

  it("ALTR's error text naming a wire key is given back with the caller's label", async () => {
    stub.route("PUT", "/batch", {
      status: 400,
      body: { success: false, data: { message: "Received Malformed Token at field001", statusCode: 400 } },
    });
    const env = envelope(await h.call("critical_detokenize", { tokens: { ssn: "token_aaaa", card: "token_bbbb" } }));
    expect(env.error).toMatchObject({ kind: "http", status: 400, altr_message: 'Received Malformed Token at "card"' });
    expect(env.error!.message).toContain('"card"');
    expect(env.error!.message).not.toContain("field001");
  });

  it("an answer missing some labels is a partial failure naming them; the others are in data", async () => {
    stub.route("POST", "/batch", { status: 201, body: { success: true, data: { field000: "token_one" } } });
    const res = await h.call("critical_tokenize", { values: { first: "alpha", second: "beta" } });
    expect(res.isError).toBe(true);
    const env = envelope(res);
    expect(env.error!.kind).toBe("partial_failure");
    expect(env.error!.message).toContain('"second"');
    expect(env.data).toEqual({ first: "token_one" });
  });

  it("a 2xx answer with success: false is not reported as success", async () => {
    stub.route("PUT", "/batch", { status: 200, body: { success: false, data: {} } });
    const res = await h.call("vault_detokenize", { tokens: { a: "vaultn_abcd" } });
    expect(res.isError).toBe(true);
    // ALTR's own envelope says the operation failed: rejected (security issue: success means success).
    expect(envelope(res).error!.kind).toBe("rejected");
  });
});

describe("delete tokens", () => {
  it("all processed: every label is listed as processed", async () => {
    stub.route("PUT", "/batch/delete", { status: 200, body: { success: true, unprocessed: [] } });
    const env = envelope(await h.call("critical_delete_tokens", { tokens: { a: "token_aaaa", b: "token_bbbb" } }));
    expect(env.data).toEqual({ processed: ["a", "b"], unprocessed: [] });
  });

  it("unprocessed entries are mapped to labels, reported as a partial failure, and tokens stay out of the text", async () => {
    stub.route("PUT", "/batch/delete", {
      status: 200,
      body: { success: false, unprocessed: [{ message: "Too Many Requests", statusCode: "429", field001: "vaultn_SECRETTOKEN" }] },
    });
    const res = await h.call("vault_delete_tokens", { tokens: { keep: "vaultn_first", card: "vaultn_SECRETTOKEN" } });
    expect(res.isError).toBe(true);
    const env = envelope(res);
    expect(env.error!.kind).toBe("partial_failure");
    expect(env.error!.message).toContain('"card" (Too Many Requests, 429)');
    expect(JSON.stringify(res)).not.toContain("SECRETTOKEN");
    expect(env.data).toEqual({ processed: ["keep"], unprocessed: [{ label: "card", message: "Too Many Requests", status: "429" }] });
  });
});

describe("the determinism header", () => {
  it("tokenize always sends X-ALTR-DETERMINISM as true or false; the reads do not", async () => {
    stub.route("POST", "/batch", { status: 201, bodyFrom: answering(() => "t") });
    stub.route("PUT", "/batch", { status: 200, bodyFrom: answering(() => "p") });
    await h.call("vault_tokenize", { values: { a: "aaaa" } });
    await h.call("vault_tokenize", { values: { a: "aaaa" }, deterministic: true });
    await h.call("critical_tokenize", { values: { a: "aaaa" }, deterministic: false });
    await h.call("critical_detokenize", { tokens: { a: "token_aaaa" } });
    expect(stub.requests.map((r) => r.headers["x-altr-determinism"])).toEqual(["false", "true", "false", undefined]);
  });
});

describe("limits are enforced before any request", () => {
  const big = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, "v"]));
  const cases: [what: string, tool: string, args: Record<string, unknown>, field: string, words: RegExp][] = [
    ["4097 vault entries", "vault_tokenize", { values: big(4097) }, "values", /at most 4096 entries/],
    ["1025 critical entries", "critical_tokenize", { values: big(1025) }, "values", /at most 1024 entries/],
    ["1025 tokens to delete", "critical_delete_tokens", { tokens: big(1025) }, "tokens", /at most 1024 entries/],
    ["a 1024-character vault value", "vault_tokenize", { values: { long: "x".repeat(1024) } }, "values.long", /1023/],
    ["a 1024-character vault token", "vault_detokenize", { tokens: { ok: "vaultn_a", long: "x".repeat(1024) } }, "tokens.long", /1023/],
    // 43 × "€" is 43 characters but 129 UTF-8 bytes: over critical's 128-byte limit.
    ["129 UTF-8 bytes (43 characters)", "critical_tokenize", { values: { euro: "€".repeat(43) } }, "values.euro", /128 UTF-8 bytes/],
    ["no entries", "critical_tokenize", { values: {} }, "values", /at least one entry/],
    ["an empty value", "vault_partial_detokenize", { values: { empty: "" } }, "values.empty", /./],
    ["a number", "vault_tokenize", { values: { n: 5 } }, "values.n", /string/],
    ["an array", "vault_tokenize", { values: ["a", "b"] }, "values", /./],
    ["a JSON string", "vault_tokenize", { values: '{"a":"b"}' }, "values", /./],
    ["an empty label", "vault_tokenize", { values: { "": "abcd" } }, "values", /labels must not be empty/],
    ["__proto__ as a label", "vault_tokenize", { values: JSON.parse('{"__proto__":"abcd","b":"efgh"}') as object }, "values", /__proto__ cannot be a label/],
    ["deterministic not a boolean", "vault_tokenize", { values: { a: "abcd" }, deterministic: "yes" }, "deterministic", /./],
    ["no tokens", "critical_detokenize", {}, "tokens", /required/],
  ];
  it.each(cases)("%s → invalid_input naming the field", async (_what, tool, args, field, words) => {
    const res = await h.call(tool, args);
    expect(res.isError).toBe(true);
    const env = envelope(res);
    expect(env.error!.kind).toBe("invalid_input");
    expect(env.error!.message).toContain(field);
    expect(env.error!.message).toMatch(words);
    expect(env.error!.message).toContain("Nothing was sent to ALTR");
    expect(stub.requests).toHaveLength(0);
  });

  it("exactly at the limits is accepted", async () => {
    stub.route("POST", "/batch", { status: 201, bodyFrom: answering(() => "t") });
    expect(envelope(await h.call("critical_tokenize", { values: { ...big(1023), euro: "€".repeat(42) + "ab" } })).success).toBe(true);
    expect(envelope(await h.call("vault_tokenize", { values: { ...big(4095), long: "x".repeat(1023) } })).success).toBe(true);
    expect(stub.requests).toHaveLength(2);
  });
});

describe("retries", () => {
  for (const { prefix } of SERVICES) {
    it(`${prefix}_tokenize: a 503 is one attempt (a repeat would mint orphan tokens)`, async () => {
      stub.route("POST", "/batch", { status: 503, body: { success: false, data: { message: "Service Unavailable" } } });
      const res = await h.call(`${prefix}_tokenize`, { values: { a: "abcd" } });
      const env = envelope(res);
      expect(res.isError).toBe(true);
      expect(env.error).toMatchObject({ kind: "http", status: 503, attempts: 1 });
      expect(stub.requests).toHaveLength(1);
    });

    it(`${prefix}_tokenize: a connection reset is one attempt`, async () => {
      stub.route("POST", "/batch", { reset: true });
      const env = envelope(await h.call(`${prefix}_tokenize`, { values: { a: "abcd" } }));
      expect(env.error).toMatchObject({ kind: "network", attempts: 1 });
      expect(stub.requests).toHaveLength(1);
    });
  }

  it("a 429 on tokenize is retried: ALTR refused it before doing anything", async () => {
    stub.route("POST", "/batch", { status: 429 }, { status: 201, bodyFrom: answering(() => "t") });
    const env = envelope(await h.call("vault_tokenize", { values: { a: "abcd" } }));
    expect(env.success).toBe(true);
    expect(stub.requests).toHaveLength(2);
  });

  it("detokenize (a read sent as PUT) is retried on 503", async () => {
    stub.route("PUT", "/batch", { status: 503 }, { status: 200, bodyFrom: answering(() => "p") });
    const env = envelope(await h.call("critical_detokenize", { tokens: { a: "token_abcd" } }));
    expect(env.success).toBe(true);
    expect(stub.requests).toHaveLength(2);
  });
});

describe("selection", () => {
  it("tokenization is off unless ALTR_TOOLSETS names it", async () => {
    const d = await connect({ baseUrls: baseUrlsFrom(stub.url), selection: { toolsets: [] } });
    try {
      const { tools } = await d.client.listTools();
      expect(tools.some((t) => t.name.includes("tokenize"))).toBe(false);
      await expect(d.call("vault_detokenize", { tokens: { a: "vaultn_x" } })).rejects.toThrow(/toolset "tokenization" is not enabled/);
    } finally {
      await d.close();
    }
    const on = await connect({ baseUrls: baseUrlsFrom(stub.url), selection: { toolsets: ["tokenization"] } });
    try {
      const { tools } = await on.client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(
        SERVICES.flatMap(({ prefix }) => ["tokenize", "detokenize", "partial_detokenize", "delete_tokens"].map((n) => `${prefix}_${n}`)).sort(),
      );
    } finally {
      await on.close();
    }
    expect(stub.requests).toHaveLength(0);
  });
});
