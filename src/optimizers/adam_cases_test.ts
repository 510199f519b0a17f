/**
 * `AdamOptimizer` details the torch comparison in plain_cases_test.ts does not reach (issue 14:
 * the adam.ts counterparts of sgd_cases_test.ts): the fused `UsamAdamUpdate` path of the native
 * backend against the same torch.optim.Adam values, moments that are not trainable (made or
 * restored) and not leaked, the default `returnCost`, the owner in error messages, and weight
 * decay 0 adding no term. Expected weights: PyTorch 2.x (Debian python3-torch, Float64),
 * `torch.optim.Adam(lr=0.1, betas=(0.5, 0.75), eps=1e-3, weight_decay=0.1)`, two steps on ½‖x‖²
 * from x = (1, −2) (the values plain_cases_test.ts checks on cpu); TF.js computes in float32, and
 * 1e-6 relative covers two steps of rounding on values of order 1.
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { MathBackendCPU } from "@tensorflow/tfjs-backend-cpu";
import { initBackend } from "../backends/init.ts";
import { nativeUnavailableReason } from "../backends/native.ts";
import { adam, NonFiniteError } from "./mod.ts";

const unavailable = nativeUnavailableReason();
if (unavailable !== undefined) console.warn(`native Adam cases skipped: ${unavailable}`);

const loss = (x: tf.Variable) => () => tf.mul(tf.sum(tf.square(x)), 0.5) as tf.Scalar;
const OPTIONS = { lr: 0.1, beta1: 0.5, beta2: 0.75, epsilon: 1e-3, weightDecay: 0.1 };
const TORCH = [
  [0.9000908265213442, -1.9000454338936847],
  [0.8013308503024053, -1.8006141449990656],
];

async function checkCases(backend: "cpu" | "native") {
  await initBackend(backend);
  for (let round = 0; round < 2; round++) {
    // Round 0 warms the backend up (its first step may keep kernel constants); round 1 counts.
    const before = tf.memory().numTensors;
    const start = tf.tensor1d([1, -2]);
    const x = tf.variable(start, true, `adam-cases-${crypto.randomUUID()}`);
    const optimizer = adam(OPTIONS);
    for (let i = 0; i < 2; i++) {
      // returnCost left to its default: no cost tensor comes back.
      assert.equal(optimizer.minimize(loss(x), undefined, [x]), null);
      Array.from(x.dataSync()).forEach((v, j) => {
        const e = TORCH[i][j];
        assert.ok(
          Math.abs(v - e) <= 1e-6 * Math.abs(e),
          `${backend} step ${i + 1}[${j}]: ${v} vs ${e}`,
        );
      });
    }
    const weights = await optimizer.getWeights();
    assert.deepEqual(weights.slice(1).map((w) => w.name), [`${x.name}/m`, `${x.name}/v`]);
    for (const { tensor } of weights.slice(1)) {
      assert.equal((tensor as tf.Variable).trainable, false, `${backend} moment trainable`);
    }
    weights[0].tensor.dispose(); // getWeights' iteration count is a fresh tensor
    optimizer.dispose();
    tf.dispose([start, x]);
    if (round === 1) assert.equal(tf.memory().numTensors, before, `${backend} tensors`);
  }
}

Deno.test("adam on cpu: torch's weights, moments not trainable, nothing leaked", async () => {
  await checkCases("cpu");
});

Deno.test({
  name: "adam on native (fused UsamAdamUpdate): torch's weights, moments, tensor count",
  ignore: unavailable !== undefined,
  fn: async () => {
    await checkCases("native");
  },
});

Deno.test("adam: restored moments are not trainable; errors name adam", async () => {
  await initBackend("cpu");
  const name = `adam-cases-${crypto.randomUUID()}`;
  const restoring = adam();
  await restoring.setWeights([
    { name: "iter", tensor: tf.scalar(3, "int32") },
    { name: `${name}/m`, tensor: tf.tensor1d([1, 2]) },
    { name: `${name}/v`, tensor: tf.tensor1d([3, 4]) },
  ]);
  const [iter, ...moments] = await restoring.getWeights();
  assert.deepEqual(moments.map((w) => (w.tensor as tf.Variable).trainable), [false, false]);
  iter.tensor.dispose();
  restoring.dispose();

  const x = tf.variable(tf.tensor1d([1, 2]), true, name);
  const optimizer = adam({ weightDecay: 0 });
  assert.throws(
    () => optimizer.minimize(() => tf.div(tf.sum(x), 0) as tf.Scalar, false, [x]),
    (e: unknown) =>
      e instanceof NonFiniteError &&
      e.message === "adam: non-finite loss at step 0: Infinity (clean pass)",
  );
  assert.deepEqual(Array.from(x.dataSync()), [1, 2]);
  assert.throws(
    () => optimizer.applyGradients({ "adam-cases-missing": tf.scalar(1) }),
    (e: unknown) =>
      e instanceof RangeError &&
      e.message ===
        'adam: no registered variable named "adam-cases-missing" to apply a gradient to',
  );
  optimizer.dispose();
  x.dispose();
});

Deno.test("adam: weight decay 0 adds no decay term (an infinite weight stays infinite, not NaN)", async () => {
  // torch.optim.Adam skips `g + wd·x` when wd = 0; computing it anyway gives 0·∞ = NaN.
  await initBackend("cpu");
  const x = tf.variable(tf.tensor1d([Infinity, 1]), true, `adam-cases-${crypto.randomUUID()}`);
  const optimizer = adam({ lr: 0.1, weightDecay: 0 });
  optimizer.applyGradients({ [x.name]: tf.tensor1d([1, 2]) });
  const [inf, moved] = Array.from(x.dataSync());
  assert.equal(inf, Infinity);
  // The first Adam step moves by lr·g/(|g| + ε·…) ≈ lr: 1 → 0.9 (ε = 1e-8 is far below 1e-6).
  assert.ok(Math.abs(moved - 0.9) < 1e-6, `${moved}`);
  optimizer.dispose();
  x.dispose();
});

Deno.test("adam without synchronous reads: minimize refuses before any work, naming adam", async () => {
  // A cpu backend registered as "webgpu" (the pattern of perturbed_test.ts).
  await initBackend("cpu");
  tf.registerBackend("webgpu", () => new MathBackendCPU(), 0);
  const kernels = tf.getKernelsForBackend("cpu").map((k) => ({ ...k, backendName: "webgpu" }));
  for (const kernel of kernels) tf.registerKernel(kernel);
  try {
    await tf.setBackend("webgpu");
    const x = tf.variable(tf.tensor1d([1, -2]), true, `adam-cases-${crypto.randomUUID()}`);
    const optimizer = adam();
    assert.throws(
      () => optimizer.minimize(loss(x), false, [x]),
      (e: unknown) =>
        e instanceof Error &&
        e.message ===
          "adam: minimize() reads values synchronously, which the webgpu backend does not " +
            "support here; use `await optimizer.step(f)` instead",
    );
    assert.deepEqual(Array.from(await x.data()), [1, -2]);
    assert.equal(await optimizer.step(loss(x), [x]), 2.5);
    optimizer.dispose();
    x.dispose();
  } finally {
    await tf.setBackend("cpu");
    for (const kernel of kernels) tf.unregisterKernel(kernel.kernelName, "webgpu");
    tf.removeBackend("webgpu");
  }
});

Deno.test("adam: lr 0 refused; setWeights refuses a lone v and names that only look like moments", async () => {
  assert.throws(
    () => adam({ lr: 0 }),
    (e: unknown) =>
      e instanceof RangeError && e.message === "adam: lr must be a finite number > 0, got 0",
  );
  await initBackend("cpu");
  const iter = () => ({ name: "iter", tensor: tf.scalar(0, "int32") });
  const optimizer = adam();
  await assert.rejects(
    () => optimizer.setWeights([iter(), { name: "w/v", tensor: tf.tensor1d([1]) }]),
    (e: unknown) =>
      e instanceof RangeError && e.message === 'adam: setWeights needs both moments of "w"',
  );
  // "/m" must end the name: "w/mv" is no moment of "w".
  await assert.rejects(
    () => optimizer.setWeights([iter(), { name: "w/mv", tensor: tf.tensor1d([1]) }]),
    (e: unknown) =>
      e instanceof RangeError && e.message === 'adam: setWeights got an unknown weight "w/mv"',
  );
  optimizer.dispose();
});
