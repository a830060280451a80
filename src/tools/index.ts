/** The tool table: every tool altr-mcp has, in the order tools/list shows them. */
import type { Tool } from "./define.js";
import { databaseTools } from "./databases.js";
import { policyTools } from "./policies.js";
import { roleTools } from "./roles.js";

export const ALL_TOOLS: readonly Tool[] = [...databaseTools, ...roleTools, ...policyTools];
