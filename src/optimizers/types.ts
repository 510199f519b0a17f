/**
 * The shape every optimizer in this folder shares, on top of `tf.Optimizer`.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";

/**
 * A `tf.Optimizer` with what the training loop and the tests read: the learning rate (settable,
 * for schedules), the cost of one step in gradient evaluations, and the perturbations of the
 * last step.
 *
 * @example
 * ```ts
 * import "@tensorflow/tfjs-backend-cpu"; // any registered backend
 * import * as tf from "@tensorflow/tfjs-core";
 * import assert from "node:assert/strict";
 * import type { UsamOptimizer } from "./types.ts";
 * import { sam } from "./sam.ts";
 * const w = tf.variable(tf.tensor1d([1, 2]));
 * const optimizer: UsamOptimizer = sam({ rho: 0.05 });
 * assert.equal(optimizer.gradientEvaluations, 2);
 * assert.equal(await optimizer.step(() => tf.sum(tf.square(w))), 5); // the loss before the step
 * optimizer.dispose();
 * w.dispose();
 * ```
 */
export interface UsamOptimizer extends tf.Optimizer {
  /** The learning rate of the (base) optimizer; assign to change it between steps. */
  learningRate: number;
  /** Gradient evaluations per step: 1 for SGD and Adam, 2 for SAM and ASAM, 1 + n otherwise. */
  readonly gradientEvaluations: number;
  /**
   * The perturbations of the last step, `[sample][variable]`, host copies in the order of the
   * variables that step updated. For the sampled (universal) optimizers these are the draws
   * `δ_i` from μ, before scaling by ρ. For SAM and ASAM, the offset `e` when the optimizer was
   * built with `recordPerturbations: true`, else empty (it is a function of the gradient and
   * costs a download). Empty for SGD and Adam.
   */
  readonly lastPerturbations: readonly (readonly Float32Array[])[];
  /** The names of the variables of the last step, in the order of `lastPerturbations`. */
  readonly lastVariableNames: readonly string[];
  /**
   * One full step, the same ops as `minimize(f, true, varList)` (the same bits on cpu and wasm),
   * reading values only with `await tensor.data()`: the step for a backend without synchronous
   * reads (webgpu under Deno), on which `minimize` throws. The scalars a read needs are stacked
   * into one read: a plain step reads twice (the loss, then the weight check), a SAM-family step
   * twice (all the losses at once, then the weight check). Resolves to the loss at the weights
   * before the step (float32 value, as `minimize(f, true)` returns it); rejects with
   * `NonFiniteError` like `minimize` throws.
   */
  step(f: () => tf.Scalar, varList?: tf.Variable[]): Promise<number>;
}

/**
 * A tensor with the name of the variable it belongs to (the list form `applyGradients` and
 * `getWeights` use; TF.js does not export the type from its entry point).
 *
 * @example
 * ```ts
 * import "@tensorflow/tfjs-backend-cpu"; // any registered backend
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import type { NamedTensor } from "./types.ts";
 * const item: NamedTensor = { name: "dense/kernel", tensor: tf.zeros([2]) };
 * assert.deepEqual(item.tensor.shape, [2]);
 * item.tensor.dispose();
 * ```
 */
export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}
