/**
 * A real OAuth 2.1 / OpenID authorization server on loopback for the OAuth tests: oidc-provider
 * (a certified OpenID provider) with dynamic client registration, PKCE, resource indicators
 * (RFC 8707) issuing JWT access tokens for the MCP server's resource, client credentials,
 * introspection (RFC 7662) and revocation. `login()` plays the user in its development login and
 * consent pages, so the SDK client's own OAuth flow runs end to end without a browser.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT, type JWK } from "jose";
import Provider from "oidc-provider";

export const MACHINE = { id: "machine-client", secret: "machine-secret-0123456789abcdef" };
/** A client whose access tokens are opaque (checked by introspection, revocable). */
export const OPAQUE = { id: "opaque-client", secret: "opaque-secret-0123456789abcdef" };
/** The resource server's own credentials for the introspection endpoint. */
export const INTROSPECTOR = { id: "altr-mcp-introspector", secret: "introspector-secret-0123456789" };

export interface AuthServer {
  issuer: string;
  /** Signs a token with the issuer's own key (to test expiry, nbf, issuer and audience checks). */
  sign(claims: Record<string, unknown>, opts?: { kid?: string; foreignKey?: boolean; typ?: string }): Promise<string>;
  /** A token from the client-credentials grant. */
  clientToken(client: { id: string; secret: string }, params: { scope: string; resource: string }): Promise<string>;
  revoke(client: { id: string; secret: string }, token: string): Promise<void>;
  /** Completes the login and consent pages from an authorization URL; returns the code. */
  login(authorizationUrl: URL | string, user?: string): Promise<string>;
  close(): Promise<void>;
}

export async function startAuthServer(port: number, resource: string): Promise<AuthServer> {
  const issuer = `http://127.0.0.1:${port}`;
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const jwk: JWK = { ...(await exportJWK(privateKey)), kid: "test-key-1", alg: "RS256", use: "sig" };
  const foreign = await generateKeyPair("RS256", { extractable: true });

  const provider = new Provider(issuer, {
    jwks: { keys: [jwk] },
    clients: [
      { client_id: MACHINE.id, client_secret: MACHINE.secret, grant_types: ["client_credentials"], redirect_uris: [], response_types: [] },
      { client_id: OPAQUE.id, client_secret: OPAQUE.secret, grant_types: ["client_credentials"], redirect_uris: [], response_types: [] },
      { client_id: INTROSPECTOR.id, client_secret: INTROSPECTOR.secret, grant_types: [], redirect_uris: [], response_types: [] },
    ],
    scopes: ["openid", "offline_access", "altr:read", "altr:write"],
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: true },
      registration: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => resource,
        useGrantedResource: () => true,
        // Any resource gets tokens for itself: that is how a token for another server is made.
        getResourceServerInfo: (_ctx, indicator, client) => ({
          scope: "altr:read altr:write",
          audience: indicator,
          accessTokenTTL: 300,
          accessTokenFormat: client.clientId === OPAQUE.id ? "opaque" : "jwt",
          jwt: { sign: { alg: "RS256" } },
        }),
      },
    },
    // Silence the development warnings on stdout/stderr.
    renderError: async (ctx, out) => {
      ctx.type = "json";
      ctx.body = out;
    },
  });
  provider.proxy = false;

  const server: Server = createServer(provider.callback());
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  (server.address() as AddressInfo).port;

  async function tokenRequest(client: { id: string; secret: string }, body: Record<string, string>, path = "/token"): Promise<Response> {
    return fetch(`${issuer}${path}`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString("base64")}`,
      },
      body: new URLSearchParams(body).toString(),
    });
  }

  return {
    issuer,
    async sign(claims, opts = {}) {
      const key = opts.foreignKey ? foreign.privateKey : privateKey;
      return new SignJWT(claims)
        .setProtectedHeader({ alg: "RS256", kid: opts.kid ?? "test-key-1", typ: opts.typ ?? "at+jwt" })
        .sign(key);
    },
    async clientToken(client, params) {
      const res = await tokenRequest(client, { grant_type: "client_credentials", scope: params.scope, resource: params.resource });
      const body = (await res.json()) as { access_token?: string; error?: string; error_description?: string };
      if (!body.access_token) throw new Error(`token request failed: ${body.error} ${body.error_description}`);
      return body.access_token;
    },
    async revoke(client, token) {
      const res = await tokenRequest(client, { token, token_type_hint: "access_token" }, "/token/revocation");
      if (!res.ok) throw new Error(`revocation failed: HTTP ${res.status}`);
    },
    async login(authorizationUrl, user = "alice@example.com") {
      const cookies = new Map<string, string>();
      const send = async (url: string, init: RequestInit = {}): Promise<Response> => {
        const headers = new Headers(init.headers);
        if (cookies.size) headers.set("cookie", [...cookies].map(([k, v]) => `${k}=${v}`).join("; "));
        const res = await fetch(url, { ...init, headers, redirect: "manual" });
        for (const c of res.headers.getSetCookie()) {
          const [pair] = c.split(";");
          const eq = pair!.indexOf("=");
          cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
        }
        return res;
      };
      let res = await send(String(authorizationUrl));
      for (let step = 0; step < 20; step++) {
        if (res.status >= 300 && res.status < 400) {
          const location = new URL(res.headers.get("location")!, issuer);
          const code = location.searchParams.get("code");
          if (location.origin !== issuer) {
            if (!code) throw new Error(`authorization ended without a code: ${location.href}`);
            return code;
          }
          res = await send(location.href);
          continue;
        }
        const html = await res.text();
        const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
        if (!action) throw new Error(`unexpected page from the authorization server (HTTP ${res.status}): ${html.slice(0, 300)}`);
        const form = new URLSearchParams();
        for (const m of html.matchAll(/<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)) form.set(m[1]!, m[2]!);
        if (form.get("prompt") === "login") {
          form.set("login", user);
          form.set("password", "any");
        }
        res = await send(new URL(action.replace(/&amp;/g, "&"), issuer).href, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: form.toString(),
        });
      }
      throw new Error("authorization did not finish within 20 steps");
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
