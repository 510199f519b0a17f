/**
 * `Conv2DBackpropFilter` for the TF.js wasm backend, which lacks it (so no convolutional model can
 * train on wasm without this file).
 *
 * The filter gradient of a convolution is one matrix product:
 * `dW[(kh, kw, ci), co] = Σ_m cols[m, (kh, kw, ci)] · dy[m, co]` with `m = (n, oh, ow)` and
 * `cols` the im2col matrix of the input (`x[n, oh·s_h − pad_top + kh, ow·s_w − pad_left + kw, ci]`,
 * zero outside the image). `cols^T` is filled directly on the wasm heap in JavaScript, so that
 * the product `cols^T · dy` is a plain one for XNNPACK (through {@link wasmMatMulInto}): no
 * transpose of the large block, and only the smaller `dy` gets packed. The batch is processed in chunks so that `cols` stays under `IM2COL_CHUNK_ELEMENTS`
 * floats whatever the model, and the chunks' products are summed.
 *
 * Like every TF.js convolution gradient it supports dilation 1 only (tfjs-core refuses dilated
 * gradients before calling the kernel) and, like the wasm `Conv2D`, the NHWC layout only.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { KernelConfig, TensorInfo } from "@tensorflow/tfjs-core";
import {
  asWasmBackend,
  disposeTemporary,
  heapFloat32,
  makeView,
  releaseView,
  sizeOf,
  tensorData,
  type WasmBackend,
} from "./wasm_internals.ts";
import { wasmMatMulInto } from "./wasm_matmul.ts";
import { fillIm2ColTransposed, im2colGeometry, imagesPerChunk } from "./wasm_im2col.ts";

interface Conv2DBackpropFilterAttrs {
  strides: [number, number] | number;
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  dataFormat: "NHWC" | "NCHW";
  dimRoundingMode?: "floor" | "round" | "ceil";
  filterShape: [number, number, number, number];
}

/**
 * The filter gradient `dW` (`filterShape`) of a NHWC convolution of `x` whose output gradient is
 * `dy`, computed on the wasm heap.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { asWasmBackend } from "./wasm_internals.ts";
 * import { conv2DBackpropFilterWasm } from "./wasm_conv2d_backprop_filter.ts";
 * import { initBackend } from "./mod.ts";
 * await initBackend("wasm");
 * const x = tf.ones([1, 3, 3, 1]);
 * const dy = tf.ones([1, 3, 3, 1]);
 * const dW = conv2DBackpropFilterWasm(asWasmBackend(tf.backend()), x, dy, {
 *   strides: 1, pad: "same", dataFormat: "NHWC", filterShape: [3, 3, 1, 1],
 * });
 * // The centre tap sees all 9 pixels; a corner tap sees 4.
 * const values = tf.engine().makeTensorFromTensorInfo(dW).dataSync();
 * assert.ok(values[4] === 9 && values[0] === 4);
 * ```
 */
export function conv2DBackpropFilterWasm(
  backend: WasmBackend,
  x: TensorInfo,
  dy: TensorInfo,
  attrs: Conv2DBackpropFilterAttrs,
): TensorInfo {
  if (x.dtype !== "float32" || dy.dtype !== "float32") {
    throw new TypeError(
      `Conv2DBackpropFilter (wasm): x and dy must be float32, got ${x.dtype} and ${dy.dtype}`,
    );
  }
  const dataFormat = tf.backend_util.convertConv2DDataFormat(attrs.dataFormat);
  if (dataFormat !== "channelsLast") {
    throw new TypeError(
      `Conv2DBackpropFilter (wasm): dataFormat must be 'NHWC' (as for the wasm Conv2D), got ` +
        `'${attrs.dataFormat}'`,
    );
  }
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    dataFormat,
  );
  const g = im2colGeometry(info);
  const expectedDy = [g.batchSize, g.outHeight, g.outWidth, g.outChannels];
  if (dy.shape.length !== 4 || dy.shape.some((d, i) => d !== expectedDy[i])) {
    throw new RangeError(
      `Conv2DBackpropFilter (wasm): dy must have shape [${expectedDy}], got [${dy.shape}]`,
    );
  }
  const out = backend.makeOutput([...attrs.filterShape], "float32");
  const filterSize = sizeOf(attrs.filterShape);
  if (g.batchSize * g.rowsPerImage === 0) {
    heapFloat32(backend, out).fill(0);
    return out;
  }
  const chunkImages = imagesPerChunk(g);
  const cols = backend.makeOutput([g.rowLength, chunkImages * g.rowsPerImage], "float32");
  const partial = chunkImages < g.batchSize
    ? backend.makeOutput([g.rowLength, g.outChannels], "float32")
    : undefined;
  try {
    for (let first = 0; first < g.batchSize; first += chunkImages) {
      const images = Math.min(chunkImages, g.batchSize - first);
      const rows = images * g.rowsPerImage;
      // The heap view is taken after every allocation: a heap growth detaches earlier ones.
      fillIm2ColTransposed(
        new Float32Array(backend.wasm.HEAPU8.buffer),
        tensorData(backend, x).memoryOffset / 4,
        tensorData(backend, cols).memoryOffset / 4,
        first,
        images,
        g,
      );
      const colsChunk = makeView(backend, cols, 0, [g.rowLength, rows]);
      const dyChunk = makeView(backend, dy, first * g.rowsPerImage * g.outChannels, [
        rows,
        g.outChannels,
      ]);
      const target = first === 0 ? out : partial!;
      try {
        wasmMatMulInto(
          backend,
          { info: colsChunk, batch: 1, rows: g.rowLength, cols: rows },
          { info: dyChunk, batch: 1, rows, cols: g.outChannels },
          false,
          false,
          target,
        );
      } finally {
        releaseView(backend, colsChunk);
        releaseView(backend, dyChunk);
      }
      if (target !== out) {
        const sum = heapFloat32(backend, out, filterSize);
        const add = heapFloat32(backend, partial!, filterSize);
        for (let i = 0; i < filterSize; i++) sum[i] += add[i];
      }
    }
  } catch (error) {
    disposeTemporary(backend, out);
    throw error;
  } finally {
    disposeTemporary(backend, cols);
    if (partial !== undefined) disposeTemporary(backend, partial);
  }
  return out;
}
/**
 * The kernel config registered for `Conv2DBackpropFilter` on `wasm`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { conv2DBackpropFilterWasmConfig } from "./wasm_conv2d_backprop_filter.ts";
 * assert.ok(conv2DBackpropFilterWasmConfig.backendName === "wasm");
 * ```
 */
export const conv2DBackpropFilterWasmConfig: KernelConfig = {
  kernelName: "Conv2DBackpropFilter",
  backendName: "wasm",
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    return conv2DBackpropFilterWasm(
      asWasmBackend(backend),
      x,
      dy,
      attrs as unknown as Conv2DBackpropFilterAttrs,
    );
  },
};

/**
 * Registers {@link conv2DBackpropFilterWasmConfig} unless a `Conv2DBackpropFilter` kernel for wasm
 * already exists (a later TF.js may ship one). Returns whether it registered.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import "@tensorflow/tfjs-backend-wasm";
 * import { registerWasmConv2DBackpropFilter } from "./wasm_conv2d_backprop_filter.ts";
 * registerWasmConv2DBackpropFilter();
 * assert.ok(registerWasmConv2DBackpropFilter() === false);
 * ```
 */
export function registerWasmConv2DBackpropFilter(): boolean {
  if (tf.getKernel("Conv2DBackpropFilter", "wasm") !== undefined) return false;
  tf.registerKernel(conv2DBackpropFilterWasmConfig);
  return true;
}
