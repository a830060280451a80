/**
 * The npm package: `npm pack` (once, in beforeAll) holds only what runs — the esbuild bundle
 * (every dependency inside it, their licences in dist/THIRD_PARTY_LICENSES.txt), the tool list
 * and OpenAPI documents the build wrote, README, LICENSE, CHANGELOG — and declares no runtime
 * dependency. So the tarball runs with `npx ./altr-mcp-<v>.tgz` on a clean machine with no
 * network at all: a fresh temp dir, an empty npm cache, offline, and a registry address where
 * nothing listens (anything npm would need to fetch fails the test).
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = new URL("..", import.meta.url).pathname;
const PKG = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { name: string; version: string };
/** Budget for the packed size (today about 0.8 MB: the bundle carries its dependencies). */
const MAX_PACKED_BYTES = 1_200_000;

interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  files: { path: string; size: number }[];
}

let work: string;
let packed: PackResult;

function run(cmd: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
    child.on("close", (code) => resolve({ code, out, err }));
  });
}

/** What the build ships from dist/: the bundle's chunks and the tool list it computed. */
function distFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    // dist/views/*.html: the MCP Apps views the server serves (src/server/apps.ts).
    const shipped = p.endsWith(".js") || /tool-list-[a-z]+\.json$/.test(p) || /views\/[a-z-]+\.html$/.test(p);
    return statSync(p).isDirectory() ? distFiles(p) : shipped ? [relative(ROOT, p)] : [];
  });
}

beforeAll(() => {
  if (!existsSync(join(ROOT, "dist/cli/main.js"))) throw new Error("dist/ is missing: run `npm run build` (npm test does it)");
  work = mkdtempSync(join(tmpdir(), "altr-mcp-pack-"));
  const res = spawnSync("npm", ["pack", "--json", "--pack-destination", work], { cwd: ROOT, encoding: "utf8" });
  if (res.status !== 0) throw new Error(`npm pack failed: ${res.stderr}`);
  packed = (JSON.parse(res.stdout) as PackResult[])[0]!;
  mkdirSync(join(work, "extracted"));
  const tar = spawnSync("tar", ["-xzf", join(work, packed.filename), "-C", join(work, "extracted")]);
  if (tar.status !== 0) throw new Error(`tar failed: ${tar.stderr.toString()}`);
}, 120_000);

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe("npm pack", () => {
  it("contains only what runs: the bundle, its licences, the built tool list, views and documents, README, LICENSE, CHANGELOG", () => {
    const paths = packed.files.map((f) => f.path).sort();
    // The sandbox reads the curated documents from dist/openapi/*.json (written by the build from
    // openapi/*.yaml); the YAML itself is not needed at run time.
    const openapi = readdirSync(join(ROOT, "openapi"))
      .filter((f) => f.endsWith(".yaml"))
      .map((f) => `dist/openapi/${f.replace(/\.yaml$/, ".json")}`);
    const expected = [
      "CHANGELOG.md",
      "LICENSE",
      "README.md",
      "package.json",
      "dist/THIRD_PARTY_LICENSES.txt",
      ...openapi,
      ...distFiles(join(ROOT, "dist")),
    ].sort();
    expect(paths).toEqual(expected);
    expect(paths.filter((p) => /^(src|tests|scratch|contracts|mock-server|bench|scripts|\.ci)\//.test(p) || p.endsWith(".map"))).toEqual([]);
    console.info(
      `package: ${packed.filename} ${(packed.size / 1000).toFixed(1)} kB packed, ${(packed.unpackedSize / 1000).toFixed(1)} kB unpacked, ${paths.length} files`,
    );
    expect(packed.size).toBeLessThan(MAX_PACKED_BYTES);
  });

  it("declares no runtime dependency (all bundled) and ships the licence of every bundled package", () => {
    const manifest = JSON.parse(readFileSync(join(work, "extracted", "package", "package.json"), "utf8")) as Record<string, unknown>;
    expect(manifest.dependencies ?? {}).toEqual({});
    const notices = readFileSync(join(work, "extracted", "package", "dist", "THIRD_PARTY_LICENSES.txt"), "utf8");
    for (const pkg of ["@modelcontextprotocol/sdk", "zod", "express", "openapi-fetch", "pino", "ajv"]) {
      expect(notices, pkg).toMatch(new RegExp(`^${pkg.replace(/[/@.]/g, "\\$&")}@\\d+\\.\\d+\\.\\d+ \\(`, "m"));
    }
    expect(notices).toContain("Permission is hereby granted, free of charge");
  });

  it("ships the full GPL-3.0 text, and package.json says GPL-3.0-or-later", () => {
    const license = readFileSync(join(work, "extracted", "package", "LICENSE"), "utf8");
    expect(license).toMatch(/^GNU GENERAL PUBLIC LICENSE\nVersion 3, 29 June 2007/);
    expect(license).toContain("END OF TERMS AND CONDITIONS");
    const manifest = JSON.parse(readFileSync(join(work, "extracted", "package", "package.json"), "utf8")) as Record<string, unknown>;
    expect(manifest.license).toBe("GPL-3.0-or-later");
    expect(manifest.bin).toEqual({ "altr-mcp": "dist/cli/main.js" });
  });
});

describe("npm publish --dry-run", () => {
  // Offline and against a registry address where nothing listens: the dry run packs and checks
  // package.json without the network. What it cannot check: that the name is free and that the
  // publisher is logged in (npm warns about the login; a real publish also runs prepublishOnly,
  // i.e. npm test, skipped here because this file runs inside npm test).
  it("passes: no package.json field npm would have to correct, the bin and files in place", async () => {
    const res = await run("npm", ["publish", "--dry-run", "--ignore-scripts", "--offline", "--registry", "http://127.0.0.1:9/"], {
      cwd: ROOT,
      env: { ...process.env, npm_config_cache: join(work, "publish-cache"), npm_config_loglevel: "notice" },
    });
    expect(res.code, res.err).toBe(0);
    const warnings = res.err.split("\n").filter((l) => l.startsWith("npm warn") && !l.includes("requires you to be logged in"));
    expect(warnings).toEqual([]);
    expect(res.err).not.toMatch(/auto-corrected|npm error/i);
    expect(res.err).toContain(`name: ${PKG.name}`);
    expect(res.err).toMatch(/\d[\d.]*[kM]?B dist\/cli\/main\.js/);
    expect(res.out.trim()).toBe(`+ ${PKG.name}@${PKG.version}`);
  }, 120_000);
});

describe("npx from the tarball on a clean machine", () => {
  it("npx ./altr-mcp-<v>.tgz --help, tools and call --sandbox run from a fresh dir, an empty cache, offline", async () => {
    const dir = mkdtempSync(join(work, "npx-"));
    const npmrc = join(dir, ".npmrc-empty");
    writeFileSync(npmrc, "");
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH ?? "",
      HOME: dir,
      npm_config_userconfig: npmrc,
      npm_config_cache: join(dir, "npm-cache"),
      npm_config_offline: "true",
      // Nothing listens on port 9 (discard): a fetch npm should not need fails at once.
      npm_config_registry: "http://127.0.0.1:9/",
      npm_config_yes: "true",
      npm_config_audit: "false",
      npm_config_fund: "false",
      npm_config_update_notifier: "false",
      npm_config_loglevel: "error",
    };
    writeFileSync(join(dir, packed.filename), readFileSync(join(work, packed.filename)));
    const npx = (...args: string[]) => run("npx", [`./${packed.filename}`, ...args], { cwd: dir, env });

    const help = await npx("--help");
    expect(help.code, help.err).toBe(0);
    expect(help.out).toContain(`altr-mcp ${PKG.version} — MCP server for the ALTR data security platform`);
    const tools = await npx("tools", "--toolset", "roles", "--json");
    expect(tools.code, tools.err).toBe(0);
    expect((JSON.parse(tools.out) as { tools: { name: string }[] }).tools.map((t) => t.name)).toEqual(["get_roles"]);
    // The sandbox runs from the installed package alone (its documents and validator inside).
    const roles = await npx("call", "get_roles", "--sandbox");
    expect(roles.code, roles.err).toBe(0);
    const envelope = JSON.parse(roles.out) as { success: boolean; data: { roles: string[] } };
    expect(envelope.success).toBe(true);
    expect(envelope.data.roles).toContain("ANALYST");
  }, 180_000);
});
