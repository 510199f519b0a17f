/**
 * Statistics over seeds: mean with a t-based 95% confidence interval, Welch's two-sample
 * t-test with Cohen's d and Hedges' g, the paired t-test on differences by seed (with its 95% t
 * interval), and the Holm–Bonferroni step-down adjustment of a family of p-values. Means and variances come from simple-statistics; its
 * `tTestTwoSample` is Student's pooled-variance statistic (and returns only t), so Welch's unequal
 * variance statistic, its Welch–Satterthwaite degrees of freedom and the p-value are computed here.
 *
 * @module
 */
import { mean, sampleVariance } from "simple-statistics";
import { studentTQuantile, studentTTwoSidedP } from "./student_t.ts";

/** Mean and spread of one sample (e.g. the test accuracies of one method over seeds). */
export interface SampleSummary {
  /** Number of values. */
  n: number;
  mean: number;
  /** Sample standard deviation (n - 1 denominator); null when n < 2. */
  sd: number | null;
  /** Standard error of the mean, sd / sqrt(n); null when n < 2. */
  se: number | null;
  /** Half width of the 95% t interval, t_{0.975, n-1} · se; null when n < 2. */
  ci95HalfWidth: number | null;
  /** [mean - half width, mean + half width]; null when n < 2. */
  ci95: [number, number] | null;
}

function checkSample(name: string, values: readonly number[], where: string): void {
  if (!Array.isArray(values)) {
    throw new TypeError(`${where}: ${name} must be an array of numbers, got ${typeof values}`);
  }
  if (values.length === 0) throw new RangeError(`${where}: ${name} must not be empty`);
  const bad = values.find((v) => typeof v !== "number" || !Number.isFinite(v));
  if (bad !== undefined) {
    throw new RangeError(`${where}: ${name} must hold finite numbers, got ${bad}`);
  }
}

/**
 * Summarize a sample: mean, sd, standard error and the 95% Student-t confidence interval.
 *
 * @example
 * ```ts
 * import { summarize } from "./stats.ts";
 * import assert from "node:assert/strict";
 * const s = summarize([0.80, 0.82, 0.84]);
 * // sd 0.02, se 0.02/sqrt(3), t_{0.975,2} = 4.3027
 * assert.ok(Math.abs(s.ci95HalfWidth! - 4.302652729749462 * 0.02 / Math.sqrt(3)) < 1e-9);
 * ```
 */
export function summarize(values: readonly number[]): SampleSummary {
  checkSample("values", values, "summarize");
  const n = values.length;
  const m = mean(values as number[]);
  if (n < 2) return { n, mean: m, sd: null, se: null, ci95HalfWidth: null, ci95: null };
  const sd = Math.sqrt(sampleVariance(values as number[]));
  const se = sd / Math.sqrt(n);
  const half = studentTQuantile(0.975, n - 1) * se;
  return { n, mean: m, sd, se, ci95HalfWidth: half, ci95: [m - half, m + half] };
}

/** Result of Welch's two-sample t-test of `a` against `b`. */
export interface WelchResult {
  /** mean(a) - mean(b). */
  difference: number;
  /** Welch's t statistic; null when undefined (fewer than 2 values in a sample, or 0/0). */
  t: number | null;
  /** Welch–Satterthwaite degrees of freedom; null when undefined. */
  degreesOfFreedom: number | null;
  /** Two-sided p-value; null when undefined. */
  p: number | null;
  /** Cohen's d with the pooled sd; null when undefined. */
  cohenD: number | null;
  /** Hedges' g = d · (1 - 3 / (4(n_a + n_b) - 9)), the small-sample bias correction. */
  hedgesG: number | null;
}

/**
 * Welch's unequal-variance t-test of mean(a) = mean(b), with effect sizes.
 * Degenerate case: both samples constant. Equal means give p = 1; different means give p = 0 and
 * infinite t (reported as null t, p 0, effect sizes null) since no seed spread can explain them.
 *
 * @example
 * ```ts
 * import { welchTest } from "./stats.ts";
 * import assert from "node:assert/strict";
 * const r = welchTest([0.90, 0.91, 0.92], [0.80, 0.81, 0.82]);
 * assert.ok(r.p! < 0.001 && Math.abs(r.difference - 0.1) < 1e-12);
 * ```
 */
export function welchTest(a: readonly number[], b: readonly number[]): WelchResult {
  checkSample("a", a, "welchTest");
  checkSample("b", b, "welchTest");
  const na = a.length;
  const nb = b.length;
  const difference = mean(a as number[]) - mean(b as number[]);
  const none = { t: null, degreesOfFreedom: null, p: null, cohenD: null, hedgesG: null };
  if (na < 2 || nb < 2) return { difference, ...none };
  const va = sampleVariance(a as number[]);
  const vb = sampleVariance(b as number[]);
  const sa = va / na;
  const sb = vb / nb;
  const se2 = sa + sb;
  if (se2 === 0) {
    return { difference, ...none, p: difference === 0 ? 1 : 0 };
  }
  const t = difference / Math.sqrt(se2);
  const degreesOfFreedom = (se2 * se2) / ((sa * sa) / (na - 1) + (sb * sb) / (nb - 1));
  const p = studentTTwoSidedP(t, degreesOfFreedom);
  const pooledSd = Math.sqrt(((na - 1) * va + (nb - 1) * vb) / (na + nb - 2));
  const cohenD = difference / pooledSd;
  const hedgesG = cohenD * (1 - 3 / (4 * (na + nb) - 9));
  return { difference, t, degreesOfFreedom, p, cohenD, hedgesG };
}

/** Result of the paired t-test of `a` against `b` (differences a[i] - b[i], one per seed). */
export interface PairedResult {
  /** Number of pairs. */
  n: number;
  /** Mean of the differences a[i] - b[i] (equals mean(a) - mean(b)). */
  difference: number;
  /** Sample sd of the differences; null when n < 2. */
  sd: number | null;
  /** 95% t interval of the mean difference, t_{0.975, n-1} · sd / sqrt(n); null when n < 2. */
  ci95: [number, number] | null;
  /** t = difference / (sd / sqrt(n)); null when undefined (n < 2, or constant differences). */
  t: number | null;
  /** n - 1; null when n < 2. */
  degreesOfFreedom: number | null;
  /** Two-sided p-value; null when n < 2. */
  p: number | null;
}

/**
 * The paired t-test of mean(a - b) = 0 for samples matched by position (here: by seed, so both
 * methods saw the same initialization and data order), with the 95% t interval of the mean
 * difference. Constant differences: p = 1 when they are all 0, else p = 0 (t null), as in
 * {@link welchTest}.
 *
 * @example
 * ```ts
 * import { pairedTest } from "./stats.ts";
 * import assert from "node:assert/strict";
 * const r = pairedTest([0.85, 0.86, 0.84, 0.87], [0.80, 0.83, 0.79, 0.81]);
 * // SciPy 1.10 stats.ttest_rel: p = 0.004818230468198515
 * assert.ok(Math.abs(r.p! - 0.004818230468198515) < 1e-12);
 * assert.ok(r.ci95![0] > 0);
 * ```
 */
export function pairedTest(a: readonly number[], b: readonly number[]): PairedResult {
  checkSample("a", a, "pairedTest");
  checkSample("b", b, "pairedTest");
  if (a.length !== b.length) {
    throw new RangeError(
      `pairedTest: a and b must have the same length (one value per seed), got ${a.length} and ${b.length}`,
    );
  }
  const n = a.length;
  const differences = a.map((v, i) => v - b[i]);
  const difference = mean(differences);
  if (n < 2) {
    return { n, difference, sd: null, ci95: null, t: null, degreesOfFreedom: null, p: null };
  }
  const sd = Math.sqrt(sampleVariance(differences));
  const degreesOfFreedom = n - 1;
  const se = sd / Math.sqrt(n);
  const half = studentTQuantile(0.975, degreesOfFreedom) * se;
  const ci95: [number, number] = [difference - half, difference + half];
  if (se === 0) {
    return { n, difference, sd, ci95, t: null, degreesOfFreedom, p: difference === 0 ? 1 : 0 };
  }
  const t = difference / se;
  return {
    n,
    difference,
    sd,
    ci95,
    t,
    degreesOfFreedom,
    p: studentTTwoSidedP(t, degreesOfFreedom),
  };
}

/**
 * Holm–Bonferroni adjusted p-values for a family of tests, in the input order: sort the m
 * p-values ascending, multiply the k-th smallest (k from 0) by m - k, carry the running maximum so
 * the adjusted values keep the order of the raw ones, and cap at 1. Rejecting where the adjusted p
 * is below alpha controls the family-wise error rate at alpha under any dependence between the
 * tests. Null entries (tests that could not be computed) stay null and do not count in m.
 *
 * @example
 * ```ts
 * import { holmBonferroni } from "./stats.ts";
 * import assert from "node:assert/strict";
 * // m = 3, sorted 0.01, 0.03, 0.04: 0.01·3 = 0.03, 0.03·2 = 0.06, max(0.06, 0.04·1) = 0.06
 * assert.deepEqual(holmBonferroni([0.04, 0.01, null, 0.03]), [0.06, 0.03, null, 0.06]);
 * ```
 */
export function holmBonferroni(pValues: readonly (number | null)[]): (number | null)[] {
  if (!Array.isArray(pValues)) {
    throw new TypeError(`holmBonferroni: pValues must be an array, got ${typeof pValues}`);
  }
  const bad = pValues.find((p) => p !== null && !(typeof p === "number" && p >= 0 && p <= 1));
  if (bad !== undefined) {
    throw new RangeError(`holmBonferroni: pValues must be numbers in [0, 1] or null, got ${bad}`);
  }
  const order = pValues.map((p, i) => ({ p, i })).filter((e): e is { p: number; i: number } =>
    e.p !== null
  ).sort((x, y) => x.p - y.p);
  const m = order.length;
  const adjusted: (number | null)[] = pValues.map(() => null);
  let runningMax = 0;
  order.forEach(({ p, i }, k) => {
    runningMax = Math.max(runningMax, Math.min(1, (m - k) * p));
    adjusted[i] = runningMax;
  });
  return adjusted;
}
