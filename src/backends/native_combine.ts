/**
 * `UsamCombine`: the SAM family's final gradient `Σ c_i g_i` of one variable (every term with
 * `c_i ≠ 0`, at least two) as one kernel of the `native` backend, a WebAssembly SIMD pass per term
 * on the heap (native_elementwise.wat `scaleAdd`), instead of a `Multiply` per term and an `AddN`.
 *
 * Why: Frob-SAM (n = 2) combined each of the paper's MLP's 14 variables with 3 multiplies and an
 * `AddN`, 56 kernels a step; Trace-SAM and Det-SAM 42. One kernel per variable is 14.
 *
 * The same bits as the op chain on the wasm backend (tested in native_combine_test.ts): each term is
 * `g_i × fround(c_i)` (`g_i` itself when `c_i = 1`), rounded to float32, and the terms are added
 * left to right starting from +0, which is how the wasm `AddN` sums.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { TensorInfo } from "@tensorflow/tfjs-core";
import { elementwiseExports } from "./native_elementwise.ts";
import { asWasmBackend, heapFloat32, sizeOf, tensorData } from "./wasm_internals.ts";

/** The kernel's name. */
export const COMBINE_KERNEL = "UsamCombine";

/** The name of the perturbed-weights kernel `x + direction·scale`. */
export const SHIFT_KERNEL = "UsamShift";

/** The name of the kernel `Σ_k Σ_i t_ki²` over several tensors (SAM's gradient norm). */
export const SUM_OF_SQUARES_KERNEL = "UsamSumOfSquares";

/**
 * Registers `UsamCombine` for the wasm-family backend `backendName` (inputs: an array of float32
 * tensors of one shape; attribute `coefficients`, one per input). Returns false when already
 * registered.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "./init.ts";
 * import { COMBINE_KERNEL } from "./native_combine.ts";
 * try {
 *   await initBackend("native"); // registers it, when the native libraries load
 *   assert.ok(tf.getKernel(COMBINE_KERNEL, "native") !== undefined);
 * } catch (error) {
 *   assert.match((error as Error).message, /install/);
 * }
 * ```
 */
export function registerNativeCombine(backendName: string): boolean {
  if (tf.getKernel(COMBINE_KERNEL, backendName) !== undefined) return false;
  tf.registerKernel({
    kernelName: COMBINE_KERNEL,
    backendName,
    kernelFunc: (args) => {
      const inputs = args.inputs as unknown as TensorInfo[];
      const { coefficients } = args.attrs as unknown as { coefficients: number[] };
      const backend = asWasmBackend(args.backend);
      const out = backend.makeOutput([...inputs[0].shape], "float32");
      const wasm = elementwiseExports(backend);
      const at = tensorData(backend, out).memoryOffset;
      const n = sizeOf(inputs[0].shape);
      inputs.forEach((g, i) => {
        const c = coefficients[i];
        wasm.scaleAdd(
          at,
          tensorData(backend, g).memoryOffset,
          Math.fround(c),
          n,
          (c === 1 ? 0 : 1) | (i === 0 ? 4 : 2),
        );
      });
      return out;
    },
  });
  tf.registerKernel({
    kernelName: SHIFT_KERNEL,
    backendName,
    kernelFunc: (args) => {
      const { x, direction, scale } = args.inputs as {
        x: TensorInfo;
        direction: TensorInfo;
        scale?: TensorInfo;
      };
      const attrs = args.attrs as unknown as { scale: number };
      const backend = asWasmBackend(args.backend);
      const out = backend.makeOutput([...x.shape], "float32");
      const s = scale === undefined ? Math.fround(attrs.scale) : heapFloat32(backend, scale, 1)[0];
      elementwiseExports(backend).shift(
        tensorData(backend, out).memoryOffset,
        tensorData(backend, x).memoryOffset,
        tensorData(backend, direction).memoryOffset,
        s,
        sizeOf(x.shape),
      );
      return out;
    },
  });
  tf.registerKernel({
    kernelName: SUM_OF_SQUARES_KERNEL,
    backendName,
    kernelFunc: (args) => {
      const inputs = args.inputs as unknown as TensorInfo[];
      const backend = asWasmBackend(args.backend);
      const out = backend.makeOutput([], "float32");
      const wasm = elementwiseExports(backend);
      let total = 0;
      for (const t of inputs) {
        total += wasm.sumSquares(tensorData(backend, t).memoryOffset, sizeOf(t.shape));
      }
      heapFloat32(backend, out, 1)[0] = total; // rounded once to float32
      return out;
    },
  });
  return true;
}

/**
 * `Σ_k Σ_i t_ki²` over `tensors`, a float32 scalar: on a backend with the kernel (native) one
 * kernel, squared and summed in double precision and rounded once; elsewhere the op chain
 * `addN(sum(square(t)))`. (Not the chain's bits on native, where the sums' order differs: a
 * different, more accurate float32 result, the same on every run.)
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import "@tensorflow/tfjs-backend-cpu";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { sumOfSquares } from "./native_combine.ts";
 * await tf.setBackend("cpu");
 * const a = tf.tensor1d([3, 4]);
 * assert.equal(sumOfSquares([a, a]).dataSync()[0], 50);
 * a.dispose();
 * ```
 */
export function sumOfSquares(tensors: readonly tf.Tensor[]): tf.Scalar {
  if (
    tensors.length > 0 && tf.getKernel(SUM_OF_SQUARES_KERNEL, tf.getBackend()) !== undefined &&
    tensors.every((t) => t.dtype === "float32")
  ) {
    return tf.engine().runKernel(
      SUM_OF_SQUARES_KERNEL,
      tensors as unknown as tf.NamedTensorMap,
    ) as tf.Scalar;
  }
  return tf.tidy(() => tf.addN(tensors.map((t) => tf.sum(tf.square(t)))) as tf.Scalar);
}

/**
 * `x + direction·scale` (`scale` a number, or a float32 scalar tensor), the product rounded to
 * float32 and then the sum: from one kernel on a backend that has it (native), else the two ops
 * `tf.add(x, tf.mul(direction, scale))`, which give the same bits.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import "@tensorflow/tfjs-backend-cpu";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { shiftBy } from "./native_combine.ts";
 * await tf.setBackend("cpu"); // no kernel: the two ops
 * const x = tf.tensor1d([1, 2]);
 * assert.deepEqual(Array.from(shiftBy(x, x, 0.5).dataSync()), [1.5, 3]);
 * x.dispose();
 * ```
 */
export function shiftBy(x: tf.Tensor, direction: tf.Tensor, scale: number | tf.Scalar): tf.Tensor {
  const fits = tf.getKernel(SHIFT_KERNEL, tf.getBackend()) !== undefined &&
    x.dtype === "float32" && direction.dtype === "float32" &&
    tf.util.arraysEqual(x.shape, direction.shape) &&
    (typeof scale === "number" || (scale.dtype === "float32" && scale.size === 1));
  if (!fits) return tf.tidy(() => tf.add(x, tf.mul(direction, scale)));
  return tf.engine().runKernel(
    SHIFT_KERNEL,
    typeof scale === "number" ? { x, direction } : { x, direction, scale },
    { scale: typeof scale === "number" ? scale : 0 },
  ) as tf.Tensor;
}

/**
 * `Σ c_i g_i` from one kernel on a backend that has it (native), for two or more float32 terms of
 * one shape with non-zero coefficients; else `undefined` and the caller runs the op chain.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import "@tensorflow/tfjs-backend-cpu";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { fusedCombination } from "./native_combine.ts";
 * await tf.setBackend("cpu"); // no such kernel on cpu
 * const g = tf.ones([2]);
 * assert.equal(fusedCombination([g, g], [0.5, 2]), undefined);
 * g.dispose();
 * ```
 */
export function fusedCombination(
  gradients: readonly tf.Tensor[],
  coefficients: readonly number[],
): tf.Tensor | undefined {
  if (
    gradients.length < 2 || coefficients.length !== gradients.length ||
    coefficients.some((c) => c === 0) ||
    tf.getKernel(COMBINE_KERNEL, tf.getBackend()) === undefined ||
    gradients.some((g) =>
      g.dtype !== "float32" || !tf.util.arraysEqual(g.shape, gradients[0].shape)
    )
  ) {
    return undefined;
  }
  return tf.engine().runKernel(
    COMBINE_KERNEL,
    gradients as unknown as tf.NamedTensorMap,
    { coefficients: [...coefficients] } as unknown as tf.NamedAttrMap,
  ) as tf.Tensor;
}
