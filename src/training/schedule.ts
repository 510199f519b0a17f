/**
 * Learning-rate schedules as pure functions of the global step, so that a resumed run asks for
 * the rate of step k and gets exactly what the uninterrupted run used.
 *
 * @module
 */

/** What a schedule needs to know; epochs are counted in optimizer steps via `stepsPerEpoch`. */
export interface ScheduleOptions {
  /** constant, multistep (×gamma at each milestone epoch) or cosine (to 0 at the last step). */
  kind: "constant" | "multistep" | "cosine";
  /** The peak learning rate. */
  baseLr: number;
  /** Total training epochs (cosine decays over them). */
  epochs: number;
  /** Optimizer steps per epoch (batches). */
  stepsPerEpoch: number;
  /** Epochs at which multistep multiplies the rate by gamma (PyTorch MultiStepLR semantics). */
  milestones?: readonly number[];
  /** The multistep factor. */
  gamma?: number;
  /** Epochs of linear warmup from baseLr/warmupSteps up to baseLr; may be fractional. */
  warmup?: number;
}

/** The learning rate for a 0-based global step. */
export type LearningRateSchedule = (step: number) => number;

/**
 * Builds a schedule. Warmup is linear over `round(warmup × stepsPerEpoch)` steps, reaching
 * `baseLr` at the last warmup step (`lr = baseLr (k+1)/W`), so the first step is never taken at
 * rate 0. After warmup: multistep multiplies by `gamma` once per milestone epoch already
 * reached; cosine is `baseLr ½(1 + cos(π t/T))` with t the steps since warmup and T the steps
 * left after warmup, so the last step has a small positive rate.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createSchedule } from "./schedule.ts";
 * const lr = createSchedule({
 *   kind: "multistep", baseLr: 0.1, epochs: 3, stepsPerEpoch: 10, milestones: [2], gamma: 0.1,
 * });
 * assert(lr(19) === 0.1 && Math.abs(lr(20) - 0.01) < 1e-15);
 * ```
 */
export function createSchedule(options: ScheduleOptions): LearningRateSchedule {
  const { kind, baseLr, epochs, stepsPerEpoch } = options;
  const milestones = options.milestones ?? [];
  const gamma = options.gamma ?? 0.1;
  const warmup = options.warmup ?? 0;
  if (!["constant", "multistep", "cosine"].includes(kind)) {
    throw new RangeError(`schedule kind must be constant, multistep or cosine, got ${kind}`);
  }
  if (!(baseLr > 0) || !Number.isFinite(baseLr)) {
    throw new RangeError(`schedule baseLr must be a positive number, got ${baseLr}`);
  }
  if (!Number.isInteger(epochs) || epochs < 1) {
    throw new RangeError(`schedule epochs must be a positive integer, got ${epochs}`);
  }
  if (!Number.isInteger(stepsPerEpoch) || stepsPerEpoch < 1) {
    throw new RangeError(`schedule stepsPerEpoch must be a positive integer, got ${stepsPerEpoch}`);
  }
  if (!(gamma > 0) || gamma > 1) {
    throw new RangeError(`schedule gamma must be in (0, 1], got ${gamma}`);
  }
  if (!(warmup >= 0) || warmup >= epochs) {
    throw new RangeError(`schedule warmup must be in [0, epochs=${epochs}), got ${warmup}`);
  }
  for (const m of milestones) {
    if (!Number.isInteger(m) || m < 1) {
      throw new RangeError(`schedule milestones must be positive integers, got ${milestones}`);
    }
  }
  const totalSteps = epochs * stepsPerEpoch;
  const warmupSteps = Math.round(warmup * stepsPerEpoch);
  return (step: number): number => {
    if (!Number.isInteger(step) || step < 0) {
      throw new RangeError(`schedule step must be a non-negative integer, got ${step}`);
    }
    if (step < warmupSteps) return (baseLr * (step + 1)) / warmupSteps;
    switch (kind) {
      case "constant":
        return baseLr;
      case "multistep": {
        const epoch = Math.floor(step / stepsPerEpoch);
        const passed = milestones.filter((m) => m <= epoch).length;
        return baseLr * gamma ** passed;
      }
      case "cosine": {
        const span = Math.max(1, totalSteps - warmupSteps);
        const t = Math.min(step - warmupSteps, span);
        return 0.5 * baseLr * (1 + Math.cos((Math.PI * t) / span));
      }
    }
  };
}
