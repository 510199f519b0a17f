import assert from "node:assert/strict";
import {
  adamStep,
  asamDirection,
  detSamDirection,
  frobSamDirection,
  initialAdamState,
  initialSgdState,
  type ReferenceProblem,
  samDirection,
  sampledObjective,
  sgdStep,
  traceSamDirection,
  universalDirection,
  universalDirectionDetails,
} from "./sam_reference.ts";
import { determinantSpec, frobeniusSpec, traceSpec } from "../measures/spec.ts";
import { EPSILON, matVec } from "../math/linalg.ts";
import { Random } from "../math/random.ts";

/** L = ½ xᵀAx + bᵀx + (1/4) c Σ x_k⁴: a quadratic plus a quartic, gradient in closed form. */
function problem(c = 0.3): ReferenceProblem & { A: number[][]; b: number[] } {
  const A = [[2, 0.5, 0], [0.5, 1, -0.3], [0, -0.3, 0.7]];
  const b = [0.1, -0.2, 0.05];
  return {
    A,
    b,
    loss: (x) => {
      const Ax = matVec(A, x);
      let s = 0;
      for (let i = 0; i < 3; i++) s += 0.5 * x[i] * Ax[i] + b[i] * x[i] + 0.25 * c * x[i] ** 4;
      return s;
    },
    grad: (x) => Float64Array.from(matVec(A, x), (v, i) => v + b[i] + c * x[i] ** 3),
  };
}

const x0 = new Float64Array([0.4, -0.3, 0.8]);
function deltasFrom(seed: number, n: number, d = 3): Float64Array[] {
  const rng = new Random(seed);
  return Array.from({ length: n }, () => rng.gaussianVector(d));
}
/** Relative agreement of two vectors. */
function relativeGap(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / Math.max(den, Number.MIN_VALUE);
}

Deno.test("samDirection is ∇L at x + rho g/‖g‖", () => {
  const p = problem();
  const g = Float64Array.from(p.grad!(x0));
  const norm = Math.hypot(...g);
  const expected = p.grad!(Float64Array.from(x0, (v, i) => v + 0.05 * g[i] / (norm + 1e-12)));
  const G = samDirection(p, x0, { rho: 0.05 });
  // Same arithmetic in the same order: equal to the last ulp or two.
  assert.ok(relativeGap(G, expected) <= 4 * EPSILON);
  // A zero gradient gives a zero perturbation (the 1e-12 guard), not NaN.
  const flat = { loss: () => 1, grad: () => new Float64Array(2) };
  assert.deepEqual([...samDirection(flat, [1, 1], { rho: 0.1 })], [0, 0]);
  assert.throws(() => samDirection(flat, [1, 1], { rho: 0.1, epsilon: 0 }), RangeError);
});

Deno.test("asamDirection uses T = |x| + eta and e = rho T²g/‖Tg‖", () => {
  const p = problem();
  const eta = 0.01, rho = 0.5;
  const g = Float64Array.from(p.grad!(x0));
  const T = Array.from(x0, (v) => Math.abs(v) + eta);
  const tg = Math.hypot(...g.map((v, i) => T[i] * v));
  const e = Array.from(g, (v, i) => rho * T[i] * T[i] * v / (tg + 1e-12));
  const expected = p.grad!(Float64Array.from(x0, (v, i) => v + e[i]));
  assert.ok(relativeGap(asamDirection(p, x0, { rho, eta }), expected) <= 8 * EPSILON);
  // eta = 0 and a zero coordinate: that coordinate is not perturbed.
  const q = {
    loss: (x: Float64Array) => x[0] ** 2 + x[1] ** 2,
    grad: (x: Float64Array) => x.map((v) => 2 * v),
  };
  const G = asamDirection(q, [0, 1], { rho: 0.1, eta: 0 });
  assert.equal(G[0], 0);
  // The 1e-12 norm guard shifts e by 1e-12/‖Tg‖ relative: 1e-12 covers it.
  assert.ok(Math.abs(G[1] - 2 * 1.1) <= 1e-12);
});

Deno.test("the closed forms equal universalDirection with the matching spec", () => {
  const p = problem();
  for (const n of [2, 5]) {
    const deltas = deltasFrom(n, n);
    const options = { rho: 0.05, lambda: 0.7, deltas };
    // Same quantities, combined in a different order: agreement to a few hundred ulps of the
    // largest term (the g_i are O(1) and the weights O(1/rho²) for Frobenius, so differences
    // g_i - g lose log10(1/rho) digits identically in both).
    const tolerance = 1e-12;
    const trace = relativeGap(
      traceSamDirection(p, x0, options),
      universalDirection(p, x0, { ...options, spec: traceSpec() }),
    );
    const frob = relativeGap(
      frobSamDirection(p, x0, options),
      universalDirection(p, x0, { ...options, spec: frobeniusSpec() }),
    );
    const cube = deltasFrom(n + 10, n).map((d) => d.map((v) => 0.01 * v));
    const detOptions = { rho: 1, lambda: 1, deltas: cube };
    const det = relativeGap(
      detSamDirection(p, x0, detOptions),
      universalDirection(p, x0, { ...detOptions, spec: determinantSpec(0.01) }),
    );
    assert.ok(trace <= tolerance, `trace ${trace}`);
    assert.ok(frob <= tolerance, `frob ${frob}`);
    assert.ok(det <= tolerance, `det ${det}`);
  }
});

Deno.test("Trace-SAM on a quadratic is g + lambda rho A mean(δ) exactly", () => {
  const p = problem(0);
  const deltas = deltasFrom(3, 4);
  const mean = [0, 1, 2].map((k) => deltas.reduce((s, d) => s + d[k], 0) / 4);
  const expected = Float64Array.from(p.grad!(x0), (v, k) => v + 0.5 * 0.1 * matVec(p.A, mean)[k]);
  // Linear gradient, so only rounding differs (terms O(1), tolerance 1e-14 ≈ 50 eps).
  assert.ok(
    relativeGap(traceSamDirection(p, x0, { rho: 0.1, lambda: 0.5, deltas }), expected) <= 1e-14,
  );
});

Deno.test("universalDirectionDetails exposes L, L_i, d_i, weights", () => {
  const p = problem();
  const deltas = deltasFrom(4, 3);
  const s = universalDirectionDetails(p, x0, { spec: traceSpec(), rho: 0.1, lambda: 1, deltas });
  assert.equal(s.loss, p.loss(x0));
  for (let i = 0; i < 3; i++) {
    const Li = p.loss(Float64Array.from(x0, (v, k) => v + 0.1 * deltas[i][k]));
    assert.equal(s.losses[i], Li);
    assert.equal(s.quotients[i], (Li - s.loss) / (0.1 * 0.1));
    assert.equal(s.weights[i], 1 / 3);
  }
  assert.equal(s.gradients.length, 3);
});

Deno.test("without grad, directions use finite-difference gradients", () => {
  const p = problem();
  const valuesOnly = { loss: p.loss };
  const deltas = deltasFrom(5, 2);
  const options = { rho: 0.05, lambda: 0.5, deltas };
  // Central differences with h = eps^(1/3)·max(1,|x|) have error ~ eps^(2/3) ≈ 4e-11 times the
  // derivative scale (~3 here); Frob-SAM multiplies the g_i by (L_i - L̄)/rho² ~ 1/rho = 20.
  for (
    const [name, fn] of [
      ["trace", traceSamDirection],
      ["frob", frobSamDirection],
      ["det", detSamDirection],
    ] as const
  ) {
    const gap = relativeGap(fn(valuesOnly, x0, options), fn(p, x0, options));
    assert.ok(gap <= 1e-8, `${name}: ${gap}`);
  }
  assert.ok(
    relativeGap(samDirection(valuesOnly, x0, { rho: 0.05 }), samDirection(p, x0, { rho: 0.05 })) <=
      1e-8,
  );
});

Deno.test("sampledObjective is L + lambda rho² F(mean f(d_i))", () => {
  const p = problem(0);
  const deltas = deltasFrom(6, 3);
  const L = p.loss(x0);
  const d = deltas.map((delta) =>
    (p.loss(Float64Array.from(x0, (v, k) => v + 0.1 * delta[k])) - L) / 0.01
  );
  const mean = (d[0] + d[1] + d[2]) / 3;
  const variance = d.reduce((s, v) => s + (v - mean) ** 2, 0) / 2;
  // Same floating-point operations up to order: 1e-13 relative.
  const trace = sampledObjective(p, x0, { spec: traceSpec(), rho: 0.1, lambda: 2, deltas });
  assert.ok(Math.abs(trace - (L + 2 * 0.01 * mean)) <= 1e-13 * Math.abs(trace));
  const frob = sampledObjective(p, x0, { spec: frobeniusSpec(), rho: 0.1, lambda: 2, deltas });
  assert.ok(Math.abs(frob - (L + 2 * 0.01 * 0.5 * variance)) <= 1e-13 * Math.abs(frob));
});

Deno.test("sgdStep follows PyTorch SGD (momentum, dampening, Nesterov, weight decay)", () => {
  // Scalar hand computation: x = 1, G = 0.5 both steps, wd = 0.1, m = 0.9, lr = 0.1.
  const opts = { lr: 0.1, momentum: 0.9, weightDecay: 0.1 };
  let s = sgdStep([1], [0.5], initialSgdState(), opts);
  // v = 0.6, buf = 0.6, x = 0.94
  assert.ok(
    Math.abs(s.x[0] - 0.94) <= 4 * EPSILON &&
      Math.abs(s.state.momentumBuffer![0] - 0.6) <= 4 * EPSILON,
  );
  s = sgdStep(s.x, [0.5], s.state, opts);
  // v = 0.594, buf = 0.54 + 0.594 = 1.134, x = 0.94 - 0.1134
  assert.ok(Math.abs(s.x[0] - 0.8266) <= 4 * EPSILON);
  let n = sgdStep([1], [0.5], initialSgdState(), { ...opts, nesterov: true });
  // v = 0.6, buf = 0.6, update = 0.6 + 0.54 = 1.14
  assert.ok(Math.abs(n.x[0] - 0.886) <= 4 * EPSILON);
  n = sgdStep(n.x, [0.5], n.state, { ...opts, nesterov: true });
  // v = 0.5886, buf = 0.54 + 0.5886 = 1.1286, update = 0.5886 + 1.01574 = 1.60434
  assert.ok(Math.abs(n.x[0] - (0.886 - 0.160434)) <= 8 * EPSILON);
  let damp = sgdStep([0], [1], initialSgdState(), { lr: 1, momentum: 0.5, dampening: 0.5 });
  damp = sgdStep(damp.x, [1], damp.state, { lr: 1, momentum: 0.5, dampening: 0.5 });
  // first buf = 1 (no dampening on the first step, as in PyTorch), then 0.5 + 0.5
  assert.deepEqual([...damp.x], [-2]);
  const plain = sgdStep([1, 2], [1, -1], initialSgdState(), { lr: 0.5 });
  assert.deepEqual([...plain.x], [0.5, 2.5]);
  assert.equal(plain.state.momentumBuffer, null);
  assert.throws(
    () => sgdStep([1], [1], initialSgdState(), { lr: 0.1, nesterov: true }),
    /nesterov needs momentum > 0/,
  );
  assert.throws(
    () => sgdStep([1], [1, 2], initialSgdState(), { lr: 0.1 }),
    /direction must have length 1/,
  );
  assert.throws(
    () => sgdStep([1], [1], initialSgdState(), { lr: -1 }),
    /lr must be a finite number >= 0, got -1/,
  );
});

Deno.test("adamStep follows PyTorch Adam and AdamW", () => {
  const opts = { lr: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };
  let s = adamStep([1], [2], initialAdamState(1), opts);
  // m = 0.2, v = 0.004; m̂ = 2, v̂ = 4: x = 1 - 0.1·2/(2 + 1e-8)
  const first = 1 - 0.1 * 2 / (2 + 1e-8);
  assert.ok(Math.abs(s.x[0] - first) <= 1e-15);
  s = adamStep(s.x, [1], s.state, opts);
  // m = 0.18 + 0.1 = 0.28, v = 0.003996 + 0.001 = 0.004996; bias 0.19, 0.001999
  const m = 0.28 / 0.19, v = 0.004996 / (1 - 0.999 ** 2);
  // Hand values and the code round differently: 1e-14 absolute (~50 eps on O(1) numbers).
  assert.ok(Math.abs(s.x[0] - (first - 0.1 * m / (Math.sqrt(v) + 1e-8))) <= 1e-14);
  assert.equal(s.state.step, 2);
  const l2 = adamStep([1], [0], initialAdamState(1), { lr: 0.1, weightDecay: 0.5 });
  assert.ok(Math.abs(l2.x[0] - (1 - 0.1 * 0.5 / (0.5 + 1e-8))) <= 1e-15);
  const decoupled = adamStep([1], [0], initialAdamState(1), {
    lr: 0.1,
    weightDecay: 0.5,
    decoupled: true,
  });
  assert.equal(decoupled.x[0], 0.95);
  assert.throws(
    () => adamStep([1], [1], initialAdamState(1), { lr: 0.1, beta1: 1 }),
    /beta1 must be in \[0, 1\), got 1/,
  );
  assert.throws(
    () => adamStep([1, 2], [1, 2], initialAdamState(1), { lr: 0.1 }),
    /state.firstMoment must have length 2/,
  );
});

Deno.test("bad input names the parameter and the value", () => {
  const p = problem();
  const deltas = deltasFrom(1, 2);
  assert.throws(
    () => traceSamDirection(p, x0, { rho: 0, lambda: 1, deltas }),
    /rho must be a finite number > 0, got 0/,
  );
  assert.throws(
    () => traceSamDirection(p, x0, { rho: 0.1, lambda: -1, deltas }),
    /lambda must be a finite number >= 0, got -1/,
  );
  assert.throws(
    () => traceSamDirection(p, x0, { rho: 0.1, lambda: 1, deltas: [] }),
    /deltas must hold at least 1/,
  );
  assert.throws(
    () => traceSamDirection(p, x0, { rho: 0.1, lambda: 1, deltas: [new Float64Array(2)] }),
    /deltas\[0\] must have length 3, got length 2/,
  );
  assert.throws(
    () => frobSamDirection(p, x0, { rho: 0.1, lambda: 1, deltas: [deltas[0]] }),
    /at least 2 perturbations, got deltas.length = 1/,
  );
  assert.throws(() => samDirection(p, [1, NaN, 0], { rho: 0.1 }), /x\[1\] must be finite, got NaN/);
  assert.throws(() => samDirection({} as never, x0, { rho: 0.1 }), TypeError);
  const blowup = { loss: (x: Float64Array) => (x[0] > 0.41 ? NaN : x[0]) };
  assert.throws(
    () =>
      traceSamDirection(blowup, x0, { rho: 0.1, lambda: 1, deltas: [Float64Array.of(1, 0, 0)] }),
    /loss is NaN at x \+ rho·deltas\[0\] = \[0.5/,
  );
  // Det-SAM refuses an overflowing weight: d = 2000 gives m^-3·exp(-d/2) = exp(2000).
  const steep = {
    loss: (x: Float64Array) => 2000 * x[0] ** 2,
    grad: (x: Float64Array) => Float64Array.of(4000 * x[0]),
  };
  assert.throws(
    () => detSamDirection(steep, [0], { rho: 1, lambda: 1, deltas: [Float64Array.of(1)] }),
    /detSamDirection: weight Infinity for deltas\[0\] \(d_0 = 2000/,
  );
  assert.throws(
    () => universalDirection(p, x0, { spec: null as never, rho: 0.1, lambda: 1, deltas }),
    TypeError,
  );
});
