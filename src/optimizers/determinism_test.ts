/**
 * Seeded runs are reproducible: the same seed gives bit-identical weights on one backend (cpu,
 * wasm), and the same perturbations on every backend (counter-based draws, `draws.ts`).
 */
import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { createOptimizer, detSam, frobSam, OPTIMIZER_NAMES, sgd, traceSam } from "./mod.ts";
import { TEST_BACKENDS, useBackend } from "./test_backends.ts";
import { twoLayerMlp } from "./test_fixtures.ts";

const STEPS = 4;

async function run(backend: typeof TEST_BACKENDS[number], name: string, seed: number) {
  await useBackend(backend);
  const problem = twoLayerMlp({ seed: 13 });
  const optimizer = createOptimizer(name, { lr: 0.05, seed });
  const perturbations: number[][] = [];
  for (let i = 0; i < STEPS; i++) {
    optimizer.minimize(problem.loss, false, problem.variables);
    for (const sample of optimizer.lastPerturbations) {
      perturbations.push(sample.flatMap((part) => Array.from(part)));
    }
  }
  const weights = Array.from(problem.read());
  optimizer.dispose();
  problem.dispose();
  return { weights, perturbations };
}

for (const name of OPTIMIZER_NAMES) {
  Deno.test(`${name}: the same seed gives identical weights on cpu and on wasm`, async () => {
    const drawn: number[][][] = [];
    for (const backend of TEST_BACKENDS) {
      const first = await run(backend, name, 7);
      const second = await run(backend, name, 7);
      assert.deepEqual(second.weights, first.weights, `${name} on ${backend}`);
      drawn.push(first.perturbations);
    }
    // The perturbations are the same draws on both backends.
    assert.deepEqual(drawn[1], drawn[0]);
    const sampled = name.endsWith("-sam") && name !== "asam";
    if (sampled) {
      // Control: the seed matters, so identical results above are not vacuous.
      assert.ok(drawn[0].length > 0);
      const other = await run("cpu", name, 8);
      assert.notDeepEqual(other.perturbations, drawn[0]);
      assert.notDeepEqual(other.weights, (await run("cpu", name, 7)).weights);
    }
  });
}

Deno.test("perturbations are a function of (seed, step, sample, index): the same after a resume", async () => {
  await useBackend("cpu");
  for (const make of [traceSam, frobSam, detSam]) {
    const problem = twoLayerMlp({ seed: 17 });
    const first = make({ seed: 99, base: sgd({ lr: 0.05 }) });
    first.minimize(problem.loss, false, problem.variables);
    first.minimize(problem.loss, false, problem.variables);
    const saved = await first.getWeights(); // iterations = 2
    first.minimize(problem.loss, false, problem.variables);
    const uninterrupted = first.lastPerturbations.map((s) => s.flatMap((p) => [...p]));
    const resumed = make({ seed: 99, base: sgd({ lr: 0.05 }) });
    await resumed.setWeights(saved);
    resumed.minimize(problem.loss, false, problem.variables);
    assert.deepEqual(resumed.lastPerturbations.map((s) => s.flatMap((p) => [...p])), uninterrupted);
    // Control: step 2's draws differ from step 1's.
    const other = make({ seed: 99, base: sgd({ lr: 0.05 }) });
    other.minimize(problem.loss, false, problem.variables);
    assert.notDeepEqual(
      other.lastPerturbations.map((s) => s.flatMap((p) => [...p])),
      uninterrupted,
    );
    tf.dispose(saved.map((w) => w.tensor));
    for (const o of [first, resumed, other]) o.dispose();
    problem.dispose();
  }
});
