/**
 * The eight properties of the theory (issue 2), in order. `deno task verify` runs them all with
 * one seed; each also has its own `*_test.ts` under `deno test`.
 *
 * @example
 * ```ts ignore
 * import assert from "node:assert/strict";
 * import { properties } from "./mod.ts";
 * assert(properties.map((p) => p.id).join() === "1,2,3,4,5,6,7,8");
 * ```
 *
 * @module
 */
import type { Property } from "./property.ts";
import { fdHessianProperty } from "./fd_hessian.ts";
import { quadraticEstimatesProperty } from "./quadratic_estimates.ts";
import { convergenceOrderProperty } from "./convergence_order.ts";
import { saddleProperty } from "./saddle.ts";
import { rescalingProperty } from "./rescaling.ts";
import { universalityProperty } from "./universality.ts";
import { explicitBiasProperty } from "./explicit_bias.ts";
import { referenceStepProperty } from "./reference_step.ts";

export type { Property, PropertyResult } from "./property.ts";
export { defaultSeed, testProperty } from "./property.ts";
export {
  convergenceOrderProperty,
  explicitBiasProperty,
  fdHessianProperty,
  quadraticEstimatesProperty,
  referenceStepProperty,
  rescalingProperty,
  saddleProperty,
  universalityProperty,
};

/** All eight properties, by id. */
export const properties: readonly Property[] = [
  fdHessianProperty,
  quadraticEstimatesProperty,
  convergenceOrderProperty,
  saddleProperty,
  rescalingProperty,
  universalityProperty,
  explicitBiasProperty,
  referenceStepProperty,
];
