/**
 * Runs the runs of a grid (or one shard of it) that have no result yet, writing one JSON file per
 * run atomically. The training function is injected (the CLI passes `train` from
 * `src/training/train.ts`), so that tests can drive the resume logic with a fake.
 *
 * Resume rule: a run is done when the folder holds a readable result whose `run.id` is the run's
 * id. Unreadable files and leftover temporary files are reported, never fatal; an unreadable
 * file in a run's place is simply overwritten when the run is redone. Failed runs (a diverging
 * optimizer) are results too and are not redone unless `retryFailed` is set.
 *
 * @module
 */
import { join } from "node:path";
import { type ResultScan, scanResults, writeJsonAtomic } from "../../src/report/results_dir.ts";
import type { GridFlags, RunSpec } from "./grid.ts";
import { Progress, type ProgressSink } from "./progress.ts";

/** What the injected training function returns (the `RunResult` of `src/training`). */
export interface TrainOutcome {
  status: "completed" | "failed";
  [key: string]: unknown;
}

/** The injected training function. */
export type TrainFunction = (flags: GridFlags, signal?: AbortSignal) => Promise<TrainOutcome>;

/** Options of {@link runPending}. */
export interface RunPendingOptions {
  outDir: string;
  runs: readonly RunSpec[];
  train: TrainFunction;
  /** Redo runs whose stored result has status "failed". */
  retryFailed?: boolean;
  /** Stops between runs (the run in progress gets the signal too). */
  signal?: AbortSignal;
  progress?: ProgressSink;
}

/** What {@link runPending} did. */
export interface RunPendingReport {
  total: number;
  skipped: number;
  completed: number;
  failed: number;
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
 * import { runFileName } from "./runner.ts";
 * const name = runFileName({ id: "0123456789abcdef", grid: "ci", dataset: "fashion-mnist", model: "mlp",
 *   method: "sam", setting: "20%-noise", seed: 1, flags: {} });
 * console.assert(name === "fashion-mnist_mlp_20pct-noise_sam_s1_0123456789abcdef.json");
 * ```
 */
export function runFileName(spec: RunSpec): string {
  const clean = (s: string) => s.replace(/%/g, "pct").replace(/[^\w.-]+/g, "-");
  return `${clean(spec.dataset)}_${clean(spec.model)}_${clean(spec.setting)}_${
    clean(spec.method)
  }_s${spec.seed}_${spec.id}.json`;
}

/**
 * Runs every run of `runs` without a finished result in `outDir`, in order.
 *
 * @example
 * ```ts
 * import { runPending } from "./runner.ts";
 * import { expandGrid } from "./grid.ts";
 * const runs = expandGrid({ name: "t", datasets: ["d"], models: ["mlp"], optimizers: [{ optimizer: "sgd" }],
 *   seeds: [0], settings: [{ name: "clean" }] });
 * const fake = () => Promise.resolve({ status: "completed" as const, config: {}, environment: {},
 *   epochs: [], final: { testAccuracy: 0.5, testLoss: 1, trainLoss: 1, seconds: 0 } });
 * const outDir = Deno.makeTempDirSync();
 * const first = await runPending({ outDir, runs, train: fake });
 * const again = await runPending({ outDir, runs, train: fake });
 * console.assert(first.completed === 1 && again.skipped === 1);
 * ```
 */
export async function runPending(options: RunPendingOptions): Promise<RunPendingReport> {
  const { outDir, runs, train } = options;
  if (typeof outDir !== "string" || outDir === "") {
    throw new TypeError(`--out must be a folder path, got ${JSON.stringify(outDir)}`);
  }
  if (typeof train !== "function") {
    throw new TypeError(`runPending: train must be a function, got ${typeof train}`);
  }
  const started = performance.now();
  await Deno.mkdir(outDir, { recursive: true });
  const scan = await scanResults([outDir]);
  const finished = new Map<string, string>();
  for (const { record } of scan.runs) {
    if (record.status === "completed" || !options.retryFailed) {
      finished.set(record.run.id, record.status);
    }
  }
  const pending = runs.filter((r) => !finished.has(r.id));
  const report: RunPendingReport = {
    total: runs.length,
    skipped: runs.length - pending.length,
    completed: 0,
    failed: 0,
    crashed: [],
    scan,
    seconds: 0,
  };
  const progress = new Progress(
    runs.length,
    report.skipped,
    options.progress ?? { isTerminal: false, write: () => {} },
  );
  for (const spec of pending) {
    if (options.signal?.aborted) break;
    const label = `${spec.dataset}/${spec.model}/${spec.setting} ${spec.method} seed ${spec.seed}`;
    progress.starting(label);
    const t0 = performance.now();
    let status: string;
    try {
      const result = await train(spec.flags, options.signal);
      const { id, grid, dataset, model, method, setting, seed } = spec;
      await writeJsonAtomic(join(outDir, runFileName(spec)), {
        ...result,
        run: { id, grid, dataset, model, method, setting, seed },
      });
      status = result.status;
      if (result.status === "completed") report.completed += 1;
      else report.failed += 1;
    } catch (error) {
      if (options.signal?.aborted) break;
      status = "crashed";
      report.crashed.push({ id: spec.id, message: String((error as Error)?.message ?? error) });
    }
    progress.finished(label, status, (performance.now() - t0) / 1000);
  }
  progress.close();
  report.seconds = (performance.now() - started) / 1000;
  return report;
}
