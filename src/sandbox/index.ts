/**
 * Opening the sandbox for `--sandbox`: the starting state (the demo organisation, or the state
 * file when one exists), the fetch the ALTR clients use, and the state file (state-file.ts) kept
 * under a lock and written atomically after every change.
 */
import { ConfigError } from "../config/index.js";
import type { ServiceName } from "../config/services.js";
import { warmUp } from "./documents.js";
import { createSandbox } from "./engine.js";
import { SEED } from "./seed.js";
import { openStateFile } from "./state-file.js";
import type { Sandbox } from "./types.js";

export type { Sandbox, SandboxState, Violation } from "./types.js";
export { createSandbox } from "./engine.js";
export { SEED } from "./seed.js";
export { readState, writeState, withoutSecrets } from "./state-file.js";

/** Placeholder credentials for a sandbox run; nothing is sent anywhere. */
export const SANDBOX_CREDENTIALS = { ORG_ID: "sandbox-org", MAPI_KEY: "sandbox-key", MAPI_SECRET: "sandbox-secret" } as const;

export interface OpenedSandbox extends Sandbox {
  stateFile?: string;
}

export function openSandbox(opts: { baseUrls: Record<ServiceName, string>; stateFile?: string; now?: () => Date }): OpenedSandbox {
  // Validation is readied once the start-up's own work is done (see warmUp), not on the first call.
  setImmediate(warmUp);
  if (!opts.stateFile) return createSandbox({ baseUrls: opts.baseUrls, state: SEED, ...(opts.now ? { now: opts.now } : {}) });
  const file = openStateFile(opts.stateFile);
  const sandbox = createSandbox({
    baseUrls: opts.baseUrls,
    state: file.initial() ?? SEED,
    onChange: (s) => file.save(s),
    ...(opts.now ? { now: opts.now } : {}),
  });
  const inner = sandbox.fetch.bind(sandbox);
  // Each request starts from the file as the last writer left it, and runs alone.
  const fetch = (request: Request) =>
    file.exclusive((s) => sandbox.load(s), () => inner(request)).catch((err: unknown) => {
      // A state file that cannot be used (locked, replaced by a link, corrupt): the call fails with why.
      if (!(err instanceof ConfigError)) throw err;
      return new Response(JSON.stringify({ message: `sandbox: ${err.message}` }), { status: 500, headers: { "content-type": "application/json" } });
    });
  return Object.assign(sandbox, { fetch, stateFile: opts.stateFile });
}
