/**
 * Real polynomials with coefficients in ascending order (`c[0] + c[1] t + … + c[n] t^n`):
 * evaluation with a rounding-error bound, derivatives, and the real roots of real-rooted
 * polynomials (such as characteristic polynomials of symmetric matrices) by bisection between
 * the roots of the derivative.
 *
 * @module
 */
import { assertFiniteVector, EPSILON } from "./linalg.ts";

/**
 * `p(t)` by Horner's rule.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { evaluatePolynomial } from "./polynomial.ts";
 * assert(evaluatePolynomial([1, 0, 2], 3) === 19);
 * ```
 */
export function evaluatePolynomial(coefficients: ArrayLike<number>, t: number): number {
  let value = 0;
  for (let k = coefficients.length - 1; k >= 0; k--) value = value * t + coefficients[k];
  return value;
}

/**
 * A bound on the rounding error of {@link evaluatePolynomial} at t: `γ_(2n) Σ_k |c_k| |t|^k`
 * (Higham, Accuracy and Stability, §5.1), n the degree.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { polynomialEvaluationError } from "./polynomial.ts";
 * assert(polynomialEvaluationError([1, -2, 1], 1) < 1e-14);
 * ```
 */
export function polynomialEvaluationError(coefficients: ArrayLike<number>, t: number): number {
  const n = coefficients.length - 1;
  let absolute = 0;
  for (let k = coefficients.length - 1; k >= 0; k--) {
    absolute = absolute * Math.abs(t) + Math.abs(coefficients[k]);
  }
  const u = EPSILON / 2;
  const gamma = (2 * n * u) / (1 - 2 * n * u);
  // (1 + 4u) covers the rounding of the bound itself.
  return gamma * absolute * (1 + 4 * u);
}

/**
 * The derivative's coefficients.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { derivativeCoefficients } from "./polynomial.ts";
 * assert(derivativeCoefficients([5, 1, 3]).join() === "1,6");
 * ```
 */
export function derivativeCoefficients(coefficients: ArrayLike<number>): number[] {
  return Array.from(
    { length: Math.max(0, coefficients.length - 1) },
    (_, k) => (k + 1) * coefficients[k + 1],
  );
}

function trimmed(coefficients: ArrayLike<number>): number[] {
  const out = Array.from(coefficients);
  while (out.length > 1 && out[out.length - 1] === 0) out.pop();
  return out;
}

function bisect(c: number[], lo: number, hi: number, pLo: number): number {
  for (let iteration = 0; iteration < 2200; iteration++) {
    const mid = 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi) break;
    const value = evaluatePolynomial(c, mid);
    if (value === 0) return mid;
    if ((value < 0) === (pLo < 0)) {
      lo = mid;
      pLo = value;
    } else {
      hi = mid;
    }
  }
  return 0.5 * (lo + hi);
}

/**
 * The n roots of a degree-n polynomial whose roots are all real (characteristic polynomials of
 * symmetric matrices, and their derivatives), ascending, with multiplicity. The roots of `p'`
 * split the line into intervals holding one root of p each; each is found by bisection to the
 * last bit at which the computed sign of p is meaningful. Where p does not change sign on an
 * interval (a multiple root, or a rounding-perturbed pair), the root is placed at the interval's
 * end where |p| is smaller (the double root of p is a root of p').
 *
 * For a simple root r the result is within about `polynomialEvaluationError(c, r) / |p'(r)|`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { realPolynomialRoots } from "./polynomial.ts";
 * // (t - 1)(t - 2)(t + 3) = t³ - 7t + 6
 * const roots = realPolynomialRoots([6, -7, 0, 1]);
 * assert(Math.abs(roots[0] + 3) < 1e-14 && Math.abs(roots[2] - 2) < 1e-14);
 * ```
 */
export function realPolynomialRoots(coefficients: ArrayLike<number>): Float64Array {
  assertFiniteVector(coefficients, "coefficients");
  const c = trimmed(coefficients);
  const n = c.length - 1;
  if (n < 1 || c[n] === 0) {
    throw new RangeError(
      `coefficients must describe a polynomial of degree >= 1, got [${
        Array.from(coefficients).join(", ")
      }]`,
    );
  }
  if (n === 1) return Float64Array.of(-c[0] / c[1]);
  // Cauchy's bound: every root satisfies |t| < 1 + max_k |c_k / c_n|.
  let bound = 0;
  for (let k = 0; k < n; k++) bound = Math.max(bound, Math.abs(c[k] / c[n]));
  bound = 1 + bound;
  const critical = realPolynomialRoots(derivativeCoefficients(c));
  const edges = [-bound, ...critical, bound];
  const out = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const lo = edges[k];
    const hi = edges[k + 1];
    const pLo = evaluatePolynomial(c, lo);
    const pHi = evaluatePolynomial(c, hi);
    if (pLo === 0) out[k] = lo;
    else if (pHi === 0) out[k] = hi;
    else if ((pLo < 0) !== (pHi < 0)) out[k] = bisect(c, lo, hi, pLo);
    else out[k] = Math.abs(pLo) <= Math.abs(pHi) ? lo : hi;
  }
  return out;
}
