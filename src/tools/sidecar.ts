/**
 * Sidecar configuration (sc_control): agents and their tasks, sidecars, listener ports and
 * repo bindings here; repos, repo users and service users in sidecar-repos.ts. Every list is
 * one page per call with the next `contiguous_id`; every path segment is percent-encoded by
 * the shared client (the upstream inserts agent and sidecar ids raw).
 */
import { z } from "zod";
import { S, objectOf } from "../schema/json-schema.js";
import { defineTool, InputError, responseBody, type Tool } from "./define.js";
import { CREATE, READ, REMOVE, UPDATE, text } from "./common.js";
import { agentId, caseless, commaList, contiguousId, limit, port, repoName, schedule, sidecarId, taskConfiguration, taskId } from "./sidecar-shared.js";
import { onePage } from "../altr/paginate.js";
import { deleteOnce, DELETE_OUTCOME, outcome } from "./deletes.js";


const agentType = caseless(["SIS", "CLASSIFIER"]);
const pemKey = z.string().min(1);

/** A PATCH body with nothing in it changes nothing: refused before any request. */
function requireChange<T extends Record<string, unknown>>(body: T, names: string): T {
  if (Object.values(body).every((v) => v === undefined)) {
    throw new InputError(`Nothing to update: give at least one of ${names}`, []);
  }
  return body;
}

export const agentTools: Tool[] = [
  defineTool({
    name: "list_sc_agents",
    title: "List sidecar agents",
    description: "List sidecar agents (SIS audit or CLASSIFIER).",
    toolset: "sidecar",
    input: { limit: limit(100), contiguous_id: contiguousId, agent_type: agentType.optional(), name_starts_with: text.optional() },
    annotations: READ,
    operations: ["sc_control.listAgents"],
    output: responseBody("sc_control.listAgents"),
    async handler(a, { call, signal }) {
      const body = await call("sc_control.listAgents", { query: { limit: a.limit, contiguous_id: a.contiguous_id, type: a.agent_type, name_starts_with: a.name_starts_with }, signal });
      return onePage(body, a.contiguous_id);
    },
  }),

  defineTool({
    name: "create_sc_agent",
    title: "Register a sidecar agent",
    description: "Register an SIS (audit) or CLASSIFIER agent; then create_sc_agent_task.",
    toolset: "sidecar",
    input: {
      agent_type: agentType,
      name: text,
      description: z.string().optional(),
      public_key_1: pemKey.optional().describe("PEM."),
      public_key_2: pemKey.optional().describe("PEM, for key rotation."),
    },
    annotations: CREATE,
    operations: ["sc_control.createAgent"],
    output: responseBody("sc_control.createAgent"),
    async handler({ agent_type, ...rest }, { call, signal }) {
      return call("sc_control.createAgent", { body: { type: agent_type, ...rest }, signal });
    },
  }),

  defineTool({
    name: "get_sc_agent",
    title: "Get a sidecar agent",
    description: "Get one sidecar agent.",
    toolset: "sidecar",
    input: { agent_id: agentId },
    annotations: READ,
    operations: ["sc_control.getAgent"],
    output: responseBody("sc_control.getAgent"),
    async handler({ agent_id }, { call, signal }) {
      return call("sc_control.getAgent", { path: { agent_id }, signal });
    },
  }),

  defineTool({
    name: "update_sc_agent",
    title: "Update a sidecar agent",
    description: "Change an agent's name, description or public keys.",
    toolset: "sidecar",
    input: {
      agent_id: agentId,
      name: text.optional(),
      description: z.string().optional(),
      public_key_1: pemKey.optional(),
      public_key_2: pemKey.optional(),
    },
    annotations: UPDATE,
    operations: ["sc_control.updateAgent"],
    output: responseBody("sc_control.updateAgent"),
    async handler({ agent_id, ...fields }, { call, signal }) {
      const body = requireChange(fields, "name, description, public_key_1, public_key_2");
      return call("sc_control.updateAgent", { path: { agent_id }, body, signal });
    },
  }),

  defineTool({
    name: "disconnect_sc_agent",
    title: "Remove a sidecar agent",
    description: "Remove an agent from ALTR; fails while it has tasks (delete_sc_agent_task).",
    toolset: "sidecar",
    aliases: ["delete_sc_agent"],
    input: { agent_id: agentId },
    annotations: REMOVE,
    operations: ["sc_control.deleteAgent"],
    output: objectOf({ agent_id: S.string, disconnected: S.boolean, ...DELETE_OUTCOME }),
    async handler({ agent_id }, { call, signal }) {
      const done = await deleteOnce(call("sc_control.deleteAgent", { path: { agent_id }, signal }), { what: "agent", list: "list_sc_agents" });
      return { agent_id, disconnected: done.changed, ...outcome(done) };
    },
  }),

  defineTool({
    name: "list_sc_agent_tasks",
    title: "List an agent's tasks",
    description: "List an agent's scheduled tasks.",
    toolset: "sidecar",
    input: { agent_id: agentId, limit: limit(100), contiguous_id: contiguousId },
    annotations: READ,
    operations: ["sc_control.listAgentTasks"],
    output: responseBody("sc_control.listAgentTasks"),
    async handler({ agent_id, ...q }, { call, signal }) {
      const body = await call("sc_control.listAgentTasks", { path: { agent_id }, query: q, signal });
      return onePage(body, q.contiguous_id);
    },
  }),

  defineTool({
    name: "create_sc_agent_task",
    title: "Create an agent task",
    description:
      "Schedule an audit (SIS agent) or classification (CLASSIFIER agent) task on a repo. service_user: for Oracle, MSSQL, MySQL; not PostgreSQL.",
    toolset: "sidecar",
    input: {
      agent_id: agentId,
      name: text,
      repo_name: repoName,
      configuration: taskConfiguration,
      schedule,
      description: z.string().optional(),
      service_user: text.optional().describe("From list_sc_service_users."),
    },
    annotations: CREATE,
    operations: ["sc_control.createAgentTask"],
    output: responseBody("sc_control.createAgentTask"),
    async handler({ agent_id, ...body }, { call, signal }) {
      if (body.configuration.table_name !== undefined && body.service_user === undefined) {
        throw new InputError("service_user: required with configuration.table_name (MySQL table audits)", ["service_user"]);
      }
      if (body.configuration.audit_file_type !== undefined && body.service_user !== undefined) {
        throw new InputError("service_user: not allowed for PostgreSQL file audits (configuration.audit_file_type)", ["service_user"]);
      }
      return call("sc_control.createAgentTask", { path: { agent_id }, body, signal });
    },
  }),

  defineTool({
    name: "update_sc_agent_task",
    title: "Update an agent task",
    description:
      "Change an agent task; a given configuration or schedule replaces the old one (repo and service user are fixed).",
    toolset: "sidecar",
    input: {
      agent_id: agentId,
      task_id: taskId,
      name: text.optional(),
      description: z.string().optional(),
      // The shapes create_sc_agent_task spells out (each description once: the list's budget).
      configuration: taskConfiguration.optional().describe("As in create_sc_agent_task."),
      schedule: schedule.optional().describe("As in create_sc_agent_task."),
    },
    annotations: UPDATE,
    operations: ["sc_control.updateAgentTask"],
    output: responseBody("sc_control.updateAgentTask"),
    async handler({ agent_id, task_id, ...fields }, { call, signal }) {
      const body = requireChange(fields, "name, description, configuration, schedule");
      return call("sc_control.updateAgentTask", { path: { agent_id, task_id }, body, signal });
    },
  }),

  defineTool({
    name: "delete_sc_agent_task",
    title: "Delete an agent task",
    description: "Delete an agent's task; it stops running.",
    toolset: "sidecar",
    input: { agent_id: agentId, task_id: taskId },
    annotations: REMOVE,
    operations: ["sc_control.deleteAgentTask"],
    output: objectOf({ agent_id: S.string, task_id: S.string, deleted: S.boolean, ...DELETE_OUTCOME }),
    async handler({ agent_id, task_id }, { call, signal }) {
      const done = await deleteOnce(call("sc_control.deleteAgentTask", { path: { agent_id, task_id }, signal }), { what: "agent task", list: "list_sc_agent_tasks" });
      return { agent_id, task_id, deleted: done.changed, ...outcome(done) };
    },
  }),
];

const sidecarFields = {
  name: z.string().trim().min(1).max(64),
  hostname: z.string().trim().min(1).max(500),
  description: z.string().max(400).optional(),
  public_key_1: pemKey.max(45000).optional(),
  public_key_2: pemKey.max(45000).optional(),
  unsupported_query_bypass: z.boolean().optional().describe("true: unparsable queries skip policy."),
  disable_platform_audits: z.boolean().optional().describe("true: no audits sent to ALTR."),
};

export const sidecarTools: Tool[] = [
  defineTool({
    name: "list_sc_sidecars",
    title: "List sidecars",
    description: "List sidecar proxies.",
    toolset: "sidecar",
    input: { limit: limit(100), contiguous_id: contiguousId },
    annotations: READ,
    operations: ["sc_control.listSidecars"],
    output: responseBody("sc_control.listSidecars"),
    async handler(q, { call, signal }) {
      return onePage(await call("sc_control.listSidecars", { query: q, signal }), q.contiguous_id);
    },
  }),

  defineTool({
    name: "create_sc_sidecar",
    title: "Register a sidecar",
    description: "Register a sidecar proxy; then register_sc_sidecar_listener and bind repos.",
    toolset: "sidecar",
    input: sidecarFields,
    annotations: CREATE,
    operations: ["sc_control.createSidecar"],
    output: responseBody("sc_control.createSidecar"),
    async handler(body, { call, signal }) {
      return call("sc_control.createSidecar", { body, signal });
    },
  }),

  defineTool({
    name: "get_sc_sidecar",
    title: "Get a sidecar",
    description: "Get one sidecar proxy.",
    toolset: "sidecar",
    input: { sidecar_id: sidecarId },
    annotations: READ,
    operations: ["sc_control.getSidecar"],
    output: responseBody("sc_control.getSidecar"),
    async handler({ sidecar_id }, { call, signal }) {
      return call("sc_control.getSidecar", { path: { sidecar_id }, signal });
    },
  }),

  defineTool({
    name: "update_sc_sidecar",
    title: "Update a sidecar",
    description: "Change a sidecar's settings; turning on either flag weakens protection.",
    toolset: "sidecar",
    input: {
      sidecar_id: sidecarId,
      ...sidecarFields,
      name: sidecarFields.name.optional(),
      hostname: sidecarFields.hostname.optional(),
    },
    // unsupported_query_bypass lets queries skip policy and disable_platform_audits stops
    // auditing: both remove protection, so the tool is flagged as destructive.
    annotations: { ...UPDATE, destructiveHint: true },
    operations: ["sc_control.updateSidecar"],
    output: responseBody("sc_control.updateSidecar"),
    async handler({ sidecar_id, ...fields }, { call, signal }) {
      const body = requireChange(fields, Object.keys(sidecarFields).join(", "));
      return call("sc_control.updateSidecar", { path: { sidecar_id }, body, signal });
    },
  }),

  defineTool({
    name: "disconnect_sc_sidecar",
    title: "Remove a sidecar",
    description: "Remove a sidecar from ALTR; fails while it has listeners.",
    toolset: "sidecar",
    aliases: ["delete_sc_sidecar"],
    input: { sidecar_id: sidecarId },
    annotations: REMOVE,
    operations: ["sc_control.deleteSidecar"],
    output: objectOf({ sidecar_id: S.string, disconnected: S.boolean, ...DELETE_OUTCOME }),
    async handler({ sidecar_id }, { call, signal }) {
      const done = await deleteOnce(call("sc_control.deleteSidecar", { path: { sidecar_id }, signal }), { what: "sidecar", list: "list_sc_sidecars" });
      return { sidecar_id, disconnected: done.changed, ...outcome(done) };
    },
  }),

  defineTool({
    name: "list_sc_sidecar_listeners",
    title: "List sidecar listeners",
    description: "List a sidecar's listener ports.",
    toolset: "sidecar",
    input: { sidecar_id: sidecarId, limit: limit(100), contiguous_id: contiguousId },
    annotations: READ,
    operations: ["sc_control.listSidecarListeners"],
    output: responseBody("sc_control.listSidecarListeners"),
    async handler({ sidecar_id, ...q }, { call, signal }) {
      const body = await call("sc_control.listSidecarListeners", { path: { sidecar_id }, query: q, signal });
      return onePage(body, q.contiguous_id);
    },
  }),

  defineTool({
    name: "register_sc_sidecar_listener",
    title: "Open a sidecar listener port",
    description: "Open a port on a sidecar for one database protocol.",
    toolset: "sidecar",
    input: {
      sidecar_id: sidecarId,
      port,
      database_type: text.describe("e.g. Oracle, Postgres."),
      advertised_version: text.optional().describe("Server version told to clients."),
    },
    annotations: CREATE,
    operations: ["sc_control.registerSidecarListener"],
    output: objectOf({ sidecar_id: S.string, port: S.integer, database_type: S.string, registered: S.boolean }),
    async handler({ sidecar_id, ...body }, { call, signal }) {
      await call("sc_control.registerSidecarListener", { path: { sidecar_id }, body, signal });
      return { sidecar_id, port: body.port, database_type: body.database_type, registered: true };
    },
  }),

  defineTool({
    name: "deregister_sc_sidecar_listener",
    title: "Close a sidecar listener port",
    description: "Close a sidecar listener port; its clients lose access.",
    toolset: "sidecar",
    input: { sidecar_id: sidecarId, port },
    annotations: REMOVE,
    operations: ["sc_control.deregisterSidecarListener"],
    output: objectOf({ sidecar_id: S.string, port: S.integer, deregistered: S.boolean, ...DELETE_OUTCOME }),
    async handler({ sidecar_id, port }, { call, signal }) {
      const done = await deleteOnce(call("sc_control.deregisterSidecarListener", { path: { sidecar_id, port }, signal }), { what: "listener", list: "list_sc_sidecar_listeners", alsoCalled: ["port"] });
      return { sidecar_id, port, deregistered: done.changed, ...outcome(done) };
    },
  }),

  defineTool({
    name: "list_sc_sidecar_bindings",
    title: "List a sidecar's bindings",
    description: "List which repos a sidecar serves on which ports.",
    toolset: "sidecar",
    input: {
      sidecar_id: sidecarId,
      ports: commaList(port, true).optional(),
      repo_names: commaList(text).optional(),
      limit: limit(100),
      contiguous_id: contiguousId,
    },
    annotations: READ,
    operations: ["sc_control.listSidecarBindings"],
    output: responseBody("sc_control.listSidecarBindings"),
    async handler({ sidecar_id, ...q }, { call, signal }) {
      const body = await call("sc_control.listSidecarBindings", { path: { sidecar_id }, query: q, signal });
      return onePage(body, q.contiguous_id);
    },
  }),

  defineTool({
    name: "list_sc_repo_bindings",
    title: "List a repo's bindings",
    description: "List which sidecars serve a repo on which ports.",
    toolset: "sidecar",
    input: {
      repo_name: repoName,
      ports: commaList(port, true).optional(),
      sidecar_ids: commaList(text).optional(),
      limit: limit(100),
      contiguous_id: contiguousId,
    },
    annotations: READ,
    operations: ["sc_control.listRepoBindings"],
    output: responseBody("sc_control.listRepoBindings"),
    async handler({ repo_name, ...q }, { call, signal }) {
      const body = await call("sc_control.listRepoBindings", { path: { repo_name }, query: q, signal });
      return onePage(body, q.contiguous_id);
    },
  }),

  defineTool({
    name: "get_sc_sidecar_binding",
    title: "Get a sidecar binding",
    description: "Get the binding of a repo to a sidecar port.",
    toolset: "sidecar",
    input: { sidecar_id: sidecarId, port, repo_name: repoName },
    annotations: READ,
    operations: ["sc_control.getSidecarBinding"],
    output: responseBody("sc_control.getSidecarBinding"),
    async handler(path, { call, signal }) {
      return call("sc_control.getSidecarBinding", { path, signal });
    },
  }),

  defineTool({
    name: "create_sc_sidecar_binding",
    title: "Bind a repo to a sidecar port",
    description: "Serve a repo on a sidecar listener port (register_sc_sidecar_listener first).",
    toolset: "sidecar",
    input: { sidecar_id: sidecarId, port, repo_name: repoName },
    annotations: CREATE,
    operations: ["sc_control.createSidecarBinding"],
    output: objectOf({ sidecar_id: S.string, port: S.integer, repo_name: S.string, bound: S.boolean }),
    async handler(path, { call, signal }) {
      await call("sc_control.createSidecarBinding", { path, signal });
      return { ...path, bound: true };
    },
  }),

  defineTool({
    name: "disconnect_sc_sidecar_binding",
    title: "Unbind a repo from a sidecar port",
    description: "Stop serving a repo on a sidecar port.",
    toolset: "sidecar",
    aliases: ["delete_sc_sidecar_binding"],
    input: { sidecar_id: sidecarId, port, repo_name: repoName },
    annotations: REMOVE,
    operations: ["sc_control.deleteSidecarBinding"],
    output: objectOf({ sidecar_id: S.string, port: S.integer, repo_name: S.string, disconnected: S.boolean, ...DELETE_OUTCOME }),
    async handler(path, { call, signal }) {
      const done = await deleteOnce(call("sc_control.deleteSidecarBinding", { path, signal }), { what: "binding", list: "list_sc_sidecar_bindings", alsoCalled: ["repo"] });
      return { ...path, disconnected: done.changed, ...outcome(done) };
    },
  }),
];
