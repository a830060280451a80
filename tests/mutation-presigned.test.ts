/**
 * The presigned download (src/altr/presigned.ts) at its edges: the first and last address of
 * every blocked range and the neighbours just outside it, the URL checks, the connection's DNS
 * guard called directly, and the download's status, encoding, size and timer edges against a
 * loopback server (and a loopback stand-in for an egress proxy, so a public address is never
 * connected to). tests/classification-presigned.test.ts has the broader download behaviour.
 * Written to kill the mutants `npm run mutate` found surviving.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { LookupAddress } from "node:dns";
import { setDefaultAutoSelectFamily, type AddressInfo, type Socket } from "node:net";
import { gzipSync } from "node:zlib";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
  checkPresignedUrl,
  classifyAddress,
  downloadPresigned,
  fetchPresigned,
  guardedLookup,
  PRESIGNED_DEFAULTS,
  PresignedError,
  safeUrl,
} from "../src/altr/presigned.js";

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
  it("loopback is 127.0.0.0/8 and ::1 only; :: is blocked; ::2 is the IPv4-compatible form of 0.0.0.2, so not public either", () => {
    expect(classifyAddress("127.0.0.0")).toBe("loopback");
    expect(classifyAddress("127.255.255.255")).toBe("loopback");
    expect(classifyAddress("126.255.255.255")).toBe("public");
    expect(classifyAddress("128.0.0.0")).toBe("public");
    expect(classifyAddress("::")).toBe("non_public");
    expect(classifyAddress("::2")).toBe("non_public");
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

describe("classifyAddress: forms that only look alike", () => {
  it("an IPv4-translated address (::ffff:0:a.b.c.d) is as public as the address it embeds", () => {
    expect(classifyAddress("::ffff:0:808:808")).toBe("public");
    expect(classifyAddress("::ffff:0:7f00:1")).toBe("loopback");
    expect(classifyAddress("::ffff:0:a00:1")).toBe("non_public");
  });
  it("IPv4 written as one number or with fewer parts is not an address here (non_public), even when it would be a public one", () => {
    for (const odd of ["134744072", "8.8.2056", "0x8.8.8.8", "010.8.8.8"]) expect(classifyAddress(odd)).toBe("non_public");
  });
  it("a PresignedError says so in its name", () => {
    const err = new PresignedError("http", "m", 500);
    expect(err.name).toBe("PresignedError");
    expect(String(err)).toBe("PresignedError: m");
  });
});

type LookupAnswer = { err: (Error & { code?: string }) | null; address: string | LookupAddress[]; family?: number };
/** Calls the connection's DNS guard as Node would, with the answers `resolve` gives. */
function lookupWith(
  answers: LookupAddress[],
  options: { family?: number; all?: boolean },
  policy: { allowLoopback?: boolean; loopbackOnly?: boolean } = {},
): Promise<LookupAnswer> {
  const lookup = guardedLookup({ allowLoopback: policy.allowLoopback ?? false, loopbackOnly: policy.loopbackOnly ?? false, resolve: async () => answers });
  return new Promise((resolve) =>
    lookup("store.example.test", options, (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) =>
      resolve({ err, address, ...(family !== undefined ? { family } : {}) }),
    ),
  );
}

describe("the connection's DNS guard (guardedLookup)", () => {
  const V4 = { address: "52.216.8.11", family: 4 };
  const V6 = { address: "2600:1f18::1", family: 6 };
  it("answers Node's `all` lookups with every allowed address, single lookups with the first", async () => {
    expect(await lookupWith([V4, V6], { all: true })).toEqual({ err: null, address: [V4, V6] });
    expect(await lookupWith([V6, V4], {})).toEqual({ err: null, address: V6.address, family: 6 });
  });
  it("keeps only the asked-for family; none of it is ENOTFOUND naming the host", async () => {
    expect(await lookupWith([V6, V4], { family: 4 })).toEqual({ err: null, address: V4.address, family: 4 });
    expect(await lookupWith([V4, V6], { family: 6, all: true })).toEqual({ err: null, address: [V6] });
    expect(await lookupWith([V4, V6], { family: 0, all: true })).toEqual({ err: null, address: [V4, V6] });
    const none = await lookupWith([V6], { family: 4 });
    expect(none.err).toMatchObject({ code: "ENOTFOUND", message: "no address for store.example.test" });
  });
  it("a public address is refused where only loopback may be reached (plain http), and loopback without the allowance", async () => {
    expect((await lookupWith([V4], { all: true }, { loopbackOnly: true })).err).toMatchObject({ kind: "blocked_address" });
    const loop = { address: "127.0.0.1", family: 4 };
    expect((await lookupWith([loop], { all: true })).err).toMatchObject({ kind: "blocked_address" });
    expect(await lookupWith([loop], { all: true }, { allowLoopback: true, loopbackOnly: true })).toEqual({ err: null, address: [loop] });
  });
});

describe("fetchPresigned against a loopback server: statuses, encodings, limits, timer", () => {
  type Handler = (req: IncomingMessage, res: ServerResponse) => void;
  let handler: Handler;
  let server: Server;
  let base: string;
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
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(() => {
    seen.length = 0;
    vi.restoreAllMocks();
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  });
  const LOCAL = { allowLoopback: true, timeoutMs: 5_000 } as const;
  const failure = (p: Promise<unknown>) =>
    p.then(
      () => {
        throw new Error("expected a PresignedError");
      },
      (err: unknown) => {
        expect(err).toBeInstanceOf(PresignedError);
        return err as PresignedError;
      },
    );

  it("asks for JSON and the encodings it decodes, nothing else", async () => {
    handler = (_req, res) => res.writeHead(200).end("{}");
    await fetchPresigned(`${base}/r.json`, LOCAL);
    expect(seen[0]!.method).toBe("GET");
    expect(seen[0]!.headers.accept).toBe("application/json");
    expect(seen[0]!.headers["accept-encoding"]).toBe("gzip, deflate, br");
  });

  it("a Location header is followed only on a 3xx answer, 300 included", async () => {
    const routes: Record<string, [number, string | undefined]> = {
      "/ok-with-location": [200, "/elsewhere"],
      "/multiple-choices": [300, "/elsewhere"],
      "/not-found-with-location": [404, "/elsewhere"],
      "/bad-request-with-location": [400, "/elsewhere"],
      "/last-3xx": [399, "/elsewhere"],
    };
    handler = (req, res) => {
      const [status, location] = routes[req.url!] ?? [200, undefined];
      res.writeHead(status, location ? { location } : {}).end(JSON.stringify({ at: req.url }));
    };
    expect(await fetchPresigned(`${base}/ok-with-location`, LOCAL)).toEqual({ at: "/ok-with-location" });
    expect(await fetchPresigned(`${base}/multiple-choices`, LOCAL)).toEqual({ at: "/elsewhere" });
    expect(await fetchPresigned(`${base}/last-3xx`, LOCAL)).toEqual({ at: "/elsewhere" });
    expect(await failure(fetchPresigned(`${base}/not-found-with-location`, LOCAL))).toMatchObject({ kind: "http", status: 404 });
    expect(await failure(fetchPresigned(`${base}/bad-request-with-location`, LOCAL))).toMatchObject({ kind: "http", status: 400 });
  });

  it("an error answer's body is only read up to 16 KiB, whatever it declares or however long it streams", async () => {
    // A 300 without Location is an error answer: its declared size is not held against maxBytes.
    handler = (_req, res) => res.writeHead(300, { "content-length": "200" }).end("x".repeat(200));
    expect(await failure(fetchPresigned(`${base}/r`, { ...LOCAL, maxBytes: 100 }))).toMatchObject({ kind: "http", status: 300 });
    handler = (_req, res) => res.writeHead(500, { "content-length": "40000" }).end("x".repeat(40_000));
    expect(await failure(fetchPresigned(`${base}/r`, { ...LOCAL, maxBytes: 100 }))).toMatchObject({ kind: "http", status: 500 });
    // An endless error body is cut at 16 KiB: the error comes at once, not at the time limit.
    handler = (_req, res) => {
      res.writeHead(503);
      res.write(" ".repeat(20_000));
      const t = setInterval(() => res.write(" ".repeat(1_000)), 10);
      res.on("close", () => clearInterval(t));
    };
    const started = Date.now();
    const cut = await failure(fetchPresigned(`${base}/r`, { ...LOCAL, timeoutMs: 3_000 }));
    expect(cut).toMatchObject({ kind: "http", status: 503 });
    expect(Date.now() - started).toBeLessThan(2_500);
  });

  it("a connection cut in the middle of the body is a network error", async () => {
    handler = (_req, res) => {
      res.writeHead(200, { "content-length": "1000" });
      res.write("[1,2,");
      setTimeout(() => res.socket?.destroy(), 20);
    };
    expect(await failure(fetchPresigned(`${base}/r`, LOCAL))).toMatchObject({ kind: "network" });
  });

  it("a failed name lookup without an error code is a network error naming the host only", async () => {
    const url = `https://store.example.test:${(server.address() as AddressInfo).port}/r.json?sig=1`;
    const err = await failure(fetchPresigned(url, { ...LOCAL, resolve: () => Promise.reject(new Error("resolver down")) }));
    expect(err).toMatchObject({ kind: "network" });
    expect(err.message).toBe(`could not download from store.example.test:${(server.address() as AddressInfo).port}`);
  });

  it("the Content-Encoding is matched whatever its case or surrounding spaces; a gzipped report sent with Content-Encoding gzip is decoded twice", async () => {
    const doc = { rows: [1, 2] };
    const json = Buffer.from(JSON.stringify(doc));
    const { brotliCompressSync, deflateSync } = await import("node:zlib");
    handler = (_req, res) => res.writeHead(200, { "content-encoding": " br " }).end(brotliCompressSync(json));
    expect(await fetchPresigned(`${base}/r`, LOCAL)).toEqual(doc);
    handler = (_req, res) => res.writeHead(200, { "content-encoding": "Deflate " }).end(deflateSync(json));
    expect(await fetchPresigned(`${base}/r`, LOCAL)).toEqual(doc);
    for (const encoding of ["gzip", "x-gzip"]) {
      handler = (_req, res) => res.writeHead(200, { "content-encoding": encoding }).end(gzipSync(gzipSync(json)));
      expect(await fetchPresigned(`${base}/r`, LOCAL)).toEqual(doc);
    }
  });

  it("gzip is recognised by both magic bytes (1f 8b), not by one of them", async () => {
    const cases: [string, Buffer, string][] = [
      ["1f 8b alone", Buffer.from([0x1f, 0x8b]), "the download could not be decompressed"],
      ["1f then not 8b", Buffer.from([0x1f, 0x20, 0x31]), "did not return JSON"],
      ["not 1f then 8b", Buffer.from([0x20, 0x8b, 0x31]), "did not return JSON"],
    ];
    for (const [what, body, message] of cases) {
      handler = (_req, res) => res.writeHead(200).end(body);
      const err = await failure(fetchPresigned(`${base}/r`, LOCAL));
      expect(err.kind, what).toBe("invalid_body");
      expect(err.message, what).toContain(message);
    }
  });

  it("a finished download stops its timer (a CLI call would otherwise wait for it)", async () => {
    handler = (_req, res) => res.writeHead(200).end("{}");
    const set = vi.spyOn(globalThis, "setTimeout");
    const clear = vi.spyOn(globalThis, "clearTimeout");
    await fetchPresigned(`${base}/r`, { ...LOCAL, timeoutMs: 54_321 });
    const timer = set.mock.results[set.mock.calls.findIndex((c) => c[1] === 54_321)]?.value as unknown;
    expect(timer).toBeDefined();
    expect(clear.mock.calls.some((c) => c[0] === timer)).toBe(true);
  });

  it("without the test-only allowance or name answers, a single lookup (autoSelectFamily off) still connects", async () => {
    // Node calls the lookup without `all` when happy eyeballs is off (--no-network-family-autoselection).
    handler = (_req, res) => res.writeHead(200).end('{"single":true}');
    const port = (server.address() as AddressInfo).port;
    setDefaultAutoSelectFamily(false);
    try {
      expect(
        await fetchPresigned(`http://loopback.example.test:${port}/r`, { ...LOCAL, resolve: async () => [{ address: "127.0.0.1", family: 4 }] }),
      ).toEqual({ single: true });
    } finally {
      setDefaultAutoSelectFamily(true);
    }
  });

  it("a host name without a `resolve` is looked up by the system resolver (localhost: loopback only)", async () => {
    handler = (_req, res) => res.writeHead(200).end('{"system":true}');
    const port = (server.address() as AddressInfo).port;
    expect(await fetchPresigned(`http://localhost:${port}/r`, LOCAL)).toEqual({ system: true });
  });
});

describe("through an egress proxy (a loopback stand-in that refuses every CONNECT)", () => {
  let proxy: Server;
  const connects: string[] = [];
  const VARS = ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "all_proxy", "no_proxy"];
  beforeAll(async () => {
    proxy = createServer((_req, res) => res.writeHead(405).end());
    proxy.on("connect", (req: IncomingMessage, socket: Socket) => {
      connects.push(req.url ?? "");
      socket.end("HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n");
    });
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
    for (const v of VARS) vi.stubEnv(v, "");
    vi.stubEnv("HTTPS_PROXY", `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`);
  });
  afterEach(() => {
    connects.length = 0;
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await new Promise<void>((r) => proxy.close(() => r()));
  });

  it("https to a name with a public address is handed to the proxy (only plain http is loopback-only)", async () => {
    const err = await fetchPresigned("https://reports.example.test/r.json?sig=1", {
      timeoutMs: 5_000,
      resolve: async () => [{ address: "52.216.8.11", family: 4 }],
    }).catch((e: unknown) => e);
    expect(connects).toEqual(["reports.example.test:443"]);
    expect(err).toMatchObject({ kind: "http", status: 403 });
  });

  it("the production downloader passes the caller's signal (a cancelled call is not the proxy's refusal)", async () => {
    const ac = new AbortController();
    ac.abort();
    const err = await downloadPresigned("https://52.216.8.11/r.json?sig=1", ac.signal).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: "cancelled", message: "the download was cancelled" });
  });
});
