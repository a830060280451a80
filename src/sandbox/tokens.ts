/**
 * Tokenization (vault and critical): every value sent gets a token in its service's documented
 * form (vault `vaultd_`/`vaultn_` + 32 characters, critical `token_` + 64), under exactly the keys
 * sent; detokenizing returns the values. Deterministic tokens (X-ALTR-DETERMINISM: true) are an
 * HMAC of the value; others are random. The sandbox keeps token → value pairs as the vault does.
 */
import { createHmac, randomBytes } from "node:crypto";
import type { Context, Override, Reply } from "./types.js";
import { isRecord, type Item } from "./values.js";

/** Where each service keeps its pairs ({token, value}). */
export const TOKENS = "sandbox/tokens";
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

const base62 = (bytes: Buffer, length: number) => [...bytes].slice(0, length).map((b) => ALPHABET[b % 62]).join("");

function mint(service: string, value: string, deterministic: boolean): string {
  const length = service === "critical" ? 64 : 32;
  const prefix = service === "critical" ? "token_" : deterministic ? "vaultd_" : "vaultn_";
  const bytes = deterministic
    ? Buffer.concat([createHmac("sha512", `altr-mcp sandbox ${service}`).update(value).digest(), createHmac("sha512", `altr-mcp sandbox ${service} 2`).update(value).digest()])
    : randomBytes(length);
  return prefix + base62(bytes, length);
}

const batch = (ctx: Context): [string, string][] => (isRecord(ctx.body) ? Object.entries(ctx.body).map(([k, v]) => [k, String(v)]) : []);

const tokenize: Override = (ctx) => {
  const pairs = ctx.store(TOKENS);
  const deterministic = ctx.headers.get("x-altr-determinism") === "true";
  const data: Record<string, string> = {};
  for (const [key, value] of batch(ctx)) {
    const existing = deterministic ? pairs.find((p) => p.value === value && p.deterministic === true) : undefined;
    const token = existing ? String(existing.token) : mint(ctx.doc.service, value, deterministic);
    if (!existing) pairs.push({ token, value, deterministic });
    data[key] = token;
  }
  return { status: 201, body: { success: true, data } };
};

function detokenize(partial: boolean): Override {
  return (ctx): Reply => {
    const pairs = ctx.store(TOKENS);
    const data: Record<string, string> = {};
    for (const [key, token] of batch(ctx)) {
      const found = pairs.find((p) => p.token === token);
      if (!found && !partial) return ctx.error(400, `${key} is not a valid token; nothing was detokenized`);
      data[key] = found ? String(found.value) : token;
    }
    return { status: 200, body: { success: true, data } };
  };
}

const deleteTokens: Override = (ctx) => {
  const pairs = ctx.store(TOKENS);
  const data: Record<string, string> = {};
  const unprocessed: Item[] = [];
  for (const [key, token] of batch(ctx)) {
    const at = pairs.findIndex((p) => p.token === token);
    if (at < 0) {
      unprocessed.push({ [key]: token, message: "not a valid token", statusCode: 404 });
      continue;
    }
    pairs.splice(at, 1);
    data[key] = "deleted";
  }
  return { status: 200, body: { success: true, data, ...(unprocessed.length ? { unprocessed } : {}) } };
};

export const TOKENIZATION: Record<string, Override> = Object.fromEntries(
  ["vault", "critical"].flatMap((service) => [
    [`${service}.tokenize`, tokenize],
    [`${service}.detokenize`, detokenize(false)],
    [`${service}.partialDetokenize`, detokenize(true)],
    [`${service}.deleteTokens`, deleteTokens],
  ]),
);
