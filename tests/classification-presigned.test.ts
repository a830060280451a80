/**
 * src/altr/presigned.ts: the credential-free, guarded download of presigned object-store URLs.
 * A local server stands in for S3 (allowed only through the test-only loopback allowance).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { brotliCompressSync, deflateSync, gzipSync } from "node:zlib";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { checkPresignedUrl, classifyAddress, fetchPresigned, PresignedError } from "../src/altr/presigned.js";

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
let handler: Handler;
let server: Server;
let base: string;
let port: number;
const seen: IncomingMessage[] = [];
const sockets = new Set<Socket>();

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req);
    handler(req, res);
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});
afterEach(() => {
  seen.length = 0;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((r) => server.close(() => r()));
});

const LOCAL = { allowLoopback: true, timeoutMs: 2_000 } as const;
const json = (body: unknown, headers: Record<string, string> = {}): Handler => (_req, res) => {
  res.writeHead(200, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));
};

async function failure(p: Promise<unknown>): Promise<PresignedError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(PresignedError);
    return err as PresignedError;
  }
  throw new Error("expected a PresignedError");
}

describe("classifyAddress", () => {
  it.each([
    ["8.8.8.8", "public"],
    ["52.216.8.11", "public"],
    ["2606:4700:4700::1111", "public"],
    ["127.0.0.1", "loopback"],
    ["127.8.9.10", "loopback"],
    ["::1", "loopback"],
    ["10.1.2.3", "non_public"],
    ["172.16.0.1", "non_public"],
    ["172.31.255.255", "non_public"],
    ["192.168.1.1", "non_public"],
    ["169.254.169.254", "non_public"],
    ["100.64.0.1", "non_public"],
    ["0.0.0.0", "non_public"],
    ["224.0.0.1", "non_public"],
    ["255.255.255.255", "non_public"],
    ["fe80::1", "non_public"],
    ["fd00::1", "non_public"],
    ["::", "non_public"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:10.0.0.1", "non_public"],
    ["::ffff:169.254.169.254", "non_public"],
    ["::ffff:8.8.8.8", "public"],
    ["ff02::1", "non_public"],
    ["not-an-ip", "non_public"],
    // IPv6 forms that embed an IPv4 address are as public as the address they embed.
    ["64:ff9b::7f00:1", "loopback"], // NAT64 (RFC 6052) of 127.0.0.1
    ["64:ff9b::a00:1", "non_public"], // NAT64 of 10.0.0.1
    ["64:ff9b::a9fe:a9fe", "non_public"], // NAT64 of 169.254.169.254 (cloud metadata)
    ["64:ff9b::808:808", "public"],
    ["64:ff9b:1::808:808", "non_public"], // NAT64 local-use prefix (RFC 8215)
    ["::7f00:1", "loopback"], // IPv4-compatible 127.0.0.1
    ["::c0a8:101", "non_public"], // IPv4-compatible 192.168.1.1
    ["::101", "non_public"], // IPv4-compatible 0.0.1.1
    ["::808:808", "public"],
    ["::ffff:0:a00:1", "non_public"], // IPv4-translated (RFC 6145) 10.0.0.1
    ["2002:7f00:1::", "loopback"], // 6to4 of 127.0.0.1
    ["2002:a00:1::1", "non_public"], // 6to4 of 10.0.0.1
    ["2002:c0a8:101::1", "non_public"], // 6to4 of 192.168.1.1
    ["2002:808:808::1", "public"],
    ["2001:0:4136:e378:8000:63bf:80ff:fffe", "loopback"], // Teredo, client ~0x80fffffe = 127.0.0.1
    ["2001:0:4136:e378:8000:63bf:f5ff:fffe", "non_public"], // Teredo, client 10.0.0.1
    ["2001:0:a00:1:8000:63bf:f7f7:f7f7", "non_public"], // Teredo, server 10.0.0.1
    ["2001:0:4136:e378:8000:63bf:f7f7:f7f7", "public"], // Teredo, both public
    ["fec0::1", "non_public"],
    ["2001:db8::1", "non_public"],
    ["2600:1f18::1", "public"],
  ])("%s is %s", (address, cls) => {
    expect(classifyAddress(address)).toBe(cls);
  });
});

describe("checkPresignedUrl", () => {
  it("accepts a public https URL", () => {
    expect(checkPresignedUrl("https://bucket.s3.us-east-1.amazonaws.com/r.json?X-Amz-Signature=abc").host).toBe(
      "bucket.s3.us-east-1.amazonaws.com",
    );
  });

  it.each([
    ["not a url", "invalid_url"],
    ["http://bucket.s3.amazonaws.com/r.json", "invalid_url"],
    ["file:///etc/passwd", "invalid_url"],
    ["https://user:secret@bucket.s3.amazonaws.com/r.json", "invalid_url"],
    ["https://localhost/r.json", "blocked_address"],
    ["https://reports.localhost/r.json", "blocked_address"],
    ["https://127.0.0.1/r.json", "blocked_address"],
    ["https://[::1]/r.json", "blocked_address"],
    ["https://[::ffff:7f00:1]/r.json", "blocked_address"],
    ["https://169.254.169.254/latest/meta-data/", "blocked_address"],
    ["https://10.0.0.1/r.json", "blocked_address"],
    ["https://2130706433/r.json", "blocked_address"],
    ["https://[64:ff9b::127.0.0.1]/r.json", "blocked_address"],
    ["https://[64:ff9b::169.254.169.254]/latest/meta-data/", "blocked_address"],
    ["https://[::127.0.0.1]/r.json", "blocked_address"],
    ["https://[::10.0.0.1]/r.json", "blocked_address"],
    ["https://[2002:7f00:1::]/r.json", "blocked_address"],
    ["https://[2002:a9fe:a9fe::]/r.json", "blocked_address"],
    ["https://[2001:0:4136:e378:8000:63bf:80ff:fffe]/r.json", "blocked_address"],
  ])("%s → %s", (url, kind) => {
    expect(() => checkPresignedUrl(url)).toThrow(PresignedError);
    try {
      checkPresignedUrl(url);
    } catch (err) {
      expect((err as PresignedError).kind).toBe(kind);
      expect((err as Error).message).not.toContain("secret");
    }
  });

  it("the test-only allowance admits http and loopback, nothing else", () => {
    expect(checkPresignedUrl("http://127.0.0.1:9/r.json", true).protocol).toBe("http:");
    expect(() => checkPresignedUrl("http://10.0.0.1/r.json", true)).toThrow(/public address/);
    expect(() => checkPresignedUrl("ftp://127.0.0.1/r.json", true)).toThrow(/https/);
  });
});

describe("fetchPresigned", () => {
  it("returns the parsed JSON and sends no credentials, cookies or extra headers", async () => {
    handler = json({ job_id: "j", rows: [1, 2] });
    expect(await fetchPresigned(`${base}/r.json?X-Amz-Signature=s3cr3t`, LOCAL)).toEqual({ job_id: "j", rows: [1, 2] });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.url).toBe("/r.json?X-Amz-Signature=s3cr3t");
    expect(Object.keys(seen[0]!.headers).sort()).toEqual(["accept", "accept-encoding", "connection", "host"]);
  });

  it("loopback is refused without the test-only allowance, before any request", async () => {
    const err = await failure(fetchPresigned(`${base}/r.json`));
    expect(err.kind).toBe("invalid_url");
    const err2 = await failure(fetchPresigned(`https://127.0.0.1:${port}/r.json`));
    expect(err2.kind).toBe("blocked_address");
    expect(seen).toHaveLength(0);
  });

  it("a host name is checked on the address actually connected to (DNS answer)", async () => {
    handler = json({ ok: true });
    // Resolves to a private address: refused in the connection's own lookup.
    const err = await failure(
      fetchPresigned("https://reports.example.test/r.json", { resolve: async () => [{ address: "10.0.0.5", family: 4 }] }),
    );
    expect(err.kind).toBe("blocked_address");
    // Resolves to loopback: refused unless allowed …
    const err2 = await failure(
      fetchPresigned(`https://reports.example.test:${port}/r.json`, { resolve: async () => [{ address: "127.0.0.1", family: 4 }] }),
    );
    expect(err2.kind).toBe("blocked_address");
    expect(seen).toHaveLength(0);
    // … and when allowed, the connection really goes to the resolved address.
    const ok = await fetchPresigned(`http://reports.example.test:${port}/r.json`, {
      ...LOCAL,
      resolve: async () => [{ address: "127.0.0.1", family: 4 }],
    });
    expect(ok).toEqual({ ok: true });
    expect(seen[0]!.headers.host).toBe(`reports.example.test:${port}`);
  });

  it.each(["64:ff9b::a00:5", "2002:a00:5::1", "::a00:5", "2001:0:4136:e378:8000:63bf:f5ff:fffa"])(
    "a DNS answer %s (an IPv6 form of 10.0.0.5) is refused before connecting",
    async (address) => {
      const err = await failure(fetchPresigned("https://reports.example.test/r.json", { resolve: async () => [{ address, family: 6 }] }));
      expect(err.kind).toBe("blocked_address");
      expect(seen).toHaveLength(0);
    },
  );

  it("plain http may only reach loopback, even with the allowance", async () => {
    const err = await failure(
      fetchPresigned("http://reports.example.test/r.json", { ...LOCAL, resolve: async () => [{ address: "52.216.8.11", family: 4 }] }),
    );
    expect(err.kind).toBe("blocked_address");
  });

  it("a non-2xx answer is an error with the status and S3's code, never the query", async () => {
    handler = (_req, res) => {
      res.writeHead(403, { "content-type": "application/xml" }).end("<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>");
    };
    const err = await failure(fetchPresigned(`${base}/r.json?X-Amz-Signature=s3cr3t`, LOCAL));
    expect(err.kind).toBe("http");
    expect(err.status).toBe(403);
    expect(err.message).toContain("HTTP 403 (AccessDenied)");
    expect(err.message).toContain(`127.0.0.1:${port}/r.json`);
    expect(err.message).not.toContain("s3cr3t");
  });

  it("follows a same-origin redirect; refuses one to another host or port", async () => {
    handler = (req, res) => {
      if (req.url === "/old") res.writeHead(302, { location: "/new?sig=1" }).end();
      else if (req.url === "/away") res.writeHead(307, { location: `http://127.0.0.1:${port + 1}/r.json` }).end();
      else if (req.url === "/evil") res.writeHead(301, { location: "https://169.254.169.254/latest/meta-data" }).end();
      else json({ at: req.url })(req, res);
    };
    expect(await fetchPresigned(`${base}/old`, LOCAL)).toEqual({ at: "/new?sig=1" });
    expect((await failure(fetchPresigned(`${base}/away`, LOCAL))).kind).toBe("redirect");
    expect((await failure(fetchPresigned(`${base}/evil`, LOCAL))).kind).toBe("redirect");
  });

  it("stops after maxRedirects", async () => {
    handler = (_req, res) => res.writeHead(302, { location: "/loop" }).end();
    const err = await failure(fetchPresigned(`${base}/loop`, { ...LOCAL, maxRedirects: 2 }));
    expect(err.kind).toBe("redirect");
    expect(seen).toHaveLength(3);
  });

  it("times out on a server that never answers", async () => {
    handler = () => undefined;
    const started = Date.now();
    const err = await failure(fetchPresigned(`${base}/hang`, { ...LOCAL, timeoutMs: 200 }));
    expect(err.kind).toBe("timeout");
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("times out on a body that trickles forever (the limit covers the whole download)", async () => {
    handler = (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write("[");
      const t = setInterval(() => res.write("1,"), 20);
      res.on("close", () => clearInterval(t));
    };
    expect((await failure(fetchPresigned(`${base}/slow`, { ...LOCAL, timeoutMs: 300 }))).kind).toBe("timeout");
  });

  it("is cancelled by the caller's signal", async () => {
    handler = () => undefined;
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 50);
    const err = await failure(fetchPresigned(`${base}/hang`, { ...LOCAL, signal: abort.signal }));
    expect(err.kind).toBe("cancelled");
  });

  it("caps the size: declared, streamed, and decompressed", async () => {
    const big = JSON.stringify({ big: "x".repeat(5_000) });
    handler = (_req, res) => res.writeHead(200, { "content-length": String(big.length) }).end(big);
    const declared = await failure(fetchPresigned(`${base}/declared`, { ...LOCAL, maxBytes: 1_000 }));
    expect(declared.kind).toBe("too_large");
    expect(declared.message).toContain(`${big.length} bytes`);
    // No content-length (chunked): counted while streaming.
    handler = (_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "transfer-encoding": "chunked" });
      for (let i = 0; i < 10; i++) res.write("x".repeat(500));
      res.end();
    };
    expect((await failure(fetchPresigned(`${base}/chunked`, { ...LOCAL, maxBytes: 1_000 }))).kind).toBe("too_large");
    // 1 MB of zeros gzips to about 1 KB: the decompressed size is what counts.
    const bomb = gzipSync(Buffer.alloc(1_048_576, 0x30));
    handler = (_req, res) => res.writeHead(200, { "content-encoding": "gzip", "content-length": String(bomb.length) }).end(bomb);
    expect((await failure(fetchPresigned(`${base}/bomb`, { ...LOCAL, maxBytes: 100_000 }))).kind).toBe("too_large");
  });

  it("decodes gzip, with or without a Content-Encoding header", async () => {
    const body = gzipSync(JSON.stringify({ zipped: true }));
    handler = (_req, res) => res.writeHead(200, { "content-encoding": "gzip" }).end(body);
    expect(await fetchPresigned(`${base}/enc`, LOCAL)).toEqual({ zipped: true });
    handler = (_req, res) => res.writeHead(200, { "content-type": "application/gzip" }).end(body);
    expect(await fetchPresigned(`${base}/raw`, LOCAL)).toEqual({ zipped: true });
  });

  it("an empty or non-JSON body is an error", async () => {
    handler = (_req, res) => res.writeHead(200).end();
    expect((await failure(fetchPresigned(`${base}/empty`, LOCAL))).kind).toBe("invalid_body");
    handler = (_req, res) => res.writeHead(200, { "content-type": "text/html" }).end("<html></html>");
    expect((await failure(fetchPresigned(`${base}/html`, LOCAL))).kind).toBe("invalid_body");
  });

  it("a refused connection is a network error", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const free = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    expect((await failure(fetchPresigned(`http://127.0.0.1:${free}/r.json`, LOCAL))).kind).toBe("network");
  });
});

describe("fetchPresigned at its edges (encodings, limits, redirects, DNS answers)", () => {
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
    const loop = await failure(fetchPresigned(url, { timeoutMs: 2_000, resolve: async () => [{ address: "127.0.0.1", family: 4 }] }));
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
