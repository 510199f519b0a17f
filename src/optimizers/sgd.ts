/**
 * SGD with PyTorch's semantics (`torch.optim.SGD`): `v = g + wd·x`; `buf = m·buf + (1 - τ)·v`
 * (`buf = v` on the first step); `v = v + m·buf` with Nesterov, else `v = buf`; `x -= lr·v`.
 * tf.train.momentum differs (no weight decay, zero-initialised buffer, different Nesterov), so
 * the authors' settings need this one.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { fusedSgdUpdate } from "../backends/native_sgd.ts";
import { checkedStep, minimizeWith, stepWith } from "./plain_step.ts";
import type { NamedTensor, UsamOptimizer } from "./types.ts";
import { checkBoolean, checkKnownKeys, checkNumber } from "./validate.ts";
import { gradientList, registeredVariable } from "./variables.ts";

/** Hyperparameters of {@link sgd}; defaults are the authors' (THEORY.md). */
export interface SgdOptions {
  /** Learning rate, > 0. Default 0.1. */
  lr?: number;
  /** Momentum factor in [0, 1). Default 0.9. */
  momentum?: number;
  /** L2 weight decay added to the gradient, >= 0. Default 5e-4. */
  weightDecay?: number;
  /** Nesterov momentum (needs momentum > 0 and dampening 0). Default false. */
  nesterov?: boolean;
  /** Dampening τ of the momentum, in [0, 1). Default 0. */
  dampening?: number;
}

const SGD_KEYS = ["lr", "momentum", "weightDecay", "nesterov", "dampening"] as const;

/**
 * PyTorch-style SGD as a `tf.Optimizer` (see the module note for the update).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import "@tensorflow/tfjs-backend-cpu"; // any registered backend
 * import * as tf from "@tensorflow/tfjs-core";
 * import { SgdOptimizer } from "./sgd.ts";
 * const w = tf.variable(tf.scalar(1));
 * const optimizer = new SgdOptimizer({ lr: 0.1, momentum: 0, weightDecay: 0 });
 * optimizer.minimize(() => tf.square(w));
 * assert.ok(Math.abs(w.dataSync()[0] - 0.8) < 1e-6);
 * optimizer.dispose();
 * w.dispose();
 * ```
 */
export class SgdOptimizer extends tf.Optimizer implements UsamOptimizer {
  /** Serialization name. */
  static get className(): string {
    return "UsamSGD";
  }
  learningRate: number;
  readonly momentum: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;
  readonly dampening: number;
  readonly gradientEvaluations = 1;
  readonly lastPerturbations: readonly (readonly Float32Array[])[] = [];
  readonly lastVariableNames: readonly string[] = [];
  readonly #buffers = new Map<string, tf.Variable>();

  constructor(options: SgdOptions = {}) {
    super();
    checkKnownKeys("sgd", options, SGD_KEYS);
    this.learningRate = checkNumber("sgd", "lr", options.lr ?? 0.1, (v) => v > 0, "> 0");
    this.momentum = checkNumber(
      "sgd",
      "momentum",
      options.momentum ?? 0.9,
      (v) => v >= 0 && v < 1,
      "in [0, 1)",
    );
    this.weightDecay = checkNumber(
      "sgd",
      "weightDecay",
      options.weightDecay ?? 5e-4,
      (v) => v >= 0,
      ">= 0",
    );
    this.dampening = checkNumber(
      "sgd",
      "dampening",
      options.dampening ?? 0,
      (v) => v >= 0 && v < 1,
      "in [0, 1)",
    );
    this.nesterov = checkBoolean("sgd", "nesterov", options.nesterov ?? false);
    if (this.nesterov && (this.momentum === 0 || this.dampening !== 0)) {
      throw new RangeError(
        `sgd: nesterov needs momentum > 0 and dampening 0, got momentum ${this.momentum} ` +
          `and dampening ${this.dampening}`,
      );
    }
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
    return minimizeWith("sgd", () => this.#program(f, varList), returnCost);
  }

  /**
   * The same step as `minimize(f, true)` with asynchronous reads only (two: the loss, then the
   * weight check); resolves to the loss at the weights before the step.
   */
  step(f: () => tf.Scalar, varList?: tf.Variable[]): Promise<number> {
    return stepWith(() => this.#program(f, varList));
  }

  #program(f: () => tf.Scalar, varList: tf.Variable[] | undefined) {
    return checkedStep("sgd", this.iterations, this, f, varList);
  }

  /** Applies the PyTorch SGD update with the given gradients (no finiteness check). */
  override applyGradients(gradients: tf.NamedTensorMap | NamedTensor[]): void {
    const lr = this.learningRate;
    checkNumber("sgd", "lr", lr, (v) => v > 0, "> 0");
    for (const { name, tensor: gradient } of gradientList(gradients)) {
      const x = registeredVariable("sgd", name);
      // One kernel for the whole update where the backend has it (native), the same bits as the
      // op chain below (src/backends/native_sgd.ts).
      const buffer = this.momentum !== 0 ? this.#buffers.get(name) : undefined;
      const fused = fusedSgdUpdate(x, gradient, buffer, {
        lr,
        momentum: this.momentum,
        weightDecay: this.weightDecay,
        dampening: this.dampening,
        nesterov: this.nesterov,
      });
      if (fused !== undefined) {
        x.assign(fused[0]);
        if (this.momentum !== 0) {
          if (buffer === undefined) this.#buffers.set(name, tf.variable(fused[1], false));
          else buffer.assign(fused[1]);
        }
        tf.dispose(fused);
        continue;
      }
      tf.tidy(() => {
        let v = this.weightDecay !== 0 ? tf.add(gradient, tf.mul(x, this.weightDecay)) : gradient;
        if (this.momentum !== 0) {
          const buffer = this.#buffers.get(name);
          let next: tf.Tensor;
          if (buffer == null) {
            next = v;
            this.#buffers.set(name, tf.variable(v, false));
          } else {
            const fresh = this.dampening !== 0 ? tf.mul(v, 1 - this.dampening) : v;
            next = tf.add(tf.mul(buffer, this.momentum), fresh);
            buffer.assign(next);
          }
          v = this.nesterov ? tf.add(v, tf.mul(next, this.momentum)) : next;
        }
        x.assign(tf.sub(x, tf.mul(v, lr)));
      });
    }
    this.incrementIterations();
  }

  /** The hyperparameters. */
  override getConfig(): tf.serialization.ConfigDict {
    return {
      lr: this.learningRate,
      momentum: this.momentum,
      weightDecay: this.weightDecay,
      nesterov: this.nesterov,
      dampening: this.dampening,
    };
  }

  /** `[iterations, <variable>/momentum...]`, for checkpoints. */
  override async getWeights(): Promise<NamedTensor[]> {
    const weights = [await this.saveIterations()];
    for (const [name, buffer] of this.#buffers) {
      weights.push({ name: `${name}/momentum`, tensor: buffer });
    }
    return weights;
  }

  /** Restores what {@link SgdOptimizer.getWeights} returned. */
  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const rest = await this.extractIterations(weightValues);
    for (const { name, tensor } of rest) {
      if (!name.endsWith("/momentum")) {
        throw new RangeError(`sgd: setWeights got an unknown weight "${name}"`);
      }
      const key = name.slice(0, -"/momentum".length);
      this.#buffers.get(key)?.dispose();
      this.#buffers.set(key, tf.variable(tensor, false));
    }
  }

  /** Disposes the momentum buffers. */
  override dispose(): void {
    for (const buffer of this.#buffers.values()) buffer.dispose();
    this.#buffers.clear();
  }
}

/**
 * PyTorch-style SGD; defaults are the authors' settings (lr 0.1, momentum 0.9, wd 5e-4).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import "@tensorflow/tfjs-backend-cpu"; // any registered backend
 * import * as tf from "@tensorflow/tfjs-core";
 * import { sgd } from "./sgd.ts";
 * const w = tf.variable(tf.tensor1d([1, -1]));
 * const optimizer = sgd({ lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0 });
 * for (let i = 0; i < 3; i++) optimizer.minimize(() => tf.sum(tf.square(w)));
 * // By hand (torch's Nesterov rule, g = 2w, b = 0.9 b + g, w -= 0.05 (g + 0.9 b)):
 * // 1 -> 0.81 -> 0.5751 -> 0.327321; float32 rounding over three steps stays under 1e-6.
 * const [a, b] = w.dataSync();
 * assert.ok(Math.abs(a - 0.327321) < 1e-6 && Math.abs(b + 0.327321) < 1e-6);
 * optimizer.dispose();
 * w.dispose();
 * ```
 */
export function sgd(options: SgdOptions = {}): SgdOptimizer {
  return new SgdOptimizer(options);
}
