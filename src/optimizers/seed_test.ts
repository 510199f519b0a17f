/**
 * `stepSeed` against values computed outside the code (issue 14: no test checked it, so both of
 * its mutants survived). The expected seeds come from a separate Python 3 evaluation of the
 * documented definition on unbounded integers reduced mod 2³²: h = (seed mod 2³²) xor
 * ((step + 1)·0x9e3779b9 mod 2³²), then murmur3's fmix32 (xor-shift 16, ·0x85ebca6b, xor-shift
 * 13, ·0xc2b2ae35, xor-shift 16), read as a signed 32-bit integer. Integer arithmetic: exact.
 */
import assert from "node:assert/strict";
import { stepSeed } from "./seed.ts";

Deno.test("stepSeed: murmur3-finalized (seed, step) values from an independent evaluation", () => {
  const cases: [number, number, number][] = [
    [0, 0, -1832243442],
    [1, 0, 920564995],
    [1, 1, 314344336],
    [42, 7, 2029069625],
    [-1, 0, 996586154],
    [-5, 3, -1969362188],
    [7, -1, 415870660],
    [123456789, 1000000, -338842675],
    // Seeds outside the int32 range wrap mod 2³², as the `| 0` documents.
    [2 ** 31, 0, -1122851478],
    [2 ** 32 + 3, 2, -2057733947],
    // Fractional seeds are truncated toward zero: 3.9 → 3, −3.9 → −3.
    [3.9, 0, -1767835285],
    [-3.9, 0, 1551436488],
  ];
  for (const [seed, step, expected] of cases) {
    assert.equal(stepSeed(seed, step), expected, `stepSeed(${seed}, ${step})`);
  }
  // step −1 makes the step term 0, and fmix32(0) = 0: the finalizer adds no constant.
  assert.equal(stepSeed(0, -1), 0);
});
