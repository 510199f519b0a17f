/**
 * Tuning in grids: after the tuning runs of a grid (every trial of a method's search space on the
 * tuning seeds), select per cell and method the trial with the best mean validation accuracy, and
 * describe the search for the report: the space, every trial's score, the selected values, and
 * what the search cost. Nothing here looks at test accuracy: selection on the test set would
 * inflate every reported number.
 *
 * Scores: `final-validation-accuracy` takes the last epoch's validation accuracy,
 * `best-validation-accuracy` the best epoch's (early stopping). A tuning run that failed (diverged)
 * scores 0, so a trial that diverges on some seed is penalized rather than silently judged on its
 * surviving seeds. Ties go to the first trial in the declared order (smaller values first when the
 * space is written in ascending order), which makes the selection deterministic.
 *
 * @module
 */
import type { RunRecord } from "../training/result.ts";
import {
  cellMethodKey,
  type GridDeclaration,
  optimizerForModel,
  type RunSpec,
  type SearchSpace,
  type Selection,
  type SelectionMetric,
  type Trial,
  trialsOf,
} from "./grid.ts";

/** One trial's outcome in a cell. */
export interface TrialScore {
  trial: string;
  values: Trial["values"];
  /** Mean score over the tuning seeds (0 for a failed run). */
  score: number;
  /** Score per tuning seed, in seed order. */
  seeds: { seed: number; score: number; status: string }[];
}

/** The tuning of one cell and method. */
export interface CellTuning {
  dataset: string;
  model: string;
  setting: string;
  method: string;
  space: SearchSpace;
  trials: TrialScore[];
  selected: { trial: string; values: Trial["values"]; score: number };
  /** What the search cost: its runs, training seconds and gradient evaluations. */
  cost: { runs: number; seconds: number; gradientEvaluations: number };
}

/** The tuning part of a report (`tuning.json`). */
export interface TuningSummary {
  metric: SelectionMetric;
  tuningSeeds: number[];
  finalSeeds: number[];
  cells: CellTuning[];
  /** Summed over every cell: the whole search's cost. */
  cost: { runs: number; seconds: number; gradientEvaluations: number };
}

/**
 * The score of one tuning run under a metric (0 for a failed run or one without validation).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runScore } from "./tuning.ts";
 * const epochs = [{ validationAccuracy: 0.7 }, { validationAccuracy: 0.6 }];
 * assert.equal(runScore({ status: "completed", epochs }, "final-validation-accuracy"), 0.6);
 * assert.equal(runScore({ status: "completed", epochs }, "best-validation-accuracy"), 0.7);
 * ```
 */
export function runScore(
  record: { status: string; epochs: readonly { validationAccuracy?: number }[] },
  metric: SelectionMetric,
): number {
  if (record.status !== "completed") return 0;
  const values = record.epochs.map((e) => e.validationAccuracy).filter((v): v is number =>
    typeof v === "number" && Number.isFinite(v)
  );
  if (values.length === 0) return 0;
  return metric === "best-validation-accuracy" ? Math.max(...values) : values[values.length - 1];
}

/**
 * Selects per cell and method from the tuning runs' records. Throws a `RangeError` naming the
 * first tuning run without a result (selection needs all of them).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { selectTrials } from "./tuning.ts";
 * import { tuningRuns } from "./grid.ts";
 * const grid = { name: "t", datasets: ["fashion-mnist"], models: ["mlp" as const], seeds: [9],
 *   settings: [{ name: "clean" }], common: { validationFraction: 0.1 },
 *   optimizers: [{ optimizer: "sam" as const, search: { rho: [0.05, 0.1] } }],
 *   tuning: { seeds: [0], metric: "final-validation-accuracy" as const } };
 * const runs = tuningRuns(grid);
 * const records = runs.map((r, k) => ({ status: "completed" as const, config: {}, environment: {},
 *   epochs: [{ epoch: 1, trainLoss: 1, trainAccuracy: 0.5, testLoss: 1, testAccuracy: 0.5, seconds: 1,
 *     gradientEvaluations: 10, validationAccuracy: [0.6, 0.8][k] }],
 *   final: null, run: { id: r.id, grid: "t", dataset: r.dataset, model: r.model, method: r.method,
 *     setting: r.setting, seed: r.seed, phase: "tuning" as const, trial: r.trial } }));
 * const { selection, summary } = selectTrials(grid, runs, records);
 * assert.equal(selection.get("fashion-mnist/mlp/clean sam")?.label, "rho=0.1");
 * assert.equal(summary.cost.runs, 2);
 * ```
 */
export function selectTrials(
  grid: GridDeclaration,
  runs: readonly RunSpec[],
  records: readonly RunRecord[],
): { selection: Selection; summary: TuningSummary } {
  const metric = grid.tuning!.metric;
  const byId = new Map(records.map((r) => [r.run.id, r]));
  const groups = new Map<string, RunSpec[]>();
  for (const run of runs) {
    if (!byId.has(run.id)) {
      throw new RangeError(
        `tuning: run ${cellMethodKey(run)} trial ${run.trial} seed ${run.seed} [${run.id}] has ` +
          `no result yet; selection needs every tuning run`,
      );
    }
    const key = cellMethodKey(run);
    groups.set(key, [...(groups.get(key) ?? []), run]);
  }
  const selection = new Map<string, Trial>();
  const cells: CellTuning[] = [];
  for (const [key, group] of groups) {
    const first = group[0];
    const declared = optimizerForModel(
      grid.optimizers.find((o) => (o.label ?? o.optimizer) === first.method)!,
      first.model,
    );
    const trials = trialsOf(declared.search!);
    const scores: TrialScore[] = trials.map((trial) => {
      const seeds = group.filter((r) => r.trial === trial.label).map((r) => {
        const record = byId.get(r.id)!;
        return { seed: r.seed, score: runScore(record, metric), status: record.status };
      });
      const score = seeds.reduce((s, x) => s + x.score, 0) / Math.max(seeds.length, 1);
      return { trial: trial.label, values: trial.values, score, seeds };
    });
    let best = 0;
    scores.forEach((s, k) => {
      if (s.score > scores[best].score) best = k;
    });
    selection.set(key, trials[best]);
    let seconds = 0;
    let gradientEvaluations = 0;
    for (const r of group) {
      for (const e of byId.get(r.id)!.epochs) {
        seconds += e.seconds;
        gradientEvaluations += e.gradientEvaluations;
      }
    }
    cells.push({
      dataset: first.dataset,
      model: first.model,
      setting: first.setting,
      method: first.method,
      space: declared.search!,
      trials: scores,
      selected: {
        trial: trials[best].label,
        values: trials[best].values,
        score: scores[best].score,
      },
      cost: { runs: group.length, seconds, gradientEvaluations },
    });
  }
  const cost = cells.reduce(
    (s, c) => ({
      runs: s.runs + c.cost.runs,
      seconds: s.seconds + c.cost.seconds,
      gradientEvaluations: s.gradientEvaluations + c.cost.gradientEvaluations,
    }),
    { runs: 0, seconds: 0, gradientEvaluations: 0 },
  );
  return {
    selection,
    summary: {
      metric,
      tuningSeeds: [...grid.tuning!.seeds],
      finalSeeds: [...grid.seeds],
      cells,
      cost,
    },
  };
}
