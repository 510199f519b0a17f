/**
 * The seven optimizers of the comparison with the authors' hyperparameters (THEORY.md, "The
 * authors' settings"), shared by the presets. Adam gets its own learning rate: the SGD rate of a
 * preset (0.05–0.1) makes Adam diverge.
 *
 * @module
 */
import type { GridOptimizer } from "../compare/grid.ts";

/**
 * SGD, Adam, SAM, ASAM, Trace-SAM, Frob-SAM, Det-SAM with the paper's settings.
 *
 * @example
 * ```ts
 * import { paperOptimizers } from "./optimizers.ts";
 * console.assert(paperOptimizers().length === 7);
 * ```
 */
export function paperOptimizers(adamLr = 0.001): GridOptimizer[] {
  return [
    { optimizer: "sgd" },
    { optimizer: "adam", flags: { lr: adamLr } },
    { optimizer: "sam", flags: { rho: 0.05 } },
    { optimizer: "asam", flags: { rho: 0.5, eta: 0.01 } },
    { optimizer: "trace-sam", flags: { rho: 0.01, lambda: 1, samples: 1 } },
    { optimizer: "frob-sam", flags: { rho: 0.005, lambda: 0.005, samples: 2 } },
    { optimizer: "det-sam", flags: { rho: 1, lambda: 1, samples: 1, halfWidth: 0.01 } },
  ];
}
