/**
 * Every tool through a real MCP SDK client against Prism serving the curated documents:
 * Prism must see no request or response violation, the tool must send exactly the upstream's
 * wire call, and its result must match its advertised output schema.
 */
import { Ajv } from "ajv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockServers, type MockServers } from "../mock-server/prism.js";
import { basicCredential } from "../src/altr/client.js";
import { ALL_TOOLS } from "../src/tools/index.js";
import { CASES } from "./cases/index.js";
import { baseUrlsFrom, connect, envelope, TEST_KEY, TEST_SECRET, type Harness } from "./helpers/harness.js";

let mock: MockServers;
let h: Harness;

beforeAll(async () => {
  mock = await startMockServers();
  h = await connect({ baseUrls: baseUrlsFrom(mock.urls) });
});
afterAll(async () => {
  await h?.close();
  await mock?.close();
});

describe("coverage", () => {
  it("every registered tool has a Prism case", () => {
    // A tool may have more than one case (one per branch that sends another operation).
    expect([...new Set(CASES.map((c) => c.tool))].sort()).toEqual(ALL_TOOLS.map((t) => t.name).sort());
  });
});

describe("tools against Prism", () => {
  const ajv = new Ajv({ strict: false, allErrors: true });

  it.each(CASES.map((c) => [c.tool, c] as const))("%s", async (name, c) => {
    mock.reset();
    const res = await h.call(name, c.args);
    const env = envelope(res);
    expect(mock.violations, JSON.stringify(mock.violations, null, 1)).toEqual([]);
    expect(res.isError ?? false, JSON.stringify(env.error)).toBe(false);
    expect(env.success).toBe(true);
    expect(env.error).toBeNull();

    // Exactly the upstream's requests, in order.
    expect(mock.requests.map((r) => `${r.service} ${r.method} ${new URL(r.url, "http://x").pathname}`)).toEqual(
      c.wire.map((w) => `${w.service} ${w.method} ${w.path}`),
    );
    c.wire.forEach((w, i) => {
      const sent = mock.requests[i]!;
      const url = new URL(sent.url, "http://x");
      // Each key once, unless the case expects a list: then repeated once per value, in order.
      const sentQuery = Object.fromEntries(
        [...new Set(url.searchParams.keys())].map((k) => {
          const all = url.searchParams.getAll(k);
          return [k, all.length === 1 && !Array.isArray(w.query?.[k]) ? all[0]! : all];
        }),
      );
      expect(sentQuery, `${name} query`).toEqual(w.query ?? {});
      if (w.body === undefined) expect(sent.body, `${name} sends no body`).toBe("");
      else expect(JSON.parse(sent.body), `${name} body`).toEqual(w.body);
      expect(sent.headers.authorization).toBe(`Basic ${basicCredential(TEST_KEY, TEST_SECRET)}`);
    });

    // The advertised output schema holds, and so does its documented branch on its own.
    const listed = h.host.listed.find((t) => t.name === name)!;
    // As the SDK's Client does: a schema whose content-addressed $id was compiled before is reused.
    const schema = listed.outputSchema!;
    const validate = (typeof schema.$id === "string" ? ajv.getSchema(schema.$id) : undefined) ?? ajv.compile(schema);
    expect(validate(res.structuredContent), ajv.errorsText(validate.errors)).toBe(true);
    const documented = ALL_TOOLS.find((t) => t.name === name)!.output;
    expect(ajv.validate(documented, env.data), `${name} data: ${ajv.errorsText()}`).toBe(true);
    expect(env.data).not.toBeNull();
  });
});

describe("results carry the mock's data", () => {
  it("get_databases returns the databases and a null continuation", async () => {
    const env = envelope(await h.call("get_databases"));
    const data = env.data as { databases: { id: number; friendlyDatabaseName: string }[]; count: number; next_offset: null };
    expect(data.databases.length).toBeGreaterThan(0);
    expect(data.databases[0]!.id).toEqual(expect.any(Number));
    expect(data.count).toBe(data.databases.length);
    expect(data.next_offset).toBeNull();
  });

  it("get_database_id extracts the id", async () => {
    const env = envelope(await h.call("get_database_id", { database_name: "PROD_SNOWFLAKE" }));
    expect(env.data).toMatchObject({ database_id: expect.any(Number) });
  });

  it("get_roles returns names only", async () => {
    const env = envelope(await h.call("get_roles"));
    const data = env.data as { roles: unknown[] };
    expect(data.roles.length).toBeGreaterThan(0);
    for (const r of data.roles) expect(typeof r).toBe("string");
  });

  it("get_policies without a type queries all seven types in order", async () => {
    mock.reset();
    const env = envelope(await h.call("get_policies"));
    expect(env.success).toBe(true);
    const types = mock.requests.map((r) => new URL(r.url, "http://x").searchParams.get("policy_type"));
    expect(types).toEqual(["TAG", "COLUMN", "PUSHDOWN", "IMPERSONATION", "GRANT", "ROW", "OLTP"]);
    expect(mock.violations).toEqual([]);
  });

  it("create_policy returns the new policy id", async () => {
    const env = envelope(await h.call("create_policy", { tag: "PII" }));
    expect(env.data).toMatchObject({ policy_id: expect.stringMatching(/^TAG#/) });
  });

  it("Databricks policy: PUSHDOWN with database_ids", async () => {
    mock.reset();
    const env = envelope(await h.call("create_policy", { tag: "pii", policy_type: "PUSHDOWN", database_ids: [55] }));
    expect(env.success).toBe(true);
    expect(JSON.parse(mock.requests[0]!.body)).toEqual({ identifier: "pii", type: "PUSHDOWN", database_ids: [55] });
    expect(mock.violations).toEqual([]);
  });

  it("Prism enforces HTTP Basic auth: a request without it gets 401", async () => {
    const bare = await fetch(`${mock.urls.altrnet}/api/databases`);
    expect(bare.status).toBe(401);
  });
});
