/**
 * How the side-by-side benchmark (bench/anchor.ts) times training steps, on both sides: the
 * PyTorch mirror (bench/torch_anchor.py `time_in_windows`) runs the same procedure line for line.
 *
 * Why not the median of single steps: on this 2-core machine with another job on one core, a
 * 2-thread PyTorch MLP step measured 1.4 ms to 270 ms from one step to the next (an OpenMP team
 * whose second thread is descheduled makes every barrier wait out the other process's time
 * slice), and which steps were slow changed from run to run, so a median of 10 steps of 2 ms swung
 * 3k to 70k images/s. A 2 ms step is also below the timer's and the scheduler's granularity.
 * Instead:
 *
 * 1. warm-up: at least `warmupSteps` steps and at least `warmupSeconds` of them (first-call
 *    allocations, primitive caches, lazy initialisation);
 * 2. windows: `windows` timed windows of `k` steps each, `k` chosen from the warm-up's median step
 *    so that a window lasts about `windowSeconds`;
 * 3. the figure is the median window's rate, and the spread is the slowest and fastest windows'
 *    rates, so a reader sees at once whether the figure is trustworthy.
 *
 * @module
 */

/** What {@link timeInWindows} measured. */
export interface WindowTiming {
  /** The median window's throughput. */
  imagesPerSecond: number;
  /** The median window's time per step, in ms. */
  msPerStep: number;
  /** The slowest window's throughput. */
  minImagesPerSecond: number;
  /** The fastest window's throughput. */
  maxImagesPerSecond: number;
  windows: number;
  stepsPerWindow: number;
  warmupSteps: number;
}

/** How {@link timeInWindows} warms up and times. */
export interface WindowOptions {
  /** Images per step. */
  batchSize: number;
  /** At least this many warm-up steps (>= 1: the first step calibrates the window). */
  warmupSteps: number;
  /** And at least this long warming up (at most 1,000 steps), in seconds. */
  warmupSeconds: number;
  /** Timed windows (>= 1). */
  windows: number;
  /** Target length of one window, in seconds (> 0). */
  windowSeconds: number;
  /** The clock, in ms (default `performance.now`); the tests pass a fake one. */
  now?: () => number;
}

/**
 * The median of a non-empty list (the mean of the two middle values for an even count).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { median } from "./step_timing.ts";
 * assert.equal(median([3, 1, 2]), 2);
 * assert.equal(median([4, 1, 3, 2]), 2.5);
 * ```
 */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError("median: values must not be empty, got []");
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** What {@link warmUp} found: the steps of one timed window, and how many warm-up steps ran. */
export interface WarmUp {
  stepsPerWindow: number;
  warmupSteps: number;
}

function checkOptions(options: WindowOptions): void {
  const { batchSize, warmupSteps, warmupSeconds, windows, windowSeconds } = options;
  for (
    const [name, value, least] of [
      ["batchSize", batchSize, 1],
      ["warmupSteps", warmupSteps, 1],
      ["windows", windows, 1],
    ] as const
  ) {
    if (!Number.isInteger(value) || value < least) {
      throw new RangeError(`timeInWindows: ${name} must be an integer >= ${least}, got ${value}`);
    }
  }
  if (!(warmupSeconds >= 0)) {
    throw new RangeError(`timeInWindows: warmupSeconds must be >= 0, got ${warmupSeconds}`);
  }
  if (!(windowSeconds > 0)) {
    throw new RangeError(`timeInWindows: windowSeconds must be > 0, got ${windowSeconds}`);
  }
}

/**
 * Step 1 of the module note: warms `step` up and chooses the steps of a window from the warm-up's
 * median step (without the first).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { warmUp } from "./step_timing.ts";
 * let clock = 0; // a fake clock: every step takes 4 ms
 * const found = warmUp(() => void (clock += 4), {
 *   batchSize: 1, warmupSteps: 3, warmupSeconds: 0, windows: 1, windowSeconds: 0.2,
 *   now: () => clock,
 * });
 * assert.deepEqual(found, { stepsPerWindow: 50, warmupSteps: 3 });
 * ```
 */
export function warmUp(step: () => void, options: WindowOptions): WarmUp {
  checkOptions(options);
  const now = options.now ?? (() => performance.now());
  const warmupTimes: number[] = [];
  const warmupStart = now();
  while (
    warmupTimes.length < options.warmupSteps ||
    (now() - warmupStart < 1000 * options.warmupSeconds && warmupTimes.length < 1000)
  ) {
    const start = now();
    step();
    warmupTimes.push(now() - start);
  }
  // The first warm-up step is the slowest by far (allocation, compilation): calibrate on the rest.
  const typicalMs = median(warmupTimes.length > 1 ? warmupTimes.slice(1) : warmupTimes);
  const stepsPerWindow = Math.max(
    1,
    Math.round(1000 * options.windowSeconds / Math.max(typicalMs, 1e-3)),
  );
  return { stepsPerWindow, warmupSteps: warmupTimes.length };
}

/**
 * Step 2 for one window: runs `stepsPerWindow` steps and returns their images/s.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { timeWindow } from "./step_timing.ts";
 * let clock = 0;
 * assert.equal(timeWindow(() => void (clock += 10), 5, 100, () => clock), 10_000);
 * ```
 */
export function timeWindow(
  step: () => void,
  stepsPerWindow: number,
  batchSize: number,
  now: () => number = () => performance.now(),
): number {
  const start = now();
  for (let i = 0; i < stepsPerWindow; i++) step();
  return batchSize * stepsPerWindow / ((now() - start) / 1000);
}

/**
 * Step 3: the median window's rate and the slowest and fastest windows', from the windows' rates.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { summarizeWindows } from "./step_timing.ts";
 * const t = summarizeWindows([900, 1000, 400], 100, { stepsPerWindow: 5, warmupSteps: 3 });
 * assert.equal(t.imagesPerSecond, 900);
 * assert.equal(t.minImagesPerSecond, 400);
 * ```
 */
export function summarizeWindows(
  rates: readonly number[],
  batchSize: number,
  found: WarmUp,
): WindowTiming {
  const imagesPerSecond = median(rates);
  return {
    imagesPerSecond,
    msPerStep: 1000 * batchSize / imagesPerSecond,
    minImagesPerSecond: Math.min(...rates),
    maxImagesPerSecond: Math.max(...rates),
    windows: rates.length,
    stepsPerWindow: found.stepsPerWindow,
    warmupSteps: found.warmupSteps,
  };
}

/**
 * Warms `step` up, then times it in windows (see the module comment) and returns the median
 * window's throughput with the slowest and fastest windows'. `step` must finish its work before it
 * returns (read the loss).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { timeInWindows } from "./step_timing.ts";
 * let clock = 0; // a fake clock: every step takes 10 ms
 * const timing = timeInWindows(() => void (clock += 10), {
 *   batchSize: 100, warmupSteps: 2, warmupSeconds: 0, windows: 3, windowSeconds: 0.05,
 *   now: () => clock,
 * });
 * assert.equal(timing.stepsPerWindow, 5);
 * assert.equal(timing.imagesPerSecond, 10_000);
 * ```
 */
export function timeInWindows(step: () => void, options: WindowOptions): WindowTiming {
  const now = options.now ?? (() => performance.now());
  const found = warmUp(step, options);
  const rates: number[] = [];
  for (let w = 0; w < options.windows; w++) {
    rates.push(timeWindow(step, found.stepsPerWindow, options.batchSize, now));
  }
  return summarizeWindows(rates, options.batchSize, found);
}
