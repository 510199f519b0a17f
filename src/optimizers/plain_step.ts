/**
 * The checked `minimize` of the plain optimizers (SGD, Adam): one gradient evaluation, the loss
 * checked before the update, the weights after.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
// tfjs-core alone registers no gradient functions; tfjs-layers registers all of them.
import "@tensorflow/tfjs-layers";
import { assertFiniteLosses, assertFiniteVariables, trainableVariables } from "./variables.ts";

/**
 * Runs one step of `optimizer` on `f`: throws a `NonFiniteError` for a non-finite loss (before
 * touching the weights) or weight (after the update), naming `step`.
 *
 * @example
 * ```ts
 * import "@tensorflow/tfjs-backend-cpu"; // any registered backend
 * import * as tf from "@tensorflow/tfjs-core";
 * import { checkedMinimize } from "./plain_step.ts";
 * const w = tf.variable(tf.scalar(1));
 * const optimizer = tf.train.sgd(0.1);
 * checkedMinimize("sgd", 0, optimizer, () => tf.square(w), false, [w]);
 * console.assert(Math.abs(w.dataSync()[0] - 0.8) < 1e-6);
 * w.dispose();
 * ```
 */
export function checkedMinimize(
  owner: string,
  step: number,
  optimizer: tf.Optimizer,
  f: () => tf.Scalar,
  returnCost: boolean,
  varList: tf.Variable[] | undefined,
): tf.Scalar | null {
  const variables = trainableVariables(varList);
  const { value, grads } = tf.variableGrads(f, variables);
  try {
    assertFiniteLosses(owner, step, value.dataSync());
    optimizer.applyGradients(grads);
    assertFiniteVariables(owner, step, variables.filter((v) => grads[v.name] != null));
  } catch (error) {
    value.dispose();
    throw error;
  } finally {
    tf.dispose(grads);
  }
  if (returnCost) return value;
  value.dispose();
  return null;
}
