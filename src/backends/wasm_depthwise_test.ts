import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { Random } from "../math/random.ts";
import { initBackend } from "./init.ts";

/** Unit roundoff of float32. */
const U = 2 ** -24;
/** Higham: a float32 sum of n products in any order is within γ_n Σ|products| of the exact sum. */
const gamma = (n: number) => (n * U) / (1 - n * U);

interface DepthwiseCase {
  xShape: [number, number, number, number];
  filterShape: [number, number, number, number];
  strides: [number, number];
  pad: "same" | "valid";
}

const CASES: DepthwiseCase[] = [
  { xShape: [2, 6, 6, 3], filterShape: [3, 3, 3, 1], strides: [1, 1], pad: "same" },
  { xShape: [1, 7, 5, 4], filterShape: [3, 2, 4, 2], strides: [2, 1], pad: "valid" },
  { xShape: [3, 5, 6, 2], filterShape: [2, 3, 2, 3], strides: [2, 2], pad: "same" },
  { xShape: [1, 8, 8, 16], filterShape: [5, 5, 16, 1], strides: [2, 2], pad: "same" },
];

/** Float64 gradients of Σ depthwise(x, W) ⊙ dy, with Σ|terms| for the bounds. */
function reference(
  x: Float32Array,
  w: Float32Array,
  dy: Float32Array,
  c: DepthwiseCase,
  info: tf.backend_util.Conv2DInfo,
) {
  const [n, h, wd, ch] = c.xShape;
  const [kh, kw, , m] = c.filterShape;
  const dW = new Float64Array(w.length);
  const dWAbs = new Float64Array(w.length);
  const dx = new Float64Array(x.length);
  const dxAbs = new Float64Array(x.length);
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < info.outHeight; i++) {
      for (let j = 0; j < info.outWidth; j++) {
        for (let p = 0; p < kh; p++) {
          const ih = i * info.strideHeight - info.padInfo.top + p;
          if (ih < 0 || ih >= h) continue;
          for (let q = 0; q < kw; q++) {
            const iw = j * info.strideWidth - info.padInfo.left + q;
            if (iw < 0 || iw >= wd) continue;
            for (let k = 0; k < ch; k++) {
              const xi = ((b * h + ih) * wd + iw) * ch + k;
              for (let r = 0; r < m; r++) {
                const g = dy[((b * info.outHeight + i) * info.outWidth + j) * ch * m + k * m + r];
                const wi = ((p * kw + q) * ch + k) * m + r;
                dW[wi] += x[xi] * g;
                dWAbs[wi] += Math.abs(x[xi] * g);
                dx[xi] += w[wi] * g;
                dxAbs[xi] += Math.abs(w[wi] * g);
              }
            }
          }
        }
      }
    }
  }
  return {
    dW,
    dWAbs,
    dWTerms: n * info.outHeight * info.outWidth,
    dx,
    dxAbs,
    dxTerms: kh * kw * m * 4,
  };
}

Deno.test("wasm depthwise conv gradients (filter and input) equal the float64 reference and the cpu backend", async () => {
  const rng = new Random(31);
  for (const c of CASES) {
    const info = tf.backend_util.computeConv2DInfo(
      c.xShape,
      c.filterShape,
      c.strides,
      1,
      c.pad,
      undefined,
      true,
    );
    const x = rng.fillGaussian(new Float32Array(c.xShape.reduce((p, d) => p * d)));
    const w = rng.fillGaussian(new Float32Array(c.filterShape.reduce((p, d) => p * d)));
    const dy = rng.fillGaussian(new Float32Array(info.outShape.reduce((p, d) => p * d)));
    const ref = reference(x, w, dy, c, info);
    const run = () =>
      tf.tidy(() => {
        const dyTensor = tf.tensor(dy, info.outShape);
        const [dx, dW] = tf.grads((xT: tf.Tensor, wT: tf.Tensor) =>
          tf.sum(
            tf.mul(
              tf.depthwiseConv2d(xT as tf.Tensor4D, wT as tf.Tensor4D, c.strides, c.pad),
              dyTensor,
            ),
          )
        )([tf.tensor(x, c.xShape), tf.tensor(w, c.filterShape)]);
        return [dx.dataSync(), dW.dataSync()];
      });
    await initBackend("cpu");
    const [cpuDx, cpuDW] = run();
    await initBackend("wasm");
    const [dx, dW] = run();
    // dxTerms over-counts (×4) the taps reaching one pixel, which only loosens the bound.
    for (
      const [got, want, abs, terms, other, label] of [
        [dW, ref.dW, ref.dWAbs, ref.dWTerms, cpuDW, "dW"],
        [dx, ref.dx, ref.dxAbs, ref.dxTerms, cpuDx, "dx"],
      ] as const
    ) {
      for (let i = 0; i < want.length; i++) {
        const bound = gamma(terms) * abs[i] + 1e-30;
        assert.ok(
          Math.abs(got[i] - want[i]) <= bound,
          `${JSON.stringify(c)} ${label}[${i}]: ${got[i]} vs ${want[i]}`,
        );
        assert.ok(
          Math.abs(got[i] - other[i]) <= 2 * bound,
          `${JSON.stringify(c)} ${label}[${i}] vs cpu`,
        );
      }
    }
  }
});
