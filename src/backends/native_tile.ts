/**
 * `Tile` of the `native` backend, as block copies on the wasm heap.
 *
 * Why: TF.js's batch-norm gradient tiles the per-channel `1/sqrt(var + eps)` to the activation's
 * full `[N, H, W, C]` shape, and the wasm `Tile` computes every output index with a scalar loop.
 * Profiled on a ResNet-18 ×1/16 SGD step (wasm, batch 128): 20 Tile calls took 38% of the step,
 * more than every convolution together. As copies, a tile is one output-sized memory pass: the
 * inner row of `x` is written once and then doubled with `copyWithin` (memmove) along each dim.
 *
 * Tensors whose tiling needs more than {@link MAX_LEAF_COPIES} separate row copies (large `x`
 * with short rows) go to the original kernel, as do dtypes other than float32, int32 and bool.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { TensorInfo } from "@tensorflow/tfjs-core";
import { asWasmBackend, sizeOf, tensorData } from "./wasm_internals.ts";

/** Above this many innermost-row copies, per-row JavaScript calls would cost more than they save. */
export const MAX_LEAF_COPIES = 65536;

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1 };

/** Repeats `out[at, at + block)` `times` times in place, by doubling. */
function repeatBlock(out: Uint8Array, at: number, block: number, times: number): void {
  const total = block * times;
  let filled = block;
  while (filled < total) {
    const count = Math.min(filled, total - filled);
    out.copyWithin(at + filled, at, at + count);
    filled += count;
  }
}

/**
 * Writes `tile(x, reps)` (bytes `x`, shape `shape`, element size `bytes`) into `out`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tileBytes } from "./native_tile.ts";
 * const x = new Uint8Array([1, 2, 3, 4]); // shape [2, 2], one byte per element
 * const out = new Uint8Array(8);
 * tileBytes(x, [2, 2], [1, 2], 1, out);
 * assert.deepEqual(Array.from(out), [1, 2, 1, 2, 3, 4, 3, 4]);
 * ```
 */
export function tileBytes(
  x: Uint8Array,
  shape: readonly number[],
  reps: readonly number[],
  bytes: number,
  out: Uint8Array,
): void {
  const rank = shape.length;
  if (reps.length !== rank) {
    throw new RangeError(`tileBytes: reps must have rank ${rank}, got [${reps}]`);
  }
  if (rank === 0) {
    out.set(x.subarray(0, bytes));
    return;
  }
  const outStride = new Array<number>(rank);
  const xStride = new Array<number>(rank);
  outStride[rank - 1] = bytes;
  xStride[rank - 1] = bytes;
  for (let d = rank - 2; d >= 0; d--) {
    outStride[d] = outStride[d + 1] * shape[d + 1] * reps[d + 1];
    xStride[d] = xStride[d + 1] * shape[d + 1];
  }
  const fill = (outAt: number, xAt: number, d: number): void => {
    if (d === rank - 1) {
      out.set(x.subarray(xAt, xAt + shape[d] * bytes), outAt);
    } else {
      for (let i = 0; i < shape[d]; i++) {
        fill(outAt + i * outStride[d], xAt + i * xStride[d], d + 1);
      }
    }
    repeatBlock(out, outAt, shape[d] * outStride[d], reps[d]);
  };
  fill(0, 0, 0);
}

/**
 * Replaces `Tile` of the backend `backendName` (a wasm backend whose kernels are registered: the
 * original becomes the fallback). Returns false when already done.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "./init.ts";
 * try {
 *   await initBackend("native"); // registers it, when the native libraries load
 *   assert.deepEqual(Array.from(tf.tile(tf.tensor1d([1, 2]), [2]).dataSync()), [1, 2, 1, 2]);
 * } catch (error) {
 *   assert.match((error as Error).message, /install/);
 * }
 * ```
 */
export function registerNativeTile(backendName: string): boolean {
  const original = tf.getKernel("Tile", backendName);
  if (original === undefined) {
    throw new Error(`registerNativeTile: no 'Tile' kernel is registered for '${backendName}'`);
  }
  if (replaced.has(backendName)) return false;
  const fallback = original.kernelFunc;
  tf.unregisterKernel("Tile", backendName);
  tf.registerKernel({
    ...original,
    kernelFunc: (args) => {
      const { x } = args.inputs as { x: TensorInfo };
      const { reps } = args.attrs as unknown as { reps: number[] };
      const bytes = BYTES[x.dtype];
      const size = sizeOf(x.shape);
      const rows = x.shape.length === 0 ? 1 : size / x.shape[x.shape.length - 1];
      if (bytes === undefined || size === 0 || rows > MAX_LEAF_COPIES || reps.includes(0)) {
        return fallback(args);
      }
      const backend = asWasmBackend(args.backend);
      const outShape = x.shape.map((d, i) => d * reps[i]);
      const out = backend.makeOutput(outShape, x.dtype);
      // Views after the allocation, which may have grown (and detached) the heap.
      const heap = backend.wasm.HEAPU8;
      const xAt = tensorData(backend, x).memoryOffset;
      const outAt = tensorData(backend, out).memoryOffset;
      tileBytes(
        heap.subarray(xAt, xAt + size * bytes),
        x.shape,
        reps,
        bytes,
        heap.subarray(outAt, outAt + sizeOf(outShape) * bytes),
      );
      return out;
    },
  });
  replaced.add(backendName);
  return true;
}

const replaced = new Set<string>();
