/**
 * SAM and ASAM's ascent offsets on hand-sized cases (compared with the formulas in Float64), the
 * zero-gradient guard, the global norm over several variables, the recording switch, the accepted
 * options and the configuration.
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import assert from "node:assert/strict";
import { asam, AscentOptimizer, sam } from "./sam.ts";
import { sgd } from "./sgd.ts";

await tf.setBackend("cpu");

/** SGD with lr 1 and nothing else: a step is `x - ∇L(x + e)` exactly. */
const plainSgd = () => sgd({ lr: 1, momentum: 0, weightDecay: 0 });

/**
 * Relative error allowed against the Float64 formula: e is a few float32 operations (|x| + η,
 * two products, a sum of squares of four terms, a square root, a division), each rounding by
 * at most 2^-24 relative; 1e-6 (about 17 roundings) leaves a margin, while a wrong formula
 * (a missing T, a sign of η, the norm of g instead of T g) is off by more than 1%.
 */
const RELATIVE = 1e-6;

function assertNear(actual: ArrayLike<number>, expected: number[], what: string) {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < expected.length; i++) {
    const error = Math.abs(actual[i] - expected[i]);
    assert.ok(
      error <= RELATIVE * Math.abs(expected[i]),
      `${what}[${i}]: ${actual[i]} vs ${expected[i]}`,
    );
  }
}

/** Two variables a = (3, -4), b = 2 and L = Σ a² + b² (gradient 2x). */
function problem() {
  const a = tf.variable(tf.tensor1d([3, -4]));
  const b = tf.variable(tf.scalar(2));
  const loss = () => tf.tidy(() => tf.add(tf.sum(tf.square(a)), tf.square(b)) as tf.Scalar);
  return { a, b, loss, dispose: () => tf.dispose([a, b]) };
}

Deno.test("sam: e = ρ g/‖g‖ with the norm over all variables, and the step uses ∇L(x + e)", () => {
  const { a, b, loss, dispose } = problem();
  const rho = 0.5;
  const optimizer = sam({ rho, recordPerturbations: true, base: plainSgd() });
  optimizer.minimize(loss, false, [a, b]);
  const g = [6, -8, 4];
  const norm = Math.hypot(...g);
  const e = g.map((gi) => (rho * gi) / norm);
  const [[ea, eb]] = optimizer.lastPerturbations;
  assertNear(ea, [e[0], e[1]], "e of a");
  assertNear(eb, [e[2]], "e of b");
  // x - 2(x + e) = -x - 2e.
  const x = [3, -4, 2];
  assertNear(a.dataSync(), [-x[0] - 2 * e[0], -x[1] - 2 * e[1]], "a after");
  assertNear(b.dataSync(), [-x[2] - 2 * e[2]], "b after");
  optimizer.dispose();
  dispose();
});

Deno.test("asam: T = |x| + η, e = ρ T² g/‖T g‖ (norm over all variables)", () => {
  for (const eta of [0, 0.5]) {
    const { a, b, loss, dispose } = problem();
    const rho = 0.25;
    const optimizer = asam({ rho, eta, recordPerturbations: true, base: plainSgd() });
    optimizer.minimize(loss, false, [a, b]);
    const x = [3, -4, 2];
    const g = x.map((xi) => 2 * xi);
    const t = x.map((xi) => Math.abs(xi) + eta);
    const norm = Math.hypot(...g.map((gi, i) => t[i] * gi));
    const e = g.map((gi, i) => (rho * t[i] * t[i] * gi) / norm);
    const [[ea, eb]] = optimizer.lastPerturbations;
    assertNear(ea, [e[0], e[1]], `eta ${eta}: e of a`);
    assertNear(eb, [e[2]], `eta ${eta}: e of b`);
    assertNear(a.dataSync(), [-x[0] - 2 * e[0], -x[1] - 2 * e[1]], `eta ${eta}: a after`);
    assertNear(b.dataSync(), [-x[2] - 2 * e[2]], `eta ${eta}: b after`);
    optimizer.dispose();
    dispose();
  }
});

Deno.test("a zero gradient gives e = 0 (the 1e-12 guard), not NaN; the weights stay", () => {
  for (
    const make of [
      () => sam({ recordPerturbations: true, base: plainSgd() }),
      () => asam({ recordPerturbations: true, base: plainSgd() }),
    ]
  ) {
    const w = tf.variable(tf.tensor1d([1, -2]));
    // L = Σ 0·w: finite, gradient exactly 0.
    const optimizer = make();
    optimizer.minimize(() => tf.sum(tf.mul(w, 0)) as tf.Scalar, false, [w]);
    assert.deepEqual(Array.from(optimizer.lastPerturbations[0][0]), [0, 0], optimizer.owner);
    assert.deepEqual(Array.from(w.dataSync()), [1, -2], optimizer.owner);
    optimizer.dispose();
    w.dispose();
  }
});

Deno.test("the recording switch: off records nothing; on keeps one tensor per variable until the next step", () => {
  for (const make of [sam, asam]) {
    const { a, b, loss, dispose } = problem();
    const off = make({ base: plainSgd() });
    assert.equal(off.recordPerturbations, false);
    const count = tf.memory().numTensors;
    off.minimize(loss, false, [a, b]);
    assert.equal(tf.memory().numTensors, count, `${off.owner}: nothing kept without recording`);
    assert.deepEqual(off.lastPerturbations, []);
    off.dispose();
    const on = make({ base: plainSgd(), recordPerturbations: true });
    assert.equal(on.recordPerturbations, true);
    const before = tf.memory().numTensors;
    on.minimize(loss, false, [a, b]);
    assert.equal(tf.memory().numTensors, before + 2, `${on.owner}: e of a and of b are kept`);
    on.minimize(loss, false, [a, b]);
    assert.equal(tf.memory().numTensors, before + 2, `${on.owner}: the last step's only`);
    assert.equal(on.lastPerturbations.length, 1);
    on.dispose();
    assert.equal(tf.memory().numTensors, before, `${on.owner}: dispose frees the record`);
    dispose();
  }
});

Deno.test("options: each optimizer's keys are accepted, others refused; recordPerturbations is a boolean", () => {
  const samOptions = { rho: 0.1, base: "adam" as const, seed: 3, recordPerturbations: true };
  const asamOptions = { ...samOptions, eta: 0.2 };
  const made = [sam(samOptions), asam(asamOptions)];
  for (const optimizer of made) optimizer.dispose();
  assert.throws(() => sam({ eta: 0.1 } as never), (error: unknown) => {
    assert.ok(error instanceof RangeError);
    assert.match(error.message, /^sam: .*"eta"/);
    return true;
  });
  assert.throws(() => asam({ lambda: 1 } as never), /^RangeError: asam: .*"lambda"/);
  const messages: [() => unknown, string][] = [
    [() => sam({ rho: 0 }), "sam: rho must be a finite number > 0, got 0"],
    [() => asam({ rho: -1 }), "asam: rho must be a finite number > 0, got -1"],
    [() => asam({ eta: -0.5 }), "asam: eta must be a finite number >= 0, got -0.5"],
  ];
  for (const [make, message] of messages) {
    assert.throws(make, (error: unknown) => {
      assert.ok(error instanceof RangeError);
      assert.equal(error.message, message);
      return true;
    });
  }
  for (const make of [sam, asam]) {
    assert.throws(
      () => make({ recordPerturbations: 1 as never }),
      (error: unknown) => {
        assert.ok(error instanceof TypeError);
        assert.match(error.message, /recordPerturbations must be a boolean, got 1/);
        return true;
      },
    );
  }
});

Deno.test("getConfig: name, rho, eta for asam only, seed and the base", () => {
  const s = sam({ rho: 0.2, seed: 4 });
  assert.equal(AscentOptimizer.className, "UsamAscent");
  const samConfig = s.getConfig();
  assert.equal(samConfig.name, "sam");
  assert.equal(samConfig.rho, 0.2);
  assert.equal(samConfig.seed, 4);
  assert.equal(samConfig.base, "UsamSGD");
  assert.equal("eta" in samConfig, false);
  assert.equal(s.eta, undefined);
  s.dispose();
  const t = asam({ rho: 0.3, eta: 0.05, base: "adam" });
  const asamConfig = t.getConfig();
  assert.equal(asamConfig.name, "asam");
  assert.equal(asamConfig.rho, 0.3);
  assert.equal(asamConfig.eta, 0.05);
  assert.equal(asamConfig.base, "UsamAdam");
  assert.equal(t.eta, 0.05);
  t.dispose();
});
