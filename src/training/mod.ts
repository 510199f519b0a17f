/**
 * The training layer: `train(config, options)` runs one training run in-process (what `deno task
 * train` and `deno task compare` call), with per-epoch checkpoints and exact resume;
 * `parseTrainArgs` turns the CLI flags into a `TrainConfig`; `createSchedule` gives the learning
 * rate schedules; the run result and checkpoint formats are exported for readers of the files.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { makeTrainConfig, parseTrainArgs } from "./mod.ts";
 * const parsed = parseTrainArgs(["--optimizer", "frob-sam", "--epochs", "2"]);
 * assert.equal(parsed.config?.samples, 2);
 * assert.equal(makeTrainConfig({ optimizer: "asam" }).rho, 0.5);
 * ```
 *
 * @module
 */
export {
  DEFAULT_TRAIN_CONFIG,
  DEFAULT_TRAIN_INVOCATION,
  makeTrainConfig,
  makeTrainInvocation,
  optimizerDefaults,
  type ParsedTrainArgs,
  parseTrainArgs,
  SCHEDULE_NAMES,
  type ScheduleName,
  TRAIN_CONFIG_OPTIONS,
  TRAIN_INVOCATION_OPTIONS,
  type TrainConfig,
  trainHelp,
  type TrainInvocation,
  validateTrainConfig,
} from "./config.ts";
export { createSchedule, type LearningRateSchedule, type ScheduleOptions } from "./schedule.ts";
export { train, type TrainOptions, type TrainStart, type TrainStep } from "./train.ts";
export {
  type EpochRecord,
  type FinalFigures,
  type HessianRecord,
  parseRunRecord,
  parseRunResult,
  readRunResult,
  runBackends,
  type RunCounts,
  type RunEnvironment,
  type RunLabels,
  type RunRecord,
  type RunResult,
  type RunResultOf,
  writeRunResult,
} from "./result.ts";
export { machineDescription, runEnvironment, sourceCommit } from "./environment.ts";
export {
  checkOption,
  defaultsOf,
  flagOf,
  type OptionKind,
  optionsHelp,
  type OptionSpec,
  type OptionTable,
  type ParsedOptions,
  parseOptions,
  validateOptions,
} from "./options.ts";
export {
  type Checkpoint,
  CHECKPOINT_FILE,
  checkpointPath,
  decodeCheckpoint,
  encodeCheckpoint,
  readCheckpoint,
  type SavedTensor,
  writeCheckpoint,
} from "./checkpoint.ts";
export { deriveSeed, type SeedStream } from "./seeds.ts";
export { writeFileAtomic } from "../io/atomic.ts";
export { type EpochTime, type EpochTimeOptions, measureEpochTime } from "./epoch_time.ts";
