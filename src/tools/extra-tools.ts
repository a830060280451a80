/**
 * Tools the Python server does not have, each with a one-line reason. Every upstream tool name
 * exists here too (altr-mcp is a drop-in replacement); any other tool must be listed below,
 * reviewed like the tool list itself (tests/invariants.test.ts checks both directions).
 */
export const EXTRA_TOOLS: Readonly<Record<string, string>> = {
  get_job_classified_columns:
    "finding which columns hold PII took five drill-down calls (issue 16): one bounded call walks the findings tree with a cursor, using the same four findings operations",
};
