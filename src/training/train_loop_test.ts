/**
 * Tests through the real `train()` for the parts of the training loop that a sampled mutation run
 * of `train.ts` found unchecked (issue 14; `deno task mutants training:loop`): augmentation for
 * every augmented dataset (CIFAR-100 and SVHN, not only CIFAR-10), the validation split's figures,
 * the Hessian record built from the measures (the subset it is measured on, the seed and sample
 * counts it is given, the Frobenius norm and its delta-method standard error, its timing and its
 * progress reports), the timing fields of an epoch, and the hyperparameters each optimizer gets.
 *
 * The colour data are in memory, served through `TrainOptions.datasetSpec` (the catalog's entry
 * with no files and a `parse` that returns planted sets): 16×16×3 images, cheap enough to train
 * in well under a second. The runs are *frozen* (lr 1e-30, no momentum or decay: every update is
 * below half an ulp of the weights), so the checkpointed weights are those every step and every
 * evaluation used, and the test recomputes the reported figures from them on inputs it builds.
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import {
  applySettings,
  batches,
  DATASETS,
  type DatasetSpec,
  type ImageSet,
  splitValidation,
} from "../data/mod.ts";
import type { HessianBatch, hessianMeasures } from "../hessian/mod.ts";
import { Random } from "../math/random.ts";
import { createModel } from "../models/mod.ts";
import {
  type Checkpoint,
  readCheckpoint,
  type SavedTensor,
  writeCheckpoint,
} from "./checkpoint.ts";
import { makeTrainConfig, type TrainConfig } from "./config.ts";
import type { RunResult } from "./result.ts";
import { deriveSeed } from "./seeds.ts";
import {
  optimizerHyperparameters,
  train,
  type TrainHessianProgress,
  type TrainStart,
  type TrainStep,
} from "./train.ts";

const tempDirs: string[] = [];
globalThis.addEventListener("unload", () => {
  for (const dir of tempDirs) Deno.removeSync(dir, { recursive: true });
});

const SIDE = 16;
const PIXELS = SIDE * SIDE * 3;

/** `count` noise images (seeded) with labels `n mod classes`. */
function noiseSet(count: number, classes: number, seed: number): ImageSet {
  const rng = new Random(seed);
  const images = new Uint8Array(count * PIXELS);
  for (let i = 0; i < images.length; i++) images[i] = rng.integer(256);
  const labels = Uint8Array.from({ length: count }, (_, n) => n % classes);
  return { images, labels, count, height: SIDE, width: SIDE, channels: 3 };
}

/** The catalog's entry for `name` with no files: `parse` returns the given in-memory sets. */
function inMemorySpec(name: "svhn" | "cifar100", train: ImageSet, test: ImageSet): DatasetSpec {
  return {
    ...DATASETS[name],
    files: [],
    archive: undefined,
    splitSizes: undefined,
    systemDirs: [],
    parse: () => ({ train, test }),
  };
}

/** The frozen one-step run every test here builds on. */
const FROZEN: Partial<TrainConfig> = {
  model: "mlp",
  optimizer: "sgd",
  schedule: "constant",
  seed: 0,
  lr: 1e-30,
  momentum: 0,
  weightDecay: 0,
  epochs: 1,
};

interface Observed {
  result: RunResult;
  start: TrainStart;
  steps: TrainStep[];
  checkpoint: SavedTensor[];
  /** Wall-clock seconds of the whole `train()` call. */
  wall: number;
}

async function observe(
  partial: Partial<TrainConfig>,
  datasetSpec: DatasetSpec,
  extra: {
    hessianMeasures?: typeof hessianMeasures;
    onHessian?: (h: TrainHessianProgress) => void;
  } = {},
): Promise<Observed> {
  const dir = await Deno.makeTempDir({ prefix: "usam-loop-" });
  tempDirs.push(dir);
  let start: TrainStart | undefined;
  const steps: TrainStep[] = [];
  const began = performance.now();
  const result = await train({ ...FROZEN, ...partial }, {
    backend: "wasm",
    dataDir: dir,
    datasetSpec,
    checkpointDir: dir,
    onStart: (s) => (start = s),
    onStep: (s) => steps.push(s),
    ...extra,
  });
  const wall = (performance.now() - began) / 1000;
  assert.equal(result.status, "completed", JSON.stringify(result.failure));
  const saved = await readCheckpoint(dir);
  assert.ok(saved, "the run wrote a checkpoint");
  return { result, start: start!, steps, checkpoint: saved.model, wall };
}

function withWeights(saved: SavedTensor[], classes: number): tfl.LayersModel {
  const model = createModel("mlp", {
    inputShape: [SIDE, SIDE, 3],
    numClasses: classes,
    seed: 12345,
  });
  const tensors = saved.map((t) => tf.tensor(t.data, t.shape, t.dtype));
  model.setWeights(tensors);
  tf.dispose(tensors);
  return model;
}

/** Mean softmax cross-entropy and correct count of `model` on one batch. */
function lossOf(
  model: tfl.LayersModel,
  xs: tf.Tensor,
  labels: tf.Tensor,
  classes: number,
  training: boolean,
): { loss: number; correct: number } {
  return tf.tidy(() => {
    const logits = model.apply(xs, { training }) as tf.Tensor2D;
    const oneHot = tf.oneHot(tf.cast(labels, "int32") as tf.Tensor1D, classes);
    const loss = tf.losses.softmaxCrossEntropy(oneHot, logits).dataSync()[0];
    const predicted = tf.argMax(logits, 1).dataSync();
    const truth = tf.cast(labels, "int32").dataSync();
    return { loss, correct: predicted.filter((p, i) => p === truth[i]).length };
  });
}

/** The one batch of `set` that `batches` makes with these options (the whole set). */
function oneBatch(set: ImageSet, seed: number, augment: boolean, shuffle = true) {
  const all = [...batches(set, { batchSize: set.count, seed, augment, shuffle })];
  assert.equal(all.length, 1);
  return all[0];
}

/**
 * The frozen one-step loss must be the loss on the augmented batch `batches` draws from the run's
 * batch seed, and not the loss on the plain inputs. Float32 means of under 100 terms of size ~5 in
 * another summation order agree to 1e-5 relative; the controls differ by far more.
 */
function assertAugmented(run: Observed, classes: number): void {
  const model = withWeights(run.checkpoint, classes);
  const seed = deriveSeed(0, "batches", 0);
  const augmented = oneBatch(run.start.split.train, seed, true);
  const plain = oneBatch(run.start.split.train, seed, false);
  try {
    assert.equal(run.steps.length, 1);
    const reported = run.steps[0].loss;
    const withAugmentation = lossOf(model, augmented.xs, augmented.ys, classes, true).loss;
    const withoutAugmentation = lossOf(model, plain.xs, plain.ys, classes, true).loss;
    assert.ok(
      Math.abs(withAugmentation - withoutAugmentation) > 1e-3 * withoutAugmentation,
      "the control: augmentation changes this loss",
    );
    assert.ok(
      Math.abs(reported - withAugmentation) < 1e-5 * withAugmentation,
      `step loss ${reported}; augmented inputs ${withAugmentation}, plain ${withoutAugmentation}`,
    );
  } finally {
    tf.dispose([augmented.xs, augmented.ys, plain.xs, plain.ys]);
    model.dispose();
  }
}

// ---- shared runs (module level: each runs once for all the tests below) ----

/** What the Hessian hook was given, and the fixed measures it returns. */
const hook: {
  calls: number;
  options?: Parameters<typeof hessianMeasures>[3];
  xs?: Float32Array;
  ys?: Int32Array;
  shape?: number[];
  seconds: number;
} = { calls: 0, seconds: 0 };
const HOOK_SLEEP_MS = 30;
const fakeMeasures: typeof hessianMeasures = async (
  _model,
  _loss,
  batch: HessianBatch,
  options,
) => {
  hook.calls++;
  hook.options = options;
  hook.shape = [...batch.xs.shape];
  hook.xs = Float32Array.from(await batch.xs.data() as Float32Array);
  hook.ys = Int32Array.from(await batch.ys.data() as ArrayLike<number>);
  await options?.onProduct?.(1, 3);
  await options?.onProduct?.(3, 3);
  // A known least duration for the record's hessianSeconds.
  const began = performance.now();
  await new Promise((resolve) => setTimeout(resolve, HOOK_SLEEP_MS));
  hook.seconds = (performance.now() - began) / 1000;
  return {
    trace: { value: 5, standardError: 0.25, samples: 2 },
    frobenius: { value: 16, standardError: 2, samples: 2 },
    topEigenvalue: { value: 3, standardError: 0.1, samples: 2 },
    gradientEvaluations: 4,
  };
};

// SVHN: 64 learner images, a quarter held out for validation: 48 train in one step of 48.
const SVHN_N = 64;
const svhnSpec = inMemorySpec("svhn", noiseSet(SVHN_N, 10, 1), noiseSet(40, 10, 2));
const hessianProgress: TrainHessianProgress[] = [];
const svhn = await observe(
  {
    dataset: "svhn",
    trainLimit: SVHN_N,
    testLimit: 40,
    batchSize: 48,
    validationFraction: 0.25,
    hessianEvery: 1,
    hessianSubset: 16,
    hessianSamples: 2,
  },
  svhnSpec,
  { hessianMeasures: fakeMeasures, onHessian: (h) => hessianProgress.push(h) },
);

// CIFAR-100: 100 classes, 40 images in one step, crops and flips.
const cifar100 = await observe(
  // testLimit above the 20 test images: the whole test split, no more.
  { dataset: "cifar100", trainLimit: 40, testLimit: 50, batchSize: 40 },
  inMemorySpec("cifar100", noiseSet(40, 100, 3), noiseSet(20, 100, 4)),
);

Deno.test("augmentation on for SVHN: the frozen one-batch loss is that of the cropped inputs", () => {
  assert.equal(svhn.start.trainImages, 48);
  assertAugmented(svhn, 10);
});

Deno.test("augmentation on for CIFAR-100: the frozen one-batch loss is that of the cropped, flipped inputs", () => {
  assert.equal(cifar100.start.trainImages, 40);
  assertAugmented(cifar100, 100);
});

Deno.test("validation split: 16 of 64 held out, evaluated in inference mode, reported in the epoch and final", () => {
  const { result, start } = svhn;
  assert.equal(start.validationImages, 16);
  assert.equal(result.counts?.validation, 16);
  assert.equal(start.split.validation?.count, 16);
  const [epoch] = result.epochs;
  assert.equal(result.final?.validationAccuracy, epoch.validationAccuracy);
  assert.equal(result.final?.validationLoss, epoch.validationLoss);
  const model = withWeights(svhn.checkpoint, 10);
  const batch = oneBatch(start.split.validation!, 0, false, false);
  try {
    const { loss, correct } = lossOf(model, batch.xs, batch.ys, 10, false);
    // Float32 sums over 16 images in another grouping: 1e-5 relative is ample.
    assert.ok(
      Math.abs(epoch.validationLoss! - loss) < 1e-5 * loss,
      `reported ${epoch.validationLoss}, recomputed ${loss}`,
    );
    assert.equal(epoch.validationAccuracy, correct / 16);
  } finally {
    tf.dispose([batch.xs, batch.ys]);
    model.dispose();
  }
});

Deno.test("Hessian record: measured once on the seeded subset of the training split, with the run's seed and counts", () => {
  assert.equal(hook.calls, 1);
  assert.equal(hook.options?.samples, 2);
  assert.equal(hook.options?.maxIterations, 2);
  assert.equal(hook.options?.seed, deriveSeed(0, "hessian", 0));
  // The subset: the first 16 of the seeded permutation of the 48 training images, in that order.
  const set = svhn.start.split.train;
  const order = new Random(deriveSeed(0, "hessian-subset", 0)).permutation(set.count);
  const images = new Uint8Array(16 * PIXELS);
  const labels = new Uint8Array(16);
  for (let i = 0; i < 16; i++) {
    images.set(set.images.subarray(order[i] * PIXELS, (order[i] + 1) * PIXELS), i * PIXELS);
    labels[i] = set.labels[order[i]];
  }
  const expected = oneBatch({ ...set, images, labels, count: 16 }, 0, false, false);
  try {
    assert.deepEqual(hook.shape, [16, SIDE, SIDE, 3]);
    assert.deepEqual(Array.from(hook.ys!), Array.from(labels));
    const want = expected.xs.dataSync();
    const first = hook.xs!.findIndex((v, i) => v !== want[i]);
    assert.equal(first, -1, `subset input ${first}: ${hook.xs![first]}, expected ${want[first]}`);
  } finally {
    tf.dispose([expected.xs, expected.ys]);
  }
});

Deno.test("Hessian record: ‖H‖_F is the root of the estimate of ‖H‖_F², its error by the delta method", () => {
  const hessian = svhn.result.epochs[0].hessian!;
  assert.ok(hessian, "epoch 1 has Hessian measures");
  assert.equal(hessian.trace, 5);
  assert.equal(hessian.topEigenvalue, 3);
  // √16 = 4; d√x/dx = 1/(2√x): 2 / (2·4) = 0.25.
  assert.equal(hessian.frobenius, 4);
  assert.deepEqual(hessian.standardError, { trace: 0.25, frobenius: 0.25, topEigenvalue: 0.1 });
  assert.equal(hessian.samples, 2);
  assert.deepEqual(hessianProgress, [{ epoch: 1, done: 1, total: 3 }, {
    epoch: 1,
    done: 3,
    total: 3,
  }]);
  // The measure slept HOOK_SLEEP_MS inside the timed span, and the span is inside the run.
  const seconds = svhn.result.epochs[0].hessianSeconds!;
  assert.ok(seconds >= hook.seconds && seconds <= svhn.wall, `hessianSeconds ${seconds}`);
});

Deno.test("epoch timing: the step seconds lie inside the run's wall time, CPU seconds are counted", () => {
  for (const run of [svhn, cifar100]) {
    const [epoch] = run.result.epochs;
    assert.ok(epoch.seconds > 0 && epoch.seconds <= run.wall, `seconds ${epoch.seconds}`);
    assert.ok(epoch.cpuSeconds! >= 0, `cpuSeconds ${epoch.cpuSeconds}`);
    assert.equal(epoch.imagesPerSecond, run.start.trainImages / epoch.seconds);
    assert.equal(run.result.final?.seconds, epoch.seconds);
  }
});

Deno.test("optimizerHyperparameters: each optimizer gets its own hyperparameters and the epoch's seed", () => {
  const base = {
    lr: 0.1,
    weightDecay: 0.001,
    momentum: 0.8,
    rho: 0.07,
    eta: 0.02,
    lambda: 0.3,
    samples: 3,
    halfWidth: 0.4,
    seed: 5,
  };
  const hp = (optimizer: TrainConfig["optimizer"], epoch = 2) =>
    optimizerHyperparameters(makeTrainConfig({ ...base, optimizer }), epoch);
  assert.deepEqual(hp("sgd"), { lr: 0.1, weightDecay: 0.001, momentum: 0.8 });
  assert.deepEqual(hp("adam"), { lr: 0.1, weightDecay: 0.001 });
  const seed = deriveSeed(5, "optimizer", 2);
  assert.notEqual(seed, deriveSeed(5, "optimizer", 1));
  const perturbed = { lr: 0.1, weightDecay: 0.001, momentum: 0.8, rho: 0.07, seed };
  assert.deepEqual(hp("sam"), perturbed);
  assert.deepEqual(hp("asam"), { ...perturbed, eta: 0.02 });
  assert.deepEqual(hp("trace-sam"), { ...perturbed, lambda: 0.3, samples: 3 });
  assert.deepEqual(hp("frob-sam"), { ...perturbed, lambda: 0.3, samples: 3 });
  assert.deepEqual(hp("det-sam"), { ...perturbed, lambda: 0.3, samples: 3, halfWidth: 0.4 });
  assert.equal(hp("sam", 1).seed, deriveSeed(5, "optimizer", 1));
});

Deno.test("validation split: the held-out images are the seeded split of the learner set, not another draw", () => {
  const learner = applySettings(
    { ...noiseSet(SVHN_N, 10, 1), ...{ mean: DATASETS.svhn.mean, std: DATASETS.svhn.std } },
    { seed: deriveSeed(0, "data-settings", 0) },
  );
  const expected = splitValidation(learner, {
    fraction: 0.25,
    seed: deriveSeed(0, "validation-split", 0),
  });
  const got = svhn.start.split;
  assert.deepEqual(got.validation?.labels, expected.validation?.labels);
  assert.deepEqual(got.validation?.images, expected.validation?.images);
  assert.deepEqual(got.train.images, expected.train.images);
  // The control: another seed holds out other images.
  const other = splitValidation(learner, {
    fraction: 0.25,
    seed: deriveSeed(1, "validation-split", 0),
  });
  assert.notDeepEqual(other.validation?.images, expected.validation?.images);
});

Deno.test("a run without validation reports no validation fields", () => {
  assert.equal(cifar100.result.counts?.validation, 0);
  assert.equal(cifar100.start.validationImages, 0);
  assert.ok(!("validationAccuracy" in cifar100.result.final!), "final.validationAccuracy");
  assert.ok(!("validationLoss" in cifar100.result.final!), "final.validationLoss");
  assert.ok(!("validationLoss" in cifar100.result.epochs[0]), "epoch validationLoss");
});

Deno.test("bad options reject before any work, naming the option", async () => {
  await assert.rejects(
    train({ ...FROZEN }, { backend: "wasm", resume: true }),
    (error: unknown) =>
      error instanceof TypeError && /resume needs a checkpointDir/.test(error.message),
  );
  for (const spec of [null, "svhn", { name: "svhn", parse: "no" }]) {
    await assert.rejects(
      // deno-lint-ignore no-explicit-any
      train({ ...FROZEN, dataset: "svhn" }, { backend: "wasm", datasetSpec: spec as any }),
      (error: unknown) =>
        error instanceof TypeError && /datasetSpec must be a DatasetSpec/.test(error.message),
      JSON.stringify(spec),
    );
  }
});

Deno.test("a test split the model cannot read rejects with the model's error (no signal involved)", async () => {
  // Training images 16×16×3, test images 8×8×3: training works, the first evaluation throws.
  const small: ImageSet = {
    ...noiseSet(4, 10, 5),
    images: new Uint8Array(4 * 192),
    height: 8,
    width: 8,
  };
  const spec = inMemorySpec("svhn", noiseSet(20, 10, 6), small);
  await assert.rejects(
    train({ ...FROZEN, dataset: "svhn", trainLimit: 20, batchSize: 20 }, {
      backend: "wasm",
      datasetSpec: spec,
    }),
    (error: unknown) => error instanceof Error && /shape|incompatible/i.test(error.message),
  );
});

Deno.test("finite steps whose weights overflow the test loss end as a failed run, naming the test loss", async () => {
  // One step of lr 1e30: its loss is taken at the initial weights (finite), the update leaves
  // finite weights of order 1e30 whose logits overflow float32 on the test images.
  const result = await train({
    ...FROZEN,
    dataset: "svhn",
    lr: 1e30,
    trainLimit: 20,
    testLimit: 10,
    batchSize: 20,
  }, {
    backend: "wasm",
    datasetSpec: inMemorySpec("svhn", noiseSet(20, 10, 7), noiseSet(10, 10, 8)),
  });
  assert.equal(result.status, "failed");
  assert.equal(result.failure?.epoch, 1);
  assert.equal(result.failure?.step, 1);
  assert.match(result.failure!.message, /test loss is (NaN|Infinity) after epoch 1 \(step 1\)/);
  assert.deepEqual(result.epochs, []);
});

Deno.test("a limit above the split's size takes the whole split", () => {
  assert.equal(cifar100.start.testImages, 20);
  assert.equal(cifar100.result.counts?.test, 20);
  const { testAccuracy } = cifar100.result.epochs[0];
  assert.ok(Number.isInteger(testAccuracy * 20), `accuracy ${testAccuracy} is not k/20`);
});

Deno.test("an error thrown by onStep rejects train() with that error (not a failed run)", async () => {
  await assert.rejects(
    train({ ...FROZEN, dataset: "svhn", trainLimit: 20, batchSize: 10 }, {
      backend: "wasm",
      datasetSpec: inMemorySpec("svhn", noiseSet(20, 10, 9), noiseSet(10, 10, 10)),
      onStep: () => {
        throw new Error("the callback broke");
      },
    }),
    /the callback broke/,
  );
});

/**
 * A signal that turns aborted right after its `k`-th `aborted` read: `train()` reads `aborted`
 * once after each step, so with k = the epoch's steps every step completes and the abort is first
 * seen by the evaluation's `throwIfAborted` (a real AbortSignal aborted from a callback or a
 * timer could not be placed there deterministically).
 */
function abortAfterReads(k: number): AbortSignal {
  let reads = 0;
  const reason = new Error("stopped in the evaluation");
  const signal = {
    get aborted() {
      return ++reads > k;
    },
    get reason() {
      return reason;
    },
    throwIfAborted() {
      if (reads >= k) throw reason;
    },
    addEventListener() {},
    removeEventListener() {},
  };
  return signal as unknown as AbortSignal;
}

Deno.test("an abort seen during the evaluation checkpoints the trained epoch; the resume only evaluates", async () => {
  const spec = inMemorySpec("svhn", noiseSet(40, 10, 11), noiseSet(20, 10, 12));
  const run: Partial<TrainConfig> = {
    ...FROZEN,
    dataset: "svhn",
    lr: 0.01,
    momentum: 0.9,
    trainLimit: 40,
    testLimit: 20,
    batchSize: 20,
  };
  const whole = await train(run, { backend: "wasm", datasetSpec: spec });
  const dir = await Deno.makeTempDir({ prefix: "usam-loop-eval-" });
  tempDirs.push(dir);
  const steps: number[] = [];
  await assert.rejects(
    train(run, {
      backend: "wasm",
      datasetSpec: spec,
      checkpointDir: dir,
      signal: abortAfterReads(2),
      onStep: (s) => steps.push(s.step),
    }),
    /stopped in the evaluation/,
  );
  assert.deepEqual(steps, [1, 2], "both steps trained before the abort");
  const point = (await readCheckpoint(dir))!;
  assert.ok(point, "a checkpoint of the point reached");
  assert.equal(point.epoch, 0);
  assert.equal(point.partial?.steps, 2, "the epoch's steps are kept");
  const again: number[] = [];
  const resumed = await train(run, {
    backend: "wasm",
    datasetSpec: spec,
    checkpointDir: dir,
    resume: true,
    onStep: (s) => again.push(s.step),
  });
  assert.deepEqual(again, [], "no step retrained");
  const { seconds: _a, imagesPerSecond: _b, cpuSeconds: _c, ...resumedFigures } = resumed.epochs[0];
  const { seconds: _d, imagesPerSecond: _e, cpuSeconds: _f, ...wholeFigures } = whole.epochs[0];
  assert.deepEqual(resumedFigures, wholeFigures);
});

// ---- checkpoints that do not fit: each refused by name before any step ----

const fitSpec = inMemorySpec("svhn", noiseSet(20, 10, 13), noiseSet(10, 10, 14));
const FIT: Partial<TrainConfig> = {
  ...FROZEN,
  dataset: "svhn",
  lr: 0.01,
  momentum: 0.9,
  trainLimit: 20,
  testLimit: 10,
  batchSize: 10,
  epochs: 2,
};
const fitDir = await Deno.makeTempDir({ prefix: "usam-loop-fit-" });
tempDirs.push(fitDir);
await train({ ...FIT, epochs: 1 }, {
  backend: "wasm",
  datasetSpec: fitSpec,
  checkpointDir: fitDir,
});
/** The checkpoint after epoch 1 of a momentum run, with `config.epochs` 2 (so a resume trains). */
const fitted: Checkpoint = await (async () => {
  const saved = (await readCheckpoint(fitDir))!;
  return { ...saved, config: { ...saved.config, epochs: 2 } };
})();

async function resumeFrom(
  checkpoint: Checkpoint,
  backend: "wasm" | "cpu" = "wasm",
  run: Partial<TrainConfig> = FIT,
) {
  const dir = await Deno.makeTempDir({ prefix: "usam-loop-tampered-" });
  tempDirs.push(dir);
  await writeCheckpoint(dir, checkpoint);
  const steps: number[] = [];
  const outcome = train(run, {
    backend,
    datasetSpec: fitSpec,
    checkpointDir: dir,
    resume: true,
    onStep: (s) => steps.push(s.step),
  });
  return { outcome, steps };
}

Deno.test("the untampered checkpoint resumes (the control for the refusals below)", async () => {
  const { outcome, steps } = await resumeFrom(fitted);
  assert.equal((await outcome).status, "completed");
  assert.deepEqual(steps, [1, 2]);
  assert.ok(fitted.optimizer.some((t) => /^@\d+\/momentum$/.test(t.name)), "portable names");
});

Deno.test("a checkpoint whose optimizer state names a variable the model lacks is refused, naming it", async () => {
  const count = fitted.model.length;
  const optimizer = fitted.optimizer.map((t) =>
    t.name === "@0/momentum" ? { ...t, name: `@${count}/momentum` } : t
  );
  assert.notDeepEqual(optimizer, fitted.optimizer);
  const { outcome, steps } = await resumeFrom({ ...fitted, optimizer });
  await assert.rejects(
    outcome,
    new RegExp(
      `^RangeError: checkpoint optimizer state @${count}/momentum refers to variable ${count}, ` +
        `the model has ${count}$`,
    ),
  );
  assert.deepEqual(steps, []);
});

Deno.test("a checkpoint with another number of model variables, or another shape, is refused, naming both", async () => {
  const fewer = await resumeFrom({ ...fitted, model: fitted.model.slice(1) });
  await assert.rejects(
    fewer.outcome,
    new RegExp(
      `^RangeError: checkpoint holds ${fitted.model.length - 1} model variables, the model has ` +
        `${fitted.model.length}$`,
    ),
  );
  const [first, ...rest] = fitted.model;
  const reshaped = { ...first, shape: [first.shape[0] * first.shape[1], 1] };
  const other = await resumeFrom({ ...fitted, model: [reshaped, ...rest] });
  await assert.rejects(
    other.outcome,
    (error: unknown) =>
      error instanceof RangeError &&
      error.message.startsWith(
        `checkpoint variable ${first.name} has shape [${reshaped.shape}], model variable `,
      ) && error.message.endsWith(` has [${first.shape}]`),
  );
  assert.deepEqual([...fewer.steps, ...other.steps], []);
});

Deno.test("a checkpoint past the run's last epoch is refused, naming both", async () => {
  const { outcome } = await resumeFrom({ ...fitted, epoch: 3 });
  await assert.rejects(outcome, /^RangeError: resume: the checkpoint is at epoch 3 of 2$/);
});

Deno.test("a resume on another backend is refused with the flags that resolve it; old checkpoints go by their last epoch", async () => {
  const { outcome } = await resumeFrom(fitted, "cpu");
  await assert.rejects(
    outcome,
    new RegExp(
      "^RangeError: resume: the checkpoint was written on backend wasm, this run is on cpu " +
        "\\(the SAM family's results differ across backends\\); resume with --backend wasm, or " +
        "pass --allow-backend-change to continue on cpu \\(each epoch records its backend\\)$",
    ),
  );
  // A checkpoint from before backends were recorded: the last epoch's backend decides (wasm,
  // after epochs on wasm and cpu), so a resume on wasm goes on.
  const { backend: _backend, ...unrecorded } = fitted;
  const epoch = fitted.history[0];
  const history = ["wasm", "cpu", "wasm"].map((backend, i) => ({
    ...epoch,
    epoch: i + 1,
    backend,
  }));
  const four = { ...FIT, epochs: 4 };
  const old = await resumeFrom(
    { ...unrecorded, epoch: 3, history, config: { ...fitted.config, epochs: 4 } },
    "wasm",
    four,
  );
  const result = await old.outcome;
  assert.equal(result.status, "completed");
  assert.deepEqual(result.epochs.map((e) => e.backend), ["wasm", "cpu", "wasm", "wasm"]);
});

Deno.test("the training loss is the mean of the steps' losses over the images (frozen: the one step's loss)", () => {
  const [epoch] = svhn.result.epochs;
  assert.equal(svhn.steps.length, 1);
  // One step over all 48 images: lossSum / images = loss · 48 / 48, exact up to one rounding.
  assert.ok(Math.abs(epoch.trainLoss - svhn.steps[0].loss) <= 1e-12 * svhn.steps[0].loss);
  assert.ok(epoch.trainLoss > 0);
});

Deno.test("a resume with no checkpoint in its folder is a fresh run", async () => {
  const dir = await Deno.makeTempDir({ prefix: "usam-loop-empty-" });
  tempDirs.push(dir);
  const fresh = await train(FIT, { backend: "wasm", datasetSpec: fitSpec });
  const resumed = await train(FIT, {
    backend: "wasm",
    datasetSpec: fitSpec,
    checkpointDir: dir,
    resume: true,
  });
  assert.equal(resumed.status, "completed");
  assert.deepEqual(
    resumed.epochs.map((e) => [e.trainLoss, e.testLoss]),
    fresh.epochs.map((e) => [e.trainLoss, e.testLoss]),
  );
});

Deno.test("an abort without a checkpoint folder rejects with the signal's reason", async () => {
  const controller = new AbortController();
  await assert.rejects(
    train(FIT, {
      backend: "wasm",
      datasetSpec: fitSpec,
      signal: controller.signal,
      onStep: () => controller.abort(new Error("stop, nowhere to save")),
    }),
    /stop, nowhere to save/,
  );
});

Deno.test("Hessian record: a Frobenius estimate of 0 takes the root of its error (no division by 0)", async () => {
  const zero: typeof hessianMeasures = () =>
    Promise.resolve({
      trace: { value: 1, standardError: 0.5, samples: 2 },
      frobenius: { value: 0, standardError: 0.04, samples: 2 },
      topEigenvalue: { value: 1, standardError: 0.5, samples: 2 },
      gradientEvaluations: 4,
    });
  const run = await train({
    ...FIT,
    epochs: 1,
    hessianEvery: 1,
    hessianSubset: 8,
    hessianSamples: 2,
  }, {
    backend: "wasm",
    datasetSpec: fitSpec,
    hessianMeasures: zero,
  });
  const hessian = run.epochs[0].hessian!;
  assert.equal(hessian.frobenius, 0);
  // √0.04 = 0.2: the error of √x at x = 0 from that of x (the delta method has no derivative).
  assert.ok(Math.abs(hessian.standardError!.frobenius - 0.2) < 1e-15);
});
