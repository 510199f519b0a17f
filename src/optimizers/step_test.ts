/**
 * The asynchronous step: for every optimizer, `await step(f)` gives the same weights, bit for
 * bit, as `minimize(f, true)` on cpu and wasm, resolves to the same loss, and makes no
 * synchronous read (dataSync / arraySync are made to throw while it runs).
 */
import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { adaptiveMeasure, pointMassMeasure, sphereMeasure, traceSpec } from "../measures/spec.ts";
import { createOptimizer, NonFiniteError, OPTIMIZER_NAMES, sgd, universalSam } from "./mod.ts";
import { initBackend } from "../backends/mod.ts";
import { probeWebGpuAdapter } from "../backends/webgpu.ts";
import { TEST_BACKENDS, useBackend } from "./test_backends.ts";
import { twoLayerMlp } from "./test_fixtures.ts";

const STEPS = 3;

/** Runs `body` with every synchronous read of a tensor throwing. */
async function withoutSyncReads<T>(body: () => Promise<T>): Promise<T> {
  const proto = tf.Tensor.prototype as unknown as Record<string, unknown>;
  const saved = { dataSync: proto.dataSync, arraySync: proto.arraySync };
  const refuse = () => {
    throw new Error("synchronous read during step()");
  };
  proto.dataSync = refuse;
  proto.arraySync = refuse;
  try {
    return await body();
  } finally {
    proto.dataSync = saved.dataSync;
    proto.arraySync = saved.arraySync;
  }
}

for (const backend of TEST_BACKENDS) {
  for (const name of OPTIMIZER_NAMES) {
    Deno.test(`${name} (${backend}): await step(f) equals minimize(f, true) bit for bit, with no sync read`, async () => {
      await useBackend(backend);
      const runs = [];
      for (const mode of ["minimize", "step"] as const) {
        const problem = twoLayerMlp({ seed: 21 });
        const optimizer = createOptimizer(name, { lr: 0.05, seed: 5 });
        const losses: number[] = [];
        const before = tf.memory().numTensors;
        for (let i = 0; i < STEPS; i++) {
          if (mode === "minimize") {
            const cost = optimizer.minimize(problem.loss, true, problem.variables)!;
            losses.push(cost.dataSync()[0]);
            cost.dispose();
          } else {
            losses.push(
              await withoutSyncReads(() => optimizer.step(problem.loss, problem.variables)),
            );
          }
        }
        runs.push({
          losses,
          weights: Array.from(problem.read()),
          iterations: optimizer.iterations,
        });
        // Only the optimizer's state (and recorded perturbations) outlive a step.
        optimizer.dispose();
        problem.dispose();
        assert.ok(tf.memory().numTensors <= before, `${mode} leaked tensors`);
      }
      assert.deepEqual(runs[1], runs[0]);
      assert.equal(runs[0].iterations, STEPS);
      // Control: the steps moved the loss, so equal records are not two no-ops.
      assert.notEqual(runs[0].losses[STEPS - 1], runs[0].losses[0]);
    });
  }
}

Deno.test("user-defined universalSam (device recipe and host-sampled measure): step equals minimize, no sync read", async () => {
  await useBackend("wasm");
  for (
    const measure of [
      adaptiveMeasure(sphereMeasure(), 0.1), // a device recipe reading x
      pointMassMeasure([Array.from({ length: 57 }, (_, i) => (i % 3) - 1)]), // no recipe: sampled on the host, the point read asynchronously
    ]
  ) {
    const runs = [];
    for (const mode of ["minimize", "step"] as const) {
      const problem = twoLayerMlp({ seed: 3 });
      const optimizer = universalSam({
        ...traceSpec(measure),
        rho: 0.01,
        lambda: 1,
        samples: 2,
        seed: 9,
      });
      const losses: number[] = [];
      for (let i = 0; i < STEPS; i++) {
        if (mode === "minimize") {
          const cost = optimizer.minimize(problem.loss, true, problem.variables)!;
          losses.push(cost.dataSync()[0]);
          cost.dispose();
        } else {
          losses.push(
            await withoutSyncReads(() => optimizer.step(problem.loss, problem.variables)),
          );
        }
      }
      runs.push({ losses, weights: Array.from(problem.read()) });
      optimizer.dispose();
      problem.dispose();
    }
    assert.deepEqual(runs[1], runs[0], measure.name);
    assert.notEqual(runs[0].losses[STEPS - 1], runs[0].losses[0]);
  }
});

Deno.test("step(f) rejects with NonFiniteError on a NaN loss, weights untouched", async () => {
  await useBackend("cpu");
  const w = tf.variable(tf.tensor1d([1, 2]));
  for (const name of OPTIMIZER_NAMES) {
    const optimizer = createOptimizer(name, { lr: 0.1 });
    await assert.rejects(
      () => optimizer.step(() => tf.mul(tf.sum(w), NaN) as tf.Scalar, [w]),
      (error: unknown) => error instanceof NonFiniteError && error.step === 0,
      name,
    );
    assert.deepEqual(Array.from(w.dataSync()), [1, 2], name);
    assert.equal(optimizer.iterations, 0, name);
    optimizer.dispose();
  }
  w.dispose();
});

Deno.test("step(f) resolves to the loss before the step", async () => {
  await useBackend("cpu");
  const w = tf.variable(tf.scalar(3));
  const optimizer = sgd({ lr: 0.1, momentum: 0, weightDecay: 0 });
  assert.equal(await optimizer.step(() => tf.square(w) as tf.Scalar), 9);
  assert.ok(Math.abs(w.dataSync()[0] - 2.4) < 1e-6); // 3 - 0.1·6, float32 rounding
  optimizer.dispose();
  w.dispose();
});

const webgpu = await probeWebGpuAdapter();

/**
 * Relative tolerance (to max(1, |value|)) between webgpu and cpu after 3 steps of the tiny MLP:
 * float32 reassociation in the GPU reductions (a few dozen roundings, <= 64 eps32 = 8e-6) plus, for
 * the Gaussian measures, draws that differ by <= 1.1e-5 (philox_test.ts), which move the weights by
 * about lr·ρ·‖H‖·1.1e-5 <= 0.05·0.01·10·1.1e-5 = 6e-8. 3e-5 covers both; a wrong step (a missing
 * term, another perturbation) is off by far more.
 */
const WEBGPU_TOLERANCE = 3e-5;

Deno.test({
  name: "webgpu: minimize throws, naming step(); await step(f) matches cpu within float32 rounding",
  ignore: !webgpu.available,
  async fn() {
    const results: Record<string, number[]>[] = [];
    for (const backend of ["cpu", "webgpu"] as const) {
      assert.equal((await initBackend(backend)).backend, backend);
      const record: Record<string, number[]> = {};
      for (const name of OPTIMIZER_NAMES) {
        const problem = twoLayerMlp({ seed: 21 });
        const optimizer = createOptimizer(name, { lr: 0.05, seed: 5 });
        const losses = [];
        for (let i = 0; i < STEPS; i++) {
          losses.push(await optimizer.step(problem.loss, problem.variables));
        }
        if (backend === "webgpu") {
          assert.throws(
            () => optimizer.minimize(problem.loss),
            /await optimizer\.step\(f\)/,
            name,
          );
          assert.equal(optimizer.iterations, STEPS, `${name}: the refused minimize did work`);
        }
        const flat = tf.concat(problem.variables.map((v) => tf.reshape(v, [-1])));
        record[name] = [...losses, ...(await flat.data())];
        flat.dispose();
        optimizer.dispose();
        problem.dispose();
      }
      results.push(record);
    }
    for (const name of OPTIMIZER_NAMES) {
      const [cpu, gpu] = [results[0][name], results[1][name]];
      let worst = 0;
      for (let i = 0; i < cpu.length; i++) {
        worst = Math.max(worst, Math.abs(cpu[i] - gpu[i]) / Math.max(1, Math.abs(cpu[i])));
      }
      assert.ok(worst <= WEBGPU_TOLERANCE, `${name}: webgpu vs cpu ${worst}`);
    }
    await useBackend("cpu");
  },
});
