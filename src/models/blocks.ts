/**
 * Building blocks shared by the convolutional architectures: 3×3 convolutions without bias
 * (BatchNorm follows and its offset replaces the bias) and BatchNorm with PyTorch's constants.
 *
 * @module
 */
import * as tfl from "@tensorflow/tfjs-layers";
import type { SeededInitializers } from "./initializers.ts";

/** A symbolic tensor of the functional API. */
export type Symbolic = tfl.SymbolicTensor;

/**
 * A bias-free He-initialized convolution with "same" padding.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import "@tensorflow/tfjs-backend-cpu";
 * import * as tfl from "@tensorflow/tfjs-layers";
 * import { conv } from "./blocks.ts";
 * import { SeededInitializers } from "./initializers.ts";
 * const x = tfl.input({ shape: [8, 8, 3] });
 * const y = conv(x, 4, 3, 2, new SeededInitializers(0));
 * assert.ok(JSON.stringify(y.shape) === "[null,4,4,4]");
 * ```
 */
export function conv(
  x: Symbolic,
  filters: number,
  kernelSize: number,
  strides: number,
  init: SeededInitializers,
): Symbolic {
  return tfl.layers.conv2d({
    filters,
    kernelSize,
    strides,
    padding: "same",
    useBias: false,
    kernelInitializer: init.he(),
  }).apply(x) as Symbolic;
}

/**
 * BatchNorm over channels with PyTorch's constants (momentum 0.1 there is 0.9 here; eps 1e-5).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import "@tensorflow/tfjs-backend-cpu";
 * import * as tfl from "@tensorflow/tfjs-layers";
 * import { batchNorm } from "./blocks.ts";
 * const y = batchNorm(tfl.input({ shape: [4, 4, 2] }));
 * assert.ok(y.shape[3] === 2);
 * ```
 */
export function batchNorm(x: Symbolic): Symbolic {
  return tfl.layers.batchNormalization({ axis: -1, momentum: 0.9, epsilon: 1e-5 })
    .apply(x) as Symbolic;
}

/**
 * ReLU as a layer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import "@tensorflow/tfjs-backend-cpu";
 * import * as tfl from "@tensorflow/tfjs-layers";
 * import { relu } from "./blocks.ts";
 * assert.ok(relu(tfl.input({ shape: [3] })).shape[1] === 3);
 * ```
 */
export function relu(x: Symbolic): Symbolic {
  return tfl.layers.reLU().apply(x) as Symbolic;
}

/**
 * Global average pooling followed by the dense logit layer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import "@tensorflow/tfjs-backend-cpu";
 * import * as tfl from "@tensorflow/tfjs-layers";
 * import { classifierHead } from "./blocks.ts";
 * import { SeededInitializers } from "./initializers.ts";
 * const y = classifierHead(tfl.input({ shape: [4, 4, 8] }), 10, new SeededInitializers(0));
 * assert.ok(y.shape[1] === 10);
 * ```
 */
export function classifierHead(
  x: Symbolic,
  numClasses: number,
  init: SeededInitializers,
): Symbolic {
  const pooled = tfl.layers.globalAveragePooling2d({}).apply(x) as Symbolic;
  return tfl.layers.dense({
    units: numClasses,
    kernelInitializer: init.glorot(),
    biasInitializer: "zeros",
  }).apply(pooled) as Symbolic;
}
