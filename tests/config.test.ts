/** Environment → settings: defaults, overrides, and errors that name the variable. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadSettings, withDotEnv } from "../src/config/index.js";

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
  ])("invalid %s=%s names the variable", (name, value) => {
    const run = () => loadSettings({ ...REQUIRED, [name]: value });
    expect(run).toThrow(ConfigError);
    expect(run).toThrow(name);
  });

  it(".env is read, and the real environment wins", () => {
    const dir = mkdtempSync(join(tmpdir(), "altr-env-"));
    writeFileSync(join(dir, ".env"), "ORG_ID=from-file\nMAPI_KEY=file-key\nMAPI_SECRET=file-secret\n");
    const env = withDotEnv({ ORG_ID: "from-env" }, dir);
    expect(env).toMatchObject({ ORG_ID: "from-env", MAPI_KEY: "file-key", MAPI_SECRET: "file-secret" });
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
