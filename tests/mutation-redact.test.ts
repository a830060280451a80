/**
 * Redaction's newer parts (src/log/redact.ts) unit by unit, for the mutation run (group server):
 * the secret parts of connection strings (ADO/ODBC `key=value;` with braced and quoted values, URL
 * query style, `scheme://user:password@host`), every derived form a secret is scrubbed in, the
 * longest-first matcher and the deep scrub of result data. The session-level tests
 * (tests/secret-forms.test.ts) reach this code only through a whole MCP call.
 */
import { describe, expect, it } from "vitest";
import { collectSecrets, connectionSecrets, REDACTED, scrub, scrubDeep, secretForms, secretPattern } from "../src/log/redact.js";

describe("connectionSecrets()", () => {
  it.each([
    // ADO/ODBC: only keys that name a secret; spaces around key, `=` and value trimmed.
    ["Server=db.example;Uid=admin;Pwd=hunter22;Database=sales", ["hunter22"]],
    ["Server=h; Password = spaced1 ;Encrypt=yes", ["spaced1"]],
    ["password=first1;PASSWORD=second2", ["first1", "second2"]],
    ["AccountKey=acct-key-1;AccessKey=acc-key-2;SharedAccessSignature=sig-value-3;Token=tok-4", ["acct-key-1", "acc-key-2", "sig-value-3", "tok-4"]],
    ["User=someone;Server=elsewhere;", []],
    // A braced value may hold `;` and `}}` (an escaped brace): whole, and unescaped.
    ["Driver={ODBC 18};PWD={a;b}}cd};Server=h", ["a;b}}cd", "a;b}cd"]],
    // A quoted value may hold `;` and `""` (an escaped quote): whole, and unescaped.
    ['Server=h;Password="p;""q1";Uid=u', ['p;""q1', 'p;"q1']],
    ["Server=h;Password='ab;cd ef';Uid=u", ["ab;cd ef"]],
    // The same escapes outside their own quoting are not unescaped.
    ['Server=h;Password={x""y1};Uid=u', ['x""y1']],
    ['Server=h;Password="x}}y1";Uid=u', ["x}}y1"]],
    ["Server=h;Password=x}}y1\"\";Uid=u", ['x}}y1""']],
    // Newlines separate parts too.
    ["Server=h;\nsecret=nl-secret\nUid=u", ["nl-secret"]],
    // Shorter than 4 characters once unquoted: not a secret worth scrubbing (it would match words).
    ["Server=h;Pwd=abc;Token={xyz};Secret=\"q\"", []],
    ["Server=h;Pwd=abcd", ["abcd"]],
    // Percent-encoded values: also decoded (`+` is a space), when the decoded form is 4+ long.
    ["Server=h;Password=p%40ss+word", ["p%40ss+word", "p@ss word"]],
    ["Server=h;Password=%41%42", ["%41%42"]],
    ["Server=h;Password=%E0%A4%A", ["%E0%A4%A"]],
    // URL query style (no `;`): `&`, `?` and newlines separate parts.
    ["https://h/db?user=u&password=qwerty&sig=abcd1234", ["qwerty", "abcd1234"]],
    ["token=tok-value\nUser=x", ["tok-value"]],
    ["=abcdefg&apikey=k-e-y-1", ["k-e-y-1"]],
    ["passwordvalue&secretive", []],
    // The key alone decides: a value that looks like a secret under another key is not one.
    ["user=my-token-name&id=password1", []],
    // Quotes are removed only when they enclose the whole value.
    ['password="quoted"rest&x=1', ['"quoted"rest']],
    ["https://h/?password=%E2%82%AC%E2%82%AC", ["%E2%82%AC%E2%82%AC"]],
    ["https://h/?password=%E2%82%AC%E2%82%ACab", ["%E2%82%AC%E2%82%ACab", "€€ab"]],
    // The password of a URL, in either style.
    ["postgres://app:s3cr%40t@db.example:5432/sales", ["s3cr%40t", "s3cr@t"]],
    ["jdbc:x://a:b@c", []],
    ["Server=h;Url=mysql://root:rootpw1@host/db", ["rootpw1"]],
    ["https://user@host/path?x=1", []],
  ])("%j → %j", (text, secrets) => {
    expect(connectionSecrets(text)).toEqual(secrets);
  });

  it("collectSecrets takes a connection string's secret parts besides the whole value", () => {
    expect([...collectSecrets({ connection_string: "Server=h;Pwd=ConnPw9z" }, new Set())]).toEqual(["Server=h;Pwd=ConnPw9z", "ConnPw9z"]);
    // Not under a sensitive key: nothing.
    expect([...collectSecrets({ note: "Server=h;Pwd=ConnPw9z" }, new Set())]).toEqual([]);
  });
});

describe("secretForms()", () => {
  it("a plain secret: as is, and its base64 and base64url forms with every byte alignment", () => {
    expect(secretForms("hunter22")).toEqual([
      "hunter22",
      "aHVudGVyMjI=", // base64 of the whole
      "aHVudGVyMjI", // base64url (no padding)
      "aHVudGVy", // bytes 0..5
      "dW50ZXIy", // bytes 1..6
      "bnRlcjIy", // bytes 2..7
    ]);
  });

  it("a secret with reserved, non-ASCII and JSON-special characters: every encoding of it", () => {
    const forms = secretForms('pä s/"+');
    expect(forms).toEqual([
      'pä s/"+',
      "p%C3%A4%20s%2F%22%2B", // encodeURIComponent
      "p%C3%A4+s%2F%22%2B", // form encoding of the space
      "p%C3%A4%20s/%22+", // encodeURI
      'pä s/\\"+', // JSON-escaped
      'pä s/\\\\\\"+', // JSON-escaped twice
      'p\\u00e4 s/\\"+', // \u escapes (Python's default)
      "cMOkIHMvIis=",
      "cMOkIHMvIis",
      "cMOkIHMv", // bytes 0..5
      "w6Qgcy8i", // bytes 1..6
      "pCBzLyIr", // bytes 2..7
    ]);
  });

  it("base64 with + and / also comes as base64url; cores shorter than 6 characters are left out", () => {
    const secret = "\u00fb\u00ef\u00bf\u00fe"; // bytes c3 bb c3 af c2 bf c3 be
    const forms = secretForms(secret);
    const b64 = Buffer.from(secret).toString("base64");
    expect(b64).toMatch(/[+/]/);
    expect(forms).toContain(b64);
    expect(forms).toContain(Buffer.from(secret).toString("base64url"));
    const core = Buffer.from(secret).subarray(0, 6).toString("base64");
    expect(core).toMatch(/[+/]/);
    expect(forms).toContain(core);
    expect(forms).toContain(core.replace(/\+/g, "-").replace(/\//g, "_"));
    // A 4-byte secret: its 3-byte cores are 4 base64 characters, too short to be told from text.
    expect(secretForms("abcd")).toEqual(["abcd", "YWJjZA==", "YWJjZA"]);
    // 5 bytes: one 6-byte-core alignment would need 6 bytes; none qualifies.
    expect(secretForms("abcde")).toEqual(["abcde", "YWJjZGU=", "YWJjZGU"]);
  });

  it("forms shorter than 4 characters are dropped; a lone surrogate has no percent-encoded form", () => {
    expect(secretForms("ab")).toEqual(["YWI="]);
    // encodeURIComponent and encodeURI throw on it; only the form encoding (U+FFFD) remains.
    expect(secretForms("ab\ud800cdef")).toEqual([
      "ab\ud800cdef",
      "ab%EF%BF%BDcdef",
      "ab\\ud800cdef",
      "ab\\\\ud800cdef",
      "YWLvv71jZGVm",
      "Yu+/vWNk",
      "Yu-_vWNk",
      "77+9Y2Rl",
      "77-9Y2Rl",
    ]);
  });

  it("a character below U+1000 is \\u-escaped with leading zeros; U+007F too", () => {
    expect(secretForms("x\u007fyz")).toContain("x\\u007fyz");
    expect(secretForms("xx\u20acyy")).toContain("xx\\u20acyy");
  });
});

describe("secretPattern() and scrub()", () => {
  it("the longest form is matched first, so a secret that contains another is scrubbed whole", () => {
    expect(scrub("abcdefgh and abcd", ["abcd", "abcdefgh"])).toBe(`${REDACTED} and ${REDACTED}`);
    expect(scrub("abcdefgh and abcd", ["abcdefgh", "abcd"])).toBe(`${REDACTED} and ${REDACTED}`);
  });
  it("case-insensitive and global; no secret (or only empty ones) gives no pattern", () => {
    const p = secretPattern(["Hunter22"])!;
    expect(p.flags).toBe("giu");
    expect("HUNTER22 hunter22".replace(p, "*")).toBe("* *");
    expect(secretPattern([])).toBeUndefined();
    expect(secretPattern(["", ""])).toBeUndefined();
    expect(scrub("a.c abc", ["a.c0"])).toBe("a.c abc");
    expect(scrub("a.c0 abc0", ["a.c0"])).toBe(`${REDACTED} abc0`);
  });
  it("base64 of `key:secret` (a Basic header) is scrubbed whatever the key's length", () => {
    for (const key of ["k", "ke", "key"]) {
      const header = `Basic ${Buffer.from(`${key}:s3cret-value`).toString("base64")}`;
      expect(scrub(header, ["s3cret-value"]), key).toContain(REDACTED);
    }
  });
});

describe("scrubDeep()", () => {
  const pattern = secretPattern(["hunter22"]);
  it("scrubs every string and key at any depth; other values stay", () => {
    const value = { list: ["x hunter22", 5, null, true, { "hunter22-key": ["hunter22"] }], n: 1, s: "ok" };
    expect(scrubDeep(value, pattern)).toEqual({
      list: [`x ${REDACTED}`, 5, null, true, { [`${REDACTED}-key`]: [REDACTED] }],
      n: 1,
      s: "ok",
    });
    expect(value.list[0]).toBe("x hunter22");
  });
  it("without a pattern the very same value comes back", () => {
    const value = { a: ["hunter22"] };
    expect(scrubDeep(value, undefined)).toBe(value);
    const list = ["hunter22"];
    expect(scrubDeep(list, undefined)).toBe(list);
  });
  it("a string, a number and null at the top", () => {
    expect(scrubDeep("hunter22", pattern)).toBe(REDACTED);
    expect(scrubDeep(7, pattern)).toBe(7);
    expect(scrubDeep(null, pattern)).toBeNull();
  });
});
