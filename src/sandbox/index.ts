/**
 * Opening the sandbox for `--sandbox`: the starting state (the demo organisation, or the state
 * file when one exists), the fetch the ALTR clients use, and the state file written atomically
 * after every change.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { ConfigError } from "../config/index.js";
import type { ServiceName } from "../config/services.js";
import { createSandbox, type Sandbox, type SandboxState } from "./engine.js";
import { SEED } from "./seed.js";
import { isRecord } from "./values.js";

export type { Sandbox, SandboxState, Violation } from "./engine.js";
export { createSandbox } from "./engine.js";
export { SEED } from "./seed.js";

/** Placeholder credentials for a sandbox run; nothing is sent anywhere. */
export const SANDBOX_CREDENTIALS = { ORG_ID: "sandbox-org", MAPI_KEY: "sandbox-key", MAPI_SECRET: "sandbox-secret" } as const;

/** Reads a state file; anything that is not a sandbox state is a ConfigError naming the file. */
export function readState(file: string): SandboxState {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
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

/** Writes the state next to the file and renames it over: a reader never sees half a file. */
export function writeState(file: string, state: SandboxState): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 1)}\n`);
  renameSync(tmp, file);
}

export interface OpenedSandbox extends Sandbox {
  stateFile?: string;
}

export function openSandbox(opts: { baseUrls: Record<ServiceName, string>; stateFile?: string }): OpenedSandbox {
  const { stateFile } = opts;
  const state = stateFile && existsSync(stateFile) ? readState(stateFile) : SEED;
  const sandbox = createSandbox({
    baseUrls: opts.baseUrls,
    state,
    onChange: stateFile ? (s) => writeState(stateFile, s) : undefined,
  });
  return Object.assign(sandbox, { stateFile });
}
