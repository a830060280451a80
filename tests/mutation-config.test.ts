/**
 * Configuration loading (src/config/index.ts) value by value: every default, every bound (the
 * last accepted and the first refused value), boolean and list spellings, aliases, the token
 * length floor, base-URL overrides, no .env (the .env cases are in tests/config.test.ts).
 * Written to kill the mutants `npm run mutate` found surviving.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadSettings, REQUIRED_VARIABLES, withDotEnv } from "../src/config/index.js";
import { isLoopbackHost } from "../src/config/loopback.js";
import { SERVICES } from "../src/config/services.js";

const BASE = { ORG_ID: "org-1", MAPI_KEY: "key", MAPI_SECRET: "secret" };
const load = (extra: Record<string, string | undefined> = {}) => loadSettings({ ...BASE, ...extra });
function refused(extra: Record<string, string | undefined>): string {
  try {
    load(extra);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error(`accepted ${JSON.stringify(extra)}`);
}

describe("defaults", () => {
  it("every setting has its documented default", () => {
    const s = load();
    expect(s).toEqual({
      orgId: "org-1",
      mapiKey: "key",
      mapiSecret: "secret",
      baseUrls: {
        altrnet: "https://altrnet.live.altr.com",
        api: "https://api.live.altr.com",
        classification: "https://org-1.classification.live.altr.com",
        sc_control: "https://org-1.sc-control.live.altr.com",
        service_user: "https://org-1.service-user.live.altr.com",
        audit_report: "https://org-1.audit-report.live.altr.com/v1",
        vault: "https://org-1.vault.live.altr.com/api/v2",
        critical: "https://org-1.critical.live.altr.com/v2",
        kma: "https://org-1.kma.live.altr.com/v1",
      },
      transport: "stdio",
      host: "127.0.0.1",
      port: 8000,
      authToken: undefined,
      stateless: false,
      allowedOrigins: [],
      allowedHosts: [],
      maxBodyBytes: 1_048_576,
      maxSessions: 100,
      sessionIdleMs: 1_800_000,
      restrictedTools: [],
      toolsets: [],
      tools: [],
      readOnly: false,
      confirmDestructive: true,
      logFormat: "console",
      logLevel: "info",
      http: { maxAttempts: 3, timeoutMs: 30_000, baseDelayMs: 500, maxDelayMs: 30_000, maxResponseBytes: 20 * 1_048_576 },
      maxResultBytes: 262_144,
      oauth: undefined,
      supportMode: false,
      supportPrompts: false,
    });
  });

  it("blank values mean the default", () => {
    const s = load({ MCP_HOST: "  ", MCP_PORT: " ", ALTR_CONFIRM_DESTRUCTIVE: "", MCP_TRANSPORT: undefined });
    expect([s.host, s.port, s.confirmDestructive, s.transport]).toEqual(["127.0.0.1", 8000, true, "stdio"]);
    // Whitespace only is blank too: confirmation stays on (its default), not "false".
    expect(load({ ALTR_CONFIRM_DESTRUCTIVE: "   " }).confirmDestructive).toBe(true);
  });
});

describe("required variables", () => {
  it("missing or blank ones are named together", () => {
    expect(REQUIRED_VARIABLES).toEqual(["ORG_ID", "MAPI_KEY", "MAPI_SECRET"]);
    let err: ConfigError | undefined;
    try {
      loadSettings({ ORG_ID: "  ", MAPI_SECRET: "s" });
    } catch (e) {
      err = e as ConfigError;
    }
    expect(err?.message).toBe("Missing required environment variables: ORG_ID, MAPI_KEY");
    expect(err?.missing).toEqual(["ORG_ID", "MAPI_KEY"]);
    expect(err?.name).toBe("ConfigError");
  });
  it("ORG_ID and MAPI_KEY are trimmed; the secret is kept exactly", () => {
    const s = loadSettings({ ORG_ID: " o ", MAPI_KEY: " k ", MAPI_SECRET: " s " });
    expect([s.orgId, s.mapiKey, s.mapiSecret]).toEqual(["o", "k", " s "]);
  });
});

describe("integers: the last accepted and the first refused value", () => {
  it.each([
    ["MCP_PORT", 0, 65535, (s: ReturnType<typeof load>) => s.port],
    ["MCP_MAX_BODY_BYTES", 1024, 64 * 1_048_576, (s: ReturnType<typeof load>) => s.maxBodyBytes],
    ["MCP_MAX_SESSIONS", 1, 100_000, (s: ReturnType<typeof load>) => s.maxSessions],
    ["MCP_SESSION_IDLE_SECONDS", 1, 7 * 86_400, (s: ReturnType<typeof load>) => s.sessionIdleMs / 1000],
    ["MAX_RETRIES", 1, 10, (s: ReturnType<typeof load>) => s.http.maxAttempts],
    ["ALTR_TIMEOUT_SECONDS", 1, 600, (s: ReturnType<typeof load>) => s.http.timeoutMs / 1000],
    ["ALTR_RETRY_BASE_DELAY_MS", 0, 60_000, (s: ReturnType<typeof load>) => s.http.baseDelayMs],
    ["ALTR_RETRY_MAX_DELAY_MS", 0, 300_000, (s: ReturnType<typeof load>) => s.http.maxDelayMs],
    ["ALTR_MAX_RESPONSE_BYTES", 1024, 512 * 1_048_576, (s: ReturnType<typeof load>) => s.http.maxResponseBytes],
  ] as const)("%s from %i to %i", (name, min, max, read) => {
    expect(read(load({ [name]: String(min) }))).toBe(min);
    expect(read(load({ [name]: String(max) }))).toBe(max);
    for (const bad of [String(min - 1), String(max + 1), "1.5", "ten"]) {
      expect(refused({ [name]: bad })).toBe(`Invalid configuration: ${name} must be an integer from ${min} to ${max}, got "${bad}"`);
    }
  });
  it("DISABLE_RETRY means one attempt whatever MAX_RETRIES says", () => {
    expect(load({ DISABLE_RETRY: "true", MAX_RETRIES: "7" }).http.maxAttempts).toBe(1);
    expect(load({ DISABLE_RETRY: "false", MAX_RETRIES: "7" }).http.maxAttempts).toBe(7);
  });
  it("an invalid value names no missing variable", () => {
    try {
      load({ MCP_PORT: "x" });
    } catch (e) {
      expect((e as ConfigError).missing).toEqual([]);
    }
    expect.assertions(1);
  });
  it("several problems are reported together", () => {
    expect(refused({ MCP_PORT: "-1", MAX_RETRIES: "0" })).toBe(
      'Invalid configuration: MCP_PORT must be an integer from 0 to 65535, got "-1"; MAX_RETRIES must be an integer from 1 to 10, got "0"',
    );
  });
});

describe("booleans, lists, enums", () => {
  it.each(["true", "1", "yes", "on", " TRUE "])("%j is true", (v) => {
    expect(load({ ALTR_READ_ONLY: v, MCP_STATELESS: v }).readOnly).toBe(true);
    expect(load({ MCP_STATELESS: v }).stateless).toBe(true);
  });
  it.each(["false", "0", "no", "off", " Off "])("%j is false", (v) => {
    expect(load({ ALTR_CONFIRM_DESTRUCTIVE: v }).confirmDestructive).toBe(false);
  });
  it("anything else is refused, naming the variable", () => {
    expect(refused({ ALTR_READ_ONLY: "maybe" })).toBe('Invalid configuration: ALTR_READ_ONLY must be true or false, got "maybe"');
  });
  it("lists are comma-separated, trimmed, without empties", () => {
    const s = load({ RESTRICTED_TOOLS: " a, ,b ,", ALTR_TOOLSETS: "x", ALTR_TOOLS: "t1,t2", MCP_ALLOWED_ORIGINS: "https://a, https://b", MCP_ALLOWED_HOSTS: "h" });
    expect([s.restrictedTools, s.toolsets, s.tools, s.allowedOrigins, s.allowedHosts]).toEqual([["a", "b"], ["x"], ["t1", "t2"], ["https://a", "https://b"], ["h"]]);
  });
  it.each([
    ["stdio", "stdio"],
    [" SSE ", "sse"],
    ["streamable-http", "streamable-http"],
    ["http", "streamable-http"],
    ["streamable_http", "streamable-http"],
  ])("MCP_TRANSPORT %j → %s", (v, t) => {
    expect(load({ MCP_TRANSPORT: v }).transport).toBe(t);
  });
  it("an unknown transport or log format is refused", () => {
    expect(refused({ MCP_TRANSPORT: "ws" })).toBe('Invalid configuration: MCP_TRANSPORT must be stdio, streamable-http or sse, got "ws"');
    expect(refused({ LOG_FORMAT: "xml" })).toBe('Invalid configuration: LOG_FORMAT must be console or json, got "xml"');
    expect(load({ LOG_FORMAT: " JSON " }).logFormat).toBe("json");
  });
  it.each([
    ["trace", "trace"],
    ["DEBUG", "debug"],
    ["info", "info"],
    ["warn", "warn"],
    ["WARNING", "warn"],
    ["error", "error"],
    ["CRITICAL", "fatal"],
    ["fatal", "fatal"],
    [" silent ", "silent"],
  ])("LOG_LEVEL %j → %s", (v, level) => {
    expect(load({ LOG_LEVEL: v }).logLevel).toBe(level);
  });
  it("an unknown log level is refused", () => {
    expect(refused({ LOG_LEVEL: "loud" })).toBe('Invalid configuration: LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL, got "loud"');
  });
});

describe("HTTP settings", () => {
  it("MCP_AUTH_TOKEN needs 16 characters; empty means none", () => {
    expect(load({ MCP_AUTH_TOKEN: "x".repeat(16) }).authToken).toBe("x".repeat(16));
    expect(load({ MCP_AUTH_TOKEN: "" }).authToken).toBeUndefined();
    expect(refused({ MCP_AUTH_TOKEN: "x".repeat(15) })).toBe("Invalid configuration: MCP_AUTH_TOKEN must be at least 16 characters");
  });
  it("MCP_HOST is trimmed", () => {
    expect(load({ MCP_HOST: " 0.0.0.0 " }).host).toBe("0.0.0.0");
  });
});

describe("base URLs", () => {
  it("overrides are trimmed, lose trailing slashes and get ORG_ID percent-encoded", () => {
    const all = Object.fromEntries(Object.values(SERVICES).map((svc) => [svc.env, "https://x.test/{ORG_ID}/{ORG_ID}"]));
    const s = loadSettings({ ...BASE, ...all, ORG_ID: "a b/c", ALTR_API_BASE_URL: " http://127.0.0.1:4010/// " });
    expect(s.baseUrls.api).toBe("http://127.0.0.1:4010");
    expect(s.baseUrls.kma).toBe("https://x.test/a%20b%2Fc/a%20b%2Fc");
  });
  it("a URL that does not parse, or is not http(s), is refused naming the variable", () => {
    expect(refused({ ALTR_API_BASE_URL: "not a url" })).toBe('ALTR_API_BASE_URL is not a valid URL: "not a url"');
    expect(refused({ ALTR_VAULT_BASE_URL: "ftp://x.test" })).toBe('ALTR_VAULT_BASE_URL must be an http(s) URL, got "ftp://x.test"');
    expect(refused({ ALTR_VAULT_BASE_URL: "file:///etc/passwd" })).toBe('ALTR_VAULT_BASE_URL must be an http(s) URL, got "file:///etc/passwd"');
  });
});

describe("withDotEnv()", () => {
  it("without a .env the environment is returned as it is", () => {
    const dir = mkdtempSync(join(tmpdir(), "altr-mcp-env-"));
    const env = { A: "1" };
    expect(withDotEnv(env, dir)).toBe(env);
  });
});

describe("isLoopbackHost()", () => {
  it("takes off the brackets of an IPv6 literal only at its ends", () => {
    expect(isLoopbackHost("[::1]")).toBe(true);
    expect(isLoopbackHost("[::ffff:127.0.0.1]")).toBe(true);
    expect(isLoopbackHost("LOCALHOST")).toBe(true);
    // A bracket inside a name is not stripped: "12]7.0.0.1" and "1[27.0.0.1" are not addresses.
    expect(isLoopbackHost("12]7.0.0.1")).toBe(false);
    expect(isLoopbackHost("1[27.0.0.1")).toBe(false);
    expect(isLoopbackHost("[10.0.0.1]")).toBe(false);
    expect(isLoopbackHost("example.com")).toBe(false);
  });
});

describe("the survivors of the last full run (config group)", () => {
  it("REQUEST_TIMEOUT and MAX_RETRY_AFTER: the maximum itself is accepted, just above it refused, and the message says from where", () => {
    expect(load({ REQUEST_TIMEOUT: "600" }).http.timeoutMs).toBe(600_000);
    expect(load({ MAX_RETRY_AFTER: "300" }).http.maxDelayMs).toBe(300_000);
    expect(refused({ REQUEST_TIMEOUT: "600.5" })).toContain('REQUEST_TIMEOUT must be a number of seconds above 0 up to 600, got "600.5"');
    expect(refused({ MAX_RETRY_AFTER: "300.5" })).toContain('MAX_RETRY_AFTER must be a number of seconds from 0 up to 300, got "300.5"');
  });

  it("ours counts as unset when blank: REQUEST_TIMEOUT applies beside an ALTR_TIMEOUT_SECONDS of spaces", () => {
    const s = load({ REQUEST_TIMEOUT: "7", ALTR_TIMEOUT_SECONDS: "   ", MAX_RETRY_AFTER: "9", ALTR_RETRY_MAX_DELAY_MS: " " });
    expect(s.http.timeoutMs).toBe(7_000);
    expect(s.http.maxDelayMs).toBe(9_000);
  });

  it("a .env's ALTR_TOOLSETS or ALTR_TOOLS alone narrows the selection; neither, no narrowing", () => {
    expect(load()).not.toHaveProperty("narrowSelection");
    expect(load({ ALTR_DOTENV_TOOLSETS: "roles, policies" }).narrowSelection).toEqual({ toolsets: ["roles", "policies"], tools: [] });
    expect(load({ ALTR_DOTENV_TOOLS: "get_roles" }).narrowSelection).toEqual({ toolsets: [], tools: ["get_roles"] });
  });

  it("a base URL with only a user name, or only a password, is refused without echoing it", () => {
    const name = SERVICES.api.env;
    for (const url of ["https://someone@api.example.com", "https://:pw-0123@api.example.com"]) {
      const message = refused({ [name]: url });
      expect(message).toBe(`${name} must not contain user info (user:password@)`);
    }
  });

  it("a bad OAuth setting is an invalid configuration naming it", () => {
    expect(refused({ MCP_OAUTH_ISSUER: "https://issuer.example.com" })).toMatch(/^Invalid configuration: MCP_OAUTH_RESOURCE is required with MCP_OAUTH_ISSUER/);
  });
});
