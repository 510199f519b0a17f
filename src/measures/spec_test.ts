/**
 * The measure data `(f, F, mu)` of spec.ts checked against closed forms computed here by hand:
 * the inner and outer functions and their derivatives, the plug-in weights of each standard
 * measure (THEORY.md, "The optimizers"), the samplers against the draws of the same seed, and
 * every refusal by its message.
 */
import assert from "node:assert/strict";
import { Random } from "../math/random.ts";
import {
  adaptiveMeasure,
  cubeMeasure,
  determinantSpec,
  frobeniusSpec,
  gaussianMeasure,
  pluginWeights,
  pointMassMeasure,
  type SharpnessSpec,
  sphereMeasure,
  traceSpec,
} from "./spec.ts";

/** Relative agreement of two floats: a few ulps of the operations they come from. */
function close(actual: number, expected: number, tolerance = 1e-13, what = "") {
  assert.ok(
    Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected)),
    `${what}: ${actual} vs ${expected}`,
  );
}

Deno.test("trace: f(t) = t, F = id, so every plug-in weight is 1/n", () => {
  const spec = traceSpec();
  assert.equal(spec.name, "trace");
  assert.equal(spec.measure.name, "gaussian");
  assert.equal(spec.inner.dimension, 1);
  assert.deepEqual(spec.inner.value(-1.5), [-1.5]);
  assert.deepEqual(spec.inner.derivative(7), [1]);
  assert.equal(spec.outer.value([0.25], 4), 0.25);
  assert.deepEqual(spec.outer.gradient([0.25], 4), [1]);
  const w = pluginWeights(spec, Float64Array.of(3, -1, 0.5, 10));
  assert.deepEqual(Array.from(w), [0.25, 0.25, 0.25, 0.25]);
  const sphere = sphereMeasure();
  assert.equal(traceSpec(sphere).measure, sphere);
});

Deno.test("frobenius: F(a, b) = ½ n/(n-1) (b - a²) and weights (d_i - mean d)/(n - 1)", () => {
  const spec = frobeniusSpec();
  assert.equal(spec.name, "frobenius");
  assert.equal(spec.measure.name, "gaussian");
  assert.equal(spec.inner.dimension, 2);
  assert.deepEqual(spec.inner.value(3), [3, 9]);
  assert.deepEqual(spec.inner.derivative(3), [1, 6]);
  // n = 3, a = 1, b = 3: ½ · 3/2 · (3 - 1) = 1.5 exactly; n = 2 doubles the factor.
  assert.equal(spec.outer.value([1, 3], 3), 1.5);
  assert.equal(spec.outer.value([1, 3], 2), 2);
  // The factor tends to 1: ½ (b - a²) = 1 as n grows (1 + 1e-6 at n = 1e6 + 1).
  close(spec.outer.value([1, 3], 1e6 + 1), 1 + 1e-6, 1e-12, "large n");
  assert.deepEqual(spec.outer.gradient([1, 3], 3), [-1.5, 0.75]);
  assert.deepEqual(spec.outer.gradient([2, 3], 2), [-4, 1]);
  for (const n of [1, 0, Number.NaN]) {
    assert.throws(() => spec.outer.value([1, 3], n), (e: unknown) => {
      assert.ok(e instanceof RangeError);
      assert.match(
        e.message,
        new RegExp(`^frobenius: the variance needs at least 2 samples, got ${n}$`),
      );
      return true;
    });
    assert.throws(() => spec.outer.gradient([1, 3], n), /at least 2 samples/);
  }
  // w_i = (1/n)(∂_aF + ∂_bF · 2 d_i) = (d_i - mean)/(n - 1): the unbiased variance's gradient.
  const d = Float64Array.of(1, 2, 6);
  const w = pluginWeights(spec, d);
  const mean = 3;
  for (let i = 0; i < 3; i++) close(w[i], (d[i] - mean) / 2, 1e-15, `w_${i}`);
});

Deno.test("determinant: f = exp(-t/2), F = s^-2; log-domain weights m^-3 exp(-d_i/2)/n", () => {
  const spec = determinantSpec(0.25);
  assert.equal(spec.name, "determinant");
  assert.equal(spec.measure.name, "cube(0.25)");
  assert.deepEqual(spec.measure.draw, { kind: "cube", halfWidth: 0.25 });
  assert.equal(spec.inner.dimension, 1);
  close(spec.inner.value(2)[0], Math.E ** -1, 1e-15, "f(2)");
  close(spec.inner.derivative(2)[0], -0.5 * Math.E ** -1, 1e-15, "f'(2)");
  assert.equal(spec.outer.value([2], 5), 0.25);
  assert.equal(spec.outer.value([0.5], 5), 4);
  assert.deepEqual(spec.outer.gradient([2], 5), [-0.25]);
  assert.deepEqual(spec.outer.gradient([0.5], 5), [-16]);
  const gaussian = gaussianMeasure();
  assert.equal(determinantSpec(0.25, gaussian).measure, gaussian);
  // d = (0, 2 ln 2, 2 ln 4): exp(-d/2) = (1, ½, ¼), m = 7/12, w_i = m^-3 exp(-d_i/2) / 3.
  const d = Float64Array.of(0, 2 * Math.LN2, 4 * Math.LN2);
  const m = 7 / 12;
  const expected = [1, 0.5, 0.25].map((e) => e / (3 * m ** 3));
  const w = pluginWeights(spec, d);
  for (let i = 0; i < 3; i++) close(w[i], expected[i], 1e-14, `w_${i}`);
  // The direct formula (spec without its log-domain weights) agrees where it does not overflow.
  const direct: SharpnessSpec = { ...spec, weights: undefined };
  const wd = pluginWeights(direct, d);
  for (let i = 0; i < 3; i++) close(wd[i], expected[i], 1e-14, `direct w_${i}`);
  // Large quotients: m^-3 = exp(1.5 d) overflows in the direct formula (∞ · exp(-d/2), refused),
  // while the log domain gives the shift-invariant value: d + c scales m by exp(-c/2), w by
  // exp(c) (finite: exp(600) ≈ 4e260).
  const shift = 600;
  const far = d.map((v) => v + shift);
  assert.throws(() => pluginWeights(direct, far), /plug-in weight w_0 is (NaN|Infinity)/);
  const wf = spec.weights!(far);
  for (let i = 0; i < 3; i++) {
    close(Math.log(wf[i]), Math.log(expected[i]) + shift, 1e-13, `log w_${i} at d + ${shift}`);
  }
  // Negative quotients (a concave direction): equal d_i give w_i = exp(d)/n, which the direct
  // formula loses (m^-3 = exp(-900) underflows to 0) and the log domain keeps.
  const neg = Float64Array.of(-600, -600);
  const wn = spec.weights!(neg);
  for (let i = 0; i < 2; i++) close(Math.log(wn[i]), -600 - Math.log(2), 1e-13, "log w at -600");
  assert.equal(pluginWeights(direct, neg)[0], 0);
  // d = (705, 800): w_0 = exp(705) · 4 / (1 + e^-47.5)³ is finite (6.6e306), but only if the
  // logsumexp shift is max(-d/2) = -352.5: any shift near +400 underflows every term to 0.
  const high = spec.weights!(Float64Array.of(705, 800));
  close(Math.log(high[0]), 705 + 2 * Math.LN2 - 3 * Math.log1p(Math.exp(-47.5)), 1e-13, "log w_0");
});

Deno.test("pluginWeights refuses empty, non-finite quotients and non-finite weights by name", () => {
  assert.throws(() => pluginWeights(traceSpec(), new Float64Array(0)), (e: unknown) => {
    assert.ok(e instanceof RangeError);
    assert.equal(e.message, "trace: at least one sample is needed");
    return true;
  });
  for (const bad of [Number.NaN, Infinity, -Infinity]) {
    assert.throws(() => pluginWeights(frobeniusSpec(), Float64Array.of(1, bad)), (e: unknown) => {
      assert.ok(e instanceof RangeError);
      assert.equal(e.message, `frobenius: difference quotient d_1 is ${bad}`);
      return true;
    });
  }
  const broken: SharpnessSpec = {
    ...traceSpec(),
    name: "broken",
    weights: (q) => q.map((v, i) => i === 1 ? Infinity : v),
  };
  assert.throws(() => pluginWeights(broken, Float64Array.of(0.5, 2)), (e: unknown) => {
    assert.ok(e instanceof RangeError);
    assert.equal(e.message, "broken: plug-in weight w_1 is Infinity (d_1 = 2)");
    return true;
  });
  // A finite custom weight passes through untouched.
  const custom: SharpnessSpec = { ...traceSpec(), weights: (q) => q.map((v) => 2 * v) };
  assert.deepEqual(Array.from(pluginWeights(custom, Float64Array.of(1, 3))), [2, 6]);
  // The direct formula hands F's gradient a mean of exactly m = inner.dimension components.
  const counting: SharpnessSpec = {
    ...traceSpec(),
    weights: undefined,
    outer: { value: (m) => m[0], gradient: (mean) => [mean.length] },
  };
  assert.deepEqual(Array.from(pluginWeights(counting, Float64Array.of(1, 3))), [0.5, 0.5]);
});

Deno.test("gaussian and sphere measures draw N(0, I) and its normalization from the seed", () => {
  const g = gaussianMeasure();
  assert.equal(g.name, "gaussian");
  assert.equal(g.symmetric, true);
  assert.deepEqual(g.draw, { kind: "gaussian" });
  const s = sphereMeasure();
  assert.equal(s.name, "sphere");
  assert.equal(s.symmetric, true);
  assert.deepEqual(s.draw, { kind: "sphere" });
  for (const seed of [1, 2, 3]) {
    const expected = new Float64Array(4);
    new Random(seed).fillGaussian(expected);
    const out = new Float64Array(4);
    g.sample(new Random(seed), [], out);
    assert.deepEqual(out, expected);
    s.sample(new Random(seed), [], out);
    const norm = Math.hypot(...expected);
    for (let k = 0; k < 4; k++) close(out[k], expected[k] / norm, 1e-15, `sphere[${k}]`);
  }
});

Deno.test("cube measure: (2u - 1)h from the seed's uniforms, both signs; bad h refused", () => {
  const h = 0.5;
  const c = cubeMeasure(h);
  assert.equal(c.name, "cube(0.5)");
  assert.equal(c.symmetric, true);
  assert.deepEqual(c.draw, { kind: "cube", halfWidth: 0.5 });
  const rng = new Random(4);
  const out = new Float64Array(1000);
  c.sample(new Random(4), [], out);
  let neg = 0;
  for (let i = 0; i < out.length; i++) {
    close(out[i], (2 * rng.uniform() - 1) * h, 1e-15, `cube[${i}]`);
    if (out[i] < 0) neg++;
  }
  // Half negative: binomial(1000, ½) has σ ≈ 16, so 500 ± 100 is a 6σ band.
  assert.ok(neg > 400 && neg < 600, `${neg} negative draws of 1000`);
  for (const bad of [0, -1, Number.NaN, Infinity]) {
    assert.throws(() => cubeMeasure(bad), (e: unknown) => {
      assert.ok(e instanceof RangeError);
      assert.equal(e.message, `cube measure: halfWidth must be a positive number, got ${bad}`);
      return true;
    });
  }
});

Deno.test("point-mass measure: copies its points, draws each uniformly, refuses bad sets", () => {
  const points = [[1, 0], [0, 2], [3, 3]];
  const mu = pointMassMeasure(points);
  assert.equal(mu.name, "pointMass(3)");
  assert.equal(mu.draw, undefined);
  assert.equal(mu.symmetric, false);
  points[0][0] = 99; // the measure keeps its own copy
  const counts = new Map<string, number>();
  const rng = new Random(5);
  const delta = new Float64Array(2);
  for (let i = 0; i < 3000; i++) {
    mu.sample(rng, [], delta);
    const key = delta.join(",");
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  assert.deepEqual([...counts.keys()].sort(), ["0,2", "1,0", "3,3"]);
  // Each count is binomial(3000, ⅓): σ ≈ 26, so 1000 ± 150 is a 5.8σ band.
  for (const n of counts.values()) assert.ok(Math.abs(n - 1000) < 150, `count ${n}`);
  assert.equal(pointMassMeasure([[1, 0], [-1, 0]]).symmetric, true);
  assert.equal(pointMassMeasure([[1, 2], [-1, -2], [0, 1]]).symmetric, false);
  assert.equal(pointMassMeasure([[0, 0]]).symmetric, true);
  // Keys keep coordinates apart: without the separator (1, -23) and (-12, 3) would collide
  // ("-123" for -(1, -23)), and this set would pass for closed under negation.
  assert.equal(pointMassMeasure([[1, -23], [-12, 3], [12, -3]]).symmetric, false);
  assert.equal(pointMassMeasure([[1, -1], [-1, 1], [0, 3], [0, -3]]).symmetric, true);
  const refuse = (make: () => unknown, message: string) =>
    assert.throws(make, (e: unknown) => {
      assert.ok(e instanceof RangeError);
      assert.equal(e.message, message);
      return true;
    });
  refuse(() => pointMassMeasure([]), "point-mass measure: points must be a non-empty array, got ");
  refuse(
    () => pointMassMeasure("ab" as unknown as number[][]),
    "point-mass measure: points must be a non-empty array, got ab",
  );
  refuse(
    () => pointMassMeasure([[1, 0], [1, 2, 3]]),
    "point-mass measure: dimension mismatch: points[1] has length 3, points[0] has 2",
  );
  refuse(
    () => pointMassMeasure([[1, 0], [Number.NaN, 0]]),
    "point-mass measure: points[1] has a non-finite entry",
  );
  refuse(
    () => mu.sample(new Random(1), [], new Float64Array(3)),
    "point-mass measure: dimension mismatch: the points have dimension 2 but delta has 3",
  );
});

Deno.test("adaptive measure: (|x| + eta) ⊙ base draw, recipe only with a base recipe", () => {
  const mu = adaptiveMeasure(gaussianMeasure(), 0.5);
  assert.equal(mu.name, "adaptive(gaussian, eta=0.5)");
  assert.deepEqual(mu.draw, { kind: "adaptive", eta: 0.5, base: { kind: "gaussian" } });
  assert.equal(mu.symmetric, true);
  const x = [-2, 0, 3];
  const base = new Float64Array(3);
  new Random(6).fillGaussian(base);
  const out = new Float64Array(3);
  mu.sample(new Random(6), x, out);
  for (let k = 0; k < 3; k++) close(out[k], base[k] * (Math.abs(x[k]) + 0.5), 1e-15, `δ_${k}`);
  const pm = adaptiveMeasure(pointMassMeasure([[1, 1]]), 0);
  assert.equal(pm.draw, undefined);
  assert.ok(!("draw" in pm));
  assert.equal(pm.symmetric, false);
  pm.sample(new Random(1), [-4, 2], new Float64Array(2).fill(0));
  const two = new Float64Array(2);
  pm.sample(new Random(1), [-4, 2], two);
  assert.deepEqual(Array.from(two), [4, 2]);
  for (const bad of [-1, Number.NaN, Infinity]) {
    assert.throws(() => adaptiveMeasure(gaussianMeasure(), bad), (e: unknown) => {
      assert.ok(e instanceof RangeError);
      assert.equal(e.message, `adaptive measure: eta must be a finite number >= 0, got ${bad}`);
      return true;
    });
  }
  assert.throws(() => mu.sample(new Random(1), [1, 2], new Float64Array(3)), (e: unknown) => {
    assert.ok(e instanceof RangeError);
    assert.equal(e.message, "adaptive measure: point has dimension 2 but delta has 3");
    return true;
  });
});
