/**
 * What SAM, ASAM and the universal optimizers share: a base optimizer that takes the final
 * gradient, the base's learning rate, the step seed, checkpoints, and the perturbed gradient
 * pass that restores the weights bit for bit and undoes any state a forward pass wrote
 * (BatchNorm moving statistics).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
// tfjs-core alone registers no gradient functions; tfjs-layers registers all of them.
import "@tensorflow/tfjs-layers";
import { adam } from "./adam.ts";
import { sgd } from "./sgd.ts";
import type { NamedTensor, UsamOptimizer } from "./types.ts";
import { checkNumber } from "./validate.ts";
import {
  assertFiniteVariables,
  holdValue,
  trainableVariables,
  VariableSnapshot,
} from "./variables.ts";

export { stepSeed } from "./seed.ts";

/** A base optimizer: a name (`"sgd"` or `"adam"` with default hyperparameters) or an instance. */
export type BaseOptimizer = "sgd" | "adam" | tf.Optimizer;

/**
 * The base optimizer for `owner`: a new `sgd()`/`adam()` for a name, the instance itself for a
 * `tf.Optimizer`; anything else is refused.
 *
 * @example
 * ```ts
 * import { resolveBase } from "./perturbed.ts";
 * const base = resolveBase("sam", "adam");
 * console.assert(base.getClassName() === "UsamAdam");
 * base.dispose();
 * ```
 */
export function resolveBase(owner: string, base: BaseOptimizer | undefined): tf.Optimizer {
  if (base === undefined || base === "sgd") return sgd();
  if (base === "adam") return adam();
  if (
    base !== null && typeof base === "object" &&
    typeof (base as tf.Optimizer).applyGradients === "function"
  ) {
    return base;
  }
  throw new RangeError(
    `${owner}: unknown base optimizer ${
      typeof base === "string" ? JSON.stringify(base) : String(base)
    } (use "sgd", "adam" or a tf.Optimizer)`,
  );
}

/**
 * `∇L` at the weights `x + offset`: assigns `originals[k] + offsets(k)` to each variable, takes
 * the gradient, then assigns the held originals back (exact bits) and undoes what the pass wrote
 * to any other variable. Returns `{ value, grads }` like `tf.variableGrads`.
 *
 * @example
 * ```ts
 * import "@tensorflow/tfjs-backend-cpu"; // any registered backend
 * import * as tf from "@tensorflow/tfjs-core";
 * import { gradientAtOffset } from "./perturbed.ts";
 * import { holdValue, VariableSnapshot } from "./variables.ts";
 * const w = tf.variable(tf.scalar(1));
 * const held = [holdValue(w)];
 * const snapshot = new VariableSnapshot(new Set([w]));
 * const { value, grads } = gradientAtOffset(
 *   () => tf.square(w), [w], held, (_k, x) => tf.add(x, 1), snapshot,
 * );
 * console.assert(grads[w.name].dataSync()[0] === 4 && w.dataSync()[0] === 1);
 * tf.dispose([value, grads, held]);
 * snapshot.dispose();
 * w.dispose();
 * ```
 */
export function gradientAtOffset(
  f: () => tf.Scalar,
  variables: readonly tf.Variable[],
  originals: readonly tf.Tensor[],
  shifted: (k: number, original: tf.Tensor) => tf.Tensor,
  snapshot: VariableSnapshot,
): { value: tf.Scalar; grads: tf.NamedTensorMap } {
  try {
    for (let k = 0; k < variables.length; k++) {
      const moved = tf.tidy(() => shifted(k, originals[k]));
      variables[k].assign(moved);
      moved.dispose();
    }
    const result = tf.variableGrads(f, variables as tf.Variable[]);
    for (const v of variables) {
      if (result.grads[v.name] == null) {
        tf.dispose([result.value, result.grads]);
        throw new RangeError(
          `perturbed pass: the loss no longer depends on variable "${v.name}" at the perturbed point`,
        );
      }
    }
    return result;
  } finally {
    for (let k = 0; k < variables.length; k++) variables[k].assign(originals[k]);
    snapshot.restoreChanged();
  }
}

/** Options every SAM-family optimizer accepts. */
/** A loss value and its gradients, from one pass. */
export interface GradientPass {
  value: tf.Scalar;
  grads: tf.NamedTensorMap;
}

/**
 * What one step of a SAM-family optimizer hands its rule: the clean pass at x, the trainable
 * variables that received a gradient, their values at x, the snapshot that undoes what a perturbed
 * pass changes in the other variables (BatchNorm statistics), and `passes`, where the rule puts
 * every perturbed pass it makes so that the step disposes them whatever happens.
 */
export interface StepContext {
  step: number;
  f: () => tf.Scalar;
  clean: GradientPass;
  active: tf.Variable[];
  originals: tf.Tensor[];
  snapshot: VariableSnapshot;
  passes: GradientPass[];
}

export interface PerturbedOptions {
  /** The optimizer that takes the final gradient: `"sgd"` (default, authors' settings),
   * `"adam"`, or a `tf.Optimizer` instance (which this optimizer then owns and disposes). */
  base?: BaseOptimizer;
  /** Seed of the perturbation stream (integer). Default 0. */
  seed?: number;
}

/**
 * The shared shell of the SAM family: delegates the update, the learning rate and the
 * checkpoint state to the base optimizer.
 *
 * @example
 * ```ts
 * import { sam } from "./sam.ts";
 * const optimizer = sam({ rho: 0.05 }); // a PerturbedOptimizer
 * optimizer.learningRate = 0.01;
 * console.assert(optimizer.base.getConfig().lr === 0.01);
 * optimizer.dispose();
 * ```
 */
export abstract class PerturbedOptimizer extends tf.Optimizer implements UsamOptimizer {
  /** The optimizer that applies the final gradient. */
  readonly base: tf.Optimizer;
  /** Seed of the perturbation stream. */
  readonly seed: number;
  abstract readonly gradientEvaluations: number;
  protected perturbations: Float32Array[][] = [];
  protected variableNames: string[] = [];

  protected constructor(readonly owner: string, options: PerturbedOptions) {
    super();
    this.seed = checkNumber(owner, "seed", options.seed ?? 0, Number.isInteger, "(an integer)");
    this.base = resolveBase(owner, options.base);
  }

  /** The base optimizer's learning rate. */
  get learningRate(): number {
    const lr = (this.base as unknown as { learningRate?: number }).learningRate;
    if (typeof lr !== "number") {
      throw new TypeError(`${this.owner}: the base optimizer exposes no numeric learningRate`);
    }
    return lr;
  }
  set learningRate(lr: number) {
    checkNumber(this.owner, "learningRate", lr, (v) => v > 0, "> 0");
    (this.base as unknown as { learningRate: number }).learningRate = lr;
  }

  get lastPerturbations(): readonly (readonly Float32Array[])[] {
    return this.perturbations;
  }

  get lastVariableNames(): readonly string[] {
    return this.variableNames;
  }

  /** Applies plain gradients with the base optimizer (no perturbation). */
  override applyGradients(gradients: tf.NamedTensorMap | NamedTensor[]): void {
    this.base.applyGradients(gradients);
  }

  /** `[iterations, ...base weights]`: the step index fixes the next perturbations. */
  override async getWeights(): Promise<NamedTensor[]> {
    return [await this.saveIterations(), ...(await this.base.getWeights())];
  }

  /** Restores what `getWeights` returned. */
  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    await this.base.setWeights(await this.extractIterations(weightValues));
  }

  /** Disposes the base optimizer's state. */
  override dispose(): void {
    this.base.dispose();
  }

  /**
   * The gradient the base optimizer steps with, from the clean pass and the perturbed passes the
   * rule makes (each pushed to `context.passes`). It must check the losses it reads and throw
   * `NonFiniteError` before anything is applied.
   */
  protected abstract stepGradients(context: StepContext): tf.NamedTensorMap;

  /**
   * One step: the clean pass at x, the rule's perturbed passes and combined gradient, then the
   * base step at x. Returns the clean loss when `returnCost`. Throws `NonFiniteError` on a
   * non-finite loss or weight; the weights are then those of x or of the finished base step.
   */
  override minimize(
    f: () => tf.Scalar,
    returnCost = false,
    varList?: tf.Variable[],
  ): tf.Scalar | null {
    const step = this.iterations;
    const clean = tf.variableGrads(f, trainableVariables(varList));
    const active = trainableVariables(varList).filter((v) => clean.grads[v.name] != null);
    const originals = active.map(holdValue);
    const snapshot = new VariableSnapshot(new Set(active));
    const passes: GradientPass[] = [];
    try {
      this.variableNames = active.map((v) => v.name);
      const gradients = this.stepGradients({
        step,
        f,
        clean,
        active,
        originals,
        snapshot,
        passes,
      });
      try {
        this.base.applyGradients(gradients);
      } finally {
        tf.dispose(gradients); // may be a pass's own gradients: disposing twice is harmless
      }
      assertFiniteVariables(this.owner, step, active);
    } catch (error) {
      clean.value.dispose();
      throw error;
    } finally {
      tf.dispose([clean.grads, originals]);
      for (const pass of passes) tf.dispose([pass.value, pass.grads]);
      snapshot.dispose();
    }
    this.incrementIterations();
    if (returnCost) return clean.value;
    clean.value.dispose();
    return null;
  }

  protected baseConfig(): tf.serialization.ConfigDict {
    return {
      seed: this.seed,
      base: this.base.getClassName(),
      baseConfig: this.base.getConfig(),
    };
  }
}
