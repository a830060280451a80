/**
 * MCP Apps (the protocol's UI extension, "io.modelcontextprotocol/ui", spec 2026-01-26): the
 * interactive views of src/views/, built by `npm run build` into dist/views/*.html, served as
 * ui:// resources and linked from the tools whose results they show (`_meta.ui.resourceUri`).
 *
 * Offered only to a client that declares the extension with the MCP App MIME type in its
 * capabilities. Every other client gets the tool list, resources and results exactly as before
 * (the same objects: tests/views-negotiation.test.ts compares them byte for byte). Results are
 * never changed: a view renders the tool's ordinary result, and its writes are ordinary tool calls
 * that go through the server's confirmation like any other.
 *
 * The extension's identifiers are written here rather than imported from
 * @modelcontextprotocol/ext-apps/server, whose module builds its zod schemas at import (start-up
 * time on every run); the test checks they equal the library's.
 */
import { readFileSync } from "node:fs";
import type { ClientCapabilities, ReadResourceResult, Resource, Tool as McpTool } from "@modelcontextprotocol/sdk/types.js";

export const UI_EXTENSION_ID = "io.modelcontextprotocol/ui";
export const UI_MIME_TYPE = "text/html;profile=mcp-app";
/** The flat key older hosts read besides `_meta.ui.resourceUri` (the SDK's registerAppTool sets both). */
export const UI_LEGACY_URI_KEY = "ui/resourceUri";

export interface View {
  uri: string;
  name: string;
  title: string;
  description: string;
  /** dist/views/<file>, written by scripts/build-views.mjs. */
  file: string;
  /** Tools whose results the view shows. */
  tools: readonly string[];
}

export const VIEWS: readonly View[] = [
  {
    uri: "ui://altr/masking-matrix.html",
    name: "masking-matrix",
    title: "Masking matrix",
    description: "A tag policy's rules as roles × tag values, coloured by how much each level reveals; changes go through update_rule/add_rules.",
    file: "masking-matrix.html",
    tools: ["get_rules"],
  },
  {
    uri: "ui://altr/findings-explorer.html",
    name: "findings-explorer",
    title: "Classification findings",
    description: "A classification job's findings as a tree with classifiers, confidence and review state; decisions go through record_job_decision.",
    file: "findings-explorer.html",
    tools: ["get_job_findings", "get_job_findings_schemas", "get_job_findings_tables", "get_job_findings_columns"],
  },
];

/** Whether the client declared the extension with the MCP App MIME type. */
export function offersViews(caps: ClientCapabilities | undefined): boolean {
  const ext = (caps as { extensions?: Record<string, unknown> } | undefined)?.extensions?.[UI_EXTENSION_ID];
  if (typeof ext !== "object" || ext === null) return false;
  const mimeTypes = (ext as { mimeTypes?: unknown }).mimeTypes;
  return Array.isArray(mimeTypes) && mimeTypes.includes(UI_MIME_TYPE);
}

/** The resource's `_meta.ui`: no network, no remote resources, no frames (the build's CSP says the same). */
const RESOURCE_UI_META = {
  csp: { connectDomains: [], resourceDomains: [], frameDomains: [], baseUriDomains: [] },
  prefersBorder: true,
};

export interface Apps {
  /** The tools/list entries for this client: the same array unless it declared the extension. */
  tools(caps: ClientCapabilities | undefined, listed: McpTool[]): McpTool[];
  /** The view resources this client may read (none unless it declared the extension). */
  resources(caps: ClientCapabilities | undefined): Resource[];
  /** A view's content, or undefined when `uri` is not a view this client may read. */
  read(caps: ClientCapabilities | undefined, uri: string): ReadResourceResult | undefined;
}

/**
 * `enabled`: the tools this configuration lists; a view is offered when a tool it is linked from
 * is enabled. `dir`: where the built views are (tests); by default dist/views next to the bundle
 * (dist/cli/../views) or, running from the sources, the build's output (src/server/../../dist/views).
 */
export function createApps(enabled: ReadonlySet<string>, dir?: URL): Apps {
  const views = VIEWS.filter((v) => v.tools.some((t) => enabled.has(t)));
  const byTool = new Map(views.flatMap((v) => v.tools.map((t) => [t, v] as const)));
  const cache = new Map<string, string>();
  const html = (view: View): string => {
    const cached = cache.get(view.file);
    if (cached !== undefined) return cached;
    const candidates = dir ? [new URL(view.file, dir)] : [new URL(`../views/${view.file}`, import.meta.url), new URL(`../../dist/views/${view.file}`, import.meta.url)];
    for (const file of candidates) {
      try {
        const text = readFileSync(file, "utf8");
        cache.set(view.file, text);
        return text;
      } catch {
        // next candidate
      }
    }
    throw new Error(`The view ${view.uri} is not built: run npm run build`);
  };
  return {
    tools(caps, listed) {
      if (!offersViews(caps) || views.length === 0) return listed;
      return listed.map((t) => {
        const view = byTool.get(t.name);
        return view ? { ...t, _meta: { ...t._meta, ui: { resourceUri: view.uri }, [UI_LEGACY_URI_KEY]: view.uri } } : t;
      });
    },
    resources(caps) {
      if (!offersViews(caps)) return [];
      return views.map((v) => ({ uri: v.uri, name: v.name, title: v.title, description: v.description, mimeType: UI_MIME_TYPE, _meta: { ui: RESOURCE_UI_META } }));
    },
    read(caps, uri) {
      const view = views.find((v) => v.uri === uri);
      if (!view || !offersViews(caps)) return undefined;
      return { contents: [{ uri: view.uri, mimeType: UI_MIME_TYPE, text: html(view), _meta: { ui: RESOURCE_UI_META } }] };
    },
  };
}
