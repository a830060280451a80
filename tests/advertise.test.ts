/**
 * How input schemas and annotations are advertised (src/server/advertise.ts, registry.ts):
 * smaller than the full JSON Schema, never less exact — every property name, enum value and
 * numeric bound of the full schema is still in what the model reads.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { advertise, advertisedData, outputSignature, signature, tidy } from "../src/server/advertise.js";
import { advertisedAnnotations, describeTool } from "../src/server/registry.js";
import type { JsonSchema } from "../src/schema/json-schema.js";
import { ALL_TOOLS } from "../src/tools/index.js";

/** Every property name, enum/const value and numeric bound anywhere in a JSON Schema. */
function facts(node: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(node)) node.forEach((n) => facts(n, out));
  else if (node && typeof node === "object") {
    for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
      if (k === "properties" && v && typeof v === "object") Object.keys(v).forEach((p) => out.add(p));
      if (k === "enum" && Array.isArray(v)) v.forEach((e) => out.add(String(e)));
      if (k === "const") out.add(String(v));
      if (["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "maxItems", "maxLength"].includes(k)) {
        // Caps of 256+ characters are dropped on purpose (tidy); everything else must survive.
        if (!(k === "maxLength" && (v as number) >= 256)) out.add(String(v));
      }
      if (k === "description") continue;
      facts(v, out);
    }
  }
  return out;
}

describe("signature", () => {
  it("renders required and optional keys, enums, bounds, lists and nesting exactly", () => {
    const schema = tidy(
      z.toJSONSchema(
        z.object({
          level: z.number().int().min(10000).max(10009),
          role: z.string(),
          days: z.array(z.enum(["MONDAY", "FRIDAY"])).min(1),
          window: z.object({ hour: z.number().int().min(0).max(23) }).optional(),
          kind: z.literal("email"),
          flags: z.array(z.boolean()).max(3).optional(),
        }),
      ),
    );
    expect(signature(schema)).toBe(
      '{level: int 10000–10009, role: string, days: (MONDAY|FRIDAY)[], window?: {hour: int 0–23}, kind: "email", flags?: bool[](≤3)}',
    );
  });

  it("keeps a parameter's own description in front of its signature", () => {
    const advertised = advertise({
      type: "object",
      properties: {
        rules: { type: "array", description: "Rules.", items: { type: "object", properties: { a: { type: "integer", minimum: 1 } }, required: ["a"] } },
        plain: { type: "array", items: { type: "string" } },
      },
    });
    expect(advertised.properties).toEqual({
      rules: { type: "array", description: "Rules. {a: int ≥1}[]" },
      plain: { type: "array", items: { type: "string" } },
    });
  });

  it("adds nothing to a described free-form object (a record)", () => {
    const advertised = advertise({
      type: "object",
      properties: { values: { type: "object", description: "{label: plaintext}.", additionalProperties: { type: "string" } } },
    });
    expect(advertised.properties).toEqual({ values: { type: "object", description: "{label: plaintext}." } });
  });
});

describe("advertised input schemas", () => {
  it("keep every property name, enum value and bound of the full schema, for every tool", () => {
    for (const tool of ALL_TOOLS) {
      const full = tidy(z.toJSONSchema(tool.inputSchema, { io: "input", unrepresentable: "any" })) as JsonSchema;
      const advertised = JSON.stringify(describeTool(tool).inputSchema);
      const missing = [...facts(full)].filter((f) => !advertised.includes(f));
      expect(missing, tool.name).toEqual([]);
    }
  });

  it("keep real JSON Schema for scalar and scalar-list parameters, and every required parameter", () => {
    for (const tool of ALL_TOOLS) {
      const full = tidy(z.toJSONSchema(tool.inputSchema, { io: "input", unrepresentable: "any" })) as JsonSchema;
      const shown = describeTool(tool).inputSchema as JsonSchema;
      expect(shown.required ?? [], tool.name).toEqual(full.required ?? []);
      for (const [name, param] of Object.entries((full.properties ?? {}) as Record<string, JsonSchema>)) {
        const out = (shown.properties as Record<string, JsonSchema>)[name]!;
        expect(out.type ?? null, `${tool.name}.${name}`).toEqual(param.type ?? null);
        if (param.type !== "object" && param.type !== "array" && !param.anyOf) expect(out, `${tool.name}.${name}`).toEqual(param);
      }
    }
  });
});

describe("advertised annotations", () => {
  const MCP_DEFAULTS = { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true };

  it("read with the MCP defaults, mean exactly the table's annotations", () => {
    for (const tool of ALL_TOOLS) {
      const seen = { ...MCP_DEFAULTS, ...advertisedAnnotations(tool.annotations) };
      expect(seen.readOnlyHint, tool.name).toBe(tool.annotations.readOnlyHint);
      expect(seen.openWorldHint, tool.name).toBe(tool.annotations.openWorldHint);
      // destructiveHint and idempotentHint only mean something on tools that change data.
      if (!tool.annotations.readOnlyHint) {
        expect(seen.destructiveHint, tool.name).toBe(tool.annotations.destructiveHint);
        expect(seen.idempotentHint, tool.name).toBe(tool.annotations.idempotentHint);
      }
    }
  });

  it("always spell out destructiveHint on tools that change data", () => {
    for (const tool of ALL_TOOLS.filter((t) => !t.annotations.readOnlyHint)) {
      expect(advertisedAnnotations(tool.annotations).destructiveHint, tool.name).toBe(tool.annotations.destructiveHint);
    }
  });
});

describe("outputSignature / advertisedData", () => {
  const masking = { type: ["object", "null"], properties: { protection_type: { type: ["string", "null"] }, force_delete: { type: ["boolean", "null"] }, tracking_id: { type: ["string", "null"] } } };

  it("names every field, says types other than string, and writes a repeated shape once", () => {
    const data = {
      type: ["object", "null"],
      properties: {
        items: { type: ["array", "null"], items: { type: ["object", "null"], properties: { id: { type: ["integer", "null"] }, applied: masking, pending: masking } } },
        labels: { type: ["object", "null"], additionalProperties: { type: ["integer", "null"] } },
        status: { enum: ["complete", "processing"] },
      },
    };
    expect(outputSignature(data)).toBe(
      "{items: {id: int, applied: {protection_type, force_delete: bool, tracking_id}, pending: like applied}[], labels: {[name]: int}, status: complete|processing}",
    );
    expect(advertisedData(data)).toEqual({ type: ["object", "null"], description: outputSignature(data) });
  });

  it("a shape is compared whole: a different one is written out", () => {
    const other = { type: "object", properties: { protection_type: { type: "string" }, force_delete: { type: "string" }, tracking_id: { type: "string" } } };
    const sig = outputSignature({ type: "object", properties: { a: masking, b: other } });
    expect(sig).not.toContain("like");
  });

  it("a free-form value keeps only its type", () => {
    expect(advertisedData({ type: ["object", "null"] })).toEqual({ type: ["object", "null"] });
    expect(advertisedData({})).toEqual({});
  });
});
