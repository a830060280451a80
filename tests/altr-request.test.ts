/**
 * The ALTR request as it leaves without an injected fetch (src/altr/http.ts over undici's
 * request(), a loopback server standing in for ALTR): what openapi-fetch gets back is the answer
 * as sent — status, reason phrase, every header (repeated ones too), body bytes — plus the
 * attempts header; connections are kept alive and reused, also after a retried 503 whose body
 * is drained; an abandoned oversized body does not leave the next call waiting.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ATTEMPTS_HEADER, createAltrFetch } from "../src/altr/http.js";
import { AltrError } from "../src/altr/errors.js";
import { FAST_HTTP } from "./helpers/harness.js";

let url: string;
let handler: (req: IncomingMessage, res: ServerResponse, body: string) => void;
const sockets = new Set<Socket>();
let connections = 0;
const server = createServer((req, res) => {
  let body = "";
  req.setEncoding("utf8");
  req.on("data", (d: string) => (body += d));
  req.on("end", () => handler(req, res, body));
});
server.on("connection", (s: Socket) => {
  connections++;
  sockets.add(s);
  s.on("close", () => sockets.delete(s));
});

beforeAll(async () => {
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((ok) => server.close(ok));
});

const altr = (policy = {}) => createAltrFetch({ ...FAST_HTTP, ...policy });

describe("ALTR requests over undici's request()", () => {
  it("never follows a redirect: the credential does not reach the host a 3xx names (hostile answer)", async () => {
    const elsewhere: (string | undefined)[] = [];
    const other = createServer((req, res) => {
      elsewhere.push(req.headers.authorization);
      res.end("{}");
    });
    await new Promise<void>((ok) => other.listen(0, "127.0.0.1", ok));
    try {
      const target = `http://127.0.0.1:${(other.address() as AddressInfo).port}/steal`;
      for (const status of [301, 302, 307, 308]) {
        handler = (_req, res) => {
          res.writeHead(status, { location: target });
          res.end();
        };
        const res = await altr()(new Request(`${url}/api/databases`, { method: "GET", headers: { authorization: "Basic c2VjcmV0" } }));
        expect(res.status).toBe(status);
        expect(res.headers.get("location")).toBe(target);
      }
      expect(elsewhere).toEqual([]);
    } finally {
      await new Promise((ok) => other.close(ok));
    }
  });

  it("hands back status, reason phrase, repeated headers and the body as sent, with the attempts header", async () => {
    let seen: { method?: string; url?: string; auth?: string; type?: string; body?: string } = {};
    handler = (req, res, body) => {
      seen = { method: req.method, url: req.url, auth: req.headers.authorization, type: req.headers["content-type"], body };
      res.writeHead(201, "Made It", [
        ["content-type", "application/json"],
        ["set-cookie", "a=1"],
        ["set-cookie", "b=2"],
        ["x-request-id", "r-7"],
      ]);
      res.end('{"success":true,"data":{"ü":"✓"}}');
    };
    const res = await altr()(
      new Request(`${url}/api/things?x=1&y=%2F`, { method: "POST", headers: { authorization: "Basic abc", "content-type": "application/json" }, body: '{"n":1}' }),
    );
    expect(seen).toEqual({ method: "POST", url: "/api/things?x=1&y=%2F", auth: "Basic abc", type: "application/json", body: '{"n":1}' });
    expect([res.status, res.statusText]).toEqual([201, "Made It"]);
    expect(res.headers.get("x-request-id")).toBe("r-7");
    expect(res.headers.getSetCookie()).toEqual(["a=1", "b=2"]);
    expect(res.headers.get(ATTEMPTS_HEADER)).toBe("1");
    expect(await res.json()).toEqual({ success: true, data: { ü: "✓" } });
  });

  it("a 204 has no body; connections are reused, also after a retried 503 whose body was drained", async () => {
    const before = connections;
    let calls = 0;
    handler = (_req, res) => {
      calls++;
      if (calls === 1) res.writeHead(204).end();
      else if (calls === 2) res.writeHead(503, { "content-type": "text/plain" }).end("busy ".repeat(1000));
      else res.writeHead(200, { "content-type": "application/json" }).end('{"ok":1}');
    };
    const f = altr({ maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 });
    const empty = await f(new Request(`${url}/a`, { method: "DELETE" }));
    expect(empty.status).toBe(204);
    expect(empty.body).toBeNull();
    const retried = await f(new Request(`${url}/b`));
    expect(retried.status).toBe(200);
    expect(retried.headers.get(ATTEMPTS_HEADER)).toBe("2");
    expect(await retried.json()).toEqual({ ok: 1 });
    expect(calls).toBe(3);
    // Three exchanges on at most one new connection: the 503's body did not cost its socket.
    expect(connections - before).toBeLessThanOrEqual(1);
  });

  it("an oversized body is refused at the cap and the next call is answered at once", async () => {
    handler = (req, res) => {
      if (req.url === "/big") {
        res.writeHead(200, { "content-type": "application/json" });
        res.write("[" + "1,".repeat(50_000));
        // Never ends: only the cap can stop the read.
        return;
      }
      res.writeHead(200, { "content-type": "application/json" }).end("[]");
    };
    const f = altr({ maxResponseBytes: 10_000, timeoutMs: 5_000 });
    const t0 = Date.now();
    const err = await f(new Request(`${url}/big`)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AltrError);
    expect((err as AltrError).message).toContain("10000-byte limit");
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect((await f(new Request(`${url}/small`))).status).toBe(200);
  });
});
