import assert from "node:assert/strict";
import { deriveSeed } from "./seeds.ts";

Deno.test("deriveSeed matches an independent FNV-1a + murmur3-finalizer reference", () => {
  // Expected values from a separate Python implementation (32-bit FNV-1a over the ASCII text
  // "seed/stream/epoch", then murmur3's fmix32, read as a signed int32), not from this code.
  const cases: [number, Parameters<typeof deriveSeed>[1], number, number][] = [
    [0, "batches", 1, -973192069],
    [0, "batches", 2, -385699941],
    [42, "model", 0, 1798415759],
    [-7, "optimizer", 3, 1178156442],
    [123456789, "hessian-subset", 0, 2101303717],
    [1, "data-settings", 0, -252810680],
    [5, "validation-split", 0, 1510776693],
    [9, "hessian", 12, 1988312229],
  ];
  for (const [seed, stream, epoch, expected] of cases) {
    assert.equal(deriveSeed(seed, stream, epoch), expected, `${seed}/${stream}/${epoch}`);
  }
});

Deno.test("deriveSeed refuses a non-integer seed and a negative or fractional epoch", () => {
  assert.throws(() => deriveSeed(1.5, "model", 0), {
    name: "RangeError",
    message: "deriveSeed: seed must be an integer, got 1.5",
  });
  assert.throws(() => deriveSeed(1, "model", -1), {
    name: "RangeError",
    message: "deriveSeed: epoch must be a non-negative integer, got -1",
  });
  assert.throws(() => deriveSeed(1, "model", 0.5), /epoch must be a non-negative integer, got 0.5/);
  // Epoch 0 (the once-per-run streams) is accepted.
  assert.equal(typeof deriveSeed(1, "model", 0), "number");
});
