/**
 * HTTPS_PROXY / HTTP_PROXY / NO_PROXY (src/altr/proxy.ts) through a real forward proxy (the
 * `proxy` package) on loopback: ALTR calls and presigned downloads reach the stub only through
 * the proxy (counted at the proxy; with the proxy gone nothing reaches the stub), NO_PROXY
 * bypasses it, the download's address guard still holds, and proxy credentials are sent but
 * never printed. The stubs are on 127.0.0.1, which the proxy variables do not exempt by default.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { tmpdir } from "node:os";
import { createProxy, type ProxyServer } from "proxy";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createAltrFetch } from "../src/altr/http.js";
import { fetchPresigned, PresignedError } from "../src/altr/presigned.js";
import { describeProxy, presignedAgent, proxyFor } from "../src/altr/proxy.js";
import { SERVICES } from "../src/config/services.js";
import { FAST_HTTP } from "./helpers/harness.js";
import { freePort } from "./helpers/ports.js";
import { startStub, type Stub } from "./helpers/stub.js";

const CLI = new URL("../dist/cli/main.js", import.meta.url).pathname;
const USER = "proxy-user";
const PASSWORD = "pr0xy-Passw0rd";

let stub: Stub;
let proxy: ProxyServer;
let proxyUrl: string;
/** CONNECT targets and plain proxied request URLs the proxy handled, in order. */
const seen: string[] = [];
let requireAuth = false;
const sockets = new Set<Socket>();

const VARS = ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "all_proxy", "no_proxy"];
const saved = Object.fromEntries(VARS.map((v) => [v, process.env[v]]));
function setProxyEnv(vars: Record<string, string>): void {
  for (const v of VARS) delete process.env[v];
  Object.assign(process.env, vars);
}

beforeAll(async () => {
  stub = await startStub();
  stub.route("GET", "/api/userGroups", { status: 200, body: { success: true, data: { userGroups: [{ userGroupName: "ANALYST" }], count: 1 } } });
  stub.route("GET", "/report.json", { status: 200, body: { columns: 3 } });
  proxy = createProxy(createServer());
  proxy.authenticate = (req: IncomingMessage) => {
    if (!requireAuth) return true;
    return req.headers["proxy-authorization"] === `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString("base64")}`;
  };
  proxy.on("connect", (req: IncomingMessage) => seen.push(`CONNECT ${req.url}`));
  proxy.on("request", (req: IncomingMessage) => seen.push(`${req.method} ${req.url}`));
  proxy.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});
afterEach(() => {
  seen.length = 0;
  stub.requests.length = 0;
  requireAuth = false;
  setProxyEnv({});
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => proxy.close(r));
  await stub.close();
  setProxyEnv(Object.fromEntries(Object.entries(saved).filter((e): e is [string, string] => e[1] !== undefined)));
});

const stubHost = () => new URL(stub.url).host;
const altrGet = (path: string) => createAltrFetch({ ...FAST_HTTP, maxAttempts: 1 })(new Request(`${stub.url}${path}`));

describe("which URLs go through the proxy", () => {
  it("HTTPS_PROXY for https, HTTP_PROXY for http, lower-case too; NO_PROXY names, suffixes, ports and *", () => {
    setProxyEnv({ HTTPS_PROXY: "http://secure-proxy:3128", http_proxy: "http://plain-proxy:3128" });
    expect(proxyFor("https://altrnet.live.altr.com/api")?.host).toBe("secure-proxy:3128");
    expect(proxyFor("http://127.0.0.1:9/x")?.host).toBe("plain-proxy:3128");
    setProxyEnv({ HTTPS_PROXY: "http://p:1", NO_PROXY: ".altr.com,10.0.0.1:8443" });
    expect(proxyFor("https://altrnet.live.altr.com/api")).toBeUndefined();
    expect(proxyFor("https://s3.amazonaws.com/x")?.host).toBe("p:1");
    expect(proxyFor("https://10.0.0.1:8443/")).toBeUndefined();
    expect(proxyFor("https://10.0.0.1/")?.host).toBe("p:1");
    setProxyEnv({ HTTPS_PROXY: "http://p:1", no_proxy: "*" });
    expect(proxyFor("https://anything.example/")).toBeUndefined();
    setProxyEnv({});
    expect(proxyFor("https://altrnet.live.altr.com/api")).toBeUndefined();
  });

  it("a proxy URL in a log names scheme and host, never its user or password", () => {
    expect(describeProxy(new URL(`http://${USER}:${PASSWORD}@proxy.corp:3128`))).toBe("http://proxy.corp:3128 (with credentials)");
    expect(describeProxy(new URL("http://proxy.corp:3128"))).toBe("http://proxy.corp:3128");
  });
});

describe("ALTR calls", () => {
  it("reach the stub through the proxy (counted there), and not at all when the proxy is down", async () => {
    setProxyEnv({ HTTP_PROXY: proxyUrl });
    const res = await altrGet("/api/userGroups");
    expect(res.status).toBe(200);
    expect(seen).toEqual([`CONNECT ${stubHost()}`]);
    expect(stub.requests.map((r) => r.url)).toEqual(["/api/userGroups"]);
    // A proxy that is not there: the call fails and the stub sees nothing (no direct fallback).
    setProxyEnv({ HTTP_PROXY: `http://127.0.0.1:${await freePort()}` });
    stub.requests.length = 0;
    await expect(altrGet("/api/userGroups")).rejects.toMatchObject({ kind: "network" });
    expect(stub.requests).toHaveLength(0);
  });

  it("NO_PROXY bypasses the proxy", async () => {
    setProxyEnv({ HTTP_PROXY: proxyUrl, NO_PROXY: "localhost,127.0.0.1" });
    expect((await altrGet("/api/userGroups")).status).toBe(200);
    expect(seen).toEqual([]);
    expect(stub.requests).toHaveLength(1);
  });

  it("proxy credentials from the URL are sent (Proxy-Authorization), and a refusal is a network error", async () => {
    requireAuth = true;
    setProxyEnv({ HTTP_PROXY: `http://${USER}:${PASSWORD}@${new URL(proxyUrl).host}` });
    expect((await altrGet("/api/userGroups")).status).toBe(200);
    expect(stub.requests[0]!.headers["proxy-authorization"]).toBeUndefined();
    setProxyEnv({ HTTP_PROXY: `http://${USER}:wrong@${new URL(proxyUrl).host}` });
    stub.requests.length = 0;
    const err = (await altrGet("/api/userGroups").then(
      () => undefined,
      (e: unknown) => e,
    )) as Error;
    expect(err).toMatchObject({ kind: "network" });
    expect(String(err.message)).not.toContain("wrong");
    expect(stub.requests).toHaveLength(0);
  });
});

describe("presigned downloads", () => {
  const report = () => `${stub.url}/report.json?X-Amz-Signature=sig`;

  it("go through the proxy (a CONNECT tunnel) and not at all when the proxy is down", async () => {
    setProxyEnv({ HTTP_PROXY: proxyUrl });
    expect(await fetchPresigned(report(), { allowLoopback: true })).toEqual({ columns: 3 });
    expect(seen).toEqual([`CONNECT ${stubHost()}`]);
    expect(stub.requests.map((r) => r.url)).toEqual(["/report.json?X-Amz-Signature=sig"]);
    setProxyEnv({ HTTP_PROXY: `http://127.0.0.1:${await freePort()}` });
    stub.requests.length = 0;
    await expect(fetchPresigned(report(), { allowLoopback: true })).rejects.toMatchObject({ kind: "network" });
    expect(stub.requests).toHaveLength(0);
  });

  it("NO_PROXY bypasses the proxy", async () => {
    setProxyEnv({ HTTP_PROXY: proxyUrl, NO_PROXY: "127.0.0.1" });
    expect(await fetchPresigned(report(), { allowLoopback: true })).toEqual({ columns: 3 });
    expect(seen).toEqual([]);
  });

  it("proxy credentials are sent on the CONNECT; the agent itself never holds them (its debug output prints its URL)", async () => {
    requireAuth = true;
    setProxyEnv({ HTTP_PROXY: `http://${USER}:${PASSWORD}@${new URL(proxyUrl).host}` });
    expect(await fetchPresigned(report(), { allowLoopback: true })).toEqual({ columns: 3 });
    expect(seen).toEqual([`CONNECT ${stubHost()}`]);
    const agent = presignedAgent(new URL(report())) as unknown as { proxy: URL };
    expect(agent.proxy.href).toBe(`${proxyUrl}/`);
    setProxyEnv({ HTTP_PROXY: `http://${USER}:wrong@${new URL(proxyUrl).host}` });
    stub.requests.length = 0;
    // The proxy's refusal is replayed as the answer (https-proxy-agent): "answered HTTP 407".
    const refused = await fetchPresigned(report(), { allowLoopback: true }).catch((e: unknown) => e as PresignedError);
    expect(refused).toMatchObject({ kind: "http", status: 407 });
    expect((refused as Error).message).not.toContain("wrong");
    expect(stub.requests).toHaveLength(0);
  });

  it("the address guard holds through the proxy: a name resolving to a private address is refused before the proxy is asked", async () => {
    setProxyEnv({ HTTPS_PROXY: proxyUrl, HTTP_PROXY: proxyUrl });
    const err = await fetchPresigned("https://reports.example/r.json?sig=1", {
      resolve: async () => [{ address: "10.1.2.3", family: 4 }],
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PresignedError);
    expect(err).toMatchObject({ kind: "blocked_address" });
    expect(seen).toEqual([]);
  });
});

describe("the built server", () => {
  it("sends ALTR calls through HTTP_PROXY with credentials, and no output shows them", async () => {
    if (!existsSync(CLI)) throw new Error("dist/ is missing: run `npm run build` (npm test does it)");
    requireAuth = true;
    const urls = Object.fromEntries(Object.values(SERVICES).map((s) => [s.env, stub.url]));
    const env = {
      PATH: process.env.PATH ?? "",
      ORG_ID: "org",
      MAPI_KEY: "key",
      MAPI_SECRET: "secret-value",
      DISABLE_RETRY: "true",
      LOG_LEVEL: "debug",
      HTTP_PROXY: `http://${USER}:${PASSWORD}@${new URL(proxyUrl).host}`,
      ...urls,
    };
    const res = await new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      const child = spawn(process.execPath, [CLI, "call", "get_roles"], { env, cwd: tmpdir(), stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      let err = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr.on("data", (d: Buffer) => (err += d.toString()));
      child.on("close", (code) => resolve({ code, out, err }));
    });
    expect(res.code, res.err).toBe(0);
    expect(JSON.parse(res.out)).toMatchObject({ success: true, data: { roles: ["ANALYST"] } });
    expect(seen).toEqual([`CONNECT ${stubHost()}`]);
    expect(res.err).toContain("ALTR calls go through a forward proxy");
    expect(res.err).toContain(`${proxyUrl} (with credentials)`);
    const all = res.out + res.err;
    expect(all).not.toContain(PASSWORD);
    expect(all).not.toContain(USER);
    expect(all).not.toContain(Buffer.from(`${USER}:${PASSWORD}`).toString("base64"));
  });
});
