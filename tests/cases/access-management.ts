import type { ToolCase } from "./types.js";

const AM = "/v1/unified-policy/management/policy/accessManagement";
const POLICY_ID = "GRANT#afe0b9c9-3a29-4de5-95d4-25a39787e157#DATABASE_TYPE#9";
const ENCODED_ID = "GRANT%23afe0b9c9-3a29-4de5-95d4-25a39787e157%23DATABASE_TYPE%239";

const readProd = {
  actors: [{ type: "role", condition: "starts_with", identifiers: ["ANALYST_"] }],
  objects: [{ type: "database", condition: "equals", identifiers: ["PROD_DB"] }],
  access: [{ name: "read" }],
};
const readSales = {
  actors: [{ type: "role", condition: "equals", identifiers: ["ANALYST"] }],
  objects: [{ type: "schema", condition: "fully_qualified", fully_qualified_identifiers: [{ database: "PROD_DB", schema: "SALES" }] }],
  access: [{ name: "read" }],
};
const oltpRule = {
  type: "read",
  actors: [{ type: "idp_group", condition: "equals", identifiers: ["SUPPORT"] }],
  objects: [
    {
      type: "column",
      identifiers: [{ database: { name: "ORDERS" }, schema: { name: "SALES" }, table: { name: "CUSTOMERS" }, column: { name: "EMAIL" } }],
    },
  ],
};

export const accessManagementCases: ToolCase[] = [
  {
    tool: "create_snowflake_access_policy",
    args: {
      policy_name: "Analysts read PROD_DB",
      description: "Analyst roles may read every schema of PROD_DB",
      connection_id: 42,
      rules: [readProd],
      policy_maintenance: { rate: "day", value: 1 },
    },
    wire: [
      {
        method: "POST",
        service: "api",
        path: `${AM}/snowflake`,
        body: {
          policy_name: "Analysts read PROD_DB",
          description: "Analyst roles may read every schema of PROD_DB",
          connection_ids: [42],
          rules: [readProd],
          policy_maintenance: { rate: "day", value: 1 },
        },
      },
    ],
  },
  {
    tool: "create_oltp_access_policy",
    args: {
      policy_name: "Support reads customer emails",
      description: "The SUPPORT group may read CUSTOMERS.EMAIL",
      repo_name: "orders-oracle",
      database_type: 4,
      database_type_name: "oracle",
      rules: [oltpRule],
    },
    wire: [
      {
        method: "POST",
        service: "api",
        path: `${AM}/oltp`,
        body: {
          policy_name: "Support reads customer emails",
          description: "The SUPPORT group may read CUSTOMERS.EMAIL",
          repo_name: "orders-oracle",
          database_type: 4,
          database_type_name: "oracle",
          rules: [oltpRule],
          case_sensitivity: "case_sensitive",
        },
      },
    ],
  },
  {
    tool: "update_snowflake_access_policy",
    // Rules as a JSON string, as some clients send them.
    args: { policy_id: POLICY_ID, policy_name: "Analysts read PROD_DB", rules: JSON.stringify([readSales]) },
    wire: [
      {
        method: "PUT",
        service: "api",
        path: `${AM}/snowflake/${ENCODED_ID}`,
        body: { policy_name: "Analysts read PROD_DB", rules: [readSales] },
      },
    ],
  },
  {
    tool: "trigger_access_policy_check",
    args: { policy_id: POLICY_ID },
    wire: [{ method: "PUT", service: "api", path: `${AM}/triggerCheck/${ENCODED_ID}` }],
  },
];
