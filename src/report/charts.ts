/**
 * Charts of a comparison as vega-lite specifications, rendered to standalone SVG by vega (no
 * browser, no canvas: `renderer: "none"` and `toSVG()`). Three charts: test accuracy per epoch,
 * each Hessian measure per epoch, and final accuracy against cost (seconds per epoch relative to
 * SGD), each faceted by cell (dataset · model · setting) with one colour per method.
 *
 * @module
 */
import * as vegaLite from "vega-lite";
import * as vega from "vega";
import type { ComparisonSummary, HessianMeasure } from "./aggregate.ts";
import { HESSIAN_MEASURES } from "./aggregate.ts";

/** A vega-lite specification (a plain JSON object). */
export type VegaLiteSpec = Record<string, unknown>;

const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";
const FACET_COLUMNS = 3;
const PANEL = { width: 220, height: 160 };

function cellLabel(c: { dataset: string; model: string; setting: string }): string {
  return `${c.dataset} · ${c.model} · ${c.setting}`;
}

/** Facet by cell, in the summary's cell order (vega-lite sorts alphabetically otherwise). */
function cellFacet(summary: ComparisonSummary) {
  return { field: "cell", type: "nominal", title: null, sort: summary.cells.map(cellLabel) };
}

function methodColor(summary: ComparisonSummary) {
  const methods = [...new Set(summary.cells.flatMap((c) => c.methods.map((m) => m.method)))];
  return { field: "method", type: "nominal", title: "method", scale: { domain: methods } };
}

/**
 * Accuracy after each epoch, one panel per cell: the mean over seeds as a line (solid: test,
 * dashed: validation, when the runs recorded it) inside a band of its 95% t interval over seeds.
 *
 * @example
 * ```ts
 * import { accuracyPerEpochSpec } from "./charts.ts";
 * import assert from "node:assert/strict";
 * const spec = accuracyPerEpochSpec({ alpha: 0.05, correction: "holm-bonferroni", comparisons: [], grids: [], runs: 0, failedRuns: 0, cells: [], costs: [], environments: [] });
 * assert.ok(spec.facet !== undefined);
 * ```
 */
export function accuracyPerEpochSpec(summary: ComparisonSummary): VegaLiteSpec {
  const values = summary.cells.flatMap((c) =>
    c.methods.flatMap((m) =>
      ([["test", m.accuracyBands], ["validation", m.validationAccuracyBands]] as const).flatMap((
        [split, bands],
      ) =>
        bands.map((b) => ({
          cell: cellLabel(c),
          method: m.method,
          split,
          epoch: b.epoch,
          accuracy: b.mean,
          low: b.low,
          high: b.high,
          seeds: b.n,
        }))
      )
    )
  );
  const splits = [...new Set(values.map((v) => v.split))];
  const x = { field: "epoch", type: "quantitative", axis: { tickMinStep: 1, format: "d" } };
  const y = {
    field: "accuracy",
    type: "quantitative",
    title: "accuracy",
    scale: { zero: false },
    axis: { format: ".1%" },
  };
  return {
    $schema: SCHEMA,
    title: splits.includes("validation")
      ? "Validation (dashed) and test (solid) accuracy per epoch: mean and 95% CI over seeds"
      : "Test accuracy per epoch: mean and 95% CI over seeds",
    data: { values },
    facet: cellFacet(summary),
    columns: FACET_COLUMNS,
    resolve: { scale: { y: "independent" } },
    spec: {
      ...PANEL,
      layer: [
        {
          mark: { type: "area", opacity: 0.18 },
          encoding: {
            x,
            y: { ...y, field: "low" },
            y2: { field: "high" },
            // The band's translucency would otherwise make the legend's symbols pale.
            color: { ...methodColor(summary), legend: { symbolOpacity: 1 } },
            detail: { field: "split" },
          },
        },
        {
          mark: { type: "line", point: true },
          encoding: {
            x,
            y,
            color: methodColor(summary),
            strokeDash: {
              field: "split",
              type: "nominal",
              title: "split",
              scale: { domain: ["test", "validation"], range: [[1, 0], [5, 3]] },
              // The line's points make vega-lite fill the legend symbols; a dash needs a stroke.
              legend: {
                symbolType: "stroke",
                symbolSize: 400,
                encode: {
                  symbols: { update: { stroke: { value: "#444" }, fill: { value: null } } },
                },
              },
            },
            tooltip: [
              { field: "method" },
              { field: "split" },
              { field: "epoch" },
              { field: "accuracy", format: ".2%" },
              { field: "low", title: "95% CI low", format: ".2%" },
              { field: "high", title: "95% CI high", format: ".2%" },
              { field: "seeds" },
            ],
          },
        },
      ],
    },
  };
}

/**
 * One Hessian measure (mean over seeds) per recorded epoch, one panel per cell; null when no run
 * recorded that measure.
 *
 * @example
 * ```ts
 * import { hessianPerEpochSpec } from "./charts.ts";
 * import assert from "node:assert/strict";
 * const none = hessianPerEpochSpec({ alpha: 0.05, correction: "holm-bonferroni", comparisons: [], grids: [], runs: 0, failedRuns: 0, cells: [], costs: [], environments: [] }, "trace");
 * assert.ok(none === null);
 * ```
 */
export function hessianPerEpochSpec(
  summary: ComparisonSummary,
  measure: HessianMeasure,
): VegaLiteSpec | null {
  const values = summary.cells.flatMap((c) =>
    c.methods.flatMap((m) =>
      (m.hessianCurves[measure] ?? []).map((p) => ({
        cell: cellLabel(c),
        method: m.method,
        epoch: p.epoch,
        value: p.value,
      }))
    )
  );
  if (values.length === 0) return null;
  const title = {
    trace: "Hessian trace",
    frobenius: "Hessian Frobenius norm",
    topEigenvalue: "Top Hessian eigenvalue",
  }[measure];
  return {
    $schema: SCHEMA,
    title: `${title} per epoch (mean over seeds)`,
    data: { values },
    facet: cellFacet(summary),
    columns: FACET_COLUMNS,
    resolve: { scale: { y: "independent" } },
    spec: {
      ...PANEL,
      mark: { type: "line", point: true },
      encoding: {
        x: { field: "epoch", type: "quantitative", axis: { tickMinStep: 1, format: "d" } },
        // Log scale shows the orders of magnitude between methods, but only fits positive values
        // (a Hutchinson trace of an indefinite Hessian can be negative).
        y: {
          field: "value",
          type: "quantitative",
          title,
          scale: values.every((v) => v.value > 0) ? { type: "log" } : { zero: false },
        },
        color: methodColor(summary),
      },
    },
  };
}

/**
 * Final test accuracy (mean, with its 95% interval) against seconds per epoch relative to SGD,
 * one panel per cell.
 *
 * @example
 * ```ts
 * import { accuracyVersusCostSpec } from "./charts.ts";
 * import assert from "node:assert/strict";
 * const spec = accuracyVersusCostSpec({ alpha: 0.05, correction: "holm-bonferroni", comparisons: [], grids: [], runs: 0, failedRuns: 0, cells: [], costs: [], environments: [] });
 * assert.ok(JSON.stringify(spec).includes("secondsRatio"));
 * ```
 */
export function accuracyVersusCostSpec(summary: ComparisonSummary): VegaLiteSpec {
  const values = summary.cells.flatMap((c) =>
    c.methods.filter((m) => m.accuracy !== null && m.secondsRatio !== null).map((m) => ({
      cell: cellLabel(c),
      method: m.method,
      secondsRatio: m.secondsRatio,
      accuracy: m.accuracy!.mean,
      low: m.accuracy!.ci95?.[0] ?? m.accuracy!.mean,
      high: m.accuracy!.ci95?.[1] ?? m.accuracy!.mean,
    }))
  );
  const x = {
    field: "secondsRatio",
    type: "quantitative",
    title: "seconds per epoch ÷ SGD",
    // Padding (pixels) keeps the points at the ends of the domain off the panel's edge.
    scale: { zero: false, padding: 16 },
  };
  return {
    $schema: SCHEMA,
    title: "Final test accuracy (95% CI) against cost",
    data: { values },
    facet: cellFacet(summary),
    columns: FACET_COLUMNS,
    resolve: { scale: { y: "independent" } },
    spec: {
      ...PANEL,
      layer: [
        {
          mark: { type: "rule", clip: true },
          encoding: {
            x,
            y: {
              field: "low",
              type: "quantitative",
              title: "test accuracy",
              scale: { zero: false, padding: 12 },
              axis: { format: ".1%" },
            },
            y2: { field: "high" },
            color: methodColor(summary),
          },
        },
        {
          mark: { type: "point", filled: true, size: 50 },
          encoding: {
            x,
            y: { field: "accuracy", type: "quantitative" },
            color: methodColor(summary),
            tooltip: [{ field: "method" }, { field: "accuracy", format: ".2%" }, {
              field: "secondsRatio",
              format: ".2f",
            }],
          },
        },
      ],
    },
  };
}

/**
 * Renders a vega-lite specification to a standalone SVG document.
 *
 * @example
 * ```ts
 * import { renderSvg } from "./charts.ts";
 * import assert from "node:assert/strict";
 * const svg = await renderSvg({ data: { values: [{ x: 1, y: 2 }] }, mark: "point",
 *   encoding: { x: { field: "x", type: "quantitative" }, y: { field: "y", type: "quantitative" } } });
 * assert.ok(svg.startsWith("<svg"));
 * ```
 */
export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  if (spec === null || typeof spec !== "object") {
    throw new TypeError(`renderSvg: spec must be a vega-lite object, got ${JSON.stringify(spec)}`);
  }
  // deno-lint-ignore no-explicit-any
  const compiled = vegaLite.compile(spec as any).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * Every chart of a comparison, as file name → vega-lite spec (the Hessian charts only for the
 * measures that some run recorded).
 *
 * @example
 * ```ts
 * import { chartSpecs } from "./charts.ts";
 * import assert from "node:assert/strict";
 * const specs = chartSpecs({ alpha: 0.05, correction: "holm-bonferroni", comparisons: [], grids: [], runs: 0, failedRuns: 0, cells: [], costs: [], environments: [] });
 * assert.ok("accuracy-per-epoch.svg" in specs);
 * ```
 */
export function chartSpecs(summary: ComparisonSummary): Record<string, VegaLiteSpec> {
  const specs: Record<string, VegaLiteSpec> = {
    "accuracy-per-epoch.svg": accuracyPerEpochSpec(summary),
    "accuracy-vs-cost.svg": accuracyVersusCostSpec(summary),
  };
  for (const measure of HESSIAN_MEASURES) {
    const spec = hessianPerEpochSpec(summary, measure);
    if (spec) specs[`hessian-${measure}-per-epoch.svg`] = spec;
  }
  return specs;
}
