/**
 * Random multivariate polynomials of degree <= 4 with exact derivatives and the bounds the
 * finite-difference error analysis needs (proofs 1 and 8).
 *
 * A polynomial is a list of terms `c · x_{v1} x_{v2} … x_{vk}` (k <= 4, indices with repetition).
 *
 * @module
 */
import fc from "fast-check";
import { EPSILON } from "../src/math/linalg.ts";

/** `coefficient · Π_k x[variables[k]]`. */
export interface Term {
  coefficient: number;
  variables: number[];
}

/** A polynomial in `dimension` variables. */
export interface Polynomial {
  dimension: number;
  terms: Term[];
}

/** A polynomial and a point to look at it. */
export interface PolynomialCase {
  polynomial: Polynomial;
  point: Float64Array;
}

/**
 * fast-check arbitrary of (polynomial, point): d in [1, maxDimension], 1..maxTerms terms of degree
 * 0..maxDegree with coefficients in [-1, 1] (magnitude >= minMagnitude when given), point in
 * [-radius, radius]^d.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import fc from "fast-check";
 * import { polynomialCase } from "./random_polynomial.ts";
 * const [c] = fc.sample(polynomialCase({ maxDimension: 3 }), { seed: 1, numRuns: 1 });
 * assert(c.point.length === c.polynomial.dimension);
 * ```
 */
export function polynomialCase(
  { maxDimension = 8, maxDegree = 4, maxTerms = 12, radius = 2, minMagnitude = 0 } = {},
): fc.Arbitrary<PolynomialCase> {
  const coordinate = fc.double({ min: -radius, max: radius, noNaN: true, noDefaultInfinity: true });
  // minMagnitude > 0 keeps |c| in [minMagnitude, 1], away from the tiny and subnormal values
  // fast-check favours, for properties that need every term to matter.
  const coefficient = minMagnitude > 0
    ? fc.tuple(fc.boolean(), fc.double({ min: minMagnitude, max: 1, noNaN: true }))
      .map(([negative, magnitude]) => (negative ? -magnitude : magnitude))
    : fc.double({ min: -1, max: 1, noNaN: true, noDefaultInfinity: true });
  return fc.integer({ min: 1, max: maxDimension }).chain((d) =>
    fc.record({
      terms: fc.array(
        fc.record({
          coefficient,
          variables: fc.array(fc.integer({ min: 0, max: d - 1 }), { maxLength: maxDegree }),
        }),
        { minLength: 1, maxLength: maxTerms },
      ),
      point: fc.array(coordinate, { minLength: d, maxLength: d }),
    }).map(({ terms, point }) => ({
      polynomial: { dimension: d, terms },
      point: Float64Array.from(point),
    }))
  );
}

/**
 * The value at x, summing the terms in order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { evaluate } from "./random_polynomial.ts";
 * const p = { dimension: 2, terms: [{ coefficient: 2, variables: [0, 1, 1] }] };
 * assert(evaluate(p, [3, 2]) === 24);
 * ```
 */
export function evaluate(p: Polynomial, x: ArrayLike<number>): number {
  let sum = 0;
  for (const { coefficient, variables } of p.terms) {
    let t = coefficient;
    for (const v of variables) t *= x[v];
    sum += t;
  }
  return sum;
}

/** The product of `x[variables[k]]` over k not in `skip`. */
function productExcept(variables: number[], x: ArrayLike<number>, skip: number[]): number {
  let t = 1;
  for (let k = 0; k < variables.length; k++) if (!skip.includes(k)) t *= x[variables[k]];
  return t;
}

/**
 * The exact gradient (product rule over the positions of each variable).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gradientOf } from "./random_polynomial.ts";
 * const p = { dimension: 2, terms: [{ coefficient: 2, variables: [0, 1, 1] }] };
 * assert(gradientOf(p, [3, 2])[1] === 24);
 * ```
 */
export function gradientOf(p: Polynomial, x: ArrayLike<number>): Float64Array {
  const out = new Float64Array(p.dimension);
  for (const { coefficient, variables } of p.terms) {
    for (let a = 0; a < variables.length; a++) {
      out[variables[a]] += coefficient * productExcept(variables, x, [a]);
    }
  }
  return out;
}

/**
 * The exact Hessian (sum over ordered pairs of distinct positions).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hessianOf } from "./random_polynomial.ts";
 * const p = { dimension: 2, terms: [{ coefficient: 2, variables: [0, 1, 1] }] };
 * assert(hessianOf(p, [3, 2])[0][1] === 8 && hessianOf(p, [3, 2])[1][1] === 12);
 * ```
 */
export function hessianOf(p: Polynomial, x: ArrayLike<number>): number[][] {
  const d = p.dimension;
  const out = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  for (const { coefficient, variables } of p.terms) {
    for (let a = 0; a < variables.length; a++) {
      for (let b = 0; b < variables.length; b++) {
        if (a !== b) {
          out[variables[a]][variables[b]] += coefficient * productExcept(variables, x, [a, b]);
        }
      }
    }
  }
  return out;
}

/**
 * `Σ_t |c_t| Π_k bound[v_k]`: bounds |p|, and the sum of the absolute values of the terms, on the
 * box `|x_i| <= bound[i]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { absoluteSum } from "./random_polynomial.ts";
 * const p = { dimension: 1, terms: [{ coefficient: -2, variables: [0, 0] }, { coefficient: 1, variables: [] }] };
 * assert(absoluteSum(p, [3]) === 19);
 * ```
 */
export function absoluteSum(p: Polynomial, bound: ArrayLike<number>): number {
  let sum = 0;
  for (const { coefficient, variables } of p.terms) {
    let t = Math.abs(coefficient);
    for (const v of variables) t *= bound[v];
    sum += t;
  }
  return sum;
}

/**
 * A bound on `‖∇p‖∞` on the box `|x_i| <= bound[i]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gradientBound } from "./random_polynomial.ts";
 * const p = { dimension: 1, terms: [{ coefficient: 1, variables: [0, 0] }] };
 * assert(gradientBound(p, [3]) === 6);
 * ```
 */
export function gradientBound(p: Polynomial, bound: ArrayLike<number>): number {
  const perCoordinate = new Float64Array(p.dimension);
  for (const { coefficient, variables } of p.terms) {
    for (let a = 0; a < variables.length; a++) {
      let t = Math.abs(coefficient);
      for (let k = 0; k < variables.length; k++) if (k !== a) t *= bound[variables[k]];
      perCoordinate[variables[a]] += t;
    }
  }
  return Math.max(0, ...perCoordinate);
}

/**
 * The largest `|∂^k p / ∂x_a…|` over all k-th partial derivatives that are constant, i.e. over the
 * degree-k part (k = the maximum degree 4 for M4, or any k for a degree-k polynomial). Terms with
 * the same index multiset are merged first; the partial derivative along that multiset is
 * `c · Π (multiplicity!)`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { topDerivativeBound } from "./random_polynomial.ts";
 * const p = { dimension: 1, terms: [{ coefficient: 0.5, variables: [0, 0, 0, 0] }] };
 * // 0.5 · 4! = 12 up to rounding in the merged-term product (it returns 12.000000000000043):
 * // a relative tolerance of 1e-12 is a few hundred ulps, far below any wrong factorial.
 * assert(Math.abs(topDerivativeBound(p, 4) - 12) < 12e-12);
 * ```
 */
export function topDerivativeBound(p: Polynomial, order: number): number {
  const merged = new Map<string, { coefficient: number; variables: number[] }>();
  for (const { coefficient, variables } of p.terms) {
    if (variables.length !== order) continue;
    const sorted = [...variables].sort((a, b) => a - b);
    const key = sorted.join(",");
    const entry = merged.get(key) ?? { coefficient: 0, variables: sorted };
    entry.coefficient += coefficient;
    merged.set(key, entry);
  }
  let out = 0;
  for (const { coefficient, variables } of merged.values()) {
    let factor = 1;
    const counts = new Map<number, number>();
    for (const v of variables) counts.set(v, (counts.get(v) ?? 0) + 1);
    for (const m of counts.values()) for (let k = 2; k <= m; k++) factor *= k;
    // The merged coefficient is a sum of <= 12 doubles: inflate by (1 + 16 eps) for its rounding.
    out = Math.max(out, Math.abs(coefficient) * factor * (1 + 16 * EPSILON));
  }
  return out;
}

/** `γ_n = n u / (1 - n u)`, u = eps/2: the classic bound on n rounded operations in a chain. */
export function gamma(n: number): number {
  const u = EPSILON / 2;
  return (n * u) / (1 - n * u);
}

/**
 * A bound on the rounding error of {@link evaluate} at any point of the box: each term is a chain
 * of <= 4 multiplications and the sum adds T terms, so the error is <= γ_(T+4) Σ|terms|, plus the
 * absolute error of underflow (each multiplication may lose up to the smallest subnormal,
 * magnified by at most the remaining factors, <= max(1, max bound)³).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { evaluationError } from "./random_polynomial.ts";
 * const p = { dimension: 1, terms: [{ coefficient: 1, variables: [0] }] };
 * assert(evaluationError(p, [1]) < 1e-15);
 * ```
 */
export function evaluationError(p: Polynomial, bound: ArrayLike<number>): number {
  let largest = 1;
  for (let i = 0; i < bound.length; i++) largest = Math.max(largest, bound[i]);
  const underflow = 4 * p.terms.length * Number.MIN_VALUE * largest ** 3;
  return gamma(p.terms.length + 4) * absoluteSum(p, bound) + underflow;
}

/**
 * A compact rendering for counterexamples.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatPolynomial } from "./random_polynomial.ts";
 * assert(formatPolynomial({ dimension: 1, terms: [{ coefficient: 2, variables: [0, 0] }] }) === "2·x0·x0");
 * ```
 */
export function formatPolynomial(p: Polynomial): string {
  return p.terms
    .map(({ coefficient, variables }) =>
      [String(coefficient), ...variables.map((v) => `x${v}`)].join("·")
    )
    .join(" + ");
}
