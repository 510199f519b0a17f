import assert from "node:assert/strict";
import {
  assertSquare,
  assertSquareSymmetric,
  determinant,
  dot,
  EPSILON,
  frobeniusNormSquared,
  fromEigen,
  identity,
  logDeterminant,
  matMul,
  matVec,
  norm,
  quadraticForm,
  randomOrthogonal,
  symmetricEigen,
  symmetricEigenvalues,
  trace,
  transpose,
} from "./linalg.ts";
import { Random } from "./random.ts";

/** Random eigenvalues in [-scale, scale], with a repeated pair and an exact zero when d allows. */
function spectrum(rng: Random, d: number, scale: number): number[] {
  const values = Array.from({ length: d }, () => (2 * rng.uniform() - 1) * scale);
  if (d >= 3) values[1] = values[0];
  if (d >= 4) values[3] = 0;
  return values;
}

const dims = [1, 2, 3, 5, 8, 13, 24];

Deno.test("symmetricEigen recovers known spectra of Q diag(λ) Qᵀ", () => {
  const rng = new Random(11);
  for (const d of dims) {
    for (const scale of [1, 1e-6, 1e8]) {
      const values = spectrum(rng, d, scale);
      const Q = randomOrthogonal(rng, d);
      const H = fromEigen(values, Q);
      const hNorm = Math.sqrt(frobeniusNormSquared(H));
      // Building H in Float64 perturbs it by E with |E_ij| <= d·eps·max|λ| (a d-term sum whose
      // absolute terms sum to <= max|λ| by Cauchy-Schwarz, plus Q's rounding-level
      // non-orthogonality), so ‖E‖_2 <= ‖E‖_F <= d²·eps·max|λ|; Jacobi's backward error is a small
      // multiple of d·eps·‖H‖_F. Weyl's theorem turns both into eigenvalue errors: 4·d²·eps·‖H‖_F
      // covers their sum with margin, while a wrong eigenvalue would be off by O(‖H‖).
      const tolerance = 4 * d * d * EPSILON * Math.max(hNorm, Number.MIN_VALUE);
      const { values: computed, vectors } = symmetricEigen(H);
      const expected = [...values].sort((a, b) => a - b);
      for (let k = 0; k < d; k++) {
        assert.ok(
          Math.abs(computed[k] - expected[k]) <= tolerance,
          `d=${d} scale=${scale} λ_${k}: ${computed[k]} vs ${expected[k]} (tol ${tolerance})`,
        );
        if (k > 0) assert.ok(computed[k - 1] <= computed[k], "ascending order");
        // Residual ‖Hv - λv‖ is bounded by the same backward error.
        const Hv = matVec(H, vectors[k]);
        const residual = norm(Hv.map((v, i) => v - computed[k] * vectors[k][i]));
        assert.ok(residual <= tolerance, `d=${d} residual ${residual} > ${tolerance}`);
        // Orthonormal vectors: Jacobi accumulates exact rotations, so VᵀV - I is a few d·eps.
        for (let l = 0; l <= k; l++) {
          const target = l === k ? 1 : 0;
          assert.ok(Math.abs(dot(vectors[k], vectors[l]) - target) <= 4 * d * d * EPSILON);
        }
      }
    }
  }
});

Deno.test("symmetricEigen handles diagonal, zero and 1x1 matrices exactly", () => {
  assert.deepEqual([...symmetricEigenvalues([[3, 0, 0], [0, -2, 0], [0, 0, 1]])], [-2, 1, 3]);
  assert.deepEqual([...symmetricEigenvalues([[0, 0], [0, 0]])], [0, 0]);
  const one = symmetricEigen([[7]]);
  assert.deepEqual([...one.values], [7]);
  assert.deepEqual([...one.vectors[0]], [1]);
  // 2x2 closed form: eigenvalues (a+c)/2 ± sqrt(((a-c)/2)² + b²), here 1 and 3 exactly.
  const two = symmetricEigenvalues([[2, 1], [1, 2]]);
  assert.ok(Math.abs(two[0] - 1) <= 4 * EPSILON && Math.abs(two[1] - 3) <= 8 * EPSILON);
});

Deno.test("symmetricEigen accepts Float64Array rows", () => {
  const values = symmetricEigenvalues([Float64Array.of(1, 2), Float64Array.of(2, 1)]);
  assert.ok(Math.abs(values[0] + 1) <= 8 * EPSILON && Math.abs(values[1] - 3) <= 8 * EPSILON);
});

Deno.test("determinant and logDeterminant agree with the product of known eigenvalues", () => {
  const rng = new Random(5);
  for (const d of dims) {
    // Magnitudes in [0.5, 2] keep the condition number <= 4, so a relative perturbation of H of
    // size d²·eps (construction) plus LU's backward error (growth-bounded multiple of d·eps)
    // moves det by a relative amount <= Σ_k |δλ_k|/|λ_k| <= d·κ·(d²+d)·eps ≤ 8·d³·eps·κ.
    const values = Array.from({ length: d }, () => {
      const magnitude = 0.5 + 1.5 * rng.uniform();
      return rng.uniform() < 0.5 ? -magnitude : magnitude;
    });
    const H = fromEigen(values, randomOrthogonal(rng, d));
    const expected = values.reduce((a, b) => a * b, 1);
    const tolerance = 8 * d * d * d * EPSILON * 4;
    const det = determinant(H);
    assert.ok(
      Math.abs(det - expected) <= tolerance * Math.abs(expected),
      `d=${d}: ${det} vs ${expected}`,
    );
    const { sign, logAbs } = logDeterminant(H);
    assert.equal(sign, Math.sign(expected));
    assert.ok(Math.abs(logAbs - Math.log(Math.abs(expected))) <= tolerance, `d=${d} logdet`);
  }
});

Deno.test("determinant of small general matrices, permutations and singular matrices", () => {
  assert.ok(Math.abs(determinant([[1, 2], [3, 4]]) + 2) <= 8 * EPSILON);
  assert.equal(determinant([[0, 1], [1, 0]]), -1);
  assert.equal(determinant([[0, 0, 1], [0, 1, 0], [1, 0, 0]]), -1);
  assert.equal(determinant(identity(4)), 1);
  assert.equal(determinant([[1, 2], [2, 4]]), 0);
  assert.deepEqual(logDeterminant([[1, 2], [2, 4]]), { sign: 0, logAbs: -Infinity });
  // det(1e4·I_100) = 1e400 overflows Float64, but not the log domain: log det = 100 log 1e4
  // (a sum of 100 equal logs: relative error <= 100·eps).
  const big = identity(100).map((row) => row.map((v) => 1e4 * v));
  const { sign, logAbs } = logDeterminant(big);
  assert.equal(sign, 1);
  assert.ok(Math.abs(logAbs / (100 * Math.log(1e4)) - 1) <= 100 * EPSILON);
  assert.equal(determinant(big), Infinity);
});

Deno.test("trace and Frobenius norm match the spectrum", () => {
  const rng = new Random(3);
  const values = [1.5, -0.25, 3, 0.5];
  const H = fromEigen(values, randomOrthogonal(rng, 4));
  // tr H = Σλ and ‖H‖_F² = Σλ² up to the construction error of H (d²·eps·max|λ| per entry).
  const tol = 4 * 16 * EPSILON * 3 * 4;
  assert.ok(Math.abs(trace(H) - 4.75) <= tol);
  assert.ok(Math.abs(frobeniusNormSquared(H) - (2.25 + 0.0625 + 9 + 0.25)) <= tol * 3 * 4);
  // The true value 2e400 is beyond Float64, so Infinity is the right answer.
  assert.equal(frobeniusNormSquared([[1e200, 0], [0, 1e200]]), Infinity);
  // Scaling by the largest entry avoids overflow in the squares (9e300 + 16e300 would not
  // overflow, but (3e200)² would); the scaled sum is exact to a few ulps.
  assert.ok(Math.abs(frobeniusNormSquared([[3e150, 0], [0, 4e150]]) / 25e300 - 1) <= 4 * EPSILON);
});

Deno.test("vector and matrix helpers", () => {
  assert.equal(dot([1, 2, 3], [4, 5, 6]), 32);
  // (3e200)² overflows; the scaled norm is within a few ulps of 5e200.
  assert.ok(Math.abs(norm([3e200, 4e200]) / 5e200 - 1) <= 4 * EPSILON);
  assert.equal(norm([0, 0]), 0);
  assert.deepEqual([...matVec([[1, 2], [3, 4]], [1, -1])], [-1, -1]);
  assert.equal(quadraticForm([[2, 1], [1, 2]], [1, 1]), 6);
  assert.deepEqual(matMul([[1, 2], [3, 4]], [[0, 1], [1, 0]]), [[2, 1], [4, 3]]);
  assert.deepEqual(transpose([[1, 2, 3], [4, 5, 6]]), [[1, 4], [2, 5], [3, 6]]);
  assert.throws(() => dot([1], [1, 2]), RangeError);
  assert.throws(() => matVec([[1, 2]], [1]), /row 0 of A has length 2 but v has length 1/);
  assert.throws(() => matMul([[1, 2]], [[1, 2]]), RangeError);
});

Deno.test("randomOrthogonal is orthogonal and reproducible", () => {
  const Q = randomOrthogonal(new Random(9), 10);
  const QtQ = matMul(transpose(Q), Q);
  for (let i = 0; i < 10; i++) {
    for (let j = 0; j < 10; j++) {
      // Two-pass Gram-Schmidt leaves ‖QᵀQ - I‖ at a few d·eps.
      assert.ok(Math.abs(QtQ[i][j] - (i === j ? 1 : 0)) <= 10 * 10 * EPSILON);
    }
  }
  assert.deepEqual(randomOrthogonal(new Random(9), 10), Q);
  assert.throws(() => randomOrthogonal(new Random(1), 0), /d must be a positive integer, got 0/);
});

Deno.test("validation names the parameter and the bad value", () => {
  assert.throws(
    () => assertSquare([[1, 2]], "H"),
    /H must be square: it has 1 rows but row 0 has length 2/,
  );
  assert.throws(() => assertSquare([], "H"), RangeError);
  assert.throws(() => assertSquare("nope", "H"), TypeError);
  assert.throws(() => assertSquare([[1, "2"], [3, 4]], "H"), TypeError);
  assert.throws(
    () => assertSquare([[1, NaN], [NaN, 1]], "H"),
    /H\[0\]\[1\] must be finite, got NaN/,
  );
  assert.throws(() => assertSquare([[Infinity]], "M"), /M\[0\]\[0\] must be finite, got Infinity/);
  assert.throws(
    () => assertSquareSymmetric([[1, 2], [2.1, 1]], "H"),
    /H must be symmetric: H\[0\]\[1\] = 2 but H\[1\]\[0\] = 2.1/,
  );
  // Rounding-level asymmetry relative to the largest entry is accepted.
  assert.equal(assertSquareSymmetric([[1e6, 1], [1 + 1e-6, 1e6]], "H"), 2);
  assert.throws(() => assertSquareSymmetric([[1, 0], [1e-9, 1]], "H", 1e-12), RangeError);
  assert.throws(
    () => assertSquareSymmetric([[1]], "H", -1),
    /tolerance must be a finite number >= 0, got -1/,
  );
  assert.throws(() => symmetricEigen([[1, 2], [3, 4]], "Hessian"), /Hessian must be symmetric/);
  assert.throws(() => determinant([[1, 2, 3]]), /A must be square/);
  assert.throws(() => fromEigen([1, NaN], identity(2)), /values\[1\] must be finite, got NaN/);
});
