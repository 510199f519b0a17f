/**
 * The one core of the SAM family. A step is: the clean pass at x; the rule's offsets `o_1..o_n`;
 * the perturbed passes at `x + o_i` (weights restored bit for bit, BatchNorm statistics and any
 * other state a forward pass writes undone); one read of all the losses and the single loss check;
 * the rule's coefficients `c_0..c_n`; the base optimizer's step with `G = c_0 g + Σ c_i g_i`; the
 * weight check. SAM and ASAM are the rule "one offset from the gradient, coefficients [0, 1]"; the
 * universal optimizers are "n offsets ρδ_i, coefficients from the losses" (THEORY.md).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
// tfjs-core alone registers no gradient functions; tfjs-layers registers all of them.
import "@tensorflow/tfjs-layers";
import { fusedCombination, shiftBy } from "../backends/native_combine.ts";
import { adam } from "./adam.ts";
import { minimizeWith, type StepOutcome, stepWith } from "./plain_step.ts";
import { type StepProgram, syncReadsAvailable, syncReadsMissing } from "./reads.ts";
import { sgd } from "./sgd.ts";
import type { NamedTensor, UsamOptimizer } from "./types.ts";
import { checkNumber } from "./validate.ts";
import {
  assertFiniteLosses,
  finiteVariablesCheck,
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
 * import assert from "node:assert/strict";
 * import { resolveBase } from "./perturbed.ts";
 * const base = resolveBase("sam", "adam");
 * assert.equal(base.getClassName(), "UsamAdam");
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
 * import assert from "node:assert/strict";
 * const { value, grads } = gradientAtOffset(
 *   () => tf.square(w), [w], held, (_k, x) => tf.add(x, 1), snapshot,
 * );
 * assert.equal(grads[w.name].dataSync()[0], 4); // 2·(1 + 1), exact
 * assert.equal(w.dataSync()[0], 1); // restored
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

/** A loss value and its gradients, from one pass. */
export interface GradientPass {
  value: tf.Scalar;
  grads: tf.NamedTensorMap;
}

/** What a rule sees when it makes the offsets of a step. */
export interface RuleContext {
  /** The step index (the optimizer's `iterations` before the step). */
  step: number;
  /** The optimizer's seed. */
  seed: number;
  /** The trainable variables that received a gradient, in the order of the lists below. */
  variables: readonly tf.Variable[];
  /** Their values at x (held, the core disposes them). */
  weights: readonly tf.Tensor[];
  /** The clean gradients at x (the core disposes them). */
  gradients: readonly tf.Tensor[];
}

/** The offsets of one step, which the core takes over (and disposes). */
export interface Perturbations {
  /**
   * `offsets[i][k]`: the offset of variable k in perturbed pass i (times `scale` when given). An
   * offset may be one of the context's gradients or a recorded tensor: the core disposes it only
   * when it is neither.
   */
  offsets: tf.Tensor[][];
  /**
   * When present, the offsets are directions and pass i evaluates at `x + offsets[i]·scale` (one
   * fused kernel where the backend has it, native: `x + fround(d·scale)`, the bits of
   * `tf.add(x, tf.mul(d, scale))`). A tensor scale is the core's to dispose.
   */
  scale?: number | tf.Scalar;
  /**
   * What `lastPerturbations` shows, `[sample][variable]` (kept on the device until the next step
   * and read only when asked for); absent when the rule records nothing.
   */
  recorded?: tf.Tensor[][];
}

/**
 * A perturbation rule: where the perturbed passes go, and how their gradients combine.
 *
 * @example
 * ```ts
 * import "@tensorflow/tfjs-backend-cpu"; // any registered backend
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import type { PerturbationRule, Perturbations } from "./perturbed.ts";
 * // SAM with a fixed offset of 0.1 on every weight.
 * const rule: PerturbationRule = {
 *   passes: 1,
 *   // deno-lint-ignore require-yield
 *   *perturb({ weights }) {
 *     return { offsets: [weights.map((x) => tf.fill(x.shape, 0.1))] };
 *   },
 *   coefficients: () => [0, 1],
 * };
 * // Run the step program by hand: it yields nothing, so its first `next` returns the offsets.
 * const x = tf.tensor1d([1, 2]);
 * const done = rule.perturb({ step: 0, seed: 0, variables: [], weights: [x], gradients: [] }).next();
 * assert.equal(done.done, true);
 * const [[offset]] = (done.value as Perturbations).offsets;
 * const tenth = Math.fround(0.1); // 0.1 as float32 holds it
 * assert.deepEqual(Array.from(await offset.data()), [tenth, tenth]);
 * // Weight 0 on the clean gradient, 1 on the perturbed one: plain SAM.
 * assert.deepEqual(Array.from(rule.coefficients(0, new Float32Array([1, 1]))), [0, 1]);
 * tf.dispose([x, offset]);
 * ```
 */
export interface PerturbationRule {
  /** Perturbed passes per step, n. */
  readonly passes: number;
  /** The n offsets of the step (a step program: it may yield tensors to read, `reads.ts`). */
  perturb(context: RuleContext): StepProgram<Perturbations>;
  /**
   * `[c_0, ..., c_n]` from the losses `[L(x), L(x + o_1), ..., L(x + o_n)]` (read once, checked
   * finite): the base optimizer steps with `c_0 g + Σ c_i g_i`. Throws `NonFiniteError` when a
   * coefficient cannot be formed.
   */
  coefficients(step: number, losses: Float32Array): ArrayLike<number>;
}

export interface PerturbedOptions {
  /** The optimizer that takes the final gradient: `"sgd"` (default, authors' settings),
   * `"adam"`, or a `tf.Optimizer` instance (which this optimizer then owns and disposes). */
  base?: BaseOptimizer;
  /** Seed of the perturbation stream (integer). Default 0. */
  seed?: number;
}

/**
 * The SAM-family optimizer: the step of the module note around a {@link PerturbationRule}, the
 * base optimizer's learning rate and checkpoint state.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sam } from "./sam.ts";
 * const optimizer = sam({ rho: 0.05 }); // a PerturbedOptimizer
 * optimizer.learningRate = 0.01;
 * assert.equal(optimizer.base.getConfig().lr, 0.01);
 * optimizer.dispose();
 * ```
 */
export abstract class PerturbedOptimizer extends tf.Optimizer implements UsamOptimizer {
  /** The optimizer that applies the final gradient. */
  readonly base: tf.Optimizer;
  /** Seed of the perturbation stream. */
  readonly seed: number;
  /** The rule of this optimizer. */
  protected abstract readonly rule: PerturbationRule;
  #recorded: tf.Tensor[][] = [];
  #recordedHost: Float32Array[][] | undefined = [];
  #variableNames: string[] = [];

  protected constructor(readonly owner: string, options: PerturbedOptions) {
    super();
    this.seed = checkNumber(owner, "seed", options.seed ?? 0, Number.isInteger, "(an integer)");
    this.base = resolveBase(owner, options.base);
  }

  /** 1 + the rule's passes. */
  get gradientEvaluations(): number {
    return 1 + this.rule.passes;
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

  /**
   * The recorded perturbations of the last step (see `UsamOptimizer`), read from the device on
   * first access (synchronously: on a backend without synchronous reads, use
   * {@link PerturbedOptimizer.readLastPerturbations}).
   */
  get lastPerturbations(): readonly (readonly Float32Array[])[] {
    if (this.#recordedHost === undefined) {
      if (!syncReadsAvailable()) throw syncReadsMissing(`${this.owner}.lastPerturbations`);
      this.#recordedHost = this.#recorded.map((sample) =>
        sample.map((t) => Float32Array.from(t.dataSync() as Float32Array))
      );
    }
    return this.#recordedHost;
  }

  /** {@link PerturbedOptimizer.lastPerturbations} with asynchronous reads. */
  async readLastPerturbations(): Promise<readonly (readonly Float32Array[])[]> {
    if (this.#recordedHost === undefined) {
      const host: Float32Array[][] = [];
      for (const sample of this.#recorded) {
        const parts: Float32Array[] = [];
        for (const t of sample) parts.push(Float32Array.from((await t.data()) as Float32Array));
        host.push(parts);
      }
      this.#recordedHost = host;
    }
    return this.#recordedHost;
  }

  get lastVariableNames(): readonly string[] {
    return this.#variableNames;
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

  /** Disposes the base optimizer's state and the recorded perturbations. */
  override dispose(): void {
    this.#record(undefined);
    this.base.dispose();
  }

  /**
   * One step (`tf.Optimizer` contract; module note). Returns the clean loss when `returnCost`.
   * Throws `NonFiniteError` on a non-finite loss, perturbed loss, coefficient or weight; the
   * weights are then those of x (loss, coefficient) or of the finished base step (weight). It
   * reads synchronously; on a backend without synchronous reads (webgpu under Deno) it throws,
   * before any work, an error that says to use `await optimizer.step(f)`.
   */
  override minimize(
    f: () => tf.Scalar,
    returnCost = false,
    varList?: tf.Variable[],
  ): tf.Scalar | null {
    return minimizeWith(this.owner, () => this.#program(f, varList), returnCost);
  }

  /**
   * The step of `minimize(f, true, varList)` with asynchronous reads only (see `UsamOptimizer`):
   * one read of all the losses, one of the weight check (plus whatever the rule reads: nothing
   * for SAM, ASAM and the built-in measures).
   */
  step(f: () => tf.Scalar, varList?: tf.Variable[]): Promise<number> {
    return stepWith(() => this.#program(f, varList));
  }

  *#program(f: () => tf.Scalar, varList: tf.Variable[] | undefined): StepProgram<StepOutcome> {
    const step = this.iterations;
    const clean = tf.variableGrads(f, trainableVariables(varList));
    const active = trainableVariables(varList).filter((v) => clean.grads[v.name] != null);
    const originals = active.map(holdValue);
    const snapshot = new VariableSnapshot(new Set(active));
    const passes: GradientPass[] = [];
    let offsets: tf.Tensor[][] = [];
    let scale: number | tf.Scalar | undefined;
    let keep = new Set<tf.Tensor>();
    let loss: number;
    try {
      this.#variableNames = active.map((v) => v.name);
      const perturbations = yield* this.rule.perturb({
        step,
        seed: this.seed,
        variables: active,
        weights: originals,
        gradients: active.map((v) => clean.grads[v.name]),
      });
      offsets = perturbations.offsets;
      scale = perturbations.scale;
      keep = new Set(perturbations.recorded?.flat() ?? []);
      this.#record(perturbations.recorded);
      for (const offset of offsets) {
        const shift = scale;
        passes.push(
          gradientAtOffset(
            f,
            active,
            originals,
            shift === undefined
              ? (k, x) => tf.add(x, offset[k])
              : (k, x) => shiftBy(x, offset[k], shift),
            snapshot,
          ),
        );
      }
      // The single read of the losses, checked before the base optimizer writes the weights.
      const losses = yield tf.stack([clean.value, ...passes.map((pass) => pass.value)]);
      loss = losses[0];
      assertFiniteLosses(this.owner, step, losses);
      const coefficients = this.rule.coefficients(step, losses);
      const gradients = combine(active, clean, passes, coefficients);
      try {
        this.base.applyGradients(gradients);
      } finally {
        tf.dispose(gradients); // may be a pass's own gradients: disposing twice is harmless
      }
      yield* finiteVariablesCheck(this.owner, step, active);
    } catch (error) {
      clean.value.dispose();
      throw error;
    } finally {
      tf.dispose([clean.grads, originals]);
      // Recorded offsets live until the next step; a gradient offset is disposed with the grads.
      for (const offset of offsets) tf.dispose(offset.filter((t) => !keep.has(t)));
      if (typeof scale === "object") scale.dispose();
      for (const pass of passes) tf.dispose([pass.value, pass.grads]);
      snapshot.dispose();
    }
    this.incrementIterations();
    return { value: clean.value, loss };
  }

  #record(recorded: tf.Tensor[][] | undefined): void {
    for (const sample of this.#recorded) tf.dispose(sample);
    this.#recorded = recorded ?? [];
    this.#recordedHost = recorded === undefined ? [] : undefined;
  }

  protected baseConfig(): tf.serialization.ConfigDict {
    return {
      seed: this.seed,
      base: this.base.getClassName(),
      baseConfig: this.base.getConfig(),
    };
  }
}

/** `c_0 g + Σ c_i g_i` per variable; a zero coefficient drops its term, a one multiplies nothing. */
function combine(
  active: readonly tf.Variable[],
  clean: GradientPass,
  passes: readonly GradientPass[],
  coefficients: ArrayLike<number>,
): tf.NamedTensorMap {
  if (coefficients.length !== passes.length + 1) {
    throw new RangeError(
      `perturbation rule: ${coefficients.length} coefficients for ${passes.length} passes ` +
        `(need ${passes.length + 1})`,
    );
  }
  const combined: tf.NamedTensorMap = {};
  const all = [clean, ...passes];
  const kept = Array.from(coefficients).flatMap((c, i) => (c === 0 ? [] : [i]));
  for (const v of active) {
    // One kernel where the backend has it (native), the same bits as the chain below.
    const fused = fusedCombination(
      kept.map((i) => all[i].grads[v.name]),
      kept.map((i) => coefficients[i]),
    );
    if (fused !== undefined) {
      combined[v.name] = fused;
      continue;
    }
    combined[v.name] = tf.tidy(() => {
      const terms = [clean.grads[v.name], ...passes.map((pass) => pass.grads[v.name])]
        .flatMap((g, i) =>
          coefficients[i] === 0 ? [] : [coefficients[i] === 1 ? g : tf.mul(g, coefficients[i])]
        );
      if (terms.length === 0) return tf.zerosLike(clean.grads[v.name]);
      return terms.length === 1 ? terms[0] : tf.addN(terms);
    });
  }
  return combined;
}
