/**
 * Sidecar configuration: bad input never reaches ALTR (every structured parameter, both as an
 * object and as a JSON string), every path segment is percent-encoded, lists are one page per
 * call with a cursor that always ends, PATCHes with nothing to change are refused, secret
 * locations never reach the debug log, and sc-control's error bodies are read.
 */
import { Writable } from "node:stream";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { selectTools } from "../src/server/registry.js";
import { ALL_TOOLS } from "../src/tools/index.js";
import { baseUrlsFrom, connect, envelope, type Harness } from "./helpers/harness.js";
import { type Reply, type StubRequest } from "./helpers/stub.js";
import { describeInvalidInput, h, stub, useStubHarness } from "./helpers/stub-harness.js";

const AGENT = "3f9c2b1e-8a7d-4c6b-9e5f-1a2b3c4d5e6f";
const SIDECAR = "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a";
const ARN = "arn:aws:iam::123456789012:role/AltrSidecarSecrets";

useStubHarness();

function routeAll(reply: Reply): void {
  for (const m of ["GET", "POST", "PATCH", "DELETE"]) stub.route(m, /.*/, reply);
}
const query = (r: StubRequest) => [...new URL(r.url, "http://x").searchParams.entries()];
const path = (r: StubRequest) => r.url.split("?")[0];

const task = { agent_id: AGENT, name: "nightly", repo_name: "orders_oracle" };
const okSchedule = { value: "0 2 * * *" };
const okConfig = { service_name: "ORCLPDB1" };

const INVALID: [tool: string, args: Record<string, unknown>, field: string][] = [
  ["get_sc_agent", { agent_id: "  " }, "agent_id"],
  ["get_sc_agent", { agent_id: AGENT, extra: 1 }, "extra"],
  ["list_sc_agents", { agent_type: "AUDITOR" }, "agent_type"],
  ["list_sc_agents", { limit: 0 }, "limit"],
  ["list_sc_agents", { limit: 101 }, "limit"],
  ["list_sc_agents", { contiguous_id: "" }, "contiguous_id"],
  ["create_sc_agent", { agent_type: "SIS" }, "name"],
  ["update_sc_agent", { agent_id: AGENT }, "Nothing to update"],
  ["update_sc_agent", { agent_id: AGENT, name: "" }, "name"],
  // configuration: object or JSON string, validated against ALTR's TaskConfiguration.
  ["create_sc_agent_task", { ...task, schedule: okSchedule }, "configuration"],
  ["create_sc_agent_task", { ...task, schedule: okSchedule, configuration: "{not json" }, "configuration"],
  ["create_sc_agent_task", { ...task, schedule: okSchedule, configuration: "[1,2]" }, "configuration"],
  ["create_sc_agent_task", { ...task, schedule: okSchedule, configuration: { colour: "red" } }, "configuration.colour"],
  ["create_sc_agent_task", { ...task, schedule: okSchedule, configuration: { classification_type: "5" } }, "configuration.classification_type"],
  [
    "create_sc_agent_task",
    { ...task, schedule: okSchedule, configuration: { audit_file_path: "/var/log/a.sqlaudit", collection_name: "pii" } },
    "configuration.audit_file_path",
  ],
  ["create_sc_agent_task", { ...task, schedule: okSchedule, configuration: { collection_name: "pii", sample_size: 10 } }, "configuration.sample_type"],
  [
    "create_sc_agent_task",
    { ...task, schedule: okSchedule, configuration: { sample_size: 150, sample_type: "percent" } },
    "configuration.sample_size",
  ],
  [
    "create_sc_agent_task",
    { ...task, schedule: okSchedule, configuration: { audit_file_path: "/pg/*.log", audit_file_type: "stderr" } },
    "configuration.log_line_prefix",
  ],
  ["create_sc_agent_task", { ...task, schedule: okSchedule, configuration: { audit_file_type: "log" } }, "configuration.audit_file_type"],
  ["create_sc_agent_task", { ...task, schedule: okSchedule, configuration: { audit_file_path: "logs/a.sqlaudit" } }, "configuration.audit_file_path"],
  [
    "create_sc_agent_task",
    { ...task, schedule: okSchedule, service_user: "svc", configuration: { table_name: "audit_log", audit_file_path: "/var/lib/mysql/audit.log" } },
    "configuration.table_name",
  ],
  [
    "create_sc_agent_task",
    { ...task, schedule: okSchedule, configuration: { initial_audit_timestamp: "yesterday" } },
    "configuration.initial_audit_timestamp",
  ],
  [
    "create_sc_agent_task",
    { ...task, schedule: okSchedule, configuration: JSON.stringify({ ssl_config: { enabled: true, verify: "full" } }) },
    "configuration.ssl_config.verify",
  ],
  // Server rules the upstream only documents.
  ["create_sc_agent_task", { ...task, schedule: okSchedule, configuration: { table_name: "audit_log" } }, "service_user"],
  [
    "create_sc_agent_task",
    { ...task, schedule: okSchedule, service_user: "svc", configuration: { audit_file_path: "/pg/*.csv", audit_file_type: "csv" } },
    "service_user",
  ],
  // schedule: object or JSON string, validated against ALTR's Schedule.
  ["create_sc_agent_task", { ...task, configuration: okConfig }, "schedule"],
  ["create_sc_agent_task", { ...task, configuration: okConfig, schedule: {} }, "schedule.value"],
  ["create_sc_agent_task", { ...task, configuration: okConfig, schedule: { value: "daily" } }, "schedule.value"],
  ["create_sc_agent_task", { ...task, configuration: okConfig, schedule: { type: "RATE", value: "0 2 * * *" } }, "schedule.type"],
  ["create_sc_agent_task", { ...task, configuration: okConfig, schedule: { value: "0 2 * * *", timezone: "Mars/Olympus" } }, "schedule.timezone"],
  ["create_sc_agent_task", { ...task, configuration: okConfig, schedule: '{"value":"0 2 * * *","max_duration":"2h"}' }, "schedule.max_duration"],
  ["create_sc_agent_task", { ...task, configuration: okConfig, schedule: { value: "0 2 * * *", every: "day" } }, "schedule.every"],
  ["create_sc_agent_task", { ...task, configuration: okConfig, schedule: "0 2 * * *" }, "schedule"],
  ["update_sc_agent_task", { agent_id: AGENT, task_id: "t1" }, "Nothing to update"],
  ["update_sc_agent_task", { agent_id: AGENT, task_id: "t1", schedule: { value: "0 2 * *" } }, "schedule.value"],
  ["update_sc_agent_task", { agent_id: AGENT, task_id: "t1", configuration: { sample_type: "ROWS" } }, "configuration.sample_size"],
  ["delete_sc_agent_task", { agent_id: AGENT }, "task_id"],
  ["list_sc_repos", { repo_type: "DB2" }, "repo_type"],
  ["create_sc_repo", { name: "r", repo_type: "Oracle", hostname: "h", port: 0 }, "port"],
  ["create_sc_repo", { name: "r", repo_type: "Oracle", hostname: "h", port: 65536 }, "port"],
  ["create_sc_repo", { name: "r", repo_type: "Oracle", hostname: "h", port: 1521.5 }, "port"],
  ["create_sc_repo", { name: "r", repo_type: "Oracle", hostname: "h", port: "1521" }, "port"],
  ["create_sc_repo", { name: "r", hostname: "h", port: 1521 }, "repo_type"],
  ["update_sc_repo", { repo_name: "r" }, "description"],
  // Credential references: exactly one provider, each validated (object or JSON string).
  ["create_sc_repo_user", { repo_name: "r", username: "u" }, "aws_secrets_manager or azure_key_vault"],
  [
    "create_sc_repo_user",
    {
      repo_name: "r",
      username: "u",
      aws_secrets_manager: { secrets_path: "p" },
      azure_key_vault: { key_vault_uri: "https://kv.vault.azure.net/", secret_name: "s" },
    },
    "not both",
  ],
  ["create_sc_repo_user", { repo_name: "r", username: "u", aws_secrets_manager: {} }, "aws_secrets_manager.secrets_path"],
  ["create_sc_repo_user", { repo_name: "r", username: "u", aws_secrets_manager: { secrets_path: "p", iam_role: "AltrRole" } }, "aws_secrets_manager.iam_role"],
  ["create_sc_repo_user", { repo_name: "r", username: "u", aws_secrets_manager: { secrets_path: "p", region: "eu" } }, "aws_secrets_manager.region"],
  ["create_sc_repo_user", { repo_name: "r", username: "u", aws_secrets_manager: "{secrets_path: p}" }, "aws_secrets_manager"],
  ["create_sc_repo_user", { repo_name: "r", username: "u", aws_secrets_manager: "[]" }, "aws_secrets_manager"],
  [
    "create_sc_repo_user",
    { repo_name: "r", username: "u", azure_key_vault: { key_vault_uri: "http://kv.vault.azure.net/", secret_name: "s" } },
    "azure_key_vault.key_vault_uri",
  ],
  [
    "create_sc_repo_user",
    { repo_name: "r", username: "u", azure_key_vault: JSON.stringify({ key_vault_uri: "https://kv.vault.azure.net/", secret_name: "bad name!" }) },
    "azure_key_vault.secret_name",
  ],
  ["create_sc_repo_user", { repo_name: "r", username: "u", azure_key_vault: { key_vault_uri: "https://kv.vault.azure.net/" } }, "azure_key_vault.secret_name"],
  ["update_sc_repo_user", { repo_name: "r", username: "u" }, "Nothing to update"],
  [
    "update_sc_repo_user",
    {
      repo_name: "r",
      username: "u",
      aws_secrets_manager: { secrets_path: "p" },
      azure_key_vault: { key_vault_uri: "https://kv.vault.azure.net/", secret_name: "s" },
    },
    "not both",
  ],
  ["create_sc_service_user", { repo_name: "r", username: "u", aws_secrets_manager: { secrets_path: "p" } }, "resource"],
  ["create_sc_service_user", { repo_name: "r", username: "u", resource: ARN }, "aws_secrets_manager or azure_key_vault"],
  ["update_sc_service_user", { repo_name: "r", username: "u" }, "Nothing to update"],
  [
    "update_sc_service_user",
    {
      repo_name: "r",
      username: "u",
      aws_secrets_manager: { secrets_path: "p" },
      azure_key_vault: { key_vault_uri: "https://kv.vault.azure.net/", secret_name: "s" },
    },
    "not both",
  ],
  ["list_sc_service_users", { username_starts_with: "altr_" }, "username_starts_with"],
  ["create_sc_sidecar", { name: "x".repeat(65), hostname: "h" }, "name"],
  ["create_sc_sidecar", { name: "s", hostname: "h", description: "d".repeat(401) }, "description"],
  ["create_sc_sidecar", { name: "s", hostname: "h", unsupported_query_bypass: "yes" }, "unsupported_query_bypass"],
  ["update_sc_sidecar", { sidecar_id: SIDECAR }, "Nothing to update"],
  ["register_sc_sidecar_listener", { sidecar_id: SIDECAR, port: 70000, database_type: "Oracle" }, "port"],
  ["register_sc_sidecar_listener", { sidecar_id: SIDECAR, port: 1521 }, "database_type"],
  ["deregister_sc_sidecar_listener", { sidecar_id: SIDECAR, port: 0 }, "port"],
  ["list_sc_sidecar_bindings", { sidecar_id: SIDECAR, ports: "1521,abc" }, "ports[1]"],
  ["list_sc_sidecar_bindings", { sidecar_id: SIDECAR, ports: [1521, 99999] }, "ports[1]"],
  ["list_sc_sidecar_bindings", { sidecar_id: SIDECAR, repo_names: [] }, "repo_names"],
  ["list_sc_repo_bindings", { repo_name: "r", sidecar_ids: "a,,b" }, "sidecar_ids[1]"],
  ["get_sc_sidecar_binding", { sidecar_id: SIDECAR, repo_name: "r" }, "port"],
  ["create_sc_sidecar_binding", { sidecar_id: SIDECAR, port: -1, repo_name: "r" }, "port"],
  ["disconnect_sc_sidecar_binding", { sidecar_id: SIDECAR, port: 1521, repo_name: " " }, "repo_name"],
];

describeInvalidInput(INVALID);

describe("lenient forms that are still exact on the wire", () => {
  it("configuration and schedule as JSON strings, enums in any case, type defaulted to CRON", async () => {
    stub.route("POST", /\/tasks$/, { status: 201, body: { id: "t1" } });
    const res = await h.call("create_sc_agent_task", {
      ...task,
      configuration: JSON.stringify({ collection_name: "pii", sample_size: 20, sample_type: "percent", condition_types: ["ROW_DATA"] }),
      schedule: JSON.stringify({ value: "0 3 * * 1", timezone: "Europe/Paris" }),
    });
    expect(envelope(res)).toMatchObject({ success: true, data: { id: "t1" } });
    expect(JSON.parse(stub.requests[0]!.body)).toEqual({
      name: "nightly",
      repo_name: "orders_oracle",
      configuration: { collection_name: "pii", sample_size: 20, sample_type: "PERCENT", condition_types: ["ROW_DATA"] },
      schedule: { type: "CRON", value: "0 3 * * 1", timezone: "Europe/Paris" },
    });
  });

  it("a PostgreSQL stderr audit with its log_line_prefix and no service user is accepted", async () => {
    stub.route("POST", /\/tasks$/, { status: 201, body: { id: "t2" } });
    const configuration = { audit_file_path: "/var/lib/postgresql/log/*.log", audit_file_type: "STDERR", log_line_prefix: "%m [%p] %u@%d " };
    const res = await h.call("create_sc_agent_task", { ...task, configuration, schedule: okSchedule });
    expect(envelope(res).success).toBe(true);
    expect(JSON.parse(stub.requests[0]!.body).configuration).toEqual({ ...configuration, audit_file_type: "stderr" });
  });

  it("null for an optional parameter means 'not given'; false flags are sent", async () => {
    stub.route("PATCH", /\/v1\/sidecars\/[^/]+$/, { status: 200, body: { id: SIDECAR } });
    await h.call("update_sc_sidecar", { sidecar_id: SIDECAR, name: null, unsupported_query_bypass: false, disable_platform_audits: false });
    expect(JSON.parse(stub.requests[0]!.body)).toEqual({ unsupported_query_bypass: false, disable_platform_audits: false });
  });

  it("a description may be emptied (\"\" is a change, not nothing)", async () => {
    stub.route("PATCH", /\/v1\/agents\/[^/]+$/, { status: 200, body: { id: AGENT } });
    expect(envelope(await h.call("update_sc_agent", { agent_id: AGENT, description: "" })).success).toBe(true);
    expect(JSON.parse(stub.requests[0]!.body)).toEqual({ description: "" });
  });

  it("service users: update with only a new credential; the org-wide list sends no username filter", async () => {
    stub.route("PATCH", /\/serviceusers\/[^/]+$/, { status: 200, body: { username: "svc" } });
    await h.call("update_sc_service_user", {
      repo_name: "r",
      username: "svc",
      azure_key_vault: { key_vault_uri: "https://kv.vault.azure.net/", secret_name: "svc-pw" },
    });
    expect(JSON.parse(stub.requests[0]!.body)).toEqual({
      azure_key_vault: { key_vault_uri: "https://kv.vault.azure.net/", secret_name: "svc-pw" },
    });
    stub.route("GET", "/v1/serviceusers", { status: 200, body: { service_users: [], contiguous_id: "" } });
    await h.call("list_sc_service_users", { limit: 10 });
    expect(path(stub.requests[1]!)).toBe("/v1/serviceusers");
    expect(query(stub.requests[1]!)).toEqual([["limit", "10"]]);
  });
});

describe("every path segment is percent-encoded exactly once (the upstream inserts agent and sidecar ids raw)", () => {
  const odd = "a/b?c#d e";
  const enc = "a%2Fb%3Fc%23d%20e";
  const CASES: [tool: string, args: Record<string, unknown>, expected: string][] = [
    ["get_sc_agent", { agent_id: odd }, `/v1/agents/${enc}`],
    ["update_sc_agent", { agent_id: odd, name: "n" }, `/v1/agents/${enc}`],
    ["disconnect_sc_agent", { agent_id: odd }, `/v1/agents/${enc}`],
    ["list_sc_agent_tasks", { agent_id: odd }, `/v1/agents/${enc}/tasks`],
    ["create_sc_agent_task", { ...task, agent_id: odd, configuration: okConfig, schedule: okSchedule }, `/v1/agents/${enc}/tasks`],
    ["update_sc_agent_task", { agent_id: odd, task_id: odd, name: "n" }, `/v1/agents/${enc}/tasks/${enc}`],
    ["delete_sc_agent_task", { agent_id: odd, task_id: odd }, `/v1/agents/${enc}/tasks/${enc}`],
    ["get_sc_repo", { repo_name: odd }, `/v1/repos/${enc}`],
    ["update_sc_repo", { repo_name: odd, description: "d" }, `/v1/repos/${enc}`],
    ["disconnect_sc_repo", { repo_name: odd }, `/v1/repos/${enc}`],
    ["list_sc_repo_users", { repo_name: odd }, `/v1/repos/${enc}/users`],
    ["get_sc_repo_user", { repo_name: odd, username: odd }, `/v1/repos/${enc}/users/${enc}`],
    ["disconnect_sc_repo_user", { repo_name: odd, username: odd }, `/v1/repos/${enc}/users/${enc}`],
    ["list_sc_service_users", { repo_name: odd }, `/v1/repos/${enc}/serviceusers`],
    ["get_sc_service_user", { repo_name: odd, username: odd }, `/v1/repos/${enc}/serviceusers/${enc}`],
    ["disconnect_sc_service_user", { repo_name: odd, username: odd }, `/v1/repos/${enc}/serviceusers/${enc}`],
    ["get_sc_sidecar", { sidecar_id: odd }, `/v1/sidecars/${enc}`],
    ["disconnect_sc_sidecar", { sidecar_id: odd }, `/v1/sidecars/${enc}`],
    ["list_sc_sidecar_listeners", { sidecar_id: odd }, `/v1/sidecars/${enc}/ports`],
    ["register_sc_sidecar_listener", { sidecar_id: odd, port: 5432, database_type: "Postgres" }, `/v1/sidecars/${enc}/ports`],
    ["deregister_sc_sidecar_listener", { sidecar_id: odd, port: 5432 }, `/v1/sidecars/${enc}/ports/5432`],
    ["list_sc_sidecar_bindings", { sidecar_id: odd }, `/v1/sidecars/${enc}/bindings`],
    ["list_sc_repo_bindings", { repo_name: odd }, `/v1/repos/${enc}/bindings`],
    ["get_sc_sidecar_binding", { sidecar_id: odd, port: 5432, repo_name: odd }, `/v1/sidecars/${enc}/bindings/ports/5432/repos/${enc}`],
    ["create_sc_sidecar_binding", { sidecar_id: odd, port: 5432, repo_name: odd }, `/v1/sidecars/${enc}/bindings/ports/5432/repos/${enc}`],
    ["disconnect_sc_sidecar_binding", { sidecar_id: odd, port: 5432, repo_name: odd }, `/v1/sidecars/${enc}/bindings/ports/5432/repos/${enc}`],
  ];

  it.each(CASES)("%s", async (tool, args, expected) => {
    routeAll({ status: 200, body: {} });
    const res = await h.call(tool, args);
    expect(envelope(res).error).toBeNull();
    expect(stub.requests).toHaveLength(1);
    expect(path(stub.requests[0]!)).toBe(expected);
  });
});

describe("one page per call, with a cursor that always ends", () => {
  it("returns ALTR's contiguous_id and sends it back for the next page; one request per call", async () => {
    stub.route("GET", "/v1/repos", {
      status: 200,
      bodyFrom: (req) =>
        new URL(req.url, "http://x").searchParams.get("contiguous_id") === "page-2"
          ? { repos: [{ name: "b" }], contiguous_id: "" }
          : { repos: [{ name: "a" }], contiguous_id: "page-2" },
    });
    const first = envelope(await h.call("list_sc_repos", { limit: 1 })).data as { repos: { name: string }[]; contiguous_id: string | null };
    expect(first).toEqual({ repos: [{ name: "a" }], contiguous_id: "page-2" });
    expect(stub.requests).toHaveLength(1);
    const second = envelope(await h.call("list_sc_repos", { limit: 1, contiguous_id: first.contiguous_id })).data;
    // "" (ALTR's end marker) becomes null, so the caller knows to stop.
    expect(second).toEqual({ repos: [{ name: "b" }], contiguous_id: null });
    expect(query(stub.requests[1]!)).toEqual([
      ["limit", "1"],
      ["contiguous_id", "page-2"],
    ]);
  });

  it("a missing cursor, or one equal to the cursor just used, ends the listing", async () => {
    stub.route("GET", /\/ports$/, { status: 200, body: { sidecar_listeners: [{ port: 1521 }] } });
    expect(envelope(await h.call("list_sc_sidecar_listeners", { sidecar_id: SIDECAR })).data).toEqual({
      sidecar_listeners: [{ port: 1521 }],
      contiguous_id: null,
    });
    stub.route("GET", /\/tasks$/, { status: 200, body: { tasks: [{ id: "t" }], contiguous_id: "same" } });
    expect(envelope(await h.call("list_sc_agent_tasks", { agent_id: AGENT, contiguous_id: "same" })).data).toEqual({
      tasks: [{ id: "t" }],
      contiguous_id: null,
    });
  });
});

describe("annotations and names", () => {
  const tool = (name: string) => ALL_TOOLS.find((t) => t.name === name)!;

  it("every DELETE, the listener deregistration and the protection-weakening sidecar update are destructive", () => {
    for (const name of [
      "disconnect_sc_agent",
      "delete_sc_agent_task",
      "disconnect_sc_repo",
      "disconnect_sc_repo_user",
      "disconnect_sc_service_user",
      "disconnect_sc_sidecar",
      "deregister_sc_sidecar_listener",
      "disconnect_sc_sidecar_binding",
      "update_sc_sidecar",
    ]) {
      expect(tool(name).annotations.destructiveHint, name).toBe(true);
    }
    for (const name of ["create_sc_repo", "update_sc_repo_user", "list_sc_agents"]) expect(tool(name).annotations.destructiveHint, name).toBe(false);
  });

  it("pre-rename names are callable aliases and RESTRICTED_TOOLS matches them", async () => {
    stub.route("DELETE", /.*/, { status: 204 });
    const env = envelope(await h.call("delete_sc_repo", { repo_name: "orders_oracle" }));
    expect(env.data).toEqual({ repo_name: "orders_oracle", disconnected: true, changed: true, message: "deleted" });
    const old = ["delete_sc_agent", "delete_sc_repo", "delete_sc_repo_user", "delete_sc_service_user", "delete_sc_sidecar", "delete_sc_sidecar_binding"];
    const sel = selectTools(ALL_TOOLS, { toolsets: ["all"], readOnly: false, restricted: old });
    for (const name of ["disconnect_sc_agent", "disconnect_sc_repo", "disconnect_sc_repo_user", "disconnect_sc_service_user", "disconnect_sc_sidecar", "disconnect_sc_sidecar_binding"]) {
      expect(sel.callable.has(name), name).toBe(false);
      expect(sel.hidden.get(name)).toMatch(/RESTRICTED_TOOLS/);
    }
  });

  it("secret locations are declared sensitive", () => {
    for (const name of ["create_sc_repo_user", "update_sc_repo_user", "create_sc_service_user", "update_sc_service_user"]) {
      expect([...tool(name).sensitive], name).toEqual(expect.arrayContaining(["aws_secrets_manager", "azure_key_vault"]));
    }
    expect(tool("create_sc_service_user").sensitive.has("resource")).toBe(true);
  });
});

describe("errors from sc-control", () => {
  it("its configuration error body {statusCode, response:{message}} gives ALTR's message and the 404 hint", async () => {
    stub.route("GET", /\/v1\/repos\/.+$/, { status: 404, body: { statusCode: 404, response: { error_code: 404, message: "repo not found" } } });
    const env = envelope(await h.call("get_sc_repo", { repo_name: "nope" }));
    expect(env.error).toMatchObject({ kind: "http", status: 404, altr_message: "repo not found" });
    expect(env.error!.message).toContain("GET /v1/repos/…");
    expect(env.error!.hint).toMatch(/list the resources first/);
  });

  it("a refused disconnect (tasks remain) is an error, not a success", async () => {
    stub.route("DELETE", /\/v1\/agents\/.+$/, { status: 400, body: { statusCode: 400, response: { error_code: 400, message: "agent has tasks" } } });
    const res = await h.call("disconnect_sc_agent", { agent_id: AGENT });
    expect(res.isError).toBe(true);
    expect(envelope(res).error).toMatchObject({ status: 400, altr_message: "agent has tasks" });
  });

  it("409 on a create: one attempt, conflict hint", async () => {
    stub.route("POST", /\/users$/, { status: 409, body: { statusCode: 409, response: { error_code: 409, message: "repo user already exists" } } });
    const env = envelope(await h.call("create_sc_repo_user", { repo_name: "r", username: "u", aws_secrets_manager: { secrets_path: "p" } }));
    expect(env.error).toMatchObject({ status: 409, altr_message: "repo user already exists", attempts: 1 });
    expect(env.error!.hint).toMatch(/exists already/);
    expect(stub.requests).toHaveLength(1);
  });

  it("a 502 on a create is not retried (no duplicate sidecar); on a delete it is", async () => {
    stub.route("POST", "/v1/sidecars", { status: 502 });
    await h.call("create_sc_sidecar", { name: "s", hostname: "h" });
    expect(stub.requests).toHaveLength(1);
    stub.requests.length = 0;
    stub.route("DELETE", /\/v1\/sidecars\/.+$/, { status: 502 }, { status: 204 });
    const env = envelope(await h.call("disconnect_sc_sidecar", { sidecar_id: SIDECAR }));
    expect(env.data).toEqual({ sidecar_id: SIDECAR, disconnected: true, changed: true, message: "deleted" });
    expect(stub.requests).toHaveLength(2);
  });
});

describe("secret locations never reach the log", () => {
  const SECRETS_PATH = "SENTINEL-SECRETS-PATH-7d1e";
  const IAM_ROLE = "arn:aws:iam::123456789012:role/SENTINEL-ROLE-3c9a";
  const VAULT_URI = "https://sentinel-vault-5b2f.vault.azure.net/";
  const SECRET_NAME = "SENTINEL-SECRET-NAME-a4e8";
  const RESOURCE = "arn:aws:iam::123456789012:role/SENTINEL-RESOURCE-91bd";
  const SENTINELS = [SECRETS_PATH, IAM_ROLE, VAULT_URI, SECRET_NAME, RESOURCE, "SENTINEL-ROLE-3c9a", "sentinel-vault-5b2f"];

  async function withDebugLog(run: (lh: Harness) => Promise<string[]>): Promise<{ log: string; results: string[] }> {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = pino({ level: "debug" }, sink);
    const lh = await connect({ baseUrls: baseUrlsFrom(stub.url), logger, http: { maxAttempts: 1 } });
    try {
      const results = await run(lh);
      return { log: lines.join(""), results };
    } finally {
      await lh.close();
    }
  }

  const calls = (lh: Harness) =>
    Promise.all([
      // Object form and JSON-string form (spaced, so the wire body differs from the string).
      lh.call("create_sc_repo_user", { repo_name: "orders_oracle", username: "u1", aws_secrets_manager: { secrets_path: SECRETS_PATH, iam_role: IAM_ROLE } }),
      lh.call("create_sc_repo_user", {
        repo_name: "orders_oracle",
        username: "u2",
        azure_key_vault: `{ "key_vault_uri": "${VAULT_URI}", "secret_name": "${SECRET_NAME}" }`,
      }),
      lh.call("create_sc_service_user", {
        repo_name: "orders_oracle",
        username: "svc",
        resource: RESOURCE,
        aws_secrets_manager: JSON.stringify({ secrets_path: SECRETS_PATH, iam_role: IAM_ROLE }),
      }),
      lh.call("update_sc_repo_user", { repo_name: "orders_oracle", username: "u1", azure_key_vault: { key_vault_uri: VAULT_URI, secret_name: SECRET_NAME } }),
    ]).then((rs) => rs.map((r) => JSON.stringify(r)));

  it("a repo-user create at debug level logs the call with the locations redacted", async () => {
    routeAll({ status: 201, body: { username: "u1" } });
    const { log, results } = await withDebugLog(calls);
    // The sentinels really were sent, so the assertions below can fail.
    const sent = stub.requests.map((r) => r.body).join("");
    for (const s of [SECRETS_PATH, IAM_ROLE, VAULT_URI, SECRET_NAME, RESOURCE]) expect(sent).toContain(s);
    expect(log).toContain('"msg":"tool call"');
    expect(log).toContain("create_sc_repo_user");
    expect(log).toContain("[REDACTED]");
    for (const s of SENTINELS) expect(log.includes(s), `log contains ${s}`).toBe(false);
    expect(results.every((r) => !r.includes('"isError":true'))).toBe(true);
  });

  it("even when ALTR quotes the request back in an error, neither the log nor the result shows them", async () => {
    routeAll({ status: 400, bodyFrom: (req) => ({ statusCode: 400, response: { error_code: 400, message: `cannot store ${req.body}` } }) });
    const { log, results } = await withDebugLog(calls);
    expect(log).toContain("tool call failed");
    for (const s of SENTINELS) {
      expect(log.includes(s), `log contains ${s}`).toBe(false);
      for (const r of results) expect(r.includes(s), `result contains ${s}: ${r.slice(0, 300)}`).toBe(false);
    }
    expect(results.every((r) => r.includes('"isError":true'))).toBe(true);
  });
});
