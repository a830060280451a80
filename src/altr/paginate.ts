/**
 * The paging helpers, one family with one cursor convention: every helper answers the items and
 * `next` — where to continue, or null when there is nothing more — and a page token that is
 * "", null or absent means "no further page".
 * - paginate: the core loop over any cursor;
 * - paginateTokens: ALTR's opaque page tokens (contiguous_id, next_page_token), one or more pages;
 * - paginateOffset: offset and total answers (its `next_offset` is the offset to continue from);
 * - onePage: one page passed through, its token normalized.
 *
 * Pagination always terminates: at most `maxPages` requests, and a cursor that does not
 * advance (a repeat, or an offset that does not grow) stops the loop instead of spinning on
 * the same page. When the loop stops before the end, the continuation cursor is returned so
 * the caller can ask for the rest.
 *
 * Given the tool call's `scope` (a handler's `ctx.scope`, tools/define.ts), a loop reports each
 * page it read as a stage of the call's progress, and a cancelled call stops the loop before its
 * next page. The scope is passed, not found in an AsyncLocalStorage: on Node 20 the first
 * AsyncLocalStorage.run() turns on a promise hook for every promise of the process, for good
 * (about a tenth of the HTTP server's allocations per tool call).
 */
import { AltrError } from "./errors.js";

/** One stage of a call's progress (a paging loop, a batch loop): `done` of `total` units. */
export interface ProgressStage {
  report(done: number, total: number | undefined, message: string): void;
}

/** The running tool call, as the paging loops see it: its progress and its cancellation. */
export interface CallScope {
  /** A new stage, counting on from what the call has reported so far. */
  stage(): ProgressStage;
  signal: AbortSignal;
}

export interface Page<T, C> {
  items: T[];
  /** Cursor of the next page; null when this was the last one. */
  next: C | null;
}

export interface Paged<T, C> {
  items: T[];
  /** Where to continue; null when every page was read. */
  next: C | null;
  pages: number;
  /** Why the loop ended early, if it did. */
  stopped?: "page_limit" | "cursor_did_not_advance";
}

export interface PaginateOptions<T, C> {
  fetchPage: (cursor: C | null) => Promise<Page<T, C>>;
  start?: C | null;
  maxPages: number;
  /** Identity of a cursor for repeat detection (default: JSON). */
  key?: (cursor: C) => string;
  /** Items the whole listing holds, when ALTR says: progress then counts items, not pages. */
  totalItems?: () => number | undefined;
  /**
   * The tool call the loop runs in (`ctx.scope`): its progress and its cancellation. Required,
   * undefined only outside a tool call: a loop that forgot it would page on after a cancel.
   */
  scope: CallScope | undefined;
}

export async function paginate<T, C>(opts: PaginateOptions<T, C>): Promise<Paged<T, C>> {
  const key = opts.key ?? ((c: C) => JSON.stringify(c));
  const seen = new Set<string>();
  const items: T[] = [];
  let cursor: C | null = opts.start ?? null;
  if (cursor !== null) seen.add(key(cursor));
  let pages = 0;
  const scope = opts.scope;
  const stage = scope?.stage();
  while (pages < Math.max(1, opts.maxPages)) {
    // A cancelled call asks for no further page (its requests would be refused anyway).
    if (scope?.signal.aborted) {
      throw new AltrError({ kind: "cancelled", hint: `The call was cancelled by the client after ${pages} page(s); no further page was requested.` });
    }
    const page = await opts.fetchPage(cursor);
    pages++;
    // One at a time: spreading a page into push() overflows the call stack past ~150,000 items.
    for (const item of page.items) items.push(item);
    const total = opts.totalItems?.();
    if (total === undefined) stage?.report(pages, undefined, `page ${pages} read, ${items.length} items`);
    else stage?.report(items.length, total, `${items.length} of ${total} items read (page ${pages})`);
    if (page.next === null || page.next === undefined) return { items, next: null, pages };
    const k = key(page.next);
    if (seen.has(k)) return { items, next: null, pages, stopped: "cursor_did_not_advance" };
    seen.add(k);
    cursor = page.next;
  }
  return { items, next: cursor, pages, stopped: "page_limit" };
}

export interface OffsetPaged<T> {
  items: T[];
  /** The total ALTR reported (the number read when it reported none). */
  total: number;
  /** Offset to continue from; null when every page was read. */
  next_offset: number | null;
}

/**
 * Offset paging over answers that carry a page of items and a total: starts at `start`, reads
 * at most `maxPages` pages, and ends on an empty page or when the total is reached.
 */
export async function paginateOffset<T>(opts: {
  start: number;
  maxPages: number;
  fetchPage: (offset: number) => Promise<{ items: T[]; total?: number | null }>;
  scope: CallScope | undefined;
}): Promise<OffsetPaged<T>> {
  let total: number | undefined;
  const paged = await paginate<T, number>({
    scope: opts.scope,
    start: opts.start,
    maxPages: opts.maxPages,
    totalItems: () => (total === undefined ? undefined : Math.max(0, total - opts.start)),
    fetchPage: async (cursor) => {
      const at = cursor ?? opts.start;
      const page = await opts.fetchPage(at);
      total = page.total ?? total;
      return { items: page.items, next: nextOffset(at, page.items.length, total) };
    },
  });
  return { items: paged.items, total: total ?? paged.items.length, next_offset: paged.next };
}

/**
 * Offset paging over a `{list, count}` answer: the next offset is the number of items read so
 * far; an empty page, a reached count or a page that adds nothing ends it.
 */
export function nextOffset(offset: number, received: number, total: number | null | undefined): number | null {
  if (received <= 0) return null;
  const next = offset + received;
  if (typeof total === "number" && next >= total) return null;
  return next;
}

/** A page token as ALTR sends it: "" / null / absent all mean "no further page". */
export function nextToken(value: unknown): string | null {
  return typeof value === "string" && value !== "" ? value : null;
}

/**
 * Pages of an answer that carries an opaque token for the next page: from `start`, at most
 * `maxPages` pages (1 = just the page asked for).
 */
export async function paginateTokens<T>(opts: {
  start: string | undefined;
  maxPages: number;
  fetch: (token: string | undefined) => Promise<{ items: T[] | undefined; next: unknown }>;
  scope: CallScope | undefined;
}): Promise<{ items: T[]; next: string | null }> {
  const paged = await paginate<T, string>({
    scope: opts.scope,
    start: opts.start ?? null,
    maxPages: opts.maxPages,
    fetchPage: async (token) => {
      const page = await opts.fetch(token ?? undefined);
      return { items: page.items ?? [], next: nextToken(page.next) };
    },
  });
  return { items: paged.items, next: paged.next };
}

/**
 * One page of a `contiguous_id` list passed through as ALTR sent it, with its token normalized:
 * null when there is no further page, or when ALTR hands back the token it was given (a cursor
 * that does not advance would make the caller loop).
 */
export function onePage<T extends { contiguous_id?: string | null }>(
  body: T | undefined,
  given: string | undefined,
): Omit<T, "contiguous_id"> & { contiguous_id: string | null } {
  const next = nextToken(body?.contiguous_id);
  return { ...(body ?? ({} as T)), contiguous_id: next !== null && next === given ? null : next };
}
