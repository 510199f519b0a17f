/**
 * The two-dimensional losses of the playground's first tab, each with the two lines of text
 * that say what it shows, the square it is drawn on, and its named minima (for "ends in").
 *
 * @module
 */
import { parseExpression } from "./expr.ts";
import type { TrajectorySettings } from "./trajectories.ts";

/** A named minimum (or minimizer set) a trajectory can end in. */
export interface Basin {
  /** What the table shows, e.g. "sharp (1, 0)". */
  name: string;
  /** Whether the point `x` counts as having ended here. */
  contains(x: ArrayLike<number>): boolean;
}

/** One loss of the first tab. */
export interface PlaygroundLoss {
  id: string;
  /** The formula, as the page shows it. */
  label: string;
  /** Two lines: what the picture shows and what to look for. */
  explanation: [string, string];
  loss(x: ArrayLike<number>): number;
  /** The drawn square `[-extent, extent]²` around `center`. */
  center: [number, number];
  extent: number;
  /** The default start point. */
  start: [number, number];
  basins: Basin[];
  /** The minimizer curve `ab = 1` of the valley, drawn dashed. */
  manifold?: "ab=1";
  /** Slider values that show what the loss is about; set when the loss is chosen. */
  settings?: Partial<TrajectorySettings>;
}

const near = (cx: number, cy: number, r: number) => (x: ArrayLike<number>) =>
  (x[0] - cx) ** 2 + (x[1] - cy) ** 2 < r * r;

/**
 * A sharp well at (0.8, 0) (width 0.15, λ_max ≈ 44) and a flat one at (-0.8, 0) (width 0.9),
 * slightly shallower, on a faint bowl that keeps every run bounded.
 */
function twoWells(x: ArrayLike<number>): number {
  const sharp = Math.exp(-((x[0] - 0.8) ** 2 + x[1] ** 2) / (2 * 0.15 ** 2));
  const flat = Math.exp(-((x[0] + 0.8) ** 2 + x[1] ** 2) / (2 * 0.9 ** 2));
  return 1 - sharp - 0.9 * flat + 0.02 * (x[0] ** 2 + x[1] ** 2);
}

/**
 * The built-in losses, in the order of the loss menu.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BUILTIN_LOSSES } from "./losses.ts";
 * assert.deepEqual(BUILTIN_LOSSES.map((l) => l.id), ["saddle", "valley", "wells"]);
 * ```
 */
export const BUILTIN_LOSSES: readonly PlaygroundLoss[] = [
  {
    id: "saddle",
    label: "a² − b²",
    explanation: [
      "A saddle: H = diag(2, −2) everywhere, so tr H = 0 while ‖H‖²_F = 8 and det H = −4.",
      "Trace-SAM sees no curvature at all here (its penalty is blind); Frob-SAM and Det-SAM do.",
    ],
    loss: (x) => x[0] ** 2 - x[1] ** 2,
    center: [0, 0],
    extent: 2,
    start: [1.5, 0.1],
    basins: [],
    settings: { lr: 0.05, rho: 0.2, lambda: 0.5, steps: 200 },
  },
  {
    id: "valley",
    label: "ℓ(ab) = (ab − 1)²",
    explanation: [
      "A rescaling valley: every point of ab = 1 (dashed) is a minimum, and (a, b) → (ca, b/c) keeps the loss.",
      "On the valley det H = 0 (invariant under rescaling), while tr H = 2(a² + b²) pulls SAM and Trace-SAM to a = b.",
    ],
    loss: (x) => (x[0] * x[1] - 1) ** 2,
    center: [1.25, 1.25],
    extent: 1.75,
    start: [2.6, 0.3],
    basins: [{ name: "valley ab = 1", contains: (x) => Math.abs(x[0] * x[1] - 1) < 0.05 }],
    manifold: "ab=1",
    settings: { lr: 0.02, rho: 0.2, lambda: 0.3, steps: 400 },
  },
  {
    id: "wells",
    label: "1 − e^(−r₁²/0.045) − 0.9 e^(−r₂²/1.62) + 0.02‖x‖²",
    explanation: [
      "Two minima: a sharp, slightly deeper well at (0.8, 0) (λ_max ≈ 44) and a flat, wide one at (−0.8, 0).",
      "From inside the sharp well GD stays put; with rho above the well's width the sharpness-aware methods are pushed out.",
    ],
    loss: twoWells,
    center: [0, 0],
    extent: 2,
    start: [0.9, 0.25],
    basins: [
      { name: "sharp (0.8, 0)", contains: near(0.8, 0, 0.35) },
      { name: "flat (−0.8, 0)", contains: near(-0.8, 0, 0.9) },
    ],
    settings: { lr: 0.03, rho: 0.25, lambda: 1, steps: 300 },
  },
];

/**
 * A user's loss from a typed expression in `a` and `b` (see {@link parseExpression}), drawn on
 * `[-2, 2]²` and started at (1.5, 0.5); it has no named minima.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { customLoss } from "./losses.ts";
 * assert.equal(customLoss("(a*b - 1)^2").loss([1, 1]), 0);
 * ```
 */
export function customLoss(source: string): PlaygroundLoss {
  const loss = parseExpression(source);
  return {
    id: "custom",
    label: source,
    explanation: [
      "Your loss, parsed by the page's own expression parser (no eval): a, b, + − * / ^, exp, log, sin, ...",
      "Its Hessian is the project's Float64 finite-difference Hessian, like every built-in loss.",
    ],
    loss,
    center: [0, 0],
    extent: 2,
    start: [1.5, 0.5],
    basins: [],
  };
}
