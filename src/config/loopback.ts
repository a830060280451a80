import ipaddr from "ipaddr.js";

/** A host that never leaves this machine: 127.0.0.0/8, ::1 (also IPv4-mapped) or localhost. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (h === "localhost") return true;
  if (!ipaddr.isValid(h)) return false;
  return ipaddr.process(h).range() === "loopback";
}
