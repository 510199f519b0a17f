/**
 * Regression tracking against a committed baseline of the `ci` preset.
 *
 * The rule, per cell (dataset, model, setting) and method, with se = sd/√n over seeds:
 * an accuracy regression is `current mean < baseline mean − max(k · √(se_base² + se_now²), floor)`.
 * `√(se_base² + se_now²)` is the standard error of the difference of two independent means, so `k`
 * is how many standard errors of seed noise to tolerate; `floor` keeps a cell whose seeds happen to
 * agree closely (se near 0) from failing on a trivial change. The defaults (k = 4, floor = 2
 * accuracy points) make a false alarm on a genuine redraw of 3 seeds unlikely per cell
 * (P(t₄ < −4) ≈ 0.8%), while a broken optimizer, which loses tens of points, is far outside it.
 * On an unchanged tree the runs are seeded and repeat their figures, so the margin only matters
 * when code changes move the random streams.
 *
 * A cost regression is a ratio to SGD more than `costTolerance` (10%) above the baseline's. Ratios,
 * not absolute times, because machines differ; each ratio is the median over the cells of the
 * model. The gradient-evaluation ratio is exact (a count), so its threshold is exactly
 * `baseline × 1.1`. The seconds ratio is a measurement: on a shared machine the load changes
 * between the SGD runs and the others of a cell, so it moves between repetitions even on an
 * unchanged tree. Its threshold adds that measured noise: `baseline × 1.1 + costK · √(se_base² +
 * se_now²)`, se the standard error of the per-run ratios (9 runs per model and method in `ci`),
 * costK = 2. On a quiet machine the se is small and the threshold is the plain 10%.
 *
 * The time in that ratio is process CPU time (`EpochRecord.cpuSeconds`, every thread) where the
 * baseline has it, else wall-clock seconds. Wall-clock ratios measured what else held the cores:
 * CI once saw the MLP's Trace-SAM at 4.2× SGD against a baseline of 3.2×, because its host draws
 * run on a lowest-priority prefetch thread that is free only while a core is idle. CPU time counts
 * that work wherever it ran. The wall-clock ratio stays in the baseline and the reports. CPU time
 * alone is not enough with threaded kernels: on a loaded machine BLAS threads spin and wait at
 * barriers, so `deno task regress` runs the kernels on one thread (`pinKernelThreads`).
 *
 * @module
 */
import type { ComparisonSummary } from "./aggregate.ts";

/** The thresholds of the rule (stored in the baseline so that a check is reproducible). */
export interface RegressionRule {
  /** Standard errors of the difference tolerated. */
  k: number;
  /** Minimum tolerated drop, in accuracy (fraction) units. */
  floor: number;
  /** Tolerated relative growth of a cost ratio (0.1 = 10%). */
  costTolerance: number;
  /** Standard errors of measured seconds-ratio noise added to the seconds threshold. */
  costK: number;
}

/** The default rule (see the module doc for why). */
export const DEFAULT_RULE: Readonly<RegressionRule> = Object.freeze({
  k: 4,
  floor: 0.02,
  costTolerance: 0.1,
  costK: 2,
});

/** One cell × method accuracy entry of a baseline. */
export interface BaselineAccuracy {
  dataset: string;
  model: string;
  setting: string;
  method: string;
  n: number;
  mean: number;
  sd: number | null;
  se: number | null;
}

/** One model × method cost entry of a baseline. */
export interface BaselineCost {
  model: string;
  method: string;
  gradientRatio: number | null;
  secondsRatio: number | null;
  /** Standard error of the per-run seconds ratios (see the module doc); null when unknown. */
  secondsRatioSe?: number | null;
  /**
   * The seconds ratio in process CPU time, and its standard error (absent in older baselines).
   * Where present, the time check gates on it instead of the wall-clock ratio.
   */
  cpuSecondsRatio?: number | null;
  cpuSecondsRatioSe?: number | null;
}

/** `results/baseline.json`. */
export interface Baseline {
  preset: string;
  createdAt: string;
  commit: string | null;
  machine: string;
  rule: RegressionRule;
  accuracy: BaselineAccuracy[];
  costs: BaselineCost[];
}

/**
 * The baseline figures of a comparison summary.
 *
 * @example
 * ```ts
 * import { buildBaseline } from "./regression.ts";
 * import assert from "node:assert/strict";
 * const b = buildBaseline({ alpha: 0.05, correction: "holm-bonferroni" as const, comparisons: [], grids: ["ci"], runs: 0, failedRuns: 0, cells: [], costs: [], environments: [] },
 *   { preset: "ci", commit: null, machine: "here" });
 * assert.ok(b.rule.k === 4 && b.accuracy.length === 0);
 * ```
 */
export function buildBaseline(
  summary: ComparisonSummary,
  meta: {
    preset: string;
    commit: string | null;
    machine: string;
    createdAt?: string;
    rule?: RegressionRule;
  },
): Baseline {
  const accuracy: BaselineAccuracy[] = summary.cells.flatMap((c) =>
    c.methods.filter((m) => m.accuracy !== null).map((m) => ({
      dataset: c.dataset,
      model: c.model,
      setting: c.setting,
      method: m.method,
      n: m.accuracy!.n,
      mean: m.accuracy!.mean,
      sd: m.accuracy!.sd,
      se: m.accuracy!.se,
    }))
  );
  return {
    preset: meta.preset,
    createdAt: meta.createdAt ?? new Date().toISOString(),
    commit: meta.commit,
    machine: meta.machine,
    rule: { ...(meta.rule ?? DEFAULT_RULE) },
    accuracy,
    costs: summary.costs.map((c) => ({
      model: c.model,
      method: c.method,
      gradientRatio: c.gradientRatio,
      secondsRatio: c.secondsRatio,
      secondsRatioSe: c.secondsRatioSe,
      cpuSecondsRatio: c.cpuSecondsRatio,
      cpuSecondsRatioSe: c.cpuSecondsRatioSe,
    })),
  };
}

/** One check of {@link checkRegression}. */
export interface RegressionCheck {
  kind: "accuracy" | "gradient-ratio" | "seconds-ratio" | "cpu-seconds-ratio" | "missing";
  /** "dataset/model/setting method" or "model method". */
  where: string;
  baseline: number | null;
  current: number | null;
  /** The lowest accuracy (or highest ratio) that passes. */
  threshold: number | null;
  passed: boolean;
  /** A sentence naming the cell and the figures. */
  message: string;
}

function fmtPct(v: number): string {
  return `${(100 * v).toFixed(2)}%`;
}

/**
 * Compares a summary with a baseline: every baseline entry must be present and within the rule.
 *
 * @example
 * ```ts
 * import { checkRegression } from "./regression.ts";
 * import assert from "node:assert/strict";
 * const empty = { alpha: 0.05, correction: "holm-bonferroni" as const, comparisons: [], grids: [], runs: 0, failedRuns: 0, cells: [], costs: [], environments: [] };
 * const base = { preset: "ci", createdAt: "", commit: null, machine: "", rule: { k: 4, floor: 0.02, costTolerance: 0.1, costK: 2 },
 *   accuracy: [{ dataset: "d", model: "mlp", setting: "clean", method: "sgd", n: 3, mean: 0.8, sd: 0.01, se: 0.006 }], costs: [] };
 * assert.ok(checkRegression(base, empty).every((c) => c.kind === "missing" && !c.passed));
 * ```
 */
export function checkRegression(baseline: Baseline, summary: ComparisonSummary): RegressionCheck[] {
  if (baseline === null || typeof baseline !== "object" || !Array.isArray(baseline.accuracy)) {
    throw new TypeError(
      `checkRegression: baseline must be a Baseline object, got ${
        JSON.stringify(baseline)?.slice(0, 60)
      }`,
    );
  }
  const rule = { ...DEFAULT_RULE, ...baseline.rule };
  for (const [name, v] of Object.entries(rule)) {
    if (typeof v !== "number" || !(v >= 0)) {
      throw new RangeError(`checkRegression: rule.${name} must be >= 0, got ${v}`);
    }
  }
  const checks: RegressionCheck[] = [];
  for (const b of baseline.accuracy) {
    const where = `${b.dataset}/${b.model}/${b.setting} ${b.method}`;
    const cell = summary.cells.find((c) =>
      c.dataset === b.dataset && c.model === b.model && c.setting === b.setting
    );
    const m = cell?.methods.find((x) => x.method === b.method);
    if (!m || !m.accuracy) {
      checks.push({
        kind: "missing",
        where,
        baseline: b.mean,
        current: null,
        threshold: null,
        passed: false,
        message: `${where}: no completed run in this check (baseline mean ${fmtPct(b.mean)})`,
      });
      continue;
    }
    const seDifference = Math.sqrt((b.se ?? 0) ** 2 + (m.accuracy.se ?? 0) ** 2);
    const margin = Math.max(rule.k * seDifference, rule.floor);
    const threshold = b.mean - margin;
    const current = m.accuracy.mean;
    const passed = current >= threshold;
    checks.push({
      kind: "accuracy",
      where,
      baseline: b.mean,
      current,
      threshold,
      passed,
      message: `${where}: mean test accuracy ${fmtPct(current)} vs baseline ${fmtPct(b.mean)} ` +
        `(allowed drop ${fmtPct(margin)} = max(${rule.k} × SE ${fmtPct(seDifference)}, floor ${
          fmtPct(rule.floor)
        }), ` +
        `threshold ${fmtPct(threshold)})${passed ? "" : ": REGRESSION"}`,
    });
  }
  for (const b of baseline.costs) {
    const where = `${b.model} ${b.method}`;
    const c = summary.costs.find((x) => x.model === b.model && x.method === b.method);
    // Time gates on CPU seconds where the baseline has them: wall-clock ratios move with whatever
    // else holds the cores (a CI neighbour, the draw prefetch thread finding no idle core), CPU
    // time much less. An older baseline without them keeps the wall-clock check.
    const timeCheck = b.cpuSecondsRatio !== undefined && b.cpuSecondsRatio !== null
      ? [
        "cpu-seconds-ratio",
        "cpuSecondsRatio",
        "cpuSecondsRatioSe",
        "CPU seconds per epoch",
      ] as const
      : ["seconds-ratio", "secondsRatio", "secondsRatioSe", "seconds per epoch"] as const;
    for (
      const [kind, key, seKey, label] of [
        ["gradient-ratio", "gradientRatio", null, "gradient evaluations per epoch"] as const,
        timeCheck,
      ]
    ) {
      const base = b[key];
      if (base === null || base === undefined) continue;
      const current = c?.[key] ?? null;
      const noise = seKey === null
        ? 0
        : rule.costK * Math.sqrt((b[seKey] ?? 0) ** 2 + (c?.[seKey] ?? 0) ** 2);
      const threshold = base * (1 + rule.costTolerance) + noise;
      const passed = current !== null && current <= threshold;
      checks.push({
        kind,
        where,
        baseline: base,
        current,
        threshold,
        passed,
        message:
          `${where}: ${label} relative to SGD ${
            current === null ? "missing" : `${current.toFixed(3)}×`
          } vs ` +
          `baseline ${base.toFixed(3)}× (allowed up to ${threshold.toFixed(3)}×: +${
            (100 * rule.costTolerance).toFixed(0)
          }%${
            noise > 0 ? ` + ${rule.costK} × measured SE ${(noise / rule.costK).toFixed(3)}` : ""
          })` +
          `${passed ? "" : ": REGRESSION"}`,
      });
    }
  }
  return checks;
}
