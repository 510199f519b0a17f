import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { Random } from "../math/random.ts";
import { initBackend } from "./init.ts";
import { nativeUnavailableReason } from "./native.ts";
import { COMBINE_KERNEL, fusedCombination } from "./native_combine.ts";

const unavailable = nativeUnavailableReason();
/** Skipped, saying why, where the native libraries are not installed; `.ci/run` installs them. */
const ignore = unavailable !== undefined;
if (ignore) console.warn(`native combine tests skipped: ${unavailable}`);

function bits(t: tf.Tensor): Uint32Array {
  return new Uint32Array(Float32Array.from(t.dataSync() as Float32Array).buffer);
}

/** perturbed.ts's op chain: a Multiply per term (none for 1), then AddN. */
function chain(gradients: tf.Tensor[], coefficients: number[]): tf.Tensor {
  return tf.tidy(() =>
    tf.addN(gradients.map((g, i) => (coefficients[i] === 1 ? g : tf.mul(g, coefficients[i]))))
  );
}

Deno.test({
  name: "UsamCombine: the op chain's bits (wasm Multiply + AddN), any term count and coefficient",
  ignore,
  async fn() {
    await initBackend("native");
    const rng = new Random(8);
    const cases: { shape: number[]; coefficients: number[] }[] = [
      { shape: [784, 128], coefficients: [1 - 0.3, 0.15, 0.15] }, // Frob-SAM-like
      { shape: [13], coefficients: [0.9999, 1e-4] }, // Trace-SAM-like, a tail only
      { shape: [5, 7], coefficients: [1, -2.5, 1, 3e-8] },
      { shape: [6], coefficients: [-1, 1] },
    ];
    for (const { shape, coefficients } of cases) {
      const size = shape.reduce((p, d) => p * d, 1);
      const gradients = coefficients.map(() => {
        const values = rng.fillGaussian(new Float32Array(size));
        values[0] = -0; // -0 terms: the sum starts from +0, as AddN does
        values[size - 1] *= 1e30;
        return tf.tensor(values, shape);
      });
      const fused = fusedCombination(gradients, coefficients)!;
      assert.ok(fused !== undefined);
      await tf.setBackend("wasm"); // the same heap, the wasm kernels
      const expected = chain(gradients, coefficients);
      await tf.setBackend("native");
      assert.deepEqual(bits(fused), bits(expected), `${shape} with ${coefficients}`);
      tf.dispose([fused, expected, ...gradients]);
    }
  },
});

Deno.test({
  name: "UsamCombine: one kernel; fewer than two terms, a zero coefficient or mixed shapes decline",
  ignore,
  async fn() {
    await initBackend("native");
    const g = tf.ones([4]);
    const h = tf.ones([2, 2]);
    const profile = await tf.profile(() => {
      const out = fusedCombination([g, g, g], [0.5, 0.25, 2])!;
      assert.deepEqual(Array.from(out.dataSync()), [2.75, 2.75, 2.75, 2.75]);
      out.dispose();
    });
    assert.deepEqual(profile.kernels.map((k) => k.name), [COMBINE_KERNEL]);
    assert.equal(fusedCombination([g], [2]), undefined);
    assert.equal(fusedCombination([g, g], [0, 2]), undefined);
    assert.equal(fusedCombination([g, h], [1, 2]), undefined);
    tf.dispose([g, h]);
  },
});
