/**
 * The `sharpness` namespace of the public contract: the four standard measures, their adaptive
 * (scale-invariant, `η = 0`) variants, and the constructors `adaptive` and `universal`.
 *
 * @module
 */
import { adaptive } from "./adaptive.ts";
import { determinant, type DeterminantMeasure } from "./determinant.ts";
import { frobenius } from "./frobenius.ts";
import { maxEigenvalue } from "./max_eigenvalue.ts";
import { trace } from "./trace.ts";
import { universal } from "./universal.ts";
import type { SharpnessMeasure } from "./types.ts";

/** The type of {@link sharpness}. */
export interface SharpnessNamespace {
  readonly trace: SharpnessMeasure;
  readonly frobenius: SharpnessMeasure;
  readonly determinant: DeterminantMeasure;
  readonly maxEigenvalue: SharpnessMeasure;
  readonly adaptiveTrace: SharpnessMeasure;
  readonly adaptiveFrobenius: SharpnessMeasure;
  readonly adaptiveDeterminant: SharpnessMeasure;
  readonly adaptiveMaxEigenvalue: SharpnessMeasure;
  readonly adaptive: typeof adaptive;
  readonly universal: typeof universal;
}

/**
 * Sharpness measures in standard units: `tr H`, `‖H‖_F²`, `det H`, `λ_max(H)`, each with
 * `exact(H)` and the zeroth-order `estimate(f, x, { rho, samples, seed })`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sharpness } from "./sharpness.ts";
 * const H = [[2, 0], [0, -2]]; // the saddle a² - b²
 * assert(sharpness.trace.exact(H) === 0);
 * assert(sharpness.frobenius.exact(H) === 8);
 * // The determinant and the top eigenvalue come from factorizations: 1e-12 allows Float64 rounding.
 * assert(Math.abs(sharpness.determinant.exact(H) + 4) < 1e-12);
 * assert(Math.abs(sharpness.maxEigenvalue.exact(H) - 2) < 1e-12);
 * ```
 */
export const sharpness: SharpnessNamespace = {
  trace,
  frobenius,
  determinant,
  maxEigenvalue,
  /** `tr(DHD)`, `D = diag(|x|)`: the trace under the adaptive measure with `η = 0`. */
  adaptiveTrace: adaptive(trace),
  /** `‖DHD‖_F²`, `D = diag(|x|)`. */
  adaptiveFrobenius: adaptive(frobenius),
  /** `det(DHD) = det(D)² det H`, `D = diag(|x|)`. */
  adaptiveDeterminant: adaptive(determinant),
  /** `λ_max(DHD)`, `D = diag(|x|)`. */
  adaptiveMaxEigenvalue: adaptive(maxEigenvalue),
  adaptive,
  universal,
};
