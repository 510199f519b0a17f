/**
 * Hyperparameter checks shared by the optimizers: each throws a `RangeError` (bad value) or a
 * `TypeError` (wrong kind) whose message names the optimizer, the parameter and the value.
 *
 * @module
 */

/**
 * A finite number satisfying `accept`, else a `RangeError` (`TypeError` for a non-number).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkNumber } from "./validate.ts";
 * assert.ok(checkNumber("sgd", "lr", 0.1, (v) => v > 0, "> 0") === 0.1);
 * ```
 */
export function checkNumber(
  owner: string,
  name: string,
  value: unknown,
  accept: (v: number) => boolean,
  requirement: string,
): number {
  if (typeof value !== "number") {
    throw new TypeError(`${owner}: ${name} must be a number, got ${describe(value)}`);
  }
  if (!Number.isFinite(value) || !accept(value)) {
    throw new RangeError(`${owner}: ${name} must be a finite number ${requirement}, got ${value}`);
  }
  return value;
}

/**
 * An integer `>= min`, else a `RangeError`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkInteger } from "./validate.ts";
 * assert.ok(checkInteger("frobSam", "samples", 2, 2) === 2);
 * ```
 */
export function checkInteger(owner: string, name: string, value: unknown, min: number): number {
  if (typeof value !== "number") {
    throw new TypeError(`${owner}: ${name} must be an integer, got ${describe(value)}`);
  }
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`${owner}: ${name} must be an integer >= ${min}, got ${value}`);
  }
  return value;
}

/**
 * A boolean, else a `TypeError`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkBoolean } from "./validate.ts";
 * assert.ok(checkBoolean("sgd", "nesterov", false) === false);
 * ```
 */
export function checkBoolean(owner: string, name: string, value: unknown): boolean {
  if (typeof value !== "boolean") {
    throw new TypeError(`${owner}: ${name} must be a boolean, got ${describe(value)}`);
  }
  return value;
}

/**
 * Refuses option names the optimizer does not know, so a misspelt hyperparameter (`lamda`)
 * fails loudly instead of silently taking the default.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkKnownKeys } from "./validate.ts";
 * checkKnownKeys("sam", { rho: 0.05 }, ["rho", "base", "seed"]); // every key known: passes
 * assert.throws(() => checkKnownKeys("sam", { rh0: 0.05 }, ["rho", "base", "seed"]), RangeError);
 * ```
 */
export function checkKnownKeys(owner: string, options: object, known: readonly string[]): void {
  if (options === null || typeof options !== "object") {
    throw new TypeError(`${owner}: options must be an object, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new RangeError(
        `${owner}: unknown hyperparameter "${key}" (known: ${known.join(", ")})`,
      );
    }
  }
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (value === null) return "null";
  return typeof value === "object" ? Object.prototype.toString.call(value) : String(value);
}
