/**
 * The CLI names of the optimizers (`--optimizer sgd|adam|sam|asam|trace-sam|frob-sam|det-sam`)
 * mapped to their factories, with the authors' settings as defaults (THEORY.md table).
 *
 * @module
 */
import { adam } from "./adam.ts";
import type { BaseOptimizer } from "./perturbed.ts";
import { asam, sam } from "./sam.ts";
import { sgd } from "./sgd.ts";
import type { UsamOptimizer } from "./types.ts";
import { detSam, frobSam, traceSam } from "./universal.ts";
import { checkKnownKeys } from "./validate.ts";

/** The optimizer names the CLI accepts. */
export const OPTIMIZER_NAMES = [
  "sgd",
  "adam",
  "sam",
  "asam",
  "trace-sam",
  "frob-sam",
  "det-sam",
] as const;

/** One of {@link OPTIMIZER_NAMES}. */
export type OptimizerName = typeof OPTIMIZER_NAMES[number];

/**
 * Every hyperparameter a CLI run can set; each optimizer reads the ones it has. The base
 * optimizer's (`lr`, `momentum`, `weightDecay`, `nesterov`, `beta1`, `beta2`, `epsilon`) apply
 * to the SAM family's base too.
 */
export interface OptimizerHyperparameters {
  lr?: number;
  momentum?: number;
  weightDecay?: number;
  nesterov?: boolean;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** Base optimizer of the SAM family: "sgd" (default) or "adam". */
  base?: "sgd" | "adam";
  rho?: number;
  lambda?: number;
  samples?: number;
  eta?: number;
  halfWidth?: number;
  seed?: number;
}

const HYPERPARAMETER_KEYS = [
  "lr",
  "momentum",
  "weightDecay",
  "nesterov",
  "beta1",
  "beta2",
  "epsilon",
  "base",
  "rho",
  "lambda",
  "samples",
  "eta",
  "halfWidth",
  "seed",
] as const;

/** Which hyperparameters (besides the base's) each name accepts. */
const OWN_KEYS: Record<OptimizerName, readonly string[]> = {
  "sgd": ["seed"],
  "adam": ["seed"],
  "sam": ["rho", "seed", "base"],
  "asam": ["rho", "eta", "seed", "base"], // seed accepted, unused
  "trace-sam": ["rho", "lambda", "samples", "seed", "base"],
  "frob-sam": ["rho", "lambda", "samples", "seed", "base"],
  "det-sam": ["rho", "lambda", "samples", "halfWidth", "seed", "base"],
};

/**
 * The optimizer for a CLI name. Unset hyperparameters take the authors' settings (SGD lr 0.1,
 * momentum 0.9, wd 5e-4; SAM ρ 0.05; ASAM ρ 0.5, η 0.01; Trace-SAM ρ 0.01, λ 1, n 1; Frob-SAM
 * ρ 0.005, λ 0.005, n 2; Det-SAM ρ 1, λ 1, n 1, h 0.01). A hyperparameter the named optimizer
 * does not use (e.g. `lambda` for `sam`) is refused, so a typo cannot pass silently; `seed` is
 * accepted by every name (a run always has one) and ignored by the deterministic ones.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createOptimizer } from "./factory.ts";
 * const optimizer = createOptimizer("frob-sam", { lr: 0.001, rho: 0.01, seed: 7 });
 * assert.ok(optimizer.gradientEvaluations === 3 && optimizer.learningRate === 0.001);
 * optimizer.dispose();
 * ```
 */
export function createOptimizer(
  name: string,
  hyperparameters: OptimizerHyperparameters = {},
): UsamOptimizer {
  if (!(OPTIMIZER_NAMES as readonly string[]).includes(name)) {
    throw new RangeError(
      `createOptimizer: unknown optimizer ${JSON.stringify(name)} (known: ${
        OPTIMIZER_NAMES.join(", ")
      })`,
    );
  }
  checkKnownKeys(`createOptimizer(${name})`, hyperparameters, HYPERPARAMETER_KEYS);
  const key = name as OptimizerName;
  const hp = hyperparameters;
  const baseName = hp.base ?? (key === "adam" ? "adam" : "sgd");
  if (baseName !== "sgd" && baseName !== "adam") {
    throw new RangeError(
      `createOptimizer(${name}): unknown base optimizer ${JSON.stringify(baseName)} ` +
        `(use "sgd" or "adam")`,
    );
  }
  const sgdKeys = ["lr", "momentum", "weightDecay", "nesterov"];
  const adamKeys = ["lr", "beta1", "beta2", "epsilon", "weightDecay"];
  const allowed = new Set([...OWN_KEYS[key], ...(baseName === "sgd" ? sgdKeys : adamKeys)]);
  for (const k of Object.keys(hp)) {
    if (!allowed.has(k) && hp[k as keyof OptimizerHyperparameters] !== undefined) {
      throw new RangeError(
        `createOptimizer(${name}): hyperparameter "${k}" does not apply to ${name}` +
          (key === "sgd" || key === "adam" ? "" : ` with base ${baseName}`),
      );
    }
  }
  const makeBase = (): UsamOptimizer =>
    baseName === "sgd" ? sgd(pick(hp, sgdKeys)) : adam(pick(hp, adamKeys));
  if (key === "sgd" || key === "adam") return makeBase();
  const base: BaseOptimizer = makeBase();
  const own = pick(hp, OWN_KEYS[key].filter((k) => k !== "base"));
  switch (key) {
    case "sam":
      return sam({ ...own, base });
    case "asam":
      return asam({ ...own, base });
    case "trace-sam":
      return traceSam({ ...own, base });
    case "frob-sam":
      return frobSam({ ...own, base });
    case "det-sam":
      return detSam({ ...own, base });
  }
}

function pick(source: OptimizerHyperparameters, keys: readonly string[]): Record<string, never> {
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const value = source[k as keyof OptimizerHyperparameters];
    if (value !== undefined) out[k] = value;
  }
  return out as Record<string, never>;
}
