/**
 * A sharpness measure as data: `S(x) = F(∫ f(½ δᵀH δ) dμ(δ))` (THEORY.md, "The universal
 * class"). The same three pieces drive the Float64 estimates in `src/measures` and the TF.js
 * `universalSam` optimizer, so a measure a user defines once is both checked and trained with.
 *
 * @module
 */
import type { Random } from "../math/random.ts";

/** The inner function `f : R -> R^m`, with its derivative (used by the plug-in gradient). */
export interface InnerFunction {
  /** m, the length of `value(t)`. */
  readonly dimension: number;
  value(t: number): number[];
  derivative(t: number): number[];
}

/**
 * The outer function `F : R^m -> R` applied to the sample mean `m = (1/n) Σ f(d_i)`.
 * `samples` is n, so that unbiased estimators (Frob-SAM's n/(n-1) variance) are instances too;
 * as n grows the value must tend to F itself.
 */
export interface OuterFunction {
  value(mean: number[], samples: number): number;
  gradient(mean: number[], samples: number): number[];
}

/**
 * How the optimizers draw from a built-in measure on the device (counter-based Philox draws,
 * `src/backends/philox.ts`), as plain data: `N(0, I)`, uniform on the unit sphere, uniform on
 * `[-h, h]^d`, or `(|x| + η) ⊙ ξ` with ξ from another recipe. The measure factories below attach
 * it, so a measure and its recipe cannot disagree.
 */
export type DrawRecipe =
  | { readonly kind: "gaussian" }
  | { readonly kind: "sphere" }
  | { readonly kind: "cube"; readonly halfWidth: number }
  | { readonly kind: "adaptive"; readonly eta: number; readonly base: DrawRecipe };

/** A measure μ over perturbation directions δ ∈ R^d, given as a sampler. */
export interface PerturbationMeasure {
  readonly name: string;
  /**
   * The device recipe of this same measure, when it has one (the built-in measures). Without it
   * the optimizers call `sample` on the host with the point downloaded, and upload the draws.
   */
  readonly draw?: DrawRecipe;
  /** δ and -δ equally likely: the zeroth-order error is then O(ρ²) (THEORY.md). */
  readonly symmetric: boolean;
  /**
   * Draws one δ at the point x into `out` (length d). Adaptive measures read x; the others
   * ignore it. Consumes randomness only from `rng`, so a seed fixes every draw.
   */
  sample(rng: Random, x: ArrayLike<number>, out: Float64Array | Float32Array): void;
}

/** A complete universal-class measure `(f, F, μ)`. */
export interface SharpnessSpec {
  readonly name: string;
  readonly inner: InnerFunction;
  readonly outer: OuterFunction;
  readonly measure: PerturbationMeasure;
  /**
   * Optional numerically safe plug-in weights `w_i = (1/n) Σ_k ∂_kF(m) f_k'(d_i)` from the
   * quotients `d_i`. When absent, {@link pluginWeights} computes them directly. Det-SAM supplies
   * a log-domain version.
   */
  weights?(quotients: Float64Array): Float64Array;
}

/**
 * The plug-in weights `w_i = (1/n) Σ_k ∂_kF(m) f_k'(d_i)`, `m = (1/n) Σ_i f(d_i)`, so that the
 * gradient of `λρ²P̂` is `λ Σ_i w_i (g_i - g)` (THEORY.md, "The optimizers"). Throws a
 * `RangeError` naming the offending value when a weight is not finite.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pluginWeights, traceSpec } from "./spec.ts";
 * const w = pluginWeights(traceSpec(), new Float64Array([0.3, -0.1]));
 * assert.ok(w[0] === 0.5 && w[1] === 0.5);
 * ```
 */
export function pluginWeights(spec: SharpnessSpec, quotients: Float64Array): Float64Array {
  const n = quotients.length;
  if (n === 0) throw new RangeError(`${spec.name}: at least one sample is needed`);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(quotients[i])) {
      throw new RangeError(`${spec.name}: difference quotient d_${i} is ${quotients[i]}`);
    }
  }
  const weights = spec.weights ? spec.weights(quotients) : directWeights(spec, quotients);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(weights[i])) {
      throw new RangeError(
        `${spec.name}: plug-in weight w_${i} is ${weights[i]} (d_${i} = ${quotients[i]})`,
      );
    }
  }
  return weights;
}

function directWeights(spec: SharpnessSpec, quotients: Float64Array): Float64Array {
  const n = quotients.length;
  const m = spec.inner.dimension;
  const mean = new Array<number>(m).fill(0);
  for (let i = 0; i < n; i++) {
    const v = spec.inner.value(quotients[i]);
    for (let k = 0; k < m; k++) mean[k] += v[k] / n;
  }
  const dF = spec.outer.gradient(mean, n);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const df = spec.inner.derivative(quotients[i]);
    let w = 0;
    for (let k = 0; k < m; k++) w += dF[k] * df[k];
    out[i] = w / n;
  }
  return out;
}

/**
 * `μ = N(0, I)`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gaussianMeasure } from "./spec.ts";
 * import { Random } from "../math/random.ts";
 * const delta = new Float64Array(3);
 * gaussianMeasure().sample(new Random(1), [], delta);
 * assert.ok(delta.every(Number.isFinite));
 * assert.deepEqual(gaussianMeasure().draw, { kind: "gaussian" });
 * ```
 */
export function gaussianMeasure(): PerturbationMeasure {
  return {
    name: "gaussian",
    draw: { kind: "gaussian" },
    symmetric: true,
    sample(rng, _x, out) {
      rng.fillGaussian(out);
    },
  };
}

/**
 * `μ` uniform on the unit sphere.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sphereMeasure } from "./spec.ts";
 * import { Random } from "../math/random.ts";
 * const delta = new Float64Array(3);
 * sphereMeasure().sample(new Random(1), [], delta);
 * assert.ok(Math.abs(Math.hypot(...delta) - 1) < 1e-12);
 * ```
 */
export function sphereMeasure(): PerturbationMeasure {
  return {
    name: "sphere",
    draw: { kind: "sphere" },
    symmetric: true,
    sample(rng, _x, out) {
      for (;;) {
        rng.fillGaussian(out);
        let norm = 0;
        for (let i = 0; i < out.length; i++) norm += out[i] * out[i];
        if (norm === 0) continue;
        const inv = 1 / Math.sqrt(norm);
        for (let i = 0; i < out.length; i++) out[i] *= inv;
        return;
      }
    },
  };
}

/**
 * `μ` uniform on the cube `[-h, h]^d`: Lebesgue measure up to a constant (Det-SAM).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cubeMeasure } from "./spec.ts";
 * import { Random } from "../math/random.ts";
 * const delta = new Float64Array(3);
 * cubeMeasure(0.01).sample(new Random(1), [], delta);
 * assert.ok(delta.every((v) => Math.abs(v) <= 0.01));
 * ```
 */
export function cubeMeasure(halfWidth: number): PerturbationMeasure {
  if (!(halfWidth > 0) || !Number.isFinite(halfWidth)) {
    throw new RangeError(`cube measure: halfWidth must be a positive number, got ${halfWidth}`);
  }
  return {
    name: `cube(${halfWidth})`,
    draw: { kind: "cube", halfWidth },
    symmetric: true,
    sample(rng, _x, out) {
      for (let i = 0; i < out.length; i++) out[i] = (2 * rng.uniform() - 1) * halfWidth;
    },
  };
}

/**
 * `μ` uniform over a finite set of point masses (e.g. `e_i` and `e_i + e_j`, which recover every
 * entry of H: THEORY.md, "Universality"). It is symmetric exactly when the set is closed under
 * negation.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pointMassMeasure } from "./spec.ts";
 * import { Random } from "../math/random.ts";
 * const mu = pointMassMeasure([[1, 0], [0, 1]]);
 * const delta = new Float64Array(2);
 * mu.sample(new Random(1), [], delta);
 * assert.ok(!mu.symmetric && delta[0] + delta[1] === 1);
 * ```
 */
export function pointMassMeasure(points: ReadonlyArray<ArrayLike<number>>): PerturbationMeasure {
  if (!Array.isArray(points) || points.length === 0) {
    throw new RangeError(`point-mass measure: points must be a non-empty array, got ${points}`);
  }
  const d = points[0].length;
  const copies = points.map((p, i) => {
    if (p.length !== d) {
      throw new RangeError(
        `point-mass measure: dimension mismatch: points[${i}] has length ${p.length}, points[0] has ${d}`,
      );
    }
    const copy = Float64Array.from(p);
    if (!copy.every(Number.isFinite)) {
      throw new RangeError(`point-mass measure: points[${i}] has a non-finite entry`);
    }
    return copy;
  });
  const key = (p: ArrayLike<number>) => Array.from(p, (v) => v === 0 ? 0 : v).join(",");
  const keys = new Set(copies.map(key));
  const symmetric = copies.every((p) => keys.has(key(p.map((v) => -v))));
  return {
    name: `pointMass(${copies.length})`,
    symmetric,
    sample(rng, _x, out) {
      if (out.length !== d) {
        throw new RangeError(
          `point-mass measure: dimension mismatch: the points have dimension ${d} but delta has ${out.length}`,
        );
      }
      out.set(copies[rng.integer(copies.length)]);
    },
  };
}

/**
 * The adaptive measure that moves with x: `δ = (|x| + η) ⊙ ξ`, `ξ ~ base`. Exactly invariant
 * under positive diagonal rescalings when `η = 0` (THEORY.md).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { adaptiveMeasure, gaussianMeasure } from "./spec.ts";
 * import { Random } from "../math/random.ts";
 * const delta = new Float64Array(2);
 * adaptiveMeasure(gaussianMeasure(), 0).sample(new Random(1), [0, 2], delta);
 * assert.ok(delta[0] === 0);
 * ```
 */
export function adaptiveMeasure(base: PerturbationMeasure, eta: number): PerturbationMeasure {
  if (!(eta >= 0) || !Number.isFinite(eta)) {
    throw new RangeError(`adaptive measure: eta must be a finite number >= 0, got ${eta}`);
  }
  return {
    name: `adaptive(${base.name}, eta=${eta})`,
    ...(base.draw ? { draw: { kind: "adaptive", eta, base: base.draw } as const } : {}),
    symmetric: base.symmetric,
    sample(rng, x, out) {
      if (x.length !== out.length) {
        throw new RangeError(
          `adaptive measure: point has dimension ${x.length} but delta has ${out.length}`,
        );
      }
      base.sample(rng, x, out);
      for (let i = 0; i < out.length; i++) out[i] *= Math.abs(x[i]) + eta;
    },
  };
}

/**
 * Trace: `f(t) = t`, `F = id`, Gaussian μ; `P → ½ tr H`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { traceSpec } from "./spec.ts";
 * assert.ok(traceSpec().inner.value(2)[0] === 2);
 * ```
 */
export function traceSpec(measure: PerturbationMeasure = gaussianMeasure()): SharpnessSpec {
  return {
    name: "trace",
    measure,
    inner: { dimension: 1, value: (t) => [t], derivative: () => [1] },
    outer: { value: (m) => m[0], gradient: () => [1] },
  };
}

/**
 * Frobenius: `f(t) = (t, t²)`, `F(a, b) = ½ (n/(n-1)) (b - a²)` (half the unbiased sample
 * variance; `½(b - a²)` as n grows), Gaussian μ; `P → ¼ ‖H‖_F²`. Needs n >= 2.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { frobeniusSpec } from "./spec.ts";
 * assert.ok(frobeniusSpec().outer.value([1, 2], 2) === 1);
 * ```
 */
export function frobeniusSpec(measure: PerturbationMeasure = gaussianMeasure()): SharpnessSpec {
  const bessel = (n: number) => {
    if (!(n >= 2)) {
      throw new RangeError(`frobenius: the variance needs at least 2 samples, got ${n}`);
    }
    return n / (n - 1);
  };
  return {
    name: "frobenius",
    measure,
    inner: { dimension: 2, value: (t) => [t, t * t], derivative: (t) => [1, 2 * t] },
    outer: {
      value: (m, n) => 0.5 * bessel(n) * (m[1] - m[0] * m[0]),
      gradient: (m, n) => [-bessel(n) * m[0], 0.5 * bessel(n)],
    },
  };
}

/**
 * Determinant: `f(t) = exp(-t/2)`, `F(s) = s^-2`, μ uniform on `[-h, h]^d` (Lebesgue up to a
 * constant). The plug-in weights `m^-3 exp(-d_i/2) / n` are computed in the log domain.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { determinantSpec } from "./spec.ts";
 * const w = determinantSpec(0.01).weights!(new Float64Array([0, 0]));
 * assert.ok(Math.abs(w[0] - 0.5) < 1e-15);
 * ```
 */
export function determinantSpec(
  halfWidth: number,
  measure: PerturbationMeasure = cubeMeasure(halfWidth),
): SharpnessSpec {
  return {
    name: "determinant",
    measure,
    inner: {
      dimension: 1,
      value: (t) => [Math.exp(-t / 2)],
      derivative: (t) => [-0.5 * Math.exp(-t / 2)],
    },
    outer: { value: (m) => m[0] ** -2, gradient: (m) => [-2 * m[0] ** -3] },
    weights(quotients) {
      const n = quotients.length;
      // log m = logsumexp(-d/2) - log n; w_i = exp(-d_i/2 - 3 log m) / n.
      let top = -Infinity;
      for (let i = 0; i < n; i++) top = Math.max(top, -quotients[i] / 2);
      let sum = 0;
      for (let i = 0; i < n; i++) sum += Math.exp(-quotients[i] / 2 - top);
      const logMean = top + Math.log(sum) - Math.log(n);
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        out[i] = Math.exp(-quotients[i] / 2 - 3 * logMean - Math.log(n));
      }
      return out;
    },
  };
}
