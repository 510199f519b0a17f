import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { Random } from "../math/random.ts";
import { initBackend } from "../backends/init.ts";
import { nativeUnavailableReason } from "../backends/native.ts";
import { FusedBatchNormalization } from "./batch_norm.ts";
import { dnnlBatchNormCacheSize, setDnnlBatchNorm } from "../backends/native_dnnl_batch_norm.ts";

/** float32 unit roundoff. */
const U = 2 ** -24;

interface Case {
  shape: number[];
  x: number[];
  dy: number[];
  gamma: number[];
  beta: number[];
}

function randomCase(rng: Random, trial: number): Case {
  const rank = 2 + (trial % 3); // 2-D, 3-D and NHWC
  const shape = Array.from(
    { length: rank },
    (_, i) => (i === rank - 1 ? 1 + rng.integer(6) : 1 + rng.integer(7)),
  );
  if (shape[0] * (shape.length > 2 ? shape[1] : 1) === 1) shape[0] = 2; // at least two rows
  if (trial % 10 === 9) shape.splice(0, rank - 1, 16, ...Array(rank - 2).fill(8)); // m up to 1024
  const size = shape.reduce((p, d) => p * d, 1);
  const c = shape[rank - 1];
  // An offset mean per channel, so the statistics and the centring are both exercised.
  const x = Array.from({ length: size }, (_, i) => 3 * rng.gaussian() + (i % c) - 1);
  return {
    shape,
    x,
    dy: Array.from({ length: size }, () => rng.gaussian()),
    gamma: Array.from({ length: c }, () => 0.5 + rng.uniform()),
    beta: Array.from({ length: c }, () => rng.gaussian()),
  };
}

/** y, dx, dgamma, dbeta, moving mean and moving variance after one training pass. */
function run(layer: tfl.layers.Layer, k: Case): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.tensor(k.x, k.shape);
    const dy = tf.tensor(k.dy, k.shape);
    layer.build(k.shape);
    const [gammaVar, betaVar] = layer.trainableWeights.map((w) => w.read() as tf.Variable);
    gammaVar.assign(tf.tensor1d(k.gamma));
    betaVar.assign(tf.tensor1d(k.beta));
    const xVar = tf.variable(x);
    let y: tf.Tensor | undefined;
    const { grads } = tf.variableGrads(() => {
      const out = layer.apply(xVar, { training: true }) as tf.Tensor;
      y = tf.keep(out.clone());
      return tf.sum(tf.mul(out, dy)) as tf.Scalar;
    }, [xVar, gammaVar, betaVar]);
    const dx = grads[xVar.name], dgamma = grads[gammaVar.name], dbeta = grads[betaVar.name];
    xVar.dispose();
    const moving = layer.getWeights().slice(2);
    const values = [y!, dx, dgamma, dbeta, ...moving].map((t) => t.dataSync() as Float32Array);
    y!.dispose(); // kept past variableGrads' tidy
    return values;
  });
}

const NAMES = ["y", "dx", "dgamma", "dbeta", "moving_mean", "moving_variance"];

/**
 * Asserts `got` within the float32 bound of `expected` (tfjs-layers on cpu); returns the worst
 * error as a fraction of its bound. tfjs-layers reduces in float32 over the m elements of a
 * channel (and chains a few more roundings); a sum of m float32 terms is off by at most about m·u
 * times the sum of their magnitudes (Higham's γ_m bound), and every output here is a bounded
 * combination of such sums of O(1) terms, scaled by max|output|, plus a few roundings of the final
 * value: bound (8m + 16)·u·max(1, max|expected|).
 */
function assertClose(
  got: Float32Array[],
  expected: Float32Array[],
  k: Case,
  label: string,
): number {
  const m = k.x.length / k.shape[k.shape.length - 1];
  let worst = 0;
  got.forEach((g, i) => {
    const e = expected[i];
    const bound = (8 * m + 16) * U * Math.max(1, ...Array.from(e, Math.abs));
    for (let j = 0; j < e.length; j++) {
      const error = Math.abs(g[j] - e[j]);
      worst = Math.max(worst, error / bound);
      assert.ok(
        error <= bound,
        `${label} shape [${k.shape}] ${NAMES[i]}[${j}]: ${g[j]} vs ${e[j]} (bound ${bound})`,
      );
    }
  });
  return worst;
}

function layers(): [tfl.layers.Layer, tfl.layers.Layer] {
  const args = { axis: -1, momentum: 0.9, epsilon: 1e-5 };
  return [tfl.layers.batchNormalization(args), new FusedBatchNormalization(args)];
}

Deno.test("FusedBatchNormalization has tfjs-layers' weights, order, shapes and config", async () => {
  await initBackend("cpu");
  const [plain, fused] = layers();
  plain.build([2, 3, 3, 5]);
  fused.build([2, 3, 3, 5]);
  const describe = (l: tfl.layers.Layer) =>
    l.weights.map((w) => [w.originalName.split("/").pop(), w.shape, w.trainable]);
  assert.deepEqual(describe(fused), describe(plain));
  assert.deepEqual(describe(fused).map((d) => d[0]), [
    "gamma",
    "beta",
    "moving_mean",
    "moving_variance",
  ]);
  const { name: _a, ...plainConfig } = plain.getConfig();
  const { name: _b, ...fusedConfig } = fused.getConfig();
  assert.deepEqual(fusedConfig, plainConfig);
  assert.equal(fused.getClassName(), "FusedBatchNormalization");
  // Registered for serialization: a model round-trips through its JSON.
  const model = tfl.sequential({
    layers: [new FusedBatchNormalization({ inputShape: [4], epsilon: 1e-5 })],
  });
  const back = await tfl.models.modelFromJSON(JSON.parse(model.toJSON() as string));
  assert.equal(back.layers[0].getClassName(), "FusedBatchNormalization");
  tf.dispose([plain.weights.map((w) => w.read()), fused.weights.map((w) => w.read())]);
  model.dispose();
  back.dispose();
});

Deno.test("FusedBatchNormalization agrees with tfjs-layers on cpu: forward, gradients, moving statistics", async () => {
  await initBackend("cpu");
  const rng = new Random(9);
  let worst = 0;
  for (let trial = 0; trial < 30; trial++) {
    const k = randomCase(rng, trial);
    const [plain, fused] = layers();
    const before = tf.memory().numTensors;
    const expected = run(plain, k);
    const got = run(fused, k);
    assert.equal(tf.memory().numTensors, before + 8, `trial ${trial}: tensors leaked`);
    worst = Math.max(worst, assertClose(got, expected, k, `trial ${trial}`));
    tf.dispose([plain.weights.map((w) => w.read()), fused.weights.map((w) => w.read())]);
  }
  console.log(`worst error / bound: ${worst.toFixed(4)}`);
});

Deno.test("FusedBatchNormalization in inference uses the moving statistics, as tfjs-layers", async () => {
  await initBackend("cpu");
  const [plain, fused] = layers();
  const x = tf.randomNormal([3, 2, 2, 4], 0, 1, "float32", 5);
  for (const l of [plain, fused]) {
    l.build(x.shape);
    l.setWeights([
      tf.tensor1d([1, 2, 3, 4]),
      tf.tensor1d([0, 1, 0, 1]),
      tf.tensor1d([0.5, 0, 0, 1]),
      tf.tensor1d([2, 1, 3, 1]),
    ]);
  }
  const a = (plain.apply(x) as tf.Tensor).dataSync();
  const b = (fused.apply(x, { training: false }) as tf.Tensor).dataSync();
  // The same inherited code path: exactly equal.
  assert.deepEqual(Array.from(b), Array.from(a));
});

Deno.test("FusedBatchNormalization on wasm equals cpu bit for bit and repeats its bits", async () => {
  const rng = new Random(17);
  for (let trial = 0; trial < 12; trial++) {
    const k = randomCase(rng, trial);
    await initBackend("cpu");
    const cpu = run(layers()[1], k);
    await initBackend("wasm");
    assert.ok(tf.getKernel("UsamBatchNormTrain", "wasm"), "no fused kernel on wasm");
    const first = run(layers()[1], k);
    const second = run(layers()[1], k);
    // The same float64 loops in the same order on the same float32 inputs: identical bits.
    first.forEach((f, i) => {
      assert.deepEqual(Array.from(f), Array.from(second[i]), `trial ${trial} ${NAMES[i]} repeat`);
      assert.deepEqual(Array.from(f), Array.from(cpu[i]), `trial ${trial} ${NAMES[i]} vs cpu`);
    });
  }
});

Deno.test({
  name:
    "FusedBatchNormalization on native (oneDNN) agrees with tfjs-layers on cpu, repeats its bits",
  ignore: nativeUnavailableReason() !== undefined,
  fn: async () => {
    const rng = new Random(23);
    let worst = 0;
    const previous = setDnnlBatchNorm(true); // the default; set again so the test holds whatever ran before
    try {
      for (let trial = 0; trial < 24; trial++) {
        // NHWC cases (rank 4 goes to oneDNN; the others to the JavaScript kernels), one large.
        const k = randomCase(rng, 3 * trial + 2);
        await initBackend("cpu");
        const reference = run(layers()[0], k);
        await initBackend("native");
        const first = run(layers()[1], k);
        const second = run(layers()[1], k);
        first.forEach((f, i) => {
          assert.deepEqual(
            Array.from(f),
            Array.from(second[i]),
            `trial ${trial} ${NAMES[i]} repeat`,
          );
        });
        worst = Math.max(worst, assertClose(first, reference, k, `native trial ${trial}`));
      }
    } finally {
      setDnnlBatchNorm(previous);
    }
    assert.ok(dnnlBatchNormCacheSize() > 0, "oneDNN's batch norm never ran");
    console.log(`native: worst error / bound ${worst.toFixed(4)}`);
  },
});

Deno.test("batchNormTrain rejects bad input with the parameter named", async () => {
  await initBackend("cpu");
  const { batchNormTrain } = await import("../backends/batch_norm_train.ts");
  const x = tf.zeros([2, 3]);
  assert.throws(() => batchNormTrain(x, tf.ones([3]), tf.zeros([2]), 1e-5), /offset.*\[2\]/);
  assert.throws(() => batchNormTrain(x, tf.ones([3]), tf.zeros([3]), -1), /epsilon.*-1/);
  tf.disposeVariables();
});
