import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { Random } from "../math/random.ts";
import { initBackend } from "./init.ts";
import { nativeUnavailableReason } from "./native.ts";

const unavailable = nativeUnavailableReason();
/** Skipped, saying why, where the native libraries are not installed; `.ci/run` installs them. */
const ignore = unavailable !== undefined;
if (ignore) console.warn(`native bias tests skipped: ${unavailable}`);

function bits(t: tf.Tensor): Uint32Array {
  return new Uint32Array(Float32Array.from(t.dataSync() as Float32Array).buffer);
}

/** `f` on the wasm backend (its own kernels) and on native (the same heap): the bits and shapes. */
async function onBoth(f: () => tf.Tensor): Promise<{ wasm: tf.Tensor; native: tf.Tensor }> {
  await tf.setBackend("wasm");
  const wasm = f();
  await tf.setBackend("native");
  const native = f();
  return { wasm, native };
}

Deno.test({
  name: "native bias Add: the wasm kernel's bits, either input broadcasting, edge values",
  ignore,
  async fn() {
    await initBackend("native");
    const rng = new Random(3);
    const cases: [number[], number[]][] = [
      [[128, 24, 24, 6], [6]],
      [[16, 8, 8, 16], [16]],
      [[7, 5, 33], [33]],
      [[3, 1000], [1, 1000]],
      [[9, 13, 11], [13, 11]],
      [[6], [128, 6]], // the small one first
    ];
    for (const [aShape, bShape] of cases) {
      const a = tf.tensor(
        rng.fillGaussian(new Float32Array(aShape.reduce((p, d) => p * d, 1))),
        aShape,
      );
      const bValues = rng.fillGaussian(new Float32Array(bShape.reduce((p, d) => p * d, 1)));
      bValues[0] = -0;
      bValues[bValues.length - 1] = Infinity;
      const b = tf.tensor(bValues, bShape);
      const { wasm, native } = await onBoth(() => tf.add(a, b));
      assert.deepEqual(native.shape, wasm.shape);
      assert.deepEqual(bits(native), bits(wasm), `${aShape} + ${bShape}`);
      tf.dispose([a, b, wasm, native]);
    }
  },
});

Deno.test({
  name: "native bias Sum: the wasm kernel's bits over every axis but the last, keepDims, others",
  ignore,
  async fn() {
    await initBackend("native");
    const rng = new Random(4);
    const cases: [number[], number | number[], boolean][] = [
      [[128, 24, 24, 6], [0, 1, 2], false],
      [[128, 8, 8, 16], [0, 1, 2], false],
      [[1, 128, 84], [0, 1], false],
      [[300, 10], 0, false],
      [[300, 10], [-2], true],
      [[40, 7, 9], [1, 0], true],
      [[40, 7, 9], [0, 2], false], // not the bias pattern: the wasm kernel itself
      [[50, 33], 1, false], // a row sum: the wasm kernel itself
    ];
    for (const [shape, axis, keepDims] of cases) {
      const values = rng.fillGaussian(new Float32Array(shape.reduce((p, d) => p * d, 1)));
      for (let i = 0; i < values.length; i += 97) values[i] *= 1e6; // make the order matter
      const x = tf.tensor(values, shape);
      const { wasm, native } = await onBoth(() => tf.sum(x, axis, keepDims));
      assert.deepEqual(native.shape, wasm.shape);
      assert.deepEqual(bits(native), bits(wasm), `sum of [${shape}] over ${axis}`);
      tf.dispose([x, wasm, native]);
    }
  },
});

Deno.test({
  name: "native bias kernels: same-shape and small inputs keep the wasm kernels, no tensor leaks",
  ignore,
  async fn() {
    await initBackend("native");
    const before = tf.memory().numTensors;
    const y = tf.tidy(() => tf.sum(tf.add(tf.ones([300, 10]), tf.ones([10])), 0));
    assert.deepEqual(Array.from(y.dataSync()), new Array(10).fill(600));
    y.dispose();
    const small = tf.tidy(() => tf.add(tf.ones([2, 3]), tf.tensor1d([1, 2, 3])).dataSync());
    assert.deepEqual(Array.from(small), [2, 3, 4, 2, 3, 4]);
    assert.equal(tf.memory().numTensors, before);
  },
});
