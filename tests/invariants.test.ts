/** Invariants over the tool table: the table is the source of truth, so it is held to rules. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { OPERATIONS } from "../src/generated/operations.js";
import { instructions } from "../src/server/instructions.js";
import { describeTool, resolveToolsets, selectTools } from "../src/server/registry.js";
import { TOOLSETS } from "../src/tools/define.js";
import { EXTRA_TOOLS } from "../src/tools/extra-tools.js";
import { ALL_TOOLS } from "../src/tools/index.js";

interface UpstreamTool {
  name: string;
  seed_name: string | null;
  toolset: string;
}
const UPSTREAM = (
  JSON.parse(readFileSync(new URL("./fixtures/upstream-tools.json", import.meta.url), "utf8")) as { tools: UpstreamTool[] }
).tools;

/**
 * Id parameters whose source the name gives away (the list tool named after the object), so
 * the tool list does not spend a description on each. The server instructions say so once.
 */
/** Paging cursors: the instructions say to pass back the previous answer's value. */
const PAGE_CURSORS = ["contiguous_id"];

const IMPLIED_ID_SOURCES: Record<string, string[]> = {
  agent_id: ["list_sc_agents"],
  database_id: ["get_databases"],
  definition_id: ["list_report_definitions"],
  comment_id: ["list_report_comments"],
  instance_id: ["list_report_instances", "get_agent_instances", "get_sidecar_instances"],
  job_id: ["get_jobs"],
  request_id: ["get_access_requests"],
  rule_id: ["get_rules"],
  sidecar_id: ["list_sc_sidecars"],
  task_id: ["list_sc_agent_tasks"],
};

describe("tool table", () => {
  it("every upstream tool exists (drop-in), in the toolset of its domain", () => {
    for (const up of UPSTREAM) {
      const t = ALL_TOOLS.find((x) => x.name === up.name);
      expect(t, `${up.name} (upstream) is missing`).toBeDefined();
      expect(t!.toolset, up.name).toBe(up.toolset);
    }
  });

  it("every other tool is in the reviewed allow-list (src/tools/extra-tools.ts) with a reason", () => {
    const upstream = new Set(UPSTREAM.map((u) => u.name));
    const extra = ALL_TOOLS.filter((t) => !upstream.has(t.name)).map((t) => t.name);
    expect(extra.filter((n) => !EXTRA_TOOLS[n]), "add these to EXTRA_TOOLS with a one-line reason").toEqual([]);
    for (const [name, reason] of Object.entries(EXTRA_TOOLS)) {
      expect(extra, `${name} is listed but is no tool, or is an upstream name`).toContain(name);
      expect(reason.trim().length, name).toBeGreaterThan(10);
    }
  });

  it("a toolset that has tools has all of its upstream tools (no half-built domain)", () => {
    const built = new Set(ALL_TOOLS.map((t) => t.toolset));
    const missing = UPSTREAM.filter((u) => built.has(u.toolset as never) && !ALL_TOOLS.some((t) => t.name === u.name));
    expect(missing.map((u) => u.name)).toEqual([]);
  });

  it("every renamed tool keeps its pre-rename name as an alias", () => {
    for (const t of ALL_TOOLS) {
      const up = UPSTREAM.find((u) => u.name === t.name);
      if (up?.seed_name && up.seed_name !== up.name) expect(t.aliases, t.name).toContain(up.seed_name);
    }
  });

  it("names and aliases are unique, valid MCP names", () => {
    const names = ALL_TOOLS.flatMap((t) => [t.name, ...t.aliases]);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n).toMatch(/^[a-z][a-z0-9_]{0,63}$/);
    const titles = ALL_TOOLS.map((t) => t.title);
    expect(new Set(titles).size).toBe(titles.length);
  });

  it("every tool sets all four annotations and belongs to a known toolset", () => {
    for (const t of ALL_TOOLS) {
      for (const k of ["readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"] as const) {
        expect(typeof t.annotations[k], `${t.name}.${k}`).toBe("boolean");
      }
      expect(Object.keys(TOOLSETS)).toContain(t.toolset);
      expect(t.annotations.openWorldHint, t.name).toBe(true);
    }
  });

  it("readOnlyHint is set exactly on tools that change nothing", () => {
    for (const t of ALL_TOOLS) {
      expect(t.operations.length, `${t.name} declares its operations`).toBeGreaterThan(0);
      const methods = t.operations.map((op) => OPERATIONS[op].method);
      const onlyGets = methods.every((m) => m === "GET");
      if (onlyGets) expect(t.annotations.readOnlyHint, `${t.name} only reads`).toBe(true);
      else if (t.annotations.readOnlyHint) {
        // A POST that only reads (a search) must say why.
        expect(t.readOnlyReason, `${t.name} is read-only but sends ${methods.join(", ")}`).toBeTruthy();
        expect(methods.some((m) => m === "PATCH" || m === "PUT" || m === "DELETE"), t.name).toBe(false);
      }
      if (t.annotations.readOnlyHint) {
        expect(t.annotations.destructiveHint, t.name).toBe(false);
        expect(t.annotations.idempotentHint, t.name).toBe(true);
      }
    }
  });

  it("every DELETE-based tool is destructive", () => {
    for (const t of ALL_TOOLS) {
      if (t.operations.some((op) => OPERATIONS[op].method === "DELETE")) {
        expect(t.annotations.destructiveHint, t.name).toBe(true);
      }
    }
  });

  it("ids left undescribed come from a list tool their name points to, as the instructions say", () => {
    const names = new Set(ALL_TOOLS.map((t) => t.name));
    const text = instructions(true);
    for (const [id, sources] of Object.entries(IMPLIED_ID_SOURCES)) {
      for (const source of sources) expect(names.has(source), `${id} ← ${source}`).toBe(true);
      expect(sources.some((s) => s.endsWith(`_${id.replace(/_id$/, "")}s`)), id).toBe(true);
    }
    expect(text).toMatch(/Other ids come from the list tool of that object/);
    for (const cursor of PAGE_CURSORS) expect(text).toContain(cursor);
  });

  it("descriptions are short and start with what the tool does", () => {
    for (const t of ALL_TOOLS) {
      expect(t.description.length, t.name).toBeLessThanOrEqual(400);
      expect(t.description, t.name).toMatch(/^[A-Z]/);
    }
  });

  it("every tool has a JSON input schema and an output schema; ids are described", () => {
    for (const t of ALL_TOOLS) {
      const d = describeTool(t);
      expect(d.inputSchema.type).toBe("object");
      expect(Object.keys(d.outputSchema?.properties ?? {})).toEqual(["success", "data", "truncated", "truncation"]);
      // Names say most; an id says where it comes from unless its name does (IMPLIED_ID_SOURCES,
      // stated once in the server instructions).
      for (const [name, prop] of Object.entries(d.inputSchema.properties ?? {})) {
        if (name.endsWith("_id") && !(name in IMPLIED_ID_SOURCES) && !PAGE_CURSORS.includes(name)) {
          expect((prop as { description?: string }).description, `${t.name}.${name}`).toBeTruthy();
        }
      }
    }
  });
});

describe("selection", () => {
  const names = (sel: Parameters<typeof selectTools>[1]) => selectTools(ALL_TOOLS, sel).enabled.map((t) => t.name);

  it("read-only keeps only readOnlyHint tools and beats everything", () => {
    const ro = names({ toolsets: ["all"], readOnly: true, restricted: [] });
    expect(ro.sort()).toEqual(ALL_TOOLS.filter((t) => t.annotations.readOnlyHint).map((t) => t.name).sort());
    const sel = selectTools(ALL_TOOLS, { toolsets: ["all"], readOnly: true, restricted: [] });
    expect(sel.callable.has("delete_policy")).toBe(false);
    expect(sel.hidden.get("delete_policy")).toMatch(/ALTR_READ_ONLY/);
  });

  it("RESTRICTED_TOOLS hides and blocks, case-insensitively, and matches pre-rename names", () => {
    const sel = selectTools(ALL_TOOLS, { toolsets: [], readOnly: false, restricted: ["DELETE_DATABASE", "Add_Rules"] });
    const listed = sel.enabled.map((t) => t.name);
    expect(listed).not.toContain("disconnect_database");
    expect(listed).not.toContain("add_rules");
    expect(sel.callable.has("disconnect_database")).toBe(false);
    expect(sel.callable.has("delete_database")).toBe(false);
    expect(sel.hidden.get("delete_database")).toMatch(/RESTRICTED_TOOLS/);
  });

  it("restricted beats included; toolsets filter by domain", () => {
    expect(names({ toolsets: ["roles"], readOnly: false, restricted: [] })).toEqual(["get_roles"]);
    expect(names({ toolsets: ["roles"], readOnly: false, restricted: ["get_roles"] })).toEqual([]);
    expect(names({ toolsets: ["all"], readOnly: false, restricted: [] })).toHaveLength(ALL_TOOLS.length);
    expect(() => names({ toolsets: ["nope"], readOnly: false, restricted: [] })).toThrow(/unknown toolset/);
  });

  it("ALTR_TOOLS adds individual tools; read-only and RESTRICTED_TOOLS still beat it", () => {
    const base = { readOnly: false, restricted: [] as string[] };
    expect(names({ ...base, toolsets: ["roles"], tools: ["vault_tokenize", "GET_POLICIES"] })).toEqual([
      "get_roles",
      "get_policies",
      "vault_tokenize",
    ]);
    expect(names({ ...base, toolsets: ["none"], tools: ["get_databases"] })).toEqual(["get_databases"]);
    // A pre-rename name selects the tool; the alias stays callable.
    const sel = selectTools(ALL_TOOLS, { ...base, toolsets: ["none"], tools: ["delete_database"] });
    expect(sel.enabled.map((t) => t.name)).toEqual(["disconnect_database"]);
    expect(sel.callable.has("delete_database")).toBe(true);
    expect(names({ ...base, toolsets: ["none"], tools: ["add_rules"], readOnly: true })).toEqual([]);
    expect(names({ ...base, toolsets: ["none"], tools: ["add_rules"], restricted: ["add_rules"] })).toEqual([]);
    expect(() => names({ ...base, toolsets: [], tools: ["get_rolez"] })).toThrow(/ALTR_TOOLS names unknown tool\(s\): get_rolez/);
    const hidden = selectTools(ALL_TOOLS, { ...base, toolsets: ["none"], tools: [] }).hidden.get("get_roles");
    expect(hidden).toMatch(/ALTR_TOOLSETS.*ALTR_TOOLS/);
  });

  it("the sensitive toolsets are off unless named; every toolset can be named", () => {
    const defaults = resolveToolsets([]);
    for (const off of ["audit_reports", "tokenization", "key_management"] as const) {
      expect(defaults.has(off), off).toBe(false);
      expect(resolveToolsets([off.toUpperCase()]).has(off)).toBe(true);
      expect(resolveToolsets(["all"]).has(off)).toBe(true);
    }
    expect(defaults.size).toBe(Object.keys(TOOLSETS).length - 3);
  });

  it("each client's recommended selection stays within its tool limit (counts computed, not pinned)", () => {
    const cursor = ["databases", "roles", "tags", "policies", "access_management", "access_requests"];
    // The README's per-client table: the selection for each client and the most tools it takes.
    const clients: [client: string, toolsets: string[], limit: number][] = [
      ["Cursor", cursor, 40],
      ["Windsurf", [...cursor, "audits", "telemetry"], 50],
      ["default (VS Code, Claude)", [], 128],
    ];
    for (const [client, toolsets, limit] of clients) {
      const count = names({ toolsets, readOnly: false, restricted: [] }).length;
      expect(count, `${client}: ${count} tools`).toBeGreaterThan(0);
      expect(count, `${client}: ${count} tools, limit ${limit}`).toBeLessThanOrEqual(limit);
    }
    // Every tool is reachable, and read-only mode lists exactly the read-only tools of the default set.
    expect(names({ toolsets: ["all"], readOnly: false, restricted: [] })).toHaveLength(ALL_TOOLS.length);
    const defaults = new Set(names({ toolsets: [], readOnly: false, restricted: [] }));
    const readOnly = ALL_TOOLS.filter((t) => defaults.has(t.name) && t.annotations.readOnlyHint).map((t) => t.name);
    expect(names({ toolsets: [], readOnly: true, restricted: [] }).sort()).toEqual(readOnly.sort());
  });

  it("aliases are callable but not listed", () => {
    const sel = selectTools(ALL_TOOLS, { toolsets: [], readOnly: false, restricted: [] });
    expect(sel.callable.get("delete_database")?.name).toBe("disconnect_database");
    expect(sel.enabled.map((t) => t.name)).not.toContain("delete_database");
  });
});
