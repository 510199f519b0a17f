/**
 * Sharpness measures in Float64: `(f, F, mu)` as data (spec.ts, shared with the TF.js
 * optimizers), the standard measures with exact values and zeroth-order estimates, adaptive
 * variants and user-defined measures.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sharpness } from "./mod.ts";
 * assert(sharpness.trace.exact([[1, 0], [0, 2]]) === 3);
 * ```
 *
 * @module
 */
export * from "./spec.ts";
export type { Estimate, EstimateOptions, Loss, SharpnessMeasure } from "./types.ts";
export { trace, TRACE_DEFAULTS } from "./trace.ts";
export { frobenius, FROBENIUS_DEFAULTS } from "./frobenius.ts";
export {
  determinant,
  DETERMINANT_DEFAULTS,
  type DeterminantMeasure,
  type DeterminantOptions,
} from "./determinant.ts";
export { MAX_EIGENVALUE_DEFAULTS, maxEigenvalue } from "./max_eigenvalue.ts";
export { adaptive } from "./adaptive.ts";
export { universal, type UniversalDefinition } from "./universal.ts";
export { sharpness } from "./sharpness.ts";
