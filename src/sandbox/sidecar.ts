/**
 * Sidecars kept referentially consistent: a binding joins an existing sidecar's registered
 * listener port to an existing repo; a repo's bindings are the sidecars' bindings that name it;
 * a repo with users or bindings is not removed (ALTR refuses, 400); deleting a sidecar drops its
 * listeners and bindings with it.
 */
import type { Context, Override, Reply } from "./types.js";
import { str, type Item } from "./values.js";

const SIDECARS = "/v1/sidecars";
const REPOS = "/v1/repos";
const bindingsOf = (ctx: Context, sidecarId: string) => ctx.items(`${SIDECARS}/{sidecar_id}/bindings`, { sidecar_id: sidecarId });
const listenersOf = (ctx: Context, sidecarId: string) => ctx.items(`${SIDECARS}/{sidecar_id}/ports`, { sidecar_id: sidecarId });

function binding(ctx: Context): { sidecar?: Item; repo?: Item; error?: Reply } {
  const sidecar = ctx.items(SIDECARS).find((s) => s.id === str(ctx.params.sidecar_id));
  if (!sidecar) return { error: ctx.error(404, `sidecar ${str(ctx.params.sidecar_id)} not found`) };
  const repo = ctx.items(REPOS).find((r) => r.name === str(ctx.params.repo_name));
  if (!repo) return { error: ctx.error(404, `repo ${str(ctx.params.repo_name)} not found`) };
  return { sidecar, repo };
}

export const SIDECAR: Record<string, Override> = {
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
    const ports = ctx.params.ports === undefined ? undefined : str(ctx.params.ports).split(",").map(Number);
    const sidecars = ctx.params.sidecar_ids === undefined ? undefined : str(ctx.params.sidecar_ids).split(",");
    const rows = ctx
      .items(SIDECARS)
      .flatMap((s) => bindingsOf(ctx, str(s.id)))
      .filter((b) => b.repo_name === name && (!ports || ports.includes(Number(b.port))) && (!sidecars || sidecars.includes(str(b.sidecar_id))));
    return ctx.listReply(rows);
  },
  "sc_control.deleteRepo": (ctx) => {
    const name = str(ctx.params.repo_name);
    const bound = ctx.items(SIDECARS).flatMap((s) => bindingsOf(ctx, str(s.id))).filter((b) => b.repo_name === name);
    if (bound.length) return ctx.error(400, `repo ${name} still has ${bound.length} binding(s); remove them first (delete_sc_sidecar_binding)`);
    return ctx.generic();
  },
  "sc_control.deleteSidecar": (ctx) => {
    const reply = ctx.generic();
    if (reply.status < 300) {
      bindingsOf(ctx, str(ctx.params.sidecar_id)).splice(0);
      listenersOf(ctx, str(ctx.params.sidecar_id)).splice(0);
    }
    return reply;
  },
};
