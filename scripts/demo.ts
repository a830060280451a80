/**
 * `npm run demo`: the built server with `--sandbox` (an in-process, stateful stand-in of the ALTR
 * API built from openapi/, seeded with a demo organisation) over streamable HTTP on 127.0.0.1 —
 * no ALTR account, nothing leaves this machine. Prints how to connect; Ctrl-C stops it.
 *   DEMO_PORT (default 8000) moves the port; DEMO_STATE=FILE keeps the sandbox's state in FILE.
 * The port is checked before anything is printed; SIGINT/SIGTERM stop the server too.
 * `npm run mock` still starts the Prism mock servers for tests against static examples.
 */
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const cli = `${root}dist/cli/main.js`;
const port = Number(process.env.DEMO_PORT ?? 8000);
const stateArgs = process.env.DEMO_STATE ? ["--sandbox-state", process.env.DEMO_STATE] : [];

if (!Number.isInteger(port) || port < 1 || port > 65_535) {
  process.stderr.write(`demo: DEMO_PORT must be a port number (1–65535), got "${process.env.DEMO_PORT}"\n`);
  process.exit(1);
}

/** Whether 127.0.0.1:port can be bound now (checked before anything is printed or started). */
function portFree(p: number): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", (err: NodeJS.ErrnoException) => resolve(err));
    probe.listen(p, "127.0.0.1", () => probe.close(() => resolve(undefined)));
  });
}

const busy = await portFree(port);
if (busy) {
  const why = busy.code === "EADDRINUSE" ? "is in use" : `cannot be used (${busy.code ?? busy.message})`;
  process.stderr.write(`demo: port ${port} on 127.0.0.1 ${why}; set DEMO_PORT to another port (DEMO_PORT=${port === 65_535 ? 8001 : port + 1} npm run demo)\n`);
  process.exit(1);
}

// Flags, not variables: they win over MCP_* in the environment and in ./.env.
const server = spawn(
  process.execPath,
  [cli, "--sandbox", ...stateArgs, "--transport", "streamable-http", "--host", "127.0.0.1", "--port", String(port), "--log-level", process.env.LOG_LEVEL ?? "info"],
  { stdio: ["ignore", "inherit", "inherit"] },
);

// Stopping the demo stops the server: SIGINT/SIGTERM are passed on, and the demo exits when the
// server has exited (its exit code, or 0 after a signal we passed on).
let stopping = false;
const stop = (signal: NodeJS.Signals) => {
  if (stopping) return;
  stopping = true;
  if (server.exitCode === null && server.signalCode === null) server.kill(signal);
};
process.on("SIGINT", () => stop("SIGINT"));
process.on("SIGTERM", () => stop("SIGTERM"));
process.on("SIGHUP", () => stop("SIGTERM"));
const exited = new Promise<void>((resolve) => {
  server.on("exit", (code, signal) => {
    if (!stopping) process.stderr.write(`demo: server exited (${code ?? signal})\n`);
    process.exit(stopping ? 0 : (code ?? 1));
    resolve();
  });
});

const url = `http://127.0.0.1:${port}`;
let ready = false;
for (let i = 0; i < 100 && !ready && !stopping && server.exitCode === null; i++) {
  await new Promise((r) => setTimeout(r, 100));
  ready = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
}
if (stopping || !ready || server.exitCode !== null) {
  if (!stopping) {
    process.stderr.write(`demo: the server did not start on ${url}\n`);
    stop("SIGTERM");
  }
  await exited;
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

