import assert from "node:assert/strict";
import { errorFunction } from "simple-statistics";
import { philoxFill } from "./philox.ts";
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

/**
 * The N(0, 1) checks of a sample, as the list of those that fail: KS distance, mean, variance,
 * fourth moment, lag-1 correlation, and the count beyond the ziggurat's tail start R (a normal
 * property whatever the sampler; for the ziggurat it covers the tail branch).
 */
function failedNormalChecks(z: ArrayLike<number>): string[] {
  const n = z.length;
  const failed: string[] = [];
  if (!(Math.sqrt(n) * ksDistance(Float64Array.from(z)) < 1.95)) failed.push("KS");
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
  if (!(Math.abs(sum / n) < 5 * se)) failed.push("mean");
  if (!(Math.abs(sum2 / n - 1) < 5 * Math.SQRT2 * se)) failed.push("variance");
  if (!(Math.abs(sum4 / n - 3) < 5 * Math.sqrt(96) * se)) failed.push("fourth moment");
  if (!(Math.abs(lag / n) < 5 * se)) failed.push("lag-1");
  // P(|z| > R) = 5.7e-4, binomial sd √(np(1-p)).
  const p = 2 * (1 - normalCdf(3.442619855899));
  if (!(Math.abs(beyondTail - n * p) < 5 * Math.sqrt(n * p * (1 - p)))) failed.push("tail");
  return failed;
}

const NORMAL_SAMPLE = 400_000;

const NORMAL_SAMPLERS: [string, () => ArrayLike<number>][] = [
  ["fillGaussian (ziggurat)", () => new Random(7).fillGaussian(new Float64Array(NORMAL_SAMPLE))],
  ["gaussianVector (polar)", () => new Random(7).gaussianVector(NORMAL_SAMPLE)],
  [
    "philox inverse CDF (Giles, float32)",
    () =>
      philoxFill(new Float32Array(NORMAL_SAMPLE), { seed: 7, step: 0, sample: 0 }, 0, "gaussian"),
  ],
];

for (const [name, draw] of NORMAL_SAMPLERS) {
  Deno.test(`${name} is N(0, 1): KS distance, moments, tails, lag-1 correlation`, () => {
    const z = draw();
    assert.deepEqual(failedNormalChecks(z), []);
    // The checks have power: a 1% scale error (variance 1.0201) fails them.
    const scaled = Float64Array.from(z, (v) => 1.01 * v);
    assert.ok(failedNormalChecks(scaled).includes("variance"), "a 1% scale error passed");
  });
}

Deno.test("philox Gaussians: consecutive samples and steps are independent (cross lag-0 correlation)", () => {
  const n = 200_000;
  const a = philoxFill(new Float64Array(n), { seed: 3, step: 0, sample: 0 }, 0, "gaussian");
  for (const other of [{ step: 0, sample: 1 }, { step: 1, sample: 0 }]) {
    const b = philoxFill(new Float64Array(n), { seed: 3, ...other }, 0, "gaussian");
    let cross = 0;
    for (let i = 0; i < n; i++) cross += a[i] * b[i];
    assert.ok(
      Math.abs(cross / n) < 5 / Math.sqrt(n),
      `correlation ${cross / n} with ${JSON.stringify(other)}`,
    );
  }
});

Deno.test("philox uniform: symmetric on (-1, 1), mean 0, variance 1/3, KS against U(-1, 1), lag-1", () => {
  const n = 400_000;
  const u = philoxFill(new Float32Array(n), { seed: 5, step: 2, sample: 0 }, 0, "uniform");
  const sorted = Float64Array.from(u).sort();
  let distance = 0, sum = 0, sum2 = 0, lag = 0;
  for (let i = 0; i < n; i++) {
    const cdf = (sorted[i] + 1) / 2;
    distance = Math.max(distance, cdf - i / n, (i + 1) / n - cdf);
    sum += u[i];
    sum2 += u[i] ** 2;
    if (i > 0) lag += u[i] * u[i - 1];
  }
  assert.ok(sorted[0] > -1 && sorted[n - 1] < 1);
  assert.ok(Math.sqrt(n) * distance < 1.95, "KS test at level 0.001");
  // sd of u is 1/√3, of u² is √(1/5 - 1/9) = 0.298, of u_i u_{i-1} is 1/3; 5 SE.
  const se = 1 / Math.sqrt(n);
  assert.ok(Math.abs(sum / n) < 5 * se / Math.sqrt(3), `mean ${sum / n}`);
  assert.ok(Math.abs(sum2 / n - 1 / 3) < 5 * 0.2981 * se, `second moment ${sum2 / n}`);
  assert.ok(Math.abs(lag / n) < 5 * se / 3, `lag-1 ${lag / n}`);
  // Power: a 1% wide cube fails the second-moment check (1/3 · 1.0201 - 1/3 = 6.7e-3 >> 2.4e-3).
  let wide = 0;
  for (let i = 0; i < n; i++) wide += (1.01 * u[i]) ** 2;
  assert.ok(!(Math.abs(wide / n - 1 / 3) < 5 * 0.2981 * se));
});

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
