import { AGENT, SIDECAR, TASK } from "./sidecar.js";
import type { ToolCase } from "./types.js";

const AGENT_INSTANCE = "b55f7214-191b-47df-adf1-9b004fd98e39";
const SIDECAR_INSTANCE = "c58a2976-d2df-4af4-9fba-bda6e09c8c1f";

export const telemetryCases: ToolCase[] = [
  {
    tool: "get_agent_instances",
    args: { agent_id: AGENT, limit: 500 },
    wire: [{ method: "GET", service: "sc_control", path: `/v1/agents/${AGENT}/instances`, query: { limit: "500" } }],
  },
  {
    // An RFC 3339 time is sent as unix ms; a duration ago (1h) as ALTR takes it.
    tool: "get_agent_instances",
    args: { agent_id: AGENT, checkin_after: "2025-07-09T15:23:31.204Z", checkin_before: "1h" },
    wire: [
      { method: "GET", service: "sc_control", path: `/v1/agents/${AGENT}/instances`, query: { checkin_after: "1752074611204", checkin_before: "1h" } },
    ],
  },
  {
    tool: "get_agent_instance",
    args: { agent_id: AGENT, instance_id: AGENT_INSTANCE },
    wire: [{ method: "GET", service: "sc_control", path: `/v1/agents/${AGENT}/instances/${AGENT_INSTANCE}` }],
  },
  {
    tool: "disconnect_agent_instance",
    args: { agent_id: AGENT, instance_id: AGENT_INSTANCE },
    wire: [{ method: "DELETE", service: "sc_control", path: `/v1/agents/${AGENT}/instances/${AGENT_INSTANCE}` }],
  },
  {
    tool: "get_agent_task_telemetry",
    args: { agent_id: AGENT, contiguous_id: "eyJQSyI6IlRFTEVNRVRSWSJ9" },
    wire: [
      { method: "GET", service: "sc_control", path: `/v1/agents/${AGENT}/task-telemetry`, query: { contiguous_id: "eyJQSyI6IlRFTEVNRVRSWSJ9" } },
    ],
  },
  {
    tool: "get_sidecar_instances",
    args: { sidecar_id: SIDECAR },
    wire: [{ method: "GET", service: "sc_control", path: `/v1/sidecars/${SIDECAR}/instances` }],
  },
  {
    tool: "get_sidecar_instances",
    args: { sidecar_id: SIDECAR, checkin_after: "1752074000000", checkin_before: "5m" },
    wire: [
      { method: "GET", service: "sc_control", path: `/v1/sidecars/${SIDECAR}/instances`, query: { checkin_after: "1752074000000", checkin_before: "5m" } },
    ],
  },
  {
    tool: "get_sidecar_instance",
    args: { sidecar_id: SIDECAR, instance_id: SIDECAR_INSTANCE },
    wire: [{ method: "GET", service: "sc_control", path: `/v1/sidecars/${SIDECAR}/instances/${SIDECAR_INSTANCE}` }],
  },
  {
    tool: "disconnect_sidecar_instance",
    args: { sidecar_id: SIDECAR, instance_id: SIDECAR_INSTANCE },
    wire: [{ method: "DELETE", service: "sc_control", path: `/v1/sidecars/${SIDECAR}/instances/${SIDECAR_INSTANCE}` }],
  },
  {
    tool: "get_task_telemetry",
    args: { task_id: TASK },
    wire: [{ method: "GET", service: "sc_control", path: `/v1/tasks/${TASK}/task-telemetry` }],
  },
  {
    tool: "delete_task_telemetry",
    args: { task_id: TASK },
    wire: [{ method: "DELETE", service: "sc_control", path: `/v1/tasks/${TASK}/task-telemetry` }],
  },
];
