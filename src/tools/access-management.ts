/**
 * Access management: Snowflake (GRANT) and OLTP access policies of the Unified Policy API (api).
 * The rule fragments here are shared with access requests, which use the Snowflake rule format.
 */
import { z } from "zod";
import { responseData, defineTool, input, type Tool } from "./define.js";
import { CREATE, REMOVE, UPDATE, text } from "./common.js";

/** At most 255 characters (checked, not advertised: the limit rarely matters and costs tokens). */
export const name255 = text.refine((v) => v.length <= 255, "must be at most 255 characters");

/** A non-empty list of names without repeats. */
const identifiers = z
  .array(text)
  .min(1)
  .refine((list) => new Set(list).size === list.length, "lists an identifier twice");

const roleActor = z
  .object({
    type: z.literal("role"),
    condition: z.enum(["equals", "starts_with", "ends_with"]),
    identifiers,
  })
  .strict();

const fullyQualified = z
  .object({ database: text, schema: text.optional(), table: text.optional(), view: text.optional() })
  .strict()
  .superRefine((o, ctx) => {
    if ((o.table || o.view) && !o.schema) ctx.addIssue({ code: "custom", path: ["schema"], message: "required with table or view" });
    if (o.table && o.view) ctx.addIssue({ code: "custom", path: ["view"], message: "give table or view, not both" });
  });

const snowflakeObject = z
  .object({
    type: z.enum(["database", "schema", "table", "view"]),
    condition: z.enum(["equals", "starts_with", "ends_with", "fully_qualified"]),
    identifiers: identifiers.optional(),
    fully_qualified_identifiers: z.array(fullyQualified).min(1).optional(),
  })
  .strict()
  .superRefine((o, ctx) => {
    if (o.condition === "fully_qualified") {
      if (!o.fully_qualified_identifiers) {
        ctx.addIssue({ code: "custom", path: ["fully_qualified_identifiers"], message: "required when condition is fully_qualified" });
      }
      if (o.identifiers) ctx.addIssue({ code: "custom", path: ["identifiers"], message: "not used with condition fully_qualified" });
    } else {
      if (!o.identifiers) ctx.addIssue({ code: "custom", path: ["identifiers"], message: "required unless condition is fully_qualified" });
      if (o.fully_qualified_identifiers) {
        ctx.addIssue({ code: "custom", path: ["fully_qualified_identifiers"], message: "only with condition fully_qualified" });
      }
    }
  });

const taggedObjects = z
  .object({
    check_against: z.array(z.enum(["databases", "schemas", "tables", "views"])).min(1),
    tagged_with: z
      .array(z.object({ database: text.optional(), schema: text.optional(), name: text, value: text.optional() }).strict())
      .min(1),
    tag_condition: z.enum(["or", "and"]).optional(),
  })
  .strict();

const accessKinds = z
  .array(z.object({ name: z.enum(["read", "write"]) }).strict())
  .min(1)
  .max(2)
  .refine((list) => new Set(list.map((a) => a.name)).size === list.length, "lists an access kind twice");

const snowflakeRule = z
  .object({
    actors: z.array(roleActor).min(1),
    objects: z.array(snowflakeObject).min(1).optional(),
    tagged_objects: z.array(taggedObjects).min(1).optional(),
    access: accessKinds,
  })
  .strict()
  .superRefine((r, ctx) => {
    if (!r.objects && !r.tagged_objects) ctx.addIssue({ code: "custom", path: ["objects"], message: "required (or tagged_objects)" });
  });

const oltpPart = z
  .object({ name: text.optional(), wildcard: z.boolean().optional() })
  .strict()
  .refine((p) => p.name !== undefined || p.wildcard === true, "give name, or wildcard: true");

const oltpRule = z
  .object({
    type: z.enum(["create", "read", "update", "delete"]).optional(),
    actors: z
      .array(z.object({ type: z.enum(["idp_user", "idp_group"]), condition: z.literal("equals"), identifiers }).strict())
      .min(1),
    objects: z
      .array(
        z
          .object({
            type: z.literal("column"),
            condition: z.literal("equals").optional(),
            identifiers: z.array(z.object({ database: oltpPart, schema: oltpPart, table: oltpPart, column: oltpPart }).strict()).min(1),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();

/** Snowflake access rules (access-management policies and access requests). */
export const snowflakeRules = input.described(
  "array",
  z.array(snowflakeRule).min(1),
  "[{actors:[{type:role,condition,identifiers}],objects:[{type:database|schema|table|view,condition,identifiers}],access:[{name:read|write}]}]. condition: equals|starts_with|ends_with, or fully_qualified with fully_qualified_identifiers:[{database,schema,table}]. tagged_objects can replace objects.",
);

const oltpRules = input.described(
  "array",
  z.array(oltpRule).min(1),
  "[{type:read,actors:[{type:idp_user|idp_group,condition:equals,identifiers}],objects:[{type:column,identifiers:[{database,schema,table,column}]}]}]; each level {name} or {wildcard:true}.",
);

const maintenance = input.described(
  "object",
  z
      .object({ rate: z.enum(["day", "cron"]), value: z.union([z.number().int().min(1), z.string().trim().min(1)]) })
      .strict()
      .superRefine((m, ctx) => {
        if (m.rate === "day" && typeof m.value !== "number") {
          ctx.addIssue({ code: "custom", path: ["value"], message: "must be a whole number of days when rate is day" });
        }
        if (m.rate === "cron" && (typeof m.value !== "string" || m.value.split(/\s+/).length !== 6)) {
          ctx.addIssue({ code: "custom", path: ["value"], message: "must be an AWS cron expression with 6 fields, e.g. 0 12 * * ? *" });
        }
      }),
  "Re-check schedule: {rate:day,value:days} or {rate:cron,value:'0 12 * * ? *'}.",
);

const accessPolicyId = text.describe("GRANT#… id (get_policies, type GRANT).");

export const accessManagementTools: Tool[] = [
  defineTool({
    name: "create_snowflake_access_policy",
    title: "Create a Snowflake access policy",
    description: "Create a Snowflake access policy: which roles may read or write which objects.",
    toolset: "access_management",
    input: {
      policy_name: name255,
      description: name255,
      connection_id: z.number().int().min(1).describe("From get_databases."),
      rules: snowflakeRules,
      policy_maintenance: maintenance.optional(),
      access_request_id: text.optional().describe("The access request it fulfils."),
    },
    annotations: CREATE,
    operations: ["api.createSnowflakeAccessPolicy"],
    output: responseData("api.createSnowflakeAccessPolicy"),
    async handler(args, { call, signal }) {
      const body = await call("api.createSnowflakeAccessPolicy", { body: {
            policy_name: args.policy_name,
            description: args.description,
            connection_ids: [args.connection_id],
            rules: args.rules,
            ...(args.policy_maintenance ? { policy_maintenance: args.policy_maintenance } : {}),
            ...(args.access_request_id ? { access_request_id: args.access_request_id } : {}),
          }, signal });
      return body?.data ?? null;
    },
  }),

  defineTool({
    name: "create_oltp_access_policy",
    title: "Create an OLTP access policy",
    description: "Create an OLTP (sidecar repo) access policy: which IdP users or groups may read which columns.",
    toolset: "access_management",
    input: {
      policy_name: name255,
      description: name255,
      repo_name: text,
      database_type: z.number().int().min(1).describe("Engine code, e.g. 4 (Oracle)."),
      database_type_name: text.describe("e.g. oracle."),
      rules: oltpRules,
      case_sensitivity: z.enum(["case_sensitive"]).default("case_sensitive"),
    },
    annotations: CREATE,
    operations: ["api.createOltpAccessPolicy"],
    output: responseData("api.createOltpAccessPolicy"),
    async handler(args, { call, signal }) {
      const body = await call("api.createOltpAccessPolicy", { body: {
            policy_name: args.policy_name,
            description: args.description,
            repo_name: args.repo_name,
            database_type: args.database_type,
            database_type_name: args.database_type_name,
            rules: args.rules,
            case_sensitivity: args.case_sensitivity,
          }, signal });
      return body?.data ?? null;
    },
  }),

  defineTool({
    name: "update_snowflake_access_policy",
    title: "Replace a Snowflake access policy",
    description: "Replace a Snowflake access policy's name and rules (rules left out lose their grants).",
    toolset: "access_management",
    input: {
      policy_id: accessPolicyId,
      policy_name: name255,
      rules: snowflakeRules.describe("As in create_snowflake_access_policy."),
      description: name255.optional(),
    },
    // A replaced rule list can revoke access, so it is flagged as destructive.
    annotations: REMOVE,
    operations: ["api.updateSnowflakeAccessPolicy"],
    output: responseData("api.updateSnowflakeAccessPolicy"),
    async handler({ policy_id, policy_name, rules, description }, { call, signal }) {
      const body = await call("api.updateSnowflakeAccessPolicy", { path: { policy_id }, body: { policy_name, rules, ...(description ? { description } : {}) }, signal });
      return body?.data ?? null;
    },
  }),

  defineTool({
    name: "trigger_access_policy_check",
    title: "Run an access policy check",
    description: "Run an access policy's check now.",
    toolset: "access_management",
    input: { policy_id: accessPolicyId },
    annotations: UPDATE,
    operations: ["api.triggerAccessPolicyCheck"],
    output: responseData("api.triggerAccessPolicyCheck"),
    async handler({ policy_id }, { call, signal }) {
      const body = await call("api.triggerAccessPolicyCheck", { path: { policy_id }, signal });
      return body?.data ?? null;
    },
  }),
];
