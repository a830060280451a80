/**
 * The sandbox state file (--sandbox-state FILE) under hostile conditions: written 0600 through an
 * exclusively created temp file with a random name, never following a planted symbolic link (at
 * the temp name or at FILE), never holding a credential (even one from a call that failed), and
 * shared by concurrent processes without losing a write or reusing an id.
 * Every case here failed on cec23c6 (0644, `<file>.<pid>.tmp` followed, plaintext password and
 * connection string, 8 writers kept 2 databases and reused ids).
 */
import { execFile } from "node:child_process";
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it, vi } from "vitest";
import { prepare } from "../src/cli/start.js";
import { ConfigError } from "../src/config/index.js";
import { SEED, writeState } from "../src/sandbox/index.js";

const fixedRandom = vi.hoisted(() => ({ on: false }));
vi.mock("node:crypto", async (original) => {
  const real = await original<typeof import("node:crypto")>();
  return { ...real, randomBytes: (n: number) => (fixedRandom.on ? Buffer.alloc(n, 7) : real.randomBytes(n)) };
});

const ENV = { ALTR_TOOLSETS: "all", ALTR_CONFIRM_DESTRUCTIVE: "false", LOG_LEVEL: "silent" };
const ROOT = new URL("..", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "altr-sandbox-state-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const signal = () => new AbortController().signal;
const text = (r: { content: unknown }) => JSON.stringify(r.content);

async function callOnce(file: string, tool: string, args: Record<string, unknown>) {
  const prepared = await prepare(ENV, { sandbox: { stateFile: file } });
  const result = await prepared.host.call(tool, args, signal());
  await prepared.close();
  return result;
}

const policyArgs = { tag: "FINANCIAL" };

describe("sandbox state file: permissions and links", () => {
  it("is written 0600 (even over an existing 0644 file)", async () => {
    const file = join(dir, "mode.json");
    writeFileSync(file, JSON.stringify(SEED), { mode: 0o644 });
    await callOnce(file, "create_policy", policyArgs);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, "utf8")).toContain("TAG#FINANCIAL");
  });

  it("a symbolic link planted at the old predictable temp name is not followed", async () => {
    const file = join(dir, "pid.json");
    const victim = join(dir, "victim-pid.txt");
    writeFileSync(victim, "precious");
    symlinkSync(victim, `${file}.${process.pid}.tmp`);
    await callOnce(file, "create_policy", policyArgs);
    expect(readFileSync(victim, "utf8")).toBe("precious");
    expect(readFileSync(file, "utf8")).toContain("TAG#FINANCIAL");
  });

  it("the temp file is created exclusively: a link planted at its (random) name makes the write fail, the target untouched", () => {
    const sub = mkdtempSync(join(dir, "excl-"));
    const file = join(sub, "state.json");
    const victim = join(sub, "victim.txt");
    writeFileSync(victim, "precious");
    fixedRandom.on = true;
    try {
      writeState(file, SEED); // learn the name this (fixed) randomness gives
      const tmpName = readdirSync(sub).find((f) => f.endsWith(".tmp"));
      expect(tmpName).toBeUndefined(); // renamed away
      rmSync(file);
      const planted = join(sub, `.state.json.${Buffer.alloc(12, 7).toString("hex")}.tmp`);
      symlinkSync(victim, planted);
      expect(() => writeState(file, SEED)).toThrow(/EEXIST/);
    } finally {
      fixedRandom.on = false;
    }
    expect(readFileSync(victim, "utf8")).toBe("precious");
    expect(existsSync(file)).toBe(false);
  });

  it("a symbolic link at FILE is refused at start, its target untouched", async () => {
    const victim = join(dir, "victim-file.txt");
    writeFileSync(victim, JSON.stringify(SEED));
    const link = join(dir, "link.json");
    symlinkSync(victim, link);
    await expect(prepare(ENV, { sandbox: { stateFile: link } })).rejects.toThrow(ConfigError);
    await expect(prepare(ENV, { sandbox: { stateFile: link } })).rejects.toThrow("is a symbolic link");
    expect(readFileSync(victim, "utf8")).toBe(JSON.stringify(SEED));
  });

  it("a symbolic link planted at FILE while running is refused on the next call; its target untouched", async () => {
    const file = join(dir, "swap.json");
    const victim = join(dir, "victim-swap.txt");
    writeFileSync(victim, "precious");
    const prepared = await prepare(ENV, { sandbox: { stateFile: file } });
    await prepared.host.call("create_policy", policyArgs, signal());
    rmSync(file);
    symlinkSync(victim, file);
    const second = await prepared.host.call("delete_policy", { policy_id: "TAG#FINANCIAL", confirm: true }, signal());
    expect(second.isError, text(second)).toBe(true);
    expect(text(second), text(second)).toContain("symbolic link");
    await prepared.close();
    expect(readFileSync(victim, "utf8")).toBe("precious");
    expect(lstatSync(file).isSymbolicLink()).toBe(true);
  });
});

describe("sandbox state file: no secrets", () => {
  it("no password or connection string is written, from a call that worked or one that failed", async () => {
    const file = join(dir, "secrets.json");
    const created = await callOnce(file, "create_database", {
      friendly_database_name: "SECRET_TEST",
      database_type: "mysql",
      database_name: "orders",
      database_username: "altr_svc",
      database_password: "Create-Pw-7781",
      hostname: "orders.db.internal",
      database_port: 3306,
    });
    expect(created.isError).toBeFalsy();
    await callOnce(file, "update_database", { database_id: 42, connection_string: "Server=x;User=u;Password=ConnPw9z;", database_password: "Upd-Pw-5512" });
    // A call that fails (no such database) after sending the secrets.
    await callOnce(file, "update_database", { database_id: 987654, connection_string: "Server=y;Password=FailPw31;", database_password: "Fail-Pw-0042" });
    const saved = readFileSync(file, "utf8");
    expect(saved).toContain("SECRET_TEST");
    for (const secret of ["Create-Pw-7781", "ConnPw9z", "Upd-Pw-5512", "FailPw31", "Fail-Pw-0042"]) expect(saved).not.toContain(secret);
    expect(saved).not.toMatch(/databasePassword|connectionString/);
  });
});

describe("sandbox state file: concurrent processes", () => {
  it("8 processes creating a database at once keep all 8, with 8 distinct new ids", { timeout: 90_000 }, async () => {
    const file = join(dir, "concurrent.json");
    const writer = new URL("./helpers/sandbox-writer.ts", import.meta.url).pathname;
    const run = promisify(execFile);
    const names = Array.from({ length: 8 }, (_, i) => `CONCURRENT_${i}`);
    const outputs = await Promise.all(names.map((n) => run(process.execPath, ["--import", "tsx", writer, file, n], { cwd: ROOT, timeout: 80_000 })));
    const ids = outputs.map((o) => Number(/\\"id\\":(\d+)/.exec(o.stdout)?.[1]));
    expect(ids.every(Number.isInteger), outputs.map((o) => o.stdout + o.stderr).join("\n")).toBe(true);
    expect(new Set(ids).size).toBe(8);
    const saved = JSON.parse(readFileSync(file, "utf8")) as { collections: Record<string, { id: number; friendlyDatabaseName: string }[]> };
    const dbs = saved.collections["altrnet /api/databases"]!;
    for (const n of names) expect(dbs.filter((d) => d.friendlyDatabaseName === n)).toHaveLength(1);
    expect(new Set(dbs.map((d) => d.id)).size).toBe(dbs.length);
    expect(dbs.map((d) => d.id).sort()).toEqual(expect.arrayContaining(ids));
    expect(existsSync(`${file}.lock`)).toBe(false);
  });
});
