import type { SandboxState } from "./engine.js";

export const SEED: SandboxState = { version: 1, collections: {} };
