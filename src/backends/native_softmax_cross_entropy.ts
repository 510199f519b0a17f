/**
 * The training loss, softmax cross-entropy of logits `[B, C]` against labels `[B, C]` (one-hot,
 * as train.ts gives them) averaged over the batch, as one forward kernel on the `native` backend
 * (`UsamSoftmaxCrossEntropy`) and one `Multiply` backward, instead of the 37 kernels of
 * `tf.losses.softmaxCrossEntropy` (about 10 of them in its gradient). SAM runs the loss once per
 * gradient evaluation, so it pays that two or more times a step.
 *
 * The forward kernel writes two outputs: the loss and its gradient `(softmax(z) - y) / B`, which
 * the `tf.customGrad` keeps for the backward pass (so the backward pass is `dy · gradient`, and
 * only one tensor is saved: TF.js clones every saved tensor, one `Identity` each).
 *
 * The arithmetic is float64 in JavaScript over float32 views of the heap, rounded to float32 once
 * per output: the rows are max-subtracted (`lse = max + log Σ exp(z - max)`), so no exp overflows.
 * Why JavaScript and not WebAssembly SIMD like the other fused kernels: WebAssembly has no `exp`
 * or `log` instruction, and for the batches here (128 × 10) the whole kernel is ~1,300 `Math.exp`
 * calls, a few microseconds, below the dispatch it saves; a vector exp would be a polynomial of
 * our own to validate for no measurable gain. `Math.exp` and `Math.log` are deterministic within a
 * V8 build, so same-seed runs stay bit-identical on native.
 *
 * Not the same bits as TF.js's chain (that rounds `z - lse` to float32 before its exp, losing up
 * to `ε·|z|` absolutely for large logits): within the bounds stated and tested in
 * native_softmax_cross_entropy_test.ts. Every other backend keeps `tf.losses.softmaxCrossEntropy`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { TensorInfo } from "@tensorflow/tfjs-core";
import { asWasmBackend, heapFloat32, tensorData } from "./wasm_internals.ts";

/** The forward kernel's name. */
export const SOFTMAX_CROSS_ENTROPY_KERNEL = "UsamSoftmaxCrossEntropy";

/**
 * The batch-mean softmax cross-entropy of `logits` against `labels` (both `rows × cols`, row
 * major; labels float32 or int32, as `tf.oneHot` gives them) in float64, and, into `gradient`, `(softmax(z_r) - y_r) / rows` rounded to float32.
 * Returns the loss (float64; the kernel rounds it once). TF.js's definition: the loss of row r is
 * `Σ_c y_rc (lse_r - z_rc)` and its gradient ignores `Σ_c y_rc` (1 for one-hot labels).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { softmaxCrossEntropyArrays } from "./native_softmax_cross_entropy.ts";
 * const gradient = new Float32Array(2);
 * const loss = softmaxCrossEntropyArrays(new Float32Array([0, 0]), new Float32Array([1, 0]), 1, 2, gradient);
 * assert.ok(Math.abs(loss - Math.LN2) < 1e-15); // two equal logits: log 2
 * assert.deepEqual(Array.from(gradient), [-0.5, 0.5]);
 * ```
 */
export function softmaxCrossEntropyArrays(
  logits: Float32Array,
  labels: Float32Array | Int32Array,
  rows: number,
  cols: number,
  gradient: Float32Array,
): number {
  const scale = 1 / rows;
  const exps = new Float64Array(cols);
  let total = 0;
  for (let r = 0, at = 0; r < rows; r++, at += cols) {
    let max = -Infinity;
    for (let c = 0; c < cols; c++) max = Math.max(max, logits[at + c]);
    let sum = 0;
    for (let c = 0; c < cols; c++) {
      exps[c] = Math.exp(logits[at + c] - max);
      sum += exps[c];
    }
    const lse = max + Math.log(sum);
    let cost = 0;
    for (let c = 0; c < cols; c++) {
      const y = labels[at + c];
      // The product is skipped for a zero label (most of a one-hot row), which changes nothing
      // but a NaN from 0 · ∞; TF.js's chain gives NaN there, and so does lse here (∞ - ∞).
      if (y !== 0) cost += y * (lse - logits[at + c]);
      gradient[at + c] = (exps[c] / sum - y) * scale;
    }
    total += cost;
  }
  return total * scale;
}

/**
 * Registers `UsamSoftmaxCrossEntropy` (inputs `logits` float32 `[B, C]`, `labels` float32 or
 * int32 `[B, C]`; outputs the
 * scalar loss and the `[B, C]` gradient) for the wasm-family backend `backendName`. Returns false
 * when already registered.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "./init.ts";
 * import { SOFTMAX_CROSS_ENTROPY_KERNEL } from "./native_softmax_cross_entropy.ts";
 * try {
 *   await initBackend("native"); // registers it, when the native libraries load
 *   assert.ok(tf.getKernel(SOFTMAX_CROSS_ENTROPY_KERNEL, "native") !== undefined);
 * } catch (error) {
 *   assert.match((error as Error).message, /install/);
 * }
 * ```
 */
export function registerNativeSoftmaxCrossEntropy(backendName: string): boolean {
  if (tf.getKernel(SOFTMAX_CROSS_ENTROPY_KERNEL, backendName) !== undefined) return false;
  tf.registerKernel({
    kernelName: SOFTMAX_CROSS_ENTROPY_KERNEL,
    backendName,
    kernelFunc: (args) => {
      const { logits, labels } = args.inputs as { logits: TensorInfo; labels: TensorInfo };
      const backend = asWasmBackend(args.backend);
      const [rows, cols] = logits.shape;
      const loss = backend.makeOutput([], "float32");
      const gradient = backend.makeOutput([rows, cols], "float32");
      // Views taken after the last allocation (a heap growth detaches earlier ones).
      const value = softmaxCrossEntropyArrays(
        heapFloat32(backend, logits),
        labels.dtype === "int32" ? heapInt32(backend, labels) : heapFloat32(backend, labels),
        rows,
        cols,
        heapFloat32(backend, gradient),
      );
      heapFloat32(backend, loss, 1)[0] = value;
      return [loss, gradient];
    },
  });
  return true;
}

function heapInt32(backend: ReturnType<typeof asWasmBackend>, info: TensorInfo): Int32Array {
  const { memoryOffset } = tensorData(backend, info);
  return new Int32Array(backend.wasm.HEAPU8.buffer, memoryOffset, info.shape[0] * info.shape[1]);
}

let fusedLossEnabled = true;

/**
 * The training loss: `tf.losses.softmaxCrossEntropy(oneHot, logits)` (mean over the batch), as the
 * fused kernel where the active backend has it and the tensors fit it (`[B, C]`, float32 logits,
 * float32 or int32 labels), else
 * that very call (the same bits as before on every other backend). Throws a RangeError naming
 * both shapes when they differ.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import "@tensorflow/tfjs-backend-cpu";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { softmaxCrossEntropyMean } from "./native_softmax_cross_entropy.ts";
 * await tf.setBackend("cpu");
 * const loss = softmaxCrossEntropyMean(tf.tensor2d([[1, 0]]), tf.tensor2d([[0, 0]]));
 * assert.ok(Math.abs(loss.dataSync()[0] - Math.LN2) < 1e-6);
 * assert.throws(() => softmaxCrossEntropyMean(tf.ones([2, 3]), tf.ones([2, 4])), RangeError);
 * ```
 */
export function softmaxCrossEntropyMean(oneHot: tf.Tensor, logits: tf.Tensor): tf.Scalar {
  if (!tf.util.arraysEqual(oneHot.shape, logits.shape)) {
    throw new RangeError(
      `softmaxCrossEntropyMean: oneHot shape [${oneHot.shape}] must equal logits shape ` +
        `[${logits.shape}]`,
    );
  }
  if (
    !fusedLossEnabled || logits.rank !== 2 || logits.size === 0 ||
    logits.dtype !== "float32" || (oneHot.dtype !== "float32" && oneHot.dtype !== "int32") ||
    tf.getKernel(SOFTMAX_CROSS_ENTROPY_KERNEL, tf.getBackend()) === undefined
  ) {
    return tf.losses.softmaxCrossEntropy(oneHot, logits) as tf.Scalar;
  }
  // customGrad's type lists the inputs and the save function as one union: cast them apart.
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const z = args[0] as tf.Tensor;
    const save = args[1] as tf.GradSaveFunc;
    const [value, gradient] = tf.engine().runKernel(
      SOFTMAX_CROSS_ENTROPY_KERNEL,
      { logits: z, labels: oneHot },
    ) as unknown as tf.Tensor[];
    save([gradient]);
    return {
      value,
      gradFunc: (dy, saved) => tf.mul(dy as tf.Tensor, saved[0]),
    };
  });
  return op(logits) as tf.Scalar;
}

/**
 * Turns the fused loss off (`false`: `tf.losses.softmaxCrossEntropy` everywhere) or back on;
 * returns the previous setting. For the tests and benchmarks that compare the two.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { setFusedSoftmaxCrossEntropy } from "./native_softmax_cross_entropy.ts";
 * const previous = setFusedSoftmaxCrossEntropy(false);
 * assert.equal(setFusedSoftmaxCrossEntropy(previous), false);
 * ```
 */
export function setFusedSoftmaxCrossEntropy(enabled: boolean): boolean {
  if (typeof enabled !== "boolean") {
    throw new TypeError(`setFusedSoftmaxCrossEntropy: enabled must be a boolean, got ${enabled}`);
  }
  const previous = fusedLossEnabled;
  fusedLossEnabled = enabled;
  return previous;
}
