/**
 * Environment → validated settings. The upstream variable names are kept (ORG_ID, MAPI_KEY,
 * MAPI_SECRET, MCP_TRANSPORT, MCP_HOST, MCP_PORT, RESTRICTED_TOOLS, LOG_FORMAT, LOG_LEVEL,
 * MAX_RETRIES, DISABLE_RETRY, ALTR_*_BASE_URL); ours are documented in the README.
 */
import { z } from "zod";
import { DOTENV_TOOLS, DOTENV_TOOLSETS } from "./dotenv.js";
import { SERVICES, SERVICE_NAMES, type ServiceName } from "./services.js";
import { isLoopbackHost } from "./loopback.js";
import { readOAuthSettings, type OAuthSettings } from "./oauth.js";

export { isLoopbackHost };

export { mergeDotEnv, VARIABLES, withDotEnv, type VariableClass, type VariableName } from "./dotenv.js";

export const REQUIRED_VARIABLES = ["ORG_ID", "MAPI_KEY", "MAPI_SECRET"] as const;

export type Transport = "stdio" | "streamable-http" | "sse";
export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";

export interface Settings {
  orgId: string;
  mapiKey: string;
  mapiSecret: string;
  baseUrls: Record<ServiceName, string>;
  transport: Transport;
  host: string;
  port: number;
  authToken: string | undefined;
  /** OAuth resource server (MCP_OAUTH_*); exclusive with authToken. */
  oauth: OAuthSettings | undefined;
  stateless: boolean;
  allowedOrigins: string[];
  allowedHosts: string[];
  maxBodyBytes: number;
  maxSessions: number;
  sessionIdleMs: number;
  restrictedTools: string[];
  toolsets: string[];
  /** ALTR_TOOLS: individual tools listed in addition to the toolsets. */
  tools: string[];
  readOnly: boolean;
  /**
   * ALTR_TOOLSETS / ALTR_TOOLS as a `.env` gave them: they may only narrow the selection above
   * (the tools both select; cli/start.ts applies it). Absent when the `.env` names neither.
   */
  narrowSelection?: { toolsets: string[]; tools: string[] };
  /** Destructive tools need the user's confirmation (elicitation or `confirm: true`). */
  confirmDestructive: boolean;
  logFormat: "console" | "json";
  logLevel: LogLevel;
  http: HttpPolicy;
  /** SUPPORT_MODE: the operator's read-only latch for the whole process (server/support.ts). */
  supportMode: boolean;
  /** SUPPORT_PROMPTS: publish the troubleshooting prompts and the support-mode tools. */
  supportPrompts: boolean;
  /** ALTR_MAX_RESULT_BYTES: the most bytes one tool result may take as sent. */
  maxResultBytes: number;
}

export interface HttpPolicy {
  /** Total attempts per request, first one included (MAX_RETRIES upstream semantics). */
  maxAttempts: number;
  timeoutMs: number;
  baseDelayMs: number;
  /** Upper bound for any single wait, Retry-After included. */
  maxDelayMs: number;
  maxResponseBytes: number;
}

export class ConfigError extends Error {
  constructor(
    message: string,
    readonly missing: string[] = [],
  ) {
    super(message);
    this.name = "ConfigError";
  }
}

const TRUE = new Set(["true", "1", "yes", "on"]);
const FALSE = new Set(["false", "0", "no", "off", ""]);

const bool = (name: string, def = false) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === "") return def;
      const s = v.trim().toLowerCase();
      if (TRUE.has(s)) return true;
      if (FALSE.has(s)) return false;
      ctx.addIssue({ code: "custom", message: `${name} must be true or false, got "${v}"` });
      return z.NEVER;
    });

const int = (name: string, def: number, min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === "") return def;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: "custom", message: `${name} must be an integer from ${min} to ${max}, got "${v}"` });
        return z.NEVER;
      }
      return n;
    });

const list = z
  .string()
  .optional()
  .transform((v) =>
    (v ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  );

const LEVELS: Record<string, LogLevel> = {
  trace: "trace",
  debug: "debug",
  info: "info",
  warn: "warn",
  warning: "warn",
  error: "error",
  critical: "fatal",
  fatal: "fatal",
  silent: "silent",
};

const envSchema = z.object({
  MCP_TRANSPORT: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const s = (v ?? "stdio").trim().toLowerCase();
      if (s === "stdio" || s === "sse" || s === "streamable-http") return s as Transport;
      if (s === "http" || s === "streamable_http") return "streamable-http" as Transport;
      ctx.addIssue({ code: "custom", message: `MCP_TRANSPORT must be stdio, streamable-http or sse, got "${v}"` });
      return z.NEVER;
    }),
  MCP_HOST: z
    .string()
    .optional()
    .transform((v) => (v ?? "").trim() || "127.0.0.1"),
  MCP_PORT: int("MCP_PORT", 8000, 0, 65535),
  MCP_AUTH_TOKEN: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === "") return undefined;
      if (v.length < 16) {
        ctx.addIssue({ code: "custom", message: "MCP_AUTH_TOKEN must be at least 16 characters" });
        return z.NEVER;
      }
      return v;
    }),
  MCP_STATELESS: bool("MCP_STATELESS"),
  MCP_ALLOWED_ORIGINS: list,
  MCP_ALLOWED_HOSTS: list,
  MCP_MAX_BODY_BYTES: int("MCP_MAX_BODY_BYTES", 1_048_576, 1024, 64 * 1_048_576),
  MCP_MAX_SESSIONS: int("MCP_MAX_SESSIONS", 100, 1, 100_000),
  MCP_SESSION_IDLE_SECONDS: int("MCP_SESSION_IDLE_SECONDS", 1800, 1, 7 * 86_400),
  RESTRICTED_TOOLS: list,
  ALTR_TOOLSETS: list,
  ALTR_TOOLS: list,
  ALTR_READ_ONLY: bool("ALTR_READ_ONLY"),
  ALTR_CONFIRM_DESTRUCTIVE: bool("ALTR_CONFIRM_DESTRUCTIVE", true),
  LOG_FORMAT: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const s = (v ?? "console").trim().toLowerCase();
      if (s === "console" || s === "json") return s;
      ctx.addIssue({ code: "custom", message: `LOG_FORMAT must be console or json, got "${v}"` });
      return z.NEVER;
    }),
  LOG_LEVEL: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const level = LEVELS[(v ?? "info").trim().toLowerCase()];
      if (level) return level;
      ctx.addIssue({
        code: "custom",
        message: `LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL, got "${v}"`,
      });
      return z.NEVER;
    }),
  MAX_RETRIES: int("MAX_RETRIES", 3, 1, 10),
  DISABLE_RETRY: bool("DISABLE_RETRY"),
  ALTR_TIMEOUT_SECONDS: int("ALTR_TIMEOUT_SECONDS", 30, 1, 600),
  ALTR_RETRY_BASE_DELAY_MS: int("ALTR_RETRY_BASE_DELAY_MS", 500, 0, 60_000),
  ALTR_RETRY_MAX_DELAY_MS: int("ALTR_RETRY_MAX_DELAY_MS", 30_000, 0, 300_000),
  ALTR_MAX_RESPONSE_BYTES: int("ALTR_MAX_RESPONSE_BYTES", 20 * 1_048_576, 1024, 512 * 1_048_576),
  // ---- Settings of the Python server after 0.5.1 (support mode; timeouts) -------------------
  SUPPORT_MODE: bool("SUPPORT_MODE"),
  SUPPORT_PROMPTS: bool("SUPPORT_PROMPTS"),
  REQUEST_TIMEOUT: seconds("REQUEST_TIMEOUT", 600, false),
  MAX_RETRY_AFTER: seconds("MAX_RETRY_AFTER", 300, true),
  [DOTENV_TOOLSETS]: z.string().optional(),
  [DOTENV_TOOLS]: z.string().optional(),
  // One tool result as sent (text + structuredContent); kept under the SDK stdio client's 10 MiB.
  ALTR_MAX_RESULT_BYTES: int("ALTR_MAX_RESULT_BYTES", 262_144, 4096, 8 * 1_048_576),
});

/**
 * The upstream's seconds settings (REQUEST_TIMEOUT, MAX_RETRY_AFTER): a number, fractions
 * allowed, above 0 (or from 0 with `zero`) and at most `max`; undefined when unset. Where ours
 * (ALTR_TIMEOUT_SECONDS, ALTR_RETRY_MAX_DELAY_MS) is also set, ours wins (loadSettings).
 */
function seconds(name: string, max: number, zero: boolean) {
  return z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === "") return undefined;
      const n = Number(v);
      if (!Number.isFinite(n) || (zero ? n < 0 : n <= 0) || n > max) {
        ctx.addIssue({ code: "custom", message: `${name} must be a number of seconds ${zero ? "from 0" : "above 0"} up to ${max}, got "${v}"` });
        return z.NEVER;
      }
      return n;
    });
}

/** A variable that is set to something (an empty value counts as unset, as everywhere here). */
const isSet = (env: NodeJS.ProcessEnv, name: string) => (env[name] ?? "").trim() !== "";


function narrowSelection(toolsets: string | undefined, tools: string | undefined): Pick<Settings, "narrowSelection"> {
  if (toolsets === undefined && tools === undefined) return {};
  return { narrowSelection: { toolsets: list.parse(toolsets), tools: list.parse(tools) } };
}

function baseUrl(service: ServiceName, env: NodeJS.ProcessEnv, orgId: string): string {
  const { env: name, defaultUrl } = SERVICES[service];
  const raw = (env[name] ?? "").trim() || defaultUrl;
  const url = raw.replaceAll("{ORG_ID}", encodeURIComponent(orgId)).replace(/\/+$/, "");
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`${name} is not a valid URL: "${raw}"`);
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    throw new ConfigError(`${name} must be an http(s) URL, got "${raw}"`);
  }
  if (parsed.username || parsed.password) {
    // Not echoed: the value carries a credential.
    throw new ConfigError(`${name} must not contain user info (user:password@)`);
  }
  // The MAPI key and secret travel in every request: in clear text only to this machine.
  if (parsed.protocol === "http:" && !isLoopbackHost(parsed.hostname)) {
    throw new ConfigError(`${name} must use https (http is allowed only for a loopback address), got "${raw}"`);
  }
  return url;
}

export function loadSettings(env: NodeJS.ProcessEnv): Settings {
  const missing = REQUIRED_VARIABLES.filter((k) => !(env[k] ?? "").trim());
  if (missing.length > 0) {
    throw new ConfigError(`Missing required environment variables: ${missing.join(", ")}`, [...missing]);
  }
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(`Invalid configuration: ${parsed.error.issues.map((i) => i.message).join("; ")}`);
  }
  const e = parsed.data;
  let oauth: OAuthSettings | undefined;
  try {
    oauth = readOAuthSettings(env, e.MCP_AUTH_TOKEN);
  } catch (err) {
    throw new ConfigError(`Invalid configuration: ${(err as Error).message}`);
  }
  const orgId = (env.ORG_ID ?? "").trim();
  const baseUrls = Object.fromEntries(SERVICE_NAMES.map((s) => [s, baseUrl(s, env, orgId)])) as Record<
    ServiceName,
    string
  >;
  return {
    orgId,
    mapiKey: (env.MAPI_KEY ?? "").trim(),
    mapiSecret: env.MAPI_SECRET ?? "",
    baseUrls,
    transport: e.MCP_TRANSPORT,
    host: e.MCP_HOST,
    port: e.MCP_PORT,
    authToken: e.MCP_AUTH_TOKEN,
    oauth,
    stateless: e.MCP_STATELESS,
    allowedOrigins: e.MCP_ALLOWED_ORIGINS,
    allowedHosts: e.MCP_ALLOWED_HOSTS,
    maxBodyBytes: e.MCP_MAX_BODY_BYTES,
    maxSessions: e.MCP_MAX_SESSIONS,
    sessionIdleMs: e.MCP_SESSION_IDLE_SECONDS * 1000,
    restrictedTools: e.RESTRICTED_TOOLS,
    toolsets: e.ALTR_TOOLSETS,
    tools: e.ALTR_TOOLS,
    readOnly: e.ALTR_READ_ONLY,
    ...narrowSelection(e[DOTENV_TOOLSETS], e[DOTENV_TOOLS]),
    confirmDestructive: e.ALTR_CONFIRM_DESTRUCTIVE,
    logFormat: e.LOG_FORMAT as "console" | "json",
    logLevel: e.LOG_LEVEL,
    http: {
      maxAttempts: e.DISABLE_RETRY ? 1 : e.MAX_RETRIES,
      // Ours win where both are set; the upstream's names apply alone (README, "Settings").
      timeoutMs:
        e.REQUEST_TIMEOUT !== undefined && !isSet(env, "ALTR_TIMEOUT_SECONDS")
          ? Math.round(e.REQUEST_TIMEOUT * 1000)
          : e.ALTR_TIMEOUT_SECONDS * 1000,
      baseDelayMs: e.ALTR_RETRY_BASE_DELAY_MS,
      maxDelayMs:
        e.MAX_RETRY_AFTER !== undefined && !isSet(env, "ALTR_RETRY_MAX_DELAY_MS")
          ? Math.round(e.MAX_RETRY_AFTER * 1000)
          : e.ALTR_RETRY_MAX_DELAY_MS,
      maxResponseBytes: e.ALTR_MAX_RESPONSE_BYTES,
    },
    supportMode: e.SUPPORT_MODE,
    supportPrompts: e.SUPPORT_PROMPTS,
    maxResultBytes: e.ALTR_MAX_RESULT_BYTES,
  };
}
