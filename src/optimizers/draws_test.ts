/**
 * The device draws of every built-in measure: equal on cpu and wasm to the bit (the sphere up to
 * its float32 norm), on webgpu (Deno's
 * adapter, llvmpipe here: small shapes) to the bit for the cube and within float32 rounding for
 * the Gaussian-based ones; the right distribution's invariants; and the host path for a measure
 * without a recipe.
 */
import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { initBackend } from "../backends/mod.ts";
import { probeWebGpuAdapter } from "../backends/webgpu.ts";
import {
  adaptiveMeasure,
  cubeMeasure,
  gaussianMeasure,
  type PerturbationMeasure,
  pointMassMeasure,
  sphereMeasure,
} from "../measures/spec.ts";
import { drawRecipe, drawStep } from "./draws.ts";
import { runAsync, runSync } from "./reads.ts";
import { universalSam } from "./universal.ts";
import { traceSpec } from "../measures/spec.ts";

const SHAPES = [[3, 5], [7], [2, 2, 3]];
const X = SHAPES.map((shape, k) =>
  Float32Array.from({ length: shape.reduce((a, b) => a * b) }, (_, i) => Math.sin(i + 10 * k) * 2)
);
const MEASURES: [string, PerturbationMeasure][] = [
  ["gaussian", gaussianMeasure()],
  ["cube", cubeMeasure(0.01)],
  ["sphere", sphereMeasure()],
  ["adaptive(gaussian)", adaptiveMeasure(gaussianMeasure(), 0.01)],
  ["adaptive(cube)", adaptiveMeasure(cubeMeasure(0.5), 0)],
];

async function drawOn(backend: string, measure: PerturbationMeasure): Promise<Float32Array[][]> {
  const choice = await initBackend(backend as "cpu");
  assert.equal(choice.backend, backend);
  const weights = SHAPES.map((shape, k) => tf.tensor(X[k], shape));
  const deltas = await runAsync(drawStep(measure, { seed: 12, step: 3, samples: 2 }, weights));
  const host = [];
  for (const sample of deltas) {
    const parts = [];
    for (const t of sample) parts.push((await t.data()) as Float32Array);
    host.push(parts);
  }
  tf.dispose([...weights, ...deltas.flat()]);
  return host;
}

const webgpu = await probeWebGpuAdapter();

/**
 * Largest |a - b| over all entries, relative to the scale of b's entry (1 for unit-scale draws).
 */
function worstDifference(a: Float32Array[][], b: Float32Array[][]): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    for (let k = 0; k < a[i].length; k++) {
      for (let j = 0; j < a[i][k].length; j++) {
        worst = Math.max(worst, Math.abs(a[i][k][j] - b[i][k][j]));
      }
    }
  }
  return worst;
}

for (const [name, measure] of MEASURES) {
  Deno.test(`${name}: device draws equal on cpu and wasm, within float32 rounding on webgpu`, async () => {
    const cpu = await drawOn("cpu", measure);
    const wasm = await drawOn("wasm", measure);
    if (name === "sphere") {
      // The norm is a float32 sum, reduced in another order by each backend: <= 34 eps32 relative
      // on values <= 1 (4e-6); the Philox values themselves are the same bits.
      assert.ok(
        worstDifference(wasm, cpu) <= 1e-5,
        `sphere: wasm vs cpu ${worstDifference(wasm, cpu)}`,
      );
    } else {
      assert.deepEqual(wasm, cpu);
    }
    assert.notDeepEqual(cpu[0], cpu[1], "two samples of a step must differ");
    if (webgpu.available) {
      const gpu = await drawOn("webgpu", measure);
      const worst = worstDifference(gpu, cpu);
      if (name.includes("cube")) {
        // Integer transform plus one float32 multiply (two for adaptive): exact everywhere.
        assert.equal(worst, 0, `${name} on webgpu`);
      } else {
        // webgpu Gaussians are within 2e-6 · max(1, |z|) <= 1.1e-5 of the host (philox_test.ts);
        // adaptive multiplies by |x| + η <= 2.01 (one more rounding), the sphere divides values
        // <= 1 by a float32 norm summed in another order (<= 34 eps32 relative). 3e-5 covers all.
        assert.ok(worst <= 3e-5, `${name} on webgpu: ${worst}`);
      }
    }
  });
}

Deno.test("the recipes draw the right measure: sphere unit norm, adaptive = (|x| + η) ξ, cube in [-h, h]", async () => {
  const gaussian = await drawOn("cpu", gaussianMeasure());
  const sphere = await drawOn("cpu", sphereMeasure());
  const adaptive = await drawOn("cpu", adaptiveMeasure(gaussianMeasure(), 0.01));
  for (let i = 0; i < 2; i++) {
    const norm = Math.hypot(...sphere[i].flatMap((p) => [...p]));
    assert.ok(Math.abs(norm - 1) < 1e-6, `sphere norm ${norm}`); // float32 sum of 34 squares
    const gaussianNorm = Math.hypot(...gaussian[i].flatMap((p) => [...p]));
    for (let k = 0; k < SHAPES.length; k++) {
      for (let j = 0; j < X[k].length; j++) {
        // The same ξ: adaptive is one float32 multiply of the Gaussian draw.
        assert.equal(
          adaptive[i][k][j],
          Math.fround(gaussian[i][k][j] * Math.fround(Math.abs(X[k][j]) + 0.01)),
        );
        assert.ok(Math.abs(sphere[i][k][j] - gaussian[i][k][j] / gaussianNorm) < 1e-6);
      }
    }
  }
  const cube = await drawOn("cpu", cubeMeasure(0.01));
  assert.ok(cube.flat().every((p) => p.every((v) => Math.abs(v) < 0.01)));
});

Deno.test("a measure without a recipe is sampled on the host from the point", async () => {
  const measure = pointMassMeasure([Array.from({ length: 34 }, (_, i) => i)]);
  assert.equal(measure.draw, undefined);
  const drawn = await drawOn("cpu", measure);
  assert.deepEqual(drawn[0].flatMap((p) => [...p]), Array.from({ length: 34 }, (_, i) => i));
});

Deno.test("universalSam with an adaptive measure: step() on cpu draws what drawStep draws", async () => {
  await initBackend("cpu");
  const w = tf.variable(tf.tensor1d([1, -2, 3]));
  const optimizer = universalSam({
    ...traceSpec(adaptiveMeasure(sphereMeasure(), 0.1)),
    rho: 0.01,
    lambda: 1,
    samples: 1,
    seed: 4,
  });
  const x = w.clone();
  await optimizer.step(() => tf.sum(tf.square(w)) as tf.Scalar, [w]);
  const [[expected]] = await runAsync(
    drawStep(optimizer.spec.measure, { seed: 4, step: 0, samples: 1 }, [x]),
  );
  assert.deepEqual(optimizer.lastPerturbations[0][0], expected.dataSync());
  tf.dispose([x, expected, w]);
  optimizer.dispose();
});

Deno.test("the host path: one sample call per sample, given the point, split over the variables", async () => {
  await initBackend("cpu");
  // A measure without a recipe whose i-th sample (1-based) is i times the point: δ_i = i x.
  let calls = 0;
  const measure: PerturbationMeasure = {
    name: "multiples",
    symmetric: false,
    sample(_rng, point, out) {
      calls++;
      for (let j = 0; j < out.length; j++) out[j] = point[j] * calls;
    },
  };
  const weights = [tf.tensor1d([1, -2]), tf.tensor([[3, 4, 5]])];
  const before = tf.memory().numTensors;
  const deltas = runSync(drawStep(measure, { seed: 1, step: 0, samples: 3 }, weights));
  assert.equal(calls, 3, "one sample call per sample");
  assert.equal(deltas.length, 3);
  deltas.forEach((sample, i) => {
    assert.deepEqual(sample.map((t) => t.shape), [[2], [1, 3]]);
    assert.deepEqual(sample.map((t) => Array.from(t.dataSync())), [
      [1 * (i + 1), -2 * (i + 1)],
      [3 * (i + 1), 4 * (i + 1), 5 * (i + 1)],
    ]);
  });
  assert.equal(tf.memory().numTensors, before + 6, "only the six drawn tensors are new");
  tf.dispose([...weights, ...deltas.flat()]);
});

Deno.test("an unknown recipe kind is refused with a TypeError showing the recipe", async () => {
  await initBackend("cpu");
  const x = [tf.zeros([2])];
  const before = tf.memory().numTensors;
  assert.throws(
    () => drawRecipe({ kind: "ring" } as never, { seed: 1, step: 0, sample: 0 }, x),
    (error: unknown) => {
      assert.ok(error instanceof TypeError, String(error));
      assert.equal(error.message, 'draw recipe: unknown kind {"kind":"ring"}');
      return true;
    },
  );
  assert.equal(tf.memory().numTensors, before);
  tf.dispose(x);
});
