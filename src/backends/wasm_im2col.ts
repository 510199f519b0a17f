/**
 * im2col and its adjoint col2im on the wasm heap, for the convolution gradients of this folder.
 *
 * For an NHWC convolution, row `m = (n, oh, ow)` of the im2col matrix holds, in `(kh, kw, ci)`
 * order, the input values `x[n, oh·s_h − pad_top + kh, ow·s_w − pad_left + kw, ci]` (zero outside
 * the image). For a fixed `(m, kh)` the in-image taps are one contiguous run of `x`, so both
 * directions work run by run: a copy (im2col) or an add (col2im).
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";

/**
 * Largest im2col block, in float32 elements (16 MiB): big enough that XNNPACK runs long products,
 * small enough that a ResNet layer at batch 128 (e.g. 32×32×64 inputs, 3×3 filters: 75 M
 * elements in one block) does not take hundreds of MiB of wasm heap.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { IM2COL_CHUNK_ELEMENTS } from "./wasm_im2col.ts";
 * assert.ok(IM2COL_CHUNK_ELEMENTS * 4 === 16 * 2 ** 20);
 * ```
 */
export const IM2COL_CHUNK_ELEMENTS = 4 * 2 ** 20;

/**
 * Geometry of one NHWC convolution, as im2col needs it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { im2colGeometry } from "./wasm_im2col.ts";
 * const info = tf.backend_util.computeConv2DInfo([1, 5, 5, 2], [3, 3, 2, 4], 2, 1, "same");
 * const g = im2colGeometry(info);
 * assert.ok(g.rowLength === 18 && g.outHeight === 3);
 * ```
 */
export interface Im2ColGeometry {
  batchSize: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  outChannels: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  padTop: number;
  padLeft: number;
  /** Columns of the im2col matrix: `filterHeight · filterWidth · inChannels`. */
  rowLength: number;
  /** Rows of the im2col matrix per image: `outHeight · outWidth`. */
  rowsPerImage: number;
}

/**
 * The {@link Im2ColGeometry} of a TF.js `Conv2DInfo`; a TypeError for a dilated or NCHW
 * convolution, which these kernels do not handle.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { im2colGeometry } from "./wasm_im2col.ts";
 * const info = tf.backend_util.computeConv2DInfo([2, 4, 4, 1], [2, 2, 1, 1], 1, 1, "valid");
 * assert.ok(im2colGeometry(info).rowsPerImage === 9);
 * ```
 */
export function im2colGeometry(info: tf.backend_util.Conv2DInfo): Im2ColGeometry {
  if (info.dataFormat !== "channelsLast") {
    throw new TypeError(`im2colGeometry: dataFormat must be channelsLast, got ${info.dataFormat}`);
  }
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1) {
    throw new TypeError(
      `im2colGeometry: dilations must be 1, got [${info.dilationHeight}, ${info.dilationWidth}]`,
    );
  }
  return {
    batchSize: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    outChannels: info.outChannels,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
    rowLength: info.filterHeight * info.filterWidth * info.inChannels,
    rowsPerImage: info.outHeight * info.outWidth,
  };
}

/**
 * How many images one im2col block holds: as many as fit in the block size (see
 * {@link setIm2ColChunkElements}), at least 1, at most the batch.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { im2colGeometry, imagesPerChunk } from "./wasm_im2col.ts";
 * const info = tf.backend_util.computeConv2DInfo([8, 4, 4, 1], [2, 2, 1, 1], 1, 1, "valid");
 * assert.ok(imagesPerChunk(im2colGeometry(info)) === 8);
 * ```
 */
export function imagesPerChunk(g: Im2ColGeometry): number {
  const perImage = Math.max(1, g.rowsPerImage * g.rowLength);
  return Math.max(1, Math.min(g.batchSize, Math.floor(chunkElements / perImage)));
}

let chunkElements = IM2COL_CHUNK_ELEMENTS;

/**
 * Sets the im2col block size in elements (default {@link IM2COL_CHUNK_ELEMENTS}) and returns the
 * previous one. Tests use a tiny block to exercise the chunked path on small tensors.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { IM2COL_CHUNK_ELEMENTS, setIm2ColChunkElements } from "./wasm_im2col.ts";
 * const previous = setIm2ColChunkElements(1024);
 * assert.equal(previous, IM2COL_CHUNK_ELEMENTS); // nothing set it before: the default
 * assert.equal(setIm2ColChunkElements(previous), 1024);
 * assert.throws(() => setIm2ColChunkElements(0), RangeError);
 * ```
 */
export function setIm2ColChunkElements(elements: number): number {
  if (!Number.isInteger(elements) || elements < 1) {
    throw new RangeError(
      `setIm2ColChunkElements: elements must be a positive integer, got ${elements}`,
    );
  }
  const previous = chunkElements;
  chunkElements = elements;
  return previous;
}

/** Below this run length a plain loop beats `copyWithin`'s call overhead. */
const SHORT_RUN = 32;

/**
 * Visits the im2col matrix of images `[firstImage, firstImage + images)` run by run:
 * `run(colsIndex, xIndex, length)` for in-image taps and `gap(colsIndex, length)` for padding,
 * with indices relative to the block's first row and to the start of `x`.
 */
function forEachRun(
  g: Im2ColGeometry,
  firstImage: number,
  images: number,
  run: (colsIndex: number, xIndex: number, length: number) => void,
  gap: (colsIndex: number, length: number) => void,
): number {
  const filterRowLength = g.filterWidth * g.inChannels;
  const imageSize = g.inHeight * g.inWidth * g.inChannels;
  const inRowSize = g.inWidth * g.inChannels;
  let dst = 0;
  for (let n = firstImage; n < firstImage + images; n++) {
    const imageStart = n * imageSize;
    for (let oh = 0; oh < g.outHeight; oh++) {
      const ihTop = oh * g.strideHeight - g.padTop;
      for (let ow = 0; ow < g.outWidth; ow++) {
        const iwLeft = ow * g.strideWidth - g.padLeft;
        // Filter columns whose input column lies inside the image: [kwFirst, kwEnd).
        const kwFirst = Math.max(0, -iwLeft);
        const kwEnd = Math.min(g.filterWidth, g.inWidth - iwLeft);
        for (let kh = 0; kh < g.filterHeight; kh++) {
          const ih = ihTop + kh;
          if (ih < 0 || ih >= g.inHeight || kwFirst >= kwEnd) {
            gap(dst, filterRowLength);
            dst += filterRowLength;
            continue;
          }
          const before = kwFirst * g.inChannels;
          const runLength = (kwEnd - kwFirst) * g.inChannels;
          const after = filterRowLength - before - runLength;
          if (before > 0) gap(dst, before);
          dst += before;
          run(dst, imageStart + ih * inRowSize + (iwLeft + kwFirst) * g.inChannels, runLength);
          dst += runLength;
          if (after > 0) gap(dst, after);
          dst += after;
        }
      }
    }
  }
  return dst;
}

/**
 * Writes the im2col rows of images `[firstImage, firstImage + images)` of `x` into the block at
 * `colsStart`. `heap` is the whole wasm heap as float32; `xStart`/`colsStart` are element offsets.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { fillIm2Col, im2colGeometry } from "./wasm_im2col.ts";
 * const g = im2colGeometry(
 *   tf.backend_util.computeConv2DInfo([1, 2, 2, 1], [2, 2, 1, 1], 1, 1, "valid"),
 * );
 * const heap = new Float32Array([1, 2, 3, 4, 0, 0, 0, 0]); // x, then a 1×4 block
 * fillIm2Col(heap, 0, 4, 0, 1, g);
 * assert.ok(heap.slice(4).join() === "1,2,3,4");
 * ```
 */
export function fillIm2Col(
  heap: Float32Array,
  xStart: number,
  colsStart: number,
  firstImage: number,
  images: number,
  g: Im2ColGeometry,
): void {
  const written = forEachRun(
    g,
    firstImage,
    images,
    (colsIndex, xIndex, length) => {
      const dst = colsStart + colsIndex;
      const src = xStart + xIndex;
      if (length < SHORT_RUN) {
        for (let i = 0; i < length; i++) heap[dst + i] = heap[src + i];
      } else {
        heap.copyWithin(dst, src, src + length);
      }
    },
    (colsIndex, length) => heap.fill(0, colsStart + colsIndex, colsStart + colsIndex + length),
  );
  checkBlockSize(written, images, g);
}

/**
 * Writes the *transposed* im2col block of images `[firstImage, firstImage + images)` of `x` at
 * `colsStart`: row `(kh, kw, ci)` holds that tap for every output position `m = (n, oh, ow)`.
 * The filter gradient is then the plain product `cols^T · dy`, with no transpose of the (large)
 * block and with XNNPACK packing only the (smaller) `dy`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { fillIm2ColTransposed, im2colGeometry } from "./wasm_im2col.ts";
 * const g = im2colGeometry(
 *   tf.backend_util.computeConv2DInfo([1, 2, 2, 1], [1, 2, 1, 1], 1, 1, "valid"),
 * );
 * const heap = new Float32Array([1, 2, 3, 4, 0, 0, 0, 0]); // x, then a 2×2 block
 * fillIm2ColTransposed(heap, 0, 4, 0, 1, g);
 * assert.ok(heap.slice(4).join() === "1,3,2,4"); // tap kw=0 at both rows, then kw=1
 * ```
 */
export function fillIm2ColTransposed(
  heap: Float32Array,
  xStart: number,
  colsStart: number,
  firstImage: number,
  images: number,
  g: Im2ColGeometry,
): void {
  const rows = images * g.rowsPerImage;
  const imageSize = g.inHeight * g.inWidth * g.inChannels;
  const pixelStride = g.strideWidth * g.inChannels;
  for (let kh = 0; kh < g.filterHeight; kh++) {
    for (let kw = 0; kw < g.filterWidth; kw++) {
      // Output columns whose input column ow·s − pad + kw lies inside the image: [owFirst, owEnd).
      const owFirst = Math.min(
        g.outWidth,
        Math.max(0, Math.ceil((g.padLeft - kw) / g.strideWidth)),
      );
      const owEnd = Math.max(
        owFirst,
        Math.min(g.outWidth, Math.floor((g.inWidth - 1 + g.padLeft - kw) / g.strideWidth) + 1),
      );
      for (let ci = 0; ci < g.inChannels; ci++) {
        let dst = colsStart + ((kh * g.filterWidth + kw) * g.inChannels + ci) * rows;
        for (let n = firstImage; n < firstImage + images; n++) {
          for (let oh = 0; oh < g.outHeight; oh++) {
            const ih = oh * g.strideHeight - g.padTop + kh;
            if (ih < 0 || ih >= g.inHeight) {
              heap.fill(0, dst, dst + g.outWidth);
              dst += g.outWidth;
              continue;
            }
            if (owFirst > 0) heap.fill(0, dst, dst + owFirst);
            let src = xStart + n * imageSize + (ih * g.inWidth + owFirst * g.strideWidth -
                  g.padLeft + kw) * g.inChannels +
              ci;
            for (let ow = owFirst; ow < owEnd; ow++) {
              heap[dst + ow] = heap[src];
              src += pixelStride;
            }
            if (owEnd < g.outWidth) heap.fill(0, dst + owEnd, dst + g.outWidth);
            dst += g.outWidth;
          }
        }
      }
    }
  }
}

/**
 * The adjoint of {@link fillIm2Col}: adds each entry of the block at `colsStart` into the input
 * position it was copied from (padding entries are dropped). Used for the input gradient.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { accumulateCol2Im, im2colGeometry } from "./wasm_im2col.ts";
 * const g = im2colGeometry(
 *   tf.backend_util.computeConv2DInfo([1, 2, 1, 1], [1, 1, 1, 1], 1, 1, "valid"),
 * );
 * const heap = new Float32Array([10, 20, 1, 2]); // dx (2 pixels), then a 2×1 block
 * accumulateCol2Im(heap, 0, 2, 0, 1, g);
 * assert.ok(heap[0] === 11 && heap[1] === 22);
 * ```
 */
export function accumulateCol2Im(
  heap: Float32Array,
  dxStart: number,
  colsStart: number,
  firstImage: number,
  images: number,
  g: Im2ColGeometry,
): void {
  const written = forEachRun(
    g,
    firstImage,
    images,
    (colsIndex, xIndex, length) => {
      const src = colsStart + colsIndex;
      const dst = dxStart + xIndex;
      for (let i = 0; i < length; i++) heap[dst + i] += heap[src + i];
    },
    () => {},
  );
  checkBlockSize(written, images, g);
}

function checkBlockSize(written: number, images: number, g: Im2ColGeometry): void {
  const expected = images * g.rowsPerImage * g.rowLength;
  if (written !== expected) {
    throw new Error(`im2col: visited ${written} entries, expected ${expected} (internal error)`);
  }
}
