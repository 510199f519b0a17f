/**
 * `UsamReluGrad`: the ReLU gradient `dy · step(x)` as one kernel of the `native` backend (one
 * WebAssembly SIMD pass on the heap, native_elementwise.wat `reluGrad`) instead of the three that
 * TF.js's registered gradient runs (`Step`, `Cast`, `Multiply`).
 *
 * Why: profiled on the paper's MLP (native, SGD, batch 128, bench/profile_step.ts), the step was
 * 168 kernels at about 5 µs of dispatch each; its 6 ReLU gradients were 18 of them.
 *
 * How: TF.js keeps one gradient registry for all backends, so a gradient cannot be registered for
 * one backend only. {@link registerNativeReluGrad} replaces the `Relu` gradient by one that runs
 * this kernel when the active backend has it and otherwise calls the gradient it replaced, with
 * the same arguments: every other backend runs exactly what it ran before.
 *
 * Same bits as the chain: `step(x)` is 1 for x > 0, NaN for a NaN x (the wasm `Step` keeps NaN)
 * and 0 otherwise, the `Cast` of a float32 is a copy, and the product is one IEEE float32
 * multiply (so `dy · 0` keeps dy's sign, -0 for a negative dy). Tested in native_relu_grad_test.ts.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { GradConfig, TensorInfo } from "@tensorflow/tfjs-core";
// TF.js's gradients are registered when tfjs-layers' bundle is evaluated (tfjs-core's own Node
// bundle registers none). Evaluated first here, so that the 'Relu' gradient exists to be wrapped,
// and so that no later first import of tfjs-layers replaces the wrapper.
import "@tensorflow/tfjs-layers";
import { elementwiseExports } from "./native_elementwise.ts";
import { asWasmBackend, sizeOf, tensorData } from "./wasm_internals.ts";

/** The kernel's name. */
export const RELU_GRAD_KERNEL = "UsamReluGrad";

let fusedReluGradEnabled = true;
let replacedGradient: GradConfig | undefined;

/**
 * Registers `UsamReluGrad` (inputs `dy`, `x`, float32, equal shapes) for the wasm-family backend
 * `backendName`, and, once per process, the `Relu` gradient that dispatches to it (module note).
 * Returns false when the kernel was registered already.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "./init.ts";
 * import { RELU_GRAD_KERNEL } from "./native_relu_grad.ts";
 * try {
 *   await initBackend("native"); // registers it, when the native libraries load
 *   assert.ok(tf.getKernel(RELU_GRAD_KERNEL, "native") !== undefined);
 *   const dx = tf.grad((x: tf.Tensor) => tf.sum(tf.relu(x)))(tf.tensor1d([-1, 2]));
 *   assert.deepEqual(Array.from(dx.dataSync()), [0, 1]);
 * } catch (error) {
 *   assert.match((error as Error).message, /install/);
 * }
 * ```
 */
export function registerNativeReluGrad(backendName: string): boolean {
  if (replacedGradient === undefined) {
    const original = tf.getGradient("Relu");
    if (original === undefined) {
      throw new Error("registerNativeReluGrad: TF.js has no registered gradient for 'Relu'");
    }
    replacedGradient = original;
    tf.registerGradient({
      kernelName: "Relu",
      inputsToSave: ["x"],
      gradFunc: (dy, saved, attrs) => {
        const [x] = saved as tf.Tensor[];
        const single = dy as tf.Tensor;
        if (fusedReluGradApplies(single, x)) {
          return {
            x: () => tf.engine().runKernel(RELU_GRAD_KERNEL, { dy: single, x }) as tf.Tensor,
          };
        }
        return original.gradFunc(dy, saved, attrs);
      },
    });
    // Differentiable like the chain it replaces: d/d(dy) is the same product, d/dx is 0 (Step's).
    tf.registerGradient({
      kernelName: RELU_GRAD_KERNEL,
      inputsToSave: ["x"],
      gradFunc: (ddx, saved) => {
        const [x] = saved as tf.Tensor[];
        const g = ddx as tf.Tensor;
        return {
          dy: () => tf.mul(g, tf.cast(tf.step(x), "float32")),
          x: () => tf.zerosLike(x),
        };
      },
    });
  }
  if (tf.getKernel(RELU_GRAD_KERNEL, backendName) !== undefined) return false;
  tf.registerKernel({
    kernelName: RELU_GRAD_KERNEL,
    backendName,
    kernelFunc: (args) => {
      const { dy, x } = args.inputs as { dy: TensorInfo; x: TensorInfo };
      const backend = asWasmBackend(args.backend);
      const out = backend.makeOutput([...x.shape], "float32");
      elementwiseExports(backend).reluGrad(
        tensorData(backend, out).memoryOffset,
        tensorData(backend, dy).memoryOffset,
        tensorData(backend, x).memoryOffset,
        sizeOf(x.shape),
      );
      return out;
    },
  });
  return true;
}

function fusedReluGradApplies(dy: tf.Tensor, x: tf.Tensor): boolean {
  return fusedReluGradEnabled &&
    tf.getKernel(RELU_GRAD_KERNEL, tf.getBackend()) !== undefined &&
    dy.dtype === "float32" && x.dtype === "float32" &&
    tf.util.arraysEqual(dy.shape, x.shape);
}

/**
 * Turns the fused ReLU gradient off (`false`: TF.js's Step, Cast, Multiply everywhere) or back
 * on; returns the previous setting. For the tests and benchmarks that compare the two.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { setFusedReluGrad } from "./native_relu_grad.ts";
 * const previous = setFusedReluGrad(false);
 * assert.equal(setFusedReluGrad(previous), false);
 * ```
 */
export function setFusedReluGrad(enabled: boolean): boolean {
  if (typeof enabled !== "boolean") {
    throw new TypeError(`setFusedReluGrad: enabled must be a boolean, got ${enabled}`);
  }
  const previous = fusedReluGradEnabled;
  fusedReluGradEnabled = enabled;
  return previous;
}
