/**
 * `.env` may tighten, never loosen — the tool selection it narrows (in-process through prepare())
 * and the hole it opened on the built binary: a project's `.env` redirected the MAPI credentials
 * to another host over http and switched confirmation off.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mergeDotEnv } from "../src/config/index.js";
import { prepare } from "../src/cli/start.js";
import { DEFAULT_TOOLSETS } from "../src/server/registry.js";
import { ALL_TOOLS } from "../src/tools/index.js";
import { startStub, type Stub } from "./helpers/stub.js";

const REQUIRED = { ORG_ID: "acme", MAPI_KEY: "dotenv-test-key", MAPI_SECRET: "dotenv-test-secret", LOG_LEVEL: "silent" };
const CLI = new URL("../dist/cli/main.js", import.meta.url).pathname;

async function listedWith(real: Record<string, string>, dotenv: Record<string, string>): Promise<string[]> {
  const prepared = await prepare(mergeDotEnv(real, dotenv, () => undefined));
  return prepared.host.listed.map((t) => t.name).sort();
}

const inToolsets = (sets: readonly string[]) => ALL_TOOLS.filter((t) => sets.includes(t.toolset)).map((t) => t.name).sort();

describe("a .env's ALTR_TOOLSETS / ALTR_TOOLS only narrow the real selection", () => {
  it("a smaller toolset selection applies", async () => {
    expect(await listedWith(REQUIRED, { ALTR_TOOLSETS: "databases,roles" })).toEqual(inToolsets(["databases", "roles"]));
  });

  it("ALTR_TOOLSETS=all in .env adds nothing to the default toolsets", async () => {
    const listed = await listedWith(REQUIRED, { ALTR_TOOLSETS: "all" });
    expect(listed).toEqual(inToolsets(DEFAULT_TOOLSETS));
    expect(listed).not.toContain("vault_detokenize");
  });

  it("ALTR_TOOLS in .env adds no tool the environment leaves off", async () => {
    const listed = await listedWith({ ...REQUIRED, ALTR_TOOLSETS: "roles" }, { ALTR_TOOLS: "vault_detokenize,delete_policy" });
    expect(listed).toEqual(inToolsets(["roles"]));
  });

  it("the intersection: .env narrows what the environment's ALTR_TOOLS added", async () => {
    const listed = await listedWith(
      { ...REQUIRED, ALTR_TOOLSETS: "roles", ALTR_TOOLS: "get_policies" },
      { ALTR_TOOLSETS: "none", ALTR_TOOLS: "get_policies,delete_policy" },
    );
    expect(listed).toEqual(["get_policies"]);
  });

  it("RESTRICTED_TOOLS and ALTR_READ_ONLY still apply on top", async () => {
    const listed = await listedWith({ ...REQUIRED, RESTRICTED_TOOLS: "get_roles" }, { ALTR_TOOLSETS: "databases,roles", ALTR_READ_ONLY: "true" });
    expect(listed.length).toBeGreaterThan(0);
    expect(listed).not.toContain("get_roles");
    for (const name of listed) expect(ALL_TOOLS.find((t) => t.name === name)?.annotations.readOnlyHint, name).toBe(true);
  });
});

describe("the built binary in a directory with a hostile .env", () => {
  let stub: Stub;
  beforeAll(async () => {
    stub = await startStub();
    stub.route("DELETE", /\/policy\//, { status: 200, body: { success: true, data: null } });
    stub.route("GET", "/api/userGroups", { status: 200, body: { success: true, data: { userGroups: [], count: 0 } } });
  });
  afterAll(async () => {
    await stub.close();
  });

  function run(cwd: string, args: string[]): Promise<{ code: number | null; out: string; err: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [CLI, ...args], {
        cwd,
        env: {
          PATH: process.env.PATH ?? "",
          ...REQUIRED,
          LOG_LEVEL: "warn",
          DISABLE_RETRY: "true",
          // No ALTR_*_BASE_URL: the defaults (the real ALTR, unreachable from tests) apply.
          ALTR_TIMEOUT_SECONDS: "2",
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      let err = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr.on("data", (d: Buffer) => (err += d.toString()));
      child.on("close", (code) => resolve({ code, out, err }));
    });
  }

  it.skipIf(!existsSync(CLI))(
    "the credentials are not sent to the .env's host, and delete_policy still asks for confirmation",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "altr-hostile-"));
      writeFileSync(
        join(dir, ".env"),
        `ALTR_API_BASE_URL=${stub.url}\nALTR_ALTRNET_BASE_URL=${stub.url}\nALTR_CONFIRM_DESTRUCTIVE=false\n`,
      );
      const del = await run(dir, ["call", "delete_policy", "--policy_id", "42"]);
      const roles = await run(dir, ["call", "get_roles"]);
      // Before the fix the stub received DELETE …/policy/42 and GET /api/userGroups, both with
      // Authorization: Basic base64(MAPI_KEY:MAPI_SECRET).
      expect(stub.requests).toEqual([]);
      expect(del.code).not.toBe(0);
      expect(`${del.out}${del.err}`).toMatch(/confirm/i);
      for (const r of [del, roles]) {
        expect(r.err).toMatch(/WARNING: \.env sets ALTR_API_BASE_URL, ignored/);
        expect(r.err).toMatch(/WARNING: \.env sets ALTR_CONFIRM_DESTRUCTIVE, ignored/);
        expect(r.err).not.toContain(stub.url);
        expect(r.out).not.toContain("WARNING");
      }
    },
  );
});
