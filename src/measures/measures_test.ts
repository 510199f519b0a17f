import assert from "node:assert/strict";
import { fromEigen, randomOrthogonal } from "../math/linalg.ts";
import { Random } from "../math/random.ts";
import { cholesky, solveTransposed } from "./cholesky.ts";
import { gaussianMeasure, pointMassMeasure, sphereMeasure } from "./spec.ts";
import { sharpness } from "./sharpness.ts";
import type { Loss } from "./types.ts";

/** `c + ½ (x - x*)ᵀ H (x - x*)`: a quadratic with its critical point at x*. */
function quadratic(H: number[][], center: ArrayLike<number>, c = 1): Loss {
  const d = H.length;
  return (x) => {
    let q = 0;
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) q += (x[i] - center[i]) * H[i][j] * (x[j] - center[j]);
    }
    return c + 0.5 * q;
  };
}

function randomCase(seed: number, d: number, low: number, high: number) {
  const rng = new Random(seed);
  const values = Array.from({ length: d }, () => low + (high - low) * rng.uniform());
  const H = fromEigen(values, randomOrthogonal(rng, d));
  const center = Array.from({ length: d }, () => 4 * rng.uniform() - 2);
  return { H, center, f: quadratic(H, center) };
}

Deno.test("exact values in standard units on the saddle a² - b²", () => {
  const H = [[2, 0], [0, -2]];
  assert.equal(sharpness.trace.exact(H), 0);
  assert.equal(sharpness.frobenius.exact(H), 8);
  assert.ok(Math.abs(sharpness.determinant.exact(H) + 4) < 1e-14);
  assert.ok(Math.abs(sharpness.maxEigenvalue.exact(H) - 2) < 1e-14);
});

Deno.test("estimates match exact(H) at a critical point of a random quadratic", () => {
  for (let seed = 1; seed <= 3; seed++) {
    const { H, center, f } = randomCase(seed, 3, 0.25, 4);
    for (
      const measure of [sharpness.trace, sharpness.frobenius, sharpness.determinant]
    ) {
      const e = measure.estimateWithError(f, center, { seed });
      // A 5σ band: the estimates are unbiased for quadratics (up to the O(relVar) bias of
      // m̂^-2 for the determinant, far below σ), so a miss happens with probability ~6e-7.
      assert.ok(
        Math.abs(e.value - measure.exact(H)) <= 5 * e.standardError,
        `${measure.name}: ${e.value} vs ${measure.exact(H)} ± ${e.standardError}`,
      );
    }
    // A user pilot (any SPD matrix) gives a consistent estimate too; the exact H a zero-variance
    // one up to the widening: the same 5σ band.
    const withPilot = sharpness.determinant.estimateWithError(f, center, { pilot: H, seed });
    assert.ok(
      Math.abs(withPilot.value - sharpness.determinant.exact(H)) <= 5 * withPilot.standardError,
    );
    // The determinant must also meet the 2% requirement of the issue with default options.
    const det = sharpness.determinant.estimate(f, center);
    assert.ok(Math.abs(det / sharpness.determinant.exact(H) - 1) < 0.02);
  }
});

Deno.test("max eigenvalue is exact up to round-off on quadratics up to d = 10", () => {
  for (const d of [1, 4, 10]) {
    const { H, center, f } = randomCase(d, d, -4, 4);
    const exact = sharpness.maxEigenvalue.exact(H);
    const estimate = sharpness.maxEigenvalue.estimate(f, center);
    // For a quadratic d_rho(δ) = ½ δᵀHδ exactly; the only error is the pilot eigenvector's
    // (~1e-8 from the finite-difference Hessian), which enters the Rayleigh quotient squared
    // (~1e-16), plus the eps·|f|/rho² ≈ 2e-10 round-off of the quotient: 1e-7 bounds both.
    assert.ok(Math.abs(estimate - exact) <= 1e-7 * Math.max(1, Math.abs(exact)), `${d}`);
  }
});

Deno.test("max eigenvalue keeps the SAM sign choice: O(rho) with a cubic term", () => {
  // f = ½·3 a² + ½ b² + a³: the max over the sphere picks +e_0, d_rho = 1.5 + rho.
  const f: Loss = (x) => 1.5 * x[0] ** 2 + 0.5 * x[1] ** 2 + x[0] ** 3;
  const rho = 0.01;
  const estimate = sharpness.maxEigenvalue.estimate(f, [0, 0], { rho });
  // 2(1.5 + rho) exactly along e_0; the ascent can only add O(rho²/gap) = 1e-4/2 on top.
  assert.ok(estimate >= 3 + 2 * rho - 1e-9 && estimate <= 3 + 2 * rho + 1e-3, `${estimate}`);
});

Deno.test("adaptive measures: exact(H, x) is the base value of DHD and estimates agree", () => {
  const { H, center, f } = randomCase(7, 2, 0.5, 3);
  const D = center.map((v) => Math.abs(v));
  const DHD = H.map((row, i) => row.map((h, j) => D[i] * h * D[j]));
  assert.equal(sharpness.adaptiveTrace.exact(H, center), sharpness.trace.exact(DHD));
  assert.equal(sharpness.adaptiveFrobenius.exact(H, center), sharpness.frobenius.exact(DHD));
  const e = sharpness.adaptiveTrace.estimateWithError(f, center);
  assert.ok(Math.abs(e.value - sharpness.trace.exact(DHD)) <= 5 * e.standardError);
  const withEta = sharpness.adaptive(sharpness.trace, 0.5);
  const De = center.map((v) => Math.abs(v) + 0.5);
  const expected = H.reduce((s, row, i) => s + De[i] * row[i] * De[i], 0);
  assert.ok(Math.abs(withEta.exact(H, center) - expected) < 1e-12);
  assert.throws(() => sharpness.adaptiveTrace.exact(H), TypeError);
  assert.throws(() => sharpness.adaptiveTrace.exact(H, [1, 2, 3]), /dimension mismatch/);
});

Deno.test("universal: a user's (f, F, mu) reproduces the trace; closed-form exact is used when given", () => {
  const H = [[3, 1], [1, 5]];
  const f = quadratic(H, [0.5, -1]);
  const userTrace = sharpness.universal({
    name: "user trace",
    inner: (t) => t,
    outer: (m) => m[0],
    measure: gaussianMeasure(),
    scale: 2,
  });
  // Monte Carlo exact with 200,000 draws: sd of δᵀHδ is sqrt(2‖H‖²) = 8.5, so the standard
  // error is 0.019 on 8; 5σ = 0.1.
  assert.ok(Math.abs(userTrace.exact(H) - 8) < 0.1, `${userTrace.exact(H)}`);
  const e = userTrace.estimateWithError(f, [0.5, -1]);
  assert.ok(Math.abs(e.value - 8) <= 5 * e.standardError);
  // Point masses at e_0, e_1, e_0 + e_1 (F = 3·mean, the sum of the three half forms).
  const entry = sharpness.universal({
    inner: { dimension: 1, value: (t) => [t], derivative: () => [1] },
    outer: { value: (m) => 3 * m[0], gradient: () => [3] },
    measure: pointMassMeasure([[1, 0], [0, 1], [1, 1]]),
    exact: (M) => 0.5 * (M[0][0] + M[1][1] + (M[0][0] + 2 * M[0][1] + M[1][1])),
  });
  assert.equal(entry.exact(H), 0.5 * (3 + 5 + 10));
  // One-sided quotients are exact for a quadratic at its critical point, so the estimate is
  // 3·(mean of the drawn half forms): between the smallest (1.5) and largest (5) times 3.
  const drawn = entry.estimate(quadratic(H, [0, 0]), [0, 0], { samples: 300 });
  assert.ok(drawn > 3 * 1.5 && drawn < 3 * 5);
  const sphere = sharpness.universal({
    inner: (t) => t,
    outer: (m) => m[0],
    measure: sphereMeasure(),
    scale: 2 * 2,
  });
  // E_sphere ½δᵀHδ = tr H / (2d): scale 2d gives tr H. 200,000 draws: 5σ well below 0.05.
  assert.ok(Math.abs(sphere.exact(H) - 8) < 0.05, `${sphere.exact(H)}`);
});

Deno.test("point-mass measure: symmetric exactly when closed under negation", () => {
  assert.equal(pointMassMeasure([[1, 0], [-1, 0]]).symmetric, true);
  assert.equal(pointMassMeasure([[1, 0], [0, 1]]).symmetric, false);
  assert.throws(() => pointMassMeasure([[1, 0], [1]]), /dimension mismatch/);
  assert.throws(() => pointMassMeasure([]), RangeError);
});

Deno.test("cholesky factors SPD matrices and refuses indefinite ones", () => {
  const { H } = randomCase(11, 4, 0.1, 5);
  const R = cholesky(H)!;
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 4; j++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s += R[i][k] * R[j][k];
      // Cholesky is backward stable: |RRᵀ - H| <= c·d·eps·‖H‖ with ‖H‖ <= 5; 1e-13 is ~20x that.
      assert.ok(Math.abs(s - H[i][j]) < 1e-13);
    }
  }
  const y = solveTransposed(R, [1, 2, 3, 4], new Float64Array(4));
  for (let i = 0; i < 4; i++) {
    let s = 0;
    for (let k = 0; k < 4; k++) s += R[k][i] * y[k];
    assert.ok(Math.abs(s - (i + 1)) < 1e-12);
  }
  assert.equal(cholesky([[1, 2], [2, 1]]), undefined);
  // Positive semidefinite is refused too: a zero pivot (exactly 0 here: 1 - 1·1) has no inverse.
  assert.equal(cholesky([[0]]), undefined);
  assert.equal(cholesky([[1, 1], [1, 1]]), undefined);
  assert.deepEqual(cholesky([[1e-300]])!.map((r) => Array.from(r)), [[Math.sqrt(1e-300)]]);
});

Deno.test("bad input gets RangeError/TypeError naming the problem", () => {
  const f: Loss = (x) => x[0] ** 2 + x[1] ** 2;
  assert.throws(() => sharpness.trace.estimate(f, [0, 0], { rho: 0 }), /rho must be .* got 0/);
  assert.throws(() => sharpness.trace.estimate(f, [0, 0], { rho: -1 }), RangeError);
  assert.throws(() => sharpness.trace.estimate(f, [0, 0], { rho: NaN }), /rho .* NaN/);
  assert.throws(
    () => sharpness.trace.estimate(f, [0, 0], { rho: "0.1" as unknown as number }),
    TypeError,
  );
  assert.throws(() => sharpness.trace.estimate(f, [0, 0], { seed: 1.5 }), /seed .* 1.5/);
  assert.throws(() => sharpness.trace.estimate(f, [0, 0], { samples: 0 }), /samples .* 0/);
  assert.throws(() => sharpness.frobenius.estimate(f, [0, 0], { samples: 1 }), /samples .* >= 2/);
  assert.throws(() => sharpness.trace.estimate(() => NaN, [0, 0]), /finite .* NaN/);
  assert.throws(
    () => sharpness.trace.estimate((x) => (x[0] > 0.0005 ? Infinity : 0), [0, 0]),
    /Infinity/,
  );
  assert.throws(() => sharpness.trace.estimate(f, [0, NaN]), /x\[1\] must be finite/);
  assert.throws(() => sharpness.trace.estimate("f" as unknown as Loss, [0]), TypeError);
  assert.throws(() => sharpness.trace.exact([[1, 2]]), /must be square/);
  assert.throws(() => sharpness.determinant.exact([[1, 2], [0, 1]]), /must be symmetric/);
  assert.throws(() => sharpness.maxEigenvalue.exact([[1, 2], [0, 1]]), /must be symmetric/);
  assert.throws(
    () => sharpness.determinant.estimate((x) => x[0] ** 2 - x[1] ** 2, [0, 0]),
    /not positive definite/,
  );
  assert.throws(() => sharpness.determinant.estimate(f, [0, 0], { widen: 0.5 }), /widen/);
  assert.throws(
    () => sharpness.determinant.estimate(f, [0, 0], { pilot: [[1]] }),
    /dimension mismatch/,
  );
  assert.throws(
    () => sharpness.determinant.estimate(f, [0, 0], { pilot: [[1, 0], [0, -1]] }),
    /not positive definite/,
  );
  assert.throws(
    () =>
      sharpness.universal({ inner: (t) => t, outer: (m) => m[0], measure: gaussianMeasure() })
        .exact([[1, 0], [0, 1]], [1, 2, 3]),
    /dimension mismatch/,
  );
  assert.throws(
    () =>
      sharpness.universal({
        inner: (t) => t,
        outer: (m) => m[0],
        measure: pointMassMeasure([[1, 0, 0]]),
      }).estimate(f, [0, 0]),
    /dimension mismatch/,
  );
  assert.throws(
    () =>
      sharpness.universal({
        inner: (t) => t,
        outer: (m) => m[0],
        measure: {} as never,
      }),
    TypeError,
  );
});

Deno.test("a seed fixes every draw; different seeds differ", () => {
  const { center, f } = randomCase(3, 2, 0.5, 2);
  const a = sharpness.frobenius.estimate(f, center, { seed: 9, samples: 500 });
  const b = sharpness.frobenius.estimate(f, center, { seed: 9, samples: 500 });
  const c = sharpness.frobenius.estimate(f, center, { seed: 10, samples: 500 });
  assert.equal(a, b);
  assert.notEqual(a, c);
});
