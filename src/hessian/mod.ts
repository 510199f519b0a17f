/**
 * Hessian tools for TF.js models on the flattened trainable weights: Hessian-vector products by
 * central differences of gradients or, for Dense/ReLU models with `crossEntropyLoss`, by double
 * backpropagation (`method: "auto"`, the default, picks it there: the difference quotient is
 * kink noise on ReLU nets), Hutchinson's trace, the squared Frobenius norm, the top
 * eigenvalue by Lanczos, stochastic Lanczos quadrature (spectral density, `tr f(H)`,
 * log-determinant), and `hessianMeasures` (all three measures in one pass). Every tool restores
 * the model's weights exactly and leaves the tensor count flat.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import * as tfl from "@tensorflow/tfjs-layers";
 * import "@tensorflow/tfjs-backend-cpu";
 * import { crossEntropyLoss, hessianMeasures } from "./mod.ts";
 * await tf.setBackend("cpu");
 * const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 2, inputShape: [3] })] });
 * const batch = { xs: tf.randomNormal([8, 3], 0, 1, "float32", 1), ys: tf.tensor1d([0, 1, 0, 1, 1, 0, 0, 1]) };
 * const { trace, frobenius, topEigenvalue } = await hessianMeasures(model, crossEntropyLoss(), batch);
 * assert.ok(trace.value > 0 && frobenius.value > 0 && topEigenvalue.value > 0);
 * ```
 *
 * @module
 */
export type { HessianBatch, HessianEstimate, HessianLossFn } from "./types.ts";
export { crossEntropyLoss, isTwiceDifferentiableLoss } from "./loss.ts";
export { defaultStep, FLOAT32_EPSILON, HessianOperator, withHessianOperator } from "./operator.ts";
export {
  frobeniusEstimate,
  type HessianEigenvalueOptions,
  type HessianMeasures,
  hessianMeasures,
  type HessianMeasuresOptions,
  type HessianMonteCarloOptions,
  type HessianQuadratureOptions,
  hessianVectorProduct,
  hutchinsonTrace,
  type HvpMethod,
  type StepOption,
  stochasticLanczos,
  topEigenvalue,
} from "./tools.ts";
export {
  type EigenvalueEstimate,
  lanczosRun,
  logDeterminantOf,
  spectralDensity,
  type SpectralQuadrature,
  spectralQuadratureOfOperator,
  topEigenvalueOfOperator,
  traceOfFunction,
} from "./lanczos.ts";
export {
  frobeniusOfOperator,
  type LinearOperator,
  meanWithStandardError,
  probe,
  rademacher,
  traceOfOperator,
} from "./stochastic.ts";
