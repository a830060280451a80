/**
 * `npm run demo` (scripts/demo.ts on the built server): a port already in use is one line naming
 * the port and DEMO_PORT, printed before anything else; stopping the demo by its process id stops
 * the server too. Runs the command `npm run demo` runs after its build, through `sh -c` as npm
 * does, so the `exec` that lets npm's signal reach the demo is part of what is tested.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "./helpers/ports.js";

const ROOT = new URL("..", import.meta.url).pathname;
const CLI = new URL("../dist/cli/main.js", import.meta.url).pathname;
/** What `npm run demo` runs once the build is done (the part after `npm run build &&`). */
const DEMO_COMMAND = (() => {
  const { scripts } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
  const [build, run] = scripts.demo!.split(" && ");
  if (build !== "npm run build" || !run) throw new Error(`unexpected demo script: ${scripts.demo}`);
  return run;
})();

let home: string;
const children: ChildProcess[] = [];
const servers: Server[] = [];

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error("dist/ is missing: run `npm run build` (npm test does it)");
  home = mkdtempSync(join(tmpdir(), "altr-mcp-demo-"));
});
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

function demo(port: number): { child: ChildProcess; stderr: () => string; exit: Promise<number | null> } {
  const child = spawn("sh", ["-c", DEMO_COMMAND], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: home, DEMO_PORT: String(port), LOG_LEVEL: "error" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let err = "";
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, stderr: () => err, exit };
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const canBind = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });

describe("npm run demo", () => {
  it("port in use: one line naming the port and DEMO_PORT, nothing else printed, exit 1", async () => {
    const port = await freePort();
    const taken = createServer();
    servers.push(taken);
    await new Promise<void>((r) => taken.listen(port, "127.0.0.1", r));
    const d = demo(port);
    expect(await d.exit).toBe(1);
    expect(d.stderr()).toBe(`demo: port ${port} on 127.0.0.1 is in use; set DEMO_PORT to another port (DEMO_PORT=${port + 1} npm run demo)\n`);
  }, 30_000);

  it("kill -TERM <demo pid> stops the server: its process is gone and the port is free", async () => {
    const port = await freePort();
    const d = demo(port);
    for (let i = 0; i < 200 && !d.stderr().includes("Ctrl-C to stop") && d.child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 100));
    expect(d.stderr()).toContain(`http://127.0.0.1:${port}/mcp`);
    expect(await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok)).toBe(true);
    // `sh -c "exec node …"`: the pid npm signals is the demo's; the server is its child.
    const serverPids = execFileSync("ps", ["-o", "pid=", "--ppid", String(d.child.pid)], { encoding: "utf8" })
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
    expect(serverPids).toHaveLength(1);
    process.kill(d.child.pid!, "SIGTERM");
    expect(await d.exit).toBe(0);
    for (let i = 0; i < 50 && alive(serverPids[0]!); i++) await new Promise((r) => setTimeout(r, 100));
    expect(alive(serverPids[0]!)).toBe(false);
    expect(await fetch(`http://127.0.0.1:${port}/healthz`).then(() => "up", () => "down")).toBe("down");
    expect(await canBind(port)).toBe(true);
  }, 60_000);
});
