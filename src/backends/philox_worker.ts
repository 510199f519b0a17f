/**
 * The background thread of `philox_prefetch.ts`: fills a requested slot of the Philox stream with
 * the same fill the main thread runs (`philoxFillFast`, so the same bits), unless the main thread
 * took the request back first.
 *
 * Message: {@link PrefetchRequest}. A slot's buffer: an Int32 state word (`ticket << 2 | phase`,
 * phases in `philox_prefetch.ts`), 4 bytes of padding, then `size` values (Int32 for `"bits"`,
 * Float32 otherwise).
 *
 * @module
 */
import { setPriority } from "node:os";
import process from "node:process";
import { parentPort } from "node:worker_threads";
import { philoxFillFast } from "../math/philox_fill.ts";
import type { PhiloxDistribution } from "../math/philox.ts";

/** One fill request: the slot, its ticket and the stream position. */
export interface PrefetchRequest {
  buffer: SharedArrayBuffer;
  ticket: number;
  key0: number;
  key1: number;
  sample: number;
  step: number;
  stream: number;
  offset: number;
  size: number;
  distribution: PhiloxDistribution;
}

/** The slot phases (the low two bits of the state word). */
export const PHASE = { idle: 0, requested: 1, working: 2, done: 3 } as const;

/**
 * Serves one request: claims it (requested -> working, only if the ticket is still the slot's
 * current one and the main thread has not taken it back), fills, marks it done and wakes a main
 * thread waiting on it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PHASE, servePrefetch } from "./philox_worker.ts";
 * import { philoxFillKeyed } from "../math/philox.ts";
 * const buffer = new SharedArrayBuffer(8 + 4 * 6);
 * const state = new Int32Array(buffer, 0, 1);
 * state[0] = (5 << 2) | PHASE.requested;
 * const request = { buffer, ticket: 5, key0: 1, key1: 0, sample: 0, step: 3, stream: 0,
 *   offset: 2, size: 6, distribution: "gaussian" as const };
 * assert.equal(servePrefetch(request), true);
 * assert.equal(state[0], (5 << 2) | PHASE.done);
 * const expected = philoxFillKeyed(new Float32Array(6), [1, 0], [0, 3, 0], 2, "gaussian");
 * assert.deepEqual(new Float32Array(buffer, 8, 6), expected);
 * assert.equal(servePrefetch(request), false); // a ticket is served once
 * ```
 */
export function servePrefetch(request: PrefetchRequest): boolean {
  const { buffer, ticket, size, distribution } = request;
  const state = new Int32Array(buffer, 0, 1);
  const claimed = Atomics.compareExchange(
    state,
    0,
    (ticket << 2) | PHASE.requested,
    (ticket << 2) | PHASE.working,
  );
  if (claimed !== ((ticket << 2) | PHASE.requested)) return false; // taken back, or stale
  const out = distribution === "bits"
    ? new Int32Array(buffer, 8, size)
    : new Float32Array(buffer, 8, size);
  philoxFillFast(
    out,
    [request.key0, request.key1],
    [request.sample, request.step, request.stream],
    request.offset,
    distribution,
  );
  Atomics.store(state, 0, (ticket << 2) | PHASE.done);
  Atomics.notify(state, 0);
  return true;
}

/**
 * Lowers this thread's scheduling priority to the lowest (nice 19) on Linux, where
 * `setpriority(PRIO_PROCESS, 0)` applies to the calling thread only (elsewhere it would lower the
 * whole process, so there it is left alone). The thread then runs on spare CPU only: where the
 * cores are taken (by the step, BLAS threads, other processes) it never preempts the training
 * thread, which takes back the requests not started and fills them itself. Returns whether it
 * lowered it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import process from "node:process";
 * import { lowerThreadPriority } from "./philox_worker.ts";
 * // A doc test runs in a process of its own: lowering its main thread harms nothing.
 * assert.equal(lowerThreadPriority(), process.platform === "linux");
 * ```
 */
export function lowerThreadPriority(): boolean {
  if (process.platform !== "linux") return false;
  try {
    setPriority(19);
    return true;
  } catch {
    return false; // not permitted or not implemented: only the yielding is lost
  }
}

if (parentPort) lowerThreadPriority();

parentPort?.on("message", (request: PrefetchRequest) => {
  servePrefetch(request);
});
