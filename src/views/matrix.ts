/**
 * Masking matrix: a tag policy's rules as roles × tag values, each cell the level's name and
 * number, applied or pending, coloured by how much it reveals. A cell's menu proposes a new level
 * and sends it as the ordinary `update_rule` (a rule exists) or `add_rules` (none yet) call through
 * the host; the server's confirmation applies unchanged (the view never sends `confirm`), and the
 * grid is read again with `get_rules` after a change.
 */
import { normaliseRules, type RuleCell, type RuleMatrix } from "./adapt.js";
import { applyHostContext, envelope, h, ViewBridge } from "./bridge.js";
import { LEVELS, levelName, revealOf, REVEAL_TEXT } from "./levels.js";

const bridge = new ViewBridge();
const root = document.getElementById("app")!;
let model: RuleMatrix = { policyId: null, cells: [], roles: [], tagValues: [], nextCursor: null };
let roleFilter = "";
let tagFilter = "";
let busy = false;
let status = "Waiting for the rules…";
let focusAt: { r: number; c: number } = { r: 0, c: 0 };

const cellOf = (role: string, tag: string): RuleCell | undefined => model.cells.find((c) => c.role === role && c.tagValue === tag);

function label(role: string, tag: string, cell: RuleCell | undefined): string {
  if (!cell) return `${role} × ${tag}: no rule`;
  const pending = cell.pendingLevel !== null ? `, changing to ${levelName(cell.pendingLevel)} (${cell.pendingLevel})` : "";
  return `${role} × ${tag}: ${levelName(cell.level)} (${cell.level ?? "?"}), ${cell.state}${pending}, ${REVEAL_TEXT[revealOf(cell.level)]}`;
}

function render(): void {
  const roles = model.roles.filter((r) => !roleFilter || r === roleFilter);
  const tags = model.tagValues.filter((t) => !tagFilter || t === tagFilter);
  focusAt = { r: Math.min(focusAt.r, Math.max(roles.length - 1, 0)), c: Math.min(focusAt.c, Math.max(tags.length - 1, 0)) };
  const select = (id: string, text: string, all: string, values: string[], current: string, set: (v: string) => void) => {
    const s = h("select", { id }, h("option", { value: "" }, all), ...values.map((v) => h("option", { value: v, selected: v === current }, v)));
    s.addEventListener("change", () => {
      set(s.value);
      render();
      document.getElementById(id)?.focus();
    });
    return h("label", { for: id }, text, " ", s);
  };
  const table = h(
    "table",
    { role: "grid", "aria-label": `Masking level by role and tag value${model.policyId ? ` in ${model.policyId}` : ""}`, "aria-busy": busy },
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Role \\ tag value"), ...tags.map((t) => h("th", { scope: "col" }, t)))),
    h(
      "tbody",
      {},
      ...roles.map((role, r) =>
        h(
          "tr",
          {},
          h("th", { scope: "row" }, role),
          ...tags.map((tag, c) => {
            const cell = cellOf(role, tag);
            const reveal = cell ? revealOf(cell.level) : "empty";
            const b = h(
              "button",
              {
                type: "button",
                class: `cell reveal-${reveal}${cell?.state === "pending" ? " pending" : ""}${cell?.state === "failed" ? " failed" : ""}`,
                "data-role": role,
                "data-tag": tag,
                "data-level": cell?.level ?? "",
                "aria-haspopup": "menu",
                "aria-label": label(role, tag, cell),
                tabindex: r === focusAt.r && c === focusAt.c ? 0 : -1,
                disabled: busy,
              },
              cell ? h("span", { class: "name" }, levelName(cell.level)) : h("span", { class: "name" }, "no rule"),
              cell ? h("span", { class: "num" }, String(cell.level ?? "?")) : null,
              cell && cell.state !== "applied" ? h("span", { class: "state" }, cell.state === "pending" ? `pending${cell.pendingLevel !== null ? ` → ${cell.pendingLevel}` : ""}` : "failed") : null,
            );
            b.addEventListener("click", () => openMenu(b, role, tag, cell));
            b.addEventListener("keydown", (e) => moveFocus(e, r, c, roles.length, tags.length));
            return h("td", {}, b);
          }),
        ),
      ),
    ),
  );
  root.replaceChildren(
    h(
      "header",
      {},
      h("h1", {}, `Masking rules${model.policyId ? ` — ${model.policyId}` : ""}`),
      h("p", { class: "summary" }, `${model.cells.length} rule${model.cells.length === 1 ? "" : "s"} · ${model.roles.length} roles · ${model.tagValues.length} tag values${model.nextCursor ? " · more rules on later pages (not shown)" : ""}`),
    ),
    h(
      "div",
      { class: "filters" },
      select("role-filter", "Role", "All roles", model.roles, roleFilter, (v) => (roleFilter = v)),
      select("tag-filter", "Tag value", "All tag values", model.tagValues, tagFilter, (v) => (tagFilter = v)),
    ),
    model.cells.length ? table : h("p", {}, "This policy has no rules."),
    h(
      "ul",
      { class: "legend", "aria-label": "Legend" },
      h("li", {}, h("span", { class: "swatch reveal-all" }), "reveals the value (no mask)"),
      h("li", {}, h("span", { class: "swatch reveal-part" }), "reveals part (email, last four, hashes)"),
      h("li", {}, h("span", { class: "swatch reveal-none" }), "reveals nothing"),
      h("li", {}, h("span", { class: "swatch pending" }), "pending: being applied"),
    ),
    h("p", { id: "status", role: "status", "aria-live": "polite" }, status),
  );
}

function moveFocus(e: KeyboardEvent, r: number, c: number, rows: number, cols: number): void {
  const moves: Record<string, [number, number]> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
  let next: { r: number; c: number } | undefined;
  if (moves[e.key]) next = { r: Math.max(0, Math.min(rows - 1, r + moves[e.key]![0])), c: Math.max(0, Math.min(cols - 1, c + moves[e.key]![1])) };
  else if (e.key === "Home") next = { r, c: 0 };
  else if (e.key === "End") next = { r, c: cols - 1 };
  if (!next) return;
  e.preventDefault();
  focusAt = next;
  const buttons = [...root.querySelectorAll<HTMLButtonElement>("button.cell")];
  buttons.forEach((b) => (b.tabIndex = -1));
  const target = buttons[next.r * cols + next.c];
  if (target) {
    target.tabIndex = 0;
    target.focus();
  }
}

function openMenu(anchor: HTMLButtonElement, role: string, tag: string, cell: RuleCell | undefined): void {
  if (busy) return;
  closeMenu();
  const items = LEVELS.map((l) => {
    const item = h(
      "button",
      { type: "button", role: "menuitemradio", "aria-checked": cell?.level === l.level, class: `item reveal-${revealOf(l.level)}`, "data-level": l.level, tabindex: -1 },
      `${l.name} (${l.level})`,
    );
    item.addEventListener("click", () => {
      closeMenu();
      void propose(role, tag, cell, l.level);
    });
    return item;
  });
  const menu = h("div", { id: "menu", role: "menu", "aria-label": `Set the level of ${role} × ${tag}` }, h("p", { class: "menu-title" }, `${role} × ${tag}: propose a level`), ...items);
  menu.addEventListener("keydown", (e) => {
    const at = items.indexOf(document.activeElement as HTMLButtonElement);
    if (e.key === "Escape") {
      e.preventDefault();
      closeMenu();
      anchor.focus();
    } else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      items[(at + (e.key === "ArrowDown" ? 1 : items.length - 1)) % items.length]!.focus();
    } else if (e.key === "Tab") {
      closeMenu();
    }
  });
  anchor.parentElement!.append(menu);
  const current = items.find((i) => i.getAttribute("aria-checked") === "true") ?? items[0]!;
  current.focus();
}

function closeMenu(): void {
  document.getElementById("menu")?.remove();
}

async function propose(role: string, tag: string, cell: RuleCell | undefined, level: number): Promise<void> {
  const policy_id = model.policyId;
  if (!policy_id) {
    status = "The policy id is unknown: the change cannot be sent.";
    return render();
  }
  if (cell?.level === level && cell.pendingLevel === null) {
    status = `${role} × ${tag} is already ${levelName(level)} (${level}).`;
    return render();
  }
  const [name, args] = cell?.ruleId
    ? ["update_rule", { policy_id, rule_id: cell.ruleId, masking_policy: level }]
    : ["add_rules", { policy_id, rules: [{ masking_policy: level, role, tag_value: tag }] }];
  busy = true;
  status = `Asking to set ${role} × ${tag} to ${levelName(level)} (${level})…`;
  render();
  try {
    const result = envelope(await bridge.callTool(name, args));
    const data = result.data as { confirmed?: unknown; message?: unknown } | null;
    if (!result.success) status = `Not changed: ${result.error?.message ?? "the call failed"}`;
    else if (data && data.confirmed === false) status = `Not changed: ${String(data.message ?? "not confirmed")}`;
    else {
      status = `${role} × ${tag} set to ${levelName(level)} (${level}).`;
      await refresh();
    }
  } catch (err) {
    status = `Not changed: ${(err as Error).message}`;
  } finally {
    busy = false;
    render();
    root.querySelector<HTMLButtonElement>(`button.cell[tabindex="0"]`)?.focus();
  }
}

async function refresh(): Promise<void> {
  if (!model.policyId) return;
  const result = envelope(await bridge.callTool("get_rules", { policy_id: model.policyId }));
  if (result.success) model = normaliseRules(result.data, model.policyId);
  else status += ` Reading the rules again failed: ${result.error?.message ?? ""}`;
}

let inputPolicy: string | null = null;
bridge.onToolInput = (args) => {
  if (typeof args.policy_id === "string") inputPolicy = args.policy_id;
};
bridge.onToolResult = (r) => {
  const result = envelope(r);
  if (!result.success) {
    status = `get_rules failed: ${result.error?.message ?? ""}`;
  } else {
    model = normaliseRules(result.data, inputPolicy);
    status = "";
  }
  render();
};
bridge.onHostContext = applyHostContext;
document.addEventListener("click", (e) => {
  const menu = document.getElementById("menu");
  if (menu && !menu.contains(e.target as Node) && !(e.target as Element).closest?.("button.cell")) closeMenu();
});
render();
void bridge.connect("altr-masking-matrix", "1").catch((err: Error) => {
  status = `Could not reach the host: ${err.message}`;
  render();
});
