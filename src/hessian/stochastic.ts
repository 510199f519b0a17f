/**
 * Monte Carlo estimators on a symmetric linear operator given only by products `v ↦ Hv`:
 * Hutchinson's trace `E[vᵀHv] = tr H` and the squared Frobenius norm `E‖Hv‖² = tr H² = ‖H‖_F²`,
 * both with Rademacher v (`E[vvᵀ] = I`; among such distributions Rademacher minimizes the
 * variance of Hutchinson's estimator: `Var vᵀHv = 2(‖H‖_F² − Σ H_ii²)`).
 *
 * @module
 */
import { Random } from "../math/random.ts";
import type { HessianEstimate } from "./types.ts";

/**
 * A linear operator as a product function. It may answer asynchronously: a product on a GPU
 * backend ends with `await tensor.data()` (the only read some backends allow), so every
 * estimator here awaits each product.
 */
export type LinearOperator = (v: Float64Array) => Float64Array | Promise<Float64Array>;

/**
 * A Rademacher vector: independent ±1 entries, each sign with probability ½.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Random } from "../math/random.ts";
 * import { rademacher } from "./stochastic.ts";
 * const v = rademacher(new Random(0), 5);
 * assert.ok(v.every((x) => x === 1 || x === -1));
 * ```
 */
export function rademacher(rng: Random, d: number): Float64Array {
  const v = new Float64Array(d);
  for (let i = 0; i < d; i++) v[i] = rng.uniform() < 0.5 ? -1 : 1;
  return v;
}

/**
 * The mean of i.i.d. samples and its standard error `s/√n` (s the sample standard deviation,
 * n − 1 in the denominator).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { meanWithStandardError } from "./stochastic.ts";
 * const e = meanWithStandardError([1, 2, 3, 4]);
 * assert.ok(e.value === 2.5 && Math.abs(e.standardError - Math.sqrt(5 / 3 / 4)) < 1e-15);
 * ```
 */
export function meanWithStandardError(samples: readonly number[]): HessianEstimate {
  const n = samples.length;
  if (n < 2) {
    throw new RangeError(`meanWithStandardError: need at least 2 samples, got ${n}`);
  }
  const mean = samples.reduce((s, x) => s + x, 0) / n;
  const variance = samples.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1);
  return { value: mean, standardError: Math.sqrt(variance / n), samples: n };
}

/** Options of the Monte Carlo estimators. */
export interface MonteCarloOptions {
  /** Number of Rademacher probes (at least 2, for a standard error); default 20. */
  samples?: number;
  /** Seed of the probes; default 0. */
  seed?: number;
}

/** Per-probe values of both estimators from one set of products. */
export interface ProbeValues {
  /** `vᵀHv` per probe: Hutchinson's trace samples. */
  quadratic: number[];
  /** `‖Hv‖²` per probe: Frobenius samples. */
  squaredNorm: number[];
}

/**
 * Applies `apply` to `samples` seeded Rademacher probes and records `vᵀHv` and `‖Hv‖²`, so that
 * the trace and the Frobenius estimates can share one set of Hessian-vector products.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { probe } from "./stochastic.ts";
 * const values = await probe((v) => v.map((x) => 2 * x), 3, 4, 0); // H = 2I
 * assert.ok(values.quadratic.every((q) => q === 6) && values.squaredNorm[0] === 12);
 * ```
 */
export async function probe(
  apply: LinearOperator,
  dimension: number,
  samples: number,
  seed: number,
): Promise<ProbeValues> {
  const rng = new Random(seed);
  const quadratic: number[] = [];
  const squaredNorm: number[] = [];
  for (let k = 0; k < samples; k++) {
    const v = rademacher(rng, dimension);
    const hv = await apply(v);
    let q = 0, s = 0;
    for (let i = 0; i < dimension; i++) {
      q += v[i] * hv[i];
      s += hv[i] * hv[i];
    }
    quadratic.push(q);
    squaredNorm.push(s);
  }
  return { quadratic, squaredNorm };
}

/**
 * Hutchinson's estimate of `tr H` for an operator.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { traceOfOperator } from "./stochastic.ts";
 * const e = await traceOfOperator((v) => v.map((x, i) => (i + 1) * x), 4, { samples: 8 });
 * assert.ok(e.value === 10 && e.standardError === 0); // diagonal: vᵀHv = tr H exactly
 * ```
 */
export async function traceOfOperator(
  apply: LinearOperator,
  dimension: number,
  options: MonteCarloOptions = {},
): Promise<HessianEstimate> {
  const { samples, seed } = monteCarloOptions("traceOfOperator", options);
  return meanWithStandardError((await probe(apply, dimension, samples, seed)).quadratic);
}

/**
 * The estimate of `‖H‖_F² = E‖Hv‖²` for an operator.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { frobeniusOfOperator } from "./stochastic.ts";
 * const e = await frobeniusOfOperator((v) => v.map((x) => 3 * x), 2, { samples: 4 });
 * assert.ok(e.value === 18); // H = 3I in R²: ‖H‖_F² = 9 + 9
 * ```
 */
export async function frobeniusOfOperator(
  apply: LinearOperator,
  dimension: number,
  options: MonteCarloOptions = {},
): Promise<HessianEstimate> {
  const { samples, seed } = monteCarloOptions("frobeniusOfOperator", options);
  return meanWithStandardError((await probe(apply, dimension, samples, seed)).squaredNorm);
}

/**
 * Validates and fills in {@link MonteCarloOptions}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { monteCarloOptions } from "./stochastic.ts";
 * assert.ok(monteCarloOptions("f", {}).samples === 20);
 * ```
 */
export function monteCarloOptions(
  caller: string,
  options: MonteCarloOptions,
): Required<MonteCarloOptions> {
  if (options === null || typeof options !== "object") {
    throw new TypeError(`${caller}: options must be an object, got ${String(options)}`);
  }
  const samples = options.samples ?? 20;
  if (typeof samples !== "number" || !Number.isInteger(samples) || samples < 2) {
    throw new RangeError(`${caller}: samples must be an integer >= 2, got ${String(samples)}`);
  }
  const seed = options.seed ?? 0;
  if (typeof seed !== "number" || !Number.isInteger(seed)) {
    throw new RangeError(`${caller}: seed must be an integer, got ${String(seed)}`);
  }
  return { samples, seed };
}
