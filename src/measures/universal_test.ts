/**
 * `universal({ inner, outer, measure })` against values computed here: point masses make both
 * `exact` and `estimate` deterministic (`P = ½ δᵀHδ` at the single point), one Monte Carlo draw
 * is recomputed from the fixed seed, and the central-difference derivatives of plain functions are
 * checked against their closed forms.
 */
import assert from "node:assert/strict";
import { Random } from "../math/random.ts";
import { adaptiveMeasure, gaussianMeasure, pointMassMeasure } from "./spec.ts";
import type { Loss } from "./types.ts";
import { universal } from "./universal.ts";

const H = [[3, 1], [1, 5]];
const id = (t: number) => t;
const first = (m: number[]) => m[0];

function refuse(run: () => unknown, type: ErrorConstructor, message: string | RegExp) {
  assert.throws(run, (e: unknown) => {
    assert.ok(e instanceof type, `${e}`);
    if (typeof message === "string") assert.equal((e as Error).message, message);
    else assert.match((e as Error).message, message);
    return true;
  });
}

Deno.test("universal: point masses give exact(H) = scale · ½ δᵀHδ, averaged over the points", () => {
  // δ = (1, 1): ½ (3 + 2 + 5) = 5; scale 2 gives 10.
  const one = universal({ inner: id, outer: first, measure: pointMassMeasure([[1, 1]]), scale: 2 });
  assert.equal(one.name, "universal");
  assert.equal(one.spec!.name, "universal");
  assert.equal(one.exact(H), 10);
  // Two points, ½ H_00 = 1.5 and ½ H_11 = 2.5: every draw is one of them, the mean in between.
  const two = universal({
    name: "diag",
    inner: id,
    outer: first,
    measure: pointMassMeasure([[1, 0], [0, 1]]),
    exactSamples: 1000,
  });
  assert.equal(two.name, "diag");
  const v = two.exact(H);
  // The fraction of e_0 draws is binomial(1000, ½)/1000: σ = 0.016, 6σ = 0.1 of the unit gap.
  assert.ok(v > 1.5 + 0.4 && v < 2.5 - 0.4, `${v}`);
  // exactSamples: 1 is one draw from the fixed seed 0x5eed: recompute it.
  const single = universal({
    inner: id,
    outer: first,
    measure: gaussianMeasure(),
    exactSamples: 1,
  });
  const delta = new Float64Array(2);
  new Random(0x5eed).fillGaussian(delta);
  const q = 0.5 * (3 * delta[0] ** 2 + 2 * delta[0] * delta[1] + 5 * delta[1] ** 2);
  assert.ok(Math.abs(single.exact(H) - q) < 1e-14 * Math.max(1, q), `${single.exact(H)} vs ${q}`);
});

Deno.test("universal: the default Monte Carlo exact reproduces the trace within its error", () => {
  // Gaussian δ, f = F = id, scale 2: tr H. var(δᵀHδ) = 2‖H‖_F² = 72 for this H, so the mean of
  // 200,000 draws has σ = 0.019: a 5σ band is 0.095 around tr H = 8.
  const trace = universal({ inner: id, outer: first, measure: gaussianMeasure(), scale: 2 });
  assert.ok(Math.abs(trace.exact(H) - 8) < 0.095, `${trace.exact(H)}`);
  // A closed form, when given, is returned as is (it is already in standard units).
  const closed = universal({
    inner: id,
    outer: first,
    measure: gaussianMeasure(),
    scale: 2,
    exact: (M) => M[0][0] + M[1][1] + 0.125,
  });
  assert.equal(closed.exact(H), 8.125);
});

Deno.test("universal: exact(H, x) passes x to an adaptive measure; dimensions must agree", () => {
  // δ = (|x| + 0) ⊙ e = (2, 1) at x = (-2, 1): ½ (12 + 4 + 5) = 10.5.
  const adaptive = universal({
    name: "ad",
    inner: id,
    outer: first,
    measure: adaptiveMeasure(pointMassMeasure([[1, 1]]), 0),
    exactSamples: 3,
  });
  assert.equal(adaptive.exact(H, [-2, 1]), 10.5);
  assert.equal(adaptive.exact(H), 0); // x defaults to 0, so δ = 0
  refuse(
    () => adaptive.exact(H, [1, 2, 3]),
    RangeError,
    "ad.exact: dimension mismatch: H is 2×2 but x has length 3",
  );
  refuse(() => adaptive.exact([[1, 2], [0, 1]]), RangeError, /^ad\.exact: H/);
});

Deno.test("universal: estimate uses one-sided quotients for a non-symmetric mu, pairs otherwise", () => {
  // f = x₀ + x₀² at 0, rho = 0.1, δ = e_0: one-sided d = (0.1 + 0.01)/0.01 = 11; the even
  // quotient of the pair (δ, -δ) is ½ H_00 = 1 (the linear term cancels). Scale 2.
  const f: Loss = (x) => x[0] + x[0] ** 2;
  const oneSided = universal({
    inner: id,
    outer: first,
    measure: pointMassMeasure([[1, 0]]),
    scale: 2,
    defaults: { rho: 0.1, samples: 3 },
  });
  const e = oneSided.estimateWithError(f, [0, 0]);
  assert.ok(Math.abs(e.value - 22) < 1e-9, `${e.value}`);
  assert.equal(e.samples, 3);
  assert.equal(e.rho, 0.1);
  assert.ok(Math.abs(oneSided.estimate(f, [0, 0]) - 22) < 1e-9);
  const paired = universal({
    inner: id,
    outer: first,
    measure: pointMassMeasure([[1, 0], [-1, 0]]),
    scale: 2,
    defaults: { rho: 0.1, samples: 4 },
  });
  assert.ok(Math.abs(paired.estimate(f, [0, 0]) - 2) < 1e-9);
  // Options override the defaults.
  const overridden = paired.estimateWithError(f, [0, 0], { samples: 6, rho: 0.2 });
  assert.equal(overridden.samples, 6);
  assert.equal(overridden.rho, 0.2);
  // The default defaults: rho 1e-3, 10,000 draws.
  const plain = universal({ inner: id, outer: first, measure: pointMassMeasure([[1, 0]]) });
  const d = plain.estimateWithError((x) => x[0] ** 2, [0, 0]);
  assert.equal(d.rho, 1e-3);
  assert.equal(d.samples, 10_000);
  assert.ok(Math.abs(d.value - 1) < 1e-9, `${d.value}`);
  refuse(() => plain.estimate("f" as unknown as Loss, [0]), TypeError, /^universal\.estimate: f/);
});

Deno.test("universal: plain f and F get central-difference derivatives, exact for quadratics", () => {
  const m = universal({
    inner: (t) => [t, t * t],
    outer: (mean, n) => n * mean[0] * mean[1],
    measure: gaussianMeasure(),
  });
  const { inner, outer } = m.spec!;
  assert.equal(inner.dimension, 2);
  assert.deepEqual(inner.value(3), [3, 9]);
  // Central differences are exact for polynomials of degree <= 2, up to round-off ~1e-16/h.
  const at = (t: number, expected: number[], tol: number) => {
    const got = inner.derivative(t);
    assert.equal(got.length, 2);
    for (let k = 0; k < 2; k++) {
      assert.ok(Math.abs(got[k] - expected[k]) <= tol * Math.max(1, Math.abs(expected[k])), `${t}`);
    }
  };
  at(0, [1, 0], 1e-9);
  at(3, [1, 6], 1e-9);
  // At t = 1e4 the step is 0.1: round-off ulp(1e8)/0.2 ≈ 7e-8, relative 4e-12 of 2e4; a step of
  // 1e-9 instead would leave ~4e-4 relative.
  at(1e4, [1, 2e4], 1e-8);
  const mean = [2, 3];
  const g = outer.gradient(mean, 4);
  assert.deepEqual(mean, [2, 3]); // the caller's mean is not modified
  assert.ok(Math.abs(g[0] - 12) < 1e-8 && Math.abs(g[1] - 8) < 1e-8, `${g}`);
  const g0 = outer.gradient([0, 0], 5);
  assert.ok(Math.abs(g0[0]) < 1e-8 && Math.abs(g0[1]) < 1e-8, `${g0}`);
  const gBig = outer.gradient([1e4, 1], 1);
  assert.ok(Math.abs(gBig[0] - 1) < 1e-8 && Math.abs(gBig[1] - 1e4) < 1e-6, `${gBig}`);
  assert.equal(outer.value([2, 3], 4), 24);
  // A scalar f is dimension 1.
  const scalar = universal({ inner: (t) => 2 * t, outer: first, measure: gaussianMeasure() });
  assert.equal(scalar.spec!.inner.dimension, 1);
  assert.deepEqual(scalar.spec!.inner.value(4), [8]);
  // Objects are used as given.
  const given = { dimension: 1, value: (t: number) => [t], derivative: () => [1] };
  const givenOuter = { value: first, gradient: () => [1] };
  const obj = universal({ inner: given, outer: givenOuter, measure: gaussianMeasure() });
  assert.equal(obj.spec!.inner, given);
  assert.equal(obj.spec!.outer, givenOuter);
});

Deno.test("universal: bad definitions are refused by name before any work", () => {
  const mu = gaussianMeasure();
  refuse(
    () => universal(null as never),
    TypeError,
    "universal: expected { inner, outer, measure }, got null",
  );
  refuse(
    () => universal(3 as never),
    TypeError,
    "universal: expected { inner, outer, measure }, got 3",
  );
  refuse(
    () => universal({ name: "u", inner: id, outer: first, measure: null as never }),
    TypeError,
    "u: measure must have a sample(rng, x, out) method, got null",
  );
  refuse(
    () => universal({ name: "u", inner: id, outer: first, measure: { name: "m" } as never }),
    TypeError,
    "u: measure must have a sample(rng, x, out) method, got [object Object]",
  );
  refuse(
    () => universal({ name: "u", inner: id, outer: first, measure: 5 as never }),
    TypeError,
    /^u: measure must have/,
  );
  for (const scale of [0, Number.NaN, Infinity]) {
    refuse(
      () => universal({ name: "u", inner: id, outer: first, measure: mu, scale }),
      RangeError,
      `u: scale must be a finite non-zero number, got ${scale}`,
    );
  }
  refuse(
    () => universal({ name: "u", inner: id, outer: first, measure: mu, scale: "2" as never }),
    RangeError,
    "u: scale must be a finite non-zero number, got 2",
  );
  for (const exactSamples of [0, 1.5, -3]) {
    refuse(
      () => universal({ name: "u", inner: id, outer: first, measure: mu, exactSamples }),
      RangeError,
      `u: exactSamples must be a positive integer, got ${exactSamples}`,
    );
  }
  refuse(
    () => universal({ name: "u", inner: id, outer: first, measure: mu, exact: 3 as never }),
    TypeError,
    "u: exact must be a function of H, got number",
  );
  refuse(
    () => universal({ name: "u", inner: id, outer: first, measure: mu, defaults: { samples: 0 } }),
    RangeError,
    "u.estimate: samples must be an integer >= 1, got 0",
  );
  const badInner = [null, 4, { dimension: 1, value: id }, { dimension: 1, derivative: id }];
  for (const inner of badInner) {
    refuse(
      () => universal({ name: "u", inner: inner as never, outer: first, measure: mu }),
      TypeError,
      "u: inner must be a function or { dimension, value, derivative }",
    );
  }
  for (const dimension of [0, 1.5, -1]) {
    refuse(
      () =>
        universal({
          name: "u",
          inner: { dimension, value: (t) => [t], derivative: () => [1] },
          outer: first,
          measure: mu,
        }),
      RangeError,
      `u: inner.dimension must be a positive integer, got ${dimension}`,
    );
  }
  const badOuter = [null, 4, { value: first }, { gradient: first }];
  for (const outer of badOuter) {
    refuse(
      () => universal({ name: "u", inner: id, outer: outer as never, measure: mu }),
      TypeError,
      "u: outer must be a function or { value, gradient }",
    );
  }
});

Deno.test("universal: the Monte Carlo exact draws from mu exactly exactSamples times", () => {
  // A user measure that counts its draws (always δ = e_0, so the value is ½ H_00 = 1.5 too).
  let draws = 0;
  const counted = {
    name: "counted",
    symmetric: false,
    sample(_rng: Random, _x: ArrayLike<number>, out: Float64Array | Float32Array) {
      draws++;
      out.fill(0);
      out[0] = 1;
    },
  };
  const m = universal({ inner: id, outer: first, measure: counted, exactSamples: 7 });
  assert.equal(m.exact(H), 1.5);
  assert.equal(draws, 7);
  // The estimate draws once per sample (one-sided: the measure is not symmetric).
  draws = 0;
  const e = m.estimateWithError((x) => 1.5 * x[0] ** 2, [0, 0], { samples: 5, rho: 0.1 });
  assert.ok(Math.abs(e.value - 1.5) < 1e-12, `${e.value}`);
  assert.equal(draws, 5);
  assert.equal(e.evaluations, 6);
});
