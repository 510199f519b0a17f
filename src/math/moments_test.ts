import assert from "node:assert/strict";
import {
  characteristicPolynomialFromPowerSums,
  cumulantsFromMoments,
  eigenvaluesFromGaussianMoments,
  gaussianQuadraticCumulants,
  momentsFromCumulants,
  quadraticCumulantFactor,
} from "./moments.ts";
import { EPSILON, symmetricEigenvalues } from "./linalg.ts";
import {
  derivativeCoefficients,
  evaluatePolynomial,
  polynomialEvaluationError,
} from "./polynomial.ts";
import { Random } from "./random.ts";

Deno.test("known Gaussian quadratic-form identities: E q = tr H, Var q = 2‖H‖_F², E q² for d = 1", () => {
  assert.equal(quadraticCumulantFactor(1), 1);
  assert.equal(quadraticCumulantFactor(4), 48);
  // d = 1, H = [a]: q = a z², E q^k = a^k (2k-1)!!.
  const moments = momentsFromCumulants(gaussianQuadraticCumulants([[2]], 4));
  assert.deepEqual(Array.from(moments), [2, 4 * 3, 8 * 15, 16 * 105]);
  assert.deepEqual(Array.from(cumulantsFromMoments(moments)), [2, 8, 64, 768]);
});

Deno.test("a Monte Carlo check of the moments of q against the cumulant formula", () => {
  const rng = new Random(8);
  const H = [[1, 0.5], [0.5, -0.5]];
  const [m1, m2] = momentsFromCumulants(gaussianQuadraticCumulants(H, 2));
  const n = 40000;
  let s1 = 0, s2 = 0, s4 = 0;
  for (let i = 0; i < n; i++) {
    const [a, b] = rng.gaussianVector(2);
    const q = a * a + a * b - 0.5 * b * b;
    s1 += q;
    s2 += q * q;
    s4 += q ** 4;
  }
  // 5 standard errors: sd(q)/√n for the mean and sd(q²)/√n ≈ √(E q⁴ - (E q²)²)/√n for E q².
  const se1 = Math.sqrt((s2 / n - (s1 / n) ** 2) / n);
  const se2 = Math.sqrt((s4 / n - (s2 / n) ** 2) / n);
  assert.ok(Math.abs(s1 / n - m1) <= 5 * se1, `E q: ${s1 / n} vs ${m1}`);
  assert.ok(Math.abs(s2 / n - m2) <= 5 * se2, `E q²: ${s2 / n} vs ${m2}`);
});

Deno.test("eigenvaluesFromGaussianMoments inverts exact moments of integer symmetric H", () => {
  const rng = new Random(4);
  let checked = 0;
  for (let trial = 0; trial < 60; trial++) {
    const d = 1 + rng.integer(5);
    const H = Array.from({ length: d }, () => new Array<number>(d).fill(0));
    for (let i = 0; i < d; i++) {
      for (let j = i; j < d; j++) H[i][j] = H[j][i] = rng.integer(7) - 3;
    }
    // Integer H with entries in [-3, 3] and d <= 5: every moment, cumulant, power sum and
    // characteristic coefficient is an integer below 2^53 (|μ_5| < 1e13), so the whole chain
    // is exact in Float64 and only the root finding rounds.
    const moments = momentsFromCumulants(gaussianQuadraticCumulants(H, d));
    assert.ok(moments.every(Number.isInteger), `moments not exact: ${moments}`);
    const expected = symmetricEigenvalues(H);
    let gap = Infinity;
    for (let k = 1; k < d; k++) gap = Math.min(gap, expected[k] - expected[k - 1]);
    if (gap < 1e-3) continue; // multiple eigenvalues are ill-conditioned roots; see proofs/universality.ts
    checked++;
    const found = eigenvaluesFromGaussianMoments(moments);
    const chi = characteristicPolynomialFromPowerSums(
      Array.from(
        cumulantsFromMoments(moments),
        (kappa, i) => kappa / quadraticCumulantFactor(i + 1),
      ),
    );
    const slope = derivativeCoefficients(chi);
    for (let k = 0; k < d; k++) {
      // Bisection stops where the computed sign of χ stops being reliable, within
      // evaluation error / |χ'(λ)| of the root (x4 for second order and the last bit), and
      // Jacobi is within 4 d² eps ‖H‖_F (see linalg_test.ts).
      const r = found[k];
      const tolerance = 4 * polynomialEvaluationError(chi, r) /
          Math.abs(evaluatePolynomial(slope, r)) + 4 * d * d * EPSILON * 15;
      assert.ok(
        Math.abs(r - expected[k]) <= tolerance,
        `d=${d}: ${r} vs ${expected[k]} (tol ${tolerance})`,
      );
    }
  }
  assert.ok(checked >= 30, `only ${checked} cases with simple eigenvalues`);
});

Deno.test("Newton's identities give det(tI - H) and bad input is refused", () => {
  // eigenvalues 1, 2, 3: p = (6, 14, 36); (t-1)(t-2)(t-3) = t³ - 6t² + 11t - 6
  assert.deepEqual(characteristicPolynomialFromPowerSums([6, 14, 36]), [-6, 11, -6, 1]);
  assert.throws(() => gaussianQuadraticCumulants([[1, 2], [0, 1]], 2), /H must be symmetric/);
  assert.throws(() => gaussianQuadraticCumulants([[1]], 0), /order must be an integer >= 1, got 0/);
  assert.throws(
    () => eigenvaluesFromGaussianMoments([1, NaN]),
    /moments\[1\] must be finite, got NaN/,
  );
  assert.throws(() => eigenvaluesFromGaussianMoments([]), RangeError);
});
