/**
 * Real third-party MCP clients against the built server (dist/, as `npx altr-mcp` runs it) with
 * `--sandbox` (the seeded demo organisation, nothing leaves the machine), run offline from
 * node_modules: the MCP Inspector's CLI mode over stdio and streamable HTTP — where a newcomer
 * creates a policy and sees it listed — and mcporter (the original README's route) over stdio.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { selectTools } from "../src/server/registry.js";
import { ALL_TOOLS } from "../src/tools/index.js";
import { freePort } from "./helpers/ports.js";

const CLI = new URL("../dist/cli/main.js", import.meta.url).pathname;
/** A devDependency's command, from its package.json `bin` (run with this Node, no npx). */
function bin(pkg: string, name: string): string {
  const manifest = new URL(`../node_modules/${pkg}/package.json`, import.meta.url).pathname;
  const { bin: bins } = JSON.parse(readFileSync(manifest, "utf8")) as { bin: string | Record<string, string> };
  return join(dirname(manifest), typeof bins === "string" ? bins : bins[name]!);
}
const INSPECTOR = bin("@modelcontextprotocol/inspector", "mcp-inspector");
const MCPORTER = bin("mcporter", "mcporter");
const DEFAULT_NAMES = selectTools(ALL_TOOLS, { toolsets: [], readOnly: false, restricted: [] }).enabled.map((t) => t.name);
/** get_roles on the sandbox's seeded organisation. */
const ENVELOPE = { success: true, data: { roles: ["ADMIN", "ANALYST", "DATA_SCIENTIST"], count: 3, total: 3, next_offset: null }, error: null };

let home: string;
const children: ChildProcess[] = [];

/** The server's environment: no credentials at all — the sandbox needs none. */
function serverEnv(): Record<string, string> {
  return { LOG_LEVEL: "error" };
}

/**
 * Runs a client to completion (killed after 60 s), in an empty HOME and working directory. Its
 * stdout goes to a file, not a pipe: a client that calls process.exit() right after writing a
 * large JSON (mcporter list) loses whatever a pipe had not yet taken, and a loaded machine made
 * that happen (output cut at 64 KiB); writes to a file are synchronous in Node.
 */
function run(cmd: string, args: string[], extraEnv: Record<string, string> = {}): Promise<{ code: number | null; out: string; err: string }> {
  const outFile = join(home, `stdout-${children.length}-${Date.now()}.txt`);
  const fd = openSync(outFile, "w");
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd: home,
      env: { PATH: process.env.PATH ?? "", HOME: home, NO_COLOR: "1", ...extraEnv },
      stdio: ["ignore", fd, "pipe"],
    });
    closeSync(fd);
    children.push(child);
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    let err = "";
    child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, out: readFileSync(outFile, "utf8"), err });
    });
  });
}


beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error("dist/ is missing: run `npm run build` (npm test does it)");
  home = mkdtempSync(join(tmpdir(), "altr-mcp-clients-"));
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGTERM");
  rmSync(home, { recursive: true, force: true });
});

describe("MCP Inspector CLI (@modelcontextprotocol/inspector --cli)", () => {
  const stdioTarget = () => [process.execPath, CLI, "--sandbox", ...Object.entries(serverEnv()).flatMap(([k, v]) => ["-e", `${k}=${v}`])];

  it("stdio: tools/list and tools/call", async () => {
    const list = await run(process.execPath, [INSPECTOR, "--cli", ...stdioTarget(), "--method", "tools/list"]);
    expect(list.code, list.err).toBe(0);
    expect((JSON.parse(list.out) as { tools: { name: string }[] }).tools.map((t) => t.name)).toEqual(DEFAULT_NAMES);
    const call = await run(process.execPath, [INSPECTOR, "--cli", ...stdioTarget(), "--method", "tools/call", "--tool-name", "get_roles", "--tool-arg", "offset=0"]);
    expect(call.code, call.err).toBe(0);
    const result = JSON.parse(call.out) as { structuredContent: unknown; isError?: boolean };
    expect(result.isError ?? false).toBe(false);
    expect(result.structuredContent).toEqual(ENVELOPE);
  });

  it("streamable HTTP (as npm run demo serves it): tools/list, create a policy, see it in get_policies", async () => {
    const port = await freePort();
    const server = spawn(process.execPath, [CLI, "--sandbox"], {
      env: { PATH: process.env.PATH ?? "", ...serverEnv(), MCP_TRANSPORT: "streamable-http", MCP_PORT: String(port) },
      stdio: ["ignore", "ignore", "pipe"],
      cwd: home,
    });
    children.push(server);
    let serverErr = "";
    server.stderr!.on("data", (d: Buffer) => (serverErr += d.toString()));
    const url = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 100; i++) {
      const up = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
      if (up) break;
      if (server.exitCode !== null) throw new Error(`server exited: ${serverErr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    try {
      const target = [`${url}/mcp`, "--transport", "http"];
      const list = await run(process.execPath, [INSPECTOR, "--cli", ...target, "--method", "tools/list"]);
      expect(list.code, list.err).toBe(0);
      expect((JSON.parse(list.out) as { tools: { name: string }[] }).tools.map((t) => t.name)).toEqual(DEFAULT_NAMES);
      const call = await run(process.execPath, [INSPECTOR, "--cli", ...target, "--method", "tools/call", "--tool-name", "get_roles"]);
      expect(call.code, call.err).toBe(0);
      expect((JSON.parse(call.out) as { structuredContent: unknown }).structuredContent).toEqual(ENVELOPE);
      const callTool = async (name: string, args: string[] = []) => {
        const r = await run(process.execPath, [INSPECTOR, "--cli", ...target, "--method", "tools/call", "--tool-name", name, ...args]);
        expect(r.code, r.err).toBe(0);
        return (JSON.parse(r.out) as { structuredContent: { success: boolean; data: unknown } }).structuredContent;
      };
      const policyIds = async () =>
        ((await callTool("get_policies")).data as { policies: { policy_id: string }[] }).policies.map((p) => p.policy_id);
      expect(await policyIds()).not.toContain("TAG#FINANCIAL");
      expect((await callTool("create_policy", ["--tool-arg", "tag=FINANCIAL"])).success).toBe(true);
      expect(await policyIds()).toContain("TAG#FINANCIAL");
    } finally {
      server.kill("SIGTERM");
    }
  });
});

describe("npm run demo (scripts/demo.ts on the built server)", () => {
  it("prints an Inspector CLI command that works; create a policy and see it listed; Ctrl-C stops it", async () => {
    const port = await freePort();
    const tsx = bin("tsx", "tsx");
    const demo = spawn(process.execPath, [tsx, new URL("../scripts/demo.ts", import.meta.url).pathname], {
      env: { PATH: process.env.PATH ?? "", HOME: home, DEMO_PORT: String(port), LOG_LEVEL: "error" },
      stdio: ["ignore", "ignore", "pipe"],
      cwd: home,
    });
    children.push(demo);
    let printed = "";
    demo.stderr!.on("data", (d: Buffer) => (printed += d.toString()));
    for (let i = 0; i < 200 && !printed.includes("Ctrl-C to stop") && demo.exitCode === null; i++) await new Promise((r) => setTimeout(r, 100));
    expect(printed).toContain(`MCP endpoint (streamable HTTP): http://127.0.0.1:${port}/mcp`);
    // The printed command, run with the Inspector from node_modules instead of npx's download.
    const printedArgs = /Inspector CLI\s+npx -y @modelcontextprotocol\/inspector@[\d.]+ (.+)$/m.exec(printed)![1]!.trim().split(/\s+/);
    expect(printedArgs.slice(-2)).toEqual(["--method", "tools/list"]);
    const target = printedArgs.slice(0, -2);
    const inspector = (...method: string[]) => run(process.execPath, [INSPECTOR, ...target, "--method", ...method]);
    const list = await inspector("tools/list");
    expect(list.code, list.err).toBe(0);
    expect((JSON.parse(list.out) as { tools: { name: string }[] }).tools.map((t) => t.name)).toEqual(DEFAULT_NAMES);
    const call = async (name: string, ...args: string[]) => {
      const r = await inspector("tools/call", "--tool-name", name, ...args);
      expect(r.code, r.err).toBe(0);
      return JSON.parse(r.out) as { structuredContent: { success: boolean; data: { policies?: { policy_id: string }[] } } };
    };
    expect((await call("create_policy", "--tool-arg", "tag=FINANCIAL")).structuredContent.success).toBe(true);
    const ids = (await call("get_policies")).structuredContent.data.policies!.map((p) => p.policy_id);
    expect(ids).toContain("TAG#FINANCIAL");
    demo.kill("SIGINT");
    const code = await new Promise<number | null>((resolve) => (demo.exitCode !== null ? resolve(demo.exitCode) : demo.on("exit", resolve)));
    expect(code).toBe(0);
    expect(await fetch(`http://127.0.0.1:${port}/healthz`).then(() => "up", () => "down")).toBe("down");
  }, 120_000);
});

describe("mcporter (stdio, ad hoc server)", () => {
  const stdio = () => [
    "--stdio",
    process.execPath,
    "--stdio-arg",
    CLI,
    "--stdio-arg",
    "--sandbox",
    ...Object.entries(serverEnv()).flatMap(([k, v]) => ["--env", `${k}=${v}`]),
  ];

  it("mcporter list: the server's tools", async () => {
    const list = await run(process.execPath, [MCPORTER, "list", ...stdio(), "--json"]);
    expect(list.code, list.err).toBe(0);
    const summary = JSON.parse(list.out) as { status: string; tools: { name: string }[] };
    expect(summary.status).toBe("ok");
    expect(summary.tools.map((t) => t.name)).toEqual(DEFAULT_NAMES);
  });

  it("mcporter call: get_roles returns the envelope", async () => {
    const call = await run(process.execPath, [MCPORTER, "call", ...stdio(), "get_roles", "offset:0", "--output", "json"]);
    expect(call.code, call.err).toBe(0);
    expect(JSON.parse(call.out)).toEqual(ENVELOPE);
  });

  it("mcporter generate-cli: the original README's standalone CLI calls get_roles", async () => {
    // The bundler resolves mcporter's runtime from the generated file's folder: keep it under
    // node_modules/.cache so node_modules is found.
    const cache = new URL("../node_modules/.cache/", import.meta.url).pathname;
    mkdirSync(cache, { recursive: true });
    const dir = mkdtempSync(join(cache, "mcporter-cli-"));
    try {
      const gen = await run(
        process.execPath,
        [MCPORTER, "generate-cli", "--command", `${process.execPath} ${CLI} --sandbox`, "--name", "altr", "--output", join(dir, "altr.ts"), "--bundle", join(dir, "altr.cjs")],
        serverEnv(),
      );
      expect(gen.code, gen.err).toBe(0);
      const call = await run(process.execPath, [join(dir, "altr.cjs"), "get-roles", "--offset", "0"], serverEnv());
      expect(call.code, call.err).toBe(0);
      expect(JSON.parse(call.out)).toEqual(ENVELOPE);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
