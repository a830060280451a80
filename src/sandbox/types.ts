/**
 * The sandbox's shapes: its state, the engine's interface, and what an override receives. Kept
 * apart so the engine (which dispatches to overrides) and the overrides (which use the engine's
 * context) do not import each other.
 */
import type { ServiceName } from "../config/services.js";
import type { JsonSchema } from "../schema/json-schema.js";
import type { Document, Operation } from "./documents.js";
import type { Item, Json } from "./values.js";

/** Everything the sandbox holds: items per collection, keyed "<service> <concrete path>". */
export interface SandboxState {
  version: 1;
  collections: Record<string, Item[]>;
  /** The highest numeric id handed out per collection template, so a deleted id is never reused. */
  lastIds?: Record<string, number>;
}

export interface Violation {
  kind: "request" | "response";
  operation: string;
  message: string;
}

export interface Sandbox {
  fetch(request: Request): Promise<Response>;
  /** The current state (a live reference; clone before keeping). */
  state(): SandboxState;
  /** Requests answered so far. */
  readonly requests: number;
  /** Requests the documents rejected (400) and answers that broke them (500), in order. */
  readonly violations: Violation[];
  /**
   * The sandbox's stand-in for a presigned object-store download (a classification report):
   * nothing leaves the machine; the "file" is the job's findings as the sandbox holds them.
   */
  download(url: string): Promise<unknown>;
  /** Replaces the state with another (what another process wrote to the shared state file). */
  load(state: SandboxState): void;
}

export interface SandboxOptions {
  baseUrls: Record<ServiceName, string>;
  /** Starting state (a copy is taken). */
  state: SandboxState;
  /** Called after every request that changed the state. */
  onChange?: (state: SandboxState) => void;
  now?: () => Date;
}

export interface Reply {
  status: number;
  body?: Json;
}

/** A collection: list operation, where its items sit in the list answer, and its item template. */
export interface Collection {
  template: string;
  list: Operation;
  arrayPath: string[];
  item: JsonSchema;
  itemTemplate?: string;
  idParam?: string;
  idProp?: string;
}

/** What an override gets: the request, the state, and the generic behaviours to reuse. */
export interface Context {
  doc: Document;
  op: Operation;
  params: Record<string, unknown>;
  body: unknown;
  now: Date;
  /** The items of a collection (created from the list example on first use); mutate in place. */
  items(template: string, params?: Record<string, unknown>): Item[];
  collection(template: string): Collection | undefined;
  /** Items the sandbox keeps under a key of its own in this service (empty at first); mutate in place. */
  store(key: string): Item[];
  /** Another service's items, by full state key ("<service> <path>"); mutate in place. */
  shared(key: string): Item[];
  /** The request's headers (lower-case names). */
  headers: Headers;
  /** Marks a read that changed the state (a job moved on): it is saved like a write. */
  progressed(): void;
  /** The generic answer for this request. */
  generic(): Reply;
  /** A list answer of `op` holding these items. */
  listReply(items: Item[]): Reply;
  /** The success answer of `op` carrying this item (or its id). */
  itemReply(item: Item, collection: Collection, status?: number): Reply;
  /** The documented error answer with this message. */
  error(status: number, message: string): Reply;
}

export type Override = (ctx: Context) => Reply;
