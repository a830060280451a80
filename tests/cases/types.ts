import type { ServiceName } from "../../src/config/services.js";

/**
 * One valid call per tool (more where another branch sends another operation), with the exact
 * request(s) it must send — the wire format of the Python server v0.5.1 (its tool names are in
 * tests/fixtures/upstream-tools.json) unless a listed defect is fixed. Each domain keeps
 * its cases in tests/cases/<domain>.ts; the Prism, Pact and redaction tests run them all.
 */
export interface WireCall {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  service: ServiceName;
  /** Path as sent, percent-encoding included. */
  path: string;
  /** Query as sent; a list is a key repeated once per value, in order. */
  query?: Record<string, string | string[]>;
  /** Exact JSON body; undefined = no body at all. */
  body?: unknown;
  /**
   * Pact only: the answer this call gets when it is not the operation's documented success
   * example (e.g. a lookup the tool makes before its write). Default: the document's example.
   */
  response?: unknown;
  /** Pact only: status of that answer (default: the operation's documented success status). */
  status?: number;
}

export interface ToolCase {
  tool: string;
  args: Record<string, unknown>;
  wire: WireCall[];
}

export const POLICY_PATH = "/v1/unified-policy/management/policy";
