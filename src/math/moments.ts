/**
 * Universality, spectral part (THEORY.md): for `δ ~ N(0, I)` and `q = δᵀHδ`, the moments
 * `E[q^k]` (k = 1..d) determine every eigenvalue of H. The chain is
 * moments → cumulants `κ_k = 2^(k-1) (k-1)! tr(H^k)` → power sums `tr(H^k)` → (Newton's identities)
 * the characteristic polynomial → its real roots.
 *
 * @module
 */
import {
  assertFiniteVector,
  assertSquareSymmetric,
  matMul,
  type MatrixLike,
  trace,
} from "./linalg.ts";
import { realPolynomialRoots } from "./polynomial.ts";

/**
 * `2^(k-1) (k-1)!`, the factor between the k-th cumulant of q and `tr(H^k)`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { quadraticCumulantFactor } from "./moments.ts";
 * assert(quadraticCumulantFactor(3) === 8);
 * ```
 */
export function quadraticCumulantFactor(k: number): number {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be an integer >= 1, got ${k}`);
  let out = 1;
  for (let j = 1; j < k; j++) out *= 2 * j;
  return out;
}

function binomial(n: number, k: number): number {
  let out = 1;
  for (let j = 1; j <= k; j++) out = (out * (n - k + j)) / j;
  return Math.round(out);
}

/**
 * The cumulants `κ_k = 2^(k-1) (k-1)! tr(H^k)`, k = 1..order, of `q = δᵀHδ`, `δ ~ N(0, I)`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gaussianQuadraticCumulants } from "./moments.ts";
 * const [mean, variance] = gaussianQuadraticCumulants([[1, 0], [0, 2]], 2);
 * assert(mean === 3 && variance === 10); // tr H, 2‖H‖_F²
 * ```
 */
export function gaussianQuadraticCumulants(H: MatrixLike, order: number): Float64Array {
  assertSquareSymmetric(H, "H");
  if (!Number.isInteger(order) || order < 1) {
    throw new RangeError(`order must be an integer >= 1, got ${order}`);
  }
  const out = new Float64Array(order);
  let power: number[][] = Array.from(H, (row) => Array.from(row));
  for (let k = 1; k <= order; k++) {
    if (k > 1) power = matMul(power, H);
    out[k - 1] = quadraticCumulantFactor(k) * trace(power);
  }
  return out;
}

/**
 * Raw moments `μ_1..μ_K` from cumulants `κ_1..κ_K`: `μ_k = Σ_(j=1..k) C(k-1, j-1) κ_j μ_(k-j)`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { momentsFromCumulants } from "./moments.ts";
 * const [m1, m2] = momentsFromCumulants([3, 10]);
 * assert(m1 === 3 && m2 === 19); // E q² = Var q + (E q)²
 * ```
 */
export function momentsFromCumulants(cumulants: ArrayLike<number>): Float64Array {
  assertFiniteVector(cumulants, "cumulants");
  const K = cumulants.length;
  const moments = new Float64Array(K + 1);
  moments[0] = 1;
  for (let k = 1; k <= K; k++) {
    let s = 0;
    for (let j = 1; j <= k; j++) s += binomial(k - 1, j - 1) * cumulants[j - 1] * moments[k - j];
    moments[k] = s;
  }
  return moments.slice(1);
}

/**
 * Cumulants `κ_1..κ_K` from raw moments `μ_1..μ_K` (the inverse of {@link momentsFromCumulants}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cumulantsFromMoments } from "./moments.ts";
 * const [k1, k2] = cumulantsFromMoments([3, 19]);
 * assert(k1 === 3 && k2 === 10);
 * ```
 */
export function cumulantsFromMoments(moments: ArrayLike<number>): Float64Array {
  assertFiniteVector(moments, "moments");
  const K = moments.length;
  const mu = [1, ...Array.from(moments)];
  const cumulants = new Float64Array(K);
  for (let k = 1; k <= K; k++) {
    let s = mu[k];
    for (let j = 1; j < k; j++) s -= binomial(k - 1, j - 1) * cumulants[j - 1] * mu[k - j];
    cumulants[k - 1] = s;
  }
  return cumulants;
}

/**
 * The characteristic polynomial `det(tI - H)` (ascending coefficients, degree d = p.length) from
 * the power sums `p_k = tr(H^k)`, k = 1..d, by Newton's identities
 * `k e_k = Σ_(i=1..k) (-1)^(i-1) e_(k-i) p_i`; the coefficient of `t^(d-k)` is `(-1)^k e_k`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { characteristicPolynomialFromPowerSums } from "./moments.ts";
 * // eigenvalues 1 and 2: p = (3, 5), det(tI - H) = t² - 3t + 2
 * assert(characteristicPolynomialFromPowerSums([3, 5]).join() === "2,-3,1");
 * ```
 */
export function characteristicPolynomialFromPowerSums(powerSums: ArrayLike<number>): number[] {
  assertFiniteVector(powerSums, "powerSums");
  const d = powerSums.length;
  const e = new Array<number>(d + 1).fill(0);
  e[0] = 1;
  for (let k = 1; k <= d; k++) {
    let s = 0;
    for (let i = 1; i <= k; i++) s += (i % 2 === 1 ? 1 : -1) * e[k - i] * powerSums[i - 1];
    e[k] = s / k;
  }
  const coefficients = new Array<number>(d + 1).fill(0);
  for (let k = 0; k <= d; k++) coefficients[d - k] = (k % 2 === 0 ? 1 : -1) * e[k];
  return coefficients;
}

/**
 * The eigenvalues (ascending) of the symmetric d×d matrix H from the first d raw moments
 * `E[q^k]` of `q = δᵀHδ`, `δ ~ N(0, I)`: the spectral universality of THEORY.md. Exact moments
 * give the eigenvalues to rounding (amplified by the conditioning of the roots); sampled moments
 * give them within Monte Carlo error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { eigenvaluesFromGaussianMoments, gaussianQuadraticCumulants, momentsFromCumulants } from "./moments.ts";
 * const H = [[2, 1], [1, 2]]; // eigenvalues 1 and 3
 * const moments = momentsFromCumulants(gaussianQuadraticCumulants(H, 2));
 * const [a, b] = eigenvaluesFromGaussianMoments(moments);
 * assert(Math.abs(a - 1) < 1e-12 && Math.abs(b - 3) < 1e-12);
 * ```
 */
export function eigenvaluesFromGaussianMoments(moments: ArrayLike<number>): Float64Array {
  assertFiniteVector(moments, "moments");
  if (moments.length < 1) throw new RangeError(`moments must hold at least E[q], got none`);
  const powerSums = Float64Array.from(
    cumulantsFromMoments(moments),
    (kappa, i) => kappa / quadraticCumulantFactor(i + 1),
  );
  return realPolynomialRoots(characteristicPolynomialFromPowerSums(powerSums));
}
