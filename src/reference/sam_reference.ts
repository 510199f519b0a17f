/**
 * Float64 reference implementations of one step of the SAM family (THEORY.md, "The optimizers"):
 * the oracle the TF.js optimizers are checked against on flattened parameters.
 *
 * Conventions shared by every function here:
 * - A problem is `{ loss(x), grad?(x) }` on a flat `Float64Array`; without `grad`, gradients are
 *   central finite differences of `loss` ({@link gradient}).
 * - `deltas` are the unscaled perturbation directions δ_i, fixed by the caller (the same δ_i a
 *   TF.js optimizer exposes as `lastPerturbations`); the perturbed points are `x + rho·δ_i`.
 *   For Det-SAM the δ_i are already drawn from the cube `[-h, h]^d` (rho is then usually 1).
 * - Difference quotients are `d_i = (L(x + rho δ_i) - L(x)) / rho²`.
 * - The direction functions return the vector the base optimizer steps with; {@link sgdStep} and
 *   {@link adamStep} are that base step, with PyTorch semantics.
 * - Inputs are never modified; every result is a fresh array.
 *
 * @module
 */
import type { SharpnessSpec } from "../measures/spec.ts";
import { pluginWeights } from "../measures/spec.ts";
import { formatPoint, gradient } from "../math/finite_diff.ts";
import { assertFiniteVector } from "../math/linalg.ts";

/** A flat parameter vector (what `Float64Array.from` and `new Float64Array(n)` return). */
export type Vec = Float64Array<ArrayBuffer>;

/** A loss with an optional exact gradient; without `grad`, central finite differences are used. */
export interface ReferenceProblem {
  loss(x: Vec): number;
  /** The exact gradient; any array of d numbers (a `Vec` in the contract). */
  grad?(x: Vec): ArrayLike<number>;
}

/**
 * The norm guard of the authors' SAM code (`rho / (‖g‖ + 1e-12)`, davda54/sam): it makes a zero
 * gradient give a zero perturbation instead of NaN.
 */
export const SAM_NORM_EPSILON = 1e-12;

function checkProblem(p: unknown): asserts p is ReferenceProblem {
  if (typeof p !== "object" || p === null || typeof (p as ReferenceProblem).loss !== "function") {
    throw new TypeError(
      `problem must be an object with a loss(x) function, got ${p === null ? "null" : typeof p}`,
    );
  }
  const grad = (p as ReferenceProblem).grad;
  if (grad !== undefined && typeof grad !== "function") {
    throw new TypeError(`problem.grad must be a function when given, got ${typeof grad}`);
  }
}

function checkPoint(x: unknown): Vec {
  assertFiniteVector(x, "x");
  const v = x as ArrayLike<number>;
  if (v.length === 0) throw new RangeError(`x must have at least one coordinate, got 0`);
  return Float64Array.from(v);
}

function checkPositive(value: unknown, name: string): number {
  if (typeof value !== "number" || !(value > 0) || !Number.isFinite(value)) {
    throw new RangeError(`${name} must be a finite number > 0, got ${value}`);
  }
  return value;
}

function checkNonNegative(value: unknown, name: string): number {
  if (typeof value !== "number" || !(value >= 0) || !Number.isFinite(value)) {
    throw new RangeError(`${name} must be a finite number >= 0, got ${value}`);
  }
  return value;
}

function checkDeltas(deltas: unknown, d: number, minimum = 1): Vec[] {
  if (!Array.isArray(deltas)) {
    throw new TypeError(`deltas must be an array of vectors, got ${typeof deltas}`);
  }
  if (deltas.length < minimum) {
    throw new RangeError(
      `deltas must hold at least ${minimum} perturbation(s), got ${deltas.length}`,
    );
  }
  return deltas.map((delta, i) => {
    assertFiniteVector(delta, `deltas[${i}]`, d);
    return Float64Array.from(delta as ArrayLike<number>);
  });
}

function lossAt(p: ReferenceProblem, y: Vec, where: string): number {
  const value = p.loss(Float64Array.from(y));
  if (typeof value !== "number") {
    throw new TypeError(`loss must return a number, got ${typeof value} at ${where}`);
  }
  if (!Number.isFinite(value)) {
    throw new RangeError(`loss is ${value} at ${where} = ${formatPoint(y)}`);
  }
  return value;
}

function gradAt(p: ReferenceProblem, y: Vec, where: string): Vec {
  if (!p.grad) return gradient((z) => lossAt(p, z, where), y);
  const g = p.grad(Float64Array.from(y));
  assertFiniteVector(g, `gradient at ${where} = ${formatPoint(y)}`, y.length);
  return Float64Array.from(g);
}

function shifted(x: Vec, direction: ArrayLike<number>, scale: number): Vec {
  return Float64Array.from(x, (v, i) => v + scale * direction[i]);
}

function squaredNorm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return s;
}

/** Options of {@link samDirection}. */
export interface SamOptions {
  /** Perturbation radius, > 0. */
  rho: number;
  /** Norm guard; default {@link SAM_NORM_EPSILON}. */
  epsilon?: number;
}

/**
 * SAM (Foret et al.): `∇L(x + e)` with `e = rho·g / (‖g‖ + epsilon)`, `g = ∇L(x)`. 2 gradients.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { samDirection } from "./sam_reference.ts";
 * // L = ½‖x‖², ∇L = x: the direction is x + rho x/‖x‖.
 * const p = { loss: (x: Float64Array) => 0.5 * (x[0] ** 2 + x[1] ** 2), grad: (x: Float64Array) => x.slice() };
 * const G = samDirection(p, new Float64Array([3, 4]), { rho: 0.5 });
 * assert.ok(Math.abs(G[0] - 3.3) < 1e-12 && Math.abs(G[1] - 4.4) < 1e-12);
 * ```
 */
export function samDirection(p: ReferenceProblem, x: ArrayLike<number>, options: SamOptions): Vec {
  checkProblem(p);
  const point = checkPoint(x);
  const rho = checkPositive(options?.rho, "rho");
  const epsilon = checkNonNegative(options.epsilon ?? SAM_NORM_EPSILON, "epsilon");
  const g = gradAt(p, point, "x");
  const scale = rho / (Math.sqrt(squaredNorm(g)) + epsilon);
  if (!Number.isFinite(scale)) {
    throw new RangeError(
      `samDirection: the gradient is 0 and epsilon is 0, so e = rho g/‖g‖ is undefined`,
    );
  }
  return gradAt(p, shifted(point, g, scale), "x + e");
}

/** Options of {@link asamDirection}. */
export interface AsamOptions {
  /** Perturbation radius, > 0. */
  rho: number;
  /** The offset in `T = |x| + eta`, >= 0. */
  eta: number;
  /** Norm guard; default {@link SAM_NORM_EPSILON}. */
  epsilon?: number;
}

/**
 * ASAM (Kwon et al.): `∇L(x + e)` with `T = |x| + eta` elementwise and
 * `e = rho·T²g / (‖T g‖ + epsilon)`. 2 gradients.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { asamDirection } from "./sam_reference.ts";
 * const p = { loss: (x: Float64Array) => 0.5 * x[0] ** 2, grad: (x: Float64Array) => x.slice() };
 * // T = 2, g = 2: e = 0.1·4·2/4 = 0.2, so the direction is ∇L(2.2) = 2.2.
 * const G = asamDirection(p, new Float64Array([2]), { rho: 0.1, eta: 0 });
 * assert.ok(Math.abs(G[0] - 2.2) < 1e-12);
 * ```
 */
export function asamDirection(
  p: ReferenceProblem,
  x: ArrayLike<number>,
  options: AsamOptions,
): Vec {
  checkProblem(p);
  const point = checkPoint(x);
  const rho = checkPositive(options?.rho, "rho");
  const eta = checkNonNegative(options.eta, "eta");
  const epsilon = checkNonNegative(options.epsilon ?? SAM_NORM_EPSILON, "epsilon");
  const g = gradAt(p, point, "x");
  const T = Float64Array.from(point, (v) => Math.abs(v) + eta);
  const scaledGradient = Float64Array.from(g, (v, i) => T[i] * v);
  const scale = rho / (Math.sqrt(squaredNorm(scaledGradient)) + epsilon);
  if (!Number.isFinite(scale)) {
    throw new RangeError(`asamDirection: T g is 0 and epsilon is 0, so e is undefined`);
  }
  const e = Float64Array.from(scaledGradient, (v, i) => scale * T[i] * v);
  return gradAt(p, shifted(point, e, 1), "x + e");
}

/** Options of the Trace-, Frob- and Det-SAM closed forms. */
export interface PerturbedOptions {
  /** Perturbation radius, > 0; the perturbed points are `x + rho·δ_i`. */
  rho: number;
  /** Penalty weight, >= 0. */
  lambda: number;
  /** The unscaled directions δ_i (each of length d). */
  deltas: ArrayLike<number>[];
}

/** Options of {@link universalDirection} and {@link sampledObjective}. */
export interface UniversalOptions extends PerturbedOptions {
  /** The `(f, F, μ)` measure; μ is not sampled here (the caller gives `deltas`). */
  spec: SharpnessSpec;
}

/** Everything one universal step computes, for comparing against an optimizer's internals. */
export interface UniversalStepDetails {
  /** `G = g + lambda Σ_i w_i (g_i - g)`. */
  direction: Vec;
  /** `L(x)`. */
  loss: number;
  /** `g = ∇L(x)`. */
  gradient: Vec;
  /** `L_i = L(x + rho δ_i)`. */
  losses: Vec;
  /** `g_i = ∇L(x + rho δ_i)`. */
  gradients: Vec[];
  /** `d_i = (L_i - L) / rho²`. */
  quotients: Vec;
  /** The plug-in weights `w_i` of `pluginWeights(spec, d)`. */
  weights: Float64Array;
}

interface Perturbed {
  point: Vec;
  rho: number;
  lambda: number;
  deltas: Vec[];
  loss: number;
  gradient: Vec;
  losses: Vec;
  gradients: Vec[];
  quotients: Vec;
}

/** Validates and evaluates L, g, L_i, g_i, d_i (the 1 + n gradient evaluations). */
function perturb(
  p: ReferenceProblem,
  x: ArrayLike<number>,
  options: PerturbedOptions,
  minimumSamples = 1,
  withGradients = true,
): Perturbed {
  checkProblem(p);
  const point = checkPoint(x);
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`options must be an object with rho, lambda and deltas, got ${options}`);
  }
  const rho = checkPositive(options.rho, "rho");
  const lambda = checkNonNegative(options.lambda, "lambda");
  const deltas = checkDeltas(options.deltas, point.length, minimumSamples);
  const loss = lossAt(p, point, "x");
  const n = deltas.length;
  const losses = new Float64Array(n);
  const quotients = new Float64Array(n);
  const gradients: Vec[] = [];
  for (let i = 0; i < n; i++) {
    const y = shifted(point, deltas[i], rho);
    const where = `x + rho·deltas[${i}]`;
    losses[i] = lossAt(p, y, where);
    quotients[i] = (losses[i] - loss) / (rho * rho);
    if (withGradients) gradients.push(gradAt(p, y, where));
  }
  const g = withGradients ? gradAt(p, point, "x") : new Float64Array(point.length);
  return { point, rho, lambda, deltas, loss, gradient: g, losses, gradients, quotients };
}

function combine(base: Perturbed, weights: ArrayLike<number>): Vec {
  const { gradient: g, gradients, lambda } = base;
  const out = Float64Array.from(g);
  for (let i = 0; i < gradients.length; i++) {
    const w = lambda * weights[i];
    const gi = gradients[i];
    for (let k = 0; k < out.length; k++) out[k] += w * (gi[k] - g[k]);
  }
  return out;
}

function checkSpec(spec: unknown): SharpnessSpec {
  const s = spec as SharpnessSpec;
  if (
    typeof s !== "object" || s === null || typeof s.inner?.value !== "function" ||
    typeof s.outer?.value !== "function"
  ) {
    throw new TypeError(
      `spec must be a SharpnessSpec with inner and outer functions, got ${typeof spec}`,
    );
  }
  return s;
}

/**
 * The universal plug-in step with every intermediate (see {@link universalDirection}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { universalDirectionDetails } from "./sam_reference.ts";
 * import { traceSpec } from "../measures/spec.ts";
 * const p = { loss: (x: Float64Array) => x[0] ** 2, grad: (x: Float64Array) => Float64Array.of(2 * x[0]) };
 * const s = universalDirectionDetails(p, new Float64Array([0]), {
 *   spec: traceSpec(), rho: 0.1, lambda: 1, deltas: [Float64Array.of(1)],
 * });
 * assert.ok(Math.abs(s.quotients[0] - 1) < 1e-12 && s.weights[0] === 1);
 * ```
 */
export function universalDirectionDetails(
  p: ReferenceProblem,
  x: ArrayLike<number>,
  options: UniversalOptions,
): UniversalStepDetails {
  const spec = checkSpec(options?.spec);
  const base = perturb(p, x, options);
  const weights = pluginWeights(spec, base.quotients);
  return {
    direction: combine(base, weights),
    loss: base.loss,
    gradient: base.gradient,
    losses: base.losses,
    gradients: base.gradients,
    quotients: base.quotients,
    weights,
  };
}

/**
 * The universal step direction `G = g + lambda Σ_i w_i (g_i - g)` with `g_i = ∇L(x + rho δ_i)`,
 * `d_i = (L_i - L)/rho²` and `w = pluginWeights(spec, d)`: the gradient of
 * {@link sampledObjective} with the δ_i held fixed. `1 + n` gradient evaluations.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { universalDirection } from "./sam_reference.ts";
 * import { traceSpec } from "../measures/spec.ts";
 * // L = ½ 3 x², at x = 0 with δ = 1: g = 0, g_1 = 3 rho, so G = lambda·3·rho = 0.3.
 * const p = { loss: (x: Float64Array) => 1.5 * x[0] ** 2, grad: (x: Float64Array) => Float64Array.of(3 * x[0]) };
 * const G = universalDirection(p, new Float64Array([0]), {
 *   spec: traceSpec(), rho: 0.1, lambda: 1, deltas: [Float64Array.of(1)],
 * });
 * assert.ok(Math.abs(G[0] - 0.3) < 1e-12);
 * ```
 */
export function universalDirection(
  p: ReferenceProblem,
  x: ArrayLike<number>,
  options: UniversalOptions,
): Vec {
  return universalDirectionDetails(p, x, options).direction;
}

/**
 * Trace-SAM, written out: `G = g + lambda (1/n) Σ_i (g_i - g)`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { traceSamDirection } from "./sam_reference.ts";
 * const p = { loss: (x: Float64Array) => x[0] ** 2, grad: (x: Float64Array) => Float64Array.of(2 * x[0]) };
 * const G = traceSamDirection(p, new Float64Array([1]), { rho: 0.1, lambda: 2, deltas: [Float64Array.of(1), Float64Array.of(-3)] });
 * // g = 2, g_i = 2 + 0.2 δ_i, mean(g_i - g) = 0.2·(-1) = -0.2: G = 2 - 0.4
 * assert.ok(Math.abs(G[0] - 1.6) < 1e-12);
 * ```
 */
export function traceSamDirection(
  p: ReferenceProblem,
  x: ArrayLike<number>,
  options: PerturbedOptions,
): Vec {
  const base = perturb(p, x, options);
  const n = base.deltas.length;
  const { gradient: g, gradients, lambda } = base;
  const meanShift = new Float64Array(g.length);
  for (const gi of gradients) for (let k = 0; k < g.length; k++) meanShift[k] += (gi[k] - g[k]) / n;
  return Float64Array.from(g, (v, k) => v + lambda * meanShift[k]);
}

/**
 * Frob-SAM, written out: `G = g + (lambda/rho²) (1/(n-1)) Σ_i (L_i - L̄) g_i`, `L̄` the mean of the
 * `L_i` (the gradient of half the unbiased sample variance of the `d_i`). Needs n >= 2.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { frobSamDirection } from "./sam_reference.ts";
 * const p = { loss: (x: Float64Array) => x[0] ** 2, grad: (x: Float64Array) => Float64Array.of(2 * x[0]) };
 * const G = frobSamDirection(p, new Float64Array([0]), { rho: 1, lambda: 1, deltas: [Float64Array.of(1), Float64Array.of(2)] });
 * // L_i = 1, 4; L̄ = 2.5; g_i = 2, 4: G = 0 + (-1.5·2 + 1.5·4) = 3
 * assert.ok(Math.abs(G[0] - 3) < 1e-12);
 * ```
 */
export function frobSamDirection(
  p: ReferenceProblem,
  x: ArrayLike<number>,
  options: PerturbedOptions,
): Vec {
  if (Array.isArray(options?.deltas) && options.deltas.length < 2) {
    throw new RangeError(
      `frobSamDirection: the variance needs at least 2 perturbations, got deltas.length = ${options.deltas.length}`,
    );
  }
  const base = perturb(p, x, options, 2);
  const { gradient: g, gradients, losses, lambda, rho } = base;
  const n = losses.length;
  let meanLoss = 0;
  for (let i = 0; i < n; i++) meanLoss += losses[i] / n;
  const out = Float64Array.from(g);
  const scale = lambda / (rho * rho * (n - 1));
  for (let i = 0; i < n; i++) {
    const w = scale * (losses[i] - meanLoss);
    for (let k = 0; k < out.length; k++) out[k] += w * gradients[i][k];
  }
  return out;
}

/**
 * Det-SAM, written out: `G = g + lambda m^-3 (1/n) Σ_i exp(-d_i/2) (g_i - g)` with
 * `m = (1/n) Σ_i exp(-d_i/2)`, in the log domain (`log m` by log-mean-exp). The δ_i are already
 * in the cube `[-h, h]^d`. Throws a `RangeError` naming the sample when a weight overflows
 * (e.g. every `d_i` above ~700) instead of returning a non-finite step.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { detSamDirection } from "./sam_reference.ts";
 * const p = { loss: (x: Float64Array) => x[0] ** 2, grad: (x: Float64Array) => Float64Array.of(2 * x[0]) };
 * const G = detSamDirection(p, new Float64Array([0]), { rho: 1, lambda: 1, deltas: [Float64Array.of(0.01)] });
 * // d = 1e-4, m = exp(-5e-5), weight m^-3 m = exp(1e-4): G = exp(1e-4)·0.02
 * assert.ok(Math.abs(G[0] - 0.02 * Math.exp(1e-4)) < 1e-15);
 * ```
 */
export function detSamDirection(
  p: ReferenceProblem,
  x: ArrayLike<number>,
  options: PerturbedOptions,
): Vec {
  const base = perturb(p, x, options);
  const { quotients } = base;
  const n = quotients.length;
  let top = -Infinity;
  for (let i = 0; i < n; i++) top = Math.max(top, -quotients[i] / 2);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.exp(-quotients[i] / 2 - top);
  const logMean = top + Math.log(sum / n);
  const weights = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    weights[i] = Math.exp(-quotients[i] / 2 - 3 * logMean) / n;
    if (!Number.isFinite(weights[i])) {
      throw new RangeError(
        `detSamDirection: weight ${weights[i]} for deltas[${i}] (d_${i} = ${
          quotients[i]
        }, log m = ${logMean}); the loss rose too much under the perturbation for m^-3 to be representable`,
      );
    }
  }
  return combine(base, weights);
}

/**
 * The sampled training objective `L(x) + lambda rho² F((1/n) Σ_i f(d_i))` with the δ_i fixed:
 * its gradient is {@link universalDirection} (property 8 checks it against finite differences).
 * Uses loss values only.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sampledObjective } from "./sam_reference.ts";
 * import { traceSpec } from "../measures/spec.ts";
 * // L = x², x = 0, δ = 1: d = 1, so the objective is 0 + 2·0.01·1.
 * const value = sampledObjective({ loss: (x) => x[0] ** 2 }, new Float64Array([0]), {
 *   spec: traceSpec(), rho: 0.1, lambda: 2, deltas: [Float64Array.of(1)],
 * });
 * assert.ok(Math.abs(value - 0.02) < 1e-15);
 * ```
 */
export function sampledObjective(
  p: ReferenceProblem,
  x: ArrayLike<number>,
  options: UniversalOptions,
): number {
  const spec = checkSpec(options?.spec);
  const base = perturb(p, x, options, 1, false);
  const n = base.quotients.length;
  const mean = new Array<number>(spec.inner.dimension).fill(0);
  for (let i = 0; i < n; i++) {
    const v = spec.inner.value(base.quotients[i]);
    for (let k = 0; k < mean.length; k++) mean[k] += v[k] / n;
  }
  const penalty = spec.outer.value(mean, n);
  const value = base.loss + base.lambda * base.rho * base.rho * penalty;
  if (!Number.isFinite(value)) {
    throw new RangeError(
      `sampledObjective: ${spec.name} penalty F(m) is ${penalty} at m = [${mean.join(", ")}]`,
    );
  }
  return value;
}

/** The SGD state: PyTorch's momentum buffer, `null` before the first step. */
export interface SgdState {
  momentumBuffer: Vec | null;
}

/** SGD hyperparameters (PyTorch `torch.optim.SGD`). */
export interface SgdOptions {
  /** Learning rate, >= 0. */
  lr: number;
  /** Momentum factor, >= 0; default 0. */
  momentum?: number;
  /** L2 penalty added to the direction, >= 0; default 0. */
  weightDecay?: number;
  /** Nesterov momentum (needs momentum > 0 and dampening 0); default false. */
  nesterov?: boolean;
  /** Dampening in [0, 1]; default 0. */
  dampening?: number;
}

/**
 * The initial SGD state.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initialSgdState } from "./sam_reference.ts";
 * assert.ok(initialSgdState().momentumBuffer === null);
 * ```
 */
export function initialSgdState(): SgdState {
  return { momentumBuffer: null };
}

function checkStep(x: unknown, direction: unknown): { point: Vec; g: Vec } {
  const point = checkPoint(x);
  assertFiniteVector(direction, "direction", point.length);
  return { point, g: Float64Array.from(direction as ArrayLike<number>) };
}

/**
 * One SGD step with PyTorch semantics: `v = G + wd·x`; with momentum
 * `buf = v` on the first step, then `buf = m·buf + (1 - dampening)·v`; the update is
 * `v + m·buf` (Nesterov) or `buf`; `x ← x - lr·update`. Returns the new point and state.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initialSgdState, sgdStep } from "./sam_reference.ts";
 * let s = { x: new Float64Array([1]), state: initialSgdState() };
 * s = sgdStep(s.x, new Float64Array([1]), s.state, { lr: 0.1, momentum: 0.9 });
 * s = sgdStep(s.x, new Float64Array([1]), s.state, { lr: 0.1, momentum: 0.9 });
 * // buf = 1, then 1.9: x = 1 - 0.1 - 0.19
 * assert.ok(Math.abs(s.x[0] - 0.71) < 1e-15);
 * ```
 */
export function sgdStep(
  x: ArrayLike<number>,
  direction: ArrayLike<number>,
  state: SgdState,
  options: SgdOptions,
): { x: Vec; state: SgdState } {
  const { point, g } = checkStep(x, direction);
  const lr = checkNonNegative(options?.lr, "lr");
  const momentum = checkNonNegative(options.momentum ?? 0, "momentum");
  const weightDecay = checkNonNegative(options.weightDecay ?? 0, "weightDecay");
  const dampening = checkNonNegative(options.dampening ?? 0, "dampening");
  const nesterov = options.nesterov ?? false;
  if (typeof nesterov !== "boolean") {
    throw new TypeError(`nesterov must be a boolean, got ${typeof nesterov}`);
  }
  if (nesterov && (momentum === 0 || dampening !== 0)) {
    throw new RangeError(
      `nesterov needs momentum > 0 and dampening 0, got momentum ${momentum} and dampening ${dampening}`,
    );
  }
  const previous = state?.momentumBuffer ?? null;
  if (previous !== null) assertFiniteVector(previous, "state.momentumBuffer", point.length);
  const v = Float64Array.from(g, (gi, i) => gi + weightDecay * point[i]);
  let update: Vec = v;
  let buffer: Vec | null = null;
  if (momentum !== 0) {
    buffer = previous === null
      ? Float64Array.from(v)
      : Float64Array.from(v, (vi, i) => momentum * previous[i] + (1 - dampening) * vi);
    const buf = buffer;
    update = nesterov ? Float64Array.from(v, (vi, i) => vi + momentum * buf[i]) : buf;
  }
  return {
    x: Float64Array.from(point, (xi, i) => xi - lr * update[i]),
    state: { momentumBuffer: buffer },
  };
}

/** The Adam state: step count and the two moment estimates (zeros before the first step). */
export interface AdamState {
  step: number;
  firstMoment: Vec;
  secondMoment: Vec;
}

/** Adam hyperparameters (PyTorch `torch.optim.Adam`, or AdamW with `decoupled`). */
export interface AdamOptions {
  /** Learning rate, >= 0. */
  lr: number;
  /** Default 0.9, in [0, 1). */
  beta1?: number;
  /** Default 0.999, in [0, 1). */
  beta2?: number;
  /** Added to `sqrt(v̂)`, > 0; default 1e-8. */
  epsilon?: number;
  /** Weight decay, >= 0; default 0. Coupled (L2, `G + wd·x`) unless `decoupled`. */
  weightDecay?: number;
  /** AdamW: `x ← x·(1 - lr·wd)` before the Adam update instead of L2. Default false. */
  decoupled?: boolean;
}

/**
 * The initial Adam state for d parameters.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initialAdamState } from "./sam_reference.ts";
 * assert.ok(initialAdamState(3).step === 0);
 * ```
 */
export function initialAdamState(d: number): AdamState {
  if (!Number.isInteger(d) || d < 1) {
    throw new RangeError(`initialAdamState: d must be a positive integer, got ${d}`);
  }
  return { step: 0, firstMoment: new Float64Array(d), secondMoment: new Float64Array(d) };
}

function checkBeta(value: number, name: string): number {
  if (!(value >= 0 && value < 1)) throw new RangeError(`${name} must be in [0, 1), got ${value}`);
  return value;
}

/**
 * One Adam step with PyTorch semantics: `t ← t+1`, `G ← G + wd·x` (coupled),
 * `m ← β1 m + (1-β1) G`, `v ← β2 v + (1-β2) G²`,
 * `x ← x - (lr / (1-β1^t)) · m / (sqrt(v) / sqrt(1-β2^t) + epsilon)`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { adamStep, initialAdamState } from "./sam_reference.ts";
 * // The first step moves each coordinate by about lr in the direction of -sign(G).
 * const { x } = adamStep(new Float64Array([1, 1]), new Float64Array([5, -0.1]), initialAdamState(2), { lr: 0.01 });
 * assert.ok(Math.abs(x[0] - 0.99) < 1e-8 && Math.abs(x[1] - 1.01) < 1e-6);
 * ```
 */
export function adamStep(
  x: ArrayLike<number>,
  direction: ArrayLike<number>,
  state: AdamState,
  options: AdamOptions,
): { x: Vec; state: AdamState } {
  const { point, g } = checkStep(x, direction);
  const d = point.length;
  const lr = checkNonNegative(options?.lr, "lr");
  const beta1 = checkBeta(options.beta1 ?? 0.9, "beta1");
  const beta2 = checkBeta(options.beta2 ?? 0.999, "beta2");
  const epsilon = checkPositive(options.epsilon ?? 1e-8, "epsilon");
  const weightDecay = checkNonNegative(options.weightDecay ?? 0, "weightDecay");
  const decoupled = options.decoupled ?? false;
  if (
    typeof state !== "object" || state === null || !Number.isInteger(state.step) || state.step < 0
  ) {
    throw new TypeError(
      `state must be an AdamState (see initialAdamState), got ${JSON.stringify(state)}`,
    );
  }
  assertFiniteVector(state.firstMoment, "state.firstMoment", d);
  assertFiniteVector(state.secondMoment, "state.secondMoment", d);
  const step = state.step + 1;
  const start = decoupled ? Float64Array.from(point, (xi) => xi * (1 - lr * weightDecay)) : point;
  const grad = decoupled ? g : Float64Array.from(g, (gi, i) => gi + weightDecay * point[i]);
  const firstMoment = Float64Array.from(
    grad,
    (gi, i) => beta1 * state.firstMoment[i] + (1 - beta1) * gi,
  );
  const secondMoment = Float64Array.from(
    grad,
    (gi, i) => beta2 * state.secondMoment[i] + (1 - beta2) * gi * gi,
  );
  const stepSize = lr / (1 - beta1 ** step);
  const secondCorrection = Math.sqrt(1 - beta2 ** step);
  const next = Float64Array.from(
    start,
    (xi, i) =>
      xi - stepSize * firstMoment[i] / (Math.sqrt(secondMoment[i]) / secondCorrection + epsilon),
  );
  return { x: next, state: { step, firstMoment, secondMoment } };
}
