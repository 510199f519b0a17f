/**
 * usam: the universal class of Sharpness-Aware Minimization algorithms (Tahmasebi et al., ICML
 * 2024), verified numerically and benchmarked on TensorFlow.js.
 *
 * The layers, each also importable on its own through its `mod.ts`:
 * - `src/math`: Float64 finite differences, linear algebra, the seeded and counter-based (Philox)
 *   random sources;
 * - `src/measures`: sharpness measures `(f, F, mu)` with `exact(H)` and zeroth-order `estimate`;
 * - `src/reference`: the Float64 reference SAM-family steps (the optimizers' oracle);
 * - `src/backends`, `src/optimizers`, `src/models`, `src/data`, `src/hessian`, `src/training`:
 *   the TF.js training layer (with the one run-record schema);
 * - `src/report`: statistics, Markdown/JSON/SVG reports and the regression rule;
 * - `src/experiments`: grids, tuning, `runGrid()`, the presets and the compare/merge/regress
 *   commands.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hessian, sharpness } from "./mod.ts";
 * const f = (x: Float64Array) => x[0] * x[0] + 3 * x[1] * x[1];
 * const H = hessian(f, new Float64Array([0, 0]));
 * assert.ok(Math.abs(sharpness.trace.exact(H) - 8) < 1e-6);
 * ```
 *
 * @module
 */
export * from "./src/math/random.ts";
export * from "./src/measures/spec.ts";
export {
  gradient,
  hessian,
  hessianVectorProduct as finiteDifferenceHvp,
  predictedHessianError,
} from "./src/math/finite_diff.ts";
export * as math from "./src/math/mod.ts";
export * as reference from "./src/reference/mod.ts";
export { adaptive, sharpness, universal } from "./src/measures/mod.ts";
export type {
  DeterminantOptions,
  Estimate,
  EstimateOptions,
  Loss,
  SharpnessMeasure,
  UniversalDefinition,
} from "./src/measures/mod.ts";
export {
  BACKEND_NAMES,
  type BackendChoice,
  type BackendName,
  describeEnvironment,
  initBackend,
  type InitBackendOptions,
} from "./src/backends/mod.ts";
export {
  adam,
  asam,
  createOptimizer,
  detSam,
  frobSam,
  NonFiniteError,
  OPTIMIZER_NAMES,
  sam,
  sgd,
  traceSam,
  universalSam,
} from "./src/optimizers/mod.ts";
export type {
  OptimizerHyperparameters,
  OptimizerName,
  UniversalSamOptions,
  UsamOptimizer,
} from "./src/optimizers/mod.ts";
export {
  createModel,
  describeModel,
  MODEL_NAMES,
  type ModelDescription,
  type ModelName,
  type ModelOptionsByName,
} from "./src/models/mod.ts";
export {
  crossEntropyLoss,
  frobeniusEstimate,
  type HessianBatch,
  type HessianEstimate,
  type HessianLossFn,
  type HessianMeasures,
  hessianMeasures,
  HessianOperator,
  hessianVectorProduct,
  hutchinsonTrace,
  type HvpMethod,
  logDeterminantOf,
  spectralDensity,
  stochasticLanczos,
  topEigenvalue,
  traceOfFunction,
} from "./src/hessian/mod.ts";
export {
  applySettings,
  type AugmentOptions,
  type Batch,
  batchCount,
  batches,
  type BatchOptions,
  CorruptDataError,
  type Dataset,
  DATASET_NAMES,
  type DatasetName,
  DATASETS,
  type DatasetSpec,
  type DataSettings,
  DatasetUnavailableError,
  DownloadError,
  type ImageSet,
  loadDataset,
  loadDatasetSpec,
  type LoadOptions,
  type SettledImageSet,
} from "./src/data/mod.ts";
export {
  type Checkpoint,
  createSchedule,
  DEFAULT_TRAIN_CONFIG,
  DEFAULT_TRAIN_INVOCATION,
  type EpochRecord,
  type EpochTime,
  type EpochTimeOptions,
  type HessianRecord,
  makeTrainConfig,
  makeTrainInvocation,
  measureEpochTime,
  parseRunRecord,
  parseRunResult,
  parseTrainArgs,
  readCheckpoint,
  readRunResult,
  type RunCounts,
  type RunLabels,
  type RunRecord,
  type RunResult,
  train,
  type TrainConfig,
  trainHelp,
  type TrainInvocation,
  type TrainOptions,
  writeRunResult,
} from "./src/training/mod.ts";
export {
  aggregate,
  buildBaseline,
  chartSpecs,
  checkRegression,
  DEFAULT_RULE,
  headlineTable,
  regularizedIncompleteBeta,
  renderMarkdown,
  renderSvg,
  scanResults,
  studentTCdf,
  studentTQuantile,
  studentTTwoSidedP,
  summarize,
  welchTest,
  writeJsonAtomic,
  writeReport,
} from "./src/report/mod.ts";
export type {
  Baseline,
  CellSummary,
  ComparisonSummary,
  MethodSummary,
  RegressionCheck,
  RegressionRule,
  SampleSummary,
  WelchResult,
} from "./src/report/mod.ts";
export {
  checkGrid,
  compareMain,
  expandGrid,
  type GridDeclaration,
  type GridTuning,
  mergeMain,
  parseBaseline,
  parseShard,
  presetGrid,
  regressMain,
  runGrid,
  type RunSpec,
  type SearchSpace,
  selectShard,
  selectTrials,
  tuningRuns,
  type TuningSummary,
} from "./src/experiments/mod.ts";
