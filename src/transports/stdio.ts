/**
 * stdio transport: newline-delimited JSON-RPC on stdin/stdout, like the SDK's
 * StdioServerTransport, but every line that is not a message the server can take gets an answer
 * instead of silence or an exit:
 * - a line over the size limit (10 MiB, the SDK's) is skipped up to its newline, logged, and
 *   answered with -32600 (with the request's id when its head names one, else id null); the
 *   transport stays open (the SDK's closed and the server exited 0 without a word);
 * - invalid JSON → -32700; JSON nested deeper than MAX_DEPTH → -32600 before it is parsed (the
 *   SDK answered -32603 "Maximum call stack size exceeded"); a request whose params is not an
 *   object → -32602, any other non-message → -32600 (the SDK dropped both silently).
 * Logs say what was wrong, never the content (it may carry secrets).
 */
import process from "node:process";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { ErrorCode, JSONRPCMessageSchema, type JSONRPCMessage, type RequestId } from "@modelcontextprotocol/sdk/types.js";
import type { Logger } from "../log/logger.js";

/** The SDK's limit for one stdio message. */
export const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;
/** Deeper JSON is refused unparsed: no tool input comes close (they nest a handful of levels). */
export const MAX_DEPTH = 100;

export interface StdioOptions {
  stdin?: NodeJS.ReadableStream;
  stdout?: NodeJS.WritableStream;
  maxMessageBytes?: number;
}

class Refusal {
  constructor(
    readonly code: number,
    readonly message: string,
    readonly id: RequestId | null,
  ) {}
}

/** Deepest array/object nesting of a JSON text, strings skipped; stops counting past `limit`. */
export function jsonDepth(text: string, limit = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) max = depth;
      if (max > limit) return max;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}

/**
 * The id of a request from the head of its text, when it is one of the first top-level members
 * as clients write them (`{"jsonrpc":"2.0","id":…` or `{"id":…`): for answering a message too
 * large to parse. Null when it cannot be told.
 */
export function headId(head: string): RequestId | null {
  const m = /^\s*\{\s*(?:"jsonrpc"\s*:\s*"2\.0"\s*,\s*)?"id"\s*:\s*(-?\d{1,15}|"(?:[^"\\]|\\.){0,200}")\s*[,}]/.exec(head);
  if (!m) return null;
  try {
    const id = JSON.parse(m[1]!) as unknown;
    return typeof id === "number" || typeof id === "string" ? id : null;
  } catch {
    return null;
  }
}

function idOf(value: unknown): RequestId | null {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  const id = (value as { id?: unknown }).id;
  return typeof id === "string" || (typeof id === "number" && Number.isFinite(id)) ? id : null;
}

/** One line → a message for the server, or the refusal to answer with. */
function parseLine(line: string): JSONRPCMessage | Refusal {
  if (jsonDepth(line, MAX_DEPTH) > MAX_DEPTH) {
    return new Refusal(ErrorCode.InvalidRequest, `Invalid input: JSON nested deeper than ${MAX_DEPTH} levels`, headId(line));
  }
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return new Refusal(ErrorCode.ParseError, "Parse error: the line is not valid JSON", null);
  }
  const parsed = JSONRPCMessageSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const id = idOf(value);
  const v = value as { method?: unknown; params?: unknown };
  if (id !== null && typeof v.method === "string" && v.params !== undefined && (typeof v.params !== "object" || v.params === null || Array.isArray(v.params))) {
    return new Refusal(ErrorCode.InvalidParams, "Invalid params: params must be an object", id);
  }
  return new Refusal(ErrorCode.InvalidRequest, "Invalid Request: not a JSON-RPC 2.0 message", id);
}

export class GuardedStdioServerTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private readonly stdin: NodeJS.ReadableStream;
  private readonly stdout: NodeJS.WritableStream;
  private readonly max: number;
  private chunks: Buffer[] = [];
  private size = 0;
  /** Inside an oversized line: bytes are dropped up to its newline. */
  private skipping = false;
  private started = false;

  constructor(
    private readonly log: Pick<Logger, "warn">,
    opts: StdioOptions = {},
  ) {
    this.stdin = opts.stdin ?? process.stdin;
    this.stdout = opts.stdout ?? process.stdout;
    this.max = opts.maxMessageBytes ?? MAX_MESSAGE_BYTES;
  }

  private readonly ondata = (chunk: Buffer | string) => {
    const data = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
    try {
      this.take(data);
    } catch (err) {
      this.onerror?.(err instanceof Error ? err : new Error(String(err)));
    }
  };

  private readonly onStdinError = (err: Error) => {
    this.onerror?.(err);
  };

  async start(): Promise<void> {
    if (this.started) throw new Error("GuardedStdioServerTransport already started");
    this.started = true;
    this.stdin.on("data", this.ondata);
    this.stdin.on("error", this.onStdinError);
  }

  private take(data: Buffer): void {
    let rest = data;
    while (rest.length > 0) {
      const nl = rest.indexOf(0x0a);
      if (this.skipping) {
        if (nl === -1) return;
        this.skipping = false;
        rest = rest.subarray(nl + 1);
        continue;
      }
      const part = nl === -1 ? rest : rest.subarray(0, nl);
      if (this.size + part.length > this.max) {
        this.oversized(Buffer.concat([...this.chunks, part.subarray(0, 4096)]).toString("utf8", 0, 4096));
        this.chunks = [];
        this.size = 0;
        this.skipping = nl === -1;
        rest = nl === -1 ? Buffer.alloc(0) : rest.subarray(nl + 1);
        continue;
      }
      this.chunks.push(part);
      this.size += part.length;
      if (nl === -1) return;
      const line = Buffer.concat(this.chunks, this.size).toString("utf8").replace(/\r$/, "");
      this.chunks = [];
      this.size = 0;
      rest = rest.subarray(nl + 1);
      if (line.trim() !== "") this.handle(line);
    }
  }

  private oversized(head: string): void {
    const id = headId(head);
    this.log.warn({ limitBytes: this.max, id }, "stdio: message larger than the limit, skipped and answered with an error");
    this.refuse(new Refusal(ErrorCode.InvalidRequest, `Invalid Request: message larger than ${this.max} bytes`, id));
  }

  private handle(line: string): void {
    const result = parseLine(line);
    if (result instanceof Refusal) {
      this.log.warn({ code: result.code, reason: result.message, id: result.id }, "stdio: refused a message");
      this.refuse(result);
      return;
    }
    this.onmessage?.(result);
  }

  private refuse(r: Refusal): void {
    void this.write({ jsonrpc: "2.0", id: r.id, error: { code: r.code, message: r.message } });
  }

  private write(message: unknown): Promise<void> {
    return new Promise((resolve) => {
      if (this.stdout.write(`${JSON.stringify(message)}\n`)) resolve();
      else this.stdout.once("drain", resolve);
    });
  }

  send(message: JSONRPCMessage): Promise<void> {
    return this.write(message);
  }

  async close(): Promise<void> {
    this.stdin.off("data", this.ondata);
    this.stdin.off("error", this.onStdinError);
    if (this.stdin.listenerCount("data") === 0) this.stdin.pause();
    this.chunks = [];
    this.size = 0;
    this.onclose?.();
  }
}
