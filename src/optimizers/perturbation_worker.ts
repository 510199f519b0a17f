/**
 * Background thread of {@link PerturbationPrefetcher}: draws a step's perturbations into a shared
 * buffer while the main thread runs the previous step, then raises the buffer's flag.
 *
 * Message: `{ buffer, generation, recipe, seed, step, samples, total }`; layout of `buffer`: an
 * Int32 flag (the generation of the last finished draw), 4 bytes of padding, then `samples`
 * Float32 vectors of length `total`.
 *
 * @module
 */
import { parentPort } from "node:worker_threads";
import { type DrawRecipe, drawStep, recipeMeasure } from "./draws.ts";

/** One draw request. */
interface DrawRequest {
  buffer: SharedArrayBuffer;
  generation: number;
  recipe: DrawRecipe;
  seed: number;
  step: number;
  samples: number;
  total: number;
}

parentPort?.on("message", (request: DrawRequest) => {
  const { buffer, generation, recipe, seed, step, samples, total } = request;
  const out = Array.from(
    { length: samples },
    (_, i) => new Float32Array(buffer, 8 + 4 * i * total, total),
  );
  drawStep(recipeMeasure(recipe), seed, step, [], out);
  const flag = new Int32Array(buffer, 0, 1);
  Atomics.store(flag, 0, generation);
  Atomics.notify(flag, 0);
});
