/**
 * The presigned download's URL guards (src/altr/presigned.ts) at their edges: the first and
 * last address of every blocked range and the neighbours just outside it, and the URL checks.
 * (The download's own edges are in tests/classification-presigned.test.ts, which has the local
 * server standing in for the object store.) Written for the mutation run (npm run mutate).
 */
import { describe, expect, it } from "vitest";
import { checkPresignedUrl, classifyAddress, PRESIGNED_DEFAULTS, safeUrl } from "../src/altr/presigned.js";

describe("classifyAddress: every blocked range, first and last address, and its neighbours", () => {
  const RANGES: [first: string, last: string, before: string | null, after: string | null][] = [
    ["0.0.0.0", "0.255.255.255", null, "1.0.0.0"],
    ["10.0.0.0", "10.255.255.255", "9.255.255.255", "11.0.0.0"],
    ["100.64.0.0", "100.127.255.255", "100.63.255.255", "100.128.0.0"],
    ["169.254.0.0", "169.254.255.255", "169.253.255.255", "169.255.0.0"],
    ["172.16.0.0", "172.31.255.255", "172.15.255.255", "172.32.0.0"],
    ["192.0.0.0", "192.0.0.255", "191.255.255.255", "192.0.1.0"],
    ["192.0.2.0", "192.0.2.255", "192.0.1.255", "192.0.3.0"],
    ["192.88.99.0", "192.88.99.255", "192.88.98.255", "192.88.100.0"],
    ["192.168.0.0", "192.168.255.255", "192.167.255.255", "192.169.0.0"],
    ["198.18.0.0", "198.19.255.255", "198.17.255.255", "198.20.0.0"],
    ["198.51.100.0", "198.51.100.255", "198.51.99.255", "198.51.101.0"],
    ["203.0.113.0", "203.0.113.255", "203.0.112.255", "203.0.114.0"],
    ["224.0.0.0", "239.255.255.255", "223.255.255.255", null],
    ["240.0.0.0", "255.255.255.255", null, null],
    ["64:ff9b:1::", "64:ff9b:1:ffff:ffff:ffff:ffff:ffff", "64:ff9b:0:ffff:ffff:ffff:ffff:ffff", "64:ff9b:2::"],
    ["100::", "100::ffff:ffff:ffff:ffff", "ff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "100:0:0:1::"],
    ["2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db9::"],
    ["fc00::", "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", null],
    ["fe80::", "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", null],
    ["fec0::", "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", null, null],
    ["ff00::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", null],
  ];
  it.each(RANGES)("%s – %s", (first, last, before, after) => {
    expect(classifyAddress(first)).toBe("non_public");
    expect(classifyAddress(last)).toBe("non_public");
    if (before) expect(classifyAddress(before)).toBe(before === "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" ? "non_public" : "public");
    if (after) expect(classifyAddress(after)).toBe("public");
  });
  it("loopback is 127.0.0.0/8 and ::1 only; :: is blocked; ::2 is the IPv4-compatible form of 0.0.0.2, so not public either", () => {
    expect(classifyAddress("127.0.0.0")).toBe("loopback");
    expect(classifyAddress("127.255.255.255")).toBe("loopback");
    expect(classifyAddress("126.255.255.255")).toBe("public");
    expect(classifyAddress("128.0.0.0")).toBe("public");
    expect(classifyAddress("::")).toBe("non_public");
    expect(classifyAddress("::2")).toBe("non_public");
  });
});

describe("checkPresignedUrl", () => {
  it("names host and path only, never the signature", () => {
    const u = new URL("https://b.example/r.json?X-Amz-Signature=sig");
    expect(safeUrl(u)).toBe("b.example/r.json");
    expect(() => checkPresignedUrl("https://u:p@b.example/r.json?X-Amz-Signature=sig")).toThrow("the download URL b.example/r.json carries user credentials");
    expect(() => checkPresignedUrl("https://u@b.example/r.json")).toThrow(/carries user credentials/);
    expect(() => checkPresignedUrl("http://b.example/r.json")).toThrow("the download URL must use https (got http)");
    expect(() => checkPresignedUrl("::")).toThrow("the download URL is not a valid URL");
    expect(() => checkPresignedUrl("https://10.0.0.1:8443/r.json")).toThrow("the download host 10.0.0.1:8443 is not a public address");
  });
  it("localhost names are loopback in any case; public names and literals pass", () => {
    for (const u of ["https://LOCALHOST/r", "https://a.b.Localhost/r"]) {
      expect(() => checkPresignedUrl(u)).toThrow(/not a public address/);
      expect(checkPresignedUrl(u, true).protocol).toBe("https:");
    }
    expect(checkPresignedUrl("https://notlocalhost.example/r").hostname).toBe("notlocalhost.example");
    expect(checkPresignedUrl("https://[2606:4700::1111]/r").hostname).toBe("[2606:4700::1111]");
    expect(checkPresignedUrl("https://8.8.8.8/r").hostname).toBe("8.8.8.8");
    expect(PRESIGNED_DEFAULTS).toEqual({ timeoutMs: 30_000, maxBytes: 5 * 1_048_576, maxRedirects: 3 });
  });
});
