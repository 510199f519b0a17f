/**
 * A comparison with a fake, slow training function that returns large results, for the kill -9
 * test of `runner_test.ts`: `deno run -A kill_fixture.ts OUT_DIR RUNS`.
 *
 * @module
 */
import { expandGrid } from "./grid.ts";
import { runPending } from "./runner.ts";

/**
 * The fake grid of the fixture: `runs` seeds of one SGD cell.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fixtureRuns } from "./kill_fixture.ts";
 * assert.equal(fixtureRuns(4).length, 4);
 * ```
 */
export function fixtureRuns(runs: number) {
  return expandGrid({
    name: "kill",
    datasets: ["fashion-mnist"],
    models: ["mlp"],
    optimizers: [{ optimizer: "sgd" }],
    seeds: Array.from({ length: runs }, (_, k) => k),
    settings: [{ name: "clean" }],
  });
}

/**
 * A fake result with `epochs` epochs (about 200 bytes each), so that writing it takes a while.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fakeResult } from "./kill_fixture.ts";
 * assert.equal(fakeResult(0, 2).epochs.length, 2);
 * ```
 */
export function fakeResult(seed: number, epochs: number) {
  return {
    status: "completed" as const,
    config: { seed },
    environment: { backend: "fake" },
    epochs: Array.from({ length: epochs }, (_, k) => ({
      epoch: k + 1,
      trainLoss: 1,
      trainAccuracy: 0.5,
      testLoss: 1,
      testAccuracy: 0.5 + seed / 100,
      seconds: 0.001,
      imagesPerSecond: 1,
      gradientEvaluations: 1,
    })),
    final: { testAccuracy: 0.5 + seed / 100, testLoss: 1, trainLoss: 1, seconds: 0.1 },
  };
}

if (import.meta.main) {
  const [outDir, count] = Deno.args;
  await runPending({
    outDir,
    runs: fixtureRuns(Number(count)),
    train: async (flags) => {
      await new Promise((r) => setTimeout(r, 5));
      return fakeResult(flags.seed!, 20_000);
    },
    progress: {
      isTerminal: false,
      write: (t) => Deno.stdout.writeSync(new TextEncoder().encode(t)),
    },
  });
}
