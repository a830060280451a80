/**
 * The stub + in-process MCP client pair most behaviour tests use. Call `useStubHarness()` at the
 * top of a test file and use the imported `stub` and `h`: they are live bindings, set in
 * beforeAll (vitest gives every test file its own module instance). Recorded requests are
 * cleared after each test.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { baseUrlsFrom, connect, envelope, type Harness } from "./harness.js";
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

/**
 * The standard invalid-input table test: each `[tool, args, field]` is isError, kind
 * invalid_input, names `field`, says nothing was sent, and the stub saw no request.
 * `fields: true` also checks that `error.fields` names the field's root.
 */
export function describeInvalidInput(
  cases: readonly (readonly [tool: string, args: Record<string, unknown>, field: string])[],
  opts: { fields?: boolean } = {},
): void {
  describe("invalid input never reaches ALTR", () => {
    it.each(cases.map(([tool, args, field]) => [tool, args, field] as const))("%s %j → error naming %s", async (tool, args, field) => {
      const res = await h.call(tool, args);
      const env = envelope(res);
      expect(res.isError).toBe(true);
      expect(env.error?.kind).toBe("invalid_input");
      expect(env.error?.message).toContain(field);
      if (opts.fields) expect(env.error?.fields?.join(" ") ?? "").toContain(field.split(/[ .[]/)[0]!);
      expect(env.error?.message).toContain("Nothing was sent to ALTR");
      expect(stub.requests).toHaveLength(0);
    });
  });
}
