import assert from "node:assert/strict";
import {
  derivativeCoefficients,
  evaluatePolynomial,
  polynomialEvaluationError,
  realPolynomialRoots,
} from "./polynomial.ts";
import { EPSILON } from "./linalg.ts";
import { Random } from "./random.ts";

/** Ascending coefficients of Π (t - r_k). */
function fromRoots(roots: number[]): number[] {
  let c = [1];
  for (const r of roots) {
    const next = new Array<number>(c.length + 1).fill(0);
    for (let k = 0; k < c.length; k++) {
      next[k + 1] += c[k];
      next[k] -= r * c[k];
    }
    c = next;
  }
  return c;
}

Deno.test("realPolynomialRoots recovers well-separated random roots within the conditioning bound", () => {
  const rng = new Random(2);
  for (let trial = 0; trial < 200; trial++) {
    const n = 1 + rng.integer(7);
    // Roots at least 0.3 apart in [-3, 3 + 0.3 n].
    const roots: number[] = [];
    let t = -3;
    for (let k = 0; k < n; k++) {
      t += 0.3 + rng.uniform();
      roots.push(t);
    }
    const c = fromRoots(roots);
    const found = realPolynomialRoots(c);
    for (let k = 0; k < n; k++) {
      // First-order root perturbation: the computed sign of p is right outside
      // |p(t)| <= evaluation error, i.e. beyond error/|p'(r)| of the root; the coefficients
      // themselves are rounded (relative eps each), which adds eps Σ|c_k||r|^k / |p'(r)|;
      // x4 for the second-order terms and the bisection's last bit.
      const r = found[k];
      const slope = Math.abs(evaluatePolynomial(derivativeCoefficients(c), r));
      const coefficientRounding = n * EPSILON *
        c.reduce((s, v, j) => s + Math.abs(v) * Math.abs(r) ** j, 0);
      const tolerance = 4 * (polynomialEvaluationError(c, r) + coefficientRounding) / slope +
        4 * EPSILON * Math.abs(r);
      assert.ok(
        Math.abs(r - roots[k]) <= tolerance,
        `n=${n} root ${k}: ${r} vs ${roots[k]} (tol ${tolerance})`,
      );
    }
  }
});

Deno.test("realPolynomialRoots returns multiple roots with multiplicity", () => {
  // (t - 1)² (t + 2) = t³ - 3t + 2: the double root is exactly a root of p'.
  const roots = realPolynomialRoots([2, -3, 0, 1]);
  assert.deepEqual(Array.from(roots), [-2, 1, 1]);
  // t⁴: every root 0.
  assert.ok(Array.from(realPolynomialRoots([0, 0, 0, 0, 5])).every((r) => r === 0));
});

Deno.test("evaluation, derivative and bad input", () => {
  assert.equal(evaluatePolynomial([1, 2, 3], 2), 17);
  assert.deepEqual(derivativeCoefficients([1, 2, 3]), [2, 6]);
  assert.deepEqual(derivativeCoefficients([4]), []);
  assert.throws(() => realPolynomialRoots([3, 0, 0]), /degree >= 1, got \[3, 0, 0\]/);
  assert.throws(() => realPolynomialRoots([NaN, 1]), /coefficients\[0\] must be finite, got NaN/);
  assert.throws(() => realPolynomialRoots([1]), /degree >= 1/);
});
