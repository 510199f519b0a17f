/**
 * The perturbation draws of the built-in measures as plain data (`DrawRecipe`), so that the same
 * draw can run on the main thread or on a background thread and give the same numbers.
 *
 * @module
 */
import { Random } from "../math/random.ts";
import { cubeMeasure, gaussianMeasure, type PerturbationMeasure } from "../measures/spec.ts";
import { stepSeed } from "./seed.ts";

/** A measure that a background thread can rebuild: `N(0, I)` or uniform on `[-h, h]^d`. */
export type DrawRecipe = { kind: "gaussian" } | { kind: "cube"; halfWidth: number };

/**
 * The measure a recipe describes (the same objects `traceSpec()` etc. use).
 *
 * @example
 * ```ts
 * import { recipeMeasure } from "./draws.ts";
 * console.assert(recipeMeasure({ kind: "cube", halfWidth: 0.01 }).name === "cube(0.01)");
 * ```
 */
export function recipeMeasure(recipe: DrawRecipe): PerturbationMeasure {
  if (recipe.kind === "gaussian") return gaussianMeasure();
  if (recipe.kind === "cube") return cubeMeasure(recipe.halfWidth);
  throw new TypeError(`draw recipe: unknown kind ${JSON.stringify(recipe)}`);
}

/**
 * Draws the `out.length` perturbations of step `step` of a run seeded `seed` from `measure`, in
 * order from one stream `Random(stepSeed(seed, step))`: the definition every thread follows.
 *
 * @example
 * ```ts
 * import { drawStep } from "./draws.ts";
 * import { gaussianMeasure } from "../measures/spec.ts";
 * const a = [new Float32Array(3)], b = [new Float32Array(3)];
 * drawStep(gaussianMeasure(), 1, 0, [], a);
 * drawStep(gaussianMeasure(), 1, 0, [], b);
 * console.assert(a[0].every((v, i) => v === b[0][i]));
 * ```
 */
export function drawStep(
  measure: PerturbationMeasure,
  seed: number,
  step: number,
  point: ArrayLike<number>,
  out: readonly Float32Array[],
): void {
  const rng = new Random(stepSeed(seed, step));
  for (const buffer of out) measure.sample(rng, point, buffer);
}
