/** Types of build-views.mjs for the tests that build the views when dist/views is missing. */
export declare const VIEWS: Record<string, { entry: string; title: string }>;
export declare function buildViews(outDir?: string): Promise<Record<string, number>>;
