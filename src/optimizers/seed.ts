/**
 * The per-step seed of the perturbation stream.
 *
 * @module
 */

/**
 * A 32-bit seed for step `step` of a run seeded `seed` (a murmur3-style finalizer of both), so
 * that a step's perturbations depend on (seed, step) only: a resumed run draws what the
 * uninterrupted one would have.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stepSeed } from "./seed.ts";
 * assert.ok(stepSeed(1, 0) !== stepSeed(1, 1) && stepSeed(1, 5) === stepSeed(1, 5));
 * ```
 */
export function stepSeed(seed: number, step: number): number {
  let h = (Math.trunc(seed) | 0) ^ Math.imul((step + 1) | 0, 0x9e3779b9);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}
