/**
 * `FusedBatchNormalization`: tfjs-layers' `BatchNormalization` (same constructor arguments, the
 * same weights in the same order: `gamma`, `beta`, `moving_mean`, `moving_variance`, the same
 * config) whose training pass over the last axis runs one fused kernel forward and one backward
 * (src/backends/batch_norm_train.ts) instead of `tf.moments` + `FusedBatchNorm` and their
 * element-wise gradients. Inference, other axes and a layer without `center` or `scale` run the
 * inherited tfjs-layers code.
 *
 * The moving statistics are updated as tfjs-layers does (normalization.js, `doMovingAverage`):
 * `moving ← moving − (moving − batch)·(1 − momentum)`, with the *biased* batch variance (what
 * `tf.moments` returns), with the same ops in the same order. The batch statistics themselves are
 * accumulated in float64 here and in float32 by `tf.moments`, so they agree within float32
 * rounding, not bit for bit (batch_norm_test.ts states the bound).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { batchNormTrain } from "../backends/batch_norm_train.ts";

/** The constructor arguments of tfjs-layers' `BatchNormalization`. */
export type BatchNormalizationArgs = Parameters<typeof tfl.layers.batchNormalization>[0];

/** The members of tfjs-layers' `BatchNormalization` this subclass uses (internal to 4.22). */
interface BatchNormalizationInternals extends tfl.layers.Layer {
  axis: number;
  momentum: number;
  epsilon: number;
  center: boolean;
  scale: boolean;
  gamma: tfl.LayerVariable;
  beta: tfl.LayerVariable;
  movingMean: tfl.LayerVariable;
  movingVariance: tfl.LayerVariable;
}

// tfjs-layers exports the factory, not the class: take the class from an instance.
const BatchNormalizationBase = Object.getPrototypeOf(tfl.layers.batchNormalization({}))
  .constructor as
    & (new (args?: BatchNormalizationArgs) => BatchNormalizationInternals)
    & { fromConfig: tf.serialization.FromConfigMethod<tf.serialization.Serializable> };

/**
 * BatchNormalization with a fused training pass (see the module comment).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import "@tensorflow/tfjs-backend-cpu";
 * import { FusedBatchNormalization } from "./batch_norm.ts";
 * await tf.setBackend("cpu");
 * const layer = new FusedBatchNormalization({ axis: -1, momentum: 0.9, epsilon: 0 });
 * const y = layer.apply(tf.tensor2d([[1, 10], [3, 30]]), { training: true }) as tf.Tensor;
 * assert.deepEqual(Array.from(y.dataSync()), [-1, -1, 1, 1]);
 * assert.deepEqual(layer.getWeights().map((w) => w.shape), [[2], [2], [2], [2]]);
 * // moving mean 0 − (0 − 2)·0.1 = 0.2 (channel 0)
 * assert.ok(Math.abs(layer.getWeights()[2].dataSync()[0] - 0.2) < 1e-7);
 * ```
 */
export class FusedBatchNormalization extends BatchNormalizationBase {
  /** The serialization name. */
  static className = "FusedBatchNormalization";

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    const input = Array.isArray(inputs) ? inputs[0] : inputs;
    // As tfjs-layers reads it: absent means inference.
    const training = kwargs["training"] == null ? false : Boolean(kwargs["training"]);
    const lastAxis = this.axis === -1 || this.axis === input.rank - 1;
    if (
      !training || !lastAxis || !this.center || !this.scale ||
      (Array.isArray(inputs) && inputs.length !== 1)
    ) {
      return super.call(inputs, kwargs) as tf.Tensor;
    }
    return tf.tidy(() => {
      const { y, mean, variance } = batchNormTrain(
        input,
        this.gamma.read() as tf.Tensor1D,
        this.beta.read() as tf.Tensor1D,
        this.epsilon,
      );
      // tfjs-layers' doMovingAverage, op for op.
      const decay = 1 - this.momentum;
      for (
        const [variable, value] of [[this.movingMean, mean], [
          this.movingVariance,
          variance,
        ]] as const
      ) {
        tf.tidy(() => {
          const orig = variable.read();
          variable.write(tf.sub(orig, tf.mul(tf.sub(orig, value), decay)));
        });
      }
      return y;
    });
  }
}
tf.serialization.registerClass(FusedBatchNormalization);

/**
 * A {@link FusedBatchNormalization} layer (the factory form of tfjs-layers' layers).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import "@tensorflow/tfjs-backend-cpu";
 * import * as tfl from "@tensorflow/tfjs-layers";
 * import { fusedBatchNormalization } from "./batch_norm.ts";
 * const y = fusedBatchNormalization({ axis: -1 }).apply(tfl.input({ shape: [4, 4, 3] }));
 * assert.equal((y as tfl.SymbolicTensor).shape[3], 3);
 * ```
 */
export function fusedBatchNormalization(args?: BatchNormalizationArgs): FusedBatchNormalization {
  return new FusedBatchNormalization(args);
}
