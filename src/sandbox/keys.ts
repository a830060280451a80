/**
 * Key management: a key version is found by namespace, name and sequence among the namespace's
 * keys (the list the sandbox keeps); deactivating sets its status, rotating re-wraps it (`rotated:
 * true`, sequence and material unchanged, as documented). A deactivated version cannot rotate (404).
 */
import type { Context, Override, Reply } from "./types.js";
import { str, type Item } from "./values.js";


function version(ctx: Context, then: (key: Item) => Reply): Reply {
  const keys = ctx.items("/keys/{namespace}", { namespace: ctx.params.namespace });
  const key = keys.find((k) => k.name === str(ctx.params.name) && str(k.sequence ?? "1") === str(ctx.params.sequence));
  if (!key) return ctx.error(404, `key ${str(ctx.params.namespace)}/${str(ctx.params.name)} has no sequence ${str(ctx.params.sequence)}`);
  return then(key);
}

export const KEYS: Record<string, Override> = {
  "kma.deactivateKey": (ctx) =>
    version(ctx, (key) => {
      key.status = "deactivated";
      return { status: 200, body: key };
    }),
  "kma.rotateKey": (ctx) =>
    version(ctx, (key) => {
      // The document lists no 400 here: a deactivated version is answered as not found (no active version).
      if (key.status === "deactivated") return ctx.error(404, `key ${str(key.name)} sequence ${str(key.sequence)} is deactivated and cannot be rotated`);
      key.rotated = true;
      return { status: 200, body: key };
    }),
};
