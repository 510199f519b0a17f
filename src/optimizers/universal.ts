/**
 * The universal SAM optimizer (THEORY.md, "The optimizers"): draw `δ_1..δ_n ~ μ` (on the
 * device for the built-in measures, `draws.ts`),
 * evaluate `L_i = L(x + ρδ_i)` and `g_i = ∇L(x + ρδ_i)`, form `d_i = (L_i - L)/ρ²` and the
 * plug-in weights `w = pluginWeights(spec, d)`, and step the base optimizer with
 * `G = g + λ Σ_i w_i (g_i - g) = (1 - λΣw) g + Σ_i λ w_i g_i`.
 * Trace-, Frob- and Det-SAM are this one optimizer with the specs of `src/measures/spec.ts`.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";
import {
  determinantSpec,
  frobeniusSpec,
  type InnerFunction,
  type OuterFunction,
  type PerturbationMeasure,
  pluginWeights,
  type SharpnessSpec,
  traceSpec,
} from "../measures/spec.ts";
import { drawStep } from "./draws.ts";
import { NonFiniteError } from "./errors.ts";
import {
  type PerturbationRule,
  type Perturbations,
  PerturbedOptimizer,
  type PerturbedOptions,
  type RuleContext,
} from "./perturbed.ts";
import type { StepProgram } from "./reads.ts";
import { checkInteger, checkKnownKeys, checkNumber } from "./validate.ts";

/** Options of {@link universalSam}. */
export interface UniversalSamOptions extends PerturbedOptions {
  /** The inner function f (vector-valued allowed). */
  inner: InnerFunction;
  /** The outer function F of the sample mean. */
  outer: OuterFunction;
  /** The measure μ the directions δ are drawn from. */
  measure: PerturbationMeasure;
  /** Optional numerically safe plug-in weights (Det-SAM's log-domain ones). */
  weights?: SharpnessSpec["weights"];
  /** Name used in messages and `getConfig`. Default "universalSam". */
  name?: string;
  /** Perturbation scale ρ > 0: the weights are evaluated at `x + ρδ`. */
  rho: number;
  /** Penalty weight λ >= 0. */
  lambda: number;
  /** Number n >= 1 of perturbations per step. */
  samples: number;
}

const UNIVERSAL_KEYS = [
  "inner",
  "outer",
  "measure",
  "weights",
  "name",
  "rho",
  "lambda",
  "samples",
  "base",
  "seed",
] as const;

/**
 * The universal SAM optimizer; build it with {@link universalSam} or one of its instances.
 *
 * @example
 * ```ts
 * import "@tensorflow/tfjs-backend-cpu"; // any registered backend
 * import * as tf from "@tensorflow/tfjs-core";
 * import { traceSam } from "./universal.ts";
 * const w = tf.variable(tf.tensor1d([1, 2]));
 * import assert from "node:assert/strict";
 * const optimizer = traceSam({ rho: 0.01, lambda: 1, samples: 1, seed: 3 });
 * optimizer.minimize(() => tf.sum(tf.square(w)));
 * assert.equal(optimizer.lastPerturbations[0][0].length, 2);
 * optimizer.dispose();
 * w.dispose();
 * ```
 */
export class UniversalSamOptimizer extends PerturbedOptimizer {
  /** Serialization name. */
  static get className(): string {
    return "UsamUniversal";
  }
  readonly spec: SharpnessSpec;
  readonly rho: number;
  readonly lambda: number;
  readonly samples: number;
  protected readonly rule: PerturbationRule;

  constructor(options: UniversalSamOptions) {
    const name = options.name ?? "universalSam";
    checkKnownKeys(name, options, UNIVERSAL_KEYS);
    super(name, options);
    this.rho = checkNumber(name, "rho", options.rho, (v) => v > 0, "> 0");
    this.lambda = checkNumber(name, "lambda", options.lambda, (v) => v >= 0, ">= 0");
    this.samples = checkInteger(name, "samples", options.samples, 1);
    this.rule = {
      passes: this.samples,
      perturb: (context) => this.#perturb(context),
      coefficients: (step, losses) => this.#coefficients(step, losses),
    };
    for (const key of ["inner", "outer", "measure"] as const) {
      if (options[key] == null || typeof options[key] !== "object") {
        throw new TypeError(`${name}: ${key} must be an object, got ${options[key]}`);
      }
    }
    this.spec = {
      name,
      inner: options.inner,
      outer: options.outer,
      measure: options.measure,
      ...(options.weights ? { weights: options.weights } : {}),
    };
    // Let the outer function refuse a sample count it cannot use (Frobenius needs n >= 2) now,
    // not at the first step.
    try {
      const probe = options.inner.value(0);
      options.outer.gradient(probe, this.samples);
    } catch (error) {
      throw new RangeError(
        `${name}: samples = ${this.samples} refused by the outer function: ${
          (error as Error).message
        }`,
        { cause: error },
      );
    }
  }

  /**
   * The n offsets `ρδ_i`, δ_i drawn from μ (`draws.ts`: on the device for the built-in
   * measures); the δ_i are what `lastPerturbations` shows.
   */
  *#perturb({ step, weights }: RuleContext): StepProgram<Perturbations> {
    const deltas = yield* drawStep(this.spec.measure, {
      seed: this.seed,
      step,
      samples: this.samples,
    }, weights);
    // The offsets ρδ_i as directions and a scale: the core shifts the weights by x + δ·ρ in one
    // kernel where it can (the same bits as tf.add(x, tf.mul(δ, ρ))).
    return { offsets: deltas, scale: this.rho, recorded: deltas };
  }

  /** The hyperparameters. */
  override getConfig(): tf.serialization.ConfigDict {
    return {
      name: this.spec.name,
      measure: this.spec.measure.name,
      rho: this.rho,
      lambda: this.lambda,
      samples: this.samples,
      ...this.baseConfig(),
    };
  }

  /** `[1 - λΣw, λw_1, ..., λw_n]` from the losses `[L, L_1, ..., L_n]`. */
  #coefficients(step: number, losses: Float32Array): Float64Array {
    const rho2 = this.rho * this.rho;
    const quotients = new Float64Array(losses.length - 1);
    for (let i = 0; i < quotients.length; i++) quotients[i] = (losses[i + 1] - losses[0]) / rho2;
    let weights: Float64Array;
    try {
      weights = pluginWeights(this.spec, quotients);
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      const shown = /is (-?Infinity|NaN)/.exec(error.message);
      throw new NonFiniteError({
        optimizer: this.owner,
        step,
        quantity: "plug-in weight",
        value: shown ? Number(shown[1]) : NaN,
        where: `${error.message}; losses ${Array.from(losses).join(", ")}`,
        cause: error,
      });
    }
    const out = new Float64Array(losses.length);
    let sum = 0;
    for (let i = 0; i < weights.length; i++) {
      out[i + 1] = this.lambda * weights[i];
      sum += weights[i];
    }
    out[0] = 1 - this.lambda * sum;
    return out;
  }
}

/**
 * The universal SAM optimizer for any `(f, F, μ)`.
 *
 * @example
 * ```ts
 * import "@tensorflow/tfjs-backend-cpu"; // any registered backend
 * import * as tf from "@tensorflow/tfjs-core";
 * import { universalSam } from "./universal.ts";
 * import { gaussianMeasure } from "../measures/spec.ts";
 * const w = tf.variable(tf.tensor1d([1, 2]));
 * const optimizer = universalSam({
 *   inner: { dimension: 1, value: (t) => [t], derivative: () => [1] },
 *   outer: { value: (m) => m[0], gradient: () => [1] },
 *   measure: gaussianMeasure(),
 *   rho: 0.01, lambda: 1, samples: 2, seed: 1,
 * });
 * import assert from "node:assert/strict";
 * assert.equal(await optimizer.step(() => tf.sum(tf.square(w))), 5);
 * assert.equal(optimizer.gradientEvaluations, 3);
 * optimizer.dispose();
 * w.dispose();
 * ```
 */
export function universalSam(options: UniversalSamOptions): UniversalSamOptimizer {
  // Any other non-object is refused by the constructor's key check, which quotes a string.
  if (options == null) {
    throw new TypeError(`universalSam: options must be an object, got ${options}`);
  }
  return new UniversalSamOptimizer(options);
}

/** Options of {@link traceSam} and {@link frobSam}. */
export interface SampledSamOptions extends PerturbedOptions {
  rho?: number;
  lambda?: number;
  samples?: number;
}

/** Options of {@link detSam}. */
export interface DetSamOptions extends SampledSamOptions {
  /** Half-width h of the cube μ. Default 0.01 (the authors'). */
  halfWidth?: number;
}

/**
 * Trace-SAM (average SAM): Gaussian μ, `f(t) = t`, `F = id`; `G = g + λ (1/n) Σ (g_i - g)`.
 * Defaults (the authors'): ρ 0.01, λ 1, n 1.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { traceSam } from "./universal.ts";
 * const optimizer = traceSam();
 * assert.equal(optimizer.gradientEvaluations, 2);
 * optimizer.dispose();
 * ```
 */
export function traceSam(options: SampledSamOptions = {}): UniversalSamOptimizer {
  checkKnownKeys("traceSam", options, ["rho", "lambda", "samples", "base", "seed"]);
  return universalSam({
    ...traceSpec(),
    name: "traceSam",
    rho: options.rho ?? 0.01,
    lambda: options.lambda ?? 1,
    samples: options.samples ?? 1,
    base: options.base,
    seed: options.seed,
  });
}

/**
 * Frob-SAM: Gaussian μ, `f(t) = (t, t²)`, `F` = half the unbiased variance;
 * `G = g + (λ/ρ²)(1/(n-1)) Σ (L_i - L̄) g_i`. Needs n >= 2. Defaults: ρ 0.005, λ 0.005, n 2.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { frobSam } from "./universal.ts";
 * const optimizer = frobSam();
 * assert.equal(optimizer.gradientEvaluations, 3);
 * optimizer.dispose();
 * ```
 */
export function frobSam(options: SampledSamOptions = {}): UniversalSamOptimizer {
  checkKnownKeys("frobSam", options, ["rho", "lambda", "samples", "base", "seed"]);
  const samples = options.samples ?? 2;
  if (typeof samples === "number" && samples < 2) {
    throw new RangeError(
      `frobSam: samples must be >= 2 (the variance needs two draws), got ${samples}`,
    );
  }
  return universalSam({
    ...frobeniusSpec(),
    name: "frobSam",
    rho: options.rho ?? 0.005,
    lambda: options.lambda ?? 0.005,
    samples,
    base: options.base,
    seed: options.seed,
  });
}

/**
 * Det-SAM: μ uniform on `[-h, h]^d`, `f(t) = exp(-t/2)`, `F(s) = s^-2`;
 * `G = g + λ m^-3 (1/n) Σ exp(-d_i/2)(g_i - g)` with log-domain weights. Defaults: ρ 1, λ 1,
 * n 1, h 0.01.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { detSam } from "./universal.ts";
 * const optimizer = detSam({ halfWidth: 0.01 });
 * assert.equal(optimizer.getConfig().measure, "cube(0.01)");
 * optimizer.dispose();
 * ```
 */
export function detSam(options: DetSamOptions = {}): UniversalSamOptimizer {
  checkKnownKeys("detSam", options, [
    "rho",
    "lambda",
    "samples",
    "halfWidth",
    "base",
    "seed",
  ]);
  const halfWidth = checkNumber(
    "detSam",
    "halfWidth",
    options.halfWidth ?? 0.01,
    (v) => v > 0,
    "> 0",
  );
  return universalSam({
    ...determinantSpec(halfWidth),
    name: "detSam",
    rho: options.rho ?? 1,
    lambda: options.lambda ?? 1,
    samples: options.samples ?? 1,
    base: options.base,
    seed: options.seed,
  });
}
