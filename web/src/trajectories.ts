/**
 * The trajectories of the first tab: each method's steps are the project's Float64 reference
 * steps (`src/math`, the oracle the TF.js optimizers are tested against) fed to its PyTorch-style
 * SGD step, and the measures along them are `sharpness.*.exact` of the math layer's
 * finite-difference Hessian. Nothing here re-implements a step or a measure.
 *
 * @module
 */
import { gradient, hessian, Random } from "../../src/math/mod.ts";
import {
  asamDirection,
  detSamDirection,
  frobSamDirection,
  initialSgdState,
  type ReferenceProblem,
  samDirection,
  sgdStep,
  traceSamDirection,
} from "../../src/reference/mod.ts";
import { cubeMeasure, gaussianMeasure, sharpness } from "../../src/measures/mod.ts";

/**
 * The methods drawn, in legend order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { METHODS } from "./trajectories.ts";
 * assert.equal(METHODS.length, 6);
 * ```
 */
export const METHODS = ["gd", "sam", "asam", "trace-sam", "frob-sam", "det-sam"] as const;

/** One of {@link METHODS}. */
export type Method = typeof METHODS[number];

/**
 * Legend labels and Okabe-Ito colours (distinguishable under the common colour-vision
 * deficiencies), with a dash pattern as a second cue.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { METHOD_STYLES } from "./trajectories.ts";
 * assert.equal(METHOD_STYLES.sam.color, "#E69F00");
 * ```
 */
export const METHOD_STYLES: Readonly<
  Record<Method, { label: string; color: string; dash: number[] }>
> = {
  "gd": { label: "GD", color: "#000000", dash: [] },
  "sam": { label: "SAM", color: "#E69F00", dash: [] },
  "asam": { label: "ASAM", color: "#56B4E9", dash: [6, 3] },
  "trace-sam": { label: "Trace-SAM", color: "#009E73", dash: [] },
  "frob-sam": { label: "Frob-SAM", color: "#D55E00", dash: [6, 3] },
  "det-sam": { label: "Det-SAM", color: "#CC79A7", dash: [2, 2] },
};

/**
 * ASAM's offset in `T = |x| + eta` (the authors' default).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ASAM_ETA } from "./trajectories.ts";
 * assert.equal(ASAM_ETA, 0.01);
 * ```
 */
export const ASAM_ETA = 0.01;

/** The sliders of the first tab. */
export interface TrajectorySettings {
  /** SGD learning rate, > 0. */
  lr: number;
  /** Perturbation radius; for Det-SAM the half-width of the cube the δ_i are drawn from. */
  rho: number;
  /** Penalty weight of Trace-, Frob- and Det-SAM. */
  lambda: number;
  /** Perturbations per step of Trace-, Frob- and Det-SAM (>= 2: Frob-SAM's variance). */
  samples: number;
  /** Number of steps. */
  steps: number;
  /** Seed of each method's perturbation stream. */
  seed: number;
}

/** The exact measures of the Hessian at one point, in standard units. */
export interface PointMeasures {
  loss: number;
  trace: number;
  frobenius: number;
  determinant: number;
  maxEigenvalue: number;
}

/** One method's path: the points `x_0 .. x_k`, the measures at each, and why it stopped early. */
export interface Trajectory {
  method: Method;
  points: [number, number][];
  measures: PointMeasures[];
  /** Set when the run stopped before `steps` (left the plotted region far behind, or a step threw). */
  stopped?: string;
}

/**
 * `tr H`, `‖H‖_F²`, `det H` and `λ_max` of the finite-difference Hessian at `x`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { measuresAt } from "./trajectories.ts";
 * const m = measuresAt((x) => x[0] ** 2 - x[1] ** 2, [0.3, -0.2]);
 * // The FD Hessian of a quadratic is exact up to round-off (~1e-8 relative at step eps^¼).
 * assert.ok(Math.abs(m.trace) < 1e-6 && Math.abs(m.frobenius - 8) < 1e-6);
 * assert.ok(Math.abs(m.determinant + 4) < 1e-6 && Math.abs(m.maxEigenvalue - 2) < 1e-6);
 * ```
 */
export function measuresAt(
  loss: (x: ArrayLike<number>) => number,
  x: ArrayLike<number>,
): PointMeasures {
  const H = hessian((y) => loss(y), x);
  return {
    loss: loss(x),
    trace: sharpness.trace.exact(H),
    frobenius: sharpness.frobenius.exact(H),
    determinant: sharpness.determinant.exact(H),
    maxEigenvalue: sharpness.maxEigenvalue.exact(H),
  };
}

function checkSettings(s: TrajectorySettings): void {
  for (const key of ["lr", "rho"] as const) {
    if (!(s[key] > 0) || !Number.isFinite(s[key])) {
      throw new RangeError(`${key} must be a finite number > 0, got ${s[key]}`);
    }
  }
  if (!(s.lambda >= 0) || !Number.isFinite(s.lambda)) {
    throw new RangeError(`lambda must be a finite number >= 0, got ${s.lambda}`);
  }
  if (!Number.isInteger(s.samples) || s.samples < 2) {
    throw new RangeError(`samples must be an integer >= 2, got ${s.samples}`);
  }
  if (!Number.isInteger(s.steps) || s.steps < 1) {
    throw new RangeError(`steps must be a positive integer, got ${s.steps}`);
  }
  if (!Number.isInteger(s.seed)) throw new RangeError(`seed must be an integer, got ${s.seed}`);
}

/**
 * Runs one method from `start` with the given settings. Every method draws its perturbations
 * from its own `Random(seed)` stream, so one seed gives every method the same draws. The run
 * stops early (with `stopped` set) when the point leaves `limit` (default 1e3) or a reference
 * step throws (e.g. a non-finite loss).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runTrajectory } from "./trajectories.ts";
 * const bowl = (x: ArrayLike<number>) => x[0] ** 2 + x[1] ** 2;
 * const t = runTrajectory(bowl, [1, 1], "gd", { lr: 0.25, rho: 0.05, lambda: 0.1, samples: 4, steps: 3, seed: 1 });
 * // GD on ‖x‖² with lr ¼ halves x each step: (1, 1), (½, ½), (¼, ¼), (⅛, ⅛).
 * assert.equal(t.points.length, 4);
 * assert.ok(Math.abs(t.points[3][0] - 0.125) < 1e-9);
 * ```
 */
export function runTrajectory(
  loss: (x: ArrayLike<number>) => number,
  start: ArrayLike<number>,
  method: Method,
  settings: TrajectorySettings,
  limit = 1e3,
): Trajectory {
  if (!(METHODS as readonly string[]).includes(method)) {
    throw new RangeError(`method must be one of ${METHODS.join(", ")}, got ${method}`);
  }
  checkSettings(settings);
  const { lr, rho, lambda, samples, steps, seed } = settings;
  const problem: ReferenceProblem = { loss: (x) => loss(x) };
  const rng = new Random(seed);
  const gaussian = gaussianMeasure();
  const cube = cubeMeasure(rho);
  let x = Float64Array.from(start);
  let state = initialSgdState();
  const trajectory: Trajectory = {
    method,
    points: [[x[0], x[1]]],
    measures: [measuresAt(loss, x)],
  };
  const draw = (measure: typeof gaussian) =>
    Array.from({ length: samples }, () => {
      const delta = new Float64Array(2);
      measure.sample(rng, x, delta);
      return delta;
    });
  for (let step = 0; step < steps; step++) {
    try {
      let direction: ArrayLike<number>;
      switch (method) {
        case "gd":
          direction = gradient((y) => loss(y), x);
          break;
        case "sam":
          direction = samDirection(problem, x, { rho });
          break;
        case "asam":
          direction = asamDirection(problem, x, { rho, eta: ASAM_ETA });
          break;
        case "trace-sam":
          direction = traceSamDirection(problem, x, { rho, lambda, deltas: draw(gaussian) });
          break;
        case "frob-sam":
          direction = frobSamDirection(problem, x, { rho, lambda, deltas: draw(gaussian) });
          break;
        case "det-sam":
          // As detSam() trains: rho 1 and the δ_i drawn from the cube [-h, h]² (here h = rho).
          direction = detSamDirection(problem, x, { rho: 1, lambda, deltas: draw(cube) });
          break;
      }
      const next = sgdStep(x, direction, state, { lr });
      x = next.x;
      state = next.state;
      if (!(Math.abs(x[0]) < limit && Math.abs(x[1]) < limit)) {
        trajectory.stopped = `left |x| < ${limit} at step ${step + 1}`;
        break;
      }
      trajectory.points.push([x[0], x[1]]);
      trajectory.measures.push(measuresAt(loss, x));
    } catch (error) {
      trajectory.stopped = `step ${step + 1}: ${(error as Error).message}`;
      break;
    }
  }
  return trajectory;
}
