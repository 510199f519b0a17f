import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend, softmaxCrossEntropyMean } from "../backends/mod.ts";
import { nativeUnavailableReason } from "../backends/native.ts";
import { setFusedSoftmaxCrossEntropy } from "../backends/native_softmax_cross_entropy.ts";
import { setFusedReluGrad } from "../backends/native_relu_grad.ts";
import { setFusedAdam } from "../backends/native_adam.ts";
import { setFusedDense } from "../backends/native_dense.ts";
import { Random } from "../math/random.ts";
import { createModel } from "../models/mod.ts";
import { createOptimizer } from "../optimizers/mod.ts";

const unavailable = nativeUnavailableReason();
/** Skipped, saying why, where the native libraries are not installed; `.ci/run` installs them. */
const ignore = unavailable !== undefined;
if (ignore) console.warn(`native fused-kernel training tests skipped: ${unavailable}`);

/** Four steps of the paper's MLP (ReLU) with train.ts's loss; the final weights and losses. */
async function fourSteps(optimizerName: string, seed: number) {
  const rng = new Random(seed);
  const model = createModel("mlp", { inputShape: [8, 8, 1], numClasses: 10, widths: [32, 32] });
  // Seeded weights (tfjs-layers' initializers draw from TF.js's own random state).
  for (const w of model.trainableWeights) {
    const v = w.read();
    const seeded = tf.tensor(
      Float32Array.from(rng.gaussianVector(v.size), (z) => z * 0.3),
      v.shape,
    );
    w.write(seeded);
    seeded.dispose();
  }
  const xs = tf.tensor(Float32Array.from(rng.gaussianVector(32 * 64)), [32, 8, 8, 1]);
  const ys = tf.tidy(() =>
    tf.oneHot(tf.tensor1d(Int32Array.from({ length: 32 }, () => rng.integer(10)), "int32"), 10)
  );
  const optimizer = createOptimizer(optimizerName, { lr: 0.05, seed: 3 });
  const losses: number[] = [];
  for (let i = 0; i < 4; i++) {
    losses.push(
      await optimizer.step(() =>
        softmaxCrossEntropyMean(ys, model.apply(xs, { training: true }) as tf.Tensor)
      ),
    );
  }
  const weights = model.trainableWeights.map((w) =>
    Uint32Array.from(new Uint32Array((w.read().dataSync() as Float32Array).slice().buffer))
  );
  optimizer.dispose();
  model.dispose();
  tf.dispose([xs, ys]);
  return { losses, weights };
}

Deno.test({
  name:
    "native training with the fused loss, dense layer, ReLU gradient and Adam: same seed, same bits",
  ignore,
  async fn() {
    await initBackend("native");
    for (const name of ["sgd", "sam", "adam"]) {
      const tensors = tf.memory().numTensors;
      const first = await fourSteps(name, 7);
      const second = await fourSteps(name, 7);
      assert.equal(tf.memory().numTensors, tensors, `${name}: tensors leaked`);
      assert.deepEqual(second, first, name);
      // Off, the op chains run. The ReLU gradient, the dense layer and Adam give the chains' bits:
      // with only the loss on the chain, the runs are equal; with the loss too, they are close
      // (its float32 bound, native_softmax_cross_entropy_test.ts).
      const withFused = (settings: [boolean, boolean, boolean, boolean]) => async () => {
        const previous = [
          setFusedSoftmaxCrossEntropy(settings[0]),
          setFusedReluGrad(settings[1]),
          setFusedAdam(settings[2]),
          setFusedDense(settings[3]),
        ];
        try {
          return await fourSteps(name, 7);
        } finally {
          setFusedSoftmaxCrossEntropy(previous[0]);
          setFusedReluGrad(previous[1]);
          setFusedAdam(previous[2]);
          setFusedDense(previous[3]);
        }
      };
      const lossOnChain = await withFused([false, true, true, true])();
      const allOnChain = await withFused([false, false, false, false])();
      assert.deepEqual(lossOnChain, allOnChain, `${name}: the fused kernels changed bits`);
      const chain = allOnChain;
      for (let i = 0; i < 4; i++) {
        assert.ok(
          Math.abs(chain.losses[i] - first.losses[i]) <= 1e-5 * (1 + Math.abs(chain.losses[i])),
          `${name} step ${i}: ${first.losses[i]} vs ${chain.losses[i]}`,
        );
      }
    }
  },
});
