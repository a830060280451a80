/**
 * Secrets echoed back in other forms are scrubbed too (#13 item 6): for each sensitive value —
 * and each secret `key=value` part of a connection string — its URL-encoded, form-encoded,
 * base64/base64url (alone or inside a larger encoded value), JSON-escaped and case-folded forms
 * are taken out of the result and of the log. Hostile case: update_database with
 * `connection_string: "…Password=ConnPw9z;…"` and ALTR answering 400 "… password ConnPw9z …":
 * on main the password was in the result and in the WARN line at the default level.
 * Also: ALTR echoing the decoded Basic credential and the raw MAPI_SECRET (the harness takes its
 * secrets list from the function the CLI's start-up uses).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { connectionSecrets, secretForms } from "../src/log/redact.js";
import { baseUrlsFrom, connect, envelope, TEST_KEY, TEST_SECRET, type Harness } from "./helpers/harness.js";
import { captureLog } from "./helpers/log-capture.js";
import { startStub, type Stub } from "./helpers/stub.js";

let stub: Stub;
let h: Harness;
// The default level (info): the WARN line of a failed call is written.
const captured = captureLog("info");

beforeAll(async () => {
  stub = await startStub();
  h = await connect({ baseUrls: baseUrlsFrom(stub.url), logger: captured.logger, http: { maxAttempts: 1 } });
});
afterAll(async () => {
  await h.close();
  await stub.close();
});
afterEach(() => {
  stub.requests.length = 0;
  captured.clear();
});

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");
const b64url = (s: string) => Buffer.from(s, "utf8").toString("base64url");

/** Every way ALTR (or a proxy in front of it) might echo `secret`. */
function echoes(secret: string): Record<string, string> {
  return {
    raw: secret,
    "URL-encoded": encodeURIComponent(secret),
    "form-encoded": new URLSearchParams({ s: secret }).toString().slice(2),
    base64: b64(secret),
    base64url: b64url(secret),
    "base64 inside a larger value (offset 1)": b64(`x${secret}:tail`),
    "base64 inside a larger value (offset 2)": b64(`xy${secret}`),
    "JSON-escaped": JSON.stringify(secret).slice(1, -1),
    "JSON-escaped twice": JSON.stringify(JSON.stringify(secret)).slice(1, -1),
    "\\u-escaped": JSON.stringify(secret).slice(1, -1).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`),
    "upper-cased": secret.toUpperCase(),
    "lower-cased": secret.toLowerCase(),
  };
}

/** The fragment of an echo that would give the secret away (base64 inside a value: its core). */
function leaks(text: string, echo: string): boolean {
  const t = text.toLowerCase();
  return [echo, JSON.stringify(echo).slice(1, -1)].some((f) => t.includes(f.toLowerCase()));
}

async function updateWithEcho(connection_string: string, message: string, status = 400): Promise<CallToolResult> {
  stub.route("PATCH", "/api/databases/42", status < 300 ? { status, body: { success: true, data: { connectionString: message } } } : { status, body: { message } });
  return h.call("update_database", { database_id: 42, connection_string });
}

const CASES = [
  // The case, and a password with characters every encoding changes.
  { conn: "Server=db.example.com;Database=prod;User=app;Password=ConnPw9z;", secret: "ConnPw9z" },
  { conn: "Driver={ODBC};Server=db;Uid=app;Pwd={Pw 9z/+é~Q!x&y};", secret: "Pw 9z/+é~Q!x&y" },
  { conn: "postgres://app:S3cr%2Ft-Pw@db.example.com:5432/prod?sslmode=require", secret: "S3cr/t-Pw" },
] as const;

describe("a connection string's password echoed in any form", () => {
  for (const { conn, secret } of CASES) {
    for (const [name, echo] of Object.entries(echoes(secret))) {
      it(`${JSON.stringify(secret)} ${name}: not in the error result nor the WARN log line`, async () => {
        const res = await updateWithEcho(conn, `cannot connect with password ${echo} (check it)`);
        // The password really was sent, so the test can fail.
        expect(stub.requests[0]!.body).toContain("connectionString");
        const env = envelope(res);
        expect(env.error!.kind).toBe("http");
        expect(env.error!.altr_message).toContain("[REDACTED]");
        expect(leaks(JSON.stringify(res), echo), JSON.stringify(env.error)).toBe(false);
        expect(captured.text()).toMatch(/"level":40.*tool call failed/);
        expect(leaks(captured.text(), echo), captured.text()).toBe(false);
      });
    }
  }

  it("a successful answer that echoes it (base64, upper-cased) is scrubbed too", async () => {
    for (const echo of [b64("ConnPw9z"), "CONNPW9Z"]) {
      const res = await updateWithEcho(CASES[0].conn, `Password=${echo}`, 200);
      expect(res.isError).toBeFalsy();
      expect(JSON.stringify(res)).not.toContain(echo);
      expect(envelope(res).data).toEqual({ connectionString: "Password=[REDACTED]" });
    }
  });
});

describe("credentials echoed by ALTR (harness secrets = the CLI's list)", () => {
  const credential = `${TEST_KEY}:${TEST_SECRET}`;
  for (const [name, echo] of Object.entries({
    "raw MAPI_SECRET": TEST_SECRET,
    "decoded Basic credential": credential,
    "Basic credential": b64(credential),
    "MAPI_SECRET upper-cased": TEST_SECRET.toUpperCase(),
    "MAPI_SECRET URL-encoded in a query": `?secret=${encodeURIComponent(TEST_SECRET)}&x=1`,
  })) {
    it(`${name}: not in the result nor the log`, async () => {
      stub.route("GET", "/api/databases", { status: 401, body: { message: `bad credentials ${echo}` } });
      const res = await h.call("get_databases");
      expect(envelope(res).error!.altr_message).toContain("[REDACTED]");
      expect(JSON.stringify(res).toLowerCase()).not.toContain(TEST_SECRET.toLowerCase());
      expect(leaks(JSON.stringify(res), echo)).toBe(false);
      expect(leaks(captured.text(), echo)).toBe(false);
      expect(captured.text().toLowerCase()).not.toContain(TEST_SECRET.toLowerCase());
    });
  }
});

describe("the forms themselves", () => {
  it("connection strings: secret parts by key, braces and quotes removed, URL passwords decoded", () => {
    expect(connectionSecrets("Server=x;User Id=u;Password=ConnPw9z;")).toEqual(["ConnPw9z"]);
    expect(connectionSecrets("Driver={x};PWD={a;b c};")).toEqual(["a;b c"]);
    expect(connectionSecrets('Server=x;Password="p;w""d1";')).toEqual(['p;w""d1', 'p;w"d1']);
    expect(connectionSecrets("Server=x;Pwd={ab}}cd};")).toEqual(["ab}}cd", "ab}cd"]);
    expect(connectionSecrets("host=h&user=u&password=p%40ssw0rd&token=abcdEF")).toEqual(["p%40ssw0rd", "p@ssw0rd", "abcdEF"]);
    expect(connectionSecrets("mysql://root:Sup3rS3cret@db:3306/x")).toEqual(["Sup3rS3cret"]);
    expect(connectionSecrets("Server=x;User=admin;Database=prod")).toEqual([]);
  });

  it("a lone surrogate in a secret does not break scrubbing", () => {
    expect(secretForms("ab\uD800cd")).toContain("ab\uD800cd");
  });
});
