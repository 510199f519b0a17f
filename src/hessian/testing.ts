/**
 * Test fixtures for the Hessian tools: a tiny tanh MLP (and, with no hidden layer, multinomial
 * logistic regression) as a TF.js model and as the same function in plain Float64 JavaScript,
 * with its analytic gradient and its Hessian by central differences of that gradient. Float32
 * weights and inputs convert to Float64 exactly, so both sides evaluate the same function at the
 * same point; the Float64 side is the oracle.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { Random } from "../math/random.ts";
import type { HessianBatch } from "./types.ts";

/** A fixture: the model, its batch, and the Float64 oracle. */
export interface ReferenceProblem {
  model: tfl.LayersModel;
  batch: HessianBatch;
  /** Flattened trainable weights (Float64 copy of the float32 values). */
  weights: Float64Array;
  /** The mean cross-entropy in Float64. */
  loss(w: Float64Array): number;
  /** Its analytic gradient in Float64. */
  gradient(w: Float64Array): Float64Array;
  /**
   * `max_i Σ_s |g_{s,i}|` over the per-sample terms `g_s` of the mean gradient: the scale that
   * bounds the round-off of the float32 sums (`|fl(Σ t) − Σ t| ≤ γ Σ |t|`).
   */
  gradientAbsoluteSum(w: Float64Array): number;
  /** Releases the model and the batch. */
  dispose(): void;
}

/**
 * Builds the MLP `inputs → hidden (tanh, or ReLU) → classes` (no hidden layer when `hidden` is
 * 0: logistic regression) with seeded weights and a seeded batch of integer labels.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import "@tensorflow/tfjs-backend-cpu";
 * import { tinyProblem } from "./testing.ts";
 * await tf.setBackend("cpu");
 * const p = tinyProblem({ inputs: 3, hidden: 4, classes: 3, batchSize: 8, seed: 1 });
 * const tfLoss = tf.tidy(() => {
 *   const logits = p.model.apply(p.batch.xs) as tf.Tensor2D;
 *   return tf.losses.softmaxCrossEntropy(tf.oneHot(p.batch.ys as tf.Tensor1D, 3), logits)
 *     .dataSync()[0];
 * });
 * assert.ok(Math.abs(tfLoss - p.loss(p.weights)) < 1e-5);
 * p.dispose();
 * ```
 */
export function tinyProblem(
  shape: {
    inputs: number;
    hidden: number;
    classes: number;
    batchSize: number;
    seed: number;
    activation?: "tanh" | "relu";
  },
): ReferenceProblem {
  const { inputs: p, hidden: m, classes: c, batchSize: n, seed } = shape;
  const activation = shape.activation ?? "tanh";
  const rng = new Random(seed);
  const layers: tfl.layers.Layer[] = [];
  const init = () => tfl.initializers.randomNormal({ stddev: 0.8, seed: rng.integer(2 ** 30) });
  if (m > 0) {
    layers.push(tfl.layers.dense({
      units: m,
      activation,
      inputShape: [p],
      kernelInitializer: init(),
      biasInitializer: init(),
    }));
  }
  layers.push(tfl.layers.dense({
    units: c,
    ...(m > 0 ? {} : { inputShape: [p] }),
    kernelInitializer: init(),
    biasInitializer: init(),
  }));
  const model = tfl.sequential({ layers });
  const xData = Float32Array.from(rng.gaussianVector(n * p));
  const labels = Int32Array.from({ length: n }, () => rng.integer(c));
  const batch = { xs: tf.tensor2d(xData, [n, p]), ys: tf.tensor1d(labels, "int32") };
  const weights = Float64Array.from(
    model.trainableWeights.flatMap((w) => Array.from(w.read().dataSync())),
  );

  // Offsets of K1 [p, m], b1 [m], K2 [m, c], b2 [c] (or K [p, c], b [c]) in the flat vector.
  const width = m > 0 ? m : p;
  const k1 = 0, b1 = p * m, k2 = m > 0 ? b1 + m : 0, b2 = k2 + width * c;

  function forward(w: Float64Array, s: number) {
    const x = xData.subarray(s * p, s * p + p);
    const h = new Float64Array(width);
    if (m > 0) {
      for (let j = 0; j < m; j++) {
        let a = w[b1 + j];
        for (let i = 0; i < p; i++) a += x[i] * w[k1 + i * m + j];
        h[j] = activation === "tanh" ? Math.tanh(a) : Math.max(0, a);
      }
    } else {
      h.set(x);
    }
    const z = new Float64Array(c);
    for (let k = 0; k < c; k++) {
      let a = w[b2 + k];
      for (let j = 0; j < width; j++) a += h[j] * w[k2 + j * c + k];
      z[k] = a;
    }
    const top = Math.max(...z);
    const logSum = top + Math.log(z.reduce((s2, zk) => s2 + Math.exp(zk - top), 0));
    return { x, h, z, logSum };
  }

  function perSampleGradient(w: Float64Array, s: number, out: Float64Array): void {
    const { x, h, z, logSum } = forward(w, s);
    const dz = z.map((zk, k) => Math.exp(zk - logSum) - (k === labels[s] ? 1 : 0));
    for (let k = 0; k < c; k++) {
      out[b2 + k] += dz[k] / n;
      for (let j = 0; j < width; j++) out[k2 + j * c + k] += h[j] * dz[k] / n;
    }
    if (m > 0) {
      for (let j = 0; j < m; j++) {
        let dh = 0;
        for (let k = 0; k < c; k++) dh += dz[k] * w[k2 + j * c + k];
        const slope = activation === "tanh" ? 1 - h[j] * h[j] : h[j] > 0 ? 1 : 0;
        const da = dh * slope / n;
        out[b1 + j] += da;
        for (let i = 0; i < p; i++) out[k1 + i * m + j] += x[i] * da;
      }
    }
  }

  return {
    model,
    batch,
    weights,
    loss(w) {
      let total = 0;
      for (let s = 0; s < n; s++) {
        const { z, logSum } = forward(w, s);
        total += logSum - z[labels[s]];
      }
      return total / n;
    },
    gradient(w) {
      const g = new Float64Array(w.length);
      for (let s = 0; s < n; s++) perSampleGradient(w, s, g);
      return g;
    },
    gradientAbsoluteSum(w) {
      const sums = new Float64Array(w.length);
      for (let s = 0; s < n; s++) {
        const g = new Float64Array(w.length);
        perSampleGradient(w, s, g);
        g.forEach((gi, i) => sums[i] += Math.abs(gi));
      }
      return Math.max(...sums);
    },
    dispose() {
      model.dispose();
      batch.xs.dispose();
      batch.ys.dispose();
    },
  };
}

/**
 * The Hessian of `gradient` at `w` by central differences in Float64, symmetrized. With the
 * analytic gradient and h = 1e-5 its error is O(h²·|∇³L|) + O(ε₆₄/h) ≈ 1e-10, far below the
 * float32 errors the tests bound.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hessianFromGradient } from "./testing.ts";
 * const H = hessianFromGradient((w) => Float64Array.from([2 * w[0] * w[1], w[0] * w[0]]), new Float64Array([1, 2]));
 * assert.ok(Math.abs(H[0][0] - 4) < 1e-8 && Math.abs(H[0][1] - 2) < 1e-8);
 * ```
 */
export function hessianFromGradient(
  gradient: (w: Float64Array) => Float64Array,
  w: Float64Array,
  h = 1e-5,
): number[][] {
  const d = w.length;
  const columns: Float64Array[] = [];
  for (let j = 0; j < d; j++) {
    const plus = Float64Array.from(w), minus = Float64Array.from(w);
    plus[j] += h;
    minus[j] -= h;
    const gp = gradient(plus), gm = gradient(minus);
    columns.push(gp.map((g, i) => (g - gm[i]) / (2 * h)));
  }
  return Array.from(
    { length: d },
    (_, i) => Array.from({ length: d }, (_, j) => (columns[j][i] + columns[i][j]) / 2),
  );
}
