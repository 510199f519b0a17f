/**
 * Adaptive (scale-invariant) measures: the perturbation moves with the point,
 * `δ = (|x| + η) ⊙ ξ` with ξ drawn from the base measure (spec.ts `adaptiveMeasure`, the ASAM
 * perturbation). With `D = diag(|x| + η)`, `½ δᵀHδ = ½ ξᵀ(DHD)ξ`, so the adaptive value is the base
 * value of `DHD`, and the estimate is the base estimate of `u ↦ f(x + D u)` at `u = 0`. For
 * `η = 0` both are exactly invariant under positive diagonal rescalings `x -> Tx` of a loss with
 * `L(Tx) = L(x)` (THEORY.md): `(TD) T⁻¹HT⁻¹ (TD) = DHD`, and the rescaled loss sees the same
 * draws at the same places.
 *
 * @module
 */
import { assertFiniteVector, assertSquareSymmetric } from "../math/linalg.ts";
import { adaptiveMeasure } from "./spec.ts";
import type { Estimate, EstimateOptions, Loss, SharpnessMeasure } from "./types.ts";
import { checkLossAndPoint } from "./validate.ts";

/**
 * The adaptive version of `base` with offset `eta >= 0` (default 0: exactly scale-invariant).
 * Its `exact(H, x)` needs the point x.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { adaptive } from "./adaptive.ts";
 * import { trace } from "./trace.ts";
 * const adaptiveTrace = adaptive(trace);
 * // D = diag(2, 1): tr(DHD) = 4·1 + 1·3 = 7
 * assert(adaptiveTrace.exact([[1, 0], [0, 3]], [2, -1]) === 7);
 * ```
 */
export function adaptive(base: SharpnessMeasure, eta = 0): SharpnessMeasure {
  if (typeof base !== "object" || base === null || typeof base.estimateWithError !== "function") {
    throw new TypeError(`adaptive: base must be a sharpness measure, got ${base}`);
  }
  if (typeof eta !== "number" || !(eta >= 0) || !Number.isFinite(eta)) {
    throw new RangeError(`adaptive: eta must be a finite number >= 0, got ${eta}`);
  }
  const name = `adaptive(${base.name}, eta=${eta})`;
  const scales = (x: ArrayLike<number>) => Float64Array.from(x, (v) => Math.abs(v) + eta);
  return {
    name,
    spec: base.spec && { ...base.spec, measure: adaptiveMeasure(base.spec.measure, eta) },
    exact(H: number[][], x?: ArrayLike<number>): number {
      const d = assertSquareSymmetric(H, `${name}.exact: H`);
      if (x === undefined) {
        throw new TypeError(`${name}.exact: the point x is required (the measure moves with x)`);
      }
      assertFiniteVector(x, `${name}.exact: x`);
      if (x.length !== d) {
        throw new RangeError(
          `${name}.exact: dimension mismatch: H is ${d}×${d} but x has length ${x.length}`,
        );
      }
      const D = scales(x);
      return base.exact(H.map((row, i) => row.map((h, j) => D[i] * h * D[j])));
    },
    estimate(f: Loss, x: ArrayLike<number>, options?: EstimateOptions): number {
      return this.estimateWithError(f, x, options).value;
    },
    estimateWithError(f: Loss, x: ArrayLike<number>, options?: EstimateOptions): Estimate {
      const point = checkLossAndPoint(name, f, x);
      const D = scales(point);
      const d = point.length;
      const moved = new Float64Array(d);
      const scaled: Loss = (u) => {
        for (let k = 0; k < d; k++) moved[k] = point[k] + D[k] * u[k];
        return f(moved);
      };
      return base.estimateWithError(scaled, new Float64Array(d), options);
    },
  };
}
