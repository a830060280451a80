/**
 * The few operations where the generic rule is wrong and the workflow matters, keyed
 * "<service>.<operationId>". Everything else is answered by the generic engine (engine.ts).
 */
import type { Override } from "./engine.js";

export const OVERRIDES: Record<string, Override> = {};
