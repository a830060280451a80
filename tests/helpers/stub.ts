/** A scriptable local HTTP server standing in for ALTR in failure tests (loopback only). */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface StubRequest {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

export type Reply =
  | { status: number; body?: unknown; headers?: Record<string, string>; delayMs?: number }
  | { status: number; bodyFrom: (req: StubRequest) => unknown }
  | { reset: true }
  | { hang: true }
  /** Headers and the first part of the body are sent, then the connection is destroyed. */
  | { status: number; resetMidBody: string; declaredBytes?: number; contentType?: string }
  /** A chunked body of `streamBytes` bytes (no Content-Length), written in `chunkBytes` pieces. */
  | { status: number; streamBytes: number; chunkBytes?: number };

export interface Stub {
  url: string;
  requests: StubRequest[];
  /** Requests whose connection closed before a reply was sent (e.g. the client aborted). */
  abandoned: () => number;
  /** Body bytes written by `streamBytes` replies (stops growing when the client hangs up). */
  streamed: () => number;
  /** Replies used in order for requests matching method and path; the last one repeats. */
  route(method: string, path: string | RegExp, ...replies: Reply[]): void;
  close(): Promise<void>;
}

export async function startStub(): Promise<Stub> {
  const routes: { method: string; path: string | RegExp; replies: Reply[]; used: number }[] = [];
  const requests: StubRequest[] = [];
  const sockets = new Set<Socket>();
  let abandoned = 0;
  let streamed = 0;
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    res.on("close", () => {
      if (!res.writableEnded) abandoned++;
    });
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      const pathname = (req.url ?? "").split("?")[0]!;
      const route = routes.find(
        (r) => r.method === req.method && (typeof r.path === "string" ? r.path === pathname : r.path.test(pathname)),
      );
      if (!route) {
        res.writeHead(599, { "content-type": "text/plain" }).end(`no stub route for ${req.method} ${pathname}`);
        return;
      }
      const reply = route.replies[Math.min(route.used++, route.replies.length - 1)]!;
      if ("reset" in reply) {
        req.socket.destroy();
        return;
      }
      if ("hang" in reply) return;
      if ("resetMidBody" in reply) {
        const part = Buffer.from(reply.resetMidBody, "utf8");
        res.writeHead(reply.status, {
          "content-type": reply.contentType ?? "application/json",
          "content-length": String(reply.declaredBytes ?? part.byteLength * 4 + 64),
        });
        res.write(part, () => setTimeout(() => req.socket.destroy(), 20));
        return;
      }
      if ("streamBytes" in reply) {
        res.writeHead(reply.status, { "content-type": "application/json" });
        const chunk = Buffer.alloc(reply.chunkBytes ?? 16_384, 0x20);
        let left = reply.streamBytes;
        const pump = (): void => {
          while (left > 0 && !res.destroyed) {
            const piece = left >= chunk.byteLength ? chunk : chunk.subarray(0, left);
            left -= piece.byteLength;
            streamed += piece.byteLength;
            if (!res.write(piece)) {
              res.once("drain", pump);
              return;
            }
          }
          if (left <= 0 && !res.destroyed) res.end();
        };
        pump();
        return;
      }
      if ("bodyFrom" in reply) {
        const request = requests[requests.length - 1]!;
        res.writeHead(reply.status, { "content-type": "application/json" }).end(JSON.stringify(reply.bodyFrom(request)));
        return;
      }
      const send = () => {
        const headers: Record<string, string> = { ...(reply.headers ?? {}) };
        let payload = "";
        if (reply.body !== undefined) {
          payload = typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body);
          headers["content-type"] ??= typeof reply.body === "string" ? "text/plain" : "application/json";
        }
        res.writeHead(reply.status, headers).end(payload);
      };
      if (reply.delayMs) setTimeout(send, reply.delayMs);
      else send();
    });
  });
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    abandoned: () => abandoned,
    streamed: () => streamed,
    route(method, path, ...replies) {
      routes.unshift({ method, path, replies, used: 0 });
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
