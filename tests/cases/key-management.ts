import type { ToolCase } from "./types.js";

export const keyManagementCases: ToolCase[] = [
  {
    tool: "list_tweaks",
    args: {},
    // Without a limit every page is read (following contiguous_id); the upstream reads one page.
    wire: [{ method: "GET", service: "kma", path: "/tweaks" }],
  },
  {
    tool: "get_tweak",
    args: { name: "ssn-tweak", sequence: "1" },
    wire: [{ method: "GET", service: "kma", path: "/tweaks/ssn-tweak", query: { sequence: "1" } }],
  },
  {
    tool: "create_tweak",
    args: { name: "ssn-tweak" },
    wire: [{ method: "POST", service: "kma", path: "/tweaks", body: { name: "ssn-tweak" } }],
  },
  {
    tool: "deactivate_tweak",
    args: { name: "ssn-tweak", sequence: "1" },
    wire: [{ method: "PATCH", service: "kma", path: "/tweaks/ssn-tweak/sequence/1/deactivate" }],
  },
  {
    tool: "list_keys",
    args: { namespace: "fpe", limit: 50, contain: "ssn", status: "active" },
    // With a limit: one page, exactly the upstream's call.
    wire: [{ method: "GET", service: "kma", path: "/keys/fpe", query: { limit: "50", contain: "ssn", status: "active" } }],
  },
  {
    tool: "get_key",
    args: { namespace: "fpe", name: "customer ssn" },
    wire: [{ method: "GET", service: "kma", path: "/keys/fpe/customer%20ssn" }],
  },
  {
    tool: "create_key",
    args: { namespace: "fpe", name: "customer-ssn" },
    wire: [{ method: "POST", service: "kma", path: "/keys", body: { name: "customer-ssn", namespace: "fpe" } }],
  },
  {
    tool: "deactivate_key",
    args: { namespace: "fpe", name: "customer-ssn", sequence: "1" },
    wire: [{ method: "PATCH", service: "kma", path: "/keys/fpe/customer-ssn/sequence/1/deactivate" }],
  },
  {
    tool: "rotate_key",
    args: { namespace: "fpe", name: "customer-ssn", sequence: "2" },
    wire: [{ method: "PATCH", service: "kma", path: "/keys/fpe/customer-ssn/sequence/2/rotate" }],
  },
];
