/**
 * The ALTR fetch (src/altr/http.ts) unit by unit, with a scripted fetch instead of a server:
 * which method is retried on which status or connection error, how long it waits, the size cap,
 * timeouts and cancellation. Written to kill the mutants `npm run mutate` found surviving.
 */
import { describe, expect, it, vi } from "vitest";
import { ATTEMPTS_HEADER, createAltrFetch, parseRetryAfter, sleep } from "../src/altr/http.js";
import { AltrError } from "../src/altr/errors.js";
import type { HttpPolicy } from "../src/config/index.js";

const POLICY: HttpPolicy = { maxAttempts: 3, timeoutMs: 2_000, baseDelayMs: 100, maxDelayMs: 10_000, maxResponseBytes: 1_000 };

interface Seen {
  method: string | undefined;
  body: string | null;
  redirect: RequestInit["redirect"];
}

/** A fetch that plays `script` (one step per attempt, the last repeats) and records each call. */
function scripted(script: ((init: RequestInit) => Promise<Response>)[]) {
  const seen: Seen[] = [];
  const fetch = (async (_url: string | URL | Request, init?: RequestInit) => {
    const body = init?.body ? new TextDecoder().decode(init.body as Uint8Array) : null;
    seen.push({ method: init?.method, body, redirect: init?.redirect });
    return script[Math.min(seen.length - 1, script.length - 1)]!(init ?? {});
  }) as typeof globalThis.fetch;
  return { fetch, seen };
}
const status = (s: number, headers: Record<string, string> = {}, body: string | null = "{}") => async () =>
  new Response(s === 204 || s === 205 || s === 304 ? null : body, { status: s, statusText: `S${s}`, headers });
const fail = (err: unknown) => async () => {
  throw err;
};
/** An error whose code sits `depth` levels down the `cause` chain (as undici nests them). */
function coded(code: string, depth = 1): Error {
  let e: Error & { code?: string } = Object.assign(new Error(code), { code });
  for (let i = 1; i < depth; i++) e = new Error("fetch failed", { cause: e });
  return e;
}
const never = (init: RequestInit) =>
  new Promise<Response>((_, reject) => init.signal!.addEventListener("abort", () => reject(init.signal!.reason)));

function client(script: ((init: RequestInit) => Promise<Response>)[], policy: Partial<HttpPolicy> = {}, random = () => 1) {
  const s = scripted(script);
  const waits: number[] = [];
  const reasons: string[] = [];
  const altrFetch = createAltrFetch(
    { ...POLICY, ...policy },
    {
      fetch: s.fetch,
      random,
      sleep: async (ms) => {
        waits.push(ms);
      },
      onRetry: (i) => reasons.push(`${i.method} #${i.attempt} ${i.reason}`),
    },
  );
  return { altrFetch, seen: s.seen, waits, reasons };
}
const req = (method: string, init: RequestInit = {}) => new Request("http://altr.test/x", { method, ...init });
async function failure(p: Promise<unknown>): Promise<AltrError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AltrError);
  return err as AltrError;
}

describe("retry matrix: status", () => {
  const cases: [method: string, code: number, attempts: number][] = [];
  for (const m of ["GET", "HEAD", "OPTIONS", "PUT", "DELETE"]) {
    for (const [s, n] of [[429, 3], [502, 3], [503, 3], [504, 3], [500, 1], [501, 1], [404, 1], [200, 1]] as const) cases.push([m, s, n]);
  }
  for (const m of ["POST", "PATCH"]) {
    for (const [s, n] of [[429, 3], [502, 1], [503, 1], [504, 1], [500, 1], [200, 1]] as const) cases.push([m, s, n]);
  }
  it.each(cases)("%s answered %i: %i attempts", async (method, code, attempts) => {
    const c = client([status(code)]);
    const res = await c.altrFetch(req(method));
    expect(res.status).toBe(code);
    expect(c.seen).toHaveLength(attempts);
    expect(res.headers.get(ATTEMPTS_HEADER)).toBe(String(attempts));
    expect(c.seen.every((s) => s.method === method && s.redirect === "manual")).toBe(true);
  });

  it("lower-case methods are classified like upper-case ones", async () => {
    const c = client([status(503)]);
    await c.altrFetch(req("post"));
    expect(c.seen).toHaveLength(1);
  });

  it("a retried write sends the same bytes every time; the answer keeps status text and headers", async () => {
    const c = client([status(429), status(429), status(201, { "x-id": "7" }, '{"ok":true}')]);
    const res = await c.altrFetch(req("POST", { body: '{"a":1}' }));
    expect(c.seen.map((s) => s.body)).toEqual(['{"a":1}', '{"a":1}', '{"a":1}']);
    expect(res.statusText).toBe("S201");
    expect(res.headers.get("x-id")).toBe("7");
    expect(await res.json()).toEqual({ ok: true });
    expect(c.reasons).toEqual(["POST #1 HTTP 429", "POST #2 HTTP 429"]);
  });

  it("a request without a body sends none", async () => {
    const c = client([status(200)]);
    await c.altrFetch(req("GET"));
    expect(c.seen[0]!.body).toBeNull();
  });

  it.each([204, 205, 304])("HTTP %i has a null body", async (code) => {
    const c = client([status(code)]);
    const res = await c.altrFetch(req("GET"));
    expect(res.status).toBe(code);
    expect(res.body).toBeNull();
  });

  it("a retryable status without a body, and an over-size declaration without one, are handled", async () => {
    const c = client([async () => new Response(null, { status: 503 }), status(200)]);
    expect((await c.altrFetch(req("GET"))).status).toBe(200);
    const head = client([async () => new Response(null, { status: 200, headers: { "content-length": "5000" } })]);
    expect((await failure(head.altrFetch(req("HEAD")))).kind).toBe("invalid_response");
  });

  it("no timer is left behind after an answer", async () => {
    vi.useFakeTimers();
    try {
      const c = client([status(200)]);
      await c.altrFetch(req("GET"));
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it("maxAttempts below 1 still makes one attempt; 1 never retries", async () => {
    for (const maxAttempts of [0, 1]) {
      const c = client([status(503)], { maxAttempts });
      expect((await c.altrFetch(req("GET"))).status).toBe(503);
      expect(c.seen).toHaveLength(1);
    }
  });
});

describe("retry matrix: connection errors", () => {
  const NOT_SENT = ["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "UND_ERR_CONNECT_TIMEOUT"];
  it.each(NOT_SENT)("POST is retried on %s (the request never left)", async (code) => {
    const c = client([fail(coded(code, 2)), status(200)]);
    expect((await c.altrFetch(req("POST"))).status).toBe(200);
    expect(c.reasons).toEqual([`POST #1 ${code}`]);
  });

  it.each(["ECONNRESET", "EPIPE", "UND_ERR_SOCKET"])("POST is not retried on %s (it may have been applied)", async (code) => {
    const c = client([fail(coded(code)), status(200)]);
    const err = await failure(c.altrFetch(req("POST")));
    expect(err.kind).toBe("network");
    expect(err.message).toContain(code);
    expect(c.seen).toHaveLength(1);
  });

  it("GET is retried on any connection error, a code or none; the last one is final", async () => {
    const c = client([fail(coded("ECONNRESET")), fail(new Error("boom")), fail(coded("EPIPE", 4))]);
    const err = await failure(c.altrFetch(req("GET")));
    expect(c.reasons).toEqual(["GET #1 ECONNRESET", "GET #2 connection error"]);
    expect(err).toMatchObject({ kind: "network", attempts: 3 });
    expect(err.message).toContain("after 3 attempts: EPIPE");
  });

  it("the code is looked up at most four causes deep", async () => {
    const c = client([fail(coded("ECONNREFUSED", 5))]);
    const err = await failure(c.altrFetch(req("POST")));
    expect(c.seen).toHaveLength(1);
    expect(err.message).toContain("connection failed");
  });

  it("a non-string code is not a code", async () => {
    const c = client([fail(Object.assign(new Error("x"), { code: 111, cause: coded("ECONNREFUSED") })), status(200)]);
    await c.altrFetch(req("POST"));
    expect(c.reasons).toEqual(["POST #1 ECONNREFUSED"]);
  });
});

describe("waits", () => {
  it("grow exponentially from baseDelayMs, scaled by the jitter, capped at maxDelayMs", async () => {
    const c = client([status(503)], { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 500 });
    await c.altrFetch(req("GET"));
    expect(c.waits).toEqual([100, 200, 400, 500]);
    const half = client([status(503)], { maxAttempts: 4, baseDelayMs: 101 }, () => 0.5);
    await half.altrFetch(req("GET"));
    expect(half.waits).toEqual([51, 101, 202]);
  });

  it("honour Retry-After, capped at maxDelayMs", async () => {
    const c = client([status(429, { "retry-after": "2" }), status(429, { "retry-after": "60" }), status(200)], { maxDelayMs: 5_000 });
    await c.altrFetch(req("POST"));
    expect(c.waits).toEqual([2_000, 5_000]);
  });

  it("a cancel during a wait ends the call at once as cancelled", async () => {
    const ac = new AbortController();
    const altrFetch = createAltrFetch(POLICY, {
      fetch: scripted([status(503)]).fetch,
      sleep: (ms, signal) => {
        ac.abort();
        return sleep(ms, signal);
      },
    });
    const err = await failure(altrFetch(req("GET", { signal: ac.signal })));
    expect(err).toMatchObject({ kind: "cancelled", attempts: 1 });
  });

  it("the default sleep waits with a timer", async () => {
    const altrFetch = createAltrFetch({ ...POLICY, maxAttempts: 2, baseDelayMs: 40 }, { fetch: scripted([status(503), status(200)]).fetch, random: () => 1 });
    const t = Date.now();
    expect((await altrFetch(req("GET"))).status).toBe(200);
    expect(Date.now() - t).toBeGreaterThanOrEqual(35);
  });
});

describe("sleep()", () => {
  it("resolves after the time and rejects with the abort reason, before or during", async () => {
    const t = Date.now();
    await sleep(30, new AbortController().signal);
    expect(Date.now() - t).toBeGreaterThanOrEqual(25);
    const before = new AbortController();
    before.abort("early");
    await expect(sleep(10_000, before.signal)).rejects.toBe("early");
    const during = new AbortController();
    const p = sleep(10_000, during.signal);
    during.abort("late");
    await expect(p).rejects.toBe("late");
  });
});

describe("parseRetryAfter()", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");
  it.each([
    [null, undefined],
    ["", undefined],
    ["3", 3_000],
    ["1.5", 1_500],
    ["1.25", 1_250],
    [" 2 ", 2_000],
    ["0", 0],
    ["3s", undefined],
    ["x3", undefined],
    ["soon", undefined],
    ["Thu, 01 Jan 2026 00:00:10 GMT", 10_000],
    ["Wed, 31 Dec 2025 23:59:00 GMT", 0],
  ] as const)("%j → %j", (value, ms) => {
    expect(parseRetryAfter(value, now)).toBe(ms);
  });
  it("defaults `now` to the clock", () => {
    const inTwoMinutes = new Date(Date.now() + 120_000).toUTCString();
    expect(parseRetryAfter(inTwoMinutes)).toBeGreaterThan(100_000);
  });
});

describe("timeouts and cancellation", () => {
  it("a read that times out is retried; a write that times out is not (it may have been applied)", async () => {
    const get = client([never, never, status(200)], { timeoutMs: 30 });
    expect((await get.altrFetch(req("GET"))).status).toBe(200);
    expect(get.reasons).toEqual(["GET #1 timeout", "GET #2 timeout"]);
    const post = client([never], { timeoutMs: 30 });
    const err = await failure(post.altrFetch(req("POST")));
    expect(err).toMatchObject({ kind: "timeout", attempts: 1 });
    expect(post.seen).toHaveLength(1);
    const last = client([never], { timeoutMs: 30, maxAttempts: 2 });
    expect(await failure(last.altrFetch(req("GET")))).toMatchObject({ kind: "timeout", attempts: 2 });
  });

  it("a cancel before or during the request is cancelled, never retried", async () => {
    const before = new AbortController();
    before.abort();
    const a = client([status(200)]);
    expect(await failure(a.altrFetch(req("GET", { signal: before.signal })))).toMatchObject({ kind: "cancelled", attempts: 1 });
    expect(a.seen).toHaveLength(0);
    const during = new AbortController();
    const b = client([
      (init) => {
        queueMicrotask(() => during.abort());
        return never(init);
      },
    ]);
    expect(await failure(b.altrFetch(req("GET", { signal: during.signal })))).toMatchObject({ kind: "cancelled", attempts: 1 });
    expect(b.seen).toHaveLength(1);
    expect(b.reasons).toEqual([]);
    const last = new AbortController();
    const c = client(
      [
        (init) => {
          queueMicrotask(() => last.abort());
          return never(init);
        },
      ],
      { maxAttempts: 1 },
    );
    expect(await failure(c.altrFetch(req("GET", { signal: last.signal })))).toMatchObject({ kind: "cancelled", attempts: 1 });
  });
});

/** A response whose body arrives in `chunks`, then optionally fails or stalls. */
function streamed(chunks: string[], end: "close" | Error | "stall" = "close", headers: Record<string, string> = {}) {
  return async (init: RequestInit) => {
    let i = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(ctl) {
        if (i < chunks.length) return ctl.enqueue(new TextEncoder().encode(chunks[i++]!));
        if (end === "close") return ctl.close();
        if (end === "stall") {
          return new Promise<void>((_, reject) => init.signal!.addEventListener("abort", () => reject(init.signal!.reason)));
        }
        ctl.error(end);
      },
    });
    return new Response(body, { status: 200, headers });
  };
}

describe("body size cap and body read failures", () => {
  it("a declared size above the cap is refused before reading", async () => {
    const c = client([status(200, { "content-length": "1001" }, "x".repeat(1001))]);
    const err = await failure(c.altrFetch(req("GET")));
    expect(err.kind).toBe("invalid_response");
    expect(err.message).toContain("body of 1001 bytes exceeds the 1000-byte limit");
  });

  it("a body of exactly the cap is read whole, chunks in order", async () => {
    const parts = ["a".repeat(400), "b".repeat(400), "c".repeat(200)];
    const c = client([streamed(parts, "close", { "content-length": "1000" })]);
    expect(await (await c.altrFetch(req("GET"))).text()).toBe(parts.join(""));
  });

  it("a streamed body that grows past the cap is cut off", async () => {
    const c = client([streamed(["a".repeat(600), "b".repeat(401)])]);
    const err = await failure(c.altrFetch(req("GET")));
    expect(err.kind).toBe("invalid_response");
    expect(err.message).toContain("body exceeds the 1000-byte limit");
  });

  it("a connection lost mid-body is a network error after send (not retried, not a bare code)", async () => {
    const c = client([streamed(["{"], coded("ECONNRESET", 2))]);
    const err = await failure(c.altrFetch(req("GET")));
    expect(err.kind).toBe("network");
    expect(err.message).toMatch(/^Lost the connection to the ALTR API while reading its answer: ECONNRESET/);
    expect(c.seen).toHaveLength(1);
    const bare = client([streamed(["{"], new Error("gone"))]);
    expect((await failure(bare.altrFetch(req("GET")))).message).toContain("connection closed");
  });

  it("a body that stalls past the timeout is a timeout; a cancel while reading is cancelled", async () => {
    const slow = client([streamed(["{"], "stall")], { timeoutMs: 30 });
    expect(await failure(slow.altrFetch(req("GET")))).toMatchObject({ kind: "timeout" });
    const ac = new AbortController();
    const cancelled = client([streamed(["{"], "stall")]);
    const p = cancelled.altrFetch(req("GET", { signal: ac.signal }));
    setTimeout(() => ac.abort(), 20);
    expect(await failure(p)).toMatchObject({ kind: "cancelled" });
  });
});
