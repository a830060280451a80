/**
 * The views' normalising adapters: one function per view turns a tool result's `data` into the
 * view's model. They accept today's shapes (get_rules: rules grouped under opaque hashes with
 * the level as a string in success/pending/failed_rule_json; the findings tools: one level of the
 * tree as FindingsRow items) and a flat list (one item per rule with `level`, or one item per
 * classified column with its database/schema/table), so a change of the tool's shape is a change
 * of one function here. Pure: no DOM, tested in Node.
 */

export type RuleState = "applied" | "pending" | "failed";

export interface RuleCell {
  role: string;
  tagValue: string;
  /** The level in force (applied), or the one being applied / that failed when none is in force. */
  level: number | null;
  /** A level being applied (pending) that differs from or replaces `level`. */
  pendingLevel: number | null;
  state: RuleState;
  ruleId: string | null;
}

export interface RuleMatrix {
  policyId: string | null;
  cells: RuleCell[];
  roles: string[];
  tagValues: string[];
  nextCursor: string | null;
}

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);

/** A level given as 10003, "10003" or a level object `{level: 10003}`; anything else is null. */
export function toLevel(v: unknown): number | null {
  if (isRec(v)) return toLevel(v.level ?? v.masking_policy);
  const n = typeof v === "string" && /^\d+$/.test(v.trim()) ? Number(v) : v;
  return typeof n === "number" && Number.isInteger(n) ? n : null;
}

const nonEmpty = (v: unknown): v is Rec => isRec(v) && Object.keys(v).length > 0;

/** Today's stored rule (success/pending/failed_rule_json). */
function fromStored(r: Rec): Omit<RuleCell, "role" | "tagValue"> {
  const applied = nonEmpty(r.success_rule_json) ? toLevel(r.success_rule_json.masking_policy) : null;
  const pending = nonEmpty(r.pending_rule_json) ? toLevel(r.pending_rule_json.masking_policy) : null;
  const failed = nonEmpty(r.failed_rule_json) ? toLevel(r.failed_rule_json.masking_policy) : null;
  const state: RuleState = nonEmpty(r.pending_rule_json) ? "pending" : applied === null && nonEmpty(r.failed_rule_json) ? "failed" : "applied";
  return { level: applied ?? pending ?? failed, pendingLevel: applied !== null ? pending : null, state, ruleId: str(r.rule_id) };
}

/** A flat rule (the assistant-surface shape): `{role, tag_value, level, level_name, status?, pending_level?}`. */
function fromFlat(r: Rec): Omit<RuleCell, "role" | "tagValue"> {
  const status = String(r.status ?? r.state ?? "applied").toLowerCase();
  const state: RuleState = status === "pending" ? "pending" : status === "failed" ? "failed" : "applied";
  return { level: toLevel(r.level ?? r.masking_policy), pendingLevel: toLevel(r.pending_level), state, ruleId: str(r.rule_id) };
}

/** get_rules `data` (today's or the flat list) → the matrix model. */
export function normaliseRules(data: unknown, policyId: string | null = null): RuleMatrix {
  const list: Rec[] = [];
  let nextCursor: string | null = null;
  if (Array.isArray(data)) list.push(...data.filter(isRec));
  else if (isRec(data)) {
    nextCursor = str(data.next_cursor);
    const items = data.rules ?? data.items;
    if (Array.isArray(items)) list.push(...items.filter(isRec));
    else if (isRec(items)) for (const group of Object.values(items)) if (Array.isArray(group)) list.push(...group.filter(isRec));
  }
  const cells: RuleCell[] = [];
  for (const r of list) {
    const role = str(r.role);
    const tagValue = str(r.tag_value) ?? str(r.tag_value_regex);
    if (!role || !tagValue) continue;
    const flat = "level" in r || "level_name" in r || !("success_rule_json" in r || "pending_rule_json" in r || "failed_rule_json" in r);
    cells.push({ role, tagValue, ...(flat ? fromFlat(r) : fromStored(r)) });
    policyId ??= str(r.policy_id);
  }
  const sorted = (xs: string[]) => [...new Set(xs)].sort((a, b) => a.localeCompare(b));
  return { policyId, cells, roles: sorted(cells.map((c) => c.role)), tagValues: sorted(cells.map((c) => c.tagValue)), nextCursor };
}

// ---------------------------------------------------------------------------------------------
// Findings

export type FindingLevel = "database" | "schema" | "table" | "column";
export const FINDING_LEVELS: readonly FindingLevel[] = ["database", "schema", "table", "column"];

export interface ReviewCounts {
  total: number;
  approved: number;
  rejected: number;
  pending: number;
}

export interface FindingNode {
  /** Names from the database down to this node. */
  path: string[];
  level: FindingLevel;
  name: string;
  /** Column × classifier matches in the subtree (findings_count). */
  findings: number | null;
  classifiers: string[];
  classifierCount: number | null;
  /** Average match rate, 0–1. */
  confidence: number | null;
  /** Review state of a column (approved, rejected, pending, mixed), or `decided`/`undecided` above. */
  review: string | null;
  counts: ReviewCounts | null;
}

export interface FindingsPage {
  nodes: FindingNode[];
  next: string | null;
}

const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

function counts(v: unknown): ReviewCounts | null {
  if (!isRec(v)) return null;
  const total = num(v.total);
  if (total === null) return null;
  return { total, approved: num(v.approved) ?? 0, rejected: num(v.rejected) ?? 0, pending: num(v.pending) ?? 0 };
}

function node(r: Rec, path: string[], level: FindingLevel, name: string): FindingNode {
  const classifiers = Array.isArray(r.classifier_names)
    ? r.classifier_names.filter((c): c is string => typeof c === "string")
    : str(r.classifier_name)
      ? [str(r.classifier_name)!]
      : [];
  const review =
    str(r.column_status) ?? str(r.confirmed_status) ?? (typeof r.fully_decided === "boolean" ? (r.fully_decided ? "decided" : "undecided") : null);
  return {
    path: [...path, name],
    level,
    name,
    findings: num(r.findings_count) ?? num(r.total_findings),
    classifiers,
    classifierCount: num(r.distinct_classifier_count) ?? (classifiers.length || null),
    confidence: num(r.match_rate_avg),
    review,
    counts: counts(r.column_status_counts),
  };
}

/**
 * One findings level's `data` ({items: FindingsRow[], next_page_token}) under `parent` (the names
 * above it), or a flat list of classified columns ({items|columns: [{database, schema, table,
 * column, …}]}) → the nodes of that level. A flat list yields column nodes with their full path;
 * `groupColumns` builds the tree above them.
 */
export function normaliseFindings(data: unknown, parent: string[] = []): FindingsPage {
  if (!isRec(data)) return { nodes: [], next: null };
  const items = Array.isArray(data.items) ? data.items : Array.isArray(data.columns) ? data.columns : [];
  const next = str(data.next_page_token) ?? str(data.next_cursor);
  const nodes: FindingNode[] = [];
  for (const r of items) {
    if (!isRec(r)) continue;
    const flatPath = [str(r.database), str(r.schema), str(r.table), str(r.column)];
    if (flatPath.every((p) => p !== null)) {
      nodes.push(node(r, flatPath.slice(0, 3) as string[], "column", flatPath[3]!));
      continue;
    }
    const name = str(r.name);
    if (!name) continue;
    nodes.push(node(r, parent, FINDING_LEVELS[Math.min(parent.length, 3)]!, name));
  }
  return { nodes, next };
}

/** Sums column nodes up into their tables, schemas and databases (for a flat list). */
export function groupColumns(columns: readonly FindingNode[]): FindingNode[] {
  const out = new Map<string, FindingNode>();
  for (const c of columns) {
    for (let depth = 1; depth < c.path.length; depth++) {
      const path = c.path.slice(0, depth);
      const key = JSON.stringify(path);
      const n =
        out.get(key) ??
        ({
          path,
          level: FINDING_LEVELS[depth - 1]!,
          name: path[depth - 1]!,
          findings: 0,
          classifiers: [],
          classifierCount: 0,
          confidence: null,
          review: null,
          counts: { total: 0, approved: 0, rejected: 0, pending: 0 },
        } satisfies FindingNode);
      n.findings = (n.findings ?? 0) + (c.findings ?? 0);
      n.classifiers = [...new Set([...n.classifiers, ...c.classifiers])];
      n.classifierCount = n.classifiers.length;
      const k = n.counts!;
      k.total++;
      if (c.review === "approved" || c.review === "rejected" || c.review === "pending") k[c.review]++;
      out.set(key, n);
    }
    out.set(JSON.stringify(c.path), c);
  }
  return [...out.values()];
}

/** The counts a level shows for its nodes: findings and, where reported, columns by review state. */
export function totals(nodes: readonly FindingNode[]): { findings: number; counts: ReviewCounts | null } {
  const findings = nodes.reduce((s, n) => s + (n.findings ?? 0), 0);
  const withCounts = nodes.filter((n) => n.counts);
  const c =
    withCounts.length === nodes.length && nodes.length > 0
      ? withCounts.reduce(
          (s, n) => ({ total: s.total + n.counts!.total, approved: s.approved + n.counts!.approved, rejected: s.rejected + n.counts!.rejected, pending: s.pending + n.counts!.pending }),
          { total: 0, approved: 0, rejected: 0, pending: 0 },
        )
      : null;
  return { findings, counts: c };
}
