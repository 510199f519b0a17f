/**
 * A small LeNet-style convolutional net: conv-pool-conv-pool-dense-dense-logits. The default is
 * LeNet-5's sizes (6 and 16 filters of 5×5, dense 120 and 84), cheap enough for CPU epochs.
 *
 * @module
 */
import * as tfl from "@tensorflow/tfjs-layers";
import { SeededInitializers } from "./initializers.ts";
import {
  type CommonModelOptions,
  requirePositiveInteger,
  requireWidths,
  validateCommonOptions,
} from "./options.ts";

/** Options of {@link createCnn}. */
export interface CnnOptions extends CommonModelOptions {
  /** Filters of the two convolutions; default `[6, 16]`. */
  filters?: readonly [number, number];
  /** Square kernel size of both convolutions ("valid" padding); default 5. */
  kernelSize?: number;
  /** Hidden dense widths after the convolutions; default `[120, 84]`. */
  denseWidths?: readonly number[];
}

/**
 * Builds the LeNet-style CNN. The output is the logits.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import "@tensorflow/tfjs-backend-cpu";
 * import { createCnn } from "./cnn.ts";
 * const model = createCnn({ inputShape: [28, 28, 1], numClasses: 10 });
 * assert.ok(model.countParams() === 44426);
 * ```
 */
export function createCnn(options: CnnOptions): tfl.LayersModel {
  const { inputShape, numClasses, seed } = validateCommonOptions("cnn", options);
  const filters = requireWidths("cnn", "filters", options.filters ?? [6, 16]);
  if (filters.length !== 2) {
    throw new RangeError(
      `cnn: filters must hold exactly two counts, got ${JSON.stringify(options.filters)}`,
    );
  }
  const kernelSize = requirePositiveInteger("cnn", "kernelSize", options.kernelSize ?? 5);
  const denseWidths = requireWidths("cnn", "denseWidths", options.denseWidths ?? [120, 84], true);
  // Two valid convolutions each followed by a 2×2 pool: the spatial size must survive both.
  let size = Math.min(inputShape[0], inputShape[1]);
  for (let i = 0; i < 2; i++) size = Math.floor((size - kernelSize + 1) / 2);
  if (size < 1) {
    throw new RangeError(
      `cnn: inputShape ${JSON.stringify(inputShape)} is too small for kernelSize ${kernelSize}`,
    );
  }
  const init = new SeededInitializers(seed);
  const model = tfl.sequential();
  for (let i = 0; i < 2; i++) {
    model.add(tfl.layers.conv2d({
      ...(i === 0 ? { inputShape: [...inputShape] } : {}),
      filters: filters[i],
      kernelSize,
      padding: "valid",
      activation: "relu",
      kernelInitializer: init.he(),
      biasInitializer: "zeros",
    }));
    model.add(tfl.layers.maxPooling2d({ poolSize: 2, strides: 2 }));
  }
  model.add(tfl.layers.flatten());
  for (const units of denseWidths) {
    model.add(tfl.layers.dense({
      units,
      activation: "relu",
      kernelInitializer: init.he(),
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
