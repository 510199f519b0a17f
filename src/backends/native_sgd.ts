/**
 * `UsamSgdUpdate`: the whole PyTorch-style SGD update of one variable (weight decay, momentum
 * buffer, dampening, Nesterov, the step) as one kernel of the `native` backend: one WebAssembly
 * SIMD loop (native_elementwise.wat) over the wasm heap instead of six to eight TF.js ops. The
 * module imports the TF.js wasm backend's own memory, so it reads and writes the tensors where
 * they are.
 *
 * Why: profiled on the paper's MLP (native, batch 128, bench/profile_step.ts), the SGD update was
 * 100 of an SGD step's 252 kernels (7 per variable, 14 variables), about a quarter of the step with
 * their dispatch. (A scalar JavaScript loop, `sgdUpdateArrays`, measured no faster than the op
 * chain: 0.6-1.2 ms for the MLP's 184k weights, as much as the dispatch it saved.)
 *
 * Bit for bit the op chain: the SIMD and scalar f32 operations are IEEE round-to-nearest, as every
 * kernel of the chain is, in the chain's order. `sgdUpdateArrays` is the same in JavaScript (each
 * operation rounded with `Math.fround`: a float32 `+ - ×` computed in float64 and rounded once is
 * the correctly rounded float32 result, since 53 >= 2·24 + 2). So runs are the same bits with the
 * kernel and without it (tested in native_sgd_test.ts against the op chain on native and on cpu),
 * and the optimizer falls back to the op chain on every backend without the kernel.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { TensorInfo } from "@tensorflow/tfjs-core";
import { asWasmBackend, sizeOf, tensorData } from "./wasm_internals.ts";
import { elementwiseExports } from "./native_elementwise.ts";

/** The kernel's name. */
export const SGD_UPDATE_KERNEL = "UsamSgdUpdate";

/** The hyperparameters of one update (those of `SgdOptimizer`). */
export interface SgdUpdateParameters {
  lr: number;
  momentum: number;
  weightDecay: number;
  dampening: number;
  nesterov: boolean;
}

/**
 * The SGD update on host arrays, in float32 arithmetic in the op chain's order (module note):
 * writes the new weights to `xOut` and, with momentum, the new buffer to `bufferOut`. `buffer` is
 * undefined on the first step (the buffer starts as the decayed gradient).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sgdUpdateArrays } from "./native_sgd.ts";
 * const xOut = new Float32Array(1);
 * const bufferOut = new Float32Array(1);
 * const p = { lr: 0.5, momentum: 0.9, weightDecay: 0, dampening: 0, nesterov: false };
 * sgdUpdateArrays(new Float32Array([1]), new Float32Array([2]), new Float32Array([1]), p, xOut, bufferOut);
 * assert.equal(bufferOut[0], Math.fround(Math.fround(0.9) + 2)); // 0.9·1 + 2
 * assert.equal(xOut[0], Math.fround(1 - Math.fround(bufferOut[0] * 0.5)));
 * ```
 */
export function sgdUpdateArrays(
  x: Float32Array,
  gradient: Float32Array,
  buffer: Float32Array | undefined,
  p: SgdUpdateParameters,
  xOut: Float32Array,
  bufferOut: Float32Array | undefined,
): void {
  const f = Math.fround;
  // The op chain's scalars are float32 tensors: tf.mul(x, wd) multiplies by fround(wd).
  const wd = f(p.weightDecay);
  const m = f(p.momentum);
  const keep = f(1 - p.dampening);
  const lr = f(p.lr);
  const decay = p.weightDecay !== 0;
  const damp = p.dampening !== 0;
  const n = x.length;
  if (p.momentum === 0) {
    for (let i = 0; i < n; i++) {
      const v = decay ? f(gradient[i] + f(x[i] * wd)) : gradient[i];
      xOut[i] = f(x[i] - f(v * lr));
    }
    return;
  }
  if (bufferOut === undefined) {
    throw new RangeError("sgdUpdateArrays: bufferOut is required when momentum != 0");
  }
  for (let i = 0; i < n; i++) {
    const v = decay ? f(gradient[i] + f(x[i] * wd)) : gradient[i];
    let next: number;
    if (buffer === undefined) {
      next = v;
    } else {
      next = f(f(buffer[i] * m) + (damp ? f(v * keep) : v));
    }
    bufferOut[i] = next;
    const step = p.nesterov ? f(v + f(next * m)) : next;
    xOut[i] = f(x[i] - f(step * lr));
  }
}

/**
 * Registers `UsamSgdUpdate` for the wasm-family backend `backendName` (inputs `x`, `gradient` and
 * `buffer` when the attribute `hasBuffer`; attributes the {@link SgdUpdateParameters}; outputs the
 * new weights and, with momentum, the new buffer). Returns false when already registered.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "./init.ts";
 * import { SGD_UPDATE_KERNEL } from "./native_sgd.ts";
 * try {
 *   await initBackend("native"); // registers it, when the native libraries load
 *   assert.ok(tf.getKernel(SGD_UPDATE_KERNEL, "native") !== undefined);
 * } catch (error) {
 *   assert.match((error as Error).message, /install/);
 * }
 * ```
 */
export function registerNativeSgd(backendName: string): boolean {
  if (tf.getKernel(SGD_UPDATE_KERNEL, backendName) !== undefined) return false;
  tf.registerKernel({
    kernelName: SGD_UPDATE_KERNEL,
    backendName,
    kernelFunc: (args) => {
      const { x, gradient, buffer } = args.inputs as {
        x: TensorInfo;
        gradient: TensorInfo;
        buffer?: TensorInfo;
      };
      const p = args.attrs as unknown as SgdUpdateParameters & { hasBuffer: boolean };
      const backend = asWasmBackend(args.backend);
      const xOut = backend.makeOutput([...x.shape], "float32");
      const bufferOut = p.momentum !== 0 ? backend.makeOutput([...x.shape], "float32") : undefined;
      const hasBuffer = p.hasBuffer && buffer !== undefined;
      const at = (t: TensorInfo | undefined) =>
        t === undefined ? 0 : tensorData(backend, t).memoryOffset;
      const f = Math.fround;
      elementwiseExports(backend).sgd(
        sizeOf(x.shape),
        at(x),
        at(gradient),
        hasBuffer ? at(buffer) : 0,
        at(xOut),
        at(bufferOut),
        f(p.lr),
        f(p.momentum),
        f(p.weightDecay),
        f(1 - p.dampening),
        (p.weightDecay !== 0 ? 1 : 0) | (hasBuffer ? 2 : 0) | (p.nesterov ? 4 : 0) |
          (p.momentum !== 0 ? 8 : 0),
      );
      return bufferOut === undefined ? [xOut] : [xOut, bufferOut];
    },
  });
  return true;
}

/**
 * One fused update on the active backend when it has the kernel and the tensors fit it (float32,
 * equal shapes): `[x', buffer']` (`buffer'` absent without momentum), owned by the caller; else
 * `undefined` and the caller runs the op chain.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import "@tensorflow/tfjs-backend-cpu";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { fusedSgdUpdate } from "./native_sgd.ts";
 * await tf.setBackend("cpu"); // no such kernel on cpu: the caller's op chain runs
 * const x = tf.ones([2]);
 * const p = { lr: 0.1, momentum: 0, weightDecay: 0, dampening: 0, nesterov: false };
 * assert.equal(fusedSgdUpdate(x, x, undefined, p), undefined);
 * x.dispose();
 * ```
 */
export function fusedSgdUpdate(
  x: tf.Tensor,
  gradient: tf.Tensor,
  buffer: tf.Tensor | undefined,
  p: SgdUpdateParameters,
): tf.Tensor[] | undefined {
  if (!fusedSgdEnabled || tf.getKernel(SGD_UPDATE_KERNEL, tf.getBackend()) === undefined) {
    return undefined;
  }
  if (
    x.dtype !== "float32" || gradient.dtype !== "float32" ||
    !tf.util.arraysEqual(x.shape, gradient.shape) ||
    (buffer !== undefined &&
      (buffer.dtype !== "float32" || !tf.util.arraysEqual(x.shape, buffer.shape)))
  ) {
    return undefined;
  }
  const inputs: tf.NamedTensorMap = buffer === undefined
    ? { x, gradient }
    : { x, gradient, buffer };
  const attrs = { ...p, hasBuffer: buffer !== undefined };
  return tf.engine().runKernel(
    SGD_UPDATE_KERNEL,
    inputs,
    attrs as unknown as tf.NamedAttrMap,
  ) as unknown as tf.Tensor[];
}

let fusedSgdEnabled = true;

/**
 * Turns the fused update off (`false`: the op chain everywhere) or back on; returns the previous
 * setting. For the tests and benchmarks that compare the two.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { setFusedSgd } from "./native_sgd.ts";
 * const previous = setFusedSgd(false);
 * assert.equal(setFusedSgd(previous), false);
 * ```
 */
export function setFusedSgd(enabled: boolean): boolean {
  if (typeof enabled !== "boolean") {
    throw new TypeError(`setFusedSgd: enabled must be a boolean, got ${enabled}`);
  }
  const previous = fusedSgdEnabled;
  fusedSgdEnabled = enabled;
  return previous;
}
