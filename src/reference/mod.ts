/**
 * The Float64 reference steps of the SAM family (closed forms of THEORY.md, "The optimizers"):
 * the oracle the TF.js optimizers are tested against and that proofs/ checks against finite
 * differences. They sit above `src/measures` (they use its specs and plug-in weights) and below
 * the optimizers' tests.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { samDirection } from "./mod.ts";
 * const problem = {
 *   loss: (x: Float64Array) => x[0] * x[0],
 *   grad: (x: Float64Array) => Float64Array.of(2 * x[0]),
 * };
 * // SAM at x = 1 with rho 0.5: the gradient at x + 0.5 = 1.5 is 3.
 * assert.ok(Math.abs(samDirection(problem, Float64Array.of(1), { rho: 0.5 })[0] - 3) < 1e-12);
 * ```
 *
 * @module
 */
export * from "./sam_reference.ts";
