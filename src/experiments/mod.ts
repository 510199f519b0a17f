/**
 * The experiment layer: comparison grids (expansion, tuning search spaces, config checks before
 * anything runs, sharding), `runGrid()` (tuning runs, selection on validation accuracy, final
 * runs; resumable, checkpointed and locked per run), result collection, the grid report's tuning
 * and early-stopping data, the regression baseline's schema, the progress display, the presets,
 * and the `compare`, `merge` and `regress` commands. The run record's schema is the training
 * layer's (`src/training/result.ts`), re-exported here.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { expandGrid, presetGrid } from "./mod.ts";
 * assert.equal(expandGrid(presetGrid("ci")).length, 126);
 * ```
 *
 * @module
 */
export * from "./grid.ts";
export * from "./tuning.ts";
export * from "./early_stopping.ts";
export * from "./tuning_markdown.ts";
export * from "./run_grid.ts";
export * from "./runner.ts";
export * from "./lock.ts";
export * from "./collect.ts";
export * from "./report.ts";
export * from "./baseline.ts";
export * from "./run_counter.ts";
export * from "./sabotage.ts";
export * from "./train_function.ts";
export { loadGridFile, PRESET_NAMES, presetGrid } from "./presets/mod.ts";
export {
  type CommandIo,
  COMPARE_OPTIONS,
  compareMain,
  parseCompareArgs,
} from "./compare_command.ts";
export { MERGE_OPTIONS, mergeMain } from "./merge_command.ts";
export {
  type HistoryLine,
  historyLine,
  REGRESS_OPTIONS,
  regressMain,
  untrustworthyChecks,
} from "./regress_command.ts";
export {
  parseRunRecord,
  readRunResult,
  type RunLabels,
  type RunRecord,
} from "../training/result.ts";
