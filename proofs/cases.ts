/**
 * Shared pieces of the measure properties (proofs 2, 3, 4, 5, 7): random test functions with a
 * known Hessian, the log-log slope, and the fast-check driver that records the worst error.
 *
 * @module
 */
import fc from "fast-check";
import { fromEigen, randomOrthogonal } from "../src/math/linalg.ts";
import { Random } from "../src/math/random.ts";
import type { Loss } from "../src/measures/types.ts";

/**
 * `c + ½ (x - x*)ᵀ H (x - x*)`: a quadratic whose critical point x* and Hessian H are known.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { quadratic } from "./cases.ts";
 * const f = quadratic([[2, 0], [0, 4]], [1, 1]);
 * assert(f(new Float64Array([2, 1])) === 2);
 * ```
 */
export function quadratic(H: ArrayLike<ArrayLike<number>>, center: ArrayLike<number>, c = 1): Loss {
  const d = center.length;
  return (x) => {
    let q = 0;
    for (let i = 0; i < d; i++) {
      const yi = x[i] - center[i];
      let row = 0;
      for (let j = 0; j < d; j++) row += H[i][j] * (x[j] - center[j]);
      q += yi * row;
    }
    return c + 0.5 * q;
  };
}

/**
 * The symmetric matrix with the given eigenvalues and a Haar-random eigenbasis from `seed`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { symmetricWithSpectrum } from "./cases.ts";
 * const H = symmetricWithSpectrum([1, 3], 7);
 * assert(Math.abs(H[0][0] + H[1][1] - 4) < 1e-12);
 * ```
 */
export function symmetricWithSpectrum(values: readonly number[], seed: number): number[][] {
  return fromEigen(values, randomOrthogonal(new Random(seed), values.length));
}

/**
 * The least-squares slope of `log y` against `log x`: the observed order of convergence.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { logLogSlope } from "./cases.ts";
 * assert(Math.abs(logLogSlope([1, 2, 4], [3, 12, 48]) - 2) < 1e-12);
 * ```
 */
export function logLogSlope(x: readonly number[], y: readonly number[]): number {
  const lx = x.map(Math.log);
  const ly = y.map(Math.log);
  const mx = lx.reduce((a, b) => a + b, 0) / lx.length;
  const my = ly.reduce((a, b) => a + b, 0) / ly.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < lx.length; i++) {
    num += (lx[i] - mx) * (ly[i] - my);
    den += (lx[i] - mx) ** 2;
  }
  return num / den;
}

/** One case's outcome: its error in units of its own bound (1 = at the bound), per sub-check. */
export type CaseErrors = Record<string, number>;

/** The worst normalized errors over all cases, per sub-check, and the overall outcome. */
export interface CheckSummary {
  cases: number;
  worstError: number;
  worstBySubcheck: Record<string, number>;
  failed: boolean;
  counterexample: string;
}

/**
 * Runs `check` on `numRuns` fast-check values from `seed` (no shrinking: the first failing case
 * is reported as is, so that a replay with the same seed shows it). A case fails when any of its
 * normalized errors exceeds 1, or when it throws.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import fc from "fast-check";
 * import { checkCases } from "./cases.ts";
 * const s = checkCases(fc.double({ min: 0, max: 1, noNaN: true }), 1, 20, (v) => ({ half: v / 2 }));
 * assert(!s.failed && s.worstError <= 0.5);
 * ```
 */
export function checkCases<T>(
  arbitrary: fc.Arbitrary<T>,
  seed: number,
  numRuns: number,
  check: (value: T) => CaseErrors,
): CheckSummary {
  let cases = 0;
  let worstError = 0;
  const worstBySubcheck: Record<string, number> = {};
  let counterexample = "";
  const details = fc.check(
    fc.property(arbitrary, (value) => {
      cases++;
      let errors: CaseErrors;
      try {
        errors = check(value);
      } catch (error) {
        counterexample = `threw ${error instanceof Error ? error.message : error} on ${
          JSON.stringify(value)
        }`;
        worstError = Infinity;
        return false;
      }
      let passed = true;
      for (const [name, error] of Object.entries(errors)) {
        const e = Number.isNaN(error) ? Infinity : error;
        worstBySubcheck[name] = Math.max(worstBySubcheck[name] ?? 0, e);
        worstError = Math.max(worstError, e);
        if (!(e <= 1)) {
          passed = false;
          counterexample ||= `${name}: error ${e.toPrecision(3)}× its bound on ${
            JSON.stringify(value)
          }`;
        }
      }
      return passed;
    }),
    { seed, numRuns, endOnFailure: true },
  );
  return { cases, worstError, worstBySubcheck, failed: details.failed, counterexample };
}

/**
 * A one-line summary of the worst error per sub-check, for a property's `detail`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeWorst } from "./cases.ts";
 * assert(describeWorst({ a: 0.5 }) === "a 0.500");
 * ```
 */
export function describeWorst(worst: Record<string, number>): string {
  return Object.entries(worst).map(([k, v]) => `${k} ${v.toPrecision(3)}`).join(", ");
}
