import assert from "node:assert/strict";
import { errorFunction } from "simple-statistics";
import { Random } from "./random.ts";

const normalCdf = (z: number) => 0.5 * (1 + errorFunction(z / Math.SQRT2));

/**
 * Kolmogorov–Smirnov distance between the sample and N(0, 1). Under the null, √n·D exceeds 1.95
 * with probability 0.001, so a correct sampler fails one seed in a thousand; the seeds are fixed.
 * simple-statistics' errorFunction is accurate to ~1e-7, far below the 4e-3 critical distance.
 */
function ksDistance(sample: Float64Array): number {
  const sorted = Float64Array.from(sample).sort();
  const n = sorted.length;
  let distance = 0;
  for (let i = 0; i < n; i++) {
    const cdf = normalCdf(sorted[i]);
    distance = Math.max(distance, cdf - i / n, (i + 1) / n - cdf);
  }
  return distance;
}

for (
  const [name, draw] of [
    ["fillGaussian (ziggurat)", (rng: Random, n: number) => rng.fillGaussian(new Float64Array(n))],
    ["gaussianVector (polar)", (rng: Random, n: number) => rng.gaussianVector(n)],
  ] as const
) {
  Deno.test(`${name} is N(0, 1): KS distance, moments, tails, lag-1 correlation`, () => {
    const n = 400_000;
    const z = draw(new Random(7), n);
    assert.ok(Math.sqrt(n) * ksDistance(z) < 1.95, "KS test at level 0.001");

    let sum = 0, sum2 = 0, sum4 = 0, lag = 0, beyondTail = 0;
    for (let i = 0; i < n; i++) {
      sum += z[i];
      sum2 += z[i] ** 2;
      sum4 += z[i] ** 4;
      if (i > 0) lag += z[i] * z[i - 1];
      if (Math.abs(z[i]) > 3.442619855899) beyondTail++;
    }
    // Standard errors: mean 1/√n, E z² has sd √2/√n, E z⁴ has sd √96/√n, lag product 1/√n; 5 SE.
    const se = 1 / Math.sqrt(n);
    assert.ok(Math.abs(sum / n) < 5 * se, `mean ${sum / n}`);
    assert.ok(Math.abs(sum2 / n - 1) < 5 * Math.SQRT2 * se, `variance ${sum2 / n}`);
    assert.ok(Math.abs(sum4 / n - 3) < 5 * Math.sqrt(96) * se, `fourth moment ${sum4 / n}`);
    assert.ok(Math.abs(lag / n) < 5 * se, `lag-1 correlation ${lag / n}`);
    // The ziggurat's tail branch: P(|z| > R) = 5.7e-4, binomial sd √(np(1-p)).
    const p = 2 * (1 - normalCdf(3.442619855899));
    assert.ok(
      Math.abs(beyondTail - n * p) < 5 * Math.sqrt(n * p * (1 - p)),
      `tail count ${beyondTail}, expected ${n * p}`,
    );
  });
}

Deno.test("fillGaussian: seeded, fills odd lengths and Float32Array, independent of call split", () => {
  const whole = new Random(3).fillGaussian(new Float32Array(101));
  const rng = new Random(3);
  const first = rng.fillGaussian(new Float32Array(50));
  const rest = rng.fillGaussian(new Float32Array(51));
  assert.deepEqual([...first, ...rest], [...whole]);
  assert.ok(whole.every(Number.isFinite));
  assert.notDeepEqual([...new Random(4).fillGaussian(new Float32Array(101))], [...whole]);
});

Deno.test("Random: bad arguments name the parameter", () => {
  assert.throws(() => new Random(NaN), /seed/);
  assert.throws(() => new Random(1).integer(0), /n must be a positive integer/);
  assert.throws(() => new Random(1).cube(2, 0), /halfWidth/);
});

Deno.test("uniform, integer, permutation, sphere and cube stay in range", () => {
  const rng = new Random(11);
  for (let i = 0; i < 10_000; i++) {
    const u = rng.uniform();
    assert.ok(u >= 0 && u < 1);
    const k = rng.integer(7);
    assert.ok(Number.isInteger(k) && k >= 0 && k < 7);
  }
  assert.deepEqual([...rng.permutation(9)].sort(), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  assert.ok(Math.abs(Math.hypot(...rng.unitSphere(5)) - 1) < 1e-12);
  assert.ok(rng.cube(5, 0.5).every((v) => Math.abs(v) <= 0.5));
});
