/**
 * Deliberate damage for proving that `deno task regress` catches a broken optimizer. Hidden test
 * hook (`--sabotage NAME`); never use it for real results.
 *
 * `sam-perturbation`: SAM's perturbation radius becomes 100× the grid's (0.05 → 5), so every SAM
 * step takes the gradient far from the weights: the same damage as a bug that scales the ascent
 * step wrongly. The change is made to the grid, so the sabotaged runs get other ids and can never
 * be mistaken for (or resume from) honest ones.
 *
 * @module
 */
import type { GridDeclaration } from "./grid.ts";

/**
 * The known kinds of sabotage.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SABOTAGE_NAMES } from "./sabotage.ts";
 * assert.ok(SABOTAGE_NAMES.includes("sam-perturbation"));
 * ```
 */
export const SABOTAGE_NAMES = ["sam-perturbation"] as const;

/**
 * A copy of `grid` with the named damage applied.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sabotageGrid } from "./sabotage.ts";
 * const grid = { name: "g", datasets: ["d"], models: ["mlp" as const], seeds: [0], settings: [{ name: "clean" }],
 *   optimizers: [{ optimizer: "sam" as const, flags: { rho: 0.05 } }] };
 * assert.equal(sabotageGrid(grid, "sam-perturbation").optimizers[0].flags?.rho, 5);
 * ```
 */
export function sabotageGrid(grid: GridDeclaration, name: string): GridDeclaration {
  if (name !== "sam-perturbation") {
    throw new RangeError(
      `--sabotage must be one of ${SABOTAGE_NAMES.join(", ")}, got ${JSON.stringify(name)}`,
    );
  }
  if (!grid.optimizers.some((o) => o.optimizer === "sam")) {
    throw new RangeError(
      `--sabotage ${name}: the grid "${grid.name}" has no sam optimizer to damage`,
    );
  }
  return {
    ...grid,
    name: `${grid.name}-sabotaged`,
    optimizers: grid.optimizers.map((o) =>
      o.optimizer === "sam" ? { ...o, flags: { ...o.flags, rho: 100 * (o.flags?.rho ?? 0.05) } } : o
    ),
  };
}
