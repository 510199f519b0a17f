import assert from "node:assert/strict";
import { median, timeInWindows } from "./step_timing.ts";

/** A fake clock and a step whose durations (ms) come from a list, then repeat its last value. */
function scriptedStep(durations: number[]) {
  let clock = 0;
  let calls = 0;
  return {
    step: () => {
      clock += durations[Math.min(calls, durations.length - 1)];
      calls++;
    },
    now: () => clock,
    calls: () => calls,
  };
}

Deno.test("median: odd, even, unsorted, and empty input refused", () => {
  assert.equal(median([5]), 5);
  assert.equal(median([9, 1, 5]), 5);
  assert.equal(median([1, 100, 2, 3]), 2.5);
  assert.throws(() => median([]), RangeError);
});

Deno.test("timeInWindows: calibrates the window on the warm-up without its first step", () => {
  // First step 500 ms (compilation), then 4 ms steps: a 0.2 s window is 50 steps, not 1.
  const s = scriptedStep([500, 4]);
  const t = timeInWindows(s.step, {
    batchSize: 128,
    warmupSteps: 3,
    warmupSeconds: 0,
    windows: 4,
    windowSeconds: 0.2,
    now: s.now,
  });
  assert.equal(t.warmupSteps, 3);
  assert.equal(t.stepsPerWindow, 50);
  assert.equal(s.calls(), 3 + 4 * 50);
  assert.equal(t.imagesPerSecond, 128 / 0.004);
  assert.equal(t.msPerStep, 4);
  assert.equal(t.minImagesPerSecond, t.maxImagesPerSecond);
});

Deno.test("timeInWindows: warms up for warmupSeconds when that takes more steps", () => {
  const s = scriptedStep([10]);
  const t = timeInWindows(s.step, {
    batchSize: 1,
    warmupSteps: 1,
    warmupSeconds: 0.1,
    windows: 1,
    windowSeconds: 0.01,
    now: s.now,
  });
  assert.equal(t.warmupSteps, 10);
});

Deno.test("timeInWindows: one slow window moves the spread, not the median", () => {
  // Warm-up 2 steps of 10 ms, windows of 2 steps; the second window has a 100 ms step.
  const s = scriptedStep([10, 10, 10, 10, 10, 100, 10, 10, 10, 10]);
  const t = timeInWindows(s.step, {
    batchSize: 10,
    warmupSteps: 2,
    warmupSeconds: 0,
    windows: 4,
    windowSeconds: 0.02,
    now: s.now,
  });
  assert.equal(t.stepsPerWindow, 2);
  assert.equal(t.imagesPerSecond, 1000); // 20 images in 20 ms
  assert.equal(t.minImagesPerSecond, 20 / 0.11);
  assert.equal(t.maxImagesPerSecond, 1000);
});

Deno.test("timeInWindows: bad options are refused before any step", () => {
  const s = scriptedStep([1]);
  const base = {
    batchSize: 1,
    warmupSteps: 1,
    warmupSeconds: 0,
    windows: 1,
    windowSeconds: 0.1,
    now: s.now,
  };
  assert.throws(() => timeInWindows(s.step, { ...base, windows: 0 }), /windows must be/);
  assert.throws(() => timeInWindows(s.step, { ...base, warmupSteps: 0 }), /warmupSteps/);
  assert.throws(() => timeInWindows(s.step, { ...base, windowSeconds: 0 }), /windowSeconds/);
  assert.throws(() => timeInWindows(s.step, { ...base, warmupSeconds: NaN }), /warmupSeconds/);
  assert.equal(s.calls(), 0);
});
