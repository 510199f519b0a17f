import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import "@tensorflow/tfjs-backend-cpu";
import assert from "node:assert/strict";
import {
  frobeniusNormSquared,
  matVec,
  symmetricEigenvalues,
  trace as exactTrace,
} from "../math/linalg.ts";
import { hessian as mathHessian } from "../math/finite_diff.ts";
import { Random } from "../math/random.ts";
import {
  crossEntropyLoss,
  defaultStep,
  FLOAT32_EPSILON,
  frobeniusEstimate,
  hessianMeasures,
  HessianOperator,
  hessianVectorProduct,
  hutchinsonTrace,
  probe,
  stochasticLanczos,
  topEigenvalue,
  traceOfFunction,
} from "./mod.ts";
import { hessianFromGradient, type ReferenceProblem, tinyProblem } from "./testing.ts";

await tf.setBackend("cpu");

const loss = crossEntropyLoss();

function norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}

function spectralNorm(H: number[][]): number {
  const values = symmetricEigenvalues(H);
  return Math.max(Math.abs(values[0]), Math.abs(values[values.length - 1]));
}

/**
 * An a-priori bound on ‖Hv_fd32 − Hv‖₂ for the float32 central difference with step h:
 * - truncation: the same central difference evaluated in Float64 with the exact gradient,
 *   minus Hv (O(h²), computed, not guessed);
 * - gradient round-off: each float32 gradient entry is a sum of 16 per-sample terms, each a
 *   product chain of about 10 rounded operations (matmul, tanh, exp, log, softmax, the
 *   backward matmuls). Higham's bound for such a computation is γ·Σ|terms| with γ the rounding
 *   count times ε₃₂; with the errors of independent roundings adding in quadrature (√ of about
 *   26 operations along the longest path, plus √16 for the sum) γ ≈ 8·ε₃₂ is a safe margin,
 *   which the worst case of the fixtures stays far under (measured: ~1/50 of it). Each
 *   difference entry then errs by at most 2·8·ε₃₂·S / 2h, over √d entries;
 * - displacement rounding: x ± hv rounds to float32 with error ≤ ε₃₂/2 · (|x| + h|v|) per entry,
 *   which moves the gradient difference by at most ‖H‖₂ · ε₃₂ ‖|x| + h|v|‖ over 2h.
 */
function hvpErrorBound(p: ReferenceProblem, H: number[][], v: Float64Array, h: number): number {
  const x = p.weights;
  const plus = x.map((xi, i) => xi + h * v[i]);
  const minus = x.map((xi, i) => xi - h * v[i]);
  const gp = p.gradient(plus), gm = p.gradient(minus);
  const exact = matVec(H, v);
  const truncation = norm(gp.map((g, i) => (g - gm[i]) / (2 * h) - exact[i]));
  const absoluteSum = Math.max(p.gradientAbsoluteSum(plus), p.gradientAbsoluteSum(minus));
  const roundOff = Math.sqrt(x.length) * 8 * FLOAT32_EPSILON * absoluteSum / h;
  const displaced = norm(x.map((xi, i) => Math.abs(xi) + h * Math.abs(v[i])));
  const displacement = spectralNorm(H) * FLOAT32_EPSILON * displaced / (2 * h);
  return truncation + roundOff + displacement;
}

const tinyBatch = 16;
function mlpProblem(seed = 1): ReferenceProblem {
  return tinyProblem({ inputs: 3, hidden: 4, classes: 3, batchSize: tinyBatch, seed });
}

Deno.test("HVP of a tiny tanh MLP and of logistic regression matches the Float64 Hessian", async () => {
  for (
    const p of [
      mlpProblem(),
      tinyProblem({ inputs: 4, hidden: 0, classes: 3, batchSize: 16, seed: 2 }),
    ]
  ) {
    const H = hessianFromGradient(p.gradient, p.weights);
    const rng = new Random(5);
    for (let k = 0; k < 4; k++) {
      const v = rng.gaussianVector(p.weights.length);
      const hv = await hessianVectorProduct(p.model, loss, p.batch, v, {
        method: "finite-difference",
      });
      const exact = matVec(H, v);
      const h = defaultStep(norm(p.weights), norm(v));
      const bound = hvpErrorBound(p, H, v, h);
      const error = norm(hv.map((x, i) => x - exact[i]));
      assert.ok(error <= bound, `‖Hv − exact‖ = ${error} > bound ${bound}`);
      // The bound must be tight enough to catch a wrong HVP (a missing factor 2 errs by 50%).
      assert.ok(bound < 1e-2 * norm(exact), `bound ${bound} too loose for ‖Hv‖ ${norm(exact)}`);
    }
    p.dispose();
  }
});

Deno.test("an explicit step is used as given and v = 0 gives 0", async () => {
  const p = mlpProblem();
  const H = hessianFromGradient(p.gradient, p.weights);
  const v = new Random(9).gaussianVector(p.weights.length);
  const exact = matVec(H, v);
  // A step 100 times the default: the truncation error (∝ h²) grows by 10⁴ and must show.
  const large = 100 * defaultStep(norm(p.weights), norm(v));
  const coarse = await hessianVectorProduct(p.model, loss, p.batch, v, { step: large });
  const fine = await hessianVectorProduct(p.model, loss, p.batch, v);
  const coarseError = norm(coarse.map((x, i) => x - exact[i]));
  const fineError = norm(fine.map((x, i) => x - exact[i]));
  assert.ok(coarseError > 10 * fineError, `coarse ${coarseError} vs fine ${fineError}`);
  assert.ok(coarseError <= hvpErrorBound(p, H, v, large));
  const zero = await hessianVectorProduct(p.model, loss, p.batch, new Float64Array(v.length));
  assert.ok(zero.every((z) => z === 0));
  p.dispose();
});

Deno.test("Hutchinson trace and Frobenius estimate agree with the exact Hessian", async () => {
  const p = mlpProblem(3);
  const H = hessianFromGradient(p.gradient, p.weights);
  const samples = 60, seed = 4;
  const traceEstimate = await hutchinsonTrace(p.model, loss, p.batch, { samples, seed });
  const frobenius = await frobeniusEstimate(p.model, loss, p.batch, { samples, seed });
  assert.equal(traceEstimate.samples, samples);
  assert.equal(frobenius.samples, samples);

  // Deterministic check: the same seeded probes applied to the exact H give the same estimates
  // up to the per-probe HVP error (|vᵀe| ≤ ‖v‖‖e‖; |‖Hv+e‖² − ‖Hv‖²| ≤ (2‖Hv‖ + ‖e‖)‖e‖).
  const exactProbes = await probe((v) => matVec(H, v), p.weights.length, samples, seed);
  const d = p.weights.length;
  const vNorm = Math.sqrt(d);
  const e = hvpErrorBound(p, H, new Float64Array(d).fill(1), defaultStep(norm(p.weights), vNorm));
  const hvNorm = Math.sqrt(Math.max(...exactProbes.squaredNorm));
  const meanQuadratic = exactProbes.quadratic.reduce((s, q) => s + q, 0) / samples;
  const meanSquared = exactProbes.squaredNorm.reduce((s, q) => s + q, 0) / samples;
  assert.ok(Math.abs(traceEstimate.value - meanQuadratic) <= vNorm * e);
  assert.ok(Math.abs(frobenius.value - meanSquared) <= (2 * hvNorm + e) * e);

  // Statistical check against the exact values: within 4 standard errors (a 4σ event has
  // probability 6e-5 for a normal mean; with 60 probes the CLT applies well here).
  const trueTrace = exactTrace(H), trueFrobenius = frobeniusNormSquared(H);
  assert.ok(
    Math.abs(traceEstimate.value - trueTrace) <= 4 * traceEstimate.standardError,
    `trace ${traceEstimate.value} ± ${traceEstimate.standardError} vs ${trueTrace}`,
  );
  assert.ok(
    Math.abs(frobenius.value - trueFrobenius) <= 4 * frobenius.standardError,
    `‖H‖_F² ${frobenius.value} ± ${frobenius.standardError} vs ${trueFrobenius}`,
  );
  // The standard error must match the exact Rademacher variance 2(‖H‖_F² − Σ H_ii²)/n to within
  // the sampling error of a standard deviation from 60 samples (±~30% at 3 SE of s).
  const diagonal = H.reduce((s, row, i) => s + row[i] * row[i], 0);
  const exactSe = Math.sqrt(2 * (trueFrobenius - diagonal) / samples);
  assert.ok(Math.abs(traceEstimate.standardError / exactSe - 1) < 0.35);
  p.dispose();
});

Deno.test("topEigenvalue finds λ_max of the exact Hessian within its residual bound", async () => {
  const p = mlpProblem(7);
  const H = hessianFromGradient(p.gradient, p.weights);
  const values = symmetricEigenvalues(H);
  const lambdaMax = values[values.length - 1];
  const top = await topEigenvalue(p.model, loss, p.batch, { maxIterations: 25, tolerance: 1e-6 });
  // The returned y satisfies ‖(H + E)y − θy‖ = standardError for the finite-difference operator
  // H + E, so ‖Hy − θy‖ ≤ standardError + ‖Ey‖, and ‖Ey‖ is bounded by the HVP error bound
  // along y itself (the truncation depends on the direction: it is largest along the top
  // eigenvector, where the loss bends most). Hence some eigenvalue of the exact H lies within
  // that sum of θ, and with the spectral gap here (λ_max − λ_2 ≈ 0.7) it must be λ_max.
  const directionError = hvpErrorBound(p, H, top.vector, defaultStep(norm(p.weights), 1));
  const nearest = values.reduce((best, l) =>
    Math.abs(l - top.value) < Math.abs(best - top.value) ? l : best
  );
  assert.equal(nearest, lambdaMax);
  assert.ok(
    Math.abs(top.value - lambdaMax) <= top.standardError + directionError,
    `λ ${top.value} ± ${top.standardError} vs ${lambdaMax} (direction error ${directionError})`,
  );
  // Meaningful: the bound is far below the gap and within a small fraction of λ_max.
  assert.ok(top.standardError + directionError < 5e-3 * lambdaMax);
  assert.ok(top.samples === top.iterations + 1 && top.iterations <= 25);
  assert.ok(Math.abs(norm(top.vector) - 1) < 1e-12);
  p.dispose();
});

Deno.test("SLQ with the same seed reproduces Hutchinson's probes, and hessianMeasures agrees", async () => {
  const p = mlpProblem(2);
  const d = p.weights.length;
  // With iterations ≥ d the Gauss rule is exact on each probe: Σ τ_k θ_k = q₀ᵀHq₀ = vᵀHv/d.
  const q = await stochasticLanczos(p.model, loss, p.batch, { samples: 3, iterations: d, seed: 8 });
  const hutchinson = await hutchinsonTrace(p.model, loss, p.batch, { samples: 3, seed: 8 });
  const slqTrace = traceOfFunction(q, (t) => t);
  // Both apply the same operator to the same probes; the difference is float64 round-off of
  // the Lanczos recurrence on a 31×31 problem, relative ~1e-12, bounded generously by 1e-8.
  assert.ok(Math.abs(slqTrace.value - hutchinson.value) <= 1e-8 * Math.abs(hutchinson.value));
  q.weights.forEach((w) => assert.ok(Math.abs(w.reduce((s, x) => s + x, 0) - 1) < 1e-12));

  const measures = await hessianMeasures(p.model, loss, p.batch, { samples: 3, seed: 8 });
  // Same probes, same weights, same operator: bit-identical estimates.
  assert.equal(measures.trace.value, hutchinson.value);
  const frob = await frobeniusEstimate(p.model, loss, p.batch, { samples: 3, seed: 8 });
  assert.equal(measures.frobenius.value, frob.value);
  const top = await topEigenvalue(p.model, loss, p.batch, { seed: 8 });
  assert.equal(measures.topEigenvalue.value, top.value);
  assert.equal(measures.gradientEvaluations, 2 * (3 + top.samples));
  p.dispose();
});

Deno.test("weights are restored bit for bit and the tensor count stays flat", async () => {
  // A model with BatchNorm, with the loss in training mode so that its moving statistics move
  // during the perturbed passes: they must come back too.
  const model = tfl.sequential({
    layers: [
      tfl.layers.dense({
        units: 5,
        inputShape: [4],
        kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }),
      }),
      tfl.layers.batchNormalization({}),
      tfl.layers.dense({
        units: 3,
        activation: "tanh",
        kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }),
      }),
      tfl.layers.dense({
        units: 2,
        kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }),
      }),
    ],
  });
  const batch = {
    xs: tf.tensor2d(Float32Array.from(new Random(1).gaussianVector(32)), [8, 4]),
    ys: tf.tensor1d([0, 1, 1, 0, 1, 0, 0, 1], "int32"),
  };
  const trainingLoss = crossEntropyLoss({ training: true });
  const before = model.getWeights().map((w) => w.dataSync().slice());
  const count = tf.memory().numTensors;
  const d = model.trainableWeights.reduce((s, w) => s + w.read().size, 0);
  const runs: Array<() => Promise<unknown>> = [
    () => hessianVectorProduct(model, trainingLoss, batch, new Random(2).gaussianVector(d)),
    () => hutchinsonTrace(model, trainingLoss, batch, { samples: 3 }),
    () => frobeniusEstimate(model, trainingLoss, batch, { samples: 3 }),
    () => topEigenvalue(model, trainingLoss, batch, { maxIterations: 4 }),
    () => stochasticLanczos(model, trainingLoss, batch, { samples: 2, iterations: 3 }),
    () => hessianMeasures(model, trainingLoss, batch, { samples: 2, maxIterations: 3 }),
  ];
  for (let repeat = 0; repeat < 2; repeat++) {
    for (const run of runs) {
      await run();
      assert.equal(tf.memory().numTensors, count, "tensor count changed");
      model.getWeights().forEach((w, i) =>
        assert.deepEqual(w.dataSync(), before[i], `weight ${i}`)
      );
    }
  }
  // The moving statistics did move inside the tools (otherwise this test proves nothing).
  const op = new HessianOperator(model, trainingLoss, batch);
  await op.apply(new Float64Array(d).fill(1));
  trainingLoss(model, batch).dispose(); // one more training-mode pass, outside restore
  const moved = model.getWeights().some((w, i) => w.dataSync().some((x, j) => x !== before[i][j]));
  op.dispose();
  assert.ok(moved, "a training-mode pass should move the BatchNorm moving statistics");
  model.getWeights().forEach((w, i) => assert.deepEqual(w.dataSync(), before[i], `weight ${i}`));
  assert.equal(tf.memory().numTensors, count);
  model.dispose();
  batch.xs.dispose();
  batch.ys.dispose();
});

Deno.test("invalid inputs are refused with errors naming the parameter and value", async () => {
  const p = mlpProblem();
  const d = p.weights.length;
  const count = tf.memory().numTensors;
  const cases: Array<[() => Promise<unknown>, new (...a: never[]) => Error, RegExp]> = [
    [
      () => hessianVectorProduct(p.model, loss, p.batch, new Float64Array(d + 1)),
      RangeError,
      /v must have length 31.*32/,
    ],
    [
      () => hessianVectorProduct(p.model, loss, p.batch, [Number.NaN, ...new Array(d - 1).fill(0)]),
      RangeError,
      /v\[0\] is NaN/,
    ],
    [
      () => hessianVectorProduct(p.model, loss, p.batch, new Float64Array(d), { step: 0 }),
      RangeError,
      /step.*0/,
    ],
    [
      () => hessianVectorProduct(p.model, loss, p.batch, new Float64Array(d), { step: -1 }),
      RangeError,
      /step.*-1/,
    ],
    [() => hessianVectorProduct(p.model, loss, p.batch, null as never), TypeError, /v must be/],
    [
      () => hessianVectorProduct({} as never, loss, p.batch, new Float64Array(d)),
      TypeError,
      /model/,
    ],
    [
      () => hessianVectorProduct(p.model, "loss" as never, p.batch, new Float64Array(d)),
      TypeError,
      /lossFn/,
    ],
    [
      () => hessianVectorProduct(p.model, loss, { xs: p.batch.xs } as never, new Float64Array(d)),
      TypeError,
      /batch\.ys/,
    ],
    [() => hutchinsonTrace(p.model, loss, p.batch, { samples: 1 }), RangeError, /samples.*1/],
    [() => hutchinsonTrace(p.model, loss, p.batch, { samples: 2.5 }), RangeError, /samples.*2\.5/],
    [() => frobeniusEstimate(p.model, loss, p.batch, { seed: 0.5 }), RangeError, /seed.*0\.5/],
    [
      () => frobeniusEstimate(p.model, loss, p.batch, { step: Number.POSITIVE_INFINITY }),
      RangeError,
      /step.*Infinity/,
    ],
    [
      () => topEigenvalue(p.model, loss, p.batch, { maxIterations: 0 }),
      RangeError,
      /maxIterations.*0/,
    ],
    [() => topEigenvalue(p.model, loss, p.batch, { tolerance: -1 }), RangeError, /tolerance.*-1/],
    [
      () => stochasticLanczos(p.model, loss, p.batch, { iterations: 0 }),
      RangeError,
      /iterations.*0/,
    ],
    [() => hessianMeasures(p.model, loss, p.batch, { samples: 0 }), RangeError, /samples.*0/],
    [
      () =>
        hessianVectorProduct(
          p.model,
          (m, b) => tf.mul(loss(m, b), Number.NaN) as tf.Scalar,
          p.batch,
          new Float64Array(d).fill(1),
        ),
      RangeError,
      /loss is not finite: NaN/,
    ],
  ];
  for (const [run, kind, message] of cases) {
    await assert.rejects(
      run,
      (e: unknown) => e instanceof kind && message.test((e as Error).message),
      String(message),
    );
  }
  assert.equal(tf.memory().numTensors, count, "a refused call leaked tensors");
  assert.deepEqual(
    Float64Array.from(p.model.trainableWeights.flatMap((w) => Array.from(w.read().dataSync()))),
    p.weights,
  );
  p.dispose();
});

Deno.test("autodiff HVP of a ReLU MLP matches the Float64 Hessian where differences cannot", async () => {
  const p = tinyProblem({
    inputs: 3,
    hidden: 6,
    classes: 3,
    batchSize: 16,
    seed: 4,
    activation: "relu",
  });
  // Float64 reference: central differences of the analytic gradient with h = 1e-5. A hidden
  // pre-activation moves by at most ~1e-5·‖x‖ ≈ 3e-5, so unless one of the 96 sits that close
  // to its kink (probability ~2e-3 for these seeded draws, and checked by the agreement below)
  // this is the a.e. Hessian, with error O(ε₆₄/h) ≈ 1e-11.
  const H = hessianFromGradient(p.gradient, p.weights);
  const v = new Random(6).gaussianVector(p.weights.length);
  const exact = matVec(H, v);
  const autodiff = await hessianVectorProduct(p.model, loss, p.batch, v, { method: "autodiff" });
  // Float32 double backprop: about 30 rounded operations along the longest path (forward,
  // backward, backward of backward), errors adding in quadrature, times a cancellation factor
  // of at most ~100 in the 16-sample sums: √30 · 6e-8 · 100 ≈ 3e-5 < 1e-4 relative.
  const error = norm(autodiff.map((x, i) => x - exact[i])) / norm(exact);
  assert.ok(error < 1e-4, `autodiff relative error ${error}`);
  // The estimators accept the method too; weights and tensor count are left as found.
  const count = tf.memory().numTensors;
  const trace = await hutchinsonTrace(p.model, loss, p.batch, { samples: 40, method: "autodiff" });
  assert.ok(Math.abs(trace.value - exactTrace(H)) <= 4 * trace.standardError);
  const top = await topEigenvalue(p.model, loss, p.batch, { method: "autodiff", tolerance: 1e-6 });
  const values = symmetricEigenvalues(H);
  // Some eigenvalue within the residual plus the float32 operator error (1e-4 · ‖H‖₂).
  const slack = top.standardError + 1e-4 * spectralNorm(H);
  assert.ok(Math.abs(top.value - values[values.length - 1]) <= slack, `${top.value}`);
  assert.equal(tf.memory().numTensors, count);
  assert.deepEqual(
    Float64Array.from(p.model.trainableWeights.flatMap((w) => Array.from(w.read().dataSync()))),
    p.weights,
  );
  p.dispose();
});

Deno.test("autodiff refuses layers whose TF.js gradients are not differentiable", async () => {
  const p = mlpProblem(); // tanh: its gradient reuses the saved output
  const v = new Float64Array(p.weights.length).fill(1);
  await assert.rejects(
    () => hessianVectorProduct(p.model, loss, p.batch, v, { method: "autodiff" }),
    (e: unknown) => e instanceof RangeError && /activation tanh/.test(e.message),
  );
  await assert.rejects(
    () => hessianVectorProduct(p.model, loss, p.batch, v, { method: "exact" as never }),
    (e: unknown) => e instanceof RangeError && /method.*exact/.test(e.message),
  );
  await assert.rejects(
    () => hessianVectorProduct(p.model, loss, p.batch, v, { method: "autodiff", step: 1e-3 }),
    (e: unknown) => e instanceof RangeError && /step applies only/.test(e.message),
  );
  p.dispose();
});

Deno.test("method auto picks autodiff only for Dense/ReLU models with crossEntropyLoss", async () => {
  const relu = tinyProblem({
    inputs: 3,
    hidden: 5,
    classes: 3,
    batchSize: 8,
    seed: 2,
    activation: "relu",
  });
  const tanh = mlpProblem(2);
  for (const [p, expected] of [[relu, "autodiff"], [tanh, "finite-difference"]] as const) {
    const v = new Random(3).gaussianVector(p.weights.length);
    const auto = await hessianVectorProduct(p.model, loss, p.batch, v);
    const chosen = await hessianVectorProduct(p.model, loss, p.batch, v, { method: expected });
    assert.deepEqual(auto, chosen, expected);
    // A loss not made by crossEntropyLoss is not known to be twice differentiable: FD.
    const custom = (m: typeof p.model, b: typeof p.batch) => loss(m, b);
    const fd = await hessianVectorProduct(p.model, custom, p.batch, v);
    assert.deepEqual(
      fd,
      await hessianVectorProduct(p.model, loss, p.batch, v, { method: "finite-difference" }),
    );
  }
  relu.dispose();
  tanh.dispose();
});

Deno.test("the Float64 oracle agrees with the math layer's hessian(f, x) from loss values", () => {
  const p = mlpProblem(5);
  const fromGradient = hessianFromGradient(p.gradient, p.weights);
  const fromValues = mathHessian(p.loss, p.weights);
  // The math layer's 4-point formula with h ≈ ε₆₄^(1/4) ≈ 1.2e-4 errs by about
  // (a few ε₆₄ · |L|) / h² ≈ 1e-7 (round-off, |L| ≈ 1) plus M₄h²/3 ≈ 1e-7 (truncation, M₄ of
  // order 10 for this tanh net); the gradient-based oracle by ~1e-10. 1e-6 covers both.
  let worst = 0;
  fromGradient.forEach((row, i) =>
    row.forEach((x, j) => worst = Math.max(worst, Math.abs(x - fromValues[i][j])))
  );
  assert.ok(worst < 1e-6, `max |ΔH_ij| = ${worst}`);
  p.dispose();
});
