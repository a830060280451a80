#!/usr/bin/env node
/**
 * `npm run mutate`: runs StrykerJS (stryker.config.mjs) over the safety-critical modules, then
 * writes mutation/summary.json from Stryker's JSON report: the score per module, every
 * surviving mutant by file:line with its mutator and replacement, and whether it is a reviewed
 * equivalent mutant (mutation/equivalent.json).
 *
 *   npm run mutate                      run Stryker (incremental), then summarise
 *   node mutation/run.mjs --summary-only  summarise the last report again (no run)
 *
 * Exits non-zero when Stryker fails (including its `thresholds.break`), when a module's score
 * with the reviewed equivalents set aside is below that threshold, or when an entry of
 * equivalent.json no longer matches a surviving mutant (killed since, or the code changed):
 * the list must be re-reviewed then.
 *
 * Equivalent mutants are matched by file, mutator, original text, replacement and the text of
 * the source line they are on — not by line number — so the list survives edits elsewhere in
 * the file, and an edit of that line makes the entry stale (to be reviewed again).
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const SUMMARY = join(root, "mutation/summary.json");
const EQUIVALENT = join(root, "mutation/equivalent.json");
const { GROUPS } = await import(join(root, "mutation/groups.mjs"));
const reportOf = (group) => join(root, `reports/mutation/${group}.json`);

const args = process.argv.slice(2);
const summaryOnly = args.includes("--summary-only");
const chosen = args.filter((a) => !a.startsWith("--"));
const unknownGroups = chosen.filter((g) => !(g in GROUPS));
if (unknownGroups.length > 0) {
  console.error(`mutate: unknown group(s) ${unknownGroups.join(", ")}; known: ${Object.keys(GROUPS).join(", ")}`);
  process.exit(2);
}
const ran = {};
let strykerFailed = [];
if (!summaryOnly) {
  for (const group of chosen.length > 0 ? chosen : Object.keys(GROUPS)) {
    console.log(`\n=== mutate: group ${group} (${GROUPS[group].mutate.join(", ")}) ===`);
    const started = Date.now();
    const run = spawnSync(join(root, "node_modules/.bin/stryker"), ["run"], {
      cwd: root,
      stdio: "inherit",
      env: { ...process.env, MUTATE_GROUP: group },
    });
    ran[group] = { durationSeconds: Math.round((Date.now() - started) / 1000), mutate: GROUPS[group].mutate, tests: GROUPS[group].tests };
    if (run.status !== 0) strykerFailed.push(group);
  }
}
// Durations of the groups run now, over those of earlier runs (read now: runs of different
// groups may overlap).
const previous = existsSync(SUMMARY) ? JSON.parse(readFileSync(SUMMARY, "utf8")) : {};
const durations = { ...(previous.groups ?? {}), ...ran };
const notRun = Object.keys(GROUPS).filter((g) => !existsSync(reportOf(g)));
const report = { files: {} };
for (const g of Object.keys(GROUPS)) {
  if (notRun.includes(g)) continue;
  for (const [file, result] of Object.entries(JSON.parse(readFileSync(reportOf(g), "utf8")).files)) report.files[file] = { ...result, group: g };
}
const { THRESHOLDS } = await import(join(root, "mutation/groups.mjs"));
const breakAt = THRESHOLDS.break;
/** @type {{file: string, mutator: string, original: string, replacement: string, line: string, reason: string}[]} */
const equivalents = existsSync(EQUIVALENT) ? JSON.parse(readFileSync(EQUIVALENT, "utf8")) : [];

/** The source text a mutant replaces (1-based lines, 1-based columns as the report schema says). */
function originalText(source, loc) {
  const lines = source.split("\n");
  if (loc.start.line === loc.end.line) return lines[loc.start.line - 1].slice(loc.start.column - 1, loc.end.column - 1);
  const parts = [lines[loc.start.line - 1].slice(loc.start.column - 1)];
  for (let l = loc.start.line; l < loc.end.line - 1; l++) parts.push(lines[l]);
  parts.push(lines[loc.end.line - 1].slice(0, loc.end.column - 1));
  return parts.join("\n");
}
const squash = (s) => s.replace(/\s+/g, " ").trim();
/** The source line a mutant starts on: tells apart equal mutants on different lines. */
const lineOf = (source, loc) => source.split("\n")[loc.start.line - 1] ?? "";
const sameMutant = (e, file, m, original, line) =>
  e.file === file &&
  e.mutator === m.mutatorName &&
  squash(e.original) === squash(original) &&
  squash(e.replacement) === squash(m.replacement ?? "") &&
  squash(e.line) === squash(line);

const DETECTED = new Set(["Killed", "Timeout"]);
const UNDETECTED = new Set(["Survived", "NoCoverage"]);
const modules = {};
const survivors = [];
const matched = new Map(); // equivalent entry index -> status of the mutant it matched
for (const [file, result] of Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b))) {
  const counts = { killed: 0, timeout: 0, survived: 0, noCoverage: 0, compileError: 0, runtimeError: 0, ignored: 0, equivalent: 0 };
  for (const m of result.mutants) {
    const key = m.status.charAt(0).toLowerCase() + m.status.slice(1);
    if (key in counts) counts[key]++;
    const original = originalText(result.source, m.location);
    const eq = equivalents.findIndex((e) => sameMutant(e, file, m, original, lineOf(result.source, m.location)));
    if (eq >= 0) matched.set(eq, [...(matched.get(eq) ?? []), m.status]);
    if (!UNDETECTED.has(m.status)) continue;
    if (eq >= 0) counts.equivalent++;
    survivors.push({
      at: `${file}:${m.location.start.line}:${m.location.start.column}`,
      status: m.status,
      mutator: m.mutatorName,
      original: squash(original).slice(0, 120),
      replacement: squash(m.replacement ?? "").slice(0, 120),
      equivalent: eq >= 0 ? equivalents[eq].reason : null,
    });
  }
  const detected = counts.killed + counts.timeout;
  const undetected = counts.survived + counts.noCoverage;
  const valid = detected + undetected;
  modules[file] = {
    group: result.group,
    ...counts,
    mutants: result.mutants.length,
    score: valid === 0 ? null : round((100 * detected) / valid),
    scoreWithoutEquivalents: valid - counts.equivalent === 0 ? null : round((100 * detected) / (valid - counts.equivalent)),
  };
}
function round(x) {
  return Math.round(x * 100) / 100;
}

const all = Object.values(modules).reduce(
  (t, m) => ({ detected: t.detected + m.killed + m.timeout, undetected: t.undetected + m.survived + m.noCoverage, eq: t.eq + m.equivalent }),
  { detected: 0, undetected: 0, eq: 0 },
);
const stale = equivalents
  .map((e, i) => ({ ...e, matched: matched.get(i) ?? [] }))
  .filter((e) => e.file in report.files && !e.matched.some((s) => UNDETECTED.has(s)))
  .map((e) => ({
    file: e.file,
    line: e.line,
    mutator: e.mutator,
    original: e.original,
    replacement: e.replacement,
    problem: e.matched.length === 0 ? "no such mutant any more (code changed?)" : `no longer surviving (${e.matched.join(", ")})`,
  }));
const below = Object.entries(modules)
  .filter(([, m]) => m.scoreWithoutEquivalents !== null && m.scoreWithoutEquivalents < breakAt)
  .map(([file, m]) => `${file} ${m.scoreWithoutEquivalents}%`);

const summary = {
  measuredAt: new Date().toISOString(),
  machine: { node: process.version, cpus: os.cpus().length, loadAverage: os.loadavg().map((l) => round(l)) },
  // Seconds per group as last run (a --summary-only pass or a run of some groups keeps the others').
  durationSeconds: Object.values(durations).reduce((t, g) => t + g.durationSeconds, 0),
  groups: durations,
  thresholds: THRESHOLDS,
  total: {
    score: all.detected + all.undetected === 0 ? null : round((100 * all.detected) / (all.detected + all.undetected)),
    scoreWithoutEquivalents:
      all.detected + all.undetected - all.eq === 0 ? null : round((100 * all.detected) / (all.detected + all.undetected - all.eq)),
    detected: all.detected,
    undetected: all.undetected,
    equivalent: all.eq,
  },
  modules,
  // Groups without a report: their modules are missing from `modules` (run them).
  notRun: notRun.map((g) => ({ group: g, mutate: GROUPS[g].mutate })),
  staleEquivalents: stale,
  belowThreshold: below,
  survivors,
};
writeFileSync(SUMMARY, `${JSON.stringify(summary, null, 2)}\n`);

console.log(`\nmutation score ${summary.total.score}% (${summary.total.scoreWithoutEquivalents}% without ${all.eq} reviewed equivalent mutants), break at ${breakAt}%`);
for (const [file, m] of Object.entries(modules)) console.log(`  ${String(m.score).padStart(6)}%  ${file}  (${m.survived} survived, ${m.noCoverage} no coverage, ${m.equivalent} equivalent)`);
for (const [g, d] of Object.entries(durations)) console.log(`  group ${g}: ${d.durationSeconds} s`);
console.log(`summary: mutation/summary.json (${survivors.length} surviving mutants listed)`);
let failed = strykerFailed.length > 0;
if (failed) console.error(`mutate: Stryker failed (or broke the ${breakAt}% threshold) for group(s) ${strykerFailed.join(", ")}`);
if (notRun.length > 0) {
  console.error(`mutate: no report for group(s) ${notRun.join(", ")}; run npm run mutate -- ${notRun.join(" ")}`);
  failed = true;
}
if (below.length > 0) {
  console.error(`mutate: below ${breakAt}% with the reviewed equivalents set aside: ${below.join(", ")}`);
  failed = true;
}
if (stale.length > 0) {
  console.error(`mutate: ${stale.length} entries of mutation/equivalent.json no longer match a surviving mutant; re-review them:`);
  for (const s of stale) console.error(`  ${s.file} ${s.mutator} ${JSON.stringify(s.original)} -> ${JSON.stringify(s.replacement)}: ${s.problem}`);
  failed = true;
}
process.exit(failed ? 1 : 0);
