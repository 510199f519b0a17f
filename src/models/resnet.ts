/**
 * ResNet-18 (He et al. 2016) in its CIFAR form: a 3×3 stem without max-pooling, four stages of
 * two BasicBlocks ([2, 2, 2, 2]) with 64·m, 128·m, 256·m, 512·m channels and strides 1, 2, 2, 2,
 * BatchNorm after every convolution, 1×1 projection shortcuts where the shape changes, global
 * average pooling and a dense logit layer. The authors' CIFAR experiments use m = 1; the default
 * m = 1/16 (4, 8, 16, 32 channels; 44,550 weights) keeps a CPU epoch of Fashion-MNIST practical:
 * 6 to 10 minutes on wasm on 2 shared cores, batch 128 (1/8 takes about 34).
 *
 * @module
 */
import * as tfl from "@tensorflow/tfjs-layers";
import { batchNorm, classifierHead, conv, relu, type Symbolic } from "./blocks.ts";
import { SeededInitializers } from "./initializers.ts";
import {
  type CommonModelOptions,
  requirePositive,
  requireWidths,
  scaleWidth,
  validateCommonOptions,
} from "./options.ts";

/** Options of {@link createResnet}. */
export interface ResnetOptions extends CommonModelOptions {
  /** Multiplies every channel count (64, 128, 256, 512); default 1/16. */
  widthMultiplier?: number;
  /** BasicBlocks per stage; default `[2, 2, 2, 2]` (ResNet-18). */
  blocks?: readonly number[];
}

/** The default width multiplier of {@link createResnet}. */
export const RESNET_DEFAULT_WIDTH_MULTIPLIER = 0.0625;

function basicBlock(
  x: Symbolic,
  filters: number,
  strides: number,
  init: SeededInitializers,
): Symbolic {
  let y = relu(batchNorm(conv(x, filters, 3, strides, init)));
  y = batchNorm(conv(y, filters, 3, 1, init));
  const inChannels = x.shape[3];
  const shortcut = strides !== 1 || inChannels !== filters
    ? batchNorm(conv(x, filters, 1, strides, init))
    : x;
  return relu(tfl.layers.add().apply([y, shortcut]) as Symbolic);
}

/**
 * Builds ResNet-18 (or another BasicBlock ResNet through `blocks`). The output is the logits.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import "@tensorflow/tfjs-backend-cpu";
 * import { createResnet } from "./resnet.ts";
 * const model = createResnet({ inputShape: [32, 32, 3], numClasses: 10, widthMultiplier: 0.0625 });
 * assert.ok(JSON.stringify(model.outputs[0].shape) === "[null,10]");
 * ```
 */
export function createResnet(options: ResnetOptions): tfl.LayersModel {
  const { inputShape, numClasses, seed } = validateCommonOptions("resnet", options);
  const multiplier = requirePositive(
    "resnet",
    "widthMultiplier",
    options.widthMultiplier ?? RESNET_DEFAULT_WIDTH_MULTIPLIER,
  );
  const blocks = requireWidths("resnet", "blocks", options.blocks ?? [2, 2, 2, 2]);
  const init = new SeededInitializers(seed);
  const input = tfl.input({ shape: [...inputShape] });
  let x = relu(batchNorm(conv(input, scaleWidth(64, multiplier), 3, 1, init)));
  blocks.forEach((count, stage) => {
    const filters = scaleWidth(64 * 2 ** stage, multiplier);
    for (let b = 0; b < count; b++) {
      x = basicBlock(x, filters, b === 0 && stage > 0 ? 2 : 1, init);
    }
  });
  return tfl.model({ inputs: input, outputs: classifierHead(x, numClasses, init) });
}
