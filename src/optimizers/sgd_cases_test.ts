/**
 * `SgdOptimizer` details the torch comparison in plain_cases_test.ts does not reach (issue 14:
 * mutants of sgd.ts and plain_step.ts that survived it): the fused `UsamSgdUpdate` path of the
 * native backend, the state it keeps (no buffer without momentum, buffers not trainable, none
 * leaked), the default `returnCost`, the owner in error messages, weight decay 0 adding no term,
 * and a variable the loss does not reach. Expected weights are derived by hand from the update in
 * sgd.ts's module note on ½‖x‖² from x = (1, −2), so the gradient is x (the same cases
 * plain_cases_test.ts checks against torch.optim.SGD); TF.js computes in float32, and 1e-6
 * relative covers two steps of rounding on values of order 1.
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { MathBackendCPU } from "@tensorflow/tfjs-backend-cpu";
import { initBackend } from "../backends/init.ts";
import { nativeUnavailableReason } from "../backends/native.ts";
import { NonFiniteError, sgd, type SgdOptimizer } from "./mod.ts";

const unavailable = nativeUnavailableReason();
if (unavailable !== undefined) console.warn(`native SGD cases skipped: ${unavailable}`);

const loss = (x: tf.Variable) => () => tf.mul(tf.sum(tf.square(x)), 0.5) as tf.Scalar;

/** Two steps of `optimizer` from (1, −2); the weights after each. */
function twoSteps(optimizer: SgdOptimizer): number[][] {
  const start = tf.tensor1d([1, -2]);
  const x = tf.variable(start, true, `sgd-cases-${crypto.randomUUID()}`);
  try {
    const after: number[][] = [];
    for (let i = 0; i < 2; i++) {
      // returnCost left to its default: no cost tensor comes back.
      assert.equal(optimizer.minimize(loss(x), undefined, [x]), null);
      after.push(Array.from(x.dataSync()));
    }
    return after;
  } finally {
    tf.dispose([start, x]);
  }
}

/**
 * The hand-derived cases. Plain: x ← x − 0.1·x = 0.9x, then 0.81x. Momentum 0.5, dampening 0.5,
 * decay 0.1: v = 1.1x, buf = v (first step), x = 0.89x; then v = 1.1·0.89x = 0.979x,
 * buf = 0.5·1.1x + 0.5·0.979x = 1.0395x, x = 0.89x − 0.10395x = 0.78605x. Nesterov, momentum
 * 0.5: buf = x, v = x + 0.5x, x = 0.85x; then buf = 0.5x + 0.85x = 1.35x,
 * v = 0.85x + 0.675x = 1.525x, x = 0.85x − 0.1525x = 0.6975x.
 */
const CASES: [Parameters<typeof sgd>[0], number[]][] = [
  [{ lr: 0.1, momentum: 0, weightDecay: 0 }, [0.9, 0.81]],
  [{ lr: 0.1, momentum: 0.5, dampening: 0.5, weightDecay: 0.1 }, [0.89, 0.78605]],
  [{ lr: 0.1, momentum: 0.5, weightDecay: 0, nesterov: true }, [0.85, 0.6975]],
];

async function checkCases(backend: "cpu" | "native") {
  await initBackend(backend);
  // A warm-up step: the first step on a backend may keep tensors of its own (kernel constants).
  const warm = sgd(CASES[1][0]);
  twoSteps(warm);
  warm.dispose();
  for (const [options, factors] of CASES) {
    const before = tf.memory().numTensors;
    const optimizer = sgd(options);
    const after = twoSteps(optimizer);
    factors.forEach((factor, i) =>
      [1, -2].forEach((x0, j) => {
        const expected = factor * x0;
        assert.ok(
          Math.abs(after[i][j] - expected) <= 1e-6 * Math.abs(expected),
          `${backend} ${JSON.stringify(options)} step ${i + 1}[${j}]: ${
            after[i][j]
          } vs ${expected}`,
        );
      })
    );
    // The state: the iteration count, and a momentum buffer only with momentum, not trainable.
    const weights = await optimizer.getWeights();
    assert.equal(weights.length, options!.momentum === 0 ? 1 : 2, `${backend} state`);
    for (const { tensor } of weights.slice(1)) {
      assert.equal((tensor as tf.Variable).trainable, false, `${backend} buffer trainable`);
    }
    weights[0].tensor.dispose(); // getWeights' iteration count is a fresh tensor
    // dispose frees every buffer: none was left behind by a step (the second step updates the
    // first step's buffer in place).
    optimizer.dispose();
    assert.equal(tf.memory().numTensors, before, `${backend} ${JSON.stringify(options)} tensors`);
  }
}

Deno.test("sgd on cpu: hand-derived weights, state only with momentum, nothing leaked", async () => {
  await checkCases("cpu");
});

Deno.test({
  name: "sgd on native (fused UsamSgdUpdate): the same weights, state and tensor count",
  ignore: unavailable !== undefined,
  fn: async () => {
    await checkCases("native");
  },
});

Deno.test("sgd: restored momentum buffers are not trainable; errors name sgd", async () => {
  await initBackend("cpu");
  const name = `sgd-cases-${crypto.randomUUID()}`;
  const optimizer = sgd({ momentum: 0.5 });
  await optimizer.setWeights([
    { name: "iter", tensor: tf.scalar(3, "int32") },
    { name: `${name}/momentum`, tensor: tf.tensor1d([1, 2]) },
  ]);
  const [, restored] = await optimizer.getWeights();
  assert.equal((restored.tensor as tf.Variable).trainable, false);
  optimizer.dispose();

  // A non-finite loss: refused before the update, naming the optimizer and the step.
  const x = tf.variable(tf.tensor1d([1, 2]), true, name);
  const plain = sgd({ momentum: 0 });
  assert.throws(
    () => plain.minimize(() => tf.div(tf.sum(x), 0) as tf.Scalar, false, [x]),
    (e: unknown) =>
      e instanceof NonFiniteError &&
      e.message === "sgd: non-finite loss at step 0: Infinity (clean pass)",
  );
  assert.deepEqual(Array.from(x.dataSync()), [1, 2]);
  // A gradient for a variable that does not exist.
  assert.throws(
    () => plain.applyGradients({ "sgd-cases-missing": tf.scalar(1) }),
    (e: unknown) =>
      e instanceof RangeError &&
      e.message === 'sgd: no registered variable named "sgd-cases-missing" to apply a gradient to',
  );
  plain.dispose();
  x.dispose();
});

Deno.test("sgd: weight decay 0 adds no decay term (an infinite weight stays infinite, not NaN)", async () => {
  // torch.optim.SGD skips `g + wd·x` when wd = 0; computing it anyway gives 0·∞ = NaN.
  await initBackend("cpu");
  const x = tf.variable(tf.tensor1d([Infinity, 1]), true, `sgd-cases-${crypto.randomUUID()}`);
  const optimizer = sgd({ lr: 0.5, momentum: 0, weightDecay: 0 });
  optimizer.applyGradients({ [x.name]: tf.tensor1d([1, 2]) });
  assert.deepEqual(Array.from(x.dataSync()), [Infinity, 0]); // 1 − 0.5·2 = 0
  optimizer.dispose();
  x.dispose();
});

Deno.test("a variable the loss does not reach is neither updated nor checked", async () => {
  await initBackend("cpu");
  const x = tf.variable(tf.tensor1d([1, -2]), true, `sgd-cases-${crypto.randomUUID()}`);
  const frozen = tf.variable(tf.tensor1d([NaN]), true, `sgd-cases-${crypto.randomUUID()}`);
  const optimizer = sgd({ lr: 0.1, momentum: 0, weightDecay: 0 });
  // The NaN in `frozen` is none of this step's business: no gradient reaches it.
  const cost = optimizer.minimize(loss(x), true, [x, frozen])!;
  assert.equal(cost.dataSync()[0], 2.5);
  assert.deepEqual(Array.from(x.dataSync()).map((v) => Math.round(v * 1e6) / 1e6), [0.9, -1.8]);
  assert.ok(Number.isNaN(frozen.dataSync()[0]));
  tf.dispose([cost, x, frozen]);
  optimizer.dispose();
});

Deno.test("sgd without synchronous reads: minimize refuses before any work, naming sgd; step works", async () => {
  // A cpu backend registered as "webgpu", which under Deno (no 2D canvas) reads asynchronously
  // (the pattern of perturbed_test.ts); the cpu kernels are registered under its name meanwhile.
  await initBackend("cpu");
  tf.registerBackend("webgpu", () => new MathBackendCPU(), 0);
  const kernels = tf.getKernelsForBackend("cpu").map((k) => ({ ...k, backendName: "webgpu" }));
  for (const kernel of kernels) tf.registerKernel(kernel);
  try {
    await tf.setBackend("webgpu");
    const x = tf.variable(tf.tensor1d([1, -2]), true, `sgd-cases-${crypto.randomUUID()}`);
    const optimizer = sgd({ lr: 0.1, momentum: 0, weightDecay: 0 });
    assert.throws(
      () => optimizer.minimize(loss(x), false, [x]),
      (e: unknown) =>
        e instanceof Error &&
        e.message ===
          "sgd: minimize() reads values synchronously, which the webgpu backend does not " +
            "support here; use `await optimizer.step(f)` instead",
    );
    assert.deepEqual(Array.from(await x.data()), [1, -2]);
    assert.equal(optimizer.iterations, 0);
    assert.equal(await optimizer.step(loss(x), [x]), 2.5);
    assert.deepEqual(Array.from(await x.data()).map((v) => Math.round(v * 1e6) / 1e6), [0.9, -1.8]);
    optimizer.dispose();
    x.dispose();
  } finally {
    await tf.setBackend("cpu");
    for (const kernel of kernels) tf.unregisterKernel(kernel.kernelName, "webgpu");
    tf.removeBackend("webgpu");
  }
});

Deno.test("sgd: a non-number or non-boolean hyperparameter is described by its type tag", () => {
  assert.throws(
    () => sgd({ lr: [0.1] as unknown as number }),
    (e: unknown) =>
      e instanceof TypeError && e.message === "sgd: lr must be a number, got [object Array]",
  );
  assert.throws(
    () => sgd({ nesterov: {} as unknown as boolean }),
    (e: unknown) =>
      e instanceof TypeError &&
      e.message === "sgd: nesterov must be a boolean, got [object Object]",
  );
});
