/**
 * The settings the Python server added after 0.5.1: SUPPORT_MODE, SUPPORT_PROMPTS,
 * REQUEST_TIMEOUT and MAX_RETRY_AFTER beside ours (ours win where both are set), MAX_RETRIES ≥ 1,
 * and a warning for RESTRICTED_TOOLS entries that name no tool; plus the support instructions.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { createAltrClients } from "../src/altr/client.js";
import { loadSettings } from "../src/config/index.js";
import { instructions } from "../src/server/instructions.js";
import { unknownRestricted } from "../src/server/registry.js";
import { createToolHost } from "../src/server/server.js";
import { ALL_TOOLS } from "../src/tools/index.js";
import { baseUrlsFrom, FAST_HTTP } from "./helpers/harness.js";

const BASE = { ORG_ID: "o", MAPI_KEY: "k", MAPI_SECRET: "s" };

describe("support settings", () => {
  it("SUPPORT_MODE and SUPPORT_PROMPTS are booleans, off by default, bad values name the variable", () => {
    expect(loadSettings(BASE)).toMatchObject({ supportMode: false, supportPrompts: false });
    expect(loadSettings({ ...BASE, SUPPORT_MODE: "true", SUPPORT_PROMPTS: "1" })).toMatchObject({ supportMode: true, supportPrompts: true });
    expect(() => loadSettings({ ...BASE, SUPPORT_MODE: "sometimes" })).toThrow(/SUPPORT_MODE must be true or false/);
    expect(() => loadSettings({ ...BASE, SUPPORT_PROMPTS: "y" })).toThrow(/SUPPORT_PROMPTS/);
  });
});

describe("REQUEST_TIMEOUT and MAX_RETRY_AFTER", () => {
  it("apply alone (seconds, fractions allowed)", () => {
    expect(loadSettings({ ...BASE, REQUEST_TIMEOUT: "12.5" }).http.timeoutMs).toBe(12_500);
    expect(loadSettings({ ...BASE, MAX_RETRY_AFTER: "60" }).http.maxDelayMs).toBe(60_000);
    expect(loadSettings({ ...BASE, MAX_RETRY_AFTER: "0" }).http.maxDelayMs).toBe(0);
  });

  it("leave our defaults when unset or empty", () => {
    const d = loadSettings({ ...BASE, REQUEST_TIMEOUT: "", MAX_RETRY_AFTER: " " }).http;
    expect(d.timeoutMs).toBe(30_000);
    expect(d.maxDelayMs).toBe(30_000);
  });

  it("lose to ours where both are set", () => {
    const s = loadSettings({ ...BASE, REQUEST_TIMEOUT: "5", ALTR_TIMEOUT_SECONDS: "40", MAX_RETRY_AFTER: "90", ALTR_RETRY_MAX_DELAY_MS: "2000" });
    expect(s.http.timeoutMs).toBe(40_000);
    expect(s.http.maxDelayMs).toBe(2_000);
  });

  it.each([
    ["REQUEST_TIMEOUT", "0"],
    ["REQUEST_TIMEOUT", "-3"],
    ["REQUEST_TIMEOUT", "thirty"],
    ["REQUEST_TIMEOUT", "601"],
    ["MAX_RETRY_AFTER", "-1"],
    ["MAX_RETRY_AFTER", "Infinity"],
  ])("%s=%s is refused, naming the variable", (name, value) => {
    expect(() => loadSettings({ ...BASE, [name]: value })).toThrow(new RegExp(`${name} must be a number of seconds`));
  });

  it("MAX_RETRIES must be at least 1 (0 refuses to start)", () => {
    expect(() => loadSettings({ ...BASE, MAX_RETRIES: "0" })).toThrow(/MAX_RETRIES must be an integer from 1/);
    expect(loadSettings({ ...BASE, MAX_RETRIES: "1" }).http.maxAttempts).toBe(1);
  });
});

describe("RESTRICTED_TOOLS entries that name no tool", () => {
  it("are found case-insensitively; tool names, pre-rename names and control tools are known", () => {
    expect(unknownRestricted(ALL_TOOLS, ["DELETE_POLICY", "delete_database", "enter_support_mode", "delet_policy", " "], ["enter_support_mode"])).toEqual([
      "delet_policy",
    ]);
  });

  it("are logged once as a warning when the server starts, without failing it", () => {
    const lines: string[] = [];
    const logger = pino({ level: "warn" }, { write: (l: string) => lines.push(l) });
    const host = createToolHost({
      clients: createAltrClients({ mapiKey: "k", mapiSecret: "s", baseUrls: baseUrlsFrom("http://127.0.0.1:9"), http: FAST_HTTP, logger }),
      logger,
      version: "test",
      selection: { toolsets: ["all"], readOnly: false, restricted: ["delete_policy", "delet_rule", "exit_support_mode"] },
      support: { mode: false, prompts: true },
    });
    host.createServer();
    const warnings = lines.map((l) => JSON.parse(l) as { msg: string; entries?: string[] });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.msg).toMatch(/RESTRICTED_TOOLS names no tool: delet_rule/);
    expect(warnings[0]!.entries).toEqual(["delet_rule"]);
    expect(host.listed.map((t) => t.name)).not.toContain("delete_policy");
    expect(host.listed.map((t) => t.name)).not.toContain("exit_support_mode");
  });
});

describe("instructions", () => {
  async function hostInstructions(support: { mode: boolean; prompts: boolean }): Promise<string> {
    const logger = pino({ level: "silent" });
    const host = createToolHost({
      clients: createAltrClients({ mapiKey: "k", mapiSecret: "s", baseUrls: baseUrlsFrom("http://127.0.0.1:9"), http: FAST_HTTP, logger }),
      logger,
      version: "test",
      selection: { toolsets: [], readOnly: false, restricted: [] },
      support,
    });
    const server = host.createServer();
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    const client = new Client({ name: "instructions", version: "0" });
    await client.connect(clientSide);
    const text = client.getInstructions() ?? "";
    await client.close();
    return text;
  }

  it("add a block under SUPPORT_MODE, another with SUPPORT_PROMPTS alone, none by default", async () => {
    // By default: the ordinary instructions (then the toolsets that are off), no support block.
    const plain = await hostInstructions({ mode: false, prompts: false });
    expect(plain.startsWith(instructions(true))).toBe(true);
    expect(plain).not.toMatch(/enter_support_mode|SUPPORT_MODE is on/);
    const hard = await hostInstructions({ mode: true, prompts: true });
    expect(hard).toMatch(/SUPPORT_MODE is on/);
    expect(hard).toMatch(/Never ask the operator to turn SUPPORT_MODE off/);
    const soft = await hostInstructions({ mode: false, prompts: true });
    expect(soft).toMatch(/enter_support_mode makes this session read-only/);
    expect(soft).not.toMatch(/SUPPORT_MODE is on/);
  });
});
