/**
 * The one rule for every delete tool (a tool whose operations include an HTTP DELETE; they stay
 * annotated idempotent): a repeat delete is a success that changed nothing —
 * `changed: false`, "already absent — nothing to delete" — and never an error.
 *
 * "Already absent" needs proof that ALTR itself said the object does not exist:
 * 1. HTTP 404 (or, for an archive, also the documented 409 "already archived"), and
 * 2. the body is one of ALTR's documented error bodies, stating that same status where it states
 *    one (altr/errors.ts altrErrorBody). A 404 page from a proxy, a gateway or a server at a wrong
 *    ALTR_*_BASE_URL is not ALTR saying anything about the object: it stays an error.
 * 3. ALTR's message, when it names what it did not find ("repo not found"), names the object
 *    being deleted: "repo not found" on a repo USER's delete means the repo id is wrong (a wrong
 *    id family), not that the user is gone — it stays an error that says so.
 * Anything else (a 500, a 403, a timeout) is an error as before.
 */
import { AltrError } from "../altr/errors.js";
import type { JsonSchema } from "../schema/json-schema.js";
import { S } from "../schema/json-schema.js";

export interface DeleteTarget {
  /** What is deleted, in ALTR's words: "repo user", "classifier". */
  what: string;
  /** The tool that lists it, to check an id with. */
  list: string;
  /** Other words ALTR may use for the same object ("task" for a task report). */
  alsoCalled?: readonly string[];
  /**
   * An archive: ALTR's documented repeat is a 409 whose message matches this ("already
   * archived"); a 404 (no such definition, or one the service removed) is "already absent" as for
   * any delete.
   */
  repeatConflict?: RegExp;
}

export interface DeleteOutcome {
  /** False when the object was already absent (or already archived): nothing changed. */
  changed: boolean;
  message: string;
}

/** `changed` and `message` in a delete tool's documented output. */
export const DELETE_OUTCOME: Record<string, JsonSchema> = { changed: S.boolean, message: S.string };

/**
 * The kinds of object ALTR's messages name. A message says what it did not find with these words
 * first ("repo not found", "repo user app not found", "rule_id R1 not found"); an id that follows
 * is not read, so an id that happens to contain such a word changes nothing.
 */
const KINDS = new Set(
  ("policy rule database tag masking classifier collection job decision finding definition report instance comment agent task " +
    "telemetry repo user service sidecar listener port binding key tweak token request role connection").split(" "),
);

/** Words of one token: `repo_name` → repo, name; `databaseId` → database, id; `username` → user, name. */
const wordsOf = (token: string): string[] =>
  token
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .replace(/(user|repo|database|tag)(name|id)$/i, "$1 $2")
    .toLowerCase()
    .split(/[\s_-]+/)
    .filter(Boolean);

/**
 * The kind of object ALTR's message says it did not find: its leading kind words ("repo user" of
 * "repo user app not found", "repo" of "repo_name orders not found"); "" when it names none
 * ("Not Found", "resource not found", "gizmo not found").
 */
export function missingKind(message: string | undefined): string {
  const m = /^\s*(?:the\s+)?(.{0,200}?)\s+(?:was\s+|is\s+)?not\s+found\b/i.exec(message ?? "");
  if (!m) return "";
  const kind: string[] = [];
  for (const token of m[1]!.split(/\s+/)) {
    const words = wordsOf(token).filter((w) => w !== "name" && w !== "id");
    if (words.length === 0 || !words.every((w) => KINDS.has(w))) break;
    kind.push(...words);
  }
  return kind.join(" ");
}

/** ALTR's message names the object being deleted (or no kind of object at all). */
function namesTarget(kind: string, target: DeleteTarget): boolean {
  if (!kind) return true;
  const last = (s: string): string => s.trim().toLowerCase().split(/\s+/).at(-1) ?? "";
  return [target.what, ...(target.alsoCalled ?? [])].some((name) => last(name) === last(kind));
}

/**
 * Runs `deleting` under the rule above: `{changed: true}` when ALTR deleted it, `{changed: false}`
 * when ALTR says it was already absent; throws every other failure (a wrong-family 404 with a
 * hint naming the id that is wrong).
 */
export async function deleteOnce<T>(deleting: Promise<T>, target: DeleteTarget): Promise<DeleteOutcome & { answer?: T }> {
  try {
    const answer = await deleting;
    return { changed: true, message: "deleted", answer };
  } catch (err) {
    if (!(err instanceof AltrError) || err.kind !== "http" || !err.fromAltr) throw err;
    if (err.status === 409 && target.repeatConflict?.test(err.altrMessage ?? "")) {
      return { changed: false, message: `already done — nothing to change (ALTR: ${err.altrMessage})` };
    }
    if (err.status !== 404) throw err;
    const kind = missingKind(err.altrMessage);
    if (!namesTarget(kind, target)) {
      throw err.withHint(`ALTR has no such ${kind}: an id you gave for the ${kind} is wrong (not the ${target.what}, which was not looked at). Nothing was deleted. Check the ids with the list tools.`);
    }
    const lost = err.attempts > 1 ? "; an earlier attempt of this call, whose answer was lost, may have deleted it" : "";
    return {
      changed: false,
      message: `already absent — nothing to delete (ALTR has no such ${target.what}${lost}; if you expected one, check the id with ${target.list})`,
    };
  }
}

/** The outcome's fields for a tool's result (without ALTR's answer). */
export const outcome = (done: DeleteOutcome): DeleteOutcome => ({ changed: done.changed, message: done.message });
