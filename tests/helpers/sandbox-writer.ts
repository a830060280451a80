/**
 * One process of the concurrent state-file test: opens the sandbox on the given state file and
 * creates one database through the normal client layer, then prints the id it was given.
 * Usage: node --import tsx tests/helpers/sandbox-writer.ts STATE_FILE NAME
 */
import { prepare } from "../../src/cli/start.js";

const [file, name] = process.argv.slice(2);
if (!file || !name) throw new Error("usage: sandbox-writer.ts STATE_FILE NAME");
const prepared = await prepare({ LOG_LEVEL: "silent", ALTR_TOOLSETS: "all" }, { sandbox: { stateFile: file } });
const result = await prepared.host.call(
  "create_database",
  {
  friendly_database_name: name,
  database_type: "mysql",
  database_name: "orders",
  database_username: "altr_svc",
  database_password: `pw-${name}`,
  hostname: "orders.db.internal",
  database_port: 3306,
  },
  new AbortController().signal,
);
process.stdout.write(`${JSON.stringify(result)}\n`);
await prepared.close();
