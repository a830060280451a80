/** The built CLI (dist/) as a stdio MCP server whose every ALTR service is a local stub. */
import { tmpdir } from "node:os";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { SERVICES } from "../../src/config/services.js";

const CLI = new URL("../../dist/cli/main.js", import.meta.url).pathname;

/** `env` adds to PATH and the ALTR_*_BASE_URL variables (all at `stubUrl`, so nothing leaves). */
export function builtServerTransport(stubUrl: string, env: Record<string, string>): StdioClientTransport {
  return new StdioClientTransport({
    command: process.execPath,
    args: [CLI],
    cwd: tmpdir(),
    stderr: "pipe",
    env: {
      PATH: process.env.PATH ?? "",
      ...env,
      ...Object.fromEntries(Object.values(SERVICES).map((s) => [s.env, stubUrl])),
    },
  });
}
