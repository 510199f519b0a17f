import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { Random } from "../math/random.ts";
import { SgdOptimizer, type SgdOptions } from "../optimizers/sgd.ts";
import { initBackend } from "./init.ts";
import { nativeUnavailableReason } from "./native.ts";
import { setFusedSgd, SGD_UPDATE_KERNEL, sgdUpdateArrays } from "./native_sgd.ts";
import {
  assembleNativeElementwise,
  elementwiseModuleSource,
  NATIVE_ELEMENTWISE_WAT_URL,
} from "./native_elementwise_build.ts";

const unavailable = nativeUnavailableReason();
/** Skipped, saying why, where the native libraries are not installed; `.ci/run` installs them. */
const ignore = unavailable !== undefined;
if (ignore) console.warn(`native SGD tests skipped: ${unavailable}`);

/** Weights and gradients with the awkward float32 values too: ±0, subnormals, huge, tiny. */
function values(rng: Random, n: number): Float32Array {
  const out = rng.fillGaussian(new Float32Array(n));
  const special = [0, -0, 1e-40, -3e-39, 3e38, -1e-30, 1e30, 65504];
  for (let i = 0; i < special.length && i < n; i++) out[(i * 7) % n] = special[i];
  return out;
}

/** Three updates of two variables with fixed gradients; returns the weights' and buffers' bits. */
async function threeUpdates(
  backend: "cpu" | "native",
  options: SgdOptions,
  fused: boolean,
): Promise<Float32Array[]> {
  await initBackend(backend);
  const previous = setFusedSgd(fused);
  try {
    const rng = new Random(11);
    const shapes = [[5, 7], [13]];
    const vars = shapes.map((s, k) =>
      tf.variable(tf.tensor(values(rng, s[0] * (s[1] ?? 1)), s), true, `fused-sgd-${backend}-${k}`)
    );
    const grads = shapes.map((s) => values(rng, s[0] * (s[1] ?? 1)));
    const optimizer = new SgdOptimizer(options);
    for (let step = 0; step < 3; step++) {
      const named = vars.map((v, k) => ({
        name: v.name,
        tensor: tf.tensor(grads[k].map((g) => g * (step + 1)), v.shape),
      }));
      optimizer.applyGradients(named);
      tf.dispose(named.map((n) => n.tensor));
    }
    const weights = await optimizer.getWeights();
    const out = [
      ...vars.map((v) => v.dataSync() as Float32Array),
      ...weights.slice(1).map((w) => w.tensor.dataSync() as Float32Array),
    ].map((a) => Float32Array.from(a));
    tf.dispose(weights.map((w) => w.tensor));
    optimizer.dispose();
    tf.dispose(vars);
    return out;
  } finally {
    setFusedSgd(previous);
  }
}

const SETTINGS: SgdOptions[] = [
  { lr: 0.1, momentum: 0.9, weightDecay: 5e-4 },
  { lr: 0.37, momentum: 0, weightDecay: 1e-3 },
  { lr: 1e-3, momentum: 0, weightDecay: 0 },
  { lr: 0.05, momentum: 0.8, weightDecay: 0, nesterov: true },
  { lr: 0.2, momentum: 0.5, weightDecay: 3e-4, dampening: 0.25 },
];

Deno.test({
  name: "UsamSgdUpdate: registered on native, and the fused update is the op chain bit for bit",
  ignore,
  async fn() {
    await initBackend("native");
    assert.ok(tf.getKernel(SGD_UPDATE_KERNEL, "native") !== undefined);
    for (const options of SETTINGS) {
      const fused = await threeUpdates("native", options, true);
      const chain = await threeUpdates("native", options, false);
      const cpu = await threeUpdates("cpu", options, true); // cpu has no kernel: the op chain
      assert.equal(fused.length, options.momentum === 0 ? 2 : 4);
      for (let k = 0; k < fused.length; k++) {
        // Exact: same float32 operations in the same order (native_sgd.ts module note).
        assert.deepEqual(new Uint32Array(fused[k].buffer), new Uint32Array(chain[k].buffer));
        assert.deepEqual(new Uint32Array(fused[k].buffer), new Uint32Array(cpu[k].buffer));
      }
    }
  },
});

Deno.test({
  name: "UsamSgdUpdate: the fused path runs one kernel per variable and keeps the tensor count",
  ignore,
  async fn() {
    await initBackend("native");
    const w = tf.variable(tf.ones([4, 3]), true, "fused-sgd-count");
    const g = tf.fill([4, 3], 0.5);
    const optimizer = new SgdOptimizer({ lr: 0.1 });
    optimizer.applyGradients({ [w.name]: g }); // creates the buffer
    const before = tf.memory().numTensors;
    const profile = await tf.profile(() => optimizer.applyGradients({ [w.name]: g }));
    assert.deepEqual(profile.kernels.map((k) => k.name), [SGD_UPDATE_KERNEL]);
    assert.equal(tf.memory().numTensors, before);
    optimizer.dispose();
    tf.dispose([w, g]);
  },
});

Deno.test("native_elementwise_wasm.ts is the build of native_elementwise.wat", async () => {
  const bytes = await assembleNativeElementwise(
    await Deno.readTextFile(NATIVE_ELEMENTWISE_WAT_URL),
  );
  assert.equal(
    elementwiseModuleSource(bytes),
    await Deno.readTextFile(
      new URL("./native_elementwise_wasm.ts", import.meta.url),
    ),
  );
});

Deno.test("sgdUpdateArrays (the JavaScript statement of the kernel) is the op chain on cpu", async () => {
  await initBackend("cpu");
  const rng = new Random(5);
  const n = 37;
  const x = values(rng, n), g = values(rng, n), b = values(rng, n);
  for (const p of SETTINGS) {
    const full = { lr: 0.1, momentum: 0.9, weightDecay: 5e-4, dampening: 0, nesterov: false, ...p };
    const xOut = new Float32Array(n);
    const bOut = new Float32Array(n);
    sgdUpdateArrays(x, g, full.momentum === 0 ? undefined : b, full as never, xOut, bOut);
    const expected = tf.tidy(() => {
      const xt = tf.tensor(x), gt = tf.tensor(g);
      let v = full.weightDecay !== 0 ? tf.add(gt, tf.mul(xt, full.weightDecay)) : gt;
      if (full.momentum !== 0) {
        const fresh = full.dampening !== 0 ? tf.mul(v, 1 - full.dampening) : v;
        const next = tf.add(tf.mul(tf.tensor(b), full.momentum), fresh);
        assert.deepEqual(
          new Uint32Array(bOut.buffer),
          new Uint32Array((next.dataSync() as Float32Array).buffer),
        );
        v = full.nesterov ? tf.add(v, tf.mul(next, full.momentum)) : next;
      }
      return tf.sub(xt, tf.mul(v, full.lr)).dataSync() as Float32Array;
    });
    assert.deepEqual(new Uint32Array(xOut.buffer), new Uint32Array(expected.buffer));
  }
});
