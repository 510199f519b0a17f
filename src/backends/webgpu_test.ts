import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "./init.ts";
import { probeWebGpuAdapter } from "./webgpu.ts";

const probe = await probeWebGpuAdapter();
const ignore = !probe.available;
if (ignore) console.warn(`webgpu tests skipped: no WebGPU adapter (${probe.description})`);

/** Unit roundoff of float32 (WGSL f32). */
const U = 2 ** -24;
/** Higham: a float32 sum of n products in any order is within γ_n Σ|products| of the exact sum. */
const gamma = (n: number) => (n * U) / (1 - n * U);

// WebGPU devices and their buffers outlive a single test by design (TF.js keeps one device).
const webgpuTest = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, ignore, sanitizeResources: false, sanitizeOps: false, fn });

/**
 * Runs `compute` on cpu and on webgpu and reads the tensors it returns. Reads are asynchronous:
 * the webgpu backend's synchronous read needs a canvas, which Deno does not have.
 */
async function onBoth(
  compute: () => tf.Tensor[],
): Promise<{ cpu: Float32Array[]; webgpu: Float32Array[] }> {
  const run = async (backend: "cpu" | "webgpu") => {
    await initBackend(backend);
    const tensors = compute();
    const values = await Promise.all(tensors.map((t) => t.data() as Promise<Float32Array>));
    tf.dispose(tensors);
    return values;
  };
  return { cpu: await run("cpu"), webgpu: await run("webgpu") };
}

function seeded(n: number, seed: number): Float32Array {
  // A cheap deterministic fill: values in [-1, 1).
  const out = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    out[i] = s / 2 ** 30 - 1;
  }
  return out;
}

webgpuTest("webgpu runs on Deno's adapter and names it", async () => {
  const choice = await initBackend("webgpu");
  assert.equal(choice.backend, "webgpu");
  assert.equal(tf.getBackend(), "webgpu");
  assert.equal(choice.adapter, probe.description);
  assert.match(choice.description, probe.isFallback ? /software fallback/ : /hardware/);
});

webgpuTest("webgpu matmul (plain and transposed) agrees with cpu within 2γ_k Σ|ab|", async () => {
  const a = seeded(9 * 33, 1);
  const b = seeded(33 * 7, 2);
  const { cpu, webgpu } = await onBoth(() =>
    [false, true].map((transposeB) =>
      tf.tidy(() => {
        const bTensor = transposeB
          ? tf.transpose(tf.tensor2d(b, [33, 7]))
          : tf.tensor2d(b, [33, 7]);
        return tf.matMul(tf.tensor2d(a, [9, 33]), bTensor, false, transposeB);
      })
    )
  );
  // Σ|a||b| ≤ 33 here since |a|, |b| ≤ 1; each backend is within γ_33 · 33 of the exact value.
  const bound = 2 * gamma(33) * 33;
  for (const [index, values] of webgpu.entries()) {
    for (let i = 0; i < values.length; i++) {
      assert.ok(
        Math.abs(values[i] - cpu[index][i]) <= bound,
        `entry ${i}: ${values[i]} vs ${cpu[index][i]}`,
      );
    }
  }
});

webgpuTest("webgpu conv2d and its gradients agree with cpu", async () => {
  const x = seeded(2 * 6 * 6 * 3, 3);
  const w = seeded(3 * 3 * 3 * 4, 4);
  const { cpu, webgpu } = await onBoth(() =>
    tf.tidy(() => {
      const f = (xT: tf.Tensor, wT: tf.Tensor) =>
        tf.sum(tf.square(tf.conv2d(xT as tf.Tensor4D, wT as tf.Tensor4D, 2, "same")));
      const y = tf.conv2d(tf.tensor4d(x, [2, 6, 6, 3]), tf.tensor4d(w, [3, 3, 3, 4]), 2, "same");
      const [dx, dW] = tf.grads(f)([tf.tensor4d(x, [2, 6, 6, 3]), tf.tensor4d(w, [3, 3, 3, 4])]);
      return [y, dx, dW];
    })
  );
  // Outputs sum 27 products of magnitude ≤ 1 (|y| ≤ 27). Gradients sum ≤ 36 (dx) or 18 (dW)
  // products involving 2y, whose own error propagates too: γ_n with n = 27 · (terms), times the
  // largest possible Σ|terms|, is a valid if loose bound per backend; twice it between backends.
  const bounds = [
    2 * gamma(27) * 27,
    2 * gamma(36 * 27) * 36 * 27 * 2,
    2 * gamma(18 * 27) * 18 * 27 * 2 * 6,
  ];
  for (let t = 0; t < 3; t++) {
    for (let i = 0; i < cpu[t].length; i++) {
      assert.ok(
        Math.abs(webgpu[t][i] - cpu[t][i]) <= bounds[t],
        `tensor ${t} entry ${i}: ${webgpu[t][i]} vs ${cpu[t][i]}`,
      );
    }
  }
});

webgpuTest("one SGD step of a small MLP on webgpu matches cpu", async () => {
  const x = seeded(8 * 5, 5);
  const w1 = seeded(5 * 6, 6);
  const w2 = seeded(6 * 3, 7);
  const labels = new Float32Array(8 * 3);
  [0, 1, 2, 0, 1, 2, 0, 1].forEach((label, row) => labels[row * 3 + label] = 1);
  const { cpu, webgpu } = await onBoth(() => {
    const v1 = tf.variable(tf.tensor2d(w1, [5, 6]));
    const v2 = tf.variable(tf.tensor2d(w2, [6, 3]));
    const optimizer = tf.train.sgd(0.5);
    const xs = tf.tensor2d(x, [8, 5]);
    const ys = tf.tensor2d(labels, [8, 3]);
    optimizer.minimize(() =>
      tf.losses.softmaxCrossEntropy(ys, tf.matMul(tf.relu(tf.matMul(xs, v1)), v2)) as tf.Scalar
    );
    const result = [v1.clone(), v2.clone()];
    tf.dispose([v1, v2, xs, ys]);
    optimizer.dispose();
    return result;
  });
  // One step changes weights by lr·gradient with gradients O(1); float32 differences between
  // backends are ~1e-7 per op over ~10 ops: 1e-5 absolute is two orders of margin, and a wrong
  // gradient (a change of order lr·|g| ≈ 0.1) fails.
  for (let t = 0; t < 2; t++) {
    for (let i = 0; i < cpu[t].length; i++) {
      assert.ok(
        Math.abs(webgpu[t][i] - cpu[t][i]) <= 1e-5,
        `weight ${t}[${i}]: ${webgpu[t][i]} vs ${cpu[t][i]}`,
      );
    }
    assert.ok(cpu[t].some((v, i) => v !== [w1, w2][t][i]), "the step changed the weights");
  }
});

webgpuTest("webgpu addN sums any number of tensors (TF.js's kernel binds at most 7)", async () => {
  await initBackend("webgpu");
  for (const n of [2, 7, 8, 9, 14, 50]) {
    const before = tf.memory().numTensors;
    const terms = Array.from({ length: n }, (_, i) => tf.fill([3, 5], i + 1));
    const sum = tf.addN(terms);
    // Small integers: every partial sum is exact in float32, so the result must be exact.
    assert.deepEqual(Array.from(await sum.data()), new Array(15).fill(n * (n + 1) / 2), `n = ${n}`);
    tf.dispose([...terms, sum]);
    assert.equal(tf.memory().numTensors, before, `n = ${n}: tensors leaked`);
  }
});
