/**
 * Key management: format-preserving-encryption tweaks and keys (ALTR's KMA service). Both are
 * versioned by `sequence`; deactivating a version and rotating a key version cannot be undone
 * and are never retried.
 */
import { z } from "zod";
import { paginate, type CallScope } from "../altr/paginate.js";
import { S, objectOf, propertyOf } from "../schema/json-schema.js";
import { defineTool, responseBody, type Tool } from "./define.js";
import { CREATE, MAX_PAGES, READ } from "./common.js";

const noEdgeSpaces = (what: string) =>
  z
    .string()
    .min(1)
    .refine((s) => s.trim() === s, { error: `${what} must not start or end with a space` });

const name = noEdgeSpaces("the name").max(256);
const namespace = noEdgeSpaces("the namespace").describe("Usually fpe.");
const sequence = z.string().trim().min(1).describe("Version id.");
const latestOr = sequence.optional().describe("Version id; omit for the latest.");

const listFilters = {
  contiguous_id: z.string().min(1).optional(),
  limit: z.number().int().min(1).optional().describe("Default: all pages."),
  contain: z.string().min(1).optional(),
  status: z.enum(["active", "deactivated", "any"]).optional(),
};

interface ListArgs {
  contiguous_id?: string | undefined;
  limit?: number | undefined;
  contain?: string | undefined;
  status?: "active" | "deactivated" | "any" | undefined;
}

/** The query of one page: the filters as given, plus where to continue. */
function query(args: ListArgs, at: string | null) {
  return {
    ...(at ? { contiguous_id: at } : {}),
    ...(args.limit !== undefined ? { limit: args.limit } : {}),
    ...(args.contain !== undefined ? { contain: args.contain } : {}),
    ...(args.status !== undefined ? { status: args.status } : {}),
  };
}

/**
 * One page of `limit` when the caller gives one (the upstream's call), otherwise every page up
 * to MAX_PAGES; either way the contiguous_id to continue with when more remain.
 */
async function pages<T>(
  scope: CallScope | undefined,
  args: ListArgs,
  fetchPage: (at: string | null) => Promise<{ items: T[] | undefined; next: string | null | undefined }>,
): Promise<{ items: T[]; next: string | null }> {
  const paged = await paginate<T, string>({
    scope,
    start: args.contiguous_id ?? null,
    maxPages: args.limit !== undefined ? 1 : MAX_PAGES,
    fetchPage: async (at) => {
      const page = await fetchPage(at);
      return { items: page.items ?? [], next: page.next || null };
    },
  });
  return { items: paged.items, next: paged.next };
}

/** Deactivation and rotation cannot be undone, and a second call acts again: never idempotent. */
const IRREVERSIBLE = { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true } as const;

export const keyManagementTools: Tool[] = [
  defineTool({
    name: "list_tweaks",
    title: "List FPE tweaks",
    description: "List FPE tweaks (name, sequence, status).",
    toolset: "key_management",
    input: listFilters,
    annotations: READ,
    operations: ["kma.listTweaks"],
    output: objectOf({
      tweaks: propertyOf(responseBody("kma.listTweaks"), "tweaks"),
      count: S.integer,
      contiguous_id: S.nullableString,
    }),
    async handler(args, { call, signal, scope }) {
      const paged = await pages(scope, args, async (at) => {
        const body = await call("kma.listTweaks", { query: query(args, at), signal });
        return { items: body.tweaks, next: body.contiguous_id };
      });
      return { tweaks: paged.items, count: paged.items.length, contiguous_id: paged.next };
    },
  }),

  defineTool({
    name: "get_tweak",
    title: "Get an FPE tweak",
    description: "Get an FPE tweak by name.",
    toolset: "key_management",
    input: { name, sequence: latestOr },
    annotations: READ,
    operations: ["kma.getTweak"],
    output: responseBody("kma.getTweak"),
    async handler({ name, sequence }, { call, signal }) {
      return call("kma.getTweak", { path: { name }, query: sequence !== undefined ? { sequence } : {}, signal });
    },
  }),

  defineTool({
    name: "create_tweak",
    title: "Create an FPE tweak",
    description: "Create a named FPE tweak.",
    toolset: "key_management",
    input: { name },
    annotations: CREATE,
    operations: ["kma.createTweak"],
    output: responseBody("kma.createTweak"),
    async handler({ name }, { call, signal }) {
      return call("kma.createTweak", { body: { name }, signal });
    },
  }),

  defineTool({
    name: "deactivate_tweak",
    title: "Deactivate an FPE tweak version",
    description: "Deactivate an FPE tweak version for good.",
    toolset: "key_management",
    input: { name, sequence },
    annotations: IRREVERSIBLE,
    operations: ["kma.deactivateTweak"],
    output: responseBody("kma.deactivateTweak"),
    async handler({ name, sequence }, { call, signal }) {
      return call("kma.deactivateTweak", { path: { name, sequence }, signal });
    },
  }),

  defineTool({
    name: "list_keys",
    title: "List FPE keys",
    description: "List a namespace's FPE keys (name, sequence, status).",
    toolset: "key_management",
    input: { namespace, ...listFilters },
    annotations: READ,
    operations: ["kma.listKeys"],
    output: objectOf({
      keys: propertyOf(responseBody("kma.listKeys"), "keys"),
      count: S.integer,
      contiguous_id: S.nullableString,
    }),
    async handler({ namespace, ...args }, { call, signal, scope }) {
      const paged = await pages(scope, args, async (at) => {
        const body = await call("kma.listKeys", { path: { namespace }, query: query(args, at), signal });
        return { items: body.keys, next: body.contiguous_id };
      });
      return { keys: paged.items, count: paged.items.length, contiguous_id: paged.next };
    },
  }),

  defineTool({
    name: "get_key",
    title: "Get an FPE key",
    description: "Get an FPE key by namespace and name.",
    toolset: "key_management",
    input: { namespace, name, sequence: latestOr },
    annotations: READ,
    operations: ["kma.getKey"],
    output: responseBody("kma.getKey"),
    async handler({ namespace, name, sequence }, { call, signal }) {
      return call("kma.getKey", { path: { namespace, name }, query: sequence !== undefined ? { sequence } : {}, signal });
    },
  }),

  defineTool({
    name: "create_key",
    title: "Create an FPE key",
    description: "Create a named FPE key in a namespace.",
    toolset: "key_management",
    input: { namespace, name },
    annotations: CREATE,
    operations: ["kma.createKey"],
    output: responseBody("kma.createKey"),
    async handler({ namespace, name }, { call, signal }) {
      return call("kma.createKey", { body: { name, namespace }, signal });
    },
  }),

  defineTool({
    name: "deactivate_key",
    title: "Deactivate an FPE key version",
    description: "Deactivate an FPE key version for good; it can no longer encrypt.",
    toolset: "key_management",
    input: { namespace, name, sequence },
    annotations: IRREVERSIBLE,
    operations: ["kma.deactivateKey"],
    output: responseBody("kma.deactivateKey"),
    async handler({ namespace, name, sequence }, { call, signal }) {
      return call("kma.deactivateKey", { path: { namespace, name, sequence }, signal });
    },
  }),

  defineTool({
    name: "rotate_key",
    title: "Rotate an FPE key version",
    description: "Re-wrap one FPE key version under a new envelope key (material unchanged); each call rotates again.",
    toolset: "key_management",
    input: { namespace, name, sequence },
    annotations: IRREVERSIBLE,
    operations: ["kma.rotateKey"],
    output: responseBody("kma.rotateKey"),
    async handler({ namespace, name, sequence }, { call, signal }) {
      return call("kma.rotateKey", { path: { namespace, name, sequence }, signal });
    },
  }),
];
