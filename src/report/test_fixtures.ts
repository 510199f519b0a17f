/**
 * Synthetic run records for the report's tests: deterministic accuracies chosen by the test,
 * plausible epochs, costs and Hessian measures.
 *
 * @module
 */
import type { RunRecord } from "../training/result.ts";

/** Options of {@link syntheticRun}. */
export interface SyntheticRunOptions {
  dataset?: string;
  model?: string;
  setting?: string;
  method: string;
  seed: number;
  accuracy: number;
  epochs?: number;
  /** Gradient evaluations per epoch. */
  gradientEvaluations?: number;
  /** Seconds per epoch. */
  seconds?: number;
  trace?: number;
  status?: "completed" | "failed";
  /**
   * Validation accuracy after the last epoch: when given, every epoch records validationLoss and
   * validationAccuracy (this value minus 0.01 per remaining epoch) and the record states its
   * counts (900 train, 100 validation, 500 test).
   */
  validationAccuracy?: number;
}

/**
 * One synthetic run record whose final test accuracy is `accuracy`.
 *
 * @example
 * ```ts
 * import { syntheticRun } from "./test_fixtures.ts";
 * import assert from "node:assert/strict";
 * assert.ok(syntheticRun({ method: "sgd", seed: 0, accuracy: 0.8 }).final?.testAccuracy === 0.8);
 * ```
 */
export function syntheticRun(o: SyntheticRunOptions): RunRecord {
  const epochs = o.epochs ?? 3;
  const status = o.status ?? "completed";
  const run = {
    id: `${o.dataset ?? "fashion-mnist"}-${o.model ?? "mlp"}-${
      o.setting ?? "clean"
    }-${o.method}-${o.seed}`,
    grid: "test",
    dataset: o.dataset ?? "fashion-mnist",
    model: o.model ?? "mlp",
    method: o.method,
    setting: o.setting ?? "clean",
    seed: o.seed,
  };
  return {
    status,
    ...(status === "failed"
      ? { failure: { step: 5, epoch: 1, message: "loss is NaN at step 5" } }
      : {}),
    config: { optimizer: o.method, seed: o.seed },
    environment: { backend: "cpu", machine: "test" },
    epochs: Array.from({ length: epochs }, (_, k) => ({
      epoch: k + 1,
      trainLoss: 1 / (k + 1),
      trainAccuracy: o.accuracy,
      testLoss: 1 / (k + 1),
      testAccuracy: o.accuracy - 0.01 * (epochs - 1 - k),
      ...(o.validationAccuracy !== undefined
        ? {
          validationLoss: 1.1 / (k + 1),
          validationAccuracy: o.validationAccuracy - 0.01 * (epochs - 1 - k),
        }
        : {}),
      seconds: o.seconds ?? 1,
      gradientEvaluations: o.gradientEvaluations ?? 100,
      ...(o.trace !== undefined
        ? { hessian: { trace: o.trace * (epochs - k), frobenius: 1, topEigenvalue: 2 } }
        : {}),
    })),
    final: status === "completed"
      ? { testAccuracy: o.accuracy, testLoss: 0.5, trainLoss: 0.4, seconds: epochs }
      : null,
    run,
    ...(o.validationAccuracy !== undefined
      ? { counts: { train: 900, validation: 100, test: 500 } }
      : {}),
  };
}
