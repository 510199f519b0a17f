import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { Random } from "../math/random.ts";
import { initBackend } from "../backends/init.ts";
import { nativeUnavailableReason } from "../backends/native.ts";
import { FusedBatchNormalization } from "./batch_norm.ts";

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
    const m = k.x.length / k.shape[k.shape.length - 1];
    got.forEach((g, i) => {
      const e = expected[i];
      // tfjs-layers reduces in float32 over the m elements of a channel (and chains a few more
      // roundings); a sum of m float32 terms is off by at most about m·u times the sum of their
      // magnitudes (Higham's γ_m bound), and every output here is a bounded combination of such
      // sums of O(1) terms, scaled by max|output|, plus a few roundings of the final value.
      const scale = Math.max(1, ...Array.from(e, Math.abs));
      const bound = (8 * m + 16) * U * scale;
      for (let j = 0; j < e.length; j++) {
        const error = Math.abs(g[j] - e[j]);
        worst = Math.max(worst, error / ((8 * m + 16) * U * scale));
        assert.ok(
          error <= bound,
          `trial ${trial} shape [${k.shape}] ${NAMES[i]}[${j}]: ${g[j]} vs ${
            e[j]
          } (bound ${bound})`,
        );
      }
    });
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

for (const backend of ["wasm", "native"] as const) {
  Deno.test({
    name: `FusedBatchNormalization on ${backend} equals cpu bit for bit and repeats its bits`,
    ignore: backend === "native" && nativeUnavailableReason() !== undefined,
    fn: async () => {
      const rng = new Random(17);
      for (let trial = 0; trial < 12; trial++) {
        const k = randomCase(rng, trial);
        await initBackend("cpu");
        const cpu = run(layers()[1], k);
        await initBackend(backend);
        assert.ok(tf.getKernel("UsamBatchNormTrain", backend), `no fused kernel on ${backend}`);
        const first = run(layers()[1], k);
        const second = run(layers()[1], k);
        // The same float64 loops in the same order on the same float32 inputs: identical bits.
        // (The gradient's loss is a sum on each backend; only dx..dbeta depend on it through dy,
        // which is an input here, so nothing backend-specific enters the compared values.)
        first.forEach((f, i) => {
          assert.deepEqual(
            Array.from(f),
            Array.from(second[i]),
            `trial ${trial} ${NAMES[i]} repeat`,
          );
          assert.deepEqual(Array.from(f), Array.from(cpu[i]), `trial ${trial} ${NAMES[i]} vs cpu`);
        });
      }
    },
  });
}

Deno.test("batchNormTrain rejects bad input with the parameter named", async () => {
  await initBackend("cpu");
  const { batchNormTrain } = await import("../backends/batch_norm_train.ts");
  const x = tf.zeros([2, 3]);
  assert.throws(() => batchNormTrain(x, tf.ones([3]), tf.zeros([2]), 1e-5), /offset.*\[2\]/);
  assert.throws(() => batchNormTrain(x, tf.ones([3]), tf.zeros([3]), -1), /epsilon.*-1/);
  tf.disposeVariables();
});
