/**
 * Sidecar configuration (sc_control), part 2: repos, repo users and service users. Credential
 * references say where a database password lives (AWS Secrets Manager, Azure Key Vault, an
 * environment variable or a file of the sidecar);
 * those locations, and a service user's resource (an IAM role), are never logged.
 */
import { z } from "zod";
import { S, objectOf } from "../schema/json-schema.js";
import { defineTool, InputError, responseBody, type Tool } from "./define.js";
import { CREATE, READ, REMOVE, UPDATE } from "./common.js";
import { caseless, contiguousId, CREDENTIAL_PARAMS, credentialSources, limit, port, REPO_TYPES, repoName, username } from "./sidecar-shared.js";
import { onePage } from "../altr/paginate.js";
import { deleteOnce, DELETE_OUTCOME, outcome } from "./deletes.js";


const repoType = caseless(REPO_TYPES);
const resource = z.string().trim().min(1).describe("e.g. an IAM role ARN.");

type Credentials = Partial<Record<(typeof CREDENTIAL_PARAMS)[number], unknown>>;

/**
 * ALTR takes exactly one credential source (the upstream documents this but sends whatever it
 * gets). `required`: creation needs one; an update may leave the credential as it is.
 */
function oneProvider(c: Credentials, required: boolean): void {
  const given = CREDENTIAL_PARAMS.filter((k) => c[k] !== undefined);
  if (given.length > 1) {
    throw new InputError(`${given.join(", ")}: give exactly one credential source, not ${given.length === 2 ? "both" : "several"}`, [...given]);
  }
  if (required && given.length === 0) {
    throw new InputError("aws_secrets_manager or azure_key_vault or environment_variable or secret_file: required (exactly one credential source)", [
      ...CREDENTIAL_PARAMS,
    ]);
  }
}

const userPath = { repo_name: repoName, username };

export const repoTools: Tool[] = [
  defineTool({
    name: "list_sc_repos",
    title: "List sidecar repos",
    description: "List databases registered for sidecar access (repos).",
    toolset: "sidecar",
    input: { limit: limit(100), contiguous_id: contiguousId, repo_type: repoType.optional(), name_starts_with: z.string().trim().min(1).optional() },
    annotations: READ,
    operations: ["sc_control.listRepos"],
    output: responseBody("sc_control.listRepos"),
    async handler(q, { call, signal }) {
      return onePage(await call("sc_control.listRepos", { query: q, signal }), q.contiguous_id);
    },
  }),

  defineTool({
    name: "create_sc_repo",
    title: "Register a sidecar repo",
    description: "Register a database (repo) that sidecars can front.",
    toolset: "sidecar",
    input: {
      name: z.string().trim().min(1),
      repo_type: repoType,
      hostname: z.string().trim().min(1),
      port,
      description: z.string().optional(),
    },
    annotations: CREATE,
    operations: ["sc_control.createRepo"],
    output: responseBody("sc_control.createRepo"),
    async handler({ repo_type, ...rest }, { call, signal }) {
      return call("sc_control.createRepo", { body: { ...rest, type: repo_type }, signal });
    },
  }),

  defineTool({
    name: "get_sc_repo",
    title: "Get a sidecar repo",
    description: "Get one repo by name.",
    toolset: "sidecar",
    input: { repo_name: repoName },
    annotations: READ,
    operations: ["sc_control.getRepo"],
    output: responseBody("sc_control.getRepo"),
    async handler({ repo_name }, { call, signal }) {
      return call("sc_control.getRepo", { path: { repo_name }, signal });
    },
  }),

  defineTool({
    name: "update_sc_repo",
    title: "Update a sidecar repo",
    description: "Change a repo's description (host, port and type cannot change).",
    toolset: "sidecar",
    input: { repo_name: repoName, description: z.string() },
    annotations: UPDATE,
    operations: ["sc_control.updateRepo"],
    output: responseBody("sc_control.updateRepo"),
    async handler({ repo_name, description }, { call, signal }) {
      return call("sc_control.updateRepo", { path: { repo_name }, body: { description }, signal });
    },
  }),

  defineTool({
    name: "disconnect_sc_repo",
    title: "Remove a sidecar repo",
    description: "Remove a repo from ALTR (database untouched); fails while it has users or bindings.",
    toolset: "sidecar",
    aliases: ["delete_sc_repo"],
    input: { repo_name: repoName },
    annotations: REMOVE,
    operations: ["sc_control.deleteRepo"],
    output: objectOf({ repo_name: S.string, disconnected: S.boolean, ...DELETE_OUTCOME }),
    async handler({ repo_name }, { call, signal }) {
      const done = await deleteOnce(call("sc_control.deleteRepo", { path: { repo_name }, signal }), { what: "repo", list: "list_sc_repos" });
      return { repo_name, disconnected: done.changed, ...outcome(done) };
    },
  }),

  defineTool({
    name: "list_sc_repo_users",
    title: "List repo users",
    description: "List a repo's users and where their credentials live.",
    toolset: "sidecar",
    input: { repo_name: repoName, limit: limit(100), contiguous_id: contiguousId },
    annotations: READ,
    operations: ["sc_control.listRepoUsers"],
    output: responseBody("sc_control.listRepoUsers"),
    async handler({ repo_name, ...q }, { call, signal }) {
      const body = await call("sc_control.listRepoUsers", { path: { repo_name }, query: q, signal });
      return onePage(body, q.contiguous_id);
    },
  }),

  defineTool({
    name: "create_sc_repo_user",
    title: "Add a repo user",
    description: "Add a database user to a repo; its credential from exactly one source.",
    toolset: "sidecar",
    input: { repo_name: repoName, username, ...credentialSources },
    sensitive: CREDENTIAL_PARAMS,
    annotations: CREATE,
    operations: ["sc_control.createRepoUser"],
    output: responseBody("sc_control.createRepoUser"),
    async handler({ repo_name, ...body }, { call, signal }) {
      oneProvider(body, true);
      return call("sc_control.createRepoUser", { path: { repo_name }, body, signal });
    },
  }),

  defineTool({
    name: "get_sc_repo_user",
    title: "Get a repo user",
    description: "Get one repo user and where its credential lives.",
    toolset: "sidecar",
    input: userPath,
    annotations: READ,
    operations: ["sc_control.getRepoUser"],
    output: responseBody("sc_control.getRepoUser"),
    async handler(path, { call, signal }) {
      return call("sc_control.getRepoUser", { path, signal });
    },
  }),

  defineTool({
    name: "update_sc_repo_user",
    title: "Change a repo user's credential",
    description: "Point a repo user at a new credential.",
    toolset: "sidecar",
    input: { ...userPath, ...credentialSources },
    sensitive: CREDENTIAL_PARAMS,
    annotations: UPDATE,
    operations: ["sc_control.updateRepoUser"],
    output: responseBody("sc_control.updateRepoUser"),
    async handler({ repo_name, username, ...body }, { call, signal }) {
      if (CREDENTIAL_PARAMS.every((k) => body[k] === undefined)) {
        throw new InputError("Nothing to update: give aws_secrets_manager or azure_key_vault or environment_variable or secret_file", []);
      }
      oneProvider(body, true);
      return call("sc_control.updateRepoUser", { path: { repo_name, username }, body, signal });
    },
  }),

  defineTool({
    name: "disconnect_sc_repo_user",
    title: "Remove a repo user",
    description: "Remove a user from a repo (the database account is untouched).",
    toolset: "sidecar",
    aliases: ["delete_sc_repo_user"],
    input: userPath,
    annotations: REMOVE,
    operations: ["sc_control.deleteRepoUser"],
    output: objectOf({ repo_name: S.string, username: S.string, disconnected: S.boolean, ...DELETE_OUTCOME }),
    async handler(path, { call, signal }) {
      const done = await deleteOnce(call("sc_control.deleteRepoUser", { path, signal }), { what: "repo user", list: "list_sc_repo_users" });
      return { ...path, disconnected: done.changed, ...outcome(done) };
    },
  }),

  defineTool({
    name: "list_sc_service_users",
    title: "List sidecar service users",
    description: "List service users (identities agent tasks connect with).",
    toolset: "sidecar",
    input: {
      repo_name: repoName.optional(),
      limit: limit(100),
      contiguous_id: contiguousId,
      username_starts_with: z.string().trim().min(1).optional().describe("Needs repo_name."),
    },
    annotations: READ,
    operations: ["sc_control.listRepoServiceUsers", "sc_control.listServiceUsers"],
    output: responseBody("sc_control.listServiceUsers"),
    async handler({ repo_name, username_starts_with, ...q }, { call, signal }) {
      if (repo_name === undefined) {
        if (username_starts_with !== undefined) {
          throw new InputError("username_starts_with: only with repo_name (ALTR filters by username within one repo)", ["username_starts_with"]);
        }
        return onePage(await call("sc_control.listServiceUsers", { query: q, signal }), q.contiguous_id);
      }
      const body = await call("sc_control.listRepoServiceUsers", { path: { repo_name }, query: { ...q, username_starts_with }, signal });
      return onePage(body, q.contiguous_id);
    },
  }),

  defineTool({
    name: "create_sc_service_user",
    title: "Add a sidecar service user",
    description: "Add a service user (for agent tasks) to a repo; its credential from exactly one source.",
    toolset: "sidecar",
    input: { repo_name: repoName, username, resource, ...credentialSources },
    sensitive: ["resource", ...CREDENTIAL_PARAMS],
    annotations: CREATE,
    operations: ["sc_control.createServiceUser"],
    output: responseBody("sc_control.createServiceUser"),
    async handler({ repo_name, ...body }, { call, signal }) {
      oneProvider(body, true);
      return call("sc_control.createServiceUser", { path: { repo_name }, body, signal });
    },
  }),

  defineTool({
    name: "get_sc_service_user",
    title: "Get a sidecar service user",
    description: "Get one service user of a repo.",
    toolset: "sidecar",
    input: userPath,
    annotations: READ,
    operations: ["sc_control.getServiceUser"],
    output: responseBody("sc_control.getServiceUser"),
    async handler(path, { call, signal }) {
      return call("sc_control.getServiceUser", { path, signal });
    },
  }),

  defineTool({
    name: "update_sc_service_user",
    title: "Update a sidecar service user",
    description: "Change a service user's resource and/or credential (one provider).",
    toolset: "sidecar",
    input: { ...userPath, resource: resource.optional(), ...credentialSources },
    sensitive: ["resource", ...CREDENTIAL_PARAMS],
    annotations: UPDATE,
    operations: ["sc_control.updateServiceUser"],
    output: responseBody("sc_control.updateServiceUser"),
    async handler({ repo_name, username, ...body }, { call, signal }) {
      if (Object.values(body).every((v) => v === undefined)) {
        throw new InputError("Nothing to update: give resource or a credential source", []);
      }
      oneProvider(body, false);
      return call("sc_control.updateServiceUser", { path: { repo_name, username }, body, signal });
    },
  }),

  defineTool({
    name: "disconnect_sc_service_user",
    title: "Remove a sidecar service user",
    description: "Remove a service user from a repo; tasks using it stop working.",
    toolset: "sidecar",
    aliases: ["delete_sc_service_user"],
    input: userPath,
    annotations: REMOVE,
    operations: ["sc_control.deleteServiceUser"],
    output: objectOf({ repo_name: S.string, username: S.string, disconnected: S.boolean, ...DELETE_OUTCOME }),
    async handler(path, { call, signal }) {
      const done = await deleteOnce(call("sc_control.deleteServiceUser", { path, signal }), { what: "service user", list: "list_sc_service_users" });
      return { ...path, disconnected: done.changed, ...outcome(done) };
    },
  }),
];
