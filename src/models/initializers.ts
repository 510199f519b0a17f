/**
 * Seeded weight initializers. Each layer draws its own seed from one `Random(seed)` stream, so
 * that the same model seed gives the same weights while layers of equal shape still differ.
 * TF.js draws seeded initial values on the host, so the weights are also the same on every
 * backend.
 *
 * @module
 */
import * as tfl from "@tensorflow/tfjs-layers";
import { Random } from "../math/random.ts";

/** A tfjs-layers initializer instance. */
export type Initializer = ReturnType<typeof tfl.initializers.heNormal>;

/**
 * Hands out per-layer seeded initializers from one model seed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SeededInitializers } from "./initializers.ts";
 * const init = new SeededInitializers(7);
 * const kernel = init.he(); // He-normal, for layers followed by ReLU
 * const logits = init.glorot(); // Glorot-uniform, for the logit layer
 * assert.ok(kernel !== logits);
 * ```
 */
export class SeededInitializers {
  readonly #rng: Random;

  constructor(seed: number) {
    this.#rng = new Random(seed);
  }

  #nextSeed(): number {
    return this.#rng.integer(2 ** 31 - 1);
  }

  /** He-normal (fan-in): the variance that keeps ReLU activations at unit scale. */
  he(): Initializer {
    return tfl.initializers.heNormal({ seed: this.#nextSeed() });
  }

  /** Glorot-uniform: for the linear logit layer, whose output is not rectified. */
  glorot(): Initializer {
    return tfl.initializers.glorotUniform({ seed: this.#nextSeed() });
  }
}
