/**
 * `npm run mock [-- --base-port 4010 --host 127.0.0.1 --spec-dir openapi --dynamic --json]`
 * Starts one Prism mock per ALTR service that has an OpenAPI document, all in this process.
 * Human output goes to stderr; with --json, stdout gets exactly one line: {"urls":{...}}.
 */
import { parseArgs } from "node:util";
import { SERVICES, SERVICE_NAMES } from "../src/config/services.js";
import { startMockServers, type Violation } from "./prism.js";

function fail(message: string): never {
  process.stderr.write(`mock-server: ${message}\n`);
  process.exit(2);
}

function parse() {
  try {
    return parseArgs({
      options: {
        "base-port": { type: "string", default: "4010" },
        host: { type: "string", default: "127.0.0.1" },
        "spec-dir": { type: "string" },
        dynamic: { type: "boolean", default: false },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
}
const { values } = parse();

if (values.help) {
  process.stderr.write(
    "usage: npm run mock -- [--base-port N (4010)] [--host H (127.0.0.1)] [--spec-dir DIR] [--dynamic] [--json]\n" +
      "service i of SERVICES listens on base-port + i; MOCK_LOG=1 prints Prism's own log to stderr\n",
  );
  process.exit(0);
}

const basePort = Number(values["base-port"]);
if (!Number.isInteger(basePort) || basePort < 1 || basePort + SERVICE_NAMES.length - 1 > 65535) {
  fail(`invalid --base-port ${values["base-port"]}`);
}

function describe(v: Violation): string {
  const where = v.location && v.location.length > 0 ? ` at ${v.location.join(".")}` : "";
  return `[violation] ${v.service} ${v.method} ${v.path}: ${v.severity}${where}: ${v.message}\n`;
}

const t0 = performance.now();
const servers = await startMockServers({
  basePort,
  host: values.host,
  dynamic: values.dynamic,
  onViolation: (v) => process.stderr.write(describe(v)),
  ...(values["spec-dir"] === undefined ? {} : { specDir: values["spec-dir"] }),
}).catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)));

const names = SERVICE_NAMES.filter((name) => servers.urls[name] !== undefined);
const width = Math.max(...names.map((name) => name.length));
const lines = [
  `Prism mocks ready in ${Math.round(performance.now() - t0)} ms (${values.dynamic ? "dynamic" : "static examples"}):`,
  ...names.map((name) => `  ${name.padEnd(width)}  ${servers.urls[name]}`),
  "Point altr-mcp at them with:",
  ...names.map((name) => `${SERVICES[name].env}=${servers.urls[name]}`),
];
const missing = SERVICE_NAMES.filter((name) => servers.urls[name] === undefined);
if (missing.length > 0) lines.push(`(no document yet, not mocked: ${missing.join(", ")})`);
process.stderr.write(`${lines.join("\n")}\n`);
if (values.json) process.stdout.write(`${JSON.stringify({ urls: servers.urls })}\n`);

let stopping = false;
const stop = (signal: NodeJS.Signals): void => {
  if (stopping) {
    process.stderr.write(`mock-server: ${signal} again, exiting now\n`);
    process.exit(1);
  }
  stopping = true;
  process.stderr.write(`mock-server: ${signal}, shutting down\n`);
  servers.close().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`mock-server: close failed: ${String(error)}\n`);
      process.exit(1);
    },
  );
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
