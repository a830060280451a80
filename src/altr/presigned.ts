/**
 * Downloads a JSON document from a presigned object-storage URL that ALTR hands out (e.g. a
 * classification report on S3). Deliberately not the ALTR client: the URL is its own
 * credential, so no ALTR credentials (or any other header that could leak) are sent.
 *
 * Guards, because the URL arrives over the network:
 * - https only, no user info in the URL;
 * - the host may not be, or resolve to, a loopback, private, link-local, multicast or otherwise
 *   non-public address. Names are checked in the connection's own DNS lookup, so the address
 *   checked is the address connected to (no rebinding window);
 * - redirects are followed only within the same origin, at most `maxRedirects` times;
 * - one time limit for the whole download, and cancellation through `signal`;
 * - a 2xx status is required; a size cap holds for the raw and for the decompressed body.
 * Error messages name the host and path only: the query string (the signature) never appears.
 *
 * `allowLoopback` exists for tests only: it also admits http:// and loopback hosts, so a local
 * server can stand in for the object store. Nothing in production sets it.
 */
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP, type LookupFunction } from "node:net";
import ipaddr from "ipaddr.js";
import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib";
import { presignedAgent } from "./proxy.js";

export type PresignedErrorKind =
  | "invalid_url"
  | "blocked_address"
  | "redirect"
  | "http"
  | "timeout"
  | "cancelled"
  | "network"
  | "too_large"
  | "invalid_body";

export class PresignedError extends Error {
  constructor(
    readonly kind: PresignedErrorKind,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "PresignedError";
  }
}

export interface PresignedOptions {
  signal?: AbortSignal;
  /** Whole download, redirects included. Default 30 s. */
  timeoutMs?: number;
  /** Largest body accepted, before and after decompression. Default 5 MiB. */
  maxBytes?: number;
  /** Same-origin redirects followed. Default 3. */
  maxRedirects?: number;
  /** Tests only: admit http:// and loopback hosts (a local server standing in for S3). */
  allowLoopback?: boolean;
  /** Tests only: name resolution (default: the system resolver, every address). */
  resolve?: (hostname: string) => Promise<LookupAddress[]>;
}

/** How a tool downloads a presigned URL; the server passes the production one, tests a stand-in. */
export type PresignedFetch = (url: string, signal: AbortSignal) => Promise<unknown>;

export const PRESIGNED_DEFAULTS = { timeoutMs: 30_000, maxBytes: 5 * 1_048_576, maxRedirects: 3 } as const;

export type AddressClass = "public" | "loopback" | "non_public";

/** The IPv4 address in 32 bits of an IPv6 address's bytes, from byte `at`. */
function embedded(bytes: number[], at: number, xor = 0): ipaddr.IPv4 {
  return new ipaddr.IPv4(bytes.slice(at, at + 4).map((b) => b ^ xor));
}

const isZero = (bytes: number[], from: number, to: number) => bytes.slice(from, to).every((b) => b === 0);

/**
 * The IPv4 addresses an IPv6 address carries, by the form that embeds them: IPv4-mapped
 * (::ffff:0:0/96), IPv4-translated (::ffff:0:0:0/96), IPv4-compatible (::/96), NAT64
 * (64:ff9b::/96), 6to4 (2002::/16) and Teredo (2001::/32: server and obfuscated client).
 * Such an address reaches the IPv4 address through a translator or tunnel, so it is only as
 * public as what it embeds. Empty for an ordinary IPv6 address.
 */
export function embeddedIPv4(address: ipaddr.IPv6): ipaddr.IPv4[] {
  const bytes = address.toByteArray();
  const range = address.range();
  if (range === "ipv4Mapped" || range === "rfc6145") return [embedded(bytes, 12)];
  if (range === "6to4") return [embedded(bytes, 2)];
  if (range === "teredo") return [embedded(bytes, 4), embedded(bytes, 12, 0xff)];
  if (address.match(ipaddr.IPv6.parse("64:ff9b::"), 96)) return [embedded(bytes, 12)];
  // IPv4-compatible (deprecated), except :: and ::1, which are themselves unspecified and loopback.
  if (isZero(bytes, 0, 15) && bytes[15]! <= 1) return [];
  if (isZero(bytes, 0, 12)) return [embedded(bytes, 12)];
  return [];
}

/**
 * Whether an IP address is public, loopback or otherwise non-public, by ipaddr.js's special-use
 * ranges: only its `unicast` is public (private, CGNAT, link-local, documentation, benchmarking,
 * multicast, reserved, unique-local, deprecated site-local, discard, NAT64 local-use… are not).
 * An IPv6 address embedding IPv4 addresses is classified as the least public of them.
 */
export function classifyAddress(address: string): AddressClass {
  if (!ipaddr.isValid(address) || isIP(address) === 0) return "non_public";
  const parsed = ipaddr.parse(address);
  if (parsed.kind() === "ipv4") return classifyRange(parsed.range());
  const v6 = parsed as ipaddr.IPv6;
  const inner = embeddedIPv4(v6);
  if (inner.length === 0) return classifyRange(v6.range());
  const classes = inner.map((a) => classifyRange(a.range()));
  if (classes.includes("non_public")) return "non_public";
  return classes.includes("loopback") ? "loopback" : "public";
}

function classifyRange(range: string): AddressClass {
  if (range === "loopback") return "loopback";
  return range === "unicast" ? "public" : "non_public";
}

/** Host and path of a URL, for messages: never the query, which carries the signature. */
export function safeUrl(url: URL): string {
  return `${url.host}${url.pathname}`;
}

function bare(hostname: string): string {
  return hostname.startsWith("[") && hostname.endsWith("]") ? hostname.slice(1, -1) : hostname;
}

/**
 * The syntactic checks: a parseable https URL without user info, whose host is not a
 * non-public IP literal or a localhost name (unless `allowLoopback`). Throws PresignedError.
 */
export function checkPresignedUrl(raw: string, allowLoopback = false): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new PresignedError("invalid_url", "the download URL is not a valid URL");
  }
  const where = safeUrl(url);
  if (url.protocol !== "https:" && !(allowLoopback && url.protocol === "http:")) {
    throw new PresignedError("invalid_url", `the download URL must use https (got ${url.protocol.replace(/:$/, "")})`);
  }
  if (url.username || url.password) {
    throw new PresignedError("invalid_url", `the download URL ${where} carries user credentials`);
  }
  const host = bare(url.hostname).toLowerCase();
  const literal = isIP(host) !== 0;
  const kind: AddressClass | "name" = literal
    ? classifyAddress(host)
    : host === "localhost" || host.endsWith(".localhost")
      ? "loopback"
      : "name";
  if (kind === "non_public" || (kind === "loopback" && !allowLoopback)) {
    throw new PresignedError("blocked_address", `the download host ${url.host} is not a public address`);
  }
  return url;
}

const defaultResolve = (hostname: string): Promise<LookupAddress[]> =>
  new Promise((resolve, reject) =>
    dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))),
  );

/** A DNS lookup for the connection that refuses every address the policy does not allow (exported for its tests). */
export function guardedLookup(opts: { allowLoopback: boolean; loopbackOnly: boolean; resolve: PresignedOptions["resolve"] }): LookupFunction {
  const resolve = opts.resolve ?? defaultResolve;
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (all) => {
        const family = typeof options.family === "number" ? options.family : 0;
        const addresses = family === 4 || family === 6 ? all.filter((a) => a.family === family) : all;
        if (addresses.length === 0) {
          callback(Object.assign(new Error(`no address for ${hostname}`), { code: "ENOTFOUND" }), "", 0);
          return;
        }
        for (const a of addresses) {
          const cls = classifyAddress(a.address);
          const allowed = cls === "public" ? !opts.loopbackOnly : cls === "loopback" && opts.allowLoopback;
          if (!allowed) {
            callback(new PresignedError("blocked_address", `the download host ${hostname} resolves to a non-public address`), "", 0);
            return;
          }
        }
        if (options.all) callback(null, addresses);
        else callback(null, addresses[0]!.address, addresses[0]!.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, "", 0),
    );
  };
}

interface Raw {
  status: number;
  headers: IncomingMessage["headers"];
  body: Buffer;
}

/** One GET, no redirect handling: the raw status, headers and (capped) body. */
function getOnce(url: URL, o: Required<Pick<PresignedOptions, "maxBytes" | "allowLoopback">> & PresignedOptions, signal: AbortSignal): Promise<Raw> {
  return new Promise<Raw>((resolve, reject) => {
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      outcome();
    };
    const request = url.protocol === "https:" ? httpsRequest : httpRequest;
    const lookup = guardedLookup({ allowLoopback: o.allowLoopback, loopbackOnly: url.protocol === "http:", resolve: o.resolve });
    const req = request(
      url,
      {
        method: "GET",
        // No credentials, cookies or ALTR headers: only what the object store needs.
        headers: { accept: "application/json", "accept-encoding": "gzip, deflate, br" },
        lookup,
        agent: presignedAgent(url),
      },
      (res) => {
        const status = res.statusCode ?? 0;
        const success = status >= 200 && status < 300;
        // An error body is only read for its reason code.
        const limit = success ? o.maxBytes : 16_384;
        const tooLarge = (detail: string) => {
          finish(() => reject(new PresignedError("too_large", detail)));
          req.destroy();
        };
        const declared = Number(res.headers["content-length"] ?? "NaN");
        if (success && Number.isFinite(declared) && declared > limit) {
          tooLarge(`the download is ${declared} bytes, over the ${limit}-byte limit`);
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        const done = () => finish(() => resolve({ status, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on("data", (chunk: Buffer) => {
          if (settled) return;
          size += chunk.length;
          if (size <= limit) {
            chunks.push(chunk);
          } else if (success) {
            tooLarge(`the download exceeds the ${limit}-byte limit`);
          } else {
            done();
            req.destroy();
          }
        });
        res.on("end", done);
        res.on("error", (err) => finish(() => reject(err)));
      },
    );
    const onAbort = () => req.destroy(signal.reason instanceof Error ? signal.reason : new PresignedError("cancelled", "the download was cancelled"));
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
    req.on("error", (err) => finish(() => reject(err)));
    req.on("close", () => signal.removeEventListener("abort", onAbort));
    req.end();
  });
}

function decode(raw: Raw, maxBytes: number): Buffer {
  const encoding = String(raw.headers["content-encoding"] ?? "identity").toLowerCase().trim();
  const limit = { maxOutputLength: maxBytes };
  try {
    let body = raw.body;
    if (encoding === "gzip" || encoding === "x-gzip") body = gunzipSync(body, limit);
    else if (encoding === "deflate") body = inflateSync(body, limit);
    else if (encoding === "br") body = brotliDecompressSync(body, limit);
    // A report stored gzipped without a Content-Encoding header still arrives as gzip bytes.
    if (body.length >= 2 && body[0] === 0x1f && body[1] === 0x8b) body = gunzipSync(body, limit);
    return body;
  } catch (err) {
    if (err instanceof RangeError || (err as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") {
      throw new PresignedError("too_large", `the decompressed download exceeds the ${maxBytes}-byte limit`);
    }
    throw new PresignedError("invalid_body", "the download could not be decompressed");
  }
}

/** A short reason from an object store's error body (S3's `<Code>`), never its full text. */
function storeReason(body: Buffer): string {
  const code = /<Code>([A-Za-z]{1,64})<\/Code>/.exec(body.toString("utf8"))?.[1];
  return code ? ` (${code})` : "";
}

/**
 * GETs `raw` under the guards above and returns the parsed JSON body. Throws PresignedError
 * for every failure (a failure of the caller's signal becomes kind "cancelled").
 */
export async function fetchPresigned(raw: string, options: PresignedOptions = {}): Promise<unknown> {
  const o = {
    ...options,
    timeoutMs: options.timeoutMs ?? PRESIGNED_DEFAULTS.timeoutMs,
    maxBytes: options.maxBytes ?? PRESIGNED_DEFAULTS.maxBytes,
    maxRedirects: options.maxRedirects ?? PRESIGNED_DEFAULTS.maxRedirects,
    allowLoopback: options.allowLoopback ?? false,
  };
  const first = checkPresignedUrl(raw, o.allowLoopback);
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(new PresignedError("timeout", `the download did not finish within ${o.timeoutMs} ms`)), o.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout.signal]) : timeout.signal;
  try {
    let url = first;
    for (let redirects = 0; ; redirects++) {
      let res: Raw;
      try {
        res = await getOnce(url, o, signal);
      } catch (err) {
        if (options.signal?.aborted) throw new PresignedError("cancelled", "the download was cancelled");
        if (err instanceof PresignedError) throw err;
        const code = (err as NodeJS.ErrnoException).code;
        throw new PresignedError("network", `could not download from ${url.host}${code ? ` (${code})` : ""}`);
      }
      if (res.status >= 300 && res.status < 400 && typeof res.headers.location === "string") {
        let next: URL;
        try {
          next = new URL(res.headers.location, url);
        } catch {
          throw new PresignedError("redirect", `${safeUrl(url)} redirected to an invalid URL`);
        }
        if (next.origin !== url.origin) {
          throw new PresignedError("redirect", `${safeUrl(url)} redirected to another host (${next.host}); not followed`);
        }
        if (redirects >= o.maxRedirects) throw new PresignedError("redirect", `${safeUrl(url)}: more than ${o.maxRedirects} redirects`);
        url = checkPresignedUrl(next.href, o.allowLoopback);
        continue;
      }
      if (res.status < 200 || res.status >= 300) {
        throw new PresignedError("http", `${safeUrl(url)} answered HTTP ${res.status}${storeReason(res.body)}`, res.status);
      }
      const body = decode(res, o.maxBytes);
      if (body.length === 0) throw new PresignedError("invalid_body", `${safeUrl(url)} returned an empty body`);
      try {
        return JSON.parse(body.toString("utf8")) as unknown;
      } catch {
        throw new PresignedError("invalid_body", `${safeUrl(url)} did not return JSON`);
      }
    }
  } finally {
    clearTimeout(timer);
  }
}

/** The production downloader: fetchPresigned with its defaults and the caller's signal. */
export const downloadPresigned: PresignedFetch = (url, signal) => fetchPresigned(url, { signal });
