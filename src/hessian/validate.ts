/**
 * Input checks of the Hessian tools: a `TypeError` or `RangeError` naming the parameter and the
 * value.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import type { HessianBatch, HessianLossFn } from "./types.ts";

/**
 * Checks the (model, lossFn, batch) triple every tool takes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateProblem } from "./validate.ts";
 * try {
 *   validateProblem("hutchinsonTrace", {} as never, () => 0 as never, {} as never);
 * } catch (e) {
 *   assert.ok(e instanceof TypeError);
 * }
 * ```
 */
export function validateProblem(
  caller: string,
  model: tfl.LayersModel,
  lossFn: HessianLossFn,
  batch: HessianBatch,
): void {
  if (
    model === null || typeof model !== "object" || !Array.isArray(model.trainableWeights)
  ) {
    throw new TypeError(`${caller}: model must be a tf.LayersModel, got ${String(model)}`);
  }
  if (model.trainableWeights.length === 0) {
    throw new RangeError(`${caller}: model has no trainable weights`);
  }
  if (typeof lossFn !== "function") {
    throw new TypeError(`${caller}: lossFn must be a function, got ${typeof lossFn}`);
  }
  if (batch === null || typeof batch !== "object") {
    throw new TypeError(`${caller}: batch must be { xs, ys }, got ${String(batch)}`);
  }
  for (const key of ["xs", "ys"] as const) {
    if (!(batch[key] instanceof tf.Tensor)) {
      throw new TypeError(`${caller}: batch.${key} must be a tf.Tensor, got ${typeof batch[key]}`);
    }
    if (batch[key].isDisposed) {
      throw new RangeError(`${caller}: batch.${key} is disposed`);
    }
  }
}

/**
 * Returns `value` (or `undefined`) after checking it is a finite number above zero.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { positiveOption } from "./validate.ts";
 * assert.ok(positiveOption("hessianVectorProduct", "step", 1e-3) === 1e-3);
 * ```
 */
export function positiveOption(caller: string, name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(
      `${caller}: ${name} must be a positive finite number, got ${String(value)}`,
    );
  }
  return value;
}
