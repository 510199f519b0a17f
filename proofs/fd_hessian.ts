/**
 * Property 1: the finite-difference Hessian of random polynomials (degree <= 4, d <= 8) matches
 * the analytic Hessian within the error bound that `predictedHessianError` states, and is exactly
 * symmetric.
 *
 * @module
 */
import fc from "fast-check";
import { hessian, hessianSteps, predictedHessianError } from "../src/math/finite_diff.ts";
import type { Property, PropertyResult } from "./property.ts";
import {
  absoluteSum,
  evaluate,
  evaluationError,
  formatPolynomial,
  gamma,
  gradientBound,
  hessianOf,
  type PolynomialCase,
  polynomialCase,
  topDerivativeBound,
} from "./random_polynomial.ts";

const NUM_RUNS = 300;
/** Step multipliers: the default step (round-off and truncation balanced) and two larger ones where truncation dominates, so the h² part of the bound is tested too. */
const STEP_SCALES = [1, 30, 1000];

/** One case's worst `|H_fd - H| / bound` and whether `H_fd` is exactly symmetric. */
function check(
  { polynomial, point }: PolynomialCase,
  stepScale: number,
): { ratio: number; symmetric: boolean; where: string } {
  const d = polynomial.dimension;
  const steps = hessianSteps(point).map((h) => h * stepScale);
  const H = hessian((x) => evaluate(polynomial, x), point, { step: steps });
  const hMax = Math.max(...steps);
  // Every stencil point lies in the box |y_i| <= |x_i| + 2 max h.
  const box = Float64Array.from(point, (v) => Math.abs(v) + 2 * hMax);
  const bound = predictedHessianError({
    steps,
    fourthDerivativeBound: topDerivativeBound(polynomial, 4),
    valueBound: absoluteSum(polynomial, box),
    valueError: evaluationError(polynomial, box),
    gradientBound: gradientBound(polynomial, box),
    pointBound: Math.max(...Array.from(point, Math.abs)),
  });
  // The analytic Hessian is itself rounded: each entry sums <= 12·T products of <= 4 factors.
  const absolutePolynomial = {
    dimension: d,
    terms: polynomial.terms.map((t) => ({ ...t, coefficient: Math.abs(t.coefficient) })),
  };
  const absoluteHessian = hessianOf(absolutePolynomial, Float64Array.from(point, Math.abs));
  const exact = hessianOf(polynomial, point);
  const analyticRounding = gamma(12 * polynomial.terms.length + 4);
  let ratio = 0;
  let symmetric = true;
  let where = "";
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      if (H[i][j] !== H[j][i]) symmetric = false;
      // Underflow of the analytic products adds <= one subnormal per product (12·T of them).
      const tolerance = bound[i][j] + analyticRounding * absoluteHessian[i][j] +
        12 * polynomial.terms.length * Number.MIN_VALUE * Math.max(1, ...box) ** 2;
      const r = Math.abs(H[i][j] - exact[i][j]) / tolerance;
      if (r > ratio) {
        ratio = r;
        where = `H[${i}][${j}]: fd ${H[i][j]}, exact ${exact[i][j]}, bound ${tolerance}`;
      }
    }
  }
  return { ratio, symmetric, where };
}

/**
 * Property 1 (fast-check, 300 random polynomials, each at 3 step sizes).
 *
 * @example
 * ```ts ignore
 * import assert from "node:assert/strict";
 * import { fdHessianProperty } from "./fd_hessian.ts";
 * const result = await fdHessianProperty.run(1);
 * assert(result.passed);
 * ```
 */
export const fdHessianProperty: Property = {
  id: 1,
  name: "finite-difference Hessian within the predicted bound, exactly symmetric",
  run(seed: number): PropertyResult {
    let worst = 0;
    let worstWhere = "";
    let cases = 0;
    let ratioSumLargeStep = 0;
    let largeStepCases = 0;
    const property = fc.property(
      polynomialCase({ maxDimension: 8, maxDegree: 4, maxTerms: 12, radius: 2 }),
      fc.constantFrom(...STEP_SCALES),
      (c, stepScale) => {
        const { ratio, symmetric, where } = check(c, stepScale);
        cases++;
        if (stepScale === STEP_SCALES[STEP_SCALES.length - 1]) {
          ratioSumLargeStep += ratio;
          largeStepCases++;
        }
        if (ratio > worst) {
          worst = ratio;
          worstWhere = `d=${c.polynomial.dimension}, step ×${stepScale}, ${where}`;
        }
        return symmetric && ratio <= 1;
      },
    );
    const details = fc.check(property, { seed, numRuns: NUM_RUNS });
    const why =
      "error / bound per entry, bound = M4(h_i+h_j)⁴/(24h_ih_j) [M4h²/3 on the diagonal] + (δ+3eps·F)/(h_ih_j) " +
      "with M4 the largest 4th partial, F = Σ|terms| on the stencil box, δ = γ_(T+4)F + eps·‖∇p‖∞(X+2h) " +
      "(plus the analytic Hessian's own rounding): a rigorous bound, so tolerance 1";
    if (details.failed) {
      const [c, stepScale] = details.counterexample ?? [undefined, undefined];
      const replay = c ? check(c, stepScale!) : undefined;
      return {
        cases,
        worstError: Math.max(worst, replay?.ratio ?? Infinity),
        tolerance: 1,
        passed: false,
        detail: c
          ? `counterexample: p = ${formatPolynomial(c.polynomial)} at x = [${
            Array.from(c.point).join(", ")
          }], step ×${stepScale}: ${replay!.symmetric ? "" : "NOT symmetric; "}${
            replay!.where
          } (ratio ${replay!.ratio}); ${why}`
          : `fast-check error: ${String(details.errorInstance)}`,
      };
    }
    return {
      cases,
      worstError: worst,
      tolerance: 1,
      passed: worst <= 1,
      detail:
        `${why}; every FD Hessian exactly symmetric; worst at ${worstWhere}; mean ratio at step ×${
          STEP_SCALES[STEP_SCALES.length - 1]
        } (truncation-dominated) ${(ratioSumLargeStep / Math.max(1, largeStepCases)).toFixed(3)}`,
    };
  },
};
