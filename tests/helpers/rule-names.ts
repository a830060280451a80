/**
 * Stub routes for the look-ups add_rules and update_rule make before a write: ALTR's roles
 * (user groups) and the values of a tag (tag values list), each as one complete page.
 */
import type { Stub } from "./stub.js";

export function routeRuleNames(stub: Stub, roles: readonly string[], values: readonly string[], tag = "PII"): void {
  stub.route("GET", "/api/userGroups", {
    status: 200,
    body: { success: true, data: { userGroups: roles.map((userGroupName, i) => ({ userGroupId: i + 1, userGroupName })), count: roles.length } },
  });
  stub.route("GET", "/v1/dis/tags/v2/tags/list", {
    status: 200,
    body: { tags: values.map((tagValue, i) => ({ tagID: `t${i}`, tagKey: tag, tagValue })), totals: { tagCount: values.length } },
  });
}
