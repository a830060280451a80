/** Access requests: file, list, review and resolve Snowflake access requests (api service). */
import { z } from "zod";
import type { components } from "../generated/api.js";
import { S, objectOf, propertyOf } from "../schema/json-schema.js";
import { defineTool, input, responseBody, responseData, type Tool } from "./define.js";
import { snowflakeRules } from "./access-management.js";
import { CREATE, READ, UPDATE, text } from "./common.js";

type AccessRequestStatus = components["schemas"]["AccessRequestStatus"];

const STATUSES = [
  "NONE",
  "PENDING_CREATION",
  "OPEN",
  "PENDING",
  "PENDING_APPROVED",
  "CLOSED_APPROVED",
  "PENDING_DENIED",
  "CLOSED_DENIED",
  "PENDING_CANCELLED",
  "CLOSED_CANCELLED",
  "CLOSED",
  "FAILED",
] as const satisfies readonly AccessRequestStatus[];

const requestId = text;

const snowflakeMetadata = input.described(
  "object",
  z.object({ account_region: text.optional(), account_name: text.optional(), organization_name: text.optional() }).strict(),
  "{account_region, account_name, organization_name}.",
);

/** The `exclusive_start_key` of the next page: ALTR's last_evaluated_key.id (or the key itself when it is a string). */
function nextStartKey(key: unknown): string | null {
  if (typeof key === "string") return key || null;
  if (key && typeof key === "object" && typeof (key as { id?: unknown }).id === "string") return (key as { id: string }).id || null;
  return null;
}

const decision = (verb: "approve" | "deny" | "cancel", what: string, title: string) =>
  defineTool({
    // Approving grants access to protected data: it asks the user first (not destructive).
    ...(verb === "approve" ? { asks: "always" as const } : {}),
    name: `${verb}_access_request`,
    title,
    description: what,
    toolset: "access_requests",
    input: { request_id: requestId, justification: text },
    // A request can be decided once; repeating the call changes nothing further.
    annotations: UPDATE,
    operations: [`api.${verb}AccessRequest` as const],
    output: responseData(`api.${verb}AccessRequest`),
    async handler({ request_id, justification }, { call, signal }) {
      const body = await call(`api.${verb}AccessRequest` as const, { path: { request_id }, body: { justification }, signal });
      return body?.data ?? null;
    },
  });

export const accessRequestTools: Tool[] = [
  defineTool({
    name: "create_access_request",
    title: "File an access request",
    description: "File a Snowflake access request for an administrator to decide.",
    toolset: "access_requests",
    input: {
      requester: text,
      justification: text,
      connection_id: z.number().int().min(1).describe("From get_databases."),
      rules: snowflakeRules,
      email: text.refine((v) => /^[^@\s]+@[^@\s]+$/.test(v), "is not an e-mail address").optional(),
      role: text.optional().describe("Requester's Snowflake role."),
      snowflake_metadata: snowflakeMetadata.optional(),
    },
    annotations: CREATE,
    operations: ["api.createAccessRequest"],
    output: responseData("api.createAccessRequest"),
    async handler(args, { call, signal }) {
      const body = await call("api.createAccessRequest", { body: {
            requester_identity: {
              requester: args.requester,
              ...(args.email ? { email: args.email } : {}),
              ...(args.role ? { role: args.role } : {}),
            },
            justification: args.justification,
            connection_id: args.connection_id,
            rules: args.rules,
            ...(args.snowflake_metadata ? { snowflake_metadata: args.snowflake_metadata } : {}),
          }, signal });
      return body?.data ?? null;
    },
  }),

  defineTool({
    name: "get_access_requests",
    title: "List access requests",
    description: "List access requests, newest first by default.",
    toolset: "access_requests",
    input: {
      limit: z.number().int().min(1).optional().describe("Page size (ALTR's default 10)."),
      requester: text.optional(),
      status: z.enum(STATUSES).optional(),
      sort: z.enum(["asc", "desc"]).optional(),
      exclusive_start_key: text.optional().describe("next_start_key of a previous answer."),
    },
    annotations: READ,
    operations: ["api.listAccessRequests"],
    output: objectOf({
      access_requests: propertyOf(responseBody("api.listAccessRequests"), "data"),
      count: S.integer,
      next_start_key: S.nullableString,
    }),
    async handler(query, { call, signal }) {
      const body = await call("api.listAccessRequests", { query, signal });
      const requests = Array.isArray(body?.data) ? body.data : [];
      return { access_requests: requests, count: requests.length, next_start_key: nextStartKey(body?.last_evaluated_key) };
    },
  }),

  defineTool({
    name: "get_access_request",
    title: "Get an access request",
    description: "Get one access request: rules, state, who decided and why.",
    toolset: "access_requests",
    input: { request_id: requestId },
    annotations: READ,
    operations: ["api.getAccessRequest"],
    output: responseData("api.getAccessRequest"),
    async handler({ request_id }, { call, signal }) {
      const body = await call("api.getAccessRequest", { path: { request_id }, signal });
      return body?.data ?? null;
    },
  }),

  decision("approve", "Approve an OPEN access request, with the reason; ALTR grants it, so it asks first.", "Approve an access request"),
  decision("deny", "Deny an OPEN access request, with the reason.", "Deny an access request"),
  decision("cancel", "Withdraw an OPEN access request, with the reason.", "Cancel an access request"),
];
