/**
 * The operations that are reads although their method is not GET, each with why. In a read-only
 * session (ALTR_READ_ONLY=true) the request layer (altr/client.ts) sends GETs and these, and
 * refuses everything else before it leaves. tests/ops-calls.test.ts checks this list against
 * the tool table: exactly the non-GET operations of the tools marked read-only (readOnlyReason).
 */
import type { OperationKey } from "../generated/operations.js";

export const READ_ONLY_OPERATIONS: Readonly<Partial<Record<OperationKey, string>>> = {
  "sc_control.searchSidecarAudits": "the POST runs a search over existing sidecar audits; it changes nothing",
  "api.startQueryAuditSearch": "the POST starts a search over query audits; it changes nothing",
  "altrnet.startSystemAuditQuery": "the POST starts a query over the system audit log; it changes nothing",
};

/** True when `key` only reads: a GET, or listed above. */
export function isReadOperation(key: OperationKey | undefined, method: string): boolean {
  return method === "GET" || (key !== undefined && READ_ONLY_OPERATIONS[key] !== undefined);
}
