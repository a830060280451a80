/**
 * `npm run demo`: the mock ALTR API (Prism over openapi/) plus the built server over
 * streamable HTTP on 127.0.0.1, with placeholder credentials — no ALTR account needed.
 * Prints how to connect; Ctrl-C stops both.
 *   DEMO_PORT (default 8000) and DEMO_MOCK_BASE_PORT (default 4010) move the ports.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startMockServers } from "../mock-server/prism.js";
import { SERVICES, type ServiceName } from "../src/config/services.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const cli = `${root}dist/cli/main.js`;
const port = Number(process.env.DEMO_PORT ?? 8000);
const mockBase = Number(process.env.DEMO_MOCK_BASE_PORT ?? 4010);

const mock = await startMockServers({
  basePort: mockBase,
  onViolation: (v) => process.stderr.write(`[mock] spec violation: ${v.method} ${v.path}: ${v.message}\n`),
});

const baseUrlEnv: Record<string, string> = {};
for (const [service, url] of Object.entries(mock.urls)) baseUrlEnv[SERVICES[service as ServiceName].env] = url;
const credentials = { ORG_ID: "demo-org", MAPI_KEY: "demo-key", MAPI_SECRET: "demo-secret" };

const server = spawn(process.execPath, [cli], {
  stdio: ["ignore", "inherit", "inherit"],
  env: {
    ...process.env,
    ...credentials,
    ...baseUrlEnv,
    MCP_TRANSPORT: "streamable-http",
    MCP_HOST: "127.0.0.1",
    MCP_PORT: String(port),
    LOG_LEVEL: process.env.LOG_LEVEL ?? "info",
  },
});

const url = `http://127.0.0.1:${port}`;
let ready = false;
for (let i = 0; i < 100 && !ready && server.exitCode === null; i++) {
  await new Promise((r) => setTimeout(r, 100));
  ready = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
}
if (!ready) {
  process.stderr.write(`demo: the server did not start on ${url} (is the port in use? set DEMO_PORT)\n`);
  server.kill();
  await mock.close();
  process.exit(1);
}

const desktop = {
  mcpServers: {
    "altr-demo": { command: process.execPath, args: [cli], env: { ...credentials, ...baseUrlEnv } },
  },
};
process.stderr.write(`
altr-mcp demo is running against a mock ALTR API (no account, nothing leaves this machine).

  MCP endpoint (streamable HTTP): ${url}/mcp      SSE: ${url}/sse      health: ${url}/healthz
  Mock ALTR services: ${Object.entries(mock.urls).map(([s, u]) => `${s} ${u}`).join(", ")}

Connect:
  MCP Inspector   npx -y @modelcontextprotocol/inspector@0.15.0   → Transport "Streamable HTTP", URL ${url}/mcp
  Inspector CLI   npx -y @modelcontextprotocol/inspector@0.15.0 --cli ${url}/mcp --transport http --method tools/list
  Claude Code     claude mcp add --transport http altr-demo ${url}/mcp
  Claude Desktop  add to claude_desktop_config.json (runs its own copy over stdio against this mock):
${JSON.stringify(desktop, null, 2).replace(/^/gm, "    ")}

Try: get_databases, get_roles, get_policies, create_policy {"tag": "PII"}.
The mock answers with the examples in openapi/ and rejects any request that violates them.
Ctrl-C to stop.
`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  server.kill("SIGTERM");
  await mock.close();
  process.exit(0);
};
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
server.on("exit", (code) => {
  if (!stopping) {
    process.stderr.write(`demo: server exited (${code})\n`);
    void mock.close().then(() => process.exit(code ?? 1));
  }
});
