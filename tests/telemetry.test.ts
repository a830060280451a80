/**
 * Telemetry: ids are validated and percent-encoded (the upstream inserts them raw), lists are
 * one page per call (limit 1–1000) with a cursor that always ends, removals are destructive
 * and keep their pre-rename names, and telemetry's error body is read.
 */
import { describe, expect, it } from "vitest";
import { selectTools } from "../src/server/registry.js";
import { ALL_TOOLS } from "../src/tools/index.js";
import { envelope } from "./helpers/harness.js";
import { type StubRequest } from "./helpers/stub.js";
import { describeInvalidInput, h, stub, useStubHarness, queryOf as query } from "./helpers/stub-harness.js";

const AGENT = "3f9c2b1e-8a7d-4c6b-9e5f-1a2b3c4d5e6f";
const SIDECAR = "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a";

useStubHarness();

const path = (r: StubRequest) => r.url.split("?")[0];

const INVALID: [tool: string, args: Record<string, unknown>, field: string][] = [
  ["get_agent_instances", {}, "agent_id"],
  ["get_agent_instances", { agent_id: AGENT, limit: 0 }, "limit"],
  ["get_agent_instances", { agent_id: AGENT, limit: 1001 }, "limit"],
  ["get_agent_instances", { agent_id: AGENT, contiguous_id: "" }, "contiguous_id"],
  ["get_agent_instance", { agent_id: AGENT }, "instance_id"],
  ["disconnect_agent_instance", { agent_id: " ", instance_id: "i" }, "agent_id"],
  ["get_agent_task_telemetry", { agent_id: AGENT, limit: 2.5 }, "limit"],
  ["get_sidecar_instances", { sidecar_id: SIDECAR, limit: "10" }, "limit"],
  ["get_sidecar_instance", { sidecar_id: SIDECAR, instance_id: "" }, "instance_id"],
  ["disconnect_sidecar_instance", { instance_id: "i" }, "sidecar_id"],
  ["get_task_telemetry", { task_id: 7 }, "task_id"],
  ["delete_task_telemetry", { task_id: "t", force: true }, "force"],
];

describeInvalidInput(INVALID);

describe("every id is percent-encoded exactly once", () => {
  const odd = "x/y?z#w";
  const enc = "x%2Fy%3Fz%23w";
  const CASES: [tool: string, args: Record<string, unknown>, method: string, expected: string][] = [
    ["get_agent_instances", { agent_id: odd }, "GET", `/v1/agents/${enc}/instances`],
    ["get_agent_instance", { agent_id: odd, instance_id: odd }, "GET", `/v1/agents/${enc}/instances/${enc}`],
    ["disconnect_agent_instance", { agent_id: odd, instance_id: odd }, "DELETE", `/v1/agents/${enc}/instances/${enc}`],
    ["get_agent_task_telemetry", { agent_id: odd }, "GET", `/v1/agents/${enc}/task-telemetry`],
    ["get_sidecar_instances", { sidecar_id: odd }, "GET", `/v1/sidecars/${enc}/instances`],
    ["get_sidecar_instance", { sidecar_id: odd, instance_id: odd }, "GET", `/v1/sidecars/${enc}/instances/${enc}`],
    ["disconnect_sidecar_instance", { sidecar_id: odd, instance_id: odd }, "DELETE", `/v1/sidecars/${enc}/instances/${enc}`],
    ["get_task_telemetry", { task_id: odd }, "GET", `/v1/tasks/${enc}/task-telemetry`],
    ["delete_task_telemetry", { task_id: odd }, "DELETE", `/v1/tasks/${enc}/task-telemetry`],
  ];
  it.each(CASES)("%s", async (tool, args, method, expected) => {
    stub.route(method, /.*/, method === "DELETE" ? { status: 204 } : { status: 200, body: {} });
    expect(envelope(await h.call(tool, args)).error).toBeNull();
    expect(stub.requests.map((r) => `${r.method} ${path(r)}`)).toEqual([`${method} ${expected}`]);
  });
});

describe("one page per call", () => {
  it("sends limit and the cursor, returns the next cursor; ALTR's '' end marker becomes null", async () => {
    stub.route(
      "GET",
      /\/instances$/,
      { status: 200, body: { items: [{ instance_id: "i1" }], contiguous_id: "next-1" } },
      { status: 200, body: { items: [{ instance_id: "i2" }], contiguous_id: "" } },
    );
    const first = envelope(await h.call("get_sidecar_instances", { sidecar_id: SIDECAR, limit: 1000 })).data;
    expect(first).toEqual({ items: [{ instance_id: "i1" }], contiguous_id: "next-1" });
    const second = envelope(await h.call("get_sidecar_instances", { sidecar_id: SIDECAR, contiguous_id: "next-1" })).data;
    expect(second).toEqual({ items: [{ instance_id: "i2" }], contiguous_id: null });
    expect(stub.requests.map(query)).toEqual([{ limit: "1000" }, { contiguous_id: "next-1" }]);
  });

  it("a list under another key (as the upstream's mocks show) is passed through, and a repeated cursor ends it", async () => {
    stub.route("GET", /\/task-telemetry$/, { status: 200, body: { task_telemetry: [{ task_id: "t" }], contiguous_id: "c1" } });
    const data = envelope(await h.call("get_agent_task_telemetry", { agent_id: AGENT, contiguous_id: "c1" })).data;
    expect(data).toEqual({ task_telemetry: [{ task_id: "t" }], contiguous_id: null });
    expect(stub.requests).toHaveLength(1);
  });
});

describe("removals", () => {
  it("are destructive, keep their pre-rename names as callable aliases, and match RESTRICTED_TOOLS by them", async () => {
    for (const name of ["disconnect_agent_instance", "disconnect_sidecar_instance", "delete_task_telemetry"]) {
      expect(ALL_TOOLS.find((t) => t.name === name)!.annotations.destructiveHint, name).toBe(true);
    }
    stub.route("DELETE", /.*/, { status: 204 });
    const env = envelope(await h.call("delete_sidecar_instance", { sidecar_id: SIDECAR, instance_id: "i1" }));
    expect(env.data).toEqual({ sidecar_id: SIDECAR, instance_id: "i1", disconnected: true, changed: true, message: "deleted" });
    const sel = selectTools(ALL_TOOLS, { toolsets: [], readOnly: false, restricted: ["DELETE_AGENT_INSTANCE", "delete_sidecar_instance"] });
    expect(sel.callable.has("disconnect_agent_instance")).toBe(false);
    expect(sel.callable.has("disconnect_sidecar_instance")).toBe(false);
    expect(sel.callable.has("get_agent_instance")).toBe(true);
  });

  it("ALTR_READ_ONLY keeps the six readers only", () => {
    const sel = selectTools(ALL_TOOLS, { toolsets: ["telemetry"], readOnly: true, restricted: [] });
    expect(sel.enabled.map((t) => t.name).sort()).toEqual(
      ["get_agent_instance", "get_agent_instances", "get_agent_task_telemetry", "get_sidecar_instance", "get_sidecar_instances", "get_task_telemetry"],
    );
  });
});

describe("errors", () => {
  it("telemetry's {error:{error_code, message}} body gives ALTR's message; a 404 is an error, not data", async () => {
    stub.route("GET", /\/task-telemetry$/, { status: 404, body: { error: { error_code: 404, message: "task telemetry not found" } } });
    const res = await h.call("get_task_telemetry", { task_id: "t-missing" });
    expect(res.isError).toBe(true);
    expect(envelope(res).error).toMatchObject({ status: 404, altr_message: "task telemetry not found" });
  });

  it("503 on a read is retried, then succeeds", async () => {
    stub.route("GET", /\/instances\/[^/]+$/, { status: 503, body: { error: { error_code: 503, message: "unavailable" } } }, { status: 200, body: { instance_id: "i1" } });
    const env = envelope(await h.call("get_agent_instance", { agent_id: AGENT, instance_id: "i1" }));
    expect(env.data).toEqual({ instance_id: "i1" });
    expect(stub.requests).toHaveLength(2);
  });
});
