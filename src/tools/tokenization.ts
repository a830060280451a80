/**
 * Tokenization: vault and critical tokenize, detokenize, partial detokenize and delete tokens.
 *
 * Callers send `{label: value}`; ALTR only ever sees positional keys `field000`, `field001`, …
 * (`field1000` past 999), and every answer — values, `unprocessed` entries, error messages —
 * is mapped back to the caller's labels. Limits are checked before anything is sent. Values
 * and tokens are `sensitive`: never logged, scrubbed from error text; answers are never logged.
 */
import { z } from "zod";
import { AltrError } from "../altr/errors.js";
import type { components as VaultComponents } from "../generated/vault.js";
import type { OperationKey } from "../generated/operations.js";
import { S, objectOf } from "../schema/json-schema.js";
import { defineTool, ToolFailure, responseData, type Tool, type ToolContext } from "./define.js";
import { CREATE, REMOVE, UPDATE } from "./common.js";

type Batch = VaultComponents["schemas"]["Batch"];
type BatchAnswer = VaultComponents["schemas"]["BatchAnswer"];
type DeleteAnswer = VaultComponents["schemas"]["DeleteAnswer"];

/** The wire key of the entry at `index`: field000 … field999, then field1000 … */
export function wireKey(index: number): string {
  return `field${String(index).padStart(3, "0")}`;
}

/** The caller's entries under wire keys, and the way back. */
interface Encoded {
  body: Batch;
  labelOf: Map<string, string>;
  labels: string[];
}

function encode(entries: Record<string, string>): Encoded {
  const body: Batch = {};
  const labelOf = new Map<string, string>();
  const labels = Object.keys(entries);
  labels.forEach((label, i) => {
    const key = wireKey(i);
    body[key] = entries[label]!;
    labelOf.set(key, label);
  });
  return { body, labelOf, labels };
}

/** `{fieldNNN: v}` → `{label: v}`; keys that are not ours pass through unchanged. */
function decode(data: Record<string, string> | undefined, labelOf: Map<string, string>): Record<string, string> {
  // fromEntries defines own properties, so a label such as "__proto__" stays an ordinary key.
  return Object.fromEntries(Object.entries(data ?? {}).map(([key, value]) => [labelOf.get(key) ?? key, value]));
}

/** ALTR's message with every wire key it mentions replaced by the caller's label. */
function relabel(message: string, labelOf: Map<string, string>): string {
  return message.replace(/\bfield\d{3,}\b/g, (key) => (labelOf.has(key) ? `"${labelOf.get(key)}"` : key));
}

async function mapped<T>(labelOf: Map<string, string>, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof AltrError) throw err.withAltrMessage((m) => relabel(m, labelOf));
    throw err;
  }
}

/** The label → value answer, or a failure naming the labels ALTR returned nothing for. */
function labelled(answer: BatchAnswer, enc: Encoded, what: string): Record<string, string> {
  const data = decode(answer.data, enc.labelOf);
  if (answer.success === false) {
    throw new ToolFailure("invalid_response", `ALTR answered without an error status but reported success: false; no ${what} were returned.`);
  }
  const missing = enc.labels.filter((l) => !Object.hasOwn(data, l));
  if (missing.length > 0) {
    throw new ToolFailure(
      "partial_failure",
      `ALTR returned no ${what} for ${missing.length} of ${enc.labels.length} entries: ${list(missing)}. The others are in data.`,
      data,
    );
  }
  return data;
}

const list = (labels: string[]): string =>
  labels.slice(0, 20).map((l) => JSON.stringify(l)).join(", ") + (labels.length > 20 ? ` and ${labels.length - 20} more` : "");

interface Unprocessed {
  label: string;
  message: string | null;
  status: string | null;
}

/** The outcome of a delete: which labels were processed and which were not, with ALTR's reason. */
function deleted(answer: DeleteAnswer, enc: Encoded): { processed: string[]; unprocessed: Unprocessed[] } {
  const unprocessed: Unprocessed[] = (answer.unprocessed ?? []).map((entry) => {
    const key = Object.keys(entry).find((k) => enc.labelOf.has(k));
    return {
      label: key ? enc.labelOf.get(key)! : "(unknown entry)",
      message: typeof entry.message === "string" ? entry.message : null,
      status: entry.statusCode === undefined ? null : String(entry.statusCode),
    };
  });
  const failed = new Set(unprocessed.map((u) => u.label));
  const result = { processed: enc.labels.filter((l) => !failed.has(l)), unprocessed };
  if (unprocessed.length > 0 || answer.success === false) {
    const reasons = unprocessed
      .slice(0, 20)
      .map((u) => `${JSON.stringify(u.label)} (${u.message ?? "no reason given"}${u.status ? `, ${u.status}` : ""})`)
      .join("; ");
    throw new ToolFailure(
      "partial_failure",
      unprocessed.length > 0
        ? `${unprocessed.length} of ${enc.labels.length} tokens were not deleted: ${reasons}. The other ${result.processed.length} were processed; retry only the failed ones.`
        : "ALTR reported success: false without saying which tokens were not deleted; detokenize them to check.",
      result,
    );
  }
  return result;
}

/** How one tokenization service is called (vault and critical share the /batch protocol). */
interface Service {
  name: "vault" | "critical";
  tokenPrefix: string;
  maxEntries: number;
  /** Per-value limit as a zod refinement. */
  value: z.ZodType<string>;
  /** The per-value limit the advertised schema cannot show (empty when maxLength shows it). */
  valueLimit: string;
  ops: { tokenize: OperationKey; detokenize: OperationKey; partial: OperationKey; remove: OperationKey };
  tokenize(body: Batch, deterministic: boolean, ctx: ToolContext): Promise<BatchAnswer>;
  detokenize(body: Batch, ctx: ToolContext): Promise<BatchAnswer>;
  partial(body: Batch, ctx: ToolContext): Promise<BatchAnswer>;
  remove(body: Batch, ctx: ToolContext): Promise<DeleteAnswer>;
}

const VAULT: Service = {
  name: "vault",
  tokenPrefix: "vaultn_/vaultd_",
  maxEntries: 4096,
  value: z.string().min(1).max(1023),
  valueLimit: "",
  ops: { tokenize: "vault.tokenize", detokenize: "vault.detokenize", partial: "vault.partialDetokenize", remove: "vault.deleteTokens" },
  tokenize: (body, deterministic, { call, signal }) =>
    call("vault.tokenize", { header: { "X-ALTR-DETERMINISM": deterministic }, body, signal }),
  detokenize: (body, { call, signal }) => call("vault.detokenize", { body, signal }),
  partial: (body, { call, signal }) => call("vault.partialDetokenize", { body, signal }),
  remove: (body, { call, signal }) => call("vault.deleteTokens", { body, signal }),
};

const CRITICAL: Service = {
  name: "critical",
  tokenPrefix: "token_",
  maxEntries: 1024,
  value: z
    .string()
    .min(1)
    .refine((v) => Buffer.byteLength(v, "utf8") <= 128, { error: "longer than ALTR's limit of 128 UTF-8 bytes" }),
  valueLimit: ", ≤128 UTF-8 bytes each",
  ops: {
    tokenize: "critical.tokenize",
    detokenize: "critical.detokenize",
    partial: "critical.partialDetokenize",
    remove: "critical.deleteTokens",
  },
  tokenize: (body, deterministic, { call, signal }) =>
    call("critical.tokenize", { header: { "X-ALTR-DETERMINISM": deterministic }, body, signal }),
  detokenize: (body, { call, signal }) => call("critical.detokenize", { body, signal }),
  partial: (body, { call, signal }) => call("critical.partialDetokenize", { body, signal }),
  remove: (body, { call, signal }) => call("critical.deleteTokens", { body, signal }),
};

/** Labels the record type cannot carry faithfully: refused by name rather than dropped. */
function checkLabels(value: unknown, ctx: z.RefinementCtx): unknown {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    if (Object.hasOwn(value, "")) ctx.addIssue({ code: "custom", message: "labels must not be empty" });
    if (Object.hasOwn(value, "__proto__")) ctx.addIssue({ code: "custom", message: "__proto__ cannot be a label" });
  }
  return value;
}

/** `{label: string}` with ALTR's limits, checked before anything is sent. */
function entries(svc: Service, what: string) {
  const record = z
    .record(z.string(), svc.value)
    .refine((o) => Object.keys(o).length >= 1, { error: "give at least one entry" })
    .refine((o) => Object.keys(o).length <= svc.maxEntries, {
      error: `at most ${svc.maxEntries} entries per call (ALTR's limit); split the batch`,
    });
  return z
    .preprocess(checkLabels, record)
    .describe(`{label: ${what}}, ≤${svc.maxEntries} entries${svc.valueLimit}.`);
}

const deleteOutput = objectOf({
  processed: S.arrayOf(S.string),
  unprocessed: S.arrayOf(objectOf({ label: S.string, message: S.nullableString, status: S.nullableString })),
});

/** The detokenize tools' confirmation (they expose protected data; not destructive). */
const revealQuestion = (n: number): string => `reveals up to ${n} plaintext value${n === 1 ? "" : "s"} in the conversation`;

function toolsFor(svc: Service): Tool[] {
  const p = svc.name;
  return [
    defineTool({
      name: `${p}_tokenize`,
      title: `Tokenize values (${svc.name})`,
      description: `Tokenize plaintext into ${svc.name} tokens (${svc.tokenPrefix}…) under your labels. deterministic: same plaintext, same token.`,
      toolset: "tokenization",
      input: {
        values: entries(svc, "plaintext"),
        deterministic: z.boolean().default(false),
      },
      sensitive: ["values"],
      annotations: CREATE,
      operations: [svc.ops.tokenize],
      output: responseData(svc.ops.tokenize),
      async handler({ values, deterministic }, ctx) {
        const enc = encode(values);
        const answer = await mapped(enc.labelOf, () => svc.tokenize(enc.body, deterministic, ctx));
        return labelled(answer, enc, "tokens");
      },
    }),

    defineTool({
      name: `${p}_detokenize`,
      title: `Detokenize tokens (${svc.name})`,
      description: `Reveal the plaintext of ${svc.name} tokens under your labels; fails if any is invalid (see ${p}_partial_detokenize). Asks first: reveals plaintext.`,
      toolset: "tokenization",
      input: { tokens: entries(svc, "token") },
      sensitive: ["tokens"],
      asks: async ({ tokens }) => revealQuestion(Object.keys(tokens).length),
      verbatimOutput: "Detokenized plaintext is the customer's own value; removing a character would corrupt it.",
      // Nothing changes in ALTR, but it puts plaintext into the conversation (ALTR also uses
      // PUT for it): not advertised as read-only, so clients ask first and ALTR_READ_ONLY hides it.
      annotations: UPDATE,
      operations: [svc.ops.detokenize],
      output: responseData(svc.ops.detokenize),
      async handler({ tokens }, ctx) {
        const enc = encode(tokens);
        const answer = await mapped(enc.labelOf, () => svc.detokenize(enc.body, ctx));
        return labelled(answer, enc, "plaintext values");
      },
    }),

    defineTool({
      name: `${p}_partial_detokenize`,
      title: `Detokenize where possible (${svc.name})`,
      description: `Reveal the valid ${svc.name} tokens among your values; others come back unchanged. Asks first: reveals plaintext.`,
      toolset: "tokenization",
      input: { values: entries(svc, "token or any text") },
      sensitive: ["values"],
      asks: async ({ values }) => revealQuestion(Object.keys(values).length),
      verbatimOutput: "Detokenized plaintext is the customer's own value; removing a character would corrupt it.",
      annotations: UPDATE,
      operations: [svc.ops.partial],
      output: responseData(svc.ops.partial),
      async handler({ values }, ctx) {
        const enc = encode(values);
        const answer = await mapped(enc.labelOf, () => svc.partial(enc.body, ctx));
        return labelled(answer, enc, "values");
      },
    }),

    defineTool({
      name: `${p}_delete_tokens`,
      title: `Delete tokens (${svc.name})`,
      description: `Permanently delete ${svc.name} tokens: no longer detokenizable.`,
      toolset: "tokenization",
      input: { tokens: entries(svc, "token") },
      sensitive: ["tokens"],
      annotations: REMOVE,
      operations: [svc.ops.remove],
      output: deleteOutput,
      async handler({ tokens }, ctx) {
        const enc = encode(tokens);
        const answer = await mapped(enc.labelOf, () => svc.remove(enc.body, ctx));
        return deleted(answer, enc);
      },
    }),
  ];
}

export const tokenizationTools: Tool[] = [...toolsFor(VAULT), ...toolsFor(CRITICAL)];
