/**
 * The model zoo: `createModel(name, options)` for mlp, cnn, resnet (ResNet-18), vgg (VGG-11/16)
 * and wrn (WideResNet-16-k), all `tf.LayersModel`s that output logits, with seeded initializers;
 * and `describeModel` for any LayersModel.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import "@tensorflow/tfjs-backend-cpu";
 * import { createModel, describeModel, MODEL_NAMES } from "./mod.ts";
 * const model = createModel("mlp", { inputShape: [28, 28, 1], numClasses: 10, seed: 0 });
 * assert.ok(MODEL_NAMES.includes("resnet"));
 * assert.ok(describeModel(model).trainableParameters === 184330);
 * ```
 *
 * @module
 */
export { createModel, MODEL_NAMES, type ModelName, type ModelOptionsByName } from "./create.ts";
export { describeModel, type LayerDescription, type ModelDescription } from "./describe.ts";
export {
  createMlp,
  MLP_ACTIVATIONS,
  type MlpActivation,
  type MlpOptions,
  PAPER_MLP_WIDTHS,
} from "./mlp.ts";
export { type CnnOptions, createCnn } from "./cnn.ts";
export { createResnet, RESNET_DEFAULT_WIDTH_MULTIPLIER, type ResnetOptions } from "./resnet.ts";
export { createVgg, VGG_DEFAULT_WIDTH_MULTIPLIER, VGG_DEPTHS, type VggOptions } from "./vgg.ts";
export { createWrn, WRN_DEFAULT_WIDTH_MULTIPLIER, type WrnOptions } from "./wrn.ts";
export type { CommonModelOptions } from "./options.ts";
