/**
 * Pieces shared by the sc_control tools (sidecar configuration, telemetry, sidecar audits): ids,
 * ports, one-page-per-call paging with `contiguous_id`, case-insensitive enums, and the
 * structured parameters the upstream accepts as objects or JSON strings (credential references,
 * task configuration, schedule), validated against the structure ALTR documents.
 */
import { z } from "zod";
import { isTimeZone, text } from "./common.js";
import { input } from "./define.js";

/** Text whose spaces matter (a log prefix, a search substring): kept as given, but not blank. */
export const verbatim = z.string().refine((v) => v.trim() !== "", { error: "must not be blank" });

export const agentId = text;
export const sidecarId = text;
export const taskId = text;
export const repoName = text;
export const username = text;
export const port = z.number().int().min(1).max(65535);

/** Page size: sidecar configuration allows 1–100, telemetry 1–1000. */
export const limit = (max: number) => z.number().int().min(1).max(max).optional();
export { contiguousId } from "./common.js";

/** RFC 3339 date-time; checked without advertising zod's very long pattern. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
export const rfc3339 = (utcOnly = false) =>
  z
    .string()
    .trim()
    .refine((v) => RFC3339.test(v) && !Number.isNaN(Date.parse(v)) && (!utcOnly || v.endsWith("Z")), {
      error: utcOnly ? "must be a UTC time such as 2025-06-01T00:00:00Z" : "must be an RFC 3339 time such as 2025-06-01T00:00:00Z",
    });

/** An enum matched case-insensitively and sent in its documented spelling. */
export function caseless<const T extends readonly [string, ...string[]]>(values: T) {
  return z.preprocess(
    (v) => (typeof v === "string" ? (values.find((x) => x.toLowerCase() === v.trim().toLowerCase()) ?? v) : v),
    z.enum(values),
  );
}

/** ALTR's repo types (the upstream documents the first four; ALTR's list filter adds two). */
export const REPO_TYPES = ["Oracle", "MSSQL", "MySQL", "Postgres", "MongoDB", "Cassandra"] as const;

/** A list given as an array or as one comma-separated string; sent comma-joined, as ALTR documents. */
export function commaList<T extends z.ZodType>(item: T, numeric = false) {
  return z
    .preprocess((v) => {
      if (typeof v !== "string") return v;
      const parts = v.split(",").map((s) => s.trim());
      return numeric ? parts.map((s) => (/^\d+$/.test(s) ? Number(s) : s)) : parts;
    }, z.array(item).min(1))
    .transform((items) => items.join(","))
    ;
}

/** A list filter given as one value or several; sent as repeated query keys. */
export const manyOf = z.preprocess((v) => (typeof v === "string" ? [v] : v), z.array(text)).optional();

const iamRole = z
  .string()
  .trim()
  .refine((v) => /^arn:aws[a-zA-Z-]*:iam::\d{12}:role\/.+$/.test(v), { error: "must be an IAM role ARN, e.g. arn:aws:iam::123456789012:role/Name" });

/** Where a credential lives in AWS Secrets Manager. Object or JSON string. */
export const awsSecretsManager = input
  .described("object", z.object({ secrets_path: text, iam_role: iamRole.optional() }).strict(), "{secrets_path, iam_role?: role ARN}")
  .optional();

/** Where a credential lives in Azure Key Vault. Object or JSON string. */
export const azureKeyVault = input
  .described(
    "object",
    z
      .object({
        key_vault_uri: z.url({ protocol: /^https$/, error: "must be the vault's https URI, e.g. https://name.vault.azure.net/" }),
        secret_name: z.string().refine((v) => /^[0-9A-Za-z-]{1,127}$/.test(v), { error: "must be 1–127 letters, digits or dashes" }),
      })
      .strict(),
    "{key_vault_uri: https URI, secret_name}",
  )
  .optional();

/** A credential in one of the sidecar's environment variables. Object or JSON string. */
export const environmentVariable = input
  .described(
    "object",
    z
      .object({
        variable_name: z.string().refine((v) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(v), { error: "must be a variable name: letters, digits, _" }),
      })
      .strict(),
    "{variable_name}",
  )
  .optional();

/** A credential in a file under the sidecar's /altr/secrets/ (ALTR: a plain file name). */
export const secretFile = input
  .described(
    "object",
    z
      .object({
        path: z.string().refine((v) => /^[^/\\]+$/.test(v) && v !== "." && v !== "..", { error: "must be a file name without directories, e.g. db_password" }),
      })
      .strict(),
    "{path: file name}",
  )
  .optional();

/** ALTR's credential sources, of which a repo user or service user takes exactly one. */
export const CREDENTIAL_PARAMS = ["aws_secrets_manager", "azure_key_vault", "environment_variable", "secret_file"] as const;

/** The credential-source parameters, for a tool's input. */
export const credentialSources = { aws_secrets_manager: awsSecretsManager, azure_key_vault: azureKeyVault, environment_variable: environmentVariable, secret_file: secretFile };

const ISO_DURATION = /^P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/;


/** A task schedule (ALTR's Schedule). Object or JSON string; type defaults to CRON. */
export const schedule = input.described(
  "object",
  z
    .object({
      type: caseless(["CRON"]).default("CRON"),
      value: z
        .string()
        .trim()
        .refine((v) => v.startsWith("@") || (v.split(/\s+/).length >= 5 && v.split(/\s+/).length <= 7), {
          error: "must be a cron expression such as 0 2 * * * (5 to 7 fields)",
        }),
      max_duration: z.string().refine((v) => ISO_DURATION.test(v), { error: "must be an ISO 8601 duration such as PT2H" }).optional(),
      timezone: z.string().trim().refine(isTimeZone, { error: "must be an IANA time zone such as America/New_York" }).optional(),
    })
    .strict(),
  '{value: cron e.g. "0 2 * * *", timezone?: IANA, max_duration?: ISO 8601 e.g. "PT2H", type?: "CRON"}',
);

const SIS_KEYS = ["audit_file_path", "audit_file_type", "log_line_prefix", "table_name", "initial_audit_timestamp"] as const;
const CLASSIFIER_KEYS = ["classification_type", "collection_name", "condition_types", "sample_strategy", "sample_size", "sample_type"] as const;

/**
 * A task's settings (ALTR's TaskConfiguration): audit (SIS) or classifier keys, never both.
 * Validated against the full structure, but advertised as an object whose description names
 * the keys (input.described): the nested schema would cost ~1 KB of tool list per task tool.
 */
export const taskConfiguration = input.described(
  "object",
  z
    .object({
      classification_type: z.number().int().min(1).optional(),
      collection_name: text.optional(),
      condition_types: z.array(text).min(1).optional(),
      sample_strategy: text.optional(),
      sample_size: z.number().int().min(1).optional(),
      sample_type: caseless(["ROWS", "PERCENT"]).optional(),
      audit_file_path: z
        .string()
        .trim()
        .refine((v) => /^(\/|[A-Za-z]:[\\/])/.test(v), { error: "must be an absolute path" })
        .optional(),
      audit_file_type: caseless(["stderr", "csv", "json"]).optional(),
      log_line_prefix: verbatim.optional(),
      table_name: text.optional(),
      initial_audit_timestamp: rfc3339().optional(),
      service_name: text.optional(),
      ssl_config: z
        .object({
          enabled: z.boolean().optional(),
          hostname_in_certificate: text.optional(),
          trust_server_certificate: z.boolean().optional(),
          trust_store_path: text.optional(),
          trust_store_password_arn: text.optional(),
        })
        .strict()
        .optional(),
    })
    .strict()
    .superRefine((c, ctx) => {
      const sis = SIS_KEYS.find((k) => c[k] !== undefined);
      const classifier = CLASSIFIER_KEYS.find((k) => c[k] !== undefined);
      if (sis && classifier) {
        ctx.addIssue({ code: "custom", path: [sis], message: `audit (SIS) key; not allowed together with the classifier key ${classifier}` });
      }
      if ((c.sample_size === undefined) !== (c.sample_type === undefined)) {
        ctx.addIssue({ code: "custom", path: [c.sample_size === undefined ? "sample_size" : "sample_type"], message: "sample_size and sample_type go together" });
      }
      if (c.sample_type === "PERCENT" && c.sample_size !== undefined && c.sample_size > 100) {
        ctx.addIssue({ code: "custom", path: ["sample_size"], message: "a percentage is 1–100" });
      }
      if (c.audit_file_type === "stderr" && c.log_line_prefix === undefined) {
        ctx.addIssue({ code: "custom", path: ["log_line_prefix"], message: "required when audit_file_type is stderr" });
      }
      if (c.table_name !== undefined && c.audit_file_path !== undefined) {
        ctx.addIssue({ code: "custom", path: ["table_name"], message: "MySQL audits read either table_name or audit_file_path, not both" });
      }
    }),
  "SIS: audit_file_path, audit_file_type (stderr|csv|json), log_line_prefix, table_name (MySQL), initial_audit_timestamp. " +
    "CLASSIFIER: classification_type (5 ALTR, 6 Google DLP), collection_name, condition_types[], sample_strategy, sample_size+sample_type (ROWS|PERCENT). " +
    "Both: service_name (Oracle), ssl_config {enabled, hostname_in_certificate, trust_server_certificate, trust_store_path, trust_store_password_arn}.",
);
