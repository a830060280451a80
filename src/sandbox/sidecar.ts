/**
 * Sidecars kept referentially consistent, as ALTR documents it: a binding joins an existing
 * sidecar's registered listener port to an existing repo; a repo's bindings are the sidecars'
 * bindings that name it; a repo with users, service users or bindings is not removed, a sidecar
 * with listeners is not removed, an agent with tasks is not removed (ALTR refuses, 400); a task
 * names an existing repo. The counts an object carries (user_count, binding_count,
 * listener_count, task_count, …) are computed from what is there when it is read. Every list
 * filters by its documented query names and pages with `contiguous_id` (activity.ts).
 */
import { ACTIVITY, AGENT_INSTANCES, pagedList, SIDECAR_INSTANCES, TASK_REPORTS } from "./activity.js";
import type { Context, Override, Reply } from "./types.js";
import { isRecord, str, type Item } from "./values.js";

const SIDECARS = "/v1/sidecars";
const REPOS = "/v1/repos";
const AGENTS = "/v1/agents";
const bindingsOf = (ctx: Context, sidecarId: string) => ctx.items(`${SIDECARS}/{sidecar_id}/bindings`, { sidecar_id: sidecarId });
const listenersOf = (ctx: Context, sidecarId: string) => ctx.items(`${SIDECARS}/{sidecar_id}/ports`, { sidecar_id: sidecarId });
const usersOf = (ctx: Context, repo: string) => ctx.items(`${REPOS}/{repo_name}/users`, { repo_name: repo });
const serviceUsersOf = (ctx: Context, repo: string) => ctx.items(`${REPOS}/{repo_name}/serviceusers`, { repo_name: repo });
const tasksOf = (ctx: Context, agentId: string) => ctx.items(`${AGENTS}/{agent_id}/tasks`, { agent_id: agentId });
const allBindings = (ctx: Context) => ctx.items(SIDECARS).flatMap((s) => bindingsOf(ctx, str(s.id)));
const allTasks = (ctx: Context) => ctx.items(AGENTS).flatMap((a) => tasksOf(ctx, str(a.id)));
/** A comma-separated filter (`ports`, `sidecar_ids`, `repo_names`), or undefined when not given. */
const commaList = (v: unknown) => (v === undefined ? undefined : str(v).split(",").map((s) => s.trim()));
const startsWith = (value: unknown, prefix: unknown) => prefix === undefined || str(value).toLowerCase().startsWith(str(prefix).toLowerCase());

// ---- counts, as read --------------------------------------------------------------------

function repoView(ctx: Context, r: Item): Item {
  const name = str(r.name);
  return { ...r, user_count: usersOf(ctx, name).length, service_user_count: serviceUsersOf(ctx, name).length, binding_count: allBindings(ctx).filter((b) => b.repo_name === name).length };
}
function sidecarView(ctx: Context, s: Item): Item {
  const id = str(s.id);
  return { ...s, listener_count: listenersOf(ctx, id).length, listener_repo_binding_count: bindingsOf(ctx, id).length };
}
const agentView = (ctx: Context, a: Item): Item => ({ ...a, task_count: tasksOf(ctx, str(a.id)).length });
const serviceUserView = (ctx: Context, u: Item): Item => ({ ...u, task_count: allTasks(ctx).filter((t) => t.repo_name === u.repo_name && t.service_user === u.username).length });

/** The generic answer with the item's counts computed (get, create, update). */
const counted =
  (view: (ctx: Context, i: Item) => Item): Override =>
  (ctx) => {
    const reply = ctx.generic();
    return reply.status < 300 && isRecord(reply.body) ? { ...reply, body: view(ctx, reply.body as Item) } : reply;
  };

/** 404 when the list's parent (`repo_name`, `sidecar_id`, `agent_id`) is not there. */
function parentMissing(ctx: Context): Reply | undefined {
  const p = ctx.params;
  if (p.repo_name !== undefined && !ctx.items(REPOS).some((r) => r.name === str(p.repo_name))) return ctx.error(404, `repo ${str(p.repo_name)} not found`);
  if (p.sidecar_id !== undefined && !ctx.items(SIDECARS).some((s) => s.id === str(p.sidecar_id))) return ctx.error(404, `sidecar ${str(p.sidecar_id)} not found`);
  if (p.agent_id !== undefined && !ctx.items(AGENTS).some((a) => a.id === str(p.agent_id))) return ctx.error(404, `agent ${str(p.agent_id)} not found`);
  return undefined;
}

/** A configuration list: parent checked, filtered, in stored order, paged with contiguous_id (ALTR's default page is 50). */
function configList(key: string, rows: (ctx: Context) => Item[], keyOf: (i: Item) => string): Override {
  return (ctx) => parentMissing(ctx) ?? pagedList(ctx, key, rows(ctx), keyOf, 50);
}

const bindingKey = (b: Item) => `${str(b.sidecar_id)}/${str(b.port)}/${str(b.repo_name)}`;

function binding(ctx: Context): { sidecar?: Item; repo?: Item; error?: Reply } {
  const sidecar = ctx.items(SIDECARS).find((s) => s.id === str(ctx.params.sidecar_id));
  if (!sidecar) return { error: ctx.error(404, `sidecar ${str(ctx.params.sidecar_id)} not found`) };
  const repo = ctx.items(REPOS).find((r) => r.name === str(ctx.params.repo_name));
  if (!repo) return { error: ctx.error(404, `repo ${str(ctx.params.repo_name)} not found`) };
  return { sidecar, repo };
}

/** A create under a parent: the created item names its parent (the path's id, which the body does not carry). */
function withParent(field: string, param: string, view?: (ctx: Context, i: Item) => Item): Override {
  return (ctx) => {
    const missing = parentMissing(ctx);
    if (missing) return missing;
    const reply = ctx.generic();
    if (reply.status >= 300 || !isRecord(reply.body)) return reply;
    const created = reply.body as Item;
    const c = ctx.collection(ctx.op.template);
    const stored = c?.idProp ? ctx.items(ctx.op.template).find((i) => i[c.idProp!] === created[c.idProp!]) : undefined;
    if (stored) stored[field] = str(ctx.params[param]);
    const body = { ...created, [field]: str(ctx.params[param]) };
    return { ...reply, body: view ? view(ctx, body) : body };
  };
}

/**
 * Where a user's credential is read from (a vault path, a variable or file name: a location,
 * not the secret) is kept and shown as ALTR shows it; a change names one source and replaces
 * the previous one (ALTR takes exactly one).
 */
const SOURCES = ["aws_secrets_manager", "azure_key_vault", "environment_variable", "secret_file"] as const;
function withSource(inner: Override): Override {
  return (ctx) => {
    const reply = inner(ctx);
    const b = isRecord(ctx.body) ? ctx.body : {};
    const given = SOURCES.find((k) => isRecord(b[k]));
    if (reply.status >= 300 || !given) return reply;
    const c = ctx.collection(ctx.op.template) ?? ctx.collection(ctx.op.template.replace(/\/\{[^}]+\}$/, ""));
    const username = str(ctx.params.username ?? b.username);
    const stored = c ? ctx.items(c.template).find((u) => u.username === username) : undefined;
    const apply = (u: Item) => {
      for (const k of SOURCES) delete u[k];
      u[given] = JSON.parse(JSON.stringify(b[given])) as Item;
      return u;
    };
    if (stored) apply(stored);
    return isRecord(reply.body) ? { ...reply, body: apply({ ...(reply.body as Item) }) } : reply;
  };
}

/** Removes the items a test selects, in place. */
function removeWhere(list: Item[], test: (i: Item) => boolean): void {
  for (let i = list.length - 1; i >= 0; i--) if (test(list[i]!)) list.splice(i, 1);
}

/**
 * A create: the generic answer, the new object's lists (`templates`, filled with its id) started
 * empty rather than from the documents' examples, and its counts computed.
 */
function created(param: string, idOf: (body: Record<string, unknown>, created: Item) => string, templates: string[], view: (ctx: Context, i: Item) => Item): Override {
  return (ctx) => {
    const reply = ctx.generic();
    if (reply.status >= 300 || !isRecord(reply.body)) return reply;
    const id = idOf(isRecord(ctx.body) ? ctx.body : {}, reply.body as Item);
    for (const t of templates) ctx.items(t, { [param]: id }).splice(0);
    return { ...reply, body: view(ctx, reply.body as Item) };
  };
}

export const SIDECAR: Record<string, Override> = {
  ...ACTIVITY,
  "sc_control.createSidecarBinding": (ctx) => {
    const found = binding(ctx);
    if (found.error) return found.error;
    const port = Number(ctx.params.port);
    const sidecarId = str(ctx.params.sidecar_id);
    if (!listenersOf(ctx, sidecarId).some((l) => Number(l.port) === port)) return ctx.error(404, `sidecar ${sidecarId} has no listener on port ${port}: register_sc_sidecar_listener first`);
    const list = bindingsOf(ctx, sidecarId);
    if (list.some((b) => Number(b.port) === port && b.repo_name === found.repo!.name)) return ctx.error(409, `repo ${str(found.repo!.name)} is already bound to port ${port}`);
    list.push({ sidecar_id: sidecarId, port, repo_name: str(found.repo!.name) });
    return { status: 204 };
  },
  "sc_control.deleteSidecarBinding": (ctx) => {
    const list = bindingsOf(ctx, str(ctx.params.sidecar_id));
    const at = list.findIndex((b) => Number(b.port) === Number(ctx.params.port) && b.repo_name === str(ctx.params.repo_name));
    if (at < 0) return ctx.error(404, `no binding of repo ${str(ctx.params.repo_name)} on port ${str(ctx.params.port)}`);
    list.splice(at, 1);
    return { status: 204 };
  },
  /** A repo's bindings: every sidecar's bindings naming it, filtered by ports and sidecar ids. */
  "sc_control.listRepoBindings": (ctx) => {
    const name = str(ctx.params.repo_name);
    if (!ctx.items(REPOS).some((r) => r.name === name)) return ctx.error(404, `repo ${name} not found`);
    const ports = commaList(ctx.params.ports)?.map(Number);
    const sidecars = commaList(ctx.params.sidecar_ids);
    const rows = allBindings(ctx).filter((b) => b.repo_name === name && (!ports || ports.includes(Number(b.port))) && (!sidecars || sidecars.includes(str(b.sidecar_id))));
    return pagedList(ctx, "repo_bindings", rows, bindingKey, 50);
  },
  "sc_control.listSidecarBindings": configList(
    "repo_bindings",
    (ctx) => {
      const ports = commaList(ctx.params.ports)?.map(Number);
      const repos = commaList(ctx.params.repo_names);
      return bindingsOf(ctx, str(ctx.params.sidecar_id)).filter((b) => (!ports || ports.includes(Number(b.port))) && (!repos || repos.includes(str(b.repo_name))));
    },
    bindingKey,
  ),
  "sc_control.listSidecarListeners": configList("sidecar_listeners", (ctx) => listenersOf(ctx, str(ctx.params.sidecar_id)), (l) => str(l.port)),
  /** Not pinned by the documents: removing a listener removes the bindings on its port (nothing serves them). */
  "sc_control.deregisterSidecarListener": (ctx) => {
    const reply = ctx.generic();
    if (reply.status < 300) removeWhere(bindingsOf(ctx, str(ctx.params.sidecar_id)), (b) => Number(b.port) === Number(ctx.params.port));
    return reply;
  },
  "sc_control.listRepos": configList(
    "repos",
    (ctx) => ctx.items(REPOS).filter((r) => (ctx.params.repo_type === undefined || r.type === ctx.params.repo_type) && startsWith(r.name, ctx.params.name_starts_with)).map((r) => repoView(ctx, r)),
    (r) => str(r.name),
  ),
  "sc_control.getRepo": counted(repoView),
  "sc_control.createRepo": created("repo_name", (b) => str(b.name), [`${REPOS}/{repo_name}/users`, `${REPOS}/{repo_name}/serviceusers`], repoView),
  "sc_control.updateRepo": counted(repoView),
  "sc_control.deleteRepo": (ctx) => {
    const name = str(ctx.params.repo_name);
    if (!ctx.items(REPOS).some((r) => r.name === name)) return ctx.error(404, `repo ${name} not found`);
    const bound = allBindings(ctx).filter((b) => b.repo_name === name);
    if (bound.length) return ctx.error(400, `repo ${name} still has ${bound.length} binding(s); remove them first (delete_sc_sidecar_binding)`);
    const users = usersOf(ctx, name).length + serviceUsersOf(ctx, name).length;
    if (users) return ctx.error(400, `repo ${name} still has ${users} user(s) or service user(s); remove them first`);
    return ctx.generic();
  },
  "sc_control.listRepoUsers": configList("users", (ctx) => usersOf(ctx, str(ctx.params.repo_name)), (u) => str(u.username)),
  "sc_control.listRepoServiceUsers": configList(
    "service_users",
    (ctx) => serviceUsersOf(ctx, str(ctx.params.repo_name)).filter((u) => startsWith(u.username, ctx.params.username_starts_with)).map((u) => serviceUserView(ctx, u)),
    (u) => str(u.username),
  ),
  /** Every repo's service users. */
  "sc_control.listServiceUsers": configList(
    "service_users",
    (ctx) => ctx.items(REPOS).flatMap((r) => serviceUsersOf(ctx, str(r.name))).map((u) => serviceUserView(ctx, u)),
    (u) => `${str(u.repo_name)}/${str(u.username)}`,
  ),
  "sc_control.getServiceUser": counted(serviceUserView),
  "sc_control.createServiceUser": withSource(withParent("repo_name", "repo_name", serviceUserView)),
  "sc_control.createRepoUser": withSource(withParent("repo_name", "repo_name")),
  "sc_control.updateRepoUser": withSource((ctx) => ctx.generic()),
  "sc_control.updateServiceUser": withSource(counted(serviceUserView)),
  "sc_control.listSidecars": configList("sidecars", (ctx) => ctx.items(SIDECARS).map((s) => sidecarView(ctx, s)), (s) => str(s.id)),
  "sc_control.getSidecar": counted(sidecarView),
  "sc_control.createSidecar": created("sidecar_id", (_, c) => str(c.id), [`${SIDECARS}/{sidecar_id}/ports`, `${SIDECARS}/{sidecar_id}/bindings`], sidecarView),
  "sc_control.updateSidecar": counted(sidecarView),
  "sc_control.deleteSidecar": (ctx) => {
    const id = str(ctx.params.sidecar_id);
    if (ctx.items(SIDECARS).some((s) => s.id === id) && listenersOf(ctx, id).length) return ctx.error(400, `sidecar ${id} still has ${listenersOf(ctx, id).length} listener(s); deregister them first (deregister_sc_sidecar_listener)`);
    const reply = ctx.generic();
    if (reply.status < 300) removeWhere(ctx.store(SIDECAR_INSTANCES), (i) => i.sidecar_id === id);
    return reply;
  },
  "sc_control.listAgents": configList(
    "agents",
    (ctx) => ctx.items(AGENTS).filter((a) => (ctx.params.type === undefined || a.type === ctx.params.type) && startsWith(a.name, ctx.params.name_starts_with)).map((a) => agentView(ctx, a)),
    (a) => str(a.id),
  ),
  "sc_control.getAgent": counted(agentView),
  "sc_control.createAgent": created("agent_id", (_, c) => str(c.id), [`${AGENTS}/{agent_id}/tasks`], agentView),
  "sc_control.updateAgent": counted(agentView),
  "sc_control.deleteAgent": (ctx) => {
    const id = str(ctx.params.agent_id);
    const tasks = ctx.items(AGENTS).some((a) => a.id === id) ? tasksOf(ctx, id).length : 0;
    if (tasks) return ctx.error(400, `agent ${id} still has ${tasks} task(s); delete them first (delete_sc_agent_task)`);
    const reply = ctx.generic();
    if (reply.status < 300) for (const key of [AGENT_INSTANCES, TASK_REPORTS]) removeWhere(ctx.store(key), (i) => i.agent_id === id);
    return reply;
  },
  "sc_control.listAgentTasks": configList("tasks", (ctx) => tasksOf(ctx, str(ctx.params.agent_id)), (t) => str(t.id)),
  /** A task names a repo that exists (and, when given, one of its service users). */
  "sc_control.createAgentTask": (ctx) => {
    const missing = parentMissing(ctx);
    if (missing) return missing;
    const b = isRecord(ctx.body) ? ctx.body : {};
    const repo = str(b.repo_name);
    if (!ctx.items(REPOS).some((r) => r.name === repo)) return ctx.error(404, `repo ${repo} not found`);
    if (b.service_user !== undefined && !serviceUsersOf(ctx, repo).some((u) => u.username === str(b.service_user))) return ctx.error(404, `repo ${repo} has no service user ${str(b.service_user)}: create_sc_service_user first`);
    return withParent("agent_id", "agent_id")(ctx);
  },
};

