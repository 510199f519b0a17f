/**
 * The usual loss for the Hessian tools: mean softmax cross-entropy of the model's logits.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import type { HessianBatch, HessianLossFn } from "./types.ts";

// exp whose gradient recomputes exp from the input, so that the gradient stays on the tape.
// The input is handed over with save(): the engine keeps that copy until backprop, whereas a
// closure over the input would see it disposed by the caller's tidy.
const expDifferentiableTwice = tf.customGrad((...inputs: Array<tf.Tensor | unknown>) => {
  const x = inputs[0] as tf.Tensor;
  const save = inputs[1] as (tensors: tf.Tensor[]) => void;
  save([x]);
  return {
    value: tf.exp(x),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, tf.exp(saved[0])),
  };
}) as unknown as (x: tf.Tensor) => tf.Tensor;

// The per-row max of logits as a constant of the tape: its gradient is zero, and the forward
// max runs inside customGrad, which records no tape node for it. This replaces a read back to
// the host (`dataSync`), which Deno's WebGPU does not allow.
const rowMaxConstant = tf.customGrad((...inputs: Array<tf.Tensor | unknown>) => {
  const x = inputs[0] as tf.Tensor;
  return {
    value: tf.max(x, 1, true),
    gradFunc: () => tf.zerosLike(x),
  };
}) as unknown as (x: tf.Tensor) => tf.Tensor;

/**
 * Builds the mean softmax cross-entropy loss of a logit model on a batch with one-hot `[B, C]`
 * or integer `[B]` labels. By default the model runs in inference mode (`training: false`), as
 * PyHessian's `model.eval()`: BatchNorm uses its moving statistics, so the loss is a fixed
 * function of the trainable weights and its Hessian is well defined. With `training: true`
 * BatchNorm normalizes by the batch statistics instead (the operator restores the moving
 * statistics it updates).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import * as tfl from "@tensorflow/tfjs-layers";
 * import "@tensorflow/tfjs-backend-cpu";
 * import assert from "node:assert/strict";
 * import { crossEntropyLoss } from "./loss.ts";
 * await tf.setBackend("cpu");
 * const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 3, inputShape: [2],
 *   kernelInitializer: "zeros" })] });
 * const loss = crossEntropyLoss()(model, { xs: tf.ones([4, 2]), ys: tf.tensor1d([0, 1, 2, 0], "int32") });
 * assert.ok(Math.abs((await loss.data())[0] - Math.log(3)) < 1e-6); // uniform logits
 * ```
 */
export function crossEntropyLoss(options: { training?: boolean } = {}): HessianLossFn {
  const training = options.training ?? false;
  if (typeof training !== "boolean") {
    throw new TypeError(`crossEntropyLoss: training must be a boolean, got ${String(training)}`);
  }
  const lossFn = (model: tfl.LayersModel, batch: HessianBatch): tf.Scalar =>
    tf.tidy(() => {
      const logits = model.apply(batch.xs, { training }) as tf.Tensor2D;
      const numClasses = logits.shape[1];
      let labels: tf.Tensor = batch.ys;
      if (labels.rank === 1) {
        labels = tf.oneHot(tf.cast(labels, "int32"), numClasses);
      } else if (labels.rank !== 2 || labels.shape[1] !== numClasses) {
        throw new RangeError(
          `crossEntropyLoss: batch.ys must be [B] integer or [B, ${numClasses}] one-hot labels, ` +
            `got shape ${JSON.stringify(labels.shape)}`,
        );
      }
      if (labels.shape[0] !== logits.shape[0]) {
        throw new RangeError(
          `crossEntropyLoss: batch.ys has ${labels.shape[0]} rows but batch.xs has ${
            logits.shape[0]
          }`,
        );
      }
      // log-softmax written out from ops whose gradients are themselves differentiable, so
      // that double backpropagation (HessianOperator.applyAutodiff) works: TF.js's LogSoftmax
      // and logSumExp gradients use Max/Equal, which have none, and its Exp gradient reuses
      // the saved output, a copy off the outer tape. The per-row shift by the max logit keeps
      // exp from overflowing; it is held constant (zero gradient), which changes nothing
      // mathematically (log-softmax is shift-invariant) and keeps Max off the tape.
      const shift = rowMaxConstant(logits);
      const shifted = tf.sub(logits, shift);
      const logProbabilities = tf.sub(
        shifted,
        tf.log(tf.sum(expDifferentiableTwice(shifted), 1, true)),
      );
      return tf.neg(tf.mean(tf.sum(tf.mul(tf.cast(labels, "float32"), logProbabilities), 1)));
    }) as tf.Scalar;
  TWICE_DIFFERENTIABLE.add(lossFn);
  return lossFn;
}

const TWICE_DIFFERENTIABLE = new WeakSet<HessianLossFn>();

/**
 * Whether `lossFn` is known to keep its gradient on the tape, so that double backpropagation
 * through it is exact: true for the functions {@link crossEntropyLoss} returns.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { crossEntropyLoss, isTwiceDifferentiableLoss } from "./loss.ts";
 * assert.ok(isTwiceDifferentiableLoss(crossEntropyLoss()));
 * assert.ok(!isTwiceDifferentiableLoss(() => undefined as never));
 * ```
 */
export function isTwiceDifferentiableLoss(lossFn: HessianLossFn): boolean {
  return TWICE_DIFFERENTIABLE.has(lossFn);
}
