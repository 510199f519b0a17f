/**
 * Draws the next step's perturbations on a background thread while the current step runs.
 * Drawing ~10^5 Gaussians on the host takes as long as a large part of a small model's gradient
 * step on wasm, which runs on the main thread; a second core hides it. The numbers are the ones
 * {@link drawStep} gives on the main thread (same code, same stream), so a seed means the same
 * perturbations with or without the thread; when the thread is not ready (first steps, a resumed
 * step index, a changed model), the main thread draws itself.
 *
 * @module
 */
import { Worker } from "node:worker_threads";
import { type DrawRecipe, drawStep, recipeMeasure } from "./draws.ts";

/**
 * One background thread for the whole process, shared by every prefetcher (each has its own
 * buffer): starting a thread costs module loading, and draws are short. It is `unref`'d, so it
 * never keeps a process alive.
 */
let sharedWorker: Worker | undefined;
let workerFailed = false;

function backgroundThread(): Worker | undefined {
  if (workerFailed) return undefined;
  if (sharedWorker === undefined) {
    try {
      sharedWorker = new Worker(new URL("./perturbation_worker.ts", import.meta.url));
      sharedWorker.unref();
      sharedWorker.on("error", () => {
        // A thread that cannot start (permissions, platform) only costs the speed-up.
        workerFailed = true;
        sharedWorker = undefined;
      });
    } catch {
      workerFailed = true;
      return undefined;
    }
  }
  return sharedWorker;
}

interface Pending {
  step: number;
  samples: number;
  total: number;
  generation: number;
}

/**
 * The prefetching sampler of one optimizer. `take(step, ...)` returns that step's draws (fresh
 * arrays) and asks the shared background thread for step + 1.
 *
 * @example
 * ```ts
 * import { PerturbationPrefetcher } from "./prefetch.ts";
 * const sampler = new PerturbationPrefetcher({ kind: "gaussian" }, 7);
 * const first = sampler.take(0, 5, 2);
 * console.assert(first.length === 2 && first[0].length === 5);
 * sampler.dispose();
 * ```
 */
export class PerturbationPrefetcher {
  readonly #recipe: DrawRecipe;
  readonly #seed: number;
  #buffer: SharedArrayBuffer | undefined;
  #pending: Pending | undefined;
  #generation = 0;
  /**
   * Draws served by the thread / by the main thread, and the milliseconds the main thread spent
   * waiting for the thread (0 when the draws are fully hidden), for the benchmark and the tests.
   */
  readonly served = { background: 0, foreground: 0, waitedMs: 0 };

  constructor(recipe: DrawRecipe, seed: number) {
    recipeMeasure(recipe); // validates the recipe now
    this.#recipe = recipe;
    this.#seed = seed;
  }

  /** The `samples` draws of length `total` for `step`; requests step + 1 in the background. */
  take(step: number, total: number, samples: number): Float32Array[] {
    const out = this.#collect(step, total, samples);
    this.#request(step + 1, total, samples);
    return out;
  }

  /** Stops asking the thread for draws (the shared thread itself stays for other optimizers). */
  dispose(): void {
    this.#pending = undefined;
    this.#buffer = undefined;
  }

  #collect(step: number, total: number, samples: number): Float32Array[] {
    const pending = this.#pending;
    const buffer = this.#buffer;
    if (
      pending && buffer && pending.step === step && pending.total === total &&
      pending.samples === samples
    ) {
      const flag = new Int32Array(buffer, 0, 1);
      // Wait only for a thread that has answered before (the flag holds its last finished
      // generation): while it is still starting up, the main thread is quicker drawing itself.
      // A thread that stopped answering costs at most the deadline, then the main thread draws.
      if (Atomics.load(flag, 0) > 0) {
        const start = performance.now();
        const deadline = start + 2000;
        let done = Atomics.load(flag, 0);
        while (done !== pending.generation && performance.now() < deadline) {
          Atomics.wait(flag, 0, done, 100);
          done = Atomics.load(flag, 0);
        }
        this.served.waitedMs += performance.now() - start;
        if (done === pending.generation) {
          this.served.background++;
          return Array.from(
            { length: samples },
            (_, i) => new Float32Array(buffer, 8 + 4 * i * total, total).slice(),
          );
        }
      }
    }
    this.served.foreground++;
    const out = Array.from({ length: samples }, () => new Float32Array(total));
    drawStep(recipeMeasure(this.#recipe), this.#seed, step, [], out);
    return out;
  }

  #request(step: number, total: number, samples: number): void {
    const worker = backgroundThread();
    if (worker === undefined) return;
    const bytes = 8 + 4 * total * samples;
    if (this.#buffer === undefined || this.#buffer.byteLength !== bytes) {
      this.#buffer = new SharedArrayBuffer(bytes);
      this.#generation = 0;
    }
    const generation = ++this.#generation;
    this.#pending = { step, samples, total, generation };
    worker.postMessage({
      buffer: this.#buffer,
      generation,
      recipe: this.#recipe,
      seed: this.#seed,
      step,
      samples,
      total,
    });
  }
}
