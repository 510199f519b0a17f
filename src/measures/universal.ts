/**
 * User-defined measures of the universal class: `universal({ inner, outer, measure })` turns a
 * user's `(f, F, mu)` into a measure with the same `exact` / `estimate` methods as the standard
 * ones, and a `spec` the TF.js `universalSam` optimizer trains with.
 *
 * @module
 */
import { assertSquareSymmetric } from "../math/linalg.ts";
import { Random } from "../math/random.ts";
import { objectiveFromQuotients, sampledEstimate } from "./sampled.ts";
import type { InnerFunction, OuterFunction, PerturbationMeasure, SharpnessSpec } from "./spec.ts";
import type { Estimate, EstimateOptions, Loss, SharpnessMeasure } from "./types.ts";
import { checkLossAndPoint, resolveOptions } from "./validate.ts";

/** What `universal` accepts: the spec.ts interfaces, or plain functions for f and F. */
export interface UniversalDefinition {
  /** Shown in error messages. Default `"universal"`. */
  name?: string;
  /** `f : R -> R^m`: an {@link InnerFunction}, or `(t) => number | number[]` (derivative by central differences). */
  inner: InnerFunction | ((t: number) => number | number[]);
  /** `F : R^m -> R` of the sample mean (and n): an {@link OuterFunction}, or a plain function (gradient by central differences). */
  outer: OuterFunction | ((mean: number[], samples: number) => number);
  /** mu, as a sampler (spec.ts `gaussianMeasure`, `sphereMeasure`, `pointMassMeasure`, ...). */
  measure: PerturbationMeasure;
  /** Standard units are `scale · P` (e.g. 2 for the trace). Default 1. */
  scale?: number;
  /** A closed form of the standard-units value `scale · F(∫ f(½ δᵀHδ) dmu)`, if known. */
  exact?: (H: number[][]) => number;
  /** Monte Carlo draws of `exact` without a closed form. Default 200,000. */
  exactSamples?: number;
  /** Defaults of `estimate`: rho 1e-3, 10,000 draws (pairs when mu is symmetric), seed 0. */
  defaults?: EstimateOptions;
}

const DEFAULTS = { rho: 1e-3, samples: 10_000, seed: 0 } as const;
/** Fixed seed of the Monte Carlo `exact`, so that it is a deterministic function of H. */
const EXACT_SEED = 0x5eed;

/**
 * Builds a measure from a user's `(f, F, mu)`. `estimate` is the zeroth-order objective
 * `scale · F(mean f(d_i), n)` (antithetic even quotients when mu is symmetric, one-sided `d_rho`
 * otherwise: see sampled.ts). `exact(H, x?)` is `scale · F(∫ f(½ δᵀHδ) dmu)`: the closed form
 * when given, else a Monte Carlo integral with `exactSamples` draws from a fixed seed, whose
 * relative error is `O(1/sqrt(exactSamples))` (about 0.2-0.5% for the default 200,000 draws and
 * the Gaussian trace; use `estimateWithError` on a quadratic to see the standard error of a given
 * case). `x` (default 0) is passed to mu for measures that move with the point.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { universal } from "./universal.ts";
 * import { pointMassMeasure } from "./spec.ts";
 * // mu = point mass at e_0, f = id, F = id: P = ½ H_00, so scale 2 gives H_00.
 * const h00 = universal({ inner: (t) => t, outer: (m) => m[0], measure: pointMassMeasure([[1, 0]]), scale: 2 });
 * assert(h00.exact([[3, 1], [1, 5]]) === 3);
 * const f = (x: Float64Array) => 1.5 * x[0] ** 2 + x[0] * x[1] + 2.5 * x[1] ** 2;
 * assert(Math.abs(h00.estimate(f, [0, 0], { samples: 1 }) - 3) < 1e-6);
 * ```
 */
export function universal(definition: UniversalDefinition): SharpnessMeasure {
  if (typeof definition !== "object" || definition === null) {
    throw new TypeError(`universal: expected { inner, outer, measure }, got ${definition}`);
  }
  const name = definition.name ?? "universal";
  const inner = toInner(name, definition.inner);
  const outer = toOuter(name, definition.outer);
  const measure = definition.measure;
  if (
    typeof measure !== "object" || measure === null || typeof measure.sample !== "function"
  ) {
    throw new TypeError(`${name}: measure must have a sample(rng, x, out) method, got ${measure}`);
  }
  const scale = definition.scale ?? 1;
  if (typeof scale !== "number" || !Number.isFinite(scale) || scale === 0) {
    throw new RangeError(`${name}: scale must be a finite non-zero number, got ${scale}`);
  }
  const exactSamples = definition.exactSamples ?? 200_000;
  if (!Number.isInteger(exactSamples) || exactSamples < 1) {
    throw new RangeError(`${name}: exactSamples must be a positive integer, got ${exactSamples}`);
  }
  if (definition.exact !== undefined && typeof definition.exact !== "function") {
    throw new TypeError(`${name}: exact must be a function of H, got ${typeof definition.exact}`);
  }
  const defaults = resolveOptions(name, definition.defaults, DEFAULTS, 1);
  const spec: SharpnessSpec = { name, inner, outer, measure };
  return {
    name,
    spec,
    exact(H: number[][], x?: ArrayLike<number>): number {
      const d = assertSquareSymmetric(H, `${name}.exact: H`);
      if (definition.exact) return definition.exact(H);
      const point = x === undefined ? new Float64Array(d) : Float64Array.from(x);
      if (point.length !== d) {
        throw new RangeError(
          `${name}.exact: dimension mismatch: H is ${d}×${d} but x has length ${point.length}`,
        );
      }
      const rng = new Random(EXACT_SEED);
      const delta = new Float64Array(d);
      const halfForms = new Float64Array(exactSamples);
      for (let i = 0; i < exactSamples; i++) {
        measure.sample(rng, point, delta);
        let q = 0;
        for (let a = 0; a < d; a++) {
          let row = 0;
          for (let b = 0; b < d; b++) row += H[a][b] * delta[b];
          q += delta[a] * row;
        }
        halfForms[i] = 0.5 * q;
      }
      return objectiveFromQuotients(name, spec, halfForms, scale).value;
    },
    estimate(f: Loss, x: ArrayLike<number>, options?: EstimateOptions): number {
      return this.estimateWithError(f, x, options).value;
    },
    estimateWithError(f: Loss, x: ArrayLike<number>, options?: EstimateOptions): Estimate {
      const point = checkLossAndPoint(name, f, x);
      const resolved = resolveOptions(name, options, defaults, 1);
      return sampledEstimate(name, spec, f, point, resolved, scale, measure.symmetric);
    },
  };
}

/** A central-difference derivative step for f and F given as plain functions. */
function derivativeStep(t: number): number {
  return 1e-5 * Math.max(1, Math.abs(t));
}

function toInner(name: string, inner: UniversalDefinition["inner"]): InnerFunction {
  if (typeof inner === "function") {
    const m = [inner(0)].flat().length;
    const value = (t: number) => [inner(t)].flat();
    return {
      dimension: m,
      value,
      derivative(t) {
        const h = derivativeStep(t);
        const up = value(t + h);
        const down = value(t - h);
        return up.map((u, k) => (u - down[k]) / (2 * h));
      },
    };
  }
  if (
    typeof inner !== "object" || inner === null || typeof inner.value !== "function" ||
    typeof inner.derivative !== "function"
  ) {
    throw new TypeError(`${name}: inner must be a function or { dimension, value, derivative }`);
  }
  if (!Number.isInteger(inner.dimension) || inner.dimension < 1) {
    throw new RangeError(
      `${name}: inner.dimension must be a positive integer, got ${inner.dimension}`,
    );
  }
  return inner;
}

function toOuter(name: string, outer: UniversalDefinition["outer"]): OuterFunction {
  if (typeof outer === "function") {
    return {
      value: outer,
      gradient(mean, n) {
        return mean.map((v, k) => {
          const h = derivativeStep(v);
          const up = mean.slice();
          const down = mean.slice();
          up[k] = v + h;
          down[k] = v - h;
          return (outer(up, n) - outer(down, n)) / (2 * h);
        });
      },
    };
  }
  if (
    typeof outer !== "object" || outer === null || typeof outer.value !== "function" ||
    typeof outer.gradient !== "function"
  ) {
    throw new TypeError(`${name}: outer must be a function or { value, gradient }`);
  }
  return outer;
}
