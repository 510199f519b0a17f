/**
 * How long one training epoch of a model takes with an optimizer: times steps of the training
 * loop's own path (`createOptimizer`, `await optimizer.step`, the loss `train()` uses) on random
 * inputs, batch 128 by default, and extrapolates to a dataset size. This is how the defaults of the
 * model zoo are sized. `deno task epoch-time [--backend auto] [--optimizer sgd] [--steps 20]
 * [--batch-size 128] [--images 60000] [mlp cnn resnet vgg wrn]`.
 *
 * Only reads with `await`, so it runs on every backend, webgpu included.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { parseArgs } from "node:util";
import { Random } from "../math/random.ts";
import { softmaxCrossEntropyMean } from "../backends/native_softmax_cross_entropy.ts";
import { createOptimizer, OPTIMIZER_NAMES, type OptimizerName } from "../optimizers/factory.ts";
import { makeTrainConfig } from "./config.ts";
import { optimizerHyperparameters } from "./train.ts";

/** Options of {@link measureEpochTime}. */
export interface EpochTimeOptions {
  /** An optimizer name; default `sgd`. Its hyperparameters are `deno task train`'s defaults. */
  optimizer?: string;
  /** Images per step; default 128. */
  batchSize?: number;
  /** Timed steps after the warm-up; default 20. */
  steps?: number;
  /** Untimed warm-up steps (kernel compilation, allocation); default 3. */
  warmup?: number;
  /** Training-set size to extrapolate to; default 60,000 (Fashion-MNIST). */
  images?: number;
  /** Learning rate; default 0.01 (small, so the weights stay sane on random data). */
  lr?: number;
}

/** What {@link measureEpochTime} returns. */
export interface EpochTime {
  /** Mean wall-clock milliseconds per training step. */
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
 * Times training steps of `model` (the training loss on its logits) with `options.optimizer` on
 * the current backend. Every option is checked before any step runs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import "@tensorflow/tfjs-backend-cpu";
 * import { createModel } from "../models/create.ts";
 * import { measureEpochTime } from "./epoch_time.ts";
 * await tf.setBackend("cpu");
 * const model = createModel("mlp", { inputShape: [8, 8, 1], numClasses: 3, widths: [16] });
 * const t = await measureEpochTime(model, { batchSize: 4, steps: 2, warmup: 1, images: 40 });
 * assert.ok(t.epochSeconds > 0 && Math.abs(t.epochSeconds - 10 * t.msPerStep / 1000) < 1e-9);
 * await assert.rejects(() => measureEpochTime(model, { optimizer: "lion" }), /optimizer.*lion/);
 * ```
 */
export async function measureEpochTime(
  model: tfl.LayersModel,
  options: EpochTimeOptions = {},
): Promise<EpochTime> {
  const name = options.optimizer ?? "sgd";
  if (!(OPTIMIZER_NAMES as readonly string[]).includes(name)) {
    throw new RangeError(
      `measureEpochTime: optimizer must be one of ${OPTIMIZER_NAMES.join(", ")}, got ${
        JSON.stringify(name)
      }`,
    );
  }
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
  const config = makeTrainConfig({ optimizer: name as OptimizerName, lr, batchSize });
  const optimizer = createOptimizer(name, optimizerHyperparameters(config, 0));
  // step() reads its loss with `await`, so each step has finished when it resolves.
  const step = () =>
    optimizer.step(() =>
      softmaxCrossEntropyMean(ys, model.apply(xs, { training: true }) as tf.Tensor)
    );
  try {
    for (let i = 0; i < warmup; i++) await step();
    const start = performance.now();
    for (let i = 0; i < steps; i++) await step();
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
      optimizer: { type: "string", default: "sgd" },
      steps: { type: "string", default: "20" },
      "batch-size": { type: "string", default: "128" },
      images: { type: "string", default: "60000" },
    },
  });
  const { initBackend } = await import("../backends/mod.ts");
  const { createModel, MODEL_NAMES } = await import("../models/create.ts");
  const { describeModel } = await import("../models/describe.ts");
  const unknown = positionals.filter((n) => !(MODEL_NAMES as readonly string[]).includes(n));
  if (unknown.length > 0) {
    console.error(
      `epoch-time: unknown model ${JSON.stringify(unknown[0])} (known: ${MODEL_NAMES.join(" ")})`,
    );
    Deno.exit(2);
  }
  const choice = await initBackend(values.backend as "auto");
  console.log(`backend: ${choice.description}; optimizer: ${values.optimizer}`);
  const names = positionals.length > 0 ? positionals : [...MODEL_NAMES];
  for (const name of names) {
    const model = createModel(name as "mlp", { inputShape: [28, 28, 1], numClasses: 10 });
    const t = await measureEpochTime(model, {
      optimizer: values.optimizer,
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
