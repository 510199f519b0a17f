/**
 * Two warnings about a tuning selection that its table alone does not make plain: a selected value
 * at an edge of its search space (the optimum may lie outside the space), and a selection decided
 * by less than the noise of one validation score (a single tuning seed, scored on a finite
 * validation set, has a binomial standard error of sqrt(p(1 − p) / n) before any seed-to-seed
 * spread is added).
 *
 * @module
 */
import type { TuningSummary } from "./tuning.ts";

/** One selected parameter value at an edge of its declared values. */
export interface EdgeValue {
  parameter: string;
  value: number;
  side: "smallest" | "largest";
}

/** The edge and noise check of one cell and method's selection. */
export interface TuningEdge {
  dataset: string;
  model: string;
  setting: string;
  method: string;
  selected: string;
  /** Parameters of the selection at an edge of a space of two or more values. */
  edges: EdgeValue[];
  /** Parameters of the space with two or more values (the ones that could be at an edge). */
  searched: string[];
  /** Every searched parameter sits at an edge. */
  allAtEdge: boolean;
  /** Selected score − the best other trial's score; null with one trial. */
  gapToRunnerUp: number | null;
  /** Validation images each trial was scored on; null when the runs do not say. */
  validationImages: number | null;
  /** sqrt(p(1 − p) / n) of the selected score p on n validation images; null without n. */
  standardError: number | null;
}

/**
 * Flags, per cell and method of a tuning summary, the selected values at an edge of their space,
 * and sets the gap to the runner-up trial beside the standard error of one validation score.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tuningEdges } from "./tuning_edges.ts";
 * const summary = { metric: "best-validation-accuracy", tuningSeeds: [100], finalSeeds: [0],
 *   cost: { runs: 3, seconds: 1, gradientEvaluations: 1 }, cells: [{ dataset: "d", model: "mlp",
 *   setting: "clean", method: "sam", space: { rho: [0.02, 0.05, 0.1] }, cost: { runs: 3, seconds: 1, gradientEvaluations: 1 },
 *   trials: [{ trial: "rho=0.02", score: 0.9 }, { trial: "rho=0.05", score: 0.895 }, { trial: "rho=0.1", score: 0.88 }],
 *   selected: { trial: "rho=0.02", values: { rho: 0.02 }, score: 0.9 } }] };
 * const [row] = tuningEdges(summary as never, new Map([["mlp", 6000]]));
 * assert.deepEqual(row.edges, [{ parameter: "rho", value: 0.02, side: "smallest" }]);
 * assert.ok(Math.abs(row.gapToRunnerUp! - 0.005) < 1e-12);
 * assert.ok(Math.abs(row.standardError! - Math.sqrt(0.9 * 0.1 / 6000)) < 1e-12);
 * ```
 */
export function tuningEdges(
  summary: TuningSummary,
  validationImages: ReadonlyMap<string, number>,
): TuningEdge[] {
  return summary.cells.map((c) => {
    const searched = Object.entries(c.space).filter(([, v]) => (v?.length ?? 0) >= 2);
    const edges: EdgeValue[] = [];
    for (const [parameter, values] of searched) {
      const value = (c.selected.values as Record<string, number | undefined>)[parameter];
      if (typeof value !== "number") continue;
      const sorted = [...(values as number[])].sort((a, b) => a - b);
      if (value === sorted[0]) edges.push({ parameter, value, side: "smallest" });
      else if (value === sorted[sorted.length - 1]) {
        edges.push({ parameter, value, side: "largest" });
      }
    }
    const others = c.trials.filter((t) => t.trial !== c.selected.trial).map((t) => t.score);
    const n = validationImages.get(c.model) ?? null;
    const p = c.selected.score;
    return {
      dataset: c.dataset,
      model: c.model,
      setting: c.setting,
      method: c.method,
      selected: c.selected.trial,
      edges,
      searched: searched.map(([k]) => k),
      allAtEdge: searched.length > 0 && edges.length === searched.length,
      gapToRunnerUp: others.length ? p - Math.max(...others) : null,
      validationImages: n,
      standardError: n !== null && n > 0 ? Math.sqrt((p * (1 - p)) / n) : null,
    };
  });
}

const points = (v: number) => (100 * v).toFixed(2);

/**
 * The Markdown of the edge and noise check (empty string without rows).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tuningEdgesMarkdown } from "./tuning_edges.ts";
 * const md = tuningEdgesMarkdown([{ dataset: "d", model: "mlp", setting: "clean", method: "sam",
 *   selected: "rho=0.02", edges: [{ parameter: "rho", value: 0.02, side: "smallest" }], searched: ["rho"],
 *   allAtEdge: true, gapToRunnerUp: 0.005, validationImages: 6000, standardError: 0.004 }]);
 * assert.match(md, /1 of 1 selections sit at an edge/);
 * assert.match(md, /\| d\/mlp\/clean \| sam \| rho=0.02 \| rho at its smallest \(0.02\) \| 0.50 \| 0.40 \| 1.3 \|/);
 * ```
 */
export function tuningEdgesMarkdown(rows: readonly TuningEdge[]): string {
  if (rows.length === 0) return "";
  const atEdge = rows.filter((r) => r.edges.length > 0);
  const byModel = [...new Set(rows.map((r) => r.model))].map((model) => {
    const mine = rows.filter((r) => r.model === model);
    const edged = mine.filter((r) => r.edges.length > 0).length;
    return `${model}: ${edged} of ${mine.length}${edged === mine.length ? " (all)" : ""}`;
  });
  const images = [...new Set(rows.map((r) => r.validationImages).filter((n) => n !== null))];
  const within = rows.filter((r) =>
    r.gapToRunnerUp !== null && r.standardError !== null &&
    r.gapToRunnerUp < 2 * r.standardError
  );
  return [
    "## Tuning: selections at an edge, and the noise of one tuning seed",
    "",
    `${atEdge.length} of ${rows.length} selections sit at an edge of their search space ` +
    `(${byModel.join("; ")}): the best value may lie outside the space searched. Each trial ` +
    `was scored once, on one tuning seed${
      images.length ? ` and ${images.join(" or ")} validation images` : ""
    }: one score's binomial standard error, sqrt(p(1 − p)/n), is given beside the selected ` +
    `trial's lead over the runner-up trial (seed-to-seed spread comes on top of it). ` +
    `${within.length} of ${rows.length} selections lead by less than two standard errors of one ` +
    "score, so they are not distinguishable from the runner-up by this tuning (both trials are " +
    "scored on the same images, so the lead's own standard error is not known from the scores " +
    "alone).",
    "",
    "| cell | method | selected | at an edge | lead over runner-up (points) | standard error (points) | lead / se |",
    "| --- | --- | --- | --- | ---: | ---: | ---: |",
    ...rows.map((r) =>
      `| ${r.dataset}/${r.model}/${r.setting} | ${r.method} | ${r.selected} | ${
        r.edges.length
          ? r.edges.map((e) => `${e.parameter} at its ${e.side} (${e.value})`).join(", ")
          : "no"
      } | ${r.gapToRunnerUp === null ? "n/a" : points(r.gapToRunnerUp)} | ${
        r.standardError === null ? "n/a" : points(r.standardError)
      } | ${
        r.gapToRunnerUp === null || r.standardError === null || r.standardError === 0
          ? "n/a"
          : (r.gapToRunnerUp / r.standardError).toFixed(1)
      } |`
    ),
    "",
  ].join("\n");
}
