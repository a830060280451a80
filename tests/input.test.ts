/**
 * Bad input: every case is isError, names the offending field, and sends nothing to ALTR.
 * Also the lenient forms the upstream accepts (JSON strings, null for optional parameters).
 */
import { describe, expect, it } from "vitest";
import { envelope } from "./helpers/harness.js";
import { routeRuleNames } from "./helpers/rule-names.js";
import { h, stub, useStubHarness } from "./helpers/stub-harness.js";

useStubHarness();

const rule = { masking_policy: 10001, role: "ANALYST", tag_value: "SSN" };

const INVALID: [tool: string, args: Record<string, unknown>, field: string][] = [
  ["get_databases", { offset: -1 }, "offset"],
  ["get_databases", { unexpected: 1 }, "unexpected"],
  ["get_database_id", {}, "database_name"],
  ["get_database_id", { database_name: "  " }, "database_name"],
  ["create_database", { database_type: "mysql", database_name: "X" }, "friendly_database_name"],
  [
    "create_database",
    { friendly_database_name: "A", database_type: "mysql", database_name: "X", database_port: 70000 },
    "database_port",
  ],
  [
    "create_database",
    { friendly_database_name: "A", database_type: "mysql", database_name: "X", service_user_id: "s", database_password: "p" },
    "database_password",
  ],
  ["create_database", { friendly_database_name: "A", database_type: "databricks", database_name: "X" }, "create_databricks_database"],
  ["create_database", { friendly_database_name: "A", database_type: "postgres", database_name: "X" }, "database_type"],
  ["create_databricks_database", { friendly_database_name: "A", database_name: "main", hostname: "adb-1.net" }, "hostname"],
  [
    "create_databricks_database",
    { friendly_database_name: "A", database_name: "main", hostname: "https://adb-1.net", service_user_id: "s", database_password: "p" },
    "database_password",
  ],
  ["create_databricks_database", { friendly_database_name: "A", database_name: "main", hostname: "http://adb-1.net" }, "hostname"],
  ["update_database", { database_id: 0, friendly_database_name: "x" }, "database_id"],
  ["update_database", { database_id: "7", friendly_database_name: "x" }, "database_id"],
  ["update_database", { database_id: 7 }, "Nothing to update"],
  ["trigger_database_status_sync", { database_id: 1.5 }, "database_id"],
  ["disconnect_database", {}, "database_id"],
  ["disconnect_database", { database_id: 3, ignore_errors: "yes" }, "ignore_errors"],
  ["get_policies", { policy_type: "MASK" }, "policy_type"],
  ["get_policies", { cursor: "not-a-cursor" }, "cursor"],
  ["get_rules", { policy_id: "" }, "policy_id"],
  ["create_policy", {}, "tag"],
  ["create_policy", { tag: "PII", policy_type: "PUSHDOWN" }, "database_ids"],
  ["create_policy", { tag: "PII", database_ids: [1] }, "database_ids"],
  ["create_policy", { tag: "PII", policy_type: "PUSHDOWN", database_ids: [0] }, "database_ids[0]"],
  ["add_rules", { policy_id: "TAG#PII", rules: [] }, "rules"],
  ["add_rules", { policy_id: "TAG#PII", rules: [{ ...rule, masking_policy: 10010 }] }, "rules[0].masking_policy"],
  ["add_rules", { policy_id: "TAG#PII", rules: [rule, { ...rule, masking_policy: 9999 }] }, "rules[1].masking_policy"],
  ["add_rules", { policy_id: "TAG#PII", rules: [{ masking_policy: 10001, tag_value: "SSN" }] }, "rules[0].role"],
  ["add_rules", { policy_id: "TAG#PII", rules: [{ ...rule, masking_policy: "10001" }] }, "rules[0].masking_policy"],
  ["add_rules", { policy_id: "TAG#PII", rules: [{ ...rule, colour: "red" }] }, "rules[0].colour"],
  ["add_rules", { policy_id: "TAG#PII", rules: "[{not json" }, "rules"],
  ["add_rules", { policy_id: "TAG#PII", rules: JSON.stringify([{ ...rule, role: "" }]) }, "rules[0].role"],
  ["update_rule", { policy_id: "TAG#PII", rule_id: "r1" }, "Nothing to update"],
  ["update_rule", { policy_id: "TAG#PII", rule_id: "r1", masking_policy: 20000 }, "masking_policy"],
  [
    "update_rule",
    { policy_id: "TAG#PII", rule_id: "r1", access_rate_thresholds: { access_rate_unit: "minute", access_rate_limit: 5 } },
    "access_rate_thresholds[0].action",
  ],
  [
    "update_rule",
    {
      policy_id: "TAG#PII",
      rule_id: "r1",
      time_window_thresholds: [
        { day: ["MONDAY"], start_time: { hour: 24, minute: 0 }, end_time: { hour: 1, minute: 0 }, timezone: "UTC", action: "BLOCK" },
      ],
    },
    "time_window_thresholds[0].start_time.hour",
  ],
  ["delete_rule", { policy_id: "TAG#PII" }, "rule_id"],
];

describe("invalid input never reaches ALTR", () => {
  it.each(INVALID)("%s %j → error naming %s", async (tool, args, field) => {
    const before = stub.requests.length;
    const res = await h.call(tool, args);
    expect(res.isError).toBe(true);
    const env = envelope(res);
    expect(env.error?.kind).toBe("invalid_input");
    expect(env.error?.message).toContain(field);
    expect(env.error?.message).toContain("Nothing was sent to ALTR");
    expect(stub.requests.length).toBe(before);
  });
});

describe("lenient forms", () => {
  it("rules as a JSON string are parsed and validated", async () => {
    stub.route("PATCH", /\/rules\/batch$/, { status: 200, body: { success: true } });
    routeRuleNames(stub, ["ANALYST"], ["SSN"]);
    const res = await h.call("add_rules", { policy_id: "TAG#PII", rules: JSON.stringify([rule]) });
    expect(envelope(res)).toMatchObject({ success: true, data: { rules_added: 1, batches: 1 } });
    const sent = JSON.parse(stub.requests.at(-1)!.body) as unknown;
    expect(sent).toEqual({ rules: [{ action: "PUT", rule }] });
  });

  it("null for an optional parameter means 'not given'", async () => {
    stub.route("POST", "/v1/unified-policy/management/policy", {
      status: 202,
      body: { success: true, data: { policy_id: "TAG#PII" } },
    });
    const res = await h.call("create_policy", { tag: "PII", policy_type: null, database_ids: null });
    expect(envelope(res).success).toBe(true);
    expect(JSON.parse(stub.requests.at(-1)!.body)).toEqual({ identifier: "PII", type: "TAG" });
  });

  it("an empty policy_type means TAG (as upstream)", async () => {
    stub.route("POST", "/v1/unified-policy/management/policy", {
      status: 202,
      body: { success: true, data: { policy_id: "TAG#PII" } },
    });
    await h.call("create_policy", { tag: "PII", policy_type: "" });
    expect(JSON.parse(stub.requests.at(-1)!.body)).toEqual({ identifier: "PII", type: "TAG" });
  });

  it("a single threshold object is sent as a one-item list", async () => {
    stub.route("PATCH", /\/rules\/r1$/, { status: 200, body: { success: true, data: { rule_id: "r1" } } });
    await h.call("update_rule", {
      policy_id: "TAG#PII",
      rule_id: "r1",
      access_rate_thresholds: JSON.stringify({ access_rate_unit: "MINUTE", access_rate_limit: 5, action: "block" }),
    });
    expect(JSON.parse(stub.requests.at(-1)!.body)).toEqual({
      access_rate_thresholds: [{ access_rate_unit: "minute", access_rate_limit: 5, action: "BLOCK" }],
    });
  });
});
