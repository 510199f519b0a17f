/**
 * The SAM family as TF.js optimizers: PyTorch-style `sgd` and `adam`, `sam`, `asam`, and the
 * universal optimizer `universalSam` with its instances `traceSam`, `frobSam`, `detSam`;
 * `createOptimizer` maps the CLI names to them.
 *
 * @example
 * ```ts
 * import "@tensorflow/tfjs-backend-cpu"; // any registered backend
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { createOptimizer, NonFiniteError } from "./mod.ts";
 * const w = tf.variable(tf.tensor1d([1, 2]));
 * const optimizer = createOptimizer("trace-sam", { lr: 0.1, seed: 1 });
 * const loss = (): tf.Scalar => tf.sum(tf.square(w));
 * // `minimize` on backends with synchronous reads; `await optimizer.step(f)` everywhere. It
 * // returns the loss before the step: 1² + 2² = 5.
 * assert.equal(await optimizer.step(loss), 5);
 * const after = loss();
 * assert.ok((await after.data())[0] < 5); // a descent step on a convex bowl lowers it
 * after.dispose();
 * // A loss that is not finite stops training with a NonFiniteError (sqrt of a negative is NaN).
 * await assert.rejects(optimizer.step(() => tf.sum(tf.sqrt(tf.neg(loss())))), NonFiniteError);
 * optimizer.dispose();
 * w.dispose();
 * ```
 *
 * @module
 */
export { adam, AdamOptimizer, type AdamOptions } from "./adam.ts";
export { NonFiniteError, type NonFiniteQuantity } from "./errors.ts";
export {
  createOptimizer,
  OPTIMIZER_NAMES,
  type OptimizerHyperparameters,
  type OptimizerName,
} from "./factory.ts";
export {
  type BaseOptimizer,
  type PerturbationRule,
  type Perturbations,
  PerturbedOptimizer,
  type PerturbedOptions,
  type RuleContext,
} from "./perturbed.ts";
export { syncReadsAvailable } from "./reads.ts";
export {
  asam,
  type AsamOptions,
  AscentOptimizer,
  ascentRule,
  type OffsetRule,
  sam,
  type SamOptions,
} from "./sam.ts";
export { sgd, SgdOptimizer, type SgdOptions } from "./sgd.ts";
export type { NamedTensor, UsamOptimizer } from "./types.ts";
export {
  detSam,
  type DetSamOptions,
  frobSam,
  type SampledSamOptions,
  traceSam,
  universalSam,
  UniversalSamOptimizer,
  type UniversalSamOptions,
} from "./universal.ts";
