import type { ToolCase } from "./types.js";

const AR = "/v1/unified-policy/management/accessRequest";
const ID = "a56f3f23-e523-46a8-880e-a41339ae7e3c";

const readRevenue = {
  actors: [{ type: "role", condition: "equals", identifiers: ["ANALYST"] }],
  objects: [
    {
      type: "table",
      condition: "fully_qualified",
      fully_qualified_identifiers: [{ database: "PROD_DB", schema: "SALES", table: "REVENUE" }],
    },
  ],
  access: [{ name: "read" }],
};

export const accessRequestCases: ToolCase[] = [
  {
    tool: "create_access_request",
    args: {
      requester: "Alice",
      justification: "Quarterly revenue reporting",
      connection_id: 42,
      rules: [readRevenue],
      email: "alice@example.com",
      role: "ANALYST",
    },
    wire: [
      {
        method: "POST",
        service: "api",
        path: AR,
        body: {
          requester_identity: { requester: "Alice", email: "alice@example.com", role: "ANALYST" },
          justification: "Quarterly revenue reporting",
          connection_id: 42,
          rules: [readRevenue],
        },
      },
    ],
  },
  {
    tool: "get_access_requests",
    args: { status: "OPEN", limit: 10 },
    wire: [{ method: "GET", service: "api", path: AR, query: { status: "OPEN", limit: "10" } }],
  },
  {
    tool: "get_access_request",
    args: { request_id: ID },
    wire: [{ method: "GET", service: "api", path: `${AR}/${ID}` }],
  },
  {
    tool: "approve_access_request",
    args: { request_id: ID, justification: "Approved for Q3 reporting" },
    wire: [{ method: "PUT", service: "api", path: `${AR}/${ID}/approve`, body: { justification: "Approved for Q3 reporting" } }],
  },
  {
    tool: "deny_access_request",
    args: { request_id: ID, justification: "Use the aggregated view instead" },
    wire: [{ method: "PUT", service: "api", path: `${AR}/${ID}/deny`, body: { justification: "Use the aggregated view instead" } }],
  },
  {
    tool: "cancel_access_request",
    args: { request_id: ID, justification: "No longer needed" },
    wire: [{ method: "PUT", service: "api", path: `${AR}/${ID}/cancel`, body: { justification: "No longer needed" } }],
  },
];
