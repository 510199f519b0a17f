import assert from "node:assert/strict";
import {
  regularizedIncompleteBeta,
  studentTCdf,
  studentTQuantile,
  studentTTwoSidedP,
} from "./student_t.ts";
import { holmBonferroni, pairedTest, summarize, welchTest } from "./stats.ts";

// Reference quantiles t_{p, df} from SciPy 1.17 stats.t.ppf (Cephes/Boost, ~1e-15 relative).
const QUANTILES: [number, number, number][] = [
  [0.975, 1, 12.706204736174694],
  [0.975, 2, 4.302652729749462],
  [0.975, 5, 2.5705818356363146],
  [0.975, 10, 2.228138851986274],
  [0.975, 30, 2.0422724563012378],
  [0.995, 4, 4.604094871349992],
  [0.9, 3, 1.637744353696209],
];

Deno.test("incomplete beta matches closed forms", () => {
  // I_x(a,1) = x^a, I_x(1,b) = 1-(1-x)^b, I_x(1/2,1/2) = (2/pi) asin(sqrt x).
  // Tolerance 1e-13: gammaln is ~1e-15 relative and the continued fraction stops at 1e-15; the
  // exp of a log of magnitude ~10 amplifies by ~10.
  for (const x of [0.01, 0.2, 0.5, 0.77, 0.999]) {
    for (const a of [0.5, 1, 2.5, 7]) {
      assert.ok(Math.abs(regularizedIncompleteBeta(x, a, 1) - x ** a) < 1e-13, `x=${x} a=${a}`);
      assert.ok(
        Math.abs(regularizedIncompleteBeta(x, 1, a) - (1 - (1 - x) ** a)) < 1e-13,
        `x=${x} b=${a}`,
      );
    }
    const arcsine = (2 / Math.PI) * Math.asin(Math.sqrt(x));
    assert.ok(Math.abs(regularizedIncompleteBeta(x, 0.5, 0.5) - arcsine) < 1e-13, `x=${x}`);
  }
  assert.equal(regularizedIncompleteBeta(0, 2, 3), 0);
  assert.equal(regularizedIncompleteBeta(1, 2, 3), 1);
});

Deno.test("incomplete beta at large shapes: exact values, and the symmetric point", () => {
  // I_x(a, b) for integer shapes is P(Binomial(a + b - 1, x) >= a): these are that sum in
  // 40-digit arithmetic (mpmath 1.2.1, exact binomial terms by recurrence). The shapes take the
  // Stirling prefactor (both from 100 on); 1e-12 relative is a few hundred ulps of the
  // continued fraction's and the prefactor's rounding. SciPy 1.10.1's betainc is off by 7.7e-13
  // and 3e-11 at the first and third, so it is not the reference here.
  const exact: [number, number, number, number][] = [
    [0.34, 1000, 2000, 0.78121509116064189302],
    [0.45, 120, 120, 0.060394324548461662975],
    [0.501, 50000, 50000, 0.73645506170295836806],
    [0.33, 150, 300, 0.44470552872568010986],
  ];
  for (const [x, a, b, expected] of exact) {
    const got = regularizedIncompleteBeta(x, a, b);
    assert.ok(Math.abs(got - expected) <= 1e-12 * expected, `I_${x}(${a}, ${b}) = ${got}`);
  }
  // Tiny x: I_x(a, 1) = x^a. log x must come from x itself, not from log1p(-(1 - x)), whose
  // 1 - x keeps only about 6 digits of x = 1e-10 (relative error near 1e-6 in the result).
  const tiny = regularizedIncompleteBeta(1e-10, 2.5, 1);
  assert.ok(Math.abs(tiny / 1e-25 - 1) < 1e-12, `I_1e-10(2.5, 1) = ${tiny}`);
  // The shape limit applies to either shape.
  assert.throws(() => regularizedIncompleteBeta(0.5, 1, 1e14), /shapes above/);
  assert.throws(() => regularizedIncompleteBeta(0.5, 1e14, 1), /shapes above/);
  // studentTCdf reaches the fraction without regularizedIncompleteBeta: the same limit, by its name.
  assert.throws(() => studentTCdf(1, 3e13), /^RangeError: studentTCdf: shapes above/);
  // I_1/2(a, a) = 1/2 exactly by symmetry. The gammaln form put it at 0.50000012 for a = 10^8
  // (cancellation between terms of size a log a) and did not converge at 10^10; the budget is
  // the continued fraction's rounding over its sqrt(a)-order terms.
  for (const a of [1e6, 1e8, 1e10]) {
    const got = regularizedIncompleteBeta(0.5, a, a);
    assert.ok(Math.abs(got - 0.5) < 1e-10, `I_0.5(${a}, ${a}) = ${got}`);
  }
});

Deno.test("t CDF at large degrees of freedom follows its expansion in 1/ν", () => {
  // F_ν(t) = Φ(t) - φ(t) (t^3 + t) / (4ν) + O(ν^-2) (the Cornish-Fisher/Edgeworth expansion of
  // Student's t; Abramowitz & Stegun 26.7.5's first correction): at ν >= 2·10^6 the remainder is
  // below 1e-13 for |t| <= 1. Φ(1) and Φ(0.3) to 16 digits (mpmath ncdf). The old evaluation was
  // off by 1.2e-7 at ν = 2·10^8 (x = ν/(ν+t²) rounds next to 1 and 1 - x lost its digits).
  const phi = (t: number) => Math.exp(-t * t / 2) / Math.sqrt(2 * Math.PI);
  const normalCdf = new Map([[1, 0.8413447460685429], [0.3, 0.6179114221889527]]);
  for (const nu of [2e6, 2e8, 2e10]) {
    for (const [t, cdf] of normalCdf) {
      const expected = cdf - phi(t) * (t ** 3 + t) / (4 * nu);
      const got = studentTCdf(t, nu);
      assert.ok(Math.abs(got - expected) < 1e-12, `F_${nu}(${t}) = ${got}, expected ${expected}`);
      assert.ok(Math.abs(studentTCdf(-t, nu) - (1 - expected)) < 1e-12, `F_${nu}(${-t})`);
      // The two-sided p is 2 P(T > t): the same tail, through the same 1 - x.
      const p = studentTTwoSidedP(t, nu);
      assert.ok(Math.abs(p - 2 * (1 - expected)) < 2e-12, `p_${nu}(${t}) = ${p}`);
    }
  }
});

Deno.test("t CDF matches closed forms for 1 and 2 degrees of freedom", () => {
  // df 1: Cauchy, 1/2 + atan(t)/pi; df 2: 1/2 + t / (2 sqrt(2 + t^2)). Same 1e-13 budget as above.
  for (const t of [-30, -3, -1, -0.2, 0, 0.4, 1, 2.5, 12]) {
    assert.ok(Math.abs(studentTCdf(t, 1) - (0.5 + Math.atan(t) / Math.PI)) < 1e-13, `t=${t}`);
    assert.ok(Math.abs(studentTCdf(t, 2) - (0.5 + t / (2 * Math.sqrt(2 + t * t)))) < 1e-13);
  }
});

Deno.test("t quantiles, CDF and p-values match SciPy", () => {
  for (const [p, df, expected] of QUANTILES) {
    // Bisection stops at 1e-14 relative width; the CDF's own ~1e-13 error divided by the density
    // at the quantile (>= 0.005 here) moves the root by <= 2e-11, so 1e-10 absolute is safe.
    const q = studentTQuantile(p, df);
    assert.ok(Math.abs(q - expected) < 1e-10, `p=${p} df=${df}: ${q} vs ${expected}`);
    assert.ok(Math.abs(studentTCdf(expected, df) - p) < 1e-12);
    assert.ok(Math.abs(studentTTwoSidedP(expected, df) - 2 * (1 - p)) < 1e-12);
    assert.ok(Math.abs(studentTQuantile(1 - p, df) + expected) < 1e-10);
  }
  // Non-integer df, as Welch's test produces (SciPy stats.t.cdf).
  assert.ok(Math.abs(studentTCdf(0.7, 3.5) - 0.7361829288271606) < 1e-13);
  assert.ok(Math.abs(studentTCdf(-2.1, 7.25) - 0.0362539878609106) < 1e-13);
  // Large df: SciPy's t.ppf(0.975, 1e6) = 1.959966356814107 (the normal's is 1.95996398).
  assert.ok(Math.abs(studentTQuantile(0.975, 1e6) - 1.959966356814107) < 1e-9);
  // A far tail keeps relative precision (computed from the tail, not 1 - CDF):
  // SciPy 2*t.sf(40, 5) = 1.8411962171772954e-07; 1e-11 relative is the gammaln/CF budget.
  const tail = studentTTwoSidedP(40, 5);
  assert.ok(Math.abs(tail / 1.8411962171772954e-7 - 1) < 1e-11, `tail ${tail}`);
});

Deno.test("t functions reject bad parameters by name", () => {
  assert.throws(() => studentTCdf(1, 0), /degreesOfFreedom.*0/);
  assert.throws(() => studentTQuantile(1.5, 3), /p must be in \(0, 1\), got 1.5/);
  assert.throws(() => regularizedIncompleteBeta(-0.1, 1, 1), /x must be in \[0, 1\], got -0.1/);
  assert.throws(() => studentTCdf(Number.NaN, 3), RangeError);
});

Deno.test("summarize: mean, sd and t interval", () => {
  const s = summarize([0.8, 0.82, 0.84]);
  assert.ok(Math.abs(s.mean - 0.82) < 1e-15);
  assert.ok(Math.abs(s.sd! - 0.02) < 1e-15);
  const half = (4.302652729749462 * 0.02) / Math.sqrt(3);
  assert.ok(Math.abs(s.ci95HalfWidth! - half) < 1e-10);
  assert.ok(Math.abs(s.ci95![0] - (0.82 - half)) < 1e-10);
  const single = summarize([0.5]);
  assert.equal(single.ci95, null);
  assert.equal(single.mean, 0.5);
  assert.throws(() => summarize([]), /values must not be empty/);
  assert.throws(() => summarize([1, Number.NaN]), /values must hold finite numbers, got NaN/);
});

Deno.test("Welch test matches SciPy's ttest_ind(equal_var=False)", () => {
  // SciPy: t = -2.3763541031440183, df = 6.972255729794934, p = 0.04928433820673053.
  // 1e-12: a handful of float64 operations plus the 1e-13 CDF budget.
  const r = welchTest([1, 2, 3, 4, 5], [2, 4, 6, 8, 10, 12]);
  assert.ok(Math.abs(r.difference + 4) < 1e-12);
  assert.ok(Math.abs(r.t! + 2.3763541031440183) < 1e-12, `t ${r.t}`);
  assert.ok(Math.abs(r.degreesOfFreedom! - 6.972255729794934) < 1e-12);
  assert.ok(Math.abs(r.p! - 0.04928433820673053) < 1e-12, `p ${r.p}`);
  // Cohen's d with pooled sd: sqrt((4*2.5 + 5*14)/9) = 2.98142; d = -4/2.98142 = -1.341641.
  assert.ok(Math.abs(r.cohenD! + 1.3416408) < 1e-6, `d ${r.cohenD}`);
  assert.ok(Math.abs(r.hedgesG! - r.cohenD! * (1 - 3 / 35)) < 1e-12);
  // Symmetric: swapping the samples flips the sign, keeps p.
  const s = welchTest([2, 4, 6, 8, 10, 12], [1, 2, 3, 4, 5]);
  assert.ok(Math.abs(s.p! - r.p!) < 1e-15 && Math.abs(s.t! + r.t!) < 1e-15);
});

Deno.test("Welch test degenerate cases", () => {
  assert.equal(welchTest([1, 1, 1], [1, 1, 1]).p, 1);
  assert.equal(welchTest([1, 1, 1], [2, 2, 2]).p, 0);
  const single = welchTest([1], [1, 2]);
  assert.equal(single.p, null);
  assert.equal(single.difference, -0.5);
  assert.throws(() => welchTest([], [1]), /a must not be empty/);
});

Deno.test("paired test matches SciPy's ttest_rel and t.interval", () => {
  // t and p: SciPy 1.10.1 stats.ttest_rel(a, b). Intervals: mean(d) ± q·sem(d) with numpy's
  // mean and sem and q = t_{0.975, n-1} from mpmath 1.2 at 40 digits (root of the regularized
  // incomplete beta), because Debian's SciPy 1.10 t.ppf(0.975, 5) = 2.5705818366147395 is 1e-9
  // off (SciPy 1.17 and mpmath: 2.5705818356363155, see QUANTILES above).
  // 1e-12: as for Welch above (a few float64 operations plus the CDF and quantile budgets).
  const cases = [
    {
      a: [0.85, 0.86, 0.84, 0.87],
      b: [0.80, 0.83, 0.79, 0.81],
      t: 7.5498344352707685,
      p: 0.004818230468198515,
      mean: 0.04749999999999996,
      sd: 0.012583057392117875,
      ci: [0.027477547746640759, 0.067522452253359159],
    },
    {
      a: [1.2, 3.4, 2.2, 5.1, 0.3, 2.8],
      b: [1.0, 3.9, 1.1, 4.0, 0.2, 2.0],
      t: 1.7837651700316892,
      p: 0.13454092001420442,
      mean: 0.46666666666666656,
      sd: 0.6408327915038887,
      ci: [-0.20584610395154705, 1.1391794372848802],
    },
  ];
  for (const c of cases) {
    const r = pairedTest(c.a, c.b);
    assert.equal(r.n, c.a.length);
    assert.equal(r.degreesOfFreedom, c.a.length - 1);
    assert.ok(Math.abs(r.t! - c.t) < 1e-12, `t ${r.t} vs ${c.t}`);
    assert.ok(Math.abs(r.p! - c.p) < 1e-12, `p ${r.p} vs ${c.p}`);
    assert.ok(Math.abs(r.difference - c.mean) < 1e-12);
    assert.ok(Math.abs(r.sd! - c.sd) < 1e-12);
    assert.ok(Math.abs(r.ci95![0] - c.ci[0]) < 1e-12, `ci low ${r.ci95![0]}`);
    assert.ok(Math.abs(r.ci95![1] - c.ci[1]) < 1e-12, `ci high ${r.ci95![1]}`);
    // Swapping the samples flips the sign and keeps p.
    const s = pairedTest(c.b, c.a);
    assert.ok(Math.abs(s.t! + r.t!) < 1e-15 && Math.abs(s.p! - r.p!) < 1e-15);
  }
  // The pairing matters: the same samples unpaired (Welch) give a much larger p (SciPy
  // ttest_ind(equal_var=False) p = 0.005213964186344894 for the first case vs 0.0048 paired).
  const welch = welchTest(cases[0].a, cases[0].b);
  assert.ok(Math.abs(welch.p! - 0.005213964186344894) < 1e-12);
});

Deno.test("paired test degenerate cases and bad input", () => {
  assert.equal(pairedTest([1, 2, 3], [1, 2, 3]).p, 1);
  const shifted = pairedTest([1, 2, 3], [0, 1, 2]);
  assert.equal(shifted.p, 0);
  assert.equal(shifted.t, null);
  assert.deepEqual(shifted.ci95, [1, 1]);
  const single = pairedTest([1], [0.5]);
  assert.equal(single.p, null);
  assert.equal(single.difference, 0.5);
  assert.throws(() => pairedTest([1, 2], [1]), /a and b must have the same length.*got 2 and 1/);
  assert.throws(() => pairedTest([1, Number.NaN], [1, 2]), /a must hold finite numbers, got NaN/);
});

Deno.test("Holm–Bonferroni matches statsmodels' multipletests(method='holm')", () => {
  // statsmodels 0.13.5 (Debian python3-statsmodels): multipletests(p, method="holm")[1] gives
  // [0.06, 0.16, 0.15, 0.035, 0.5, 0.4, 0.16] (ties keep equal adjusted values; the running
  // maximum keeps the order). 1e-15: one multiplication by a small integer per value.
  const raw = [0.01, 0.04, 0.03, 0.005, 0.5, 0.2, 0.04];
  const expected = [0.06, 0.16, 0.15, 0.035, 0.5, 0.4, 0.16];
  const adjusted = holmBonferroni(raw);
  adjusted.forEach((p, i) => assert.ok(Math.abs(p! - expected[i]) < 1e-15, `${i}: ${p}`));
  // Capped at 1; nulls stay null and do not count in the family size.
  assert.deepEqual(holmBonferroni([0.6, null, 0.9]), [1, null, 1]);
  assert.deepEqual(holmBonferroni([0.02, null]), [0.02, null]);
  assert.deepEqual(holmBonferroni([]), []);
  assert.throws(
    () => holmBonferroni([0.1, 1.5]),
    /pValues must be numbers in \[0, 1\] or null, got 1.5/,
  );
  assert.throws(() => holmBonferroni("0.1" as never), /pValues must be an array, got string/);
});

// ---- tests that kill mutants of stats.ts and student_t.ts the tests above let survive ----

// deno-lint-ignore no-explicit-any
const loose = (v: unknown) => v as any;
const near = (actual: number | null, expected: number, relative: number, what: string) =>
  assert.ok(
    actual !== null && Math.abs(actual - expected) <= relative * Math.abs(expected),
    `${what}: ${actual}, expected ${expected}`,
  );

Deno.test("two values per sample are enough: summarize, Welch and paired tests at n = 2 (SciPy 1.10)", () => {
  // SciPy 1.10.1 (Debian python3-scipy): np.std([1, 3], ddof=1) = 1.4142135623730951,
  // stats.t.interval(0.95, 1, loc=2, scale=1) = (-10.706204736432095, 14.706204736432095).
  // SciPy's df-1 quantile differs from the one in QUANTILES in the 11th digit: 1e-9 relative.
  const two = summarize([1, 3]);
  near(two.sd, 1.4142135623730951, 1e-15, "sd");
  near(two.ci95![0], -10.706204736432095, 1e-9, "lower");
  near(two.ci95![1], 14.706204736432095, 1e-9, "upper");
  // stats.ttest_ind([1, 2], [3, 4, 6], equal_var=False): t = -2.794782784191074,
  // p = 0.0710016205840827; and with the two-value sample second: [1, 2, 4] against [3, 5]:
  // t = -1.25, p = 0.3183109432202559. Relative 1e-12: the incomplete beta's budget above.
  const welchA = welchTest([1, 2], [3, 4, 6]);
  near(welchA.t, -2.794782784191074, 1e-12, "Welch t, n_a = 2");
  near(welchA.p, 0.0710016205840827, 1e-12, "Welch p, n_a = 2");
  const welchB = welchTest([1, 2, 4], [3, 5]);
  near(welchB.t, -1.25, 1e-12, "Welch t, n_b = 2");
  near(welchB.p, 0.3183109432202559, 1e-12, "Welch p, n_b = 2");
  // One value on either side: no variance, so no t (the difference is still reported).
  assert.deepEqual(welchTest([1, 2], [4]), {
    difference: -2.5,
    t: null,
    degreesOfFreedom: null,
    p: null,
    cohenD: null,
    hedgesG: null,
  });
  assert.equal(welchTest([4], [1, 2]).t, null);
  // stats.ttest_rel([1, 2], [0, 0.5]): t = 5.0, p = 0.12566591637800234;
  // stats.t.interval(0.95, 1, loc=1.25, scale=0.25) = (-1.9265511841080238, 4.426551184108024).
  const paired = pairedTest([1, 2], [0, 0.5]);
  near(paired.t, 5, 1e-12, "paired t");
  near(paired.p, 0.12566591637800234, 1e-12, "paired p");
  near(paired.ci95![1], 4.426551184108024, 1e-9, "paired upper");
});

Deno.test("statistics reject bad samples naming the function and the argument", () => {
  const cases: [() => unknown, RegExp, ErrorConstructor][] = [
    [
      () => summarize(loose("0.8")),
      /^summarize: values must be an array of numbers, got string$/,
      TypeError,
    ],
    [() => summarize([]), /^summarize: values must not be empty$/, RangeError],
    [
      () => summarize(loose([0.8, "0.9"])),
      /^summarize: values must hold finite numbers, got 0.9$/,
      RangeError,
    ],
    [() => welchTest([], [1]), /^welchTest: a must not be empty$/, RangeError],
    [() => welchTest([1], []), /^welchTest: b must not be empty$/, RangeError],
    [() => pairedTest([], [1]), /^pairedTest: a must not be empty$/, RangeError],
    [
      () => pairedTest([1], [Infinity]),
      /^pairedTest: b must hold finite numbers, got Infinity$/,
      RangeError,
    ],
    [() => holmBonferroni([0.5, 1.5]), /^holmBonferroni: pValues must be .*, got 1.5$/, RangeError],
    [() => holmBonferroni([-0.1]), /got -0.1$/, RangeError],
    [() => holmBonferroni(loose(["0.5"])), /got 0.5$/, RangeError],
  ];
  for (const [call, message, kind] of cases) {
    assert.throws(
      call,
      (e: unknown) => e instanceof kind && message.test((e as Error).message),
      String(message),
    );
  }
  // The ends of [0, 1] are valid p-values.
  assert.deepEqual(holmBonferroni([0, 1]), [0, 1]);
});

Deno.test("t functions check each argument's type and range, naming the function", () => {
  const cases: [() => unknown, RegExp, ErrorConstructor][] = [
    [
      () => studentTCdf(1, loose("3")),
      /^studentTCdf: degreesOfFreedom must be a number, got string$/,
      TypeError,
    ],
    [() => studentTCdf(loose("1"), 3), /^studentTCdf: t must be a number, got 1$/, RangeError],
    [() => studentTCdf(Number.NaN, 3), /^studentTCdf: t must be a number, got NaN$/, RangeError],
    [
      () => studentTTwoSidedP(1, -1),
      /^studentTTwoSidedP: degreesOfFreedom must be a finite positive number, got -1$/,
      RangeError,
    ],
    [
      () => studentTTwoSidedP(loose("1"), 3),
      /^studentTTwoSidedP: t must be a number, got 1$/,
      RangeError,
    ],
    [
      () => studentTTwoSidedP(Number.NaN, 3),
      /^studentTTwoSidedP: t must be a number, got NaN$/,
      RangeError,
    ],
    [
      () => studentTQuantile(0.9, Infinity),
      /^studentTQuantile: degreesOfFreedom must be a finite positive number, got Infinity$/,
      RangeError,
    ],
    [() => studentTQuantile(0, 3), /^studentTQuantile: p must be in \(0, 1\), got 0$/, RangeError],
    [() => studentTQuantile(1, 3), /^studentTQuantile: p must be in \(0, 1\), got 1$/, RangeError],
    [
      () => studentTQuantile(-0.1, 3),
      /^studentTQuantile: p must be in \(0, 1\), got -0.1$/,
      RangeError,
    ],
    [
      () => studentTQuantile(loose("0.9"), 3),
      /^studentTQuantile: p must be in \(0, 1\), got 0.9$/,
      RangeError,
    ],
    [
      () => regularizedIncompleteBeta(0.5, 0, 1),
      /^regularizedIncompleteBeta: a must be a finite positive number, got 0$/,
      RangeError,
    ],
    [
      () => regularizedIncompleteBeta(0.5, 1, Number.NaN),
      /^regularizedIncompleteBeta: b must be a finite positive number, got NaN$/,
      RangeError,
    ],
    [
      () => regularizedIncompleteBeta(1.5, 1, 1),
      /^regularizedIncompleteBeta: x must be in \[0, 1\], got 1.5$/,
      RangeError,
    ],
    [
      () => regularizedIncompleteBeta(loose("0.5"), 1, 1),
      /^regularizedIncompleteBeta: x must be in \[0, 1\], got 0.5$/,
      RangeError,
    ],
  ];
  for (const [call, message, kind] of cases) {
    assert.throws(
      call,
      (e: unknown) => e instanceof kind && message.test((e as Error).message),
      String(message),
    );
  }
  // Shapes past 1e13 are refused by name: there the continued fraction's rounding reaches 1e-9.
  assert.throws(
    () => regularizedIncompleteBeta(0.5, 1e14, 1e14),
    (e: unknown) =>
      e instanceof RangeError &&
      e.message ===
        "regularizedIncompleteBeta: shapes above 10000000000000 are outside its accuracy (1e-9 there), got a=100000000000000, b=100000000000000",
  );
  // The largest accepted shape, within the 1e-9 stated for it.
  assert.ok(Math.abs(regularizedIncompleteBeta(0.5, 1e13, 1e13) - 0.5) < 1e-9);
  // The median of every t distribution is exactly 0 (the bisection alone would stop near it).
  assert.equal(studentTQuantile(0.5, 3), 0);
});
