/**
 * The Float64 math layer (no TF.js): the seeded random sources (`Random`, and the counter-based
 * Philox4x32-10 of `philox.ts`), central finite differences with their error bounds, small dense
 * symmetric linear algebra, polynomials and moments. The reference SAM-family steps, which use the
 * measures, are one layer up in `src/reference`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hessian, symmetricEigenvalues } from "./mod.ts";
 * const H = hessian((x) => x[0] ** 2 + x[0] * x[1] + 2 * x[1] ** 2, new Float64Array([0, 0]));
 * const [low, high] = symmetricEigenvalues(H); // eigenvalues of [[2, 1], [1, 4]]: 3 ± √2
 * // Central differences of a quadratic are exact up to rounding: 1e-6 is far above it.
 * assert.ok(Math.abs(low - (3 - Math.SQRT2)) < 1e-6 && Math.abs(high - (3 + Math.SQRT2)) < 1e-6);
 * ```
 *
 * @module
 */
export * from "./random.ts";
export * from "./philox.ts";
export { philoxFillFast, philoxFillUsesWasm } from "./philox_fill.ts";
export * from "./finite_diff.ts";
export * from "./linalg.ts";
export * from "./polynomial.ts";
export * from "./moments.ts";
