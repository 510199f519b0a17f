/**
 * Central finite differences in Float64: gradients, Hessians and Hessian-vector products of a
 * scalar function from its values, with the step chosen from the error bound (truncation against
 * round-off) unless the caller gives one, and the bound itself ({@link predictedHessianError},
 * {@link predictedGradientError}) so that tests can state their tolerance.
 *
 * Step rule. The Hessian stencil has truncation error `O(h²·M4)` and round-off `O(eps·|f|/h²)`;
 * both are equal at `h ~ (eps·|f|/M4)^(1/4)`. Without knowledge of `|f|/M4`, the scale-free
 * choice is `h_i = eps^(1/4) · max(1, |x_i|)` (≈ 1.2e-4 for |x_i| <= 1), which gives about
 * `sqrt(eps) ≈ 1.5e-8` relative accuracy when f and its derivatives have comparable scales. The
 * gradient balances `O(h²·M3)` against `O(eps·|f|/h)`: `h_i = eps^(1/3) · max(1, |x_i|)`.
 *
 * @module
 */
import { assertFiniteVector, EPSILON } from "./linalg.ts";

/** A scalar function of a Float64 point; it receives a fresh array it may keep. */
export type ScalarFunction = (x: Float64Array<ArrayBuffer>) => number;

/** A gradient oracle `x -> ∇f(x)`. */
export type GradientFunction = (x: Float64Array<ArrayBuffer>) => ArrayLike<number>;

/** Options of the finite-difference functions. */
export interface FiniteDifferenceOptions {
  /**
   * The step: one number for every coordinate or one per coordinate, each finite and > 0.
   * Default: {@link hessianSteps} for Hessians, {@link gradientSteps} for gradients.
   */
  step?: number | ArrayLike<number>;
}

/** `eps^(1/4)`: the relative Hessian step that balances `h²` truncation against `eps/h²` round-off. */
export const HESSIAN_RELATIVE_STEP = EPSILON ** 0.25;

/** `eps^(1/3)`: the relative gradient step that balances `h²` truncation against `eps/h` round-off. */
export const GRADIENT_RELATIVE_STEP = EPSILON ** (1 / 3);

function scaledSteps(x: ArrayLike<number>, relative: number): Float64Array<ArrayBuffer> {
  assertFiniteVector(x, "x");
  return Float64Array.from(x, (v) => relative * Math.max(1, Math.abs(v)));
}

/**
 * The default Hessian steps `h_i = eps^(1/4) · max(1, |x_i|)`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hessianSteps } from "./finite_diff.ts";
 * const h = hessianSteps(new Float64Array([0, 100]));
 * assert(h[1] === 100 * h[0]);
 * ```
 */
export function hessianSteps(x: ArrayLike<number>): Float64Array<ArrayBuffer> {
  return scaledSteps(x, HESSIAN_RELATIVE_STEP);
}

/**
 * The default gradient steps `h_i = eps^(1/3) · max(1, |x_i|)`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gradientSteps } from "./finite_diff.ts";
 * assert(gradientSteps(new Float64Array([0.5]))[0] === Number.EPSILON ** (1 / 3));
 * ```
 */
export function gradientSteps(x: ArrayLike<number>): Float64Array<ArrayBuffer> {
  return scaledSteps(x, GRADIENT_RELATIVE_STEP);
}

function resolveSteps(
  x: Float64Array<ArrayBuffer>,
  step: number | ArrayLike<number> | undefined,
  defaults: (x: ArrayLike<number>) => Float64Array<ArrayBuffer>,
): Float64Array<ArrayBuffer> {
  if (step === undefined) return defaults(x);
  if (typeof step === "number") {
    if (!(step > 0) || !Number.isFinite(step)) {
      throw new RangeError(`step must be a finite number > 0, got ${step}`);
    }
    return new Float64Array(x.length).fill(step);
  }
  assertFiniteVector(step, "step", x.length);
  const out = Float64Array.from(step);
  for (let i = 0; i < out.length; i++) {
    if (!(out[i] > 0)) throw new RangeError(`step[${i}] must be > 0, got ${out[i]}`);
  }
  return out;
}

function checkFunction(f: unknown, name: string): void {
  if (typeof f !== "function") {
    throw new TypeError(`${name} must be a function, got ${f === null ? "null" : typeof f}`);
  }
}

function toPoint(x: ArrayLike<number>, name = "x"): Float64Array<ArrayBuffer> {
  assertFiniteVector(x, name);
  if (x.length === 0) throw new RangeError(`${name} must have at least one coordinate, got 0`);
  return Float64Array.from(x);
}

/** A short rendering of a point for error messages (first 6 coordinates). */
export function formatPoint(x: ArrayLike<number>): string {
  const shown = Array.from({ length: Math.min(x.length, 6) }, (_, i) => x[i]);
  return `[${shown.join(", ")}${x.length > 6 ? `, … (${x.length} coordinates)` : ""}]`;
}

/** Evaluates f at a copy of y and refuses non-finite values, naming the point. */
function evaluate(f: ScalarFunction, y: Float64Array, what: string): number {
  const value = f(Float64Array.from(y));
  if (typeof value !== "number") {
    throw new TypeError(`f must return a number, got ${typeof value} at ${what}`);
  }
  if (!Number.isFinite(value)) {
    throw new RangeError(`f returned ${value} at ${what} = ${formatPoint(y)}`);
  }
  return value;
}

/**
 * The central-difference gradient `∂_i f ≈ (f(x + h_i e_i) - f(x - h_i e_i)) / (2 h_i)`, 2d
 * evaluations. Error per coordinate: see {@link predictedGradientError}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gradient } from "./finite_diff.ts";
 * const g = gradient((x) => x[0] * x[0] + 3 * x[1], new Float64Array([2, 0]));
 * assert(Math.abs(g[0] - 4) < 1e-9 && Math.abs(g[1] - 3) < 1e-9);
 * ```
 */
export function gradient(
  f: ScalarFunction,
  x: ArrayLike<number>,
  options: FiniteDifferenceOptions = {},
): Float64Array<ArrayBuffer> {
  checkFunction(f, "f");
  const point = toPoint(x);
  const h = resolveSteps(point, options.step, gradientSteps);
  const out = new Float64Array(point.length);
  const y = Float64Array.from(point);
  for (let i = 0; i < point.length; i++) {
    y[i] = point[i] + h[i];
    const plus = evaluate(f, y, `x + h e_${i}`);
    y[i] = point[i] - h[i];
    const minus = evaluate(f, y, `x - h e_${i}`);
    y[i] = point[i];
    out[i] = (plus - minus) / (2 * h[i]);
  }
  return out;
}

/**
 * The finite-difference Hessian, `number[][]`, from the 4-point central formula of THEORY.md:
 * `H_ij ≈ [f(x+h_i e_i+h_j e_j) - f(x+h_i e_i-h_j e_j) - f(x-h_i e_i+h_j e_j) + f(x-h_i e_i-h_j e_j)] / (4 h_i h_j)`,
 * which for `i = j` is `[f(x+2h_i e_i) - 2f(x) + f(x-2h_i e_i)] / (4h_i²)`. Each pair is
 * computed once and mirrored, so the result is exactly symmetric. It is exact for polynomials of
 * degree <= 3 up to rounding; {@link predictedHessianError} bounds the error in general.
 * Costs `1 + 2d + 4·d(d-1)/2` evaluations of f.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hessian } from "./finite_diff.ts";
 * const H = hessian((x) => x[0] * x[0] * x[1] + x[1] ** 2, new Float64Array([1, 2]));
 * // ∇²f = [[2 x1, 2 x0], [2 x0, 2]] = [[4, 2], [2, 2]]
 * assert(Math.abs(H[0][0] - 4) < 1e-6 && Math.abs(H[0][1] - 2) < 1e-6);
 * assert(H[0][1] === H[1][0]);
 * ```
 */
export function hessian(
  f: ScalarFunction,
  x: ArrayLike<number>,
  options: FiniteDifferenceOptions = {},
): number[][] {
  checkFunction(f, "f");
  const point = toPoint(x);
  const d = point.length;
  const h = resolveSteps(point, options.step, hessianSteps);
  const out = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  const center = evaluate(f, point, "x");
  const y = Float64Array.from(point);
  for (let i = 0; i < d; i++) {
    y[i] = point[i] + 2 * h[i];
    const plus = evaluate(f, y, `x + 2h e_${i}`);
    y[i] = point[i] - 2 * h[i];
    const minus = evaluate(f, y, `x - 2h e_${i}`);
    y[i] = point[i];
    out[i][i] = (plus - 2 * center + minus) / (4 * h[i] * h[i]);
    for (let j = i + 1; j < d; j++) {
      const at = (si: number, sj: number) => {
        y[i] = point[i] + si * h[i];
        y[j] = point[j] + sj * h[j];
        const value = evaluate(
          f,
          y,
          `x ${si > 0 ? "+" : "-"} h e_${i} ${sj > 0 ? "+" : "-"} h e_${j}`,
        );
        y[i] = point[i];
        y[j] = point[j];
        return value;
      };
      const value = (at(1, 1) - at(1, -1) - at(-1, 1) + at(-1, -1)) / (4 * h[i] * h[j]);
      out[i][j] = value;
      out[j][i] = value;
    }
  }
  return out;
}

/** Options of {@link hessianVectorProduct}. */
export interface HessianVectorOptions {
  /** The step k along v (> 0); default `eps^(1/4)` (values only) or `eps^(1/3)` (with `gradient`) times `max(1, ‖x‖∞) / ‖v‖∞`. */
  step?: number;
  /** An exact gradient; then `Hv ≈ (∇f(x + kv) - ∇f(x - kv)) / (2k)`, 2 gradient calls. */
  gradient?: GradientFunction;
}

/**
 * The Hessian-vector product `H v`. With `options.gradient`:
 * `(∇f(x + kv) - ∇f(x - kv)) / (2k)` (THEORY.md). Without: the same formula with central-difference
 * gradients, i.e. the 4-point mixed formula in the directions `e_i` and `v` (4d evaluations).
 * `v = 0` gives exactly 0.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hessianVectorProduct } from "./finite_diff.ts";
 * const f = (x: Float64Array) => x[0] ** 2 + 3 * x[0] * x[1];
 * const Hv = hessianVectorProduct(f, new Float64Array([1, 1]), new Float64Array([1, 0]));
 * // H = [[2, 3], [3, 0]], so Hv = [2, 3]
 * assert(Math.abs(Hv[0] - 2) < 1e-6 && Math.abs(Hv[1] - 3) < 1e-6);
 * ```
 */
export function hessianVectorProduct(
  f: ScalarFunction,
  x: ArrayLike<number>,
  v: ArrayLike<number>,
  options: HessianVectorOptions = {},
): Float64Array<ArrayBuffer> {
  checkFunction(f, "f");
  const point = toPoint(x);
  assertFiniteVector(v, "v", point.length);
  const d = point.length;
  let vMax = 0;
  for (let i = 0; i < d; i++) vMax = Math.max(vMax, Math.abs(v[i]));
  if (vMax === 0) return new Float64Array(d);
  let xMax = 0;
  for (let i = 0; i < d; i++) xMax = Math.max(xMax, Math.abs(point[i]));
  const grad = options.gradient;
  if (grad !== undefined) checkFunction(grad, "options.gradient");
  const relative = grad ? GRADIENT_RELATIVE_STEP : HESSIAN_RELATIVE_STEP;
  const k = options.step ?? relative * Math.max(1, xMax) / vMax;
  if (!(k > 0) || !Number.isFinite(k)) {
    throw new RangeError(`step must be a finite number > 0, got ${k}`);
  }
  const plus = Float64Array.from(point, (xi, i) => xi + k * v[i]);
  const minus = Float64Array.from(point, (xi, i) => xi - k * v[i]);
  const gradientAt = (y: Float64Array, label: string): ArrayLike<number> => {
    if (!grad) return gradient(f, y, { step: hessianSteps(point) });
    const g = grad(Float64Array.from(y));
    assertFiniteVector(g, `gradient at ${label} = ${formatPoint(y)}`, d);
    return g;
  };
  const gPlus = gradientAt(plus, "x + kv");
  const gMinus = gradientAt(minus, "x - kv");
  return Float64Array.from({ length: d }, (_, i) => (gPlus[i] - gMinus[i]) / (2 * k));
}

/** What {@link predictedHessianError} needs to know about f near x. */
export interface HessianErrorInputs {
  /** The steps h_i used (e.g. `hessianSteps(x)`). */
  steps: ArrayLike<number>;
  /** M4 >= every `|∂⁴f / ∂x_a ∂x_b ∂x_c ∂x_d|` on the box `x ± 2h`. */
  fourthDerivativeBound: number;
  /** >= `|f|` on the box `x ± 2h`. */
  valueBound: number;
  /** Absolute error of one floating-point evaluation of f; default `eps · valueBound`. */
  valueError?: number;
  /** >= `‖∇f‖∞` on the box; with `pointBound`, covers the rounding of the points `x ± h e_i`. */
  gradientBound?: number;
  /** >= `max |x_i|`. */
  pointBound?: number;
}

function checkBound(value: unknown, name: string): number {
  if (typeof value !== "number" || !(value >= 0) || !Number.isFinite(value)) {
    throw new RangeError(`${name} must be a finite number >= 0, got ${value}`);
  }
  return value;
}

/**
 * A rigorous bound on `|H_fd[i][j] - ∇²f(x)[i][j]|` for {@link hessian} with the given steps:
 * truncation plus round-off,
 * `M4·(h_i + h_j)⁴ / (24 h_i h_j)` (off-diagonal) or `M4·h_i² / 3` (diagonal), plus
 * `(δ + 3·eps·F) / (h_i h_j)`, where `δ = valueError + eps·G·(X + 2 max h)` bounds the error of one
 * evaluation including the rounding of its argument, and F, G, X are the value, gradient and
 * point bounds.
 *
 * Why: the formula is exact for cubics, so only the fourth-order Taylor remainder of each of its
 * values survives; with `u = ±h_i e_i ± h_j e_j`, `|R4(u)| <= M4 ‖u‖₁⁴ / 24`. The 4 (or 1+2+1)
 * values carry errors <= δ each, three floating-point additions add <= 6·eps·F, and the final
 * scaling by `1/(4 h_i h_j)` adds eps relative; `3·eps·F` covers the last two with margin.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hessianSteps, predictedHessianError } from "./finite_diff.ts";
 * // f = x0⁴ near x = (1): M4 = 24 on [1 - 2h, 1 + 2h], |f| <= 1.01
 * const steps = hessianSteps(new Float64Array([1]));
 * const bound = predictedHessianError({ steps, fourthDerivativeBound: 24, valueBound: 1.01 });
 * assert(bound[0][0] > 0 && bound[0][0] < 1e-6);
 * ```
 */
export function predictedHessianError(inputs: HessianErrorInputs): number[][] {
  const { steps } = inputs;
  assertFiniteVector(steps, "steps");
  for (let i = 0; i < steps.length; i++) {
    if (!(steps[i] > 0)) throw new RangeError(`steps[${i}] must be > 0, got ${steps[i]}`);
  }
  const m4 = checkBound(inputs.fourthDerivativeBound, "fourthDerivativeBound");
  const valueBound = checkBound(inputs.valueBound, "valueBound");
  const valueError = checkBound(inputs.valueError ?? EPSILON * valueBound, "valueError");
  const gradientBound = checkBound(inputs.gradientBound ?? 0, "gradientBound");
  const pointBound = checkBound(inputs.pointBound ?? 0, "pointBound");
  let hMax = 0;
  for (let i = 0; i < steps.length; i++) hMax = Math.max(hMax, steps[i]);
  const perValue = valueError + EPSILON * gradientBound * (pointBound + 2 * hMax);
  const roundNumerator = perValue + 3 * EPSILON * valueBound;
  const d = steps.length;
  return Array.from({ length: d }, (_, i) =>
    Array.from({ length: d }, (_, j) => {
      const hi = steps[i];
      const hj = steps[j];
      const truncation = i === j ? m4 * hi * hi / 3 : m4 * (hi + hj) ** 4 / (24 * hi * hj);
      // (1 + 8 eps): the bound is itself computed in Float64 and must not round below the truth
      // (the diagonal truncation term is attained exactly by x⁴).
      return (truncation + roundNumerator / (hi * hj)) * (1 + 8 * EPSILON);
    }));
}

/** What {@link predictedGradientError} needs to know about f near x. */
export interface GradientErrorInputs {
  /** The steps h_i used (e.g. `gradientSteps(x)`). */
  steps: ArrayLike<number>;
  /** M3 >= every `|∂³f / ∂x_i³|` on the box `x ± h`. */
  thirdDerivativeBound: number;
  /** >= `|f|` on the box. */
  valueBound: number;
  /** Absolute error of one evaluation of f; default `eps · valueBound`. */
  valueError?: number;
  /** >= `‖∇f‖∞` on the box, with `pointBound` for the rounding of `x ± h e_i`. */
  gradientBound?: number;
  /** >= `max |x_i|`. */
  pointBound?: number;
}

/**
 * A rigorous bound on `|g_fd[i] - ∂_i f(x)|` for {@link gradient}: `M3·h_i²/6` (the
 * central formula is exact for quadratics; the third-order remainders `±M3 h³/6` add) plus
 * `(δ + eps·F) / h_i` with `δ = valueError + (eps/2)·G·(X + h_i)` (two values, one subtraction, one
 * division).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gradientSteps, predictedGradientError } from "./finite_diff.ts";
 * const steps = gradientSteps(new Float64Array([1]));
 * const bound = predictedGradientError({ steps, thirdDerivativeBound: 6, valueBound: 1 });
 * assert(bound[0] < 1e-9);
 * ```
 */
export function predictedGradientError(inputs: GradientErrorInputs): Float64Array<ArrayBuffer> {
  const { steps } = inputs;
  assertFiniteVector(steps, "steps");
  for (let i = 0; i < steps.length; i++) {
    if (!(steps[i] > 0)) throw new RangeError(`steps[${i}] must be > 0, got ${steps[i]}`);
  }
  const m3 = checkBound(inputs.thirdDerivativeBound, "thirdDerivativeBound");
  const valueBound = checkBound(inputs.valueBound, "valueBound");
  const valueError = checkBound(inputs.valueError ?? EPSILON * valueBound, "valueError");
  const gradientBound = checkBound(inputs.gradientBound ?? 0, "gradientBound");
  const pointBound = checkBound(inputs.pointBound ?? 0, "pointBound");
  return Float64Array.from(steps, (h) => {
    const perValue = valueError + 0.5 * EPSILON * gradientBound * (pointBound + h);
    return m3 * h * h / 6 + (perValue + EPSILON * valueBound) / h;
  });
}
