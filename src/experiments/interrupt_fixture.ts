/**
 * `deno task compare` with a fake training function whose graceful stop never comes, for the
 * second-Ctrl-C test of `compare_interrupt_test.ts`: `deno run -A interrupt_fixture.ts GRID OUT`.
 * The fake prints "training" once it runs, yields to the event loop until the signal aborts, then
 * prints "blocking" and computes synchronously for a long time, as a long step (a CPU ResNet step, a Hessian product)
 * would: no listener can run then, so only the signal's default action can stop the process.
 *
 * @module
 */
import { compareMain } from "./compare_command.ts";
import type { TrainFunction } from "./runner.ts";

/**
 * The fake: waits for the abort, then blocks for `blockMs` without yielding.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stubbornTrain } from "./interrupt_fixture.ts";
 * const controller = new AbortController();
 * controller.abort(new Error("stop"));
 * await assert.rejects(stubbornTrain(1)({}, { signal: controller.signal }), /stop/);
 * ```
 */
export function stubbornTrain(blockMs: number): TrainFunction {
  return async (_flags, options) => {
    Deno.stdout.writeSync(new TextEncoder().encode("training\n"));
    while (!options.signal?.aborted) await new Promise((r) => setTimeout(r, 5));
    Deno.stdout.writeSync(new TextEncoder().encode("blocking\n"));
    const until = Date.now() + blockMs;
    while (Date.now() < until) {
      // a long synchronous computation
    }
    throw options.signal.reason;
  };
}

if (import.meta.main) {
  const [grid, out] = Deno.args;
  Deno.exit(
    await compareMain(["--grid", grid, "--out", out, "--no-report"], {
      train: stubbornTrain(15_000),
    }),
  );
}
