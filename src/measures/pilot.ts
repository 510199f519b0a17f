/**
 * The pilot Hessian of the determinant and max-eigenvalue estimates: central point-mass
 * quotients (the finite-difference Hessian of src/math, values of f only), counted and with the
 * measures' non-finite-value error.
 *
 * @module
 */
import { hessian } from "../math/finite_diff.ts";
import type { Loss } from "./types.ts";
import { finiteValue } from "./validate.ts";

/**
 * The finite-difference Hessian of `f` at `x` (step from the error bound of src/math: about
 * 1e-8 relative accuracy, exact up to round-off for a quadratic) and the number of calls of f.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pilotHessian } from "./pilot.ts";
 * const { H, evaluations } = pilotHessian("demo", (v) => v[0] ** 2, new Float64Array([0]));
 * assert(Math.abs(H[0][0] - 2) < 1e-6 && evaluations === 3);
 * ```
 */
export function pilotHessian(
  measure: string,
  f: Loss,
  x: Float64Array,
): { H: number[][]; evaluations: number } {
  let evaluations = 0;
  const counted = (y: Float64Array) => {
    evaluations++;
    return finiteValue(measure, f, y, "f (pilot Hessian)");
  };
  const H = hessian(counted, x);
  return { H, evaluations };
}
