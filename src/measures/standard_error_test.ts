/**
 * The σ behind every "5σ" band in the suite is the estimators' own `standardError`. These tests
 * check it against what it claims to be: the spread of the estimate over independent seeds.
 */
import assert from "node:assert/strict";
import { fromEigen, randomOrthogonal } from "../math/linalg.ts";
import { Random } from "../math/random.ts";
import { sharpness } from "./sharpness.ts";
import type { Loss } from "./types.ts";

const SEEDS = 400;

function quadraticCase(): Loss {
  const rng = new Random(11);
  const H = fromEigen([0.5, 1.5, 3], randomOrthogonal(rng, 3));
  const center = [0.3, -0.7, 1.1];
  return (x) => {
    let q = 0;
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) q += (x[i] - center[i]) * H[i][j] * (x[j] - center[j]);
    }
    return 1 + 0.5 * q;
  };
}

function spreadOverSeeds(name: "trace" | "frobenius" | "determinant", samples: number) {
  const f = quadraticCase();
  const center = new Float64Array([0.3, -0.7, 1.1]);
  const values: number[] = [];
  let meanSquaredError = 0;
  for (let seed = 1; seed <= SEEDS; seed++) {
    const e = sharpness[name].estimateWithError(f, center, { seed, samples });
    values.push(e.value);
    meanSquaredError += e.standardError ** 2 / SEEDS;
  }
  const mean = values.reduce((a, b) => a + b, 0) / SEEDS;
  const empirical = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (SEEDS - 1));
  return { empirical, reported: Math.sqrt(meanSquaredError) };
}

// The sample SD of 400 draws has a relative standard error of 1/sqrt(2·399) ≈ 0.035 (a little more
// for the heavier-tailed determinant weights); the reported σ's RMS over 400 seeds is far tighter.
// The band [0.8, 1.25] is about 6σ of that sampling error on either side, yet a σ off by a factor
// of 1.5 (let alone the ×3 mutant) falls outside it.
const LOW = 0.8;
const HIGH = 1.25;

for (const [name, samples] of [["trace", 64], ["frobenius", 64], ["determinant", 256]] as const) {
  Deno.test(`${name}: the reported standard error matches the spread over ${SEEDS} seeds`, () => {
    const { empirical, reported } = spreadOverSeeds(name, samples);
    const ratio = reported / empirical;
    assert.ok(
      ratio > LOW && ratio < HIGH,
      `${name}: reported σ ${reported.toPrecision(4)} vs spread ${empirical.toPrecision(4)} ` +
        `(ratio ${ratio.toFixed(3)})`,
    );
  });
}
