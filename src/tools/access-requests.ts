/** Access requests: file, list, review and resolve Snowflake access requests (api service). */
import { z } from "zod";
import type { components } from "../generated/api.js";
import { S, objectOf, propertyOf } from "../schema/json-schema.js";
import { defineTool, input, responseBody, responseData, type Tool } from "./define.js";
import { snowflakeRules } from "./access-management.js";
import { CREATE, READ, UPDATE, text, withProperties } from "./common.js";
import type { JsonSchema } from "../schema/json-schema.js";

/** A list schema whose items document `extra` too. */
const withItemProperties = (schema: JsonSchema, extra: Record<string, JsonSchema>): JsonSchema =>
  ({ ...schema, items: withProperties((schema.items ?? {}) as JsonSchema, extra) });

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

/** One object an access request asks for, flattened: what, where, which access, for whom. */
interface Requested {
  access: string;
  type: string;
  /** How ALTR matches it when not by exact name: starts_with, ends_with, tagged. */
  match?: string;
  database?: string;
  schema?: string;
  table?: string;
  view?: string;
  column?: string;
  tag?: string;
  /** An identifier of a type this reader does not know. */
  name?: string;
  for: string;
  summary: string;
}

/** Most objects listed per request (a hostile or huge request is cut; `requested_summary` says how many more). */
const MAX_REQUESTED = 50;

const LEVELS = ["database", "schema", "table", "view"] as const;

const str = (v: unknown): string | undefined => (typeof v === "string" && v.trim() ? v : typeof v === "number" ? String(v) : undefined);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const rec = (v: unknown): Record<string, unknown> => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
/** An OLTP identifier level: `{name}` or `{wildcard: true}`; a Snowflake one is the name itself. */
const part = (v: unknown): string | undefined => str(v) ?? (rec(v).wildcard === true ? "*" : str(rec(v).name));

/**
 * The objects an access request's rules ask for, one row each, read from ALTR's rules as filed
 * (Snowflake: objects with identifiers or fully_qualified_identifiers, or tagged_objects; OLTP:
 * column identifiers {database, schema, table, column}). Unknown shapes give no row, never an error.
 */
export function requestedObjects(rules: unknown): { rows: Requested[]; total: number } {
  const rows: Requested[] = [];
  let total = 0;
  const add = (r: Omit<Requested, "summary">) => {
    total++;
    if (rows.length >= MAX_REQUESTED) return;
    const where = [r.database, r.schema, r.table ?? r.view, r.column].filter(Boolean).join(".") || r.name;
    const how = r.match && r.match !== "equals" ? `${r.match.replace(/_/g, " ")} ` : "";
    rows.push({ ...r, summary: `${r.access} on ${r.type} ${how}${where || r.tag || "?"} for ${r.for}` });
  };
  for (const raw of list(rules)) {
    const rule = rec(raw);
    const access = list(rule.access).map((a) => str(rec(a).name)).filter(Boolean).join("+") || str(rule.type) || "access";
    const who = list(rule.actors)
      .map((a) => `${str(rec(a).type) ?? "actor"} ${list(rec(a).identifiers).map(str).filter(Boolean).join(", ")}`.trim())
      .join("; ") || "(no actor)";
    for (const o of list(rule.objects).map(rec)) {
      const type = str(o.type) ?? "object";
      const match = str(o.condition);
      const fq = list(o.fully_qualified_identifiers).map(rec);
      for (const f of fq) add({ access, type, database: str(f.database), schema: str(f.schema), table: str(f.table), view: str(f.view), for: who });
      for (const id of list(o.identifiers)) {
        if (typeof id === "string") {
          // A Snowflake identifier names the object at its own level.
          const level = LEVELS.find((l) => l === type) ?? "name";
          add({ access, type, ...(match && match !== "fully_qualified" ? { match } : {}), [level]: id, for: who });
        } else {
          const i = rec(id);
          add({ access, type, database: part(i.database), schema: part(i.schema), table: part(i.table), column: part(i.column), for: who });
        }
      }
    }
    for (const t of list(rule.tagged_objects).map(rec)) {
      const kinds = list(t.check_against).map(str).filter(Boolean).join("/") || "objects";
      for (const tag of list(t.tagged_with).map(rec)) {
        const name = [str(tag.database), str(tag.schema), str(tag.name)].filter(Boolean).join(".");
        add({ access, type: kinds, match: "tagged", tag: `${name}${str(tag.value) ? `=${str(tag.value)}` : ""}`, for: who });
      }
    }
  }
  return { rows: rows.map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)) as unknown as Requested), total };
}

/** An access request with what it asks for at a glance: `requested` rows and a one-line `requested_summary`. */
function withRequested(request: unknown): unknown {
  if (request === null || typeof request !== "object" || Array.isArray(request) || !("rules" in request)) return request;
  const { rows, total } = requestedObjects((request as { rules: unknown }).rules);
  const shown = rows.slice(0, 5).map((r) => r.summary).join("; ");
  const more = total > 5 ? ` (+${total - 5} more in requested${total > rows.length ? `, which lists the first ${rows.length}` : ""})` : "";
  return { requested_summary: total ? `${shown}${more}` : "no objects could be read from the rules", requested: rows, ...request };
}

/** The documented additions: what the request asks for. */
const REQUESTED = {
  requested_summary: S.string,
  requested: S.arrayOf(objectOf({ access: S.string, type: S.string, database: S.string, schema: S.string, table: S.string, column: S.string, summary: S.string })),
};

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
      access_requests: withItemProperties(propertyOf(responseBody("api.listAccessRequests"), "data"), REQUESTED),
      count: S.integer,
      next_start_key: S.nullableString,
    }),
    async handler(query, { call, signal }) {
      const body = await call("api.listAccessRequests", { query, signal });
      const requests = (Array.isArray(body?.data) ? body.data : []).map(withRequested);
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
    output: withProperties(responseData("api.getAccessRequest"), REQUESTED),
    async handler({ request_id }, { call, signal }) {
      const body = await call("api.getAccessRequest", { path: { request_id }, signal });
      return withRequested(body?.data ?? null);
    },
  }),

  decision("approve", "Approve an OPEN access request, with the reason; ALTR grants it, so it asks first.", "Approve an access request"),
  decision("deny", "Deny an OPEN access request, with the reason.", "Deny an access request"),
  decision("cancel", "Withdraw an OPEN access request, with the reason.", "Cancel an access request"),
];
