/**
 * The backends the optimizer tests run on, started through src/backends' `initBackend` (which
 * registers the wasm kernels TF.js lacks or runs slowly).
 *
 * @module
 */
import { initBackend } from "../backends/mod.ts";

/** The backends every optimizer test covers. */
export const TEST_BACKENDS = ["cpu", "wasm"] as const;

/**
 * Switches TF.js to `name` with `initBackend`, failing loudly when it cannot.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { useBackend } from "./test_backends.ts";
 * await useBackend("cpu");
 * assert.equal(tf.getBackend(), "cpu");
 * ```
 */
export async function useBackend(name: typeof TEST_BACKENDS[number]): Promise<void> {
  const choice = await initBackend(name);
  if (choice.backend !== name) {
    throw new Error(`initBackend("${name}") started ${choice.backend} instead`);
  }
}
