/**
 * The Hessian tools on a small CNN (issue 14: the other tests use tiny dense networks only). The
 * reference is independent of TF.js: the same network written out in Float64 here (3×3 valid
 * convolution, tanh, flatten, dense, softmax cross-entropy, mean over the batch), its Hessian by
 * central differences of that Float64 loss (`src/math/finite_diff.ts`, error ~1e-6 relative).
 */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import "@tensorflow/tfjs-backend-cpu";
import assert from "node:assert/strict";
import { hessian as fdHessian } from "../math/finite_diff.ts";
import { frobeniusNormSquared, matVec, symmetricEigenvalues, trace } from "../math/linalg.ts";
import { Random } from "../math/random.ts";
import {
  crossEntropyLoss,
  frobeniusEstimate,
  hessianVectorProduct,
  hutchinsonTrace,
  probe,
  topEigenvalue,
} from "./mod.ts";

await tf.setBackend("cpu");

const SIDE = 6, FILTERS = 2, CLASSES = 3, BATCH = 8;
const OUT = SIDE - 2; // valid 3×3

const model = tfl.sequential({
  layers: [
    tfl.layers.conv2d({
      inputShape: [SIDE, SIDE, 1],
      filters: FILTERS,
      kernelSize: 3,
      activation: "tanh",
      kernelInitializer: tfl.initializers.glorotNormal({ seed: 1 }),
      biasInitializer: tfl.initializers.randomNormal({ stddev: 0.1, seed: 2 }),
    }),
    tfl.layers.flatten(),
    tfl.layers.dense({
      units: CLASSES,
      kernelInitializer: tfl.initializers.glorotNormal({ seed: 3 }),
      biasInitializer: tfl.initializers.randomNormal({ stddev: 0.1, seed: 4 }),
    }),
  ],
});
const rng = new Random(7);
const images = Float64Array.from({ length: BATCH * SIDE * SIDE }, () => rng.gaussian());
const labels = Array.from({ length: BATCH }, (_, i) => i % CLASSES);
const batch = {
  xs: tf.tensor4d(Float32Array.from(images), [BATCH, SIDE, SIDE, 1]),
  ys: tf.tensor1d(labels),
};
const lossFn = crossEntropyLoss();

// Weights in the order the Hessian tools flatten them: trainable weights, each row-major.
const shapes = model.trainableWeights.map((w) => w.shape as number[]);
const x0 = Float64Array.from(
  model.trainableWeights.flatMap((w) => Array.from(w.read().dataSync())),
);
const d = x0.length; // 3·3·1·2 + 2 + 32·3 + 3 = 119

/** The network in Float64, from flat weights (conv kernel [3,3,1,F], bias [F], dense [32,C], [C]). */
function loss64(x: Float64Array): number {
  const sizes = shapes.map((s) => s.reduce((a, b) => a * b, 1));
  const [kOff, bOff, wOff, cOff] = sizes.map((_, i) =>
    sizes.slice(0, i).reduce((a, b) => a + b, 0)
  );
  let total = 0;
  const features = new Float64Array(OUT * OUT * FILTERS);
  for (let n = 0; n < BATCH; n++) {
    for (let i = 0; i < OUT; i++) {
      for (let j = 0; j < OUT; j++) {
        for (let f = 0; f < FILTERS; f++) {
          let s = x[bOff + f];
          for (let a = 0; a < 3; a++) {
            for (let b = 0; b < 3; b++) {
              s += images[n * SIDE * SIDE + (i + a) * SIDE + (j + b)] *
                x[kOff + (a * 3 + b) * FILTERS + f];
            }
          }
          features[(i * OUT + j) * FILTERS + f] = Math.tanh(s);
        }
      }
    }
    const logits = new Float64Array(CLASSES);
    for (let c = 0; c < CLASSES; c++) {
      let s = x[cOff + c];
      for (let k = 0; k < features.length; k++) s += features[k] * x[wOff + k * CLASSES + c];
      logits[c] = s;
    }
    const top = Math.max(...logits);
    const logSum = top + Math.log(logits.reduce((s, v) => s + Math.exp(v - top), 0));
    total += logSum - logits[labels[n]];
  }
  return total / BATCH;
}

const H = fdHessian(loss64, x0);
const exactTrace = trace(H);
const exactFrobenius = frobeniusNormSquared(H);
const eigenvalues = symmetricEigenvalues(H);
const exactTop = eigenvalues[eigenvalues.length - 1];
/** The bound on ‖Hv_tfjs − Hv‖ / ‖Hv‖ the first test establishes and the others build on. */
const HVP_RELATIVE_ERROR = 1e-3;
const norm = (v: ArrayLike<number>) => Math.sqrt(Array.from(v).reduce((s, t) => s + t * t, 0));

Deno.test("the Float64 reference is the TF.js network (same loss at the same weights)", () => {
  const tfLoss = tf.tidy(() => lossFn(model, batch).dataSync()[0]);
  // Float32 forward pass of an O(1) loss: 1e-5 relative covers its rounding.
  assert.ok(
    Math.abs(tfLoss - loss64(x0)) < 1e-5 * Math.abs(loss64(x0)),
    `${tfLoss} vs ${loss64(x0)}`,
  );
  assert.equal(d, 119);
});

Deno.test("CNN: Hessian-vector products match the Float64 Hessian", async () => {
  const probes = new Random(11);
  for (let k = 0; k < 4; k++) {
    const v = probes.gaussianVector(d);
    const hv = await hessianVectorProduct(model, lossFn, batch, v);
    const exact = matVec(H, v);
    const error = norm(hv.map((t, i) => t - exact[i])) / norm(exact);
    // A float32 central difference of float32 gradients: measured 2e-5 to 4e-5 relative here;
    // 1e-3 leaves a 25× margin, while a factor-2 or sign error is 50% or 200%.
    assert.ok(error < HVP_RELATIVE_ERROR, `relative HVP error ${error}`);
  }
});

Deno.test("CNN: Hutchinson trace, Frobenius estimate and Lanczos top eigenvalue", async () => {
  const samples = 30, seed = 5;
  const traceEstimate = await hutchinsonTrace(model, lossFn, batch, { samples, seed });
  const frobenius = await frobeniusEstimate(model, lossFn, batch, { samples, seed });
  // Deterministic: the same seeded probes applied to the Float64 Hessian, up to the HVP error.
  const exactProbes = await probe((v) => matVec(H, v), d, samples, seed);
  const mean = (a: number[]) => a.reduce((s, t) => s + t, 0) / a.length;
  const quadratic = mean(exactProbes.quadratic);
  const squared = mean(exactProbes.squaredNorm);
  // Per probe, |vᵀe| ≤ ‖v‖‖e‖ and |‖Hv + e‖² − ‖Hv‖²| ≤ (2‖Hv‖ + ‖e‖)‖e‖, ‖e‖ ≤ r‖Hv‖.
  const r = HVP_RELATIVE_ERROR;
  const largest = Math.sqrt(Math.max(...exactProbes.squaredNorm));
  assert.ok(
    Math.abs(traceEstimate.value - quadratic) <= Math.sqrt(d) * r * largest,
    `${traceEstimate.value} vs ${quadratic}`,
  );
  assert.ok(
    Math.abs(frobenius.value - squared) <= (2 + r) * r * largest ** 2,
    `${frobenius.value} vs ${squared}`,
  );
  // Statistical: within 5 standard errors of the exact values (a ~6e-7 event each).
  assert.ok(Math.abs(traceEstimate.value - exactTrace) <= 5 * traceEstimate.standardError);
  assert.ok(Math.abs(frobenius.value - exactFrobenius) <= 5 * frobenius.standardError);
  // Lanczos on 119 dimensions: 40 steps converge on the top eigenvalue (measured 2e-4 relative);
  // 2e-3 covers that and the HVP error.
  const top = await topEigenvalue(model, lossFn, batch, { maxIterations: 40, seed: 3 });
  assert.ok(
    Math.abs(top.value - exactTop) <= 2e-3 * Math.abs(exactTop),
    `${top.value} vs ${exactTop}`,
  );
});
