/**
 * Input checks shared by the measures: every bad input gets a `RangeError` (bad value) or a
 * `TypeError` (wrong kind of thing) whose message names the parameter and the value.
 *
 * @module
 */
import { assertFiniteVector } from "../math/linalg.ts";
import type { EstimateOptions, Loss } from "./types.ts";

/** Resolved options with the measure's defaults filled in. */
export interface ResolvedOptions {
  rho: number;
  samples: number;
  seed: number;
}

/**
 * Checks the loss and the point and returns the point as a fresh `Float64Array`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkLossAndPoint } from "./validate.ts";
 * const x = checkLossAndPoint("trace", (v: Float64Array) => v[0] ** 2, [1, 2]);
 * assert(x instanceof Float64Array && x.length === 2);
 * ```
 */
export function checkLossAndPoint(
  measure: string,
  f: unknown,
  x: unknown,
): Float64Array {
  if (typeof f !== "function") {
    throw new TypeError(`${measure}.estimate: f must be a function, got ${typeof f}`);
  }
  assertFiniteVector(x, `${measure}.estimate: x`);
  const point = Float64Array.from(x as ArrayLike<number>);
  if (point.length === 0) {
    throw new RangeError(`${measure}.estimate: x must have at least one entry, got length 0`);
  }
  return point;
}

/**
 * Fills in defaults and checks `rho > 0` finite, `samples >= minSamples` an integer, and `seed`
 * an integer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveOptions } from "./validate.ts";
 * const o = resolveOptions("trace", { rho: 0.01 }, { rho: 1e-3, samples: 100, seed: 0 }, 1);
 * assert(o.rho === 0.01 && o.samples === 100);
 * ```
 */
export function resolveOptions(
  measure: string,
  options: EstimateOptions | undefined,
  defaults: ResolvedOptions,
  minSamples: number,
): ResolvedOptions {
  if (options !== undefined && (typeof options !== "object" || options === null)) {
    throw new TypeError(`${measure}.estimate: options must be an object, got ${options}`);
  }
  const rho = options?.rho ?? defaults.rho;
  const samples = options?.samples ?? defaults.samples;
  const seed = options?.seed ?? defaults.seed;
  for (const [key, value] of [["rho", rho], ["samples", samples], ["seed", seed]] as const) {
    if (typeof value !== "number") {
      throw new TypeError(`${measure}.estimate: ${key} must be a number, got ${typeof value}`);
    }
  }
  if (!(rho > 0) || !Number.isFinite(rho)) {
    throw new RangeError(`${measure}.estimate: rho must be a finite number > 0, got ${rho}`);
  }
  if (!Number.isInteger(samples) || samples < minSamples) {
    throw new RangeError(
      `${measure}.estimate: samples must be an integer >= ${minSamples}, got ${samples}`,
    );
  }
  if (!Number.isInteger(seed)) {
    throw new RangeError(`${measure}.estimate: seed must be an integer, got ${seed}`);
  }
  return { rho, samples, seed };
}

/**
 * Calls `f` and throws a `RangeError` naming where when the value is not a finite number.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { finiteValue } from "./validate.ts";
 * assert(finiteValue("trace", (v) => v[0], new Float64Array([2]), "f(x)") === 2);
 * ```
 */
export function finiteValue(measure: string, f: Loss, at: Float64Array, where: string): number {
  const value = f(at);
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new RangeError(
      `${measure}.estimate: f must return finite numbers, but ${where} = ${value} at x = [${
        Array.from(at, (v) => v.toPrecision(6)).join(", ")
      }]`,
    );
  }
  return value;
}
