/**
 * The server command's flags are its environment settings (`--read-only` = ALTR_READ_ONLY=true,
 * …): accepted, listed in --help with the variable each mirrors, winning over the variable and
 * over ./.env. Also: JSON logs name their level, and the last line of a failed start is JSON
 * under LOG_FORMAT=json. Runs the built binary (dist/).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SETTING_FLAGS } from "../src/cli/flags.js";
import { errorLine } from "../src/log/logger.js";
import { freePort } from "./helpers/ports.js";

const CLI = new URL("../dist/cli/main.js", import.meta.url).pathname;
let dir: string;

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error("dist/ is missing: run `npm run build` (npm test does it)");
  dir = mkdtempSync(join(tmpdir(), "altr-mcp-flags-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const baseEnv = (extra: Record<string, string>): Record<string, string> => ({ PATH: process.env.PATH ?? "", ...extra });

/** Runs the CLI to its end (stdin closed at once: a stdio server stops). */
function exec(args: string[], extra: Record<string, string> = {}, cwd = dir): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: baseEnv(extra), stdio: ["pipe", "pipe", "pipe"], cwd });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("close", (code) => resolve({ code, out, err }));
    child.stdin.end();
  });
}

/** The server's "altr-mcp starting" record, from a --log-format json start over stdio. */
async function startRecord(args: string[], extra: Record<string, string> = {}, cwd = dir): Promise<Record<string, unknown>> {
  const res = await exec(["--sandbox", "--log-format", "json", ...args], extra, cwd);
  const records = res.err
    .trim()
    .split("\n")
    // .env warnings come before any logger exists, as plain lines.
    .filter((l) => !l.startsWith("WARNING: "))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const starting = records.find((r) => r.msg === "altr-mcp starting");
  if (!starting) throw new Error(`no start record in: ${res.err}`);
  return starting;
}

describe("server flags", () => {
  it("--help lists every flag with the variable it mirrors", async () => {
    const res = await exec(["--help"]);
    expect(res.code).toBe(0);
    for (const f of SETTING_FLAGS) expect(res.out).toMatch(new RegExp(`--${f.flag}\\b.*\\b${f.variable}\\b`));
  });

  it("`--sandbox --read-only` starts (it was 'Unknown option'); the flag wins over ALTR_READ_ONLY", async () => {
    const readOnly = await startRecord(["--read-only"], { ALTR_READ_ONLY: "false", LOG_FORMAT: "console" });
    const writable = await startRecord([], { ALTR_READ_ONLY: "false" });
    expect(readOnly).toMatchObject({ readOnly: true, level: "info" });
    expect(writable).toMatchObject({ readOnly: false });
    expect(readOnly.tools as number).toBeLessThan(writable.tools as number);
    // --read-only=false wins over ALTR_READ_ONLY=true too.
    expect(await startRecord(["--read-only=false"], { ALTR_READ_ONLY: "true" })).toMatchObject({ readOnly: false });
  });

  it("--toolsets, --tools and --restricted-tools select tools like their variables", async () => {
    const none = await startRecord(["--toolsets", "none", "--tools=get_roles,get_rules"], { ALTR_TOOLSETS: "all" });
    expect(none.tools).toBe(2);
    const restricted = await startRecord(["--toolsets", "none", "--tools", "get_roles,get_rules", "--restricted-tools", "get_rules"]);
    expect(restricted.tools).toBe(1);
  });

  it("a flag wins over ./.env, which cannot undo it", async () => {
    const cwd = mkdtempSync(join(dir, "dotenv-"));
    writeFileSync(join(cwd, ".env"), "ALTR_READ_ONLY=false\nLOG_FORMAT=console\nALTR_TOOLSETS=all\n");
    const record = await startRecord(["--read-only", "--toolsets", "roles"], {}, cwd);
    expect(record).toMatchObject({ readOnly: true, tools: 1 });
  });

  it("--transport, --host and --port serve HTTP where the flags say (over MCP_PORT)", async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [CLI, "--sandbox", "--transport", "streamable-http", "--host", "127.0.0.1", "--port", String(port)], {
      env: baseEnv({ MCP_PORT: "1", MCP_TRANSPORT: "stdio", LOG_LEVEL: "error" }),
      stdio: ["ignore", "ignore", "pipe"],
      cwd: dir,
    });
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    try {
      let ok = false;
      for (let i = 0; i < 100 && !ok && child.exitCode === null; i++) {
        await new Promise((r) => setTimeout(r, 100));
        ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
      }
      expect(ok, err).toBe(true);
    } finally {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    }
  });

  it("bad flags: one line naming the flag and a pointer to --help, exit 2", async () => {
    for (const [args, message] of [
      [["--bogus"], "Unknown option: --bogus"],
      [["--port"], "--port needs a value"],
      [["--read-only=maybe"], "--read-only is true or false"],
    ] as const) {
      const res = await exec([...args]);
      expect(res).toMatchObject({ code: 2, out: "" });
      expect(res.err).toBe(`ERROR: ${message}${message.endsWith("value") ? " (N)" : ""}\nRun \`altr-mcp --help\` for usage.\n`);
    }
  });

  it("a bad value is the settings' error naming the variable (exit 1)", async () => {
    const res = await exec(["--sandbox", "--log-format", "yaml"]);
    expect(res.code).toBe(1);
    expect(res.err).toContain("LOG_FORMAT must be console or json");
  });
});

describe("logs", () => {
  it("JSON records name their level; the console format is unchanged", async () => {
    const record = await startRecord([]);
    expect(record.level).toBe("info");
    const res = await exec(["--sandbox"], { LOG_FORMAT: "console" });
    expect(res.err).toMatch(/\] INFO: altr-mcp starting/);
  });

  it("the last line of a failed start is JSON under LOG_FORMAT=json (and says how to try without an account)", async () => {
    const res = await exec([], { LOG_FORMAT: "json" });
    expect(res.code).toBe(1);
    const last = JSON.parse(res.err.trim().split("\n").at(-1)!) as Record<string, unknown>;
    expect(last).toMatchObject({ level: "fatal" });
    expect(last.msg).toMatch(/Missing required environment variables: ORG_ID, MAPI_KEY, MAPI_SECRET.*--sandbox/);
    const plain = await exec([], {});
    expect(plain.err).toMatch(/^ERROR: Missing required environment variables.*add --sandbox\)\n$/);
    // --log-format json counts as well.
    const flagged = await exec(["--log-format", "json"], {});
    expect(JSON.parse(flagged.err.trim())).toMatchObject({ level: "fatal" });
  });

  it("errorLine: plain by default, one JSON record under json", () => {
    expect(errorLine("boom", undefined)).toBe("ERROR: boom\n");
    expect(errorLine("boom", " JSON ")).toMatch(/^\{"level":"fatal","time":"[^"]+","msg":"boom"\}\n$/);
  });
});
