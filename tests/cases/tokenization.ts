import type { ToolCase } from "./types.js";

// Labels are the caller's; the wire carries positional field000, field001, … in label order.
const VAULT_TOKENS = {
  ssn: "vaultn_8KzQ2mW4pR7tY1vX3cB6nD9fG0hJ5kL2",
  card: "vaultn_3HsT6uV9wX2yZ5aB8cD1eF4gH7iJ0kL3",
};
const CRITICAL_TOKENS = {
  ssn: "token_D4xX6U0dvORHDCOSrfTFhV7tRea2T1ek0RUpLCKbEKZYyVp3oVYPgKOvTyiDRa1W",
  card: "token_fKK064rOjZqHQlacME1kf3niLiBaTwS7Mpf6wla1R7EmwZP4fYeMADGgp9ODPSBG",
};
const PLAIN = { ssn: "123-45-6789", card: "4111 1111 1111 1111" };
const wire = (o: { ssn: string; card: string }) => ({ field000: o.ssn, field001: o.card });

export const tokenizationCases: ToolCase[] = [
  {
    tool: "vault_tokenize",
    args: { values: PLAIN, deterministic: true },
    wire: [{ method: "POST", service: "vault", path: "/batch", body: wire(PLAIN) }],
  },
  {
    tool: "vault_detokenize",
    args: { tokens: VAULT_TOKENS },
    wire: [{ method: "PUT", service: "vault", path: "/batch", body: wire(VAULT_TOKENS) }],
  },
  {
    tool: "vault_partial_detokenize",
    args: { values: { ssn: VAULT_TOKENS.ssn, card: "already plain" } },
    wire: [{ method: "PUT", service: "vault", path: "/batch/partial", body: { field000: VAULT_TOKENS.ssn, field001: "already plain" } }],
  },
  {
    tool: "vault_delete_tokens",
    args: { tokens: VAULT_TOKENS },
    wire: [{ method: "PUT", service: "vault", path: "/batch/delete", body: wire(VAULT_TOKENS) }],
  },
  {
    tool: "critical_tokenize",
    args: { values: PLAIN },
    wire: [{ method: "POST", service: "critical", path: "/batch", body: wire(PLAIN) }],
  },
  {
    tool: "critical_detokenize",
    args: { tokens: CRITICAL_TOKENS },
    wire: [{ method: "PUT", service: "critical", path: "/batch", body: wire(CRITICAL_TOKENS) }],
  },
  {
    tool: "critical_partial_detokenize",
    args: { values: { ssn: CRITICAL_TOKENS.ssn, card: "already plain" } },
    wire: [
      { method: "PUT", service: "critical", path: "/batch/partial", body: { field000: CRITICAL_TOKENS.ssn, field001: "already plain" } },
    ],
  },
  {
    tool: "critical_delete_tokens",
    args: { tokens: CRITICAL_TOKENS },
    wire: [{ method: "PUT", service: "critical", path: "/batch/delete", body: wire(CRITICAL_TOKENS) }],
  },
];
