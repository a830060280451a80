/**
 * MCP Apps are offered only to clients that declare the extension (io.modelcontextprotocol/ui
 * with the MCP App MIME type): every other client sees the tool list, resources and results byte
 * for byte as before. Also: the views' adapters (today's get_rules/findings shapes and the flat
 * lists of the assistant-surface issue give the same model), the level names (one table), and
 * the built HTML (self-contained, strict CSP, small).
 */
import { existsSync, readFileSync } from "node:fs";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { LATEST_PROTOCOL_VERSION, type ClientCapabilities, type JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { EXTENSION_ID, RESOURCE_MIME_TYPE, RESOURCE_URI_META_KEY } from "@modelcontextprotocol/ext-apps/server";
import { beforeAll, describe, expect, it } from "vitest";
import { prepare, type Prepared } from "../src/cli/start.js";
import { UI_EXTENSION_ID, UI_LEGACY_URI_KEY, UI_MIME_TYPE, VIEWS } from "../src/server/apps.js";
import { MASKING_LEVELS } from "../src/server/guidance.js";
import { groupColumns, normaliseFindings, normaliseRules, totals } from "../src/views/adapt.js";
import { LEVELS, revealOf } from "../src/views/levels.js";
import { SNAPSHOT } from "../scripts/tool-snapshot.js";
import { buildViews } from "../scripts/build-views.mjs";

const ENV = { ALTR_TOOLSETS: "all", LOG_LEVEL: "silent" };
const UI_CAPS = { extensions: { [UI_EXTENSION_ID]: { mimeTypes: [UI_MIME_TYPE] } } } as ClientCapabilities;
const DIST = new URL("../dist/views/", import.meta.url);

/** A raw JSON-RPC session: the server's answers exactly as the transport carries them. */
async function rawSession(capabilities: ClientCapabilities) {
  const prepared: Prepared = await prepare(ENV, { sandbox: {} });
  const server = prepared.host.createServer();
  const [client, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const waiting = new Map<number, (raw: string) => void>();
  client.onmessage = (m: JSONRPCMessage) => {
    if ("id" in m && typeof m.id === "number") waiting.get(m.id)?.(JSON.stringify(m));
  };
  await client.start();
  let id = 0;
  const request = async (method: string, params: Record<string, unknown> = {}): Promise<string> => {
    const n = ++id;
    const answer = new Promise<string>((resolve) => waiting.set(n, resolve));
    await client.send({ jsonrpc: "2.0", id: n, method, params });
    // The id differs per call: blank it so answers to the same request compare equal.
    return (await answer).replace(`"id":${n}`, '"id":0');
  };
  await request("initialize", { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities, clientInfo: { name: "views-test", version: "0" } });
  await client.send({ jsonrpc: "2.0", method: "notifications/initialized" });
  return {
    request,
    close: async () => {
      await client.close();
      await prepared.close();
    },
  };
}

type ListedTool = { name: string; _meta?: Record<string, unknown> } & Record<string, unknown>;

beforeAll(async () => {
  if (!VIEWS.every((v) => existsSync(new URL(v.file, DIST)))) await buildViews();
});

describe("MCP Apps negotiation", () => {
  it("our identifiers are the extension SDK's (1.7.5)", () => {
    expect(UI_EXTENSION_ID).toBe(EXTENSION_ID);
    expect(UI_MIME_TYPE).toBe(RESOURCE_MIME_TYPE);
    expect(UI_LEGACY_URI_KEY).toBe(RESOURCE_URI_META_KEY);
  });

  it("a client without the extension gets the same bytes as before: tool list (= the reviewed snapshot), resources, a result", async () => {
    const plain = await rawSession({});
    // Declaring the extension without the MCP App MIME type (or another extension) is not enough.
    const noMime = await rawSession({ extensions: { [UI_EXTENSION_ID]: {} } } as ClientCapabilities);
    const other = await rawSession({ extensions: { "com.example/other": { mimeTypes: [UI_MIME_TYPE] } } } as ClientCapabilities);
    const withUi = await rawSession(UI_CAPS);
    try {
      const list = await plain.request("tools/list");
      expect(await noMime.request("tools/list")).toBe(list);
      expect(await other.request("tools/list")).toBe(list);
      expect(list.includes("ui://")).toBe(false);
      // Against the committed snapshot (name, description, inputSchema, annotations).
      const tools = (JSON.parse(list) as { result: { tools: ListedTool[] } }).result.tools;
      expect(tools.filter((t) => "_meta" in t).map((t) => t.name)).toEqual([]);
      const sortKeys = (n: unknown): unknown =>
        Array.isArray(n) ? n.map(sortKeys) : n && typeof n === "object" ? Object.fromEntries(Object.keys(n).sort().map((k) => [k, sortKeys((n as Record<string, unknown>)[k])])) : n;
      const rendered = `${JSON.stringify(tools.map(({ name, title, description, inputSchema, annotations }) => sortKeys({ name, title, description, inputSchema, annotations })), null, 2)}\n`;
      expect(rendered === readFileSync(SNAPSHOT, "utf8"), "the listed tools differ from tests/fixtures/tool-list.snapshot.json").toBe(true);

      const resources = await plain.request("resources/list");
      expect(resources.includes("ui://")).toBe(false);
      expect(await noMime.request("resources/list")).toBe(resources);
      const read = await plain.request("resources/read", { uri: VIEWS[0]!.uri });
      expect(read).toContain("Unknown resource");

      // Results are the same for everyone, the extension's client included.
      const args = { name: "get_rules", arguments: { policy_id: "TAG#PII" } };
      const result = await plain.request("tools/call", args);
      expect(result).toContain("TAG#PII#ROLE#ANALYST#TAG_VALUE#SSN");
      expect(await withUi.request("tools/call", args)).toBe(result);
      const findings = { name: "get_job_findings", arguments: { job_id: "3f8c2a91-5b7d-4e26-9c1a-7d4e8b2f6a10" } };
      expect(await withUi.request("tools/call", findings)).toBe(await plain.request("tools/call", findings));
    } finally {
      await Promise.all([plain.close(), noMime.close(), other.close(), withUi.close()]);
    }
  });

  it("a client with the extension: the linked tools carry _meta.ui.resourceUri, nothing else changes; the views are readable resources", async () => {
    const plain = await rawSession({});
    const withUi = await rawSession(UI_CAPS);
    try {
      const before = (JSON.parse(await plain.request("tools/list")) as { result: { tools: ListedTool[] } }).result.tools;
      const after = (JSON.parse(await withUi.request("tools/list")) as { result: { tools: ListedTool[] } }).result.tools;
      expect(after.map((t) => t.name)).toEqual(before.map((t) => t.name));
      const linked = new Map(VIEWS.flatMap((v) => v.tools.map((t) => [t, v.uri] as const)));
      expect([...linked.keys()].sort()).toEqual(["get_job_findings", "get_job_findings_columns", "get_job_findings_schemas", "get_job_findings_tables", "get_rules"]);
      for (const [i, t] of after.entries()) {
        const uri = linked.get(t.name);
        if (!uri) {
          expect(JSON.stringify(t)).toBe(JSON.stringify(before[i]));
          continue;
        }
        const { _meta, ...rest } = t;
        expect(JSON.stringify(rest)).toBe(JSON.stringify(before[i]));
        expect(_meta).toEqual({ ui: { resourceUri: uri }, [RESOURCE_URI_META_KEY]: uri });
      }
      // The extra bytes in the list are the links alone.
      const extra = JSON.stringify(after).length - JSON.stringify(before).length;
      expect(extra).toBeLessThan(600);

      const resources = (JSON.parse(await withUi.request("resources/list")) as { result: { resources: { uri: string; mimeType: string }[] } }).result.resources;
      for (const v of VIEWS) expect(resources).toContainEqual(expect.objectContaining({ uri: v.uri, mimeType: RESOURCE_MIME_TYPE }));
      for (const v of VIEWS) {
        const read = JSON.parse(await withUi.request("resources/read", { uri: v.uri })) as {
          result: { contents: { uri: string; mimeType: string; text: string; _meta: { ui: { csp: Record<string, unknown[]> } } }[] };
        };
        const content = read.result.contents[0]!;
        expect(content.mimeType).toBe(RESOURCE_MIME_TYPE);
        expect(content.text).toBe(readFileSync(new URL(v.file, DIST), "utf8"));
        // No network, no remote resources, no frames: every CSP list is empty.
        expect(Object.values(content._meta.ui.csp).every((list) => list.length === 0)).toBe(true);
      }
    } finally {
      await Promise.all([plain.close(), withUi.close()]);
    }
  });

  it("a view is refused to a client that declared nothing, and an unknown ui:// is refused to everyone", async () => {
    const withUi = await rawSession(UI_CAPS);
    try {
      expect(await withUi.request("resources/read", { uri: "ui://altr/../../etc/passwd" })).toContain("Unknown resource");
      expect(await withUi.request("resources/read", { uri: "ui://altr/other.html" })).toContain("Unknown resource");
    } finally {
      await withUi.close();
    }
  });
});

describe("the built views", () => {
  for (const v of VIEWS) {
    it(`${v.file}: one self-contained file, strict CSP by hash, nothing remote, small`, () => {
      const html = readFileSync(new URL(v.file, DIST), "utf8");
      const bytes = Buffer.byteLength(html);
      console.log(`${v.file}: ${bytes} bytes`);
      expect(bytes).toBeLessThan(40_000);
      const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1] ?? "";
      expect(csp).toMatch(/^default-src 'none'; script-src 'sha256-[^']+'; style-src 'sha256-[^']+';/);
      expect(csp).toContain("connect-src 'none'");
      expect(csp).not.toContain("unsafe");
      // One inline script and one inline style; nothing is loaded by URL.
      expect(html.match(/<script/g)).toHaveLength(1);
      expect(html).not.toMatch(/<script[^>]+src=|<link|<img|@import|url\(|@font-face/i);
      expect(html).not.toMatch(/https?:\/\//);
      // No innerHTML: text from ALTR is always set as text.
      expect(html).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
    });
  }
});

/** WCAG 2 contrast ratio of two #rrggbb colours. */
function contrast(a: string, b: string): number {
  const lum = (hex: string) => {
    const [r, g, bl] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

describe("the views' colours", () => {
  const css = readFileSync(new URL("../src/views/style.css", import.meta.url), "utf8");
  const themes = {
    light: /^:root \{([^}]+)\}/m.exec(css)?.[1] ?? "",
    dark: /^:root\[data-theme="dark"\] \{([^}]+)\}/m.exec(css)?.[1] ?? "",
  };
  for (const [theme, block] of Object.entries(themes)) {
    it(`${theme}: every text/background pair has a contrast of at least 4.5:1 (WCAG AA)`, () => {
      const v = Object.fromEntries([...block.matchAll(/--([a-z-]+):\s*(#[0-9a-f]{6})/g)].map((m) => [m[1]!, m[2]!]));
      const pairs: [string, string][] = [["fg", "bg"], ["muted", "bg"], ["all-fg", "all-bg"], ["part-fg", "part-bg"], ["none-fg", "none-bg"], ["empty-fg", "empty-bg"], ["muted", "empty-bg"]];
      for (const [fg, bg] of pairs) {
        expect(v[fg], `--${fg} in ${theme}`).toBeDefined();
        expect(contrast(v[fg]!, v[bg]!), `${fg} on ${bg} (${theme})`).toBeGreaterThanOrEqual(4.5);
      }
      // The three reveal colours differ from each other (colour is a cue; the text says it too).
      expect(new Set([v["all-bg"], v["part-bg"], v["none-bg"], v["empty-bg"]]).size).toBe(4);
    });
  }
});

describe("view adapters (one function per view)", () => {
  const today = {
    items: {
      h1: [
        { rule_id: "TAG#PII#ROLE#ADMIN#TAG_VALUE#SSN", policy_id: "TAG#PII", role: "ADMIN", tag_value: "SSN", pending_rule_json: {}, success_rule_json: { masking_policy: "10000" }, failed_rule_json: {} },
      ],
      h2: [
        { rule_id: "TAG#PII#ROLE#ANALYST#TAG_VALUE#SSN", policy_id: "TAG#PII", role: "ANALYST", tag_value: "SSN", pending_rule_json: { masking_policy: 10001 }, success_rule_json: { masking_policy: "10003" }, failed_rule_json: {} },
        { rule_id: "TAG#PII#ROLE#ANALYST#TAG_VALUE#EMAIL", policy_id: "TAG#PII", role: "ANALYST", tag_value: "EMAIL", pending_rule_json: { masking_policy: "10002" }, success_rule_json: {}, failed_rule_json: {} },
      ],
    },
    count: 3,
    next_cursor: null,
  };
  const flat = {
    rules: [
      { rule_id: "TAG#PII#ROLE#ADMIN#TAG_VALUE#SSN", policy_id: "TAG#PII", role: "ADMIN", tag_value: "SSN", level: 10000, level_name: "no mask", status: "applied" },
      { rule_id: "TAG#PII#ROLE#ANALYST#TAG_VALUE#SSN", policy_id: "TAG#PII", role: "ANALYST", tag_value: "SSN", level: 10003, level_name: "show last four", status: "pending", pending_level: 10001 },
      { rule_id: "TAG#PII#ROLE#ANALYST#TAG_VALUE#EMAIL", policy_id: "TAG#PII", role: "ANALYST", tag_value: "EMAIL", level: 10002, level_name: "email", status: "pending" },
    ],
    next_cursor: null,
  };

  it("today's get_rules data and the flat list give the same matrix", () => {
    const a = normaliseRules(today);
    expect(a).toEqual(normaliseRules(flat));
    expect(a.policyId).toBe("TAG#PII");
    expect(a.roles).toEqual(["ADMIN", "ANALYST"]);
    expect(a.tagValues).toEqual(["EMAIL", "SSN"]);
    expect(a.cells.find((c) => c.role === "ANALYST" && c.tagValue === "SSN")).toMatchObject({ level: 10003, pendingLevel: 10001, state: "pending" });
    expect(a.cells.find((c) => c.role === "ANALYST" && c.tagValue === "EMAIL")).toMatchObject({ level: 10002, pendingLevel: null, state: "pending" });
  });

  it("hostile or odd rule data: skipped, never thrown on", () => {
    expect(normaliseRules(null).cells).toEqual([]);
    expect(normaliseRules({ items: { x: [null, 3, { role: "A" }, { tag_value: "B" }] } }).cells).toEqual([]);
    const odd = normaliseRules([{ role: "A", tag_value: "B", level: "abc" }, { role: "<img src=x>", tag_value: "V", masking_policy: "10004" }]);
    expect(odd.cells.map((c) => c.level)).toEqual([null, 10004]);
    expect(odd.roles).toContain("<img src=x>");
  });

  it("findings: one level of the tree, and a flat column list grouped, count the same", () => {
    const level = normaliseFindings(
      { items: [{ name: "ANALYTICS", findings_count: 3, distinct_classifier_count: 2, match_rate_avg: 0.95, fully_decided: false, column_status_counts: { total: 3, approved: 1, rejected: 0, pending: 2 } }], next_page_token: "t2" },
      [],
    );
    expect(level.next).toBe("t2");
    expect(level.nodes[0]).toMatchObject({ path: ["ANALYTICS"], level: "database", findings: 3, review: "undecided" });
    const columns = normaliseFindings({
      items: [
        { database: "ANALYTICS", schema: "CRM DATA", table: "CUSTOMERS", column: "EMAIL", findings_count: 1, classifier_names: ["email_by_name"], column_status: "pending" },
        { database: "ANALYTICS", schema: "CRM DATA", table: "CUSTOMERS", column: "SSN", findings_count: 1, classifier_names: ["US SSN"], column_status: "approved" },
        { database: "ANALYTICS", schema: "CRM DATA", table: "CUSTOMERS", column: "PHONE", findings_count: 1, classifier_names: ["phone_by_pattern"], column_status: "pending" },
      ],
    });
    const tree = groupColumns(columns.nodes);
    const db = tree.filter((n) => n.path.length === 1);
    expect(totals(db)).toEqual(totals(level.nodes));
    expect(tree.find((n) => n.level === "table")).toMatchObject({ path: ["ANALYTICS", "CRM DATA", "CUSTOMERS"], findings: 3, classifierCount: 3 });
  });

  it("the views use the server's level table; every level has a reveal class, and only 10000 reveals all", () => {
    expect(LEVELS).toBe(MASKING_LEVELS);
    expect(LEVELS.map((l) => l.level)).toEqual([10000, 10001, 10002, 10003, 10004, 10005, 10006, 10007, 10008, 10009]);
    expect(LEVELS.map((l) => revealOf(l.level))).toEqual(["all", "none", "part", "part", "none", "none", "part", "part", "part", "none"]);
    expect(revealOf(10010)).toBe("unknown");
    expect(revealOf(null)).toBe("unknown");
  });
});
