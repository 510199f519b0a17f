import assert from "node:assert/strict";
import { createSchedule } from "./schedule.ts";

// Tolerances: the schedules are a handful of float64 operations on values of order 0.1, so the
// rounding error is a few ulps (~1e-17); 1e-12 is far above that and far below any schedule step.
const close = (actual: number, expected: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= 1e-12, `${what}: ${actual} != ${expected}`);

Deno.test("constant schedule returns the base rate at every step", () => {
  const lr = createSchedule({ kind: "constant", baseLr: 0.05, epochs: 3, stepsPerEpoch: 7 });
  for (let k = 0; k < 21; k++) assert.equal(lr(k), 0.05);
});

Deno.test("multistep multiplies by gamma at each milestone epoch boundary", () => {
  const lr = createSchedule({
    kind: "multistep",
    baseLr: 0.1,
    epochs: 6,
    stepsPerEpoch: 4,
    milestones: [2, 4],
    gamma: 0.5,
  });
  const perEpoch = [0, 1, 2, 3, 4, 5].map((e) => [lr(4 * e), lr(4 * e + 3)]);
  assert.deepEqual(perEpoch, [
    [0.1, 0.1],
    [0.1, 0.1],
    [0.05, 0.05],
    [0.05, 0.05],
    [0.025, 0.025],
    [0.025, 0.025],
  ]);
});

Deno.test("cosine starts at the base rate, halves at the midpoint and ends near zero", () => {
  const steps = 100;
  const lr = createSchedule({ kind: "cosine", baseLr: 0.2, epochs: 10, stepsPerEpoch: 10 });
  close(lr(0), 0.2, "first step");
  close(lr(steps / 2), 0.1, "midpoint");
  const last = lr(steps - 1);
  close(last, 0.1 * (1 + Math.cos((Math.PI * 99) / 100)), "last step");
  assert.ok(last > 0 && last < 1e-3, `last step rate ${last}`);
  for (let k = 1; k < steps; k++) assert.ok(lr(k) < lr(k - 1), `cosine not decreasing at ${k}`);
});

Deno.test("linear warmup rises to the base rate, then the schedule takes over", () => {
  const lr = createSchedule({
    kind: "cosine",
    baseLr: 0.1,
    epochs: 5,
    stepsPerEpoch: 10,
    warmup: 1,
  });
  for (let k = 0; k < 10; k++) close(lr(k), (0.1 * (k + 1)) / 10, `warmup step ${k}`);
  close(lr(10), 0.1, "first step after warmup");
  close(lr(10 + 20), 0.05, "cosine midpoint of the 40 post-warmup steps");
  const constant = createSchedule({
    kind: "constant",
    baseLr: 0.1,
    epochs: 2,
    stepsPerEpoch: 4,
    warmup: 0.5,
  });
  assert.deepEqual([0, 1, 2, 3].map(constant), [0.05, 0.1, 0.1, 0.1]);
});

Deno.test("schedule rejects bad options naming the parameter", () => {
  const ok = { kind: "constant", baseLr: 0.1, epochs: 2, stepsPerEpoch: 3 } as const;
  assert.throws(() => createSchedule({ ...ok, baseLr: 0 }), /baseLr.*0/);
  assert.throws(() => createSchedule({ ...ok, epochs: 1.5 }), /epochs.*1\.5/);
  assert.throws(() => createSchedule({ ...ok, stepsPerEpoch: 0 }), /stepsPerEpoch.*0/);
  assert.throws(() => createSchedule({ ...ok, warmup: 2 }), /warmup.*2/);
  assert.throws(() => createSchedule({ ...ok, gamma: 2 }), /gamma.*2/);
  assert.throws(() => createSchedule({ ...ok, milestones: [0] }), /milestones/);
  assert.throws(() => createSchedule({ ...ok, kind: "linear" as "constant" }), /kind.*linear/);
  assert.throws(() => createSchedule(ok)(-1), RangeError);
});

Deno.test("schedule bounds: the smallest valid values are accepted, the next ones out refused", () => {
  const base = { kind: "multistep" as const, baseLr: 0.1, epochs: 1, stepsPerEpoch: 1 };
  // One epoch of one step, gamma 1, a milestone at epoch 1: all valid.
  const lr = createSchedule({ ...base, gamma: 1, milestones: [1] });
  assert.equal(lr(0), 0.1);
  assert.equal(createSchedule({ ...base, epochs: 2, milestones: [1], gamma: 0.5 })(1), 0.05);
  const refused: [Partial<typeof base> & Record<string, unknown>, RegExp][] = [
    [{ epochs: 0 }, /^RangeError: schedule epochs must be a positive integer, got 0$/],
    [
      { stepsPerEpoch: 0 },
      /^RangeError: schedule stepsPerEpoch must be a positive integer, got 0$/,
    ],
    [{ gamma: 0 }, /^RangeError: schedule gamma must be in \(0, 1\], got 0$/],
    [{ gamma: -0.5 }, /^RangeError: schedule gamma must be in \(0, 1\], got -0.5$/],
    [{ gamma: 1.5 }, /^RangeError: schedule gamma must be in \(0, 1\], got 1.5$/],
    [{ warmup: -1 }, /^RangeError: schedule warmup must be in \[0, epochs=1\), got -1$/],
    [{ milestones: [0] }, /^RangeError: schedule milestones must be positive integers, got 0$/],
  ];
  for (const [change, message] of refused) {
    assert.throws(() => createSchedule({ ...base, ...change }), message, JSON.stringify(change));
  }
  assert.throws(() => lr(-1), /^RangeError: schedule step must be a non-negative integer, got -1$/);
  assert.throws(() => lr(0.5), /got 0.5$/);
});
