/**
 * The zeroth-order objective of a universal-class measure by plain Monte Carlo:
 * `P̂_rho = F((1/n) Σ_i f(d_i), n)` with `d_i` the difference quotient along `δ_i ~ mu`, rescaled
 * into standard units. Shared by the trace, Frobenius and user-defined (`universal`) measures.
 *
 * For a symmetric mu the draws come in antithetic pairs `(δ, -δ)` (both are draws from mu) and
 * each pair gives one quotient, the even part
 * `d̄_rho(δ) = (L(x + ρδ) + L(x - ρδ) - 2 L(x)) / (2ρ²) = ½ δᵀHδ + O(ρ²)`. It has the same
 * limit as `d_rho`, but the gradient term and the cubic Taylor term cancel sample by sample, not
 * only in expectation: the estimate is then `O(ρ²)` accurate for a finite sample too (THEORY.md
 * predicts `O(ρ²)` for the expectation under a symmetric mu) and does not need `∇L(x) = 0`
 * exactly. A non-symmetric mu uses the one-sided `d_rho` and is `O(ρ)`.
 *
 * @module
 */
import { Random } from "../math/random.ts";
import type { SharpnessSpec } from "./spec.ts";
import type { Estimate, Loss } from "./types.ts";
import { finiteValue, type ResolvedOptions } from "./validate.ts";

/**
 * Draws the quotients `d_i` of `spec.measure` at `x` (even parts over antithetic pairs when
 * `symmetrize`). Throws a `RangeError` when a draw has the wrong dimension or `f` is not finite.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sampleQuotients } from "./sampled.ts";
 * import { traceSpec } from "./spec.ts";
 * const { quotients } = sampleQuotients("trace", traceSpec(), (v) => v[0] ** 2, new Float64Array([0]),
 *   { rho: 0.1, samples: 4, seed: 1 }, true);
 * assert(quotients.length === 4 && quotients.every((q) => q >= 0));
 * ```
 */
export function sampleQuotients(
  name: string,
  spec: SharpnessSpec,
  f: Loss,
  x: Float64Array,
  options: ResolvedOptions,
  symmetrize: boolean,
): { quotients: Float64Array; evaluations: number } {
  const { rho, samples, seed } = options;
  const d = x.length;
  const rng = new Random(seed);
  const delta = new Float64Array(d);
  const probe = new Float64Array(d);
  const base = finiteValue(name, f, x, "f(x)");
  const quotients = new Float64Array(samples);
  const rho2 = rho * rho;
  for (let i = 0; i < samples; i++) {
    spec.measure.sample(rng, x, delta);
    for (let k = 0; k < d; k++) {
      if (!Number.isFinite(delta[k])) {
        throw new RangeError(
          `${name}: the measure ${spec.measure.name} drew δ[${k}] = ${delta[k]}`,
        );
      }
      probe[k] = x[k] + rho * delta[k];
    }
    const plus = finiteValue(name, f, probe, `f(x + rho·δ_${i})`);
    if (symmetrize) {
      for (let k = 0; k < d; k++) probe[k] = x[k] - rho * delta[k];
      const minus = finiteValue(name, f, probe, `f(x - rho·δ_${i})`);
      quotients[i] = ((plus - base) + (minus - base)) / (2 * rho2);
    } else {
      quotients[i] = (plus - base) / rho2;
    }
  }
  return { quotients, evaluations: 1 + samples * (symmetrize ? 2 : 1) };
}

/**
 * `scale · F(mean f(d_i), n)` with its delta-method standard error
 * `|scale| · sqrt(∇F(m)ᵀ Cov(f(d)) ∇F(m) / n)`, from quotients already drawn.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { objectiveFromQuotients } from "./sampled.ts";
 * import { traceSpec } from "./spec.ts";
 * const e = objectiveFromQuotients("trace", traceSpec(), new Float64Array([1, 3]), 2);
 * assert(e.value === 4 && Math.abs(e.standardError - 2) < 1e-12);
 * ```
 */
export function objectiveFromQuotients(
  name: string,
  spec: SharpnessSpec,
  quotients: Float64Array,
  scale: number,
): { value: number; standardError: number } {
  const n = quotients.length;
  const m = spec.inner.dimension;
  const values: number[][] = new Array(n);
  const mean = new Array<number>(m).fill(0);
  for (let i = 0; i < n; i++) {
    const v = spec.inner.value(quotients[i]);
    if (!Array.isArray(v) || v.length !== m) {
      throw new RangeError(
        `${name}: inner f must return ${m} numbers (its dimension), got ${
          Array.isArray(v) ? `${v.length}` : typeof v
        } at d = ${quotients[i]}`,
      );
    }
    values[i] = v;
    for (let k = 0; k < m; k++) mean[k] += v[k];
  }
  for (let k = 0; k < m; k++) mean[k] /= n;
  for (let k = 0; k < m; k++) {
    if (!Number.isFinite(mean[k])) {
      throw new RangeError(`${name}: the mean of inner f component ${k} is ${mean[k]}`);
    }
  }
  const value = scale * spec.outer.value(mean, n);
  if (!Number.isFinite(value)) {
    throw new RangeError(`${name}: outer F of the sample mean [${mean.join(", ")}] is ${value}`);
  }
  let variance = 0;
  if (n >= 2) {
    const gradient = spec.outer.gradient(mean, n);
    // Var(∇Fᵀ f(d)) from the projected samples: one pass, no covariance matrix.
    let sum = 0;
    let sumSquares = 0;
    const projected = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let p = 0;
      for (let k = 0; k < m; k++) p += gradient[k] * (values[i][k] - mean[k]);
      projected[i] = p;
      sum += p;
    }
    const centre = sum / n;
    for (let i = 0; i < n; i++) sumSquares += (projected[i] - centre) ** 2;
    variance = sumSquares / (n - 1) / n;
  }
  return { value, standardError: Math.abs(scale) * Math.sqrt(variance) };
}

/**
 * The full sampled estimate: quotients, then {@link objectiveFromQuotients}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sampledEstimate } from "./sampled.ts";
 * import { traceSpec } from "./spec.ts";
 * // f = x², tr H = 2, P = ½ tr H, so the standard-units scale is 2.
 * const e = sampledEstimate("trace", traceSpec(), (v) => v[0] ** 2, new Float64Array([0]),
 *   { rho: 0.1, samples: 2000, seed: 3 }, 2, true);
 * assert(Math.abs(e.value - 2) < 5 * e.standardError);
 * ```
 */
export function sampledEstimate(
  name: string,
  spec: SharpnessSpec,
  f: Loss,
  x: Float64Array,
  options: ResolvedOptions,
  scale: number,
  symmetrize: boolean,
): Estimate {
  const { quotients, evaluations } = sampleQuotients(name, spec, f, x, options, symmetrize);
  const { value, standardError } = objectiveFromQuotients(name, spec, quotients, scale);
  return { value, standardError, samples: options.samples, evaluations, rho: options.rho };
}
