/**
 * A faster `Conv2DBackpropInput` for the TF.js wasm backend.
 *
 * Why: the wasm C++ computes the input gradient with a direct six-fold loop, about 1.5 GFLOP/s
 * here against 16–24 GFLOP/s for the XNNPACK forward convolution, which made it the slowest step
 * of a CNN's backward pass. This kernel writes it as one matrix product and its scatter:
 * `dcols = dy · W^T` (`[N·OH·OW, Cout] × [Cout, KH·KW·Cin]`, through XNNPACK via
 * {@link wasmMatMulInto}), then `dx = col2im(dcols)`, the adjoint of im2col, which adds each row's
 * runs back into the input positions they came from. Chunks of images bound the `dcols` block.
 *
 * NCHW and non-float32 inputs go to the original kernel.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import {
  asWasmBackend,
  disposeTemporary,
  heapFloat32,
  makeView,
  releaseView,
  replaceWasmKernel,
  tensorData,
  type WasmBackend,
} from "./wasm_internals.ts";
import { wasmMatMulInto } from "./wasm_matmul.ts";
import { accumulateCol2Im, im2colGeometry, imagesPerChunk } from "./wasm_im2col.ts";

interface Conv2DBackpropInputAttrs {
  strides: [number, number] | number;
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  dataFormat: "NHWC" | "NCHW";
  dimRoundingMode?: "floor" | "round" | "ceil";
  inputShape: [number, number, number, number];
}

/**
 * The input gradient `dx` (`inputShape`) of a NHWC convolution by `filter` whose output gradient
 * is `dy`, computed on the wasm heap.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { asWasmBackend } from "./wasm_internals.ts";
 * import { conv2DBackpropInputWasm } from "./wasm_conv2d_backprop_input.ts";
 * import { initBackend } from "./mod.ts";
 * await initBackend("wasm");
 * const dy = tf.ones([1, 3, 3, 1]);
 * const filter = tf.ones([3, 3, 1, 1]);
 * const dx = conv2DBackpropInputWasm(asWasmBackend(tf.backend()), dy, filter, {
 *   strides: 1, pad: "same", dataFormat: "NHWC", inputShape: [1, 3, 3, 1],
 * });
 * // The centre pixel feeds all 9 outputs; a corner pixel feeds 4.
 * const values = tf.engine().makeTensorFromTensorInfo(dx).dataSync();
 * assert.ok(values[4] === 9 && values[0] === 4);
 * ```
 */
export function conv2DBackpropInputWasm(
  backend: WasmBackend,
  dy: TensorInfo,
  filter: TensorInfo,
  attrs: Conv2DBackpropInputAttrs,
): TensorInfo {
  const dataFormat = tf.backend_util.convertConv2DDataFormat(attrs.dataFormat);
  const info = tf.backend_util.computeConv2DInfo(
    attrs.inputShape,
    filter.shape as [number, number, number, number],
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
      `Conv2DBackpropInput (wasm): dy must have shape [${expectedDy}], got [${dy.shape}]`,
    );
  }
  const out = backend.makeOutput([...attrs.inputShape], "float32");
  heapFloat32(backend, out).fill(0);
  if (g.batchSize * g.rowsPerImage * g.rowLength * g.outChannels === 0) return out;
  const chunkImages = imagesPerChunk(g);
  const dcols = backend.makeOutput([chunkImages * g.rowsPerImage, g.rowLength], "float32");
  try {
    for (let first = 0; first < g.batchSize; first += chunkImages) {
      const images = Math.min(chunkImages, g.batchSize - first);
      const rows = images * g.rowsPerImage;
      const dyChunk = makeView(backend, dy, first * g.rowsPerImage * g.outChannels, [
        rows,
        g.outChannels,
      ]);
      const dcolsChunk = makeView(backend, dcols, 0, [rows, g.rowLength]);
      try {
        wasmMatMulInto(
          backend,
          { info: dyChunk, batch: 1, rows, cols: g.outChannels },
          { info: filter, batch: 1, rows: g.rowLength, cols: g.outChannels },
          false,
          true,
          dcolsChunk,
        );
      } finally {
        releaseView(backend, dyChunk);
        releaseView(backend, dcolsChunk);
      }
      // The heap view is taken after the product: a heap growth detaches earlier ones.
      accumulateCol2Im(
        new Float32Array(backend.wasm.HEAPU8.buffer),
        tensorData(backend, out).memoryOffset / 4,
        tensorData(backend, dcols).memoryOffset / 4,
        first,
        images,
        g,
      );
    }
  } catch (error) {
    disposeTemporary(backend, out);
    throw error;
  } finally {
    disposeTemporary(backend, dcols);
  }
  return out;
}

/**
 * Registers {@link conv2DBackpropInputWasm} as the wasm `Conv2DBackpropInput` in place of TF.js's
 * (which stays the fallback for NCHW and non-float32 inputs). Idempotent; returns whether it
 * replaced anything.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import "@tensorflow/tfjs-backend-wasm";
 * import { registerFastWasmConv2DBackpropInput } from "./wasm_conv2d_backprop_input.ts";
 * registerFastWasmConv2DBackpropInput();
 * assert.ok(registerFastWasmConv2DBackpropInput() === false);
 * ```
 */
export function registerFastWasmConv2DBackpropInput(): boolean {
  return replaceWasmKernel("Conv2DBackpropInput", (original: KernelFunc): KernelFunc => (args) => {
    const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
    const attrs = args.attrs as unknown as Conv2DBackpropInputAttrs;
    const usable = dy.dtype === "float32" && filter.dtype === "float32" &&
      attrs.dataFormat !== "NCHW";
    if (!usable || !fastConvEnabled) return original(args);
    return conv2DBackpropInputWasm(asWasmBackend(args.backend), dy, filter, attrs);
  });
}

let fastConvEnabled = true;

/**
 * Switches the fast `Conv2DBackpropInput` on or off at run time (it stays registered): off, calls
 * go to TF.js's original kernel, for before/after measurements.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "./mod.ts";
 * import { setFastWasmConv2DBackpropInput } from "./wasm_conv2d_backprop_input.ts";
 * await initBackend("wasm");
 * const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
 * const w = tf.ones([2, 2, 1, 1]) as tf.Tensor4D;
 * for (const fast of [false, true]) {
 *   setFastWasmConv2DBackpropInput(fast);
 *   // d/dx of the sum of a valid 2×2 all-ones convolution on 3×3: each input pixel counts once per
 *   // window covering it, so the corners get 1, the edge middles 2 and the centre 4.
 *   const dx = tf.grad((input) => tf.sum(tf.conv2d(input as tf.Tensor4D, w, 1, "valid")))(x);
 *   assert.deepEqual(Array.from(await dx.data()), [1, 2, 1, 2, 4, 2, 1, 2, 1]);
 *   dx.dispose();
 * }
 * tf.dispose([x, w]);
 * ```
 */
export function setFastWasmConv2DBackpropInput(enabled: boolean): void {
  if (typeof enabled !== "boolean") {
    throw new TypeError(
      `setFastWasmConv2DBackpropInput: enabled must be a boolean, got ${enabled}`,
    );
  }
  fastConvEnabled = enabled;
}
