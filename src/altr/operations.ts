/**
 * Operation-keyed calls: `call("altrnet.deleteDatabase", { path, query, body, signal })`. The
 * method and path come from the generated operation table, never from the caller; the path,
 * query, header and body types and the answer's type come from the generated document types.
 * A caller is scoped to the operations a tool declares: another key is a type error, and a
 * thrown programming error at run time.
 */
import type { FetchResponse, RequestBodyOption } from "openapi-fetch";
import { OPERATIONS, type OperationKey, type OperationTypes } from "../generated/operations.js";
import { okWithStatus, type AltrClients } from "./client.js";
import { AltrError, altrMessageOf } from "./errors.js";

type ParamsOf<K extends OperationKey> = OperationTypes[K] extends { parameters: infer P } ? P : {};

/** One parameter group (`path`, `query`, `header`): required when the document requires it, absent when it has none. */
type Group<P, N extends string> = N extends keyof P
  ? [Exclude<P[N], undefined>] extends [never]
    ? { [G in N]?: never }
    : {} extends Pick<P, N>
      ? { [G in N]?: Exclude<P[N], undefined> }
      : { [G in N]: P[N] }
  : { [G in N]?: never };

/** What a call sends besides its operation key. `signal` defaults to the tool call's. */
export type CallInit<K extends OperationKey> = Group<ParamsOf<K>, "path"> &
  Group<ParamsOf<K>, "query"> &
  Group<ParamsOf<K>, "header"> &
  RequestBodyOption<OperationTypes[K]> & { signal?: AbortSignal };

/** The documented success body of an operation. */
export type CallData<K extends OperationKey> = Exclude<
  FetchResponse<OperationTypes[K], {}, `${string}/${string}`>["data"],
  undefined
>;

/**
 * Property signatures, not methods: method parameters are checked bivariantly, which would let a
 * caller scoped to fewer operations pass for one scoped to more.
 */
export interface OperationCaller<Allowed extends OperationKey> {
  /** Sends the operation and returns its success body, or throws the AltrError describing the failure. */
  call: <K extends Allowed>(key: K, init: CallInit<K>) => Promise<CallData<K>>;
  /** `call` that also gives the success status (e.g. 202 = an asynchronous search still runs). */
  callWithStatus: <K extends Allowed>(key: K, init: CallInit<K>) => Promise<{ data: CallData<K> | undefined; status: number }>;
}

/** A handler called an operation its tool does not declare: a bug in the tool, never the caller's fault. */
export class UndeclaredOperationError extends Error {
  constructor(
    readonly tool: string,
    readonly operation: string,
  ) {
    super(`${tool} called ${operation}, which it does not declare in its operations`);
    this.name = "UndeclaredOperationError";
  }
}

/** The untyped shape every service client shares (the types differ per service only at compile time). */
type LooseRequest = (
  method: string,
  path: string,
  init: { params?: Record<string, unknown>; body?: unknown; signal: AbortSignal },
) => Promise<{ data?: unknown; error?: unknown; response: Response }>;

/**
 * The caller a tool's handler gets: only `declared` operations, sent through the service's client
 * (auth, retries, the path builder, the request guard of altr/client.ts).
 */
export function operationCaller<Allowed extends OperationKey>(
  clients: AltrClients,
  tool: string,
  declared: readonly Allowed[],
  signal: AbortSignal,
): OperationCaller<Allowed> {
  const allowed = new Set<OperationKey>(declared);
  const send = (key: OperationKey, init: CallInit<OperationKey>) => {
    if (!allowed.has(key)) throw new UndeclaredOperationError(tool, key);
    const info = OPERATIONS[key];
    const client = clients[info.service as keyof AltrClients] as unknown as { request: LooseRequest };
    const { path, query, header, body, signal: own } = init as {
      path?: unknown;
      query?: unknown;
      header?: unknown;
      body?: unknown;
      signal?: AbortSignal;
    };
    const params: Record<string, unknown> = {};
    if (path !== undefined) params.path = path;
    if (query !== undefined) params.query = query;
    if (header !== undefined) params.header = header;
    return client.request(info.method, info.path, {
      ...(Object.keys(params).length ? { params } : {}),
      ...(body !== undefined ? { body } : {}),
      signal: own ?? signal,
    });
  };
  const checked = async (key: OperationKey, init: CallInit<OperationKey>) => {
    const { data, status } = await okWithStatus(send(key, init));
    successMeansSuccess(key, status, data);
    return { data, status };
  };
  return {
    call: async (key, init) => (await checked(key, init as CallInit<OperationKey>)).data as CallData<typeof key>,
    callWithStatus: async (key, init) => {
      const { data, status } = await checked(key, init as CallInit<OperationKey>);
      return { data: data as CallData<typeof key> | undefined, status };
    },
  };
}

/**
 * Success statuses whose documented body ALTR may leave out, as the curated documents say (the
 * rest of the table comes from the documents themselves: a 2xx declared without content).
 */
const BODY_MAY_BE_EMPTY: Partial<Record<OperationKey, { statuses: readonly number[]; why: string }>> = {
  "api.connectTagMasking": { statuses: [201], why: "ALTR documents 201 without a body; the upstream reads an optional job status" },
  "api.getQueryAuditResults": { statuses: [200, 202], why: "ALTR documents the same body for 200 and 202; it may be empty" },
  "sc_control.getSidecarAuditResults": { statuses: [202], why: "202 means the search still runs: nothing to read yet" },
};

/** Keys of ALTR's answer envelope (`{success, data}` and its message fields), and nothing else. */
const ENVELOPE_KEYS = new Set(["success", "data", "message", "error", "errors", "code", "statusCode"]);

/**
 * A 2xx is a success only if the answer says so: ALTR's envelope with `success: false` is the
 * operation failing (kind `rejected`, with ALTR's message), and a missing, null or empty body
 * where the document promises one (a 204 included) is an answer altr-mcp cannot trust
 * (`invalid_response`). An answer that reports per-item outcomes besides `success` (e.g. token
 * deletion's `unprocessed`) is left to its tool, which reports the partial outcome.
 */
export function successMeansSuccess(key: OperationKey, status: number, data: unknown): void {
  const info = OPERATIONS[key];
  const operation = `${info.method} ${info.path}`;
  const documented = info.bodies[String(status)];
  const promisesBody =
    (documented ?? Object.values(info.bodies).some(Boolean)) && !BODY_MAY_BE_EMPTY[key]?.statuses.includes(status);
  if (promisesBody && (data === undefined || data === null || data === "")) {
    throw new AltrError({
      kind: "invalid_response",
      operation,
      detail: `HTTP ${status} with ${data === null ? "a null body" : "no body"}, where ALTR's document promises one; the outcome is unknown`,
    });
  }
  if (data !== null && typeof data === "object" && !Array.isArray(data)) {
    const body = data as Record<string, unknown>;
    if (body.success === false && Object.keys(body).every((k) => ENVELOPE_KEYS.has(k))) {
      throw new AltrError({ kind: "rejected", operation, status, altrMessage: altrMessageOf(body) ?? "(ALTR gave no reason)" });
    }
  }
}
