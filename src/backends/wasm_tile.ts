/**
 * A faster `Tile` for the TF.js wasm backend: block copies on the heap instead of TF.js's
 * per-element index arithmetic.
 *
 * Why: TF.js's `FusedBatchNorm` gradient (every BatchNorm layer in training) tiles the per-channel
 * `1/√(var + ε)` of shape `[1, 1, 1, C]` to the full activation shape before multiplying. The
 * wasm `Tile` computes each output element's source index, and in a ResNet-18 ×1/16 training step
 * (batch 128) those tiles took about a third of the step's kernel time (bench/native_dnnl_bench.ts
 * prints the profile). Here the output is built from the innermost dimension outwards: each row
 * of the input is copied once, and every dimension's repetitions are made by doubling copies
 * (`copyWithin`, a memmove) of the block already written. The result is bit-identical (copies
 * only).
 *
 * 4-byte dtypes (float32, int32) only; bool, complex and string go to TF.js's kernel.
 *
 * @module
 */
import type { KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import { asWasmBackend, replaceWasmKernel, sizeOf, tensorData } from "./wasm_internals.ts";

/**
 * Writes `tile(input, reps)` into `heap` (a 32-bit view of the whole wasm heap) at element
 * `outOffset`, reading the input at element `inOffset`. `shape` is the input's shape.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tileInto } from "./wasm_tile.ts";
 * const heap = new Uint32Array(2 + 12);
 * heap.set([1, 2]);
 * tileInto(heap, 0, 2, [1, 2], [3, 2]);
 * assert.deepEqual(Array.from(heap.subarray(2)), [1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2]);
 * ```
 */
export function tileInto(
  heap: Uint32Array,
  inOffset: number,
  outOffset: number,
  shape: readonly number[],
  reps: readonly number[],
): void {
  const rank = shape.length;
  // outBlock[d]: output elements spanned by one index of dimension d - 1 (dims d.. of the output).
  const outBlock = new Array<number>(rank + 1);
  const inBlock = new Array<number>(rank + 1);
  outBlock[rank] = 1;
  inBlock[rank] = 1;
  for (let d = rank - 1; d >= 0; d--) {
    outBlock[d] = outBlock[d + 1] * shape[d] * reps[d];
    inBlock[d] = inBlock[d + 1] * shape[d];
  }
  const fill = (d: number, from: number, to: number): void => {
    if (d === rank) {
      heap[to] = heap[from];
      return;
    }
    if (d === rank - 1) {
      heap.copyWithin(to, from, from + shape[d]);
    } else {
      for (let j = 0; j < shape[d]; j++) {
        fill(d + 1, from + j * inBlock[d + 1], to + j * outBlock[d + 1]);
      }
    }
    // One copy of this dimension's block is written; double it until reps[d] copies exist.
    const block = shape[d] * outBlock[d + 1];
    let done = 1;
    while (done < reps[d]) {
      const copies = Math.min(done, reps[d] - done);
      heap.copyWithin(to + done * block, to, to + copies * block);
      done += copies;
    }
  };
  fill(0, inOffset, outOffset);
}

/**
 * Registers the block-copy `Tile` as the wasm kernel in place of TF.js's (which stays the
 * fallback for other dtypes). Idempotent; returns whether it replaced anything.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import "@tensorflow/tfjs-backend-wasm";
 * import { registerFastWasmTile } from "./wasm_tile.ts";
 * registerFastWasmTile();
 * assert.equal(registerFastWasmTile(), false);
 * ```
 */
export function registerFastWasmTile(): boolean {
  return replaceWasmKernel("Tile", (original: KernelFunc): KernelFunc => (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { reps } = args.attrs as unknown as { reps: number[] };
    const usable = fastTileEnabled && (x.dtype === "float32" || x.dtype === "int32") &&
      Array.isArray(reps) && reps.length === x.shape.length &&
      reps.every((r) => Number.isInteger(r) && r >= 1);
    if (!usable) return original(args);
    const shape = x.shape.map((d, i) => d * reps[i]);
    const backend = asWasmBackend(args.backend);
    const out = backend.makeOutput(shape, x.dtype);
    if (sizeOf(shape) === 0) return out;
    // The heap view is taken after the allocation: a heap growth detaches earlier ones.
    const heap = new Uint32Array(backend.wasm.HEAPU8.buffer);
    tileInto(
      heap,
      tensorData(backend, x).memoryOffset / 4,
      tensorData(backend, out).memoryOffset / 4,
      x.shape,
      reps,
    );
    return out;
  });
}

let fastTileEnabled = true;

/**
 * Switches the block-copy `Tile` on or off at run time (it stays registered): off, calls go to
 * TF.js's original kernel, for before/after measurements.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "./mod.ts";
 * import { setFastWasmTile } from "./wasm_tile.ts";
 * await initBackend("wasm");
 * for (const fast of [false, true]) {
 *   setFastWasmTile(fast); // both kernels tile [1, 2] twice to [1, 2, 1, 2]
 *   const tiled = tf.tile(tf.tensor1d([1, 2]), [2]);
 *   assert.deepEqual(Array.from(await tiled.data()), [1, 2, 1, 2]);
 *   tiled.dispose();
 * }
 * ```
 */
export function setFastWasmTile(enabled: boolean): void {
  if (typeof enabled !== "boolean") {
    throw new TypeError(`setFastWasmTile: enabled must be a boolean, got ${enabled}`);
  }
  fastTileEnabled = enabled;
}
