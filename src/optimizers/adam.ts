/**
 * Adam with PyTorch's semantics (`torch.optim.Adam`, L2 weight decay added to the gradient):
 * `g += wd·x; m = β1 m + (1-β1) g; v = β2 v + (1-β2) g²;
 * x -= (lr / (1-β1^t)) · m / (sqrt(v) / sqrt(1-β2^t) + ε)`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { fusedAdamUpdate } from "../backends/native_adam.ts";
import { checkedStep, minimizeWith, stepWith } from "./plain_step.ts";
import type { NamedTensor, UsamOptimizer } from "./types.ts";
import { checkKnownKeys, checkNumber } from "./validate.ts";
import { gradientList, registeredVariable } from "./variables.ts";

/** Hyperparameters of {@link adam}; defaults are PyTorch's. */
export interface AdamOptions {
  /** Learning rate, > 0. Default 0.001. */
  lr?: number;
  /** First-moment decay in [0, 1). Default 0.9. */
  beta1?: number;
  /** Second-moment decay in [0, 1). Default 0.999. */
  beta2?: number;
  /** Denominator guard, > 0. Default 1e-8. */
  epsilon?: number;
  /** L2 weight decay added to the gradient, >= 0. Default 0. */
  weightDecay?: number;
}

const ADAM_KEYS = ["lr", "beta1", "beta2", "epsilon", "weightDecay"] as const;

/**
 * PyTorch-style Adam as a `tf.Optimizer`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import "@tensorflow/tfjs-backend-cpu"; // any registered backend
 * import * as tf from "@tensorflow/tfjs-core";
 * import { AdamOptimizer } from "./adam.ts";
 * const w = tf.variable(tf.scalar(1));
 * const optimizer = new AdamOptimizer({ lr: 0.1 });
 * optimizer.minimize(() => tf.square(w));
 * assert.ok(Math.abs(w.dataSync()[0] - 0.9) < 1e-5); // the first Adam step is ~lr
 * optimizer.dispose();
 * w.dispose();
 * ```
 */
export class AdamOptimizer extends tf.Optimizer implements UsamOptimizer {
  /** Serialization name. */
  static get className(): string {
    return "UsamAdam";
  }
  learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
  readonly gradientEvaluations = 1;
  readonly lastPerturbations: readonly (readonly Float32Array[])[] = [];
  readonly lastVariableNames: readonly string[] = [];
  readonly #moments = new Map<string, { m: tf.Variable; v: tf.Variable }>();

  constructor(options: AdamOptions = {}) {
    super();
    checkKnownKeys("adam", options, ADAM_KEYS);
    this.learningRate = checkNumber("adam", "lr", options.lr ?? 0.001, (v) => v > 0, "> 0");
    const unit = (v: number) => v >= 0 && v < 1;
    this.beta1 = checkNumber("adam", "beta1", options.beta1 ?? 0.9, unit, "in [0, 1)");
    this.beta2 = checkNumber("adam", "beta2", options.beta2 ?? 0.999, unit, "in [0, 1)");
    this.epsilon = checkNumber("adam", "epsilon", options.epsilon ?? 1e-8, (v) => v > 0, "> 0");
    this.weightDecay = checkNumber(
      "adam",
      "weightDecay",
      options.weightDecay ?? 0,
      (v) => v >= 0,
      ">= 0",
    );
  }

  /**
   * One checked step (`tf.Optimizer` contract): throws `NonFiniteError` on a non-finite loss or
   * weight. It reads synchronously; on a backend without synchronous reads (webgpu under Deno)
   * it throws, before any work, an error that says to use `await optimizer.step(f)`.
   */
  override minimize(
    f: () => tf.Scalar,
    returnCost = false,
    varList?: tf.Variable[],
  ): tf.Scalar | null {
    return minimizeWith("adam", () => this.#program(f, varList), returnCost);
  }

  /**
   * The same step as `minimize(f, true)` with asynchronous reads only (two: the loss, then the
   * weight check); resolves to the loss at the weights before the step.
   */
  step(f: () => tf.Scalar, varList?: tf.Variable[]): Promise<number> {
    return stepWith(() => this.#program(f, varList));
  }

  #program(f: () => tf.Scalar, varList: tf.Variable[] | undefined) {
    return checkedStep("adam", this.iterations, this, f, varList);
  }

  /** Applies the PyTorch Adam update with the given gradients (no finiteness check). */
  override applyGradients(gradients: tf.NamedTensorMap | NamedTensor[]): void {
    const lr = checkNumber("adam", "lr", this.learningRate, (v) => v > 0, "> 0");
    const t = this.iterations + 1;
    const stepSize = lr / (1 - this.beta1 ** t);
    const secondCorrection = Math.sqrt(1 - this.beta2 ** t);
    for (const { name, tensor: gradient } of gradientList(gradients)) {
      const x = registeredVariable("adam", name);
      tf.tidy(() => {
        let moments = this.#moments.get(name);
        if (moments == null) {
          moments = {
            m: tf.variable(tf.zerosLike(x), false),
            v: tf.variable(tf.zerosLike(x), false),
          };
          this.#moments.set(name, moments);
        }
        // One kernel for the whole update where the backend has it (native), the same bits as the
        // op chain below (src/backends/native_adam.ts).
        const fused = fusedAdamUpdate(x, gradient, moments.m, moments.v, {
          stepSize,
          secondCorrection,
          beta1: this.beta1,
          beta2: this.beta2,
          epsilon: this.epsilon,
          weightDecay: this.weightDecay,
        });
        if (fused !== undefined) {
          x.assign(fused[0]);
          moments.m.assign(fused[1]);
          moments.v.assign(fused[2]);
          return;
        }
        const g = this.weightDecay !== 0 ? tf.add(gradient, tf.mul(x, this.weightDecay)) : gradient;
        const m = tf.add(tf.mul(moments.m, this.beta1), tf.mul(g, 1 - this.beta1));
        const v = tf.add(tf.mul(moments.v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        moments.m.assign(m);
        moments.v.assign(v);
        const denominator = tf.add(tf.div(tf.sqrt(v), secondCorrection), this.epsilon);
        x.assign(tf.sub(x, tf.mul(tf.div(m, denominator), stepSize)));
      });
    }
    this.incrementIterations();
  }

  /** The hyperparameters. */
  override getConfig(): tf.serialization.ConfigDict {
    return {
      lr: this.learningRate,
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
      weightDecay: this.weightDecay,
    };
  }

  /** `[iterations, <variable>/m, <variable>/v...]`, for checkpoints. */
  override async getWeights(): Promise<NamedTensor[]> {
    const weights = [await this.saveIterations()];
    for (const [name, { m, v }] of this.#moments) {
      weights.push({ name: `${name}/m`, tensor: m }, { name: `${name}/v`, tensor: v });
    }
    return weights;
  }

  /** Restores what {@link AdamOptimizer.getWeights} returned. */
  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const rest = await this.extractIterations(weightValues);
    const pending = new Map<string, { m?: tf.Tensor; v?: tf.Tensor }>();
    for (const { name, tensor } of rest) {
      const match = /^(.*)\/(m|v)$/.exec(name);
      if (match == null) throw new RangeError(`adam: setWeights got an unknown weight "${name}"`);
      const entry = pending.get(match[1]) ?? {};
      entry[match[2] as "m" | "v"] = tensor;
      pending.set(match[1], entry);
    }
    for (const [name, { m, v }] of pending) {
      if (m == null || v == null) {
        throw new RangeError(`adam: setWeights needs both moments of "${name}"`);
      }
      const old = this.#moments.get(name);
      old?.m.dispose();
      old?.v.dispose();
      this.#moments.set(name, { m: tf.variable(m, false), v: tf.variable(v, false) });
    }
  }

  /** Disposes the moment estimates. */
  override dispose(): void {
    for (const { m, v } of this.#moments.values()) {
      m.dispose();
      v.dispose();
    }
    this.#moments.clear();
  }
}

/**
 * PyTorch-style Adam (lr 0.001, β 0.9/0.999, ε 1e-8, no weight decay by default).
 *
 * @example
 * ```ts
 * import "@tensorflow/tfjs-backend-cpu"; // any registered backend
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { adam } from "./adam.ts";
 * const w = tf.variable(tf.tensor1d([1, -1]));
 * const optimizer = adam({ lr: 0.01 });
 * optimizer.minimize(() => tf.sum(tf.square(w)));
 * // First step: the bias-corrected moments are m̂ = g and v̂ = g², so the step is lr·g/(|g| + ε),
 * // i.e. 0.01 against the sign of g = 2w. ε = 1e-8 against |g| = 2 and float32 rounding of 0.99
 * // (6e-8) are both far below the 1e-6 tolerance.
 * const [a, b] = await w.data();
 * assert.ok(Math.abs(a - 0.99) < 1e-6 && Math.abs(b + 0.99) < 1e-6);
 * optimizer.dispose();
 * w.dispose();
 * ```
 */
export function adam(options: AdamOptions = {}): AdamOptimizer {
  return new AdamOptimizer(options);
}
