/**
 * The comparison report: statistics over seeds (t intervals, Welch tests, Hedges' g), run result
 * files (atomic writes, tolerant scans), aggregation into cells, Markdown tables, a self-contained
 * HTML page, vega-lite SVG charts, and the regression check against a baseline.
 *
 * @example
 * ```ts
 * import { summarize, welchTest } from "./mod.ts";
 * import assert from "node:assert/strict";
 * assert.ok(summarize([1, 2, 3]).mean === 2);
 * assert.ok(welchTest([1, 2, 3], [1, 2, 3]).p === 1);
 * ```
 *
 * @module
 */
export * from "./student_t.ts";
export * from "./stats.ts";
export * from "./results_dir.ts";
export * from "./aggregate.ts";
export * from "./document.ts";
export * from "./markdown.ts";
export * from "./html.ts";
export * from "./charts.ts";
export * from "./write_report.ts";
export * from "./regression.ts";
