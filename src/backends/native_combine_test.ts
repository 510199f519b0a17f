import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { Random } from "../math/random.ts";
import { initBackend } from "./init.ts";
import { nativeUnavailableReason } from "./native.ts";
import {
  COMBINE_KERNEL,
  fusedCombination,
  SHIFT_KERNEL,
  shiftBy,
  SUM_OF_SQUARES_KERNEL,
  sumOfSquares,
} from "./native_combine.ts";
import { createOptimizer } from "../optimizers/factory.ts";

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

Deno.test({
  name: "UsamShift: x + d·s with a number or a scalar tensor scale, the two ops' bits, one kernel",
  ignore,
  async fn() {
    await initBackend("native");
    const rng = new Random(9);
    for (const size of [1, 6, 13, 784 * 128]) {
      const xValues = rng.fillGaussian(new Float32Array(size));
      xValues[0] = -0;
      const x = tf.tensor1d(xValues);
      const d = tf.tensor1d(rng.fillGaussian(new Float32Array(size)));
      for (const scale of [0.05, 1e-3 / 3, tf.scalar(0.0123456)]) {
        const profile = await tf.profile(() => shiftBy(x, d, scale).dispose());
        assert.deepEqual(profile.kernels.map((k) => k.name), [SHIFT_KERNEL]);
        const fused = shiftBy(x, d, scale);
        await tf.setBackend("wasm");
        const expected = tf.tidy(() => tf.add(x, tf.mul(d, scale)));
        await tf.setBackend("native");
        assert.deepEqual(bits(fused), bits(expected), `size ${size}, scale ${scale}`);
        tf.dispose([fused, expected]);
        if (typeof scale === "object") scale.dispose();
      }
      tf.dispose([x, d]);
    }
  },
});

Deno.test({
  name: "SAM and Frob-SAM on native: same seed, same bits; perturbations kept; tensor count flat",
  ignore,
  async fn() {
    await initBackend("native");
    const run = (name: string) => {
      const rng = new Random(12);
      const w = tf.variable(tf.tensor2d(rng.fillGaussian(new Float32Array(40 * 7)), [40, 7]));
      const b = tf.variable(tf.tensor1d(rng.fillGaussian(new Float32Array(7))));
      const xs = tf.tensor2d(rng.fillGaussian(new Float32Array(16 * 40)), [16, 40]);
      const optimizer = createOptimizer(name, { lr: 0.01, seed: 3 });
      const loss = () =>
        tf.tidy(() => tf.mean(tf.square(tf.relu(tf.add(tf.matMul(xs, w), b))))) as tf.Scalar;
      optimizer.minimize(loss, false, [w, b]);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) optimizer.minimize(loss, false, [w, b]);
      assert.equal(tf.memory().numTensors, before, `${name}: tensor count`);
      const perturbations = optimizer.lastPerturbations;
      const out = [w, b].map((v) => Float32Array.from(v.dataSync() as Float32Array));
      optimizer.dispose();
      tf.dispose([w, b, xs]);
      return { out, perturbations };
    };
    for (const name of ["sam", "frob-sam", "trace-sam"]) {
      const first = run(name);
      const second = run(name);
      for (let k = 0; k < 2; k++) {
        assert.deepEqual(
          new Uint32Array(first.out[k].buffer),
          new Uint32Array(second.out[k].buffer),
        );
      }
      if (name !== "sam") {
        // The recorded δ_i are the draws themselves, alive after the step: nonzero, per variable.
        assert.equal(first.perturbations.length, name === "frob-sam" ? 2 : 1);
        assert.equal(first.perturbations[0][0].length, 40 * 7);
        assert.ok(first.perturbations[0][0].some((v) => v !== 0));
      }
    }
  },
});

Deno.test({
  name:
    "UsamSumOfSquares: within one float32 rounding of the exact sum, one kernel, same every run",
  ignore,
  async fn() {
    await initBackend("native");
    const rng = new Random(10);
    const sizes = [784 * 128, 128, 7, 1, 13];
    const tensors = sizes.map((n) => tf.tensor1d(rng.fillGaussian(new Float32Array(n))));
    let exact = 0; // float64 over float32 inputs: error ~1e-16 relative, far below the tolerance
    for (const t of tensors) for (const v of t.dataSync()) exact += v * v;
    const profile = await tf.profile(() => sumOfSquares(tensors).dispose());
    assert.deepEqual(profile.kernels.map((k) => k.name), [SUM_OF_SQUARES_KERNEL]);
    const value = sumOfSquares(tensors);
    const got = value.dataSync()[0];
    // Squared and summed in double precision, then rounded once to float32: |error| <= 2^-24
    // relative, plus the double sums' ~1e-16; 2^-23 leaves room for the latter, no more.
    assert.ok(Math.abs(got - exact) <= 2 ** -23 * exact, `${got} vs ${exact}`);
    const again = sumOfSquares(tensors);
    assert.equal(again.dataSync()[0], got);
    tf.dispose([value, again, ...tensors]);
  },
});
