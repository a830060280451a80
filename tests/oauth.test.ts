/**
 * The OAuth-protected remote server (MCP authorization, 2025-11-25) against a real authorization
 * server on loopback (oidc-provider): the SDK client's own flow end to end — discovery from the
 * 401, dynamic registration, authorization code with PKCE, a token for this resource — and every
 * way a token can be wrong. The server is the built CLI (`npm test` builds first) with --sandbox.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { tmpdir } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { UnauthorizedError, type OAuthClientProvider } from "@modelcontextprotocol/sdk/client/auth.js";
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from "@modelcontextprotocol/sdk/shared/auth.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { freePort } from "./helpers/ports.js";
import { INTROSPECTOR, MACHINE, OPAQUE, startAuthServer, type AuthServer } from "./helpers/oidc.js";

const CLI = new URL("../dist/cli/main.js", import.meta.url).pathname;

let as: AuthServer;
let server: ChildProcess;
let stderr = "";
let base: string;
let resource: string;

async function startServer(env: Record<string, string>): Promise<{ child: ChildProcess; base: string }> {
  const port = Number(new URL(env.MCP_OAUTH_RESOURCE ?? `http://127.0.0.1:${await freePort()}`).port) || (await freePort());
  const child = spawn(process.execPath, [CLI, "--sandbox"], {
    env: { PATH: process.env.PATH ?? "", MCP_TRANSPORT: "streamable-http", MCP_PORT: String(port), LOG_LEVEL: "info", LOG_FORMAT: "json", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    cwd: tmpdir(),
  });
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 150; i++) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return { child, base: url };
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server did not start: ${stderr}`);
}

beforeAll(async () => {
  const [asPort, mcpPort] = [await freePort(), await freePort()];
  resource = `http://127.0.0.1:${mcpPort}/mcp`;
  as = await startAuthServer(asPort, resource);
  ({ child: server, base } = await startServer({
    MCP_OAUTH_ISSUER: as.issuer,
    MCP_OAUTH_RESOURCE: resource,
    MCP_OAUTH_INTROSPECTION_URL: `${as.issuer}/token/introspection`,
    MCP_OAUTH_CLIENT_ID: INTROSPECTOR.id,
    MCP_OAUTH_CLIENT_SECRET: INTROSPECTOR.secret,
  }));
}, 60_000);

afterAll(async () => {
  server?.kill("SIGTERM");
  await as?.close();
});

/** An OAuth client as an MCP host keeps one: registration, PKCE verifier and tokens in memory. */
class MemoryProvider implements OAuthClientProvider {
  info?: OAuthClientInformationMixed;
  saved?: OAuthTokens;
  verifier = "";
  authorizationUrl?: URL;
  constructor(private readonly scope: string) {}
  get redirectUrl(): string {
    return "http://127.0.0.1:9/callback";
  }
  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: "altr-mcp test client",
      redirect_uris: [this.redirectUrl],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
      scope: this.scope,
    };
  }
  clientInformation() {
    return this.info;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.info = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(v: string) {
    this.verifier = v;
  }
  codeVerifier() {
    return this.verifier;
  }
}

async function bearerClient(token: string): Promise<Client> {
  const client = new Client({ name: "oauth-test", version: "1" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }),
  );
  return client;
}

async function post(token: string | undefined, body: unknown): Promise<Response> {
  return fetch(`${base}/mcp`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  });
}

const INIT = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
};

const now = () => Math.floor(Date.now() / 1000);

describe("OAuth resource server", () => {
  it("publishes protected-resource metadata naming the authorization server and scopes (RFC 9728)", async () => {
    const res = await fetch(`${base}/.well-known/oauth-protected-resource/mcp`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      resource,
      authorization_servers: [as.issuer],
      scopes_supported: ["altr:read", "altr:write"],
    });
  });

  it("answers a request without a token with 401 and the resource_metadata challenge", async () => {
    const res = await post(undefined, INIT);
    expect(res.status).toBe(401);
    const challenge = res.headers.get("www-authenticate") ?? "";
    expect(challenge).toContain(`resource_metadata="${base}/.well-known/oauth-protected-resource/mcp"`);
    // No scope here: a client registers for the scope it is challenged with (SEP-835), and an
    // authorization server that pins registered scopes would then never let it step up to write.
    expect(challenge).not.toContain("scope=");
  });

  it("runs the SDK client's own flow: discovery, registration, authorization code + PKCE, token for this resource, calls", async () => {
    const provider = new MemoryProvider("altr:read altr:write");
    const first = new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { authProvider: provider });
    await expect(new Client({ name: "t", version: "1" }).connect(first)).rejects.toBeInstanceOf(UnauthorizedError);
    // Registered dynamically, sent to the authorization endpoint with PKCE and this resource.
    expect(provider.info?.client_id).toBeTruthy();
    const url = provider.authorizationUrl!;
    expect(url.origin).toBe(as.issuer);
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
    expect(url.searchParams.get("resource")).toBe(resource);
    const code = await as.login(url, "alice@example.com");
    await first.finishAuth(code);
    expect(provider.saved?.access_token).toBeTruthy();

    const client = new Client({ name: "t", version: "1" });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { authProvider: provider }));
    const roles = (await client.callTool({ name: "get_roles", arguments: {} })) as CallToolResult;
    expect(roles.isError).toBeFalsy();
    // The 401 named no scope, so the client registered and asked for scopes_supported; what is
    // granted is the authorization server's and the user's decision (a read-only grant: see below).
    expect(provider.saved?.scope?.split(" ").sort()).toEqual(["altr:read", "altr:write"]);
    const created = (await client.callTool({ name: "create_policy", arguments: { tag: "FINANCIAL" } })) as CallToolResult;
    expect(created.isError, JSON.stringify(created.content)).toBeFalsy();
    await client.close();
    // The subject is logged with the call; the token never is.
    expect(stderr).toContain("alice@example.com");
    expect(stderr).not.toContain(provider.saved!.access_token);
  }, 60_000);

  it("a token with only altr:read may read, and a write answers 403 insufficient_scope naming the scope", async () => {
    const token = await as.clientToken(MACHINE, { scope: "altr:read", resource });
    const client = await bearerClient(token);
    expect(((await client.callTool({ name: "get_roles", arguments: {} })) as CallToolResult).isError).toBeFalsy();
    await client.close();

    const init = await post(token, INIT);
    const sid = init.headers.get("mcp-session-id")!;
    await init.body?.cancel();
    const res = await fetch(`${base}/mcp`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream", authorization: `Bearer ${token}`, "mcp-session-id": sid },
      body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "create_policy", arguments: { tag: "PII" } } }),
    });
    expect(res.status).toBe(403);
    const challenge = res.headers.get("www-authenticate") ?? "";
    expect(challenge).toContain('error="insufficient_scope"');
    expect(challenge).toContain("altr:write");
    // Hidden inside a batch, or under an alias, the write is refused just the same.
    const batch = await post(token, [{ jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "delete_database", arguments: { database_id: 1 } } }]);
    expect(batch.status).toBe(403);
  });

  it("tools/list of a session whose token has only altr:read leaves out the tools that change data; altr:write lists them", async () => {
    const read = await bearerClient(await as.clientToken(MACHINE, { scope: "altr:read", resource }));
    const write = await bearerClient(await as.clientToken(MACHINE, { scope: "altr:read altr:write", resource }));
    const readNames = (await read.listTools()).tools.map((t) => t.name);
    const all = (await write.listTools()).tools;
    const writers = all.filter((t) => t.annotations?.readOnlyHint !== true).map((t) => t.name);
    expect(writers).toContain("create_policy");
    expect(writers.length).toBeGreaterThan(10);
    expect(readNames).toContain("get_roles");
    expect(readNames.filter((n) => writers.includes(n))).toEqual([]);
    expect(readNames.sort()).toEqual(all.map((t) => t.name).filter((n) => !writers.includes(n)).sort());
    // Hidden is presentation only: the call is still refused with the scope it needs (403 above).
    await expect(read.callTool({ name: "create_policy", arguments: { tag: "PII" } })).rejects.toThrow(/403|insufficient_scope/);
    await read.close();
    await write.close();
  });

  it("a session belongs to the subject that created it: another valid token with its id gets 404", async () => {
    const claims = { iss: as.issuer, aud: resource, scope: "altr:read altr:write", exp: now() + 600 };
    const alice = await as.sign({ ...claims, sub: "alice" });
    const mallory = await as.sign({ ...claims, sub: "mallory" });
    const init = await post(alice, INIT);
    const sid = init.headers.get("mcp-session-id")!;
    await init.body?.cancel();
    const use = (token: string) =>
      fetch(`${base}/mcp`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream", authorization: `Bearer ${token}`, "mcp-session-id": sid, "mcp-protocol-version": "2025-11-25" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" }),
      });
    const stolen = await use(mallory);
    expect(stolen.status).toBe(404);
    await stolen.body?.cancel();
    const own = await use(alice);
    expect(own.status).toBe(200);
    await own.body?.cancel();
  });

  it("refuses a token issued for another resource (audience, RFC 8707)", async () => {
    const token = await as.clientToken(MACHINE, { scope: "altr:read altr:write", resource: "http://127.0.0.1:1/other-mcp" });
    const res = await post(token, INIT);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain('error="invalid_token"');
  });

  it("refuses expired, not-yet-valid, wrong-issuer, foreign-key and unsigned tokens", async () => {
    const good = { iss: as.issuer, aud: resource, sub: "mallory", scope: "altr:read altr:write", client_id: MACHINE.id };
    const cases: Record<string, string> = {
      expired: await as.sign({ ...good, iat: now() - 3600, exp: now() - 600 }),
      "not yet valid": await as.sign({ ...good, iat: now(), nbf: now() + 600, exp: now() + 1200 }),
      "wrong issuer": await as.sign({ ...good, iss: "http://127.0.0.1:1", exp: now() + 600 }),
      "no expiry": await as.sign({ ...good }),
      "signed by another key": await as.sign({ ...good, exp: now() + 600 }, { foreignKey: true }),
      "wrong audience": await as.sign({ ...good, aud: "http://127.0.0.1:1/mcp", exp: now() + 600 }),
    };
    const [h, p] = cases.expired!.split(".");
    cases["alg none"] = `${Buffer.from(JSON.stringify({ alg: "none" })).toString("base64url")}.${p}.`;
    cases["header swapped"] = `${h}.${Buffer.from(JSON.stringify({ ...good, exp: now() + 600 })).toString("base64url")}.${cases.expired!.split(".")[2]}`;
    for (const [name, token] of Object.entries(cases)) {
      const res = await post(token, INIT);
      expect(res.status, name).toBe(401);
    }
    // The same claims, correctly signed and in date, are accepted: the refusals above are the checks.
    const ok = await post(await as.sign({ ...good, exp: now() + 600 }), INIT);
    expect(ok.status).toBe(200);
    await ok.body?.cancel();
  });

  it("checks opaque tokens by introspection, and a revoked one stops working at once", async () => {
    const token = await as.clientToken(OPAQUE, { scope: "altr:read", resource });
    expect(token.split(".")).toHaveLength(1);
    const client = await bearerClient(token);
    expect(((await client.callTool({ name: "get_roles", arguments: {} })) as CallToolResult).isError).toBeFalsy();
    await as.revoke(OPAQUE, token);
    await expect(client.callTool({ name: "get_roles", arguments: {} })).rejects.toThrow();
    const res = await post(token, INIT);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain("not active");
    await client.close().catch(() => undefined);
  });
});

describe("OAuth configuration", () => {
  it("cannot be combined with the static MCP_AUTH_TOKEN", async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [CLI, "--sandbox"], {
      env: {
        PATH: process.env.PATH ?? "",
        MCP_TRANSPORT: "streamable-http",
        MCP_PORT: String(port),
        MCP_AUTH_TOKEN: "static-token-0123456789abcdef",
        MCP_OAUTH_ISSUER: as.issuer,
        MCP_OAUTH_RESOURCE: `http://127.0.0.1:${port}/mcp`,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let err = "";
    child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(code).not.toBe(0);
    expect(err).toContain("MCP_AUTH_TOKEN and MCP_OAUTH_ISSUER are both set");
  });
});
