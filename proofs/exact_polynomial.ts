/**
 * Exact integer (BigInt) matrices and polynomials for property 6: traces of powers, Bareiss
 * determinants, and the squarefree decomposition of a characteristic polynomial, so that the
 * spectral universality chain can be checked with no rounding at all.
 *
 * Polynomials are ascending coefficient arrays `c[0] + c[1] t + …`.
 *
 * @module
 */

/** A square matrix of BigInts. */
export type BigMatrix = bigint[][];

/**
 * `A B`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bigMatMul } from "./exact_polynomial.ts";
 * assert(bigMatMul([[1n, 2n]], [[3n], [4n]])[0][0] === 11n);
 * ```
 */
export function bigMatMul(A: BigMatrix, B: BigMatrix): BigMatrix {
  return A.map((row) => B[0].map((_, j) => row.reduce((s, a, k) => s + a * B[k][j], 0n)));
}

/**
 * `tr A`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bigTrace } from "./exact_polynomial.ts";
 * assert(bigTrace([[1n, 5n], [5n, 2n]]) === 3n);
 * ```
 */
export function bigTrace(A: BigMatrix): bigint {
  return A.reduce((s, row, i) => s + row[i], 0n);
}

/**
 * `det A` by Bareiss' fraction-free elimination (exact; every division is exact).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bareissDeterminant } from "./exact_polynomial.ts";
 * assert(bareissDeterminant([[0n, 2n], [3n, 1n]]) === -6n);
 * ```
 */
export function bareissDeterminant(A: BigMatrix): bigint {
  const n = A.length;
  const M = A.map((row) => row.slice());
  let sign = 1n;
  let previous = 1n;
  for (let k = 0; k < n - 1; k++) {
    if (M[k][k] === 0n) {
      const swap = M.findIndex((row, i) => i > k && row[k] !== 0n);
      if (swap < 0) return 0n;
      [M[k], M[swap]] = [M[swap], M[k]];
      sign = -sign;
    }
    for (let i = k + 1; i < n; i++) {
      for (let j = k + 1; j < n; j++) {
        M[i][j] = (M[i][j] * M[k][k] - M[i][k] * M[k][j]) / previous;
      }
    }
    previous = M[k][k];
  }
  return sign * M[n - 1][n - 1];
}

function trim(c: bigint[]): bigint[] {
  const out = c.slice();
  while (out.length > 1 && out[out.length - 1] === 0n) out.pop();
  return out;
}

function degree(c: bigint[]): number {
  const t = trim(c);
  return t.length === 1 && t[0] === 0n ? -1 : t.length - 1;
}

/**
 * `p(t)` exactly.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bigEvaluate } from "./exact_polynomial.ts";
 * assert(bigEvaluate([1n, 0n, 2n], 3n) === 19n);
 * ```
 */
export function bigEvaluate(c: bigint[], t: bigint): bigint {
  let value = 0n;
  for (let k = c.length - 1; k >= 0; k--) value = value * t + c[k];
  return value;
}

/**
 * The derivative.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bigDerivative } from "./exact_polynomial.ts";
 * assert(bigDerivative([5n, 1n, 3n]).join() === "1,6");
 * ```
 */
export function bigDerivative(c: bigint[]): bigint[] {
  if (c.length <= 1) return [0n];
  return c.slice(1).map((v, k) => BigInt(k + 1) * v);
}

function abs(v: bigint): bigint {
  return v < 0n ? -v : v;
}

function integerGcd(a: bigint, b: bigint): bigint {
  a = abs(a);
  b = abs(b);
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** The primitive part with a positive leading coefficient. */
function primitive(c: bigint[]): bigint[] {
  const t = trim(c);
  const content = t.reduce((g, v) => integerGcd(g, v), 0n);
  if (content === 0n) return [0n];
  const sign = t[t.length - 1] < 0n ? -1n : 1n;
  return t.map((v) => (sign * v) / content);
}

/** A nonzero multiple of the remainder of a by b (fraction-free). */
function pseudoRemainder(a: bigint[], b: bigint[]): bigint[] {
  let r = trim(a);
  const db = degree(b);
  const lb = b[db];
  while (degree(r) >= db && degree(r) >= 0) {
    const dr = degree(r);
    const lr = r[dr];
    const next = r.map((v) => v * lb);
    for (let k = 0; k <= db; k++) next[k + dr - db] -= lr * b[k];
    r = trim(next);
  }
  return r;
}

/**
 * The greatest common divisor (primitive, positive leading coefficient), by the primitive
 * polynomial remainder sequence.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bigGcd } from "./exact_polynomial.ts";
 * // gcd((t-1)²(t+2), (t-1)(t+3)) = t - 1
 * assert(bigGcd([2n, -3n, 0n, 1n], [-3n, 2n, 1n]).join() === "-1,1");
 * ```
 */
export function bigGcd(a: bigint[], b: bigint[]): bigint[] {
  let x = primitive(a);
  let y = primitive(b);
  if (degree(x) < degree(y)) [x, y] = [y, x];
  while (degree(y) >= 0) {
    const r = pseudoRemainder(x, y);
    x = y;
    y = degree(r) >= 0 ? primitive(r) : [0n];
  }
  return primitive(x);
}

/**
 * `a / b` when b divides a over the integers; throws otherwise.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bigExactDivide } from "./exact_polynomial.ts";
 * assert(bigExactDivide([2n, -3n, 1n], [-1n, 1n]).join() === "-2,1");
 * ```
 */
export function bigExactDivide(a: bigint[], b: bigint[]): bigint[] {
  let r = trim(a);
  const db = degree(b);
  if (db < 0) throw new RangeError("bigExactDivide: division by the zero polynomial");
  const lb = b[db];
  const quotient = new Array<bigint>(Math.max(1, degree(r) - db + 1)).fill(0n);
  while (degree(r) >= db) {
    const dr = degree(r);
    if (r[dr] % lb !== 0n) throw new RangeError(`bigExactDivide: ${lb} does not divide ${r[dr]}`);
    const factor = r[dr] / lb;
    quotient[dr - db] = factor;
    const next = r.slice();
    for (let k = 0; k <= db; k++) next[k + dr - db] -= factor * b[k];
    r = trim(next);
  }
  if (degree(r) >= 0) throw new RangeError(`bigExactDivide: nonzero remainder ${r.join(",")}`);
  return quotient;
}

/**
 * The squarefree layers of p: `layers[k-1]` is squarefree and vanishes exactly at the roots of
 * multiplicity >= k (`f_0 = p`, `f_k = gcd(f_(k-1), f_(k-1)')`, layer k = `f_(k-1) / f_k`), so the
 * roots of all layers together are the roots of p with multiplicity, each a simple root of its
 * layer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { squarefreeLayers } from "./exact_polynomial.ts";
 * // (t-1)²(t+2): layer 1 = (t-1)(t+2), layer 2 = t-1
 * const layers = squarefreeLayers([2n, -3n, 0n, 1n]);
 * assert(layers.length === 2 && layers[1].join() === "-1,1");
 * ```
 */
export function squarefreeLayers(p: bigint[]): bigint[][] {
  const layers: bigint[][] = [];
  let f = primitive(p);
  while (degree(f) >= 1) {
    const g = bigGcd(f, bigDerivative(f));
    layers.push(bigExactDivide(f, g));
    f = g;
  }
  return layers;
}
