/**
 * From run records to the comparison: per cell (dataset, model, setting) and method, the mean test
 * accuracy with its 95% t interval over seeds, Welch tests against SGD and SAM, paired t-tests by
 * seed when every method of the cell ran the same seeds, the Holm–Bonferroni correction over all
 * the comparisons of the report, the best method (marked significant only when the corrected test
 * against the runner-up is below `alpha`), per-epoch accuracy bands over seeds (test, and
 * validation when recorded), Hessian measures at the end of training, and cost relative to SGD.
 *
 * @module
 */
import { median } from "simple-statistics";
import { type EpochRecord, runBackends, type RunRecord } from "../training/result.ts";
import {
  holmBonferroni,
  type PairedResult,
  pairedTest,
  type SampleSummary,
  summarize,
  type WelchResult,
  welchTest,
} from "./stats.ts";

/** The Hessian measures the runs record. */
export const HESSIAN_MEASURES = ["trace", "frobenius", "topEigenvalue"] as const;
/** One of {@link HESSIAN_MEASURES}. */
export type HessianMeasure = typeof HESSIAN_MEASURES[number];

/** Mean over seeds after one epoch, with its 95% t interval (low = high = mean with one seed). */
export interface EpochBand {
  epoch: number;
  /** Seeds that recorded this epoch. */
  n: number;
  mean: number;
  low: number;
  high: number;
}

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
  /** Paired t-test against SGD by seed; null unless every method of the cell ran the same seeds. */
  pairedVsSgd: PairedResult | null;
  /** Paired t-test against SAM by seed; null unless every method of the cell ran the same seeds. */
  pairedVsSam: PairedResult | null;
  /** Holm-adjusted p of the comparison with SGD (see {@link ComparisonTest}); null without one. */
  pHolmVsSgd: number | null;
  /** Holm-adjusted p of the comparison with SAM; null without one. */
  pHolmVsSam: number | null;
  /** Validation accuracy after the last epoch, over seeds; null when no run recorded it. */
  validationAccuracy: SampleSummary | null;
  /** Train, validation and test set sizes, when the records state them (the first run's). */
  counts: { train: number; validation: number; test: number } | null;
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
  /**
   * Median over seeds of the median epoch CPU time (`EpochRecord.cpuSeconds`); null unless every
   * epoch of every completed run recorded it.
   */
  cpuSecondsPerEpoch: number | null;
  /** cpuSecondsPerEpoch / SGD's in the same cell. */
  cpuSecondsRatio: number | null;
  /** Each run's median epoch CPU time / SGD's cpuSecondsPerEpoch in the same cell. */
  runCpuSecondsRatios: number[];
  /** Median epoch CPU time of each completed run (empty when any epoch lacks it). */
  runCpuSecondsPerEpoch: number[];
  /** Mean over seeds of the test accuracy after each epoch (epoch k at index k - 1). */
  accuracyCurve: number[];
  /** Test accuracy per epoch: mean over seeds with its 95% t interval. */
  accuracyBands: EpochBand[];
  /** Validation accuracy per epoch, as `accuracyBands`; empty when no run recorded it. */
  validationAccuracyBands: EpochBand[];
  /** Mean over seeds of each Hessian measure per recorded epoch. */
  hessianCurves: Partial<Record<HessianMeasure, { epoch: number; value: number }[]>>;
}

/**
 * One comparison of the report's family: `method` against `against` in one cell. `p` is the test
 * the report relies on (paired when the cell's methods ran the same seeds, Welch otherwise) and
 * `pHolm` its Holm–Bonferroni adjustment over every comparison of the report.
 */
export interface ComparisonTest {
  dataset: string;
  model: string;
  setting: string;
  method: string;
  against: string;
  /** Why the pair is compared: against a reference (SGD, SAM) and/or best against runner-up. */
  roles: ("vs-sgd" | "vs-sam" | "best-vs-runner-up")[];
  test: "paired" | "welch";
  /** mean(method) - mean(against). */
  difference: number;
  /** 95% t interval of the paired difference; null for a Welch comparison. */
  ci95: [number, number] | null;
  pWelch: number | null;
  pPaired: number | null;
  /** Raw p of `test`. */
  p: number | null;
  /** Holm-adjusted p; null when p is null. */
  pHolm: number | null;
  /** pHolm < alpha. */
  significant: boolean;
}

/** One cell of the grid. */
export interface CellSummary {
  dataset: string;
  model: string;
  setting: string;
  methods: MethodSummary[];
  /** Every method with results ran the same seeds (two or more): the tests are paired. */
  pairedSeeds: boolean;
  /**
   * The backends the cell's runs trained on, each with its runs ("sam s1"; a run resumed on
   * another backend is under both). More than one means the methods are not compared on equal
   * terms: the SAM family differs across backends. Absent in summaries assembled by hand.
   */
  backends?: { backend: string; runs: string[] }[];
  /**
   * Highest mean accuracy. `p` is Welch's p against the runner-up (as before), `pPaired` the
   * paired one, `test` the one relied on, `pHolm` its Holm-adjusted p; `significant` when
   * pHolm < alpha.
   */
  best: {
    method: string;
    runnerUp: string | null;
    p: number | null;
    pPaired: number | null;
    test: "paired" | "welch";
    pHolm: number | null;
    significant: boolean;
  } | null;
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
  /** As `secondsRatio`, in process CPU seconds; null where the runs did not record them. */
  cpuSecondsRatio: number | null;
  /** As `secondsRatioSe`, for `cpuSecondsRatio`. */
  cpuSecondsRatioSe: number | null;
  cells: number;
}

/** The whole comparison. */
export interface ComparisonSummary {
  alpha: number;
  /** The multiple-comparison correction applied to `comparisons` (always Holm–Bonferroni). */
  correction: "holm-bonferroni";
  /** Every test of the report, the family the correction runs over. */
  comparisons: ComparisonTest[];
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

function perEpochBands(
  records: RunRecord[],
  pick: (e: RunRecord["epochs"][number]) => number | undefined,
): EpochBand[] {
  const byEpoch = new Map<number, number[]>();
  for (const r of records) {
    for (const e of r.epochs) {
      const v = pick(e);
      if (v === undefined || !Number.isFinite(v)) continue;
      byEpoch.set(e.epoch, [...(byEpoch.get(e.epoch) ?? []), v]);
    }
  }
  return [...byEpoch.entries()].sort(([a], [b]) => a - b).map(([epoch, values]) => {
    const s = summarize(values);
    return { epoch, n: s.n, mean: s.mean, low: s.ci95?.[0] ?? s.mean, high: s.ci95?.[1] ?? s.mean };
  });
}

/**
 * The epoch with the highest epoch number among those where `value` is a number: records list
 * their epochs in order, but one assembled by hand (or by a future writer) need not, and a
 * position in the list is no epoch number.
 */
function latestEpoch(
  epochs: readonly EpochRecord[],
  value: (e: EpochRecord) => number | undefined,
): EpochRecord | undefined {
  let latest: EpochRecord | undefined;
  for (const e of epochs) {
    if (typeof value(e) === "number" && (latest === undefined || e.epoch > latest.epoch)) {
      latest = e;
    }
  }
  return latest;
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
      return latestEpoch(r.epochs, (e) => e.hessian?.[measure])?.hessian?.[measure];
    }).filter((v): v is number => v !== undefined && Number.isFinite(v));
    if (last.length) hessian[measure] = summarize(last);
    const curve = perEpochMean(completed, (e) => e.hessian?.[measure]);
    if (curve.length) hessianCurves[measure] = curve;
  }
  const lastValidation = completed.map((r) => {
    return latestEpoch(r.epochs, (e) => e.validationAccuracy)?.validationAccuracy;
  }).filter((v): v is number => v !== undefined && Number.isFinite(v));
  const perRunGradients = completed.filter((r) => r.epochs.length > 0).map((r) =>
    r.epochs.reduce((s, e) => s + e.gradientEvaluations, 0) / r.epochs.length
  );
  const timed = completed.filter((r) => r.epochs.length > 0);
  const perRunSeconds = timed.map((r) => median(r.epochs.map((e) => e.seconds)));
  const perRunCpuSeconds = timed.every((r) => r.epochs.every((e) => e.cpuSeconds !== undefined))
    ? timed.map((r) => median(r.epochs.map((e) => e.cpuSeconds!)))
    : [];
  return {
    method,
    seeds: completed.map((r) => r.run.seed),
    accuracies,
    failures,
    accuracy: accuracies.length ? summarize(accuracies) : null,
    vsSgd: null,
    vsSam: null,
    pairedVsSgd: null,
    pairedVsSam: null,
    pHolmVsSgd: null,
    pHolmVsSam: null,
    validationAccuracy: lastValidation.length ? summarize(lastValidation) : null,
    counts: (completed.find((r) => r.counts) ?? records.find((r) => r.counts))?.counts ?? null,
    hessian,
    gradientEvaluationsPerEpoch: perRunGradients.length ? median(perRunGradients) : null,
    secondsPerEpoch: perRunSeconds.length ? median(perRunSeconds) : null,
    gradientRatio: null,
    secondsRatio: null,
    runSecondsRatios: [],
    runSecondsPerEpoch: perRunSeconds,
    cpuSecondsPerEpoch: perRunCpuSeconds.length ? median(perRunCpuSeconds) : null,
    cpuSecondsRatio: null,
    runCpuSecondsRatios: [],
    runCpuSecondsPerEpoch: perRunCpuSeconds,
    accuracyCurve: perEpochMean(completed, (e) => e.testAccuracy).map((p) => p.value),
    accuracyBands: perEpochBands(completed, (e) => e.testAccuracy),
    validationAccuracyBands: perEpochBands(completed, (e) => e.validationAccuracy),
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
 * import assert from "node:assert/strict";
 * const summary = aggregate([run("sgd", 0, 0.8), run("sgd", 1, 0.81), run("sam", 0, 0.85), run("sam", 1, 0.86)]);
 * assert.equal(summary.cells[0].best?.method, "sam");
 * // one comparison (SAM against SGD), paired by seed
 * assert.equal(summary.comparisons.length, 1);
 * assert.equal(summary.comparisons[0].test, "paired");
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
  const comparisons: ComparisonTest[] = [];
  const cells: CellSummary[] = cellKeys.map((key) => {
    const inCell = records.filter((r) => cellKey(r) === key);
    const [dataset, model, setting] = JSON.parse(key) as string[];
    const methods = orderedUnique(inCell.map((r) => r.run.method)).map((m) =>
      summarizeMethod(m, inCell.filter((r) => r.run.method === m))
    );
    const withResults = methods.filter((m) => m.accuracies.length > 0);
    // Paired only when the seeds line up one to one in every method (seeds are sorted).
    const seedKey = (m: MethodSummary) => JSON.stringify(m.seeds);
    const pairedSeeds = withResults.length >= 2 && withResults[0].seeds.length >= 2 &&
      withResults.every((m) => seedKey(m) === seedKey(withResults[0]));
    const compare = (
      m: MethodSummary,
      other: MethodSummary,
      role: ComparisonTest["roles"][number],
    ): ComparisonTest => {
      const existing = comparisons.find((c) =>
        c.dataset === dataset && c.model === model && c.setting === setting &&
        ((c.method === m.method && c.against === other.method) ||
          (c.method === other.method && c.against === m.method))
      );
      if (existing) {
        if (!existing.roles.includes(role)) existing.roles.push(role);
        return existing;
      }
      const welch = welchTest(m.accuracies, other.accuracies);
      const paired = pairedSeeds ? pairedTest(m.accuracies, other.accuracies) : null;
      const test = paired ? "paired" : "welch";
      const created: ComparisonTest = {
        dataset,
        model,
        setting,
        method: m.method,
        against: other.method,
        roles: [role],
        test,
        difference: welch.difference,
        ci95: paired?.ci95 ?? null,
        pWelch: welch.p,
        pPaired: paired?.p ?? null,
        p: paired ? paired.p : welch.p,
        pHolm: null,
        significant: false,
      };
      comparisons.push(created);
      return created;
    };
    const sgd = methods.find((m) => m.method === sgdLabel);
    const sam = methods.find((m) => m.method === samLabel);
    // Against SGD first, so that a pair of the two references is stored as SAM against SGD.
    for (const m of methods) {
      if (sgd && m !== sgd && m.accuracies.length && sgd.accuracies.length) {
        m.vsSgd = welchTest(m.accuracies, sgd.accuracies);
        if (pairedSeeds) m.pairedVsSgd = pairedTest(m.accuracies, sgd.accuracies);
        compare(m, sgd, "vs-sgd");
      }
    }
    for (const m of methods) {
      if (sam && m !== sam && m.accuracies.length && sam.accuracies.length) {
        m.vsSam = welchTest(m.accuracies, sam.accuracies);
        if (pairedSeeds) m.pairedVsSam = pairedTest(m.accuracies, sam.accuracies);
        compare(m, sam, "vs-sam");
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
      m.cpuSecondsRatio = ratio(m.cpuSecondsPerEpoch, sgd?.cpuSecondsPerEpoch ?? null);
      const sgdCpu = sgd?.cpuSecondsPerEpoch ?? null;
      m.runCpuSecondsRatios = sgdCpu !== null && sgdCpu > 0
        ? m.runCpuSecondsPerEpoch.map((v) => v / sgdCpu)
        : [];
    }
    const ranked = methods.filter((m) => m.accuracy !== null)
      .sort((a, b) => b.accuracy!.mean - a.accuracy!.mean);
    let best: CellSummary["best"] = null;
    if (ranked.length) {
      const [first, second] = ranked;
      const welchP = second ? welchTest(first.accuracies, second.accuracies).p : null;
      if (second) compare(first, second, "best-vs-runner-up");
      best = {
        method: first.method,
        runnerUp: second?.method ?? null,
        p: welchP,
        pPaired: second && pairedSeeds ? pairedTest(first.accuracies, second.accuracies).p : null,
        test: second && pairedSeeds ? "paired" : "welch",
        pHolm: null,
        significant: false,
      };
    }
    const backends = orderedUnique(inCell.flatMap(runBackends)).map((backend) => ({
      backend,
      runs: inCell.filter((r) => runBackends(r).includes(backend))
        .map((r) => `${r.run.method} s${r.run.seed}`),
    }));
    return { dataset, model, setting, methods, pairedSeeds, best, backends };
  });
  // Holm over the whole family of the report, then copy the adjusted p where tables show it.
  const adjusted = holmBonferroni(comparisons.map((c) => c.p));
  comparisons.forEach((c, i) => {
    c.pHolm = adjusted[i];
    c.significant = c.pHolm !== null && c.pHolm < alpha;
  });
  for (const cell of cells) {
    const lookup = (a: string, b: string) =>
      comparisons.find((c) =>
        c.dataset === cell.dataset && c.model === cell.model && c.setting === cell.setting &&
        ((c.method === a && c.against === b) || (c.method === b && c.against === a))
      );
    for (const m of cell.methods) {
      m.pHolmVsSgd = m.vsSgd ? lookup(m.method, sgdLabel)?.pHolm ?? null : null;
      m.pHolmVsSam = m.vsSam ? lookup(m.method, samLabel)?.pHolm ?? null : null;
    }
    const best = cell.best;
    if (best?.runnerUp) {
      best.pHolm = lookup(best.method, best.runnerUp)?.pHolm ?? null;
      const means = cell.methods.filter((m) =>
        m.method === best.method || m.method === best.runnerUp
      )
        .map((m) => m.accuracy!.mean);
      best.significant = best.pHolm !== null && best.pHolm < alpha && means[0] !== means[1];
    }
  }
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
    const cpu = entries.map((m) => m.cpuSecondsRatio).filter((v): v is number => v !== null);
    const perRunCpu = entries.flatMap((m) => m.runCpuSecondsRatios);
    const cpuSpread = perRunCpu.length >= 2 ? summarize(perRunCpu) : null;
    return {
      model,
      method,
      gradientRatio: g.length ? median(g) : null,
      secondsRatio: s.length ? median(s) : null,
      secondsRatioSe: spread?.se ?? null,
      cpuSecondsRatio: cpu.length ? median(cpu) : null,
      cpuSecondsRatioSe: cpuSpread?.se ?? null,
      cells: entries.length,
    };
  });
  const environments = orderedUnique(records.map((r) => JSON.stringify(r.environment)))
    .map((e) => JSON.parse(e) as Record<string, unknown>);
  return {
    alpha,
    correction: "holm-bonferroni",
    comparisons,
    grids: orderedUnique(records.map((r) => r.run.grid)),
    runs: records.length,
    failedRuns: records.filter((r) => r.status === "failed").length,
    cells,
    costs,
    environments,
  };
}
