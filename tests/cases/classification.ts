import type { ToolCase } from "./types.js";

const JOB = "3f8c2a91-5b7d-4e26-9c1a-7d4e8b2f6a10";
const OLTP_JOB = "9a1b7c3d-2e4f-4a6b-8c0d-1e2f3a4b5c6d";
const AGENT = "c5750de6-170d-46d3-a9bc-b5f7ba032ad0";
/** Findings path of the SSN column; "CRM DATA" and "US SSN" carry a space (percent-encoded once). */
const COLUMN = `/v1/jobs/${JOB}/findings/databases/ANALYTICS/schemas/CRM%20DATA/tables/CUSTOMERS/columns/SSN`;
const SCOPE = { database: "ANALYTICS", schema: "CRM DATA", table: "CUSTOMERS", column: "SSN", classifier_name: "US SSN" };

/** The OLTP job case again with requires_review (the first create_oltp_job case, plus the flag on both sides). */
function withRequiresReview(): ToolCase {
  const base = classificationCases.find((c) => c.tool === "create_oltp_job")!;
  const wire = base.wire[0]!;
  return {
    tool: "create_oltp_job",
    args: { ...base.args, requires_review: true },
    wire: [{ ...wire, body: { ...(wire.body as Record<string, unknown>), requires_review: true } }],
  };
}

const ruleset = {
  operator: "OR",
  conditions: [
    { target: "ROW_DATA", comparator: "matches", pattern: "\\d{3}-\\d{2}-\\d{4}", minimum_threshold: 80 },
    {
      operator: "AND",
      negated: true,
      conditions: [
        { target: "METADATA", comparator: "contains", pattern: "zip" },
        { target: "COLUMN_LOCATION", location: { schema: "staging" } },
      ],
    },
  ],
};

export const classificationCases: ToolCase[] = [
  // Classifiers
  {
    tool: "get_classifiers",
    args: {},
    // One page per call (the upstream read every page and returned no cursor).
    wire: [{ method: "GET", service: "classification", path: "/v1/classifiers" }],
  },
  {
    tool: "get_classifiers",
    args: { limit: 20, prefix: "US", order_by: "collection_count", sort_order: "desc", exclude_collection: "pii_classifiers" },
    wire: [
      {
        method: "GET",
        service: "classification",
        path: "/v1/classifiers",
        query: { limit: "20", prefix: "US", order_by: "collection_count", sort_order: "desc", exclude_collection: "pii_classifiers" },
      },
    ],
  },
  {
    tool: "get_classifier",
    args: { classifier_name: "US SSN" },
    wire: [{ method: "GET", service: "classification", path: "/v1/classifiers/US%20SSN" }],
  },
  {
    tool: "create_classifier",
    args: {
      classifier_name: "US SSN",
      description: "US social security numbers in sampled values",
      pattern: "\\d{3}-\\d{2}-\\d{4}",
      minimum_threshold: 80,
      compound_ruleset: ruleset,
    },
    wire: [
      {
        method: "POST",
        service: "classification",
        path: "/v1/classifiers",
        body: {
          classifier_name: "US SSN",
          description: "US social security numbers in sampled values",
          pattern: "\\d{3}-\\d{2}-\\d{4}",
          minimum_threshold: 80,
          compound_ruleset: ruleset,
        },
      },
    ],
  },
  {
    tool: "update_classifier",
    args: {
      classifier_name: "US SSN",
      minimum_threshold: 70,
      compound_ruleset: JSON.stringify({ operator: "AND", conditions: [{ target: "METADATA", comparator: "contains", pattern: "ssn" }] }),
    },
    wire: [
      {
        method: "PATCH",
        service: "classification",
        path: "/v1/classifiers/US%20SSN",
        body: {
          minimum_threshold: 70,
          compound_ruleset: { operator: "AND", conditions: [{ target: "METADATA", comparator: "contains", pattern: "ssn" }] },
        },
      },
    ],
  },
  {
    // ALTR's classifier attributes (static tags), on create (same name: the sandbox has it) and update.
    tool: "create_classifier",
    args: { classifier_name: "US SSN", pattern: "\\d{3}-\\d{2}-\\d{4}", attributes: { tags: ["type:ssn", "region:us"] } },
    wire: [
      { method: "POST", service: "classification", path: "/v1/classifiers", body: { classifier_name: "US SSN", pattern: "\\d{3}-\\d{2}-\\d{4}", attributes: { tags: ["type:ssn", "region:us"] } } },
    ],
  },
  {
    tool: "update_classifier",
    args: { classifier_name: "US SSN", attributes: { tags: [] } },
    wire: [{ method: "PATCH", service: "classification", path: "/v1/classifiers/US%20SSN", body: { attributes: { tags: [] } } }],
  },
  {
    tool: "delete_classifier",
    args: { classifier_name: "US SSN" },
    wire: [{ method: "DELETE", service: "classification", path: "/v1/classifiers/US%20SSN" }],
  },

  // Collections
  {
    tool: "get_collections",
    args: {},
    wire: [{ method: "GET", service: "classification", path: "/v1/collections" }],
  },
  {
    tool: "get_collections",
    args: { limit: 10, sort_order: "desc" },
    wire: [{ method: "GET", service: "classification", path: "/v1/collections", query: { limit: "10", sort_order: "desc" } }],
  },
  {
    tool: "get_collection",
    args: { collection_name: "pii_classifiers" },
    wire: [{ method: "GET", service: "classification", path: "/v1/collections/pii_classifiers" }],
  },
  {
    tool: "create_collection",
    args: { collection_name: "pii_classifiers", description: "Custom PII detection" },
    wire: [
      {
        method: "POST",
        service: "classification",
        path: "/v1/collections",
        body: { collection_name: "pii_classifiers", description: "Custom PII detection" },
      },
    ],
  },
  {
    tool: "update_collection",
    args: { collection_name: "pii_classifiers", description: "Custom PII detection (reviewed)" },
    wire: [
      {
        method: "PATCH",
        service: "classification",
        path: "/v1/collections/pii_classifiers",
        body: { description: "Custom PII detection (reviewed)" },
      },
    ],
  },
  {
    tool: "delete_collection",
    args: { collection_name: "pii_classifiers" },
    wire: [{ method: "DELETE", service: "classification", path: "/v1/collections/pii_classifiers" }],
  },
  {
    tool: "get_collection_classifiers",
    args: { collection_name: "pii_classifiers", limit: 50 },
    wire: [
      { method: "GET", service: "classification", path: "/v1/collections/pii_classifiers/classifiers", query: { limit: "50" } },
    ],
  },
  {
    tool: "add_classifiers_to_collection",
    args: { collection_name: "pii_classifiers", classifier_names: ["US SSN", "email_by_name"] },
    wire: [
      {
        method: "PATCH",
        service: "classification",
        path: "/v1/collections/pii_classifiers/classifiers/append",
        body: { classifier_names: ["US SSN", "email_by_name"] },
      },
    ],
  },
  {
    tool: "remove_classifiers_from_collection",
    // A single name is a one-item list, as upstream.
    args: { collection_name: "pii_classifiers", classifier_names: "email_by_name" },
    wire: [
      {
        method: "PATCH",
        service: "classification",
        path: "/v1/collections/pii_classifiers/classifiers/remove",
        body: { classifier_names: ["email_by_name"] },
      },
    ],
  },
  {
    tool: "import_altr_managed_classifiers",
    args: {},
    wire: [{ method: "POST", service: "classification", path: "/v1/collections/altr-managed/import", body: {} }],
  },
  {
    tool: "get_altr_managed_timestamp",
    args: {},
    wire: [{ method: "GET", service: "classification", path: "/v1/collections/altr-managed/timestamp" }],
  },
  {
    tool: "list_altr_managed_classifiers",
    args: { limit: 100 },
    wire: [{ method: "GET", service: "classification", path: "/v1/collections/altr-managed/classifiers", query: { limit: "100" } }],
  },

  // Jobs
  {
    tool: "get_jobs",
    args: { status: "COMPLETED", database_id: 42, classification_type: 5, order: "desc" },
    wire: [
      {
        method: "GET",
        service: "classification",
        path: "/v1/jobs",
        query: { status: "COMPLETED", database_id: "42", classification_type: "5", order: "desc" },
      },
    ],
  },
  {
    tool: "get_active_jobs",
    args: { agent_id: AGENT, limit: 50 },
    wire: [{ method: "GET", service: "classification", path: "/v1/jobs/active", query: { limit: "50", agent_id: AGENT } }],
  },
  {
    tool: "get_active_jobs",
    args: { status: "AWAITING_REVIEW", job_type: "FULL", classification_type: 5, order: "asc" },
    wire: [
      { method: "GET", service: "classification", path: "/v1/jobs/active", query: { status: "AWAITING_REVIEW", job_type: "FULL", classification_type: "5", order: "asc" } },
    ],
  },
  {
    tool: "get_job",
    args: { job_id: JOB },
    wire: [{ method: "GET", service: "classification", path: `/v1/jobs/${JOB}` }],
  },
  {
    tool: "get_job_summary",
    args: { job_id: JOB },
    wire: [{ method: "GET", service: "classification", path: `/v1/jobs/${JOB}/summary` }],
  },
  {
    tool: "create_job",
    args: { job_type: "FULL", database_id: 42, collection_name: "pii_classifiers", condition_types: ["ROW_DATA", "METADATA"] },
    // POST /v1/jobs/snowflake with the altr_native discriminator (the old POST /v1/jobs is gone).
    wire: [
      {
        method: "POST",
        service: "classification",
        path: "/v1/jobs/snowflake",
        body: {
          job_type: "FULL",
          database_id: 42,
          collection_name: "pii_classifiers",
          classification_type: "altr_native",
          condition_types: ["ROW_DATA", "METADATA"],
        },
      },
    ],
  },
  {
    tool: "create_job",
    args: { job_type: "INCREMENTAL", database_id: 42, collection_name: "pii_classifiers", sample_strategy: "COMBINED", requires_review: true },
    wire: [
      {
        method: "POST",
        service: "classification",
        path: "/v1/jobs/snowflake",
        body: { job_type: "INCREMENTAL", database_id: 42, collection_name: "pii_classifiers", classification_type: "altr_native", sample_strategy: "COMBINED", requires_review: true },
      },
    ],
  },
  {
    tool: "create_gdlp_job",
    args: { database_id: 42, requires_review: false },
    // false is sent, not dropped.
    wire: [{ method: "POST", service: "classification", path: "/v1/jobs/snowflake", body: { database_id: 42, classification_type: "gdlp", requires_review: false } }],
  },
  {
    tool: "create_gdlp_job",
    args: { database_id: 42, collection_name: "pii_classifiers", sample_size: 200, sample_type: "ROWS" },
    // Same endpoint, gdlp discriminator, no job_type (the old POST /v1/jobs/gdlp is gone).
    wire: [
      {
        method: "POST",
        service: "classification",
        path: "/v1/jobs/snowflake",
        body: { database_id: 42, classification_type: "gdlp", collection_name: "pii_classifiers", sample_size: 200, sample_type: "ROWS" },
      },
    ],
  },
  {
    tool: "create_databricks_job",
    args: { database_id: 57, collection_name: "pii_classifiers", condition_types: ["GDLP", "METADATA"] },
    wire: [
      {
        method: "POST",
        service: "classification",
        path: "/v1/jobs/databricks",
        body: { database_id: 57, collection_name: "pii_classifiers", condition_types: ["GDLP", "METADATA"] },
      },
    ],
  },
  {
    tool: "create_databricks_job",
    args: { database_id: 57, requires_review: true },
    wire: [{ method: "POST", service: "classification", path: "/v1/jobs/databricks", body: { database_id: 57, requires_review: true } }],
  },
  {
    tool: "create_oltp_job",
    args: {
      agent_id: AGENT,
      repo_name: "production_postgres",
      service_user_name: "altr_classification_svc",
      collection_name: "pii_classifiers",
    },
    // The upstream's sampling defaults are always sent.
    wire: [
      {
        method: "POST",
        service: "classification",
        path: "/v1/jobs/oltp",
        body: {
          agent_id: AGENT,
          repo_name: "production_postgres",
          service_user_name: "altr_classification_svc",
          collection_name: "pii_classifiers",
          classification_type: 5,
          sample_strategy: "ROWS",
          sample_size: 1000,
          sample_type: "ROWS",
        },
      },
    ],
  },
  {
    tool: "update_job_status",
    args: { job_id: OLTP_JOB, status: "PAUSED" },
    wire: [{ method: "PATCH", service: "classification", path: `/v1/jobs/${OLTP_JOB}`, body: { status: "PAUSED" } }],
  },
  {
    tool: "get_classification_report",
    args: { job_id: JOB },
    // Then a credential-free GET of the presigned URL (not an ALTR call; tests/classification.test.ts).
    wire: [{ method: "POST", service: "classification", path: `/v1/jobs/${JOB}/report`, body: {} }],
  },

  // Findings tree
  {
    tool: "get_job_findings",
    args: {
      job_id: JOB,
      classifier_name: ["US SSN", "email_by_name"],
      confirmed_status: ["pending", "rejected"],
      include_column_status_counts: true,
    },
    // List filters as repeated keys (OR), booleans as true/false.
    wire: [
      {
        method: "GET",
        service: "classification",
        path: `/v1/jobs/${JOB}/findings`,
        query: {
          classifier_name: ["US SSN", "email_by_name"],
          confirmed_status: ["pending", "rejected"],
          include_column_status_counts: "true",
        },
      },
    ],
  },
  {
    // The whole tree in one call (issue 16): each level's pages, depth first, the filters on every level.
    tool: "get_job_classified_columns",
    args: { job_id: JOB, classifier_name: ["US SSN"] },
    wire: [
      { method: "GET", service: "classification", path: `/v1/jobs/${JOB}/findings`, query: { limit: "200", classifier_name: "US SSN" } },
      { method: "GET", service: "classification", path: `/v1/jobs/${JOB}/findings/databases/ANALYTICS/schemas`, query: { limit: "200", classifier_name: "US SSN" } },
      { method: "GET", service: "classification", path: `/v1/jobs/${JOB}/findings/databases/ANALYTICS/schemas/CRM%20DATA/tables`, query: { limit: "200", classifier_name: "US SSN" } },
      {
        method: "GET",
        service: "classification",
        path: `/v1/jobs/${JOB}/findings/databases/ANALYTICS/schemas/CRM%20DATA/tables/CUSTOMERS/columns`,
        query: { limit: "200", classifier_name: "US SSN" },
      },
    ],
  },
  {
    tool: "get_job_findings_schemas",
    args: { job_id: JOB, database: "ANALYTICS", limit: 100 },
    wire: [
      {
        method: "GET",
        service: "classification",
        path: `/v1/jobs/${JOB}/findings/databases/ANALYTICS/schemas`,
        query: { limit: "100" },
      },
    ],
  },
  {
    tool: "get_job_findings_tables",
    args: { job_id: JOB, database: "ANALYTICS", schema: "CRM DATA", confirmed_status: ["approved"] },
    wire: [
      {
        method: "GET",
        service: "classification",
        path: `/v1/jobs/${JOB}/findings/databases/ANALYTICS/schemas/CRM%20DATA/tables`,
        query: { confirmed_status: "approved" },
      },
    ],
  },
  {
    tool: "get_job_findings_columns",
    args: { job_id: JOB, database: "ANALYTICS", schema: "CRM DATA", table: "CUSTOMERS", classifier_name: ["US SSN"] },
    wire: [
      {
        method: "GET",
        service: "classification",
        path: `/v1/jobs/${JOB}/findings/databases/ANALYTICS/schemas/CRM%20DATA/tables/CUSTOMERS/columns`,
        query: { classifier_name: "US SSN" },
      },
    ],
  },
  {
    tool: "get_job_findings_classifiers",
    args: { job_id: JOB, database: "ANALYTICS", schema: "CRM DATA", table: "CUSTOMERS", column: "SSN" },
    wire: [{ method: "GET", service: "classification", path: `${COLUMN}/classifiers` }],
  },
  {
    tool: "get_job_findings_classifiers",
    args: { job_id: JOB, database: "ANALYTICS", schema: "CRM DATA", table: "CUSTOMERS", column: "SSN", classifier_name: ["US SSN", "email_by_name"] },
    wire: [{ method: "GET", service: "classification", path: `${COLUMN}/classifiers`, query: { classifier_name: ["US SSN", "email_by_name"] } }],
  },
  {
    tool: "get_job_findings_lineage",
    args: { job_id: JOB, ...SCOPE },
    wire: [{ method: "GET", service: "classification", path: `${COLUMN}/classifiers/US%20SSN/lineage` }],
  },

  // Review
  {
    tool: "record_job_decision",
    args: { job_id: JOB, confirmed_status: "approved", ...SCOPE },
    wire: [
      {
        method: "POST",
        service: "classification",
        path: `/v1/jobs/${JOB}/decisions`,
        body: { confirmed_status: "approved", ...SCOPE },
      },
    ],
  },
  {
    tool: "get_job_decisions",
    args: { job_id: JOB, database: "ANALYTICS", schema: "CRM DATA" },
    wire: [
      {
        method: "GET",
        service: "classification",
        path: `/v1/jobs/${JOB}/decisions`,
        query: { database: "ANALYTICS", schema: "CRM DATA" },
      },
    ],
  },
  {
    tool: "revoke_job_decisions",
    args: { job_id: JOB, ...SCOPE },
    // Wire change (issue 15): the scope goes in a JSON body as ALTR documents, no longer in the query.
    wire: [{ method: "DELETE", service: "classification", path: `/v1/jobs/${JOB}/decisions`, body: SCOPE }],
  },
  {
    tool: "get_job_review_status",
    args: { job_id: JOB },
    wire: [{ method: "GET", service: "classification", path: `/v1/jobs/${JOB}/review-status` }],
  },
];

classificationCases.push(withRequiresReview());
