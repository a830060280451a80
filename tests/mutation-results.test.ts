/**
 * Result shaping (src/server/result.ts), redaction (src/log/redact.ts) and the ALTR error
 * (src/altr/errors.ts) unit by unit: the exact envelope, what is cleaned and what is kept, what
 * is redacted and scrubbed (every encoded form), the message and hint of every error kind.
 * Written to kill the mutants `npm run mutate` found surviving.
 */
import { advertisedData } from "../src/server/advertise.js";
import { describe, expect, it } from "vitest";
import { AltrError, altrMessageOf, STATUS_HINTS } from "../src/altr/errors.js";
import { collectSecrets, isSensitiveName, REDACTED, redactArgs, scrub } from "../src/log/redact.js";
import { clean, errorResult, outputSchemaFor, sanitize, successResult, toToolError } from "../src/server/result.js";
import { InputError, ToolFailure } from "../src/tools/define.js";

/** The envelope a result carries as its text. */
function textEnvelope(r: { content: unknown[] }): unknown {
  return JSON.parse((r.content[0] as { text: string }).text);
}

describe("clean() and sanitize()", () => {
  it("remove controls and format characters, keep tab, newline and CR", () => {
    expect(clean("a\u0000b\u0007c\u007Fd\u200Be\u202Ef\u2066g\uFEFFh\u{E0041}i\t\n\rj")).toBe("abcdefghi\t\n\rj");
    expect(clean("plain é 字")).toBe("plain é 字");
  });
  it("walk strings, keys, arrays and nested objects; leave other values alone", () => {
    expect(sanitize({ "k\u200Bey": ["v\u202Ea", { x: "y\u0000" }, 1, null, true] })).toEqual({ key: ["va", { x: "y" }, 1, null, true] });
    expect(sanitize(null)).toBeNull();
    expect(sanitize(5)).toBe(5);
  });
});

describe("successResult()", () => {
  it("is the exact envelope, as text and as structuredContent", () => {
    const r = successResult({ a: "x\u200By" });
    expect(r.isError).toBeUndefined();
    expect(r.structuredContent).toEqual({ success: true, data: { a: "xy" }, error: null });
    expect(r.content).toEqual([{ type: "text", text: '{"success":true,"data":{"a":"xy"},"error":null}' }]);
  });
  it("undefined data is null; verbatim data is not cleaned", () => {
    expect(successResult(undefined).structuredContent).toEqual({ success: true, data: null, error: null });
    expect(successResult(undefined, { verbatim: true }).structuredContent).toEqual({ success: true, data: null, error: null });
    expect(successResult({ a: "x\u200By" }, { verbatim: true }).structuredContent!.data).toEqual({ a: "x\u200By" });
  });
});

describe("errorResult() and toToolError()", () => {
  const SECRET = "s3cr3t/+&value";
  it("input errors say nothing was sent (or only read) and name the fields", () => {
    expect(toToolError(new InputError("id: bad", ["id"]))).toEqual({ kind: "invalid_input", message: "id: bad. Nothing was sent to ALTR.", fields: ["id"] });
    expect(toToolError(new InputError("confirm: required", ["confirm"], "read")).message).toBe(
      "confirm: required. Nothing was changed in ALTR (only read).",
    );
  });
  it("ALTR errors carry kind, status, ALTR's message, hint and attempts — and only those present", () => {
    const e = new AltrError({ kind: "http", status: 404, altrMessage: "no such id", attempts: 2, operation: "GET /x" });
    expect(toToolError(e)).toEqual({ kind: "http", message: e.message, attempts: 2, status: 404, altr_message: "no such id", hint: STATUS_HINTS[404] });
    expect(toToolError(new AltrError({ kind: "http", status: 418 }))).toEqual({ kind: "http", message: "ALTR API returned HTTP 418.", attempts: 1, status: 418 });
    expect(Object.keys(toToolError(new AltrError({ kind: "cancelled" })))).toEqual(["kind", "message", "attempts", "hint"]);
    expect(Object.keys(toToolError(new AltrError({ kind: "http", status: 418 })))).toEqual(["kind", "message", "attempts", "status"]);
  });
  it("tool failures keep their kind and data; anything else is internal and says only its class", () => {
    const f = new ToolFailure("partial_failure", "half done", { done: 1, note: "a\u200Bb" });
    const r = errorResult(f, []);
    // Errors carry the envelope as text only (the output schema describes successes).
    expect(r.structuredContent).toBeUndefined();
    expect(textEnvelope(r)).toEqual({ success: false, data: { done: 1, note: "ab" }, error: { kind: "partial_failure", message: "half done" } });
    expect(toToolError(new TypeError(`leak ${SECRET}`))).toEqual({
      kind: "internal",
      message: "altr-mcp failed unexpectedly: TypeError. See the server log for details.",
    });
    expect(toToolError("thrown string").message).toBe("altr-mcp failed unexpectedly: error. See the server log for details.");
  });
  it("secrets are scrubbed from the message and from ALTR's message, in every encoded form, and cleaned", () => {
    const e = new AltrError({ kind: "http", status: 400, altrMessage: `bad ${encodeURIComponent(SECRET)} and ${JSON.stringify(SECRET)}\u202E` });
    const r = errorResult(e, [SECRET]);
    const err = (textEnvelope(r) as { error: { message: string; altr_message: string } }).error;
    expect(err.altr_message).toBe(`bad ${REDACTED} and "${REDACTED}"`);
    expect(err.message).not.toContain(SECRET);
    expect(err.message).not.toContain(encodeURIComponent(SECRET));
    expect(err.message).not.toContain("\u202E");
    expect(r.isError).toBe(true);
    expect(r.content).toHaveLength(1);
    expect(textEnvelope(errorResult(new Error("x"), []))).toMatchObject({ success: false, data: null });
  });
});

describe("outputSchemaFor()", () => {
  it("describes the success envelope only, with the documented data as its advertised signature", () => {
    const data = { type: "object", properties: { id: { type: "string" } } };
    const s = outputSchemaFor(data) as Record<string, unknown>;
    expect(s.type).toBe("object");
    expect(s.properties).toEqual({
      success: { const: true },
      data: advertisedData(data),
      truncated: { const: true },
      truncation: { type: "object" },
    });
  });
});

describe("redaction", () => {
  it("names that look like credentials are sensitive; others are not", () => {
    for (const n of ["password", "PASS", "db_passwd", "client_secret", "token", "Credentials", "api_key", "apiKey", "API-KEY", "private_key", "privatekey", "connection_string", "Authorization"]) {
      expect(isSensitiveName(n), n).toBe(true);
    }
    for (const n of ["name", "database_id", "key", "tag_value", "role"]) expect(isSensitiveName(n), n).toBe(false);
  });
  it("redactArgs hides declared and credential-named values at any depth, shortens long strings", () => {
    const out = redactArgs(
      { id: 1, note: "n".repeat(201), short: "s".repeat(200), list: [{ password: "p" }, "x"], deep: { secret_ref: { a: 1 } }, mine: "v", nul: null },
      new Set(["mine"]),
    );
    expect(out).toEqual({
      id: 1,
      note: `${"n".repeat(200)}…`,
      short: "s".repeat(200),
      list: [{ password: REDACTED }, "x"],
      deep: { secret_ref: REDACTED },
      mine: REDACTED,
      nul: null,
    });
  });
  it("collectSecrets gathers string and number values of 4+ characters under sensitive keys, JSON strings value by value", () => {
    const got = collectSecrets(
      {
        password: "abcd",
        token: "abc",
        mine: 12345,
        other: "visible",
        nested: { api_key: ["k1k1", { x: "k2k2" }] },
        credentials: '{"user":"uuuu","pw":["pppp"]}',
        broken_secret: "{not json",
        flag: { secret: true },
      },
      new Set(["mine"]),
    );
    expect([...got].sort()).toEqual(["12345", '{"user":"uuuu","pw":["pppp"]}', "abcd", "k1k1", "k2k2", "pppp", "uuuu", "{not json"].sort());
    // Only objects and arrays given as JSON (leading blanks allowed) are parsed.
    expect([...collectSecrets({ password: '  {"a":"inner1"}' }, new Set())].sort()).toEqual(['  {"a":"inner1"}', "inner1"]);
    expect([...collectSecrets({ password: '"{x1234}"' }, new Set())]).toEqual(['"{x1234}"']);
    const into = new Set(["pre"]);
    expect(collectSecrets({ password: "zzzz" }, new Set(), into)).toBe(into);
    expect([...into]).toEqual(["pre", "zzzz"]);
  });
  it("scrub replaces every occurrence of the raw, percent-encoded and JSON-escaped forms; empty secrets are ignored", () => {
    const s = 'a"b c/d';
    const text = `${s} ${s} ${encodeURIComponent(s)} ${JSON.stringify(s).slice(1, -1)}`;
    expect(scrub(text, ["", s])).toBe(`${REDACTED} ${REDACTED} ${REDACTED} ${REDACTED}`);
    expect(scrub("nothing here", [""])).toBe("nothing here");
  });
});

describe("AltrError", () => {
  it("says what happened per kind, with the operation, the attempts and the detail", () => {
    expect(new AltrError({ kind: "http", status: 503, statusText: "Unavailable", operation: "GET /a", attempts: 3, altrMessage: "busy" }).message).toBe(
      "ALTR API returned HTTP 503 Unavailable (GET /a) after 3 attempts: busy. ALTR had an internal problem. For reads, try again shortly; for changes, list the resource first to see whether the change was applied.",
    );
    expect(new AltrError({ kind: "timeout", operation: "GET /a" }).message).toBe(
      "ALTR API request timed out (GET /a). ALTR did not answer in time (ALTR_TIMEOUT_SECONDS). Check that the action did not happen before repeating a change.",
    );
    expect(new AltrError({ kind: "network", detail: "ECONNREFUSED", attempts: 2 }).message).toBe(
      "Could not connect to the ALTR API after 2 attempts: ECONNREFUSED. Could not reach ALTR: check the network, proxy settings and the ALTR_*_BASE_URL variables.",
    );
    expect(new AltrError({ kind: "network" }).message).toBe(
      "Could not connect to the ALTR API. Could not reach ALTR: check the network, proxy settings and the ALTR_*_BASE_URL variables.",
    );
    expect(new AltrError({ kind: "network", afterSend: true, detail: "ECONNRESET" }).message).toBe(
      "Lost the connection to the ALTR API while reading its answer: ECONNRESET. ALTR received the request but the answer was lost. For a change, check whether it was applied (list or get the resource) before repeating it.",
    );
    expect(new AltrError({ kind: "network", afterSend: true }).message).toMatch(/^Lost the connection to the ALTR API while reading its answer\. /);
    expect(new AltrError({ kind: "cancelled", operation: "GET /a", attempts: 2 }).message).toBe("ALTR API request cancelled (GET /a). The call was cancelled by the client.");
    expect(new AltrError({ kind: "invalid_response", detail: "not JSON" }).message).toBe(
      "ALTR API returned an unreadable response: not JSON. ALTR answered with a body altr-mcp could not read; try again, and report it if it persists.",
    );
    expect(new AltrError({ kind: "invalid_response" }).message).toMatch(/^ALTR API returned an unreadable response\. /);
    expect(new AltrError({ kind: "http", status: 499 }).message).toBe("ALTR API returned HTTP 499.");
    expect(new AltrError({ kind: "http", status: 500 }).hint).toMatch(/^ALTR had an internal problem/);
    expect(new AltrError({ kind: "http" }).hint).toBeUndefined();
  });

  it("only a network failure after send gets the lost-answer hint", () => {
    expect(new AltrError({ kind: "timeout", afterSend: true }).hint).toMatch(/^ALTR did not answer in time/);
    expect(new AltrError({ kind: "invalid_response", afterSend: true }).hint).toMatch(/^ALTR answered with a body/);
    expect(new AltrError({ kind: "network", afterSend: true }).hint).toMatch(/^ALTR received the request but the answer was lost/);
  });

  it("a 404 on a repeated DELETE may mean the first attempt deleted it", () => {
    const hint = (init: ConstructorParameters<typeof AltrError>[0]) => new AltrError(init).hint;
    expect(hint({ kind: "http", status: 404, attempts: 2, operation: "DELETE /x/{id}" })).toMatch(/^Not found on a repeated attempt/);
    expect(hint({ kind: "http", status: 404, attempts: 1, operation: "DELETE /x/{id}" })).toBe(STATUS_HINTS[404]);
    expect(hint({ kind: "http", status: 404, attempts: 2, operation: "GET /x/{id}" })).toBe(STATUS_HINTS[404]);
    expect(hint({ kind: "http", status: 404, attempts: 2 })).toBe(STATUS_HINTS[404]);
    expect(hint({ kind: "http", status: 410, attempts: 2, operation: "DELETE /x" })).toBeUndefined();
  });

  it("fields, name, withOperation and withAltrMessage", () => {
    const e = new AltrError({ kind: "http", status: 400, altrMessage: "bad wire_key" });
    expect(e).toMatchObject({ name: "AltrError", kind: "http", status: 400, altrMessage: "bad wire_key", attempts: 1, operation: undefined });
    const named = e.withOperation("POST /p");
    expect(named.operation).toBe("POST /p");
    expect(named.message).toContain("(POST /p)");
    expect(named.withOperation("GET /other")).toBe(named);
    const rewritten = e.withAltrMessage((m) => m.replace("wire_key", "caller_key"));
    expect(rewritten.altrMessage).toBe("bad caller_key");
    expect(rewritten.message).toContain(": bad caller_key.");
    const none = new AltrError({ kind: "timeout" });
    expect(none.withAltrMessage(() => "x")).toBe(none);
  });
});

describe("altrMessageOf()", () => {
  it.each([
    ["  plain text  ", "plain text"],
    ["", undefined],
    ["   ", undefined],
    ["x".repeat(500), "x".repeat(500)],
    ["x".repeat(501), undefined],
    ["<html>error</html>", undefined],
    [null, undefined],
    [42, undefined],
    [{ message: " m " }, "m"],
    [{ message: "  ", detail: "d" }, "d"],
    [{ error_description: "ed" }, "ed"],
    [{ title: "t" }, "t"],
    [{ message: 5, data: { message: "inner" } }, "inner"],
    [{ data: " s " }, "s"],
    [{ error: { detail: "deep" } }, "deep"],
    [{ response: { message: "sc" } }, "sc"],
    [{ data: {}, error: "e" }, "e"],
    [{ data: "   ", error: "e" }, "e"],
    [undefined, undefined],
    [true, undefined],
    [{ errors: [{ message: "a" }, "b", {}, { detail: "c" }, "d", "e", "f"] }, "a; b; c; d; e"],
    [{ errors: [{}] }, undefined],
    [{ errors: "not a list" }, undefined],
    [{}, undefined],
  ] as const)("%j → %j", (body, expected) => {
    expect(altrMessageOf(body)).toBe(expected);
  });
});
