import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { Random } from "../math/random.ts";
import { initBackend } from "./init.ts";
import { assertWeightsNear, trainSgdSteps } from "./test_fixtures.ts";
import { setIm2ColChunkElements } from "./wasm_im2col.ts";
import { setFastWasmConv2DBackpropInput } from "./wasm_conv2d_backprop_input.ts";

/** Unit roundoff of float32. */
const U = 2 ** -24;

/** Higham: a float32 sum of n products in any order is within γ_n Σ|products| of the exact sum. */
function gamma(n: number): number {
  return (n * U) / (1 - n * U);
}

type Pad = "same" | "valid" | number | [[0, 0], [number, number], [number, number], [0, 0]];

interface ConvCase {
  xShape: [number, number, number, number];
  filterShape: [number, number, number, number];
  strides: [number, number];
  pad: Pad;
}

function randomCases(seed: number, count: number): ConvCase[] {
  const rng = new Random(seed);
  const pick = <T>(values: T[]): T => values[rng.integer(values.length)];
  const cases: ConvCase[] = [];
  while (cases.length < count) {
    const kh = pick([1, 2, 3, 5]);
    const kw = pick([1, 2, 3]);
    const h = kh + rng.integer(8);
    const w = kw + rng.integer(8);
    const pad: Pad = pick<Pad>([
      "same",
      "valid",
      1,
      [[0, 0], [rng.integer(3), rng.integer(2)], [rng.integer(2), rng.integer(3)], [0, 0]],
    ]);
    const strides: [number, number] = [1 + rng.integer(3), 1 + rng.integer(3)];
    // tfjs-core sizes a numeric padding's output from the filter height and stride height alone
    // (computeOutputShape2D), so only square filters and strides are well defined with it.
    if (typeof pad === "number" && (kh !== kw || strides[0] !== strides[1])) continue;
    cases.push({
      xShape: [1 + rng.integer(3), h, w, pick([1, 2, 5, 33])],
      filterShape: [kh, kw, 0, pick([1, 3, 4])],
      strides,
      pad,
    });
    const last = cases[cases.length - 1];
    last.filterShape[2] = last.xShape[3];
  }
  return cases;
}

/** Float64 filter and input gradients of Σ conv(x, W) ⊙ dy, with Σ|terms| for the bounds. */
function referenceGradients(
  x: Float32Array,
  filter: Float32Array,
  dy: Float32Array,
  c: ConvCase,
  info: tf.backend_util.Conv2DInfo,
) {
  const [n, h, w, cin] = c.xShape;
  const [kh, kw, , cout] = c.filterShape;
  const { outHeight: oh, outWidth: ow } = info;
  const { top, left } = info.padInfo;
  const dW = new Float64Array(filter.length);
  const dWAbs = new Float64Array(filter.length);
  const dx = new Float64Array(x.length);
  const dxAbs = new Float64Array(x.length);
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        for (let p = 0; p < kh; p++) {
          const ih = i * info.strideHeight - top + p;
          if (ih < 0 || ih >= h) continue;
          for (let q = 0; q < kw; q++) {
            const iw = j * info.strideWidth - left + q;
            if (iw < 0 || iw >= w) continue;
            for (let ci = 0; ci < cin; ci++) {
              const xi = ((b * h + ih) * w + iw) * cin + ci;
              for (let co = 0; co < cout; co++) {
                const g = dy[((b * oh + i) * ow + j) * cout + co];
                const wi = ((p * kw + q) * cin + ci) * cout + co;
                dW[wi] += x[xi] * g;
                dWAbs[wi] += Math.abs(x[xi] * g);
                dx[xi] += filter[wi] * g;
                dxAbs[xi] += Math.abs(filter[wi] * g);
              }
            }
          }
        }
      }
    }
  }
  return { dW, dWAbs, dWTerms: n * oh * ow, dx, dxAbs, dxTerms: kh * kw * cout };
}

function gradients(
  x: Float32Array,
  filter: Float32Array,
  dy: Float32Array,
  c: ConvCase,
  outShape: number[],
) {
  return tf.tidy(() => {
    const dyTensor = tf.tensor(dy, outShape);
    const [dx, dW] = tf.grads((xT: tf.Tensor, wT: tf.Tensor) =>
      tf.sum(tf.mul(tf.conv2d(xT as tf.Tensor4D, wT as tf.Tensor4D, c.strides, c.pad), dyTensor))
    )([tf.tensor(x, c.xShape), tf.tensor(filter, c.filterShape)]);
    return { dx: dx.dataSync(), dW: dW.dataSync() };
  });
}

function assertWithin(
  got: ArrayLike<number>,
  want: Float64Array,
  abs: Float64Array,
  factor: number,
  label: string,
): void {
  assert.equal(got.length, want.length, `${label}: length`);
  for (let i = 0; i < want.length; i++) {
    const bound = factor * abs[i] + 1e-30;
    assert.ok(
      Math.abs(got[i] - want[i]) <= bound,
      `${label} entry ${i}: ${got[i]} vs ${want[i]} (bound ${bound})`,
    );
  }
}

function wasmDataIds(): number {
  return (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
}

Deno.test("wasm conv2d gradients (filter and input) equal the float64 reference and the cpu backend", async () => {
  const rng = new Random(99);
  for (const chunked of [false, true]) {
    // A 64-element im2col block forces one image per chunk (and the partial-sum path).
    const previous = setIm2ColChunkElements(chunked ? 64 : 4 * 2 ** 20);
    try {
      for (const c of randomCases(chunked ? 5 : 3, 14)) {
        const info = tf.backend_util.computeConv2DInfo(
          c.xShape,
          c.filterShape,
          c.strides,
          1,
          c.pad,
        );
        const x = rng.fillGaussian(new Float32Array(c.xShape.reduce((p, d) => p * d)));
        const filter = rng.fillGaussian(new Float32Array(c.filterShape.reduce((p, d) => p * d)));
        const dy = rng.fillGaussian(new Float32Array(info.outShape.reduce((p, d) => p * d)));
        const ref = referenceGradients(x, filter, dy, c, info);
        const label = `${JSON.stringify(c)}${chunked ? " chunked" : ""}`;
        await initBackend("cpu");
        const cpu = gradients(x, filter, dy, c, info.outShape);
        await initBackend("wasm");
        const before = wasmDataIds();
        const wasm = gradients(x, filter, dy, c, info.outShape);
        assert.equal(wasmDataIds(), before, `${label}: wasm tensors leaked`);
        assertWithin(wasm.dW, ref.dW, ref.dWAbs, gamma(ref.dWTerms), `${label} wasm dW`);
        assertWithin(wasm.dx, ref.dx, ref.dxAbs, gamma(ref.dxTerms), `${label} wasm dx`);
        // Both backends are within γ of the exact value, hence within 2γ of each other.
        const cpuAsRef = (values: ArrayLike<number>) => Float64Array.from(values);
        assertWithin(
          wasm.dW,
          cpuAsRef(cpu.dW),
          ref.dWAbs,
          2 * gamma(ref.dWTerms),
          `${label} dW vs cpu`,
        );
        assertWithin(
          wasm.dx,
          cpuAsRef(cpu.dx),
          ref.dxAbs,
          2 * gamma(ref.dxTerms),
          `${label} dx vs cpu`,
        );
      }
    } finally {
      setIm2ColChunkElements(previous);
    }
  }
});

Deno.test("wasm Conv2DBackpropInput: the replacement agrees with TF.js's original kernel", async () => {
  await initBackend("wasm");
  const rng = new Random(5);
  for (const c of randomCases(8, 6)) {
    const info = tf.backend_util.computeConv2DInfo(c.xShape, c.filterShape, c.strides, 1, c.pad);
    const x = rng.fillGaussian(new Float32Array(c.xShape.reduce((p, d) => p * d)));
    const filter = rng.fillGaussian(new Float32Array(c.filterShape.reduce((p, d) => p * d)));
    const dy = rng.fillGaussian(new Float32Array(info.outShape.reduce((p, d) => p * d)));
    const ref = referenceGradients(x, filter, dy, c, info);
    const fast = gradients(x, filter, dy, c, info.outShape).dx;
    setFastWasmConv2DBackpropInput(false);
    let original: ArrayLike<number>;
    try {
      original = gradients(x, filter, dy, c, info.outShape).dx;
    } finally {
      setFastWasmConv2DBackpropInput(true);
    }
    assertWithin(
      fast,
      Float64Array.from(original),
      ref.dxAbs,
      2 * gamma(ref.dxTerms),
      JSON.stringify(c),
    );
  }
});

Deno.test("wasm Conv2DBackpropFilter refuses NCHW and a dy of the wrong shape, naming them", async () => {
  await initBackend("wasm");
  const x = tf.zeros([1, 4, 4, 2]);
  const attrs = { strides: 1, pad: "valid", filterShape: [3, 3, 2, 1] };
  assert.throws(
    () =>
      tf.engine().runKernel("Conv2DBackpropFilter", { x, dy: tf.zeros([1, 2, 2, 1]) }, {
        ...attrs,
        dataFormat: "NCHW",
      }),
    (error: Error) => error instanceof TypeError && /NCHW/.test(error.message),
  );
  assert.throws(
    () =>
      tf.engine().runKernel("Conv2DBackpropFilter", { x, dy: tf.zeros([1, 3, 3, 1]) }, {
        ...attrs,
        dataFormat: "NHWC",
      }),
    (error: Error) =>
      error instanceof RangeError && /dy must have shape \[1,2,2,1\]/.test(error.message),
  );
  x.dispose();
});

Deno.test("wasm forward convolutions refuse a numeric pad with a non-square filter instead of corrupting the heap", async () => {
  await initBackend("wasm");
  const x = tf.ones([2, 5, 5, 1]) as tf.Tensor4D;
  const filter = tf.ones([1, 3, 1, 4]) as tf.Tensor4D;
  assert.throws(
    () => tf.conv2d(x, filter, [3, 1], 1),
    (error: Error) =>
      error instanceof RangeError && /pad 1 \(a number\) with a 1×3 filter/.test(error.message),
  );
  // The same convolution with explicit padding is well defined and runs.
  const explicit = tf.conv2d(x, filter, [3, 1], [[0, 0], [1, 1], [1, 1], [0, 0]]);
  assert.deepEqual(explicit.shape, [2, 3, 5, 4]);
  const values = explicit.dataSync();
  assert.equal(values[0], 0); // output row 0 reads input row −1: all padding
  assert.equal(values[20], 2); // output (1, 0) reads input row 2, columns −1..1: 2 taps inside
  tf.dispose([x, filter, explicit]);
});

/** A conv + BatchNorm + max/avg pool + dense model with fixed initial weights. */
function tinyCnn(weights: Float32Array[] | undefined): tfl.LayersModel {
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [8, 8, 2], filters: 3, kernelSize: 3, padding: "same" }),
      tfl.layers.batchNormalization(),
      tfl.layers.activation({ activation: "relu" }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.conv2d({ filters: 4, kernelSize: 2, strides: 2 }),
      tfl.layers.averagePooling2d({ poolSize: 2 }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 3 }),
    ],
  });
  if (weights !== undefined) {
    model.setWeights(model.getWeights().map((w, i) => tf.tensor(weights[i], w.shape)));
  }
  return model;
}

Deno.test("a conv + BatchNorm + pooling model trains on wasm, matches cpu, and keeps the tensor count flat", async () => {
  const rng = new Random(3);
  const images = rng.fillGaussian(new Float32Array(6 * 8 * 8 * 2));
  const labels = [0, 1, 2, 1, 0, 2];
  await initBackend("cpu");
  const initial = tinyCnn(undefined).getWeights().map((w) => w.dataSync() as Float32Array);
  const train = (steps: number) =>
    trainSgdSteps(() => tinyCnn(initial), images, [6, 8, 8, 2], labels, 3, steps);
  const cpu = train(3);
  await initBackend("wasm");
  const wasm = train(3);
  assert.ok(wasm.counts.every((c) => c === wasm.counts[0]), `tensor counts ${wasm.counts}`);
  assertWeightsNear(wasm.weights, cpu.weights, "wasm");
});
