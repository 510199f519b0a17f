/**
 * The Hessian of a TF.js model's loss as a linear operator on the flattened trainable weights,
 * applied by central differences of gradients:
 * `Hv ≈ (∇L(x + h v) − ∇L(x − h v)) / (2h)`.
 *
 * The operator snapshots every model weight (trainable and not: BatchNorm moving statistics may
 * move when `lossFn` runs in training mode) and restores the snapshot bit for bit after each
 * product, so no rounding drift accumulates over many products, and `dispose()` releases every
 * tensor it made. The tools in this folder create one operator per call and dispose it in
 * `finally`.
 *
 * Every read from the device is `await tensor.data()`, one per gradient (the loss is stacked
 * in front of the gradient): the synchronous `dataSync` does not work on Deno's WebGPU. The
 * products are therefore asynchronous; while one is awaited the model holds displaced weights,
 * so nothing else may use the model until it resolves.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { isTwiceDifferentiableLoss } from "./loss.ts";
import type { HessianBatch, HessianLossFn } from "./types.ts";

/** The float32 machine epsilon (the gap between 1 and the next float32). */
export const FLOAT32_EPSILON = 2 ** -23;

/**
 * The default finite-difference step for `Hv`:
 * `h = ε^(1/3) (1 + ‖x‖₂) / ‖v‖₂` with ε the float32 epsilon.
 *
 * Why: a central difference of gradients errs by the truncation `h² ‖v‖³ T / 6` (T bounds the
 * third derivative) plus the round-off `δg / h`, where the float32 gradient carries an absolute
 * error `δg ≈ ε·G` (G the gradient's scale, times a modest conditioning factor). The sum is
 * smallest near `h ‖v‖ ≈ ε^(1/3) ≈ 4.9e-3` in the units on which the loss varies. Measuring
 * those units by `1 + ‖x‖` (the textbook scaling of Nocedal & Wright §8.1 and of Jacobian-free
 * Newton–Krylov codes) makes the step invariant to rescaling v and keeps `x ± hv` well above
 * the float32 rounding of x (relative perturbation ≈ 5e-3 ≫ ε). The relative error of `Hv` is
 * then of order ε^(2/3) ≈ 2.4e-5 times the conditioning factors.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultStep } from "./operator.ts";
 * const h = defaultStep(3, 1); // ‖x‖ = 3, ‖v‖ = 1
 * assert.ok(Math.abs(h - 4 * Math.cbrt(2 ** -23)) < 1e-12);
 * ```
 */
export function defaultStep(weightNorm: number, directionNorm: number): number {
  if (!(directionNorm > 0) || !Number.isFinite(directionNorm)) {
    throw new RangeError(`defaultStep: directionNorm must be positive, got ${directionNorm}`);
  }
  return Math.cbrt(FLOAT32_EPSILON) * (1 + weightNorm) / directionNorm;
}

function norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}

/**
 * The model's loss Hessian as an operator on the flattened trainable weights (in the order of
 * `model.trainableWeights`, each flattened row-major).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import * as tfl from "@tensorflow/tfjs-layers";
 * import "@tensorflow/tfjs-backend-cpu";
 * import assert from "node:assert/strict";
 * import { HessianOperator } from "./operator.ts";
 * await tf.setBackend("cpu");
 * const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 1, inputShape: [2] })] });
 * const batch = { xs: tf.tensor2d([[1, 2]]), ys: tf.tensor2d([[0]]) };
 * const op = new HessianOperator(model, (m, b) =>
 *   tf.mean(tf.square(tf.sub(m.apply(b.xs) as tf.Tensor, b.ys))) as tf.Scalar, batch);
 * try {
 *   const hv = await op.apply(new Float64Array([0, 0, 1])); // the bias direction: ∂²L/∂b² = 2
 *   assert.ok(Math.abs(hv[2] - 2) < 1e-3);
 * } finally {
 *   op.dispose();
 * }
 * ```
 */
export class HessianOperator {
  /** Length of the flattened trainable weight vector. */
  readonly dimension: number;
  /** Gradient evaluations made so far (two per product, counting a double backprop as two). */
  gradientEvaluations = 0;
  readonly #model: tfl.LayersModel;
  readonly #lossFn: HessianLossFn;
  readonly #batch: HessianBatch;
  readonly #trainable: tf.Variable[];
  readonly #all: tf.Variable[];
  readonly #snapshot: tf.Tensor[];
  readonly #trainableSnapshot: tf.Tensor[];
  #weightNorm: Promise<number> | undefined;
  #disposed = false;

  constructor(model: tfl.LayersModel, lossFn: HessianLossFn, batch: HessianBatch) {
    this.#model = model;
    this.#lossFn = lossFn;
    this.#batch = batch;
    this.#trainable = model.trainableWeights.map((w) => w.read() as tf.Variable);
    this.#all = model.weights.map((w) => w.read() as tf.Variable);
    // tf.clone shares nothing that assign() overwrites: assign swaps the variable's data, so the
    // clones keep the original values.
    this.#snapshot = this.#all.map((v) => tf.keep(tf.clone(v)));
    this.#trainableSnapshot = this.#trainable.map((v) => {
      const index = this.#all.indexOf(v);
      if (index < 0) {
        throw new RangeError(`HessianOperator: trainable weight ${v.name} is not in model.weights`);
      }
      return this.#snapshot[index];
    });
    this.dimension = this.#trainable.reduce((s, v) => s + v.size, 0);
  }

  /**
   * ‖x‖₂ of the flattened trainable weights at the snapshot (read once, then remembered).
   *
   * @example
   * ```ts
   * import * as tf from "@tensorflow/tfjs-core";
   * import * as tfl from "@tensorflow/tfjs-layers";
   * import "@tensorflow/tfjs-backend-cpu";
   * import assert from "node:assert/strict";
   * import { HessianOperator } from "./operator.ts";
   * await tf.setBackend("cpu");
   * // L = (3·1 + 4·2 + 0 − 0)² = 11² at weights (w₁, w₂, b) = (3, 4, 0) and input (1, 2), target 0.
   * const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 1, inputShape: [2] })] });
   * model.setWeights([tf.tensor2d([[3], [4]]), tf.tensor1d([0])]);
   * const batch = { xs: tf.tensor2d([[1, 2]]), ys: tf.tensor2d([[0]]) };
   * const op = new HessianOperator(model, (m, b) =>
   *   tf.mean(tf.square(tf.sub(m.apply(b.xs) as tf.Tensor, b.ys))) as tf.Scalar, batch);
   * try {
   *   assert.equal(await op.weightNorm(), 5); // ‖(3, 4, 0)‖₂ = √25, exact in float32
   * } finally {
   *   op.dispose();
   * }
   * ```
   */
  weightNorm(): Promise<number> {
    this.#assertLive();
    this.#weightNorm ??= (async () => {
      const total = tf.tidy(() =>
        tf.addN(this.#trainableSnapshot.map((v) => tf.sum(tf.square(v))))
      );
      try {
        return Math.sqrt((await total.data())[0]);
      } finally {
        total.dispose();
      }
    })();
    return this.#weightNorm;
  }

  /**
   * The step `apply` uses for `v` when none is given ({@link defaultStep}).
   *
   * @example
   * ```ts
   * import * as tf from "@tensorflow/tfjs-core";
   * import * as tfl from "@tensorflow/tfjs-layers";
   * import "@tensorflow/tfjs-backend-cpu";
   * import assert from "node:assert/strict";
   * import { HessianOperator } from "./operator.ts";
   * await tf.setBackend("cpu");
   * // L = (3·1 + 4·2 + 0 − 0)² = 11² at weights (w₁, w₂, b) = (3, 4, 0) and input (1, 2), target 0.
   * const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 1, inputShape: [2] })] });
   * model.setWeights([tf.tensor2d([[3], [4]]), tf.tensor1d([0])]);
   * const batch = { xs: tf.tensor2d([[1, 2]]), ys: tf.tensor2d([[0]]) };
   * const op = new HessianOperator(model, (m, b) =>
   *   tf.mean(tf.square(tf.sub(m.apply(b.xs) as tf.Tensor, b.ys))) as tf.Scalar, batch);
   * try {
   *   // ε^(1/3) (1 + ‖x‖) / ‖v‖ with ‖x‖ = 5 and ‖v‖ = 2: 3·ε^(1/3), to double rounding.
   *   const h = await op.stepFor([0, 0, 2]);
   *   assert.ok(Math.abs(h - 3 * Math.cbrt(2 ** -23)) < 1e-12);
   * } finally {
   *   op.dispose();
   * }
   * ```
   */
  async stepFor(v: ArrayLike<number>): Promise<number> {
    return defaultStep(await this.weightNorm(), norm(v));
  }

  #assertLive(): void {
    if (this.#disposed) throw new RangeError("HessianOperator: used after dispose()");
  }

  /** Restores every model weight to the snapshot, exactly. */
  restore(): void {
    this.#assertLive();
    this.#all.forEach((v, i) => v.assign(this.#snapshot[i]));
  }

  /** The flattened gradient and the loss at the model's current weights, in one read. */
  async #gradient(): Promise<{ loss: number; gradient: Float32Array }> {
    const stacked = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(
        () => this.#lossFn(this.#model, this.#batch),
        this.#trainable,
      );
      const parts = this.#trainable.map((v) => {
        const g = grads[v.name];
        if (g === undefined) {
          throw new RangeError(
            `HessianOperator: the loss does not depend on trainable weight ${v.name}`,
          );
        }
        return tf.reshape(g, [-1]);
      });
      // The loss first, then the gradient: one buffer, one read.
      return tf.concat([tf.reshape(value, [1]), ...parts]);
    });
    try {
      const values = await stacked.data() as Float32Array;
      const lossValue = values[0];
      if (!Number.isFinite(lossValue)) {
        throw new RangeError(`HessianOperator: the loss is not finite: ${lossValue}`);
      }
      this.gradientEvaluations++;
      return { loss: lossValue, gradient: values.subarray(1) };
    } finally {
      stacked.dispose();
    }
  }

  /** Sets the trainable weights to `snapshot + scale · v`. */
  #displace(v: Float32Array, scale: number): void {
    tf.tidy(() => {
      const direction = tf.tensor1d(v);
      let offset = 0;
      this.#trainable.forEach((variable, i) => {
        const part = tf.reshape(tf.slice(direction, offset, variable.size), variable.shape);
        offset += variable.size;
        variable.assign(tf.add(this.#trainableSnapshot[i], tf.mul(tf.scalar(scale), part)));
      });
    });
  }

  /**
   * The flattened gradient at the snapshot (one gradient evaluation), and the loss.
   *
   * @example
   * ```ts
   * import * as tf from "@tensorflow/tfjs-core";
   * import * as tfl from "@tensorflow/tfjs-layers";
   * import "@tensorflow/tfjs-backend-cpu";
   * import assert from "node:assert/strict";
   * import { HessianOperator } from "./operator.ts";
   * await tf.setBackend("cpu");
   * // L = (3·1 + 4·2 + 0 − 0)² = 11² at weights (w₁, w₂, b) = (3, 4, 0) and input (1, 2), target 0.
   * const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 1, inputShape: [2] })] });
   * model.setWeights([tf.tensor2d([[3], [4]]), tf.tensor1d([0])]);
   * const batch = { xs: tf.tensor2d([[1, 2]]), ys: tf.tensor2d([[0]]) };
   * const op = new HessianOperator(model, (m, b) =>
   *   tf.mean(tf.square(tf.sub(m.apply(b.xs) as tf.Tensor, b.ys))) as tf.Scalar, batch);
   * try {
   *   // ∂L/∂(w₁, w₂, b) = 2·11·(1, 2, 1) = (22, 44, 22): small integers, exact in float32.
   *   const { loss, gradient } = await op.gradient();
   *   assert.equal(loss, 121);
   *   assert.deepEqual(Array.from(gradient), [22, 44, 22]);
   * } finally {
   *   op.dispose();
   * }
   * ```
   */
  async gradient(): Promise<{ loss: number; gradient: Float64Array }> {
    this.#assertLive();
    this.restore();
    try {
      const { loss, gradient } = await this.#gradient();
      return { loss, gradient: Float64Array.from(gradient) };
    } finally {
      this.restore();
    }
  }

  /**
   * `Hv` by a central difference of gradients with step `h` (default {@link defaultStep}).
   * The weights are back at the snapshot, bit for bit, when it returns or throws.
   *
   * Piecewise-linear activations (ReLU, max-pooling) make the gradient jump where a unit
   * changes sign. A displacement `± hv` crosses such kinks for a fraction ∝ h of the units, and
   * each crossing adds a jump / 2h to the difference: the result does not converge as h → 0 but
   * grows noisier (measured on the paper's ReLU MLP, batch 128: ‖Hv‖ changes by 100–180%
   * between steps 4× apart, while a tanh MLP agrees to 3e-4). Use {@link applyAutodiff} there.
   *
   * @example
   * ```ts
   * import * as tf from "@tensorflow/tfjs-core";
   * import * as tfl from "@tensorflow/tfjs-layers";
   * import "@tensorflow/tfjs-backend-cpu";
   * import assert from "node:assert/strict";
   * import { HessianOperator } from "./operator.ts";
   * await tf.setBackend("cpu");
   * // L = (3·1 + 4·2 + 0 − 0)² = 11² at weights (w₁, w₂, b) = (3, 4, 0) and input (1, 2), target 0.
   * const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 1, inputShape: [2] })] });
   * model.setWeights([tf.tensor2d([[3], [4]]), tf.tensor1d([0])]);
   * const batch = { xs: tf.tensor2d([[1, 2]]), ys: tf.tensor2d([[0]]) };
   * const op = new HessianOperator(model, (m, b) =>
   *   tf.mean(tf.square(tf.sub(m.apply(b.xs) as tf.Tensor, b.ys))) as tf.Scalar, batch);
   * try {
   *   // H = 2aaᵀ with a = (1, 2, 1): H·(0, 0, 1) = (2, 4, 2). The central difference is exact for a
   *   // quadratic up to float32 rounding of the gradients (≈ 22·6e-8 over a 2h ≈ 0.06 step, 2e-5),
   *   // hence 1e-3.
   *   const hv = await op.apply(new Float64Array([0, 0, 1]));
   *   [2, 4, 2].forEach((want, i) => assert.ok(Math.abs(hv[i] - want) < 1e-3));
   *   assert.equal(op.gradientEvaluations, 2); // one product, two gradients
   * } finally {
   *   op.dispose();
   * }
   * ```
   */
  async apply(v: ArrayLike<number>, step?: number): Promise<Float64Array> {
    this.#assertLive();
    if (v.length !== this.dimension) {
      throw new RangeError(
        `HessianOperator.apply: v must have length ${this.dimension}, got ${v.length}`,
      );
    }
    const h = step ?? await this.stepFor(v);
    if (!(h > 0) || !Number.isFinite(h)) {
      throw new RangeError(`HessianOperator.apply: step must be positive and finite, got ${h}`);
    }
    const direction = Float32Array.from(v);
    try {
      this.#displace(direction, h);
      const plus = (await this.#gradient()).gradient;
      this.#displace(direction, -h);
      const minus = (await this.#gradient()).gradient;
      const out = new Float64Array(this.dimension);
      for (let i = 0; i < out.length; i++) out[i] = (plus[i] - minus[i]) / (2 * h);
      return out;
    } finally {
      this.restore();
    }
  }

  /**
   * `Hv` by double backpropagation (Pearlmutter's trick: `Hv = ∇(∇L · v)`), in float32, with
   * the weights untouched. For piecewise-linear activations this is the Hessian almost
   * everywhere (the activation's second derivative taken as 0), which is what PyHessian
   * reports.
   *
   * TF.js can only do this where the gradients are themselves differentiable on the tape. Its
   * tanh, sigmoid, exp and softmax gradients reuse the saved forward output, a copy the outer
   * tape does not see, so their second-order terms are silently dropped (measured: a tanh MLP's
   * HVP off by 10%); convolution and pooling gradients have no gradient and throw. So this
   * method accepts only models made of Dense (linear or ReLU), ReLU, Flatten, Reshape, Dropout
   * and Input layers, and refuses the rest with a RangeError naming the layer; the loss must
   * be {@link crossEntropyLoss} (whose exp is written to stay on the tape) or built from ops
   * whose gradients use only their inputs.
   *
   * @example
   * ```ts
   * import * as tf from "@tensorflow/tfjs-core";
   * import * as tfl from "@tensorflow/tfjs-layers";
   * import "@tensorflow/tfjs-backend-cpu";
   * import assert from "node:assert/strict";
   * import { HessianOperator } from "./operator.ts";
   * await tf.setBackend("cpu");
   * // L = (3·1 + 4·2 + 0 − 0)² = 11² at weights (w₁, w₂, b) = (3, 4, 0) and input (1, 2), target 0.
   * const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 1, inputShape: [2] })] });
   * model.setWeights([tf.tensor2d([[3], [4]]), tf.tensor1d([0])]);
   * const batch = { xs: tf.tensor2d([[1, 2]]), ys: tf.tensor2d([[0]]) };
   * const op = new HessianOperator(model, (m, b) =>
   *   tf.mean(tf.square(tf.sub(m.apply(b.xs) as tf.Tensor, b.ys))) as tf.Scalar, batch);
   * try {
   *   // H = ∇²(aᵀx)² = 2aaᵀ with a = (1, 2, 1), so H·(0, 0, 1) = 2a = (2, 4, 2). Autodiff is exact
   *   // for this quadratic; 1e-5 covers float32 rounding of values this size.
   *   const hv = await op.applyAutodiff(new Float64Array([0, 0, 1]));
   *   [2, 4, 2].forEach((want, i) => assert.ok(Math.abs(hv[i] - want) < 1e-5));
   * } finally {
   *   op.dispose();
   * }
   * ```
   */
  async applyAutodiff(v: ArrayLike<number>): Promise<Float64Array> {
    this.#assertLive();
    assertTwiceDifferentiable(this.#model);
    if (v.length !== this.dimension) {
      throw new RangeError(
        `HessianOperator.applyAutodiff: v must have length ${this.dimension}, got ${v.length}`,
      );
    }
    const direction = Float32Array.from(v);
    try {
      const flat = tf.tidy(() => {
        const whole = tf.tensor1d(direction);
        let offset = 0;
        const parts = this.#trainable.map((variable) => {
          const part = tf.reshape(tf.slice(whole, offset, variable.size), variable.shape);
          offset += variable.size;
          return part;
        });
        // The variables are passed as the explicit inputs of nested tf.grads: the loss reads
        // them through the model, so both tapes see the path from weights to loss.
        const second = tf.grads((...weights: tf.Tensor[]) => {
          const first = tf.grads(() => this.#lossFn(this.#model, this.#batch))(weights);
          return tf.addN(first.map((g, i) => tf.sum(tf.mul(g, parts[i])))) as tf.Scalar;
        })(this.#trainable);
        return tf.concat(second.map((g) => tf.reshape(g, [-1])));
      });
      try {
        this.gradientEvaluations += 2;
        return Float64Array.from(await flat.data() as Float32Array);
      } finally {
        flat.dispose();
      }
    } finally {
      this.restore();
    }
  }

  /**
   * Whether {@link applyAutodiff} is exact here: every layer passes
   * {@link assertTwiceDifferentiable} and the loss is a {@link crossEntropyLoss}.
   *
   * @example
   * ```ts
   * import * as tf from "@tensorflow/tfjs-core";
   * import * as tfl from "@tensorflow/tfjs-layers";
   * import "@tensorflow/tfjs-backend-cpu";
   * import assert from "node:assert/strict";
   * import { crossEntropyLoss } from "./loss.ts";
   * import { HessianOperator } from "./operator.ts";
   * await tf.setBackend("cpu");
   * const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 3, inputShape: [2] })] });
   * const batch = { xs: tf.ones([2, 2]), ys: tf.tensor1d([0, 2], "int32") };
   * const exact = new HessianOperator(model, crossEntropyLoss(), batch);
   * // A hand-written loss is not known to be twice differentiable: finite differences only.
   * const custom = new HessianOperator(model, (m, b) => tf.sum(m.apply(b.xs) as tf.Tensor), batch);
   * try {
   *   assert.equal(exact.supportsAutodiff(), true);
   *   assert.equal(custom.supportsAutodiff(), false);
   * } finally {
   *   exact.dispose();
   *   custom.dispose();
   * }
   * ```
   */
  supportsAutodiff(): boolean {
    if (!isTwiceDifferentiableLoss(this.#lossFn)) return false;
    try {
      assertTwiceDifferentiable(this.#model);
      return true;
    } catch {
      return false;
    }
  }

  /** Restores the weights and releases the snapshot. Idempotent. */
  dispose(): void {
    if (this.#disposed) return;
    this.restore();
    this.#disposed = true;
    for (const t of this.#snapshot) t.dispose();
  }
}

const AUTODIFF_LAYERS = new Set(["Dense", "ReLU", "Flatten", "Reshape", "Dropout", "InputLayer"]);
const AUTODIFF_ACTIVATIONS = new Set(["linear", "relu", undefined]);

/**
 * Throws a RangeError naming the first layer whose TF.js gradient is not itself differentiable
 * on the tape (see {@link HessianOperator.applyAutodiff}).
 *
 * @example
 * ```ts
 * import * as tfl from "@tensorflow/tfjs-layers";
 * import "@tensorflow/tfjs-backend-cpu";
 * import assert from "node:assert/strict";
 * import { assertTwiceDifferentiable } from "./operator.ts";
 * const relu = tfl.sequential({ layers: [tfl.layers.dense({ units: 2, inputShape: [3], activation: "relu" })] });
 * assertTwiceDifferentiable(relu); // passes
 * const tanh = tfl.sequential({ layers: [tfl.layers.dense({ units: 2, inputShape: [3], activation: "tanh" })] });
 * assert.throws(() => assertTwiceDifferentiable(tanh), RangeError);
 * ```
 */
export function assertTwiceDifferentiable(model: tfl.LayersModel): void {
  for (const layer of model.layers) {
    const className = layer.getClassName();
    const activation = (layer.getConfig() as { activation?: string }).activation;
    if (!AUTODIFF_LAYERS.has(className) || !AUTODIFF_ACTIVATIONS.has(activation)) {
      throw new RangeError(
        `method "autodiff": layer ${layer.name} (${className}${
          activation ? `, activation ${activation}` : ""
        }) has no second-order gradient in TF.js; use method "finite-difference"`,
      );
    }
  }
}

/**
 * Runs `body` with a fresh operator and always restores the weights and disposes it, after the
 * body's promise settles.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import * as tfl from "@tensorflow/tfjs-layers";
 * import "@tensorflow/tfjs-backend-cpu";
 * import assert from "node:assert/strict";
 * import { crossEntropyLoss } from "./loss.ts";
 * import { withHessianOperator } from "./operator.ts";
 * await tf.setBackend("cpu");
 * const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 2, inputShape: [3] })] });
 * const batch = { xs: tf.ones([4, 3]), ys: tf.tensor1d([0, 1, 0, 1]) };
 * const dimension = await withHessianOperator(model, crossEntropyLoss(), batch, (op) => op.dimension);
 * assert.equal(dimension, 3 * 2 + 2);
 * ```
 */
export async function withHessianOperator<T>(
  model: tfl.LayersModel,
  lossFn: HessianLossFn,
  batch: HessianBatch,
  body: (op: HessianOperator) => T | Promise<T>,
): Promise<T> {
  const op = new HessianOperator(model, lossFn, batch);
  try {
    return await body(op);
  } finally {
    op.dispose();
  }
}
