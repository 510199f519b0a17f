/**
 * The max-eigenvalue measure (SAM): mu uniform on the unit sphere, `f(t) = t^p`,
 * `F(s) = s^(1/p)`, `p -> ∞`, so `P = max_{‖δ‖=1} ½ δᵀHδ = ½ λ_max(H)`; in practice
 * `P_rho = max_{‖δ‖<=1} d_rho(x, δ)` and in standard units `λ_max = 2P`.
 *
 * The maximum is found without gradients in two stages. (1) A pilot Hessian from central
 * point-mass quotients (src/math `hessian`; exact up to round-off for a quadratic) gives the top
 * eigenvector `v₀`; of `±v₀` the one with the larger one-sided `d_rho` is kept: this is where the
 * max "picks the sign of the cubic term", which keeps the SAM measure `O(rho)` (THEORY.md).
 * (2) Rayleigh-quotient ascent on the sphere: `samples` sweeps over the other eigen-directions
 * `u`, each a three-point parabolic search along the great circle `cos θ·v + sin θ·u`, accepting
 * a move only when `d_rho` increases. For a quadratic the start is already the maximizer and no
 * move is accepted, so the estimate is exact up to the pilot's round-off (the eigenvalue error is
 * second order in the eigenvector error, ~1e-15 relative); otherwise the ascent follows the
 * `O(rho)` shift of the maximizer. Like SAM's own objective, it measures curvature at critical
 * points only: elsewhere the first-order term `‖∇f(x)‖/rho` of the one-sided quotient dominates.
 *
 * @module
 */
import { assertSquareSymmetric, symmetricEigen, symmetricEigenvalues } from "../math/linalg.ts";
import { pilotHessian } from "./pilot.ts";
import type { Estimate, EstimateOptions, Loss, SharpnessMeasure } from "./types.ts";
import { checkLossAndPoint, finiteValue, resolveOptions } from "./validate.ts";

/**
 * Defaults: `rho = 1e-3`, 2 ascent sweeps (`samples`), seed unused (the search is deterministic).
 */
export const MAX_EIGENVALUE_DEFAULTS = { rho: 1e-3, samples: 2, seed: 0 } as const;

/** The half-width of the parabolic search along each great circle, in radians. */
const SEARCH_ANGLE = 0.1;

/**
 * `λ_max(H)`: exact from a Hessian (Jacobi), and estimated as `2 max_{‖δ‖=1} d_rho(x, δ)` by the
 * pilot-then-ascent search of the module notes. Its `standardError` is 0: it has no Monte Carlo
 * error, only the `O(rho)` bias.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { maxEigenvalue } from "./max_eigenvalue.ts";
 * const f = (x: Float64Array) => 2 * x[0] ** 2 + x[0] * x[1] + x[1] ** 2; // H = [[4, 1], [1, 2]]
 * const exact = maxEigenvalue.exact([[4, 1], [1, 2]]); // 3 + √2
 * assert(Math.abs(maxEigenvalue.estimate(f, [0, 0]) / exact - 1) < 1e-6);
 * ```
 */
export const maxEigenvalue: SharpnessMeasure = {
  name: "maxEigenvalue",
  exact(H: number[][]): number {
    assertSquareSymmetric(H, "maxEigenvalue.exact: H");
    const values = symmetricEigenvalues(H, "maxEigenvalue.exact: H");
    return values[values.length - 1];
  },
  estimate(f: Loss, x: ArrayLike<number>, options?: EstimateOptions): number {
    return this.estimateWithError(f, x, options).value;
  },
  estimateWithError(f: Loss, x: ArrayLike<number>, options?: EstimateOptions): Estimate {
    const name = "maxEigenvalue";
    const point = checkLossAndPoint(name, f, x);
    const { rho, samples: sweeps } = resolveOptions(name, options, MAX_EIGENVALUE_DEFAULTS, 0);
    const d = point.length;
    const pilot = pilotHessian(name, f, point);
    const { vectors } = symmetricEigen(pilot.H, "pilot Hessian");
    const base = finiteValue(name, f, point, "f(x)");
    const probe = new Float64Array(d);
    let evaluations = pilot.evaluations + 1;
    const quotient = (direction: Float64Array): number => {
      for (let k = 0; k < d; k++) probe[k] = point[k] + rho * direction[k];
      evaluations++;
      return (finiteValue(name, f, probe, "f(x + rho·δ)") - base) / (rho * rho);
    };
    let v: Float64Array = Float64Array.from(vectors[d - 1]);
    let best = quotient(v);
    const flipped = v.map((c) => -c);
    const flippedValue = quotient(flipped);
    if (flippedValue > best) {
      v = flipped;
      best = flippedValue;
    }
    const onCircle = (u: Float64Array, theta: number) => {
      const out = new Float64Array(d);
      const c = Math.cos(theta);
      const s = Math.sin(theta);
      let norm = 0;
      for (let k = 0; k < d; k++) {
        out[k] = c * v[k] + s * u[k];
        norm += out[k] * out[k];
      }
      norm = Math.sqrt(norm);
      for (let k = 0; k < d; k++) out[k] /= norm;
      return out;
    };
    for (let sweep = 0; sweep < sweeps; sweep++) {
      for (let e = d - 2; e >= 0; e--) {
        const u = tangent(vectors[e], v);
        if (u === undefined) continue;
        const plus = onCircle(u, SEARCH_ANGLE);
        const minus = onCircle(u, -SEARCH_ANGLE);
        const gPlus = quotient(plus);
        const gMinus = quotient(minus);
        const candidates: Array<[number, Float64Array]> = [[gPlus, plus], [gMinus, minus]];
        const curvature = (gPlus + gMinus - 2 * best) / (SEARCH_ANGLE * SEARCH_ANGLE);
        if (curvature < 0) {
          const slope = (gPlus - gMinus) / (2 * SEARCH_ANGLE);
          const theta = Math.max(-Math.PI / 4, Math.min(Math.PI / 4, -slope / curvature));
          const vertex = onCircle(u, theta);
          candidates.push([quotient(vertex), vertex]);
        }
        for (const [value, direction] of candidates) {
          if (value > best) {
            best = value;
            v = direction;
          }
        }
      }
    }
    return { value: 2 * best, standardError: 0, samples: sweeps, evaluations, rho };
  },
};

/** The unit component of `u` orthogonal to the unit vector `v`, or undefined if u ∥ v. */
function tangent(u: ArrayLike<number>, v: Float64Array): Float64Array | undefined {
  let along = 0;
  for (let k = 0; k < v.length; k++) along += u[k] * v[k];
  const out = Float64Array.from(u, (c, k) => c - along * v[k]);
  let norm = 0;
  for (let k = 0; k < out.length; k++) norm += out[k] * out[k];
  norm = Math.sqrt(norm);
  if (!(norm > 1e-8)) return undefined;
  for (let k = 0; k < out.length; k++) out[k] /= norm;
  return out;
}
