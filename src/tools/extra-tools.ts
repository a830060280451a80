/**
 * Tools the Python server does not have, each with a one-line reason. Every upstream tool name
 * exists here too (altr-mcp is a drop-in replacement); any other tool must be listed below,
 * reviewed like the tool list itself (tests/invariants.test.ts checks both directions).
 */
export const EXTRA_TOOLS: Readonly<Record<string, string>> = {};
