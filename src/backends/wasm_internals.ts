/**
 * Typed access to the parts of `@tensorflow/tfjs-backend-wasm`'s `BackendWasm` that the kernels in
 * this folder need: the Emscripten module (heap, `cwrap`), the tensor table and output allocation.
 * These are internal to TF.js 4.22 (pinned in deno.json); they are gathered here so that a TF.js
 * upgrade breaks one file, loudly, rather than every kernel.
 *
 * The one new idea is the *view*: a tensor id registered with the C++ side at an offset inside
 * another tensor's memory, without allocating. Kernels use views to hand one batch of a batched
 * tensor to a C++ routine that only takes whole tensors, with no copy.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { DataType, KernelConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";

/** The Emscripten module object of the wasm backend (the members used here). */
export interface WasmModule {
  HEAPU8: Uint8Array;
  cwrap(name: string, returnType: null, argTypes: string[]): (...args: unknown[]) => void;
  tfjs: {
    registerTensor(id: number, size: number, memoryOffset: number): void;
    disposeData(id: number): void;
  };
}

/** One entry of the backend's tensor table. */
export interface WasmTensorData {
  id: number;
  memoryOffset: number;
  shape: number[];
  dtype: DataType;
  refCount: number;
}

/** The `BackendWasm` members the kernels in this folder use. */
export interface WasmBackend {
  wasm: WasmModule;
  dataIdMap: {
    get(dataId: object): WasmTensorData | undefined;
    set(dataId: object, data: WasmTensorData): void;
    delete(dataId: object): boolean;
  };
  dataIdNextNumber: number;
  makeOutput(shape: number[], dtype: DataType, memoryOffset?: number): TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
}

/**
 * Casts a kernel's `backend` argument to the wasm internals, checking that it has them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { asWasmBackend } from "./wasm_internals.ts";
 * import { initBackend } from "./mod.ts";
 * await initBackend("wasm");
 * const backend = asWasmBackend(tf.backend());
 * assert.ok(backend.wasm.HEAPU8 instanceof Uint8Array);
 * ```
 */
export function asWasmBackend(backend: unknown): WasmBackend {
  const candidate = backend as Partial<WasmBackend> | null;
  if (
    candidate == null || candidate.wasm == null || candidate.dataIdMap == null ||
    typeof candidate.makeOutput !== "function"
  ) {
    throw new TypeError(
      `asWasmBackend: backend must be the TF.js wasm backend (BackendWasm), got ${
        Object.prototype.toString.call(backend)
      }`,
    );
  }
  return candidate as WasmBackend;
}

/**
 * The tensor-table entry of `info`, or a TypeError naming it when the backend does not hold it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { asWasmBackend, tensorData } from "./wasm_internals.ts";
 * import { initBackend } from "./mod.ts";
 * await initBackend("wasm");
 * const x = tf.ones([2]);
 * assert.ok(tensorData(asWasmBackend(tf.backend()), x).id > 0);
 * ```
 */
export function tensorData(backend: WasmBackend, info: TensorInfo): WasmTensorData {
  const data = backend.dataIdMap.get(info.dataId);
  if (data === undefined) {
    throw new TypeError(`tensorData: tensor of shape [${info.shape}] is not on the wasm backend`);
  }
  return data;
}

/**
 * A float32 view of the heap over the first `size` elements of a tensor's memory. Take it after
 * the last allocation: a heap growth detaches earlier views.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { asWasmBackend, heapFloat32 } from "./wasm_internals.ts";
 * import { initBackend } from "./mod.ts";
 * await initBackend("wasm");
 * const x = tf.tensor1d([1, 2, 3]);
 * assert.ok(heapFloat32(asWasmBackend(tf.backend()), x)[2] === 3);
 * ```
 */
export function heapFloat32(
  backend: WasmBackend,
  info: TensorInfo,
  size = sizeOf(info.shape),
): Float32Array {
  const { memoryOffset } = tensorData(backend, info);
  return new Float32Array(backend.wasm.HEAPU8.buffer, memoryOffset, size);
}

/**
 * Registers a tensor that aliases `size(shape)` float32 elements of `base`, starting at element
 * `elementOffset`, without allocating. Release it with {@link releaseView}, never with
 * `disposeData` (which would free memory the view does not own).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { asWasmBackend, heapFloat32, makeView, releaseView } from "./wasm_internals.ts";
 * import { initBackend } from "./mod.ts";
 * await initBackend("wasm");
 * const backend = asWasmBackend(tf.backend());
 * const x = tf.tensor2d([[1, 2], [3, 4]]);
 * const row = makeView(backend, x, 2, [2]);
 * assert.ok(heapFloat32(backend, row)[0] === 3);
 * releaseView(backend, row);
 * ```
 */
export function makeView(
  backend: WasmBackend,
  base: TensorInfo,
  elementOffset: number,
  shape: number[],
): TensorInfo {
  const data = tensorData(backend, base);
  const size = sizeOf(shape);
  if (elementOffset < 0 || elementOffset + size > sizeOf(base.shape)) {
    throw new RangeError(
      `makeView: elements [${elementOffset}, ${elementOffset + size}) lie outside a tensor of ` +
        `shape [${base.shape}]`,
    );
  }
  const memoryOffset = data.memoryOffset + elementOffset * 4;
  return backend.makeOutput(shape, data.dtype, memoryOffset);
}

/**
 * Forgets a view made by {@link makeView}: removes it from both tensor tables (which also drops
 * any XNNPACK operator cached for it) without freeing the memory it aliases.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { asWasmBackend, makeView, releaseView } from "./wasm_internals.ts";
 * import { initBackend } from "./mod.ts";
 * await initBackend("wasm");
 * const backend = asWasmBackend(tf.backend());
 * const x = tf.tensor1d([5, 6, 7, 8]);
 * const view = makeView(backend, x, 2, [2]);
 * assert.ok(backend.dataIdMap.get(view.dataId) !== undefined);
 * releaseView(backend, view);
 * // Forgotten: removing it again finds nothing (`get` would try to fetch it from another backend).
 * assert.equal(backend.dataIdMap.delete(view.dataId), false);
 * assert.deepEqual(Array.from(await x.data()), [5, 6, 7, 8]); // the aliased memory is intact
 * x.dispose();
 * ```
 */
export function releaseView(backend: WasmBackend, view: TensorInfo): void {
  const data = tensorData(backend, view);
  backend.wasm.tfjs.disposeData(data.id);
  backend.dataIdMap.delete(view.dataId);
}

/**
 * Frees a temporary tensor made with `backend.makeOutput` inside a kernel.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { asWasmBackend, disposeTemporary } from "./wasm_internals.ts";
 * import { initBackend } from "./mod.ts";
 * await initBackend("wasm");
 * const backend = asWasmBackend(tf.backend());
 * const temporary = backend.makeOutput([3], "float32");
 * assert.ok(backend.dataIdMap.get(temporary.dataId) !== undefined);
 * disposeTemporary(backend, temporary);
 * // Gone from the table: removing it again finds nothing.
 * assert.equal(backend.dataIdMap.delete(temporary.dataId), false);
 * ```
 */
export function disposeTemporary(backend: WasmBackend, info: TensorInfo): void {
  backend.disposeData(info.dataId, true);
}

/**
 * Number of elements of a shape (1 for a scalar).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sizeOf } from "./wasm_internals.ts";
 * assert.ok(sizeOf([2, 3, 4]) === 24);
 * ```
 */
export function sizeOf(shape: readonly number[]): number {
  let size = 1;
  for (const d of shape) size *= d;
  return size;
}

/**
 * The bytes of an Int32Array of `values`: how the wasm C++ entry points take shapes and perms.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { int32Bytes } from "./wasm_internals.ts";
 * assert.ok(int32Bytes([1, 2]).length === 8);
 * ```
 */
export function int32Bytes(values: readonly number[]): Uint8Array {
  return new Uint8Array(new Int32Array(values).buffer);
}

const REPLACED = Symbol.for("usam.backends.replacedWasmKernel");

type MarkedKernelFunc = KernelFunc & { [REPLACED]?: true };

/**
 * Replaces the wasm kernel `kernelName` by `wrap(original)`, once: a second call finds the mark
 * of the first and returns false. The original's `setupFunc` is kept, so the replacement works
 * whether or not the wasm backend is initialized yet.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import "@tensorflow/tfjs-backend-wasm";
 * import { replaceWasmKernel } from "./wasm_internals.ts";
 * const wrap = (original: import("@tensorflow/tfjs-core").KernelFunc) => original;
 * replaceWasmKernel("Relu", wrap);
 * assert.ok(replaceWasmKernel("Relu", wrap) === false);
 * ```
 */
export function replaceWasmKernel(
  kernelName: string,
  wrap: (original: KernelFunc) => KernelFunc,
): boolean {
  const original = tf.getKernel(kernelName, "wasm");
  if (original === undefined) {
    throw new Error(
      `replaceWasmKernel: no '${kernelName}' kernel is registered for 'wasm'; import ` +
        `"@tensorflow/tfjs-backend-wasm" first`,
    );
  }
  if ((original.kernelFunc as MarkedKernelFunc)[REPLACED]) return false;
  const replacement = wrap(original.kernelFunc) as MarkedKernelFunc;
  replacement[REPLACED] = true;
  tf.unregisterKernel(kernelName, "wasm");
  const config: KernelConfig = { ...original, kernelFunc: replacement };
  tf.registerKernel(config);
  return true;
}
