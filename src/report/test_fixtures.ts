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
  /** Process CPU seconds per epoch (absent from the epochs when not given). */
  cpuSeconds?: number;
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
      ...(o.cpuSeconds !== undefined ? { cpuSeconds: o.cpuSeconds } : {}),
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

/**
 * The grid of `aggregate_cases_test.ts` and `document_test.ts`: a case for each rule of the
 * aggregation (see that test's notes: seeds out of order, failures with and without a message, a
 * "completed" run without a final result, NaN values, epochs listed backwards, the last validated
 * and measured epochs, counts only on a failed run, cells paired on two seeds, on one seed, and
 * unpaired).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { casesRecords } from "./test_fixtures.ts";
 * assert.equal(casesRecords().filter((r) => r.status === "failed").length, 3);
 * ```
 */
export function casesRecords(): RunRecord[] {
  const run = (o: SyntheticRunOptions, edit?: (r: RunRecord) => void): RunRecord => {
    const r = syntheticRun(o);
    edit?.(r);
    return r;
  };
  const clean = { model: "mlp", setting: "clean" };
  return [
    // sam first, so the SGD reference must be found by name, not position; seeds out of order.
    run({
      ...clean,
      method: "sam",
      seed: 2,
      accuracy: 0.875,
      seconds: 2,
      gradientEvaluations: 200,
      trace: 10,
    }, (r) => {
      r.epochs[1].testAccuracy = Number.NaN; // skipped in the curve and the bands
      r.epochs[2].hessian!.trace = Number.NaN; // its last trace is not finite: left out
    }),
    run({
      ...clean,
      method: "sam",
      seed: 0,
      accuracy: 0.75,
      seconds: 2,
      gradientEvaluations: 200,
      trace: 10,
    }),
    run({
      ...clean,
      method: "sam",
      seed: 1,
      accuracy: 0.8125,
      seconds: 2,
      gradientEvaluations: 200,
      trace: 10,
    }, (r) => {
      delete r.epochs[2].hessian; // the last measured epoch is the second
    }),
    run({ ...clean, method: "sgd", seed: 1, accuracy: 0.625 }),
    run({ ...clean, method: "sgd", seed: 0, accuracy: 0.5 }, (r) => {
      r.epochs.reverse(); // epochs out of order in the file: the curves and bands sort them
    }),
    run({ ...clean, method: "sgd", seed: 2, accuracy: 0.5625 }),
    ...[0, 1, 2].map((seed) =>
      run({
        ...clean,
        method: "frob-sam",
        seed,
        accuracy: 0.6875,
        seconds: 3,
        gradientEvaluations: 300,
      })
    ),
    run({ ...clean, method: "frob-sam", seed: 3, accuracy: 0.99 }, (r) => {
      r.status = "failed"; // failed, though it carries a final result: not counted
    }),
    run({ ...clean, method: "frob-sam", seed: 4, accuracy: 0.99 }, (r) => {
      r.final = null; // "completed" without a final result: neither counted nor a failure
    }),
    run({ model: "mlp", setting: "noise", method: "sgd", seed: 0, accuracy: 0.5 }),
    run({ model: "mlp", setting: "noise", method: "sgd", seed: 1, accuracy: 0.75 }),
    run({
      model: "mlp",
      setting: "noise",
      method: "sam",
      seed: 0,
      accuracy: 0.625,
      validationAccuracy: 0.6,
    }, (r) => {
      delete r.epochs[2].validationAccuracy; // the last validated epoch is the second: 0.59
    }),
    run({
      model: "mlp",
      setting: "noise",
      method: "sam",
      seed: 1,
      accuracy: 1,
      validationAccuracy: 0.7,
    }),
    run({ model: "mlp", setting: "tiny", method: "sam", seed: 0, accuracy: 0.5 }),
    run({ model: "mlp", setting: "tiny", method: "sam", seed: 2, accuracy: 0.5 }, (r) => {
      r.epochs = [];
    }),
    run(
      { model: "mlp", setting: "tiny", method: "sam", seed: 1, accuracy: 0.5, status: "failed" },
      (r) => {
        r.counts = { train: 10, validation: 0, test: 5 };
        r.environment = { backend: "wasm", machine: "other" };
      },
    ),
    run({
      model: "cnn",
      setting: "clean",
      method: "sgd",
      seed: 0,
      accuracy: 0.5,
      status: "failed",
    }),
    run({ model: "cnn", setting: "pair", method: "sgd", seed: 0, accuracy: 0.5 }),
    run({ model: "cnn", setting: "pair", method: "sam", seed: 0, accuracy: 0.75 }),
    run({ model: "cnn", setting: "noise", method: "sgd", seed: 0, accuracy: 0.5 }),
    run({ model: "cnn", setting: "noise", method: "sgd", seed: 1, accuracy: 0.625 }),
    run({ model: "cnn", setting: "noise", method: "sam", seed: 1, accuracy: 0.75 }),
    run({ model: "cnn", setting: "noise", method: "sam", seed: 2, accuracy: 0.8125 }),
  ];
}
