import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { Random } from "../math/random.ts";
import { initBackend } from "./init.ts";
import { nativeUnavailableReason } from "./native.ts";
import { RELU_GRAD_KERNEL, setFusedReluGrad } from "./native_relu_grad.ts";

const unavailable = nativeUnavailableReason();
/** Skipped, saying why, where the native libraries are not installed; `.ci/run` installs them. */
const ignore = unavailable !== undefined;
if (ignore) console.warn(`native ReLU gradient tests skipped: ${unavailable}`);

/** Values with every special case of Step and Multiply: ±0, ±∞, NaN, subnormals, huge. */
function values(rng: Random, n: number): Float32Array {
  const out = rng.fillGaussian(new Float32Array(n));
  const special = [0, -0, NaN, Infinity, -Infinity, 1e-45, -1e-45, 3e38, -3e38, 1e-40];
  for (let i = 0; i < special.length && i < n; i++) out[(i * 5) % n] = special[i];
  return out;
}

/** The ReLU gradient of `x` with upstream `dy`, its bits, and the kernels it ran. */
async function reluGradient(x: Float32Array, dy: Float32Array, shape: number[]) {
  const xt = tf.tensor(x, shape);
  const dyt = tf.tensor(dy, shape);
  const grad = tf.grad((v: tf.Tensor) => tf.relu(v));
  const profile = await tf.profile(() => grad(xt, dyt).dispose());
  const out = grad(xt, dyt);
  const bits = Uint32Array.from(new Uint32Array((out.dataSync() as Float32Array).buffer));
  tf.dispose([xt, dyt, out]);
  return { bits, kernels: profile.kernels.map((k) => k.name) };
}

Deno.test({
  name:
    "UsamReluGrad: one kernel on native, the same bits as Step, Cast, Multiply (native and cpu)",
  ignore,
  async fn() {
    const rng = new Random(3);
    for (const shape of [[37], [128, 100], [3, 5, 7, 2]]) {
      const n = shape.reduce((a, b) => a * b, 1);
      const x = values(rng, n);
      const dy = values(rng, n);
      await initBackend("native");
      const fused = await reluGradient(x, dy, shape);
      const previous = setFusedReluGrad(false);
      let chain;
      try {
        chain = await reluGradient(x, dy, shape);
      } finally {
        setFusedReluGrad(previous);
      }
      await initBackend("cpu");
      const cpu = await reluGradient(x, dy, shape);
      assert.deepEqual(fused.kernels.filter((k) => k !== "Identity"), ["Relu", RELU_GRAD_KERNEL]);
      assert.deepEqual(chain.kernels.filter((k) => k !== "Identity"), [
        "Relu",
        "Step",
        "Cast",
        "Multiply",
      ]);
      // Exact, NaN included (the NaN here is the input's or the product's, one bit pattern).
      assert.deepEqual(fused.bits, chain.bits);
      assert.deepEqual(fused.bits, cpu.bits);
    }
  },
});

Deno.test({
  name: "UsamReluGrad: second derivatives through it are those of the chain",
  ignore,
  async fn() {
    await initBackend("native");
    const x = tf.tensor1d([-2, -0.5, 0.5, 3]);
    const dy = tf.tensor1d([1, 2, 3, 4]);
    // d/d(dy) of Σ w·relu'(x)·dy is w·step(x): the gradient of the gradient.
    const w = tf.tensor1d([5, 6, 7, 8]);
    const outer = tf.grad((d: tf.Tensor) =>
      tf.sum(tf.mul(w, tf.grad((v: tf.Tensor) => tf.relu(v))(x, d)))
    );
    assert.deepEqual(Array.from(outer(dy).dataSync()), [0, 0, 7, 8]);
    tf.dispose([x, dy, w]);
  },
});
