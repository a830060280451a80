/**
 * Secrets never reach logs or error text: the built server runs at LOG_LEVEL=debug (console and
 * JSON formats), every tool is called with sentinel secrets, and ALTR (a stub) echoes the request
 * back in its error messages. No sentinel may appear on stderr or in any tool result.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { CASES } from "./cases/index.js";
import { builtServerTransport } from "./helpers/built-server.js";
import { startStub, type Stub } from "./helpers/stub.js";

const MAPI_KEY = "redaction-test-key";
const MAPI_SECRET = "SENTINEL-MAPI-SECRET-d41d8cd9";
const PASSWORD = "SENTINEL-PASSWORD-8f00b204";
const CONNECTION = "SENTINEL-CONNSTR-e9800998";
const FORBIDDEN = [
  MAPI_SECRET,
  PASSWORD,
  CONNECTION,
  Buffer.from(`${MAPI_KEY}:${MAPI_SECRET}`).toString("base64"),
];

let stub: Stub;

beforeAll(async () => {
  stub = await startStub();
});
afterAll(async () => {
  await stub.close();
});

/** Each tool's valid call with every secret parameter it has set to a sentinel. */
function sentinelCalls(): { tool: string; args: Record<string, unknown> }[] {
  return CASES.map(({ tool, args }) => {
    const a: Record<string, unknown> = { ...args };
    if (tool === "create_database" || tool === "update_database") a.database_password = PASSWORD;
    if (tool === "create_databricks_database") {
      delete a.service_user_id;
      a.database_username = "token";
      a.database_password = PASSWORD;
    }
    if (tool === "update_database") a.connection_string = CONNECTION;
    return { tool, args: a };
  });
}

async function runAll(
  format: "json" | "console",
  altrAnswer: "echo-error" | "ok",
): Promise<{ stderr: string; results: string[]; byTool: Map<string, string> }> {
  const routeAll = (reply: Parameters<Stub["route"]>[2]) => {
    for (const m of ["GET", "POST", "PUT", "PATCH", "DELETE"]) stub.route(m, /.*/, reply);
  };
  if (altrAnswer === "ok") {
    routeAll({ status: 200, body: { success: true, data: {} } });
    stub.route("GET", "/api/databases", {
      status: 200,
      body: { success: true, data: { databases: [{ id: 42, friendlyDatabaseName: "PROD_SNOWFLAKE" }], count: 1 } },
    });
  } else {
    // ALTR answers with an error that quotes everything it was sent, as real APIs sometimes do:
    // the Authorization header as sent, decoded (key:secret), and the raw MAPI_SECRET alone.
    routeAll({
      status: 400,
      bodyFrom: (req) => {
        const auth = String(req.headers.authorization);
        const decoded = Buffer.from(auth.replace(/^Basic /, ""), "base64").toString("utf8");
        const secret = decoded.slice(decoded.indexOf(":") + 1);
        return {
          success: false,
          data: { message: `cannot process ${req.method} ${req.url} ${req.body} (authorization: ${auth}; credential ${decoded}; secret ${secret})` },
        };
      },
    });
  }
  const transport = builtServerTransport(stub.url, {
    ORG_ID: "redaction-org",
    MAPI_KEY,
    MAPI_SECRET,
    LOG_LEVEL: "debug",
    LOG_FORMAT: format,
    MAX_RETRIES: "1",
    ALTR_TOOLSETS: "all",
    // Destructive tools run without confirmation, so every tool's call reaches the stub.
    ALTR_CONFIRM_DESTRUCTIVE: "false",
  });
  let stderr = "";
  transport.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const client = new Client({ name: "redaction", version: "0" });
  await client.connect(transport);
  const results: string[] = [];
  const byTool = new Map<string, string>();
  for (const { tool, args } of sentinelCalls()) {
    const res = (await client.callTool({ name: tool, arguments: args })) as CallToolResult;
    results.push(JSON.stringify(res));
    byTool.set(tool, JSON.stringify(res));
  }
  // Invalid input that carries a secret is refused without echoing it either.
  results.push(
    JSON.stringify(
      await client.callTool({
        name: "create_database",
        arguments: { friendly_database_name: "X", database_type: "mysql", database_name: "x", database_password: PASSWORD, database_port: "bad" },
      }),
    ),
  );
  await client.close();
  return { stderr, results, byTool };
}

describe("redaction", () => {
  for (const format of ["json", "console"] as const) {
    it(`LOG_FORMAT=${format}, LOG_LEVEL=debug: no secret on stderr or in results, even when ALTR echoes them`, async () => {
      const before = stub.requests.length;
      const { stderr, results } = await runAll(format, "echo-error");
      // The sentinels really were sent (so this test can fail).
      const sent = stub.requests.slice(before).map((r) => r.body + JSON.stringify(r.headers));
      expect(sent.some((b) => b.includes(PASSWORD))).toBe(true);
      expect(sent.some((b) => b.includes(CONNECTION))).toBe(true);
      expect(stderr).toContain("tool call");
      expect(stderr).toContain("[REDACTED]");
      for (const secret of FORBIDDEN) {
        expect(stderr.includes(secret), `stderr contains ${secret}: ${stderr.split("\n").filter((l) => l.includes(secret)).join("\n").slice(0, 800)}`).toBe(false);
        for (const r of results) expect(r.includes(secret), `a result contains ${secret}: ${r.slice(0, 300)}`).toBe(false);
      }
      expect(results.every((r) => r.includes('"isError":true'))).toBe(true);
    });
  }

  it("successful calls at debug level log no secret either", async () => {
    const { stderr, byTool } = await runAll("json", "ok");
    for (const secret of FORBIDDEN) expect(stderr.includes(secret), secret).toBe(false);
    // The calls that carried secrets really succeeded (so their debug logs were written).
    for (const tool of ["create_database", "create_databricks_database", "update_database"]) {
      expect(byTool.get(tool), tool).not.toContain('"isError":true');
    }
  });
});
