import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { Random } from "../math/random.ts";
import { initBackend } from "./init.ts";
import { nativeUnavailableReason } from "./native.ts";
import {
  setFusedSoftmaxCrossEntropy,
  SOFTMAX_CROSS_ENTROPY_KERNEL,
  softmaxCrossEntropyArrays,
  softmaxCrossEntropyMean,
} from "./native_softmax_cross_entropy.ts";

const unavailable = nativeUnavailableReason();
/** Skipped, saying why, where the native libraries are not installed; `.ci/run` installs them. */
const ignore = unavailable !== undefined;
if (ignore) console.warn(`native softmax cross-entropy tests skipped: ${unavailable}`);

const EPSILON = 2 ** -23;

interface Case {
  rows: number;
  cols: number;
  scale: number;
  logits: Float32Array;
  labels: Int32Array;
}

/** Gaussian logits times `scale` (1 to 1e4: exp(z) overflows float32 from z ≈ 89). */
function makeCase(seed: number, rows: number, cols: number, scale: number): Case {
  const rng = new Random(seed);
  const logits = Float32Array.from(rng.gaussianVector(rows * cols), (z) => z * scale);
  const labels = new Int32Array(rows * cols);
  for (let r = 0; r < rows; r++) labels[r * cols + rng.integer(cols)] = 1;
  return { rows, cols, scale, logits, labels };
}

/** The loss and its gradient by `valueAndGrad` on the active backend. */
function lossAndGradient(c: Case, loss: (y: tf.Tensor, z: tf.Tensor) => tf.Scalar) {
  return tf.tidy(() => {
    const y = tf.tensor2d(c.labels, [c.rows, c.cols], "int32");
    const z = tf.tensor2d(c.logits, [c.rows, c.cols]);
    const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => loss(y, x))(z);
    return {
      value: value.dataSync()[0],
      gradient: Float32Array.from(grad.dataSync()),
    };
  });
}

const reference = (y: tf.Tensor, z: tf.Tensor) => tf.losses.softmaxCrossEntropy(y, z) as tf.Scalar;

const CASES: Case[] = [
  makeCase(1, 128, 10, 1),
  makeCase(2, 128, 10, 10),
  makeCase(3, 37, 7, 100), // rows not a power of two: 1/B is rounded in TF.js's chain
  makeCase(4, 64, 100, 1000),
  makeCase(5, 5, 3, 1e4),
];

Deno.test({
  name: "UsamSoftmaxCrossEntropy: within the float32 bound of cpu's tf.losses.softmaxCrossEntropy",
  ignore,
  async fn() {
    for (const c of CASES) {
      await initBackend("cpu");
      const expected = lossAndGradient(c, reference);
      await initBackend("native");
      assert.ok(tf.getKernel(SOFTMAX_CROSS_ENTROPY_KERNEL, "native") !== undefined);
      const fused = lossAndGradient(c, softmaxCrossEntropyMean);
      let maxAbs = 0;
      for (const z of c.logits) maxAbs = Math.max(maxAbs, Math.abs(z));
      // The bound is the reference's own rounding (the fused result is float64 rounded once):
      // TF.js's chain rounds lse = max + log Σ, then z - lse, to float32, an error of at most
      // about ε·(|z| + |lse|) ≤ 2ε(1 + 2·max|z| + ln C) in each log-probability; its batch sum in
      // float32 adds at most (B - 1)·ε times the sum of the (non-negative) row losses.
      const logError = 2 * EPSILON * (1 + 2 * maxAbs + Math.log(c.cols));
      const lossBound = logError + c.rows * EPSILON * Math.abs(expected.value);
      const label = `rows ${c.rows}, cols ${c.cols}, scale ${c.scale}`;
      assert.ok(
        Math.abs(fused.value - expected.value) <= lossBound,
        `${label}: loss ${fused.value} vs ${expected.value} (bound ${lossBound})`,
      );
      // The gradient (p - y)/B: an absolute error δ = logError in log p is a relative error of
      // about δ in p; with the rounding of p - y and of 1/B (ε each) it is at most
      // (p·(δ + 2ε) + 2ε·|p - y|)/B, and p, |p - y| ≤ 1 everywhere.
      const gradientBound = (logError + 4 * EPSILON) / c.rows + 2 ** -149;
      let worst = 0;
      for (let i = 0; i < fused.gradient.length; i++) {
        worst = Math.max(worst, Math.abs(fused.gradient[i] - expected.gradient[i]));
      }
      assert.ok(worst <= gradientBound, `${label}: gradient off by ${worst} (${gradientBound})`);
    }
  },
});

Deno.test({
  name: "UsamSoftmaxCrossEntropy: matches float64 ground truth to float32 rounding, deterministic",
  ignore,
  async fn() {
    await initBackend("native");
    for (const c of CASES) {
      const first = lossAndGradient(c, softmaxCrossEntropyMean);
      const again = lossAndGradient(c, softmaxCrossEntropyMean);
      assert.equal(first.value, again.value);
      assert.deepEqual(
        new Uint32Array(first.gradient.buffer),
        new Uint32Array(again.gradient.buffer),
      );
      // Ground truth in float64 from the float32 logits, straight from the definition.
      let total = 0;
      for (let r = 0; r < c.rows; r++) {
        const row = Array.from(c.logits.subarray(r * c.cols, (r + 1) * c.cols));
        const max = Math.max(...row);
        const lse = max + Math.log(row.reduce((s, z) => s + Math.exp(z - max), 0));
        const target = c.labels.subarray(r * c.cols, (r + 1) * c.cols).indexOf(1);
        total += lse - row[target];
      }
      // One float32 rounding of a float64 value a few ulps of float64 away: half an ulp of float32
      // plus the float64 summation's error, far below 1e-6 relative.
      const truth = total / c.rows;
      assert.ok(
        Math.abs(first.value - truth) <= EPSILON * Math.abs(truth) + 1e-30,
        `scale ${c.scale}: ${first.value} vs ${truth}`,
      );
    }
  },
});

Deno.test({
  name: "softmaxCrossEntropyMean: 3 kernels forward and backward on native, tensor count flat",
  ignore,
  async fn() {
    await initBackend("native");
    const c = CASES[0];
    const y = tf.tensor2d(c.labels, [c.rows, c.cols], "int32");
    const z = tf.tensor2d(c.logits, [c.rows, c.cols]);
    const dy = tf.scalar(1);
    const f = tf.valueAndGrad((x: tf.Tensor) => softmaxCrossEntropyMean(y, x));
    const before = tf.memory().numTensors;
    const profile = await tf.profile(() => {
      const { value, grad } = f(z, dy);
      tf.dispose([value, grad]);
    });
    // The kernel, the clone of its saved gradient, and dy · gradient; plus the customGrad wrapper
    // (profiled as `forward`).
    const names = profile.kernels.map((k) => k.name).filter((n) => n !== "forward");
    assert.deepEqual(names, [SOFTMAX_CROSS_ENTROPY_KERNEL, "Identity", "Multiply"]);
    assert.equal(tf.memory().numTensors, before);
    tf.dispose([y, z, dy]);
  },
});

Deno.test({
  name: "softmaxCrossEntropyMean: the fallback is tf.losses.softmaxCrossEntropy bit for bit",
  ignore,
  async fn() {
    for (const backend of ["cpu", "native"] as const) {
      await initBackend(backend);
      const previous = setFusedSoftmaxCrossEntropy(backend === "cpu"); // cpu: no kernel anyway
      try {
        for (const c of CASES.slice(0, 3)) {
          const got = lossAndGradient(c, softmaxCrossEntropyMean);
          const want = lossAndGradient(c, reference);
          assert.equal(got.value, want.value);
          assert.deepEqual(
            new Uint32Array(got.gradient.buffer),
            new Uint32Array(want.gradient.buffer),
          );
        }
      } finally {
        setFusedSoftmaxCrossEntropy(previous);
      }
    }
  },
});

Deno.test("softmaxCrossEntropyMean: float32 and int32 labels agree; bad shapes are refused", async () => {
  await initBackend(ignore ? "cpu" : "native");
  const z = tf.tensor2d([[3, -1, 2], [0, 50, -50]]);
  const a = softmaxCrossEntropyMean(tf.tensor2d([[0, 0, 1], [0, 1, 0]], undefined, "int32"), z);
  const b = softmaxCrossEntropyMean(tf.tensor2d([[0, 0, 1], [0, 1, 0]]), z);
  assert.equal(a.dataSync()[0], b.dataSync()[0]);
  assert.throws(
    () => softmaxCrossEntropyMean(tf.ones([2, 2]), z),
    (e: unknown) =>
      e instanceof RangeError && /oneHot shape \[2,2\].*logits shape \[2,3\]/.test(e.message),
  );
  tf.dispose([z, a, b]);
});

Deno.test("softmaxCrossEntropyArrays: overflow-free on huge logits, gradient rows sum to ~0", () => {
  const logits = new Float32Array([1e30, -1e30, 3e38, 88, 89, 90]);
  const labels = new Float32Array([0, 1, 0, 0, 0, 1]);
  const gradient = new Float32Array(6);
  const loss = softmaxCrossEntropyArrays(logits, labels, 2, 3, gradient);
  assert.ok(Number.isFinite(loss));
  // Row 1: lse = 3e38 (the others vanish), loss 3e38 + 1e30; row 2: log(e^-2 + e^-1 + 1).
  const row2 = Math.log(Math.exp(-2) + Math.exp(-1) + 1);
  const f = Math.fround;
  assert.ok(Math.abs(loss - (f(3e38) + f(1e30) + row2) / 2) <= 1e24);
  for (const r of [0, 1]) {
    const s = gradient[3 * r] + gradient[3 * r + 1] + gradient[3 * r + 2];
    assert.ok(Math.abs(s) <= 1e-7, `row ${r} sums to ${s}`);
  }
});
