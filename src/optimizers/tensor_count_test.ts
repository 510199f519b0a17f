import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { createOptimizer, OPTIMIZER_NAMES } from "./mod.ts";
import { TEST_BACKENDS, useBackend } from "./test_backends.ts";
import { twoLayerMlp } from "./test_fixtures.ts";

for (const backend of TEST_BACKENDS) {
  for (const name of OPTIMIZER_NAMES) {
    Deno.test(`${name} (${backend}): the tensor count after 20 steps equals that after the first step`, async () => {
      await useBackend(backend);
      const problem = twoLayerMlp({ seed: 11 });
      const optimizer = createOptimizer(name, { lr: 0.01 });
      const before = problem.read();
      optimizer.minimize(problem.loss);
      const afterFirst = tf.memory().numTensors;
      for (let i = 1; i < 20; i++) {
        const cost = optimizer.minimize(problem.loss, true);
        assert.ok(cost !== null && Number.isFinite(cost.dataSync()[0]));
        cost?.dispose();
      }
      assert.equal(tf.memory().numTensors, afterFirst);
      assert.equal(optimizer.iterations, 20);
      // The steps did something: a leak-free no-op would pass the count check too.
      const after = problem.read();
      assert.ok(after.some((v, i) => v !== before[i]), `${name} left the weights unchanged`);
      optimizer.dispose();
      problem.dispose();
    });
  }
}
