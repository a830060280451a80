/** Roles: ALTR user groups, the "role" of a masking rule (altrnet). */
import { paginateOffset } from "../altr/paginate.js";
import { S, objectOf } from "../schema/json-schema.js";
import { defineTool, type Tool } from "./define.js";
import { MAX_PAGES, offsetParam, READ } from "./common.js";

export const roleTools: Tool[] = [
  defineTool({
    name: "get_roles",
    title: "List roles",
    description:
      "List ALTR role (user group) names; a masking rule's role must be one.",
    toolset: "roles",
    input: {
      offset: offsetParam,
    },
    annotations: READ,
    operations: ["altrnet.listUserGroups"],
    output: objectOf({ roles: S.arrayOf(S.string), count: S.integer, total: S.integer, next_offset: S.nullableInteger }),
    async handler({ offset }, { call, signal, scope }) {
      const paged = await paginateOffset({
        scope,
        start: offset ?? 0,
        maxPages: MAX_PAGES,
        fetchPage: async (at) => {
          // The upstream sends only offset; the page size is ALTR's default.
          const body = await call("altrnet.listUserGroups", { query: { offset: at }, signal });
          return { items: body.data?.userGroups ?? [], total: body.data?.count };
        },
      });
      const roles = paged.items.map((g) => g.userGroupName).filter((n): n is string => typeof n === "string");
      // count: the rows returned; total: how many ALTR says there are.
      return { roles, count: roles.length, total: paged.total, next_offset: paged.next_offset };
    },
  }),
];
