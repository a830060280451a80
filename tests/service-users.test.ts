/**
 * get_service_users against a local stub: ALTR pages the list (default 10). A page object is
 * followed by its contiguous_id for a bounded number of pages and the cursor is returned when
 * the bound is hit; a bare array as long as the page size is never presented as complete.
 */
import { describe, expect, it } from "vitest";
import { MAX_PAGES } from "../src/tools/common.js";
import { envelope } from "./helpers/harness.js";
import { describeInvalidInput, h, stub, useStubHarness, queryOf as query } from "./helpers/stub-harness.js";

const USERS = "/v1/services/snowflake/users";
const user = (i: number) => ({ serviceUserID: `su${i}`, name: `SVC_${i}` });
type Out = { users: { serviceUserID: string }[]; contiguous_id: string | null; may_be_incomplete: boolean };

useStubHarness();

async function list(args: Record<string, unknown> = {}): Promise<Out> {
  const env = envelope(await h.call("get_service_users", args));
  expect(env.error ?? null).toBeNull();
  return env.data as Out;
}

describe("get_service_users: a page object is followed by contiguous_id", () => {
  it("reads every page, sends limit only when given, and says the list is complete", async () => {
    const all = Array.from({ length: 25 }, (_, i) => user(i));
    stub.route("GET", USERS, {
      status: 200,
      bodyFrom: (req) => {
        const q = query(req);
        const at = Number(q.contiguous_id ?? 0);
        const size = Number(q.limit ?? 10);
        const next = at + size < all.length ? String(at + size) : "";
        return { users: all.slice(at, at + size), contiguous_id: next };
      },
    });
    const out = await list();
    expect(out.users.map((u) => u.serviceUserID)).toEqual(all.map((u) => u.serviceUserID));
    expect(out).toMatchObject({ contiguous_id: null, may_be_incomplete: false });
    expect(stub.requests.map(query)).toEqual([{}, { contiguous_id: "10" }, { contiguous_id: "20" }]);

    stub.requests.length = 0;
    await list({ limit: 20, prefix: "SVC_", order_by: "desc", contiguous_id: "5" });
    expect(stub.requests.map(query)).toEqual([{ limit: "20", prefix: "SVC_", order_by: "desc", contiguous_id: "5" }]);
  });

  it("an endless cursor stops after MAX_PAGES requests and hands back the cursor (hostile server)", async () => {
    stub.route("GET", USERS, { status: 200, bodyFrom: (req) => ({ users: [user(Number(query(req).contiguous_id ?? 0))], contiguous_id: String(Number(query(req).contiguous_id ?? 0) + 1) }) });
    const out = await list();
    expect(stub.requests).toHaveLength(MAX_PAGES);
    expect(out.users).toHaveLength(MAX_PAGES);
    expect(out).toMatchObject({ contiguous_id: String(MAX_PAGES), may_be_incomplete: true });
  });

  it("a cursor that does not advance cannot make it loop", async () => {
    stub.route("GET", USERS, { status: 200, body: { users: [user(1)], contiguous_id: "same" } });
    const out = await list();
    expect(stub.requests).toHaveLength(2);
    expect(out.contiguous_id).toBeNull();
  });
});

describe("get_service_users: a bare array has no cursor", () => {
  it("as long as ALTR's default page (10, no limit sent): may be incomplete", async () => {
    stub.route("GET", USERS, { status: 200, body: Array.from({ length: 10 }, (_, i) => user(i)) });
    const out = await list();
    expect(out).toMatchObject({ contiguous_id: null, may_be_incomplete: true });
    expect(out.users).toHaveLength(10);
    expect(stub.requests).toHaveLength(1);
  });

  it("as long as the limit sent: may be incomplete; shorter: complete", async () => {
    stub.route("GET", USERS, { status: 200, bodyFrom: (req) => Array.from({ length: Math.min(3, Number(query(req).limit)) }, (_, i) => user(i)) });
    expect((await list({ limit: 3 })).may_be_incomplete).toBe(true);
    expect((await list({ limit: 4 })).may_be_incomplete).toBe(false);
  });
});

describeInvalidInput([
  ["get_service_users", { limit: 0 }, "limit"],
  ["get_service_users", { limit: 101 }, "limit"],
  ["get_service_users", { order_by: "up" }, "order_by"],
  ["get_service_users", { prefix: "" }, "prefix"],
  ["get_service_users", { contiguous_id: "" }, "contiguous_id"],
]);
