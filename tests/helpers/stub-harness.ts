/**
 * The stub + in-process MCP client pair most behaviour tests use. Call `useStubHarness()` at the
 * top of a test file and use the imported `stub` and `h`: they are live bindings, set in
 * beforeAll (vitest gives every test file its own module instance). Recorded requests are
 * cleared after each test.
 */
import { afterAll, afterEach, beforeAll } from "vitest";
import { baseUrlsFrom, connect, type Harness } from "./harness.js";
import { startStub, type Stub, type StubRequest } from "./stub.js";

export let stub: Stub;
export let h: Harness;

export function useStubHarness(): void {
  beforeAll(async () => {
    stub = await startStub();
    h = await connect({ baseUrls: baseUrlsFrom(stub.url) });
  });
  afterEach(() => {
    stub.requests.length = 0;
  });
  afterAll(async () => {
    await h.close();
    await stub.close();
  });
}

/** A recorded request's query string as an object (the last value of a repeated key). */
export const queryOf = (r: StubRequest): Record<string, string> => Object.fromEntries(new URL(r.url, "http://x").searchParams);
