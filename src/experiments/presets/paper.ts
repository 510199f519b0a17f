/**
 * `paper`: ResNet-18 on CIFAR-10, CIFAR-100 and SVHN with the authors' settings (THEORY.md):
 * batch 128, SGD momentum 0.9, lr 0.1, weight decay 5e-4, 200 epochs, lr × 0.1 at epochs 50, 100
 * and 150; SAM rho 0.05; ASAM rho 0.5, eta 0.01; Trace-SAM rho 0.01, lambda 1, n 1; Frob-SAM rho
 * 0.005, lambda 0.005, n 2; Det-SAM rho 1, lambda 1, n 1, h 0.01. Three seeds, three settings:
 * 189 runs of 200 epochs, for a GPU (`--backend webgpu` or `tensorflow`), split with `--shard`.
 * Never run in CI.
 *
 * @module
 */
import { type GridDeclaration, PAPER_SETTINGS } from "../grid.ts";
import { paperOptimizers } from "./optimizers.ts";

/**
 * The `paper` grid.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { paperGrid } from "./paper.ts";
 * assert.ok(paperGrid().common?.epochs === 200);
 * ```
 */
export function paperGrid(): GridDeclaration {
  return {
    name: "paper",
    description: "ResNet-18 on CIFAR-10/100 and SVHN, authors' settings, 200 epochs; GPU only",
    datasets: ["cifar10", "cifar100", "svhn"],
    models: ["resnet"],
    optimizers: paperOptimizers(),
    seeds: [0, 1, 2],
    settings: [...PAPER_SETTINGS],
    common: {
      epochs: 200,
      batchSize: 128,
      lr: 0.1,
      momentum: 0.9,
      weightDecay: 5e-4,
      schedule: "multistep",
      milestones: [50, 100, 150],
      gamma: 0.1,
      hessianEvery: 50,
      hessianSamples: 20,
      hessianSubset: 1000,
    },
  };
}
