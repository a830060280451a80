/**
 * Idempotent deletes are honest, on every delete tool (a tool whose operations include an HTTP
 * DELETE, taken from the tool table): a repeat delete that ALTR answers with its documented
 * not-found body is a success with `changed: false`; a 404 that ALTR did not write (a proxy's
 * page, a gateway's bare `{message}`, a server at a wrong base URL) or that names another kind of
 * object (a wrong id family) stays an error. Through a real MCP client against a loopback stub.
 */
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OPERATIONS, type OperationKey } from "../src/generated/operations.js";
import { ALL_TOOLS } from "../src/tools/index.js";
import { missingKind } from "../src/tools/deletes.js";
import { CASES } from "./cases/index.js";
import { deref, type Json } from "./helpers/altr-alignment.js";
import { baseUrlsFrom, connect, envelope, type Harness } from "./helpers/harness.js";
import { startStub, type Reply, type Stub } from "./helpers/stub.js";

const DELETE_TOOLS = ALL_TOOLS.filter((t) => t.operations.some((op) => OPERATIONS[op].method === "DELETE"));

/** The example of an operation's documented error response (`status`), from the curated document. */
function documentedError(op: OperationKey, status: number): unknown {
  const info = OPERATIONS[op];
  const file = new URL(`../openapi/${info.service.replace(/_/g, "-")}.yaml`, import.meta.url);
  const doc = parse(readFileSync(file, "utf8")) as Json;
  const operation = ((doc.paths as Json)[info.path] as Json)[info.method.toLowerCase()] as Json;
  const response = deref(doc, (operation.responses as Json)[String(status)]) as Json | undefined;
  const media = (response?.content as Json | undefined)?.["application/json"] as Json | undefined;
  return media?.example;
}

/** `body` with every string that says "not found" replaced by `text`. */
function withMessage(body: unknown, text: string): unknown {
  if (typeof body === "string") return /not found/i.test(body) ? text : body;
  if (Array.isArray(body)) return body.map((b) => withMessage(b, text));
  if (body && typeof body === "object") return Object.fromEntries(Object.entries(body).map(([k, v]) => [k, withMessage(v, text)]));
  return body;
}

const deleteOp = (tool: (typeof DELETE_TOOLS)[number]): OperationKey => tool.operations.find((op) => OPERATIONS[op].method === "DELETE")!;
const isArchive = (name: string) => name.startsWith("archive_");

let stub: Stub;
let h: Harness;
beforeAll(async () => {
  stub = await startStub();
  h = await connect({ baseUrls: baseUrlsFrom(stub.url), http: { maxAttempts: 1 } });
});
afterAll(async () => {
  await h.close();
  await stub.close();
});

/** The tool's case arguments; each DELETE answered in turn with `replies`, other reads with an empty page. */
function arrange(tool: string, op: OperationKey, ...replies: Reply[]): Record<string, unknown> {
  const found = CASES.find((c) => c.tool === tool && c.wire.some((w) => w.method === "DELETE"));
  if (!found) throw new Error(`${tool} has no case that sends its DELETE`);
  stub.requests.length = 0;
  stub.route("DELETE", /.*/, ...replies);
  // delete_rule reads the policy's rules after a 404 (to tell an unknown policy from an absent rule).
  stub.route("GET", /.*/, { status: 200, body: { success: true, data: { items: {}, last_evaluated_key: null } } });
  void op;
  return found.args;
}

const success = (op: OperationKey): Reply => {
  const info = OPERATIONS[op];
  const status = info.status ?? 204;
  return info.bodies[String(status)] ? { status, body: { definition_id: "d1", is_archived: true } } : { status };
};

describe("the delete tools, from the tool table", () => {
  it("are the tools that send an HTTP DELETE (20 today), all annotated idempotent and destructive", () => {
    expect(DELETE_TOOLS.length).toBeGreaterThanOrEqual(20);
    for (const t of DELETE_TOOLS) expect(t.annotations).toMatchObject({ idempotentHint: true, destructiveHint: true });
  });

  it("each documents changed and message in its output, and ALTR's not-found (or archive conflict) body", () => {
    for (const t of DELETE_TOOLS) {
      expect(Object.keys((t.output.properties ?? {}) as object), t.name).toEqual(expect.arrayContaining(["changed", "message"]));
      const status = isArchive(t.name) ? 409 : 404;
      expect(documentedError(deleteOp(t), status), `${t.name}: ${status} example`).toBeTruthy();
    }
  });
});

describe.each(DELETE_TOOLS.map((t) => [t.name, t] as const))("%s", (name, tool) => {
  const op = deleteOp(tool);
  const repeatStatus = isArchive(name) ? 409 : 404;
  // ALTR's documented body for the operation; its example message made generic (the shared
  // examples name one kind for a whole service, e.g. "repo not found" for every sidecar delete).
  const altrBody = isArchive(name) ? documentedError(op, 409) : withMessage(documentedError(op, 404), "Not Found");

  it("first delete: changed true; the repeat (ALTR's documented answer): success, changed false, already absent", async () => {
    const args = arrange(name, op, success(op), { status: repeatStatus, body: altrBody });
    const first = await h.call(name, args);
    expect(first.isError, JSON.stringify(first.content)).toBeFalsy();
    expect(envelope(first).data).toMatchObject({ changed: true, message: "deleted" });
    const again = await h.call(name, args);
    expect(again.isError, JSON.stringify(again.content)).toBeFalsy();
    const data = envelope(again).data as Record<string, unknown>;
    expect(data.changed).toBe(false);
    expect(data.message).toMatch(isArchive(name) ? /^already done — nothing to change/ : /^already absent — nothing to delete/);
    // The tool's own flag (deleted, disconnected, revoked…) says the same.
    for (const [k, v] of Object.entries(data)) if (typeof v === "boolean" && k !== "changed" && k !== "is_archived") expect(v, k).toBe(false);
  });

  it.each([
    ["a proxy's HTML page", { status: 404, body: "<html><body><h1>404 Not Found</h1></body></html>", headers: { "content-type": "text/html" } }],
    ["a plain-text 404 (a wrong base URL)", { status: 404, body: "404 page not found" }],
    ["a gateway's bare {message}", { status: 404, body: { message: "Not Found" } }],
    ["a framework's JSON 404", { status: 404, body: { timestamp: "2026-01-01T00:00:00Z", status: 404, error: "Not Found", path: "/x" } }],
    ["an ALTR-shaped body stating another status, or with a key ALTR never sends", { status: 404, body: hostileTwin(altrBody) }],
    ["an empty 404", { status: 404 }],
  ] as const)("hostile: %s is still an error", async (_what, reply) => {
    const args = arrange(name, op, reply as Reply);
    const res = await h.call(name, args);
    expect(res.isError).toBe(true);
    expect(envelope(res).error).toMatchObject({ kind: "http", status: 404 });
  });

  it("hostile: ALTR's not-found naming another kind of object (a wrong id family) is an error naming it", async () => {
    const args = arrange(name, op, { status: 404, body: withMessage(documentedError(op, 404), "comment c9 not found") });
    const res = await h.call(name, args);
    expect(res.isError).toBe(true);
    const error = envelope(res).error!;
    expect(error.status).toBe(404);
    if (!isArchive(name)) expect(error.hint).toMatch(/^ALTR has no such comment: an id you gave for the comment is wrong/);
  });

  it("a 500 is an error, not absence", async () => {
    const args = arrange(name, op, { status: 500, body: { message: "boom", statusCode: 500 } });
    expect((await h.call(name, args)).isError).toBe(true);
  });
});

/** ALTR's body stating status 400 instead of 404; a body that states no status gets a foreign key instead. */
function hostileTwin(body: unknown): unknown {
  const twin = withStatus(body, 400);
  return JSON.stringify(twin) === JSON.stringify(body) ? { ...(body as object), path: "/v1/x" } : twin;
}

function withStatus(body: unknown, status: number): unknown {
  if (Array.isArray(body) || body === null || typeof body !== "object") return body;
  return Object.fromEntries(
    Object.entries(body).map(([k, v]) => [k, k === "statusCode" || k === "error_code" || k === "errorCode" ? status : withStatus(v, status)]),
  );
}

describe("rules the table above does not show", () => {
  it("delete_rule: a 404 for an unknown POLICY is an error naming policy_id (ALTR's body is the same for both)", async () => {
    stub.requests.length = 0;
    stub.route("DELETE", /.*/, { status: 404, body: { message: "Not Found", statusCode: 404 } });
    stub.route("GET", /.*/, { status: 404, body: { message: "Not Found", statusCode: 404 } });
    const res = await h.call("delete_rule", { policy_id: "TAG#NOPE", rule_id: "R1" });
    expect(res.isError).toBe(true);
    expect(envelope(res).error!.hint).toMatch(/no policy with this policy_id.*get_policies.*Nothing was deleted/);
  });

  it("disconnect_sc_repo_user: 'repo not found' means the repo is wrong, not that the user is gone", async () => {
    stub.route("DELETE", /.*/, { status: 404, body: { statusCode: 404, response: { error_code: 404, message: "repo not found" } } });
    const res = await h.call("disconnect_sc_repo_user", { repo_name: "orders", username: "app" });
    expect(res.isError).toBe(true);
    expect(envelope(res).error!.hint).toMatch(/no such repo: an id you gave for the repo is wrong \(not the repo user/);
    stub.route("DELETE", /.*/, { status: 404, body: { statusCode: 404, response: { error_code: 404, message: "user not found" } } });
    expect(envelope(await h.call("disconnect_sc_repo_user", { repo_name: "orders", username: "app" })).data).toMatchObject({ changed: false });
  });

  it("archive: ALTR's 404 (no such definition) is already absent too, like any delete", async () => {
    stub.route("DELETE", /.*/, { status: 404, body: { statusCode: 404, response: { error_code: 404, message: "definition not found" } } });
    expect(envelope(await h.call("archive_report_definition", { definition_id: "d1" })).data).toMatchObject({ changed: false, message: expect.stringMatching(/^already absent/) });
  });

  it("a repeat on a retried DELETE (the first answer lost) says an earlier attempt may have deleted it", async () => {
    const retrying = await connect({ baseUrls: baseUrlsFrom(stub.url) });
    try {
      stub.route("DELETE", /.*/, { status: 504, body: { message: "gateway timeout" } }, { status: 404, body: { statusCode: 404, response: { error_code: 404, message: "classifier not found" } } });
      const res = await retrying.call("delete_classifier", { classifier_name: "US SSN" });
      expect(envelope(res).data).toMatchObject({ changed: false, message: expect.stringMatching(/earlier attempt of this call, whose answer was lost, may have deleted it/) });
    } finally {
      await retrying.close();
    }
  });

  it("missingKind reads the object ALTR names, and none for a generic 'Not Found'", () => {
    expect(missingKind("repo not found")).toBe("repo");
    expect(missingKind("Repo user was not found")).toBe("repo user");
    expect(missingKind("Not Found")).toBe("");
    expect(missingKind("Resource not found")).toBe("");
    expect(missingKind(undefined)).toBe("");
    expect(missingKind("gizmo not found")).toBe("");
    expect(missingKind("repo_name orders not found")).toBe("repo");
    expect(missingKind("databaseId 7 not found")).toBe("database");
    expect(missingKind("user repo_admin not found")).toBe("user");
    expect(missingKind("repo user app_reader not found")).toBe("repo user");
    expect(missingKind("Policy not found")).toBe("policy");
  });
});

describe("on the sandbox: every delete tool, called twice with its case's arguments", () => {
  it("the second call is a success with changed: false (whatever the first found)", async () => {
    const { openSandboxSession } = await import("./helpers/sandbox-client.js");
    const s = await openSandboxSession();
    try {
      const problems: string[] = [];
      let absent = 0;
      for (const tool of DELETE_TOOLS) {
        const c = CASES.find((x) => x.tool === tool.name && x.wire.some((w) => w.method === "DELETE"))!;
        const first = await s.call(tool.name, c.args);
        const second = await s.call(tool.name, c.args);
        const changed = (e: typeof first) => (e.data as { changed?: boolean } | null)?.changed;
        if (second.success && changed(second) === false) absent++;
        // Never an error for absence: an error on the repeat only where the first call failed the
        // same way (the case names a parent the sandbox lacks: a wrong id family, or a refusal).
        else if (!second.success && (first.success || first.error?.message !== second.error?.message)) problems.push(`${tool.name}: ${second.error?.message}`);
        // A service that accepts the same delete twice (202, asynchronous) may say changed twice.
        else if (second.success && !(first.success && changed(first) === true)) problems.push(`${tool.name}: ${JSON.stringify(second.data)}`);
      }
      expect(absent).toBeGreaterThanOrEqual(12);
      expect(problems).toEqual([]);
    } finally {
      await s.close();
    }
  });
});
