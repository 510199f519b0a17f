/**
 * The error every optimizer in this folder throws when training has gone numerically wrong.
 *
 * @module
 */

/** Which quantity went non-finite. */
export type NonFiniteQuantity = "loss" | "perturbed loss" | "weight" | "plug-in weight";

/**
 * A non-finite loss, weight or plug-in weight met at a given optimizer step. It extends
 * `RangeError` (a bad value) so callers that catch range errors keep working, and carries the
 * step, the quantity and the value so that a training loop can report exactly where it stopped.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NonFiniteError } from "./errors.ts";
 * const error = new NonFiniteError({ step: 3, quantity: "loss", value: NaN });
 * assert.ok(error instanceof RangeError && error.step === 3);
 * assert.ok(error.message.includes("step 3") && error.message.includes("NaN"));
 * ```
 */
export class NonFiniteError extends RangeError {
  /** The optimizer step (0-based: the value of `iterations` when the step started). */
  readonly step: number;
  /** What was non-finite. */
  readonly quantity: NonFiniteQuantity;
  /** The offending value (NaN, Infinity or -Infinity). */
  readonly value: number;
  /** Where it was found, e.g. the variable name and flat index of a weight. */
  readonly where: string | undefined;

  constructor(
    details: {
      step: number;
      quantity: NonFiniteQuantity;
      value: number;
      where?: string;
      optimizer?: string;
      cause?: unknown;
    },
  ) {
    const who = details.optimizer ? `${details.optimizer}: ` : "";
    const at = details.where ? ` (${details.where})` : "";
    super(
      `${who}non-finite ${details.quantity} at step ${details.step}: ${details.value}${at}`,
      details.cause === undefined ? undefined : { cause: details.cause },
    );
    this.name = "NonFiniteError";
    this.step = details.step;
    this.quantity = details.quantity;
    this.value = details.value;
    this.where = details.where;
  }
}
