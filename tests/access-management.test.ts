/**
 * Access management against a local stub: rules are validated against their real structure
 * before any request (errors name the path, e.g. rules[0].actors[0].condition), JSON strings
 * are accepted, policy ids are encoded once, and ALTR's failures are errors.
 */
import { describe, expect, it } from "vitest";
import { envelope } from "./helpers/harness.js";
import { describeInvalidInput, h, stub, useStubHarness } from "./helpers/stub-harness.js";

const AM = "/v1/unified-policy/management/policy/accessManagement";
const POLICY_ID = "GRANT#afe0b9c9#DATABASE_TYPE#9";

useStubHarness();

const created = { status: 200, body: { success: true, data: { policy_id: POLICY_ID, policy: { this_status: "ACTIVE" } } } };
const rule = {
  actors: [{ type: "role", condition: "equals", identifiers: ["ANALYST"] }],
  objects: [{ type: "database", condition: "equals", identifiers: ["PROD_DB"] }],
  access: [{ name: "read" }],
};
const withRule = (patch: Record<string, unknown>) => ({ ...rule, ...patch });
const snowflake = (rules: unknown, extra: Record<string, unknown> = {}) => ({
  policy_name: "P",
  description: "D",
  connection_id: 42,
  rules,
  ...extra,
});
const part = (name: string) => ({ name });
const oltpRule = {
  type: "read",
  actors: [{ type: "idp_user", condition: "equals", identifiers: ["DANIEL"] }],
  objects: [{ type: "column", identifiers: [{ database: part("ORDERS"), schema: part("SALES"), table: { wildcard: true }, column: part("EMAIL") }] }],
};
const oltp = (rules: unknown) => ({
  policy_name: "P",
  description: "D",
  repo_name: "orders-oracle",
  database_type: 4,
  database_type_name: "oracle",
  rules,
});

describe("valid rules are sent unchanged", () => {
  it("every Snowflake rule form: prefix roles, fully qualified objects, tagged objects, a cron schedule", async () => {
    stub.route("POST", `${AM}/snowflake`, created);
    const rules = [
      withRule({ actors: [{ type: "role", condition: "starts_with", identifiers: ["DEV_"] }], access: [{ name: "read" }, { name: "write" }] }),
      withRule({
        objects: [
          { type: "table", condition: "fully_qualified", fully_qualified_identifiers: [{ database: "PROD_DB", schema: "SALES", table: "REVENUE" }] },
          { type: "view", condition: "ends_with", identifiers: ["_V"] },
        ],
      }),
      {
        actors: rule.actors,
        tagged_objects: [{ check_against: ["databases", "schemas"], tagged_with: [{ database: "PROD_DB", schema: "PUBLIC", name: "sensitive", value: "PII" }], tag_condition: "and" }],
        access: [{ name: "read" }],
      },
    ];
    const res = await h.call("create_snowflake_access_policy", snowflake(rules, { policy_maintenance: '{"rate":"cron","value":"0 12 * * ? *"}', access_request_id: "ar-1" }));
    expect(envelope(res)).toMatchObject({ success: true, data: { policy_id: POLICY_ID } });
    expect(JSON.parse(stub.requests[0]!.body)).toEqual({
      policy_name: "P",
      description: "D",
      connection_ids: [42],
      rules,
      policy_maintenance: { rate: "cron", value: "0 12 * * ? *" },
      access_request_id: "ar-1",
    });
  });

  it("OLTP rules, with case_sensitivity always sent", async () => {
    stub.route("POST", `${AM}/oltp`, created);
    await h.call("create_oltp_access_policy", oltp(JSON.stringify([oltpRule])));
    expect(JSON.parse(stub.requests[0]!.body)).toMatchObject({ rules: [oltpRule], case_sensitivity: "case_sensitive" });
  });
});

describe("update and check: the policy id is encoded exactly once", () => {
  it("update replaces the rule list, omits an absent description, encodes # once", async () => {
    stub.route("PUT", /\/accessManagement\/snowflake\/.+$/, { status: 202, body: { success: true, data: { policy_id: POLICY_ID } } });
    await h.call("update_snowflake_access_policy", { policy_id: POLICY_ID, policy_name: "P2", rules: [rule] });
    await h.call("update_snowflake_access_policy", { policy_id: "GRANT%23afe0b9c9%23DATABASE_TYPE%239", policy_name: "P2", rules: [rule], description: "new" });
    expect(stub.requests.map((r) => r.url)).toEqual([
      `${AM}/snowflake/GRANT%23afe0b9c9%23DATABASE_TYPE%239`,
      `${AM}/snowflake/GRANT%23afe0b9c9%23DATABASE_TYPE%239`,
    ]);
    expect(JSON.parse(stub.requests[0]!.body)).toEqual({ policy_name: "P2", rules: [rule] });
    expect(JSON.parse(stub.requests[1]!.body)).toEqual({ policy_name: "P2", rules: [rule], description: "new" });
  });

  it("trigger_access_policy_check sends a PUT without a body", async () => {
    stub.route("PUT", /\/triggerCheck\/.+$/, { status: 202, body: { success: true, data: { policy_id: POLICY_ID, policy: { this_status: "PENDING" } } } });
    const env = envelope(await h.call("trigger_access_policy_check", { policy_id: POLICY_ID }));
    expect(env.data).toMatchObject({ policy: { this_status: "PENDING" } });
    expect(stub.requests[0]!.url).toBe(`${AM}/triggerCheck/GRANT%23afe0b9c9%23DATABASE_TYPE%239`);
    expect(stub.requests[0]!.body).toBe("");
  });
});

describe("ALTR's failures are errors (the upstream reported them as success)", () => {
  it("400 with ALTR's message", async () => {
    stub.route("POST", `${AM}/snowflake`, { status: 400, body: { message: "connection 42 is not a Snowflake connection", statusCode: 400 } });
    const res = await h.call("create_snowflake_access_policy", snowflake([rule]));
    expect(res.isError).toBe(true);
    expect(envelope(res).error).toMatchObject({ kind: "http", status: 400, altr_message: "connection 42 is not a Snowflake connection" });
  });

  it("500 on the create: one attempt, never a duplicate policy", async () => {
    stub.route("POST", `${AM}/oltp`, { status: 500, body: { message: "internal" } });
    const env = envelope(await h.call("create_oltp_access_policy", oltp([oltpRule])));
    expect(env.error).toMatchObject({ status: 500, attempts: 1 });
    expect(stub.requests).toHaveLength(1);
  });

  it("401 on the check", async () => {
    stub.route("PUT", /\/triggerCheck\/.+$/, { status: 401, body: { message: "Unauthorized", statusCode: 401 } });
    const env = envelope(await h.call("trigger_access_policy_check", { policy_id: POLICY_ID }));
    expect(env.error).toMatchObject({ status: 401 });
    expect(env.error!.hint).toMatch(/MAPI_KEY/);
  });
});

const INVALID: [tool: string, args: Record<string, unknown>, field: string][] = [
  // Snowflake rules, path by path.
  ["create_snowflake_access_policy", snowflake([]), "rules"],
  ["create_snowflake_access_policy", snowflake("[{not json"), "rules"],
  ["create_snowflake_access_policy", snowflake({ ...rule }), "rules"],
  ["create_snowflake_access_policy", snowflake([withRule({ actors: [{ type: "role", condition: "contains", identifiers: ["A"] }] })]), "rules[0].actors[0].condition"],
  ["create_snowflake_access_policy", snowflake([rule, withRule({ actors: [{ type: "user", condition: "equals", identifiers: ["A"] }] })]), "rules[1].actors[0].type"],
  ["create_snowflake_access_policy", snowflake([withRule({ actors: [{ type: "role", condition: "equals", identifiers: [] }] })]), "rules[0].actors[0].identifiers"],
  ["create_snowflake_access_policy", snowflake([withRule({ actors: [{ type: "role", condition: "equals", identifiers: ["A", "A"] }] })]), "rules[0].actors[0].identifiers"],
  ["create_snowflake_access_policy", snowflake([withRule({ actors: [] })]), "rules[0].actors"],
  ["create_snowflake_access_policy", snowflake([withRule({ objects: [{ type: "column", condition: "equals", identifiers: ["C"] }] })]), "rules[0].objects[0].type"],
  ["create_snowflake_access_policy", snowflake([withRule({ objects: [{ type: "table", condition: "equals" }] })]), "rules[0].objects[0].identifiers"],
  ["create_snowflake_access_policy", snowflake([withRule({ objects: [{ type: "table", condition: "fully_qualified", identifiers: ["T"] }] })]), "rules[0].objects[0].fully_qualified_identifiers"],
  [
    "create_snowflake_access_policy",
    snowflake([withRule({ objects: [{ type: "table", condition: "fully_qualified", fully_qualified_identifiers: [{ database: "D", table: "T" }] }] })]),
    "rules[0].objects[0].fully_qualified_identifiers[0].schema",
  ],
  ["create_snowflake_access_policy", snowflake([{ actors: rule.actors, access: rule.access }]), "rules[0].objects"],
  ["create_snowflake_access_policy", snowflake([withRule({ access: [{ name: "delete" }] })]), "rules[0].access[0].name"],
  ["create_snowflake_access_policy", snowflake([withRule({ access: [] })]), "rules[0].access"],
  ["create_snowflake_access_policy", snowflake([withRule({ access: [{ name: "read" }, { name: "read" }] })]), "rules[0].access"],
  [
    "create_snowflake_access_policy",
    snowflake([{ actors: rule.actors, access: rule.access, tagged_objects: [{ check_against: ["columns"], tagged_with: [{ name: "t" }] }] }]),
    "rules[0].tagged_objects[0].check_against[0]",
  ],
  [
    "create_snowflake_access_policy",
    snowflake([{ actors: rule.actors, access: rule.access, tagged_objects: [{ check_against: ["tables"], tagged_with: [{ value: "PII" }] }] }]),
    "rules[0].tagged_objects[0].tagged_with[0].name",
  ],
  ["create_snowflake_access_policy", snowflake([withRule({ colour: "red" })]), "rules[0].colour"],
  ["create_snowflake_access_policy", snowflake(JSON.stringify([withRule({ actors: [{ type: "role", condition: "like", identifiers: ["A"] }] })])), "rules[0].actors[0].condition"],
  ["create_snowflake_access_policy", { ...snowflake([rule]), connection_id: "42" }, "connection_id"],
  ["create_snowflake_access_policy", { ...snowflake([rule]), policy_name: "x".repeat(256) }, "policy_name"],
  ["create_snowflake_access_policy", { ...snowflake([rule]), description: undefined }, "description"],
  // Maintenance schedule.
  ["create_snowflake_access_policy", snowflake([rule], { policy_maintenance: { rate: "hourly", value: 1 } }), "policy_maintenance.rate"],
  ["create_snowflake_access_policy", snowflake([rule], { policy_maintenance: { rate: "day", value: "daily" } }), "policy_maintenance.value"],
  ["create_snowflake_access_policy", snowflake([rule], { policy_maintenance: { rate: "cron", value: "0 12 * *" } }), "policy_maintenance.value"],
  ["create_snowflake_access_policy", snowflake([rule], { policy_maintenance: { rate: "day" } }), "policy_maintenance.value"],
  // OLTP rules.
  ["create_oltp_access_policy", oltp([{ ...oltpRule, actors: [{ type: "role", condition: "equals", identifiers: ["A"] }] }]), "rules[0].actors[0].type"],
  ["create_oltp_access_policy", oltp([{ ...oltpRule, actors: [{ type: "idp_user", condition: "starts_with", identifiers: ["A"] }] }]), "rules[0].actors[0].condition"],
  ["create_oltp_access_policy", oltp([{ ...oltpRule, type: "select" }]), "rules[0].type"],
  ["create_oltp_access_policy", oltp([{ ...oltpRule, objects: [{ type: "table", identifiers: oltpRule.objects[0]!.identifiers }] }]), "rules[0].objects[0].type"],
  [
    "create_oltp_access_policy",
    oltp([{ ...oltpRule, objects: [{ type: "column", identifiers: [{ database: part("D"), schema: part("S"), table: part("T") }] }] }]),
    "rules[0].objects[0].identifiers[0].column",
  ],
  [
    "create_oltp_access_policy",
    oltp([{ ...oltpRule, objects: [{ type: "column", identifiers: [{ database: part("D"), schema: part("S"), table: {}, column: part("C") }] }] }]),
    "rules[0].objects[0].identifiers[0].table",
  ],
  ["create_oltp_access_policy", oltp([{ type: "read", actors: oltpRule.actors }]), "rules[0].objects"],
  ["create_oltp_access_policy", { ...oltp([oltpRule]), case_sensitivity: "case_insensitive" }, "case_sensitivity"],
  ["create_oltp_access_policy", { ...oltp([oltpRule]), database_type: 0 }, "database_type"],
  // Update and check.
  ["update_snowflake_access_policy", { policy_id: POLICY_ID, policy_name: "P", rules: [withRule({ objects: [{ type: "schema", condition: "equal", identifiers: ["S"] }] })] }, "rules[0].objects[0].condition"],
  ["update_snowflake_access_policy", { policy_id: POLICY_ID, rules: [rule] }, "policy_name"],
  ["trigger_access_policy_check", { policy_id: "" }, "policy_id"],
];

describeInvalidInput(INVALID, { fields: true });

describe("invalid input: what the error says", () => {
  it("the error names the exact path, e.g. rules[0].actors[0].condition, with the allowed values", async () => {
    const env = envelope(await h.call("create_snowflake_access_policy", snowflake([withRule({ actors: [{ type: "role", condition: "contains", identifiers: ["A"] }] })])));
    expect(env.error!.fields).toEqual(["rules[0].actors[0].condition"]);
    expect(env.error!.message).toMatch(/rules\[0\]\.actors\[0\]\.condition: .*equals.*starts_with.*ends_with/);
  });
});
