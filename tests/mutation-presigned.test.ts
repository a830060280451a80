/**
 * The presigned download's guards (src/altr/presigned.ts) at their edges: the first and last
 * address of every blocked range and the neighbours just outside it, DNS answers per address
 * family, every Content-Encoding, redirects (relative, invalid, cross-origin, too many) and the
 * reason taken from an object store's error body. A local server stands in for the store
 * (loopback, through the test-only allowance). Written for the mutation run (npm run mutate).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { brotliCompressSync, deflateSync, gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkPresignedUrl, classifyAddress, fetchPresigned, PRESIGNED_DEFAULTS, PresignedError, safeUrl } from "../src/altr/presigned.js";

describe("classifyAddress: every blocked range, first and last address, and its neighbours", () => {
  const RANGES: [first: string, last: string, before: string | null, after: string | null][] = [
    ["0.0.0.0", "0.255.255.255", null, "1.0.0.0"],
    ["10.0.0.0", "10.255.255.255", "9.255.255.255", "11.0.0.0"],
    ["100.64.0.0", "100.127.255.255", "100.63.255.255", "100.128.0.0"],
    ["169.254.0.0", "169.254.255.255", "169.253.255.255", "169.255.0.0"],
    ["172.16.0.0", "172.31.255.255", "172.15.255.255", "172.32.0.0"],
    ["192.0.0.0", "192.0.0.255", "191.255.255.255", "192.0.1.0"],
    ["192.0.2.0", "192.0.2.255", "192.0.1.255", "192.0.3.0"],
    ["192.88.99.0", "192.88.99.255", "192.88.98.255", "192.88.100.0"],
    ["192.168.0.0", "192.168.255.255", "192.167.255.255", "192.169.0.0"],
    ["198.18.0.0", "198.19.255.255", "198.17.255.255", "198.20.0.0"],
    ["198.51.100.0", "198.51.100.255", "198.51.99.255", "198.51.101.0"],
    ["203.0.113.0", "203.0.113.255", "203.0.112.255", "203.0.114.0"],
    ["224.0.0.0", "239.255.255.255", "223.255.255.255", null],
    ["240.0.0.0", "255.255.255.255", null, null],
    ["64:ff9b:1::", "64:ff9b:1:ffff:ffff:ffff:ffff:ffff", "64:ff9b:0:ffff:ffff:ffff:ffff:ffff", "64:ff9b:2::"],
    ["100::", "100::ffff:ffff:ffff:ffff", "ff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "100:0:0:1::"],
    ["2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db9::"],
    ["fc00::", "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", null],
    ["fe80::", "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", null],
    ["fec0::", "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", null, null],
    ["ff00::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", null],
  ];
  it.each(RANGES)("%s – %s", (first, last, before, after) => {
    expect(classifyAddress(first)).toBe("non_public");
    expect(classifyAddress(last)).toBe("non_public");
    if (before) expect(classifyAddress(before)).toBe(before === "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" ? "non_public" : "public");
    if (after) expect(classifyAddress(after)).toBe("public");
  });
  it("loopback is 127.0.0.0/8 and ::1 only; :: is blocked, ::2 is not loopback", () => {
    expect(classifyAddress("127.0.0.0")).toBe("loopback");
    expect(classifyAddress("127.255.255.255")).toBe("loopback");
    expect(classifyAddress("126.255.255.255")).toBe("public");
    expect(classifyAddress("128.0.0.0")).toBe("public");
    expect(classifyAddress("::")).toBe("non_public");
    expect(classifyAddress("::2")).toBe("public");
  });
});

describe("checkPresignedUrl", () => {
  it("names host and path only, never the signature", () => {
    const u = new URL("https://b.example/r.json?X-Amz-Signature=sig");
    expect(safeUrl(u)).toBe("b.example/r.json");
    expect(() => checkPresignedUrl("https://u:p@b.example/r.json?X-Amz-Signature=sig")).toThrow("the download URL b.example/r.json carries user credentials");
    expect(() => checkPresignedUrl("https://u@b.example/r.json")).toThrow(/carries user credentials/);
    expect(() => checkPresignedUrl("http://b.example/r.json")).toThrow("the download URL must use https (got http)");
    expect(() => checkPresignedUrl("::")).toThrow("the download URL is not a valid URL");
    expect(() => checkPresignedUrl("https://10.0.0.1:8443/r.json")).toThrow("the download host 10.0.0.1:8443 is not a public address");
  });
  it("localhost names are loopback in any case; public names and literals pass", () => {
    for (const u of ["https://LOCALHOST/r", "https://a.b.Localhost/r"]) {
      expect(() => checkPresignedUrl(u)).toThrow(/not a public address/);
      expect(checkPresignedUrl(u, true).protocol).toBe("https:");
    }
    expect(checkPresignedUrl("https://notlocalhost.example/r").hostname).toBe("notlocalhost.example");
    expect(checkPresignedUrl("https://[2606:4700::1111]/r").hostname).toBe("[2606:4700::1111]");
    expect(checkPresignedUrl("https://8.8.8.8/r").hostname).toBe("8.8.8.8");
    expect(PRESIGNED_DEFAULTS).toEqual({ timeoutMs: 30_000, maxBytes: 5 * 1_048_576, maxRedirects: 3 });
  });
});

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
let handler: Handler;
let server: Server;
let base: string;
let port: number;
const sockets = new Set<Socket>();
beforeAll(async () => {
  server = createServer((req, res) => handler(req, res));
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((r) => server.close(() => r()));
});
const LOCAL = { allowLoopback: true, timeoutMs: 3_000 } as const;
async function failure(p: Promise<unknown>): Promise<PresignedError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PresignedError);
  return err as PresignedError;
}

describe("fetchPresigned", () => {
  const doc = { rows: [1, 2, 3], note: "x".repeat(100) };
  const bytes = Buffer.from(JSON.stringify(doc));
  it.each([
    ["gzip", gzipSync(bytes)],
    ["x-gzip", gzipSync(bytes)],
    [" GZIP ", gzipSync(bytes)],
    ["deflate", deflateSync(bytes)],
    ["br", brotliCompressSync(bytes)],
    ["identity", bytes],
    ["", gzipSync(bytes)],
  ])("Content-Encoding %j is decoded", async (encoding, body) => {
    handler = (_req, res) => res.writeHead(200, encoding ? { "content-encoding": encoding } : {}).end(body);
    expect(await fetchPresigned(`${base}/r.json`, LOCAL)).toEqual(doc);
  });

  it("a corrupt compressed body is invalid_body; a bomb is too_large at the limit", async () => {
    handler = (_req, res) => res.writeHead(200, { "content-encoding": "deflate" }).end(Buffer.from("not deflate"));
    const bad = await failure(fetchPresigned(`${base}/r.json`, LOCAL));
    expect(bad.kind).toBe("invalid_body");
    expect(bad.message).toBe("the download could not be decompressed");
    const bomb = gzipSync(Buffer.alloc(200_000, 0x20));
    handler = (_req, res) => res.writeHead(200).end(bomb);
    const big = await failure(fetchPresigned(`${base}/r.json`, { ...LOCAL, maxBytes: 100_000 }));
    expect(big.kind).toBe("too_large");
    expect(big.message).toBe("the decompressed download exceeds the 100000-byte limit");
    handler = (_req, res) => res.writeHead(200).end(gzipSync(Buffer.from(JSON.stringify({ a: 1 }))));
    expect(await fetchPresigned(`${base}/r.json`, { ...LOCAL, maxBytes: 100_000 })).toEqual({ a: 1 });
  });

  it("a body exactly at the limit is accepted; one byte more is refused", async () => {
    const exact = JSON.stringify({ p: "y".repeat(92) });
    expect(exact).toHaveLength(100);
    handler = (_req, res) => res.writeHead(200, { "content-length": "100" }).end(exact);
    expect(await fetchPresigned(`${base}/r.json`, { ...LOCAL, maxBytes: 100 })).toEqual(JSON.parse(exact));
    const declared = await failure(fetchPresigned(`${base}/r.json`, { ...LOCAL, maxBytes: 99 }));
    expect(declared.message).toBe("the download is 100 bytes, over the 99-byte limit");
    handler = (_req, res) => {
      res.writeHead(200);
      res.write(exact.slice(0, 60));
      setTimeout(() => res.end(exact.slice(60)), 20);
    };
    const streamed = await failure(fetchPresigned(`${base}/r.json`, { ...LOCAL, maxBytes: 99 }));
    expect(streamed.message).toBe("the download exceeds the 99-byte limit");
  });

  it("an error answer gives the status and S3's code only; a long error body is cut, not an error of its own", async () => {
    handler = (_req, res) => res.writeHead(403).end("<Error><Code>AccessDenied</Code><Message>secret detail</Message></Error>");
    const denied = await failure(fetchPresigned(`${base}/r.json?sig=s3cr3t`, LOCAL));
    expect(denied).toMatchObject({ kind: "http", status: 403 });
    expect(denied.message).toBe(`127.0.0.1:${port}/r.json answered HTTP 403 (AccessDenied)`);
    handler = (_req, res) => res.writeHead(500).end("x".repeat(40_000));
    const big = await failure(fetchPresigned(`${base}/r.json`, { ...LOCAL, maxBytes: 100 }));
    expect(big.message).toBe(`127.0.0.1:${port}/r.json answered HTTP 500`);
    handler = (_req, res) => res.writeHead(199 + 1 + 100).end("{}");
    expect(await failure(fetchPresigned(`${base}/r.json`, LOCAL))).toMatchObject({ kind: "http", status: 300 });
  });

  it("redirects: relative ones are followed; invalid, cross-origin and one too many are refused", async () => {
    let hops = 0;
    handler = (req, res) => {
      if (req.url === "/final") return void res.writeHead(200).end('{"ok":true}');
      hops++;
      res.writeHead(302, { location: hops < 3 ? `/hop${hops}` : "/final" }).end();
    };
    expect(await fetchPresigned(`${base}/start`, LOCAL)).toEqual({ ok: true });
    hops = 0;
    expect(await fetchPresigned(`${base}/start`, { ...LOCAL, maxRedirects: 3 })).toEqual({ ok: true });
    hops = 0;
    const many = await failure(fetchPresigned(`${base}/start`, { ...LOCAL, maxRedirects: 2 }));
    expect(many).toMatchObject({ kind: "redirect" });
    expect(many.message).toBe(`127.0.0.1:${port}/hop2: more than 2 redirects`);
    handler = (_req, res) => res.writeHead(302, { location: "http://[bad" }).end();
    expect((await failure(fetchPresigned(`${base}/r`, LOCAL))).message).toBe(`127.0.0.1:${port}/r redirected to an invalid URL`);
    handler = (_req, res) => res.writeHead(307, { location: `http://localhost:${port}/r` }).end();
    expect((await failure(fetchPresigned(`${base}/r`, LOCAL))).message).toBe(`127.0.0.1:${port}/r redirected to another host (localhost:${port}); not followed`);
    handler = (_req, res) => res.writeHead(302).end("{}");
    expect(await failure(fetchPresigned(`${base}/r`, LOCAL))).toMatchObject({ kind: "http", status: 302 });
  });

  it("DNS answers are filtered by family and every address is checked", async () => {
    const url = `https://store.example.test:${port}/r.json`;
    const mixed = async () => [
      { address: "127.0.0.1", family: 4 },
      { address: "10.0.0.1", family: 4 },
    ];
    const blocked = await failure(fetchPresigned(url, { ...LOCAL, resolve: mixed }));
    expect(blocked.kind).toBe("blocked_address");
    expect(blocked.message).toBe("the download host store.example.test resolves to a non-public address");
    const none = await failure(fetchPresigned(url, { ...LOCAL, resolve: async () => [] }));
    expect(none).toMatchObject({ kind: "network" });
    expect(none.message).toBe(`could not download from store.example.test:${port} (ENOTFOUND)`);
    const failed = await failure(fetchPresigned(url, { ...LOCAL, resolve: async () => Promise.reject(Object.assign(new Error("x"), { code: "EAI_AGAIN" })) }));
    expect(failed.message).toBe(`could not download from store.example.test:${port} (EAI_AGAIN)`);
    // Without the allowance a loopback answer is refused too.
    const loop = await failure(fetchPresigned(url, { timeoutMs: 3_000, resolve: async () => [{ address: "127.0.0.1", family: 4 }] }));
    expect(loop.kind).toBe("blocked_address");
    // Plain http over a name may only reach loopback.
    const pub = await failure(fetchPresigned(`http://store.example.test:${port}/r.json`, { ...LOCAL, resolve: async () => [{ address: "8.8.8.8", family: 4 }] }));
    expect(pub.kind).toBe("blocked_address");
  });

  it("an empty or non-JSON 2xx body names host and path", async () => {
    handler = (_req, res) => res.writeHead(200).end();
    expect((await failure(fetchPresigned(`${base}/e?sig=1`, LOCAL))).message).toBe(`127.0.0.1:${port}/e returned an empty body`);
    handler = (_req, res) => res.writeHead(200).end("<html>");
    expect((await failure(fetchPresigned(`${base}/h?sig=1`, LOCAL))).message).toBe(`127.0.0.1:${port}/h did not return JSON`);
  });

  it("a cancel before the start is cancelled; the timeout names its limit", async () => {
    const ac = new AbortController();
    ac.abort();
    handler = (_req, res) => res.writeHead(200).end("{}");
    expect(await failure(fetchPresigned(`${base}/r`, { ...LOCAL, signal: ac.signal }))).toMatchObject({ kind: "cancelled", message: "the download was cancelled" });
    handler = () => undefined;
    const slow = await failure(fetchPresigned(`${base}/r`, { allowLoopback: true, timeoutMs: 100 }));
    expect(slow).toMatchObject({ kind: "timeout", message: "the download did not finish within 100 ms" });
  });
});
