/**
 * The perturbed passes of the SAM family leave BatchNorm moving statistics exactly where the
 * clean pass put them: after one step they equal those after a plain SGD step on the same batch.
 */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import assert from "node:assert/strict";
import { Random } from "../math/random.ts";
import { createOptimizer, OPTIMIZER_NAMES } from "./mod.ts";
import { TEST_BACKENDS, useBackend } from "./test_backends.ts";

function setup() {
  const rng = new Random(21);
  const model = tfl.sequential({
    layers: [
      tfl.layers.dense({ units: 6, inputShape: [5], kernelInitializer: "glorotNormal" }),
      tfl.layers.batchNormalization({ momentum: 0.9 }),
      tfl.layers.activation({ activation: "tanh" }),
      tfl.layers.dense({ units: 3 }),
    ],
  });
  const xs = tf.tensor2d(Float32Array.from(rng.gaussianVector(16 * 5)), [16, 5]);
  const ys = tf.oneHot(
    tf.tensor1d(Int32Array.from({ length: 16 }, () => rng.integer(3)), "int32"),
    3,
  );
  const loss = () =>
    tf.tidy(() => {
      const logits = model.apply(xs, { training: true }) as tf.Tensor;
      return tf.losses.softmaxCrossEntropy(ys, logits) as tf.Scalar;
    });
  const initial = model.getWeights().map((w) => tf.clone(w));
  const bn = model.layers[1];
  const movingStatistics = () => bn.getWeights().slice(2).map((w) => Array.from(w.dataSync()));
  const reset = () => model.setWeights(initial);
  const dispose = () => {
    tf.dispose([xs, ys, ...initial]);
    model.dispose();
  };
  return { model, loss, movingStatistics, reset, dispose };
}

Deno.test("control: a forward pass in training mode moves the BatchNorm statistics", async () => {
  await useBackend("cpu");
  const { loss, movingStatistics, dispose } = setup();
  const before = movingStatistics();
  tf.dispose(loss());
  // Without the snapshot, each perturbed pass would do this again.
  assert.notDeepEqual(movingStatistics(), before);
  dispose();
});

for (const backend of TEST_BACKENDS) {
  for (const name of OPTIMIZER_NAMES.filter((n) => n !== "sgd" && n !== "adam")) {
    Deno.test(`${name} [${backend}]: BatchNorm moving statistics after a step equal those after a plain step`, async () => {
      await useBackend(backend);
      const { model, loss, movingStatistics, reset, dispose } = setup();
      const plain = createOptimizer("sgd", { lr: 0.1 });
      plain.minimize(loss, false, model.trainableWeights.map((w) => w.read() as tf.Variable));
      const expected = movingStatistics();
      plain.dispose();
      reset();
      const optimizer = createOptimizer(name, { lr: 0.1, seed: 3 });
      optimizer.minimize(loss);
      assert.deepEqual(movingStatistics(), expected);
      optimizer.dispose();
      dispose();
    });
  }
}
