/**
 * Property 1: the finite-difference Hessian of random polynomials (degree <= 4, d <= 8) matches
 * the analytic Hessian within the error bound that `predictedHessianError` states, and is exactly
 * symmetric. The reported error is the part the bound can keep a margin on: after subtracting
 * the stencils' exact truncation (known in closed form for degree <= 4), the rest must be within
 * the round-off bound (worst ~0.05 of it). The full bound, whose truncation term c·x⁴ attains
 * exactly (ratio 1 - 1e-14), must hold as well.
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

/**
 * The exact truncation error of {@link hessian}'s stencils on a polynomial of degree <= 4:
 * `(h_i²/3) ∂⁴p/∂x_i⁴` on the diagonal (the ±2h stencil) and `(h_i² ∂_iiij p + h_j² ∂_ijjj p)/6`
 * off it (the four-point stencil's surviving s³t and st³ Taylor terms); only degree-4 terms have
 * fourth derivatives, and those are constants.
 */
function exactTruncation(
  polynomial: PolynomialCase["polynomial"],
  steps: ArrayLike<number>,
): number[][] {
  const d = polynomial.dimension;
  const out = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  for (const { coefficient: c, variables } of polynomial.terms) {
    if (variables.length !== 4) continue;
    const counts = new Map<number, number>();
    for (const v of variables) counts.set(v, (counts.get(v) ?? 0) + 1);
    if (counts.size === 1) {
      const i = variables[0];
      out[i][i] += 8 * c * steps[i] * steps[i]; // (h²/3)·24c
    } else if (counts.size === 2) {
      const [[a, na], [b]] = [...counts.entries()];
      if (na === 2) continue; // ∂_aabb: no stencil of hessian() sees it
      const [i3, j1] = na === 3 ? [a, b] : [b, a]; // c·x_i³x_j: ∂_iiij = 6c, T = c·h_i²
      out[i3][j1] += c * steps[i3] * steps[i3];
      out[j1][i3] = out[i3][j1];
    }
  }
  return out;
}

/**
 * One case's worst error and whether `H_fd` is exactly symmetric. `ratio` is
 * `|H_fd - H - T| / (round-off bound)`, T the exact truncation: a margin the bound can keep (the
 * truncation part of the full bound is attained exactly by c·x⁴, so `|H_fd - H| / bound` sits at
 * 1 - 1e-14 on such cases, however right it is). `fullRatio` is the old `|H_fd - H| / bound`,
 * still required to be <= 1.
 */
function check(
  { polynomial, point }: PolynomialCase,
  stepScale: number,
): { ratio: number; fullRatio: number; symmetric: boolean; where: string } {
  const d = polynomial.dimension;
  const steps = hessianSteps(point).map((h) => h * stepScale);
  const H = hessian((x) => evaluate(polynomial, x), point, { step: steps });
  const hMax = Math.max(...steps);
  // Every stencil point lies in the box |y_i| <= |x_i| + 2 max h.
  const box = Float64Array.from(point, (v) => Math.abs(v) + 2 * hMax);
  const errorInputs = {
    steps,
    fourthDerivativeBound: topDerivativeBound(polynomial, 4),
    valueBound: absoluteSum(polynomial, box),
    valueError: evaluationError(polynomial, box),
    gradientBound: gradientBound(polynomial, box),
    pointBound: Math.max(...Array.from(point, Math.abs)),
  };
  const bound = predictedHessianError(errorInputs);
  const roundOff = predictedHessianError({ ...errorInputs, fourthDerivativeBound: 0 });
  const truncation = exactTruncation(polynomial, steps);
  // The analytic Hessian is itself rounded: each entry sums <= 12·T products of <= 4 factors.
  const absolutePolynomial = {
    dimension: d,
    terms: polynomial.terms.map((t) => ({ ...t, coefficient: Math.abs(t.coefficient) })),
  };
  const absoluteHessian = hessianOf(absolutePolynomial, Float64Array.from(point, Math.abs));
  const exact = hessianOf(polynomial, point);
  const analyticRounding = gamma(12 * polynomial.terms.length + 4);
  let ratio = 0;
  let fullRatio = 0;
  let symmetric = true;
  let where = "";
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      if (H[i][j] !== H[j][i]) symmetric = false;
      // Underflow of the analytic products adds <= one subnormal per product (12·T of them).
      const analytic = analyticRounding * absoluteHessian[i][j] +
        12 * polynomial.terms.length * Number.MIN_VALUE * Math.max(1, ...box) ** 2;
      fullRatio = Math.max(fullRatio, Math.abs(H[i][j] - exact[i][j]) / (bound[i][j] + analytic));
      // T is summed in Float64 over at most 12 terms of 3 products each: γ_40·Σ|T terms|, taken
      // as γ_40·(|T| + M4·h²), M4·h² bounding each term.
      const tRounding = gamma(40) *
        (Math.abs(truncation[i][j]) + errorInputs.fourthDerivativeBound * steps[i] * steps[j]);
      const tolerance = roundOff[i][j] + analytic + tRounding;
      const r = Math.abs(H[i][j] - exact[i][j] - truncation[i][j]) / tolerance;
      if (r > ratio) {
        ratio = r;
        where = `H[${i}][${j}]: fd ${H[i][j]}, exact ${exact[i][j]}, truncation ${
          truncation[i][j]
        }, round-off bound ${tolerance}`;
      }
    }
  }
  return { ratio, fullRatio, symmetric, where };
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
    let worstFull = 0;
    let worstWhere = "";
    let cases = 0;
    let ratioSumLargeStep = 0;
    let largeStepCases = 0;
    const property = fc.property(
      polynomialCase({ maxDimension: 8, maxDegree: 4, maxTerms: 12, radius: 2 }),
      fc.constantFrom(...STEP_SCALES),
      (c, stepScale) => {
        const { ratio, fullRatio, symmetric, where } = check(c, stepScale);
        cases++;
        worstFull = Math.max(worstFull, fullRatio);
        if (stepScale === STEP_SCALES[STEP_SCALES.length - 1]) {
          ratioSumLargeStep += ratio;
          largeStepCases++;
        }
        if (ratio > worst) {
          worst = ratio;
          worstWhere = `d=${c.polynomial.dimension}, step ×${stepScale}, ${where}`;
        }
        return symmetric && ratio <= 1 && fullRatio <= 1;
      },
    );
    const details = fc.check(property, { seed, numRuns: NUM_RUNS });
    const why =
      "|H_fd - H - T| / round-off bound per entry, T the stencils' exact truncation for degree <= 4 " +
      "(h_i²/3 ∂_iiii p; (h_i² ∂_iiij p + h_j² ∂_ijjj p)/6), round-off bound (δ+3eps·F)/(h_ih_j) " +
      "with F = Σ|terms| on the stencil box, δ = γ_(T+4)F + eps·‖∇p‖∞(X+2h), plus the analytic " +
      "Hessian's and T's own rounding: rigorous, so tolerance 1; the full bound " +
      "M4(h_i+h_j)⁴/(24h_ih_j) [M4h²/3 on the diagonal] + round-off must hold too";
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
      passed: worst <= 1 && worstFull <= 1,
      detail:
        `${why}; every FD Hessian exactly symmetric; worst at ${worstWhere}; worst against the ` +
        `full bound ${worstFull.toFixed(14)} (attained by c·x⁴); mean ratio at step ×${
          STEP_SCALES[STEP_SCALES.length - 1]
        } (truncation-dominated) ${(ratioSumLargeStep / Math.max(1, largeStepCases)).toFixed(3)}`,
    };
  },
};
