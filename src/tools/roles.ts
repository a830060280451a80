/** Roles: ALTR user groups, the "role" of a masking rule (altrnet). */
import { z } from "zod";
import { ok } from "../altr/client.js";
import { nextOffset, paginate } from "../altr/paginate.js";
import { S, objectOf } from "../schema/json-schema.js";
import { defineTool, type Tool } from "./define.js";
import { MAX_PAGES } from "./common.js";

export const roleTools: Tool[] = [
  defineTool({
    name: "get_roles",
    title: "List roles",
    description:
      "List ALTR role (user group) names; a masking rule's role must be one of them. If next_offset is set, call again with offset.",
    toolset: "roles",
    input: {
      offset: z.number().int().min(0).optional().describe("next_offset of a previous answer."),
    },
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    operations: ["altrnet.listUserGroups"],
    output: objectOf({ roles: S.arrayOf(S.string), count: S.integer, next_offset: S.nullableInteger }),
    async handler({ offset }, { altr, signal }) {
      let count: number | undefined;
      const paged = await paginate({
        start: offset ?? 0,
        maxPages: MAX_PAGES,
        fetchPage: async (cursor) => {
          const at = cursor ?? 0;
          // The upstream sends only offset; the page size is ALTR's default.
          const body = await ok(altr.altrnet.GET("/api/userGroups", { params: { query: { offset: at } }, signal }));
          const groups = body.data?.userGroups ?? [];
          count = body.data?.count ?? count;
          return { items: groups, next: nextOffset(at, groups.length, count) };
        },
      });
      const roles = paged.items.map((g) => g.userGroupName).filter((n): n is string => typeof n === "string");
      return { roles, count: count ?? roles.length, next_offset: paged.next };
    },
  }),
];
