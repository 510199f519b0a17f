/**
 * Small dense linear algebra in Float64 for the Hessians the math layer works with (d up to a few
 * hundred): validation, symmetric eigendecomposition (cyclic Jacobi), determinant and signed
 * log-determinant (LU with partial pivoting), trace, Frobenius norm and vector helpers.
 *
 * Matrices are row-major `number[][]` (or any array of `ArrayLike<number>` rows, e.g.
 * `Float64Array`s); vectors are `ArrayLike<number>` in and `Float64Array` out.
 *
 * @module
 */
import type { Random } from "./random.ts";

/** A dense matrix as rows. Inputs may use typed-array rows; outputs are `number[][]`. */
export type MatrixLike = ReadonlyArray<ArrayLike<number>>;

/** Float64 unit roundoff times two (the gap between 1 and the next double). */
export const EPSILON = Number.EPSILON;

/**
 * Default relative symmetry tolerance of {@link assertSquareSymmetric}: `|H_ij - H_ji|` may be at
 * most this times `max_kl |H_kl|`. Hessians assembled in Float64 from analytic formulas differ
 * from their transposes by a few ulps (~1e-16 relative); 1e-8 leaves room for Hessians summed
 * over many terms or estimated from gradients while still catching a genuinely non-symmetric
 * matrix, whose asymmetry is of the order of its entries.
 */
export const SYMMETRY_TOLERANCE = 1e-8;

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  return typeof value === "object" ? "an object" : `${typeof value} ${String(value)}`;
}

function isArrayLikeOfNumbers(value: unknown): value is ArrayLike<number> {
  return Array.isArray(value) ||
    (ArrayBuffer.isView(value) && !(value instanceof DataView));
}

/**
 * Checks that `v` is an array of finite numbers, optionally of a given length.
 * Throws `TypeError` for the wrong kind of thing and `RangeError` (naming `name` and the index)
 * for a wrong length or a non-finite entry.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { assertFiniteVector } from "./linalg.ts";
 * assertFiniteVector([1, 2, 3], "x", 3);
 * try { assertFiniteVector([1, NaN], "x"); } catch (e) { assert(e instanceof RangeError); }
 * ```
 */
export function assertFiniteVector(v: unknown, name: string, length?: number): void {
  if (!isArrayLikeOfNumbers(v)) {
    throw new TypeError(`${name} must be an array of numbers, got ${describe(v)}`);
  }
  if (length !== undefined && v.length !== length) {
    throw new RangeError(`${name} must have length ${length}, got length ${v.length}`);
  }
  for (let i = 0; i < v.length; i++) {
    const value = v[i];
    if (typeof value !== "number") {
      throw new TypeError(`${name}[${i}] must be a number, got ${describe(value)}`);
    }
    if (!Number.isFinite(value)) {
      throw new RangeError(`${name}[${i}] must be finite, got ${value}`);
    }
  }
}

/**
 * Checks that `H` is a non-empty square matrix of finite numbers and returns its dimension.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { assertSquare } from "./linalg.ts";
 * assert(assertSquare([[1, 2], [3, 4]], "A") === 2);
 * try { assertSquare([[1, 2]], "A"); } catch (e) { assert(e instanceof RangeError); }
 * ```
 */
export function assertSquare(H: unknown, name = "H"): number {
  if (!Array.isArray(H)) {
    throw new TypeError(`${name} must be an array of rows, got ${describe(H)}`);
  }
  const d = H.length;
  if (d === 0) throw new RangeError(`${name} must have at least one row, got 0 rows`);
  for (let i = 0; i < d; i++) {
    const row = H[i];
    if (!isArrayLikeOfNumbers(row)) {
      throw new TypeError(`${name}[${i}] must be an array of numbers, got ${describe(row)}`);
    }
    if (row.length !== d) {
      throw new RangeError(
        `${name} must be square: it has ${d} rows but row ${i} has length ${row.length}`,
      );
    }
    for (let j = 0; j < d; j++) {
      const value = row[j];
      if (typeof value !== "number") {
        throw new TypeError(`${name}[${i}][${j}] must be a number, got ${describe(value)}`);
      }
      if (!Number.isFinite(value)) {
        throw new RangeError(`${name}[${i}][${j}] must be finite, got ${value}`);
      }
    }
  }
  return d;
}

/**
 * Checks that `H` is square, finite and symmetric: `|H_ij - H_ji| <= tolerance · max_kl |H_kl|`
 * (see {@link SYMMETRY_TOLERANCE}). Returns the dimension. Throws a `RangeError` naming the first
 * offending pair.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { assertSquareSymmetric } from "./linalg.ts";
 * assert(assertSquareSymmetric([[2, 1], [1, 3]], "H") === 2);
 * try { assertSquareSymmetric([[2, 1], [0, 3]], "H"); } catch (e) { assert(e instanceof RangeError); }
 * ```
 */
export function assertSquareSymmetric(
  H: unknown,
  name = "H",
  tolerance = SYMMETRY_TOLERANCE,
): number {
  if (!(tolerance >= 0) || !Number.isFinite(tolerance)) {
    throw new RangeError(`tolerance must be a finite number >= 0, got ${tolerance}`);
  }
  const d = assertSquare(H, name);
  const M = H as MatrixLike;
  const scale = maxAbs(M);
  for (let i = 0; i < d; i++) {
    for (let j = i + 1; j < d; j++) {
      const gap = Math.abs(M[i][j] - M[j][i]);
      if (gap > tolerance * scale) {
        throw new RangeError(
          `${name} must be symmetric: ${name}[${i}][${j}] = ${M[i][j]} but ${name}[${j}][${i}] = ${
            M[j][i]
          } (difference ${gap} > ${tolerance} × max |entry| ${scale})`,
        );
      }
    }
  }
  return d;
}

/** The largest absolute entry. */
function maxAbs(M: MatrixLike): number {
  let out = 0;
  for (const row of M) for (let j = 0; j < row.length; j++) out = Math.max(out, Math.abs(row[j]));
  return out;
}

/**
 * `tr H`, the sum of the diagonal (H square, any symmetry).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { trace } from "./linalg.ts";
 * assert(trace([[1, 9], [9, 2]]) === 3);
 * ```
 */
export function trace(H: MatrixLike): number {
  const d = assertSquare(H, "H");
  let out = 0;
  for (let i = 0; i < d; i++) out += H[i][i];
  return out;
}

/**
 * `‖H‖_F² = Σ_ij H_ij²` (H square).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { frobeniusNormSquared } from "./linalg.ts";
 * assert(frobeniusNormSquared([[1, 2], [2, -1]]) === 10);
 * ```
 */
export function frobeniusNormSquared(H: MatrixLike): number {
  const d = assertSquare(H, "H");
  // Scaled sum of squares so that entries near 1e200 do not overflow an intermediate.
  const scale = maxAbs(H);
  if (scale === 0) return 0;
  let sum = 0;
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      const v = H[i][j] / scale;
      sum += v * v;
    }
  }
  return sum * scale * scale;
}

/**
 * The dot product `aᵀb`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { dot } from "./linalg.ts";
 * assert(dot([1, 2], [3, 4]) === 11);
 * ```
 */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) {
    throw new RangeError(`dot: a has length ${a.length} but b has length ${b.length}`);
  }
  let out = 0;
  for (let i = 0; i < a.length; i++) out += a[i] * b[i];
  return out;
}

/**
 * The Euclidean norm `‖v‖₂`, scaled by the largest entry so that squares cannot overflow.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { norm } from "./linalg.ts";
 * assert(norm([3, 4]) === 5);
 * ```
 */
export function norm(v: ArrayLike<number>): number {
  let scale = 0;
  for (let i = 0; i < v.length; i++) scale = Math.max(scale, Math.abs(v[i]));
  if (scale === 0 || !Number.isFinite(scale)) return scale;
  let sum = 0;
  for (let i = 0; i < v.length; i++) {
    const t = v[i] / scale;
    sum += t * t;
  }
  return scale * Math.sqrt(sum);
}

/**
 * The matrix-vector product `A v` (A with `v.length` columns).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { matVec } from "./linalg.ts";
 * const y = matVec([[1, 2], [3, 4]], [1, 1]);
 * assert(y[0] === 3 && y[1] === 7);
 * ```
 */
export function matVec(A: MatrixLike, v: ArrayLike<number>): Float64Array {
  const out = new Float64Array(A.length);
  for (let i = 0; i < A.length; i++) {
    const row = A[i];
    if (row.length !== v.length) {
      throw new RangeError(
        `matVec: row ${i} of A has length ${row.length} but v has length ${v.length}`,
      );
    }
    let s = 0;
    for (let j = 0; j < v.length; j++) s += row[j] * v[j];
    out[i] = s;
  }
  return out;
}

/**
 * The quadratic form `vᵀ A v`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { quadraticForm } from "./linalg.ts";
 * assert(quadraticForm([[2, 0], [0, 3]], [1, 1]) === 5);
 * ```
 */
export function quadraticForm(A: MatrixLike, v: ArrayLike<number>): number {
  return dot(v, matVec(A, v));
}

/**
 * The matrix product `A B`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { matMul } from "./linalg.ts";
 * const C = matMul([[1, 2]], [[3], [4]]);
 * assert(C[0][0] === 11);
 * ```
 */
export function matMul(A: MatrixLike, B: MatrixLike): number[][] {
  const inner = B.length;
  const cols = inner === 0 ? 0 : B[0].length;
  return Array.from({ length: A.length }, (_, i) => {
    const row = A[i];
    if (row.length !== inner) {
      throw new RangeError(
        `matMul: row ${i} of A has length ${row.length} but B has ${inner} rows`,
      );
    }
    const out = new Array<number>(cols).fill(0);
    for (let k = 0; k < inner; k++) {
      const a = row[k];
      const bk = B[k];
      for (let j = 0; j < cols; j++) out[j] += a * bk[j];
    }
    return out;
  });
}

/**
 * The transpose `Aᵀ`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { transpose } from "./linalg.ts";
 * assert(transpose([[1, 2, 3]])[2][0] === 3);
 * ```
 */
export function transpose(A: MatrixLike): number[][] {
  const cols = A.length === 0 ? 0 : A[0].length;
  return Array.from({ length: cols }, (_, j) => Array.from(A, (row) => row[j]));
}

/**
 * The d×d identity.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { identity } from "./linalg.ts";
 * assert(identity(3)[1][1] === 1 && identity(3)[0][1] === 0);
 * ```
 */
export function identity(d: number): number[][] {
  if (!Number.isInteger(d) || d < 0) {
    throw new RangeError(`identity: d must be an integer >= 0, got ${d}`);
  }
  return Array.from({ length: d }, (_, i) => {
    const row = new Array<number>(d).fill(0);
    row[i] = 1;
    return row;
  });
}

/** Eigenvalues ascending, with `vectors[k]` a unit eigenvector for `values[k]`. */
export interface SymmetricEigen {
  values: Float64Array;
  /** `vectors[k]` is the eigenvector of `values[k]`; together they are orthonormal. */
  vectors: Float64Array[];
}

/**
 * Eigendecomposition of a symmetric matrix by the cyclic Jacobi method: eigenvalues ascending
 * and orthonormal eigenvectors, `H = Σ_k values[k] · vectors[k] vectors[k]ᵀ`. Jacobi is
 * backward stable and gives each eigenvalue to an absolute error of a modest multiple of
 * `eps·‖H‖_F`.
 * `H` is validated with {@link assertSquareSymmetric} and symmetrized as `(H + Hᵀ)/2`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { symmetricEigen } from "./linalg.ts";
 * const { values, vectors } = symmetricEigen([[2, 1], [1, 2]]);
 * assert(Math.abs(values[0] - 1) < 1e-14 && Math.abs(values[1] - 3) < 1e-14);
 * assert(Math.abs(Math.abs(vectors[1][0]) - Math.SQRT1_2) < 1e-14);
 * ```
 */
export function symmetricEigen(H: MatrixLike, name = "H"): SymmetricEigen {
  const d = assertSquareSymmetric(H, name);
  const A = Array.from({ length: d }, (_, i) => {
    const row = new Float64Array(d);
    for (let j = 0; j < d; j++) row[j] = 0.5 * (H[i][j] + H[j][i]);
    return row;
  });
  const V = Array.from({ length: d }, (_, i) => {
    const row = new Float64Array(d);
    row[i] = 1;
    return row;
  });
  let frob = 0;
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) frob += A[i][j] * A[i][j];
  // Stop once the off-diagonal mass is far below rounding of the diagonal (its effect on the
  // eigenvalues is second order in it); Jacobi converges quadratically, so this takes a few sweeps.
  const target = (1e-3 * EPSILON) ** 2 * frob;
  const maxSweeps = 100;
  let converged = false;
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += A[p][q] * A[p][q];
    if (off <= target || off === 0) {
      converged = true;
      break;
    }
    for (let p = 0; p < d - 1; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = A[p][q];
        if (apq === 0) continue;
        const app = A[p][p];
        const aqq = A[q][q];
        // After a few sweeps, an entry below the rounding of both diagonal entries is noise.
        const g = 100 * Math.abs(apq);
        if (
          sweep > 3 && Math.abs(app) + g === Math.abs(app) && Math.abs(aqq) + g === Math.abs(aqq)
        ) {
          A[p][q] = 0;
          A[q][p] = 0;
          continue;
        }
        // The smaller rotation angle (|t| <= 1) keeps the update stable (Rutishauser).
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        A[p][p] = app - t * apq;
        A[q][q] = aqq + t * apq;
        A[p][q] = 0;
        A[q][p] = 0;
        for (let r = 0; r < d; r++) {
          if (r !== p && r !== q) {
            const arp = A[r][p];
            const arq = A[r][q];
            const newRp = c * arp - s * arq;
            const newRq = s * arp + c * arq;
            A[r][p] = newRp;
            A[p][r] = newRp;
            A[r][q] = newRq;
            A[q][r] = newRq;
          }
          const vrp = V[r][p];
          const vrq = V[r][q];
          V[r][p] = c * vrp - s * vrq;
          V[r][q] = s * vrp + c * vrq;
        }
      }
    }
  }
  if (!converged) {
    let off = 0;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += A[p][q] * A[p][q];
    // Reaching here means 100 sweeps left off-diagonal mass above rounding level: report it
    // rather than return eigenvalues of unknown accuracy.
    if (off > (EPSILON * EPSILON) * frob) {
      throw new RangeError(
        `symmetricEigen: Jacobi did not converge for ${name} (off-diagonal norm ${
          Math.sqrt(off)
        } after ${maxSweeps} sweeps)`,
      );
    }
  }
  const order = Array.from({ length: d }, (_, i) => i).sort((a, b) => A[a][a] - A[b][b]);
  const values = Float64Array.from(order, (k) => A[k][k]);
  const vectors = order.map((k) => Float64Array.from(V, (row) => row[k]));
  return { values, vectors };
}

/**
 * Eigenvalues of a symmetric matrix, ascending (see {@link symmetricEigen}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { symmetricEigenvalues } from "./linalg.ts";
 * const values = symmetricEigenvalues([[4, 0], [0, -1]]);
 * // Jacobi rotations in Float64: exact on a diagonal input, 1e-12 allows for rounding elsewhere.
 * assert(Math.abs(values[0] + 1) < 1e-12 && Math.abs(values[1] - 4) < 1e-12);
 * ```
 */
export function symmetricEigenvalues(H: MatrixLike, name = "H"): Float64Array {
  return symmetricEigen(H, name).values;
}

/** The sign and log-magnitude of a determinant: `det = sign · exp(logAbs)`. */
export interface SignedLogDeterminant {
  /** -1, 0 or 1; 0 exactly when a pivot is 0 (then `logAbs` is `-Infinity`). */
  sign: -1 | 0 | 1;
  logAbs: number;
}

/** LU with partial pivoting: returns the pivots' product pieces (sign, log|det|, det). */
function luDeterminant(
  A: MatrixLike,
  name: string,
): { sign: -1 | 0 | 1; logAbs: number; det: number } {
  const d = assertSquare(A, name);
  const M = Array.from(A, (row) => Float64Array.from(row));
  let sign: -1 | 0 | 1 = 1;
  let logAbs = 0;
  let det = 1;
  for (let k = 0; k < d; k++) {
    let pivotRow = k;
    let best = Math.abs(M[k][k]);
    for (let i = k + 1; i < d; i++) {
      const v = Math.abs(M[i][k]);
      if (v > best) {
        best = v;
        pivotRow = i;
      }
    }
    if (best === 0) return { sign: 0, logAbs: -Infinity, det: 0 };
    if (pivotRow !== k) {
      const tmp = M[k];
      M[k] = M[pivotRow];
      M[pivotRow] = tmp;
      sign = -sign as -1 | 1;
      det = -det;
    }
    const pivot = M[k][k];
    if (pivot < 0) sign = -sign as -1 | 1;
    logAbs += Math.log(Math.abs(pivot));
    det *= pivot;
    for (let i = k + 1; i < d; i++) {
      const factor = M[i][k] / pivot;
      if (factor === 0) continue;
      const rowI = M[i];
      const rowK = M[k];
      for (let j = k + 1; j < d; j++) rowI[j] -= factor * rowK[j];
    }
  }
  return { sign, logAbs, det };
}

/**
 * `det A` by LU with partial pivoting (A square, any symmetry). The product of pivots is formed
 * directly, so it may overflow to ±Infinity for large d: use {@link logDeterminant} then.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { determinant } from "./linalg.ts";
 * assert(Math.abs(determinant([[1, 2], [3, 4]]) + 2) < 1e-14);
 * ```
 */
export function determinant(A: MatrixLike, name = "A"): number {
  return luDeterminant(A, name).det;
}

/**
 * The signed log-determinant `{ sign, logAbs }` with `det A = sign · exp(logAbs)`, by LU with
 * partial pivoting; safe from overflow for large d.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { logDeterminant } from "./linalg.ts";
 * const { sign, logAbs } = logDeterminant([[0, 2], [3, 0]]);
 * assert(sign === -1 && Math.abs(logAbs - Math.log(6)) < 1e-14);
 * ```
 */
export function logDeterminant(A: MatrixLike, name = "A"): SignedLogDeterminant {
  const { sign, logAbs } = luDeterminant(A, name);
  return { sign, logAbs };
}

/**
 * A Haar-random d×d orthogonal matrix: QR (modified Gram-Schmidt, re-orthogonalized once) of a
 * Gaussian matrix, with the column signs fixed by R's diagonal so that the distribution is Haar.
 * Rows and columns are orthonormal to a few ulps.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { randomOrthogonal, matMul, transpose } from "./linalg.ts";
 * import { Random } from "./random.ts";
 * const Q = randomOrthogonal(new Random(1), 3);
 * const I = matMul(Q, transpose(Q));
 * assert(Math.abs(I[0][0] - 1) < 1e-14 && Math.abs(I[0][1]) < 1e-14);
 * ```
 */
export function randomOrthogonal(rng: Random, d: number): number[][] {
  if (!Number.isInteger(d) || d < 1) {
    throw new RangeError(`randomOrthogonal: d must be a positive integer, got ${d}`);
  }
  const columns: Float64Array[] = [];
  while (columns.length < d) {
    const v = rng.gaussianVector(d);
    const original = norm(v);
    // Two passes of Gram-Schmidt ("twice is enough") keep orthogonality at rounding level.
    for (let pass = 0; pass < 2; pass++) {
      for (const q of columns) {
        const c = dot(q, v);
        for (let i = 0; i < d; i++) v[i] -= c * q[i];
      }
    }
    const n = norm(v);
    // A draw almost inside the span of the previous columns is redrawn (probability ~0).
    if (!(n > 1e-8 * original)) continue;
    for (let i = 0; i < d; i++) v[i] /= n;
    columns.push(v);
  }
  return Array.from({ length: d }, (_, i) => Array.from(columns, (q) => q[i]));
}

/**
 * The symmetric matrix `Q diag(values) Qᵀ` (Q orthogonal, `values.length` columns), symmetrized
 * exactly so that it passes {@link assertSquareSymmetric} with any tolerance.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fromEigen, identity } from "./linalg.ts";
 * const H = fromEigen([2, 5], identity(2));
 * assert(H[0][0] === 2 && H[1][1] === 5 && H[0][1] === 0);
 * ```
 */
export function fromEigen(values: ArrayLike<number>, Q: MatrixLike): number[][] {
  assertFiniteVector(values, "values");
  const d = Q.length;
  for (let i = 0; i < d; i++) {
    if (Q[i].length !== values.length) {
      throw new RangeError(
        `fromEigen: row ${i} of Q has length ${Q[i].length} but there are ${values.length} values`,
      );
    }
  }
  const out = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      let s = 0;
      for (let k = 0; k < values.length; k++) s += Q[i][k] * values[k] * Q[j][k];
      out[i][j] = s;
      out[j][i] = s;
    }
  }
  return out;
}
