/**
 * A plain-data summary of any `tf.LayersModel` (parameter counts and layers), for logs and run
 * results. It reads only the model's public structure, never its layer names' meaning.
 *
 * @module
 */
import type * as tfl from "@tensorflow/tfjs-layers";

/** One layer in {@link ModelDescription}. */
export interface LayerDescription {
  /** The layer's (auto-generated or user) name. */
  name: string;
  /** Its class, e.g. `"Dense"`, `"Conv2D"`, `"BatchNormalization"`. */
  className: string;
  /** Output shape, batch dimension as `null`. */
  outputShape: unknown;
  /** All its parameters, trainable or not. */
  parameters: number;
}

/** What {@link describeModel} returns. */
export interface ModelDescription {
  /** Trainable plus non-trainable parameters (BatchNorm moving statistics are non-trainable). */
  parameters: number;
  /** The parameters an optimizer updates: the length of the flattened weight vector. */
  trainableParameters: number;
  /** Parameters no optimizer updates, e.g. BatchNorm moving mean and variance. */
  nonTrainableParameters: number;
  /** Input shape without the batch dimension. */
  inputShape: number[];
  /** Output shape without the batch dimension. */
  outputShape: number[];
  /** Every layer in order. */
  layers: LayerDescription[];
}

function countWeights(weights: readonly tfl.LayerVariable[]): number {
  return weights.reduce((sum, w) => sum + w.shape.reduce((p: number, s) => p * (s ?? 1), 1), 0);
}

/**
 * Summarizes a model.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import "@tensorflow/tfjs-backend-cpu";
 * import { createModel } from "./create.ts";
 * import { describeModel } from "./describe.ts";
 * const info = describeModel(createModel("mlp", { inputShape: [28, 28, 1], numClasses: 10 }));
 * assert.ok(info.trainableParameters === 184330 && info.layers.length === 8);
 * ```
 */
export function describeModel(model: tfl.LayersModel): ModelDescription {
  if (model === null || typeof model !== "object" || !Array.isArray(model.layers)) {
    throw new TypeError(`describeModel: model must be a tf.LayersModel, got ${String(model)}`);
  }
  const trainableParameters = countWeights(model.trainableWeights);
  const nonTrainableParameters = countWeights(model.nonTrainableWeights);
  return {
    parameters: trainableParameters + nonTrainableParameters,
    trainableParameters,
    nonTrainableParameters,
    inputShape: model.inputs[0].shape.slice(1) as number[],
    outputShape: model.outputs[0].shape.slice(1) as number[],
    layers: model.layers.map((layer) => ({
      name: layer.name,
      className: layer.getClassName(),
      outputShape: layer.outputShape,
      parameters: layer.countParams(),
    })),
  };
}
