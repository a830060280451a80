/**
 * OAuth 2.1 resource server for the HTTP transports (MCP authorization, revision 2025-11-25).
 *
 * - `/.well-known/oauth-protected-resource[/mcp]` (RFC 9728) names the authorization server and
 *   the scopes; every 401 carries `WWW-Authenticate: Bearer resource_metadata="…"`.
 * - Access tokens are checked on every request: a JWT by its signature against the issuer's JWKS
 *   (jose: keys cached, refetched on an unknown key id), issuer, audience (RFC 8707: a token for
 *   another resource is refused), expiry and not-before; an opaque token by introspection
 *   (RFC 7662), with the same issuer/audience/expiry checks on what the introspection says.
 * - Scopes decide what a session may call: `altr:read` → tools that change nothing, `altr:write`
 *   → every tool of the configured selection. A tools/call beyond the token's scope answers 403
 *   `insufficient_scope` naming the scope needed, before the call reaches the server (call time is
 *   what holds when tools/list may not vary per connection).
 * The token is never logged and never forwarded to ALTR (ALTR is called with MAPI credentials).
 */
import type { NextFunction, Request, Response } from "express";
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from "jose";
import type { AuthInfo } from "@modelcontextprotocol/sdk/server/auth/types.js";
import type { OAuthSettings } from "../config/oauth.js";
import type { Logger } from "../log/logger.js";
import { WRITE_SCOPE } from "../server/server.js";

export const READ_SCOPE = "altr:read";
export { WRITE_SCOPE };

/** The settings (config/oauth.ts), plus what tests inject. */
export interface OAuthOptions extends OAuthSettings {
  /** Allowed clock skew for exp/nbf, seconds. */
  clockToleranceSeconds?: number;
  /** Injected for tests; the global fetch otherwise. */
  fetch?: typeof globalThis.fetch;
}

export class TokenError extends Error {
  override name = "TokenError";
}

/** What a validated token grants. */
export interface Grant extends AuthInfo {
  /** The token's subject (`sub`), or its client id: logged with each call, never the token. */
  extra: { subject: string };
}

const JWT_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"];

/** The canonical form of a resource URI for comparison: no fragment, no trailing slash. */
export function canonicalResource(value: string): string {
  const u = new URL(value);
  u.hash = "";
  return u.href.replace(/\/$/, "");
}

function audiences(aud: unknown): string[] {
  if (typeof aud === "string") return [aud];
  if (Array.isArray(aud)) return aud.filter((a): a is string => typeof a === "string");
  return [];
}

function scopesOf(value: unknown): string[] {
  if (typeof value === "string") return value.split(/\s+/).filter(Boolean);
  if (Array.isArray(value)) return value.filter((s): s is string => typeof s === "string");
  return [];
}

function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
}

export interface TokenVerifier {
  verifyAccessToken(token: string): Promise<Grant>;
}

export function createTokenVerifier(opts: OAuthOptions): TokenVerifier {
  const doFetch = opts.fetch ?? globalThis.fetch;
  const resource = canonicalResource(opts.resource);
  const tolerance = opts.clockToleranceSeconds ?? 30;
  let jwks: ReturnType<typeof createRemoteJWKSet> | undefined;
  let jwksPending: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined;

  async function discoverJwksUrl(): Promise<string> {
    if (opts.jwksUrl) return opts.jwksUrl;
    const base = opts.issuer.replace(/\/$/, "");
    const issuerUrl = new URL(opts.issuer);
    // RFC 8414 inserts the well-known segment before the issuer's path; OIDC appends it.
    const candidates = [
      new URL(`/.well-known/oauth-authorization-server${issuerUrl.pathname === "/" ? "" : issuerUrl.pathname}`, issuerUrl).href,
      `${base}/.well-known/openid-configuration`,
    ];
    for (const url of candidates) {
      const res = await doFetch(url, { headers: { accept: "application/json" }, redirect: "error" }).catch(() => undefined);
      if (!res?.ok) continue;
      const meta = (await res.json().catch(() => undefined)) as { issuer?: unknown; jwks_uri?: unknown } | undefined;
      // The metadata must be the issuer's own (RFC 8414 §3.3), or its keys are not the issuer's.
      if (meta?.issuer === opts.issuer && typeof meta.jwks_uri === "string") return meta.jwks_uri;
    }
    throw new TokenError("the authorization server's metadata (jwks_uri) could not be read");
  }

  async function keySet(): Promise<ReturnType<typeof createRemoteJWKSet>> {
    if (jwks) return jwks;
    jwksPending ??= discoverJwksUrl().then((url) => (jwks = createRemoteJWKSet(new URL(url), { cooldownDuration: 30_000 })));
    try {
      return await jwksPending;
    } catch (err) {
      jwksPending = undefined; // try discovery again on the next request
      throw err;
    }
  }

  async function verifyJwt(token: string): Promise<Grant> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, await keySet(), {
        issuer: opts.issuer,
        audience: resource,
        algorithms: JWT_ALGORITHMS,
        clockTolerance: tolerance,
        requiredClaims: ["exp"],
      }));
    } catch (err) {
      if (err instanceof TokenError) throw err;
      if (err instanceof joseErrors.JWTExpired) throw new TokenError("the access token has expired");
      if (err instanceof joseErrors.JWTClaimValidationFailed) {
        throw new TokenError(`the access token's "${err.claim}" claim is not accepted here`);
      }
      throw new TokenError("the access token's signature or format is not valid");
    }
    const clientId = typeof payload.client_id === "string" ? payload.client_id : typeof payload.azp === "string" ? payload.azp : "";
    return {
      token,
      clientId,
      scopes: scopesOf(payload.scope ?? payload.scp),
      expiresAt: payload.exp,
      resource: new URL(resource),
      extra: { subject: payload.sub ?? clientId },
    };
  }

  async function introspect(token: string): Promise<Grant> {
    if (!opts.introspectionUrl) throw new TokenError("the access token is not a JWT and no introspection endpoint is configured");
    const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded", accept: "application/json" };
    if (opts.introspectionClientId) {
      const id = encodeURIComponent(opts.introspectionClientId);
      const secret = encodeURIComponent(opts.introspectionClientSecret ?? "");
      headers.authorization = `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`;
    }
    const res = await doFetch(opts.introspectionUrl, {
      method: "POST",
      headers,
      body: new URLSearchParams({ token, token_type_hint: "access_token" }).toString(),
      redirect: "error",
    }).catch(() => undefined);
    if (!res?.ok) throw new TokenError("the token could not be introspected");
    const info = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (info.active !== true) throw new TokenError("the access token is not active (expired or revoked)");
    if (info.iss !== undefined && info.iss !== opts.issuer) throw new TokenError(`the access token's "iss" claim is not accepted here`);
    const aud = audiences(info.aud).map((a) => {
      try {
        return canonicalResource(a);
      } catch {
        return a;
      }
    });
    if (!aud.includes(resource)) throw new TokenError(`the access token's "aud" claim is not accepted here`);
    const now = Date.now() / 1000;
    if (typeof info.exp !== "number") throw new TokenError("the access token has no expiry");
    if (info.exp + tolerance < now) throw new TokenError("the access token has expired");
    if (typeof info.nbf === "number" && info.nbf - tolerance > now) throw new TokenError(`the access token's "nbf" claim is not accepted here`);
    const clientId = typeof info.client_id === "string" ? info.client_id : "";
    return {
      token,
      clientId,
      scopes: scopesOf(info.scope),
      expiresAt: info.exp,
      resource: new URL(resource),
      extra: { subject: typeof info.sub === "string" ? info.sub : clientId },
    };
  }

  return {
    verifyAccessToken: (token) => (looksLikeJwt(token) ? verifyJwt(token) : introspect(token)),
  };
}

/** Where this server's protected-resource metadata is served (RFC 9728 §3.1). */
export function resourceMetadataUrl(resource: string): string {
  const u = new URL(resource);
  const path = u.pathname === "/" ? "" : u.pathname.replace(/\/$/, "");
  return new URL(`/.well-known/oauth-protected-resource${path}`, u).href;
}

export function protectedResourceMetadata(opts: OAuthOptions): Record<string, unknown> {
  return {
    resource: canonicalResource(opts.resource),
    authorization_servers: [opts.issuer],
    scopes_supported: [READ_SCOPE, WRITE_SCOPE],
    bearer_methods_supported: ["header"],
    resource_name: "altr-mcp",
  };
}

/** The routes (both path-specific and root forms) that serve the metadata. */
export function metadataPaths(resource: string): string[] {
  const path = new URL(resourceMetadataUrl(resource)).pathname;
  return path === "/.well-known/oauth-protected-resource" ? [path] : [path, "/.well-known/oauth-protected-resource"];
}

function challenge(metadataUrl: string, error?: { code: string; description: string; scope?: string }): string {
  // A plain 401 names no scope: clients register for the scope they are challenged with (SEP-835)
  // and an authorization server that pins registered scopes would never let a read-only
  // registration step up to write. They take scopes_supported from the metadata instead.
  const parts = [`resource_metadata="${metadataUrl}"`];
  if (error) {
    parts.unshift(`error="${error.code}"`, `error_description="${error.description.replace(/["\\]/g, "")}"`);
    if (error.scope) parts.push(`scope="${error.scope}"`);
  }
  return `Bearer ${parts.join(", ")}`;
}

/** Requests carrying a validated grant (set by the middleware; read by the MCP transport as `authInfo`). */
export type AuthedRequest = Request & { auth?: Grant };

/**
 * The scope a JSON-RPC message needs, or undefined when `altr:read` suffices: tools/call of a tool
 * that changes data needs `altr:write`. `writes(name)` answers for a tool name (aliases included);
 * an unknown name needs nothing more here (the server refuses it as unknown).
 */
export function scopeNeeded(message: unknown, writes: (tool: string) => boolean): string | undefined {
  if (message === null || typeof message !== "object") return undefined;
  const m = message as { method?: unknown; params?: unknown };
  if (m.method !== "tools/call") return undefined;
  const name = (m.params as { name?: unknown } | undefined)?.name;
  return typeof name === "string" && writes(name) ? WRITE_SCOPE : undefined;
}

/**
 * Express middleware: a valid bearer token with `altr:read` for every request, and `altr:write`
 * for each tools/call (batched messages included) of a tool that changes data.
 */
export function requireOAuth(
  verifier: TokenVerifier,
  opts: { resource: string; writes: (tool: string) => boolean; log: Logger },
) {
  const metadataUrl = resourceMetadataUrl(opts.resource);
  return async (req: AuthedRequest, res: Response, next: NextFunction): Promise<void> => {
    const header = req.headers.authorization ?? "";
    const match = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i.exec(header);
    if (!match) {
      res.status(401).set("WWW-Authenticate", challenge(metadataUrl)).json({ error: "invalid_token", error_description: "a bearer token is required" });
      return;
    }
    let grant: Grant;
    try {
      grant = await verifier.verifyAccessToken(match[1]!);
    } catch (err) {
      const description = err instanceof TokenError ? err.message : "the access token could not be verified";
      opts.log.warn({ reason: description }, "OAuth: token refused");
      res
        .status(401)
        .set("WWW-Authenticate", challenge(metadataUrl, { code: "invalid_token", description }))
        .json({ error: "invalid_token", error_description: description });
      return;
    }
    const messages: unknown[] = Array.isArray(req.body) ? req.body : [req.body];
    const needed = grant.scopes.includes(READ_SCOPE) || grant.scopes.includes(WRITE_SCOPE)
      ? messages.map((m) => scopeNeeded(m, opts.writes)).find((s) => s !== undefined && !grant.scopes.includes(s))
      : READ_SCOPE;
    if (needed) {
      const description = `this call needs the scope ${needed}`;
      opts.log.warn({ subject: grant.extra.subject, needed }, "OAuth: insufficient scope");
      res
        .status(403)
        .set("WWW-Authenticate", challenge(metadataUrl, { code: "insufficient_scope", description, scope: needed === WRITE_SCOPE ? `${READ_SCOPE} ${WRITE_SCOPE}` : READ_SCOPE }))
        .json({ error: "insufficient_scope", error_description: description });
      return;
    }
    req.auth = grant;
    next();
  };
}
