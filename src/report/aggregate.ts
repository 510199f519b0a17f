/**
 * From run records to the comparison: per cell (dataset, model, setting) and method, the mean test
 * accuracy with its 95% t interval over seeds, Welch tests against SGD and SAM, the best method
 * (marked significant only when it beats the runner-up at level `alpha`), Hessian measures at the
 * end of training, and cost relative to SGD.
 *
 * @module
 */
import { median } from "simple-statistics";
import type { RunRecord } from "../training/result.ts";
import { type SampleSummary, summarize, type WelchResult, welchTest } from "./stats.ts";

/** The Hessian measures the runs record. */
export const HESSIAN_MEASURES = ["trace", "frobenius", "topEigenvalue"] as const;
/** One of {@link HESSIAN_MEASURES}. */
export type HessianMeasure = typeof HESSIAN_MEASURES[number];

/** A method's figures in one cell. */
export interface MethodSummary {
  method: string;
  /** Completed runs (seeds) that enter the statistics. */
  seeds: number[];
  /** Final test accuracy per seed, in `seeds` order. */
  accuracies: number[];
  /** Runs that failed (e.g. diverged), with their messages. */
  failures: { seed: number; message: string }[];
  accuracy: SampleSummary | null;
  vsSgd: WelchResult | null;
  vsSam: WelchResult | null;
  /** The last recorded Hessian measure of each run, summarized over seeds. */
  hessian: Partial<Record<HessianMeasure, SampleSummary>>;
  /** Median over seeds of the mean gradient evaluations per epoch. */
  gradientEvaluationsPerEpoch: number | null;
  /** Median over seeds of the median epoch time (robust to a slow first epoch or a busy machine). */
  secondsPerEpoch: number | null;
  /** gradientEvaluationsPerEpoch / SGD's in the same cell. */
  gradientRatio: number | null;
  /** secondsPerEpoch / SGD's in the same cell. */
  secondsRatio: number | null;
  /** Each run's median epoch time / SGD's secondsPerEpoch in the same cell (the ratio's spread). */
  runSecondsRatios: number[];
  /** Median epoch time of each completed run, in `seeds` order. */
  runSecondsPerEpoch: number[];
  /** Mean over seeds of the test accuracy after each epoch (epoch k at index k - 1). */
  accuracyCurve: number[];
  /** Mean over seeds of each Hessian measure per recorded epoch. */
  hessianCurves: Partial<Record<HessianMeasure, { epoch: number; value: number }[]>>;
}

/** One cell of the grid. */
export interface CellSummary {
  dataset: string;
  model: string;
  setting: string;
  methods: MethodSummary[];
  /** Highest mean accuracy; `significant` when Welch p < alpha against the runner-up. */
  best: { method: string; runnerUp: string | null; p: number | null; significant: boolean } | null;
}

/** Cost of one method relative to SGD, pooled over cells (median of the per-cell ratios). */
export interface CostSummary {
  model: string;
  method: string;
  gradientRatio: number | null;
  secondsRatio: number | null;
  /**
   * Standard error of the mean of the per-run seconds ratios pooled over the cells (sd/√n); how
   * much the seconds ratio moves between repetitions on this machine. Null with fewer than 2 runs.
   */
  secondsRatioSe: number | null;
  cells: number;
}

/** The whole comparison. */
export interface ComparisonSummary {
  alpha: number;
  grids: string[];
  runs: number;
  failedRuns: number;
  cells: CellSummary[];
  costs: CostSummary[];
  environments: Record<string, unknown>[];
}

/** Options of {@link aggregate}. */
export interface AggregateOptions {
  /** Significance level of the tests (default 0.05). */
  alpha?: number;
  /** Label of the reference optimizer (default "sgd"). */
  sgdLabel?: string;
  /** Label of the second reference (default "sam"). */
  samLabel?: string;
}

function orderedUnique(values: string[]): string[] {
  return [...new Set(values)];
}

function perEpochMean(
  records: RunRecord[],
  pick: (e: RunRecord["epochs"][number]) => number | undefined,
) {
  const byEpoch = new Map<number, number[]>();
  for (const r of records) {
    for (const e of r.epochs) {
      const v = pick(e);
      if (v === undefined || !Number.isFinite(v)) continue;
      const list = byEpoch.get(e.epoch) ?? [];
      list.push(v);
      byEpoch.set(e.epoch, list);
    }
  }
  return [...byEpoch.entries()].sort(([a], [b]) => a - b).map(([epoch, values]) => ({
    epoch,
    value: values.reduce((s, v) => s + v, 0) / values.length,
  }));
}

function summarizeMethod(method: string, records: RunRecord[]): MethodSummary {
  const completed = records.filter((r) => r.status === "completed" && r.final !== null)
    .sort((a, b) => a.run.seed - b.run.seed);
  const failures = records.filter((r) => r.status === "failed").map((r) => ({
    seed: r.run.seed,
    message: r.failure?.message ?? "failed",
  }));
  const accuracies = completed.map((r) => r.final!.testAccuracy);
  const hessian: MethodSummary["hessian"] = {};
  const hessianCurves: MethodSummary["hessianCurves"] = {};
  for (const measure of HESSIAN_MEASURES) {
    const last = completed.map((r) => {
      const withMeasure = r.epochs.filter((e) => typeof e.hessian?.[measure] === "number");
      return withMeasure.length
        ? withMeasure[withMeasure.length - 1].hessian![measure]!
        : undefined;
    }).filter((v): v is number => v !== undefined && Number.isFinite(v));
    if (last.length) hessian[measure] = summarize(last);
    const curve = perEpochMean(completed, (e) => e.hessian?.[measure]);
    if (curve.length) hessianCurves[measure] = curve;
  }
  const perRunGradients = completed.filter((r) => r.epochs.length > 0).map((r) =>
    r.epochs.reduce((s, e) => s + e.gradientEvaluations, 0) / r.epochs.length
  );
  const perRunSeconds = completed.filter((r) => r.epochs.length > 0).map((r) =>
    median(r.epochs.map((e) => e.seconds))
  );
  return {
    method,
    seeds: completed.map((r) => r.run.seed),
    accuracies,
    failures,
    accuracy: accuracies.length ? summarize(accuracies) : null,
    vsSgd: null,
    vsSam: null,
    hessian,
    gradientEvaluationsPerEpoch: perRunGradients.length ? median(perRunGradients) : null,
    secondsPerEpoch: perRunSeconds.length ? median(perRunSeconds) : null,
    gradientRatio: null,
    secondsRatio: null,
    runSecondsRatios: [],
    runSecondsPerEpoch: perRunSeconds,
    accuracyCurve: perEpochMean(completed, (e) => e.testAccuracy).map((p) => p.value),
    hessianCurves,
  };
}

function ratio(a: number | null, b: number | null): number | null {
  return a !== null && b !== null && b > 0 ? a / b : null;
}

/**
 * Aggregates run records (from one or more grids) into the comparison summary. Cells, methods
 * and their order follow the order in which they first appear in `records`.
 *
 * @example
 * ```ts
 * import { aggregate } from "./aggregate.ts";
 * const run = (method: string, seed: number, acc: number) => ({
 *   status: "completed" as const, config: {}, environment: {},
 *   epochs: [{ epoch: 1, trainLoss: 1, trainAccuracy: acc, testLoss: 1, testAccuracy: acc, seconds: 1, gradientEvaluations: 10 }],
 *   final: { testAccuracy: acc, testLoss: 1, trainLoss: 1, seconds: 1 },
 *   run: { id: `${method}${seed}`, grid: "g", dataset: "d", model: "mlp", method, setting: "clean", seed },
 * });
 * const summary = aggregate([run("sgd", 0, 0.8), run("sgd", 1, 0.81), run("sam", 0, 0.85), run("sam", 1, 0.86)]);
 * console.assert(summary.cells[0].best?.method === "sam");
 * ```
 */
export function aggregate(
  records: readonly RunRecord[],
  options: AggregateOptions = {},
): ComparisonSummary {
  const alpha = options.alpha ?? 0.05;
  if (!(alpha > 0 && alpha < 1)) {
    throw new RangeError(`aggregate: alpha must be in (0, 1), got ${alpha}`);
  }
  const sgdLabel = options.sgdLabel ?? "sgd";
  const samLabel = options.samLabel ?? "sam";
  const cellKey = (r: RunRecord) => JSON.stringify([r.run.dataset, r.run.model, r.run.setting]);
  const cellKeys = orderedUnique(records.map(cellKey));
  const cells: CellSummary[] = cellKeys.map((key) => {
    const inCell = records.filter((r) => cellKey(r) === key);
    const [dataset, model, setting] = JSON.parse(key) as string[];
    const methods = orderedUnique(inCell.map((r) => r.run.method)).map((m) =>
      summarizeMethod(m, inCell.filter((r) => r.run.method === m))
    );
    const sgd = methods.find((m) => m.method === sgdLabel);
    const sam = methods.find((m) => m.method === samLabel);
    for (const m of methods) {
      if (sgd && m !== sgd && m.accuracies.length && sgd.accuracies.length) {
        m.vsSgd = welchTest(m.accuracies, sgd.accuracies);
      }
      if (sam && m !== sam && m.accuracies.length && sam.accuracies.length) {
        m.vsSam = welchTest(m.accuracies, sam.accuracies);
      }
      m.gradientRatio = ratio(
        m.gradientEvaluationsPerEpoch,
        sgd?.gradientEvaluationsPerEpoch ?? null,
      );
      m.secondsRatio = ratio(m.secondsPerEpoch, sgd?.secondsPerEpoch ?? null);
      const sgdSeconds = sgd?.secondsPerEpoch ?? null;
      m.runSecondsRatios = sgdSeconds !== null && sgdSeconds > 0
        ? m.runSecondsPerEpoch.map((v) => v / sgdSeconds)
        : [];
    }
    const ranked = methods.filter((m) => m.accuracy !== null)
      .sort((a, b) => b.accuracy!.mean - a.accuracy!.mean);
    let best: CellSummary["best"] = null;
    if (ranked.length) {
      const [first, second] = ranked;
      const p = second ? welchTest(first.accuracies, second.accuracies).p : null;
      best = {
        method: first.method,
        runnerUp: second?.method ?? null,
        p,
        significant: p !== null && p < alpha && first.accuracy!.mean > second.accuracy!.mean,
      };
    }
    return { dataset, model, setting, methods, best };
  });
  const costKeys = orderedUnique(
    cells.flatMap((c) => c.methods.map((m) => JSON.stringify([c.model, m.method]))),
  );
  const costs: CostSummary[] = costKeys.map((key) => {
    const [model, method] = JSON.parse(key) as string[];
    const entries = cells.filter((c) => c.model === model)
      .flatMap((c) => c.methods.filter((m) => m.method === method));
    const g = entries.map((m) => m.gradientRatio).filter((v): v is number => v !== null);
    const s = entries.map((m) => m.secondsRatio).filter((v): v is number => v !== null);
    const perRun = entries.flatMap((m) => m.runSecondsRatios);
    const spread = perRun.length >= 2 ? summarize(perRun) : null;
    return {
      model,
      method,
      gradientRatio: g.length ? median(g) : null,
      secondsRatio: s.length ? median(s) : null,
      secondsRatioSe: spread?.se ?? null,
      cells: entries.length,
    };
  });
  const environments = orderedUnique(records.map((r) => JSON.stringify(r.environment)))
    .map((e) => JSON.parse(e) as Record<string, unknown>);
  return {
    alpha,
    grids: orderedUnique(records.map((r) => r.run.grid)),
    runs: records.length,
    failedRuns: records.filter((r) => r.status === "failed").length,
    cells,
    costs,
    environments,
  };
}
