/** Every domain's tool cases, for the Prism, Pact and redaction tests. Add one import per domain. */
import { databaseCases } from "./databases.js";
import { policyCases } from "./policies.js";
import { sidecarCases } from "./sidecar.js";
import { sidecarAuditCases } from "./sidecar-audits.js";
import { telemetryCases } from "./telemetry.js";
import { auditReportCases } from "./audit-reports.js";
import { tokenizationCases } from "./tokenization.js";
import { keyManagementCases } from "./key-management.js";
import { tagCases } from "./tags.js";
import { accessManagementCases } from "./access-management.js";
import { accessRequestCases } from "./access-requests.js";
import { auditCases } from "./audits.js";
import { classificationCases } from "./classification.js";
import type { ToolCase } from "./types.js";

export type { ToolCase, WireCall } from "./types.js";

export const CASES: ToolCase[] = [...databaseCases, ...policyCases, ...sidecarCases, ...telemetryCases, ...sidecarAuditCases, ...auditReportCases, ...tokenizationCases, ...keyManagementCases, ...tagCases, ...accessManagementCases, ...accessRequestCases, ...auditCases, ...classificationCases];
