/**
 * OAuth resource-server settings (MCP authorization for the HTTP transports). Switched on by
 * MCP_OAUTH_ISSUER; security settings, so they come only from the real environment or the
 * command line, never from a `.env` file.
 */
import { isLoopbackHost } from "./loopback.js";

export interface OAuthSettings {
  /** The authorization server's issuer identifier. */
  issuer: string;
  /** This server's canonical URL as clients reach it (the audience tokens must name). */
  resource: string;
  jwksUrl?: string;
  introspectionUrl?: string;
  introspectionClientId?: string;
  introspectionClientSecret?: string;
}

export const OAUTH_VARIABLES = [
  "MCP_OAUTH_ISSUER",
  "MCP_OAUTH_RESOURCE",
  "MCP_OAUTH_JWKS_URL",
  "MCP_OAUTH_INTROSPECTION_URL",
  "MCP_OAUTH_CLIENT_ID",
  "MCP_OAUTH_CLIENT_SECRET",
] as const;


/** An https URL (http only on loopback), or an error message naming the variable. */
function secureUrl(name: string, raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new Error(`${name} is not a valid URL: "${raw}"`);
  }
  if (u.protocol !== "https:" && !(u.protocol === "http:" && isLoopbackHost(u.hostname))) {
    throw new Error(`${name} must be an https URL (http only on loopback), got "${raw}"`);
  }
  if (u.username || u.password) throw new Error(`${name} must not carry credentials in the URL`);
  return raw;
}

/**
 * The OAuth settings, undefined when MCP_OAUTH_ISSUER is not set. Throws an Error whose message
 * names the variable at fault.
 */
export function readOAuthSettings(env: NodeJS.ProcessEnv, authToken: string | undefined): OAuthSettings | undefined {
  const get = (name: (typeof OAUTH_VARIABLES)[number]) => (env[name] ?? "").trim() || undefined;
  const issuer = get("MCP_OAUTH_ISSUER");
  if (!issuer) {
    const stray = OAUTH_VARIABLES.filter((n) => n !== "MCP_OAUTH_ISSUER" && get(n));
    if (stray.length) throw new Error(`${stray.join(", ")} set without MCP_OAUTH_ISSUER: OAuth is off, set the issuer or remove them`);
    return undefined;
  }
  if (authToken) {
    throw new Error("MCP_AUTH_TOKEN and MCP_OAUTH_ISSUER are both set: use one (the static token or OAuth), not both");
  }
  const resource = get("MCP_OAUTH_RESOURCE");
  if (!resource) throw new Error("MCP_OAUTH_RESOURCE is required with MCP_OAUTH_ISSUER: this server's URL as clients reach it, e.g. https://mcp.example.com/mcp");
  const introspectionUrl = get("MCP_OAUTH_INTROSPECTION_URL");
  const clientId = get("MCP_OAUTH_CLIENT_ID");
  const clientSecret = env.MCP_OAUTH_CLIENT_SECRET || undefined;
  if (clientSecret && !clientId) throw new Error("MCP_OAUTH_CLIENT_SECRET needs MCP_OAUTH_CLIENT_ID");
  const out: OAuthSettings = { issuer: secureUrl("MCP_OAUTH_ISSUER", issuer), resource: secureUrl("MCP_OAUTH_RESOURCE", resource) };
  const jwks = get("MCP_OAUTH_JWKS_URL");
  if (jwks) out.jwksUrl = secureUrl("MCP_OAUTH_JWKS_URL", jwks);
  if (introspectionUrl) out.introspectionUrl = secureUrl("MCP_OAUTH_INTROSPECTION_URL", introspectionUrl);
  if (clientId) out.introspectionClientId = clientId;
  if (clientSecret) out.introspectionClientSecret = clientSecret;
  return out;
}
