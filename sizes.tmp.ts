import { toolList } from "./scripts/tool-snapshot.ts";
import { writeFileSync } from "node:fs";
const l = toolList() as any[];
writeFileSync(process.argv[2]!, JSON.stringify(Object.fromEntries(l.map((t) => [t.name, JSON.stringify(t).length]))));
