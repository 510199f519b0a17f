/**
 * `UsamAllFinite`: the optimizers' weight check (is every weight finite?) over all the variables
 * of a step as one kernel of the `native` backend, one WebAssembly SIMD pass per variable on the
 * heap (native_elementwise.wat `allFinite`). Output: a float32 vector with one entry per input,
 * 0 when that input is all finite, else NaN.
 *
 * Why: the check was one `Sum` per variable and a `Pack` (15 kernels for the paper's MLP, whose
 * SGD step is about 180 kernels), and the wasm `Sum` over the MLP's 184k weights took about 0.2 ms
 * of a 2.5 ms step (bench/profile_step.ts). The answer is the same: a sum of float32 values is
 * non-finite when an entry is (and the optimizers tell a finite sum's overflow apart anyway).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { TensorInfo } from "@tensorflow/tfjs-core";
import { elementwiseExports } from "./native_elementwise.ts";
import { asWasmBackend, heapFloat32, sizeOf, tensorData } from "./wasm_internals.ts";

/** The kernel's name. */
export const ALL_FINITE_KERNEL = "UsamAllFinite";

/**
 * Registers `UsamAllFinite` for the wasm-family backend `backendName` (inputs: an array of
 * float32 tensors). Returns false when already registered.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "./init.ts";
 * import { ALL_FINITE_KERNEL } from "./native_finite.ts";
 * try {
 *   await initBackend("native"); // registers it, when the native libraries load
 *   assert.ok(tf.getKernel(ALL_FINITE_KERNEL, "native") !== undefined);
 * } catch (error) {
 *   assert.match((error as Error).message, /install/);
 * }
 * ```
 */
export function registerNativeAllFinite(backendName: string): boolean {
  if (tf.getKernel(ALL_FINITE_KERNEL, backendName) !== undefined) return false;
  tf.registerKernel({
    kernelName: ALL_FINITE_KERNEL,
    backendName,
    kernelFunc: (args) => {
      const inputs = args.inputs as unknown as TensorInfo[];
      const backend = asWasmBackend(args.backend);
      const out = backend.makeOutput([inputs.length], "float32");
      const wasm = elementwiseExports(backend);
      const flags = inputs.map((x) =>
        wasm.allFinite(tensorData(backend, x).memoryOffset, sizeOf(x.shape))
      );
      // The view after the allocation and the calls (which allocate nothing).
      heapFloat32(backend, out).set(flags);
      return out;
    },
  });
  return true;
}

/**
 * `[n]`: 0 where `tensors[k]` is all finite, NaN where not, from one kernel on a backend that has
 * it (native) when every tensor is float32; else `undefined` and the caller runs its own check.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import "@tensorflow/tfjs-backend-cpu";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { finiteFlags } from "./native_finite.ts";
 * await tf.setBackend("cpu"); // no such kernel on cpu
 * const x = tf.ones([2]);
 * assert.equal(finiteFlags([x]), undefined);
 * x.dispose();
 * ```
 */
export function finiteFlags(tensors: readonly tf.Tensor[]): tf.Tensor1D | undefined {
  if (
    tensors.length === 0 || tf.getKernel(ALL_FINITE_KERNEL, tf.getBackend()) === undefined ||
    tensors.some((t) => t.dtype !== "float32")
  ) {
    return undefined;
  }
  return tf.engine().runKernel(
    ALL_FINITE_KERNEL,
    tensors as unknown as tf.NamedTensorMap,
  ) as tf.Tensor1D;
}
