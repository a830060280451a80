/** The tool table: every tool altr-mcp has, in the order tools/list shows them (by toolset). */
import { accessManagementTools } from "./access-management.js";
import { accessRequestTools } from "./access-requests.js";
import { auditReportTools } from "./audit-reports.js";
import { auditTools } from "./audits.js";
import { classificationTools } from "./classification.js";
import { databaseTools } from "./databases.js";
import type { Tool } from "./define.js";
import { keyManagementTools } from "./key-management.js";
import { policyTools } from "./policies.js";
import { roleTools } from "./roles.js";
import { sidecarAuditTools } from "./sidecar-audits.js";
import { sidecarConfigTools } from "./sidecar.js";
import { tagTools } from "./tags.js";
import { telemetryTools } from "./telemetry.js";
import { tokenizationTools } from "./tokenization.js";

export { SUPPORT_TOOLS } from "./support.js";

export const ALL_TOOLS: readonly Tool[] = [
  ...databaseTools,
  ...roleTools,
  ...tagTools,
  ...policyTools,
  ...classificationTools,
  ...accessManagementTools,
  ...accessRequestTools,
  ...sidecarAuditTools,
  ...auditTools,
  ...telemetryTools,
  ...sidecarConfigTools,
  ...auditReportTools,
  ...tokenizationTools,
  ...keyManagementTools,
];
