/**
 * Bad hyperparameters are refused with messages naming the parameter and the value; non-finite
 * losses, weights and Det-SAM weights stop the step with a NonFiniteError naming step and value.
 */
import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { frobeniusSpec } from "../measures/spec.ts";
import {
  adam,
  asam,
  createOptimizer,
  detSam,
  frobSam,
  NonFiniteError,
  OPTIMIZER_NAMES,
  sam,
  sgd,
  traceSam,
  universalSam,
} from "./mod.ts";
import { useBackend } from "./test_backends.ts";

await useBackend("cpu");

function refuses(
  make: () => unknown,
  type: typeof RangeError | typeof TypeError,
  ...parts: string[]
) {
  assert.throws(make, (error: unknown) => {
    assert.ok(error instanceof type, `expected ${type.name}, got ${error}`);
    for (const part of parts) {
      assert.ok(
        (error as Error).message.includes(part),
        `"${(error as Error).message}" lacks "${part}"`,
      );
    }
    return true;
  });
}

Deno.test("invalid hyperparameters are refused, naming the parameter and the value", () => {
  refuses(() => sam({ rho: 0 }), RangeError, "rho", "0");
  refuses(() => sam({ rho: -0.05 }), RangeError, "rho", "-0.05");
  refuses(() => asam({ rho: 0.5, eta: -1 }), RangeError, "eta", "-1");
  refuses(() => traceSam({ rho: -1 }), RangeError, "rho", "-1");
  refuses(() => traceSam({ lambda: -0.1 }), RangeError, "lambda", "-0.1");
  refuses(() => traceSam({ samples: 0 }), RangeError, "samples", "0");
  refuses(() => traceSam({ samples: 1.5 }), RangeError, "samples", "1.5");
  refuses(() => frobSam({ samples: 1 }), RangeError, "samples", "1");
  refuses(() => detSam({ halfWidth: 0 }), RangeError, "halfWidth", "0");
  // Frob-SAM's n >= 2 is enforced by the spec itself when built through universalSam.
  refuses(
    () => universalSam({ ...frobeniusSpec(), rho: 0.01, lambda: 1, samples: 1 }),
    RangeError,
    "samples = 1",
  );
  refuses(() => sgd({ lr: NaN }), RangeError, "lr", "NaN");
  refuses(() => sgd({ lr: Infinity }), RangeError, "lr", "Infinity");
  refuses(() => sgd({ lr: -0.1 }), RangeError, "lr", "-0.1");
  refuses(() => sgd({ momentum: 1 }), RangeError, "momentum", "1");
  refuses(() => sgd({ nesterov: true, momentum: 0 }), RangeError, "nesterov", "momentum 0");
  refuses(() => adam({ beta2: 1 }), RangeError, "beta2", "1");
  refuses(() => adam({ epsilon: 0 }), RangeError, "epsilon", "0");
  refuses(() => sam({ rho: "0.05" as unknown as number }), TypeError, "rho", '"0.05"');
  refuses(() => sam({ seed: 0.5 }), RangeError, "seed", "0.5");
  refuses(() => sam({ base: "rmsprop" as "sgd" }), RangeError, "base optimizer", '"rmsprop"');
  refuses(() => sam({ lambda: 1 } as never), RangeError, "lambda");
  refuses(() => createOptimizer("sam", { base: "rmsprop" as "sgd" }), RangeError, '"rmsprop"');
  refuses(() => createOptimizer("lion"), RangeError, '"lion"', "trace-sam");
  refuses(() => createOptimizer("sam", { lambda: 1 }), RangeError, "lambda", "sam");
  refuses(() => createOptimizer("frob-sam", { samples: 1 }), RangeError, "samples", "1");
  refuses(() => createOptimizer("sgd", { rho: 0.1 }), RangeError, "rho");
  refuses(() => createOptimizer("trace-sam", { lr: 0 }), RangeError, "lr", "0");
  const optimizer = sam();
  refuses(
    () => {
      optimizer.learningRate = NaN;
    },
    RangeError,
    "learningRate",
    "NaN",
  );
  optimizer.dispose();
});

Deno.test("the defaults are the authors' settings", () => {
  const expected: Record<string, Record<string, unknown>> = {
    "sam": { rho: 0.05 },
    "asam": { rho: 0.5, eta: 0.01 },
    "trace-sam": { rho: 0.01, lambda: 1, samples: 1, measure: "gaussian" },
    "frob-sam": { rho: 0.005, lambda: 0.005, samples: 2, measure: "gaussian" },
    "det-sam": { rho: 1, lambda: 1, samples: 1, measure: "cube(0.01)" },
  };
  for (const [name, settings] of Object.entries(expected)) {
    const optimizer = createOptimizer(name);
    const config = optimizer.getConfig();
    for (const [key, value] of Object.entries(settings)) {
      assert.equal(config[key], value, `${name}.${key}`);
    }
    assert.deepEqual(config.baseConfig, {
      lr: 0.1,
      momentum: 0.9,
      weightDecay: 5e-4,
      nesterov: false,
      dampening: 0,
    });
    optimizer.dispose();
  }
  const expectedEvaluations = [1, 1, 2, 2, 2, 3, 2];
  OPTIMIZER_NAMES.forEach((name, i) => {
    const optimizer = createOptimizer(name);
    assert.equal(optimizer.gradientEvaluations, expectedEvaluations[i], name);
    optimizer.dispose();
  });
});

for (const name of OPTIMIZER_NAMES) {
  Deno.test(`${name}: a NaN loss throws NonFiniteError naming the step, weights untouched`, () => {
    const w = tf.variable(tf.tensor1d([0.5, -0.25, 1]));
    let poison = false;
    const loss = () =>
      tf.tidy(() => {
        const value = tf.sum(tf.square(w));
        return (poison ? tf.mul(value, NaN) : value) as tf.Scalar;
      });
    const optimizer = createOptimizer(name, { lr: 0.01, seed: 1 });
    optimizer.minimize(loss, false, [w]);
    poison = true;
    const before = Array.from(w.dataSync());
    const count = tf.memory().numTensors;
    assert.throws(() => optimizer.minimize(loss, false, [w]), (error: unknown) => {
      assert.ok(error instanceof NonFiniteError, String(error));
      assert.equal(error.step, 1);
      assert.equal(error.quantity, "loss");
      assert.ok(Number.isNaN(error.value));
      assert.match(error.message, /step 1: NaN/);
      return true;
    });
    assert.deepEqual(Array.from(w.dataSync()), before);
    assert.equal(tf.memory().numTensors, count, "a failed step must not leak tensors");
    assert.equal(optimizer.iterations, 1);
    optimizer.dispose();
    w.dispose();
  });
}

Deno.test("sam: a non-finite loss at x + e stops the step before the weights change", () => {
  // L = exp(50·w): finite (e^25) at w = 0.5, overflows float32 (e^125) at w + e = 0.5 + 2.
  const w = tf.variable(tf.tensor1d([0.5]));
  const optimizer = sam({ rho: 2 });
  assert.throws(
    () => optimizer.minimize(() => tf.sum(tf.exp(tf.mul(w, 50))) as tf.Scalar, false, [w]),
    (error: unknown) => {
      assert.ok(error instanceof NonFiniteError, String(error));
      assert.equal(error.quantity, "perturbed loss");
      assert.equal(error.value, Infinity);
      return true;
    },
  );
  assert.equal(w.dataSync()[0], 0.5);
  optimizer.dispose();
  w.dispose();
});

Deno.test("a step that overflows a weight throws NonFiniteError naming the variable", () => {
  const w = tf.variable(tf.tensor1d([1, 2]), true, "overflowing");
  const optimizer = sgd({ lr: 1e30, momentum: 0, weightDecay: 0 });
  assert.throws(
    () => optimizer.minimize(() => tf.sum(tf.mul(w, 1e30)) as tf.Scalar, false, [w]),
    (error: unknown) => {
      assert.ok(error instanceof NonFiniteError, String(error));
      assert.equal(error.quantity, "weight");
      assert.equal(error.value, -Infinity);
      assert.match(error.message, /step 0: -Infinity \(variable "overflowing" entry 0\)/);
      return true;
    },
  );
  optimizer.dispose();
  w.dispose();
});

Deno.test("Det-SAM: weights that overflow throw NonFiniteError; the log domain keeps the rest finite", () => {
  // L = 1e8 ‖w‖² at w = 0 and ρδ in the cube of half-width 0.01: d = 1e8 ‖δ‖² ≈ 1e4, and the
  // single-sample weight is m^-2 = exp(d), far past float64's exp limit (709).
  const w = tf.variable(tf.zeros([4]));
  const optimizer = detSam({ rho: 1, lambda: 1, samples: 1, halfWidth: 0.01, seed: 5 });
  assert.throws(
    () => optimizer.minimize(() => tf.mul(tf.sum(tf.square(w)), 1e8) as tf.Scalar, false, [w]),
    (error: unknown) => {
      assert.ok(error instanceof NonFiniteError, String(error));
      assert.equal(error.quantity, "plug-in weight");
      assert.equal(error.step, 0);
      assert.equal(error.value, Infinity);
      return true;
    },
  );
  assert.deepEqual(Array.from(w.dataSync()), [0, 0, 0, 0]);
  // A loss that drops sharply under the perturbation (L = -1e8 ‖w‖², d ≈ -1e4): the direct
  // formula m^-3 · f'(d) overflows exp(-d/2) to Infinity and gives 0·Infinity = NaN, while the
  // log-domain weights exp(-d_i/2 - 3 log m)/n are finite (≈ 0) and the step goes through.
  const two = detSam({ rho: 1, lambda: 1, samples: 2, halfWidth: 0.01, seed: 5 });
  two.minimize(() => tf.mul(tf.sum(tf.square(w)), -1e8) as tf.Scalar, false, [w]);
  const delta = two.lastPerturbations.map((parts) => Array.from(parts[0]));
  const quotients = delta.map((d) => -1e8 * d.reduce((s, v) => s + v * v, 0));
  const directMean = quotients.reduce((s, d) => s + Math.exp(-d / 2), 0) / 2;
  assert.ok(!Number.isFinite(directMean ** -3 * -0.5 * Math.exp(-quotients[0] / 2)));
  assert.ok(Array.from(w.dataSync()).every(Number.isFinite));
  tf.dispose(w);
  optimizer.dispose();
  two.dispose();
});
