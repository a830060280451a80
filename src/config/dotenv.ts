/**
 * `.env` may tighten, never loosen.
 *
 * MCP clients start stdio servers in the user's project directory, so a `.env` there is written
 * by whoever wrote the project. It may supply credentials and everyday settings, and it may add
 * restrictions (users of the Python server keep theirs there), but it must not redirect the
 * credentials or loosen a safety setting: those come only from the real environment or the
 * command line. Every variable the configuration reads is classified in VARIABLES (a test proves
 * the table covers them all); a `.env` line that tries something it may not is named in a
 * warning (never its value) and ignored. Names the configuration does not read are ignored.
 */
import { existsSync, readFileSync } from "node:fs";
import { parseEnv } from "node:util";
import { SERVICES } from "./services.js";

/**
 * - `credential`: ORG_ID, MAPI_KEY, MAPI_SECRET — `.env` fills what the environment lacks.
 * - `setting`: changes nothing about who gets the credentials or what may run unasked — `.env`
 *   fills what the environment lacks.
 * - `restrict-list`: RESTRICTED_TOOLS — the union of both.
 * - `restrict-true`: a boolean whose `true` is the safe side — `.env` may turn it on, never off.
 * - `narrow-selection`: ALTR_TOOLSETS / ALTR_TOOLS — `.env` may only narrow the tools the real
 *   environment enables (intersection, applied where the tool table is known: cli/start.ts).
 * - `protected`: redirects the credentials, opens the server to more clients, or weakens a check —
 *   real environment or command line only.
 */
export type VariableClass = "credential" | "setting" | "restrict-list" | "restrict-true" | "narrow-selection" | "protected";

const BASE_URL_VARIABLES = Object.fromEntries(
  Object.values(SERVICES).map((s) => [s.env, "protected"] as const),
) as Record<(typeof SERVICES)[keyof typeof SERVICES]["env"], "protected">;

/** Every variable the configuration reads, and what a `.env` line may do with it. */
export const VARIABLES = {
  ORG_ID: "credential",
  MAPI_KEY: "credential",
  MAPI_SECRET: "credential",
  // Where the credentials go: never from .env.
  ...BASE_URL_VARIABLES,
  // Who can reach the server and how it checks them.
  MCP_TRANSPORT: "protected", // stdio → HTTP would open a listener using the user's credentials
  MCP_HOST: "protected",
  MCP_AUTH_TOKEN: "protected",
  MCP_ALLOWED_ORIGINS: "protected",
  MCP_ALLOWED_HOSTS: "protected",
  MCP_STATELESS: "protected", // stateless HTTP cannot ask the user (no elicitation): weaker confirmation
  MCP_MAX_BODY_BYTES: "protected", // abuse limits of an HTTP server
  MCP_MAX_SESSIONS: "protected",
  MCP_SESSION_IDLE_SECONDS: "protected",
  // OAuth resource server (config/oauth.ts): who may call, and whose keys sign their tokens.
  MCP_OAUTH_ISSUER: "protected",
  MCP_OAUTH_RESOURCE: "protected",
  MCP_OAUTH_JWKS_URL: "protected",
  MCP_OAUTH_INTROSPECTION_URL: "protected",
  MCP_OAUTH_CLIENT_ID: "protected",
  MCP_OAUTH_CLIENT_SECRET: "protected",
  // Only moves the listener on the host the real environment chose: reach, token and Host/Origin
  // checks are unchanged; the worst a hostile value does is make the server unreachable.
  MCP_PORT: "setting",
  // What may run, and whether it asks first.
  RESTRICTED_TOOLS: "restrict-list",
  ALTR_READ_ONLY: "restrict-true",
  ALTR_CONFIRM_DESTRUCTIVE: "restrict-true",
  ALTR_TOOLSETS: "narrow-selection",
  ALTR_TOOLS: "narrow-selection",
  SUPPORT_MODE: "restrict-true", // the operator's read-only latch
  // Offers the support-mode tools and troubleshooting prompts: they can only latch a session
  // read-only, and an unlock needs the user (a form) or a latch the session armed itself.
  SUPPORT_PROMPTS: "setting",
  // Everyday settings.
  REQUEST_TIMEOUT: "setting",
  MAX_RETRY_AFTER: "setting",
  LOG_FORMAT: "setting",
  LOG_LEVEL: "setting",
  MAX_RETRIES: "setting",
  DISABLE_RETRY: "setting",
  ALTR_TIMEOUT_SECONDS: "setting",
  ALTR_RETRY_BASE_DELAY_MS: "setting",
  ALTR_RETRY_MAX_DELAY_MS: "setting",
  ALTR_MAX_RESPONSE_BYTES: "setting",
  // Bounded to 4 KiB .. 8 MiB by loadSettings (under the stdio client's 10 MiB): no way around it.
  ALTR_MAX_RESULT_BYTES: "setting",
} as const satisfies Record<string, VariableClass>;

export type VariableName = keyof typeof VARIABLES;

/**
 * Where the `.env`'s ALTR_TOOLSETS / ALTR_TOOLS travel to cli/start.ts: the resolved tools are
 * intersected with the real environment's selection there. Setting them in the real environment
 * only narrows too.
 */
export const DOTENV_TOOLSETS = "ALTR_DOTENV_TOOLSETS";
export const DOTENV_TOOLS = "ALTR_DOTENV_TOOLS";

const TRUE = new Set(["true", "1", "yes", "on"]);
const FALSE = new Set(["false", "0", "no", "off", ""]);

export type Warn = (message: string) => void;

/** Warnings go to stderr before any logger exists (stdout belongs to the stdio transport). */
export const warnToStderr: Warn = (message) => {
  process.stderr.write(`WARNING: ${message}\n`);
};

const set = (v: string | undefined): v is string => v !== undefined && v.trim() !== "";

const splitList = (v: string | undefined) =>
  (v ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * The environment with what `.env` in `cwd` may add (see the module comment). The real
 * environment's values are kept as they are.
 */
export function withDotEnv(env: NodeJS.ProcessEnv, cwd = process.cwd(), warn: Warn = warnToStderr): NodeJS.ProcessEnv {
  const file = `${cwd}/.env`;
  if (!existsSync(file)) return env;
  return mergeDotEnv(env, parseEnv(readFileSync(file, "utf8")), warn);
}

export function mergeDotEnv(env: NodeJS.ProcessEnv, fromFile: NodeJS.Dict<string>, warn: Warn = warnToStderr): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env };
  const ignored = (name: string, why: string) => warn(`.env sets ${name}, ignored: ${why}`);
  for (const [name, value] of Object.entries(fromFile)) {
    if (value === undefined || !Object.hasOwn(VARIABLES, name)) continue;
    const kind: VariableClass = VARIABLES[name as VariableName];
    const real = env[name];
    switch (kind) {
      case "credential":
      case "setting":
        if (!set(real)) out[name] = value;
        break;
      case "protected":
        ignored(name, "it may only come from the real environment or the command line");
        break;
      case "restrict-list": {
        const merged = [...new Set([...splitList(real), ...splitList(value)])];
        if (merged.length > 0) out[name] = merged.join(",");
        break;
      }
      case "restrict-true": {
        const s = value.trim().toLowerCase();
        const realOn = set(real) ? TRUE.has(real.trim().toLowerCase()) : name === "ALTR_CONFIRM_DESTRUCTIVE";
        if (TRUE.has(s)) out[name] = "true";
        else if (!FALSE.has(s)) ignored(name, "it must be true or false");
        else if (realOn) ignored(name, "a .env may turn this safety setting on, never off");
        break;
      }
      case "narrow-selection": {
        if (value.trim() !== "") out[name === "ALTR_TOOLSETS" ? DOTENV_TOOLSETS : DOTENV_TOOLS] = value;
        break;
      }
    }
  }
  return out;
}
