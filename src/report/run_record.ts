/**
 * The run result as the report reads it: the `train` result (ARCHITECTURE.md, "The run result")
 * plus the `run` block the comparison runner adds (which cell, method and seed it belongs to).
 * Parsing checks every field the report uses, so a hand-edited or truncated file is reported
 * with its path and the bad field instead of turning into NaN in a table.
 *
 * @module
 */

/** Hessian measures at the end of an epoch. */
export interface HessianRecord {
  trace?: number;
  frobenius?: number;
  topEigenvalue?: number;
}

/** One epoch of a run. */
export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  testLoss: number;
  testAccuracy: number;
  /** Loss on the validation split (runs with a validation fraction only). */
  validationLoss?: number;
  /** Accuracy on the validation split (runs with a validation fraction only). */
  validationAccuracy?: number;
  seconds: number;
  imagesPerSecond?: number;
  /** Gradient evaluations spent in this epoch (batches × (1 + n)). */
  gradientEvaluations: number;
  hessian?: HessianRecord;
}

/** Where a run sits in a comparison grid. */
export interface RunLabels {
  id: string;
  grid: string;
  dataset: string;
  model: string;
  method: string;
  setting: string;
  seed: number;
}

/** A run result file as written by `deno task compare`. */
export interface RunRecord {
  status: "completed" | "failed";
  failure?: { step?: number; epoch?: number; message: string };
  config: Record<string, unknown>;
  environment: Record<string, unknown>;
  epochs: EpochRecord[];
  final: { testAccuracy: number; testLoss: number; trainLoss: number; seconds: number } | null;
  run: RunLabels;
  /** Images in the train, validation and test sets of the run, when the record states them. */
  counts?: { train: number; validation: number; test: number };
}

function fail(source: string, field: string, value: unknown): never {
  const shown = JSON.stringify(value);
  throw new TypeError(
    `${source}: field ${field} is invalid, got ${
      shown === undefined ? "undefined" : shown.slice(0, 80)
    }`,
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function numberField(
  source: string,
  obj: Record<string, unknown>,
  path: string,
  key: string,
): number {
  const v = obj[key];
  // Failed runs may carry a non-finite loss; JSON turns it into null. Accept null only for losses.
  if (typeof v === "number") return v;
  if (v === null && /Loss$/.test(key)) return Number.NaN;
  return fail(source, `${path}.${key}`, v);
}

/**
 * Parses and checks one result file's JSON.
 *
 * @param source the file path, for error messages.
 * @example
 * ```ts
 * import { parseRunRecord } from "./run_record.ts";
 * import assert from "node:assert/strict";
 * assert.throws(() => parseRunRecord({ status: "done" }, "x.json"), /x\.json: field status/);
 * ```
 */
export function parseRunRecord(json: unknown, source: string): RunRecord {
  if (!isObject(json)) fail(source, "(root)", json);
  if (json.status !== "completed" && json.status !== "failed") fail(source, "status", json.status);
  if (!isObject(json.config)) fail(source, "config", json.config);
  if (!isObject(json.run)) fail(source, "run", json.run);
  const run = json.run;
  for (const key of ["id", "grid", "dataset", "model", "method", "setting"]) {
    if (typeof run[key] !== "string" || run[key] === "") fail(source, `run.${key}`, run[key]);
  }
  if (!Number.isInteger(run.seed)) fail(source, "run.seed", run.seed);
  if (!Array.isArray(json.epochs)) fail(source, "epochs", json.epochs);
  const epochs = json.epochs.map((e: unknown, i: number): EpochRecord => {
    const path = `epochs[${i}]`;
    if (!isObject(e)) fail(source, path, e);
    const record: EpochRecord = {
      epoch: numberField(source, e, path, "epoch"),
      trainLoss: numberField(source, e, path, "trainLoss"),
      trainAccuracy: numberField(source, e, path, "trainAccuracy"),
      testLoss: numberField(source, e, path, "testLoss"),
      testAccuracy: numberField(source, e, path, "testAccuracy"),
      seconds: numberField(source, e, path, "seconds"),
      gradientEvaluations: numberField(source, e, path, "gradientEvaluations"),
    };
    if (typeof e.imagesPerSecond === "number") record.imagesPerSecond = e.imagesPerSecond;
    for (const key of ["validationLoss", "validationAccuracy"] as const) {
      if (e[key] !== undefined) record[key] = numberField(source, e, path, key);
    }
    if (e.hessian !== undefined && e.hessian !== null) {
      if (!isObject(e.hessian)) fail(source, `${path}.hessian`, e.hessian);
      const hessian: HessianRecord = {};
      for (const key of ["trace", "frobenius", "topEigenvalue"] as const) {
        const v = e.hessian[key];
        if (typeof v === "number") hessian[key] = v;
        else if (v !== undefined && v !== null) fail(source, `${path}.hessian.${key}`, v);
      }
      record.hessian = hessian;
    }
    return record;
  });
  let final: RunRecord["final"] = null;
  if (json.status === "completed") {
    if (!isObject(json.final)) fail(source, "final", json.final);
    final = {
      testAccuracy: numberField(source, json.final, "final", "testAccuracy"),
      testLoss: numberField(source, json.final, "final", "testLoss"),
      trainLoss: numberField(source, json.final, "final", "trainLoss"),
      seconds: numberField(source, json.final, "final", "seconds"),
    };
    if (!(final.testAccuracy >= 0 && final.testAccuracy <= 1)) {
      fail(source, "final.testAccuracy", final.testAccuracy);
    }
  }
  const record: RunRecord = {
    status: json.status,
    config: json.config,
    environment: isObject(json.environment) ? json.environment : {},
    epochs,
    final,
    run: run as unknown as RunLabels,
  };
  if (json.counts !== undefined) {
    const counts = json.counts;
    if (!isObject(counts)) fail(source, "counts", counts);
    for (const key of ["train", "validation", "test"]) {
      if (!Number.isInteger(counts[key]) || (counts[key] as number) < 0) {
        fail(source, `counts.${key}`, counts[key]);
      }
    }
    record.counts = counts as RunRecord["counts"];
  }
  if (isObject(json.failure)) {
    record.failure = json.failure as RunRecord["failure"];
  } else if (json.status === "failed") {
    record.failure = { message: "(no failure message recorded)" };
  }
  return record;
}
