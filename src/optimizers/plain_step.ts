/**
 * The checked step of the plain optimizers (SGD, Adam): one gradient evaluation, the loss
 * checked before the update, the weights after. Written once as a step program (`reads.ts`), so
 * `minimize` (synchronous reads) and `step` (asynchronous reads) run the same ops.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
// tfjs-core alone registers no gradient functions; tfjs-layers registers all of them.
import "@tensorflow/tfjs-layers";
import {
  runAsync,
  runSync,
  type StepProgram,
  syncReadsAvailable,
  syncReadsMissing,
} from "./reads.ts";
import { assertFiniteLosses, finiteVariablesCheck, trainableVariables } from "./variables.ts";

/** What a step program of the optimizers returns: the loss at x, as a tensor and on the host. */
export interface StepOutcome {
  /** The loss at the weights before the step (the caller owns it). */
  value: tf.Scalar;
  /** The same loss, read on the host. */
  loss: number;
}

/**
 * One step of `optimizer` on `f` as a step program: reads the loss (one read), throws a
 * `NonFiniteError` for a non-finite loss before touching the weights, applies the gradients,
 * then checks the weights (one more read), naming `step`.
 *
 * @example
 * ```ts
 * import "@tensorflow/tfjs-backend-cpu"; // any registered backend
 * import * as tf from "@tensorflow/tfjs-core";
 * import assert from "node:assert/strict";
 * import { checkedStep } from "./plain_step.ts";
 * import { runAsync } from "./reads.ts";
 * const w = tf.variable(tf.scalar(1));
 * const optimizer = tf.train.sgd(0.1);
 * const { value, loss } = await runAsync(checkedStep("sgd", 0, optimizer, () => tf.square(w), [w]));
 * assert.equal(loss, 1);
 * assert.ok(Math.abs(w.dataSync()[0] - 0.8) < 1e-6); // 1 - 0.1·2, float32 rounding
 * value.dispose();
 * w.dispose();
 * ```
 */
export function* checkedStep(
  owner: string,
  step: number,
  optimizer: tf.Optimizer,
  f: () => tf.Scalar,
  varList: tf.Variable[] | undefined,
): StepProgram<StepOutcome> {
  const variables = trainableVariables(varList);
  const { value, grads } = tf.variableGrads(f, variables);
  let loss: number;
  try {
    const read = yield value.clone();
    loss = read[0];
    assertFiniteLosses(owner, step, read);
    optimizer.applyGradients(grads);
    yield* finiteVariablesCheck(owner, step, variables.filter((v) => grads[v.name] != null));
  } catch (error) {
    value.dispose();
    throw error;
  } finally {
    tf.dispose(grads);
  }
  return { value, loss };
}

/**
 * `tf.Optimizer.minimize` from a step program: synchronous reads; throws, before any work, on a
 * backend without them (naming `step` as the way out).
 *
 * @example
 * ```ts
 * import "@tensorflow/tfjs-backend-cpu"; // any registered backend
 * import * as tf from "@tensorflow/tfjs-core";
 * import assert from "node:assert/strict";
 * import { checkedStep, minimizeWith } from "./plain_step.ts";
 * const w = tf.variable(tf.scalar(1));
 * const optimizer = tf.train.sgd(0.1);
 * const cost = minimizeWith("sgd", () => checkedStep("sgd", 0, optimizer, () => tf.square(w), [w]), true);
 * assert.equal(cost!.dataSync()[0], 1);
 * tf.dispose([cost!, w]);
 * ```
 */
export function minimizeWith(
  owner: string,
  program: () => StepProgram<StepOutcome>,
  returnCost: boolean,
): tf.Scalar | null {
  if (!syncReadsAvailable()) throw syncReadsMissing(owner);
  const { value } = runSync(program());
  if (returnCost) return value;
  value.dispose();
  return null;
}

/**
 * The asynchronous step from a step program: resolves to the host loss at x, disposing the
 * tensor.
 *
 * @example
 * ```ts
 * import "@tensorflow/tfjs-backend-cpu"; // any registered backend
 * import * as tf from "@tensorflow/tfjs-core";
 * import assert from "node:assert/strict";
 * import { checkedStep, stepWith } from "./plain_step.ts";
 * const w = tf.variable(tf.scalar(2));
 * const optimizer = tf.train.sgd(0.1);
 * assert.equal(await stepWith(() => checkedStep("sgd", 0, optimizer, () => tf.square(w), [w])), 4);
 * w.dispose();
 * ```
 */
export async function stepWith(program: () => StepProgram<StepOutcome>): Promise<number> {
  const { value, loss } = await runAsync(program());
  value.dispose();
  return loss;
}
