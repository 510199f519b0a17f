/**
 * One training run, in-process: data → settings → model → optimizer loop with softmax
 * cross-entropy, per-epoch evaluation, Hessian measures, checkpoints and resume. `deno task
 * train` and `deno task compare` both call {@link train}; it touches no process-global state
 * except the TF.js backend, and disposes every tensor it made.
 *
 * Determinism: every random stream (model initializers, data settings, batch order, the
 * optimizer's perturbations, the Hessian subset and probes) is derived from `config.seed` and, for
 * the per-epoch ones, the epoch number (`seeds.ts`). The optimizer is rebuilt at the start of every
 * epoch from the saved state of the previous one, in the uninterrupted run exactly as in a resumed
 * one, so `--resume` replays the same arithmetic and reaches bitwise the same weights. An abort
 * (Ctrl-C) is seen after the current step: the checkpoint then holds that step's weights and
 * optimizer state and the epoch's partial sums, and the resume skips the epoch's done batches.
 *
 * Reads from the device are asynchronous only (`await tensor.data()`): the synchronous
 * `dataSync` does not work on Deno's WebGPU. A training step is `await optimizer.step(f)`, whose
 * one read is the clean loss; the step's correct-prediction count stays on the device and is
 * summed there, read once per epoch. Evaluation reads once per batch (loss and count stacked),
 * the Hessian measures once per gradient, checkpoints once per variable.
 *
 * @module
 */
import process from "node:process";
import { setImmediate } from "node:timers";
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { type BackendName, initBackend, softmaxCrossEntropyMean } from "../backends/mod.ts";
import {
  applySettings,
  batches,
  type Dataset,
  type DatasetSpec,
  type ImageSet,
  loadDataset,
  loadDatasetSpec,
  type SettledImageSet,
  splitValidation,
  type ValidationSplit,
} from "../data/mod.ts";
import { crossEntropyLoss, type HessianBatch, hessianMeasures } from "../hessian/mod.ts";
import { createModel } from "../models/mod.ts";
import {
  createOptimizer,
  NonFiniteError,
  type OptimizerHyperparameters,
  type UsamOptimizer,
} from "../optimizers/mod.ts";
import { Random } from "../math/random.ts";
import {
  type Checkpoint,
  type PartialEpoch,
  readCheckpoint,
  type SavedTensor,
  writeCheckpoint,
} from "./checkpoint.ts";
import {
  DEFAULT_TRAIN_CONFIG,
  divergenceAdvice,
  makeTrainConfig,
  makeTrainInvocation,
  type TrainConfig,
} from "./config.ts";
import { runEnvironment } from "./environment.ts";
import type { EpochRecord, HessianRecord, RunEnvironment, RunResult } from "./result.ts";
import { createSchedule } from "./schedule.ts";
import { deriveSeed } from "./seeds.ts";

/** What `onStart` reports once the data and model are ready. */
export interface TrainStart {
  environment: RunEnvironment;
  trainImages: number;
  /** Held out for validation (0 without a validation split). */
  validationImages: number;
  testImages: number;
  stepsPerEpoch: number;
  parameters: number;
  /** Completed epochs taken from a checkpoint (0 for a fresh run). */
  resumedEpochs: number;
  /** The learner's data after the settings (read-only: for checks and logs). */
  learnerSet: SettledImageSet;
  /** Its split into training and validation parts (read-only). */
  split: ValidationSplit;
}

/** What `onStep` reports after each optimizer step. */
export interface TrainStep {
  /** 1-based epoch. */
  epoch: number;
  /** Total epochs of the run. */
  epochs: number;
  /** 1-based step within the epoch. */
  step: number;
  stepsPerEpoch: number;
  /** The clean mini-batch loss of this step. */
  loss: number;
  learningRate: number;
}

/** What `onHessian` reports after each Hessian-vector product of the per-epoch measures. */
export interface TrainHessianProgress {
  /** 1-based epoch the measures follow. */
  epoch: number;
  /** Hessian-vector products done. */
  done: number;
  /** Products at most (probes + Lanczos steps + 1; Lanczos may stop early, then `done` jumps). */
  total: number;
}

/** Options of {@link train}. */
export interface TrainOptions {
  onStart?: (start: TrainStart) => void;
  onStep?: (step: TrainStep) => void;
  /** Called after each epoch's record (and checkpoint) is complete. */
  onEpoch?: (record: EpochRecord, run: { epochs: number }) => void | Promise<void>;
  /** Called during the Hessian measures (`hessianEvery`), which can take many epochs' time. */
  onHessian?: (progress: TrainHessianProgress) => void;
  /**
   * Aborting stops the run after the current step (or Hessian-vector product, or evaluation
   * batch); `train` then rejects with the signal's reason. With a `checkpointDir`, a checkpoint
   * of the exact point is written first (mid-epoch included), from which `resume` continues to
   * bitwise the same result.
   */
  signal?: AbortSignal;
  /** Directory for `checkpoint.bin`, written after every epoch; none when absent. */
  checkpointDir?: string;
  /** Continue from `checkpointDir`'s checkpoint when there is one (a fresh run otherwise). */
  resume?: boolean;
  /** The TF.js backend (default "auto"); not part of the config: it says where, not what. */
  backend?: BackendName;
  /** Where the dataset files are (default: `USAM_DATA`, the cache, system paths). */
  dataDir?: string | null;
  /**
   * For custom data in a built-in format, and for tests that write their own files: read the data
   * through this spec (its files, checksums or none, split sizes or none, parser, classes and
   * normalization) instead of the catalog's entry for `config.dataset`. Its `name` must be
   * `config.dataset`, so the run record still names the format and the augmentation follows it.
   * Only this API takes it: the command line always uses the catalog, checksums included.
   */
  datasetSpec?: DatasetSpec;
  /** Test hook: replaces the Hessian measures (to make one fail after an epoch). */
  hessianMeasures?: typeof hessianMeasures;
  /**
   * Let `resume` continue a checkpoint written on another backend (refused by default: the SAM
   * family's results differ across backends). Each epoch records its backend either way.
   */
  allowBackendChange?: boolean;
}

/** The per-dataset settings batches need: augmentation only where it is standard (CIFAR, SVHN). */
const AUGMENTED_DATASETS = new Set(["cifar10", "cifar100", "svhn"]);

/** Test and Hessian batches: large enough to amortize dispatch, small enough for a ResNet. */
const EVALUATION_BATCH = 500;

/**
 * Runs one training run and returns its result. The config may be partial (the defaults of
 * `makeTrainConfig` fill the rest; the result holds the complete one). A non-finite loss or weight does not throw: the
 * result has `status: "failed"` and `failure: { step, epoch, message }`. Bad configuration,
 * missing data, a mismatched checkpoint or an abort reject.
 *
 * @example
 * ```ts ignore
 * import { train } from "./train.ts";
 * import { makeTrainConfig } from "./config.ts";
 * const result = await train(makeTrainConfig({ epochs: 1, trainLimit: 1000, testLimit: 500 }), {
 *   backend: "cpu",
 * });
 * console.log(result.final?.testAccuracy);
 * ```
 */
export async function train(
  partialConfig: Partial<TrainConfig>,
  options: TrainOptions = {},
): Promise<RunResult> {
  const config = makeTrainConfig(partialConfig);
  const { signal, checkpointDir } = options;
  if (options.resume && !checkpointDir) {
    throw new TypeError("train: resume needs a checkpointDir to resume from");
  }
  const spec = options.datasetSpec;
  if (spec !== undefined) {
    if (spec === null || typeof spec !== "object" || typeof spec.parse !== "function") {
      throw new TypeError(`train: datasetSpec must be a DatasetSpec, got ${String(spec)}`);
    }
    if (spec.name !== config.dataset) {
      throw new RangeError(
        `train: datasetSpec.name must be the config's dataset ${
          JSON.stringify(config.dataset)
        }, got ${JSON.stringify(spec.name)}`,
      );
    }
  }
  const invocation = makeTrainInvocation({
    backend: options.backend,
    dataDir: options.dataDir,
    allowBackendChange: options.allowBackendChange,
  });
  signal?.throwIfAborted();

  const chosen = await initBackend(invocation.backend);
  const environment: RunEnvironment = await runEnvironment(chosen);

  const dataset = await loadDatasetOnce(
    spec ?? config.dataset,
    invocation.dataDir ?? undefined,
  );
  const limitedTrain = firstImages(dataset.train, config.trainLimit);
  const learnerSet = applySettings(limitedTrain, {
    trainFraction: config.trainFraction,
    labelNoise: config.labelNoise,
    seed: deriveSeed(config.seed, "data-settings", 0),
  });
  // Carved after the settings: a learner with 10% of the data, or with noisy labels, validates on
  // its own 10% and its own noisy labels, as it would in practice. Nothing selects on the test set.
  const split = splitValidation(learnerSet, {
    fraction: config.validationFraction,
    seed: deriveSeed(config.seed, "validation-split", 0),
  });
  const trainSet = split.train;
  const validationSet = split.validation;
  const testSet = firstImages(dataset.test, config.testLimit);
  const numClasses = dataset.classes.length;
  const inputShape = [trainSet.height, trainSet.width, trainSet.channels] as const;
  const stepsPerEpoch = Math.ceil(trainSet.count / config.batchSize);
  const schedule = createSchedule({
    kind: config.schedule,
    baseLr: config.lr,
    epochs: config.epochs,
    stepsPerEpoch,
    milestones: config.milestones,
    gamma: config.gamma,
    warmup: config.warmup,
  });

  const model = createModel(config.model, {
    inputShape,
    numClasses,
    seed: deriveSeed(config.seed, "model", 0),
  });
  let hessianBatch: HessianBatch | null = null;
  try {
    let history: EpochRecord[] = [];
    let optimizerState: SavedTensor[] = [];
    let globalStep = 0;
    let startEpoch = 0;
    let partial: PartialEpoch | null = null;
    if (options.resume) {
      const checkpoint = await readCheckpoint(checkpointDir!);
      if (checkpoint) {
        assertResumable(checkpoint, config);
        assertSameBackend(checkpoint, environment.backend, invocation.allowBackendChange);
        restoreModel(model, checkpoint.model);
        history = checkpoint.history;
        optimizerState = checkpoint.optimizer;
        partial = checkpoint.partial ?? null;
        // The global step at the start of the epoch to run (a partial epoch's steps are redone
        // from the sums it saved, not recounted).
        globalStep = checkpoint.step - (partial?.steps ?? 0);
        startEpoch = checkpoint.epoch;
      }
    }
    options.onStart?.({
      environment,
      trainImages: trainSet.count,
      validationImages: validationSet?.count ?? 0,
      testImages: testSet.count,
      stepsPerEpoch,
      parameters: model.countParams(),
      resumedEpochs: startEpoch,
      learnerSet,
      split,
    });
    if (config.hessianEvery > 0) {
      hessianBatch = hessianSubset(trainSet, config);
    }

    const result = (status: RunResult["status"], failure?: RunResult["failure"]): RunResult => {
      const last = history.at(-1);
      return {
        status,
        ...(failure ? { failure } : {}),
        config,
        environment,
        counts: {
          train: trainSet.count,
          validation: validationSet?.count ?? 0,
          test: testSet.count,
        },
        epochs: history,
        final: last
          ? {
            testAccuracy: last.testAccuracy,
            testLoss: last.testLoss,
            trainLoss: last.trainLoss,
            seconds: history.reduce((s, e) => s + e.seconds, 0),
            ...(last.validationAccuracy !== undefined
              ? { validationAccuracy: last.validationAccuracy, validationLoss: last.validationLoss }
              : {}),
          }
          : null,
      };
    };

    /** Writes a checkpoint of the point reached inside epoch `epochIndex + 1`, then stops. */
    const stopInsideEpoch = async (
      epochIndex: number,
      sums: PartialEpoch,
      state: SavedTensor[],
    ): Promise<never> => {
      if (checkpointDir) {
        await writeCheckpoint(checkpointDir, {
          config,
          epoch: epochIndex,
          step: globalStep + sums.steps,
          history,
          model: await saveModel(model),
          optimizer: state,
          partial: sums,
          backend: environment.backend,
        });
      }
      throw signal!.reason;
    };

    for (let epochIndex = startEpoch; epochIndex < config.epochs; epochIndex++) {
      const epoch = epochIndex + 1;
      // Between epochs: the last epoch's checkpoint is on disk already.
      signal?.throwIfAborted();
      const optimizer = await buildOptimizer(config, epochIndex, optimizerState, model);
      let trained: PartialEpoch & { interrupted: boolean };
      try {
        trained = await runEpoch({
          model,
          optimizer,
          trainSet,
          numClasses,
          config,
          epochIndex,
          firstStep: globalStep,
          stepsPerEpoch,
          schedule,
          signal,
          onStep: options.onStep,
          augment: AUGMENTED_DATASETS.has(config.dataset),
          resumeFrom: partial,
        });
        partial = null;
      } catch (error) {
        optimizer.dispose();
        if (error instanceof EpochFailure) {
          return result("failed", {
            step: error.step,
            epoch,
            message: `${error.message}; ${divergenceAdvice(config)}`,
          });
        }
        throw error;
      }
      const epochState = await saveOptimizer(optimizer, model);
      optimizer.dispose();
      const sums: PartialEpoch = {
        steps: trained.steps,
        lossSum: trained.lossSum,
        images: trained.images,
        correct: trained.correct,
        seconds: trained.seconds,
        cpuSeconds: trained.cpuSeconds,
      };
      if (trained.interrupted) await stopInsideEpoch(epochIndex, sums, epochState);
      // An abort during the evaluation or the Hessian measures keeps the trained epoch: the
      // checkpoint holds every step's sums, and the resume redoes only the measurements.
      const measuring = <T>(work: () => Promise<T>): Promise<T> =>
        work().catch((error) =>
          signal?.aborted ? stopInsideEpoch(epochIndex, sums, epochState) : Promise.reject(error)
        );
      const test = await measuring(() => evaluate(model, testSet, numClasses, signal));
      const validation = validationSet
        ? await measuring(() => evaluate(model, validationSet, numClasses, signal))
        : null;
      globalStep += trained.steps;
      optimizerState = epochState;
      const record: EpochRecord = {
        epoch,
        trainLoss: trained.lossSum / trained.images,
        trainAccuracy: trained.correct / trained.images,
        ...(validation
          ? { validationLoss: validation.loss, validationAccuracy: validation.accuracy }
          : {}),
        testLoss: test.loss,
        testAccuracy: test.accuracy,
        seconds: trained.seconds,
        imagesPerSecond: trained.images / trained.seconds,
        cpuSeconds: trained.cpuSeconds,
        gradientEvaluations: trained.steps * optimizer.gradientEvaluations,
        backend: environment.backend,
      };
      if (!Number.isFinite(test.loss)) {
        // The last step's weights can be finite yet overflow the loss on unseen data: a divergence.
        return result("failed", {
          step: globalStep,
          epoch,
          message: `test loss is ${test.loss} after epoch ${epoch} (step ${globalStep}): the run ` +
            `diverged; ${divergenceAdvice(config)}`,
        });
      }
      if (hessianBatch && epoch % config.hessianEvery === 0) {
        const hessianStarted = performance.now();
        try {
          record.hessian = await measureHessian(
            model,
            hessianBatch,
            config,
            epochIndex,
            options.hessianMeasures ?? hessianMeasures,
            {
              signal,
              onProduct: (done, total) => options.onHessian?.({ epoch, done, total }),
            },
          );
          record.hessianSeconds = (performance.now() - hessianStarted) / 1000;
        } catch (error) {
          if (signal?.aborted) await stopInsideEpoch(epochIndex, sums, epochState);
          // Recorded as a failed run, not thrown: a sweep must not retry it forever. The epoch
          // was trained and evaluated: it is kept, without its Hessian.
          history = [...history, record];
          return result("failed", {
            step: globalStep,
            epoch,
            message: `Hessian measures after epoch ${epoch} failed: ${
              error instanceof Error ? error.message : String(error)
            }`,
          });
        }
      }
      history = [...history, record];
      if (checkpointDir) {
        await writeCheckpoint(checkpointDir, {
          config,
          epoch,
          step: globalStep,
          history,
          model: await saveModel(model),
          optimizer: optimizerState,
          backend: environment.backend,
        });
      }
      await options.onEpoch?.(record, { epochs: config.epochs });
    }
    return result("completed");
  } finally {
    if (hessianBatch) tf.dispose([hessianBatch.xs, hessianBatch.ys]);
    model.dispose();
  }
}

/**
 * Datasets already read and checksummed by this process. A comparison runs a hundred runs
 * in-process; each would otherwise re-read and re-hash the files (about 0.8 s for Fashion-MNIST).
 * The arrays are never written to: `applySettings` and `firstImages` copy or view them.
 */
const loadedDatasets = new Map<string, Promise<Dataset>>();
/** The same for the specs passed as `datasetSpec`, per spec object (never mixed with the catalog). */
const loadedSpecs = new WeakMap<DatasetSpec, Map<string, Promise<Dataset>>>();

function loadDatasetOnce(
  source: TrainConfig["dataset"] | DatasetSpec,
  dataDir: string | undefined,
) {
  const key = JSON.stringify([typeof source === "string" ? source : source.name, dataDir ?? null]);
  let cache = loadedDatasets;
  if (typeof source !== "string") {
    cache = loadedSpecs.get(source) ?? new Map();
    loadedSpecs.set(source, cache);
  }
  let loading = cache.get(key);
  if (!loading) {
    loading = typeof source === "string"
      ? loadDataset(source, { dataDir })
      : loadDatasetSpec(source, { dataDir });
    cache.set(key, loading);
    loading.catch(() => cache.delete(key)); // a failed load is retried, not remembered
  }
  return loading;
}

/** A non-finite loss or weight inside an epoch, with the 1-based global step. */
class EpochFailure extends Error {
  constructor(readonly step: number, message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

interface EpochContext {
  model: tfl.LayersModel;
  optimizer: UsamOptimizer;
  trainSet: ImageSet;
  numClasses: number;
  config: TrainConfig;
  epochIndex: number;
  firstStep: number;
  stepsPerEpoch: number;
  schedule: (step: number) => number;
  signal?: AbortSignal;
  onStep?: (step: TrainStep) => void;
  augment: boolean;
  /** The steps already done in this epoch by an interrupted run (null: start the epoch). */
  resumeFrom: PartialEpoch | null;
}

/**
 * Lets the event loop run: a signal listener (Ctrl-C) is a macrotask, and on the cpu and wasm
 * backends a step's awaited reads resolve as microtasks, so without this a SIGINT was only seen
 * at the next file write, after the epoch's evaluation (10 s on a full-data CNN epoch).
 * A setImmediate turn costs about 5 µs and runs other tasks' callbacks (an abort queued by
 * another task), but Deno does not always poll the signal op on it; a timer turn does, at about
 * 2 ms (timer granularity), so one is taken every {@link TIMER_TURN_MS} ms: a signal is seen
 * within that time plus one step, for under 2% of the training time.
 */
async function nextTurn(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  const now = performance.now();
  if (now - lastTimerTurn >= TIMER_TURN_MS) {
    await new Promise((resolve) => setTimeout(resolve, 0));
    lastTimerTurn = performance.now();
  }
}

/** How often {@link nextTurn} takes a timer turn, in ms. */
const TIMER_TURN_MS = 100;
let lastTimerTurn = 0;

async function runEpoch(
  context: EpochContext,
): Promise<PartialEpoch & { interrupted: boolean }> {
  const { model, optimizer, trainSet, config, epochIndex, schedule, signal } = context;
  const numClasses = context.numClasses;
  const from = context.resumeFrom;
  let lossSum = from?.lossSum ?? 0;
  let images = from?.images ?? 0;
  let steps = 0;
  let seconds = from?.seconds ?? 0;
  let cpuSeconds = from?.cpuSeconds ?? 0;
  let interrupted = false;
  // The running count of correct predictions stays on the device: read once, after the last step.
  // Integer counts are exact in float32, so restarting the sum from a saved count changes no bit.
  let correctTotal: tf.Scalar = tf.scalar(from?.correct ?? 0);
  for (
    const batch of batches(trainSet, {
      batchSize: config.batchSize,
      seed: deriveSeed(config.seed, "batches", epochIndex),
      augment: context.augment,
    })
  ) {
    if (from && steps < from.steps) {
      // Drawn and dropped: the generator's shuffle and augmentation streams advance as they did.
      tf.dispose([batch.xs, batch.ys]);
      steps++;
      continue;
    }
    if (interrupted) {
      tf.dispose([batch.xs, batch.ys]);
      break;
    }
    const started = performance.now();
    const cpuStarted = process.cpuUsage();
    const globalStep = context.firstStep + steps;
    const learningRate = schedule(globalStep);
    optimizer.learningRate = learningRate;
    let correctCount: tf.Scalar | null = null;
    const size = batch.count;
    const labels = batch.ys as tf.Tensor1D;
    try {
      const oneHot = tf.oneHot(labels, numClasses);
      let loss: number;
      try {
        // The optimizer may call the loss several times (perturbed passes); its first call is at
        // the current weights, so that one gives the training accuracy of the step.
        loss = await optimizer.step(() => {
          const logits = model.apply(batch.xs, { training: true }) as tf.Tensor2D;
          if (correctCount === null) correctCount = tf.keep(countCorrect(logits, labels));
          // tf.losses.softmaxCrossEntropy, as one fused kernel where the backend has it (native).
          return softmaxCrossEntropyMean(oneHot, logits);
        });
      } finally {
        oneHot.dispose();
      }
      if (!Number.isFinite(loss)) {
        throw new EpochFailure(
          globalStep + 1,
          `${config.optimizer}: non-finite loss at step ${globalStep + 1}: ${loss}`,
        );
      }
      lossSum += loss * size;
      const previous = correctTotal;
      correctTotal = tf.add(previous, (correctCount as tf.Scalar | null)!);
      previous.dispose();
      images += size;
      steps++;
      seconds += (performance.now() - started) / 1000;
      const cpu = process.cpuUsage(cpuStarted);
      cpuSeconds += (cpu.user + cpu.system) / 1e6;
      context.onStep?.({
        epoch: epochIndex + 1,
        epochs: config.epochs,
        step: steps,
        stepsPerEpoch: context.stepsPerEpoch,
        loss,
        learningRate,
      });
    } catch (error) {
      correctTotal.dispose();
      if (error instanceof NonFiniteError) {
        // The optimizer counts its own iterations from 0; every message of a run counts the
        // 1-based global step, as `failure.step` does.
        const where = error.where ? ` (${error.where})` : "";
        throw new EpochFailure(
          globalStep + 1,
          `${config.optimizer}: non-finite ${error.quantity} at step ${globalStep + 1}: ` +
            `${error.value}${where}`,
          { cause: error },
        );
      }
      throw error;
    } finally {
      tf.dispose([batch.xs, batch.ys]);
      if (correctCount) (correctCount as tf.Scalar).dispose();
    }
    if (signal) {
      await nextTurn();
      interrupted = signal.aborted;
    }
  }
  // Counts up to 2^24 are exact in float32: far above any epoch's image count here.
  const correct = (await correctTotal.data())[0];
  correctTotal.dispose();
  return { lossSum, correct, images, seconds, cpuSeconds, steps, interrupted };
}

function countCorrect(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() =>
    tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), tf.cast(labels, "int32")), "float32"))
  );
}

async function evaluate(
  model: tfl.LayersModel,
  set: ImageSet,
  numClasses: number,
  signal?: AbortSignal,
) {
  let lossSum = 0;
  let correct = 0;
  for (const batch of batches(set, { batchSize: EVALUATION_BATCH, seed: 0, shuffle: false })) {
    // The summed loss and the correct count, stacked: one read per batch.
    const stacked = tf.tidy(() => {
      const labels = batch.ys as tf.Tensor1D;
      const logits = model.apply(batch.xs, { training: false }) as tf.Tensor2D;
      const oneHot = tf.oneHot(labels, numClasses);
      const sum = tf.losses.softmaxCrossEntropy(
        oneHot,
        logits,
        undefined,
        undefined,
        tf.Reduction.SUM,
      );
      return tf.stack([sum, countCorrect(logits, labels)]);
    });
    tf.dispose([batch.xs, batch.ys]);
    let values: Float32Array;
    try {
      values = await stacked.data() as Float32Array;
    } finally {
      stacked.dispose();
    }
    lossSum += values[0];
    correct += values[1];
    if (signal) {
      await nextTurn();
      signal.throwIfAborted();
    }
  }
  return { loss: lossSum / set.count, accuracy: correct / set.count };
}

/** The first `limit` images of a set (the whole set for null). */
function firstImages(set: ImageSet, limit: number | null): ImageSet {
  if (limit === null || limit >= set.count) return set;
  const pixels = set.height * set.width * set.channels;
  return {
    ...set,
    images: set.images.subarray(0, limit * pixels),
    labels: set.labels.subarray(0, limit),
    count: limit,
  };
}

/** A fixed seeded subset of the (settings-applied) training set, as one normalized batch. */
function hessianSubset(set: ImageSet, config: TrainConfig) {
  const size = Math.min(config.hessianSubset, set.count);
  const order = new Random(deriveSeed(config.seed, "hessian-subset", 0)).permutation(set.count);
  const pixels = set.height * set.width * set.channels;
  const images = new Uint8Array(size * pixels);
  const labels = new Uint8Array(size);
  for (let i = 0; i < size; i++) {
    const j = order[i];
    images.set(set.images.subarray(j * pixels, (j + 1) * pixels), i * pixels);
    labels[i] = set.labels[j];
  }
  const subset: ImageSet = { ...set, images, labels, count: size };
  const [batch] = [...batches(subset, { batchSize: size, seed: 0, shuffle: false })];
  return { xs: batch.xs, ys: batch.ys };
}

async function measureHessian(
  model: tfl.LayersModel,
  batch: HessianBatch,
  config: TrainConfig,
  epochIndex: number,
  measure: typeof hessianMeasures,
  watch: { signal?: AbortSignal; onProduct: (done: number, total: number) => void },
): Promise<HessianRecord> {
  // Inference mode (crossEntropyLoss's default): BatchNorm uses its moving statistics, so the
  // loss is a fixed function of the weights and its Hessian is well defined.
  const measures = await measure(model, crossEntropyLoss(), batch, {
    samples: config.hessianSamples,
    maxIterations: config.hessianSamples,
    seed: deriveSeed(config.seed, "hessian", epochIndex),
    onProduct: async (done, total) => {
      watch.onProduct(done, total);
      if (watch.signal) {
        await nextTurn();
        watch.signal.throwIfAborted();
      }
    },
  });
  const squared = measures.frobenius;
  const frobenius = Math.sqrt(Math.max(squared.value, 0));
  return {
    trace: measures.trace.value,
    frobenius,
    topEigenvalue: measures.topEigenvalue.value,
    standardError: {
      trace: measures.trace.standardError,
      frobenius: frobenius > 0
        ? squared.standardError / (2 * frobenius)
        : Math.sqrt(squared.standardError),
      topEigenvalue: measures.topEigenvalue.standardError,
    },
    samples: config.hessianSamples,
  };
}

/**
 * The hyperparameters `createOptimizer` accepts for `config.optimizer` (it refuses the others),
 * the perturbation seed derived for epoch `epochIndex`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { makeTrainConfig } from "./config.ts";
 * import { optimizerHyperparameters } from "./train.ts";
 * const hp = optimizerHyperparameters(makeTrainConfig({ optimizer: "sam", rho: 0.1 }), 0);
 * assert.equal(hp.rho, 0.1);
 * assert.equal(optimizerHyperparameters(makeTrainConfig({ optimizer: "adam" }), 0).momentum, undefined);
 * ```
 */
export function optimizerHyperparameters(
  config: TrainConfig,
  epochIndex: number,
): OptimizerHyperparameters {
  const hp: OptimizerHyperparameters = { lr: config.lr, weightDecay: config.weightDecay };
  if (config.optimizer !== "adam") hp.momentum = config.momentum;
  if (config.optimizer === "sgd" || config.optimizer === "adam") return hp;
  hp.rho = config.rho;
  hp.seed = deriveSeed(config.seed, "optimizer", epochIndex);
  if (config.optimizer === "asam") hp.eta = config.eta;
  if (["trace-sam", "frob-sam", "det-sam"].includes(config.optimizer)) {
    hp.lambda = config.lambda;
    hp.samples = config.samples;
  }
  if (config.optimizer === "det-sam") hp.halfWidth = config.halfWidth;
  return hp;
}

async function buildOptimizer(
  config: TrainConfig,
  epochIndex: number,
  state: SavedTensor[],
  model: tfl.LayersModel,
): Promise<UsamOptimizer> {
  const optimizer = createOptimizer(
    config.optimizer,
    optimizerHyperparameters(config, epochIndex),
  );
  if (state.length > 0) {
    const names = variableNames(model);
    const tensors = state.map((t) => ({
      name: localName(t.name, names),
      tensor: tf.tensor(t.data, t.shape, t.dtype),
    }));
    try {
      await optimizer.setWeights(tensors);
    } finally {
      tf.dispose(tensors.map((t) => t.tensor));
    }
  }
  return optimizer;
}

async function saveOptimizer(
  optimizer: tf.Optimizer,
  model: tfl.LayersModel,
): Promise<SavedTensor[]> {
  const weights = await optimizer.getWeights();
  const names = variableNames(model);
  const saved: SavedTensor[] = [];
  try {
    for (const { name, tensor } of weights) {
      saved.push(await toSaved(portableName(name, names), tensor));
    }
  } finally {
    // getWeights returns the optimizer's own variables plus freshly made tensors (the step
    // counter): only the latter are ours to dispose.
    for (const { tensor } of weights) if (!(tensor instanceof tf.Variable)) tensor.dispose();
  }
  return saved;
}

/**
 * The engine names of the model's variables. TF.js makes layer names unique per process
 * (`dense_Dense3/kernel`), so a second model built from the same seed has other names; optimizer
 * state keyed by those names is stored with the variable's index instead (`@3/momentum`).
 */
function variableNames(model: tfl.LayersModel): string[] {
  return model.weights.map((w) => (w.read() as tf.Variable).name);
}

function portableName(name: string, names: readonly string[]): string {
  let best = -1;
  names.forEach((candidate, i) => {
    if (
      name.startsWith(`${candidate}/`) && (best < 0 || candidate.length > names[best].length)
    ) best = i;
  });
  return best < 0 ? name : `@${best}${name.slice(names[best].length)}`;
}

function localName(name: string, names: readonly string[]): string {
  const match = /^@(\d+)(\/.*)$/.exec(name);
  if (!match) return name;
  const index = Number(match[1]);
  if (index >= names.length) {
    throw new RangeError(
      `checkpoint optimizer state ${name} refers to variable ${index}, the model has ${names.length}`,
    );
  }
  return names[index] + match[2];
}

async function saveModel(model: tfl.LayersModel): Promise<SavedTensor[]> {
  const saved: SavedTensor[] = [];
  for (const w of model.weights) saved.push(await toSaved(w.originalName, w.read()));
  return saved;
}

function restoreModel(model: tfl.LayersModel, saved: SavedTensor[]): void {
  const weights = model.weights;
  if (weights.length !== saved.length) {
    throw new RangeError(
      `checkpoint holds ${saved.length} model variables, the model has ${weights.length}`,
    );
  }
  weights.forEach((w, i) => {
    if (w.shape.join() !== saved[i].shape.join()) {
      throw new RangeError(
        `checkpoint variable ${saved[i].name} has shape [${saved[i].shape}], model variable ` +
          `${w.originalName} has [${w.shape}]`,
      );
    }
  });
  const tensors = saved.map((t) => tf.tensor(t.data, t.shape, t.dtype));
  try {
    model.setWeights(tensors);
  } finally {
    tf.dispose(tensors);
  }
}

/** A host copy of a tensor (`await data()`: the read every backend allows). */
async function toSaved(name: string, tensor: tf.Tensor): Promise<SavedTensor> {
  const shape = [...tensor.shape];
  if (tensor.dtype === "int32") {
    return {
      name,
      shape,
      dtype: "int32",
      data: Int32Array.from(await tensor.data() as Int32Array),
    };
  }
  const float = tensor.dtype === "float32" ? tensor : tf.cast(tensor, "float32");
  try {
    return {
      name,
      shape,
      dtype: "float32",
      data: Float32Array.from(await float.data() as Float32Array),
    };
  } finally {
    if (float !== tensor) float.dispose();
  }
}

function assertResumable(checkpoint: Checkpoint, config: TrainConfig): void {
  // Every config field determines the numbers; the invocation (backend, paths) is not stored in it.
  // A key the checkpoint lacks was added later (validationFraction): it had its default then.
  for (const key of Object.keys(config) as (keyof TrainConfig)[]) {
    const saved = JSON.stringify(
      key in checkpoint.config ? checkpoint.config[key] : DEFAULT_TRAIN_CONFIG[key],
    );
    const now = JSON.stringify(config[key]);
    if (saved !== now) {
      throw new RangeError(
        `resume: the checkpoint was written with ${key} = ${saved}, this run has ${now}`,
      );
    }
  }
  if (checkpoint.epoch > config.epochs) {
    throw new RangeError(
      `resume: the checkpoint is at epoch ${checkpoint.epoch} of ${config.epochs}`,
    );
  }
}

function assertSameBackend(checkpoint: Checkpoint, backend: string, allowed: boolean): void {
  // Older checkpoints carry no backend: their epochs may say where they ran; else nothing is known.
  const saved = checkpoint.backend ?? checkpoint.history.at(-1)?.backend;
  if (saved === undefined || saved === backend || allowed) return;
  throw new RangeError(
    `resume: the checkpoint was written on backend ${saved}, this run is on ${backend} ` +
      `(the SAM family's results differ across backends); resume with --backend ${saved}, ` +
      `or pass --allow-backend-change to continue on ${backend} (each epoch records its backend)`,
  );
}
