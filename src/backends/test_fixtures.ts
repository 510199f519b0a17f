/**
 * What the kernel tests of this folder share when they train a small model on two backends and
 * compare the weights: the training loop (plain `tf.train.sgd`, so that only the kernels under test
 * differ) and the tolerance of the comparison.
 *
 * @module
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";

/** The weights after the steps, and the tensor count after each step (flat when nothing leaks). */
export interface TrainedWeights {
  weights: Float32Array[];
  counts: number[];
}

/**
 * `steps` SGD steps (lr 0.1) of a fresh `model()` on `images` (shape `shape`) and `labels` (one
 * class per image, `classes` in all), on the active backend.
 *
 * @example
 * ```ts
 * import "@tensorflow/tfjs-backend-cpu";
 * import * as tf from "@tensorflow/tfjs-core";
 * import * as tfl from "@tensorflow/tfjs-layers";
 * import assert from "node:assert/strict";
 * import { trainSgdSteps } from "./test_fixtures.ts";
 * await tf.setBackend("cpu");
 * const model = () => tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [2], units: 2 })] });
 * const run = trainSgdSteps(model, new Float32Array([1, 2, 3, 4]), [2, 2], [0, 1], 2, 3);
 * assert.equal(run.counts.length, 3);
 * assert.equal(run.weights.length, 2); // kernel and bias
 * ```
 */
export function trainSgdSteps(
  model: () => tfl.LayersModel,
  images: Float32Array,
  shape: number[],
  labels: number[],
  classes: number,
  steps: number,
): TrainedWeights {
  const net = model();
  const optimizer = tf.train.sgd(0.1);
  const x = tf.tensor(images, shape);
  const y = tf.oneHot(tf.tensor1d(labels, "int32"), classes);
  const counts: number[] = [];
  for (let s = 0; s < steps; s++) {
    optimizer.minimize(() =>
      tf.losses.softmaxCrossEntropy(y, net.apply(x, { training: true }) as tf.Tensor) as tf.Scalar
    );
    counts.push(tf.memory().numTensors);
  }
  const weights = net.getWeights().map((w) => w.dataSync() as Float32Array);
  tf.dispose([x, y]);
  optimizer.dispose();
  net.dispose();
  return { weights, counts };
}

/**
 * Asserts that every weight of `actual` is within 1e-4 of its tensor's scale (plus 1e-5 absolute,
 * for weights near zero) of `expected`. Three SGD steps (lr 0.1) through ~10 float32 ops per path:
 * per-op rounding differences of ~1e-7 relative between backends grow to ~1e-6, so the bound has
 * two orders of margin, while a wrong gradient (an O(lr · gradient) ≈ 1e-2 change) fails.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { assertWeightsNear } from "./test_fixtures.ts";
 * assertWeightsNear([new Float32Array([1, 0])], [new Float32Array([1 + 5e-5, 0])], "a");
 * assert.throws(() => assertWeightsNear([new Float32Array([1.01])], [new Float32Array([1])], "a"));
 * ```
 */
export function assertWeightsNear(
  actual: Float32Array[],
  expected: Float32Array[],
  label: string,
): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    const scale = Math.max(...Array.from(expected[i], Math.abs));
    for (let j = 0; j < expected[i].length; j++) {
      const diff = Math.abs(actual[i][j] - expected[i][j]);
      assert.ok(
        diff <= 1e-4 * scale + 1e-5,
        `weight ${i}[${j}]: ${label} ${actual[i][j]} reference ${expected[i][j]}`,
      );
    }
  }
}
