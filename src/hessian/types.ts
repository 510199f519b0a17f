/**
 * The shapes the Hessian tools share: a batch, a loss function, an estimate.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";

/** A fixed batch: inputs and labels (one-hot `[B, C]` or integer `[B]`). */
export interface HessianBatch {
  xs: tf.Tensor;
  ys: tf.Tensor;
}

/**
 * The loss whose Hessian is taken, as a function of the model's current weights. It must read
 * the weights through the model (e.g. `model.apply(batch.xs)`), so that perturbing the model's
 * variables perturbs the loss.
 */
export type HessianLossFn = (model: tfl.LayersModel, batch: HessianBatch) => tf.Scalar;

/** An estimate of a Hessian quantity and its uncertainty. */
export interface HessianEstimate {
  /** The estimate. */
  value: number;
  /**
   * For Monte Carlo estimates, the standard error of the mean (sample standard deviation over
   * √samples). For eigenvalues, the residual norm ‖Hy − θy‖ of the unit Ritz vector y: an
   * eigenvalue of (the finite-difference) H lies within it of `value`.
   */
  standardError: number;
  /** Monte Carlo samples, or Hessian-vector products for eigenvalues. */
  samples: number;
}
