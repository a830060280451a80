/**
 * Tool selection (src/server/registry.ts) and the confirmation of destructive calls
 * (src/server/confirm.ts) as pure functions over a small synthetic tool table, so every rule is
 * asserted on its own: precedence, case, aliases, whitespace, the exact refusal reasons, the
 * advertised annotations and `confirm` parameter, the one-line confirmation question.
 * Written to kill the mutants `npm run mutate` found surviving.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  CONFIRM_PARAM,
  CONFIRM_SCHEMA,
  confirmationGate,
  confirmationSummary,
  NotConfirmed,
  notConfirmedData,
  takeConfirm,
} from "../src/server/confirm.js";
import {
  advertisedAnnotations,
  DEFAULT_TOOLSETS,
  describeTool,
  inputJsonSchema,
  resolveToolsets,
  SelectionError,
  selectTools,
  type Selection,
} from "../src/server/registry.js";
import { InputError, TOOLSETS, type Annotations, type Tool, type ToolsetName } from "../src/tools/define.js";

const READ: Annotations = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true };
const WRITE: Annotations = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true };
const DESTROY: Annotations = { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true };

function tool(name: string, toolset: ToolsetName, annotations: Annotations, extra: Partial<Tool> = {}): Tool {
  return {
    name,
    title: `Title of ${name}`,
    description: `Does ${name}.`,
    toolset,
    annotations,
    readOnlyReason: undefined,
    verbatimOutput: false,
    operations: [],
    output: { type: "object" },
    sensitive: new Set<string>(),
    asks: false,
    aliases: [],
    inputSchema: z.object({ id: z.string() }).strict(),
    invoke: async () => ({}),
    ...extra,
  };
}

const TABLE: Tool[] = [
  tool("get_things", "databases", READ),
  tool("update_thing", "databases", WRITE),
  tool("disconnect_thing", "databases", DESTROY, { aliases: ["delete_thing"] }),
  tool("get_keys", "key_management", READ),
  tool("rotate_key", "key_management", WRITE, { aliases: ["Old_Rotate"] }),
];
const sel = (s: Partial<Selection>): Selection => ({ toolsets: [], readOnly: false, restricted: [], ...s });
const names = (s: Partial<Selection>) => selectTools(TABLE, sel(s)).enabled.map((t) => t.name);

describe("resolveToolsets()", () => {
  it("empty, blank or whitespace means the default toolsets", () => {
    const defaults = (Object.keys(TOOLSETS) as ToolsetName[]).filter((n) => TOOLSETS[n].default);
    expect([...DEFAULT_TOOLSETS]).toEqual(defaults);
    expect(defaults).not.toContain("key_management");
    for (const v of [[], [""], ["  ", ""]]) expect([...resolveToolsets(v)]).toEqual(defaults);
  });
  it("`all` anywhere, in any case, means every toolset", () => {
    expect([...resolveToolsets(["roles", " ALL "])].sort()).toEqual(Object.keys(TOOLSETS).sort());
  });
  it("`none` alone means no toolset; names are trimmed and case-folded", () => {
    expect([...resolveToolsets(["none"])]).toEqual([]);
    expect([...resolveToolsets([" Roles ", "none", "TAGS"])]).toEqual(["roles", "tags"]);
  });
  it("unknown names are an error naming them and the known ones", () => {
    expect(() => resolveToolsets(["roles", "nope", "gone"])).toThrow(SelectionError);
    expect(() => resolveToolsets(["roles", "nope", "gone"])).toThrow(
      `ALTR_TOOLSETS names unknown toolset(s): nope (did you mean none?), gone (did you mean none?). Known toolsets: ${Object.keys(TOOLSETS).join(", ")}; also default, all, none, and -name to remove one (e.g. default,tokenization or default,-sidecar).`,
    );
  });
});

describe("selectTools()", () => {
  it("default toolsets: databases on, key_management off (hidden with the reason)", () => {
    const s = selectTools(TABLE, sel({}));
    expect(s.enabled.map((t) => t.name)).toEqual(["get_things", "update_thing", "disconnect_thing"]);
    expect(s.hidden.get("get_keys")).toBe('its toolset "key_management" is not enabled (ALTR_TOOLSETS) and ALTR_TOOLS does not name it');
    expect(s.hidden.get("Old_Rotate")).toBe(s.hidden.get("rotate_key"));
    expect([...s.callable.keys()]).toEqual(["get_things", "update_thing", "disconnect_thing", "delete_thing"]);
    expect(s.callable.get("delete_thing")!.name).toBe("disconnect_thing");
  });

  it("ALTR_TOOLS adds a tool by name or by old name, in any case and with spaces", () => {
    expect(names({ tools: [" GET_KEYS "] })).toEqual(["get_things", "update_thing", "disconnect_thing", "get_keys"]);
    expect(names({ tools: ["old_rotate"] })).toContain("rotate_key");
    expect(names({ tools: ["", "  "] })).toHaveLength(3);
    expect(() => selectTools(TABLE, sel({ tools: ["get_keys", "Nope", "gone"] }))).toThrow("ALTR_TOOLS names unknown tool(s): nope, gone.");
  });

  it("RESTRICTED_TOOLS beats any inclusion and matches aliases and case", () => {
    const s = selectTools(TABLE, sel({ toolsets: ["all"], tools: ["rotate_key"], restricted: [" DELETE_THING ", "old_rotate", ""] }));
    expect(s.enabled.map((t) => t.name)).toEqual(["get_things", "update_thing", "get_keys"]);
    for (const n of ["disconnect_thing", "delete_thing", "rotate_key", "Old_Rotate"]) {
      expect(s.hidden.get(n)).toBe("it is listed in RESTRICTED_TOOLS");
      expect(s.callable.has(n)).toBe(false);
    }
  });

  it("ALTR_READ_ONLY beats everything and keeps only read-only tools", () => {
    const s = selectTools(TABLE, sel({ toolsets: ["all"], tools: ["rotate_key"], readOnly: true, restricted: ["get_keys"] }));
    expect(s.enabled.map((t) => t.name)).toEqual(["get_things"]);
    expect(s.hidden.get("update_thing")).toBe("it changes data and ALTR_READ_ONLY is on");
    expect(s.hidden.get("disconnect_thing")).toBe("it changes data and ALTR_READ_ONLY is on");
    expect(s.hidden.get("delete_thing")).toBe("it changes data and ALTR_READ_ONLY is on");
    expect(s.hidden.get("get_keys")).toBe("it is listed in RESTRICTED_TOOLS");
  });

  it("no toolset and no tool: nothing enabled, everything hidden", () => {
    const s = selectTools(TABLE, sel({ toolsets: ["none"] }));
    expect(s.enabled).toEqual([]);
    expect(s.callable.size).toBe(0);
    expect(s.hidden.size).toBe(7);
  });
});

describe("advertised annotations and schema", () => {
  it("leave out MCP defaults, spell out destructiveHint on every writing tool", () => {
    expect(advertisedAnnotations(READ)).toEqual({ readOnlyHint: true });
    expect(advertisedAnnotations({ ...READ, openWorldHint: false })).toEqual({ readOnlyHint: true, openWorldHint: false });
    expect(advertisedAnnotations(WRITE)).toEqual({ destructiveHint: false });
    expect(advertisedAnnotations(DESTROY)).toEqual({ destructiveHint: true, idempotentHint: true });
    expect(advertisedAnnotations({ ...WRITE, openWorldHint: false })).toEqual({ destructiveHint: false, openWorldHint: false });
  });

  it("destructive tools get the confirm parameter while confirmation is on, others never", () => {
    const d = TABLE[2]!;
    expect(inputJsonSchema(d).properties).toEqual({ id: { type: "string" }, [CONFIRM_PARAM]: CONFIRM_SCHEMA });
    expect(inputJsonSchema(d, false).properties).toEqual({ id: { type: "string" } });
    expect(inputJsonSchema(TABLE[1]!).properties).toEqual({ id: { type: "string" } });
    expect(inputJsonSchema(d).type).toBe("object");
    const noProps = tool("x", "databases", DESTROY, { inputSchema: z.object({}).strict() });
    expect(inputJsonSchema(noProps).properties).toEqual({ [CONFIRM_PARAM]: CONFIRM_SCHEMA });
  });

  it("describeTool is name, description, schemas and annotations", () => {
    const d = describeTool(TABLE[2]!, false);
    expect(d.name).toBe("disconnect_thing");
    expect(d.description).toBe("Does disconnect_thing.");
    expect(d.annotations).toEqual({ destructiveHint: true, idempotentHint: true });
    expect(d.inputSchema.properties).not.toHaveProperty(CONFIRM_PARAM);
    expect(describeTool(TABLE[2]!).inputSchema.properties).toHaveProperty(CONFIRM_PARAM);
    expect(d.outputSchema).toMatchObject({ type: "object" });
  });
});

describe("confirmation", () => {
  const d = tool("delete_secret", "databases", DESTROY, { title: "Delete a secret", sensitive: new Set(["password"]) });

  it("takeConfirm takes `confirm` from destructive calls only, and only a boolean", () => {
    expect(takeConfirm(d, { id: "1", confirm: true })).toEqual({ args: { id: "1" }, confirm: true });
    expect(takeConfirm(d, { id: "1", confirm: false })).toEqual({ args: { id: "1" }, confirm: false });
    expect(takeConfirm(d, { id: "1", confirm: null })).toEqual({ args: { id: "1" }, confirm: false });
    expect(takeConfirm(d, { id: "1" })).toEqual({ args: { id: "1" }, confirm: false });
    for (const bad of ["true", 1, {}]) {
      expect(() => takeConfirm(d, { confirm: bad })).toThrow(InputError);
      try {
        takeConfirm(d, { confirm: bad });
      } catch (e) {
        expect((e as InputError).fields).toEqual(["confirm"]);
      }
      expect(() => takeConfirm(d, { confirm: bad })).toThrow("Invalid arguments: confirm: must be true or false");
    }
    const w = TABLE[1]!;
    expect(takeConfirm(w, { id: "1", confirm: true })).toEqual({ args: { id: "1", confirm: true }, confirm: false });
    for (const raw of [null, "x", [1], undefined]) expect(takeConfirm(d, raw)).toEqual({ args: raw, confirm: false });
  });

  it("the question names scalars, counts lists, skips objects and nulls, redacts secrets, ends with ?", () => {
    const q = confirmationSummary(d, { id: " a\n  b ", list: [1, 2], one: ["x"], none: [], obj: { a: 1 }, nil: null, undef: undefined, password: "hunter2", n: 3 });
    expect(q).toBe("Delete a secret: id=a b, list=2 items, one=1 item, none=0 items, password=[REDACTED], n=3?");
    expect(confirmationSummary(d, {})).toBe("Delete a secret?");
    expect(confirmationSummary(d, {}, "  2 rules\n go with it ")).toBe("Delete a secret — 2 rules go with it?");
  });

  it("long values and long questions are cut", () => {
    const q = confirmationSummary(d, { id: "x".repeat(61) });
    expect(q).toBe(`Delete a secret: id=${"x".repeat(60)}…?`);
    expect(confirmationSummary(d, { id: "x".repeat(60) })).toBe(`Delete a secret: id=${"x".repeat(60)}?`);
    const long = confirmationSummary(d, { a: "y".repeat(60), b: "y".repeat(60), c: "y".repeat(60), e: "y".repeat(60), f: "y".repeat(60) });
    expect(long).toHaveLength(302);
    expect(long.endsWith("…?")).toBe(true);
    // Exactly 300 characters is not cut; 301 is.
    expect(confirmationSummary(d, {}, "w".repeat(282))).toBe(`Delete a secret — ${"w".repeat(282)}?`);
    expect(confirmationSummary(d, {}, "w".repeat(283))).toBe(`Delete a secret — ${"w".repeat(282)}…?`);
  });

  it("invisible and bidi characters are removed from the question", () => {
    expect(confirmationSummary(d, { id: "ab\u202Ecd\u200B" }, "x\u2066y")).toBe("Delete a secret: id=abcd — xy?");
  });

  it("without a form the gate refuses, naming how to confirm and what was sent", async () => {
    const gate = confirmationGate(d, undefined);
    const err = await gate({ id: "1" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toBe(
      "confirm: required — delete_secret is destructive (Delete a secret: id=1). Ask the user to confirm, then call it again with confirm: true",
    );
    expect((err as InputError).fields).toEqual(["confirm"]);
    expect((err as InputError).sent).toBe("nothing");
    const withImpact = (await gate({ id: "1" }, async () => "3 rules go").catch((e: unknown) => e)) as InputError;
    expect(withImpact.sent).toBe("read");
    expect(withImpact.message).toContain("(Delete a secret: id=1 — 3 rules go)");
    const failedImpact = (await gate({ id: "1" }, async () => Promise.reject(new Error("x"))).catch((e: unknown) => e)) as InputError;
    expect(failedImpact.message).toContain("(Delete a secret: id=1)");
  });

  it("without a form, a tool that asks without being destructive says it needs the user's confirmation", async () => {
    const approve = tool("approve_secret", "databases", WRITE, { title: "Approve a secret", asks: true });
    const err = (await confirmationGate(approve, undefined)({ id: "2" }).catch((e: unknown) => e)) as InputError;
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toBe("confirm: required — approve_secret needs the user's confirmation (Approve a secret: id=2). Ask the user to confirm, then call it again with confirm: true");
  });

  it("with a form: accept runs, decline/cancel stop with NotConfirmed, a failed ask refuses", async () => {
    const asked: string[] = [];
    await confirmationGate(d, async (m) => (asked.push(m), "accept"))({ id: "1" }, async () => "1 rule");
    expect(asked).toEqual(["Delete a secret: id=1 — 1 rule?"]);
    for (const action of ["decline", "cancel"] as const) {
      const err = await confirmationGate(d, async () => action)({ id: "1" }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NotConfirmed);
      expect((err as NotConfirmed).action).toBe(action);
      expect((err as NotConfirmed).message).toBe(`confirmation ${action}`);
      expect((err as NotConfirmed).name).toBe("NotConfirmed");
    }
    const err = (await confirmationGate(d, async () => Promise.reject(new Error("no\nform  here")))({ id: "1" }).catch((e: unknown) => e)) as InputError;
    expect(err.message).toBe("confirm: the user could not be asked to confirm (no form here). Ask the user, then call delete_secret again with confirm: true");
    expect(err.fields).toEqual(["confirm"]);
    const odd = (await confirmationGate(d, async () => Promise.reject("str"))({ id: "1" }, async () => "x").catch((e: unknown) => e)) as InputError;
    expect(odd.message).toContain("(error)");
    expect(odd.sent).toBe("read");
  });

  it("notConfirmedData says who stopped it and that nothing changed", () => {
    expect(notConfirmedData(d, "decline")).toEqual({ confirmed: false, changed: false, message: 'The user declined "Delete a secret": nothing was changed in ALTR.' });
    expect(notConfirmedData(d, "cancel").message).toBe('The user cancelled "Delete a secret": nothing was changed in ALTR.');
  });
});
