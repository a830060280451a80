/**
 * The MCP server: tools/list from the selected table (computed once), tools/call through one
 * pipeline — look up, validate, run, wrap, log — for every tool.
 */
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import {
  CallToolRequestSchema,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
  type CallToolResult,
  type Tool as McpTool,
} from "@modelcontextprotocol/sdk/types.js";
import type { AltrClients } from "../altr/client.js";
import type { PresignedFetch } from "../altr/presigned.js";
import type { Logger } from "../log/logger.js";
import { collectSecrets, redactArgs, scrub } from "../log/redact.js";
import { INSTRUCTIONS } from "./instructions.js";
import { describeTool, selectTools, type Selection } from "./registry.js";
import { errorResult, successResult, toToolError } from "./result.js";
import type { Tool } from "../tools/define.js";
import { ALL_TOOLS } from "../tools/index.js";

export const SERVER_NAME = "altr-mcp";

export interface ServerDeps {
  clients: AltrClients;
  logger: Logger;
  selection: Selection;
  version: string;
  /** Values that must never appear in tool output or logs (MAPI_SECRET). */
  secrets?: string[];
  tools?: readonly Tool[];
  /** Presigned-URL downloads (tests only; production uses altr/presigned.ts's guarded download). */
  presigned?: PresignedFetch;
}

export interface ToolHost {
  /** A new SDK Server wired to the shared tool table (one per HTTP session; one for stdio). */
  createServer(): Server;
  listed: McpTool[];
  call(name: string, args: unknown, signal: AbortSignal): Promise<CallToolResult>;
}

export function createToolHost(deps: ServerDeps): ToolHost {
  const table = deps.tools ?? ALL_TOOLS;
  const selected = selectTools(table, deps.selection);
  const listed = selected.enabled.map(describeTool);
  const log = deps.logger;
  const baseSecrets = (deps.secrets ?? []).filter((s) => s.length >= 4);

  async function call(name: string, args: unknown, signal: AbortSignal): Promise<CallToolResult> {
    const tool = selected.callable.get(name);
    if (!tool) {
      const reason = selected.hidden.get(name);
      throw new McpError(
        ErrorCode.InvalidParams,
        reason ? `Tool ${name} is disabled because ${reason}.` : `Unknown tool: ${name}`,
      );
    }
    const secrets = collectSecrets(args, tool.sensitive, new Set(baseSecrets));
    const started = performance.now();
    const child = log.child({ tool: tool.name });
    if (log.isLevelEnabled("debug")) child.debug({ args: redactArgs(args, tool.sensitive) }, "tool call");
    try {
      const data = await tool.invoke(args, { altr: deps.clients, signal, log: child, presigned: deps.presigned });
      child.info({ ms: Math.round(performance.now() - started), outcome: "ok" }, "tool call finished");
      return successResult(data);
    } catch (err) {
      const e = toToolError(err);
      const fields: Record<string, unknown> = {
        ms: Math.round(performance.now() - started),
        outcome: "error",
        kind: e.kind,
        status: e.status,
        error: scrub(e.message, secrets),
      };
      if (e.kind === "internal") {
        fields.stack = scrub(err instanceof Error ? `${err.message}\n${err.stack ?? ""}` : String(err), secrets);
        child.error(fields, "tool call failed");
      } else {
        child.warn(fields, "tool call failed");
      }
      return errorResult(err, secrets);
    }
  }

  function createServer(): Server {
    const server = new Server(
      { name: SERVER_NAME, title: "ALTR", version: deps.version },
      { capabilities: { tools: { listChanged: false } }, instructions: INSTRUCTIONS },
    );
    server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: listed }));
    server.setRequestHandler(CallToolRequestSchema, async (req, extra) =>
      call(req.params.name, req.params.arguments ?? {}, extra.signal),
    );
    return server;
  }

  return { createServer, listed, call };
}
