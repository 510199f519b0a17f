/**
 * Property 3: for random non-quadratic functions with a known critical point, the zeroth-order
 * error `|estimate - exact(H_fd)|` shrinks as rho shrinks at the predicted order: `O(rho²)` for a
 * symmetric mu (trace, Frobenius, determinant: THEORY.md), `O(rho)` for a non-symmetric mu (a
 * user-defined point-mass measure through `universal`) and for the SAM max (the max eigenvalue,
 * whose max picks the sign of the cubic term).
 *
 * The functions: `f(x) = 1 + ½ yᵀHy + α (vᵀy)³ + β (wᵀy)⁴`, `y = x - x*`, H positive definite
 * with a gap of at least 1 under its top eigenvalue, v its top eigenvector, w a random unit
 * vector, `|α| ∈ [1, 2]`, `β ∈ [0.2, 1]`. So x* is a critical point with Hessian H, the cubic term
 * is seen by the SAM max, and the quartic term by every measure.
 *
 * Common random numbers: every rho uses the same seed, and "exact(H_fd)" is evaluated with the
 * same draws, as the same estimator applied to the quadratic model `f(x*) + ½ yᵀ H_fd y` (H_fd the
 * finite-difference Hessian of f at x*). Its expectation is `exact(H_fd)`, and the Monte Carlo
 * error, common to both, cancels from the difference, leaving only the Taylor remainder: this is
 * what makes the slope measurable with a few thousand draws. (For the max eigenvalue, which has
 * no Monte Carlo error, the reference is `exact(H_fd)` itself.)
 *
 * Tolerance: the fitted log-log slope over rho ∈ {0.04, 0.02, 0.01, 0.005} must be within 0.25 of
 * the predicted order, and the error must decrease at every step. Why 0.25: the next Taylor term
 * bends the slope by about `rho_max · |c_{p+1}/c_p|`: for the even quotients the next term is
 * `O(rho⁴)` (bend ~ rho² ≈ 2e-3); for the one-sided ones `|c_2/c_1| <= β/|α| + O(1) <= 2`, a bend of
 * at most ~0.08 at rho = 0.04; the finite-difference error of H_fd (~1e-8) is below 1e-3 of the
 * smallest error measured (`rho² β ≈ 5e-6`).
 *
 * @module
 */
import fc from "fast-check";
import { hessian } from "../src/math/finite_diff.ts";
import { symmetricEigen } from "../src/math/linalg.ts";
import { Random } from "../src/math/random.ts";
import { sharpness } from "../src/measures/sharpness.ts";
import { pointMassMeasure } from "../src/measures/spec.ts";
import type { Loss, SharpnessMeasure } from "../src/measures/types.ts";
import {
  type CaseErrors,
  checkCases,
  describeWorst,
  logLogSlope,
  quadratic,
  symmetricWithSpectrum,
} from "./cases.ts";
import type { Property, PropertyResult } from "./property.ts";

const RHOS = [0.04, 0.02, 0.01, 0.005];
const SLOPE_TOLERANCE = 0.25;
const NUM_RUNS = 12;

const arbitrary = fc.record({
  lower: fc.array(fc.double({ min: 0.5, max: 2, noNaN: true }), { minLength: 1, maxLength: 3 }),
  top: fc.double({ min: 3, max: 4, noNaN: true }),
  basisSeed: fc.integer(),
  alpha: fc.tuple(fc.double({ min: 1, max: 2, noNaN: true }), fc.boolean()).map(([a, s]) =>
    s ? -a : a
  ),
  beta: fc.double({ min: 0.2, max: 1, noNaN: true }),
  wSeed: fc.integer(),
  center: fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 4, maxLength: 4 }),
  estimateSeed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
});

function orderError(
  name: string,
  measure: SharpnessMeasure,
  f: Loss,
  model: Loss,
  x: number[],
  seed: number,
  samples: number,
  order: number,
  exactReference?: number,
): number {
  const errors = RHOS.map((rho) => {
    const options = { rho, seed, samples };
    const reference = exactReference ?? measure.estimate(model, x, options);
    return Math.abs(measure.estimate(f, x, options) - reference);
  });
  for (let i = 1; i < errors.length; i++) {
    if (!(errors[i] < errors[i - 1])) {
      throw new Error(`${name}: error did not decrease with rho: ${errors.join(", ")}`);
    }
  }
  return Math.abs(logLogSlope(RHOS, errors) - order) / SLOPE_TOLERANCE;
}

/**
 * Property 3 (order of convergence in rho).
 *
 * @example
 * ```ts ignore
 * import assert from "node:assert/strict";
 * import { convergenceOrderProperty } from "./convergence_order.ts";
 * assert((await convergenceOrderProperty.run(1)).passed);
 * ```
 */
export const convergenceOrderProperty: Property = {
  id: 3,
  name: "zeroth-order error shrinks at the predicted order in rho",
  run(seed: number): PropertyResult {
    const summary = checkCases(arbitrary, seed, NUM_RUNS, (c): CaseErrors => {
      const values = [...c.lower, c.top];
      const d = values.length;
      const H = symmetricWithSpectrum(values, c.basisSeed);
      const { vectors } = symmetricEigen(H);
      const v = vectors[d - 1];
      const w = new Random(c.wSeed).unitSphere(d);
      const x = c.center.slice(0, d);
      const f: Loss = (p) => {
        let q = 0;
        let along = 0;
        let quartic = 0;
        for (let i = 0; i < d; i++) {
          const yi = p[i] - x[i];
          let row = 0;
          for (let j = 0; j < d; j++) row += H[i][j] * (p[j] - x[j]);
          q += yi * row;
          along += v[i] * yi;
          quartic += w[i] * yi;
        }
        return 1 + 0.5 * q + c.alpha * along ** 3 + c.beta * quartic ** 4;
      };
      const Hfd = hessian(f, Float64Array.from(x));
      const model = quadratic(Hfd, x, f(Float64Array.from(x)));
      // A non-symmetric mu: point masses at v and at each e_i (one-sided quotients, O(rho)).
      const points = [
        Array.from(v),
        ...Array.from({ length: d }, (_, i) => {
          const e = new Array<number>(d).fill(0);
          e[i] = 1;
          return e;
        }),
      ];
      const oneSided = sharpness.universal({
        name: "point masses {v, e_i}",
        inner: (t) => t,
        outer: (m) => m[0],
        measure: pointMassMeasure(points),
        scale: 2,
      });
      const s = c.estimateSeed;
      return {
        trace: orderError("trace", sharpness.trace, f, model, x, s, 2000, 2),
        frobenius: orderError("frobenius", sharpness.frobenius, f, model, x, s, 2000, 2),
        determinant: orderError("determinant", sharpness.determinant, f, model, x, s, 4000, 2),
        pointMass: orderError("point mass", oneSided, f, model, x, s, 400, 1),
        maxEigenvalue: orderError(
          "maxEigenvalue",
          sharpness.maxEigenvalue,
          f,
          model,
          x,
          s,
          2,
          1,
          sharpness.maxEigenvalue.exact(Hfd),
        ),
      };
    });
    return {
      cases: summary.cases,
      worstError: summary.worstError * SLOPE_TOLERANCE,
      tolerance: SLOPE_TOLERANCE,
      passed: !summary.failed,
      detail:
        `worst |slope - predicted order| (orders: trace, Frobenius, determinant 2; point-mass mu, max eigenvalue 1), in units of ${SLOPE_TOLERANCE}: ${
          describeWorst(summary.worstBySubcheck)
        }${summary.counterexample ? `. FAILED: ${summary.counterexample}` : ""}`,
    };
  },
};
