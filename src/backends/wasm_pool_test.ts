import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { Random } from "../math/random.ts";
import { initBackend } from "./init.ts";
import { setFastWasmMaxPoolGrad } from "./wasm_max_pool_grad.ts";

type Pad = "same" | "valid" | number;

interface PoolCase {
  xShape: [number, number, number, number];
  filterSize: [number, number];
  strides: [number, number];
  pad: Pad;
}

const CASES: PoolCase[] = [
  { xShape: [2, 6, 6, 3], filterSize: [2, 2], strides: [2, 2], pad: "valid" },
  { xShape: [1, 7, 5, 4], filterSize: [3, 3], strides: [2, 2], pad: "same" },
  { xShape: [3, 5, 6, 2], filterSize: [3, 3], strides: [1, 1], pad: "same" },
  { xShape: [1, 6, 7, 1], filterSize: [2, 3], strides: [1, 2], pad: "valid" },
  { xShape: [2, 5, 5, 5], filterSize: [3, 3], strides: [2, 2], pad: 1 },
  { xShape: [1, 4, 4, 33], filterSize: [4, 4], strides: [4, 4], pad: "same" },
];

function maxPoolInputGradient(x: Float32Array, dy: Float32Array, c: PoolCase, dyShape: number[]) {
  return tf.tidy(() => {
    const dyTensor = tf.tensor(dy, dyShape);
    return tf.grad((xT: tf.Tensor) =>
      tf.sum(tf.mul(tf.maxPool(xT as tf.Tensor4D, c.filterSize, c.strides, c.pad), dyTensor))
    )(tf.tensor(x, c.xShape)).dataSync();
  });
}

function wasmDataIds(): number {
  return (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
}

Deno.test("wasm MaxPoolGrad routes each output gradient to its window's first maximum, as cpu does", async () => {
  const rng = new Random(21);
  for (const ties of [false, true]) {
    for (const c of CASES) {
      const info = tf.backend_util.computePool2DInfo(c.xShape, c.filterSize, c.strides, 1, c.pad);
      const size = c.xShape.reduce((p, d) => p * d);
      // With ties (values from {0, 1, 2}), which maximum gets the gradient is a convention: the
      // first in row-major window order, as in TF.js's cpu backend.
      const x = ties
        ? Float32Array.from({ length: size }, () => rng.integer(3))
        : rng.fillGaussian(new Float32Array(size));
      const dy = rng.fillGaussian(new Float32Array(info.outShape.reduce((p, d) => p * d)));
      await initBackend("cpu");
      const cpu = maxPoolInputGradient(x, dy, c, info.outShape);
      await initBackend("wasm");
      const before = wasmDataIds();
      const fast = maxPoolInputGradient(x, dy, c, info.outShape);
      assert.equal(wasmDataIds(), before, "wasm tensors leaked");
      // Each dx entry is a sum of at most ⌈f/s⌉² routed dy values (≤ 9 here) added in window
      // order on both backends; float32 rounding of such a sum is below 9 · 2⁻²⁴ · Σ|dy| ≤ 1e-5
      // for |dy| < 5. A misrouted gradient moves a whole dy value (≈ 1).
      for (let i = 0; i < cpu.length; i++) {
        assert.ok(
          Math.abs(fast[i] - cpu[i]) <= 1e-5,
          `${JSON.stringify(c)} ties=${ties} dx[${i}]: ${fast[i]} vs cpu ${cpu[i]}`,
        );
      }
    }
  }
});

Deno.test("wasm MaxPoolGrad agrees with TF.js's original kernel where that one is right (non-negative maxima)", async () => {
  // TF.js 4.22's wasm MaxPoolGrad drops the gradient of every window whose maximum is negative
  // (x = [[-1.41, -2.27], [-0.16, -1.01]] gives dx = 0, cpu routes dy to -0.16); after a ReLU all
  // maxima are ≥ 0 and it is right, which this test compares on.
  await initBackend("wasm");
  const rng = new Random(23);
  for (const c of CASES) {
    const info = tf.backend_util.computePool2DInfo(c.xShape, c.filterSize, c.strides, 1, c.pad);
    const x = rng.fillGaussian(new Float32Array(c.xShape.reduce((p, d) => p * d))).map(Math.abs);
    const dy = rng.fillGaussian(new Float32Array(info.outShape.reduce((p, d) => p * d)));
    const fast = maxPoolInputGradient(x, dy, c, info.outShape);
    setFastWasmMaxPoolGrad(false);
    let original: ArrayLike<number>;
    try {
      original = maxPoolInputGradient(x, dy, c, info.outShape);
    } finally {
      setFastWasmMaxPoolGrad(true);
    }
    // Same bound as above: sums of ≤ 9 routed values.
    for (let i = 0; i < fast.length; i++) {
      assert.ok(
        Math.abs(fast[i] - original[i]) <= 1e-5,
        `${JSON.stringify(c)} dx[${i}]: ${fast[i]} vs ${original[i]}`,
      );
    }
  }
});

Deno.test("wasm MaxPoolGrad routes the gradient of a window whose maximum is negative", async () => {
  const x = [
    0.59,
    0.16,
    -0.84,
    -1.05,
    0.09,
    -0.55,
    0.06,
    0.67,
    -1.41,
    -2.27,
    1.03,
    -1.0,
    -0.16,
    -1.01,
    -0.12,
    3.33,
  ];
  const c: PoolCase = { xShape: [1, 4, 4, 1], filterSize: [2, 2], strides: [2, 2], pad: "valid" };
  await initBackend("wasm");
  const dx = maxPoolInputGradient(Float32Array.from(x), Float32Array.from([1, 2, 3, 4]), c, [
    1,
    2,
    2,
    1,
  ]);
  // Window (1, 0) holds -1.41, -2.27, -0.16, -1.01: its gradient 3 goes to -0.16 (index 12).
  assert.deepEqual(Array.from(dx), [1, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 3, 0, 0, 4]);
});

Deno.test("wasm max and average pools refuse a numeric pad with a non-square window", async () => {
  await initBackend("wasm");
  const x = tf.ones([1, 6, 6, 1]) as tf.Tensor4D;
  assert.throws(() => tf.maxPool(x, [1, 3], [1, 1], 1), RangeError);
  assert.throws(() => tf.avgPool(x, [2, 2], [1, 2], 0), RangeError);
  const fine = tf.maxPool(x, [3, 3], 2, 1);
  assert.deepEqual(fine.shape, [1, 3, 3, 1]);
  tf.dispose([x, fine]);
});
