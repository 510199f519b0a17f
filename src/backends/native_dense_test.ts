import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { Random } from "../math/random.ts";
import { initBackend } from "./init.ts";
import { nativeUnavailableReason } from "./native.ts";
import {
  BIAS_RELU_GRAD_KERNEL,
  DENSE_LINEAR_KERNEL,
  DENSE_RELU_KERNEL,
  fusedDenseLinear,
  fusedDenseRelu,
  setFusedDense,
} from "./native_dense.ts";

const unavailable = nativeUnavailableReason();
/** Skipped, saying why, where the native libraries are not installed; `.ci/run` installs them. */
const ignore = unavailable !== undefined;
if (ignore) console.warn(`native dense tests skipped: ${unavailable}`);

/** Gaussian values with the special cases planted: ±0, NaN of both signs, ±∞, subnormals. */
function values(rng: Random, n: number, specials: boolean): Float32Array {
  const out = rng.fillGaussian(new Float32Array(n));
  if (!specials) return out;
  const bits = new Uint32Array([0x80000000, 0, 0x7fc00000, 0xffc00000, 0x7f800000, 1, 0x80000001]);
  const special = new Float32Array(bits.buffer);
  for (let i = 0; i < special.length && i < n; i++) out[(i * 13) % n] = special[i];
  return out;
}

type Path = "fused relu" | "chain relu" | "fused linear" | "chain linear";

/** One layer's forward value by `path`: the fused kernels, or the op chains tfjs-layers runs. */
function apply(path: Path, x: tf.Tensor, w: tf.Tensor, b: tf.Tensor): tf.Tensor {
  switch (path) {
    case "fused relu":
      return fusedDenseRelu(x, w, b)!;
    case "chain relu": // under a tape tfjs-core's fused.matMul runs these three ops
      return tf.relu(tf.add(tf.matMul(x, w), b));
    case "fused linear":
      return fusedDenseLinear(x, w, b)!;
    case "chain linear": // under a tape a linear fused.matMul stays fused (its customGrad)
      return tf.fused.matMul({ a: x, b: w, bias: b });
  }
}

/** y = layer(x, w, b) and the gradients of Σ u·y in x, w, b; the bits of all four and the kernels. */
async function layer(n: number, k: number, m: number, specials: boolean, path: Path) {
  const rng = new Random(n * 1000 + k * 10 + m);
  const x = tf.tensor2d(values(rng, n * k, false), [n, k]);
  const w = tf.tensor2d(values(rng, k * m, false), [k, m]);
  // The specials go into the bias, so that they reach the pre-activation of every row.
  const b = tf.tensor1d(values(rng, m, specials));
  const u = tf.tensor2d(values(rng, n * m, false), [n, m]);
  const f = (xv: tf.Tensor, wv: tf.Tensor, bv: tf.Tensor) => {
    return tf.sum(tf.mul(u, apply(path, xv, wv, bv)));
  };
  const run = () => {
    // The forward value under the tape too: fusedDenseRelu declines outside one.
    let y: tf.Tensor | undefined;
    const grads = tf.grads((xv: tf.Tensor, wv: tf.Tensor, bv: tf.Tensor) => {
      y = tf.keep(apply(path, xv, wv, bv));
      return tf.sum(tf.mul(u, y));
    })([x, w, b]);
    return [y!, ...grads];
  };
  const profile = await tf.profile(() => {
    tf.dispose(tf.grads(f)([x, w, b]));
  });
  const before = tf.memory().numTensors;
  const outputs = run();
  const bits = outputs.map((t) =>
    Uint32Array.from(new Uint32Array((t.dataSync() as Float32Array).slice().buffer))
  );
  tf.dispose(outputs);
  const leaked = tf.memory().numTensors - before;
  tf.dispose([x, w, b, u]);
  return { bits, kernels: profile.kernels.map((p) => p.name), leaked };
}

Deno.test({
  name:
    "UsamDenseRelu: the forward value and all three gradients are the op chain's bits on native",
  ignore,
  async fn() {
    await initBackend("native");
    assert.ok(tf.getKernel(DENSE_RELU_KERNEL, "native") !== undefined);
    // Sizes below and above the bias kernels' 1024-element threshold, and a tail of n mod 4.
    for (
      const [n, k, m, specials] of [[7, 5, 3, true], [128, 64, 33, true], [
        64,
        100,
        128,
        false,
      ]] as const
    ) {
      const fused = await layer(n, k, m, specials, "fused relu");
      const chain = await layer(n, k, m, specials, "chain relu");
      assert.equal(fused.leaked, 0);
      for (let i = 0; i < 4; i++) {
        assert.deepEqual(fused.bits[i], chain.bits[i], `[${n}, ${k}, ${m}] output ${i}`);
      }
      assert.ok(
        fused.kernels.includes(DENSE_RELU_KERNEL) && fused.kernels.includes(BIAS_RELU_GRAD_KERNEL),
      );
      assert.ok(!fused.kernels.includes("Relu") && chain.kernels.includes("Relu"));
      assert.ok(
        fused.kernels.length < chain.kernels.length,
        `${fused.kernels} vs ${chain.kernels}`,
      );
    }
  },
});

Deno.test({
  name:
    "UsamDenseLinear: the forward value and all three gradients are the fused linear path's bits",
  ignore,
  async fn() {
    await initBackend("native");
    for (const [n, k, m] of [[7, 5, 3], [128, 84, 10], [64, 100, 128]] as const) {
      const fused = await layer(n, k, m, true, "fused linear");
      const chain = await layer(n, k, m, true, "chain linear");
      assert.equal(fused.leaked, 0);
      for (let i = 0; i < 4; i++) {
        assert.deepEqual(fused.bits[i], chain.bits[i], `[${n}, ${k}, ${m}] output ${i}`);
      }
      assert.ok(
        fused.kernels.includes(DENSE_LINEAR_KERNEL) && !chain.kernels.includes(DENSE_LINEAR_KERNEL),
      );
      assert.ok(
        fused.kernels.length < chain.kernels.length,
        `${fused.kernels} vs ${chain.kernels}`,
      );
    }
  },
});

Deno.test({
  name: "fusedDenseRelu declines outside a gradient tape, when switched off, and on bad shapes",
  ignore,
  async fn() {
    await initBackend("native");
    const x = tf.ones([2, 3]), w = tf.ones([3, 4]), b = tf.ones([4]);
    assert.equal(fusedDenseRelu(x, w, b), undefined); // no tape: TF.js's _FusedMatMul is one kernel
    assert.equal(fusedDenseLinear(x, w, b), undefined);
    tf.grad((v: tf.Tensor) => {
      assert.equal(fusedDenseRelu(v, w, tf.ones([5])), undefined);
      const previous = setFusedDense(false);
      try {
        assert.equal(fusedDenseRelu(v, w, b), undefined);
      } finally {
        setFusedDense(previous);
      }
      const y = fusedDenseRelu(v, w, b);
      assert.ok(y !== undefined);
      return tf.sum(y);
    })(x);
    tf.dispose([x, w, b]);
  },
});
