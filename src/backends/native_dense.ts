/**
 * A dense layer with bias and ReLU, `relu(x·W + b)`, as few kernels on the `native` backend, for
 * training (under a gradient tape): forward one `UsamDenseRelu` (the product by the native
 * `BatchMatMul`'s own function, then the bias add in place and the ReLU, with the pre-activation
 * as a second output), backward `UsamBiasReluGrad` (the ReLU gradient and the bias gradient in one
 * kernel) and the two `BatchMatMul` of the product's gradient, each lazily as TF.js's own (so the
 * first layer's unused input gradient is skipped, which a `tf.customGrad` would compute).
 *
 * Why: under a tape TF.js does not fuse a ReLU into its matmul (`shouldFuse` is false for any
 * activation but linear while recording gradients), so tfjs-layers' Dense runs `BatchMatMul`,
 * `Add`, `Relu` and saves 5 tensors (one `Identity` each) forward, then `Reshape`, `Sum`,
 * `Reshape`, the ReLU gradient and the two products backward: 14 kernels a layer against 7 here.
 * Profiled on the paper's MLP (native, SGD, batch 128), dispatch was a quarter of the step. (The
 * engine fills a zero gradient for the unused pre-activation output: a host allocation, no
 * kernel.)
 *
 * Same bits as that chain on native: the same `BatchMatMul` calls (OpenBLAS), the bias add as an
 * IEEE float32 add per element (native_elementwise.wat `addRows`, as the native `Add`), the ReLU
 * as the wasm `Relu` computes it (`relu`), the ReLU gradient from the pre-activation
 * (`reluGrad`, as `UsamReluGrad`) and the bias gradient as column sums in row order from +0
 * (`sumRows`, as the native `Sum`). Tested in native_dense_test.ts.
 *
 * A Dense layer with bias and no activation (the logits layer) gets one kernel too,
 * `UsamDenseLinear`: TF.js's fused linear path's `_FusedMatMul` call without the op around it
 * (which reshapes both operands to rank 3 and saves four tensors), the same bits. Outside a tape the layer keeps
 * TF.js's own path (one `_FusedMatMul`), and every other backend keeps it always.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { TensorInfo } from "@tensorflow/tfjs-core";
import { elementwiseExports } from "./native_elementwise.ts";
import { asWasmBackend, sizeOf, tensorData } from "./wasm_internals.ts";

/**
 * The forward kernel: inputs `x` `[n, k]`, `kernel` `[k, m]`, `bias` `[m]`; outputs
 * `relu(x·kernel + bias)` and `x·kernel + bias`.
 */
export const DENSE_RELU_KERNEL = "UsamDenseRelu";
/**
 * The linear layer's forward kernel: inputs `x`, `kernel`, `bias`; output `x·kernel + bias` by
 * the native `_FusedMatMul`'s own function (the bits TF.js's fused linear path gives).
 */
export const DENSE_LINEAR_KERNEL = "UsamDenseLinear";
/** The backward kernel: inputs `dy`, `pre` `[rows, cols]`; outputs dy·step(pre), its column sums. */
export const BIAS_RELU_GRAD_KERNEL = "UsamBiasReluGrad";

/**
 * Registers `UsamDenseRelu`, `UsamDenseLinear` and `UsamBiasReluGrad` (and their gradients,
 * once) for the wasm-family backend `backendName`.
 * Returns false when already registered.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "./init.ts";
 * import { DENSE_RELU_KERNEL } from "./native_dense.ts";
 * try {
 *   await initBackend("native"); // registers it, when the native libraries load
 *   assert.ok(tf.getKernel(DENSE_RELU_KERNEL, "native") !== undefined);
 * } catch (error) {
 *   assert.match((error as Error).message, /install/);
 * }
 * ```
 */
export function registerNativeDense(backendName: string): boolean {
  if (tf.getKernel(DENSE_RELU_KERNEL, backendName) !== undefined) return false;
  const matMul = tf.getKernel("BatchMatMul", backendName);
  if (matMul === undefined) {
    throw new Error(`registerNativeDense: 'BatchMatMul' must be registered for '${backendName}'`);
  }
  tf.registerKernel({
    kernelName: DENSE_RELU_KERNEL,
    backendName,
    kernelFunc: (args) => {
      const { x, kernel, bias } = args.inputs as Record<string, TensorInfo>;
      const backend = asWasmBackend(args.backend);
      // The same call the BatchMatMul kernel makes (its output becomes the pre-activation).
      const pre = matMul.kernelFunc({
        inputs: { a: x, b: kernel },
        backend: args.backend,
        attrs: { transposeA: false, transposeB: false },
      }) as TensorInfo;
      const [rows, cols] = [x.shape[0], kernel.shape[1]];
      const out = backend.makeOutput([rows, cols], "float32");
      const at = (t: TensorInfo) => tensorData(backend, t).memoryOffset;
      const kernels = elementwiseExports(backend);
      kernels.addRows(at(pre), at(pre), at(bias), rows, cols); // in place: each value read, then written
      kernels.relu(at(out), at(pre), rows * cols);
      return [out, pre];
    },
  });
  const fusedMatMul = tf.getKernel("_FusedMatMul", backendName);
  if (fusedMatMul === undefined) {
    throw new Error(`registerNativeDense: '_FusedMatMul' must be registered for '${backendName}'`);
  }
  tf.registerKernel({
    kernelName: DENSE_LINEAR_KERNEL,
    backendName,
    kernelFunc: (args) => {
      const { x, kernel, bias } = args.inputs as Record<string, TensorInfo>;
      return fusedMatMul.kernelFunc({
        inputs: { a: x, b: kernel, bias },
        backend: args.backend,
        attrs: { transposeA: false, transposeB: false, activation: "linear" },
      }) as TensorInfo;
    },
  });
  tf.registerKernel({
    kernelName: BIAS_RELU_GRAD_KERNEL,
    backendName,
    kernelFunc: (args) => {
      const { dy, pre } = args.inputs as { dy: TensorInfo; pre: TensorInfo };
      const backend = asWasmBackend(args.backend);
      const [rows, cols] = pre.shape;
      const dz = backend.makeOutput([rows, cols], "float32");
      const db = backend.makeOutput([cols], "float32");
      const at = (t: TensorInfo) => tensorData(backend, t).memoryOffset;
      const kernels = elementwiseExports(backend);
      kernels.reluGrad(at(dz), at(dy), at(pre), sizeOf(pre.shape));
      kernels.sumRows(at(db), at(dz), rows, cols);
      return [dz, db];
    },
  });
  registerDenseGradients();
  return true;
}

let gradientsRegistered = false;

function registerDenseGradients(): void {
  if (gradientsRegistered) return;
  gradientsRegistered = true;
  tf.registerGradient({
    kernelName: DENSE_RELU_KERNEL,
    inputsToSave: ["x", "kernel"],
    outputsToSave: [false, true],
    gradFunc: (dys, saved) => {
      const dy = (dys as tf.Tensor[])[0];
      const [x, kernel, pre] = saved as tf.Tensor[];
      const [dz, db] = tf.engine().runKernel(BIAS_RELU_GRAD_KERNEL, {
        dy,
        pre,
      }) as unknown as tf.Tensor[];
      // BatchMatMul's own gradient (transposeA = transposeB = false), as TF.js writes it; the
      // engine calls only the thunks it needs.
      return {
        x: () => tf.matMul(dz, kernel, false, true),
        kernel: () => tf.matMul(x, dz, true, false),
        bias: () => db,
      };
    },
  });
  tf.registerGradient({
    kernelName: DENSE_LINEAR_KERNEL,
    inputsToSave: ["x", "kernel"],
    gradFunc: (dy, saved) => {
      const g = dy as tf.Tensor;
      const [x, kernel] = saved as tf.Tensor[];
      // TF.js's fused matMul gradient with a linear activation: the two products and the bias
      // gradient as the sum over the rows (the reshape to the bias's shape moves no data).
      return {
        x: () => tf.matMul(g, kernel, false, true),
        kernel: () => tf.matMul(x, g, true, false),
        bias: () => tf.sum(g, 0),
      };
    },
  });
  // Differentiable again like the chain: dz = dy·step(pre) and db = Σ_rows dz are linear in dy.
  tf.registerGradient({
    kernelName: BIAS_RELU_GRAD_KERNEL,
    inputsToSave: ["pre"],
    gradFunc: (dys, saved) => {
      const [ddz, ddb] = dys as tf.Tensor[];
      const [pre] = saved as tf.Tensor[];
      return {
        dy: () => tf.mul(tf.add(ddz, ddb), tf.cast(tf.step(pre), "float32")),
        pre: () => tf.zerosLike(pre),
      };
    },
  });
}

let fusedDenseEnabled = true;

/** Whether the engine records gradients now (TF.js's own test in `fused.matMul`). */
function recordingGradients(): boolean {
  const state = (tf.engine() as unknown as { state: { gradientDepth: number } }).state;
  return state.gradientDepth > 0;
}

/**
 * `relu(x·kernel + bias)` as the fused kernel (module note) when the active backend has
 * the kernels, a gradient tape is recording and the tensors fit (float32, `x` `[n, k]`, `kernel`
 * `[k, m]`, `bias` `[m]`); else `undefined` and the caller runs its own path.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import "@tensorflow/tfjs-backend-cpu";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { fusedDenseRelu } from "./native_dense.ts";
 * await tf.setBackend("cpu"); // no such kernels on cpu: the caller's path runs
 * const x = tf.ones([2, 3]);
 * assert.equal(fusedDenseRelu(x, tf.ones([3, 4]), tf.ones([4])), undefined);
 * ```
 */
export function fusedDenseRelu(
  x: tf.Tensor,
  kernel: tf.Tensor,
  bias: tf.Tensor,
): tf.Tensor | undefined {
  if (!fusedDenseApplies(DENSE_RELU_KERNEL, x, kernel, bias)) return undefined;
  const [value, pre] = tf.engine().runKernel(
    DENSE_RELU_KERNEL,
    { x, kernel, bias },
  ) as unknown as tf.Tensor[];
  pre.dispose(); // the tape keeps its own reference for the gradient
  return value;
}

/**
 * `x·kernel + bias` as one kernel (`UsamDenseLinear`) under the same conditions as
 * {@link fusedDenseRelu}; else `undefined`. Replaces TF.js's fused linear path under a tape (its
 * `fusedMatMul__op` reshapes both operands and saves four tensors: 11 kernels forward and 7
 * backward against 3 and 3 here), with the same bits.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import "@tensorflow/tfjs-backend-cpu";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { fusedDenseLinear } from "./native_dense.ts";
 * await tf.setBackend("cpu"); // no such kernel on cpu: the caller's path runs
 * assert.equal(fusedDenseLinear(tf.ones([2, 3]), tf.ones([3, 4]), tf.ones([4])), undefined);
 * ```
 */
export function fusedDenseLinear(
  x: tf.Tensor,
  kernel: tf.Tensor,
  bias: tf.Tensor,
): tf.Tensor | undefined {
  if (!fusedDenseApplies(DENSE_LINEAR_KERNEL, x, kernel, bias)) return undefined;
  return tf.engine().runKernel(DENSE_LINEAR_KERNEL, { x, kernel, bias }) as tf.Tensor;
}

function fusedDenseApplies(
  kernelName: string,
  x: tf.Tensor,
  kernel: tf.Tensor,
  bias: tf.Tensor,
): boolean {
  return fusedDenseEnabled && recordingGradients() &&
    tf.getKernel(kernelName, tf.getBackend()) !== undefined &&
    x.rank === 2 && kernel.rank === 2 && bias.rank === 1 &&
    x.shape[1] === kernel.shape[0] && kernel.shape[1] === bias.shape[0] &&
    x.dtype === "float32" && kernel.dtype === "float32" && bias.dtype === "float32";
}

/**
 * Turns the fused dense layer off (`false`: tfjs-layers' own path everywhere) or back on; returns
 * the previous setting. For the tests and benchmarks that compare the two.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { setFusedDense } from "./native_dense.ts";
 * const previous = setFusedDense(false);
 * assert.equal(setFusedDense(previous), false);
 * ```
 */
export function setFusedDense(enabled: boolean): boolean {
  if (typeof enabled !== "boolean") {
    throw new TypeError(`setFusedDense: enabled must be a boolean, got ${enabled}`);
  }
  const previous = fusedDenseEnabled;
  fusedDenseEnabled = enabled;
  return previous;
}
