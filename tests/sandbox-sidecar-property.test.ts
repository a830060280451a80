/**
 * Random sequences of sidecar configuration calls on the sandbox (fast-check, bounded), checked
 * after every step against a small model of what ALTR documents: a call succeeds exactly when
 * ALTR would accept it (a repo with users or bindings is not removed; a binding needs a repo
 * and a listener; removing a listener removes its bindings), the lists show the model, the
 * counts equal the lists, and an OLTP scan through a bound sidecar adds exactly its rows to the
 * sidecar audits. A failure prints the shrunk sequence.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { openSandboxSession, type SandboxSession } from "./helpers/sandbox-client.js";

const SIDECAR = "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a";
const CLASSIFIER_AGENT = "c5750de6-170d-46d3-a9bc-b5f7ba032ad0";
const REPOS = ["orders_oracle", "r1"] as const;
const USERS = ["u1"] as const;
const PORTS = [1521, 1600] as const;
type Repo = (typeof REPOS)[number];

type Step =
  | { kind: "createRepo" | "deleteRepo" | "scan"; repo: Repo }
  | { kind: "addUser" | "removeUser"; repo: Repo; user: (typeof USERS)[number] }
  | { kind: "register" | "deregister"; port: (typeof PORTS)[number] }
  | { kind: "bind" | "unbind"; port: (typeof PORTS)[number]; repo: Repo };

const repo = fc.constantFrom(...REPOS);
const port = fc.constantFrom(...PORTS);
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constantFrom("createRepo" as const, "deleteRepo" as const, "scan" as const), repo }),
  fc.record({ kind: fc.constantFrom("addUser" as const, "removeUser" as const), repo, user: fc.constantFrom(...USERS) }),
  fc.record({ kind: fc.constantFrom("register" as const, "deregister" as const), port }),
  fc.record({ kind: fc.constantFrom("bind" as const, "unbind" as const), port, repo }),
);

interface Model {
  repos: string[];
  users: Map<string, Set<string>>;
  serviceUsers: Map<string, number>;
  ports: Set<number>;
  bindings: Set<string>;
  scanRows: number;
}

async function check(s: SandboxSession, m: Model): Promise<void> {
  const repos = (await s.ok<{ repos: { name: string; user_count: number; service_user_count: number; binding_count: number }[] }>("list_sc_repos", { limit: 100 })).repos;
  expect(repos.map((r) => r.name)).toEqual(m.repos);
  for (const r of repos) {
    const users = (await s.ok<{ users: { username: string }[] }>("list_sc_repo_users", { repo_name: r.name })).users.map((u) => u.username);
    expect(users.sort()).toEqual([...(m.users.get(r.name) ?? [])].sort());
    const bound = (await s.ok<{ repo_bindings: { port: number }[] }>("list_sc_repo_bindings", { repo_name: r.name })).repo_bindings.map((b) => b.port);
    expect(bound.sort()).toEqual([...m.bindings].filter((b) => b.endsWith(`/${r.name}`)).map((b) => Number(b.split("/")[0])).sort());
    expect(r).toMatchObject({ user_count: users.length, service_user_count: m.serviceUsers.get(r.name) ?? 0, binding_count: bound.length });
  }
  const sidecar = await s.ok<{ listener_count: number; listener_repo_binding_count: number }>("get_sc_sidecar", { sidecar_id: SIDECAR });
  const listeners = (await s.ok<{ sidecar_listeners: { port: number }[] }>("list_sc_sidecar_listeners", { sidecar_id: SIDECAR })).sidecar_listeners.map((l) => l.port);
  expect(listeners.sort()).toEqual([...m.ports].sort());
  expect(sidecar).toMatchObject({ listener_count: m.ports.size, listener_repo_binding_count: m.bindings.size });
}

/**
 * A delete's outcome against the model: what exists and may go is removed (changed: true); what
 * may not go (it still has dependants) is refused; what is already absent is either refused or,
 * under the one rule of every delete tool, a success that changed nothing — never a change.
 */
function expectRemoval(result: { success: boolean; data?: unknown }, state: "removable" | "refused" | "absent"): void {
  const changed = (result.data as { changed?: unknown } | null | undefined)?.changed;
  if (state === "removable") expect(result.success && changed === true).toBe(true);
  else if (state === "refused") expect(result.success).toBe(false);
  else expect(!result.success || changed === false).toBe(true);
}

async function run(steps: Step[]): Promise<void> {
  const s = await openSandboxSession();
  const m: Model = {
    repos: ["orders_oracle"],
    users: new Map([["orders_oracle", new Set(["app_reader"])]]),
    serviceUsers: new Map([["orders_oracle", 2]]),
    ports: new Set([1521]),
    bindings: new Set(["1521/orders_oracle"]),
    scanRows: 0,
  };
  try {
    for (const st of steps) {
      switch (st.kind) {
        case "createRepo": {
          const ok = !m.repos.includes(st.repo);
          expect((await s.call("create_sc_repo", { name: st.repo, repo_type: "Oracle", hostname: `${st.repo}.internal.example.com`, port: 1521 })).success).toBe(ok);
          if (ok) m.repos.push(st.repo);
          break;
        }
        case "deleteRepo": {
          const exists = m.repos.includes(st.repo);
          const ok = exists && !(m.users.get(st.repo)?.size ?? 0) && !(m.serviceUsers.get(st.repo) ?? 0) && ![...m.bindings].some((b) => b.endsWith(`/${st.repo}`));
          expectRemoval(await s.call("disconnect_sc_repo", { repo_name: st.repo, confirm: true }), ok ? "removable" : exists ? "refused" : "absent");
          if (ok) m.repos.splice(m.repos.indexOf(st.repo), 1);
          break;
        }
        case "addUser": {
          const ok = m.repos.includes(st.repo) && !m.users.get(st.repo)?.has(st.user);
          expect((await s.call("create_sc_repo_user", { repo_name: st.repo, username: st.user, environment_variable: { variable_name: "PW" } })).success).toBe(ok);
          if (ok) m.users.set(st.repo, new Set([...(m.users.get(st.repo) ?? []), st.user]));
          break;
        }
        case "removeUser": {
          const ok = m.repos.includes(st.repo) && !!m.users.get(st.repo)?.has(st.user);
          expectRemoval(await s.call("disconnect_sc_repo_user", { repo_name: st.repo, username: st.user, confirm: true }), ok ? "removable" : "absent");
          if (ok) m.users.get(st.repo)!.delete(st.user);
          break;
        }
        case "register": {
          const ok = !m.ports.has(st.port);
          expect((await s.call("register_sc_sidecar_listener", { sidecar_id: SIDECAR, port: st.port, database_type: "Oracle" })).success).toBe(ok);
          m.ports.add(st.port);
          break;
        }
        case "deregister": {
          const ok = m.ports.has(st.port);
          expectRemoval(await s.call("deregister_sc_sidecar_listener", { sidecar_id: SIDECAR, port: st.port, confirm: true }), ok ? "removable" : "absent");
          m.ports.delete(st.port);
          for (const b of [...m.bindings]) if (b.startsWith(`${st.port}/`)) m.bindings.delete(b);
          break;
        }
        case "bind": {
          const ok = m.ports.has(st.port) && m.repos.includes(st.repo) && !m.bindings.has(`${st.port}/${st.repo}`);
          expect((await s.call("create_sc_sidecar_binding", { sidecar_id: SIDECAR, port: st.port, repo_name: st.repo })).success).toBe(ok);
          if (ok) m.bindings.add(`${st.port}/${st.repo}`);
          break;
        }
        case "unbind": {
          const ok = m.bindings.has(`${st.port}/${st.repo}`);
          expectRemoval(await s.call("disconnect_sc_sidecar_binding", { sidecar_id: SIDECAR, port: st.port, repo_name: st.repo, confirm: true }), ok ? "removable" : "absent");
          m.bindings.delete(`${st.port}/${st.repo}`);
          break;
        }
        case "scan": {
          const created = await s.call("create_oltp_job", { agent_id: CLASSIFIER_AGENT, repo_name: st.repo, service_user_name: "altr_classification_svc", collection_name: "pii_classifiers" });
          expect(created.success).toBe(m.repos.includes(st.repo));
          if (!created.success) break;
          const jobId = (created.data as { job_id: string }).job_id;
          await s.ok("get_job", { job_id: jobId });
          await s.ok("get_job", { job_id: jobId });
          // Only orders_oracle has modelled columns: a connection and one statement per table (2).
          if (st.repo === "orders_oracle" && [...m.bindings].some((b) => b.endsWith("/orders_oracle"))) m.scanRows += 3;
          const { search_uuid } = await s.ok<{ search_uuid: string }>("search_audits", { consuming_user: "altr_classification_svc" });
          expect((await s.ok<{ audits: unknown[] }>("get_audit_results", { search_uuid })).audits).toHaveLength(m.scanRows);
          break;
        }
      }
      await check(s, m);
      expect(s.sandbox.violations.filter((v) => v.kind === "response")).toEqual([]);
    }
  } finally {
    await s.close();
  }
}

describe("sandbox property: random sidecar configuration sequences stay consistent", () => {
  it("holds for bounded random sequences", { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 14 }), (steps) => run(steps)),
      {
        numRuns: 20,
        seed: Number(process.env.SANDBOX_PROPERTY_SEED ?? 20261207),
        // The documented refusals and cascades, always tried besides the random sequences.
        examples: [
          [[{ kind: "createRepo", repo: "r1" }, { kind: "addUser", repo: "r1", user: "u1" }, { kind: "deleteRepo", repo: "r1" }, { kind: "removeUser", repo: "r1", user: "u1" }, { kind: "deleteRepo", repo: "r1" }, { kind: "createRepo", repo: "r1" }]],
          [[{ kind: "createRepo", repo: "r1" }, { kind: "register", port: 1600 }, { kind: "bind", port: 1600, repo: "r1" }, { kind: "deleteRepo", repo: "r1" }, { kind: "deregister", port: 1600 }, { kind: "deleteRepo", repo: "r1" }]],
          [[{ kind: "scan", repo: "orders_oracle" }, { kind: "unbind", port: 1521, repo: "orders_oracle" }, { kind: "scan", repo: "orders_oracle" }, { kind: "bind", port: 1521, repo: "orders_oracle" }, { kind: "scan", repo: "orders_oracle" }]],
        ],
      },
    );
  });
});
