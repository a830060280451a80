/** Databases: connect, inspect, update and disconnect data sources (altrnet + service-user). */
import { z } from "zod";
import type { components } from "../generated/altrnet.js";
import type { components as ServiceUserComponents } from "../generated/service-user.js";
import { nextToken, paginate, paginateOffset } from "../altr/paginate.js";
import { S, objectOf, propertyOf, type JsonSchema } from "../schema/json-schema.js";
import { defineTool, InputError, ToolFailure, responseBody, responseData, type Tool, type ToolContext } from "./define.js";
import { contiguousId, CREATE, databaseId, MAX_PAGES, offsetParam, READ, REMOVE, UPDATE, withProperties } from "./common.js";
import { deleteOnce, DELETE_OUTCOME, outcome } from "./deletes.js";

type Database = components["schemas"]["Database"];
type ServiceUser = ServiceUserComponents["schemas"]["ServiceUser"];

/** ALTR's default page size for service users (when no limit is sent). */
const ALTR_SERVICE_USER_PAGE = 10;

/** altrnet pages /api/databases with offset and limit (at most 50 a page). */
const PAGE_SIZE = 50;

const databaseList = propertyOf(responseData("altrnet.listDatabases"), "databases");
/** The documented user list of the page-object answer (the second shape of the 200). */
const serviceUserList = propertyOf(((responseBody("service_user.listSnowflakeServiceUsers").anyOf ?? []) as JsonSchema[])[1] ?? null, "users");

/** Password-mode fields that may not accompany service_user_id, per tool. */
const PASSWORD_MODE = ["database_username", "database_password", "hostname", "database_port"] as const;
const DATABRICKS_PASSWORD_MODE = ["database_username", "database_password"] as const;

export const databaseTools: Tool[] = [
  defineTool({
    name: "get_databases",
    title: "List databases",
    description:
      "List connected databases (Snowflake, Databricks, OLTP) and their ids.",
    toolset: "databases",
    input: {
      offset: offsetParam,
      sortBy: z.enum(["friendlyDatabaseName", "id"]).optional(),
      orderBy: z.enum(["asc", "desc"]).optional(),
    },
    annotations: READ,
    operations: ["altrnet.listDatabases"],
    output: withProperties(responseData("altrnet.listDatabases"), { total: S.integer, next_offset: S.nullableInteger }),
    async handler({ offset, sortBy, orderBy }, ctx) {
      const paged = await databasePages(ctx, offset ?? 0, MAX_PAGES, { sortBy, orderBy });
      // count: the rows returned; total: how many ALTR says there are (more when next_offset is set).
      return { databases: paged.items, count: paged.items.length, total: paged.total, next_offset: paged.next_offset };
    },
  }),

  defineTool({
    name: "get_database_id",
    title: "Find a database id by name",
    description:
      "Find a database's id by display name; fails unless exactly one matches.",
    toolset: "databases",
    input: {
      database_name: z.string().trim().min(1).describe("Display name."),
    },
    annotations: READ,
    operations: ["altrnet.listDatabases"],
    output: objectOf({ database_id: S.nullableInteger, databases: databaseList }),
    async handler({ database_name }, { call, signal }) {
      const database = await findDatabaseByName(call, database_name, signal);
      return { database_id: database.id, databases: [database] };
    },
  }),

  defineTool({
    name: "get_service_users",
    title: "List Snowflake service users",
    description:
      "List Snowflake service users (key-pair identities), for service_user_id.",
    toolset: "databases",
    input: {
      limit: z.number().int().min(1).max(100).optional(),
      prefix: z.string().min(1).optional(),
      order_by: z.enum(["asc", "desc"]).optional(),
      contiguous_id: contiguousId,
    },
    annotations: READ,
    operations: ["service_user.listSnowflakeServiceUsers"],
    output: objectOf({ users: serviceUserList, contiguous_id: S.nullableString, may_be_incomplete: S.boolean }),
    async handler({ limit, prefix, order_by, contiguous_id }, { call, signal, scope }) {
      // ALTR pages this list (default 10). A page object is followed by its contiguous_id for a
      // bounded number of pages; a bare array has no cursor, so one as long as the page size
      // may have been cut off and is never presented as complete.
      let truncatedArray = false;
      const paged = await paginate<ServiceUser, string>({
        scope,
        start: contiguous_id ?? null,
        maxPages: MAX_PAGES,
        fetchPage: async (cursor) => {
          const body = await call("service_user.listSnowflakeServiceUsers", { query: { limit, prefix, order_by, contiguous_id: cursor ?? undefined }, signal });
          if (Array.isArray(body)) {
            truncatedArray = body.length >= (limit ?? ALTR_SERVICE_USER_PAGE);
            return { items: body, next: null };
          }
          return { items: body?.users ?? [], next: nextToken(body?.contiguous_id) };
        },
      });
      return { users: paged.items, contiguous_id: paged.next, may_be_incomplete: truncatedArray || paged.next !== null };
    },
  }),

  defineTool({
    name: "create_database",
    title: "Connect a Snowflake or OLTP database",
    description:
      "Connect a Snowflake or OLTP database (Databricks: create_databricks_database). Auth: service_user_id, or username/password/hostname/port; not both.",
    toolset: "databases",
    input: {
      friendly_database_name: z.string().trim().min(1),
      database_type: z
        .enum(["snowflake_external_functions", "sqlserver", "mysql", "redshift", "oracle"], {
          error: "must be snowflake_external_functions, sqlserver, mysql, redshift or oracle (Databricks: create_databricks_database)",
        })
        .describe("Snowflake: snowflake_external_functions."),
      database_name: z.string().trim().min(1).describe("Name on the source, e.g. ANALYTICS."),
      service_user_id: z.string().trim().min(1).optional().describe("From get_service_users."),
      database_username: z.string().min(1).optional(),
      database_password: z.string().min(1).optional(),
      hostname: z.string().trim().min(1).optional(),
      database_port: z.number().int().min(1).max(65535).optional(),
    },
    sensitive: ["database_password"],
    annotations: CREATE,
    operations: ["altrnet.createDatabase"],
    output: responseData("altrnet.createDatabase"),
    async handler(args, { call, signal }) {
      rejectMixedAuth(args, PASSWORD_MODE);
      const body = await call("altrnet.createDatabase", { body: {
            friendlyDatabaseName: args.friendly_database_name,
            databaseType: args.database_type,
            databaseName: args.database_name,
            ...(args.service_user_id !== undefined
              ? { serviceUserID: args.service_user_id }
              : {
                  databaseUsername: args.database_username,
                  databasePassword: args.database_password,
                  hostname: args.hostname,
                  databasePort: args.database_port,
                }),
          }, signal });
      return body.data ?? null;
    },
  }),

  defineTool({
    name: "create_databricks_database",
    title: "Connect a Databricks workspace",
    description:
      "Connect a Databricks catalog. Auth: service_user_id, or database_username + database_password (personal access token); not both.",
    toolset: "databases",
    input: {
      friendly_database_name: z.string().trim().min(1),
      database_name: z.string().trim().min(1).describe("Catalog name."),
      hostname: z
        .url({ protocol: /^https$/, error: "must be the workspace URL, e.g. https://adb-123.azuredatabricks.net" })
        .describe("Workspace URL, e.g. https://adb-123.azuredatabricks.net."),
      database_username: z.string().min(1).optional(),
      database_password: z.string().min(1).optional(),
      service_user_id: z.string().trim().min(1).optional().describe("From get_service_users."),
    },
    sensitive: ["database_password"],
    annotations: CREATE,
    operations: ["altrnet.createDatabase"],
    output: responseData("altrnet.createDatabase"),
    async handler(args, { call, signal }) {
      rejectMixedAuth(args, DATABRICKS_PASSWORD_MODE);
      const body = await call("altrnet.createDatabase", { body: {
            friendlyDatabaseName: args.friendly_database_name,
            databaseType: "databricks",
            databaseName: args.database_name,
            hostname: args.hostname,
            ...(args.service_user_id !== undefined
              ? { serviceUserID: args.service_user_id }
              : { databaseUsername: args.database_username, databasePassword: args.database_password }),
          }, signal });
      return body.data ?? null;
    },
  }),

  defineTool({
    name: "update_database",
    title: "Update a database connection",
    description:
      "Change a connected database's settings.",
    toolset: "databases",
    input: {
      database_id: databaseId,
      friendly_database_name: z.string().trim().min(1).optional(),
      max_number_of_connections: z.number().int().min(1).optional(),
      max_number_of_batches: z.number().int().min(1).optional(),
      service_user_id: z.string().trim().min(1).optional().describe("From get_service_users."),
      connection_string: z.string().min(1).optional(),
      database_password: z.string().min(1).optional(),
      database_username: z.string().min(1).optional(),
      snowflake_role: z.string().min(1).optional(),
      warehouse_name: z.string().min(1).optional(),
      should_classify: z.boolean().optional(),
      data_usage_history: z.boolean().optional(),
      classification_type: z.string().min(1).optional().describe("e.g. GDLP."),
      reinvoke: z.boolean().optional().describe("Re-run the connection setup."),
    },
    sensitive: ["database_password", "connection_string"],
    annotations: UPDATE,
    operations: ["altrnet.updateDatabase"],
    output: responseData("altrnet.updateDatabase"),
    async handler({ database_id, ...fields }, { call, signal }) {
      const body = {
        friendlyDatabaseName: fields.friendly_database_name,
        maxNumberOfConnections: fields.max_number_of_connections,
        maxNumberOfBatches: fields.max_number_of_batches,
        serviceUserID: fields.service_user_id,
        connectionString: fields.connection_string,
        databasePassword: fields.database_password,
        databaseUsername: fields.database_username,
        snowflakeRole: fields.snowflake_role,
        warehouseName: fields.warehouse_name,
        shouldClassify: fields.should_classify,
        dataUsageHistory: fields.data_usage_history,
        classificationType: fields.classification_type,
        reinvoke: fields.reinvoke,
      };
      if (Object.values(body).every((v) => v === undefined)) {
        throw new InputError("Nothing to update: give at least one field besides database_id", []);
      }
      const res = await call("altrnet.updateDatabase", { path: { databaseId: database_id }, body, signal });
      return res.data ?? null;
    },
  }),

  defineTool({
    name: "trigger_database_status_sync",
    title: "Re-check a database connection",
    description:
      "Re-check a database connection (get_databases shows progress).",
    toolset: "databases",
    input: { database_id: databaseId },
    annotations: UPDATE,
    operations: ["altrnet.syncDatabaseStatus"],
    output: responseData("altrnet.syncDatabaseStatus"),
    async handler({ database_id }, { call, signal }) {
      const body = await call("altrnet.syncDatabaseStatus", { path: { databaseId: database_id }, signal });
      return body.data ?? null;
    },
  }),

  defineTool({
    name: "disconnect_database",
    title: "Disconnect a database",
    description:
      "Disconnect a data source: ALTR stops governing it; the database is untouched.",
    toolset: "databases",
    aliases: ["delete_database"],
    input: {
      database_id: databaseId,
      ignore_errors: z.boolean().default(false).describe("Force it when ALTR-side cleanup fails."),
    },
    annotations: REMOVE,
    operations: ["altrnet.deleteDatabase", "altrnet.listDatabases"],
    output: objectOf({ database_id: S.integer, disconnected: S.boolean, ...DELETE_OUTCOME }),
    async impact({ database_id }, ctx) {
      const database = (await databasePages(ctx, 0, 3)).items.find((d) => d.id === database_id);
      if (!database?.friendlyDatabaseName) return undefined;
      return `${database.friendlyDatabaseName} (${database.databaseType ?? "?"}): ALTR stops governing it`;
    },
    async handler({ database_id, ignore_errors }, { call, signal }) {
      const done = await deleteOnce(call("altrnet.deleteDatabase", { path: { databaseId: database_id }, query: ignore_errors ? { ignoreErrors: true } : {}, signal }), { what: "database", list: "get_databases" });
      return { database_id, disconnected: done.changed, ...outcome(done) };
    },
  }),
];

/**
 * The one connected database whose display name is `name` (get_database_id, connect_tag): an
 * exact match wins over a case-insensitive one; no match or several matches is a ToolFailure
 * (several: listing their ids); a failed lookup (401, 5xx, ...) is thrown as that AltrError.
 */
/** Pages of the database list from `start` (at most `maxPages`). */
function databasePages(
  ctx: Pick<ToolContext<"altrnet.listDatabases">, "call" | "signal" | "scope">,
  start: number,
  maxPages: number,
  sort: { sortBy?: "friendlyDatabaseName" | "id" | undefined; orderBy?: "asc" | "desc" | undefined } = {},
) {
  return paginateOffset({
    scope: ctx.scope,
    start,
    maxPages,
    fetchPage: async (at) => {
      const body = await ctx.call("altrnet.listDatabases", { query: { offset: at, limit: PAGE_SIZE, ...sort }, signal: ctx.signal });
      return { items: body.data?.databases ?? [], total: body.data?.count };
    },
  });
}

export async function findDatabaseByName(
  call: ToolContext<"altrnet.listDatabases">["call"],
  name: string,
  signal: AbortSignal,
): Promise<Database> {
  const body = await call("altrnet.listDatabases", { query: { friendlyDatabaseName: name, limit: PAGE_SIZE }, signal });
  const all = body.data?.databases ?? [];
  // The server's filter may match partially; the id is only certain for an exact name.
  const exact = all.filter((d) => d.friendlyDatabaseName === name);
  const matches = exact.length > 0 ? exact : all.filter((d) => d.friendlyDatabaseName?.toLowerCase() === name.toLowerCase());
  if (matches.length === 0) {
    const near = all.map((d) => d.friendlyDatabaseName).filter(Boolean).slice(0, 10);
    throw new ToolFailure(
      "not_found",
      `No database is named "${name}".${near.length ? ` Similar names: ${near.join(", ")}.` : ""} Use get_databases to see every name.`,
    );
  }
  if (matches.length > 1) {
    throw new ToolFailure(
      "not_found",
      `${matches.length} databases are named "${name}" (ids ${matches.map((d) => d.id).join(", ")}); use get_databases to pick one.`,
      { database_id: null, databases: matches },
    );
  }
  return matches[0]!;
}

function rejectMixedAuth(args: Record<string, unknown>, passwordFields: readonly string[]): void {
  if (args.service_user_id === undefined) return;
  const mixed = passwordFields.filter((f) => args[f] !== undefined);
  if (mixed.length) {
    throw new InputError(
      `${mixed.join(", ")}: not allowed together with service_user_id (choose service-user or password authentication)`,
      mixed,
    );
  }
}
