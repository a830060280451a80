/**
 * server.json (the MCP registry entry) keeps the registry's rules for the fields it uses (format
 * 2025-12-11, stated in our words in tests/fixtures/registry-server.schema.json) and agrees with
 * package.json (mcpName, version) and with the server's own configuration (required variables,
 * secrets marked).
 */
import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { REQUIRED_VARIABLES } from "../src/config/index.js";

const read = (path: string) => JSON.parse(readFileSync(new URL(path, import.meta.url), "utf8")) as Record<string, unknown>;
const schema = read("./fixtures/registry-server.schema.json");
const server = read("../server.json") as {
  $schema: string;
  name: string;
  version: string;
  description: string;
  packages: { registryType: string; identifier: string; version: string; transport: { type: string }; environmentVariables: { name: string; isRequired?: boolean; isSecret?: boolean }[] }[];
};
const pkg = read("../package.json") as { name: string; version: string; mcpName: string };

function validator() {
  const ajv = new Ajv({ strict: false, allErrors: true, formats: { uri: (s: string) => URL.canParse(s) } });
  return ajv.compile(schema);
}

describe("server.json", () => {
  it("keeps the registry's rules for the format it names", () => {
    expect(server.$schema).toBe((schema.properties as { $schema: { const: string } }).$schema.const);
    const validate = validator();
    expect(validate(server), JSON.stringify(validate.errors)).toBe(true);
  });

  it("the schema check bites: a version range, a long description or a bad name is refused", () => {
    const validate = validator();
    const variants = [
      { ...server, packages: [{ ...server.packages[0]!, version: "latest" }] },
      { ...server, description: "x".repeat(101) },
      { ...server, name: "altr-mcp" },
      { ...server, packages: [{ ...server.packages[0]!, transport: { type: "streamable-http" } }] },
      { ...server, packages: [{ ...server.packages[0]!, version: "^0.1.0" }] },
      { ...server, packages: [{ ...server.packages[0]!, environmentVariables: [{ name: "mapi_secret" }] }] },
    ];
    for (const v of variants) expect(validate(v)).toBe(false);
  });

  it("matches package.json: mcpName, version, the npm package over stdio", () => {
    expect(server.name).toBe(pkg.mcpName);
    expect(server.version).toBe(pkg.version);
    expect(server.packages).toHaveLength(1);
    expect(server.packages[0]).toMatchObject({ registryType: "npm", identifier: pkg.name, version: pkg.version, transport: { type: "stdio" } });
  });

  it("declares the required variables as required and marks MAPI_SECRET secret", () => {
    const vars = server.packages[0]!.environmentVariables;
    expect(vars.filter((v) => v.isRequired).map((v) => v.name)).toEqual([...REQUIRED_VARIABLES]);
    expect(vars.filter((v) => v.isSecret).map((v) => v.name)).toEqual(["MAPI_SECRET"]);
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    for (const v of vars) expect(readme, `${v.name} is documented`).toContain(`\`${v.name}\``);
  });
});
