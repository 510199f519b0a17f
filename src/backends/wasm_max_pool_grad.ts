/**
 * A faster `MaxPoolGrad` for the TF.js wasm backend.
 *
 * Why: TF.js's wasm `MaxPoolGrad` was the slowest kernel of a CNN training step here (about 15 M
 * input elements per second: a 2×2 pool of a [128, 28, 28, 32] activation took longer than the
 * convolution gradients). The gradient of a max pool routes each output gradient to the argmax of
 * its window, so this kernel visits each window once: channels innermost (contiguous on the heap),
 * the first maximum in row-major window order winning ties, as in TF.js's cpu backend
 * (`maxPoolPositions`), and windows lying wholly in the padding contributing nothing.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import {
  asWasmBackend,
  replaceWasmKernel,
  tensorData,
  type WasmBackend,
} from "./wasm_internals.ts";

interface MaxPoolGradAttrs {
  filterSize: [number, number] | number;
  strides: [number, number] | number;
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: "floor" | "round" | "ceil";
}

/**
 * The input gradient of a NHWC max pool of `input` whose output gradient is `dy`, on the wasm
 * heap.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { asWasmBackend } from "./wasm_internals.ts";
 * import { maxPoolGradWasm } from "./wasm_max_pool_grad.ts";
 * import { initBackend } from "./mod.ts";
 * await initBackend("wasm");
 * const input = tf.tensor4d([1, 5, 3, 2], [1, 2, 2, 1]);
 * const dy = tf.tensor4d([7], [1, 1, 1, 1]);
 * const dx = maxPoolGradWasm(asWasmBackend(tf.backend()), dy, input, {
 *   filterSize: 2, strides: 2, pad: "valid",
 * });
 * // The gradient goes to the maximum, 5.
 * assert.ok(tf.engine().makeTensorFromTensorInfo(dx).dataSync().join() === "0,7,0,0");
 * ```
 */
export function maxPoolGradWasm(
  backend: WasmBackend,
  dy: TensorInfo,
  input: TensorInfo,
  attrs: MaxPoolGradAttrs,
): TensorInfo {
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const expectedDy = [info.batchSize, info.outHeight, info.outWidth, info.outChannels];
  if (dy.shape.length !== 4 || dy.shape.some((d, i) => d !== expectedDy[i])) {
    throw new RangeError(
      `MaxPoolGrad (wasm): dy must have shape [${expectedDy}], got [${dy.shape}]`,
    );
  }
  const out = backend.makeOutput([...input.shape], "float32");
  const channels = info.inChannels;
  const best = new Float32Array(channels);
  const bestIndex = new Int32Array(channels);
  // The heap view is taken after the allocation: a heap growth detaches earlier ones.
  const heap = new Float32Array(backend.wasm.HEAPU8.buffer);
  const xStart = tensorData(backend, input).memoryOffset / 4;
  const dyStart = tensorData(backend, dy).memoryOffset / 4;
  const dxStart = tensorData(backend, out).memoryOffset / 4;
  heap.fill(0, dxStart, dxStart + input.shape.reduce((p, d) => p * d, 1));
  const { inHeight, inWidth, strideHeight, strideWidth } = info;
  const rowSize = inWidth * channels;
  let dyIndex = dyStart;
  for (let n = 0; n < info.batchSize; n++) {
    const imageStart = xStart + n * inHeight * rowSize;
    for (let oh = 0; oh < info.outHeight; oh++) {
      const top = oh * strideHeight - info.padInfo.top;
      const ihFirst = Math.max(0, top);
      const ihEnd = Math.min(inHeight, top + info.filterHeight);
      for (let ow = 0; ow < info.outWidth; ow++) {
        const left = ow * strideWidth - info.padInfo.left;
        const iwFirst = Math.max(0, left);
        const iwEnd = Math.min(inWidth, left + info.filterWidth);
        best.fill(-Infinity);
        bestIndex.fill(-1);
        for (let ih = ihFirst; ih < ihEnd; ih++) {
          for (let iw = iwFirst; iw < iwEnd; iw++) {
            const base = imageStart + ih * rowSize + iw * channels;
            for (let c = 0; c < channels; c++) {
              const value = heap[base + c];
              if (value > best[c]) {
                best[c] = value;
                bestIndex[c] = base + c;
              }
            }
          }
        }
        for (let c = 0; c < channels; c++) {
          const index = bestIndex[c];
          if (index >= 0) heap[dxStart + (index - xStart)] += heap[dyIndex + c];
        }
        dyIndex += channels;
      }
    }
  }
  return out;
}

let fastMaxPoolGradEnabled = true;

/**
 * Switches the fast `MaxPoolGrad` on or off at run time (it stays registered): off, calls go to
 * TF.js's original kernel, for before/after measurements.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "./mod.ts";
 * import { setFastWasmMaxPoolGrad } from "./wasm_max_pool_grad.ts";
 * await initBackend("wasm");
 * const x = tf.tensor4d([1, 4, 2, 3], [1, 2, 2, 1]);
 * for (const fast of [false, true]) {
 *   setFastWasmMaxPoolGrad(fast);
 *   // One 2×2 window: the gradient of its max goes to the maximum, 4, and nowhere else.
 *   const dx = tf.grad((input) => tf.sum(tf.maxPool(input as tf.Tensor4D, 2, 2, "valid")))(x);
 *   assert.deepEqual(Array.from(await dx.data()), [0, 1, 0, 0]);
 *   dx.dispose();
 * }
 * x.dispose();
 * ```
 */
export function setFastWasmMaxPoolGrad(enabled: boolean): void {
  if (typeof enabled !== "boolean") {
    throw new TypeError(`setFastWasmMaxPoolGrad: enabled must be a boolean, got ${enabled}`);
  }
  fastMaxPoolGradEnabled = enabled;
}

/**
 * Registers {@link maxPoolGradWasm} as the wasm `MaxPoolGrad` in place of TF.js's (kept as the
 * fallback for non-float32 inputs). Idempotent; returns whether it replaced anything.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import "@tensorflow/tfjs-backend-wasm";
 * import { registerFastWasmMaxPoolGrad } from "./wasm_max_pool_grad.ts";
 * registerFastWasmMaxPoolGrad();
 * assert.ok(registerFastWasmMaxPoolGrad() === false);
 * ```
 */
export function registerFastWasmMaxPoolGrad(): boolean {
  return replaceWasmKernel("MaxPoolGrad", (original: KernelFunc): KernelFunc => (args) => {
    const { dy, input } = args.inputs as { dy: TensorInfo; input: TensorInfo };
    if (!fastMaxPoolGradEnabled || dy.dtype !== "float32" || input.dtype !== "float32") {
      return original(args);
    }
    return maxPoolGradWasm(
      asWasmBackend(args.backend),
      dy,
      input,
      args.attrs as unknown as MaxPoolGradAttrs,
    );
  });
}
