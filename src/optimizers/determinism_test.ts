/**
 * Seeded runs are reproducible: the same seed gives bit-identical weights on one backend (cpu,
 * wasm), and the same perturbations on every backend (they are drawn on the host).
 */
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

Deno.test("background draws equal main-thread draws, step by step", async () => {
  await useBackend("cpu");
  let pause = 1500; // the first time, the shared thread has to start (load its modules)
  for (const name of ["traceSam", "frobSam", "detSam"] as const) {
    const runs = [];
    for (const prefetch of [true, false]) {
      const problem = twoLayerMlp({ seed: 17 });
      const make = { traceSam, frobSam, detSam }[name];
      const optimizer = make({ seed: 99, prefetch, base: sgd({ lr: 0.05 }) });
      const perturbations: number[][] = [];
      for (let i = 0; i < 6; i++) {
        optimizer.minimize(problem.loss, false, problem.variables);
        perturbations.push(optimizer.lastPerturbations.flatMap((s) => s.flatMap((p) => [...p])));
        // Give the background thread time to start, so later steps are served by it.
        if (i === 1 && prefetch) {
          await new Promise((resolve) => setTimeout(resolve, pause));
          pause = 100;
        }
      }
      runs.push({ perturbations, weights: [...problem.read()], served: optimizer.drawsServed });
      optimizer.dispose();
      problem.dispose();
    }
    assert.ok(runs[0].served.background > 0, `${name}: no draw came from the thread`);
    assert.equal(runs[1].served.background, 0);
    assert.deepEqual(runs[0].perturbations, runs[1].perturbations, name);
    assert.deepEqual(runs[0].weights, runs[1].weights, name);
  }
});
