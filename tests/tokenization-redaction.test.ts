/**
 * Plaintext values and tokens never reach the log or error text. Every tokenization tool runs
 * in-process with a pino logger at debug level writing into memory, against a stub ALTR that
 * quotes the request body back in its error messages, that answers with the tokens and
 * plaintext, and that reports unprocessed entries. No sentinel may appear in the captured log
 * or in any error text; the sentinels demonstrably reached ALTR, so the test can fail.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { baseUrlsFrom, connect, envelope, type Harness } from "./helpers/harness.js";
import { captureLog } from "./helpers/log-capture.js";
import { startStub, type Stub, type StubRequest } from "./helpers/stub.js";

const PLAIN = "SENTINEL-PLAINTEXT-7d793037a076";
const PLAIN2 = "SENTINEL-PLAIN-TWO-0dfd8a5c3b1e";
const TOKEN = "vaultn_SENTINELTOKEN4f2a9e1c";
const CTOKEN = "token_SENTINELCRITICALTOKEN66b8d40a9c2f1e7b3a5d0c4e8f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1";
/** Answers ALTR gives back: they must not be logged either. */
const ANSWER_TOKEN = "vaultd_SENTINELANSWERTOKEN91c3";
const ANSWER_PLAIN = "SENTINEL-ANSWER-PLAINTEXT-52e1";
const SENTINELS = [PLAIN, PLAIN2, TOKEN, CTOKEN, ANSWER_TOKEN, ANSWER_PLAIN];

const CALLS: { tool: string; args: Record<string, unknown> }[] = [
  { tool: "vault_tokenize", args: { values: { ssn: PLAIN, note: PLAIN2 }, deterministic: true } },
  { tool: "vault_detokenize", args: { tokens: { ssn: TOKEN } } },
  { tool: "vault_partial_detokenize", args: { values: { ssn: TOKEN, plain: PLAIN } } },
  { tool: "vault_delete_tokens", args: { tokens: { ssn: TOKEN } } },
  { tool: "critical_tokenize", args: { values: { ssn: PLAIN } } },
  { tool: "critical_detokenize", args: { tokens: { ssn: CTOKEN } } },
  { tool: "critical_partial_detokenize", args: { values: { ssn: CTOKEN, plain: PLAIN2 } } },
  { tool: "critical_delete_tokens", args: { tokens: { ssn: CTOKEN, other: TOKEN } } },
];

let stub: Stub;
let h: Harness;
const captured = captureLog("debug");

beforeAll(async () => {
  stub = await startStub();
  h = await connect({ baseUrls: baseUrlsFrom(stub.url), logger: captured.logger, http: { maxAttempts: 2 } });
});
afterAll(async () => {
  await h.close();
  await stub.close();
});

const routeAll = (...replies: Parameters<Stub["route"]>[2][]) => {
  for (const [m, p] of [
    ["POST", "/batch"],
    ["PUT", "/batch"],
    ["PUT", "/batch/partial"],
    ["PUT", "/batch/delete"],
  ] as const) {
    stub.route(m, p, ...replies);
  }
};

/** Every piece of error text a result carries (message, ALTR's message, hint). */
function errorText(res: CallToolResult): string {
  const e = envelope(res).error;
  return e ? [e.message, e.altr_message ?? "", e.hint ?? ""].join("\n") : "";
}

async function runAll(): Promise<CallToolResult[]> {
  const results: CallToolResult[] = [];
  for (const { tool, args } of CALLS) results.push(await h.call(tool, args));
  return results;
}

function expectClean(results: CallToolResult[]): void {
  for (const s of SENTINELS) {
    expect(captured.text().includes(s), `log contains ${s}: ${captured.text().split("\n").filter((l) => l.includes(s)).join("\n").slice(0, 600)}`).toBe(false);
    for (const r of results) expect(errorText(r).includes(s), `error text contains ${s}: ${errorText(r)}`).toBe(false);
  }
}

describe("tokenization values and tokens stay out of logs and error text (LOG_LEVEL=debug)", () => {
  it("ALTR quotes the request body (raw, JSON-escaped and URL-encoded) in 400 errors", async () => {
    stub.requests.length = 0;
    captured.clear();
    routeAll({
      status: 400,
      bodyFrom: (req: StubRequest) => ({
        success: false,
        data: { message: `cannot process ${req.body} ${JSON.stringify(req.body)} ${encodeURIComponent(req.body)}`, statusCode: 400 },
      }),
    });
    const results = await runAll();
    // The sentinels really were sent, and ALTR's message really quoted them.
    const bodies = stub.requests.map((r) => r.body).join("\n");
    for (const s of [PLAIN, PLAIN2, TOKEN, CTOKEN]) expect(bodies).toContain(s);
    expect(results.every((r) => r.isError)).toBe(true);
    expect(envelope(results[0]!).error!.altr_message).toContain("[REDACTED]");
    expect(captured.text()).toContain("tool call");
    expect(captured.text()).toContain("[REDACTED]");
    expectClean(results);
  });

  it("a 5xx that quotes the body is reported without it", async () => {
    stub.requests.length = 0;
    captured.clear();
    routeAll({ status: 503, bodyFrom: (req: StubRequest) => ({ message: `upstream failed on ${req.body}` }) });
    const results = await runAll();
    expect(results.every((r) => r.isError)).toBe(true);
    expectClean(results);
  });

  it("successful answers carrying tokens and plaintext are returned but never logged", async () => {
    stub.requests.length = 0;
    captured.clear();
    const echo = (value: string) => (req: StubRequest) => ({
      success: true,
      data: Object.fromEntries(Object.keys(JSON.parse(req.body) as object).map((k) => [k, value])),
    });
    stub.route("POST", "/batch", { status: 201, bodyFrom: echo(ANSWER_TOKEN) });
    stub.route("PUT", "/batch", { status: 200, bodyFrom: echo(ANSWER_PLAIN) });
    stub.route("PUT", "/batch/partial", { status: 200, bodyFrom: echo(ANSWER_PLAIN) });
    stub.route("PUT", "/batch/delete", { status: 200, body: { success: true, unprocessed: [] } });
    const results = await runAll();
    expect(results.filter((r) => r.isError)).toEqual([]);
    expect(JSON.stringify(envelope(results[0]!).data)).toContain(ANSWER_TOKEN);
    expect(JSON.stringify(envelope(results[1]!).data)).toContain(ANSWER_PLAIN);
    expect(captured.text()).toContain("tool call finished");
    expectClean(results);
  });

  it("unprocessed deletes and partial answers name labels only", async () => {
    stub.requests.length = 0;
    captured.clear();
    stub.route("PUT", "/batch/delete", {
      status: 200,
      bodyFrom: (req: StubRequest) => ({
        success: false,
        unprocessed: Object.entries(JSON.parse(req.body) as Record<string, string>).map(([k, v]) => ({
          message: `could not delete ${v}`,
          statusCode: "500",
          [k]: v,
        })),
      }),
    });
    stub.route("POST", "/batch", { status: 201, body: { success: true, data: { field000: ANSWER_TOKEN } } });
    const del = await h.call("critical_delete_tokens", { tokens: { ssn: CTOKEN, other: TOKEN } });
    const tok = await h.call("vault_tokenize", { values: { ssn: PLAIN, note: PLAIN2 } });
    expect(del.isError).toBe(true);
    expect(tok.isError).toBe(true);
    expect(errorText(del)).toContain('"ssn"');
    expect(errorText(tok)).toContain('"note"');
    expectClean([del, tok]);
  });

  it("invalid input carrying a value is refused without echoing it", async () => {
    captured.clear();
    const res = await h.call("critical_tokenize", { values: { ssn: PLAIN + "x".repeat(200) } });
    expect(envelope(res).error!.kind).toBe("invalid_input");
    const res2 = await h.call("vault_tokenize", { values: { ssn: 12345678, note: PLAIN } });
    expect(envelope(res2).error!.kind).toBe("invalid_input");
    expectClean([res, res2]);
  });
});
