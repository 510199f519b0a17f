/**
 * The shapes shared by every Float64 sharpness measure: a loss, the estimate options, the
 * estimate with its Monte Carlo error, and the measure itself (exact value from a Hessian and
 * zeroth-order estimate from loss values).
 *
 * @module
 */
import type { SharpnessSpec } from "./spec.ts";

/**
 * A loss `f : R^d -> R`, called with a fresh or reused `Float64Array` it must not keep.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Loss } from "./types.ts";
 * const bowl: Loss = (x) => x[0] * x[0] + 2 * x[1] * x[1];
 * assert(bowl(new Float64Array([1, 1])) === 3);
 * ```
 */
export type Loss = (x: Float64Array) => number;

/**
 * Options of every `estimate`. All are optional; each measure documents its defaults.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { EstimateOptions } from "./types.ts";
 * const options: EstimateOptions = { rho: 1e-3, samples: 20_000, seed: 7 };
 * assert(options.rho === 1e-3);
 * ```
 */
export interface EstimateOptions {
  /** The perturbation radius `rho > 0` of the difference quotients `d_rho`. */
  rho?: number;
  /** Monte Carlo draws (antithetic pairs for a symmetric mu); ascent sweeps for the max eigenvalue. */
  samples?: number;
  /** Seed of the {@link Random} stream the draws come from: a seed fixes every draw. */
  seed?: number;
}

/**
 * An estimate in standard units with its Monte Carlo standard error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Estimate } from "./types.ts";
 * const e: Estimate = { value: 2, standardError: 0.01, samples: 100, evaluations: 201, rho: 1e-3 };
 * assert(Math.abs(e.value - 2) < 3 * e.standardError);
 * ```
 */
export interface Estimate {
  /** The estimate, in the measure's standard units (e.g. `tr H`, not `½ tr H`). */
  value: number;
  /**
   * The Monte Carlo standard error of `value` (delta method, from the sample itself); 0 for the
   * deterministic max-eigenvalue search, whose error is the O(rho) bias only.
   */
  standardError: number;
  /** Monte Carlo draws used. */
  samples: number;
  /** Calls of `f`, including the pilot Hessian where there is one. */
  evaluations: number;
  rho: number;
}

/**
 * A sharpness measure `S(x) = F(∫ f(½ δᵀH(x) δ) dμ(δ))` in standard units, with its exact value
 * from a Hessian and its zeroth-order estimate from loss values only.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sharpness } from "./sharpness.ts";
 * const measure = sharpness.trace;
 * assert(measure.exact([[1, 0], [0, 3]]) === 4);
 * ```
 */
export interface SharpnessMeasure {
  readonly name: string;
  /**
   * The `(f, F, mu)` triple the estimate samples and that `universalSam` trains with, where the
   * measure is an instance of the universal class with a sampler (absent for the max eigenvalue,
   * the `p -> ∞` limit, and for the determinant, whose Lebesgue mu has no sampler: its Det-SAM
   * spec is `determinantSpec(halfWidth)`).
   */
  readonly spec?: SharpnessSpec;
  /**
   * The exact value from a symmetric Hessian `H`. Adaptive measures also need the point `x`
   * (their mu moves with it).
   */
  exact(H: number[][], x?: ArrayLike<number>): number;
  /** The zeroth-order estimate of `exact(∇²f(x))` from values of `f` near `x`. */
  estimate(f: Loss, x: ArrayLike<number>, options?: EstimateOptions): number;
  /** {@link SharpnessMeasure.estimate} with its standard error and cost. */
  estimateWithError(f: Loss, x: ArrayLike<number>, options?: EstimateOptions): Estimate;
}
