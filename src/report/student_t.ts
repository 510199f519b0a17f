/**
 * Student's t distribution: the CDF through the regularized incomplete beta function, and the
 * quantile by bracketing bisection on that CDF. simple-statistics has no t CDF, so the incomplete
 * beta is implemented here (Lentz's continued fraction, Numerical Recipes §6.4), on top of
 * simple-statistics' `gammaln` (Lanczos, g = 607/128, 15 terms: relative error near 1e-15) for
 * small shapes and Stirling's series for large ones (where a difference of gammaln values
 * cancels: `logPrefactor`). Shapes up to 10^13, a t with up to 2·10^13 degrees of freedom.
 *
 * @module
 */
import { gammaln } from "simple-statistics";

const CONTINUED_FRACTION_EPSILON = 1e-15;
// The fraction needs O(sqrt(max(a, b))) terms near the mean: 10^6 covers shapes past 10^11 (a
// Student t with 2·10^11 degrees of freedom) in a few milliseconds.
const CONTINUED_FRACTION_MAX_TERMS = 1_000_000;
/**
 * Largest shape accepted: the continued fraction's rounding grows with the shapes (measured at
 * I_0.5(a, a) = 1/2: 1e-11 off at 1e10, 1.4e-9 at 1e14, 1.5e-7 at 1e16, no convergence at 1e18).
 * A Student t reaches it at 2·10^13 degrees of freedom, far past any sample.
 */
const MAX_SHAPE = 1e13;
/** From here on both shapes take the Stirling form of the prefactor (`logPrefactor`). */
const STIRLING_SHAPES = 100;
const TINY = 1e-300;

function checkPositive(name: string, value: number, where: string): void {
  if (typeof value !== "number") {
    throw new TypeError(`${where}: ${name} must be a number, got ${typeof value}`);
  }
  if (!(value > 0) || !Number.isFinite(value)) {
    throw new RangeError(`${where}: ${name} must be a finite positive number, got ${value}`);
  }
}

/** Lentz's evaluation of the continued fraction for I_x(a, b); converges fast for x < (a+1)/(a+b+2). */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= CONTINUED_FRACTION_MAX_TERMS; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < CONTINUED_FRACTION_EPSILON) return h;
  }
  throw new RangeError(
    `regularizedIncompleteBeta: continued fraction did not converge for x=${x}, a=${a}, b=${b}`,
  );
}

/** log(1 + u) - u, without the cancellation of the two terms for small u. */
function log1pMinusX(u: number): number {
  if (Math.abs(u) >= 0.1) return Math.log1p(u) - u;
  // -u^2/2 + u^3/3 - ...: |u| < 0.1 makes each term a tenth of the last at most.
  let sum = 0;
  let power = u;
  for (let k = 2; k < 60; k++) {
    power *= -u;
    const term = power / k;
    sum += term;
    if (Math.abs(term) <= 1e-17 * Math.abs(sum)) break;
  }
  return sum;
}

/** Stirling's remainder of log Γ(z): 1/(12z) - 1/(360z^3) + 1/(1260z^5), error below 1e-17 from z = 100. */
function stirlingRemainder(z: number): number {
  const inv2 = 1 / (z * z);
  return (1 / 12 - inv2 * (1 / 360 - inv2 / 1260)) / z;
}

/**
 * log(x^a (1-x)^b / B(a, b)). Small shapes: from gammaln directly. A shape from
 * `STIRLING_SHAPES` on makes that sum cancel terms of size a log a down to a result of order
 * log a (at a = b = 10^8 it put I_0.5 at 0.50000012 instead of 0.5; a Student t with 2·10^8
 * degrees of freedom, a = 10^8 and b = 1/2, was off by 1.2e-7), so Stirling's formula takes the
 * large shape's log Γ, written so that no two terms cancel:
 * - both large: a (log1p(u) - u) + b (log1p(v) - v) + log(ab/(a+b))/2 - log(2π)/2 + remainders,
 *   with u = (x(a+b) - a)/a and v = -(x(a+b) - a)/b (a u + b v = 0 drops out exactly);
 * - one large, L, the other S: log Γ(L+S) - log Γ(L) = (L - 1/2) log1p(S/L) + S log(L+S) - S +
 *   remainders, and the rest as before.
 */
function logPrefactor(x: number, y: number, a: number, b: number): number {
  // log x and log(1 - x) from whichever of x and y = 1 - x is the smaller, so both are accurate.
  const logX = x < 0.5 ? Math.log(x) : Math.log1p(-y);
  const logY = x < 0.5 ? Math.log1p(-x) : Math.log(y);
  const large = Math.max(a, b);
  const small = Math.min(a, b);
  if (large < STIRLING_SHAPES) {
    return gammaln(a + b) - gammaln(a) - gammaln(b) + a * logX + b * logY;
  }
  if (small >= STIRLING_SHAPES) {
    const shift = x * b - y * a; // x(a + b) - a
    return a * log1pMinusX(shift / a) + b * log1pMinusX(-shift / b) +
      0.5 * Math.log((a / (a + b)) * b) - 0.5 * Math.log(2 * Math.PI) +
      stirlingRemainder(a + b) - stirlingRemainder(a) - stirlingRemainder(b);
  }
  const gammaRatio = (large - 0.5) * Math.log1p(small / large) + small * Math.log(large + small) -
    small + stirlingRemainder(large + small) - stirlingRemainder(large);
  return gammaRatio - gammaln(small) + a * logX + b * logY;
}

/**
 * The regularized incomplete beta function I_x(a, b) = B(x; a, b) / B(a, b), for x in [0, 1].
 *
 * @example
 * ```ts
 * import { regularizedIncompleteBeta } from "./student_t.ts";
 * import assert from "node:assert/strict";
 * // I_x(a, 1) = x^a
 * assert.ok(Math.abs(regularizedIncompleteBeta(0.3, 2.5, 1) - 0.3 ** 2.5) < 1e-13);
 * ```
 */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  const where = "regularizedIncompleteBeta";
  checkPositive("a", a, where);
  checkPositive("b", b, where);
  if (typeof x !== "number" || !(x >= 0 && x <= 1)) {
    throw new RangeError(`${where}: x must be in [0, 1], got ${x}`);
  }
  if (x === 0 || x === 1) return x;
  return incompleteBeta(where, x, 1 - x, a, b);
}

/**
 * I_x(a, b) given both x and y = 1 - x, for a caller that knows y more accurately than `1 - x`
 * computes it (Student's t with large degrees of freedom); 0 < x < 1, shapes positive; `where`
 * names the caller in the refusal of a shape past `MAX_SHAPE`.
 */
function incompleteBeta(where: string, x: number, y: number, a: number, b: number): number {
  // Here, not in one caller: every entry point that reaches the fraction gets the same limit.
  if (Math.max(a, b) > MAX_SHAPE) {
    throw new RangeError(
      `${where}: shapes above ${MAX_SHAPE} are outside its accuracy (1e-9 there), got a=${a}, b=${b}`,
    );
  }
  const front = Math.exp(logPrefactor(x, y, a, b));
  // The symmetry I_x(a, b) = 1 - I_{1-x}(b, a) keeps the continued fraction in its fast region.
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(x, a, b)) / a;
  return 1 - (front * betaContinuedFraction(y, b, a)) / b;
}

/**
 * P(T <= t) for Student's t with `degreesOfFreedom` (any positive real, as Welch's test needs).
 *
 * @example
 * ```ts
 * import { studentTCdf } from "./student_t.ts";
 * import assert from "node:assert/strict";
 * // one degree of freedom is the Cauchy distribution: P(T <= 1) = 3/4
 * assert.ok(Math.abs(studentTCdf(1, 1) - 0.75) < 1e-13);
 * ```
 */
export function studentTCdf(t: number, degreesOfFreedom: number): number {
  checkPositive("degreesOfFreedom", degreesOfFreedom, "studentTCdf");
  if (typeof t !== "number" || Number.isNaN(t)) {
    throw new RangeError(`studentTCdf: t must be a number, got ${t}`);
  }
  if (t === Infinity) return 1;
  if (t === -Infinity) return 0;
  const tail = 0.5 * twoSidedTail("studentTCdf", t, degreesOfFreedom);
  return t > 0 ? 1 - tail : tail;
}

/**
 * The two-sided p-value P(|T| >= |t|), computed from the tail directly so that tiny p-values keep
 * their relative precision (1 - CDF would cancel).
 *
 * @example
 * ```ts
 * import { studentTTwoSidedP } from "./student_t.ts";
 * import assert from "node:assert/strict";
 * // the 97.5% quantile of t(10) is 2.228138851986274
 * assert.ok(Math.abs(studentTTwoSidedP(2.228138851986274, 10) - 0.05) < 1e-12);
 * ```
 */
export function studentTTwoSidedP(t: number, degreesOfFreedom: number): number {
  checkPositive("degreesOfFreedom", degreesOfFreedom, "studentTTwoSidedP");
  if (typeof t !== "number" || Number.isNaN(t)) {
    throw new RangeError(`studentTTwoSidedP: t must be a number, got ${t}`);
  }
  if (!Number.isFinite(t)) return 0;
  return twoSidedTail("studentTTwoSidedP", t, degreesOfFreedom);
}

/**
 * P(|T| > |t|) = I_x(ν/2, 1/2) with x = ν/(ν + t²), and 1 - x passed as t²/(ν + t²): for large
 * ν, x rounds to within an ulp of 1, and 1 - x would lose most of its digits (a millionth of the
 * tail at ν = 2·10^10). `t` finite, ν checked by the caller named `where`.
 */
function twoSidedTail(where: string, t: number, degreesOfFreedom: number): number {
  if (t === 0) return 1;
  const sum = degreesOfFreedom + t * t;
  return incompleteBeta(where, degreesOfFreedom / sum, (t * t) / sum, degreesOfFreedom / 2, 0.5);
}

/**
 * The p-quantile of Student's t: the t with P(T <= t) = p, by bisection on the CDF to a relative
 * width of 1e-14 (the CDF is strictly increasing, so bisection cannot miss).
 *
 * @example
 * ```ts
 * import { studentTQuantile } from "./student_t.ts";
 * import assert from "node:assert/strict";
 * assert.ok(Math.abs(studentTQuantile(0.975, 2) - 4.302652729749462) < 1e-9);
 * ```
 */
export function studentTQuantile(p: number, degreesOfFreedom: number): number {
  checkPositive("degreesOfFreedom", degreesOfFreedom, "studentTQuantile");
  if (typeof p !== "number" || !(p > 0 && p < 1)) {
    throw new RangeError(`studentTQuantile: p must be in (0, 1), got ${p}`);
  }
  if (p === 0.5) return 0;
  if (p < 0.5) return -studentTQuantile(1 - p, degreesOfFreedom);
  let low = 0;
  let high = 1;
  while (studentTCdf(high, degreesOfFreedom) < p) {
    low = high;
    high *= 2;
    if (!Number.isFinite(high)) {
      throw new RangeError(`studentTQuantile: p=${p} too close to 1 for df=${degreesOfFreedom}`);
    }
  }
  for (let i = 0; i < 200 && high - low > 1e-14 * high; i++) {
    const middle = 0.5 * (low + high);
    if (studentTCdf(middle, degreesOfFreedom) < p) low = middle;
    else high = middle;
  }
  return 0.5 * (low + high);
}
