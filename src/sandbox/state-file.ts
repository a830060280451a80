/**
 * The sandbox's state file (`--sandbox-state FILE`): read and written without following symbolic
 * links, written 0600 through a temp file created exclusively under a random name in the same
 * folder and renamed over FILE (a reader never sees half a file), never holding a secret, and
 * shared safely by several processes: each request runs under a lock on FILE and starts from what
 * the other processes last wrote, so no write is lost and no id is handed out twice.
 */
import { randomBytes } from "node:crypto";
import { closeSync, constants, fstatSync, lstatSync, openSync, readFileSync, renameSync, unlinkSync, writeSync, type Stats } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import lockfile from "proper-lockfile";
import { ConfigError } from "../config/index.js";
import type { SandboxState } from "./types.js";
import { isRecord } from "./values.js";

/**
 * Keys whose values are credentials: never written to the file, whatever call brought them.
 * (`*_arn`, `secret_name`, `secrets_path` name where a secret lives; they are not secrets.)
 */
const SECRET_KEY = /password|passwd|^pwd$|connection_?string|api_?key|private_?key|client_?secret|^secret$|mapi_secret/i;
const NOT_SECRET = /_arn$/i;

/** A copy of the state without any credential-bearing field. */
export function withoutSecrets<T>(value: T): T {
  const visit = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(visit);
    if (!isRecord(v)) return v;
    const out: Record<string, unknown> = {};
    for (const [k, sub] of Object.entries(v)) if (!SECRET_KEY.test(k) || NOT_SECRET.test(k)) out[k] = visit(sub);
    return out;
  };
  return visit(value) as T;
}

/** FILE as the sandbox may use it: absent, or a regular file — never a symbolic link. */
function lstatOrUndefined(file: string): Stats | undefined {
  let stats: Stats;
  try {
    stats = lstatSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new ConfigError(`--sandbox-state ${file} cannot be read: ${(err as Error).message}`);
  }
  if (stats.isSymbolicLink()) throw new ConfigError(`--sandbox-state ${file} is a symbolic link; the sandbox does not follow links: give the file itself`);
  if (!stats.isFile()) throw new ConfigError(`--sandbox-state ${file} is not a regular file`);
  return stats;
}

/** Reads a state file; anything that is not a sandbox state is a ConfigError naming the file. */
export function readState(file: string): SandboxState {
  let parsed: unknown;
  lstatOrUndefined(file);
  try {
    const fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      parsed = JSON.parse(readFileSync(fd, "utf8"));
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    throw new ConfigError(`--sandbox-state ${file} is not readable JSON: ${(err as Error).message}`);
  }
  const collections = isRecord(parsed) ? parsed.collections : undefined;
  if (!isRecord(parsed) || parsed.version !== 1 || !isRecord(collections)) {
    throw new ConfigError(`--sandbox-state ${file} is not a sandbox state (expected {"version": 1, "collections": {…}})`);
  }
  if (parsed.lastIds !== undefined && (!isRecord(parsed.lastIds) || !Object.values(parsed.lastIds).every(Number.isInteger))) {
    throw new ConfigError(`--sandbox-state ${file}: lastIds must map collections to integers`);
  }
  for (const [key, items] of Object.entries(collections)) {
    if (!Array.isArray(items) || !items.every(isRecord)) {
      throw new ConfigError(`--sandbox-state ${file}: collections["${key}"] must be a list of objects`);
    }
  }
  return parsed as unknown as SandboxState;
}

/**
 * Writes the state (secrets left out) to a temp file created exclusively (O_EXCL, O_NOFOLLOW,
 * mode 0600, random name) next to FILE, then renames it over FILE. A symbolic link planted at the
 * temp name makes the create fail; one planted at FILE is replaced, its target left untouched.
 */
export function writeState(file: string, state: SandboxState): void {
  const tmp = join(dirname(file), `.${basename(file)}.${randomBytes(12).toString("hex")}.tmp`);
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    try {
      writeSync(fd, `${JSON.stringify(withoutSecrets(state), null, 1)}\n`);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // already renamed or never written: nothing to clean up
    }
    throw err;
  }
}

/** Identity of the file's current content: a rename gives a new inode, a write a new mtime. */
const identity = (s: Stats | undefined) => (s ? `${s.ino}:${s.size}:${s.mtimeMs}` : "absent");

export interface StateFile {
  /** The absolute path. */
  readonly file: string;
  /** The state at start: the file's, or undefined when there is none yet. */
  initial(): SandboxState | undefined;
  /**
   * Runs `fn` holding the lock on FILE; `reload` is called first with the file's state when
   * another process changed it since this one last read or wrote it.
   */
  exclusive<T>(reload: (state: SandboxState) => void, fn: () => Promise<T>): Promise<T>;
  /** Writes the state (call inside `exclusive`). */
  save(state: SandboxState): void;
}

export function openStateFile(path: string): StateFile {
  const file = resolve(path);
  let seen = identity(lstatOrUndefined(file));
  return {
    file,
    initial: () => (seen === "absent" ? undefined : readState(file)),
    async exclusive(reload, fn) {
      let release: () => Promise<void>;
      try {
        release = await lockfile.lock(file, {
          realpath: false,
          lockfilePath: `${file}.lock`,
          stale: 15_000,
          retries: { retries: 400, factor: 1.2, minTimeout: 5, maxTimeout: 60, randomize: true },
          // The lock is only held for one request; a lock lost to a stalled event loop must not crash the server.
          onCompromised: () => undefined,
        });
      } catch (err) {
        throw new ConfigError(`--sandbox-state ${file} is locked by another process (${file}.lock) and did not free up: ${(err as Error).message}`);
      }
      try {
        const now = identity(lstatOrUndefined(file));
        if (now !== seen && now !== "absent") {
          reload(readState(file));
          seen = now;
        }
        return await fn();
      } finally {
        await release().catch(() => undefined);
      }
    },
    save(state) {
      writeState(file, state);
      const fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
      try {
        seen = identity(fstatSync(fd));
      } finally {
        closeSync(fd);
      }
    },
  };
}
