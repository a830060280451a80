/**
 * What the HTTP transport (src/transports/http.ts) says when it cannot listen, for the mutation
 * run (group transport). A port below 1024 cannot be refused reliably here (tests may run as
 * root), so node:http's server is the real one with listen() failing with the error code Node
 * gives; a real port in use is tested in tests/mutation-transport.test.ts. Once listening, a
 * failed accept (EMFILE) is logged: before, with no "error" listener left, it ended the process.
 */
import type * as http from "node:http";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { silentLogger } from "../src/log/logger.js";
import { captureLog } from "./helpers/log-capture.js";
import { ListenError, startHttp } from "../src/transports/http.js";
import { baseUrlsFrom, connect, type Harness } from "./helpers/harness.js";
import { httpOptions } from "./helpers/http-options.js";

const failWith: { code: string | undefined } = { code: undefined };
/** The last server node:http created (the transport's). */
const created: { server: http.Server | undefined } = { server: undefined };

vi.mock("node:http", async (importOriginal) => {
  const actual = await importOriginal<typeof http>();
  const createServer = ((...args: Parameters<typeof actual.createServer>) => {
    const server = actual.createServer(...args);
    created.server = server;
    const listen = server.listen.bind(server);
    server.listen = ((...listenArgs: unknown[]) => {
      if (failWith.code === undefined) return (listen as (...a: unknown[]) => http.Server)(...listenArgs);
      const err = Object.assign(new Error(`listen ${failWith.code}`), { code: failWith.code });
      process.nextTick(() => server.emit("error", err));
      return server;
    }) as typeof server.listen;
    return server;
  }) as typeof actual.createServer;
  return { ...actual, createServer, default: { ...actual, createServer } };
});

let h: Harness;
beforeAll(async () => {
  h = await connect({ baseUrls: baseUrlsFrom("http://127.0.0.1:9") });
});
afterAll(async () => {
  failWith.code = undefined;
  await h.close();
});

describe("listen errors", () => {
  const start = async (code: string) => {
    failWith.code = code;
    try {
      return await startHttp(h.host, httpOptions({ host: "127.0.0.1", port: 80 }), silentLogger()).catch((e: unknown) => e);
    } finally {
      failWith.code = undefined;
    }
  };

  it.each([
    ["EADDRINUSE", "Port 80 on 127.0.0.1 is already in use: set MCP_PORT (or --port) to a free port"],
    ["EACCES", "Not permitted to listen on 127.0.0.1:80: set MCP_PORT (or --port) to a port above 1023"],
    ["EADDRNOTAVAIL", "Cannot listen on 127.0.0.1:80: MCP_HOST is not an address of this machine"],
  ])("%s is a ListenError saying what to change", async (code, message) => {
    const err = await start(code);
    expect(err).toBeInstanceOf(ListenError);
    expect((err as Error).message).toBe(message);
  });

  it("any other error is passed on as it is", async () => {
    const err = await start("EMFILE");
    expect(err).not.toBeInstanceOf(ListenError);
    expect(err).toMatchObject({ code: "EMFILE", message: "listen EMFILE" });
  });

  it("the real listen still works in this file (the failure is only the planted one)", async () => {
    const r = await startHttp(h.host, httpOptions({}), silentLogger());
    expect(r.port).toBeGreaterThan(0);
    await r.close();
  });

  it("once listening, a connection that cannot be accepted is logged; the server keeps serving", async () => {
    const log = captureLog("info");
    const r = await startHttp(h.host, httpOptions({}), log.logger);
    try {
      const accept = Object.assign(new Error("accept EMFILE"), { code: "EMFILE", syscall: "accept" });
      // Without a listener, emit() throws the error (in production: an uncaught exception).
      expect(() => created.server!.emit("error", accept)).not.toThrow();
      expect(log.text()).toMatch(/"level":50,.*"code":"EMFILE","err":"accept EMFILE","msg":"HTTP server could not accept a connection"/);
      const res = await fetch(`${r.url}/healthz`);
      expect(res.status).toBe(200);
    } finally {
      await r.close();
    }
  });
});
