/**
 * The tool list as a session receives it (advertise.ts finishList), through the SDK's Client:
 * - a `data` shape already advertised by an earlier tool is written "As in <tool>.", and the tool
 *   it names is always in the list the session received — also when the tool that would
 *   otherwise carry the shape is restricted or hidden (read-only), the hostile cases;
 * - output schemas carry a content-addressed `$id`, so the SDK's Client compiles each distinct
 *   schema once: a second listTools compiles nothing, and results are still validated;
 * - a changed schema gets a new id, so a client never validates against a stale compile.
 */
import { createHash } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Ajv } from "ajv";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv";
import type { JsonSchemaType, JsonSchemaValidator, jsonSchemaValidator } from "@modelcontextprotocol/sdk/validation";
import type { Tool as McpTool } from "@modelcontextprotocol/sdk/types.js";
import { prepare, type Prepared } from "../src/cli/start.js";
import { withSchemaId } from "../src/server/advertise.js";
import { describeTool } from "../src/server/registry.js";
import { ALL_TOOLS } from "../src/tools/index.js";

/** The SDK's own validator, counting what it compiles and what it validates. */
class CountingValidator implements jsonSchemaValidator {
  readonly ajv = new Ajv({ strict: false, allErrors: true });
  private readonly inner = new AjvJsonSchemaValidator(this.ajv);
  readonly compile = vi.spyOn(this.ajv, "compile");
  validations = 0;
  getValidator<T>(schema: JsonSchemaType): JsonSchemaValidator<T> {
    const check = this.inner.getValidator<T>(schema);
    return (input) => {
      this.validations++;
      return check(input);
    };
  }
}

let opened: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of opened) await close();
  opened = [];
});

async function session(env: Record<string, string>, opts: { readOnly?: boolean; validator?: jsonSchemaValidator } = {}): Promise<{ client: Client; prepared: Prepared }> {
  const prepared = await prepare({ LOG_LEVEL: "silent", ...env }, { sandbox: {} });
  const server = prepared.host.createServer(opts.readOnly ? { readOnly: true } : {});
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: "list", version: "0" }, opts.validator ? { jsonSchemaValidator: opts.validator } : {});
  await client.connect(clientSide);
  opened.push(async () => {
    await client.close();
    await server.close();
    await prepared.close();
  });
  return { client, prepared };
}

type Data = { type?: string; description?: string };
const dataOf = (t: McpTool): Data | undefined => (t.outputSchema?.properties as Record<string, Data> | undefined)?.data;
/** The data schema describeTool gives a tool of the table (before the list is finished). */
const ownData = (name: string): Data | undefined => {
  const tool = ALL_TOOLS.find((t) => t.name === name);
  return tool ? dataOf(describeTool(tool)) : undefined;
};
const REFERENCE = /^As in ([a-z_]+)\.$/;

/** Every "As in X." names an earlier tool of the same list, whose shape is the referring tool's own. */
function checkReferences(tools: McpTool[]): number {
  let references = 0;
  tools.forEach((tool, i) => {
    const description = dataOf(tool)?.description ?? "";
    const m = REFERENCE.exec(description);
    if (!m) {
      // Not a reference: the tool's own shape, as describeTool wrote it (control tools are not in the table).
      if (ALL_TOOLS.some((t) => t.name === tool.name)) expect(dataOf(tool), tool.name).toEqual(ownData(tool.name));
      return;
    }
    references++;
    const owner = tools.findIndex((t) => t.name === m[1]);
    expect(owner, `${tool.name} refers to ${m[1]}, which this list does not have`).toBeGreaterThanOrEqual(0);
    expect(owner, `${tool.name} refers to a later tool`).toBeLessThan(i);
    expect(dataOf(tools[owner]!), `${tool.name}: ${m[1]} carries the shape`).toEqual(ownData(tool.name));
    expect(dataOf(tool)?.type, tool.name).toBe(ownData(tool.name)?.type);
  });
  return references;
}

describe("the tool list as sent", () => {
  it("writes a shared data shape once and refers to it by a tool the session has", async () => {
    const all = (await (await session({ ALTR_TOOLSETS: "all" })).client.listTools()).tools;
    expect(checkReferences(all)).toBeGreaterThan(20);
    // get_job carries the job's shape for its five writers; create_job refers to it.
    expect(dataOf(all.find((t) => t.name === "create_job")!)?.description).toBe("As in get_job.");

    // Hostile: the tool that carried the shape is restricted — another one carries it now.
    const restricted = (await (await session({ ALTR_TOOLSETS: "all", RESTRICTED_TOOLS: "get_job" })).client.listTools()).tools;
    expect(restricted.some((t) => t.name === "get_job")).toBe(false);
    checkReferences(restricted);
    expect(dataOf(restricted.find((t) => t.name === "create_job")!)).toEqual(ownData("create_job"));

    // Hostile: a read-only session (an OAuth token without altr:write) does not list the writers.
    const readOnly = (await (await session({ ALTR_TOOLSETS: "all" }, { readOnly: true })).client.listTools()).tools;
    expect(readOnly.length).toBeLessThan(all.length);
    checkReferences(readOnly);

    checkReferences((await (await session({})).client.listTools()).tools);
  });

  it("gives each distinct output schema one content-addressed $id", async () => {
    const { client } = await session({ ALTR_TOOLSETS: "all" });
    const tools = (await client.listTools()).tools;
    const contentOf = new Map<string, string>();
    for (const tool of tools) {
      const { $id, ...content } = tool.outputSchema as Record<string, unknown>;
      const json = JSON.stringify(content);
      expect($id, tool.name).toBe(`urn:altr-mcp:${createHash("sha256").update(json).digest("hex").slice(0, 12)}`);
      const seen = contentOf.get($id as string);
      expect(seen === undefined || seen === json, `${tool.name}: one id, two schemas`).toBe(true);
      contentOf.set($id as string, json);
    }
    expect(new Set(contentOf.values()).size).toBe(contentOf.size);
    expect(contentOf.size).toBeGreaterThan(50);

    // Hostile: a schema changed in any way (a new field, a changed type) never keeps its id.
    const schema = tools.find((t) => t.name === "get_rules")!.outputSchema as Record<string, unknown> & { properties: Record<string, unknown> };
    const changed = withSchemaId({ ...schema, properties: { ...schema.properties, data: { type: "array" } } });
    expect(changed.$id).not.toBe(schema.$id);
    // An id already present is replaced, not trusted.
    expect(withSchemaId({ ...schema, $id: "urn:altr-mcp:000000000000" }).$id).toBe(schema.$id);
  });

  it("lets the SDK's Client compile each distinct schema once and still validate every result", async () => {
    const validator = new CountingValidator();
    const { client } = await session({}, { validator });
    const first = (await client.listTools()).tools;
    const distinct = new Set(first.map((t) => t.outputSchema?.$id).filter((id) => id !== undefined));
    expect(validator.compile).toHaveBeenCalledTimes(distinct.size);
    expect(distinct.size).toBeLessThan(first.filter((t) => t.outputSchema).length);

    validator.compile.mockClear();
    await client.listTools();
    await client.listTools();
    expect(validator.compile, "a re-list compiles nothing").not.toHaveBeenCalled();

    // The cached validators are used: a result is validated against its tool's schema.
    const result = await client.callTool({ name: "get_databases", arguments: {} });
    expect(result.isError).toBeFalsy();
    expect(validator.validations).toBe(1);
  });
});
