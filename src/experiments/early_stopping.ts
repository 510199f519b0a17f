/**
 * Early stopping, reported apart from the final-epoch numbers: for each run with a validation
 * split, the epoch with the best validation accuracy (the earliest on ties) and the test accuracy
 * at that epoch. With label noise the two differ most: a network that memorizes the noisy labels
 * peaks early, and only validation (on equally noisy labels) can tell when, without the test set.
 *
 * @module
 */
import type { RunRecord } from "../training/result.ts";
import { cellMethodKey } from "./grid.ts";

/** The early-stopped figures of one run, or null when it has no validation accuracy. */
export interface EarlyStop {
  /** 1-based epoch with the best validation accuracy. */
  epoch: number;
  validationAccuracy: number;
  testAccuracy: number;
}

/**
 * The early stop of a run.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { earlyStop } from "./early_stopping.ts";
 * const stop = earlyStop({ status: "completed", epochs: [
 *   { epoch: 1, validationAccuracy: 0.7, testAccuracy: 0.69 },
 *   { epoch: 2, validationAccuracy: 0.6, testAccuracy: 0.65 },
 * ] });
 * assert.deepEqual(stop, { epoch: 1, validationAccuracy: 0.7, testAccuracy: 0.69 });
 * ```
 */
export function earlyStop(
  record: {
    status: string;
    epochs: readonly { epoch: number; validationAccuracy?: number; testAccuracy: number }[];
  },
): EarlyStop | null {
  if (record.status !== "completed") return null;
  let best: EarlyStop | null = null;
  for (const e of record.epochs) {
    const v = e.validationAccuracy;
    if (typeof v !== "number" || !Number.isFinite(v)) continue;
    if (best === null || v > best.validationAccuracy) {
      best = { epoch: e.epoch, validationAccuracy: v, testAccuracy: e.testAccuracy };
    }
  }
  return best;
}

/** Per cell and method: final-epoch and early-stopped test accuracy, side by side. */
export interface EarlyStoppingRow {
  dataset: string;
  model: string;
  setting: string;
  method: string;
  /** Runs with a validation split. */
  n: number;
  finalTestAccuracy: number;
  earlyStoppedTestAccuracy: number;
  meanStopEpoch: number;
}

/**
 * The early-stopping rows of a set of (final) runs, in first-seen order; runs without validation
 * are left out.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { earlyStoppingRows } from "./early_stopping.ts";
 * const run = { id: "a", grid: "g", dataset: "d", model: "mlp", setting: "clean", method: "sgd", seed: 0 };
 * const rows = earlyStoppingRows([{ status: "completed", config: {}, environment: {}, final: null, run,
 *   epochs: [{ epoch: 1, trainLoss: 1, trainAccuracy: 1, testLoss: 1, testAccuracy: 0.8, seconds: 1,
 *     gradientEvaluations: 1, validationAccuracy: 0.9 }, { epoch: 2, trainLoss: 1, trainAccuracy: 1,
 *     testLoss: 1, testAccuracy: 0.7, seconds: 1, gradientEvaluations: 1, validationAccuracy: 0.8 }] }]);
 * assert.equal(rows[0].earlyStoppedTestAccuracy, 0.8);
 * assert.equal(rows[0].finalTestAccuracy, 0.7);
 * ```
 */
export function earlyStoppingRows(records: readonly RunRecord[]): EarlyStoppingRow[] {
  const groups = new Map<string, { record: RunRecord; stop: EarlyStop }[]>();
  for (const record of records) {
    const stop = earlyStop(record);
    if (!stop) continue;
    const key = cellMethodKey(record.run);
    groups.set(key, [...(groups.get(key) ?? []), { record, stop }]);
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return [...groups.values()].map((group) => {
    const { dataset, model, setting, method } = group[0].record.run;
    return {
      dataset,
      model,
      setting,
      method,
      n: group.length,
      finalTestAccuracy: mean(group.map((g) => g.record.epochs.at(-1)!.testAccuracy)),
      earlyStoppedTestAccuracy: mean(group.map((g) => g.stop.testAccuracy)),
      meanStopEpoch: mean(group.map((g) => g.stop.epoch)),
    };
  });
}
