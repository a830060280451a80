/** HttpOptions for in-process HTTP transport tests: loopback, ephemeral port, no token. */
import type { HttpOptions } from "../../src/transports/http.js";

export function httpOptions(extra: Partial<HttpOptions> = {}): HttpOptions {
  return {
    host: "127.0.0.1",
    port: 0,
    authToken: undefined,
    stateless: false,
    allowedOrigins: [],
    allowedHosts: [],
    maxBodyBytes: 1_048_576,
    maxSessions: 100,
    sessionIdleMs: 3_600_000,
    version: "test",
    ...extra,
  };
}
