/**
 * The ALTR services altr-mcp talks to. One entry per service: the environment variable that
 * overrides its base URL, the upstream default, and the curated OpenAPI document that
 * describes it. An override is the URL up to where the document's paths begin, exactly as
 * the upstream Python server uses it.
 */
export const SERVICES = {
  altrnet: {
    env: "ALTR_ALTRNET_BASE_URL",
    defaultUrl: "https://altrnet.live.altr.com",
    spec: "altrnet.yaml",
  },
  api: {
    env: "ALTR_API_BASE_URL",
    defaultUrl: "https://api.live.altr.com",
    spec: "api.yaml",
  },
  classification: {
    env: "ALTR_CLASSIFICATION_BASE_URL",
    defaultUrl: "https://{ORG_ID}.classification.live.altr.com",
    spec: "classification.yaml",
  },
  sc_control: {
    env: "ALTR_SC_CONTROL_BASE_URL",
    defaultUrl: "https://{ORG_ID}.sc-control.live.altr.com",
    spec: "sc-control.yaml",
  },
  service_user: {
    env: "ALTR_SERVICE_USER_BASE_URL",
    defaultUrl: "https://{ORG_ID}.service-user.live.altr.com",
    spec: "service-user.yaml",
  },
  audit_report: {
    env: "ALTR_AUDIT_REPORT_BASE_URL",
    defaultUrl: "https://{ORG_ID}.audit-report.live.altr.com/v1",
    spec: "audit-report.yaml",
  },
  vault: {
    env: "ALTR_VAULT_BASE_URL",
    defaultUrl: "https://{ORG_ID}.vault.live.altr.com/api/v2",
    spec: "vault.yaml",
  },
  critical: {
    env: "ALTR_CRITICAL_BASE_URL",
    defaultUrl: "https://{ORG_ID}.critical.live.altr.com/v2",
    spec: "critical.yaml",
  },
  kma: {
    env: "ALTR_KMA_BASE_URL",
    defaultUrl: "https://{ORG_ID}.kma.live.altr.com/v1",
    spec: "kma.yaml",
  },
} as const;

export type ServiceName = keyof typeof SERVICES;
export const SERVICE_NAMES = Object.keys(SERVICES) as ServiceName[];
