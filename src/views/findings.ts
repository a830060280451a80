/**
 * Findings explorer: a classification job's findings as a tree (database → schema → table →
 * column), each node with its findings count, classifiers, confidence (average match rate) and
 * review state; a column is approved or rejected with the ordinary `record_job_decision` call
 * through the host (the server's confirmation applies unchanged; the view never sends `confirm`).
 * Each level is read with the findings tool of that level, a page at a time.
 */
import { groupColumns, normaliseFindings, totals, type FindingLevel, type FindingNode } from "./adapt.js";
import { applyHostContext, envelope, h, ViewBridge } from "./bridge.js";

/** Rows read per request when a node is opened or "more" is asked for. */
const PAGE = 50;
const TOOL_OF: Record<FindingLevel, string> = {
  database: "get_job_findings",
  schema: "get_job_findings_schemas",
  table: "get_job_findings_tables",
  column: "get_job_findings_columns",
};
const SCOPE = ["database", "schema", "table", "column"] as const;

interface Branch {
  /** Children read so far (undefined: not read yet). */
  children?: FindingNode[];
  next: string | null;
  open: boolean;
  loading: boolean;
}

const bridge = new ViewBridge();
const root = document.getElementById("app")!;
let jobId: string | null = null;
let inputArgs: Record<string, unknown> = {};
/** The names above the first level shown (empty when the result is the database level). */
let base: string[] = [];
let top: FindingNode[] = [];
let topNext: string | null = null;
const branches = new Map<string, Branch>();
let status = "Waiting for the findings…";
let busy = false;
let focusKey: string | null = null;

const keyOf = (path: readonly string[]) => JSON.stringify(path);
const scopeOf = (path: readonly string[]) => Object.fromEntries(path.map((p, i) => [SCOPE[i]!, p]));
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

async function readLevel(parent: string[], token: string | null): Promise<{ nodes: FindingNode[]; next: string | null }> {
  const level = SCOPE[parent.length]!;
  const args: Record<string, unknown> = { job_id: jobId, ...scopeOf(parent), limit: PAGE };
  if (token) args.page_token = token;
  // The next page of the databases asks for what the first one did (review counts per database).
  if (level === "database" && inputArgs.include_column_status_counts === true) args.include_column_status_counts = true;
  const result = envelope(await bridge.callTool(TOOL_OF[level], args));
  if (!result.success) throw new Error(result.error?.message ?? `${TOOL_OF[level]} failed`);
  return normaliseFindings(result.data, parent);
}

async function expand(node: FindingNode, more = false): Promise<void> {
  const key = keyOf(node.path);
  const b = branches.get(key) ?? { next: null, open: false, loading: false };
  branches.set(key, b);
  if (b.children && !more) {
    b.open = !b.open;
    return render();
  }
  b.loading = true;
  render();
  try {
    const page = await readLevel(node.path, more ? b.next : null);
    b.children = [...(more ? (b.children ?? []) : []), ...page.nodes];
    b.next = page.next;
    b.open = true;
  } catch (err) {
    status = `Could not read ${node.name}: ${(err as Error).message}`;
  } finally {
    b.loading = false;
    render();
  }
}

async function moreTop(): Promise<void> {
  if (!topNext) return;
  try {
    const page = await readLevel(base, topNext);
    top = [...top, ...page.nodes];
    topNext = page.next;
  } catch (err) {
    status = `Could not read more: ${(err as Error).message}`;
  }
  render();
}

async function decide(node: FindingNode, confirmed_status: "approved" | "rejected"): Promise<void> {
  if (!jobId || busy) return;
  busy = true;
  status = `Asking to mark ${node.path.join(".")} ${confirmed_status}…`;
  render();
  try {
    const result = envelope(await bridge.callTool("record_job_decision", { job_id: jobId, confirmed_status, ...scopeOf(node.path) }));
    const data = result.data as { confirmed?: unknown; message?: unknown } | null;
    if (!result.success) status = `Not recorded: ${result.error?.message ?? "the call failed"}`;
    else if (data && data.confirmed === false) status = `Not recorded: ${String(data.message ?? "not confirmed")}`;
    else {
      status = `${node.path.join(".")} marked ${confirmed_status}.`;
      // Read the table's columns again: the review state shown is ALTR's, not assumed.
      const parent = node.path.slice(0, -1);
      const b = branches.get(keyOf(parent));
      if (b) {
        const page = await readLevel(parent, null);
        b.children = page.nodes;
        b.next = page.next;
      }
    }
  } catch (err) {
    status = `Not recorded: ${(err as Error).message}`;
  } finally {
    busy = false;
    render();
  }
}

function pct(v: number | null): string {
  return v === null ? "" : `${Math.round(v * 100)} %`;
}

function row(node: FindingNode): HTMLLIElement {
  const key = keyOf(node.path);
  const b = branches.get(key);
  const leaf = node.level === "column";
  const review = node.review ?? "";
  const facts = [
    node.findings !== null ? plural(node.findings, "finding") : null,
    !leaf && node.classifierCount !== null ? plural(node.classifierCount, "classifier") : null,
    node.counts ? `columns: ${node.counts.approved} approved, ${node.counts.rejected} rejected, ${node.counts.pending} pending of ${node.counts.total}` : null,
  ].filter(Boolean);
  const focused = focusKey === key;
  const line = h(
    "div",
    { class: "row", tabindex: focused ? 0 : -1, "data-key": key },
    h("span", { class: "twisty", "aria-hidden": "true" }, leaf ? "" : b?.loading ? "…" : b?.open ? "▾" : "▸"),
    h("span", { class: "level" }, node.level),
    h("span", { class: "nm" }, node.name),
    h("span", { class: "facts" }, facts.join(" · ")),
    leaf && node.classifiers.length ? h("span", { class: "classifiers" }, node.classifiers.join(", ")) : null,
    node.confidence !== null ? h("span", { class: "conf", title: "average match rate" }, `confidence ${pct(node.confidence)}`) : null,
    review ? h("span", { class: `review review-${review}` }, review) : null,
  );
  if (leaf) {
    const accept = h("button", { type: "button", class: "accept", tabindex: focused ? 0 : -1, disabled: busy, "aria-label": `Approve ${node.path.join(".")}` }, "Approve");
    const reject = h("button", { type: "button", class: "reject", tabindex: focused ? 0 : -1, disabled: busy, "aria-label": `Reject ${node.path.join(".")}` }, "Reject");
    accept.addEventListener("click", () => void decide(node, "approved"));
    reject.addEventListener("click", () => void decide(node, "rejected"));
    line.append(h("span", { class: "actions" }, accept, reject));
  } else {
    line.addEventListener("click", (e) => {
      if ((e.target as Element).closest("button")) return;
      focusKey = key;
      void expand(node);
    });
  }
  const li = h(
    "li",
    {
      role: "treeitem",
      "aria-level": node.path.length,
      "aria-expanded": leaf ? undefined : b?.open ? "true" : "false",
      "aria-label": `${node.level} ${node.name}${facts.length ? `, ${facts.join(", ")}` : ""}${review ? `, ${review}` : ""}`,
      "data-key": key,
    },
    line,
  );
  if (!leaf && b?.open && b.children) {
    const group = h("ul", { role: "group" }, ...b.children.map(row));
    if (b.next) group.append(moreItem(() => void expand(node, true), node.path.length + 1));
    li.append(group);
  }
  return li;
}

function moreItem(load: () => void, level: number): HTMLLIElement {
  const btn = h("button", { type: "button", class: "more", tabindex: -1 }, `Show the next ${PAGE}`);
  btn.addEventListener("click", load);
  return h("li", { role: "none", "aria-level": level }, btn);
}

function render(): void {
  const t = totals(top);
  const hadFocus = root.contains(document.activeElement);
  const tree = h("ul", { role: "tree", "aria-label": `Findings of job ${jobId ?? ""}` }, ...top.map(row));
  if (topNext) tree.append(moreItem(() => void moreTop(), base.length + 1));
  root.replaceChildren(
    h(
      "header",
      {},
      h("h1", {}, "Classification findings"),
      h("p", { class: "summary", id: "summary", "data-findings": t.findings, "data-approved": t.counts?.approved ?? "", "data-pending": t.counts?.pending ?? "", "data-rejected": t.counts?.rejected ?? "" },
        `Job ${jobId ?? "?"}${base.length ? ` · ${base.join(".")}` : ""}: ${plural(t.findings, "finding")}${topNext ? " on the pages read so far" : ""}`,
        t.counts ? ` · columns: ${t.counts.approved} approved, ${t.counts.rejected} rejected, ${t.counts.pending} pending of ${t.counts.total}` : "",
      ),
    ),
    top.length ? tree : h("p", {}, "No findings."),
    h("p", { class: "hint" }, "Arrow keys move; Right or Enter opens; Left closes; Tab reaches Approve and Reject."),
    h("p", { id: "status", role: "status", "aria-live": "polite" }, status),
  );
  if (!focusKey && top[0]) focusKey = keyOf(top[0].path);
  // The focused row may be gone (its branch closed): the nearest row above it takes the focus.
  const rowOf = (key: string) => root.querySelector<HTMLElement>(`.row[data-key='${CSS.escape(key)}']`);
  let path = focusKey ? (JSON.parse(focusKey) as string[]) : [];
  while (path.length > 1 && !rowOf(keyOf(path))) path = path.slice(0, -1);
  if (path.length) focusKey = keyOf(path);
  const focused = focusKey ? rowOf(focusKey) : null;
  if (focused) focused.tabIndex = 0;
  if (focused && hadFocus && !root.contains(document.activeElement)) focused.focus({ preventScroll: true });
}

function visibleRows(): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(".row")];
}

function nodeAt(key: string): FindingNode | undefined {
  const all: FindingNode[] = [...top];
  for (const b of branches.values()) if (b.children) all.push(...b.children);
  return all.find((n) => keyOf(n.path) === key);
}

// The row that has the focus (keyboard, click or a script) is the one the tree keeps.
root.addEventListener("focusin", (e) => {
  const row = e.target instanceof HTMLElement ? e.target.closest<HTMLElement>(".row") : null;
  if (row?.dataset.key && row.dataset.key !== focusKey) {
    focusKey = row.dataset.key;
    for (const r of visibleRows()) r.tabIndex = r === row ? 0 : -1;
  }
});

root.addEventListener("keydown", (e) => {
  const row = (e.target as Element).closest?.(".row") as HTMLElement | null;
  if (!row || e.target !== row) return;
  const rows = visibleRows();
  const at = rows.indexOf(row);
  const node = nodeAt(row.dataset.key!);
  const go = (i: number) => {
    const target = rows[Math.max(0, Math.min(rows.length - 1, i))];
    if (!target) return;
    focusKey = target.dataset.key!;
    rows.forEach((r) => (r.tabIndex = -1));
    target.tabIndex = 0;
    target.focus();
    render();
    root.querySelector<HTMLElement>(`.row[data-key='${CSS.escape(focusKey)}']`)?.focus();
  };
  if (e.key === "ArrowDown") go(at + 1);
  else if (e.key === "ArrowUp") go(at - 1);
  else if (e.key === "Home") go(0);
  else if (e.key === "End") go(rows.length - 1);
  else if ((e.key === "ArrowRight" || e.key === "Enter" || e.key === " ") && node && node.level !== "column") {
    const b = branches.get(row.dataset.key!);
    if (e.key === "ArrowRight" && b?.open) go(at + 1);
    else void expand(node);
  } else if (e.key === "ArrowLeft" && node) {
    const b = branches.get(row.dataset.key!);
    if (b?.open) {
      b.open = false;
      render();
    } else if (node.path.length > base.length + 1) {
      const parentKey = keyOf(node.path.slice(0, -1));
      go(rows.findIndex((r) => r.dataset.key === parentKey));
    }
  } else return;
  e.preventDefault();
});

bridge.onToolInput = (args) => {
  inputArgs = args;
  if (typeof args.job_id === "string") jobId = args.job_id;
};
bridge.onToolResult = (r) => {
  const result = envelope(r);
  if (!result.success) {
    status = `Reading the findings failed: ${result.error?.message ?? ""}`;
    return render();
  }
  base = SCOPE.map((s) => inputArgs[s]).filter((v): v is string => typeof v === "string");
  const page = normaliseFindings(result.data, base);
  if (page.nodes.some((n) => n.path.length === 4) && page.nodes.every((n) => n.level === "column") && base.length < 3) {
    // A flat list of classified columns across the tree: group them under their tables.
    const grouped = groupColumns(page.nodes);
    top = grouped.filter((n) => n.path.length === base.length + 1);
    for (const n of grouped) {
      if (n.level === "column") continue;
      branches.set(keyOf(n.path), { children: grouped.filter((c) => c.path.length === n.path.length + 1 && keyOf(c.path.slice(0, -1)) === keyOf(n.path)), next: null, open: false, loading: false });
    }
  } else top = page.nodes;
  topNext = page.next;
  status = "";
  render();
};
bridge.onHostContext = applyHostContext;
render();
void bridge.connect("altr-findings-explorer", "1").catch((err: Error) => {
  status = `Could not reach the host: ${err.message}`;
  render();
});
