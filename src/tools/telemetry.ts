/**
 * Telemetry (sc_control): check-ins of running agent and sidecar instances and the status
 * reports of agent tasks. Lists are one page per call with the next `contiguous_id`.
 */
import { z } from "zod";
import { S, objectOf } from "../schema/json-schema.js";
import { defineTool, InputError, responseBody, type Tool } from "./define.js";
import { agentId, contiguousId, limit, sidecarId, taskId } from "./sidecar-shared.js";
import { READ, REMOVE } from "./common.js";
import { onePage } from "../altr/paginate.js";
import { deleteOnce, DELETE_OUTCOME, outcome } from "./deletes.js";


const agentInstanceId = z.string().trim().min(1);
const sidecarInstanceId = z.string().trim().min(1);
const page = { limit: limit(1000), contiguous_id: contiguousId };

/**
 * A check-in bound as ALTR takes it: unix milliseconds or a duration ago (5m, 1h, 24h, 7d). An
 * RFC 3339 time is accepted too and sent as milliseconds.
 */
const checkin = z
  .string()
  .trim()
  .transform((v, ctx) => {
    if (/^\d{1,16}$/.test(v) || /^\d{1,6}[mhd]$/.test(v)) return v;
    const t = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(v) ? Date.parse(v) : NaN;
    if (!Number.isNaN(t) && t >= 0) return String(t);
    ctx.addIssue({ code: "custom", message: "must be unix milliseconds, a duration ago such as 5m, 1h or 7d, or an RFC 3339 time" });
    return z.NEVER;
  })
  .optional();
const checkins = { checkin_after: checkin.describe("Unix ms, 1h/7d ago or RFC 3339; so is checkin_before."), checkin_before: checkin };

/** Milliseconds a bound stands for, now being `now` (a duration counts back from it). */
function boundMs(v: string, now: number): number {
  const m = /^(\d+)([mhd])$/.exec(v);
  return m ? now - Number(m[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as "m" | "h" | "d"] : Number(v);
}

/** An empty window (after later than before) is a mistake, not a filter: refused before sending. */
function checkWindow(q: { checkin_after?: string | undefined; checkin_before?: string | undefined }): void {
  if (q.checkin_after === undefined || q.checkin_before === undefined) return;
  const now = Date.now();
  if (boundMs(q.checkin_after, now) > boundMs(q.checkin_before, now)) {
    throw new InputError("checkin_after: must not be later than checkin_before", ["checkin_after", "checkin_before"]);
  }
}

export const telemetryTools: Tool[] = [
  defineTool({
    name: "get_agent_instances",
    title: "List agent instances",
    description: "List an agent's running instances and last check-ins.",
    toolset: "telemetry",
    input: { agent_id: agentId, ...page, ...checkins },
    annotations: READ,
    operations: ["sc_control.listAgentInstances"],
    output: responseBody("sc_control.listAgentInstances"),
    async handler({ agent_id, ...q }, { call, signal }) {
      checkWindow(q);
      const body = await call("sc_control.listAgentInstances", { path: { agent_id }, query: q, signal });
      return onePage(body, q.contiguous_id);
    },
  }),

  defineTool({
    name: "get_agent_instance",
    title: "Get an agent instance",
    description: "Get an agent instance's last check-in.",
    toolset: "telemetry",
    input: { agent_id: agentId, instance_id: agentInstanceId },
    annotations: READ,
    operations: ["sc_control.getAgentInstance"],
    output: responseBody("sc_control.getAgentInstance"),
    async handler(path, { call, signal }) {
      return call("sc_control.getAgentInstance", { path, signal });
    },
  }),

  defineTool({
    name: "disconnect_agent_instance",
    title: "Remove an agent instance record",
    description: "Drop ALTR's record of an agent instance (a running one reappears).",
    toolset: "telemetry",
    aliases: ["delete_agent_instance"],
    input: { agent_id: agentId, instance_id: agentInstanceId },
    annotations: REMOVE,
    operations: ["sc_control.deleteAgentInstance"],
    output: objectOf({ agent_id: S.string, instance_id: S.string, disconnected: S.boolean, ...DELETE_OUTCOME }),
    async handler(path, { call, signal }) {
      const done = await deleteOnce(call("sc_control.deleteAgentInstance", { path, signal }), { what: "agent instance", list: "get_agent_instances", alsoCalled: ["instance"] });
      return { ...path, disconnected: done.changed, ...outcome(done) };
    },
  }),

  defineTool({
    name: "get_agent_task_telemetry",
    title: "List an agent's task reports",
    description: "List the status reports of an agent's tasks.",
    toolset: "telemetry",
    input: { agent_id: agentId, ...page },
    annotations: READ,
    operations: ["sc_control.listAgentTaskTelemetry"],
    output: responseBody("sc_control.listAgentTaskTelemetry"),
    async handler({ agent_id, ...q }, { call, signal }) {
      const body = await call("sc_control.listAgentTaskTelemetry", { path: { agent_id }, query: q, signal });
      return onePage(body, q.contiguous_id);
    },
  }),

  defineTool({
    name: "get_sidecar_instances",
    title: "List sidecar instances",
    description: "List a sidecar's running instances and last check-ins.",
    toolset: "telemetry",
    input: { sidecar_id: sidecarId, ...page, ...checkins },
    annotations: READ,
    operations: ["sc_control.listSidecarInstances"],
    output: responseBody("sc_control.listSidecarInstances"),
    async handler({ sidecar_id, ...q }, { call, signal }) {
      checkWindow(q);
      const body = await call("sc_control.listSidecarInstances", { path: { sidecar_id }, query: q, signal });
      return onePage(body, q.contiguous_id);
    },
  }),

  defineTool({
    name: "get_sidecar_instance",
    title: "Get a sidecar instance",
    description: "Get a sidecar instance's last check-in.",
    toolset: "telemetry",
    input: { sidecar_id: sidecarId, instance_id: sidecarInstanceId },
    annotations: READ,
    operations: ["sc_control.getSidecarInstance"],
    output: responseBody("sc_control.getSidecarInstance"),
    async handler(path, { call, signal }) {
      return call("sc_control.getSidecarInstance", { path, signal });
    },
  }),

  defineTool({
    name: "disconnect_sidecar_instance",
    title: "Remove a sidecar instance record",
    description: "Drop ALTR's record of a sidecar instance; the process is untouched.",
    toolset: "telemetry",
    aliases: ["delete_sidecar_instance"],
    input: { sidecar_id: sidecarId, instance_id: sidecarInstanceId },
    annotations: REMOVE,
    operations: ["sc_control.deleteSidecarInstance"],
    output: objectOf({ sidecar_id: S.string, instance_id: S.string, disconnected: S.boolean, ...DELETE_OUTCOME }),
    async handler(path, { call, signal }) {
      const done = await deleteOnce(call("sc_control.deleteSidecarInstance", { path, signal }), { what: "sidecar instance", list: "get_sidecar_instances", alsoCalled: ["instance"] });
      return { ...path, disconnected: done.changed, ...outcome(done) };
    },
  }),

  defineTool({
    name: "get_task_telemetry",
    title: "Get a task report",
    description: "Get the latest status report of one agent task.",
    toolset: "telemetry",
    input: { task_id: taskId },
    annotations: READ,
    operations: ["sc_control.getTaskTelemetry"],
    output: responseBody("sc_control.getTaskTelemetry"),
    async handler({ task_id }, { call, signal }) {
      return call("sc_control.getTaskTelemetry", { path: { task_id }, signal });
    },
  }),

  defineTool({
    name: "delete_task_telemetry",
    title: "Delete a task report",
    description: "Delete an agent task's stored status report (the task stays).",
    toolset: "telemetry",
    input: { task_id: taskId },
    annotations: REMOVE,
    operations: ["sc_control.deleteTaskTelemetry"],
    output: objectOf({ task_id: S.string, deleted: S.boolean, ...DELETE_OUTCOME }),
    async handler({ task_id }, { call, signal }) {
      const done = await deleteOnce(call("sc_control.deleteTaskTelemetry", { path: { task_id }, signal }), { what: "task report", list: "get_task_telemetry", alsoCalled: ["task", "telemetry"] });
      return { task_id, deleted: done.changed, ...outcome(done) };
    },
  }),
];
