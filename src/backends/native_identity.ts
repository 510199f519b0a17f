/**
 * `Identity` of the `native` backend: a second reference to the input's memory, not a copy.
 *
 * Why: the wasm `Identity` copies its input; TF.js's gradients return many values unchanged
 * through it (593 calls in a ResNet-18 ×1/16 SGD step, 5% of the step on the native path). The
 * cpu and webgl backends alias instead (a reference count on the data), and so does the wasm
 * `Reshape`; tensors are immutable in TF.js, so an alias is indistinguishable from a copy.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { KernelBackend, TensorInfo } from "@tensorflow/tfjs-core";

const replaced = new Set<string>();

/**
 * Replaces `Identity` of the backend `backendName` (strings keep the original kernel). Returns
 * false when already done.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "./init.ts";
 * try {
 *   await initBackend("native"); // registers it, when the native libraries load
 *   const x = tf.tensor1d([1, 2]);
 *   const y = tf.clone(x); // the Identity kernel
 *   x.dispose(); // y keeps the memory alive
 *   assert.deepEqual(Array.from(y.dataSync()), [1, 2]);
 * } catch (error) {
 *   assert.match((error as Error).message, /install/);
 * }
 * ```
 */
export function registerNativeIdentity(backendName: string): boolean {
  const original = tf.getKernel("Identity", backendName);
  if (original === undefined) {
    throw new Error(
      `registerNativeIdentity: no 'Identity' kernel is registered for '${backendName}'`,
    );
  }
  if (replaced.has(backendName)) return false;
  const fallback = original.kernelFunc;
  tf.unregisterKernel("Identity", backendName);
  tf.registerKernel({
    ...original,
    kernelFunc: (args) => {
      const { x } = args.inputs as { x: TensorInfo };
      if (x.dtype === "string") return fallback(args);
      (args.backend as KernelBackend).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  });
  replaced.add(backendName);
  return true;
}
