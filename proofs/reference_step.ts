/**
 * Property 8: the closed-form step directions of Trace-, Frob- and Det-SAM (THEORY.md, "The
 * optimizers"; `src/reference/sam_reference.ts`) equal the finite-difference gradient of the sampled
 * objective `L + lambda rho² P̂` (`sampledObjective`) with the same fixed perturbations. These
 * closed forms are the oracle the TF.js optimizers are checked against.
 *
 * @module
 */
import fc from "fast-check";
import { gradient, gradientSteps } from "../src/math/finite_diff.ts";
import { EPSILON } from "../src/math/linalg.ts";
import { Random } from "../src/math/random.ts";
import {
  detSamDirection,
  frobSamDirection,
  type ReferenceProblem,
  sampledObjective,
  traceSamDirection,
  universalDirectionDetails,
} from "../src/reference/sam_reference.ts";
import {
  determinantSpec,
  frobeniusSpec,
  type SharpnessSpec,
  traceSpec,
} from "../src/measures/spec.ts";
import type { Property, PropertyResult } from "./property.ts";
import {
  absoluteSum,
  evaluate,
  evaluationError,
  formatPolynomial,
  gamma,
  gradientBound,
  gradientOf,
  type PolynomialCase,
  polynomialCase,
} from "./random_polynomial.ts";

const NUM_RUNS = 150;

type Kind = "trace" | "frob" | "det";

interface StepCase {
  loss: PolynomialCase;
  kind: Kind;
  samples: number;
  lambda: number;
  rho: number;
  halfWidth: number;
  deltaSeed: number;
}

const stepCase: fc.Arbitrary<StepCase> = fc.record({
  loss: polynomialCase({
    maxDimension: 6,
    maxDegree: 4,
    maxTerms: 10,
    radius: 1,
    minMagnitude: 0.1,
  }),
  kind: fc.constantFrom<Kind>("trace", "frob", "det"),
  samples: fc.integer({ min: 1, max: 4 }),
  lambda: fc.double({ min: 0.5, max: 2, noNaN: true }),
  rho: fc.double({ min: 0.05, max: 0.5, noNaN: true }),
  halfWidth: fc.double({ min: 0.05, max: 0.5, noNaN: true }),
  deltaSeed: fc.integer(),
});

/** The spec, rho, deltas and closed form of a case (Det-SAM: rho 1, deltas in the cube). */
function setUp(c: StepCase) {
  const d = c.loss.polynomial.dimension;
  const rng = new Random(c.deltaSeed);
  const n = c.kind === "frob" ? Math.max(2, c.samples) : c.samples;
  const rho = c.kind === "det" ? 1 : c.rho;
  const deltas = Array.from(
    { length: n },
    () => (c.kind === "det" ? rng.cube(d, c.halfWidth) : rng.gaussianVector(d)),
  );
  const spec: SharpnessSpec = c.kind === "trace"
    ? traceSpec()
    : c.kind === "frob"
    ? frobeniusSpec()
    : determinantSpec(c.halfWidth);
  const closedForm = c.kind === "trace"
    ? traceSamDirection
    : c.kind === "frob"
    ? frobSamDirection
    : detSamDirection;
  return { d, n, rho, deltas, spec, closedForm };
}

interface Outcome {
  ratio: number;
  /** ‖G - g‖∞ / max tolerance: how far above the tolerance the penalty's contribution is. */
  signal: number;
  where: string;
}

function check(c: StepCase): Outcome {
  const { polynomial, point } = c.loss;
  const { d, n, rho, deltas, spec, closedForm } = setUp(c);
  const lambda = c.lambda;
  const problem: ReferenceProblem = {
    loss: (x) => evaluate(polynomial, x),
    grad: (x) => gradientOf(polynomial, x),
  };
  const options = { rho, lambda, deltas };
  const G = closedForm(problem, point, options);
  const objective = (x: Float64Array) => sampledObjective(problem, x, { ...options, spec });
  const steps = gradientSteps(point);
  const fd = gradient(objective, point, { step: steps });
  const fd2 = gradient(objective, point, { step: steps.map((h) => 2 * h) });
  const details = universalDirectionDetails(problem, point, { ...options, spec });
  const { weights, gradient: g, gradients, quotients } = details;

  // Rounding of one evaluation of the objective on the stencil (|y - x| <= 2h).
  const hMax = 2 * Math.max(...steps);
  const box0 = Float64Array.from(point, (v) => Math.abs(v) + hMax);
  const boxes = deltas.map((delta) =>
    Float64Array.from(box0, (v, k) => v + rho * Math.abs(delta[k]))
  );
  const pointSum = (box: Float64Array) => box.reduce((s, v) => s + v, 0);
  const e0 = evaluationError(polynomial, box0);
  const quotientErrors = boxes.map((box) =>
    (evaluationError(polynomial, box) + e0 +
      EPSILON * (absoluteSum(polynomial, box) + absoluteSum(polynomial, box0)) +
      EPSILON * gradientBound(polynomial, box) * pointSum(box)) / (rho * rho)
  );
  const m = new Array<number>(spec.inner.dimension).fill(0);
  for (const q of quotients) spec.inner.value(q).forEach((v, k) => (m[k] += v / n));
  const F = spec.outer.value(m, n);
  const dF = spec.outer.gradient(m, n);
  const penaltySensitivity = Math.abs(F) + dF.reduce((s, v, k) => s + Math.abs(v * m[k]), 0);
  const objectiveValue = objective(point);
  let objectiveError = e0 + EPSILON * Math.abs(objectiveValue) +
    16 * n * EPSILON * lambda * rho * rho * penaltySensitivity;
  for (let i = 0; i < n; i++) {
    objectiveError += lambda * rho * rho * Math.abs(weights[i]) * quotientErrors[i];
  }
  // First-order analysis with the weights taken at x: a factor 2 covers their variation over
  // the stencil and the second-order terms.
  objectiveError *= 2;

  // Rounding of the closed form: its terms, the analytic gradients (<= 12·T products each), and
  // the weights' sensitivity to the rounding of the d_i (Σ_j |∂w_i/∂d_j| <= 2 max|w| + 2/(n-1)).
  const absolute = {
    dimension: d,
    terms: polynomial.terms.map((t) => ({ ...t, coefficient: Math.abs(t.coefficient) })),
  };
  const gradientRounding = (box: Float64Array) =>
    Array.from(gradientOf(absolute, box), (v) => gamma(12 * polynomial.terms.length + 4) * v);
  const g0Rounding = gradientRounding(box0);
  const giRounding = boxes.map(gradientRounding);
  const weightSensitivity = 2 * Math.max(...Array.from(weights, Math.abs)) + 2 / Math.max(n - 1, 1);
  const worstQuotientError = Math.max(...quotientErrors);

  let ratio = 0;
  let where = "";
  let maxTolerance = 0;
  let penaltyPart = 0;
  for (let k = 0; k < d; k++) {
    let termSum = Math.abs(g[k]);
    let gradientErrors = g0Rounding[k];
    let spread = 0;
    for (let i = 0; i < n; i++) {
      termSum += lambda * Math.abs(weights[i]) * (Math.abs(gradients[i][k]) + Math.abs(g[k]));
      gradientErrors += lambda * Math.abs(weights[i]) * (giRounding[i][k] + g0Rounding[k]);
      spread += Math.abs(gradients[i][k] - g[k]);
    }
    const closedFormError = 2 *
      (gamma(4 * n + 8) * termSum + gradientErrors +
        lambda * weightSensitivity * worstQuotientError * spread);
    // Central differences: error(h) = c h² + O(h⁴) + round-off r(h), |r(h)| <= R/h with
    // R = objectiveError + eps|objective|. D(2h) - D(h) = 3ch² + r(2h) - r(h), so
    // |c h²| <= (|D(2h) - D(h)| + 1.5R/h)/3; the factor 4 on the Richardson estimate covers the
    // O(h⁴) term.
    const R = objectiveError + EPSILON * Math.abs(objectiveValue);
    const tolerance = (4 / 3) * Math.abs(fd2[k] - fd[k]) + 2 * R / steps[k] + closedFormError;
    maxTolerance = Math.max(maxTolerance, tolerance);
    penaltyPart = Math.max(penaltyPart, Math.abs(G[k] - g[k]));
    const r = Math.abs(G[k] - fd[k]) / tolerance;
    if (r > ratio) {
      ratio = r;
      where = `coordinate ${k}: closed form ${G[k]}, FD ${fd[k]}, tolerance ${tolerance}`;
    }
  }
  return { ratio, signal: penaltyPart / maxTolerance, where };
}

function describeCase(c: StepCase): string {
  const { n, rho } = setUp(c);
  return `${c.kind}-SAM, L = ${formatPolynomial(c.loss.polynomial)} at x = [${
    Array.from(c.loss.point).join(", ")
  }], n = ${n}, lambda = ${c.lambda}, rho = ${rho}${
    c.kind === "det" ? `, halfWidth = ${c.halfWidth}` : ""
  }, deltas from Random(${c.deltaSeed})`;
}

/**
 * Property 8 (fast-check, 150 random quartic losses, spread over Trace-, Frob- and Det-SAM).
 *
 * @example
 * ```ts ignore
 * import { referenceStepProperty } from "./reference_step.ts";
 * console.assert((await referenceStepProperty.run(1)).passed);
 * ```
 */
export const referenceStepProperty: Property = {
  id: 8,
  name: "Trace/Frob/Det-SAM closed forms equal the FD gradient of the sampled objective",
  run(seed: number): PropertyResult {
    let worst = 0;
    let worstWhere = "";
    let cases = 0;
    const signals: number[] = [];
    const property = fc.property(stepCase, (c) => {
      const outcome = check(c);
      cases++;
      signals.push(outcome.signal);
      if (outcome.ratio > worst) {
        worst = outcome.ratio;
        worstWhere = `${c.kind}-SAM, ${outcome.where}`;
      }
      return outcome.ratio <= 1;
    });
    const details = fc.check(property, { seed, numRuns: NUM_RUNS });
    const why =
      "|closed form - FD gradient of L + lambda rho² F(mean f(d_i))| / tolerance per coordinate; " +
      "tolerance = 4/3 |D(2h) - D(h)| (Richardson estimate of the h² truncation, ×4 for O(h⁴)) " +
      "+ 2R/h (round-off of the objective, R from a first-order rounding analysis) + the closed form's own rounding";
    if (details.failed) {
      const c = details.counterexample?.[0];
      const replay = c ? check(c) : undefined;
      return {
        cases,
        worstError: Math.max(worst, replay?.ratio ?? Infinity),
        tolerance: 1,
        passed: false,
        detail: c
          ? `counterexample: ${describeCase(c)}: ${replay!.where} (ratio ${replay!.ratio}); ${why}`
          : `fast-check error: ${String(details.errorInstance)}`,
      };
    }
    signals.sort((a, b) => a - b);
    const strong = signals.filter((s) => s >= 1e3).length;
    return {
      cases,
      worstError: worst,
      tolerance: 1,
      passed: worst <= 1,
      detail:
        `${why}; worst at ${worstWhere}; the penalty's contribution ‖G - g‖∞ exceeded 1000× the tolerance in ${strong} of ${signals.length} cases (median ${
          signals[Math.floor(signals.length / 2)].toExponential(1)
        }×), so a wrong weight would not pass`,
    };
  },
};
