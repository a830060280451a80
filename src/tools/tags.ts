/**
 * Tags: Snowflake tags connected to ALTR (api service: tag masking under /v1/tag/masking, tag
 * values from the Datastore Information Service under /v1/dis).
 */
import { z } from "zod";
import { nextOffset, paginate } from "../altr/paginate.js";
import type { components } from "../generated/api.js";
import { S, objectOf, propertyOf } from "../schema/json-schema.js";
import { defineTool, input, InputError, ToolFailure, responseBody, type Tool } from "./define.js";
import { databaseId, MAX_PAGES, offsetParam, READ, readFirstFailure, REMOVE, UPDATE } from "./common.js";
import { findDatabaseByName } from "./databases.js";
import { deleteOnce, DELETE_OUTCOME, outcome } from "./deletes.js";
import { commaList } from "./sidecar-shared.js";

const tagStatuses = commaList(z.enum(["applied", "failed", "pending"])).optional();
/** ALTR's filters and sort direction of the connected-tag list (all optional, sent as given). */
const tagListFilters = {
  friendly_name: z.string().trim().min(1).optional(),
  database_id: databaseId.optional(),
  tag_name: z.string().trim().min(1).optional(),
  protection_type: z.enum(["governed", "governed-pushdown", "tokenized-vault", "encryption-fpe"]).optional(),
  status_include: tagStatuses,
  status_exclude: tagStatuses,
  // ALTR's sort_by has one value, its default (friendly_name): only the direction is a choice.
  order_by: z.enum(["asc", "desc"]).optional(),
};

type TagMaskingItem = components["schemas"]["TagMaskingItem"];
type TagMaskingInput = components["schemas"]["TagMaskingInput"];
type TagMaskingConfig = components["schemas"]["TagMaskingConfig"];
type TagValue = components["schemas"]["TagValue"];
type ProtectionType = components["schemas"]["ProtectionType"];
type FpeOptions = components["schemas"]["EncryptionFpeOptions"];

/** ALTR's page-size maxima: 50 connected tags, 100 tag values. */
export const TAG_PAGE_SIZE = 50;
export const TAG_VALUE_PAGE_SIZE = 100;

const PROTECTION_TYPES = ["governed", "governed-pushdown", "tokenized-vault", "encryption-fpe"] as const satisfies readonly ProtectionType[];
const isProtectionType = (v: unknown): v is ProtectionType => (PROTECTION_TYPES as readonly unknown[]).includes(v);

const tagGroupId = z.string().trim().min(1).describe("From get_tags.");
const name = z
  .string()
  .trim()
  .min(1)
  .refine((v) => v.length <= 255, "must be at most 255 characters");

/** Data types: a list, a JSON list, or one type name (wrapped, as the upstream does). */
const dataTypes = z.preprocess(
  (v, ctx) => {
    if (typeof v !== "string") return v;
    const t = v.trim();
    if (!t.startsWith("[")) return [t];
    try {
      return JSON.parse(t) as unknown;
    } catch {
      ctx.addIssue({ code: "custom", message: "is a string but not a valid JSON list", input: v });
      return z.NEVER;
    }
  },
  z
    .array(z.string().trim().min(1))
    .min(1)
    .refine((list) => new Set(list.map((x) => x.toUpperCase())).size === list.length, "lists a data type twice"),
);

const fpeOptions = z
  .object({
    alphabet: z.enum(["numeric", "alphabetic", "alphanumeric"]).optional(),
    is_padded: z.boolean().optional(),
    key_name: z.string().trim().min(1).optional(),
    tweak_name: z.string().trim().min(1).optional(),
  })
  .strict()
  .refine((o) => Object.keys(o).length > 0, "give at least one of alphabet, is_padded, key_name, tweak_name");

/** Keeps the items not seen before (by key), so a server that repeats a page adds no duplicates. */
function fresh<T>(items: readonly T[], seen: Set<string>, key: (item: T) => string | undefined): T[] {
  const out: T[] = [];
  for (const item of items) {
    const k = key(item) ?? JSON.stringify(item);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(item);
  }
  return out;
}

/** The writable part of a stored FPE configuration. */
function fpeFrom(stored: NonNullable<TagMaskingConfig>["encryption_fpe_options"] | undefined): FpeOptions | undefined {
  if (!stored) return undefined;
  const out: FpeOptions = {};
  if (stored.alphabet === "numeric" || stored.alphabet === "alphabetic" || stored.alphabet === "alphanumeric") out.alphabet = stored.alphabet;
  if (typeof stored.is_padded === "boolean") out.is_padded = stored.is_padded;
  if (stored.key_name) out.key_name = stored.key_name;
  if (stored.tweak_name) out.tweak_name = stored.tweak_name;
  return Object.keys(out).length ? out : undefined;
}

const connectedTags = propertyOf(responseBody("api.listTagMasking"), "items");
const tagValues = propertyOf(responseBody("api.listTagValues"), "tags");
const maskingSent = objectOf({
  protection_type: S.string,
  custom_role_provider: objectOf({ enabled: S.boolean }),
  mask_data_type_list: S.arrayOf(S.string),
  encryption_fpe_options: { type: "object" },
});

export const tagTools: Tool[] = [
  defineTool({
    name: "get_tags",
    title: "List connected tags",
    description:
      "List Snowflake tags connected to ALTR.",
    toolset: "tags",
    input: { offset: offsetParam, ...tagListFilters },
    annotations: READ,
    operations: ["api.listTagMasking"],
    output: objectOf({ items: connectedTags, count: S.integer, next_offset: S.nullableInteger }),
    async handler({ offset, ...filters }, { call, signal, scope }) {
      const both = filters.status_include?.split(",").filter((s) => filters.status_exclude?.split(",").includes(s));
      if (both?.length) throw new InputError(`status_exclude: ${both.join(", ")} is also in status_include`, ["status_exclude"]);
      const start = offset ?? 0;
      const seen = new Set<string>();
      // has_more says whether to go on; offset (advanced by what was received) says where.
      const paged = await paginate<TagMaskingItem, number>({
        scope,
        start,
        maxPages: MAX_PAGES,
        fetchPage: async (cursor) => {
          const at = cursor ?? start;
          const body = await call("api.listTagMasking", { query: { offset: at, limit: TAG_PAGE_SIZE, ...filters }, signal });
          const received = body?.items ?? [];
          const items = fresh(received, seen, (t) => t.tag_group_id);
          const more = body?.has_more === true && items.length > 0;
          return { items, next: more ? at + received.length : null };
        },
      });
      return { items: paged.items, count: paged.items.length, next_offset: paged.next };
    },
  }),

  defineTool({
    name: "get_tag_values",
    title: "List a tag's values",
    description:
      "List a Snowflake tag's values; the filter also matches other tags, so check tagKey.",
    toolset: "tags",
    input: { tag_name: z.string().trim().min(1), offset: offsetParam, dataTagGroupID: z.string().trim().min(1).optional() },
    annotations: READ,
    operations: ["api.listTagValues"],
    output: objectOf({ tags: tagValues, count: S.integer, total: S.nullableInteger, next_offset: S.nullableInteger }),
    async handler({ tag_name, offset, dataTagGroupID }, { call, signal, scope }) {
      const start = offset ?? 0;
      const seen = new Set<string>();
      let total: number | undefined;
      // totals.tagCount says when to stop; offset (advanced by what was received) says where.
      const paged = await paginate<TagValue, number>({
        scope,
        start,
        maxPages: MAX_PAGES,
        fetchPage: async (cursor) => {
          const at = cursor ?? start;
          const body = await call("api.listTagValues", { query: { filter: tag_name, offset: at, limit: TAG_VALUE_PAGE_SIZE, dataTagGroupID }, signal });
          const received = body?.tags ?? [];
          total = body?.totals?.tagCount ?? total;
          const items = fresh(received, seen, (t) => t.tagID);
          return { items, next: items.length > 0 ? nextOffset(at, received.length, total) : null };
        },
      });
      // count: the rows returned (ALTR's totals.tagCount can differ: it was 2 beside 4 rows); total: ALTR's figure.
      return { tags: paged.items, count: paged.items.length, total: total ?? null, next_offset: paged.next };
    },
  }),

  defineTool({
    name: "get_tag_details",
    title: "Get a connected tag by location",
    description: "Get a connected tag's masking record by where it lives.",
    toolset: "tags",
    input: {
      database_id: databaseId,
      database_name: name,
      tag_name: name,
      schema_name: name,
      protection_type: z.enum(PROTECTION_TYPES).optional(),
    },
    annotations: READ,
    operations: ["api.getTagMaskingByDetails"],
    output: responseBody("api.getTagMaskingByDetails"),
    async handler({ database_id, database_name, tag_name, schema_name, protection_type }, { call, signal }) {
      return call("api.getTagMaskingByDetails", { path: { database_id, database_name, tag_name, schema_name }, query: protection_type ? { "protection-type": protection_type } : {}, signal });
    },
  }),

  defineTool({
    name: "get_tag_details_by_group_id",
    title: "Get a connected tag",
    description: "Get a connected tag's masking record by tag_group_id.",
    toolset: "tags",
    input: { tag_group_id: tagGroupId },
    annotations: READ,
    operations: ["api.getTagMasking"],
    output: responseBody("api.getTagMasking"),
    async handler({ tag_group_id }, { call, signal }) {
      return call("api.getTagMasking", { path: { tag_group_id }, signal });
    },
  }),

  defineTool({
    name: "connect_tag",
    title: "Connect a Snowflake tag",
    description:
      "Connect an existing Snowflake tag to ALTR for masking; re-connecting resets its settings (use update_tag).",
    toolset: "tags",
    input: {
      database_name: z.string().trim().min(1).describe("Display name (get_databases)."),
      schema_name: name,
      tag_name: name,
    },
    annotations: UPDATE,
    operations: ["altrnet.listDatabases", "api.connectTagMasking"],
    output: objectOf({
      database_id: S.integer,
      database_name: S.string,
      schema_name: S.string,
      tag_name: S.string,
      status: S.nullableString,
      job_id: S.nullableString,
      details: { type: ["object", "null"] },
    }),
    async handler({ database_name, schema_name, tag_name }, { call, signal }) {
      // Same lookup as get_database_id: a failed lookup is its own error, several matches too.
      const database = await findDatabaseByName(call, database_name, signal);
      if (typeof database.id !== "number") {
        throw new ToolFailure("invalid_response", `ALTR listed database "${database_name}" without an id.`);
      }
      const realName = database.databaseName ?? database_name;
      const job = await call("api.connectTagMasking", { body: {
            database_id: database.id,
            database_name: realName,
            schema_name,
            tag_name,
            friendly_name: tag_name,
            masking: { custom_role_provider: { enabled: false }, protection_type: "governed" },
          }, signal });
      const status = typeof job?.status === "string" ? job.status.toUpperCase() : null;
      const result = {
        database_id: database.id,
        database_name: realName,
        schema_name,
        tag_name,
        status,
        job_id: job?.job_id ?? null,
        details: job?.details ?? null,
      };
      if (status === "FAILED") {
        const reason = typeof job?.details?.error_message === "string" ? job.details.error_message : "ALTR gave no reason";
        throw new ToolFailure(
          "rejected",
          `ALTR could not connect tag ${tag_name} in ${realName}.${schema_name}: ${reason}. Check that the tag exists in Snowflake and that the connection's role can see it.`,
          result,
        );
      }
      return result;
    },
  }),

  defineTool({
    name: "update_tag",
    title: "Update a connected tag",
    description:
      "Change a connected tag's name or masking settings (others kept). Reads the tag first: a concurrent change can be overwritten. Narrowing mask_data_type_list unmasks the rest.",
    toolset: "tags",
    input: {
      tag_group_id: tagGroupId,
      database_id: databaseId.optional(),
      friendly_name: name.optional(),
      protection_type: z.enum(PROTECTION_TYPES).optional(),
      custom_role_provider_enabled: z.boolean().optional(),
      mask_data_type_list: dataTypes.optional().describe('Snowflake types, e.g. ["VARCHAR","NUMBER"].'),
      encryption_fpe_options: input
        .described("object", fpeOptions, "{alphabet:numeric|alphabetic|alphanumeric, is_padded, key_name, tweak_name}.")
        .optional(),
    },
    // It can change how (and which) data is protected, so it is flagged as destructive.
    annotations: REMOVE,
    operations: ["api.getTagMasking", "api.updateTagMasking"],
    output: objectOf({ tag_group_id: S.string, database_id: S.integer, friendly_name: S.string, masking: maskingSent }),
    async handler({ tag_group_id, ...given }, { call, signal }) {
      if (Object.values(given).every((v) => v === undefined)) {
        throw new InputError(
          "Nothing to update: give friendly_name, database_id, protection_type, custom_role_provider_enabled, mask_data_type_list or encryption_fpe_options",
          [],
        );
      }
      if (given.encryption_fpe_options && given.protection_type && given.protection_type !== "encryption-fpe") {
        throw new InputError("encryption_fpe_options: only for protection_type encryption-fpe", ["encryption_fpe_options"]);
      }
      // PUT replaces the whole record: start from what is stored so nothing is reset by omission.
      let current: TagMaskingItem;
      try {
        current = (await call("api.getTagMasking", { path: { tag_group_id }, signal }))?.item ?? {};
      } catch (err) {
        throw readFirstFailure(err, "update_tag", "get_tag_details_by_group_id");
      }
      // Building on a change ALTR has not applied yet could send settings that are about to be
      // replaced (or revert them): wait until it is applied. ALTR's own 409 passes through too.
      if (current.masking_pending != null) {
        throw new ToolFailure(
          "rejected",
          `Tag ${tag_group_id} has a masking change still pending in ALTR; retry once get_tag_details_by_group_id shows it applied. The tag was not changed.`,
        );
      }
      // Only the applied settings are the tag's state (a failed change was never applied).
      const stored = current.masking_applied ?? null;

      const masking: TagMaskingInput = {};
      const protection = given.protection_type ?? (isProtectionType(stored?.protection_type) ? stored.protection_type : undefined);
      if (protection) masking.protection_type = protection;
      const roleProvider = given.custom_role_provider_enabled ?? stored?.custom_role_provider?.enabled;
      if (typeof roleProvider === "boolean") masking.custom_role_provider = { enabled: roleProvider };
      const types = given.mask_data_type_list ?? stored?.mask_data_type_list;
      if (types?.length) masking.mask_data_type_list = [...types];
      const fpe = given.encryption_fpe_options ?? fpeFrom(stored?.encryption_fpe_options);
      if (given.encryption_fpe_options && protection !== "encryption-fpe") {
        throw new ToolFailure(
          "invalid_input",
          `encryption_fpe_options: the tag's protection type is ${protection ?? "governed"}, not encryption-fpe; give protection_type "encryption-fpe" too. The tag was not changed.`,
        );
      }
      if (fpe && protection === "encryption-fpe") masking.encryption_fpe_options = fpe;

      const database_id = given.database_id ?? current.database_id;
      const friendly_name = given.friendly_name ?? current.friendly_name;
      if (typeof database_id !== "number" || !friendly_name) {
        throw new ToolFailure(
          "invalid_input",
          `The stored tag has no ${typeof database_id !== "number" ? "database_id" : "friendly_name"}; give it explicitly. The tag was not changed.`,
        );
      }
      await call("api.updateTagMasking", { path: { tag_group_id }, body: { database_id, friendly_name, masking }, signal });
      return { tag_group_id, database_id, friendly_name, masking };
    },
  }),

  defineTool({
    name: "disconnect_tag",
    title: "Disconnect a tag",
    description:
      "Disconnect a tag: ALTR stops masking its columns; fails while policies use it.",
    toolset: "tags",
    aliases: ["delete_tag"],
    input: { tag_group_id: tagGroupId, ignore_errors: z.boolean().optional().describe("Forget it even if unmasking fails.") },
    annotations: REMOVE,
    operations: ["api.deleteTagMasking", "api.getTagMasking"],
    output: objectOf({ tag_group_id: S.string, disconnected: S.boolean, ...DELETE_OUTCOME }),
    async impact({ tag_group_id }, { call, signal }) {
      const tag = (await call("api.getTagMasking", { path: { tag_group_id }, signal }))
        .item;
      if (!tag?.tag_name) return undefined;
      const where = [tag.database_name, tag.schema_name, tag.tag_name].filter(Boolean).join(".");
      return `tag ${where}: its columns stop being masked`;
    },
    async handler({ tag_group_id, ignore_errors }, { call, signal }) {
      const done = await deleteOnce(
        call("api.deleteTagMasking", { path: { tag_group_id }, ...(ignore_errors === undefined ? {} : { query: { ignore_errors } }), signal }),
        { what: "tag", list: "get_tags", alsoCalled: ["tag masking"] },
      );
      return { tag_group_id, disconnected: done.changed, ...outcome(done) };
    },
  }),

  defineTool({
    name: "disconnect_tag_by_details",
    title: "Disconnect a tag by location",
    description: "Disconnect a tag by where it lives: ALTR stops masking its columns.",
    toolset: "tags",
    aliases: ["delete_tag_by_details"],
    input: {
      database_id: databaseId,
      database_name: name,
      schema_name: name,
      tag_name: name,
      ignore_errors: z.boolean().default(false).describe("Forget it even if cleanup fails."),
    },
    annotations: REMOVE,
    operations: ["api.deleteTagMaskingByDetails"],
    output: objectOf({ database_id: S.integer, schema_name: S.string, tag_name: S.string, disconnected: S.boolean, ...DELETE_OUTCOME }),
    async handler({ ignore_errors, ...tag }, { call, signal }) {
      const done = await deleteOnce(call("api.deleteTagMaskingByDetails", { query: { ignore_errors }, body: tag, signal }), { what: "tag", list: "get_tags", alsoCalled: ["tag masking"] });
      return { database_id: tag.database_id, schema_name: tag.schema_name, tag_name: tag.tag_name, disconnected: done.changed, ...outcome(done) };
    },
  }),
];
