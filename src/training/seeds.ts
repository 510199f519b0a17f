/**
 * The run's random streams, each derived from (seed, stream name, epoch) alone. No stream carries
 * state across epochs, so a run resumed at epoch k draws exactly what an uninterrupted run drew:
 * resuming needs no saved generator state and is bitwise exact.
 *
 * @module
 */

/** The named streams of a training run. */
export type SeedStream =
  | "model"
  | "data-settings"
  | "validation-split"
  | "batches"
  | "optimizer"
  | "hessian-subset"
  | "hessian";

/**
 * A 32-bit seed for `stream` at `epoch` (use 0 for once-per-run streams), from the FNV-1a hash of
 * `seed/stream/epoch` passed through a murmur3 finalizer so nearby epochs give unrelated seeds.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { deriveSeed } from "./seeds.ts";
 * assert(deriveSeed(0, "batches", 1) === deriveSeed(0, "batches", 1));
 * assert(deriveSeed(0, "batches", 1) !== deriveSeed(0, "batches", 2));
 * ```
 */
export function deriveSeed(seed: number, stream: SeedStream, epoch: number): number {
  if (!Number.isInteger(seed)) {
    throw new RangeError(`deriveSeed: seed must be an integer, got ${seed}`);
  }
  if (!Number.isInteger(epoch) || epoch < 0) {
    throw new RangeError(`deriveSeed: epoch must be a non-negative integer, got ${epoch}`);
  }
  const text = `${seed}/${stream}/${epoch}`;
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}
