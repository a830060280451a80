/**
 * The npm package: `npm pack` (once, in beforeAll) holds only what runs, and the tarball runs
 * with `npx ./altr-mcp-<v>.tgz` on a clean machine: a fresh temp dir and an empty npm cache.
 * No network: npm's registry is a loopback stand-in that serves exactly the dependency versions
 * of the package's npm-shrinkwrap.json, their tarballs taken by integrity from the npm cache
 * that `npm ci` filled. A dependency that is not locked is a 404 and fails the test.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = new URL("..", import.meta.url).pathname;
const PKG = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { name: string; version: string };
/** Budget for the packed size (today about 0.2 MB). */
const MAX_PACKED_BYTES = 400_000;

interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  files: { path: string; size: number }[];
}

interface LockEntry {
  version: string;
  integrity: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  bin?: Record<string, string>;
  engines?: Record<string, string>;
  os?: string[];
  cpu?: string[];
  license?: string;
}

let work: string;
let packed: PackResult;
let registry: Awaited<ReturnType<typeof lockedRegistry>>;

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

/** Where cacache keeps a tarball of this integrity (content-v2/<algo>/<hex…>). */
function cachedTarball(cacheDir: string, integrity: string): string {
  const [algo, b64] = integrity.split(/\s+/)[0]!.split("-", 2) as [string, string];
  const hex = Buffer.from(b64, "base64").toString("hex");
  return join(cacheDir, "_cacache", "content-v2", algo, hex.slice(0, 2), hex.slice(2, 4), hex.slice(4));
}

/** A loopback npm registry serving the locked versions only (packuments + cached tarballs). */
async function lockedRegistry(lock: { packages: Record<string, LockEntry> }, cacheDir: string) {
  const versions = new Map<string, Map<string, LockEntry>>();
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (!path) continue;
    const name = path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length);
    if (!versions.has(name)) versions.set(name, new Map());
    versions.get(name)!.set(entry.version, entry);
  }
  // Optional peers nobody installs (e.g. the SDK's @cfworker/json-schema): npm asks for their
  // metadata and goes on without them when the registry has none.
  const optionalPeers = new Set(
    Object.values(lock.packages).flatMap((e) => Object.entries(e.peerDependenciesMeta ?? {}).filter(([, m]) => m.optional).map(([n]) => n)),
  );
  const misses: string[] = [];
  const served = new Set<string>();
  let url = "";
  const server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? "").split("?")[0]!.slice(1));
    const tarball = /^-\/tarball\/(.+)\/([^/]+)\.tgz$/.exec(path);
    if (tarball) {
      const entry = versions.get(tarball[1]!)?.get(tarball[2]!);
      const file = entry && cachedTarball(cacheDir, entry.integrity);
      if (file && existsSync(file)) {
        served.add(`${tarball[1]}@${tarball[2]}`);
        res.writeHead(200, { "content-type": "application/octet-stream" }).end(readFileSync(file));
        return;
      }
      misses.push(`${path} (not in the npm cache)`);
      res.writeHead(404).end();
      return;
    }
    const known = versions.get(path);
    if (!known) {
      if (!optionalPeers.has(path)) misses.push(path);
      res.writeHead(404, { "content-type": "application/json" }).end('{"error":"not found"}');
      return;
    }
    const all = [...known.values()];
    const doc = {
      name: path,
      "dist-tags": { latest: all[all.length - 1]!.version },
      versions: Object.fromEntries(
        all.map((e) => {
          const { integrity, version, ...meta } = e;
          const manifest = { name: path, version, ...meta, dist: { integrity, tarball: `${url}/-/tarball/${encodeURIComponent(path)}/${version}.tgz` } };
          return [version, manifest];
        }),
      ),
    };
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(doc));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const locked = new Set([...versions].flatMap(([name, v]) => [...v.keys()].map((version) => `${name}@${version}`)));
  return { server, url, misses, served, locked };
}

function distFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? distFiles(p) : p.endsWith(".js") ? [relative(ROOT, p)] : [];
  });
}

beforeAll(async () => {
  if (!existsSync(join(ROOT, "dist/cli/main.js"))) throw new Error("dist/ is missing: run `npm run build` (npm test does it)");
  work = mkdtempSync(join(tmpdir(), "altr-mcp-pack-"));
  temporary.push(work);
  const res = await run("npm", ["pack", "--json", "--pack-destination", work], { cwd: ROOT });
  expect(res.code, res.err).toBe(0);
  packed = (JSON.parse(res.out.slice(res.out.indexOf("["))) as PackResult[])[0]!;
  const extracted = join(work, "extracted");
  mkdirSync(extracted);
  const tar = spawnSync("tar", ["-xzf", join(work, packed.filename), "-C", extracted], { encoding: "utf8" });
  expect(tar.status, tar.stderr).toBe(0);
  const cacheDir = spawnSync("npm", ["config", "get", "cache"], { encoding: "utf8" }).stdout.trim();
  const lock = JSON.parse(readFileSync(join(extracted, "package", "npm-shrinkwrap.json"), "utf8")) as { packages: Record<string, LockEntry> };
  registry = await lockedRegistry(lock, cacheDir);
}, 120_000);

const temporary: string[] = [];
afterAll(async () => {
  await new Promise<void>((resolve) => (registry ? registry.server.close(() => resolve()) : resolve()));
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

describe("npm pack", () => {
  it("contains only what runs: compiled JS, the OpenAPI documents as built JSON, README, LICENSE, CHANGELOG, the shrinkwrap", () => {
    const paths = packed.files.map((f) => f.path).sort();
    // The sandbox reads the curated documents from dist/openapi/*.json (written by the build
    // from openapi/*.yaml); the YAML itself is not needed at run time.
    const openapi = readdirSync(join(ROOT, "openapi"))
      .filter((f) => f.endsWith(".yaml"))
      .map((f) => `dist/openapi/${f.replace(/\.yaml$/, ".json")}`);
    const expected = [
      "CHANGELOG.md",
      "LICENSE",
      "README.md",
      "npm-shrinkwrap.json",
      "package.json",
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

  it("ships the full GPL-3.0 text, and package.json says GPL-3.0-or-later; the repository keeps no shrinkwrap", () => {
    const license = readFileSync(join(work, "extracted", "package", "LICENSE"), "utf8");
    expect(license).toMatch(/^GNU GENERAL PUBLIC LICENSE\nVersion 3, 29 June 2007/);
    expect(license).toContain("END OF TERMS AND CONDITIONS");
    const manifest = JSON.parse(readFileSync(join(work, "extracted", "package", "package.json"), "utf8")) as Record<string, unknown>;
    expect(manifest.license).toBe("GPL-3.0-or-later");
    expect(manifest.bin).toEqual({ "altr-mcp": "dist/cli/main.js" });
    expect(existsSync(join(ROOT, "npm-shrinkwrap.json"))).toBe(false);
  });
});

describe("npx from the tarball on a clean machine", () => {
  it("npx ./altr-mcp-<v>.tgz --help and tools run from a fresh dir and an empty npm cache, offline", async () => {
    const dir = mkdtempSync(join(tmpdir(), "altr-mcp-npx-"));
    temporary.push(dir);
    const npmrc = join(dir, ".npmrc-empty");
    writeFileSync(npmrc, "");
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH ?? "",
      HOME: dir,
      npm_config_userconfig: npmrc,
      npm_config_cache: join(dir, "npm-cache"),
      npm_config_registry: `${registry.url}/`,
      npm_config_yes: "true",
      npm_config_audit: "false",
      npm_config_fund: "false",
      npm_config_update_notifier: "false",
      npm_config_loglevel: "error",
    };
    const tgz = join(dir, packed.filename);
    writeFileSync(tgz, readFileSync(join(work, packed.filename)));
    const help = await run("npx", [`./${packed.filename}`, "--help"], { cwd: dir, env });
    expect(registry.misses, help.err).toEqual([]);
    expect(help.code, help.err).toBe(0);
    expect(help.out).toContain(`altr-mcp ${PKG.version} — MCP server for the ALTR data security platform`);
    // Every locked dependency came from the stand-in (the empty cache had none of them).
    expect([...registry.served].sort()).toEqual([...registry.locked].sort());
    const tools = await run("npx", [`./${packed.filename}`, "tools", "--toolset", "roles", "--json"], { cwd: dir, env });
    expect(tools.code, tools.err).toBe(0);
    expect((JSON.parse(tools.out) as { tools: { name: string }[] }).tools.map((t) => t.name)).toEqual(["get_roles"]);
    // The sandbox runs from the installed package alone (its documents and validator included).
    const roles = await run("npx", [`./${packed.filename}`, "call", "get_roles", "--sandbox"], { cwd: dir, env });
    expect(roles.code, roles.err).toBe(0);
    const envelope = JSON.parse(roles.out) as { success: boolean; data: { roles: string[] } };
    expect(envelope.success).toBe(true);
    expect(envelope.data.roles).toContain("ANALYST");
  }, 180_000);
});
