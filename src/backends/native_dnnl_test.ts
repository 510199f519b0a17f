import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { Random } from "../math/random.ts";
import { initBackend } from "./init.ts";
import { assertWeightsNear, trainSgdSteps } from "./test_fixtures.ts";
import {
  dnnlKernelCalls,
  dnnlKernelsRegistered,
  registerDnnlKernels,
  setDnnlThreads,
  unregisterDnnlKernels,
} from "./native_dnnl.ts";
import {
  AUTO_PARALLEL,
  convGeometry,
  convMultiplyAdds,
  dnnlConvImplementations,
  dnnlConvThreadsFor,
  setDnnlWeightsLayout,
} from "./native_dnnl_conv.ts";
import { openDnnl, openMpDefaultThreads, openMpThreads } from "./native_dnnl_ffi.ts";

/** Unit roundoff of float32. */
const U = 2 ** -24;

/**
 * Higham: a float32 sum of n products, in any order and with or without fused multiply-adds, is
 * within γ_n Σ|products| of the exact sum. oneDNN blocks and reorders its sums differently from
 * the cpu backend, so the bound (not equality) is what both must meet.
 */
function gamma(n: number): number {
  return (n * U) / (1 - n * U);
}

type Pad = "same" | "valid" | number | [[0, 0], [number, number], [number, number], [0, 0]];

interface ConvCase {
  xShape: [number, number, number, number];
  filterShape: [number, number, number, number];
  strides: [number, number];
  dilations: [number, number];
  pad: Pad;
}

/** Random convolutions; `dilated` draws dilations 1–3 (TF.js then wants strides 1). */
function randomCases(seed: number, count: number, dilated: boolean): ConvCase[] {
  const rng = new Random(seed);
  const pick = <T>(values: T[]): T => values[rng.integer(values.length)];
  const cases: ConvCase[] = [];
  while (cases.length < count) {
    const kh = pick([1, 2, 3, 5]);
    const kw = pick([1, 2, 3]);
    const dilations: [number, number] = dilated ? [1 + rng.integer(3), 1 + rng.integer(3)] : [1, 1];
    const strides: [number, number] = dilated ? [1, 1] : [1 + rng.integer(3), 1 + rng.integer(3)];
    const h = (kh - 1) * dilations[0] + 1 + rng.integer(8);
    const w = (kw - 1) * dilations[1] + 1 + rng.integer(8);
    const pad: Pad = pick<Pad>([
      "same",
      "valid",
      1,
      [[0, 0], [rng.integer(3), rng.integer(2)], [rng.integer(2), rng.integer(3)], [0, 0]],
    ]);
    // tfjs-core sizes a numeric padding's output from the filter height and stride height alone
    // (see wasm_conv2d_guard.ts), so only square (dilated) filters and strides are well defined.
    const square = (kh - 1) * dilations[0] === (kw - 1) * dilations[1] &&
      strides[0] === strides[1];
    if (typeof pad === "number" && !square) continue;
    const cin = pick([1, 2, 5, 33]);
    cases.push({
      xShape: [1 + rng.integer(3), h, w, cin],
      filterShape: [kh, kw, cin, pick([1, 3, 4, 17])],
      strides,
      dilations,
      pad,
    });
  }
  return cases;
}

/** Float64 forward output, input and filter gradients, with Σ|terms| for the bounds. */
function reference(
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
  const y = new Float64Array(n * oh * ow * cout);
  const yAbs = new Float64Array(y.length);
  const dW = new Float64Array(filter.length);
  const dWAbs = new Float64Array(filter.length);
  const dx = new Float64Array(x.length);
  const dxAbs = new Float64Array(x.length);
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        for (let p = 0; p < kh; p++) {
          const ih = i * info.strideHeight - top + p * info.dilationHeight;
          if (ih < 0 || ih >= h) continue;
          for (let q = 0; q < kw; q++) {
            const iw = j * info.strideWidth - left + q * info.dilationWidth;
            if (iw < 0 || iw >= w) continue;
            for (let ci = 0; ci < cin; ci++) {
              const xi = ((b * h + ih) * w + iw) * cin + ci;
              for (let co = 0; co < cout; co++) {
                const yi = ((b * oh + i) * ow + j) * cout + co;
                const wi = ((p * kw + q) * cin + ci) * cout + co;
                y[yi] += x[xi] * filter[wi];
                yAbs[yi] += Math.abs(x[xi] * filter[wi]);
                dW[wi] += x[xi] * dy[yi];
                dWAbs[wi] += Math.abs(x[xi] * dy[yi]);
                dx[xi] += filter[wi] * dy[yi];
                dxAbs[xi] += Math.abs(filter[wi] * dy[yi]);
              }
            }
          }
        }
      }
    }
  }
  return {
    y,
    yAbs,
    yTerms: kh * kw * cin,
    dW,
    dWAbs,
    dWTerms: n * oh * ow,
    dx,
    dxAbs,
    dxTerms: kh * kw * cout,
  };
}

function assertWithin(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  abs: ArrayLike<number>,
  factor: number,
  label: string,
  absolute = 1e-30,
): void {
  assert.equal(got.length, want.length, `${label}: length`);
  for (let i = 0; i < want.length; i++) {
    const bound = factor * abs[i] + absolute;
    assert.ok(
      Math.abs(got[i] - want[i]) <= bound,
      `${label} entry ${i}: ${got[i]} vs ${want[i]} (bound ${bound})`,
    );
  }
}

function wasmDataIds(): number {
  return (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
}

function forward(x: Float32Array, filter: Float32Array, c: ConvCase): Float32Array {
  return tf.tidy(() =>
    tf.conv2d(
      tf.tensor(x, c.xShape) as tf.Tensor4D,
      tf.tensor(filter, c.filterShape) as tf.Tensor4D,
      c.strides,
      c.pad,
      "NHWC",
      c.dilations,
    ).dataSync() as Float32Array
  );
}

function gradients(x: Float32Array, filter: Float32Array, dy: Float32Array, c: ConvCase) {
  return tf.tidy(() => {
    const info = tf.backend_util.computeConv2DInfo(c.xShape, c.filterShape, c.strides, 1, c.pad);
    const dyTensor = tf.tensor(dy, info.outShape);
    const [dx, dW] = tf.grads((xT: tf.Tensor, wT: tf.Tensor) =>
      tf.sum(tf.mul(tf.conv2d(xT as tf.Tensor4D, wT as tf.Tensor4D, c.strides, c.pad), dyTensor))
    )([tf.tensor(x, c.xShape), tf.tensor(filter, c.filterShape)]);
    return { dx: dx.dataSync() as Float32Array, dW: dW.dataSync() as Float32Array };
  });
}

function fill(rng: Random, shape: number[]): Float32Array {
  return rng.fillGaussian(new Float32Array(shape.reduce((p, d) => p * d, 1)));
}

/** Runs `body` with the oneDNN kernels registered on a started wasm backend, then removes them. */
async function withDnnl<T>(body: () => T | Promise<T>): Promise<T> {
  await initBackend("wasm");
  registerDnnlKernels();
  try {
    return await body();
  } finally {
    unregisterDnnlKernels();
  }
}

for (const layout of ["blocked", "hwio"] as const) {
  Deno.test(`oneDNN Conv2D (${layout} filters) equals the float64 reference and the cpu backend, with dilations`, async () => {
    const previousLayout = setDnnlWeightsLayout(layout);
    try {
      const rng = new Random(11);
      for (const dilated of [false, true]) {
        for (const c of randomCases(dilated ? 21 : 22, 12, dilated)) {
          const info = tf.backend_util.computeConv2DInfo(
            c.xShape,
            c.filterShape,
            c.strides,
            c.dilations,
            c.pad,
          );
          const x = fill(rng, c.xShape);
          const filter = fill(rng, c.filterShape);
          const ref = reference(x, filter, new Float32Array(sizeOfShape(info.outShape)), c, info);
          const label = JSON.stringify(c);
          await initBackend("cpu");
          const cpu = forward(x, filter, c);
          const got = await withDnnl(() => {
            const before = wasmDataIds();
            const y = forward(x, filter, c);
            assert.equal(wasmDataIds(), before, `${label}: wasm tensors leaked`);
            assert.deepEqual(dnnlKernelCalls().get("Conv2D"), { dnnl: 1, fallback: 0 }, label);
            return y;
          });
          assertWithin(got, ref.y, ref.yAbs, gamma(ref.yTerms), `${label} y`);
          // Both backends are within γ of the exact value, hence within 2γ of each other.
          assertWithin(got, cpu, ref.yAbs, 2 * gamma(ref.yTerms), `${label} y vs cpu`);
        }
      }
    } finally {
      setDnnlWeightsLayout(previousLayout);
    }
  });

  Deno.test(`oneDNN Conv2DBackpropInput and Conv2DBackpropFilter (${layout} filters) equal the float64 reference and the cpu backend`, async () => {
    const previousLayout = setDnnlWeightsLayout(layout);
    try {
      const rng = new Random(12);
      for (const c of randomCases(23, 16, false)) {
        const info = tf.backend_util.computeConv2DInfo(
          c.xShape,
          c.filterShape,
          c.strides,
          1,
          c.pad,
        );
        const x = fill(rng, c.xShape);
        const filter = fill(rng, c.filterShape);
        const dy = fill(rng, info.outShape);
        const ref = reference(x, filter, dy, c, info);
        const label = JSON.stringify(c);
        await initBackend("cpu");
        const cpu = gradients(x, filter, dy, c);
        const got = await withDnnl(() => {
          const before = wasmDataIds();
          const result = gradients(x, filter, dy, c);
          assert.equal(wasmDataIds(), before, `${label}: wasm tensors leaked`);
          const counts = dnnlKernelCalls();
          assert.deepEqual(counts.get("Conv2DBackpropInput"), { dnnl: 1, fallback: 0 }, label);
          assert.deepEqual(counts.get("Conv2DBackpropFilter"), { dnnl: 1, fallback: 0 }, label);
          return result;
        });
        assertWithin(got.dW, ref.dW, ref.dWAbs, gamma(ref.dWTerms), `${label} dW`);
        assertWithin(got.dx, ref.dx, ref.dxAbs, gamma(ref.dxTerms), `${label} dx`);
        assertWithin(got.dW, cpu.dW, ref.dWAbs, 2 * gamma(ref.dWTerms), `${label} dW vs cpu`);
        assertWithin(got.dx, cpu.dx, ref.dxAbs, 2 * gamma(ref.dxTerms), `${label} dx vs cpu`);
      }
    } finally {
      setDnnlWeightsLayout(previousLayout);
    }
  });
}

Deno.test("oneDNN strided 1×1 Conv2DBackpropFilter with fewer than 16 input channels skips jit_1x1 (it writes past its scratchpad on 2 threads) and equals the float64 reference on 1 and 2 threads", async () => {
  // The shapes where oneDNN 2.6's jit_1x1 backward weights overflowed (native_dnnl_conv.ts):
  // the smallest one found, ResNet-18 ×1/16's shortcut convolutions, and IC = 15.
  const cases: ConvCase[] = [
    {
      xShape: [1, 10, 10, 3],
      filterShape: [1, 1, 3, 2],
      strides: [2, 2],
      dilations: [1, 1],
      pad: "valid",
    },
    {
      xShape: [8, 28, 28, 4],
      filterShape: [1, 1, 4, 8],
      strides: [2, 2],
      dilations: [1, 1],
      pad: "same",
    },
    {
      xShape: [8, 14, 14, 8],
      filterShape: [1, 1, 8, 16],
      strides: [2, 2],
      dilations: [1, 1],
      pad: "same",
    },
    {
      xShape: [3, 12, 6, 15],
      filterShape: [1, 1, 15, 7],
      strides: [2, 1],
      dilations: [1, 1],
      pad: "same",
    },
  ];
  const rng = new Random(6035);
  await withDnnl(() => {
    const initial = setDnnlThreads(2);
    try {
      for (const threads of [2, 1]) {
        setDnnlThreads(threads);
        for (const c of cases) {
          const info = tf.backend_util.computeConv2DInfo(
            c.xShape,
            c.filterShape,
            c.strides,
            1,
            c.pad,
          );
          const x = fill(rng, c.xShape);
          const filter = fill(rng, c.filterShape);
          const dy = fill(rng, info.outShape);
          const ref = reference(x, filter, dy, c, info);
          const label = `${JSON.stringify(c)}, ${threads} threads`;
          const got = gradients(x, filter, dy, c);
          assertWithin(got.dW, ref.dW, ref.dWAbs, gamma(ref.dWTerms), `${label} dW`);
          assertWithin(got.dx, ref.dx, ref.dxAbs, gamma(ref.dxTerms), `${label} dx`);
        }
        const chosen = [...dnnlConvImplementations().get("backwardWeights")!];
        assert.ok(chosen.length >= 1);
        assert.ok(
          !chosen.some((name) => name.startsWith("jit_1x1")),
          `${threads} threads: ${chosen}`,
        );
      }
      assert.deepEqual(dnnlKernelCalls().get("Conv2DBackpropFilter"), { dnnl: 8, fallback: 0 });
    } finally {
      setDnnlThreads(initial);
    }
  });
});

Deno.test("oneDNN 'auto' threads: a small convolution on one thread, a large one on all; both equal the float64 reference, repeat bit for bit, and leave the OpenMP count as it was", async () => {
  const unitStride = (
    xShape: ConvCase["xShape"],
    filterShape: ConvCase["filterShape"],
  ): ConvCase => ({
    xShape,
    filterShape,
    strides: [1, 1],
    dilations: [1, 1],
    pad: "same",
  });
  const cases = [
    // 2·28·28·6·1·25 = 0.24 million multiply-adds (a 28×28 output, but below 12 million): one.
    unitStride([2, 28, 28, 1], [5, 5, 1, 6]),
    // 64·28·28·16·8·9 = 57.8 million: every core.
    unitStride([64, 28, 28, 8], [3, 3, 8, 16]),
  ];
  const rng = new Random(2026);
  await withDnnl(() => {
    const initial = setDnnlThreads("auto");
    try {
      // Outside a call the OpenMP count is the one the other kernels (pooling) run on.
      assert.equal(openMpThreads(), 1);
      const expected = [1, openMpDefaultThreads()];
      cases.forEach((c, i) => {
        const info = tf.backend_util.computeConv2DInfo(
          c.xShape,
          c.filterShape,
          c.strides,
          1,
          c.pad,
        );
        const g = convGeometry(info);
        assert.equal(convMultiplyAdds(g) >= AUTO_PARALLEL.multiplyAdds, i === 1);
        assert.equal(dnnlConvThreadsFor(g), expected[i]);
        const x = fill(rng, c.xShape);
        const filter = fill(rng, c.filterShape);
        const dy = fill(rng, info.outShape);
        const ref = reference(x, filter, dy, c, info);
        const got = gradients(x, filter, dy, c);
        const label = `${JSON.stringify(c)} on ${expected[i]} threads`;
        assertWithin(got.dW, ref.dW, ref.dWAbs, gamma(ref.dWTerms), `${label} dW`);
        assertWithin(got.dx, ref.dx, ref.dxAbs, gamma(ref.dxTerms), `${label} dx`);
        const y = forward(x, filter, c);
        const again = gradients(x, filter, dy, c);
        assert.deepEqual(forward(x, filter, c), y, label);
        assert.deepEqual(again.dW, got.dW, label);
        assert.deepEqual(again.dx, got.dx, label);
        assert.equal(openMpThreads(), 1, `${label}: the call left its thread count behind`);
      });
      // The spatial rule: ResNet-18 ×1/16's first-stage 3×3 (14.5 M at 28×28) on all cores, its
      // third stage's 3×3 (14.5 M at 7×7) and its stem (3.6 M at 28×28) on one.
      const geometry = (x: number[], f: number[], stride: number) =>
        convGeometry(tf.backend_util.computeConv2DInfo(
          x as [number, number, number, number],
          f as [number, number, number, number],
          stride,
          1,
          "same",
        ));
      assert.equal(dnnlConvThreadsFor(geometry([128, 28, 28, 4], [3, 3, 4, 4], 1)), expected[1]);
      assert.equal(dnnlConvThreadsFor(geometry([128, 28, 28, 1], [3, 3, 1, 4], 1)), 1);
      assert.equal(dnnlConvThreadsFor(geometry([128, 7, 7, 16], [3, 3, 16, 16], 1)), 1);
      // A fixed setting applies to every size.
      setDnnlThreads(1);
      const large = convGeometry(
        tf.backend_util.computeConv2DInfo(cases[1].xShape, cases[1].filterShape, 1, 1, "same"),
      );
      assert.equal(dnnlConvThreadsFor(large), 1);
      assert.throws(() => setDnnlThreads("all" as never), /integer ≥ 1 or "auto", got all/);
    } finally {
      setDnnlThreads(initial);
    }
  });
});

function sizeOfShape(shape: readonly number[]): number {
  return shape.reduce((p, d) => p * d, 1);
}

Deno.test("oneDNN FusedConv2D: bias and each fused activation equal the float64 reference", async () => {
  const rng = new Random(13);
  const activations: Record<string, (v: number) => number> = {
    linear: (v) => v,
    relu: (v) => Math.max(0, v),
    relu6: (v) => Math.min(6, Math.max(0, v)),
    leakyrelu: (v) => (v < 0 ? 0.3 * v : v),
    elu: (v) => (v < 0 ? Math.expm1(v) : v),
    sigmoid: (v) => 1 / (1 + Math.exp(-v)),
  };
  await withDnnl(() => {
    for (const c of randomCases(24, 12, false)) {
      const info = tf.backend_util.computeConv2DInfo(c.xShape, c.filterShape, c.strides, 1, c.pad);
      const x = fill(rng, c.xShape);
      const filter = fill(rng, c.filterShape);
      const bias = fill(rng, [c.filterShape[3]]);
      const ref = reference(x, filter, new Float32Array(sizeOfShape(info.outShape)), c, info);
      for (const [activation, f] of Object.entries(activations)) {
        const got = tf.tidy(() =>
          tf.fused.conv2d({
            x: tf.tensor(x, c.xShape) as tf.Tensor4D,
            filter: tf.tensor(filter, c.filterShape) as tf.Tensor4D,
            strides: c.strides,
            pad: c.pad,
            bias: tf.tensor(bias),
            activation: activation as tf.fused.Activation,
            leakyreluAlpha: 0.3,
          }).dataSync()
        );
        const want = ref.y.map((v, i) => f(v + bias[i % bias.length]));
        // The bias add is one more rounding (γ_{k+1} over Σ|x·w| + |b|); every activation here
        // has slope at most 1, so it does not enlarge that error. elu and sigmoid are oneDNN's
        // vectorized exp approximations: 2^-20 absolute (16 ulp at 1) covers their few-ulp error
        // on values in (−1, 1) while a wrong activation (an O(1) change) fails.
        const extra = activation === "elu" || activation === "sigmoid" ? 2 ** -20 : 1e-30;
        const abs = ref.yAbs.map((v, i) => v + Math.abs(bias[i % bias.length]));
        assertWithin(
          got,
          want,
          abs,
          gamma(ref.yTerms + 1),
          `${JSON.stringify(c)} ${activation}`,
          extra,
        );
      }
    }
    const counts = dnnlKernelCalls().get("FusedConv2D");
    assert.deepEqual(counts, { dnnl: 72, fallback: 0 });
  });
});

Deno.test("oneDNN kernels give bit-identical results on repeated calls, on 1 and 2 threads", async () => {
  const rng = new Random(14);
  const c: ConvCase = {
    xShape: [16, 28, 28, 8],
    filterShape: [3, 3, 8, 16],
    strides: [1, 1],
    dilations: [1, 1],
    pad: "same",
  };
  const x = fill(rng, c.xShape);
  const filter = fill(rng, c.filterShape);
  const dy = fill(rng, [16, 28, 28, 16]);
  await withDnnl(() => {
    assert.throws(
      () => setDnnlThreads(0),
      (e: Error) => e instanceof RangeError && /got 0/.test(e.message),
    );
    const initial = setDnnlThreads(1);
    try {
      for (const threads of [1, 2]) {
        setDnnlThreads(threads);
        const first = { y: forward(x, filter, c), ...gradients(x, filter, dy, c) };
        for (let repeat = 0; repeat < 3; repeat++) {
          assert.deepEqual(forward(x, filter, c), first.y, `${threads} threads`);
          const again = gradients(x, filter, dy, c);
          assert.deepEqual(again.dx, first.dx, `${threads} threads`);
          assert.deepEqual(again.dW, first.dW, `${threads} threads`);
        }
      }
      // The cached plans name the oneDNN implementation that ran (e.g. brg:avx512_core). Read
      // before the thread count is restored: a change of thread count empties the cache.
      assert.ok(dnnlConvImplementations().get("backwardWeights")!.size >= 1);
    } finally {
      setDnnlThreads(initial);
    }
    assert.ok(dnnlKernelCalls().get("Conv2DBackpropFilter")!.dnnl >= 8);
  });
});

Deno.test("oneDNN kernels fall back to the previous kernel for PReLU, and unregister restores it", async () => {
  await initBackend("wasm");
  const originalConv = tf.getKernel("FusedConv2D", "wasm")!.kernelFunc;
  const x = tf.tensor4d([1, -2, 3, -4], [1, 2, 2, 1]);
  const filter = tf.tensor4d([1], [1, 1, 1, 1]);
  const alpha = tf.tensor1d([0.5]);
  const run = () =>
    tf.tidy(() =>
      Array.from(
        tf.fused.conv2d({
          x,
          filter,
          strides: 1,
          pad: "valid",
          activation: "prelu",
          preluActivationWeights: alpha,
        }).dataSync(),
      )
    );
  const wasm = run();
  registerDnnlKernels();
  try {
    assert.ok(dnnlKernelsRegistered());
    assert.notEqual(tf.getKernel("FusedConv2D", "wasm")!.kernelFunc, originalConv);
    assert.deepEqual(run(), wasm);
    assert.deepEqual(wasm, [1, -1, 3, -2]);
    assert.deepEqual(dnnlKernelCalls().get("FusedConv2D"), { dnnl: 0, fallback: 1 });
    assert.deepEqual(registerDnnlKernels().kernels, []); // idempotent
  } finally {
    assert.deepEqual(unregisterDnnlKernels().sort(), [
      "Conv2D",
      "Conv2DBackpropFilter",
      "Conv2DBackpropInput",
      "FusedConv2D",
      "MaxPool",
      "MaxPoolGrad",
    ]);
  }
  assert.ok(!dnnlKernelsRegistered());
  assert.equal(tf.getKernel("FusedConv2D", "wasm")!.kernelFunc, originalConv);
  tf.dispose([x, filter, alpha]);
});

Deno.test("oneDNN kernels refuse bad input before work, naming it; a missing library names libdnnl2", async () => {
  assert.throws(
    () => registerDnnlKernels("cpu"),
    (e: Error) => e instanceof TypeError && /'cpu'/.test(e.message),
  );
  assert.throws(
    () => openDnnl(["/nonexistent/libdnnl.so.2"]),
    (e: Error) => /apt-get install libdnnl2/.test(e.message) && /nonexistent/.test(e.message),
  );
  await withDnnl(() => {
    const x = tf.zeros([1, 4, 4, 2]);
    assert.throws(
      () =>
        tf.engine().runKernel("Conv2DBackpropFilter", { x, dy: tf.zeros([1, 3, 3, 1]) }, {
          strides: 1,
          pad: "valid",
          dataFormat: "NHWC",
          filterShape: [3, 3, 2, 1],
        }),
      (e: Error) => e instanceof RangeError && /dy must have shape \[1,2,2,1\]/.test(e.message),
    );
    assert.throws(
      () =>
        tf.conv2d(tf.ones([2, 5, 5, 1]) as tf.Tensor4D, tf.ones([1, 3, 1, 4]) as tf.Tensor4D, [
          3,
          1,
        ], 1),
      (e: Error) => e instanceof RangeError && /pad 1 \(a number\)/.test(e.message),
    );
    x.dispose();
  });
});

/** A conv (with bias) + BatchNorm + pooling + dense model with fixed initial weights. */
function tinyCnn(weights: Float32Array[] | undefined): tfl.LayersModel {
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [8, 8, 2], filters: 3, kernelSize: 3, padding: "same" }),
      tfl.layers.batchNormalization(),
      tfl.layers.activation({ activation: "relu" }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.conv2d({ filters: 4, kernelSize: 2, strides: 2, activation: "relu" }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 3 }),
    ],
  });
  if (weights !== undefined) {
    model.setWeights(model.getWeights().map((w, i) => tf.tensor(weights[i], w.shape)));
  }
  return model;
}

Deno.test("a conv model trains through the oneDNN kernels, matches cpu, and keeps the tensor count flat", async () => {
  const rng = new Random(15);
  const images = rng.fillGaussian(new Float32Array(6 * 8 * 8 * 2));
  const labels = [0, 1, 2, 1, 0, 2];
  await initBackend("cpu");
  const initial = tinyCnn(undefined).getWeights().map((w) => w.dataSync() as Float32Array);
  const train = (steps: number) =>
    trainSgdSteps(() => tinyCnn(initial), images, [6, 8, 8, 2], labels, 3, steps);
  const cpu = train(3);
  const native = await withDnnl(() => {
    const result = train(3);
    const counts = dnnlKernelCalls();
    for (const name of ["Conv2DBackpropInput", "Conv2DBackpropFilter", "MaxPoolGrad"]) {
      assert.ok(counts.get(name)!.dnnl > 0 && counts.get(name)!.fallback === 0, name);
    }
    return result;
  });
  assert.ok(native.counts.every((c) => c === native.counts[0]), `tensor counts ${native.counts}`);
  assertWeightsNear(native.weights, cpu.weights, "native");
});

Deno.test("oneDNN MaxPool and MaxPoolGrad equal the cpu backend, ties included", async () => {
  const rng = new Random(16);
  const pick = <T>(values: T[]): T => values[rng.integer(values.length)];
  for (let trial = 0; trial < 24; trial++) {
    const filter = pick([1, 2, 3]);
    const stride = pick([1, 2, 3]);
    const pad = pick<"same" | "valid" | number>(["same", "valid", filter > 1 ? 1 : 0]);
    const h = filter + rng.integer(6);
    const w = filter + rng.integer(6);
    const xShape = [1 + rng.integer(3), h, w, pick([1, 3, 16])] as [number, number, number, number];
    // Half the trials draw small integers after a ReLU: many equal maxima, so the tie rule shows.
    const ties = trial % 2 === 0;
    const x = fill(rng, xShape).map((v) => (ties ? Math.max(0, Math.round(2 * v)) : v));
    const info = tf.backend_util.computePool2DInfo(xShape, filter, stride, 1, pad);
    const dy = fill(rng, info.outShape);
    const label = JSON.stringify({ xShape, filter, stride, pad, ties });
    const run = (gradient = dy) =>
      tf.tidy(() => {
        const input = tf.tensor(x, xShape) as tf.Tensor4D;
        const output = tf.maxPool(input, filter, stride, pad);
        const dx = tf.engine().runKernel("MaxPoolGrad", {
          dy: tf.tensor(gradient, info.outShape),
          input,
          output,
        }, { filterSize: filter, strides: stride, pad }) as tf.Tensor;
        return { y: output.dataSync(), dx: dx.dataSync() };
      });
    await initBackend("cpu");
    const cpu = run();
    // The same routing applied to |dy|: each dx entry's Σ|dy|, for the bound below.
    const dyAbs = run(dy.map(Math.abs)).dx;
    const got = await withDnnl(() => {
      const before = wasmDataIds();
      const result = run();
      assert.equal(wasmDataIds(), before, `${label}: wasm tensors leaked`);
      assert.deepEqual(dnnlKernelCalls().get("MaxPool"), { dnnl: 1, fallback: 0 }, label);
      assert.deepEqual(dnnlKernelCalls().get("MaxPoolGrad"), { dnnl: 1, fallback: 0 }, label);
      return result;
    });
    // A max is exact. Each dx entry is a sum of the dy routed to it, from at most
    // m = ⌈filter/stride⌉² windows, each backend within γ_m Σ|dy| of the exact sum: 2γ_m apart.
    assert.deepEqual(Array.from(got.y), Array.from(cpu.y), `${label} y`);
    const m = Math.ceil(filter / stride) ** 2;
    assertWithin(got.dx, cpu.dx, dyAbs, 2 * gamma(m), `${label} dx`);
    // The routing itself must agree: an entry is zero on one backend iff on the other.
    for (let i = 0; i < cpu.dx.length; i++) {
      assert.equal(got.dx[i] === 0, cpu.dx[i] === 0, `${label} dx[${i}] routing`);
    }
  }
});
