/**
 * Training on WebGPU, compared with the same run on the cpu backend. These run on whatever
 * adapter Deno offers (on the CI machine: Mesa's llvmpipe, a software rasterizer, so the shapes
 * stay small); they are skipped when there is none.
 *
 * Under Deno the webgpu backend cannot read synchronously (`dataSync` falls back to a canvas
 * that does not exist), so these runs also prove that training, evaluation and checkpoints read
 * only with `await tensor.data()`.
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { initBackend } from "../backends/init.ts";
import { probeWebGpuAdapter } from "../backends/webgpu.ts";
import { gaussianMeasure } from "../measures/spec.ts";
import { createModel, type ModelName } from "../models/create.ts";
import { createOptimizer, sgd, universalSam, type UsamOptimizer } from "../optimizers/mod.ts";
import type { OptimizerName } from "../optimizers/mod.ts";
import { Random } from "../math/random.ts";
import { readCheckpoint } from "./checkpoint.ts";
import { makeTrainConfig, type TrainConfig } from "./config.ts";
import type { RunResult } from "./result.ts";
import { train } from "./train.ts";

const probe = await probeWebGpuAdapter();
const ignore = !probe.available;
if (ignore) console.warn(`webgpu training tests skipped: no WebGPU adapter (${probe.description})`);

// TF.js keeps one WebGPU device (and its buffers) for the process, by design.
const webgpuTest = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, ignore, sanitizeResources: false, sanitizeOps: false, fn });

const EVERY_OPTIMIZER: readonly OptimizerName[] = [
  "sgd",
  "adam",
  "sam",
  "asam",
  "trace-sam",
  "frob-sam",
  "det-sam",
];

/** The acceptance size: 256 training images (8 steps of 32), evaluated on 256. */
const ACCEPTANCE: Partial<TrainConfig> = {
  dataset: "fashion-mnist",
  seed: 3,
  epochs: 1,
  trainLimit: 256,
  testLimit: 256,
  batchSize: 32,
};

async function trainOn(
  backend: "cpu" | "webgpu",
  partial: Partial<TrainConfig>,
  checkpointDir?: string,
): Promise<{ result: RunResult; losses: number[] }> {
  const losses: number[] = [];
  const result = await train(makeTrainConfig({ ...ACCEPTANCE, ...partial }), {
    backend,
    onStep: (step) => losses.push(step.loss),
    checkpointDir,
  });
  assert.equal(result.status, "completed", JSON.stringify(result.failure));
  assert.equal(result.environment.backend, backend);
  return { result, losses };
}

function relative(a: number, b: number): number {
  return Math.abs(a - b) / Math.abs(b);
}

// Tolerances. One float32 operation rounds to 2^-24 ≈ 6e-8 relative. The two backends sum in
// different orders (WGSL tiles, the cpu backend's loops), so the same loss at the same weights
// differs by a few roundings, and the weights after a step by a few roundings of the update;
// those differences grow slowly over 8 steps. Measured on llvmpipe (printed by the tests): the
// first-step losses are equal or 1e-7 apart, every later step's within 2.3e-7, the final
// training losses within 1e-7, the Hessian measures within 4.2e-7, one step's weight update
// within 2.6e-6 of its largest entry. Each bound below keeps an order of magnitude or more of
// margin over those and stays far below what a wrong step does (a wrong ρ or a missing
// perturbation moves the losses by percents: the sabotage test).
/** The first step's loss is taken at the same (seeded) initial weights on both backends. */
const FIRST_STEP_TOLERANCE = 1e-6;
/** The acceptance bound on the final (epoch-mean) training loss. */
const FINAL_TOLERANCE = 0.01;
/** Every later step's loss, after weights that differ by float32 rounding only. */
const STEP_TOLERANCE = 1e-5;
/** The Hessian measures: sums of products of Hessian-vector products at the same weights. */
const HESSIAN_TOLERANCE = 1e-5;
/**
 * Frob-SAM's weights are functions of the sampled quotients `2 (L(x + ρδ) − L(x)) / ρ²`: with
 * ρ = 0.005 (the train default until issue 13) a loss difference of one float32 rounding between
 * the backends (≈ 2e-7 at L ≈ 2) moves a quotient by 2e-7 · 8e4 ≈ 0.016, so the steps' directions
 * differ by about 1e-3 relative per step, not 1e-7. Measured then: the 8th step's losses 3.2e-3
 * apart, the final training loss 3.2e-4. The default is now ρ 0.01, λ 1e-4: the quotient moves 4×
 * less and λ/ρ² is 200× smaller, so the bound still holds (not re-measured: no GPU here).
 */
const STEP_TOLERANCE_BY_OPTIMIZER: Partial<Record<OptimizerName, number>> = { "frob-sam": 2e-2 };

for (const optimizer of EVERY_OPTIMIZER) {
  webgpuTest(`train() on webgpu: ${optimizer} on the MLP agrees with cpu`, async () => {
    // Adam's usual step size; the SGD default 0.03 makes Adam diverge on this MLP.
    const flags: Partial<TrainConfig> = {
      model: "mlp",
      optimizer,
      lr: optimizer === "adam" ? 1e-3 : 0.03,
    };
    const cpu = await trainOn("cpu", flags);
    const webgpu = await trainOn("webgpu", flags);
    assert.equal(webgpu.losses.length, 8);
    assert.equal(cpu.losses.length, 8);
    assert.ok(
      relative(webgpu.losses[0], cpu.losses[0]) <= FIRST_STEP_TOLERANCE,
      `first loss ${webgpu.losses[0]} vs ${cpu.losses[0]}`,
    );
    const stepTolerance = STEP_TOLERANCE_BY_OPTIMIZER[optimizer] ?? STEP_TOLERANCE;
    const differences = webgpu.losses.map((loss, i) => relative(loss, cpu.losses[i]));
    assert.ok(
      differences.every((d) => d <= stepTolerance),
      `relative step differences ${differences.map((d) => d.toExponential(1)).join(" ")}`,
    );
    const [w, c] = [webgpu.result.final!, cpu.result.final!];
    console.log(
      `${optimizer}: relative webgpu−cpu differences: first step ${
        differences[0].toExponential(1)
      }, worst step ${Math.max(...differences).toExponential(1)}, final train loss ${
        relative(w.trainLoss, c.trainLoss).toExponential(1)
      }`,
    );
    assert.ok(
      relative(w.trainLoss, c.trainLoss) <= FINAL_TOLERANCE,
      `final train loss ${w.trainLoss} vs ${c.trainLoss}`,
    );
    assert.ok(relative(w.testLoss, c.testLoss) <= stepTolerance, `${w.testLoss} vs ${c.testLoss}`);
    // The correct-prediction counts are summed on the device: same images, same predictions
    // except for logits tied within rounding (at most a couple of the 256).
    assert.ok(Math.abs(w.testAccuracy - c.testAccuracy) * 256 <= 2);
    assert.ok(
      Math.abs(webgpu.result.epochs[0].trainAccuracy - cpu.result.epochs[0].trainAccuracy) * 256 <=
        2,
    );
    // The run trained: the loss went down from ln 10 ≈ 2.30.
    assert.ok(c.trainLoss < 2.3, `train loss ${c.trainLoss}`);
  });
}

webgpuTest("train() on webgpu: SGD on the CNN agrees with cpu", async () => {
  const cpu = await trainOn("cpu", { model: "cnn", optimizer: "sgd" });
  const webgpu = await trainOn("webgpu", { model: "cnn", optimizer: "sgd" });
  const differences = webgpu.losses.map((loss, i) => relative(loss, cpu.losses[i]));
  const final = relative(webgpu.result.final!.trainLoss, cpu.result.final!.trainLoss);
  console.log(
    `cnn sgd: relative webgpu−cpu differences: first step ${
      differences[0].toExponential(1)
    }, worst step ${Math.max(...differences).toExponential(1)}, final train loss ${
      final.toExponential(1)
    }`,
  );
  assert.ok(differences[0] <= FIRST_STEP_TOLERANCE);
  assert.ok(differences.every((d) => d <= STEP_TOLERANCE), differences.join(" "));
  assert.ok(final <= FINAL_TOLERANCE);
});

webgpuTest("the comparison can fail: a different rho on webgpu is caught", async () => {
  // Sabotage: the same SAM run with rho 0.5 instead of the default; the per-step bound must see
  // it, or the agreement above proves nothing.
  const cpu = await trainOn("cpu", { model: "mlp", optimizer: "sam" });
  const webgpu = await trainOn("webgpu", { model: "mlp", optimizer: "sam", rho: 0.5 });
  const worst = Math.max(...webgpu.losses.map((loss, i) => relative(loss, cpu.losses[i])));
  assert.ok(worst > 10 * STEP_TOLERANCE, `worst relative step difference ${worst}`);
});

webgpuTest(
  "train() on webgpu writes a readable checkpoint (async reads) and leaks no tensors",
  async () => {
    const dir = await Deno.makeTempDir({ prefix: "usam-webgpu-ckpt-" });
    try {
      await trainOn("webgpu", { model: "mlp", optimizer: "sgd", trainLimit: 64 }, dir);
      // A second run leaves the tensor count where the first left it: nothing of a run stays.
      const count = tf.memory().numTensors;
      await trainOn("webgpu", { model: "mlp", optimizer: "sam", trainLimit: 64 });
      assert.equal(tf.memory().numTensors, count, "train() leaked tensors");
      const checkpoint = await readCheckpoint(dir);
      assert.ok(checkpoint !== null);
      assert.equal(checkpoint.epoch, 1);
      assert.equal(checkpoint.step, 2);
      // SGD with momentum keeps one velocity per variable, next to the model's variables.
      assert.ok(checkpoint.model.length > 0);
      assert.ok(checkpoint.optimizer.length >= checkpoint.model.length);
      for (const saved of checkpoint.model) {
        assert.ok(saved.data.every(Number.isFinite), saved.name);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

webgpuTest("train() on webgpu measures the Hessian (async reads) as cpu does", async () => {
  const options: Partial<TrainConfig> = {
    model: "mlp",
    optimizer: "sgd",
    trainLimit: 64,
    hessianEvery: 1,
    hessianSubset: 32,
    hessianSamples: 2,
  };
  const cpu = (await trainOn("cpu", options)).result.epochs[0].hessian!;
  const webgpu = (await trainOn("webgpu", options)).result.epochs[0].hessian!;
  // The same probes on weights equal up to rounding (autodiff HVPs on the ReLU MLP).
  for (const key of ["trace", "frobenius", "topEigenvalue"] as const) {
    console.log(
      `Hessian ${key}: relative webgpu−cpu difference ${relative(webgpu[key], cpu[key])}`,
    );
    assert.ok(
      relative(webgpu[key], cpu[key]) <= HESSIAN_TOLERANCE,
      `${key}: ${webgpu[key]} vs ${cpu[key]}`,
    );
  }
});

/** Flattened values of the model's variables (trainable and BatchNorm statistics). */
async function weightsOf(model: tfl.LayersModel): Promise<Float32Array> {
  const parts = await Promise.all(
    model.weights.map((w) => w.read().data() as Promise<Float32Array>),
  );
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

interface StepRun {
  losses: number[];
  before: Float32Array;
  after: Float32Array;
}

/**
 * `steps` optimizer steps of `build()` on a fixed seeded batch of `[batch, ...inputShape]`
 * images, on one backend, through the training loop's contract: `await optimizer.step(f)`.
 */
async function stepsOn(
  backend: "cpu" | "webgpu",
  build: () => tfl.LayersModel,
  makeOptimizer: () => UsamOptimizer,
  inputShape: readonly [number, number, number],
  steps: number,
): Promise<StepRun> {
  await initBackend(backend);
  const batch = 4;
  const rng = new Random(11);
  const pixels = inputShape[0] * inputShape[1] * inputShape[2];
  const xs = tf.tensor4d(Float32Array.from(rng.gaussianVector(batch * pixels)), [
    batch,
    ...inputShape,
  ]);
  const ys = tf.oneHot(tf.tensor1d([0, 1, 2, 1], "int32"), 3);
  const model = build();
  const optimizer = makeOptimizer();
  const count = tf.memory().numTensors;
  try {
    const before = await weightsOf(model);
    const losses: number[] = [];
    for (let k = 0; k < steps; k++) {
      losses.push(
        await optimizer.step(() =>
          tf.losses.softmaxCrossEntropy(
            ys,
            model.apply(xs, { training: true }) as tf.Tensor,
          ) as tf.Scalar
        ),
      );
    }
    // The step leaves no tensor behind (the optimizer's own state was made in the first step).
    const after = await weightsOf(model);
    assert.ok(tf.memory().numTensors - count <= 3 * model.weights.length + 2);
    return { losses, before, after };
  } finally {
    optimizer.dispose();
    model.dispose();
    tf.dispose([xs, ys]);
  }
}

/**
 * Compares the step on both backends: the loss at the (identical) initial weights within
 * FIRST_STEP_TOLERANCE, and the update `after − before` within `tolerance` of the cpu update's
 * largest entry (an update is lr × a gradient whose float32 error is a small fraction of its
 * largest entry).
 */
function assertSameSteps(webgpu: StepRun, cpu: StepRun, tolerance: number, label: string) {
  assert.deepEqual(webgpu.before, cpu.before, `${label}: the seeded initial weights`);
  assert.ok(
    relative(webgpu.losses[0], cpu.losses[0]) <= FIRST_STEP_TOLERANCE,
    `${label}: loss ${webgpu.losses[0]} vs ${cpu.losses[0]}`,
  );
  let largest = 0, worst = 0;
  for (let i = 0; i < cpu.after.length; i++) {
    const update = cpu.after[i] - cpu.before[i];
    largest = Math.max(largest, Math.abs(update));
    worst = Math.max(worst, Math.abs(webgpu.after[i] - webgpu.before[i] - update));
  }
  assert.ok(largest > 0, `${label}: the step changed no weight`);
  console.log(
    `${label}: update difference / largest update = ${(worst / largest).toExponential(1)}`,
  );
  assert.ok(
    worst <= tolerance * largest,
    `${label}: update differs by ${worst}, largest update ${largest}`,
  );
}

// One step's update (lr × gradient, and BatchNorm's moving statistics) differs between the
// backends by the float32 error of the gradient: measured 2.4e-7 to 2.6e-6 of the largest entry
// for the five architectures (BatchNorm over 4 images divides by small variances, which
// amplifies it). A wrong gradient or a skipped variable is off by O(1) of the largest entry.
const UPDATE_TOLERANCE = 1e-4;
/**
 * A sampled universalSam over 3 steps: its quotients `(L(x + ρδ) − L(x)) / ρ²` amplify the
 * backends' loss roundings by 1/ρ² = 400 (ρ = 0.05); measured 6.3e-5 of the largest entry
 * (the step losses 2.5e-6 apart).
 */
const UNIVERSAL_UPDATE_TOLERANCE = 1e-3;

const ARCHITECTURES: ReadonlyArray<
  [ModelName, readonly [number, number, number], Record<string, unknown>]
> = [
  ["mlp", [8, 8, 1], { widths: [16, 16] }],
  ["cnn", [16, 16, 1], { filters: [4, 8], denseWidths: [16] }],
  ["resnet", [8, 8, 3], { widthMultiplier: 0.0625, blocks: [1, 1, 1, 1] }],
  ["vgg", [32, 32, 3], { depth: 11, widthMultiplier: 0.0625 }],
  ["wrn", [8, 8, 3], { depth: 10, widen: 1, widthMultiplier: 0.25 }],
];

for (const [name, inputShape, options] of ARCHITECTURES) {
  webgpuTest(`one SGD step of ${name} on webgpu matches cpu`, async () => {
    const build = () =>
      createModel(name, { inputShape, numClasses: 3, seed: 5, ...options } as never);
    const makeOptimizer = () => createOptimizer("sgd", { lr: 0.1, momentum: 0.9 });
    const cpu = await stepsOn("cpu", build, makeOptimizer, inputShape, 1);
    const webgpu = await stepsOn("webgpu", build, makeOptimizer, inputShape, 1);
    assertSameSteps(webgpu, cpu, UPDATE_TOLERANCE, name);
  });
}

webgpuTest("a user-defined universalSam steps on webgpu as on cpu", async () => {
  // F(m) = m₁ + m₂² on two moments of the sampled quotients: nothing the factory names.
  const build = () =>
    createModel("mlp", { inputShape: [8, 8, 1], numClasses: 3, seed: 2, widths: [16] });
  const makeOptimizer = () =>
    universalSam({
      inner: { dimension: 2, value: (t) => [t, t * t], derivative: (t) => [1, 2 * t] },
      outer: { value: (m) => m[0] + m[1], gradient: () => [1, 1] },
      measure: gaussianMeasure(),
      rho: 0.05,
      lambda: 0.5,
      samples: 2,
      seed: 9,
      base: sgd({ lr: 0.1, momentum: 0.9 }),
    });
  const cpu = await stepsOn("cpu", build, makeOptimizer, [8, 8, 1], 3);
  const webgpu = await stepsOn("webgpu", build, makeOptimizer, [8, 8, 1], 3);
  assertSameSteps(webgpu, cpu, UNIVERSAL_UPDATE_TOLERANCE, "universalSam");
  const differences = webgpu.losses.map((loss, i) => relative(loss, cpu.losses[i]));
  console.log(`universalSam: relative step loss differences ${differences.join(" ")}`);
  // Measured up to 2.5e-6 after 3 steps: the 1/ρ² amplification again, so 1e-4 (not 1e-5).
  assert.ok(differences.every((d) => d <= 1e-4), differences.join(" "));
});
