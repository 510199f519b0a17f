/**
 * The Hessian tools on a TF.js model: each takes `(model, lossFn, batch, options)`, works on the
 * flattened trainable weights, restores the weights bit for bit and leaves the tensor count as
 * it found it. They are asynchronous: each Hessian-vector product ends with one
 * `await tensor.data()`, the only device read Deno's WebGPU allows. Do not touch the model
 * until a tool's promise settles (it holds displaced weights meanwhile).
 *
 * @module
 */
import type * as tfl from "@tensorflow/tfjs-layers";
import {
  type EigenvalueEstimate,
  type SpectralQuadrature,
  spectralQuadratureOfOperator,
  type SpectralQuadratureOptions,
  topEigenvalueOfOperator,
  type TopEigenvalueOptions,
} from "./lanczos.ts";
import { type HessianOperator, withHessianOperator } from "./operator.ts";
import {
  meanWithStandardError,
  type MonteCarloOptions,
  monteCarloOptions,
  probe,
} from "./stochastic.ts";
import type { HessianBatch, HessianEstimate, HessianLossFn } from "./types.ts";
import { positiveOption, validateProblem } from "./validate.ts";

/** How Hessian-vector products are computed. */
export type HvpMethod = "auto" | "finite-difference" | "autodiff";

/** The product options every tool accepts. */
export interface StepOption {
  /**
   * `"finite-difference"`: central differences of gradients, any model and loss; noisy for
   * piecewise-linear activations (ReLU), whose kinks the displacement crosses. `"autodiff"`:
   * double backpropagation, exact up to float32 rounding, for Dense/ReLU models with
   * `crossEntropyLoss` (see `HessianOperator.applyAutodiff`). `"auto"` (default): autodiff
   * when the model passes `assertTwiceDifferentiable`, the loss comes from
   * `crossEntropyLoss` and no `step` is given; finite differences otherwise. On the paper's
   * ReLU MLP the two differ by 8× ‖Hv‖ (bench/hessian_bench.ts): the difference quotient is
   * kink noise there.
   */
  method?: HvpMethod;
  /**
   * The step h of `(∇L(x + hv) − ∇L(x − hv)) / 2h`. Default: `ε^(1/3) (1 + ‖x‖) / ‖v‖` per
   * product (see `defaultStep`).
   */
  step?: number;
}

function operatorFor(op: HessianOperator, options: StepOption, caller: string) {
  const step = positiveOption(caller, "step", options.step);
  let method = options.method ?? "auto";
  if (method === "auto") {
    method = step === undefined && op.supportsAutodiff() ? "autodiff" : "finite-difference";
  }
  if (method === "autodiff") {
    if (step !== undefined) {
      throw new RangeError(`${caller}: step applies only to method "finite-difference"`);
    }
    return (v: Float64Array) => op.applyAutodiff(v);
  }
  if (method !== "finite-difference") {
    throw new RangeError(
      `${caller}: method must be "auto", "finite-difference" or "autodiff", got ${String(method)}`,
    );
  }
  return (v: Float64Array) => op.apply(v, step);
}

/**
 * One Hessian-vector product `Hv` of the loss at the model's weights, by a central difference
 * of two gradients.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import * as tfl from "@tensorflow/tfjs-layers";
 * import "@tensorflow/tfjs-backend-cpu";
 * import assert from "node:assert/strict";
 * import { crossEntropyLoss, hessianVectorProduct } from "./mod.ts";
 * await tf.setBackend("cpu");
 * const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 2, inputShape: [3] })] });
 * const batch = { xs: tf.randomNormal([8, 3], 0, 1, "float32", 1), ys: tf.tensor1d([0, 1, 0, 1, 1, 0, 0, 1]) };
 * const hv = await hessianVectorProduct(model, crossEntropyLoss(), batch, new Float64Array(8).fill(1));
 * assert.ok(hv.length === 8);
 * ```
 */
export async function hessianVectorProduct(
  model: tfl.LayersModel,
  lossFn: HessianLossFn,
  batch: HessianBatch,
  v: ArrayLike<number>,
  options: StepOption = {},
): Promise<Float64Array> {
  const caller = "hessianVectorProduct";
  validateProblem(caller, model, lossFn, batch);
  if (v === null || typeof v !== "object" || typeof v.length !== "number") {
    throw new TypeError(`${caller}: v must be an array of numbers, got ${String(v)}`);
  }
  let nonZero = false;
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i])) throw new RangeError(`${caller}: v[${i}] is ${v[i]}`);
    if (v[i] !== 0) nonZero = true;
  }
  return await withHessianOperator(model, lossFn, batch, (op) => {
    if (v.length !== op.dimension) {
      throw new RangeError(
        `${caller}: v must have length ${op.dimension} (the trainable weights), got ${v.length}`,
      );
    }
    const apply = operatorFor(op, options, caller);
    // H·0 = 0 exactly; the default step is undefined for v = 0.
    return nonZero ? apply(Float64Array.from(v)) : new Float64Array(v.length);
  });
}

/** Options of {@link hutchinsonTrace} and {@link frobeniusEstimate}. */
export type HessianMonteCarloOptions = MonteCarloOptions & StepOption;

/**
 * Hutchinson's estimate of `tr H` with Rademacher probes (2·samples gradients).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import * as tfl from "@tensorflow/tfjs-layers";
 * import "@tensorflow/tfjs-backend-cpu";
 * import assert from "node:assert/strict";
 * import { crossEntropyLoss, hutchinsonTrace } from "./mod.ts";
 * await tf.setBackend("cpu");
 * const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 2, inputShape: [3] })] });
 * const batch = { xs: tf.randomNormal([8, 3], 0, 1, "float32", 1), ys: tf.tensor1d([0, 1, 0, 1, 1, 0, 0, 1]) };
 * const { value, standardError } = await hutchinsonTrace(model, crossEntropyLoss(), batch, { samples: 10 });
 * assert.ok(value > 0 && standardError >= 0); // cross-entropy of a linear model is convex
 * ```
 */
export async function hutchinsonTrace(
  model: tfl.LayersModel,
  lossFn: HessianLossFn,
  batch: HessianBatch,
  options: HessianMonteCarloOptions = {},
): Promise<HessianEstimate> {
  const caller = "hutchinsonTrace";
  validateProblem(caller, model, lossFn, batch);
  const { samples, seed } = monteCarloOptions(caller, options);
  return await withHessianOperator(
    model,
    lossFn,
    batch,
    async (op) =>
      meanWithStandardError(
        (await probe(operatorFor(op, options, caller), op.dimension, samples, seed)).quadratic,
      ),
  );
}

/**
 * The estimate of the squared Frobenius norm `‖H‖_F² = E‖Hv‖²` (Rademacher v; 2·samples
 * gradients). `value` is the squared norm, as `frobeniusNormSquared` of the math layer.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import * as tfl from "@tensorflow/tfjs-layers";
 * import "@tensorflow/tfjs-backend-cpu";
 * import assert from "node:assert/strict";
 * import { crossEntropyLoss, frobeniusEstimate } from "./mod.ts";
 * await tf.setBackend("cpu");
 * const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 2, inputShape: [3] })] });
 * const batch = { xs: tf.randomNormal([8, 3], 0, 1, "float32", 1), ys: tf.tensor1d([0, 1, 0, 1, 1, 0, 0, 1]) };
 * const frobenius = await frobeniusEstimate(model, crossEntropyLoss(), batch, { samples: 4 });
 * assert.ok(frobenius.value > 0);
 * ```
 */
export async function frobeniusEstimate(
  model: tfl.LayersModel,
  lossFn: HessianLossFn,
  batch: HessianBatch,
  options: HessianMonteCarloOptions = {},
): Promise<HessianEstimate> {
  const caller = "frobeniusEstimate";
  validateProblem(caller, model, lossFn, batch);
  const { samples, seed } = monteCarloOptions(caller, options);
  return await withHessianOperator(
    model,
    lossFn,
    batch,
    async (op) =>
      meanWithStandardError(
        (await probe(operatorFor(op, options, caller), op.dimension, samples, seed)).squaredNorm,
      ),
  );
}

/** Options of {@link topEigenvalue}. */
export type HessianEigenvalueOptions = TopEigenvalueOptions & StepOption;

/**
 * The largest eigenvalue of H by Lanczos with full reorthogonalization; `standardError` is the
 * residual norm `‖Hy − λy‖` of the unit Ritz vector y (an eigenvalue lies within it), `samples`
 * the Hessian-vector products, `vector` the eigenvector estimate.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import * as tfl from "@tensorflow/tfjs-layers";
 * import "@tensorflow/tfjs-backend-cpu";
 * import assert from "node:assert/strict";
 * import { crossEntropyLoss, topEigenvalue } from "./mod.ts";
 * await tf.setBackend("cpu");
 * const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 2, inputShape: [3] })] });
 * const batch = { xs: tf.randomNormal([8, 3], 0, 1, "float32", 1), ys: tf.tensor1d([0, 1, 0, 1, 1, 0, 0, 1]) };
 * const top = await topEigenvalue(model, crossEntropyLoss(), batch, { maxIterations: 8 });
 * assert.ok(top.value > 0 && top.standardError < top.value);
 * ```
 */
export async function topEigenvalue(
  model: tfl.LayersModel,
  lossFn: HessianLossFn,
  batch: HessianBatch,
  options: HessianEigenvalueOptions = {},
): Promise<EigenvalueEstimate> {
  const caller = "topEigenvalue";
  validateProblem(caller, model, lossFn, batch);
  return await withHessianOperator(
    model,
    lossFn,
    batch,
    (op) => topEigenvalueOfOperator(operatorFor(op, options, caller), op.dimension, options),
  );
}

/** Options of {@link stochasticLanczos}. */
export type HessianQuadratureOptions = SpectralQuadratureOptions & StepOption;

/**
 * Stochastic Lanczos quadrature of the Hessian's spectrum: feed the result to
 * `spectralDensity`, `traceOfFunction` or `logDeterminantOf`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import * as tfl from "@tensorflow/tfjs-layers";
 * import "@tensorflow/tfjs-backend-cpu";
 * import assert from "node:assert/strict";
 * import { crossEntropyLoss, stochasticLanczos, traceOfFunction } from "./mod.ts";
 * await tf.setBackend("cpu");
 * const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 2, inputShape: [3] })] });
 * const batch = { xs: tf.randomNormal([8, 3], 0, 1, "float32", 1), ys: tf.tensor1d([0, 1, 0, 1, 1, 0, 0, 1]) };
 * const q = await stochasticLanczos(model, crossEntropyLoss(), batch, { samples: 2, iterations: 8 });
 * assert.ok(traceOfFunction(q, (t) => t).value > 0);
 * ```
 */
export async function stochasticLanczos(
  model: tfl.LayersModel,
  lossFn: HessianLossFn,
  batch: HessianBatch,
  options: HessianQuadratureOptions = {},
): Promise<SpectralQuadrature> {
  const caller = "stochasticLanczos";
  validateProblem(caller, model, lossFn, batch);
  return await withHessianOperator(
    model,
    lossFn,
    batch,
    (op) => spectralQuadratureOfOperator(operatorFor(op, options, caller), op.dimension, options),
  );
}

/** Options of {@link hessianMeasures}. */
export interface HessianMeasuresOptions extends StepOption {
  /** Rademacher probes shared by the trace and Frobenius estimates; default 20. */
  samples?: number;
  /** Lanczos steps at most for the top eigenvalue; default 20. */
  maxIterations?: number;
  /** Lanczos stopping tolerance; default 1e-3. */
  tolerance?: number;
  /** Seed of the probes and of the Lanczos start; default 0. */
  seed?: number;
  /**
   * Awaited after each Hessian-vector product with the products done and the most there can be
   * (samples + maxIterations + 1; Lanczos may stop early, and a last call then reports the
   * total).
   * For progress displays; a throw (an abort) stops the measures, the weights restored.
   */
  onProduct?: (done: number, total: number) => void | Promise<void>;
}

/** What {@link hessianMeasures} returns: the three measures the paper tracks. */
export interface HessianMeasures {
  /** `tr H` (Hutchinson). */
  trace: HessianEstimate;
  /** `‖H‖_F²` (squared Frobenius norm, E‖Hv‖²). */
  frobenius: HessianEstimate;
  /** `λ_max(H)` (Lanczos; the error is the residual bound). */
  topEigenvalue: HessianEstimate;
  /** Gradient evaluations spent in all. */
  gradientEvaluations: number;
}

/**
 * Trace, squared Frobenius norm and top eigenvalue in one pass: the trace and Frobenius share
 * their Hessian-vector products, and the weights are snapshotted once. This is what training
 * calls for `--hessian-every k`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import * as tfl from "@tensorflow/tfjs-layers";
 * import "@tensorflow/tfjs-backend-cpu";
 * import assert from "node:assert/strict";
 * import { crossEntropyLoss, hessianMeasures } from "./mod.ts";
 * await tf.setBackend("cpu");
 * const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 2, inputShape: [3] })] });
 * const batch = { xs: tf.randomNormal([8, 3], 0, 1, "float32", 1), ys: tf.tensor1d([0, 1, 0, 1, 1, 0, 0, 1]) };
 * const m = await hessianMeasures(model, crossEntropyLoss(), batch, { samples: 4, maxIterations: 5 });
 * assert.ok(m.topEigenvalue.value <= m.trace.value + 4 * m.trace.standardError);
 * ```
 */
export async function hessianMeasures(
  model: tfl.LayersModel,
  lossFn: HessianLossFn,
  batch: HessianBatch,
  options: HessianMeasuresOptions = {},
): Promise<HessianMeasures> {
  const caller = "hessianMeasures";
  validateProblem(caller, model, lossFn, batch);
  const { samples, seed } = monteCarloOptions(caller, options);
  const onProduct = options.onProduct;
  if (onProduct !== undefined && typeof onProduct !== "function") {
    throw new TypeError(`${caller}: onProduct must be a function, got ${typeof onProduct}`);
  }
  return await withHessianOperator(model, lossFn, batch, async (op) => {
    const product = operatorFor(op, options, caller);
    // Probes share their products; Lanczos takes at most maxIterations (its default, 20), plus
    // one for the residual of its estimate.
    const total = samples + (options.maxIterations ?? 20) + 1;
    let done = 0;
    const apply = onProduct === undefined ? product : async (v: Float64Array) => {
      const hv = await product(v);
      done += 1;
      await onProduct(done, total);
      return hv;
    };
    const probes = await probe(apply, op.dimension, samples, seed);
    const top = await topEigenvalueOfOperator(apply, op.dimension, {
      maxIterations: options.maxIterations,
      tolerance: options.tolerance,
      seed,
    });
    if (onProduct !== undefined && done < total) await onProduct(total, total);
    return {
      trace: meanWithStandardError(probes.quadratic),
      frobenius: meanWithStandardError(probes.squaredNorm),
      topEigenvalue: { value: top.value, standardError: top.standardError, samples: top.samples },
      gradientEvaluations: op.gradientEvaluations,
    };
  });
}
