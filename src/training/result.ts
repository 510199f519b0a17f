/**
 * The run record (ARCHITECTURE.md, "The run result"): the one schema of what `deno task train
 * --out FILE` writes, what `deno task compare` stores per run (with its `run` labels), and what
 * the report and `deno task regress` read back. It lives in the training layer because `train`
 * produces it, and every layer above (experiments, report, command-line tools) imports it from
 * here. Reading validates: a hand-edited or truncated file is refused with its path and the bad
 * field instead of turning into NaN in a table.
 *
 * Files written before the validation split (no `counts`, no `validationLoss`) stay readable:
 * those fields are optional.
 *
 * @module
 */
import type { TrainConfig } from "./config.ts";
import { writeFileAtomic } from "../io/atomic.ts";

/** Hessian measures of the training loss on the fixed subset, at the end of an epoch. */
export interface HessianRecord {
  /** Hutchinson estimate of tr(H). */
  trace: number;
  /** ‖H‖_F: the square root of the unbiased Monte Carlo estimate of ‖H‖_F² = E‖Hv‖². */
  frobenius: number;
  /** Largest eigenvalue of H (Lanczos). */
  topEigenvalue: number;
  /**
   * Uncertainties: Monte Carlo standard errors of the trace and of ‖H‖_F (delta method,
   * se(‖H‖_F²) / (2‖H‖_F)); the Lanczos residual bound of the top eigenvalue. Always written by
   * `train`; optional for records assembled by hand (report fixtures).
   */
  standardError?: { trace: number; frobenius: number; topEigenvalue: number };
  /** Rademacher probes of the trace and Frobenius estimates (always written by `train`). */
  samples?: number;
}

/** One epoch of a run. Losses are mean softmax cross-entropy; accuracies are fractions in [0, 1]. */
export interface EpochRecord {
  /** 1-based epoch number. */
  epoch: number;
  /** Mean over the epoch's steps of the clean mini-batch loss (before each step). */
  trainLoss: number;
  /** Fraction of training images classified right in their (pre-step) forward pass. */
  trainAccuracy: number;
  /** On the held-out validation part; present when `validationFraction` > 0. */
  validationLoss?: number;
  /** On the held-out validation part; present when `validationFraction` > 0. */
  validationAccuracy?: number;
  testLoss: number;
  testAccuracy: number;
  /** Wall-clock seconds of the training part of the epoch (not evaluation, not Hessian). */
  seconds: number;
  /** Training images per second (steps × batch over `seconds`). */
  imagesPerSecond?: number;
  /**
   * Process CPU seconds (user + system, every thread) over the same steps as `seconds` (absent
   * in older files). Unlike wall-clock time it does not grow when other processes take the
   * cores, and it counts background work (the draw prefetch thread) wherever it ran, so cost
   * ratios built on it are comparable between a busy and an idle machine.
   */
  cpuSeconds?: number;
  /** Gradient evaluations in this epoch (steps × (1 + n) for the SAM family). */
  gradientEvaluations: number;
  /** Present on epochs where `--hessian-every` asked for it. */
  hessian?: HessianRecord;
  /**
   * Wall-clock seconds of the Hessian measures after this epoch (present with `hessian`). Kept
   * apart from `seconds`, which never included them: cost ratios compare training alone.
   */
  hessianSeconds?: number;
  /**
   * The TF.js backend this epoch trained on (absent in older files). A resumed run may have
   * epochs from two backends (`--allow-backend-change`); each epoch says where it ran.
   */
  backend?: string;
}

/** Where the run ran (see `environment.ts`). */
export interface RunEnvironment {
  backend: string;
  adapter: string | null;
  deno: string;
  tfjs: string;
  commit: string | null;
  machine: string;
  [key: string]: unknown;
}

/** The images of each part: what the learner trained on, validated on, and was tested on. */
export interface RunCounts {
  train: number;
  validation: number;
  test: number;
}

/** The last completed epoch's figures. */
export interface FinalFigures {
  testAccuracy: number;
  testLoss: number;
  trainLoss: number;
  /** Training seconds summed over the epochs. */
  seconds: number;
  validationAccuracy?: number;
  validationLoss?: number;
}

/** Where a run sits in a comparison grid (added by `deno task compare`). */
export interface RunLabels {
  id: string;
  grid: string;
  dataset: string;
  model: string;
  method: string;
  setting: string;
  seed: number;
  /** "tuning" for a search-space trial, "final" (or absent) for a reported run. */
  phase?: "tuning" | "final";
  /** The trial's values of a tuning run (or the selected ones of a final run), e.g. "rho=0.1". */
  trial?: string;
}

/**
 * The shape shared by a fresh result and a result read back from a file; `Config` and
 * `Environment` are exact for a fresh result and kept as stored for a file (older files lack newer
 * fields).
 */
export interface RunResultOf<Config, Environment> {
  status: "completed" | "failed";
  /** Present when status is "failed": the global step (1-based) and epoch where it failed. */
  failure?: { step?: number; epoch?: number; message: string };
  config: Config;
  environment: Environment;
  /** Images per part; absent in files written before the validation split. */
  counts?: RunCounts;
  epochs: EpochRecord[];
  /** The last completed epoch's figures; null when no epoch completed. */
  final: FinalFigures | null;
}

/** The JSON `train` returns and `deno task train` writes. */
export type RunResult = RunResultOf<TrainConfig, RunEnvironment>;

/** A result file of a comparison folder: a run result plus its grid labels. */
export interface RunRecord extends RunResultOf<Record<string, unknown>, Record<string, unknown>> {
  run: RunLabels;
}

/**
 * The backends a run trained on, in epoch order: each epoch's `backend`, or the environment's
 * for files written before epochs recorded it. Two entries mean a resume switched backend.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runBackends } from "./result.ts";
 * const epoch = { epoch: 1, trainLoss: 1, trainAccuracy: 0.5, testLoss: 1, testAccuracy: 0.5,
 *   seconds: 1, gradientEvaluations: 1 };
 * assert.deepEqual(runBackends({ environment: { backend: "cpu" }, epochs: [epoch] }), ["cpu"]);
 * assert.deepEqual(
 *   runBackends({ environment: { backend: "cpu" }, epochs: [{ ...epoch, backend: "wasm" },
 *     { ...epoch, epoch: 2, backend: "cpu" }] }),
 *   ["wasm", "cpu"],
 * );
 * ```
 */
export function runBackends(
  record: { environment: Record<string, unknown> | RunEnvironment; epochs: EpochRecord[] },
): string[] {
  const fallback = typeof record.environment.backend === "string"
    ? record.environment.backend
    : null;
  const seen: string[] = [];
  for (const e of record.epochs) {
    const backend = e.backend ?? fallback;
    if (backend !== null && !seen.includes(backend)) seen.push(backend);
  }
  if (seen.length === 0 && fallback !== null) seen.push(fallback);
  return seen;
}

/**
 * Writes a result as indented JSON, atomically.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeRunResult } from "./result.ts";
 * import { DEFAULT_TRAIN_CONFIG } from "./config.ts";
 * const path = await Deno.makeTempFile({ suffix: ".json" });
 * await writeRunResult(path, {
 *   status: "completed", config: { ...DEFAULT_TRAIN_CONFIG }, epochs: [], final: null,
 *   environment: { backend: "cpu", adapter: null, deno: "2", tfjs: "4", commit: null, machine: "" },
 * });
 * assert.equal(JSON.parse(await Deno.readTextFile(path)).status, "completed");
 * await Deno.remove(path);
 * ```
 */
export async function writeRunResult(path: string, result: RunResult): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(result, null, 2) + "\n");
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

function numberField(source: string, obj: Record<string, unknown>, path: string, key: string) {
  const v = obj[key];
  // Failed runs may carry a non-finite loss; JSON turns it into null. Accept null only for losses.
  if (typeof v === "number") return v;
  if (v === null && /Loss$/.test(key)) return Number.NaN;
  return fail(source, `${path}.${key}`, v);
}

function optionalNumber(
  source: string,
  obj: Record<string, unknown>,
  path: string,
  key: string,
): number | undefined {
  return obj[key] === undefined ? undefined : numberField(source, obj, path, key);
}

function parseEpoch(source: string, e: unknown, path: string): EpochRecord {
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
  for (
    const key of [
      "validationLoss",
      "validationAccuracy",
      "imagesPerSecond",
      "cpuSeconds",
      "hessianSeconds",
    ] as const
  ) {
    const v = optionalNumber(source, e, path, key);
    if (v !== undefined) record[key] = v;
  }
  if (e.backend !== undefined) {
    if (typeof e.backend !== "string" || e.backend === "") {
      fail(source, `${path}.backend`, e.backend);
    }
    record.backend = e.backend;
  }
  if (e.hessian !== undefined && e.hessian !== null) {
    const h = e.hessian;
    if (!isObject(h)) fail(source, `${path}.hessian`, h);
    const hp = `${path}.hessian`;
    // A measure that came out non-finite is stored as null by JSON: read it back as NaN.
    const measure = (key: string) => h[key] === null ? Number.NaN : numberField(source, h, hp, key);
    const hessian: HessianRecord = {
      trace: measure("trace"),
      frobenius: measure("frobenius"),
      topEigenvalue: measure("topEigenvalue"),
    };
    if (isObject(h.standardError)) {
      const se = h.standardError;
      const sp = `${hp}.standardError`;
      const seOf = (key: string) =>
        se[key] === null ? Number.NaN : numberField(source, se, sp, key);
      hessian.standardError = {
        trace: seOf("trace"),
        frobenius: seOf("frobenius"),
        topEigenvalue: seOf("topEigenvalue"),
      };
    }
    const samples = optionalNumber(source, h, hp, "samples");
    if (samples !== undefined) hessian.samples = samples;
    record.hessian = hessian;
  }
  return record;
}

/**
 * Parses and checks a run result's JSON (a `deno task train --out` file; `run` labels are kept
 * when present but not required).
 *
 * @param source the file path, for error messages.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRunResult } from "./result.ts";
 * assert.throws(() => parseRunResult({ status: "done" }, "x.json"), /x\.json: field status/);
 * ```
 */
export function parseRunResult(
  json: unknown,
  source: string,
): RunResultOf<Record<string, unknown>, Record<string, unknown>> & { run?: RunLabels } {
  if (!isObject(json)) fail(source, "(root)", json);
  if (json.status !== "completed" && json.status !== "failed") fail(source, "status", json.status);
  if (!isObject(json.config)) fail(source, "config", json.config);
  if (!Array.isArray(json.epochs)) fail(source, "epochs", json.epochs);
  const epochs = json.epochs.map((e: unknown, i: number) => parseEpoch(source, e, `epochs[${i}]`));
  let final: FinalFigures | null = null;
  if (json.status === "completed") {
    const f = json.final;
    if (!isObject(f)) fail(source, "final", f);
    final = {
      testAccuracy: numberField(source, f, "final", "testAccuracy"),
      testLoss: numberField(source, f, "final", "testLoss"),
      trainLoss: numberField(source, f, "final", "trainLoss"),
      seconds: numberField(source, f, "final", "seconds"),
    };
    if (!(final.testAccuracy >= 0 && final.testAccuracy <= 1)) {
      fail(source, "final.testAccuracy", final.testAccuracy);
    }
    for (const key of ["validationAccuracy", "validationLoss"] as const) {
      const v = optionalNumber(source, f, "final", key);
      if (v !== undefined) final[key] = v;
    }
  }
  const result: ReturnType<typeof parseRunResult> = {
    status: json.status,
    config: json.config,
    environment: isObject(json.environment) ? json.environment : {},
    epochs,
    final,
  };
  if (json.counts !== undefined) {
    const c = json.counts;
    if (!isObject(c)) fail(source, "counts", c);
    result.counts = {
      train: numberField(source, c, "counts", "train"),
      validation: numberField(source, c, "counts", "validation"),
      test: numberField(source, c, "counts", "test"),
    };
  }
  if (isObject(json.failure)) {
    const f = json.failure;
    if (typeof f.message !== "string") fail(source, "failure.message", f.message);
    result.failure = {
      message: f.message,
      ...(typeof f.step === "number" ? { step: f.step } : {}),
      ...(typeof f.epoch === "number" ? { epoch: f.epoch } : {}),
    };
  } else if (json.status === "failed") {
    result.failure = { message: "(no failure message recorded)" };
  }
  if (json.run !== undefined) result.run = parseRunLabels(json.run, source);
  return result;
}

function parseRunLabels(run: unknown, source: string): RunLabels {
  if (!isObject(run)) fail(source, "run", run);
  const text = (key: string): string => {
    const v = run[key];
    return typeof v === "string" && v !== "" ? v : fail(source, `run.${key}`, v);
  };
  if (!Number.isInteger(run.seed)) fail(source, "run.seed", run.seed);
  const labels: RunLabels = {
    id: text("id"),
    grid: text("grid"),
    dataset: text("dataset"),
    model: text("model"),
    method: text("method"),
    setting: text("setting"),
    seed: run.seed as number,
  };
  if (run.phase !== undefined) {
    if (run.phase !== "tuning" && run.phase !== "final") fail(source, "run.phase", run.phase);
    labels.phase = run.phase;
  }
  if (run.trial !== undefined) labels.trial = text("trial");
  return labels;
}

/**
 * Parses and checks one comparison result file's JSON: a run result with its `run` labels.
 *
 * @param source the file path, for error messages.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRunRecord } from "./result.ts";
 * assert.throws(() => parseRunRecord({ status: "done" }, "x.json"), /x\.json: field status/);
 * assert.throws(
 *   () => parseRunRecord({ status: "failed", config: {}, epochs: [], final: null }, "y.json"),
 *   /y\.json: field run/,
 * );
 * ```
 */
export function parseRunRecord(json: unknown, source: string): RunRecord {
  const result = parseRunResult(json, source);
  if (!result.run) fail(source, "run", undefined);
  return result as RunRecord;
}

/**
 * Reads and validates a run result file (`deno task train --out`, or a comparison's).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readRunResult } from "./result.ts";
 * const path = await Deno.makeTempFile({ suffix: ".json" });
 * await Deno.writeTextFile(path, "{}");
 * await assert.rejects(() => readRunResult(path), /field status/);
 * await Deno.remove(path);
 * ```
 */
export async function readRunResult(path: string): Promise<ReturnType<typeof parseRunResult>> {
  return parseRunResult(JSON.parse(await Deno.readTextFile(path)), path);
}
