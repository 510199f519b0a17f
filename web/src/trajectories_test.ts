import assert from "node:assert/strict";
import { Random } from "../../src/math/mod.ts";
import {
  detSamDirection,
  initialSgdState,
  samDirection,
  sgdStep,
  traceSamDirection,
} from "../../src/reference/mod.ts";
import { cubeMeasure, gaussianMeasure } from "../../src/measures/mod.ts";
import { BUILTIN_LOSSES, customLoss } from "./losses.ts";
import { measuresAt, METHODS, runTrajectory, type TrajectorySettings } from "./trajectories.ts";

const settings: TrajectorySettings = {
  lr: 0.05,
  rho: 0.2,
  lambda: 0.5,
  samples: 4,
  steps: 5,
  seed: 3,
};
const valley = (x: ArrayLike<number>) => (x[0] * x[1] - 1) ** 2;

/** Runs the reference steps by hand, drawing as runTrajectory documents. */
function byHand(
  direction: (x: Float64Array, rng: Random) => ArrayLike<number>,
  start: number[],
  steps: number,
  seed: number,
): number[][] {
  const rng = new Random(seed);
  let x = Float64Array.from(start);
  let state = initialSgdState();
  const points = [[...x]];
  for (let k = 0; k < steps; k++) {
    ({ x, state } = sgdStep(x, direction(x, rng), state, { lr: settings.lr }));
    points.push([...x]);
  }
  return points;
}

function draws(rng: Random, x: Float64Array, measure = gaussianMeasure()) {
  return Array.from({ length: settings.samples }, () => {
    const d = new Float64Array(2);
    measure.sample(rng, x, d);
    return d;
  });
}

Deno.test("runTrajectory: each method is the math layer's reference step fed to sgdStep", () => {
  const start = [2.6, 0.3];
  const p = { loss: valley };
  const expected = {
    "sam": byHand((x) => samDirection(p, x, { rho: settings.rho }), start, 5, 3),
    "trace-sam": byHand(
      (x, rng) =>
        traceSamDirection(p, x, {
          rho: settings.rho,
          lambda: settings.lambda,
          deltas: draws(rng, x),
        }),
      start,
      5,
      3,
    ),
    "det-sam": byHand(
      (x, rng) =>
        detSamDirection(p, x, {
          rho: 1,
          lambda: settings.lambda,
          deltas: draws(rng, x, cubeMeasure(settings.rho)),
        }),
      start,
      5,
      3,
    ),
  };
  for (const [method, points] of Object.entries(expected)) {
    const t = runTrajectory(valley, start, method as keyof typeof expected, settings);
    assert.equal(t.points.length, 6);
    assert.equal(t.measures.length, 6);
    // The same operations in the same order: bitwise equal.
    assert.deepEqual(t.points, points, method);
  }
});

Deno.test("runTrajectory: the seed fixes the draws, and only the sampled methods depend on it", () => {
  const start = [2.6, 0.3];
  for (const method of METHODS) {
    const a = runTrajectory(valley, start, method, settings);
    const b = runTrajectory(valley, start, method, settings);
    const c = runTrajectory(valley, start, method, { ...settings, seed: 4 });
    assert.deepEqual(a.points, b.points);
    const sampled = method === "trace-sam" || method === "frob-sam" || method === "det-sam";
    assert.equal(JSON.stringify(a.points) !== JSON.stringify(c.points), sampled, method);
  }
});

Deno.test("runTrajectory: a diverging run stops with a reason; bad settings throw first", () => {
  const saddle = BUILTIN_LOSSES.find((l) => l.id === "saddle")!;
  const t = runTrajectory(saddle.loss, [1, 0.1], "gd", { ...settings, steps: 500 }, 20);
  assert.match(t.stopped ?? "", /left \|x\| < 20/);
  assert.ok(t.points.length < 501);
  assert.throws(() => runTrajectory(valley, [1, 1], "gd", { ...settings, lr: 0 }), /lr must be/);
  assert.throws(
    () => runTrajectory(valley, [1, 1], "gd", { ...settings, samples: 1 }),
    /samples must be an integer >= 2, got 1/,
  );
  assert.throws(
    () => runTrajectory(valley, [1, 1], "adam" as "gd", settings),
    /method must be one of/,
  );
});

Deno.test("measuresAt: the exact measures of the paper's two pictures", () => {
  // FD Hessians of these polynomials are exact up to round-off (~1e-8 at step eps^¼ on O(1)
  // entries), so 1e-6 is a bound that still tells 0 from any real curvature.
  const saddle = measuresAt(BUILTIN_LOSSES[0].loss, [0.7, -1.1]);
  assert.ok(Math.abs(saddle.trace) < 1e-6);
  assert.ok(Math.abs(saddle.frobenius - 8) < 1e-6);
  assert.ok(Math.abs(saddle.determinant + 4) < 1e-6);
  // On ab = 1, H = 2 (b, a)ᵀ(b, a): rank one, det 0, tr = 2(a² + b²), whatever the scaling.
  for (const a of [0.5, 1, 2]) {
    const m = measuresAt(customLoss("(a*b - 1)^2").loss, [a, 1 / a]);
    assert.ok(Math.abs(m.determinant) < 1e-6, `det at a = ${a}: ${m.determinant}`);
    assert.ok(Math.abs(m.trace - 2 * (a * a + 1 / (a * a))) < 1e-6);
  }
});

Deno.test("the built-in losses: saddle, valley minima and two wells where documented", () => {
  const [saddle, valleyLoss, wells] = BUILTIN_LOSSES;
  assert.equal(saddle.loss([1, 2]), -3);
  assert.equal(valleyLoss.loss([4, 0.25]), 0);
  assert.ok(valleyLoss.basins[0].contains([4, 0.25]));
  const sharp = measuresAt(wells.loss, [0.8, 0]);
  const flat = measuresAt(wells.loss, [-0.8, 0]);
  assert.ok(
    sharp.maxEigenvalue > 10 * flat.maxEigenvalue,
    `${sharp.maxEigenvalue} vs ${flat.maxEigenvalue}`,
  );
  assert.ok(sharp.loss < flat.loss); // the sharp one is the deeper
});
