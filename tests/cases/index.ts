/** Every domain's tool cases, for the Prism, Pact and redaction tests. Add one import per domain. */
import { databaseCases } from "./databases.js";
import { policyCases } from "./policies.js";
import type { ToolCase } from "./types.js";

export type { ToolCase, WireCall } from "./types.js";

export const CASES: ToolCase[] = [...databaseCases, ...policyCases];
