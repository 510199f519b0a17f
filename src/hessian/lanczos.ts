/**
 * Lanczos on a symmetric operator given by products: the largest eigenvalue with a residual
 * bound, and stochastic Lanczos quadrature (SLQ) for spectral densities, `tr f(H)` and the
 * log-determinant (Ubaru, Chen & Saad 2017; Ghorbani, Krishnan & Xiao 2019).
 *
 * The Krylov basis is kept and every new vector is reorthogonalized against it twice (classical
 * Gram–Schmidt, "twice is enough"): finite-difference products carry noise that would otherwise
 * destroy orthogonality and produce spurious copies of converged eigenvalues. Memory is
 * `(iterations + 2) · d` doubles.
 *
 * @module
 */
import { symmetricEigen } from "../math/linalg.ts";
import { Random } from "../math/random.ts";
import { type LinearOperator, meanWithStandardError, rademacher } from "./stochastic.ts";
import type { HessianEstimate } from "./types.ts";

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** The tridiagonal matrix and basis of a Lanczos run. */
export interface LanczosRun {
  /** Diagonal α_0..α_{m-1} of T. */
  alphas: number[];
  /** Off-diagonal β_0..β_{m-2} of T, and β_{m-1} (the residual scale) last. */
  betas: number[];
  /** The orthonormal Krylov basis q_0..q_{m-1}. */
  basis: Float64Array[];
  /** Products made. */
  products: number;
}

/** Eigen-decomposition of the m×m tridiagonal T of a run. */
function tridiagonalEigen(alphas: number[], betas: number[]) {
  const m = alphas.length;
  const T = Array.from(
    { length: m },
    (_, i) =>
      Array.from(
        { length: m },
        (_, j) => i === j ? alphas[i] : Math.abs(i - j) === 1 ? betas[Math.min(i, j)] : 0,
      ),
  );
  return symmetricEigen(T, "T");
}

/**
 * Runs up to `iterations` Lanczos steps from `start`, stopping early when
 * `stop(alphas, betas)` says so or when the Krylov space becomes invariant.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lanczosRun } from "./lanczos.ts";
 * const run = await lanczosRun((v) => v.map((x, i) => (i + 1) * x), new Float64Array([1, 1, 1]), 5);
 * assert.ok(run.alphas.length === 3); // invariant after d = 3 steps
 * ```
 */
export async function lanczosRun(
  apply: LinearOperator,
  start: Float64Array,
  iterations: number,
  stop?: (alphas: number[], betas: number[]) => boolean,
): Promise<LanczosRun> {
  const d = start.length;
  const startNorm = Math.sqrt(dot(start, start));
  if (!(startNorm > 0) || !Number.isFinite(startNorm)) {
    throw new RangeError(`lanczosRun: start must be a finite non-zero vector, norm ${startNorm}`);
  }
  const basis = [start.map((x) => x / startNorm)];
  const alphas: number[] = [];
  const betas: number[] = [];
  let products = 0;
  let scale = 0;
  for (let j = 0; j < Math.min(iterations, d); j++) {
    const q = basis[j];
    const w = await apply(q);
    products++;
    const alpha = dot(w, q);
    alphas.push(alpha);
    for (let pass = 0; pass < 2; pass++) {
      for (const b of basis) {
        const c = dot(w, b);
        for (let i = 0; i < d; i++) w[i] -= c * b[i];
      }
    }
    const beta = Math.sqrt(dot(w, w));
    betas.push(beta);
    scale = Math.max(scale, Math.abs(alpha), beta);
    // An invariant subspace: β is at the round-off level of the products.
    if (beta <= 1e-10 * scale || j + 1 === d) break;
    if (stop?.(alphas, betas)) break;
    basis.push(w.map((x) => x / beta));
  }
  return { alphas, betas, basis: basis.slice(0, alphas.length), products };
}

/** Options of {@link topEigenvalueOfOperator}. */
export interface TopEigenvalueOptions {
  /** Lanczos steps at most; default 20. */
  maxIterations?: number;
  /** Stop when the Lanczos residual estimate is below `tolerance · |θ|`; default 1e-3. */
  tolerance?: number;
  /** Seed of the Gaussian start vector; default 0. */
  seed?: number;
}

/** The result of {@link topEigenvalueOfOperator}. */
export interface EigenvalueEstimate extends HessianEstimate {
  /** The unit Ritz vector: the eigenvector estimate. */
  vector: Float64Array;
  /** Lanczos steps taken. */
  iterations: number;
}

/**
 * The largest (algebraic) eigenvalue by Lanczos. `value` is the Rayleigh quotient `yᵀHy` of the
 * final unit Ritz vector y and `standardError` the explicit residual `‖Hy − value·y‖`, computed
 * with one more product: for a symmetric H some eigenvalue lies within it of `value`.
 * `samples` counts the products.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { topEigenvalueOfOperator } from "./lanczos.ts";
 * const e = await topEigenvalueOfOperator((v) => v.map((x, i) => (i - 2) * x), 6);
 * assert.ok(Math.abs(e.value - 3) < 1e-10 && e.standardError < 1e-8);
 * ```
 */
export async function topEigenvalueOfOperator(
  apply: LinearOperator,
  dimension: number,
  options: TopEigenvalueOptions = {},
): Promise<EigenvalueEstimate> {
  const caller = "topEigenvalue";
  const maxIterations = options.maxIterations ?? 20;
  if (!Number.isInteger(maxIterations) || maxIterations < 1) {
    throw new RangeError(`${caller}: maxIterations must be an integer >= 1, got ${maxIterations}`);
  }
  const tolerance = options.tolerance ?? 1e-3;
  if (!(tolerance > 0) || !Number.isFinite(tolerance)) {
    throw new RangeError(`${caller}: tolerance must be a positive number, got ${tolerance}`);
  }
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed)) {
    throw new RangeError(`${caller}: seed must be an integer, got ${seed}`);
  }
  const start = new Random(seed).gaussianVector(dimension);
  const run = await lanczosRun(apply, start, maxIterations, (alphas, betas) => {
    const { values, vectors } = tridiagonalEigen(alphas, betas);
    const top = values.length - 1;
    const estimate = betas[betas.length - 1] * Math.abs(vectors[top][alphas.length - 1]);
    return estimate <= tolerance * Math.abs(values[top]);
  });
  const { values, vectors } = tridiagonalEigen(run.alphas, run.betas);
  const s = vectors[values.length - 1];
  const y = new Float64Array(dimension);
  run.basis.forEach((q, k) => {
    for (let i = 0; i < dimension; i++) y[i] += s[k] * q[i];
  });
  const yNorm = Math.sqrt(dot(y, y));
  for (let i = 0; i < dimension; i++) y[i] /= yNorm;
  const hy = await apply(y);
  const rayleigh = dot(y, hy);
  let residual = 0;
  for (let i = 0; i < dimension; i++) residual += (hy[i] - rayleigh * y[i]) ** 2;
  return {
    value: rayleigh,
    standardError: Math.sqrt(residual),
    samples: run.products + 1,
    vector: y,
    iterations: run.alphas.length,
  };
}

/** Gauss quadrature rules of the spectral measure, one per probe (SLQ). */
export interface SpectralQuadrature {
  /** Dimension d of the operator. */
  dimension: number;
  /** Ritz values (quadrature nodes), one array per probe. */
  nodes: Float64Array[];
  /** Quadrature weights (squared first components of T's eigenvectors; sum to 1) per probe. */
  weights: Float64Array[];
  /** Products made. */
  products: number;
}

/** Options of {@link spectralQuadratureOfOperator}. */
export interface SpectralQuadratureOptions {
  /** Rademacher probes (at least 2, for standard errors); default 4. */
  samples?: number;
  /** Lanczos steps per probe; default 30. */
  iterations?: number;
  /** Seed of the probes; default 0. */
  seed?: number;
}

/**
 * Stochastic Lanczos quadrature: for each Rademacher probe v, Lanczos from v gives nodes θ_k and
 * weights τ_k with `vᵀf(H)v / ‖v‖² ≈ Σ_k τ_k f(θ_k)`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { spectralQuadratureOfOperator, traceOfFunction } from "./lanczos.ts";
 * const q = await spectralQuadratureOfOperator((v) => v.map((x, i) => (i + 1) * x), 4, { samples: 3 });
 * assert.ok(Math.abs(traceOfFunction(q, (t) => t).value - 10) < 1e-9);
 * ```
 */
export async function spectralQuadratureOfOperator(
  apply: LinearOperator,
  dimension: number,
  options: SpectralQuadratureOptions = {},
): Promise<SpectralQuadrature> {
  const caller = "stochasticLanczos";
  const samples = options.samples ?? 4;
  if (!Number.isInteger(samples) || samples < 2) {
    throw new RangeError(`${caller}: samples must be an integer >= 2, got ${samples}`);
  }
  const iterations = options.iterations ?? 30;
  if (!Number.isInteger(iterations) || iterations < 1) {
    throw new RangeError(`${caller}: iterations must be an integer >= 1, got ${iterations}`);
  }
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed)) {
    throw new RangeError(`${caller}: seed must be an integer, got ${seed}`);
  }
  const rng = new Random(seed);
  const nodes: Float64Array[] = [];
  const weights: Float64Array[] = [];
  let products = 0;
  for (let k = 0; k < samples; k++) {
    const run = await lanczosRun(apply, rademacher(rng, dimension), iterations);
    products += run.products;
    const { values, vectors } = tridiagonalEigen(run.alphas, run.betas);
    nodes.push(values);
    weights.push(Float64Array.from(vectors, (s) => s[0] * s[0]));
  }
  return { dimension, nodes, weights, products };
}

/**
 * `tr f(H) ≈ d · mean over probes of Σ_k τ_k f(θ_k)`, with the standard error over probes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { spectralQuadratureOfOperator, traceOfFunction } from "./lanczos.ts";
 * const q = await spectralQuadratureOfOperator((v) => v.map((x) => 2 * x), 3);
 * assert.ok(Math.abs(traceOfFunction(q, Math.log).value - 3 * Math.log(2)) < 1e-12);
 * ```
 */
export function traceOfFunction(
  quadrature: SpectralQuadrature,
  f: (eigenvalue: number) => number,
): HessianEstimate {
  const perProbe = quadrature.nodes.map((theta, k) => {
    let s = 0;
    theta.forEach((t, j) => {
      s += quadrature.weights[k][j] * f(t);
    });
    return quadrature.dimension * s;
  });
  const estimate = meanWithStandardError(perProbe);
  if (!Number.isFinite(estimate.value)) {
    throw new RangeError(`traceOfFunction: f gave a non-finite trace ${estimate.value}`);
  }
  return estimate;
}

/**
 * `log det H` by SLQ. H must be positive definite on the Krylov spaces: a non-positive Ritz
 * value is refused with a RangeError that names it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { logDeterminantOf, spectralQuadratureOfOperator } from "./lanczos.ts";
 * const q = await spectralQuadratureOfOperator((v) => v.map((x, i) => (i + 1) * x), 3);
 * assert.ok(Math.abs(logDeterminantOf(q).value - Math.log(6)) < 1e-9);
 * ```
 */
export function logDeterminantOf(quadrature: SpectralQuadrature): HessianEstimate {
  for (const theta of quadrature.nodes) {
    for (const t of theta) {
      if (!(t > 0)) {
        throw new RangeError(`logDeterminantOf: H is not positive definite (Ritz value ${t})`);
      }
    }
  }
  return traceOfFunction(quadrature, Math.log);
}

/**
 * The spectral density smoothed by a Gaussian of width `sigma`, on a grid:
 * `φ(t) = mean over probes of Σ_k τ_k N(t; θ_k, σ²)` (it integrates to 1).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { spectralDensity, spectralQuadratureOfOperator } from "./lanczos.ts";
 * const q = await spectralQuadratureOfOperator((v) => v.map((x) => x), 4);
 * const density = spectralDensity(q, [0, 1, 2], 0.1);
 * assert.ok(density[1] > density[0] && density[1] > density[2]);
 * ```
 */
export function spectralDensity(
  quadrature: SpectralQuadrature,
  grid: readonly number[],
  sigma: number,
): Float64Array {
  if (!(sigma > 0) || !Number.isFinite(sigma)) {
    throw new RangeError(`spectralDensity: sigma must be a positive number, got ${sigma}`);
  }
  const out = new Float64Array(grid.length);
  const norm = 1 / (Math.sqrt(2 * Math.PI) * sigma * quadrature.nodes.length);
  quadrature.nodes.forEach((theta, k) => {
    theta.forEach((t, j) => {
      const w = quadrature.weights[k][j] * norm;
      grid.forEach((x, g) => {
        out[g] += w * Math.exp(-0.5 * ((x - t) / sigma) ** 2);
      });
    });
  });
  return out;
}
