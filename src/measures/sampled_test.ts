/**
 * The sampled estimator's arithmetic, exactly: quotients, symmetrization, the evaluation count,
 * the delta-method standard error and every refusal, on losses whose quotients are known in
 * closed form. Written against the survivors of `deno task mutants measures` (issue 14).
 */
import assert from "node:assert/strict";
import { objectiveFromQuotients, sampledEstimate } from "./sampled.ts";
import { sharpness } from "./sharpness.ts";
import {
  type PerturbationMeasure,
  pointMassMeasure,
  type SharpnessSpec,
  traceSpec,
} from "./spec.ts";
import type { Loss } from "./types.ts";

const X = Float64Array.of(0.5, -1);
const G = [3, -2]; // the gradient at X
const H = [[2, 1], [1, 4]];

/** `gᵀu + ½uᵀHu + c·u₀³`, u = y − X: symmetrized quotients are exactly ½δᵀHδ (odd terms cancel). */
function cubic(c = 0.7): Loss {
  return (y) => {
    const u = [y[0] - X[0], y[1] - X[1]];
    const quadratic = 0.5 * (H[0][0] * u[0] ** 2 + 2 * H[0][1] * u[0] * u[1] + H[1][1] * u[1] ** 2);
    return 10 + G[0] * u[0] + G[1] * u[1] + quadratic + c * u[0] ** 3;
  };
}

function counted(f: Loss): { f: Loss; calls: () => number } {
  let n = 0;
  return {
    f: (y) => {
      n++;
      return f(y);
    },
    calls: () => n,
  };
}

const E0 = [1, 0];
const options = { rho: 0.01, samples: 3, seed: 1 };

Deno.test("symmetrized quotients are ½δᵀHδ exactly, with 1 + 2n evaluations", () => {
  const spec: SharpnessSpec = { ...traceSpec(), measure: pointMassMeasure([E0]) };
  const { f, calls } = counted(cubic());
  const e = sampledEstimate("t", spec, f, X, options, 2, true);
  // Every draw is e₀: quotient ½H₀₀ = 1, value = scale·mean = 2 · 1, spread 0.
  assert.ok(Math.abs(e.value - 2) < 1e-9, `value ${e.value}`);
  assert.equal(e.standardError, 0);
  assert.equal(e.evaluations, 1 + 2 * options.samples);
  assert.equal(calls(), e.evaluations);
});

Deno.test("one-sided quotients keep the gradient and cubic terms, with 1 + n evaluations", () => {
  const spec: SharpnessSpec = { ...traceSpec(), measure: pointMassMeasure([E0]) };
  const { f, calls } = counted(cubic());
  const e = sampledEstimate("t", spec, f, X, options, 2, false);
  const rho = options.rho;
  // (f(x + ρe₀) − f(x))/ρ² = g₀/ρ + ½H₀₀ + cρ.
  const quotient = G[0] / rho + 0.5 * H[0][0] + 0.7 * rho;
  assert.ok(Math.abs(e.value - 2 * quotient) < 1e-6 * quotient, `value ${e.value}`);
  assert.equal(e.evaluations, 1 + options.samples);
  assert.equal(calls(), e.evaluations);
});

Deno.test("trace and Frobenius estimates are symmetrized: the same away from a critical point", () => {
  // For a quadratic the symmetrized quotient does not depend on x, so with the same seed the
  // estimate at a point with gradient ‖g‖ ≈ 3.6 equals the one at the critical point; a one-sided
  // estimate would add g·δ/ρ, hundreds of times the value.
  const quadratic = cubic(0);
  // Its critical point: X − H⁻¹g = (0.5, −1) − (2, −1) = (−1.5, 0).
  const critical = Float64Array.of(-1.5, 0);
  for (const measure of [sharpness.trace, sharpness.frobenius]) {
    const o = { rho: 1e-3, samples: 50, seed: 4 };
    const here = measure.estimateWithError(quadratic, X, o);
    const other = measure.estimateWithError(quadratic, critical, o);
    assert.ok(
      Math.abs(here.value - other.value) < 1e-6 * Math.abs(other.value),
      `${measure.name}: ${here.value} vs ${other.value}`,
    );
    assert.equal(here.evaluations, 1 + 2 * o.samples, measure.name);
  }
});

Deno.test("the standard error: sample variance over n − 1, then over n", () => {
  // Trace: inner f(d) = d, F(m) = m. Quotients 1 and 3: variance 2, σ/√n = 1, scaled by 2.
  const two = objectiveFromQuotients("t", traceSpec(), Float64Array.of(1, 3), 2);
  assert.equal(two.value, 4);
  assert.ok(Math.abs(two.standardError - 2) < 1e-12, `${two.standardError}`);
  // Three quotients 1, 2, 6: mean 3, variance (4 + 1 + 9)/2 = 7, SE √(7/3).
  const three = objectiveFromQuotients("t", traceSpec(), Float64Array.of(1, 2, 6), 1);
  assert.ok(Math.abs(three.standardError - Math.sqrt(7 / 3)) < 1e-12, `${three.standardError}`);
  // One quotient: no spread to estimate, 0 rather than NaN.
  assert.equal(objectiveFromQuotients("t", traceSpec(), Float64Array.of(5), 1).standardError, 0);
});

Deno.test("the standard error is right to the last bit when the quotients share a large offset", () => {
  // Quotients M + (0, u, u, u), M = 2²⁶, u = ulp(M) = 2⁻²⁶: their sample variance is
  // (0.75² + 3 · 0.25²) u² / 3 = u²/4, so the scaled SE is 2 · √(u²/4 / 4) = u/2. Summed in
  // order, each partial sum ties and rounds to even, so the computed mean is M, ¾u below the true
  // mean: the one-pass variance must centre the deviations from it on their own mean (¾u) to stay
  // exact (and adding M instead of subtracting it would round every deviation away).
  const M = 2 ** 26;
  const u = 2 ** -26;
  const e = objectiveFromQuotients("t", traceSpec(), Float64Array.of(M, M + u, M + u, M + u), 2);
  assert.ok(Math.abs(e.value - 2 * (M + 0.75 * u)) <= 2 * u, `${e.value - 2 * M}`);
  assert.ok(Math.abs(e.standardError - u / 2) < 1e-6 * u, `${e.standardError / u} u`);
});

Deno.test("a user's outer F sees exactly m components of the mean", () => {
  // F sums every entry it is given: an extra (undefined → NaN) entry would make it NaN.
  const spec: SharpnessSpec = {
    ...traceSpec(),
    name: "sum",
    inner: { dimension: 2, value: (t) => [t, 2 * t], derivative: () => [1, 2] },
    outer: {
      value: (m) => m.reduce((s, v) => s + v, 0),
      gradient: (m) => m.map(() => 1),
    },
  };
  const e = objectiveFromQuotients("sum", spec, Float64Array.of(1, 3), 1);
  assert.equal(e.value, 6); // mean d = 2: 2 + 4
});

Deno.test("refusals name the estimate, the quantity and the value", () => {
  const nanAt = (where: "x" | "plus" | "minus"): Loss => (y) => {
    if (where === "x" && y[0] === X[0]) return NaN;
    if (where === "plus" && y[0] > X[0]) return NaN;
    if (where === "minus" && y[0] < X[0]) return NaN;
    return 1;
  };
  const spec: SharpnessSpec = { ...traceSpec(), measure: pointMassMeasure([E0]) };
  assert.throws(
    () => sampledEstimate("t", spec, nanAt("x"), X, options, 2, true),
    /^RangeError: t\.estimate: .*f\(x\) = NaN/,
  );
  assert.throws(
    () => sampledEstimate("t", spec, nanAt("plus"), X, options, 2, true),
    /f\(x \+ rho·δ_0\) = NaN/,
  );
  assert.throws(
    () => sampledEstimate("t", spec, nanAt("minus"), X, options, 2, true),
    /f\(x - rho·δ_0\) = NaN/,
  );

  const broken: PerturbationMeasure = {
    name: "broken",
    symmetric: true,
    sample: (_rng, _x, out) => out.fill(NaN),
  };
  assert.throws(
    () => sampledEstimate("t", { ...traceSpec(), measure: broken }, cubic(), X, options, 2, true),
    /t: the measure broken drew δ\[0\] = NaN/,
  );

  const wrongLength: SharpnessSpec = {
    ...traceSpec(),
    inner: { dimension: 2, value: (t) => [t], derivative: () => [1] },
  };
  assert.throws(
    () => objectiveFromQuotients("w", wrongLength, Float64Array.of(1, 2), 1),
    /w: inner f must return 2 numbers \(its dimension\), got 1 at d = 1/,
  );
  const notArray: SharpnessSpec = {
    ...traceSpec(),
    inner: { dimension: 1, value: (t) => t as unknown as number[], derivative: () => [1] },
  };
  assert.throws(() => objectiveFromQuotients("w", notArray, Float64Array.of(1), 1), /got number/);
  const infinite: SharpnessSpec = {
    ...traceSpec(),
    inner: { dimension: 1, value: () => [Infinity], derivative: () => [1] },
  };
  assert.throws(
    () => objectiveFromQuotients("w", infinite, Float64Array.of(1), 1),
    /w: the mean of inner f component 0 is Infinity/,
  );
  const pole: SharpnessSpec = {
    ...traceSpec(),
    inner: { dimension: 2, value: (t) => [t, t], derivative: () => [1, 1] },
    outer: { value: (m) => 1 / m[0], gradient: (m) => [-1 / m[0] ** 2, 0] },
  };
  assert.throws(
    () => objectiveFromQuotients("w", pole, Float64Array.of(0, 0), 1),
    /w: outer F of the sample mean \[0, 0\] is Infinity/,
  );
});

Deno.test("trace and Frobenius measures name themselves in what they report and refuse", () => {
  const bowl: Loss = (y) => y[0] ** 2 + y[1] ** 2;
  for (const measure of [sharpness.trace, sharpness.frobenius]) {
    const name = measure.name;
    assert.ok(name === "trace" || name === "frobenius");
    assert.throws(() => measure.exact([[1, 2], [3, 4]]), new RegExp(`${name}\\.exact: H`));
    assert.throws(
      () => measure.estimate("f" as unknown as Loss, X),
      new RegExp(`^\\w*Error: ${name}`),
    );
    assert.throws(() => measure.estimate(bowl, X, { rho: -1 }), new RegExp(name));
    assert.throws(
      () => measure.estimate(() => NaN, X),
      new RegExp(`${name}\\.estimate: f must return`),
    );
  }
  assert.equal(sharpness.trace.name, "trace");
  assert.equal(sharpness.frobenius.name, "frobenius");
});
