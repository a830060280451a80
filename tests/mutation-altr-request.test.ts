/**
 * The ALTR request's own plumbing (src/altr/http.ts), for the mutation run (group http): the
 * caller's cancel reaches the request in flight, bodies that are not read are released (an
 * injected fetch's stream is cancelled; undici's connection is closed), and a header sent twice
 * is read as HTTP joins it. A loopback server stands in for ALTR; each test makes its own client.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAltrFetch } from "../src/altr/http.js";
import { AltrError } from "../src/altr/errors.js";
import type { HttpPolicy } from "../src/config/index.js";

const POLICY: HttpPolicy = { maxAttempts: 2, timeoutMs: 10_000, baseDelayMs: 1, maxDelayMs: 60_000, maxResponseBytes: 10_000 };

let url: string;
let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => void res.end();
const server = createServer((req, res) => handler(req, res));
beforeAll(async () => {
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections(); // the answers that never end
  await new Promise((ok) => server.close(ok));
});

describe("over undici (no injected fetch)", () => {
  it("the caller's cancel stops a request ALTR has not answered", async () => {
    handler = () => undefined; // never answers
    const caller = new AbortController();
    const started = Date.now();
    setTimeout(() => caller.abort(), 100);
    const err = await createAltrFetch(POLICY)(new Request(`${url}/slow`, { signal: caller.signal })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AltrError);
    expect((err as AltrError).kind).toBe("cancelled");
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it.each([
    ["declared over the cap (refused unread)", { "content-type": "application/json", "content-length": "99999999" }],
    ["streamed past the cap", { "content-type": "application/json" }],
  ])("a body %s has its connection closed, not left streaming", async (_case, headers) => {
    let socketClosed: Promise<string> | undefined;
    handler = (req, res) => {
      socketClosed = new Promise((ok) => req.socket.once("close", () => ok("closed")));
      res.writeHead(200, headers);
      res.write(`[${"1,".repeat(20_000)}`); // never ends
    };
    const err = await createAltrFetch(POLICY)(new Request(`${url}/big`)).catch((e: unknown) => e);
    expect((err as AltrError).kind).toBe("invalid_response");
    const waited = await Promise.race([socketClosed!, new Promise<string>((ok) => setTimeout(() => ok("still open"), 2_000))]);
    expect(waited).toBe("closed");
  });

  it("Retry-After sent twice is read as HTTP joins it (\"2, 2\"), not as the digits run together (22 s)", async () => {
    let calls = 0;
    handler = (_req, res) => {
      calls++;
      if (calls === 1) {
        res.writeHead(503, [
          ["retry-after", "2"],
          ["retry-after", "2"],
        ]);
        res.end();
        return;
      }
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    };
    const delays: number[] = [];
    const f = createAltrFetch(POLICY, { sleep: async () => undefined, onRetry: (i) => delays.push(i.delayMs) });
    expect((await f(new Request(`${url}/retry`))).status).toBe(200);
    expect(delays).toHaveLength(1);
    expect(delays[0]).toBeLessThan(22_000);
  });
});

describe("over an injected fetch", () => {
  /** A Response whose body stream records being cancelled. */
  function answer(status: number, headers: Record<string, string>): { res: Response; cancelled: () => boolean } {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      pull: (c) => c.enqueue(new TextEncoder().encode("x")),
      cancel: () => {
        cancelled = true;
      },
    });
    return { res: new Response(body, { status, headers }), cancelled: () => cancelled };
  }

  it("a retried answer's body is cancelled before the retry", async () => {
    const first = answer(503, {});
    let n = 0;
    const fetch = async () => (n++ === 0 ? first.res : new Response("{}", { status: 200 }));
    const f = createAltrFetch(POLICY, { fetch, sleep: async () => undefined });
    expect((await f(new Request(`${url}/x`))).status).toBe(200);
    expect(first.cancelled()).toBe(true);
  });

  it("a body declared over the cap is cancelled unread", async () => {
    const big = answer(200, { "content-length": "99999999" });
    const f = createAltrFetch(POLICY, { fetch: async () => big.res });
    const err = await f(new Request(`${url}/x`)).catch((e: unknown) => e);
    expect((err as AltrError).kind).toBe("invalid_response");
    await new Promise((r) => setTimeout(r, 10));
    expect(big.cancelled()).toBe(true);
  });
});
