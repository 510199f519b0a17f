/**
 * How long one epoch of a model takes: times SGD steps (batch 128 by default) on random
 * inputs and extrapolates to a dataset size. This is how the defaults of the model zoo were
 * sized. Run it as a script:
 *
 * `deno run -A src/models/epoch_time.ts [--backend auto] [--steps 20] [--batch-size 128]
 * [--images 60000] [mlp cnn resnet vgg wrn]`
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { parseArgs } from "node:util";
import { Random } from "../math/random.ts";

/** Options of {@link measureEpochTime}. */
export interface EpochTimeOptions {
  /** Images per step; default 128. */
  batchSize?: number;
  /** Timed steps after the warm-up; default 20. */
  steps?: number;
  /** Untimed warm-up steps (kernel compilation, allocation); default 3. */
  warmup?: number;
  /** Training-set size to extrapolate to; default 60,000 (Fashion-MNIST). */
  images?: number;
  /** SGD learning rate; default 0.01 (small, so the weights stay sane over the run). */
  lr?: number;
}

/** What {@link measureEpochTime} returns. */
export interface EpochTime {
  /** Mean wall-clock milliseconds per SGD step. */
  msPerStep: number;
  /** Training throughput. */
  imagesPerSecond: number;
  /** `ceil(images / batchSize)` steps at `msPerStep`. */
  epochSeconds: number;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`measureEpochTime: ${name} must be a positive integer, got ${value}`);
  }
  return value;
}

/**
 * Times SGD steps of `model` (softmax cross-entropy on its logits) on the current backend.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import "@tensorflow/tfjs-backend-cpu";
 * import { createModel } from "./create.ts";
 * import { measureEpochTime } from "./epoch_time.ts";
 * await tf.setBackend("cpu");
 * const model = createModel("mlp", { inputShape: [8, 8, 1], numClasses: 3, widths: [16] });
 * const t = measureEpochTime(model, { batchSize: 4, steps: 2, warmup: 1, images: 40 });
 * assert.ok(t.epochSeconds > 0 && Math.abs(t.epochSeconds - 10 * t.msPerStep / 1000) < 1e-9);
 * ```
 */
export function measureEpochTime(
  model: tfl.LayersModel,
  options: EpochTimeOptions = {},
): EpochTime {
  const batchSize = positiveInteger("batchSize", options.batchSize ?? 128);
  const steps = positiveInteger("steps", options.steps ?? 20);
  const warmup = options.warmup ?? 3;
  if (!Number.isInteger(warmup) || warmup < 0) {
    throw new RangeError(`measureEpochTime: warmup must be an integer >= 0, got ${warmup}`);
  }
  const images = positiveInteger("images", options.images ?? 60000);
  const lr = options.lr ?? 0.01;
  if (!(lr > 0)) throw new RangeError(`measureEpochTime: lr must be positive, got ${lr}`);
  const inputShape = model.inputs[0].shape.slice(1) as number[];
  const numClasses = model.outputs[0].shape[1] as number;
  const rng = new Random(0);
  const size = inputShape.reduce((p, s) => p * s, 1);
  const xs = tf.tensor(Float32Array.from(rng.gaussianVector(batchSize * size)), [
    batchSize,
    ...inputShape,
  ]);
  const labels = Int32Array.from({ length: batchSize }, () => rng.integer(numClasses));
  const ys = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, "int32"), numClasses));
  const optimizer = tf.train.sgd(lr);
  const step = () =>
    tf.tidy(() => {
      const cost = optimizer.minimize(() => {
        const logits = model.apply(xs, { training: true }) as tf.Tensor;
        return tf.losses.softmaxCrossEntropy(ys, logits) as tf.Scalar;
      }, true);
      cost?.dataSync(); // wait for the backend to finish the step
    });
  try {
    for (let i = 0; i < warmup; i++) step();
    const start = performance.now();
    for (let i = 0; i < steps; i++) step();
    const msPerStep = (performance.now() - start) / steps;
    return {
      msPerStep,
      imagesPerSecond: batchSize / (msPerStep / 1000),
      epochSeconds: Math.ceil(images / batchSize) * msPerStep / 1000,
    };
  } finally {
    optimizer.dispose();
    xs.dispose();
    ys.dispose();
  }
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    allowPositionals: true,
    options: {
      backend: { type: "string", default: "auto" },
      steps: { type: "string", default: "20" },
      "batch-size": { type: "string", default: "128" },
      images: { type: "string", default: "60000" },
    },
  });
  const { initBackend } = await import("../backends/mod.ts");
  // Not through ./mod.ts: it re-exports this module, and importing it from this module's own
  // top-level await deadlocks ("Top-level await promise never resolved").
  const { createModel, MODEL_NAMES } = await import("./create.ts");
  const { describeModel } = await import("./describe.ts");
  const choice = await initBackend(values.backend as "auto");
  console.log(`backend: ${choice.description}`);
  const names = positionals.length > 0 ? positionals : [...MODEL_NAMES];
  for (const name of names) {
    const model = createModel(name as "mlp", { inputShape: [28, 28, 1], numClasses: 10 });
    const t = measureEpochTime(model, {
      steps: Number(values.steps),
      batchSize: Number(values["batch-size"]),
      images: Number(values.images),
    });
    console.log(
      `${name}\t${describeModel(model).trainableParameters} weights\t${
        t.msPerStep.toFixed(1)
      } ms/step\t${t.imagesPerSecond.toFixed(0)} images/s\tepoch ${t.epochSeconds.toFixed(0)} s`,
    );
    model.dispose();
  }
}
