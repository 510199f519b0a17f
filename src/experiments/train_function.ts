/**
 * The real training function of a grid: `train` from `src/training` with the run's flags, and the
 * invocation's backend and data folder (which are not part of a run's config or id).
 *
 * @module
 */
import type { BackendName } from "../backends/init.ts";
import { train } from "../training/train.ts";
import type { TrainFunction } from "./runner.ts";

/**
 * `train` bound to a backend and data folder.
 *
 * @example
 * ```ts ignore
 * import { gridTrainFunction } from "./train_function.ts";
 * const run = gridTrainFunction({ backend: "cpu", dataDir: null });
 * const result = await run({ epochs: 1, trainLimit: 500, testLimit: 200 }, {});
 * ```
 */
export function gridTrainFunction(
  invocation: { backend: string; dataDir: string | null; allowBackendChange?: boolean },
): TrainFunction {
  return (flags, options) =>
    train(flags, {
      ...options,
      backend: invocation.backend as BackendName,
      dataDir: invocation.dataDir,
      allowBackendChange: invocation.allowBackendChange,
    });
}
