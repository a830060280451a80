/**
 * Tags against a local stub: bounded, duplicate-free paging of connected tags and tag values;
 * connect_tag's database lookup (its failures are their own errors); update_tag keeps every
 * setting the caller did not give; ids encoded once; invalid input never reaches ALTR.
 */
import { describe, expect, it } from "vitest";
import { selectTools } from "../src/server/registry.js";
import { MAX_PAGES } from "../src/tools/common.js";
import { ALL_TOOLS } from "../src/tools/index.js";
import { TAG_PAGE_SIZE, TAG_VALUE_PAGE_SIZE } from "../src/tools/tags.js";
import { envelope } from "./helpers/harness.js";
import { describeInvalidInput, h, stub, useStubHarness, queryOf as query } from "./helpers/stub-harness.js";

const TAG = "/v1/tag/masking";
const VALUES = "/v1/dis/tags/v2/tags/list";
const GROUP = "3f6e2a9c-1b7d-4c58-a0e4-9d2b8f1c7e65";

useStubHarness();

const paths = () => stub.requests.map((r) => `${r.method} ${r.url.split("?")[0]}`);
const tag = (i: number) => ({ tag_group_id: `g${i}`, tag_name: `T${i}` });
const dbs = (...list: object[]) => ({ status: 200, body: { success: true, data: { databases: list, count: list.length } } });

describe("get_tags paging (has_more + offset)", () => {
  it("advances offset by what was received while has_more, without duplicates", async () => {
    const all = Array.from({ length: 120 }, (_, i) => tag(i));
    stub.route("GET", TAG, {
      status: 200,
      bodyFrom: (req) => {
        const { offset, limit } = query(req);
        const page = all.slice(Number(offset), Number(offset) + Number(limit));
        return { items: page, has_more: Number(offset) + page.length < all.length };
      },
    });
    const env = envelope(await h.call("get_tags"));
    const data = env.data as { items: { tag_group_id: string }[]; count: number; next_offset: number | null };
    expect(data.items.map((t) => t.tag_group_id)).toEqual(all.map((t) => t.tag_group_id));
    expect(data).toMatchObject({ count: 120, next_offset: null });
    expect(stub.requests.map(query)).toEqual([0, 50, 100].map((o) => ({ offset: String(o), limit: String(TAG_PAGE_SIZE) })));
  });

  it("a server that ignores offset cannot make it loop or duplicate", async () => {
    stub.route("GET", TAG, { status: 200, body: { items: [tag(1), tag(2)], has_more: true } });
    const env = envelope(await h.call("get_tags"));
    expect(env.data).toMatchObject({ items: [tag(1), tag(2)], count: 2, next_offset: null });
    expect(stub.requests).toHaveLength(2);
  });

  it("stops at the page cap with a cursor, and continues from it", async () => {
    stub.route("GET", TAG, {
      status: 200,
      bodyFrom: (req) => ({ items: [tag(Number(query(req).offset))], has_more: true }),
    });
    const first = envelope(await h.call("get_tags")).data as { items: unknown[]; next_offset: number };
    expect(stub.requests).toHaveLength(MAX_PAGES);
    expect(first.items).toHaveLength(MAX_PAGES);
    expect(first.next_offset).toBe(MAX_PAGES);
    stub.requests.length = 0;
    await h.call("get_tags", { offset: first.next_offset });
    expect(query(stub.requests[0]!).offset).toBe(String(MAX_PAGES));
  });

  it("an error on a later page is an error, not a short list", async () => {
    stub.route("GET", TAG, { status: 200, body: { items: [tag(1)], has_more: true } }, { status: 401, body: { error: "expired" } });
    const res = await h.call("get_tags");
    expect(res.isError).toBe(true);
    expect(envelope(res).error).toMatchObject({ kind: "http", status: 401, altr_message: "expired" });
  });
});

describe("get_tag_values paging (totals.tagCount + offset)", () => {
  const value = (i: number) => ({ tagID: `v${i}`, tagKey: "PII", tagValue: `VALUE_${i}` });

  it("sends filter, offset and limit 100 and reads until tagCount", async () => {
    const all = Array.from({ length: 230 }, (_, i) => value(i));
    stub.route("GET", VALUES, {
      status: 200,
      bodyFrom: (req) => {
        const { offset, limit } = query(req);
        return { tags: all.slice(Number(offset), Number(offset) + Number(limit)), totals: { tagCount: all.length } };
      },
    });
    const env = envelope(await h.call("get_tag_values", { tag_name: "PII" }));
    const data = env.data as { tags: { tagID: string }[]; count: number; next_offset: number | null };
    expect(data.tags.map((t) => t.tagID)).toEqual(all.map((t) => t.tagID));
    expect(data).toMatchObject({ count: 230, next_offset: null });
    expect(stub.requests.map(query)).toEqual(
      [0, 100, 200].map((o) => ({ filter: "PII", offset: String(o), limit: String(TAG_VALUE_PAGE_SIZE) })),
    );
  });

  it("the upstream's defect is gone: a repeated first page adds no duplicates and ends the loop", async () => {
    stub.route("GET", VALUES, { status: 200, body: { tags: [value(1), value(2)], totals: { tagCount: 500 } } });
    const env = envelope(await h.call("get_tag_values", { tag_name: "PII" }));
    expect((env.data as { tags: unknown[] }).tags).toEqual([value(1), value(2)]);
    expect(stub.requests).toHaveLength(2);
  });

  it("204 (no tags at all) is an empty list", async () => {
    stub.route("GET", VALUES, { status: 204 });
    const env = envelope(await h.call("get_tag_values", { tag_name: "PII" }));
    expect(env).toMatchObject({ success: true, data: { tags: [], count: 0, next_offset: null } });
  });
});

describe("connect_tag", () => {
  const args = { database_name: "PROD_SNOWFLAKE", schema_name: "GOVERNANCE", tag_name: "PII" };

  it("a failed lookup is reported as that failure (401), not as 'database not found'; nothing is connected", async () => {
    stub.route("GET", "/api/databases", { status: 401, body: { success: false, data: { message: "Invalid credentials." } } });
    const res = await h.call("connect_tag", args);
    const env = envelope(res);
    expect(res.isError).toBe(true);
    expect(env.error).toMatchObject({ kind: "http", status: 401, altr_message: "Invalid credentials." });
    expect(env.error!.message).not.toMatch(/not found|no database/i);
    expect(paths()).toEqual(["GET /api/databases"]);
  });

  it("a 500 on the lookup is a 500 error; nothing is connected", async () => {
    stub.route("GET", "/api/databases", { status: 500, body: { success: false, data: { message: "boom" } } });
    const env = envelope(await h.call("connect_tag", args));
    expect(env.error).toMatchObject({ kind: "http", status: 500 });
    expect(stub.requests.every((r) => r.method === "GET")).toBe(true);
  });

  it("several databases with that name are an error listing their ids, not the first one", async () => {
    stub.route("GET", "/api/databases", dbs({ id: 7, friendlyDatabaseName: "PROD_SNOWFLAKE" }, { id: 9, friendlyDatabaseName: "PROD_SNOWFLAKE" }));
    const res = await h.call("connect_tag", args);
    const env = envelope(res);
    expect(res.isError).toBe(true);
    expect(env.error!.kind).toBe("not_found");
    expect(env.error!.message).toMatch(/2 databases.*ids 7, 9/);
    expect(paths()).toEqual(["GET /api/databases"]);
  });

  it("no database with that name is not_found; the server's partial matches are offered", async () => {
    stub.route("GET", "/api/databases", dbs({ id: 7, friendlyDatabaseName: "PROD_SNOWFLAKE_OLD" }));
    const env = envelope(await h.call("connect_tag", args));
    expect(env.error).toMatchObject({ kind: "not_found" });
    expect(env.error!.message).toContain("PROD_SNOWFLAKE_OLD");
    expect(stub.requests).toHaveLength(1);
  });

  it("an exact name wins over partial matches; the database's real name and id are sent", async () => {
    stub.route(
      "GET",
      "/api/databases",
      dbs({ id: 3, friendlyDatabaseName: "prod_snowflake", databaseName: "OTHER" }, { id: 42, friendlyDatabaseName: "PROD_SNOWFLAKE", databaseName: "PROD_DB" }),
    );
    stub.route("PUT", `${TAG}/`, { status: 201, body: { status: "pending", job_id: "j1", details: {} } });
    const env = envelope(await h.call("connect_tag", args));
    expect(env.data).toMatchObject({ database_id: 42, database_name: "PROD_DB", status: "PENDING", job_id: "j1" });
    expect(query(stub.requests[0]!)).toEqual({ friendlyDatabaseName: "PROD_SNOWFLAKE", limit: "50" });
    expect(JSON.parse(stub.requests[1]!.body)).toEqual({
      database_id: 42,
      database_name: "PROD_DB",
      schema_name: "GOVERNANCE",
      tag_name: "PII",
      friendly_name: "PII",
      masking: { custom_role_provider: { enabled: false }, protection_type: "governed" },
    });
  });

  it("an empty 201 (as ALTR documents it) is success with no job status", async () => {
    stub.route("GET", "/api/databases", dbs({ id: 42, friendlyDatabaseName: "PROD_SNOWFLAKE" }));
    stub.route("PUT", `${TAG}/`, { status: 201 });
    const env = envelope(await h.call("connect_tag", args));
    // The record had no databaseName: the argument is used, as the upstream does.
    expect(env).toMatchObject({ success: true, data: { database_id: 42, database_name: "PROD_SNOWFLAKE", status: null, job_id: null } });
  });

  it("a FAILED job is an error with ALTR's reason (the upstream reported it as success)", async () => {
    stub.route("GET", "/api/databases", dbs({ id: 42, friendlyDatabaseName: "PROD_SNOWFLAKE", databaseName: "PROD_DB" }));
    stub.route("PUT", `${TAG}/`, { status: 201, body: { status: "FAILED", job_id: "job-f", details: { error_message: "tag does not exist in Snowflake" } } });
    const res = await h.call("connect_tag", args);
    const env = envelope(res);
    expect(res.isError).toBe(true);
    expect(env.error!.kind).toBe("rejected");
    expect(env.error!.message).toContain("tag does not exist in Snowflake");
    expect(env.data).toMatchObject({ status: "FAILED", job_id: "job-f" });
  });

  it("a 409 (another change in progress) on the PUT is reported with the conflict hint, once", async () => {
    stub.route("GET", "/api/databases", dbs({ id: 42, friendlyDatabaseName: "PROD_SNOWFLAKE" }));
    stub.route("PUT", `${TAG}/`, { status: 409, body: { error: "another change is currently in progress" } });
    const env = envelope(await h.call("connect_tag", args));
    expect(env.error).toMatchObject({ status: 409, altr_message: "another change is currently in progress" });
    expect(env.error!.hint).toMatch(/Conflict/);
    expect(stub.requests.filter((r) => r.method === "PUT")).toHaveLength(1);
  });
});

describe("update_tag keeps what the caller did not give", () => {
  const stored = {
    item: {
      tag_group_id: GROUP,
      friendly_name: "CARD_NUMBERS",
      database_id: 42,
      masking_applied: {
        protection_type: "encryption-fpe",
        custom_role_provider: { enabled: true, fully_qualified_function_udf_name: "ALTR.ROLES" },
        mask_data_type_list: ["VARCHAR"],
        encryption_fpe_options: { alphabet: "numeric", is_padded: false, key_name: "k1", tweak_name: "t1" },
        tracking_id: "tr-1",
      },
      masking_pending: null,
      masking_failed: null,
    },
  };

  it("a rename sends the stored protection type, role provider, data types and FPE options unchanged", async () => {
    stub.route("GET", `${TAG}/tag/${GROUP}`, { status: 200, body: stored });
    stub.route("PUT", `${TAG}/tag/${GROUP}`, { status: 204 });
    const env = envelope(await h.call("update_tag", { tag_group_id: GROUP, friendly_name: "CARDS" }));
    expect(env.success).toBe(true);
    expect(paths()).toEqual([`GET ${TAG}/tag/${GROUP}`, `PUT ${TAG}/tag/${GROUP}`]);
    const sent = JSON.parse(stub.requests[1]!.body) as unknown;
    expect(sent).toEqual({
      database_id: 42,
      friendly_name: "CARDS",
      masking: {
        protection_type: "encryption-fpe",
        custom_role_provider: { enabled: true },
        mask_data_type_list: ["VARCHAR"],
        encryption_fpe_options: { alphabet: "numeric", is_padded: false, key_name: "k1", tweak_name: "t1" },
      },
    });
    expect(env.data).toMatchObject({ tag_group_id: GROUP, friendly_name: "CARDS", masking: (sent as { masking: unknown }).masking });
  });

  it("given fields win; FPE options are dropped when the tag stops being encryption-fpe", async () => {
    stub.route("GET", `${TAG}/tag/${GROUP}`, { status: 200, body: stored });
    stub.route("PUT", `${TAG}/tag/${GROUP}`, { status: 201 });
    await h.call("update_tag", { tag_group_id: GROUP, protection_type: "governed", mask_data_type_list: "NUMBER" });
    expect(JSON.parse(stub.requests[1]!.body)).toEqual({
      database_id: 42,
      friendly_name: "CARD_NUMBERS",
      masking: { protection_type: "governed", custom_role_provider: { enabled: true }, mask_data_type_list: ["NUMBER"] },
    });
  });

  it("a tag with nothing stored sends only what was given (no defaults)", async () => {
    stub.route("GET", `${TAG}/tag/${GROUP}`, { status: 200, body: { item: { database_id: 42, friendly_name: "PII" } } });
    stub.route("PUT", `${TAG}/tag/${GROUP}`, { status: 204 });
    await h.call("update_tag", { tag_group_id: GROUP, mask_data_type_list: '["VARCHAR","NUMBER"]' });
    expect(JSON.parse(stub.requests[1]!.body)).toEqual({ database_id: 42, friendly_name: "PII", masking: { mask_data_type_list: ["VARCHAR", "NUMBER"] } });
  });

  it("FPE options for a tag that is not encryption-fpe are refused before the PUT", async () => {
    stub.route("GET", `${TAG}/tag/${GROUP}`, { status: 200, body: { item: { database_id: 42, friendly_name: "PII", masking_applied: { protection_type: "governed" } } } });
    const res = await h.call("update_tag", { tag_group_id: GROUP, encryption_fpe_options: { key_name: "k2" } });
    expect(envelope(res).error).toMatchObject({ kind: "invalid_input" });
    expect(envelope(res).error!.message).toMatch(/encryption_fpe_options.*not changed/);
    expect(paths()).toEqual([`GET ${TAG}/tag/${GROUP}`]);
  });

  it("refuses while a masking change is pending: nothing is written, the pending settings are never re-sent", async () => {
    const pending = { ...stored.item, masking_pending: { protection_type: "governed", mask_data_type_list: ["NUMBER"], tracking_id: "tr-2" } };
    stub.route("GET", `${TAG}/tag/${GROUP}`, { status: 200, body: { item: pending } });
    stub.route("PUT", `${TAG}/tag/${GROUP}`, { status: 204 });
    const env = envelope(await h.call("update_tag", { tag_group_id: GROUP, friendly_name: "CARDS" }));
    expect(env.error).toMatchObject({ kind: "rejected" });
    expect(env.error!.message).toMatch(/pending.*not changed/);
    expect(paths()).toEqual([`GET ${TAG}/tag/${GROUP}`]);
  });

  it("builds only on the applied settings, never on a failed change", async () => {
    const failed = { ...stored.item, masking_applied: { protection_type: "governed", mask_data_type_list: ["VARCHAR"] }, masking_failed: { protection_type: "encryption-fpe", mask_data_type_list: ["NUMBER"] } };
    stub.route("GET", `${TAG}/tag/${GROUP}`, { status: 200, body: { item: failed } });
    stub.route("PUT", `${TAG}/tag/${GROUP}`, { status: 204 });
    await h.call("update_tag", { tag_group_id: GROUP, friendly_name: "CARDS" });
    expect(JSON.parse(stub.requests[1]!.body)).toEqual({ database_id: 42, friendly_name: "CARDS", masking: { protection_type: "governed", mask_data_type_list: ["VARCHAR"] } });
  });

  it("ALTR's 409 on the write is passed on with its message", async () => {
    stub.route("GET", `${TAG}/tag/${GROUP}`, { status: 200, body: stored });
    stub.route("PUT", `${TAG}/tag/${GROUP}`, { status: 409, body: { error: "Another change is currently in progress" } });
    const env = envelope(await h.call("update_tag", { tag_group_id: GROUP, friendly_name: "CARDS" }));
    expect(env.error).toMatchObject({ status: 409, altr_message: "Another change is currently in progress" });
    expect(env.error!.message).toContain("Another change is currently in progress");
  });

  it("a 403 on the read names the read permission it needs; nothing is written", async () => {
    stub.route("GET", `${TAG}/tag/${GROUP}`, { status: 403, body: { error: "Forbidden" } });
    stub.route("PUT", `${TAG}/tag/${GROUP}`, { status: 204 });
    const env = envelope(await h.call("update_tag", { tag_group_id: GROUP, friendly_name: "X" }));
    expect(env.error).toMatchObject({ status: 403 });
    expect(env.error!.message).toMatch(/update_tag needs read permission on get_tag_details_by_group_id/);
    expect(paths()).toEqual([`GET ${TAG}/tag/${GROUP}`]);
  });

  it("says it reads first and that a concurrent change can be overwritten", () => {
    expect(ALL_TOOLS.find((t) => t.name === "update_tag")!.description).toMatch(/Reads the tag first: a concurrent change can be overwritten/);
  });

  it("a failed read (404) stops it: nothing is written", async () => {
    stub.route("GET", `${TAG}/tag/${GROUP}`, { status: 404, body: { error: "Not Found" } });
    const env = envelope(await h.call("update_tag", { tag_group_id: GROUP, friendly_name: "X" }));
    expect(env.error).toMatchObject({ status: 404, altr_message: "Not Found" });
    expect(paths()).toEqual([`GET ${TAG}/tag/${GROUP}`]);
  });
});

describe("ids in paths are percent-encoded exactly once", () => {
  it("tag_group_id with / and # is encoded; an already-encoded one is not encoded twice", async () => {
    stub.route("DELETE", /^\/v1\/tag\/masking\/tag\/.+$/, { status: 202 });
    await h.call("disconnect_tag", { tag_group_id: "g/1#x" });
    await h.call("disconnect_tag", { tag_group_id: "g%2F1%23x" });
    expect(stub.requests.map((r) => r.url)).toEqual([`${TAG}/tag/g%2F1%23x`, `${TAG}/tag/g%2F1%23x`]);
  });

  it("get_tag_details encodes every path segment (tag name before schema name)", async () => {
    stub.route("GET", /^\/v1\/tag\/masking\/database\//, { status: 200, body: { item: {} } });
    await h.call("get_tag_details", { database_id: 42, database_name: "PROD DB", tag_name: "PII/2", schema_name: "S#1" });
    expect(stub.requests[0]!.url).toBe(`${TAG}/database/42/database-name/PROD%20DB/tag-name/PII%2F2/schema-name/S%231`);
  });
});

describe("disconnect_tag_by_details and the pre-rename names", () => {
  it("sends a DELETE with the JSON body and ignore_errors always present", async () => {
    stub.route("DELETE", `${TAG}/`, { status: 202 });
    const tagRef = { database_id: 42, database_name: "PROD_DB", schema_name: "GOVERNANCE", tag_name: "PII" };
    await h.call("disconnect_tag_by_details", tagRef);
    await h.call("delete_tag_by_details", { ...tagRef, ignore_errors: true });
    expect(stub.requests.map(query)).toEqual([{ ignore_errors: "false" }, { ignore_errors: "true" }]);
    for (const r of stub.requests) expect(JSON.parse(r.body)).toEqual(tagRef);
  });

  it("delete_tag and delete_tag_by_details are hidden aliases that RESTRICTED_TOOLS matches", () => {
    const open = selectTools(ALL_TOOLS, { toolsets: [], readOnly: false, restricted: [] });
    expect(open.callable.get("delete_tag")?.name).toBe("disconnect_tag");
    expect(open.callable.get("delete_tag_by_details")?.name).toBe("disconnect_tag_by_details");
    expect(open.enabled.map((t) => t.name)).not.toContain("delete_tag");
    const restricted = selectTools(ALL_TOOLS, { toolsets: [], readOnly: false, restricted: ["DELETE_TAG", "delete_tag_by_details"] });
    expect(restricted.callable.has("disconnect_tag")).toBe(false);
    expect(restricted.callable.has("disconnect_tag_by_details")).toBe(false);
    expect(restricted.hidden.get("delete_tag")).toMatch(/RESTRICTED_TOOLS/);
  });
});

const INVALID: [tool: string, args: Record<string, unknown>, field: string][] = [
  ["get_tags", { offset: -1 }, "offset"],
  ["get_tag_values", {}, "tag_name"],
  ["get_tag_details", { database_id: 42, database_name: "D", tag_name: "T", schema_name: "S", protection_type: "masked" }, "protection_type"],
  ["get_tag_details", { database_id: 42, database_name: "D".repeat(256), tag_name: "T", schema_name: "S" }, "database_name"],
  ["get_tag_details_by_group_id", { tag_group_id: " " }, "tag_group_id"],
  ["connect_tag", { database_name: "PROD", tag_name: "PII" }, "schema_name"],
  ["update_tag", { tag_group_id: GROUP }, "Nothing to update"],
  ["update_tag", { tag_group_id: GROUP, mask_data_type_list: [] }, "mask_data_type_list"],
  ["update_tag", { tag_group_id: GROUP, mask_data_type_list: ["VARCHAR", "varchar"] }, "mask_data_type_list"],
  ["update_tag", { tag_group_id: GROUP, mask_data_type_list: '["VARCHAR"' }, "mask_data_type_list"],
  ["update_tag", { tag_group_id: GROUP, mask_data_type_list: ["VARCHAR", ""] }, "mask_data_type_list[1]"],
  ["update_tag", { tag_group_id: GROUP, encryption_fpe_options: { alphabet: "hex" } }, "encryption_fpe_options.alphabet"],
  ["update_tag", { tag_group_id: GROUP, encryption_fpe_options: { key_name: "k", colour: "red" } }, "encryption_fpe_options.colour"],
  ["update_tag", { tag_group_id: GROUP, encryption_fpe_options: "{not json" }, "encryption_fpe_options"],
  ["update_tag", { tag_group_id: GROUP, encryption_fpe_options: {} }, "encryption_fpe_options"],
  ["update_tag", { tag_group_id: GROUP, protection_type: "governed", encryption_fpe_options: { key_name: "k" } }, "encryption_fpe_options"],
  ["update_tag", { tag_group_id: GROUP, database_id: 0 }, "database_id"],
  ["disconnect_tag", {}, "tag_group_id"],
  ["disconnect_tag_by_details", { database_id: 42, database_name: "D", schema_name: "S", tag_name: "T", ignore_errors: "yes" }, "ignore_errors"],
];

describeInvalidInput(INVALID);
