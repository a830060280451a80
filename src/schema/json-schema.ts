/**
 * JSON Schema helpers for tool output schemas.
 *
 * `tolerant` turns a curated response schema into the shape advertised for a tool's `data`:
 * documented fields keep their types, nothing is required, extra fields are allowed, every
 * value may be null, enums and formats are dropped (ALTR adds values), oneOf becomes anyOf.
 */
export type JsonSchema = { [key: string]: unknown };

const DROP = new Set([
  "required",
  "example",
  "examples",
  "description",
  "title",
  "format",
  "enum",
  "const",
  "default",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "minLength",
  "maxLength",
  "pattern",
  "minItems",
  "maxItems",
  "uniqueItems",
  "minProperties",
  "maxProperties",
  "nullable",
  "readOnly",
  "writeOnly",
  "deprecated",
  "discriminator",
  "xml",
  "externalDocs",
]);

function resolveRef(ref: string, root: JsonSchema): JsonSchema {
  if (!ref.startsWith("#/")) throw new Error(`Only local $refs are supported, got ${ref}`);
  let node: unknown = root;
  for (const part of ref.slice(2).split("/")) {
    node = (node as Record<string, unknown> | undefined)?.[part.replaceAll("~1", "/").replaceAll("~0", "~")];
  }
  if (!node || typeof node !== "object") throw new Error(`Unresolvable $ref ${ref}`);
  return node as JsonSchema;
}

export function tolerant(schema: JsonSchema, root: JsonSchema, depth = 0): JsonSchema {
  if (depth > 32) return {};
  if (typeof schema.$ref === "string") return tolerant(resolveRef(schema.$ref, root), root, depth + 1);
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (DROP.has(key)) continue;
    switch (key) {
      case "properties": {
        const props: JsonSchema = {};
        for (const [name, sub] of Object.entries(value as Record<string, JsonSchema>)) {
          if (sub.writeOnly === true) continue;
          props[name] = tolerant(sub, root, depth + 1);
        }
        out.properties = props;
        break;
      }
      case "items":
        out.items = tolerant(value as JsonSchema, root, depth + 1);
        break;
      case "additionalProperties":
        if (value && typeof value === "object") out.additionalProperties = tolerant(value as JsonSchema, root, depth + 1);
        break;
      case "oneOf":
      case "anyOf":
        out.anyOf = (value as JsonSchema[]).map((s) => tolerant(s, root, depth + 1));
        break;
      case "allOf":
        out.allOf = (value as JsonSchema[]).map((s) => tolerant(s, root, depth + 1));
        break;
      case "type": {
        const types = Array.isArray(value) ? [...(value as string[])] : [value as string];
        if (!types.includes("null")) types.push("null");
        out.type = types;
        break;
      }
      default:
        out[key] = value;
    }
  }
  return out;
}

/** The schema of property `name` of an object schema (the `data` of ALTR's `{success, data}`). */
export function propertyOf(schema: JsonSchema | null, name: string): JsonSchema {
  const props = schema?.properties as Record<string, JsonSchema> | undefined;
  const sub = props?.[name];
  if (!sub) throw new Error(`Response schema has no property "${name}"`);
  return sub;
}

/** An object schema with the given documented properties (none required, extras allowed). */
export function objectOf(properties: Record<string, JsonSchema>, description?: string): JsonSchema {
  return { type: "object", ...(description ? { description } : {}), properties };
}

export const S = {
  string: { type: "string" } as JsonSchema,
  integer: { type: "integer" } as JsonSchema,
  nullableInteger: { type: ["integer", "null"] } as JsonSchema,
  nullableString: { type: ["string", "null"] } as JsonSchema,
  boolean: { type: "boolean" } as JsonSchema,
  arrayOf: (items: JsonSchema): JsonSchema => ({ type: "array", items }),
};
