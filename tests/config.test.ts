/** Environment → settings: defaults, overrides, and errors that name the variable. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadSettings, mergeDotEnv, VARIABLES, withDotEnv } from "../src/config/index.js";
import { DOTENV_TOOLS, DOTENV_TOOLSETS } from "../src/config/dotenv.js";
import { SERVICES } from "../src/config/services.js";

const REQUIRED = { ORG_ID: "acme", MAPI_KEY: "k", MAPI_SECRET: "s" };

describe("settings", () => {
  it("upstream defaults", () => {
    const s = loadSettings(REQUIRED);
    expect(s.transport).toBe("stdio");
    expect(s.host).toBe("127.0.0.1");
    expect(s.port).toBe(8000);
    expect(s.http.maxAttempts).toBe(3);
    expect(s.http.timeoutMs).toBe(30_000);
    expect(s.logFormat).toBe("console");
    expect(s.logLevel).toBe("info");
    expect(s.baseUrls).toMatchObject({
      altrnet: "https://altrnet.live.altr.com",
      api: "https://api.live.altr.com",
      classification: "https://acme.classification.live.altr.com",
      sc_control: "https://acme.sc-control.live.altr.com",
      service_user: "https://acme.service-user.live.altr.com",
      audit_report: "https://acme.audit-report.live.altr.com/v1",
      vault: "https://acme.vault.live.altr.com/api/v2",
      critical: "https://acme.critical.live.altr.com/v2",
      kma: "https://acme.kma.live.altr.com/v1",
    });
  });

  it("overrides: base URLs (trailing slash dropped), retries, lists, log level names", () => {
    const s = loadSettings({
      ...REQUIRED,
      ALTR_API_BASE_URL: "http://127.0.0.1:4011/",
      ALTR_KMA_BASE_URL: "https://{ORG_ID}.kma.example/v1",
      DISABLE_RETRY: "true",
      MAX_RETRIES: "5",
      RESTRICTED_TOOLS: " delete_policy , add_rules,",
      ALTR_TOOLS: "vault_tokenize, get_roles",
      LOG_LEVEL: "WARNING",
      MCP_TRANSPORT: "streamable-http",
    });
    expect(s.baseUrls.api).toBe("http://127.0.0.1:4011");
    expect(s.baseUrls.kma).toBe("https://acme.kma.example/v1");
    expect(s.http.maxAttempts).toBe(1);
    expect(s.restrictedTools).toEqual(["delete_policy", "add_rules"]);
    expect(s.tools).toEqual(["vault_tokenize", "get_roles"]);
    expect(s.logLevel).toBe("warn");
    expect(s.transport).toBe("streamable-http");
  });

  it("missing required variables are listed", () => {
    expect(() => loadSettings({ MAPI_KEY: "k" })).toThrow("Missing required environment variables: ORG_ID, MAPI_SECRET");
  });

  it.each([
    ["MCP_PORT", "eighty"],
    ["MAX_RETRIES", "0"],
    ["DISABLE_RETRY", "maybe"],
    ["LOG_FORMAT", "xml"],
    ["LOG_LEVEL", "loud"],
    ["MCP_TRANSPORT", "carrier-pigeon"],
    ["MCP_AUTH_TOKEN", "short"],
    ["ALTR_API_BASE_URL", "not a url"],
    ["ALTR_API_BASE_URL", "ftp://x"],
    // Basic MAPI_KEY:MAPI_SECRET must not cross a network in clear text.
    ["ALTR_API_BASE_URL", "http://other-host.example"],
    ["ALTR_KMA_BASE_URL", "http://10.0.0.7:8080/v1"],
    ["ALTR_VAULT_BASE_URL", "http://127.0.0.1.evil.example/api/v2"],
  ])("invalid %s=%s names the variable", (name, value) => {
    const run = () => loadSettings({ ...REQUIRED, [name]: value });
    expect(run).toThrow(ConfigError);
    expect(run).toThrow(name);
  });

});

describe("prepare() wires the selection settings", () => {
  it("ALTR_TOOLSETS=none with ALTR_TOOLS lists exactly the named tools", async () => {
    const { prepare } = await import("../src/cli/start.js");
    const p = await prepare({ ...REQUIRED, ALTR_TOOLSETS: "none", ALTR_TOOLS: "vault_tokenize,get_roles", LOG_LEVEL: "silent" });
    expect(p.host.listed.map((t) => t.name)).toEqual(["get_roles", "vault_tokenize"]);
    await p.close();
  });
});

describe("base URLs: https, or http only to this machine", () => {
  it.each(["http://127.0.0.1:4011", "http://127.9.8.7", "http://localhost:9", "http://[::1]:9", "http://[::ffff:127.0.0.1]:9"])(
    "%s is allowed",
    (url) => {
      expect(loadSettings({ ...REQUIRED, ALTR_API_BASE_URL: url }).baseUrls.api).toBe(url.replace(/\/+$/, ""));
    },
  );

  it("user info in a base URL is refused without echoing it", () => {
    const run = () => loadSettings({ ...REQUIRED, ALTR_API_BASE_URL: "https://me:hunter2-secret@api.example" });
    expect(run).toThrow(/ALTR_API_BASE_URL must not contain user info/);
    expect(run).not.toThrow(/hunter2/);
  });

  it("the error names the variable and says why", () => {
    expect(() => loadSettings({ ...REQUIRED, ALTR_ALTRNET_BASE_URL: "http://altr.example" })).toThrow(
      /ALTR_ALTRNET_BASE_URL must use https/,
    );
  });
});

describe(".env may tighten, never loosen", () => {
  /** Writes `lines` to a fresh directory's .env and returns withDotEnv's result and its warnings. */
  function dotEnv(real: Record<string, string>, lines: string) {
    const dir = mkdtempSync(join(tmpdir(), "altr-env-"));
    writeFileSync(join(dir, ".env"), lines);
    const warnings: string[] = [];
    const env = withDotEnv(real, dir, (m) => warnings.push(m));
    return { env, warnings, settings: () => loadSettings(env) };
  }

  const HOSTILE = [
    "ALTR_API_BASE_URL=http://127.0.0.1:9/steal",
    "ALTR_ALTRNET_BASE_URL=https://attacker.example",
    "ALTR_CONFIRM_DESTRUCTIVE=false",
    "ALTR_READ_ONLY=false",
    "RESTRICTED_TOOLS=",
    "MCP_TRANSPORT=streamable-http",
    "MCP_HOST=0.0.0.0",
    "MCP_AUTH_TOKEN=dotenv-token-0123456789",
    "MCP_ALLOWED_ORIGINS=*",
    "MCP_ALLOWED_HOSTS=attacker.example",
    "MCP_STATELESS=true",
    "MCP_MAX_SESSIONS=100000",
    "MCP_MAX_BODY_BYTES=67108864",
    "MCP_SESSION_IDLE_SECONDS=604800",
  ].join("\n");

  it("a hostile .env redirects nothing and loosens nothing; each line is named in a warning, no value shown", () => {
    const real = { ...REQUIRED, ALTR_READ_ONLY: "true", RESTRICTED_TOOLS: "delete_policy" };
    const { warnings, settings } = dotEnv(real, HOSTILE);
    const s = settings();
    expect(s.baseUrls.api).toBe("https://api.live.altr.com");
    expect(s.baseUrls.altrnet).toBe("https://altrnet.live.altr.com");
    expect(s.confirmDestructive).toBe(true);
    expect(s.readOnly).toBe(true);
    expect(s.restrictedTools).toEqual(["delete_policy"]);
    expect(s.transport).toBe("stdio");
    expect(s.host).toBe("127.0.0.1");
    expect(s.authToken).toBeUndefined();
    expect(s.allowedOrigins).toEqual([]);
    expect(s.allowedHosts).toEqual([]);
    expect(s.stateless).toBe(false);
    expect(s.maxSessions).toBe(100);
    expect(s.maxBodyBytes).toBe(1_048_576);
    expect(s.sessionIdleMs).toBe(1_800_000);
    for (const name of [
      "ALTR_API_BASE_URL",
      "ALTR_ALTRNET_BASE_URL",
      "ALTR_CONFIRM_DESTRUCTIVE",
      "ALTR_READ_ONLY",
      "MCP_TRANSPORT",
      "MCP_HOST",
      "MCP_AUTH_TOKEN",
      "MCP_ALLOWED_ORIGINS",
      "MCP_ALLOWED_HOSTS",
      "MCP_STATELESS",
      "MCP_MAX_SESSIONS",
      "MCP_MAX_BODY_BYTES",
      "MCP_SESSION_IDLE_SECONDS",
    ]) {
      expect(warnings.some((w) => w.includes(name)), name).toBe(true);
    }
    const all = warnings.join("\n");
    for (const value of ["dotenv-token-0123456789", "attacker.example", "127.0.0.1:9", "0.0.0.0"]) expect(all).not.toContain(value);
  });

  it("ALTR_CONFIRM_DESTRUCTIVE=false in .env is ignored even when the environment says nothing", () => {
    const { warnings, settings } = dotEnv(REQUIRED, "ALTR_CONFIRM_DESTRUCTIVE=false\n");
    expect(settings().confirmDestructive).toBe(true);
    expect(warnings).toEqual([expect.stringContaining("ALTR_CONFIRM_DESTRUCTIVE")]);
  });

  it("the real environment still sets what a .env may not", () => {
    const real = {
      ...REQUIRED,
      ALTR_API_BASE_URL: "https://api.eu.example",
      ALTR_CONFIRM_DESTRUCTIVE: "false",
      MCP_HOST: "0.0.0.0",
      MCP_AUTH_TOKEN: "env-token-0123456789",
    };
    const { settings } = dotEnv(real, "ALTR_API_BASE_URL=https://attacker.example\nMCP_AUTH_TOKEN=dotenv-token-0123456789\n");
    const s = settings();
    expect(s.baseUrls.api).toBe("https://api.eu.example");
    expect(s.confirmDestructive).toBe(false);
    expect(s.host).toBe("0.0.0.0");
    expect(s.authToken).toBe("env-token-0123456789");
  });

  it("credentials and everyday settings come from .env; the real environment wins", () => {
    const { env, warnings, settings } = dotEnv(
      { ORG_ID: "from-env", LOG_LEVEL: "error" },
      "ORG_ID=from-file\nMAPI_KEY=file-key\nMAPI_SECRET=file-secret\nLOG_LEVEL=debug\nLOG_FORMAT=json\nMAX_RETRIES=5\nALTR_TIMEOUT_SECONDS=7\nMCP_PORT=8123\nPROJECT_DATABASE_URL=postgres://x\n",
    );
    const s = settings();
    expect(s).toMatchObject({ orgId: "from-env", mapiKey: "file-key", mapiSecret: "file-secret", logLevel: "error", logFormat: "json", port: 8123 });
    expect(s.http).toMatchObject({ maxAttempts: 5, timeoutMs: 7000 });
    expect(warnings).toEqual([]);
    // Names the configuration does not read stay out of the environment.
    expect(env.PROJECT_DATABASE_URL).toBeUndefined();
  });

  it("restrictions add up: RESTRICTED_TOOLS is the union, ALTR_READ_ONLY=true and ALTR_CONFIRM_DESTRUCTIVE=true apply", () => {
    const { warnings, settings } = dotEnv(
      { ...REQUIRED, RESTRICTED_TOOLS: "delete_policy", ALTR_CONFIRM_DESTRUCTIVE: "false" },
      "RESTRICTED_TOOLS=add_rules, delete_policy\nALTR_READ_ONLY=true\nALTR_CONFIRM_DESTRUCTIVE=true\n",
    );
    const s = settings();
    expect(s.restrictedTools).toEqual(["delete_policy", "add_rules"]);
    expect(s.readOnly).toBe(true);
    expect(s.confirmDestructive).toBe(true);
    expect(warnings).toEqual([]);
  });

  it("a .env ALTR_READ_ONLY=false changes nothing when the environment does not set it (no warning: nothing loosened)", () => {
    const { warnings, settings } = dotEnv(REQUIRED, "ALTR_READ_ONLY=false\nALTR_READ_ONLY_TYPO=1\n");
    expect(settings().readOnly).toBe(false);
    expect(warnings).toEqual([]);
  });

  it("ALTR_TOOLSETS / ALTR_TOOLS from .env travel as a narrowing selection, never as the selection", () => {
    const { env, settings } = dotEnv({ ...REQUIRED, ALTR_TOOLSETS: "all" }, "ALTR_TOOLSETS=databases\nALTR_TOOLS=vault_tokenize\n");
    expect(env.ALTR_TOOLSETS).toBe("all");
    expect(env.ALTR_TOOLS).toBeUndefined();
    expect(settings()).toMatchObject({ toolsets: ["all"], tools: [], narrowSelection: { toolsets: ["databases"], tools: ["vault_tokenize"] } });
  });

  it("without a .env the environment is returned as it is", () => {
    const dir = mkdtempSync(join(tmpdir(), "altr-env-"));
    const real = { ...REQUIRED };
    expect(withDotEnv(real, dir, () => expect.unreachable())).toBe(real);
  });
});

describe("the variable table", () => {
  it("classifies every variable the configuration reads, and nothing it does not", () => {
    const read = new Set<string>();
    const env = new Proxy({ ...REQUIRED } as NodeJS.ProcessEnv, {
      get(target, key) {
        if (typeof key === "string") read.add(key);
        return Reflect.get(target, key);
      },
    });
    loadSettings(env);
    const internal = new Set([DOTENV_TOOLSETS, DOTENV_TOOLS]);
    const readVariables = [...read].filter((k) => !internal.has(k)).sort();
    expect(readVariables).toEqual(Object.keys(VARIABLES).sort());
    for (const s of Object.values(SERVICES)) expect(VARIABLES[s.env]).toBe("protected");
  });

  it("mergeDotEnv drops every protected variable and passes credentials and settings through", () => {
    // A value for every variable, each one of its valid forms; protected ones must be dropped.
    const values: Record<string, string> = {
      LOG_FORMAT: "json",
      LOG_LEVEL: "debug",
      MAX_RETRIES: "4",
      DISABLE_RETRY: "false",
      ALTR_TIMEOUT_SECONDS: "9",
      ALTR_RETRY_BASE_DELAY_MS: "10",
      ALTR_RETRY_MAX_DELAY_MS: "20",
      ALTR_MAX_RESPONSE_BYTES: "4096",
      MCP_PORT: "8001",
    };
    const fromFile = Object.fromEntries(Object.keys(VARIABLES).map((k) => [k, values[k] ?? "x"]));
    const merged = mergeDotEnv({}, fromFile, () => undefined);
    for (const [name, kind] of Object.entries(VARIABLES)) {
      if (kind === "protected") expect(merged[name], name).toBeUndefined();
      if (kind === "credential" || kind === "setting") expect(merged[name], name).toBe(fromFile[name]);
    }
  });
});
