/**
 * The tool table: every tool altr-mcp has, in the order tools/list shows them (by toolset).
 * This is the whole table: each entry is a domain's list of defineTool() entries, none of which
 * gathers other lists. A tool that the Python server lacks is also listed in extra-tools.ts.
 */
import { accessManagementTools } from "./access-management.js";
import { accessRequestTools } from "./access-requests.js";
import { auditReportTools } from "./audit-reports.js";
import { auditTools } from "./audits.js";
import { classificationJobTools } from "./classification-jobs.js";
import { classificationReviewTools } from "./classification-review.js";
import { classifierTools, collectionTools } from "./classification.js";
import { databaseTools } from "./databases.js";
import type { Tool } from "./define.js";
import { keyManagementTools } from "./key-management.js";
import { policyTools } from "./policies.js";
import { roleTools } from "./roles.js";
import { sidecarAuditTools } from "./sidecar-audits.js";
import { repoTools } from "./sidecar-repos.js";
import { agentTools, sidecarTools } from "./sidecar.js";
import { tagTools } from "./tags.js";
import { telemetryTools } from "./telemetry.js";
import { tokenizationTools } from "./tokenization.js";

export { SUPPORT_TOOLS } from "./support.js";

export const ALL_TOOLS: readonly Tool[] = [
  ...databaseTools,
  ...roleTools,
  ...tagTools,
  ...policyTools,
  // classification
  ...classifierTools,
  ...collectionTools,
  ...classificationJobTools,
  ...classificationReviewTools,
  ...accessManagementTools,
  ...accessRequestTools,
  ...sidecarAuditTools,
  ...auditTools,
  ...telemetryTools,
  // sidecar configuration, in the upstream's order: agents, tasks, repos, repo users, service users, sidecars, listeners, bindings
  ...agentTools,
  ...repoTools,
  ...sidecarTools,
  ...auditReportTools,
  ...tokenizationTools,
  ...keyManagementTools,
];
