/**
 * `runGrid()`: everything `deno task compare` does to a grid, as a library call. It checks every
 * run's config first (nothing starts when one is bad), runs the tuning runs, selects per cell and
 * method on validation accuracy, then runs the final seeds with the selected values. Every step
 * resumes: finished runs are skipped, a run killed mid-way continues from its last epoch, and the
 * selection is recomputed from the tuning results on disk, so a rerun after a kill lands on the
 * same final runs (same ids).
 *
 * @module
 */
import { join } from "node:path";
import { writeJsonAtomic } from "../report/results_dir.ts";
import type { RunRecord } from "../training/result.ts";
import { collectRuns } from "./collect.ts";
import {
  checkGrid,
  expandGrid,
  type GridDeclaration,
  isTuned,
  type RunSpec,
  type Selection,
  selectShard,
  type Shard,
  tuningRuns,
} from "./grid.ts";
import type { ProgressSink } from "./run_counter.ts";
import { runPending, type RunPendingReport, type TrainFunction } from "./runner.ts";
import { selectTrials, type TuningSummary } from "./tuning.ts";

/**
 * The file beside the results that records the tuning selection (rewritten on every run).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TUNING_FILE } from "./run_grid.ts";
 * assert.equal(TUNING_FILE, "tuning.json");
 * ```
 */
export const TUNING_FILE = "tuning.json";

/** The runs of a grid as far as the results in some folders determine them. */
export interface GridPlan {
  tuningRuns: RunSpec[];
  /** Null while tuning runs are missing (the final runs depend on the selection). */
  finalRuns: RunSpec[] | null;
  selection: Selection | null;
  tuning: TuningSummary | null;
  /** Tuning runs without a result in the folders. */
  missingTuning: RunSpec[];
  /** The tuning runs' records. */
  tuningRecords: RunRecord[];
}

/**
 * Plans a grid against the results in `dirs`: its tuning runs, and its final runs when the tuning
 * results are all there (at once for a grid without tuning).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { planGrid } from "./run_grid.ts";
 * const dir = Deno.makeTempDirSync();
 * const plan = await planGrid({ name: "g", datasets: ["fashion-mnist"], models: ["mlp"], seeds: [0],
 *   settings: [{ name: "clean" }], optimizers: [{ optimizer: "sgd" }] }, [dir]);
 * assert.equal(plan.finalRuns?.length, 1);
 * Deno.removeSync(dir, { recursive: true });
 * ```
 */
export async function planGrid(grid: GridDeclaration, dirs: readonly string[]): Promise<GridPlan> {
  const tuning = tuningRuns(grid);
  if (!isTuned(grid)) {
    return {
      tuningRuns: [],
      finalRuns: expandGrid(grid),
      selection: null,
      tuning: null,
      missingTuning: [],
      tuningRecords: [],
    };
  }
  const found = await collectRuns(dirs, tuning);
  const tuningRecords = found.runs.map((e) => e.record);
  if (found.missing.length > 0) {
    return {
      tuningRuns: tuning,
      finalRuns: null,
      selection: null,
      tuning: null,
      missingTuning: found.missing,
      tuningRecords,
    };
  }
  const { selection, summary } = selectTrials(grid, tuning, tuningRecords);
  return {
    tuningRuns: tuning,
    finalRuns: expandGrid(grid, selection),
    selection,
    tuning: summary,
    missingTuning: [],
    tuningRecords,
  };
}

/** Options of {@link runGrid}. */
export interface RunGridOptions {
  grid: GridDeclaration;
  outDir: string;
  train: TrainFunction;
  /** Run only this shard of the tuning runs and of the final runs. */
  shard?: Shard;
  retryFailed?: boolean;
  signal?: AbortSignal;
  progress?: ProgressSink;
  /** Wait for runs other workers hold (default true; see `runPending`). */
  waitForOthers?: boolean;
  /** One line per phase, for the command's log. */
  log?: (line: string) => void;
  /**
   * Run the tuning runs (of this shard) and stop: a session-sized part of a grid whose tuning is
   * too long to share a session with final runs. Not part of any run's id.
   */
  tuningOnly?: boolean;
}

/** What {@link runGrid} did. */
export interface GridOutcome {
  plan: GridPlan;
  tuning: RunPendingReport | null;
  final: RunPendingReport | null;
  /** Why the final runs did not start (tuning runs missing, e.g. on other shards), or null. */
  incomplete: string | null;
}

/**
 * Runs a grid into `outDir` (see the module doc). Throws a `RangeError` naming the run and the key
 * when any run's config is invalid, before the first run starts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runGrid } from "./run_grid.ts";
 * const fake = () => Promise.resolve({ status: "completed" as const, config: {}, environment: {},
 *   epochs: [], final: { testAccuracy: 0.5, testLoss: 1, trainLoss: 1, seconds: 0 } });
 * const outDir = Deno.makeTempDirSync();
 * const outcome = await runGrid({ outDir, train: fake, grid: { name: "g", datasets: ["fashion-mnist"],
 *   models: ["mlp"], seeds: [0, 1], settings: [{ name: "clean" }], optimizers: [{ optimizer: "sgd" }] } });
 * assert.equal(outcome.final?.completed, 2);
 * Deno.removeSync(outDir, { recursive: true });
 * ```
 */
export async function runGrid(options: RunGridOptions): Promise<GridOutcome> {
  const { grid, outDir, shard = { index: 1, count: 1 } } = options;
  const log = options.log ?? (() => {});
  checkGrid(grid);
  const common = {
    outDir,
    train: options.train,
    retryFailed: options.retryFailed,
    signal: options.signal,
    progress: options.progress,
    waitForOthers: options.waitForOthers,
  };
  let tuning: RunPendingReport | null = null;
  const tuningList = tuningRuns(grid);
  if (tuningList.length > 0) {
    const mine = selectShard(tuningList, shard);
    log(`tuning: ${mine.length} of ${tuningList.length} tuning runs`);
    tuning = await runPending({ ...common, runs: mine });
    if (options.signal?.aborted) {
      return {
        plan: await planGrid(grid, [outDir]),
        tuning,
        final: null,
        incomplete: "interrupted",
      };
    }
  }
  if (options.tuningOnly) {
    return { plan: await planGrid(grid, [outDir]), tuning, final: null, incomplete: null };
  }
  const plan = await planGrid(grid, [outDir]);
  if (plan.finalRuns === null) {
    return {
      plan,
      tuning,
      final: null,
      incomplete: `${plan.missingTuning.length} tuning run(s) have no result in ${outDir} ` +
        `(other shards, or crashed); the final runs start once every tuning run is there`,
    };
  }
  if (plan.tuning) {
    await writeJsonAtomic(join(outDir, TUNING_FILE), plan.tuning);
    for (const c of plan.tuning.cells) {
      log(`selected ${c.dataset}/${c.model}/${c.setting} ${c.method}: ${c.selected.trial}`);
    }
  }
  const mine = selectShard(plan.finalRuns, shard);
  log(`final: ${mine.length} of ${plan.finalRuns.length} runs`);
  const final = await runPending({ ...common, runs: mine });
  return { plan, tuning, final, incomplete: options.signal?.aborted ? "interrupted" : null };
}
