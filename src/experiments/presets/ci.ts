/**
 * `ci`: Fashion-MNIST subsets, the MLP and the small CNN, all seven optimizers, 3 seeds, the three
 * settings (clean, 10% of the data, 20% label noise): 126 runs of 3 epochs on the first 2000
 * training images (batch 32) and 1000 test images. Measured on 2 cores (AMD EPYC VM, wasm backend,
 * shared machine): 210 s wall with `--jobs 2` (381 s of CPU, so about 6.5 minutes in one process).
 * Seeds agree to 1–3 points on the clean and noisy cells (10–15 points on the CNN's 200-image
 * cell), so a broken optimizer, which loses tens of points, stands out; see
 * `src/report/regression.ts` for the rule. Frob-SAM uses
 * rho 0.01, lambda 1e-4 instead of the authors' 0.005/0.005, which diverge here (see
 * `smallNetworkOptimizers`).
 *
 * @module
 */
import { type GridDeclaration, PAPER_SETTINGS } from "../grid.ts";
import { smallNetworkOptimizers } from "./optimizers.ts";

/**
 * The `ci` grid.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ciGrid } from "./ci.ts";
 * assert.ok(ciGrid().seeds.length === 3);
 * ```
 */
export function ciGrid(): GridDeclaration {
  return {
    name: "ci",
    description:
      "Fashion-MNIST subsets, MLP and small CNN, 7 optimizers, 3 seeds, 3 settings; ~10 min on 2 cores",
    datasets: ["fashion-mnist"],
    models: ["mlp", "cnn"],
    optimizers: smallNetworkOptimizers(),
    seeds: [0, 1, 2],
    settings: [...PAPER_SETTINGS],
    common: {
      epochs: 3,
      batchSize: 32,
      lr: 0.05,
      momentum: 0.9,
      trainLimit: 2000,
      testLimit: 1000,
      hessianEvery: 3,
      hessianSamples: 4,
      hessianSubset: 128,
    },
  };
}
