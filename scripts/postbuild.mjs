// Marks the CLI entry executable after `tsc` (npm also does this for `bin` on install).
import { chmodSync } from "node:fs";
chmodSync(new URL("../dist/cli/main.js", import.meta.url), 0o755);
