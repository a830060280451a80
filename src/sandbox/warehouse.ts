/**
 * The seed model behind the sandbox's classification answers: what the demo organisation's
 * databases hold (databases → schemas → tables → columns, each column with sample values), and
 * the classifiers of its collections. Jobs evaluate these classifiers on these samples, so
 * findings, summaries, lineage and reports agree with each other and with the collection asked.
 */
import type { Item } from "./values.js";

export interface ColumnModel {
  database: string;
  schema: string;
  table: string;
  column: string;
  samples: string[];
}

const col = (database: string, schema: string, table: string, column: string, samples: string[]): ColumnModel => ({ database, schema, table, column, samples });

/** Snowflake connection 42 (PROD_SNOWFLAKE): ANALYTICS is the database the documents' examples scan. */
const SNOWFLAKE_42 = [
  col("ANALYTICS", "CRM DATA", "CUSTOMERS", "EMAIL", ["ann@example.com", "bo@example.org", "cy@example.net", "di@example.com", "ed@example.com"]),
  col("ANALYTICS", "CRM DATA", "CUSTOMERS", "SSN", ["123-45-6789", "987-65-4321", "555-12-3456", "111-22-3333", "222-33-4444"]),
  col("ANALYTICS", "CRM DATA", "CUSTOMERS", "PHONE", ["(555) 010-2233", "(555) 010-4455", "(555) 010-6677", "(555) 010-8899", "(555) 010-1122"]),
  col("ANALYTICS", "CRM DATA", "CUSTOMERS", "FULL_NAME", ["Ann Lee", "Bo Chan", "Cy Diaz", "Di Ross", "Ed Park"]),
  col("ANALYTICS", "CRM DATA", "ORDERS", "ORDER_ID", ["1001", "1002", "1003", "1004", "1005"]),
  col("ANALYTICS", "CRM DATA", "ORDERS", "CARD_NUMBER", ["4111-1111-1111-1111", "5500-0000-0000-0004", "3400-0000-0000-0009", "6011-0000-0000-0004", "4012-8888-8888-1881"]),
  col("ANALYTICS", "CRM DATA", "ORDERS", "AMOUNT", ["19.99", "5.00", "120.50", "42.00", "7.25"]),
  col("PROD_DB", "SALES", "CUSTOMERS", "EMAIL", ["fay@example.com", "gus@example.com", "hal@example.com", "ida@example.com", "jo@example.com"]),
  col("PROD_DB", "SALES", "CUSTOMERS", "SSN", ["321-54-9876", "654-32-1987", "147-25-8369", "258-36-9147", "369-14-7258"]),
  col("PROD_DB", "SALES", "CUSTOMERS", "REGION", ["WEST", "EAST", "WEST", "NORTH", "SOUTH"]),
];

/** Databricks workspace 55 (PROD_DATABRICKS). */
const DATABRICKS_55 = [
  col("main", "sales", "customers", "email", ["kim@example.com", "lu@example.com", "max@example.com", "ned@example.com", "oz@example.com"]),
  col("main", "sales", "customers", "phone", ["(555) 020-1000", "(555) 020-2000", "(555) 020-3000", "(555) 020-4000", "(555) 020-5000"]),
  col("main", "sales", "customers", "segment", ["retail", "retail", "b2b", "retail", "b2b"]),
];

/** OLTP repositories behind the sidecar, by repo name. */
const REPOS: Record<string, ColumnModel[]> = {
  orders_oracle: [
    col("ORCL", "ORDERS", "CUSTOMERS", "EMAIL", ["pat@example.com", "quin@example.com", "ray@example.com", "sam@example.com", "tia@example.com"]),
    col("ORCL", "ORDERS", "CUSTOMERS", "SSN", ["741-85-2963", "852-96-3741", "963-74-1852", "159-35-7486", "357-15-9486"]),
    col("ORCL", "ORDERS", "PAYMENTS", "CARD_NUMBER", ["4111-1111-1111-1111", "5500-0000-0000-0004", "4012-8888-8888-1881", "6011-0000-0000-0004", "3400-0000-0000-0009"]),
  ],
  production_postgres: [
    col("app", "public", "users", "email", ["uma@example.com", "vic@example.com", "wes@example.com", "xia@example.com", "yan@example.com"]),
    col("app", "public", "users", "phone", ["(555) 030-1000", "(555) 030-2000", "(555) 030-3000", "(555) 030-4000", "(555) 030-5000"]),
    col("app", "public", "users", "created_at", ["2025-01-01", "2025-01-02", "2025-01-03", "2025-01-04", "2025-01-05"]),
  ],
};

const DATABASES: Record<number, ColumnModel[]> = { 42: SNOWFLAKE_42, 55: DATABRICKS_55 };

/**
 * The columns a job scans: a connected database's by id, a repository's by name. A database
 * the seed does not describe (one created in the sandbox) has no columns: its jobs find nothing.
 */
export function columnsOf(target: { databaseId?: number; repo?: string }): ColumnModel[] {
  if (target.repo !== undefined) return REPOS[target.repo] ?? [];
  return target.databaseId !== undefined ? (DATABASES[target.databaseId] ?? []) : [];
}

/** Where the sandbox keeps the query audit rows that searches return. */
export const QUERY_AUDITS = "/v1/query-audits/results";

/** The demo organisation's id. */
export const ORG = "969276ae-9118-11ed-a1eb-0242ac120002";

/** The seeded classifiers (US SSN and email_by_name as the documents show them). */
export const CLASSIFIERS: Item[] = [
  {
    classifier_name: "US SSN",
    description: "US social security numbers in sampled values",
    pattern: "\\d{3}-\\d{2}-\\d{4}",
    minimum_threshold: 80,
    collection_names: ["pii_classifiers"],
    collection_count: 1,
    org_id: ORG,
  },
  {
    classifier_name: "email_by_name",
    description: "Columns named like an email address",
    compound_ruleset: { operator: "AND", conditions: [{ target: "METADATA", comparator: "contains", pattern: "email" }] },
    collection_names: ["pii_classifiers"],
    collection_count: 1,
    org_id: ORG,
  },
  {
    classifier_name: "phone_by_pattern",
    description: "North American phone numbers in sampled values, or a column named phone",
    compound_ruleset: {
      operator: "OR",
      conditions: [
        { target: "ROW_DATA", comparator: "matches", pattern: "\\(\\d{3}\\) \\d{3}-\\d{4}", minimum_match_ratio: 0.8 },
        { target: "METADATA", comparator: "contains", pattern: "phone" },
      ],
    },
    collection_names: ["pii_classifiers"],
    collection_count: 1,
    org_id: ORG,
  },
  {
    classifier_name: "card_number",
    description: "Payment card numbers in sampled values",
    pattern: "\\d{4}-\\d{4}-\\d{4}-\\d{4}",
    minimum_threshold: 80,
    collection_names: ["financial_classifiers"],
    collection_count: 1,
    org_id: ORG,
  },
];

export const COLLECTIONS: Item[] = [
  { collection_name: "pii_classifiers", description: "Custom PII detection", classifier_count: 3, org_id: ORG },
  { collection_name: "financial_classifiers", description: "Payment data", classifier_count: 1, org_id: ORG },
];

export interface Evaluation {
  matched: boolean;
  matchRate: number;
  /** The documented decision_lineage, or null for a simple regex classifier (as ALTR answers). */
  lineage: Item | null;
}

const ratio = (samples: string[], pattern: string): { count: number; ratio: number } => {
  let re: RegExp;
  try {
    re = new RegExp(`^(?:${pattern})$`);
  } catch {
    return { count: 0, ratio: 0 };
  }
  const count = samples.filter((s) => re.test(s)).length;
  return { count, ratio: samples.length ? count / samples.length : 0 };
};

const round = (n: number) => Math.round(n * 100) / 100;

/** One classifier on one column: regex classifiers on the samples, compound rulesets condition by condition. */
export function evaluate(classifier: Item, column: ColumnModel): Evaluation {
  if (typeof classifier.pattern === "string") {
    const r = ratio(column.samples, classifier.pattern);
    const threshold = typeof classifier.minimum_threshold === "number" ? classifier.minimum_threshold : 80;
    return { matched: r.ratio * 100 >= threshold, matchRate: round(r.ratio), lineage: null };
  }
  const ruleset = classifier.compound_ruleset;
  const conditions = ruleset && typeof ruleset === "object" && !Array.isArray(ruleset) && Array.isArray(ruleset.conditions) ? ruleset.conditions : [];
  const operator = ruleset && typeof ruleset === "object" && !Array.isArray(ruleset) && ruleset.operator === "OR" ? "OR" : "AND";
  const results: Item[] = [];
  const rates: number[] = [];
  for (const c of conditions) {
    if (!c || typeof c !== "object" || Array.isArray(c)) continue;
    const pattern = typeof c.pattern === "string" ? c.pattern : "";
    const target = typeof c.target === "string" ? c.target : "METADATA";
    if (target === "ROW_DATA") {
      const r = ratio(column.samples, pattern);
      const minimum = typeof c.minimum_match_ratio === "number" ? c.minimum_match_ratio : 0.8;
      const result = r.ratio >= minimum;
      rates.push(r.ratio);
      results.push({ type: "leaf", target, comparator: "matches", pattern, evaluated: true, result, negated: false, match_count: r.count, total_count: column.samples.length, match_ratio: round(r.ratio), minimum_match_ratio: minimum });
    } else {
      const result = column.column.toLowerCase().includes(pattern.toLowerCase());
      if (result) rates.push(1);
      results.push({ type: "leaf", target, comparator: "contains", pattern, evaluated: true, result, negated: false });
    }
  }
  const matched = results.length > 0 && (operator === "AND" ? results.every((r) => r.result === true) : results.some((r) => r.result === true));
  const matchRate = rates.length ? round(Math.max(...rates)) : 0;
  return {
    matched,
    matchRate,
    lineage: { classifier_name: String(classifier.classifier_name), operator, result: matched, conditions: results, matched_tags: [], effective_tags: [] },
  };
}

/** A Snowflake query audit row (the seed's, and those of the sandbox's own scans). */
export const queryAudit = (id: string, user: string, role: string, text: string, time: number, tagValue = "", decision = "") => ({
  event_id: id,
  client_id: ORG,
  event_version: "1.0",
  event_name: "QUERY",
  event_source: "snowflake",
  event_time: time,
  user_identity: { type: "snowflake", database_id: "42" },
  event_details: {
    actor: { username: user, current_role: role, roles: [role], client: "JDBC", ip_address: "10.20.30.40" },
    account: { region: "AWS_US_WEST_2", identifier: "ACME-PROD" },
    query: { id: `01b4c2d3-0000-5e6f-0000-${id.slice(-12)}`, start_time: new Date(time).toISOString(), completed_time: new Date(time + 1000).toISOString(), text, warehouse: "BI_WH", type: "SELECT" },
    result: {
      row_count: tagValue ? 25 : 5,
      tag_policy: {
        query_time_decision: tagValue
          ? [{ tag_name: "PII", tag_value: tagValue, applied_policy: { id: 10002, name: "PII", type: "TAG", masking_type: tagValue, decision_type: decision } }]
          : [],
      },
    },
  },
});
