/**
 * Node's HTTP objects ↔ the SDK's web-standard streamable-HTTP transport, without the
 * @hono/node-server bridge the SDK's Node wrapper uses. Profiled at 32 sessions, that wrapper
 * flushed every SSE answer's headers on their own (one socket write) and wrote the event and the
 * chunked terminator in a second one, a third of the server's socket-write time; here an answer
 * that is ready at once (a tool call's result) leaves in one write: headers, event and end.
 *
 * - Request: method, URL and headers only. The body is the one Express already parsed (the
 *   transport reads no body when it is given one).
 * - JSON / empty answers (errors, 202, stateless JSON mode): one write with Content-Length.
 * - SSE answers: the headers wait for the first event (at most HEADERS_WAIT_MS, then they go
 *   alone, so a client's headers timeout never meets a long call); events written in the same
 *   turn of the event loop leave together (the socket is corked until the next tick). A GET
 *   stream (server-to-client notifications) sends its headers at once.
 * - The client going away cancels the stream: the transport forgets it, as with the SDK's wrapper.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import type { AuthInfo } from "@modelcontextprotocol/sdk/server/auth/types.js";

/** An SSE answer's headers are held this long for its first event, then sent alone. */
export const HEADERS_WAIT_MS = 1000;

/** The web Request the transport reads: method, URL, headers (Host falls back to loopback). */
export function webRequest(req: IncomingMessage): Request {
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
  const path = req.url ?? "/";
  let url: URL;
  try {
    url = new URL(path, `http://${req.headers.host ?? "localhost"}`);
  } catch {
    // A Host header that is no authority (the Host check runs only where configured).
    url = new URL(path, "http://localhost");
  }
  return new Request(url, { method: req.method ?? "GET", headers });
}

function headersOf(response: Response): Record<string, string> {
  const out: Record<string, string> = {};
  response.headers.forEach((value, key) => {
    out[key] = value;
  });
  return out;
}

/** Writes a web Response to node's ServerResponse (see the module comment for the write rules). */
export async function writeResponse(response: Response, res: ServerResponse, opts: { streamHeadersAtOnce: boolean }): Promise<void> {
  const headers = headersOf(response);
  const body = response.body;
  if (!body || !headers["content-type"]?.startsWith("text/event-stream")) {
    const bytes = body ? Buffer.from(await response.arrayBuffer()) : undefined;
    if (bytes) headers["content-length"] = String(bytes.length);
    res.writeHead(response.status, headers).end(bytes);
    return;
  }
  res.writeHead(response.status, headers);
  const reader = body.getReader();
  let early: NodeJS.Timeout | undefined;
  if (opts.streamHeadersAtOnce) res.flushHeaders();
  else {
    early = setTimeout(() => res.flushHeaders(), HEADERS_WAIT_MS);
    early.unref();
  }
  const cancel = () => void reader.cancel().catch(() => undefined);
  res.once("close", cancel);
  let corked = false;
  const uncork = () => {
    corked = false;
    if (!res.writableEnded) res.uncork();
  };
  try {
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) break;
      clearTimeout(early);
      if (res.destroyed) {
        cancel();
        break;
      }
      if (!corked) {
        corked = true;
        res.cork();
        process.nextTick(uncork);
      }
      res.write(chunk.value);
    }
  } finally {
    clearTimeout(early);
    res.off("close", cancel);
    // end() uncorks fully: whatever this turn wrote leaves in one write with the terminator.
    if (!res.writableEnded) res.end();
  }
}

/** One request through the web-standard transport, answered on `res`. */
export async function handleWeb(
  transport: WebStandardStreamableHTTPServerTransport,
  req: IncomingMessage,
  res: ServerResponse,
  parsedBody?: unknown,
  authInfo?: AuthInfo,
): Promise<void> {
  const response = await transport.handleRequest(webRequest(req), {
    ...(parsedBody !== undefined ? { parsedBody } : {}),
    ...(authInfo !== undefined ? { authInfo } : {}),
  });
  await writeResponse(response, res, { streamHeadersAtOnce: req.method === "GET" });
}
