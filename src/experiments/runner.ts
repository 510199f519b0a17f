/**
 * Runs the runs of a grid (or one shard of it) that have no result yet, writing one JSON file per
 * run atomically. The training function is injected (the command passes `train` from
 * `src/training/train.ts`), so that tests can drive the resume logic with a fake.
 *
 * - Resume: a run is done when the folder holds a readable result whose `run.id` is the run's id.
 *   Unreadable files and leftover temporary files are reported, never fatal; an unreadable file in
 *   a run's place is overwritten when the run is redone. Failed runs (a diverging optimizer) are
 *   results too and are not redone unless `retryFailed` is set.
 * - Checkpoints: each run checkpoints every epoch into `<name>.checkpoint/` beside its result, as
 *   `deno task train` does, so a run killed at epoch 150 of 200 resumes at epoch 150. The folder
 *   is removed once the result is written.
 * - Locks: each run is taken with a lock file (`lock.ts`), so workers sharing a folder never train
 *   the same run twice; a worker that finds a run locked by a live worker moves on, and at the end
 *   waits for those runs (taking over any whose owner died).
 *
 * @module
 */
import { join } from "node:path";
import { type ResultScan, scanResults, writeJsonAtomic } from "../report/results_dir.ts";
import { parseRunRecord, type RunLabels, type RunResultOf } from "../training/result.ts";
import type { TrainOptions } from "../training/train.ts";
import { describeRun, type GridFlags, type RunSpec } from "./grid.ts";
import { tryLock } from "./lock.ts";
import { type ProgressSink, RunCounter } from "./run_counter.ts";

/** What the injected training function returns (a `RunResult` of `src/training`). */
export type TrainOutcome = RunResultOf<object, object>;

/** The options the runner gives the training function. */
export type RunTrainOptions = Pick<
  TrainOptions,
  "signal" | "checkpointDir" | "resume" | "onStart" | "onStep" | "onHessian"
>;

/** The injected training function. */
export type TrainFunction = (flags: GridFlags, options: RunTrainOptions) => Promise<TrainOutcome>;

/** Options of {@link runPending}. */
export interface RunPendingOptions {
  outDir: string;
  runs: readonly RunSpec[];
  train: TrainFunction;
  /** Redo runs whose stored result has status "failed". */
  retryFailed?: boolean;
  /** Stops between steps (the run in progress keeps its checkpoint). */
  signal?: AbortSignal;
  progress?: ProgressSink;
  /**
   * After the pass, wait for runs locked by other live workers to finish (default true): the
   * caller then sees every run done. False leaves them to their owners (`heldByOthers`).
   */
  waitForOthers?: boolean;
  /** How often to look at runs held by others, in ms (default 500). */
  pollMs?: number;
}

/** What {@link runPending} did. */
export interface RunPendingReport {
  total: number;
  /** Runs already finished on disk when this call started. */
  skipped: number;
  completed: number;
  failed: number;
  /** Runs finished by another worker while this one ran or waited. */
  byOthers: number;
  /** Runs still locked by other workers when this call returned (only with waitForOthers false). */
  heldByOthers: string[];
  /** Runs whose training threw (not a recorded failure): nothing was written for them. */
  crashed: { id: string; message: string }[];
  scan: ResultScan;
  seconds: number;
}

/**
 * The result file name of a run: readable labels, then the id (which alone makes it unique).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runFileName } from "./runner.ts";
 * const name = runFileName({ id: "0123456789abcdef", grid: "ci", dataset: "fashion-mnist", model: "mlp",
 *   method: "sam", setting: "20%-noise", seed: 1, flags: {} });
 * assert.equal(name, "fashion-mnist_mlp_20pct-noise_sam_s1_0123456789abcdef.json");
 * ```
 */
export function runFileName(spec: RunSpec): string {
  const clean = (s: string) => s.replace(/%/g, "pct").replace(/[^\w.-]+/g, "-");
  const phase = spec.phase === "tuning" ? "tune_" : "";
  return `${phase}${clean(spec.dataset)}_${clean(spec.model)}_${clean(spec.setting)}_${
    clean(spec.method)
  }_s${spec.seed}_${spec.id}.json`;
}

/**
 * The labels stored in a run's result (`run`): where it sits in the grid.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runLabels } from "./runner.ts";
 * const labels = runLabels({ id: "ab", grid: "g", dataset: "d", model: "mlp", method: "sgd", setting: "clean",
 *   seed: 0, flags: { lr: 1 } });
 * assert.equal("flags" in labels, false);
 * ```
 */
export function runLabels(spec: RunSpec): RunLabels {
  const { id, grid, dataset, model, method, setting, seed, phase, trial } = spec;
  return {
    id,
    grid,
    dataset,
    model,
    method,
    setting,
    seed,
    ...(phase ? { phase } : {}),
    ...(trial ? { trial } : {}),
  };
}

async function finishedOnDisk(path: string, id: string, retryFailed: boolean): Promise<boolean> {
  try {
    const record = parseRunRecord(JSON.parse(await Deno.readTextFile(path)), path);
    return record.run.id === id && (record.status === "completed" || !retryFailed);
  } catch {
    return false; // absent, or unreadable: the run is to be (re)done
  }
}

/**
 * Runs every run of `runs` without a finished result in `outDir`, in order, each under its lock.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runPending } from "./runner.ts";
 * import { expandGrid } from "./grid.ts";
 * const runs = expandGrid({ name: "t", datasets: ["fashion-mnist"], models: ["mlp"], optimizers: [{ optimizer: "sgd" }],
 *   seeds: [0], settings: [{ name: "clean" }] });
 * const fake = () => Promise.resolve({ status: "completed" as const, config: {}, environment: {},
 *   epochs: [], final: { testAccuracy: 0.5, testLoss: 1, trainLoss: 1, seconds: 0 } });
 * const outDir = Deno.makeTempDirSync();
 * const first = await runPending({ outDir, runs, train: fake });
 * const again = await runPending({ outDir, runs, train: fake });
 * assert.equal(first.completed, 1);
 * assert.equal(again.skipped, 1);
 * Deno.removeSync(outDir, { recursive: true });
 * ```
 */
export async function runPending(options: RunPendingOptions): Promise<RunPendingReport> {
  const { outDir, runs, train, signal } = options;
  const retryFailed = options.retryFailed ?? false;
  if (typeof outDir !== "string" || outDir === "") {
    throw new TypeError(`--out must be a folder path, got ${JSON.stringify(outDir)}`);
  }
  if (typeof train !== "function") {
    throw new TypeError(`runPending: train must be a function, got ${typeof train}`);
  }
  const started = performance.now();
  await Deno.mkdir(outDir, { recursive: true });
  const scan = await scanResults([outDir]);
  const finished = new Set<string>();
  for (const { record } of scan.runs) {
    if (record.status === "completed" || !retryFailed) finished.add(record.run.id);
  }
  let queue = runs.filter((r) => !finished.has(r.id));
  const report: RunPendingReport = {
    total: runs.length,
    skipped: runs.length - queue.length,
    completed: 0,
    failed: 0,
    byOthers: 0,
    heldByOthers: [],
    crashed: [],
    scan,
    seconds: 0,
  };
  const counter = new RunCounter(
    runs.length,
    report.skipped,
    options.progress ?? { isTerminal: false, write: () => {} },
  );
  let announced = -1;
  while (queue.length > 0 && !signal?.aborted) {
    const held: RunSpec[] = [];
    let holder = "";
    for (const spec of queue) {
      if (signal?.aborted) break;
      const base = join(outDir, runFileName(spec).replace(/\.json$/, ""));
      const resultPath = `${base}.json`;
      const lock = await tryLock(`${base}.lock`);
      if (!lock.acquired) {
        held.push(spec);
        if (lock.owner) holder = `pid ${lock.owner.pid} on ${lock.owner.host}`;
        continue;
      }
      try {
        // Another worker may have finished it between the scan and the lock.
        if (await finishedOnDisk(resultPath, spec.id, retryFailed)) {
          report.byOthers += 1;
          counter.skipped();
          continue;
        }
        await runOne(spec, base, train, counter, report, signal);
      } finally {
        await lock.release();
      }
    }
    queue = [];
    for (const spec of held) {
      const path = join(outDir, runFileName(spec));
      if (await finishedOnDisk(path, spec.id, false)) {
        report.byOthers += 1;
        counter.skipped();
      } else queue.push(spec);
    }
    if (queue.length === 0) break;
    if (options.waitForOthers === false) {
      report.heldByOthers = queue.map((r) => r.id);
      break;
    }
    if (queue.length !== announced) {
      // Said once per change: a lock held from another host is never taken over, so the user
      // must know what this process is waiting for.
      announced = queue.length;
      counter.progress.line(
        `waiting for ${queue.length} run(s) held by other workers${
          holder ? ` (e.g. ${holder})` : ""
        }`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 500));
  }
  counter.progress.clear();
  report.seconds = (performance.now() - started) / 1000;
  return report;
}

async function runOne(
  spec: RunSpec,
  base: string,
  train: TrainFunction,
  counter: RunCounter,
  report: RunPendingReport,
  signal: AbortSignal | undefined,
): Promise<void> {
  const label = describeRun(spec).replace(/^run /, "").replace(/ \[[0-9a-f]+\]$/, "");
  const checkpointDir = `${base}.checkpoint`;
  const t0 = performance.now();
  let status: string;
  try {
    const result = await train(spec.flags, {
      signal,
      checkpointDir,
      resume: true,
      onStart: (start) => {
        if (start.resumedEpochs > 0) {
          counter.progress.line(`resumed ${label} after epoch ${start.resumedEpochs}`);
        }
      },
      onStep: (step) =>
        counter.progress.bar(
          `${counter.prefix(label)} epoch ${step.epoch}/${step.epochs}`,
          step.step,
          step.stepsPerEpoch,
        ),
      onHessian: (h) =>
        counter.progress.bar(
          `${counter.prefix(label)} epoch ${h.epoch} Hessian`,
          h.done,
          h.total,
        ),
    });
    await writeJsonAtomic(`${base}.json`, { ...result, run: runLabels(spec) });
    await Deno.remove(checkpointDir, { recursive: true }).catch(() => {});
    status = result.status;
    if (result.status === "completed") report.completed += 1;
    else report.failed += 1;
  } catch (error) {
    if (signal?.aborted) return; // the checkpoint stays: the rerun continues from it
    status = "crashed";
    report.crashed.push({ id: spec.id, message: String((error as Error)?.message ?? error) });
  }
  counter.finished(label, status, (performance.now() - t0) / 1000);
}
