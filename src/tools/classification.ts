/**
 * Classification (classification service): classifiers and collections here; jobs and the
 * report in classification-jobs.ts; findings and review in classification-review.ts.
 */
import { z } from "zod";
import type { components } from "../generated/classification.js";
import { S, objectOf } from "../schema/json-schema.js";
import { defineTool, InputError, responseBody, type Tool } from "./define.js";
import { allPages, classifierNames, contiguousId, name, pageSize, rulesetParam } from "./classification-shared.js";
import { CREATE, MAX_PAGES, READ, REMOVE, UPDATE } from "./common.js";
import { paginateTokens } from "../altr/paginate.js";
import { deleteOnce, DELETE_OUTCOME, outcome } from "./deletes.js";

type Classifier = components["schemas"]["Classifier"];
type Collection = components["schemas"]["Collection"];


const threshold = z.number().int().min(0).max(100);
const legacySampleSize = z.number().int().min(1);
const ascDesc = z.enum(["asc", "desc"]).optional();
/** ALTR's static semantic metadata of a classifier (its tags; ALTR's tier is not described). */
const attributes = z.object({ tags: z.array(z.string().trim().min(1)).max(50) }).strict().optional();

export const classifierTools: Tool[] = [
  defineTool({
    name: "get_classifiers",
    title: "List classifiers",
    description: "List classifiers (custom and imported ALTR-managed).",
    toolset: "classification",
    input: {
      contiguous_id: contiguousId,
      all_pages: allPages,
      limit: pageSize(100),
      prefix: name.optional(),
      order_by: z.enum(["name", "collection_count"]).optional(),
      sort_order: ascDesc,
      exclude_collection: name.optional(),
    },
    annotations: READ,
    operations: ["classification.listClassifiers"],
    output: responseBody("classification.listClassifiers"),
    async handler({ contiguous_id, all_pages, ...filters }, { call, signal, scope }) {
      const page = await paginateTokens<Classifier>({
        scope,
        start: contiguous_id,
        maxPages: all_pages === true ? MAX_PAGES : 1,
        fetch: async (token) => {
          const body = await call("classification.listClassifiers", { query: { ...(token ? { contiguous_id: token } : {}), ...filters }, signal });
          return { items: body.classifiers, next: body.contiguous_id };
        },
      });
      return { classifiers: page.items, contiguous_id: page.next };
    },
  }),

  defineTool({
    name: "get_classifier",
    title: "Get a classifier",
    description: "Get a classifier and the collections that use it.",
    toolset: "classification",
    input: { classifier_name: name },
    annotations: READ,
    operations: ["classification.getClassifier"],
    output: responseBody("classification.getClassifier"),
    async handler({ classifier_name }, { call, signal }) {
      return call("classification.getClassifier", { path: { classifier_name }, signal });
    },
  }),

  defineTool({
    name: "create_classifier",
    title: "Create a classifier",
    description:
      "Create a custom classifier: an RE2 pattern matching minimum_threshold % of sampled values, and/or a compound_ruleset; jobs use it via a collection.",
    toolset: "classification",
    input: {
      classifier_name: name,
      description: z.string().optional(),
      minimum_threshold: threshold.optional(),
      pattern: z.string().min(1).optional(),
      sample_size: legacySampleSize.optional(),
      compound_ruleset: rulesetParam({ allowEmpty: false }).optional(),
      attributes,
    },
    annotations: CREATE,
    operations: ["classification.createClassifier"],
    output: responseBody("classification.createClassifier"),
    async handler(args, { call, signal }) {
      if (args.pattern === undefined && args.compound_ruleset === undefined) {
        throw new InputError("pattern, compound_ruleset: give a pattern, a compound_ruleset, or both", ["pattern", "compound_ruleset"]);
      }
      return call("classification.createClassifier", { body: {
            classifier_name: args.classifier_name,
            description: args.description,
            minimum_threshold: args.minimum_threshold,
            pattern: args.pattern,
            sample_size: args.sample_size,
            compound_ruleset: args.compound_ruleset as components["schemas"]["CompoundRuleset"] | undefined,
            attributes: args.attributes,
          }, signal });
    },
  }),

  defineTool({
    name: "update_classifier",
    title: "Update a classifier",
    description:
      "Change a custom classifier; an empty pattern, minimum_threshold 0 or compound_ruleset {} clears it.",
    toolset: "classification",
    input: {
      classifier_name: name,
      description: z.string().optional(),
      minimum_threshold: threshold.optional(),
      pattern: z.string().optional(),
      sample_size: legacySampleSize.optional(),
      compound_ruleset: rulesetParam({ allowEmpty: true, description: "As in create_classifier; {} removes it." }).optional(),
      attributes,
    },
    // Clearing a pattern or ruleset changes what the classifier detects; nothing is deleted.
    annotations: UPDATE,
    operations: ["classification.updateClassifier"],
    output: responseBody("classification.updateClassifier"),
    async handler({ classifier_name, ...fields }, { call, signal }) {
      if (Object.values(fields).every((v) => v === undefined)) {
        throw new InputError(
          "Nothing to update: give description, minimum_threshold, pattern, sample_size, compound_ruleset or attributes",
          [],
        );
      }
      const clearsRuleset = fields.compound_ruleset !== undefined && Object.keys(fields.compound_ruleset).length === 0;
      if (fields.pattern === "" && clearsRuleset) {
        throw new InputError("pattern, compound_ruleset: cannot clear both; a classifier needs one of them", [
          "pattern",
          "compound_ruleset",
        ]);
      }
      return call("classification.updateClassifier", { path: { classifier_name }, body: {
            ...fields,
            compound_ruleset: fields.compound_ruleset as components["schemas"]["CompoundRuleset"] | undefined,
          }, signal });
    },
  }),

  defineTool({
    name: "delete_classifier",
    title: "Delete a classifier",
    description: "Delete a custom classifier; it leaves every collection.",
    toolset: "classification",
    input: { classifier_name: name },
    annotations: REMOVE,
    operations: ["classification.deleteClassifier"],
    output: objectOf({ classifier_name: S.string, deleted: S.boolean, ...DELETE_OUTCOME }),
    async handler({ classifier_name }, { call, signal }) {
      const done = await deleteOnce(call("classification.deleteClassifier", { path: { classifier_name }, signal }), { what: "classifier", list: "get_classifiers" });
      return { classifier_name, deleted: done.changed, ...outcome(done) };
    },
  }),
];

export const collectionTools: Tool[] = [
  defineTool({
    name: "get_collections",
    title: "List collections",
    description: "List classifier collections (a job runs one collection).",
    toolset: "classification",
    input: { contiguous_id: contiguousId, all_pages: allPages, limit: pageSize(100), sort_order: ascDesc },
    annotations: READ,
    operations: ["classification.listCollections"],
    output: responseBody("classification.listCollections"),
    async handler({ contiguous_id, all_pages, ...filters }, { call, signal, scope }) {
      const page = await paginateTokens<Collection>({
        scope,
        start: contiguous_id,
        maxPages: all_pages === true ? MAX_PAGES : 1,
        fetch: async (token) => {
          const body = await call("classification.listCollections", { query: { ...(token ? { contiguous_id: token } : {}), ...filters }, signal });
          return { items: body.collections, next: body.contiguous_id };
        },
      });
      return { collections: page.items, contiguous_id: page.next };
    },
  }),

  defineTool({
    name: "get_collection",
    title: "Get a collection",
    description: "Get one collection by name.",
    toolset: "classification",
    input: { collection_name: name },
    annotations: READ,
    operations: ["classification.getCollection"],
    output: responseBody("classification.getCollection"),
    async handler({ collection_name }, { call, signal }) {
      return call("classification.getCollection", { path: { collection_name }, signal });
    },
  }),

  defineTool({
    name: "create_collection",
    title: "Create a collection",
    description: "Create an empty classifier collection; then add_classifiers_to_collection.",
    toolset: "classification",
    input: { collection_name: name, description: z.string().default("") },
    annotations: CREATE,
    operations: ["classification.createCollection"],
    output: responseBody("classification.createCollection"),
    async handler({ collection_name, description }, { call, signal }) {
      return call("classification.createCollection", { body: { collection_name, description }, signal });
    },
  }),

  defineTool({
    name: "update_collection",
    title: "Update a collection",
    description: "Change a custom collection's description (nothing else).",
    toolset: "classification",
    input: { collection_name: name, description: z.string() },
    annotations: UPDATE,
    operations: ["classification.updateCollection"],
    output: responseBody("classification.updateCollection"),
    async handler({ collection_name, description }, { call, signal }) {
      return call("classification.updateCollection", { path: { collection_name }, body: { description }, signal });
    },
  }),

  defineTool({
    name: "delete_collection",
    title: "Delete a collection",
    description: "Delete a custom collection (classifiers remain); refused while jobs use it.",
    toolset: "classification",
    input: { collection_name: name },
    annotations: REMOVE,
    operations: ["classification.deleteCollection"],
    output: objectOf({ collection_name: S.string, deleted: S.boolean, ...DELETE_OUTCOME }),
    async handler({ collection_name }, { call, signal }) {
      const done = await deleteOnce(call("classification.deleteCollection", { path: { collection_name }, signal }), { what: "collection", list: "get_collections" });
      return { collection_name, deleted: done.changed, ...outcome(done) };
    },
  }),

  defineTool({
    name: "get_collection_classifiers",
    title: "List a collection's classifiers",
    description: "List the classifiers in a collection.",
    toolset: "classification",
    input: {
      collection_name: name,
      limit: pageSize(100),
      contiguous_id: contiguousId,
      all_pages: allPages,
    },
    annotations: READ,
    operations: ["classification.listCollectionClassifiers"],
    output: responseBody("classification.listCollectionClassifiers"),
    async handler(args, { call, signal, scope }) {
      const page = await paginateTokens<Classifier>({
        scope,
        start: args.contiguous_id,
        maxPages: args.all_pages === true ? MAX_PAGES : 1,
        fetch: async (token) => {
          const body = await call("classification.listCollectionClassifiers", { path: { collection_name: args.collection_name }, query: { limit: args.limit, contiguous_id: token }, signal });
          return { items: body.classifiers, next: body.contiguous_id };
        },
      });
      return { classifiers: page.items, contiguous_id: page.next };
    },
  }),

  defineTool({
    name: "add_classifiers_to_collection",
    title: "Add classifiers to a collection",
    description: "Add classifiers (none already in it) to a custom collection, all or none.",
    toolset: "classification",
    input: { collection_name: name, classifier_names: classifierNames },
    annotations: UPDATE,
    operations: ["classification.appendCollectionClassifiers"],
    output: objectOf({ collection_name: S.string, classifier_names: S.arrayOf(S.string), added: S.boolean }),
    async handler({ collection_name, classifier_names }, { call, signal }) {
      const names = [...new Set(classifier_names)];
      await call("classification.appendCollectionClassifiers", { path: { collection_name }, body: { classifier_names: names }, signal });
      return { collection_name, classifier_names: names, added: true };
    },
  }),

  defineTool({
    name: "remove_classifiers_from_collection",
    title: "Remove classifiers from a collection",
    description: "Remove classifiers from a collection, all or none.",
    toolset: "classification",
    input: { collection_name: name, classifier_names: classifierNames },
    // Later jobs of the collection no longer detect what these classifiers found.
    annotations: REMOVE,
    operations: ["classification.removeCollectionClassifiers"],
    output: objectOf({ collection_name: S.string, classifier_names: S.arrayOf(S.string), removed: S.boolean }),
    async handler({ collection_name, classifier_names }, { call, signal }) {
      const names = [...new Set(classifier_names)];
      await call("classification.removeCollectionClassifiers", { path: { collection_name }, body: { classifier_names: names }, signal });
      return { collection_name, classifier_names: names, removed: true };
    },
  }),

  defineTool({
    name: "import_altr_managed_classifiers",
    title: "Import ALTR-managed classifiers",
    description: "Install or refresh ALTR's prebuilt classifiers and their collection.",
    toolset: "classification",
    input: {},
    annotations: UPDATE,
    operations: ["classification.importAltrManagedClassifiers"],
    output: responseBody("classification.importAltrManagedClassifiers"),
    async handler(_args, { call, signal }) {
      return call("classification.importAltrManagedClassifiers", { body: {}, signal });
    },
  }),

  defineTool({
    name: "get_altr_managed_timestamp",
    title: "ALTR-managed classifier versions",
    description: "Compare installed and newest ALTR-managed classifier versions.",
    toolset: "classification",
    input: {},
    annotations: READ,
    operations: ["classification.getAltrManagedTimestamp"],
    output: responseBody("classification.getAltrManagedTimestamp"),
    async handler(_args, { call, signal }) {
      return call("classification.getAltrManagedTimestamp", { signal });
    },
  }),

  defineTool({
    name: "list_altr_managed_classifiers",
    title: "List ALTR's prebuilt classifiers",
    description: "List the classifiers ALTR offers for import (installed: get_classifiers).",
    toolset: "classification",
    input: { limit: pageSize(100), contiguous_id: contiguousId, all_pages: allPages },
    annotations: READ,
    operations: ["classification.listAltrManagedClassifiers"],
    output: responseBody("classification.listAltrManagedClassifiers"),
    async handler(args, { call, signal, scope }) {
      const page = await paginateTokens<Classifier>({
        scope,
        start: args.contiguous_id,
        maxPages: args.all_pages === true ? MAX_PAGES : 1,
        fetch: async (token) => {
          const body = await call("classification.listAltrManagedClassifiers", { query: { limit: args.limit, contiguous_id: token }, signal });
          return { items: body.classifiers, next: body.contiguous_id };
        },
      });
      return { classifiers: page.items, contiguous_id: page.next };
    },
  }),
];
