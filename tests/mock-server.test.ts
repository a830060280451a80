import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { startMockServers, type MockServers } from "../mock-server/prism.js";

const specDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures/mock-server");
const auth = { authorization: `Basic ${Buffer.from("key:secret").toString("base64")}` };
const json = { ...auth, "content-type": "application/json" };

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => (address && typeof address === "object" ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
  });
}

describe("in-process Prism mock servers", () => {
  let mocks: MockServers;
  let base: string;
  const stdoutWrite = vi.spyOn(process.stdout, "write");

  beforeAll(async () => {
    mocks = await startMockServers({ specDir });
    base = mocks.urls["altrnet"] ?? "";
  });
  afterAll(async () => {
    await mocks.close();
    stdoutWrite.mockRestore();
  });
  beforeEach(() => mocks.reset());

  it("starts one server per service document, each on its own port", () => {
    expect(Object.keys(mocks.urls).sort()).toEqual(["altrnet", "classification"]);
    expect(new Set(Object.values(mocks.urls)).size).toBe(2);
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it("(c) answers a valid request with the documented example and records no violation", async () => {
    const res = await fetch(`${base}/api/databases?limit=5`, { headers: auth });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: [{ id: 1, name: "sales" }] });
    const created = await fetch(`${base}/api/databases`, { method: "POST", headers: json, body: '{"name":"hr"}' });
    expect(created.status).toBe(201);
    await created.arrayBuffer();
    expect(res.headers.get("sl-violations")).toBeNull();
    expect(mocks.violations).toEqual([]);
  });

  it("(a) rejects a bad body with 422 when the operation declares no 4xx, and records it", async () => {
    const res = await fetch(`${base}/api/databases`, { method: "POST", headers: json, body: '{"port":"x"}' });
    expect(res.status).toBe(422);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    await res.arrayBuffer();
    expect(mocks.violations).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ service: "altrnet", method: "POST", path: "/api/databases", severity: "Error", location: ["request", "body"] }),
        expect.objectContaining({ location: ["request", "body", "port"], message: expect.stringContaining("integer") }),
      ]),
    );
    expect(mocks.violations).toHaveLength(2);
  });

  it("(b) records a bad query value even when the operation answers with its declared 400", async () => {
    const res = await fetch(`${base}/api/databases?limit=abc`, { headers: auth });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: "bad request" });
    expect(res.headers.get("sl-violations")).toContain("limit");
    expect(mocks.violations).toEqual([
      expect.objectContaining({ method: "GET", path: "/api/databases", location: ["request", "query", "limit"] }),
    ]);
  });

  it("records response violations (an example that breaks its own schema)", async () => {
    const res = await fetch(`${base}/api/broken`, { headers: auth });
    expect(res.status).toBe(500); // errors: true turns response violations into an error
    await res.arrayBuffer();
    expect(mocks.violations).toEqual([
      expect.objectContaining({ path: "/api/broken", location: ["response", "body", "id"] }),
    ]);
  });

  it("answers 401 without HTTP Basic credentials", async () => {
    const res = await fetch(`${mocks.urls["classification"]}/classifiers`);
    expect(res.status).toBe(401);
    await res.arrayBuffer();
    expect(mocks.violations).toEqual([expect.objectContaining({ service: "classification", severity: "Error" })]);
  });

  it("honours Prefer: code= and example=", async () => {
    const byCode = await fetch(`${base}/api/databases/7`, { headers: { ...auth, prefer: "code=404" } });
    expect(byCode.status).toBe(404);
    expect(await byCode.json()).toEqual({ error: "database not found" });
    const byExample = await fetch(`${base}/api/databases/7`, { headers: { ...auth, prefer: "code=404, example=gone" } });
    expect(await byExample.json()).toEqual({ error: "database deleted" });
    expect(mocks.violations).toEqual([]);
    const undeclared = await fetch(`${base}/api/databases/7`, { headers: { ...auth, prefer: "code=418" } });
    await undeclared.arrayBuffer();
    expect(mocks.violations).toEqual([expect.objectContaining({ message: expect.stringContaining("418") })]);
  });

  it("records unknown paths as violations", async () => {
    const res = await fetch(`${base}/no/such/path`, { headers: auth });
    expect(res.status).toBe(404);
    await res.arrayBuffer();
    expect(mocks.violations).toEqual([expect.objectContaining({ path: "/no/such/path", location: ["request"] })]);
  });

  it("captures every request in order with full url, lowercased headers and the raw body", async () => {
    const body = '{ "name" : "raw text kept" }';
    await (await fetch(`${base}/api/databases?limit=2`, { headers: { ...auth, "X-Trace-Id": "t-1" } })).arrayBuffer();
    await (await fetch(`${base}/api/databases`, { method: "POST", headers: json, body })).arrayBuffer();
    expect(mocks.requests).toHaveLength(2);
    const [list, create] = mocks.requests;
    expect(list).toMatchObject({ service: "altrnet", method: "GET", url: `${base}/api/databases?limit=2`, body: "" });
    expect(list?.headers["x-trace-id"]).toBe("t-1");
    expect(list?.headers["authorization"]).toBe(auth.authorization);
    expect(create).toMatchObject({ method: "POST", url: `${base}/api/databases`, body });
    expect(create?.headers["content-type"]).toBe("application/json");
    mocks.reset();
    expect(mocks.requests).toEqual([]);
  });

  it("keeps stdout clean", () => {
    expect(stdoutWrite).not.toHaveBeenCalled();
  });

  it("close() frees the ports, basePort/ports pick fixed ones", async () => {
    const probe = await startMockServers({ specDir, services: ["altrnet"], ports: { altrnet: 0 } });
    const port = Number(new URL(probe.urls["altrnet"] ?? "").port);
    await probe.close();
    expect(await canListen(port)).toBe(true);

    const [base0, other] = [await freePort(), await freePort()];
    const fixed = await startMockServers({ specDir, basePort: base0, ports: { classification: other } });
    // altrnet is SERVICES[0] so it gets basePort; the explicit port wins for classification
    expect(fixed.urls).toEqual({ altrnet: `http://127.0.0.1:${base0}`, classification: `http://127.0.0.1:${other}` });
    expect(await canListen(base0)).toBe(false);
    await fixed.close();
    expect(await canListen(base0)).toBe(true);
    expect(await canListen(other)).toBe(true);
  });

  it("rejects unknown services and missing documents", async () => {
    await expect(startMockServers({ specDir, services: ["nope"] })).rejects.toThrow(/unknown service/);
    await expect(startMockServers({ specDir, services: ["vault"] })).rejects.toThrow(/no OpenAPI document/);
  });
});
