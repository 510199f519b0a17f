/**
 * The backends the optimizer tests run on. Temporary setup: it registers cpu and wasm itself
 * until `initBackend` from src/backends lands, then it will call that.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";

/** The backends every optimizer test covers. */
export const TEST_BACKENDS = ["cpu", "wasm"] as const;

/**
 * Switches TF.js to `name`, failing loudly when it cannot.
 *
 * @example
 * ```ts
 * import { useBackend } from "./test_backends.ts";
 * await useBackend("cpu");
 * ```
 */
export async function useBackend(name: typeof TEST_BACKENDS[number]): Promise<void> {
  if (!(await tf.setBackend(name))) throw new Error(`backend ${name} is not available`);
}
