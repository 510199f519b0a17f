/**
 * Every optimizer's TF.js step equals the Float64 reference step (src/reference/sam_reference.ts) on
 * the flattened parameters of a logistic regression and a two-layer MLP, with the perturbations
 * the TF.js step used (read back from `lastPerturbations`).
 */
import assert from "node:assert/strict";
import { gradient as finiteDifferenceGradient } from "../math/finite_diff.ts";
import {
  adamStep,
  asamDirection,
  detSamDirection,
  frobSamDirection,
  initialAdamState,
  initialSgdState,
  samDirection,
  sgdStep,
  traceSamDirection,
  universalDirectionDetails,
} from "../reference/sam_reference.ts";
import { determinantSpec, frobeniusSpec, type SharpnessSpec, traceSpec } from "../measures/spec.ts";
import { adam, asam, detSam, frobSam, sam, sgd, traceSam, type UsamOptimizer } from "./mod.ts";
import { concat64, logisticRegression, type TinyProblem, twoLayerMlp } from "./test_fixtures.ts";
import { TEST_BACKENDS, useBackend } from "./test_backends.ts";

const EPS32 = 2 ** -23;
/**
 * Relative error of a float32 gradient of these tiny models against the exact one, as a multiple
 * of eps32: each entry is a sum over a batch of 8 of products through at most two layers of
 * fan-in <= 6 (plus log-sum-exp), so a few dozen roundings; 64 leaves a margin while a real bug
 * (a wrong coefficient, sign, or missing term) is off by O(1).
 */
const GRADIENT_ROUNDINGS = 64;

const MODELS: [string, (seed: number) => TinyProblem][] = [
  ["logistic regression", (seed) => logisticRegression({ seed })],
  ["2-layer MLP", (seed) => twoLayerMlp({ seed })],
];

const SGD_BASE = { lr: 0.1, momentum: 0.9, weightDecay: 5e-4, nesterov: false };

function maxAbs(v: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]));
  return m;
}

function assertClose(
  actual: Float64Array,
  expected: Float64Array,
  tolerance: number,
  what: string,
) {
  assert.equal(actual.length, expected.length);
  let worst = 0;
  let at = 0;
  for (let i = 0; i < actual.length; i++) {
    const error = Math.abs(actual[i] - expected[i]);
    if (error > worst) [worst, at] = [error, i];
  }
  assert.ok(
    worst <= tolerance,
    `${what}: |tf - reference| = ${worst} at ${at} (tf ${actual[at]}, ref ${
      expected[at]
    }) > ${tolerance}`,
  );
}

/**
 * Bound on |x_tf - x_ref| after an SGD step with direction error `directionError`: lr times it
 * (momentum buffer = direction on the first step), plus the rounding of x - lr·v in float32
 * (two roundings of numbers of size |x| + lr|v|).
 */
function sgdTolerance(x: Float64Array, direction: Float64Array, directionError: number): number {
  const lr = SGD_BASE.lr;
  return lr * directionError + 2 * EPS32 * (maxAbs(x) + lr * maxAbs(direction));
}

Deno.test("fixtures: the Float64 losses equal the TF.js losses and their gradients are exact", async () => {
  await useBackend("cpu");
  for (const [name, make] of MODELS) {
    const problem = make(3);
    const x = problem.read();
    const tfLoss = problem.loss();
    // The TF.js loss is the float32 evaluation of the same formula: a few dozen roundings.
    assert.ok(Math.abs(tfLoss.dataSync()[0] - problem.loss64(x)) <= 64 * EPS32 * problem.loss64(x));
    tfLoss.dispose();
    const fd = finiteDifferenceGradient(problem.loss64, x);
    // Central differences in Float64 on an O(1) smooth loss: error ~1e-9, far below a bug.
    assertClose(
      Float64Array.from(problem.grad64(x)),
      Float64Array.from(fd),
      1e-6,
      `${name} grad64`,
    );
    problem.dispose();
  }
});

for (const backend of TEST_BACKENDS) {
  for (const [modelName, make] of MODELS) {
    Deno.test(`sgd (${modelName}): two PyTorch steps (momentum, weight decay) match sgdStep [${backend}]`, async () => {
      await useBackend(backend);
      for (const nesterov of [false, true]) {
        const problem = make(5);
        const options = { ...SGD_BASE, nesterov };
        const optimizer = sgd(options);
        let state = initialSgdState();
        for (let step = 0; step < 2; step++) {
          const x = problem.read();
          const g = problem.grad64(x);
          optimizer.minimize(problem.loss, false, problem.variables);
          const reference = sgdStep(x, g, state, options);
          state = reference.state;
          const bound = sgdTolerance(x, g, GRADIENT_ROUNDINGS * EPS32 * maxAbs(g) * (step + 1) * 2);
          assertClose(problem.read(), reference.x, bound, `sgd nesterov=${nesterov} step ${step}`);
        }
        optimizer.dispose();
        problem.dispose();
      }
    });

    Deno.test(`adam (${modelName}): two PyTorch steps match adamStep [${backend}]`, async () => {
      await useBackend(backend);
      const problem = make(6);
      const options = { lr: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 1e-3 };
      const optimizer = adam(options);
      let state = initialAdamState(problem.read().length);
      for (let step = 0; step < 2; step++) {
        const x = problem.read();
        const g = problem.grad64(x);
        optimizer.minimize(problem.loss, false, problem.variables);
        const reference = adamStep(x, g, state, options);
        state = reference.state;
        // The Adam update m̂/(sqrt(v̂)+ε) is scale-free in g: a relative gradient error r moves it
        // by at most ~2r·lr per step (r = GRADIENT_ROUNDINGS·eps32 relative to the entry, which
        // holds here because no entry of g is near 0 relative to the rest), plus x's rounding.
        const bound = 2 * (step + 1) * options.lr * GRADIENT_ROUNDINGS * EPS32 +
          2 * EPS32 * (maxAbs(x) + options.lr);
        assertClose(problem.read(), reference.x, bound, `adam step ${step}`);
      }
      optimizer.dispose();
      problem.dispose();
    });

    Deno.test(`sam (${modelName}): one step matches samDirection + sgdStep, e = rho g/|g| [${backend}]`, async () => {
      await useBackend(backend);
      const problem = make(7);
      const rho = 0.05;
      const optimizer = sam({ rho, base: sgd(SGD_BASE), recordPerturbations: true });
      const x = problem.read();
      const g = problem.grad64(x);
      optimizer.minimize(problem.loss, false, problem.variables);
      const direction = samDirection({ loss: problem.loss64, grad: problem.grad64 }, x, { rho });
      const reference = sgdStep(x, direction, initialSgdState(), SGD_BASE);
      // e's float32 error (relative GRADIENT_ROUNDINGS·eps32, size rho) moves ∇L by at most
      // |H|·that; with |H| <= ~1 for these losses it is inside the gradient's own rounding budget,
      // counted twice for the two passes.
      const bound = sgdTolerance(x, direction, 2 * GRADIENT_ROUNDINGS * EPS32 * maxAbs(direction));
      assertClose(problem.read(), reference.x, bound, "sam");
      const e = concat64(optimizer.lastPerturbations[0]);
      const norm = Math.hypot(...g);
      assertClose(
        e,
        Float64Array.from(g, (v) => (rho * v) / norm),
        GRADIENT_ROUNDINGS * EPS32 * rho,
        "sam e",
      );
      optimizer.dispose();
      problem.dispose();
    });

    Deno.test(`asam (${modelName}): one step matches asamDirection + sgdStep [${backend}]`, async () => {
      await useBackend(backend);
      const problem = make(8);
      const rho = 0.5, eta = 0.01;
      const optimizer = asam({ rho, eta, base: sgd(SGD_BASE) });
      const x = problem.read();
      optimizer.minimize(problem.loss, false, problem.variables);
      const direction = asamDirection({ loss: problem.loss64, grad: problem.grad64 }, x, {
        rho,
        eta,
      });
      const reference = sgdStep(x, direction, initialSgdState(), SGD_BASE);
      const bound = sgdTolerance(x, direction, 2 * GRADIENT_ROUNDINGS * EPS32 * maxAbs(direction));
      assertClose(problem.read(), reference.x, bound, "asam");
      optimizer.dispose();
      problem.dispose();
    });

    const sampled: {
      name: string;
      make: (seed: number) => UsamOptimizer;
      spec: SharpnessSpec;
      closedForm: typeof traceSamDirection;
      rho: number;
      lambda: number;
      samples: number;
      /** |∂w_i/∂d_j| summed over j, bounded from the weights (see the tolerance below). */
      weightSensitivity: (weights: Float64Array, n: number) => number;
    }[] = [
      {
        name: "traceSam",
        make: (seed) => traceSam({ rho: 0.05, lambda: 0.7, samples: 3, base: sgd(SGD_BASE), seed }),
        spec: traceSpec(),
        closedForm: traceSamDirection,
        rho: 0.05,
        lambda: 0.7,
        samples: 3,
        weightSensitivity: () => 0, // w_i = 1/n does not depend on the losses
      },
      {
        name: "frobSam",
        make: (seed) => frobSam({ rho: 0.05, lambda: 0.05, samples: 3, base: sgd(SGD_BASE), seed }),
        spec: frobeniusSpec(),
        closedForm: frobSamDirection,
        rho: 0.05,
        lambda: 0.05,
        samples: 3,
        weightSensitivity: (_w, n) => 2 / (n - 1), // w_i = (d_i - mean d)/(n-1)
      },
      {
        name: "detSam",
        make: (seed) =>
          detSam({ rho: 1, lambda: 1, samples: 2, halfWidth: 0.05, base: sgd(SGD_BASE), seed }),
        spec: determinantSpec(0.05),
        closedForm: detSamDirection,
        rho: 1,
        lambda: 1,
        samples: 2,
        // w_i = exp(-d_i/2 - 3 log m)/n: d log w_i / d d_j is bounded by 1/2 + 3/2.
        weightSensitivity: (w) => 2 * maxAbs(w),
      },
    ];

    for (const c of sampled) {
      Deno.test(`${c.name} (${modelName}): one step matches the closed form with the same deltas [${backend}]`, async () => {
        await useBackend(backend);
        const problem = make(9);
        const optimizer = c.make(42);
        const x = problem.read();
        optimizer.minimize(problem.loss, false, problem.variables);
        assert.equal(optimizer.lastPerturbations.length, c.samples);
        const deltas = optimizer.lastPerturbations.map((parts) => concat64(parts));
        assert.equal(deltas[0].length, x.length);
        const p = { loss: problem.loss64, grad: problem.grad64 };
        const options = { rho: c.rho, lambda: c.lambda, deltas };
        const direction = c.closedForm(p, x, options);
        // The spec-driven reference agrees with the closed form (both are MATH's; a cheap cross-check).
        const details = universalDirectionDetails(p, x, { ...options, spec: c.spec });
        assertClose(details.direction, direction, 1e-9 * (1 + maxAbs(direction)), "closed form");
        const reference = sgdStep(x, direction, initialSgdState(), SGD_BASE);
        // Error budget of G = g + λ Σ w_i (g_i - g):
        // - the 1 + n float32 gradients: GRADIENT_ROUNDINGS·eps32 relative each, times (1 + λΣ|w|);
        // - the weights: d_i = (L_i - L)/ρ² from float32 losses (error <= GRADIENT_ROUNDINGS·eps32·
        //   (|L|+1)) at float32-rounded points (eps32·‖x‖₁·max|g| more), so |Δd| <= 2·that/ρ², and
        //   |Δw| <= sensitivity·|Δd|, multiplied by λ·max|g_i - g| for each sample.
        const gScale = Math.max(maxAbs(details.gradient), ...details.gradients.map(maxAbs));
        const weightSum = details.weights.reduce((s, w) => s + Math.abs(w), 0);
        const lossError = GRADIENT_ROUNDINGS * EPS32 * (Math.abs(details.loss) + 1) +
          EPS32 * x.reduce((s, v) => s + Math.abs(v), 0) * gScale;
        const quotientError = (2 * lossError) / (c.rho * c.rho);
        const spread = Math.max(
          ...details.gradients.map((gi) => maxAbs(gi.map((v, k) => v - details.gradient[k]))),
        );
        const directionError = GRADIENT_ROUNDINGS * EPS32 * gScale * (1 + c.lambda * weightSum) +
          c.lambda * c.samples * c.weightSensitivity(details.weights, c.samples) * quotientError *
            spread;
        const bound = sgdTolerance(x, direction, directionError);
        assertClose(problem.read(), reference.x, bound, c.name);
        // The test can fail: the plain gradient step is measurably different from this one.
        const plain = sgdStep(x, details.gradient, initialSgdState(), SGD_BASE);
        const separation = maxAbs(plain.x.map((v, i) => v - reference.x[i]));
        assert.ok(
          separation > 10 * bound,
          `${c.name}: step indistinguishable from SGD (${separation})`,
        );
        optimizer.dispose();
        problem.dispose();
      });
    }
  }
}
