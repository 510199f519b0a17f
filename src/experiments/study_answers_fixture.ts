/**
 * A complete MLP study (7 methods × 5 seeds × 3 settings) with planted differences whose answers
 * are known, for the tests of `study_answers.ts` and `study_report.ts`.
 *
 * Every run's final test accuracy is its planted mean plus `spread[method] · SEED_PATTERN[seed]`;
 * the pattern sums to 0, so each method's mean over the 5 seeds is exactly the planted one, and the
 * spreads differ between methods, so every paired difference has a nonzero sd. Planted gaps are
 * either ≥ 1 point (t ≥ 14 with 4 degrees of freedom against a paired sd ≤ 0.16 points: raw
 * p ≤ 2e-4, still < 0.05 after Holm over the family of 36) or ≤ 0.01 point (t < 0.2, far from
 * significant): no planted answer sits near the threshold. ‖H‖_F is planted the same way.
 *
 * @module
 */
import { syntheticRun } from "../report/test_fixtures.ts";
import type { RunRecord } from "../training/result.ts";

/** The seed pattern of the jitter (sums to 0). */
export const SEED_PATTERN = [1, -1, 0.5, -0.5, 0] as const;

/** Per-method spread of the accuracy jitter (distinct, so paired differences vary). */
export const ACCURACY_SPREAD: Record<string, number> = {
  sgd: 0.0003,
  adam: 0.0009,
  sam: 0.0005,
  asam: 0.0011,
  "trace-sam": 0.0015,
  "frob-sam": 0.0019,
  "det-sam": 0.0023,
};

/**
 * Planted mean test accuracy per setting and method.
 * clean: SAM best, Frob-SAM 0.01 point below (not significant), Det-SAM 3 points below SAM.
 * 10%-data: Det-SAM best, Frob-SAM the runner-up by 0.01 point (no significant winner), both
 * 2 points above SAM. 20%-noise: SAM best, 2 points above the runner-up ASAM; Frob-SAM and
 * Det-SAM significantly below SAM; Adam 0.005 point above SGD (no gain).
 */
export const PLANTED_ACCURACY: Record<string, Record<string, number>> = {
  clean: {
    sgd: 0.86,
    adam: 0.88,
    sam: 0.9,
    asam: 0.89,
    "trace-sam": 0.875,
    "frob-sam": 0.8999,
    "det-sam": 0.87,
  },
  "10%-data": {
    sgd: 0.74,
    adam: 0.75,
    sam: 0.78,
    asam: 0.76,
    "trace-sam": 0.77,
    "frob-sam": 0.7999,
    "det-sam": 0.8,
  },
  "20%-noise": {
    sgd: 0.8,
    adam: 0.80005,
    sam: 0.85,
    asam: 0.83,
    "trace-sam": 0.825,
    "frob-sam": 0.82,
    "det-sam": 0.815,
  },
};

/**
 * Planted final ‖H‖_F (others: 20). clean: Frob-SAM 10 against SGD 20 and SAM 15 (lower than
 * both); 10%-data: Frob-SAM 30 against SGD 30.001 (no difference) and SAM 25 (higher);
 * 20%-noise: Frob-SAM 10 against SGD 12 and SAM 10.0001 (no difference from SAM).
 */
export const PLANTED_FROBENIUS: Record<string, Record<string, number>> = {
  clean: { sgd: 20, sam: 15, "frob-sam": 10 },
  "10%-data": { sgd: 30.001, sam: 25, "frob-sam": 30 },
  "20%-noise": { sgd: 12, sam: 10.0001, "frob-sam": 10 },
};

/** Spread of the ‖H‖_F jitter per method. */
export const FROBENIUS_SPREAD: Record<string, number> = { sgd: 0.1, sam: 0.2, "frob-sam": 0.3 };

/** Gradient evaluations and training seconds per epoch (3 epochs a run). */
export const COST_PER_EPOCH: Record<string, { gradients: number; seconds: number }> = {
  sgd: { gradients: 100, seconds: 1 },
  adam: { gradients: 100, seconds: 1.2 },
  sam: { gradients: 200, seconds: 2.2 },
  asam: { gradients: 200, seconds: 2.5 },
  "trace-sam": { gradients: 200, seconds: 2.4 },
  "frob-sam": { gradients: 300, seconds: 3 },
  "det-sam": { gradients: 200, seconds: 2.6 },
};

/**
 * The planted final accuracy of one run.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { plantedAccuracy } from "./study_answers_fixture.ts";
 * assert.equal(plantedAccuracy("clean", "sam", 4), 0.9);
 * ```
 */
export function plantedAccuracy(setting: string, method: string, seed: number): number {
  return PLANTED_ACCURACY[setting][method] + ACCURACY_SPREAD[method] * SEED_PATTERN[seed];
}

/**
 * The planted final ‖H‖_F of one run.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { plantedFrobenius } from "./study_answers_fixture.ts";
 * assert.equal(plantedFrobenius("clean", "frob-sam", 0), 10.3);
 * ```
 */
export function plantedFrobenius(setting: string, method: string, seed: number): number {
  return (PLANTED_FROBENIUS[setting][method] ?? 20) +
    (FROBENIUS_SPREAD[method] ?? 0.05) * SEED_PATTERN[seed];
}

/**
 * The planted study's final runs (model `mlp`), every method, seed and setting; `skip` leaves
 * out runs (to make a cell incomplete).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { plantedStudy } from "./study_answers_fixture.ts";
 * assert.equal(plantedStudy().length, 105);
 * ```
 */
export function plantedStudy(
  skip: (setting: string, method: string, seed: number) => boolean = () => false,
): RunRecord[] {
  const out: RunRecord[] = [];
  for (const setting of Object.keys(PLANTED_ACCURACY)) {
    for (const method of Object.keys(ACCURACY_SPREAD)) {
      for (let seed = 0; seed < SEED_PATTERN.length; seed++) {
        if (skip(setting, method, seed)) continue;
        const r = syntheticRun({
          method,
          seed,
          setting,
          accuracy: plantedAccuracy(setting, method, seed),
          trace: 1,
          gradientEvaluations: COST_PER_EPOCH[method].gradients,
          seconds: COST_PER_EPOCH[method].seconds,
        });
        const frobenius = plantedFrobenius(setting, method, seed);
        out.push({
          ...r,
          run: { ...r.run, grid: "study" },
          epochs: r.epochs.map((e) => ({ ...e, hessian: { ...e.hessian!, frobenius } })),
        });
      }
    }
  }
  return out;
}
