/**
 * The trace measure (average SAM): Gaussian mu, `f(t) = t`, `F = id`, so `P → ½ tr H`; in
 * standard units `tr H = 2P`.
 *
 * @module
 */
import { assertSquareSymmetric, trace as traceOf } from "../math/linalg.ts";
import { sampledEstimate } from "./sampled.ts";
import { traceSpec } from "./spec.ts";
import type { Estimate, EstimateOptions, Loss, SharpnessMeasure } from "./types.ts";
import { checkLossAndPoint, resolveOptions } from "./validate.ts";

/**
 * Defaults of the trace estimate: `rho = 1e-3` (the even quotient is `O(rho²)` accurate, so
 * 1e-6 relative truncation, while round-off `eps·|f|/rho²` stays near 1e-10·|f|) and 10,000
 * antithetic pairs (relative standard error `sqrt(2‖H‖_F²/n)/|tr H|`, about 1% for d = 2
 * and well-conditioned H).
 */
export const TRACE_DEFAULTS = { rho: 1e-3, samples: 10_000, seed: 0 } as const;

const spec = traceSpec();

/**
 * `tr H`: exact from a Hessian, and estimated as `2 · mean_i d̄_rho(x, δ_i)`, `δ_i ~ N(0, I)`
 * in antithetic pairs (exact in expectation for a quadratic at any x; `O(rho²)` otherwise).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { trace } from "./trace.ts";
 * const f = (x: Float64Array) => x[0] ** 2 + 3 * x[1] ** 2; // H = diag(2, 6)
 * assert(trace.exact([[2, 0], [0, 6]]) === 8);
 * const e = trace.estimateWithError(f, [0, 0]);
 * assert(Math.abs(e.value - 8) < 5 * e.standardError);
 * ```
 */
export const trace: SharpnessMeasure = {
  name: "trace",
  spec,
  exact(H: number[][]): number {
    assertSquareSymmetric(H, "trace.exact: H");
    return traceOf(H);
  },
  estimate(f: Loss, x: ArrayLike<number>, options?: EstimateOptions): number {
    return this.estimateWithError(f, x, options).value;
  },
  estimateWithError(f: Loss, x: ArrayLike<number>, options?: EstimateOptions): Estimate {
    const point = checkLossAndPoint("trace", f, x);
    const resolved = resolveOptions("trace", options, TRACE_DEFAULTS, 1);
    return sampledEstimate("trace", spec, f, point, resolved, 2, true);
  },
};
