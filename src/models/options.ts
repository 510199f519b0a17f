/**
 * Options shared by every model factory, and the validators that turn bad options into a
 * `RangeError`/`TypeError` naming the option and the value.
 *
 * @module
 */

/** Options every architecture accepts. */
export interface CommonModelOptions {
  /** Input image shape `[height, width, channels]`, e.g. `[28, 28, 1]` for Fashion-MNIST. */
  inputShape: readonly [number, number, number];
  /** Number of classes: the width of the logit layer. */
  numClasses: number;
  /**
   * Seed of the weight initializers. The same seed gives the same weights; it defaults to 0, so
   * that an unseeded model is reproducible too.
   */
  seed?: number;
}

/**
 * Checks the options every factory shares and returns them with the seed filled in.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateCommonOptions } from "./options.ts";
 * const o = validateCommonOptions("mlp", { inputShape: [28, 28, 1], numClasses: 10 });
 * assert.ok(o.seed === 0);
 * ```
 */
export function validateCommonOptions(
  model: string,
  options: CommonModelOptions,
): Required<CommonModelOptions> {
  if (options === null || typeof options !== "object") {
    throw new TypeError(`${model}: options must be an object, got ${String(options)}`);
  }
  const { inputShape, numClasses, seed = 0 } = options;
  if (!Array.isArray(inputShape) || inputShape.length !== 3) {
    throw new RangeError(
      `${model}: inputShape must be [height, width, channels], got ${JSON.stringify(inputShape)}`,
    );
  }
  for (const size of inputShape) {
    if (!Number.isInteger(size) || size < 1) {
      throw new RangeError(
        `${model}: inputShape must hold positive integers, got ${JSON.stringify(inputShape)}`,
      );
    }
  }
  requirePositiveInteger(model, "numClasses", numClasses);
  if (numClasses < 2) {
    throw new RangeError(`${model}: numClasses must be at least 2, got ${numClasses}`);
  }
  if (typeof seed !== "number" || !Number.isInteger(seed)) {
    throw new RangeError(`${model}: seed must be an integer, got ${String(seed)}`);
  }
  return { inputShape: [inputShape[0], inputShape[1], inputShape[2]], numClasses, seed };
}

/**
 * Throws a `RangeError` naming `name` unless `value` is a positive integer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { requirePositiveInteger } from "./options.ts";
 * requirePositiveInteger("cnn", "kernelSize", 5); // passes
 * assert.throws(() => requirePositiveInteger("cnn", "kernelSize", 0), RangeError);
 * assert.throws(() => requirePositiveInteger("cnn", "kernelSize", 2.5), RangeError);
 * ```
 */
export function requirePositiveInteger(model: string, name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw new RangeError(`${model}: ${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

/**
 * Throws a `RangeError` naming `name` unless `value` is a finite number above zero.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { requirePositive } from "./options.ts";
 * requirePositive("resnet", "widthMultiplier", 0.25); // passes
 * assert.throws(() => requirePositive("resnet", "widthMultiplier", 0), RangeError);
 * assert.throws(() => requirePositive("resnet", "widthMultiplier", Infinity), RangeError);
 * ```
 */
export function requirePositive(model: string, name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${model}: ${name} must be a positive number, got ${String(value)}`);
  }
  return value;
}

/**
 * Throws a `RangeError` naming `name` unless `value` is a non-empty array of positive integers.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { requireWidths } from "./options.ts";
 * requireWidths("mlp", "widths", [128, 128]); // passes
 * assert.throws(() => requireWidths("mlp", "widths", []), RangeError);
 * assert.throws(() => requireWidths("mlp", "widths", [128, 0.5]), RangeError);
 * ```
 */
export function requireWidths(
  model: string,
  name: string,
  value: unknown,
  allowEmpty = false,
): number[] {
  if (!Array.isArray(value) || (!allowEmpty && value.length === 0)) {
    throw new RangeError(
      `${model}: ${name} must be a ${allowEmpty ? "" : "non-empty "}array of positive integers, ` +
        `got ${JSON.stringify(value)}`,
    );
  }
  for (const width of value) {
    if (typeof width !== "number" || !Number.isInteger(width) || width < 1) {
      throw new RangeError(
        `${model}: ${name} must hold positive integers, got ${JSON.stringify(value)}`,
      );
    }
  }
  return [...value];
}

/**
 * Scales a channel count by a width multiplier, keeping at least one channel.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { scaleWidth } from "./options.ts";
 * assert.ok(scaleWidth(64, 0.125) === 8);
 * ```
 */
export function scaleWidth(channels: number, multiplier: number): number {
  return Math.max(1, Math.round(channels * multiplier));
}
