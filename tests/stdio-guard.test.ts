/**
 * stdio under malformed input, on the built server (`node dist/cli/main.js --sandbox`) with raw
 * bytes on stdin: an oversized message, params as an array, deep nesting, invalid JSON. Each gets
 * a JSON-RPC error, and the server keeps serving (before: silence, or an exit with status 0).
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { afterEach, describe, expect, it } from "vitest";
import { headId, jsonDepth, MAX_DEPTH } from "../src/transports/stdio.js";

const CLI = new URL("../dist/cli/main.js", import.meta.url).pathname;

interface Server {
  child: ChildProcessWithoutNullStreams;
  send(text: string): void;
  /** The next JSON message on stdout (every stdout line must be JSON). */
  next(): Promise<{ id?: unknown; error?: { code: number; message: string }; result?: unknown }>;
  stderr(): string;
  exited: Promise<number | null>;
}

const running: ChildProcessWithoutNullStreams[] = [];
afterEach(() => {
  for (const c of running.splice(0)) c.kill("SIGTERM");
});

function startServer(): Server {
  const child = spawn(process.execPath, [CLI, "--sandbox"], {
    env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "warning" },
    cwd: tmpdir(),
  });
  running.push(child);
  let out = "";
  let err = "";
  const waiting: ((line: string) => void)[] = [];
  const lines: string[] = [];
  child.stdout.on("data", (d: Buffer) => {
    out += d.toString();
    let nl: number;
    while ((nl = out.indexOf("\n")) !== -1) {
      const line = out.slice(0, nl);
      out = out.slice(nl + 1);
      const w = waiting.shift();
      if (w) w(line);
      else lines.push(line);
    }
  });
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  return {
    child,
    send: (text) => child.stdin.write(text),
    next: async () => {
      const line =
        lines.shift() ??
        (await Promise.race([
          new Promise<string>((resolve) => waiting.push(resolve)),
          exited.then((code) => {
            throw new Error(`server exited (${code}) without answering; stderr: ${err}`);
          }),
          new Promise<string>((_r, reject) => setTimeout(() => reject(new Error(`no answer in 10 s; stderr: ${err}`)), 10_000)),
        ]));
      return JSON.parse(line) as Awaited<ReturnType<Server["next"]>>;
    },
    stderr: () => err,
    exited,
  };
}

const INIT = `${JSON.stringify({
  jsonrpc: "2.0",
  id: 0,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "0" } },
})}\n${JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" })}\n`;

async function initialised(): Promise<Server> {
  const s = startServer();
  s.send(INIT);
  expect((await s.next()).id).toBe(0);
  return s;
}

/** The server still answers: tools/list with a fresh id. */
async function stillServes(s: Server, id: number): Promise<void> {
  s.send(`${JSON.stringify({ jsonrpc: "2.0", id, method: "tools/list" })}\n`);
  const answer = await s.next();
  expect(answer.id).toBe(id);
  expect(answer.result).toBeDefined();
}

describe.skipIf(!existsSync(CLI))("stdio with malformed input (built server)", () => {
  it("a message over 10 MiB: logged on stderr, answered -32600 with its id, and the server keeps serving", async () => {
    const s = await initialised();
    const pad = "x".repeat(11 * 1024 * 1024);
    s.send(`{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"get_roles","arguments":{"pad":"${pad}"}}}\n`);
    const answer = await s.next();
    expect(answer).toMatchObject({ id: 7, error: { code: -32600, message: expect.stringMatching(/larger than 10485760 bytes/) } });
    expect(s.stderr()).toMatch(/larger than the limit/);
    expect(s.stderr()).not.toContain("xxxxxxxx");
    await stillServes(s, 8);
  }, 30_000);

  it("an oversized message without a recognisable id gets id null; the bytes after its newline are read normally", async () => {
    const s = await initialised();
    s.send(`{"params":{"pad":"${"y".repeat(10 * 1024 * 1024 + 10)}"}}\n${JSON.stringify({ jsonrpc: "2.0", id: 9, method: "tools/list" })}\n`);
    expect(await s.next()).toMatchObject({ id: null, error: { code: -32600 } });
    expect(await s.next()).toMatchObject({ id: 9, result: expect.anything() });
  }, 30_000);

  it("a request whose params is an array: -32602 with its id (before: no answer at all)", async () => {
    const s = await initialised();
    s.send(`${JSON.stringify({ jsonrpc: "2.0", id: 3, method: "tools/call", params: ["get_roles", {}] })}\n`);
    expect(await s.next()).toMatchObject({ id: 3, error: { code: -32602, message: expect.stringMatching(/params must be an object/) } });
    await stillServes(s, 4);
  });

  it("JSON nested 10,000 levels deep: a clear invalid-input error, not a stack overflow", async () => {
    const s = await initialised();
    const deep = `${"[".repeat(10_000)}${"]".repeat(10_000)}`;
    s.send(`{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"get_roles","arguments":{"x":${deep}}}}\n`);
    const answer = await s.next();
    expect(answer).toMatchObject({ id: 5, error: { code: -32600, message: `Invalid input: JSON nested deeper than ${MAX_DEPTH} levels` } });
    expect(JSON.stringify(answer)).not.toMatch(/call stack/i);
    await stillServes(s, 6);
  });

  it("invalid JSON → -32700 with id null; not a JSON-RPC message → -32600", async () => {
    const s = await initialised();
    s.send("{not json\n");
    expect(await s.next()).toMatchObject({ id: null, error: { code: -32700 } });
    s.send(`${JSON.stringify({ jsonrpc: "1.0", id: 11, method: 5 })}\n`);
    expect(await s.next()).toMatchObject({ id: 11, error: { code: -32600 } });
    s.send("[1,2,3]\n");
    expect(await s.next()).toMatchObject({ id: null, error: { code: -32600 } });
    await stillServes(s, 12);
  });
});

describe("helpers", () => {
  it("jsonDepth ignores brackets inside strings and escapes", () => {
    expect(jsonDepth('{"a":[1,{"b":"[[[{{{\\"]]]"}]}')).toBe(3);
    expect(jsonDepth("[".repeat(500), 100)).toBe(101);
    expect(jsonDepth('"no containers"')).toBe(0);
  });

  it("headId reads the id only where clients write it", () => {
    expect(headId('{"jsonrpc":"2.0","id":42,"method":"x"')).toBe(42);
    expect(headId('{"id":"abc","jsonrpc":"2.0"')).toBe("abc");
    expect(headId('{"jsonrpc":"2.0","method":"x","params":{"id":1}')).toBeNull();
    expect(headId('{"params":{"id":1},"id":2')).toBeNull();
  });
});
