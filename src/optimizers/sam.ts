/**
 * SAM (Foret et al.) and ASAM (Kwon et al.): one ascent step to `x + e`, then the base optimizer
 * steps with `∇L(x + e)` at the original weights. SAM: `e = ρ g / ‖g‖`; ASAM:
 * `T = |x| + η`, `e = ρ T² g / ‖T g‖` (norms over all updated weights at once). As in the
 * authors' code, `1e-12` is added to the norm so that a zero gradient gives `e = 0`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { sumOfSquares } from "../backends/native_combine.ts";
import { type PerturbationRule, PerturbedOptimizer, type PerturbedOptions } from "./perturbed.ts";
import { checkBoolean, checkKnownKeys, checkNumber } from "./validate.ts";

/** Added to the gradient norm, like the authors' `grad_norm + 1e-12`. */
const NORM_GUARD = 1e-12;

/** Hyperparameters of {@link sam}. */
export interface SamOptions extends PerturbedOptions {
  /** Perturbation radius, > 0. Default 0.05 (the authors'). */
  rho?: number;
  /** Keep a host copy of `e` in `lastPerturbations` (one download per step; for tests). */
  recordPerturbations?: boolean;
}

/** Hyperparameters of {@link asam}. */
export interface AsamOptions extends SamOptions {
  /** Offset of the scaling `T = |x| + η`, >= 0. Default 0.01 (the authors'). */
  eta?: number;
}

/**
 * The ascent offset `e` per variable, from the clean gradients and the weights: the offsets, or
 * directions and one scale (`e = direction·scale`, which the core applies in one kernel where it
 * can; the directions may be the gradients themselves).
 */
export type OffsetRule = (
  gradients: tf.Tensor[],
  weights: tf.Tensor[],
) => tf.Tensor[] | { directions: tf.Tensor[]; scale: tf.Scalar };

/**
 * The two-pass optimizer behind {@link sam} and {@link asam}: the rule for `e` is the only
 * difference.
 *
 * @example
 * ```ts
 * import "@tensorflow/tfjs-backend-cpu"; // any registered backend
 * import * as tf from "@tensorflow/tfjs-core";
 * import { sam } from "./sam.ts";
 * const w = tf.variable(tf.tensor1d([1, 2]));
 * import assert from "node:assert/strict";
 * const optimizer = sam({ rho: 0.1, base: "sgd" });
 * optimizer.minimize(() => tf.sum(tf.square(w)));
 * assert.equal(optimizer.iterations, 1);
 * optimizer.dispose();
 * w.dispose();
 * ```
 */
export class AscentOptimizer extends PerturbedOptimizer {
  /** Serialization name. */
  static get className(): string {
    return "UsamAscent";
  }
  readonly rho: number;
  readonly eta: number | undefined;
  readonly recordPerturbations: boolean;
  protected readonly rule: PerturbationRule;

  constructor(owner: "sam" | "asam", options: AsamOptions, offsets: OffsetRule) {
    super(owner, options);
    this.rho = checkNumber(owner, "rho", options.rho, (v) => v > 0, "> 0");
    this.eta = options.eta;
    const record = checkBoolean(
      owner,
      "recordPerturbations",
      options.recordPerturbations ?? false,
    );
    this.recordPerturbations = record;
    this.rule = ascentRule(offsets, record);
  }

  /** The hyperparameters. */
  override getConfig(): tf.serialization.ConfigDict {
    return {
      name: this.owner,
      rho: this.rho,
      ...(this.eta === undefined ? {} : { eta: this.eta }),
      ...this.baseConfig(),
    };
  }
}

/**
 * The ascent rule: one pass at `x + e`, `e` from the clean gradient and the weights; the base
 * steps with that pass's gradient alone (coefficients `[0, 1]`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ascentRule } from "./sam.ts";
 * const rule = ascentRule((gradients) => gradients, false);
 * assert.deepEqual(rule.coefficients(0, new Float32Array([1, 2])), [0, 1]);
 * ```
 */
export function ascentRule(offsets: OffsetRule, record: boolean): PerturbationRule {
  return {
    passes: 1,
    // deno-lint-ignore require-yield
    *perturb({ gradients, weights }) {
      const e = tf.tidy(() => offsets([...gradients], [...weights]));
      if (Array.isArray(e)) {
        return { offsets: [e], recorded: record ? [e.map((t) => t.clone())] : undefined };
      }
      const recorded = record
        ? [tf.tidy(() => e.directions.map((d) => tf.mul(d, e.scale)))]
        : undefined;
      return { offsets: [e.directions], scale: e.scale, recorded };
    },
    coefficients: () => [0, 1],
  };
}

/** `‖(t_1, ..., t_k)‖₂`; the sum of squares is one kernel on native (`sumOfSquares`). */
function globalNorm(tensors: tf.Tensor[]): tf.Scalar {
  return tf.sqrt(sumOfSquares(tensors)) as tf.Scalar;
}

/**
 * SAM: `e = ρ g/‖g‖`, then the base steps with `∇L(x + e)`. Defaults: ρ 0.05, base `sgd()`.
 *
 * @example
 * ```ts
 * import "@tensorflow/tfjs-backend-cpu"; // any registered backend
 * import * as tf from "@tensorflow/tfjs-core";
 * import { sam } from "./sam.ts";
 * const w = tf.variable(tf.tensor1d([1, 2]));
 * const optimizer = sam({ rho: 0.05 });
 * import assert from "node:assert/strict";
 * const loss = optimizer.minimize(() => tf.sum(tf.square(w)), true);
 * assert.equal(loss!.dataSync()[0], 5); // 1² + 2², exact in float32
 * tf.dispose([loss!, w]);
 * optimizer.dispose();
 * ```
 */
export function sam(options: SamOptions = {}): AscentOptimizer {
  checkKnownKeys("sam", options, ["rho", "base", "seed", "recordPerturbations"]);
  const rho = options.rho ?? 0.05;
  return new AscentOptimizer("sam", { ...options, rho }, (gradients) => {
    const scale = tf.div(rho, tf.add(globalNorm(gradients), NORM_GUARD)) as tf.Scalar;
    return { directions: gradients, scale };
  });
}

/**
 * ASAM: `T = |x| + η`, `e = ρ T² g / ‖T g‖`. Defaults: ρ 0.5, η 0.01, base `sgd()`.
 *
 * @example
 * ```ts
 * import "@tensorflow/tfjs-backend-cpu"; // any registered backend
 * import * as tf from "@tensorflow/tfjs-core";
 * import { asam } from "./sam.ts";
 * const w = tf.variable(tf.tensor1d([1, 2]));
 * import assert from "node:assert/strict";
 * const optimizer = asam({ rho: 0.5, eta: 0.01 });
 * assert.equal(await optimizer.step(() => tf.sum(tf.square(w))), 5);
 * assert.ok(w.dataSync()[0] < 1); // the step went downhill
 * optimizer.dispose();
 * w.dispose();
 * ```
 */
export function asam(options: AsamOptions = {}): AscentOptimizer {
  checkKnownKeys("asam", options, ["rho", "eta", "base", "seed", "recordPerturbations"]);
  const rho = options.rho ?? 0.5;
  const eta = checkNumber("asam", "eta", options.eta ?? 0.01, (v) => v >= 0, ">= 0");
  return new AscentOptimizer("asam", { ...options, rho, eta }, (gradients, weights) => {
    const scales = weights.map((x) => tf.add(tf.abs(x), eta));
    const scaled = gradients.map((g, k) => tf.mul(scales[k], g));
    const factor = tf.div(rho, tf.add(globalNorm(scaled), NORM_GUARD));
    return scaled.map((tg, k) => tf.mul(tf.mul(scales[k], tg), factor));
  });
}
