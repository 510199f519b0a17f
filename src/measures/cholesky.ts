/**
 * Cholesky factor of a symmetric positive definite matrix, for the determinant estimate's
 * Gaussian proposal. Kept here (not in src/math) because only the proposal needs it: its
 * triangular factor transforms covariantly, `chol(T H T) = T chol(H)` for a positive diagonal T,
 * which is what makes the determinant estimate exactly invariant under layer rescalings with the
 * same draws (proofs/rescaling.ts).
 *
 * @module
 */

/**
 * The lower-triangular `R` with positive diagonal and `H = R Rᵀ`, or `undefined` when `H` is not
 * (numerically) positive definite.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cholesky } from "./cholesky.ts";
 * const R = cholesky([[4, 2], [2, 5]])!;
 * assert(R[0][0] === 2 && R[1][0] === 1 && R[1][1] === 2);
 * assert(cholesky([[1, 2], [2, 1]]) === undefined);
 * ```
 */
export function cholesky(H: ReadonlyArray<ArrayLike<number>>): Float64Array[] | undefined {
  const d = H.length;
  const R = Array.from({ length: d }, () => new Float64Array(d));
  for (let j = 0; j < d; j++) {
    let diagonal = H[j][j];
    for (let k = 0; k < j; k++) diagonal -= R[j][k] * R[j][k];
    if (!(diagonal > 0)) return undefined;
    const pivot = Math.sqrt(diagonal);
    R[j][j] = pivot;
    for (let i = j + 1; i < d; i++) {
      // Average the two triangles so a slightly asymmetric finite-difference Hessian is symmetrized.
      let s = 0.5 * (H[i][j] + H[j][i]);
      for (let k = 0; k < j; k++) s -= R[i][k] * R[j][k];
      R[i][j] = s / pivot;
    }
  }
  return R;
}

/**
 * Solves `Rᵀ y = b` for lower-triangular `R` (back substitution), writing into `out`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { solveTransposed } from "./cholesky.ts";
 * const R = [Float64Array.of(2, 0), Float64Array.of(1, 2)];
 * const y = solveTransposed(R, Float64Array.of(4, 2), new Float64Array(2)); // Rᵀ = [[2,1],[0,2]]
 * assert(y[1] === 1 && y[0] === 1.5);
 * ```
 */
export function solveTransposed(
  R: ReadonlyArray<ArrayLike<number>>,
  b: ArrayLike<number>,
  out: Float64Array,
): Float64Array {
  const d = R.length;
  for (let i = d - 1; i >= 0; i--) {
    let s = b[i];
    for (let k = i + 1; k < d; k++) s -= R[k][i] * out[k];
    out[i] = s / R[i][i];
  }
  return out;
}
