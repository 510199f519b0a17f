/**
 * The perturbations of a step. A measure with a device recipe (every built-in one) is drawn by the
 * backend's `UsamPhilox` kernel: sample i of step t of a run seeded s is the Philox stream
 * `(s, t, i)` over the flattened weights, variable k taking the indices after those of variables
 * 0..k-1. So nothing is uploaded (on webgpu nothing is computed on the host either; on cpu and
 * wasm the kernel is host code writing into the output tensor: a WebAssembly fill, prefetched a
 * step ahead on a background thread, `setPhiloxPrefetch` in `src/backends/philox_prefetch.ts`,
 * same bits either way; a training loop's draw of step t + 1 is then a copy); the draws are the
 * same on every
 * backend (bits on cpu and wasm; on webgpu, bits for the cube and float32 rounding for the
 * Gaussian, `philox_test.ts`; the sphere up to its float32 norm); and a resumed run gets the same
 * numbers. A measure without a recipe (a user's own) is sampled on the host from
 * `Random(stepSeed(s, t))`, with the point downloaded.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { philoxDraw } from "../backends/philox.ts";
import { Random } from "../math/random.ts";
import type { DrawRecipe, PerturbationMeasure } from "../measures/spec.ts";
import type { StepProgram } from "./reads.ts";
import { stepSeed } from "./seed.ts";

/** Which step of which run, and how many samples. */
export interface DrawPosition {
  seed: number;
  step: number;
  samples: number;
}

/**
 * Sample `sample` of `recipe` over the variables' shapes, on the device: one tensor per variable.
 * `weights` are the values at x (read by adaptive recipes only).
 *
 * @example
 * ```ts
 * import "@tensorflow/tfjs-backend-cpu";
 * import * as tf from "@tensorflow/tfjs-core";
 * import assert from "node:assert/strict";
 * import { drawRecipe } from "./draws.ts";
 * await tf.setBackend("cpu");
 * const x = [tf.ones([2, 2]), tf.ones([3])];
 * const delta = drawRecipe({ kind: "sphere" }, { seed: 1, step: 0, sample: 0 }, x);
 * const norm = Math.hypot(...delta.flatMap((t) => [...t.dataSync()]));
 * assert.ok(Math.abs(norm - 1) < 1e-6); // unit norm over all the variables, float32 rounding
 * tf.dispose([...x, ...delta]);
 * ```
 */
export function drawRecipe(
  recipe: DrawRecipe,
  where: { seed: number; step: number; sample: number },
  weights: readonly tf.Tensor[],
): tf.Tensor[] {
  return tf.tidy(() => drawRecipeUntidied(recipe, where, weights));
}

function drawRecipeUntidied(
  recipe: DrawRecipe,
  where: { seed: number; step: number; sample: number },
  weights: readonly tf.Tensor[],
): tf.Tensor[] {
  const philox = (distribution: "gaussian" | "uniform") => {
    let offset = 0;
    return weights.map((x) => {
      const t = philoxDraw(x.shape, { ...where, offset, distribution });
      offset += x.size;
      return t;
    });
  };
  switch (recipe.kind) {
    case "gaussian":
      return philox("gaussian");
    case "cube":
      return philox("uniform").map((u) => tf.mul(u, recipe.halfWidth));
    case "sphere": {
      const g = philox("gaussian");
      const norm = tf.sqrt(tf.addN(g.map((t) => tf.sum(tf.square(t)))));
      return g.map((t) => tf.div(t, norm));
    }
    case "adaptive": {
      const xi = drawRecipeUntidied(recipe.base, where, weights);
      return xi.map((t, k) => tf.mul(t, tf.add(tf.abs(weights[k]), recipe.eta)));
    }
    default:
      throw new TypeError(`draw recipe: unknown kind ${JSON.stringify(recipe)}`);
  }
}

/**
 * The `samples` perturbations `[sample][variable]` of a step from `measure`: on the device with
 * its recipe, else on the host (one read of the point, yielded; see `reads.ts`).
 *
 * @example
 * ```ts
 * import "@tensorflow/tfjs-backend-cpu";
 * import * as tf from "@tensorflow/tfjs-core";
 * import assert from "node:assert/strict";
 * import { drawStep } from "./draws.ts";
 * import { runSync } from "./reads.ts";
 * import { cubeMeasure } from "../measures/spec.ts";
 * await tf.setBackend("cpu");
 * const x = [tf.zeros([4])];
 * const [[delta]] = runSync(drawStep(cubeMeasure(0.5), { seed: 3, step: 0, samples: 1 }, x));
 * assert.ok(delta.dataSync().every((v) => Math.abs(v) < 0.5));
 * tf.dispose([...x, delta]);
 * ```
 */
export function* drawStep(
  measure: PerturbationMeasure,
  position: DrawPosition,
  weights: readonly tf.Tensor[],
): StepProgram<tf.Tensor[][]> {
  const { seed, step, samples } = position;
  const recipe = measure.draw;
  if (recipe !== undefined) {
    return Array.from(
      { length: samples },
      (_, sample) => drawRecipe(recipe, { seed, step, sample }, weights),
    );
  }
  const sizes = weights.map((x) => x.size);
  const total = sizes.reduce((a, b) => a + b, 0);
  const point = yield tf.tidy(() => tf.concat(weights.map((x) => tf.reshape(x, [-1]))));
  const rng = new Random(stepSeed(seed, step));
  const out: tf.Tensor[][] = [];
  for (let i = 0; i < samples; i++) {
    const flat = new Float32Array(total);
    measure.sample(rng, point, flat);
    let offset = 0;
    out.push(weights.map((x, k) => {
      const part = tf.tensor(flat.subarray(offset, offset + sizes[k]), x.shape, "float32");
      offset += sizes[k];
      return part;
    }));
  }
  return out;
}
