/**
 * Masking levels of policy rules (`masking_policy`): the one table of their names, used by the
 * server's instructions and masking-levels resource (server/guidance.ts) and by the masking
 * matrix view (views/levels.ts), which runs in the browser and so may import nothing heavier.
 */
export const MASKING_LEVELS: readonly { level: number; name: string }[] = [
  { level: 10000, name: "no mask" },
  { level: 10001, name: "full mask" },
  { level: 10002, name: "email" },
  { level: 10003, name: "show last four" },
  { level: 10004, name: "constant" },
  { level: 10005, name: "null" },
  { level: 10006, name: "full-mask hash" },
  { level: 10007, name: "email hash" },
  { level: 10008, name: "last-four hash" },
  { level: 10009, name: "constant date" },
];
