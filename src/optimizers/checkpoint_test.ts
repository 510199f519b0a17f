/**
 * Resuming from `getWeights()` continues exactly where the run stopped: the step index (which
 * fixes the next perturbations) and the base optimizer's state come back.
 */
import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { createOptimizer } from "./mod.ts";
import { useBackend } from "./test_backends.ts";
import { twoLayerMlp } from "./test_fixtures.ts";

for (const name of ["sgd", "adam", "trace-sam", "frob-sam", "det-sam", "sam"] as const) {
  Deno.test(`${name}: 3 steps, checkpoint, 2 more steps equals 5 uninterrupted steps`, async () => {
    await useBackend("cpu");
    const hp = { lr: 0.05, seed: 4 };
    const straight = twoLayerMlp({ seed: 19 });
    const whole = createOptimizer(name, hp);
    for (let i = 0; i < 5; i++) whole.minimize(straight.loss, false, straight.variables);
    const expected = [...straight.read()];

    const resumed = twoLayerMlp({ seed: 19 });
    const first = createOptimizer(name, hp);
    for (let i = 0; i < 3; i++) first.minimize(resumed.loss, false, resumed.variables);
    const saved = (await first.getWeights()).map(({ name, tensor }) => ({
      name,
      tensor: tf.clone(tensor),
    }));
    first.dispose();
    const second = createOptimizer(name, hp);
    await second.setWeights(saved);
    tf.dispose(saved.map((s) => s.tensor));
    assert.equal(second.iterations, 3);
    for (let i = 0; i < 2; i++) second.minimize(resumed.loss, false, resumed.variables);
    assert.deepEqual([...resumed.read()], expected);
    // Control: without the checkpoint (fresh state, step 0) the run ends elsewhere.
    const control = twoLayerMlp({ seed: 19 });
    const fresh = createOptimizer(name, hp);
    for (let i = 0; i < 3; i++) fresh.minimize(control.loss, false, control.variables);
    fresh.dispose();
    const restarted = createOptimizer(name, hp);
    for (let i = 0; i < 2; i++) restarted.minimize(control.loss, false, control.variables);
    assert.notDeepEqual([...control.read()], expected);
    for (const o of [whole, second, restarted]) o.dispose();
    for (const p of [straight, resumed, control]) p.dispose();
  });
}
