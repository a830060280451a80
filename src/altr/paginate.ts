/**
 * Pagination that always terminates: at most `maxPages` requests, and a cursor that does not
 * advance (a repeat, or an offset that does not grow) stops the loop instead of spinning on
 * the same page. When the loop stops before the end, the continuation cursor is returned so
 * the caller can ask for the rest.
 */
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
}

export async function paginate<T, C>(opts: PaginateOptions<T, C>): Promise<Paged<T, C>> {
  const key = opts.key ?? ((c: C) => JSON.stringify(c));
  const seen = new Set<string>();
  const items: T[] = [];
  let cursor: C | null = opts.start ?? null;
  if (cursor !== null) seen.add(key(cursor));
  let pages = 0;
  while (pages < Math.max(1, opts.maxPages)) {
    const page = await opts.fetchPage(cursor);
    pages++;
    // One at a time: spreading a page into push() overflows the call stack past ~150,000 items.
    for (const item of page.items) items.push(item);
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
}): Promise<OffsetPaged<T>> {
  let total: number | undefined;
  const paged = await paginate<T, number>({
    start: opts.start,
    maxPages: opts.maxPages,
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
