/**
 * The view's side of MCP Apps (protocol 2026-01-26): JSON-RPC 2.0 over postMessage with the host
 * window. `ui/initialize` → `ui/notifications/initialized`; then the host sends the tool's input
 * and result, and the view calls tools with `tools/call` (the host forwards them to our server,
 * where the confirmation of destructive calls applies as to any caller).
 *
 * Written here rather than using the SDK's `App` class: that class validates every message with
 * zod and brings the MCP SDK's protocol layer, about 520 KB minified, fifty times the rest of a
 * view. The messages used are few and typed from the SDK's own declarations (`import type`: no
 * code), and tests/views.test.ts runs these views against the SDK's host side (AppBridge).
 */
import type { McpUiInitializeResult, McpUiHostContext } from "@modelcontextprotocol/ext-apps";

export const PROTOCOL_VERSION = "2026-01-26";

export interface ToolResult {
  content?: { type: string; text?: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

type Message = {
  jsonrpc?: unknown;
  id?: unknown;
  method?: unknown;
  params?: unknown;
  result?: unknown;
  error?: { message?: unknown };
};

/** How long a request to the host may take (a confirmation question can wait on the user). */
const REQUEST_TIMEOUT_MS = 11 * 60_000;

export class ViewBridge {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: number }>();
  onToolInput?: (args: Record<string, unknown>) => void;
  onToolResult?: (result: ToolResult) => void;
  onHostContext?: (ctx: McpUiHostContext) => void;
  onTeardown?: () => void;

  constructor(private readonly host: Window = window.parent) {
    window.addEventListener("message", (e) => {
      // Only the host window speaks to us: anything else (another frame, the page itself) is ignored.
      if (e.source !== this.host) return;
      this.receive(e.data as Message);
    });
  }

  private post(msg: Record<string, unknown>): void {
    this.host.postMessage({ jsonrpc: "2.0", ...msg }, "*");
  }

  request(method: string, params: Record<string, unknown>): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = window.setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${method}: the host did not answer`));
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(id, { resolve, reject, timer });
      this.post({ id, method, params });
    });
  }

  notify(method: string, params: Record<string, unknown> = {}): void {
    this.post({ method, params });
  }

  async connect(name: string, version: string): Promise<McpUiInitializeResult> {
    const result = (await this.request("ui/initialize", {
      appInfo: { name, version },
      appCapabilities: {},
      protocolVersion: PROTOCOL_VERSION,
    })) as McpUiInitializeResult;
    if (result.hostContext) this.onHostContext?.(result.hostContext);
    this.notify("ui/notifications/initialized");
    this.watchSize();
    return result;
  }

  callTool(name: string, args: Record<string, unknown>): Promise<ToolResult> {
    return this.request("tools/call", { name, arguments: args }) as Promise<ToolResult>;
  }

  private watchSize(): void {
    let last = "";
    const send = () => {
      const el = document.documentElement;
      const size = { width: Math.ceil(el.scrollWidth), height: Math.ceil(el.scrollHeight) };
      const key = `${size.width}x${size.height}`;
      if (key === last) return;
      last = key;
      this.notify("ui/notifications/size-changed", size);
    };
    new ResizeObserver(send).observe(document.body);
    send();
  }

  private receive(msg: Message): void {
    if (!msg || msg.jsonrpc !== "2.0") return;
    const params = (typeof msg.params === "object" && msg.params !== null ? msg.params : {}) as Record<string, unknown>;
    if (typeof msg.method !== "string") {
      const waiting = typeof msg.id === "number" ? this.pending.get(msg.id) : undefined;
      if (!waiting) return;
      this.pending.delete(msg.id as number);
      window.clearTimeout(waiting.timer);
      if (msg.error) waiting.reject(new Error(String(msg.error.message ?? "the host refused the request")));
      else waiting.resolve(msg.result);
      return;
    }
    const isRequest = msg.id !== undefined && msg.id !== null;
    switch (msg.method) {
      case "ui/notifications/tool-input":
        this.onToolInput?.((params.arguments ?? {}) as Record<string, unknown>);
        return;
      case "ui/notifications/tool-result":
        this.onToolResult?.(params as ToolResult);
        return;
      case "ui/notifications/host-context-changed":
        this.onHostContext?.(params as McpUiHostContext);
        return;
      case "ui/resource-teardown":
        this.onTeardown?.();
        if (isRequest) this.post({ id: msg.id, result: {} });
        return;
      case "ping":
        if (isRequest) this.post({ id: msg.id, result: {} });
        return;
      default:
        if (isRequest) this.post({ id: msg.id, error: { code: -32601, message: `Method not found: ${msg.method}` } });
    }
  }
}

/** The `{success, data, error}` envelope of our tool results (structuredContent, else the text). */
export function envelope(result: ToolResult): { success: boolean; data: unknown; error: { message?: string } | null } {
  let env: unknown = result.structuredContent;
  if (!env) {
    const text = result.content?.find((c) => c.type === "text")?.text;
    try {
      env = text ? JSON.parse(text) : undefined;
    } catch {
      env = undefined;
    }
  }
  if (typeof env === "object" && env !== null && "success" in env) {
    const e = env as { success: unknown; data?: unknown; error?: unknown };
    return {
      success: e.success === true && result.isError !== true,
      data: e.data ?? null,
      error: typeof e.error === "object" && e.error !== null ? (e.error as { message?: string }) : null,
    };
  }
  const text = result.content?.find((c) => c.type === "text")?.text;
  return { success: false, data: null, error: { message: text ?? "the result could not be read" } };
}

/** Applies the host's theme (light/dark) and leaves everything else to our stylesheet. */
export function applyHostContext(ctx: McpUiHostContext): void {
  if (ctx.theme === "dark" || ctx.theme === "light") document.documentElement.dataset.theme = ctx.theme;
}

/** `h("td", {class: "x"}, "text", child)`: a DOM element; text is always set as text, never as HTML. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number | boolean | undefined> = {},
  ...children: (Node | string | null | undefined | false)[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    // ARIA states are the words "true"/"false"; other booleans are present or absent.
    if (v === undefined || (v === false && !k.startsWith("aria-"))) continue;
    el.setAttribute(k, v === true && !k.startsWith("aria-") ? "" : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}
