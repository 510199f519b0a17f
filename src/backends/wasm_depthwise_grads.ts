/**
 * The depthwise convolution gradients TF.js's wasm backend lacks:
 * `DepthwiseConv2dNativeBackpropFilter` and `DepthwiseConv2dNativeBackpropInput` (so depthwise
 * models, MobileNet-style, can train on wasm). A depthwise convolution does `KH·KW` multiply-adds
 * per output channel and position, too little arithmetic to gain from a matrix product, so both
 * are direct loops over the wasm heap with the channels innermost (contiguous in NHWC).
 *
 * With filter `[KH, KW, C, M]` (M the channel multiplier) and output channel `c·M + q`:
 * `dW[kh, kw, c, q] = Σ_{n, oh, ow} x[n, ih, iw, c] · dy[n, oh, ow, c·M + q]` and
 * `dx[n, ih, iw, c] = Σ_{oh, ow, kh, kw, q} W[kh, kw, c, q] · dy[n, oh, ow, c·M + q]`,
 * where `ih = oh·s_h − pad_top + kh·d_h` and `iw = ow·s_w − pad_left + kw·d_w`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { KernelConfig, TensorInfo } from "@tensorflow/tfjs-core";
import { asWasmBackend, sizeOf, tensorData, type WasmBackend } from "./wasm_internals.ts";

interface DepthwiseAttrs {
  strides: [number, number] | number;
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  dilations?: [number, number] | number;
  dimRoundingMode?: "floor" | "round" | "ceil";
}

/** Visits every (output position, in-image filter tap) pair with the heap offsets involved. */
function forEachTap(
  info: tf.backend_util.Conv2DInfo,
  visit: (xPixel: number, dyPixel: number, tap: number) => void,
): void {
  const { inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  for (let n = 0; n < info.batchSize; n++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++) {
        const dyPixel = ((n * outHeight + oh) * outWidth + ow) * outChannels;
        for (let kh = 0; kh < info.filterHeight; kh++) {
          const ih = oh * info.strideHeight - info.padInfo.top + kh * info.dilationHeight;
          if (ih < 0 || ih >= inHeight) continue;
          for (let kw = 0; kw < info.filterWidth; kw++) {
            const iw = ow * info.strideWidth - info.padInfo.left + kw * info.dilationWidth;
            if (iw < 0 || iw >= inWidth) continue;
            visit(
              ((n * inHeight + ih) * inWidth + iw) * inChannels,
              dyPixel,
              kh * info.filterWidth + kw,
            );
          }
        }
      }
    }
  }
}

function depthwiseInfo(
  kernelName: string,
  xShape: number[],
  filterShape: number[],
  dy: TensorInfo,
  attrs: DepthwiseAttrs,
): tf.backend_util.Conv2DInfo {
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
  );
  const expectedDy = [info.batchSize, info.outHeight, info.outWidth, info.outChannels];
  if (dy.shape.length !== 4 || dy.shape.some((d, i) => d !== expectedDy[i])) {
    throw new RangeError(
      `${kernelName} (wasm): dy must have shape [${expectedDy}], got [${dy.shape}]`,
    );
  }
  return info;
}

/**
 * The filter gradient of a NHWC depthwise convolution, on the wasm heap.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { asWasmBackend } from "./wasm_internals.ts";
 * import { depthwiseBackpropFilterWasm } from "./wasm_depthwise_grads.ts";
 * import { initBackend } from "./mod.ts";
 * await initBackend("wasm");
 * const dW = depthwiseBackpropFilterWasm(asWasmBackend(tf.backend()), tf.ones([1, 3, 3, 2]), tf.ones([1, 3, 3, 2]), {
 *   strides: 1, pad: "same", filterShape: [3, 3, 2, 1],
 * });
 * // Per channel: the centre tap sees 9 pixels, a corner tap 4.
 * const values = tf.engine().makeTensorFromTensorInfo(dW).dataSync();
 * assert.ok(values[8] === 9 && values[0] === 4);
 * ```
 */
export function depthwiseBackpropFilterWasm(
  backend: WasmBackend,
  x: TensorInfo,
  dy: TensorInfo,
  attrs: DepthwiseAttrs & { filterShape: [number, number, number, number] },
): TensorInfo {
  const info = depthwiseInfo(
    "DepthwiseConv2dNativeBackpropFilter",
    x.shape,
    attrs.filterShape,
    dy,
    attrs,
  );
  const out = backend.makeOutput([...attrs.filterShape], "float32");
  const channels = info.inChannels;
  const multiplier = info.outChannels / channels;
  const heap = new Float32Array(backend.wasm.HEAPU8.buffer);
  const xStart = tensorData(backend, x).memoryOffset / 4;
  const dyStart = tensorData(backend, dy).memoryOffset / 4;
  const dWStart = tensorData(backend, out).memoryOffset / 4;
  const tapSize = channels * multiplier;
  heap.fill(0, dWStart, dWStart + sizeOf(attrs.filterShape));
  forEachTap(info, (xPixel, dyPixel, tap) => {
    const w = dWStart + tap * tapSize;
    const xs = xStart + xPixel;
    const ds = dyStart + dyPixel;
    for (let c = 0; c < channels; c++) {
      const xv = heap[xs + c];
      for (let q = 0; q < multiplier; q++) {
        heap[w + c * multiplier + q] += xv * heap[ds + c * multiplier + q];
      }
    }
  });
  return out;
}

/**
 * The input gradient of a NHWC depthwise convolution, on the wasm heap.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { asWasmBackend } from "./wasm_internals.ts";
 * import { depthwiseBackpropInputWasm } from "./wasm_depthwise_grads.ts";
 * import { initBackend } from "./mod.ts";
 * await initBackend("wasm");
 * const dx = depthwiseBackpropInputWasm(asWasmBackend(tf.backend()), tf.ones([1, 3, 3, 1]), tf.ones([3, 3, 1, 1]), {
 *   strides: 1, pad: "same", inputShape: [1, 3, 3, 1],
 * });
 * // The centre pixel feeds 9 outputs, a corner pixel 4.
 * const values = tf.engine().makeTensorFromTensorInfo(dx).dataSync();
 * assert.ok(values[4] === 9 && values[0] === 4);
 * ```
 */
export function depthwiseBackpropInputWasm(
  backend: WasmBackend,
  dy: TensorInfo,
  filter: TensorInfo,
  attrs: DepthwiseAttrs & { inputShape: [number, number, number, number] },
): TensorInfo {
  const info = depthwiseInfo(
    "DepthwiseConv2dNativeBackpropInput",
    attrs.inputShape,
    filter.shape,
    dy,
    attrs,
  );
  const out = backend.makeOutput([...attrs.inputShape], "float32");
  const channels = info.inChannels;
  const multiplier = info.outChannels / channels;
  const heap = new Float32Array(backend.wasm.HEAPU8.buffer);
  const wStart = tensorData(backend, filter).memoryOffset / 4;
  const dyStart = tensorData(backend, dy).memoryOffset / 4;
  const dxStart = tensorData(backend, out).memoryOffset / 4;
  const tapSize = channels * multiplier;
  heap.fill(0, dxStart, dxStart + sizeOf(attrs.inputShape));
  forEachTap(info, (xPixel, dyPixel, tap) => {
    const w = wStart + tap * tapSize;
    const xs = dxStart + xPixel;
    const ds = dyStart + dyPixel;
    for (let c = 0; c < channels; c++) {
      let sum = 0;
      for (let q = 0; q < multiplier; q++) {
        sum += heap[w + c * multiplier + q] * heap[ds + c * multiplier + q];
      }
      heap[xs + c] += sum;
    }
  });
  return out;
}

function float32Only(kernelName: string, ...inputs: TensorInfo[]): void {
  for (const input of inputs) {
    if (input.dtype !== "float32") {
      throw new TypeError(`${kernelName} (wasm): inputs must be float32, got ${input.dtype}`);
    }
  }
}

const filterConfig: KernelConfig = {
  kernelName: "DepthwiseConv2dNativeBackpropFilter",
  backendName: "wasm",
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    float32Only("DepthwiseConv2dNativeBackpropFilter", x, dy);
    return depthwiseBackpropFilterWasm(
      asWasmBackend(backend),
      x,
      dy,
      attrs as unknown as DepthwiseAttrs & { filterShape: [number, number, number, number] },
    );
  },
};

const inputConfig: KernelConfig = {
  kernelName: "DepthwiseConv2dNativeBackpropInput",
  backendName: "wasm",
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
    float32Only("DepthwiseConv2dNativeBackpropInput", dy, filter);
    return depthwiseBackpropInputWasm(
      asWasmBackend(backend),
      dy,
      filter,
      attrs as unknown as DepthwiseAttrs & { inputShape: [number, number, number, number] },
    );
  },
};

/**
 * Registers both depthwise gradients for wasm where TF.js has none. Returns the names registered.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import "@tensorflow/tfjs-backend-wasm";
 * import { registerWasmDepthwiseGradients } from "./wasm_depthwise_grads.ts";
 * registerWasmDepthwiseGradients();
 * assert.ok(registerWasmDepthwiseGradients().length === 0);
 * ```
 */
export function registerWasmDepthwiseGradients(): string[] {
  const registered: string[] = [];
  for (const config of [filterConfig, inputConfig]) {
    if (tf.getKernel(config.kernelName, "wasm") !== undefined) continue;
    tf.registerKernel(config);
    registered.push(config.kernelName);
  }
  return registered;
}
