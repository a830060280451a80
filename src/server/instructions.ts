/** Server instructions sent at initialize: the few facts that prevent wrong calls. */
export const INSTRUCTIONS = `altr-mcp manages data security on the ALTR platform.
- Every tool returns {success, data, error}. When success is false, read error.message: it names the HTTP status, ALTR's message and the fix. Do not report a failed call as done.
- Databases have numeric ids: find them with get_databases or get_database_id before calling tools that take database_id.
- Masking policies belong to a tag. Snowflake: the tag must be connected in ALTR and its name is UPPERCASE, policy type TAG. Databricks: use the raw tag name, policy type PUSHDOWN and database_ids.
- A policy without rules masks every tagged column for everyone; add rules right after create_policy.
- Masking levels in rules: 10000 no mask, 10001 full mask, 10002 email, 10003 show last four, 10004 constant, 10005 null, 10006 full-mask hash, 10007 email hash, 10008 last-four hash, 10009 constant date. Roles come from get_roles.
- disconnect_* makes ALTR forget a connection and leaves the source untouched; delete_* destroys the ALTR object (deleting a policy or rule removes masking).`;
