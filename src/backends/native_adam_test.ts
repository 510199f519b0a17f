import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { Random } from "../math/random.ts";
import { AdamOptimizer, type AdamOptions } from "../optimizers/adam.ts";
import { initBackend } from "./init.ts";
import { nativeUnavailableReason } from "./native.ts";
import { ADAM_UPDATE_KERNEL, setFusedAdam } from "./native_adam.ts";

const unavailable = nativeUnavailableReason();
/** Skipped, saying why, where the native libraries are not installed; `.ci/run` installs them. */
const ignore = unavailable !== undefined;
if (ignore) console.warn(`native Adam tests skipped: ${unavailable}`);

/** Weights and gradients with the awkward float32 values too: ±0, subnormals, huge, tiny. */
function values(rng: Random, n: number): Float32Array {
  const out = rng.fillGaussian(new Float32Array(n));
  const special = [0, -0, 1e-40, -3e-39, 1e18, -1e-30, 1e-20, 65504];
  for (let i = 0; i < special.length && i < n; i++) out[(i * 7) % n] = special[i];
  return out;
}

/** Three updates of two variables; returns the bits of the weights and both moments. */
async function threeUpdates(
  backend: "cpu" | "native",
  options: AdamOptions,
  fused: boolean,
): Promise<Uint32Array[]> {
  await initBackend(backend);
  const previous = setFusedAdam(fused);
  try {
    const rng = new Random(17);
    const shapes = [[5, 7], [13]];
    const vars = shapes.map((s, k) =>
      tf.variable(tf.tensor(values(rng, s[0] * (s[1] ?? 1)), s), true, `fused-adam-${backend}-${k}`)
    );
    const grads = shapes.map((s) => values(rng, s[0] * (s[1] ?? 1)));
    const optimizer = new AdamOptimizer(options);
    for (let step = 0; step < 3; step++) {
      const named = vars.map((v, k) => ({
        name: v.name,
        tensor: tf.tensor(grads[k].map((g) => g * (step - 1)), v.shape),
      }));
      optimizer.applyGradients(named);
      tf.dispose(named.map((n) => n.tensor));
    }
    const weights = await optimizer.getWeights();
    const out = [
      ...vars.map((v) => v.dataSync() as Float32Array),
      ...weights.slice(1).map((w) => w.tensor.dataSync() as Float32Array),
    ].map((a) => Uint32Array.from(new Uint32Array(Float32Array.from(a).buffer)));
    tf.dispose(weights.map((w) => w.tensor));
    optimizer.dispose();
    tf.dispose(vars);
    return out;
  } finally {
    setFusedAdam(previous);
  }
}

const SETTINGS: AdamOptions[] = [
  {},
  { lr: 0.01, weightDecay: 5e-4 },
  { lr: 0.3, beta1: 0.5, beta2: 0.9, epsilon: 1e-3 },
  { lr: 1e-4, beta1: 0, beta2: 0.99999, epsilon: 1e-12, weightDecay: 0.1 },
];

Deno.test({
  name: "UsamAdamUpdate: registered on native, and the fused update is the op chain bit for bit",
  ignore,
  async fn() {
    await initBackend("native");
    assert.ok(tf.getKernel(ADAM_UPDATE_KERNEL, "native") !== undefined);
    for (const options of SETTINGS) {
      const fused = await threeUpdates("native", options, true);
      const chain = await threeUpdates("native", options, false);
      const cpu = await threeUpdates("cpu", options, true); // cpu has no kernel: the op chain
      assert.equal(fused.length, 6);
      for (let k = 0; k < fused.length; k++) {
        // Exact: the same float32 operations in the same order (native_adam.ts module note).
        assert.deepEqual(fused[k], chain[k], `${JSON.stringify(options)}, output ${k}`);
        assert.deepEqual(fused[k], cpu[k], `${JSON.stringify(options)}, output ${k} (cpu)`);
      }
    }
  },
});

Deno.test({
  name: "UsamAdamUpdate: one kernel per variable, and the tensor count stays flat",
  ignore,
  async fn() {
    await initBackend("native");
    const w = tf.variable(tf.ones([4, 3]), true, "fused-adam-count");
    const g = tf.fill([4, 3], 0.5);
    const optimizer = new AdamOptimizer({ lr: 0.1 });
    optimizer.applyGradients({ [w.name]: g }); // creates the moments
    const before = tf.memory().numTensors;
    const profile = await tf.profile(() => optimizer.applyGradients({ [w.name]: g }));
    assert.deepEqual(profile.kernels.map((k) => k.name), [ADAM_UPDATE_KERNEL]);
    assert.equal(tf.memory().numTensors, before);
    optimizer.dispose();
    tf.dispose([w, g]);
  },
});
