/**
 * Toolset selection syntax (ALTR_TOOLSETS / --toolsets: default plus additions and removals), the
 * instructions naming what is off and how to turn it on, and "did you mean" for unknown tools.
 */
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { DEFAULT_TOOLSETS, SelectionError, enableSetting, resolveToolsets } from "../src/server/registry.js";
import { TOOLSETS, formatIssues, type ToolsetName } from "../src/tools/define.js";
import { closestNames, didYouMean } from "../src/schema/suggest.js";
import { baseUrlsFrom, connect, envelope, type Harness } from "./helpers/harness.js";

const ALL = Object.keys(TOOLSETS) as ToolsetName[];
const sorted = (s: Set<string>) => [...s].sort();

describe("resolveToolsets", () => {
  it("empty and `default` are the default toolsets; `all` and `none` still work", () => {
    expect(sorted(resolveToolsets([]))).toEqual([...DEFAULT_TOOLSETS].sort());
    expect(sorted(resolveToolsets(["default"]))).toEqual([...DEFAULT_TOOLSETS].sort());
    expect(sorted(resolveToolsets(["all"]))).toEqual([...ALL].sort());
    expect(resolveToolsets(["none"]).size).toBe(0);
    expect(sorted(resolveToolsets(["tokenization"]))).toEqual(["tokenization"]);
  });

  it("default plus additions, and removals (in any order, also as one comma string)", () => {
    expect(DEFAULT_TOOLSETS).not.toContain("tokenization");
    expect(DEFAULT_TOOLSETS).toContain("sidecar");
    expect(sorted(resolveToolsets(["default", "tokenization"]))).toEqual([...DEFAULT_TOOLSETS, "tokenization"].sort());
    expect(sorted(resolveToolsets(["default,-sidecar"]))).toEqual(DEFAULT_TOOLSETS.filter((t) => t !== "sidecar").sort());
    expect(sorted(resolveToolsets(["-sidecar", "default"]))).toEqual(DEFAULT_TOOLSETS.filter((t) => t !== "sidecar").sort());
    expect(sorted(resolveToolsets(["-sidecar"]))).toEqual(DEFAULT_TOOLSETS.filter((t) => t !== "sidecar").sort());
    expect(sorted(resolveToolsets(["all", "-key_management", "+audits"]))).toEqual(ALL.filter((t) => t !== "key_management").sort());
    expect(sorted(resolveToolsets([" Default ", "TOKENIZATION"]))).toEqual([...DEFAULT_TOOLSETS, "tokenization"].sort());
  });

  it("an unknown entry is refused, naming it and the closest toolset", () => {
    expect(() => resolveToolsets(["default", "tokenisation"])).toThrow(SelectionError);
    expect(() => resolveToolsets(["default", "tokenisation"])).toThrow(/unknown toolset\(s\): tokenisation \(did you mean tokenization\?\)/);
    expect(() => resolveToolsets(["default", "-sidecars"])).toThrow(/-sidecars \(did you mean sidecar\?\)/);
    expect(() => resolveToolsets(["-none"])).toThrow(/: -none[ .]/);
    expect(() => resolveToolsets(["xyzzy"])).toThrow(/: xyzzy\. Known toolsets: .*default, all, none/);
  });

  it("enableSetting gives the exact value that adds a toolset to the current one", () => {
    expect(enableSetting("tokenization", [])).toBe("ALTR_TOOLSETS=default,tokenization");
    expect(enableSetting("tokenization", ["default,-sidecar"])).toBe("ALTR_TOOLSETS=default,-sidecar,tokenization");
    expect(enableSetting("sidecar", ["default", "-sidecar"])).toBe("ALTR_TOOLSETS=default,sidecar");
    expect(enableSetting("tokenization", ["databases,tags"])).toBe("ALTR_TOOLSETS=databases,tags,tokenization");
    expect(enableSetting("tokenization", ["none"])).toBe("ALTR_TOOLSETS=tokenization");
    for (const value of [[], ["default,-sidecar"], ["databases"], ["none"]]) {
      expect(resolveToolsets([enableSetting("tokenization", value).replace(/^ALTR_TOOLSETS=/, "")])).toContain("tokenization");
    }
  });
});

describe("closestNames", () => {
  it("finds near misses and containment, nothing for unrelated input", () => {
    expect(closestNames("get_role", ["get_roles", "get_rules", "delete_rule"])).toEqual(["get_roles", "get_rules"]);
    expect(closestNames("GET_ROLES", ["get_roles"])).toEqual(["get_roles"]);
    expect(closestNames("roles", ["get_roles", "get_tags"])).toEqual(["get_roles"]);
    expect(closestNames("qqqqqq", ["get_roles", "get_tags"])).toEqual([]);
    expect(didYouMean("qqqqqq", ["get_roles"])).toBe("");
  });
});

describe("through a real MCP client", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("the instructions name the toolsets that are off and the exact setting to turn one on", async () => {
    h = await connect({ baseUrls: baseUrlsFrom("http://127.0.0.1:9"), selection: { toolsets: ["default,-sidecar"] } });
    const text = h.client.getInstructions() ?? "";
    const off = ALL.filter((t) => !DEFAULT_TOOLSETS.includes(t) || t === "sidecar");
    expect(text).toContain(`Toolsets off: ${off.join(", ")};`);
    expect(off[0]).toBe("sidecar");
    expect(text).toContain("sets e.g. ALTR_TOOLSETS=default,sidecar (or --toolsets");
  });

  it("with every toolset on, the instructions say nothing about toolsets", async () => {
    h = await connect({ baseUrls: baseUrlsFrom("http://127.0.0.1:9") });
    expect(h.client.getInstructions()).not.toContain("Toolsets off");
  });

  it("an unknown tool name gets the closest names", async () => {
    h = await connect({ baseUrls: baseUrlsFrom("http://127.0.0.1:9") });
    const res = await h.client.callTool({ name: "get_role", arguments: {} }).then(
      (r) => JSON.stringify(r),
      (e: unknown) => String(e),
    );
    expect(res).toContain("Unknown tool: get_role.");
    expect(res).toContain("Did you mean get_roles");
    const far = await h.client.callTool({ name: "zzzzzz_zzzz", arguments: {} }).then(
      (r) => JSON.stringify(r),
      (e: unknown) => String(e),
    );
    expect(far).toContain("Unknown tool: zzzzzz_zzzz.");
    expect(far).not.toContain("Did you mean");
  });
});

describe("validation messages in plain words", () => {
  const issues = (schema: z.ZodType, value: unknown) => {
    const r = schema.safeParse(value);
    if (r.success) throw new Error("expected a failure");
    return formatIssues(r.error);
  };

  it("a record, a masking level and a name where an id goes say the expected shape and keep the field", () => {
    const err = issues(
      z.object({ labels: z.record(z.string(), z.string()), rules: z.array(z.object({ masking_policy: z.number() })), database_id: z.number().int() }).strict(),
      { labels: ["a", "b"], rules: [{ masking_policy: "SHOW_LAST_FOUR" }], database_id: "PROD_SNOWFLAKE" },
    );
    expect(err.message).toContain("labels: expected an object of name → value, got a list");
    expect(err.message).toContain("rules[0].masking_policy: expected a masking level, a number 10000–10009, got a string");
    expect(err.message).toContain("database_id: expected a number (an id), got a string: look the id up with get_database_id");
    expect(err.message).not.toMatch(/expected (record|number)\b/);
    expect(err.fields).toEqual(["labels", "rules[0].masking_policy", "database_id"]);
  });

  it("other ids point to the list tool; other types are plain too", () => {
    const err = issues(z.object({ row_count: z.number(), flag: z.boolean(), thing_id: z.number() }), { row_count: "x", flag: "yes", thing_id: "abc" });
    expect(err.message).toContain("row_count: expected a number, got a string");
    expect(err.message).toContain("flag: expected true or false, got a string");
    expect(err.message).toContain("thing_id: expected a number (an id), got a string: look the id up with the list tool of that object");
  });

  it("through a real client: a database name given as database_id", async () => {
    const h = await connect({ baseUrls: baseUrlsFrom("http://127.0.0.1:9") });
    try {
      const res = await h.call("update_database", { database_id: "PROD_SNOWFLAKE" });
      expect(res.isError).toBe(true);
      expect(envelope(res).error?.message).toContain("database_id: expected a number (an id), got a string: look the id up with get_database_id");
    } finally {
      await h.close();
    }
  });
});
