/**
 * The multilayer perceptron of the paper's MNIST experiment: flatten, six dense ReLU layers of
 * 128, a dense logit layer.
 *
 * @module
 */
import * as tfl from "@tensorflow/tfjs-layers";
import { SeededInitializers } from "./initializers.ts";
import { type CommonModelOptions, requireWidths, validateCommonOptions } from "./options.ts";

/** Hidden-layer activations the MLP accepts (smooth ones help Hessian studies). */
export const MLP_ACTIVATIONS = ["relu", "tanh", "elu", "softplus", "sigmoid"] as const;

/** One of {@link MLP_ACTIVATIONS}. */
export type MlpActivation = typeof MLP_ACTIVATIONS[number];

/** Options of {@link createMlp}. */
export interface MlpOptions extends CommonModelOptions {
  /** Hidden widths; default six layers of 128 (the paper's MNIST net). `[]` is a linear model. */
  widths?: readonly number[];
  /** Hidden activation; default `"relu"`. */
  activation?: MlpActivation;
}

/** The paper's hidden widths: six dense layers of 128. */
export const PAPER_MLP_WIDTHS: readonly number[] = Object.freeze([128, 128, 128, 128, 128, 128]);

/**
 * Builds the MLP. The output is the logits (no softmax).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import "@tensorflow/tfjs-backend-cpu";
 * import { createMlp } from "./mlp.ts";
 * const model = createMlp({ inputShape: [28, 28, 1], numClasses: 10, seed: 1 });
 * assert.ok(model.countParams() === 184330);
 * ```
 */
export function createMlp(options: MlpOptions): tfl.LayersModel {
  const { inputShape, numClasses, seed } = validateCommonOptions("mlp", options);
  const widths = requireWidths("mlp", "widths", options.widths ?? PAPER_MLP_WIDTHS, true);
  const activation = options.activation ?? "relu";
  if (!(MLP_ACTIVATIONS as readonly string[]).includes(activation)) {
    throw new RangeError(
      `mlp: activation must be one of ${MLP_ACTIVATIONS.join(", ")}, got ${String(activation)}`,
    );
  }
  const init = new SeededInitializers(seed);
  const model = tfl.sequential();
  model.add(tfl.layers.flatten({ inputShape: [...inputShape] }));
  for (const units of widths) {
    model.add(tfl.layers.dense({
      units,
      activation,
      kernelInitializer: activation === "relu" ? init.he() : init.glorot(),
      biasInitializer: "zeros",
    }));
  }
  model.add(tfl.layers.dense({
    units: numClasses,
    kernelInitializer: init.glorot(),
    biasInitializer: "zeros",
  }));
  return model;
}
