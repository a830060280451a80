/**
 * Toolset additions and removals, the "turn it on" setting and the RESTRICTED_TOOLS typo check
 * (src/server/registry.ts) unit by unit, for the mutation run (group server): newer than
 * tests/mutation-selection.test.ts, and otherwise reached only by session-level tests.
 */
import { describe, expect, it } from "vitest";
import { DEFAULT_TOOLSETS, enableSetting, resolveToolsets, SelectionError, unknownRestricted } from "../src/server/registry.js";
import { TOOLSETS, type ToolsetName } from "../src/tools/define.js";
import { ALL_TOOLS } from "../src/tools/index.js";

const ALL = Object.keys(TOOLSETS) as ToolsetName[];
const sorted = (s: Iterable<string>) => [...s].sort();
const defaultsWithout = (...t: string[]) => DEFAULT_TOOLSETS.filter((d) => !t.includes(d)).sort();

describe("resolveToolsets() additions and removals", () => {
  it("removals apply after additions whatever the order; removals alone start from the defaults", () => {
    expect(DEFAULT_TOOLSETS).toContain("sidecar");
    expect(sorted(resolveToolsets(["-sidecar"]))).toEqual(defaultsWithout("sidecar"));
    expect(sorted(resolveToolsets(["-sidecar,-roles"]))).toEqual(defaultsWithout("sidecar", "roles"));
    expect(sorted(resolveToolsets(["-sidecar", "sidecar"]))).toEqual([]);
    expect(sorted(resolveToolsets(["roles", "-roles", "tags"]))).toEqual(["tags"]);
    expect(sorted(resolveToolsets(["all", "-key_management"]))).toEqual(ALL.filter((t) => t !== "key_management").sort());
    expect(sorted(resolveToolsets(["all,-default"]))).toEqual(ALL.filter((t) => !DEFAULT_TOOLSETS.includes(t)).sort());
    // `-all` removes everything, also what was added.
    expect(sorted(resolveToolsets(["tokenization", "-all"]))).toEqual([]);
  });

  it("`+` adds, blanks after the sign are allowed, case is folded", () => {
    expect(sorted(resolveToolsets(["+tokenization"]))).toEqual(["tokenization"]);
    expect(sorted(resolveToolsets(["default", "+ Tokenization", "- SIDECAR"]))).toEqual([...defaultsWithout("sidecar"), "tokenization"].sort());
    expect(sorted(resolveToolsets(["none", "+roles"]))).toEqual(["roles"]);
    // `none` with a removal: nothing added, so nothing.
    expect(sorted(resolveToolsets(["none", "-roles"]))).toEqual([]);
  });

  it("`default` is an entry like any other, and the defaults come back as a fresh set", () => {
    expect(sorted(resolveToolsets(["default"]))).toEqual([...DEFAULT_TOOLSETS].sort());
    expect(sorted(resolveToolsets(["DEFAULT", "tokenization"]))).toEqual([...DEFAULT_TOOLSETS, "tokenization"].sort());
    const a = resolveToolsets([]);
    a.delete("roles");
    expect(resolveToolsets([])).toContain("roles");
    const b = resolveToolsets(["-tags"]);
    b.delete("roles");
    expect(resolveToolsets(["-tags"])).toContain("roles");
  });

  it("`-none`, an unknown removal and an unknown addition are refused, each named with its sign", () => {
    const known = ALL.join(", ");
    const tail = `. Known toolsets: ${known}; also default, all, none, and -name to remove one (e.g. default,tokenization or default,-sidecar).`;
    expect(() => resolveToolsets(["-none"])).toThrow(new SelectionError(`ALTR_TOOLSETS names unknown toolset(s): -none (did you mean none?)${tail}`));
    expect(() => resolveToolsets(["default,-sidecars", "+tokenisation"])).toThrow(
      `ALTR_TOOLSETS names unknown toolset(s): -sidecars (did you mean sidecar?), +tokenisation (did you mean tokenization?)${tail}`,
    );
    expect(() => resolveToolsets(["qqqqqqqqqq"])).toThrow(`ALTR_TOOLSETS names unknown toolset(s): qqqqqqqqqq${tail}`);
    // Only a leading sign is one: a dash inside a name is part of the (unknown) name.
    expect(() => resolveToolsets(["ro-les"])).toThrow(/unknown toolset\(s\): ro-les/);
  });
});

describe("enableSetting()", () => {
  it.each([
    [[], "ALTR_TOOLSETS=default,tokenization"],
    [[" ", ""], "ALTR_TOOLSETS=default,tokenization"],
    [["default,-sidecar"], "ALTR_TOOLSETS=default,-sidecar,tokenization"],
    [["-sidecar"], "ALTR_TOOLSETS=default,-sidecar,tokenization"],
    [["-sidecar, -roles"], "ALTR_TOOLSETS=default,-sidecar,-roles,tokenization"],
    [["databases, tags"], "ALTR_TOOLSETS=databases,tags,tokenization"],
    [["databases", "-roles"], "ALTR_TOOLSETS=databases,-roles,tokenization"],
    [["none"], "ALTR_TOOLSETS=tokenization"],
    [["NONE", "roles"], "ALTR_TOOLSETS=roles,tokenization"],
    // An earlier mention of the toolset (added, removed, any case or spacing) is replaced.
    [["default", "-tokenization"], "ALTR_TOOLSETS=default,tokenization"],
    [["- Tokenization"], "ALTR_TOOLSETS=default,tokenization"],
    [["+TOKENIZATION", "roles"], "ALTR_TOOLSETS=roles,tokenization"],
    [["tokenization"], "ALTR_TOOLSETS=default,tokenization"],
    // A dash inside an entry is not a sign: that entry is not the toolset and stays.
    [["tokeni-zation"], "ALTR_TOOLSETS=tokeni-zation,tokenization"],
  ])("%j → %s", (requested, setting) => {
    expect(enableSetting("tokenization", requested)).toBe(setting);
  });

  it("the setting it gives turns the toolset on", () => {
    for (const value of [[], ["-sidecar"], ["databases"], ["none"], ["all,-tokenization"]]) {
      const setting = enableSetting("tokenization", value).replace(/^ALTR_TOOLSETS=/, "");
      expect(resolveToolsets([setting]), JSON.stringify(value)).toContain("tokenization");
    }
  });
});

describe("unknownRestricted()", () => {
  it("names the entries that match no tool, alias or extra name, trimmed, once each, in order", () => {
    expect(unknownRestricted(ALL_TOOLS, ["DELETE_POLICY", "delete_database", " get_policies ", "support_tool"], ["Support_Tool"])).toEqual([]);
    expect(unknownRestricted(ALL_TOOLS, [" delet_policy ", "", "  ", "zap", "delet_policy", "ZAP"])).toEqual(["delet_policy", "zap", "ZAP"]);
    expect(unknownRestricted(ALL_TOOLS, ["support_tool"])).toEqual(["support_tool"]);
    expect(unknownRestricted([], ["delete_policy"])).toEqual(["delete_policy"]);
  });
});
