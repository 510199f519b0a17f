/**
 * `createModel(name, options)`: the one entry point the training command uses for `--model`.
 *
 * @module
 */
import type * as tfl from "@tensorflow/tfjs-layers";
import { type CnnOptions, createCnn } from "./cnn.ts";
import { createMlp, type MlpOptions } from "./mlp.ts";
import { createResnet, type ResnetOptions } from "./resnet.ts";
import { createVgg, type VggOptions } from "./vgg.ts";
import { createWrn, type WrnOptions } from "./wrn.ts";
import { useFusedDense } from "./fused_dense.ts";

/** The architecture names `createModel` and `--model` accept. */
export const MODEL_NAMES = ["mlp", "cnn", "resnet", "vgg", "wrn"] as const;

/** One of {@link MODEL_NAMES}. */
export type ModelName = typeof MODEL_NAMES[number];

/** The options each architecture accepts. */
export interface ModelOptionsByName {
  mlp: MlpOptions;
  cnn: CnnOptions;
  resnet: ResnetOptions;
  vgg: VggOptions;
  wrn: WrnOptions;
}

const FACTORIES: { [N in ModelName]: (options: ModelOptionsByName[N]) => tfl.LayersModel } = {
  mlp: createMlp,
  cnn: createCnn,
  resnet: createResnet,
  vgg: createVgg,
  wrn: createWrn,
};

/**
 * Builds a model by name. The model outputs logits; its weights depend only on `options.seed`
 * (default 0).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import "@tensorflow/tfjs-backend-cpu";
 * import { createModel } from "./create.ts";
 * const model = createModel("cnn", { inputShape: [28, 28, 1], numClasses: 10, seed: 3 });
 * assert.ok(model.outputs[0].shape[1] === 10);
 * ```
 */
export function createModel<N extends ModelName>(
  name: N,
  options: ModelOptionsByName[N],
): tfl.LayersModel {
  if (!Object.hasOwn(FACTORIES, name)) {
    throw new RangeError(
      `createModel: name must be one of ${MODEL_NAMES.join(", ")}, got ${JSON.stringify(name)}`,
    );
  }
  const model = (FACTORIES[name] as (o: ModelOptionsByName[N]) => tfl.LayersModel)(options);
  // Training passes of Dense + bias + ReLU layers as one fused op on native (fused_dense.ts).
  useFusedDense(model);
  return model;
}
