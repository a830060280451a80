/**
 * The ALTR client layer (src/altr/client.ts) and pagination (src/altr/paginate.ts) unit by unit,
 * with a scripted fetch: credentials and headers on every request, path parameters encoded
 * exactly once, the error of a failed call (status, ALTR's message, operation, attempts), the
 * log lines (operation names, never values), and the loop bounds of both paginators.
 * Written for the mutation run (npm run mutate).
 */
import pino from "pino";
import { describe, expect, it } from "vitest";
import { basicCredential, createAltrClients, encodePathSegment, ok, okWithStatus, PathParamError, pathSerializer, type OutgoingOperation } from "../src/altr/client.js";
import { AltrError } from "../src/altr/errors.js";
import { nextOffset, paginate, paginateOffset } from "../src/altr/paginate.js";
import { SERVICE_NAMES, type ServiceName } from "../src/config/services.js";

describe("path parameters", () => {
  it.each([
    ["a b", "a%20b"],
    ["a%20b", "a%20b"],
    ["TAG#PII", "TAG%23PII"],
    ["TAG%23PII", "TAG%23PII"],
    ["../x", "..%2Fx"],
    ["%E0%A4%A", "%25E0%25A4%25A"],
    [5, "5"],
  ] as const)("%j → %s", (value, encoded) => {
    expect(encodePathSegment(value)).toBe(encoded);
  });
  it("every placeholder is filled once; a missing value keeps its placeholder", () => {
    expect(pathSerializer("/p/{a}/r/{b}/{a}", { a: "x/y", b: 0 })).toBe("/p/x%2Fy/r/0/x%2Fy");
    expect(pathSerializer("/p/{a}/{b}", { a: null })).toBe("/p/{a}/{b}");
    expect(pathSerializer("/p/{a}", undefined as unknown as Record<string, unknown>)).toBe("/p/{a}");
  });
  it.each([
    ["", "is empty"],
    [".", 'is a dot segment (".")'],
    ["..", 'is a dot segment ("..")'],
    ["%2e", 'is a dot segment ("%2e")'],
    ["%2E%2e", 'is a dot segment ("%2E%2e")'],
    [".%2E", 'is a dot segment (".%2E")'],
    ["%252e%252E", 'is a dot segment ("%252e%252E")'],
    ["%25252e", 'is a dot segment ("%25252e")'],
  ])("%j is refused as a PathParamError naming the parameter, the value and why", (value, what) => {
    const err = (() => {
      try {
        encodePathSegment(value, "rule_id");
      } catch (e) {
        return e;
      }
      return undefined;
    })() as PathParamError;
    expect(err).toBeInstanceOf(PathParamError);
    expect(err.name).toBe("PathParamError");
    expect(err.param).toBe("rule_id");
    expect(err.value).toBe(value);
    expect(err.message).toBe(`path parameter rule_id ${what}: it would address another resource than the one named`);
  });
  it("the default parameter name is id; escapes of non-ASCII bytes are not taken for dots", () => {
    expect(() => encodePathSegment("..")).toThrow("path parameter id is a dot segment");
    // %C2%AE is a non-ASCII character (®), never a dot: encoded as one segment, not refused.
    expect(encodePathSegment("%C2%AE%2E")).toBe("%C2%AE.");
    expect(encodePathSegment("...")).toBe("...");
    expect(encodePathSegment("%2e%2e%2e")).toBe("...");
    expect(encodePathSegment("a.")).toBe("a.");
    expect(encodePathSegment("%2541")).toBe("%2541");
  });
  it("decoding is bounded: 16 levels are checked (a dot under 15 levels of %25 is found, under 16 it is not looked for)", () => {
    expect(() => encodePathSegment(`%${"25".repeat(14)}2e`)).toThrow(PathParamError);
    expect(() => encodePathSegment(`%${"25".repeat(15)}2e`)).not.toThrow();
  });
  it("a lone surrogate is refused as not valid Unicode", () => {
    expect(() => encodePathSegment("a\ud800", "tag")).toThrow("path parameter tag is not valid Unicode text (it contains a lone surrogate)");
  });
  it("the Basic credential is base64 of key:secret", () => {
    expect(basicCredential("k", "s:é")).toBe(Buffer.from("k:s:é").toString("base64"));
  });
});

interface Sent {
  url: string;
  method: string;
  headers: Headers;
}
function clients(answer: (req: Sent) => Response | Promise<Response>) {
  const sent: Sent[] = [];
  const logs: Record<string, unknown>[] = [];
  const retries: number[] = [];
  const logger = pino({ level: "debug" }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
  const baseUrls = Object.fromEntries(SERVICE_NAMES.map((s) => [s, `http://altr.test/${s}`])) as Record<ServiceName, string>;
  const altr = createAltrClients({
    mapiKey: "key",
    mapiSecret: "secret",
    baseUrls,
    http: { maxAttempts: 2, timeoutMs: 2_000, baseDelayMs: 0, maxDelayMs: 0, maxResponseBytes: 100_000 },
    logger,
    deps: {
      fetch: (async (url: string | URL | Request, init?: RequestInit) => {
        const req = { url: String(url), method: init?.method ?? "GET", headers: new Headers(init?.headers) };
        sent.push(req);
        return answer(req);
      }) as typeof globalThis.fetch,
      sleep: async () => undefined,
      onRetry: (i) => retries.push(i.attempt),
    },
  });
  return { altr, sent, logs, retries };
}
const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, statusText: `S${status}`, headers: { "content-type": "application/json", ...headers } });

describe("createAltrClients()", () => {
  it("sends Basic credentials and accept: json to the service's base URL, path encoded once", async () => {
    const c = clients(() => json(200, { success: true, data: { policies: [] } }));
    await ok(c.altr.api.GET("/v1/unified-policy/management/policy/{policy_id}/rules", { params: { path: { policy_id: "TAG#PII" } } }));
    expect(c.sent[0]!.url).toBe("http://altr.test/api/v1/unified-policy/management/policy/TAG%23PII/rules");
    expect(c.sent[0]!.headers.get("authorization")).toBe(`Basic ${basicCredential("key", "secret")}`);
    expect(c.sent[0]!.headers.get("accept")).toBe("application/json");
    for (const s of SERVICE_NAMES.filter((n) => n in c.altr)) expect(c.altr[s as keyof typeof c.altr]).toBeDefined();
  });

  it("logs the operation and its outcome, never the values or the credential", async () => {
    const c = clients(() => json(200, {}, { "x-a": "1" }));
    const before = performance.now();
    await ok(c.altr.api.GET("/v1/unified-policy/management/policy/{policy_id}/rules", { params: { path: { policy_id: "SECRET-ID" } } }));
    const [req, res] = c.logs;
    expect(req).toMatchObject({ level: 20, msg: "ALTR request", service: "api", method: "GET", path: "/v1/unified-policy/management/policy/{policy_id}/rules" });
    expect(res).toMatchObject({ level: 20, msg: "ALTR response", service: "api", operation: "GET /v1/unified-policy/management/policy/{policy_id}/rules", status: 200, attempts: 1 });
    // The duration of this call, not a clock reading.
    expect(res!.ms).toBeGreaterThanOrEqual(0);
    expect(res!.ms).toBeLessThanOrEqual(Math.ceil(performance.now() - before) + 1);
    const text = JSON.stringify(c.logs);
    expect(text).not.toContain("SECRET-ID");
    expect(text).not.toContain(basicCredential("key", "secret"));
  });

  it("a retry is logged as a warning and reported to the caller's hook", async () => {
    let n = 0;
    const c = clients(() => (n++ === 0 ? json(503, {}) : json(200, {})));
    const { status } = await okWithStatus(c.altr.api.GET("/v1/unified-policy/management/policy", { params: { query: { policy_type: "TAG" } } }));
    expect(status).toBe(200);
    expect(c.retries).toEqual([1]);
    expect(c.logs.find((l) => l.msg === "retrying ALTR request")).toMatchObject({ level: 40, method: "GET", attempt: 1, delayMs: 0, reason: "HTTP 503" });
    expect(c.logs.find((l) => l.msg === "ALTR response")).toMatchObject({ attempts: 2 });
  });

  it("a failed call is an AltrError with status, ALTR's message, the operation and the attempts", async () => {
    const c = clients(() => json(503, { success: false, data: { message: "busy" } }));
    const err = (await ok(c.altr.api.GET("/v1/unified-policy/management/policy", { params: { query: { policy_type: "TAG" } } })).catch((e: unknown) => e)) as AltrError;
    expect(err).toBeInstanceOf(AltrError);
    expect(err).toMatchObject({ kind: "http", status: 503, altrMessage: "busy", attempts: 2, operation: "GET /v1/unified-policy/management/policy" });
    expect(err.message).toContain("HTTP 503 S503 (GET /v1/unified-policy/management/policy) after 2 attempts: busy.");
  });

  it("a failure inside the fetch names the operation; a body that is not JSON is invalid_response", async () => {
    const down = clients(() => Promise.reject(Object.assign(new Error("x"), { code: "ECONNREFUSED" })));
    const err = (await ok(down.altr.api.POST("/v1/unified-policy/management/policy", { body: {} as never })).catch((e: unknown) => e)) as AltrError;
    expect(err).toMatchObject({ kind: "network", operation: "POST /v1/unified-policy/management/policy", attempts: 2 });
    const garbled = clients(() => new Response("{not json", { status: 200, headers: { "content-type": "application/json" } }));
    const bad = (await ok(garbled.altr.api.GET("/v1/unified-policy/management/policy", { params: { query: { policy_type: "TAG" } } })).catch((e: unknown) => e)) as AltrError;
    expect(bad).toMatchObject({ kind: "invalid_response" });
    expect(bad.message).toContain("the body is not valid JSON");
  });

  it("ok() passes other failures through unchanged; okWithStatus gives the success status", async () => {
    const boom = new TypeError("boom");
    await expect(ok(Promise.reject(boom))).rejects.toBe(boom);
    const c = clients(() => json(202, { search_uuid: "u" }));
    const r = await okWithStatus(c.altr.api.POST("/v1/query-audits/search", { params: { query: {} } }));
    expect(r).toEqual({ data: { search_uuid: "u" }, status: 202 });
  });
});

describe("paginate()", () => {
  it("reads until the cursor is null or undefined", async () => {
    const pages = [{ items: [1], next: "a" }, { items: [2], next: "b" }, { items: [3], next: null }];
    let i = 0;
    expect(await paginate({ scope: undefined, maxPages: 10, fetchPage: async () => pages[i++]! })).toEqual({ items: [1, 2, 3], next: null, pages: 3 });
    expect(await paginate({ scope: undefined, maxPages: 10, fetchPage: async () => ({ items: [9], next: undefined as unknown as null }) })).toEqual({ items: [9], next: null, pages: 1 });
  });
  it("maxPages below 1 still reads one page; the cap hands back the cursor", async () => {
    const r = await paginate<number, number>({ scope: undefined, maxPages: 0, fetchPage: async (c) => ({ items: [c ?? 0], next: (c ?? 0) + 1 }) });
    expect(r).toEqual({ items: [0], next: 1, pages: 1, stopped: "page_limit" });
  });
  it("starting from a cursor, a page that hands that cursor back stops the loop", async () => {
    const seen: (string | null)[] = [];
    const r = await paginate<number, string>({ scope: undefined,
      start: "s",
      maxPages: 10,
      fetchPage: async (c) => (seen.push(c), { items: [1], next: "s" }),
    });
    expect(seen).toEqual(["s"]);
    expect(r).toEqual({ items: [1], next: null, pages: 1, stopped: "cursor_did_not_advance" });
  });
  it("repeat detection uses the key function (default: JSON)", async () => {
    let n = 0;
    const byId = await paginate<number, { id: number; t: number }>({ scope: undefined,
      maxPages: 10,
      key: (c) => String(c.id),
      fetchPage: async () => ({ items: [n], next: { id: 1, t: n++ } }),
    });
    expect(byId.pages).toBe(2);
    n = 0;
    const byJson = await paginate<number, { id: number; t: number }>({ scope: undefined, maxPages: 4, fetchPage: async () => ({ items: [n], next: { id: 1, t: n++ } }) });
    expect(byJson).toMatchObject({ pages: 4, stopped: "page_limit", next: { id: 1, t: 3 } });
  });
});

describe("offset paging", () => {
  it.each([
    [0, 0, 10, null],
    [0, 5, 10, 5],
    [5, 5, 10, null],
    [5, 4, 10, 9],
    [0, 3, null, 3],
    [0, 3, undefined, 3],
    [7, -1, 10, null],
  ] as const)("nextOffset(%i, %i, %j) = %j", (offset, received, total, next) => {
    expect(nextOffset(offset, received, total)).toBe(next);
  });
  it("paginateOffset keeps the last total ALTR reported, or the number read", async () => {
    const asked: number[] = [];
    const totals = [10, undefined, null];
    const r = await paginateOffset({ scope: undefined,
      start: 2,
      maxPages: 3,
      fetchPage: async (at) => (asked.push(at), { items: [at, at + 1], total: totals[asked.length - 1] }),
    });
    expect(asked).toEqual([2, 4, 6]);
    expect(r).toEqual({ items: [2, 3, 4, 5, 6, 7], total: 10, next_offset: 8 });
    const none = await paginateOffset({ scope: undefined, start: 0, maxPages: 5, fetchPage: async () => ({ items: ["a"] }) });
    expect(none).toEqual({ items: ["a", "a", "a", "a", "a"], total: 5, next_offset: 5 });
    const done = await paginateOffset({ scope: undefined, start: 0, maxPages: 5, fetchPage: async () => ({ items: [], total: 0 }) });
    expect(done).toEqual({ items: [], total: 0, next_offset: null });
  });
});

describe("the request guard: read-only sessions and the caller's guard see every operation before it leaves", () => {
  function guarded(opts: { readOnly?: boolean; guard?: (op: OutgoingOperation) => void }) {
    const sent: string[] = [];
    const baseUrls = Object.fromEntries(SERVICE_NAMES.map((s) => [s, `http://altr.test/${s}`])) as Record<ServiceName, string>;
    const altr = createAltrClients({
      mapiKey: "key",
      mapiSecret: "secret",
      baseUrls,
      http: { maxAttempts: 1, timeoutMs: 2_000, baseDelayMs: 0, maxDelayMs: 0, maxResponseBytes: 100_000 },
      logger: pino({ level: "silent" }),
      ...opts,
      deps: {
        fetch: (async (url: string | URL | Request, init?: RequestInit) => {
          sent.push(`${init?.method ?? "GET"} ${String(url)}`);
          return json(200, { success: true, data: {} });
        }) as typeof globalThis.fetch,
        sleep: async () => undefined,
      },
    });
    return { altr, sent };
  }

  it("read-only: a write is refused before sending, naming the operation key; a read goes", async () => {
    const c = guarded({ readOnly: true });
    const err = (await ok(c.altr.api.DELETE("/v1/unified-policy/management/policy/{policy_id}", { params: { path: { policy_id: "TAG#PII" } } })).catch((e: unknown) => e)) as AltrError;
    expect(err).toBeInstanceOf(AltrError);
    expect(err.kind).toBe("rejected");
    expect(err.operation).toBe("DELETE /v1/unified-policy/management/policy/{policy_id}");
    expect(err.message).toContain("Refused before sending DELETE /v1/unified-policy/management/policy/{policy_id}: this session is read-only (ALTR_READ_ONLY=true) and api.deletePolicy is not a read. Nothing was sent to ALTR");
    expect(err.hint).toBe("Unset ALTR_READ_ONLY to make changes.");
    expect(c.sent).toEqual([]);
    await ok(c.altr.api.GET("/v1/unified-policy/management/policy", { params: { query: { policy_type: "TAG" } } }));
    expect(c.sent).toEqual(["GET http://altr.test/api/v1/unified-policy/management/policy?policy_type=TAG"]);
  });

  it("without read-only a write goes", async () => {
    const c = guarded({});
    await ok(c.altr.api.DELETE("/v1/unified-policy/management/policy/{policy_id}", { params: { path: { policy_id: "P" } } }));
    expect(c.sent).toEqual(["DELETE http://altr.test/api/v1/unified-policy/management/policy/P"]);
  });

  it("the guard sees the operation key, service, method, template and whether it reads; a throw stops it", async () => {
    const seen: OutgoingOperation[] = [];
    const c = guarded({
      guard: (op) => {
        seen.push(op);
        if (!op.reads) throw new AltrError({ kind: "rejected", detail: "no writes here" });
      },
    });
    await ok(c.altr.api.GET("/v1/unified-policy/management/policy", { params: { query: { policy_type: "TAG" } } }));
    const err = await ok(c.altr.api.DELETE("/v1/unified-policy/management/policy/{policy_id}", { params: { path: { policy_id: "P" } } })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AltrError);
    expect(seen).toEqual([
      { key: "api.listPolicies", service: "api", method: "GET", path: "/v1/unified-policy/management/policy", reads: true },
      { key: "api.deletePolicy", service: "api", method: "DELETE", path: "/v1/unified-policy/management/policy/{policy_id}", reads: false },
    ]);
    expect(c.sent).toHaveLength(1);
  });

  it("read-only runs before the guard: a refused write never reaches it", async () => {
    const seen: string[] = [];
    const c = guarded({ readOnly: true, guard: (op) => void seen.push(op.method) });
    await ok(c.altr.api.DELETE("/v1/unified-policy/management/policy/{policy_id}", { params: { path: { policy_id: "P" } } })).catch(() => undefined);
    expect(seen).toEqual([]);
  });

  it("read-only: a write to a route the table does not know is refused too, as 'the operation'", async () => {
    const c = guarded({ readOnly: true });
    // Not in the generated table (no operation key): the typed client cannot name it, hence the cast.
    const api = c.altr.api as unknown as { POST(path: string, init: object): Parameters<typeof ok>[0] };
    const err = (await ok(api.POST("/v1/not-curated", {})).catch((e: unknown) => e)) as AltrError;
    expect(err).toBeInstanceOf(AltrError);
    expect(err.message).toContain("this session is read-only (ALTR_READ_ONLY=true) and the operation is not a read. Nothing was sent to ALTR");
    expect(c.sent).toEqual([]);
  });
});
