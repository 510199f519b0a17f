import assert from "node:assert/strict";
import {
  frobeniusNormSquared,
  fromEigen,
  matVec,
  randomOrthogonal,
  symmetricEigenvalues,
  trace,
} from "../math/linalg.ts";
import { Random } from "../math/random.ts";
import {
  frobeniusOfOperator,
  lanczosRun,
  logDeterminantOf,
  meanWithStandardError,
  spectralDensity,
  spectralQuadratureOfOperator,
  topEigenvalueOfOperator,
  traceOfFunction,
  traceOfOperator,
} from "./mod.ts";

/** A random symmetric matrix with a prescribed spectrum. */
function withSpectrum(values: number[], seed: number): number[][] {
  return fromEigen(values, randomOrthogonal(new Random(seed), values.length));
}

Deno.test("Lanczos finds the largest eigenvalue and its residual bounds the error", async () => {
  const values = Array.from({ length: 40 }, (_, i) => (i < 39 ? Math.sin(i) : 5));
  const H = withSpectrum(values, 1);
  const top = await topEigenvalueOfOperator((v) => matVec(H, v), 40, { tolerance: 1e-10 });
  // Float64 products: the residual is at round-off level and bounds the true error.
  assert.ok(Math.abs(top.value - 5) <= top.standardError + 1e-12);
  assert.ok(top.standardError < 1e-8);
  assert.ok(top.iterations < 40, "the gap (5 vs ≤1) should give early convergence");
  // The largest algebraic eigenvalue, not the largest in magnitude.
  const negative = withSpectrum([-10, 1, 2, 3], 2);
  const e = await topEigenvalueOfOperator((v) => matVec(negative, v), 4);
  assert.ok(Math.abs(e.value - 3) < 1e-9, `got ${e.value}`);
});

Deno.test("an unconverged Lanczos run reports an honest residual bound", async () => {
  // A flat spectrum and 3 steps: not converged, but [value ± error] must hold an eigenvalue.
  const values = Array.from({ length: 30 }, (_, i) => 1 + i / 30);
  const H = withSpectrum(values, 3);
  const e = await topEigenvalueOfOperator((v) => matVec(H, v), 30, { maxIterations: 3 });
  assert.equal(e.iterations, 3);
  assert.equal(e.samples, 4);
  const distance = Math.min(...values.map((l) => Math.abs(l - e.value)));
  assert.ok(distance <= e.standardError, `${distance} > ${e.standardError}`);
  assert.ok(e.standardError > 1e-3, "three steps cannot have converged here");
});

Deno.test("full reorthogonalization keeps the Krylov basis orthonormal", async () => {
  const H = withSpectrum(Array.from({ length: 50 }, (_, i) => i * i), 4);
  const run = await lanczosRun((v) => matVec(H, v), new Random(1).gaussianVector(50), 40);
  let worst = 0;
  for (let i = 0; i < run.basis.length; i++) {
    for (let j = 0; j <= i; j++) {
      const d = run.basis[i].reduce((s, x, k) => s + x * run.basis[j][k], 0);
      worst = Math.max(worst, Math.abs(d - (i === j ? 1 : 0)));
    }
  }
  // Without reorthogonalization this spectrum (condition 2401) loses orthogonality to ~1e-2 by
  // 40 steps; twice-applied Gram–Schmidt keeps it at a few ulps times the step count.
  assert.ok(worst < 1e-12, `worst inner-product error ${worst}`);
});

Deno.test("Hutchinson and Frobenius operator estimates are unbiased within 4 standard errors", async () => {
  const H = withSpectrum([3, -1, 2, 0.5, 4, -2, 1, 1.5], 5);
  const apply = (v: Float64Array) => matVec(H, v);
  for (const seed of [1, 2, 3]) {
    const t = await traceOfOperator(apply, 8, { samples: 200, seed });
    assert.ok(Math.abs(t.value - trace(H)) <= 4 * t.standardError, `seed ${seed} trace`);
    const f = await frobeniusOfOperator(apply, 8, { samples: 200, seed });
    assert.ok(Math.abs(f.value - frobeniusNormSquared(H)) <= 4 * f.standardError, `seed ${seed}`);
  }
  await assert.rejects(() => traceOfOperator(apply, 8, { samples: 1 }), /samples.*1/);
  assert.throws(() => meanWithStandardError([1]), RangeError);
});

Deno.test("SLQ: exact when iterations reach d; tr f(H), log det and density", async () => {
  const values = [0.5, 1, 2, 3, 4, 8];
  const H = withSpectrum(values, 6);
  const apply = (v: Float64Array) => matVec(H, v);
  const q = await spectralQuadratureOfOperator(apply, 6, { samples: 5, iterations: 6, seed: 2 });
  // With iterations = d each probe's Gauss rule integrates polynomials up to degree 2d − 1
  // exactly, but log is not a polynomial: the per-probe value is vᵀ log(H) v, whose mean over
  // Rademacher probes is tr log H within the Monte Carlo error.
  const logDet = logDeterminantOf(q);
  const exact = values.reduce((s, l) => s + Math.log(l), 0);
  assert.ok(Math.abs(logDet.value - exact) <= 4 * logDet.standardError + 1e-9);
  const squares = traceOfFunction(q, (t) => t * t);
  assert.ok(Math.abs(squares.value - frobeniusNormSquared(H)) <= 4 * squares.standardError + 1e-9);
  // The smoothed density integrates to one (Riemann sum on a wide grid, error ≪ 1e-6).
  const grid = Array.from({ length: 2001 }, (_, i) => -2 + i * 0.006);
  const density = spectralDensity(q, grid, 0.1);
  const mass = density.reduce((s, x) => s + x, 0) * 0.006;
  assert.ok(Math.abs(mass - 1) < 1e-6, `mass ${mass}`);
  // Its peaks sit at the eigenvalues: the density at 8 exceeds the one between 4 and 8.
  assert.ok(density[Math.round((8 + 2) / 0.006)] > density[Math.round((6 + 2) / 0.006)]);
  // Non-positive definite matrices are refused for the log-determinant.
  const indefinite = withSpectrum([-1, 2, 3], 7);
  const qi = await spectralQuadratureOfOperator((v) => matVec(indefinite, v), 3, { iterations: 3 });
  assert.throws(() => logDeterminantOf(qi), /not positive definite/);
  assert.throws(() => spectralDensity(q, grid, 0), /sigma.*0/);
  assert.deepEqual(symmetricEigenvalues(H).length, 6);
});
