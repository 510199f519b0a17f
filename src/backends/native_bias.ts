/**
 * The bias add of a layer and its gradient, on the `native` backend: `Add` where one input
 * broadcasts along the leading axes of the other (`[N, H, W, C] + [C]`), and `Sum` over every axis
 * but the last (the bias gradient), each as one WebAssembly SIMD pass on the heap
 * (native_elementwise.wat `addRows`, `sumRows`). Every other `Add` and `Sum` goes to the wasm
 * kernel, which stays the fallback.
 *
 * Why: profiled on LeNet-5 (native, SGD, batch 128, bench/profile_step.ts), the wasm backend's
 * broadcasting `Add` took 0.57 ms for the first convolution's bias ([128, 24, 24, 6] + [6]) and
 * its `Sum` 0.47 ms for that bias's gradient: with the second convolution's, 1.5 ms of a 7.5 ms
 * step. The same-shape `Add` (XNNPACK) is fast already and is left alone.
 *
 * Same bits as the wasm kernels: an IEEE float32 add per element, and the sum of each column in
 * row order from +0 in float32, which is how the wasm `Sum` accumulates (tested against it in
 * native_bias_test.ts).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import { elementwiseExports } from "./native_elementwise.ts";
import { asWasmBackend, sizeOf, tensorData } from "./wasm_internals.ts";

/** Below this many output elements the wasm kernels are as fast: no reason to differ. */
export const MIN_BIAS_ELEMENTS = 1024;

/**
 * Whether `small` broadcasts onto `big` along leading axes only: its shape, without leading
 * ones, is `big`'s trailing dims, and its rank is at most `big`'s.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { broadcastsAlongRows } from "./native_bias.ts";
 * assert.equal(broadcastsAlongRows([128, 24, 24, 6], [6]), true);
 * assert.equal(broadcastsAlongRows([128, 24, 24, 6], [1, 1, 1, 6]), true);
 * assert.equal(broadcastsAlongRows([128, 6], [128, 1]), false);
 * assert.equal(broadcastsAlongRows([4, 6], [4, 6]), false); // same shape: not a broadcast
 * ```
 */
export function broadcastsAlongRows(big: readonly number[], small: readonly number[]): boolean {
  if (small.length > big.length) return false;
  let start = 0;
  while (start < small.length && small[start] === 1) start++;
  const trailing = small.slice(start);
  if (trailing.length === 0 || trailing.length >= big.length) return false;
  const offset = big.length - trailing.length;
  return trailing.every((d, i) => d === big[offset + i]);
}

/**
 * Replaces `Add` and `Sum` of the wasm-family backend `backendName` with the bias kernels (the
 * originals are the fallback). Returns false when already done.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "./init.ts";
 * try {
 *   await initBackend("native"); // registers it, when the native libraries load
 *   const y = tf.add(tf.ones([2, 1024]), tf.tensor1d(new Float32Array(1024).fill(2)));
 *   assert.equal(y.dataSync()[2047], 3);
 *   assert.equal(tf.sum(y, 0).dataSync()[5], 6);
 * } catch (error) {
 *   assert.match((error as Error).message, /install/);
 * }
 * ```
 */
export function registerNativeBias(backendName: string): boolean {
  if (replaced.has(backendName)) return false;
  const add = tf.getKernel("Add", backendName);
  const sum = tf.getKernel("Sum", backendName);
  if (add === undefined || sum === undefined) {
    throw new Error(`registerNativeBias: 'Add' and 'Sum' must be registered for '${backendName}'`);
  }
  const addFallback = add.kernelFunc;
  const sumFallback = sum.kernelFunc;
  tf.unregisterKernel("Add", backendName);
  tf.registerKernel({
    ...add,
    kernelFunc: ((args) => biasAdd(args) ?? addFallback(args)) as KernelFunc,
  });
  tf.unregisterKernel("Sum", backendName);
  tf.registerKernel({
    ...sum,
    kernelFunc: ((args) => biasSum(args) ?? sumFallback(args)) as KernelFunc,
  });
  replaced.add(backendName);
  return true;
}

const replaced = new Set<string>();

type KernelArgs = Parameters<KernelFunc>[0];

function biasAdd(args: KernelArgs): TensorInfo | undefined {
  const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
  if (a.dtype !== "float32" || b.dtype !== "float32") return undefined;
  const [big, small] = broadcastsAlongRows(a.shape, b.shape)
    ? [a, b]
    : broadcastsAlongRows(b.shape, a.shape)
    ? [b, a]
    : [undefined, undefined];
  if (big === undefined || small === undefined) return undefined;
  const size = sizeOf(big.shape);
  if (size < MIN_BIAS_ELEMENTS) return undefined;
  const backend = asWasmBackend(args.backend);
  const out = backend.makeOutput([...big.shape], "float32");
  const cols = sizeOf(small.shape);
  // a + b = b + a exactly in IEEE arithmetic, so which input broadcasts does not matter.
  elementwiseExports(backend).addRows(
    tensorData(backend, out).memoryOffset,
    tensorData(backend, big).memoryOffset,
    tensorData(backend, small).memoryOffset,
    size / cols,
    cols,
  );
  return out;
}

function biasSum(args: KernelArgs): TensorInfo | undefined {
  const { x } = args.inputs as { x: TensorInfo };
  const { axis, keepDims } = args.attrs as unknown as {
    axis: number | number[];
    keepDims: boolean;
  };
  const rank = x.shape.length;
  if (x.dtype !== "float32" || rank < 2) return undefined;
  // In the given order: the wasm Sum's summation order follows it ([1, 0] is not [0, 1]).
  const axes = (Array.isArray(axis) ? axis : [axis]).map((d) => (d < 0 ? d + rank : d));
  if (axes.length !== rank - 1 || axes.some((d, i) => d !== i)) return undefined;
  const size = sizeOf(x.shape);
  if (size < MIN_BIAS_ELEMENTS) return undefined;
  const cols = x.shape[rank - 1];
  const backend = asWasmBackend(args.backend);
  const out = backend.makeOutput(
    keepDims ? [...x.shape.slice(0, -1).map(() => 1), cols] : [cols],
    "float32",
  );
  elementwiseExports(backend).sumRows(
    tensorData(backend, out).memoryOffset,
    tensorData(backend, x).memoryOffset,
    size / cols,
    cols,
  );
  return out;
}
