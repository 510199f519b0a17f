/**
 * The Frobenius measure: Gaussian mu, `f(t) = (t, t²)`, `F(a, b) = ½ (n/(n-1)) (b - a²)` (half
 * the unbiased sample variance), so `P → ½ Var(½ δᵀHδ) = ¼ ‖H‖_F²`; in standard units
 * `‖H‖_F² = 4P`.
 *
 * @module
 */
import { assertSquareSymmetric, frobeniusNormSquared } from "../math/linalg.ts";
import { sampledEstimate } from "./sampled.ts";
import { frobeniusSpec } from "./spec.ts";
import type { Estimate, EstimateOptions, Loss, SharpnessMeasure } from "./types.ts";
import { checkLossAndPoint, resolveOptions } from "./validate.ts";

/**
 * Defaults of the Frobenius estimate: `rho = 1e-3` as for the trace, and 10,000 antithetic pairs
 * (relative standard error `sqrt((E(q-Eq)⁴ - Var²q)/n)/Var q`, about 2-3% for small d).
 */
export const FROBENIUS_DEFAULTS = { rho: 1e-3, samples: 10_000, seed: 0 } as const;

const spec = frobeniusSpec();

/**
 * `‖H‖_F²`: exact from a Hessian, and estimated as twice the unbiased sample variance of the
 * even quotients `d̄_rho(x, δ_i)`, `δ_i ~ N(0, I)` (unbiased for a quadratic at any x, since
 * `Var(½ δᵀHδ) = ½ ‖H‖_F²`). Needs at least 2 samples.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { frobenius } from "./frobenius.ts";
 * const saddle = (x: Float64Array) => x[0] ** 2 - x[1] ** 2; // H = diag(2, -2)
 * assert(frobenius.exact([[2, 0], [0, -2]]) === 8);
 * const e = frobenius.estimateWithError(saddle, [0.3, -1]);
 * assert(Math.abs(e.value - 8) < 5 * e.standardError);
 * ```
 */
export const frobenius: SharpnessMeasure = {
  name: "frobenius",
  spec,
  exact(H: number[][]): number {
    assertSquareSymmetric(H, "frobenius.exact: H");
    return frobeniusNormSquared(H);
  },
  estimate(f: Loss, x: ArrayLike<number>, options?: EstimateOptions): number {
    return this.estimateWithError(f, x, options).value;
  },
  estimateWithError(f: Loss, x: ArrayLike<number>, options?: EstimateOptions): Estimate {
    const point = checkLossAndPoint("frobenius", f, x);
    const resolved = resolveOptions("frobenius", options, FROBENIUS_DEFAULTS, 2);
    return sampledEstimate("frobenius", spec, f, point, resolved, 4, true);
  },
};
