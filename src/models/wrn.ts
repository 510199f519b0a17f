/**
 * WideResNet-d-k (Zagoruyko & Komodakis 2016), default WRN-16-2 at a quarter width: a 3×3 stem of 16 channels, three
 * groups of (d - 4)/6 pre-activation blocks (BN-ReLU-conv-BN-ReLU-conv) with 16k, 32k, 64k
 * channels and strides 1, 2, 2, 1×1 projection shortcuts where the shape changes, a final
 * BN-ReLU, global average pooling and a dense logit layer. `widthMultiplier` scales every channel
 * count further. The defaults (k = 2, multiplier 1/4: 4, 8, 16, 32 channels; 43,830 weights)
 * keep a CPU epoch of Fashion-MNIST at about 10 minutes on wasm on 2 cores, batch 128; WRN-16-8
 * as published is `{ widen: 8, widthMultiplier: 1 }`.
 *
 * @module
 */
import * as tfl from "@tensorflow/tfjs-layers";
import { batchNorm, classifierHead, conv, relu, type Symbolic } from "./blocks.ts";
import { SeededInitializers } from "./initializers.ts";
import {
  type CommonModelOptions,
  requirePositive,
  requirePositiveInteger,
  scaleWidth,
  validateCommonOptions,
} from "./options.ts";

/** Options of {@link createWrn}. */
export interface WrnOptions extends CommonModelOptions {
  /** Total depth d, with (d - 4) divisible by 6; default 16. */
  depth?: number;
  /** Widening factor k; default 2. */
  widen?: number;
  /** Multiplies every channel count after widening; default 1/4. */
  widthMultiplier?: number;
}

/** The default width multiplier of {@link createWrn}. */
export const WRN_DEFAULT_WIDTH_MULTIPLIER = 0.25;

function preActivationBlock(
  x: Symbolic,
  filters: number,
  strides: number,
  init: SeededInitializers,
): Symbolic {
  const activated = relu(batchNorm(x));
  let y = conv(activated, filters, 3, strides, init);
  y = conv(relu(batchNorm(y)), filters, 3, 1, init);
  const shortcut = strides !== 1 || x.shape[3] !== filters
    ? conv(activated, filters, 1, strides, init)
    : x;
  return tfl.layers.add().apply([y, shortcut]) as Symbolic;
}

/**
 * Builds WRN-d-k. The output is the logits.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import "@tensorflow/tfjs-backend-cpu";
 * import { createWrn } from "./wrn.ts";
 * const model = createWrn({ inputShape: [28, 28, 1], numClasses: 10, widen: 2 });
 * assert.ok(model.outputs[0].shape[1] === 10);
 * ```
 */
export function createWrn(options: WrnOptions): tfl.LayersModel {
  const { inputShape, numClasses, seed } = validateCommonOptions("wrn", options);
  const depth = requirePositiveInteger("wrn", "depth", options.depth ?? 16);
  if (depth < 10 || (depth - 4) % 6 !== 0) {
    throw new RangeError(`wrn: depth must be 6n + 4 with n >= 1 (10, 16, 22, 28…), got ${depth}`);
  }
  const widen = requirePositiveInteger("wrn", "widen", options.widen ?? 2);
  const multiplier = requirePositive(
    "wrn",
    "widthMultiplier",
    options.widthMultiplier ?? WRN_DEFAULT_WIDTH_MULTIPLIER,
  );
  const blocksPerGroup = (depth - 4) / 6;
  const init = new SeededInitializers(seed);
  const input = tfl.input({ shape: [...inputShape] });
  let x = conv(input, scaleWidth(16, multiplier), 3, 1, init);
  [16, 32, 64].forEach((base, group) => {
    const filters = scaleWidth(base * widen, multiplier);
    for (let b = 0; b < blocksPerGroup; b++) {
      x = preActivationBlock(x, filters, b === 0 && group > 0 ? 2 : 1, init);
    }
  });
  return tfl.model({
    inputs: input,
    outputs: classifierHead(relu(batchNorm(x)), numClasses, init),
  });
}
