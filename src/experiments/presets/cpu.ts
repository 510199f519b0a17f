/**
 * `cpu`: the `ci` grid on the full Fashion-MNIST (60,000 / 10,000 images) with more epochs and the
 * Hessian measured every epoch: an overnight run on a CPU.
 *
 * @module
 */
import type { GridDeclaration } from "../grid.ts";
import { ciGrid } from "./ci.ts";

/**
 * The `cpu` grid.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cpuGrid } from "./cpu.ts";
 * assert.ok(cpuGrid().common?.trainLimit === null);
 * ```
 */
export function cpuGrid(): GridDeclaration {
  const ci = ciGrid();
  return {
    ...ci,
    name: "cpu",
    description:
      "Full Fashion-MNIST, MLP and small CNN, 7 optimizers, 3 seeds, 3 settings; overnight on a CPU",
    common: {
      ...ci.common,
      epochs: 20,
      batchSize: 128,
      trainLimit: null,
      testLimit: null,
      hessianEvery: 1,
      hessianSamples: 20,
      hessianSubset: 1000,
    },
  };
}
