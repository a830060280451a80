/**
 * `npm run demo`: the built server with `--sandbox` (an in-process, stateful stand-in of the ALTR
 * API built from openapi/, seeded with a demo organisation) over streamable HTTP on 127.0.0.1 —
 * no ALTR account, nothing leaves this machine. Prints how to connect; Ctrl-C stops it.
 *   DEMO_PORT (default 8000) moves the port; DEMO_STATE=FILE keeps the sandbox's state in FILE.
 * `npm run mock` still starts the Prism mock servers for tests against static examples.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const cli = `${root}dist/cli/main.js`;
const port = Number(process.env.DEMO_PORT ?? 8000);
const stateArgs = process.env.DEMO_STATE ? ["--sandbox-state", process.env.DEMO_STATE] : [];

const server = spawn(process.execPath, [cli, "--sandbox", ...stateArgs], {
  stdio: ["ignore", "inherit", "inherit"],
  env: {
    ...process.env,
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
  process.exit(1);
}

const desktop = {
  mcpServers: {
    "altr-sandbox": { command: process.execPath, args: [cli, "--sandbox"] },
  },
};
process.stderr.write(`
altr-mcp demo is running against the ALTR sandbox: a stateful stand-in of the ALTR API built from
openapi/, seeded with a demo organisation (no account, nothing leaves this machine).

  MCP endpoint (streamable HTTP): ${url}/mcp      SSE: ${url}/sse      health: ${url}/healthz

Connect:
  MCP Inspector   npx -y @modelcontextprotocol/inspector@0.15.0   → Transport "Streamable HTTP", URL ${url}/mcp
  Inspector CLI   npx -y @modelcontextprotocol/inspector@0.15.0 --cli ${url}/mcp --transport http --method tools/list
  Claude Code     claude mcp add --transport http altr-demo ${url}/mcp
  Claude Desktop  add to claude_desktop_config.json (runs its own sandbox over stdio):
${JSON.stringify(desktop, null, 2).replace(/^/gm, "    ")}

Try: get_databases, get_roles, get_policies {"policy_type": "TAG"}, create_policy {"tag": "FINANCIAL"},
then get_policies again — what you create is listed, updates stick (add_rules), deletes remove.
Every request and answer is validated against openapi/. Ctrl-C to stop.
`);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  server.kill("SIGTERM");
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
server.on("exit", (code) => {
  if (!stopping) process.stderr.write(`demo: server exited (${code})\n`);
  process.exit(stopping ? 0 : (code ?? 1));
});
