/**
 * `UsamAdamUpdate`: the whole PyTorch-style Adam update of one variable (weight decay, both
 * moments, the bias-corrected step) as one kernel of the `native` backend: one WebAssembly SIMD
 * loop (native_elementwise.wat `adam`) over the wasm heap instead of the 10 to 12 TF.js ops of
 * src/optimizers/adam.ts.
 *
 * Why: measured on the paper's MLP (native, batch 128), an Adam step took 1.5× an SGD step, the
 * difference being its unfused update.
 *
 * Bit for bit the op chain: every operation of the chain (`+ - × ÷` and `sqrt`) is one IEEE
 * float32 operation, correctly rounded in WebAssembly as in each TF.js kernel, and the kernel runs
 * them in the chain's order with the chain's float32 scalars (`tf.mul(g, 1 - beta1)` multiplies
 * by `fround(1 - beta1)`). Tested in native_adam_test.ts against the chain on native and on cpu.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { TensorInfo } from "@tensorflow/tfjs-core";
import { asWasmBackend, sizeOf, tensorData } from "./wasm_internals.ts";
import { elementwiseExports } from "./native_elementwise.ts";

/** The kernel's name. */
export const ADAM_UPDATE_KERNEL = "UsamAdamUpdate";

/** The scalars of one update, as the op chain uses them (before float32 rounding). */
export interface AdamUpdateParameters {
  /** `lr / (1 - beta1^t)`. */
  stepSize: number;
  /** `sqrt(1 - beta2^t)`. */
  secondCorrection: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  weightDecay: number;
}

/**
 * Registers `UsamAdamUpdate` for the wasm-family backend `backendName` (inputs `x`, `gradient`,
 * `m`, `v`; attributes the {@link AdamUpdateParameters}; outputs the new weights and moments).
 * Returns false when already registered.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "./init.ts";
 * import { ADAM_UPDATE_KERNEL } from "./native_adam.ts";
 * try {
 *   await initBackend("native"); // registers it, when the native libraries load
 *   assert.ok(tf.getKernel(ADAM_UPDATE_KERNEL, "native") !== undefined);
 * } catch (error) {
 *   assert.match((error as Error).message, /install/);
 * }
 * ```
 */
export function registerNativeAdam(backendName: string): boolean {
  if (tf.getKernel(ADAM_UPDATE_KERNEL, backendName) !== undefined) return false;
  tf.registerKernel({
    kernelName: ADAM_UPDATE_KERNEL,
    backendName,
    kernelFunc: (args) => {
      const { x, gradient, m, v } = args.inputs as Record<string, TensorInfo>;
      const p = args.attrs as unknown as AdamUpdateParameters;
      const backend = asWasmBackend(args.backend);
      const outputs = [0, 1, 2].map(() => backend.makeOutput([...x.shape], "float32"));
      const at = (t: TensorInfo) => tensorData(backend, t).memoryOffset;
      const f = Math.fround;
      elementwiseExports(backend).adam(
        sizeOf(x.shape),
        at(x),
        at(gradient),
        at(m),
        at(v),
        at(outputs[0]),
        at(outputs[1]),
        at(outputs[2]),
        f(p.weightDecay),
        f(p.beta1),
        f(1 - p.beta1),
        f(p.beta2),
        f(1 - p.beta2),
        f(p.secondCorrection),
        f(p.epsilon),
        f(p.stepSize),
        p.weightDecay !== 0 ? 1 : 0,
      );
      return outputs;
    },
  });
  return true;
}

/**
 * One fused update on the active backend when it has the kernel and the tensors fit it (float32,
 * equal shapes): `[x', m', v']`, owned by the caller; else `undefined` and the caller runs the op
 * chain.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import "@tensorflow/tfjs-backend-cpu";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { fusedAdamUpdate } from "./native_adam.ts";
 * await tf.setBackend("cpu"); // no such kernel on cpu: the caller's op chain runs
 * const x = tf.ones([2]);
 * const p = { stepSize: 0.1, secondCorrection: 0.04, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 };
 * assert.equal(fusedAdamUpdate(x, x, x, x, p), undefined);
 * x.dispose();
 * ```
 */
export function fusedAdamUpdate(
  x: tf.Tensor,
  gradient: tf.Tensor,
  m: tf.Tensor,
  v: tf.Tensor,
  p: AdamUpdateParameters,
): tf.Tensor[] | undefined {
  if (!fusedAdamEnabled || tf.getKernel(ADAM_UPDATE_KERNEL, tf.getBackend()) === undefined) {
    return undefined;
  }
  for (const t of [x, gradient, m, v]) {
    if (t.dtype !== "float32" || !tf.util.arraysEqual(x.shape, t.shape)) return undefined;
  }
  return tf.engine().runKernel(
    ADAM_UPDATE_KERNEL,
    { x, gradient, m, v },
    p as unknown as tf.NamedAttrMap,
  ) as unknown as tf.Tensor[];
}

let fusedAdamEnabled = true;

/**
 * Turns the fused update off (`false`: the op chain everywhere) or back on; returns the previous
 * setting. For the tests and benchmarks that compare the two.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { setFusedAdam } from "./native_adam.ts";
 * const previous = setFusedAdam(false);
 * assert.equal(setFusedAdam(previous), false);
 * ```
 */
export function setFusedAdam(enabled: boolean): boolean {
  if (typeof enabled !== "boolean") {
    throw new TypeError(`setFusedAdam: enabled must be a boolean, got ${enabled}`);
  }
  const previous = fusedAdamEnabled;
  fusedAdamEnabled = enabled;
  return previous;
}
