/** Pieces shared by every domain's tool table. */
import { z } from "zod";
import { AltrError } from "../altr/errors.js";
import type { JsonSchema } from "../schema/json-schema.js";

/** Most pages one tool call reads before it hands back a continuation cursor. */
export const MAX_PAGES = 20;

/** The `offset` parameter of tools that page with offsets and return `next_offset`. */
export const offsetParam = z.number().int().min(0).optional();

/** Continuation token of the lists ALTR pages with `contiguous_id`. */
export const contiguousId = z.string().min(1).optional();


export const databaseId = z.number().int().min(1);

/** `schema` with extra documented properties (for answers that add e.g. a continuation cursor). */
export function withProperties(schema: JsonSchema, extra: Record<string, JsonSchema>): JsonSchema {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  return { ...schema, properties: { ...properties, ...extra } };
}

/** Opaque continuation cursors: base64url JSON, so callers pass them back unchanged. */
export const cursor = {
  encode(value: unknown): string {
    return Buffer.from(JSON.stringify(value)).toString("base64url");
  },
  decode<T>(text: string, check: (v: unknown) => v is T): T | undefined {
    try {
      const value: unknown = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
      return check(value) ? value : undefined;
    } catch {
      return undefined;
    }
  },
};

/** True for an IANA time-zone name this runtime knows (e.g. America/New_York, UTC). */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * Annotation presets. Every tool talks to ALTR, so openWorldHint is always true. A tool whose
 * flags differ (e.g. a destructive call that is not idempotent) spells them out.
 */
export const READ = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true } as const;
/** Creates something new each time. */
export const CREATE = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true } as const;
/** Sets something to a given state; repeating it changes nothing further. */
export const UPDATE = { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true } as const;
/** Removes data, access or protection; repeating it changes nothing further. */
export const REMOVE = { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true } as const;

/** Free text that must not be blank (descriptions, justifications, names ALTR echoes back). */
export const text = z.string().trim().min(1);

/**
 * The read of a read-modify-write tool failed: a 403 there means the key may lack read
 * permission (it may still be allowed to write), so the error names the read the tool needs.
 * Nothing was written. Any other failure passes through unchanged.
 */
export function readFirstFailure(err: unknown, tool: string, readTool: string): unknown {
  if (!(err instanceof AltrError) || err.status !== 403) return err;
  return err.withHint(`${tool} needs read permission on ${readTool}: it reads the current record before writing it. Nothing was changed.`);
}
