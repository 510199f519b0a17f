/**
 * Prefetching of the host Philox draws on a background thread, for the cpu and wasm `UsamPhilox`
 * kernels (on those backends the draw is host work on the main thread, the thread that also runs
 * the step). A draw is a pure function of its position, so when the kernel is asked for
 * `(key, sample, stream, offset, size, distribution)` at step `t`, it asks a background thread
 * for the same draw at step `t + 1`, which a training loop asks for next. At step `t + 1` the
 * main thread then
 * - copies the values if the thread has finished them (a 0.7 MB copy for the paper's MLP, about
 *   0.1 ms, instead of the fill),
 * - takes the request back and fills itself if the thread has not started,
 * - fills itself, too, if the thread is filling them right now (requests are pieces of 16,384
 *   values, so this duplicates at most one piece's work; the thread's copy is discarded).
 * Every path gives the same bits (the thread runs the same `philoxFillFast`), so prefetching
 * changes timing only, never a number.
 *
 * Where no background thread can start (no `node:worker_threads` Worker or no
 * `SharedArrayBuffer`, as in a browser bundle that stubs `node:` imports; a thread that fails
 * to start), every draw is filled on the main thread. The thread is `unref`'d: it never keeps a
 * process alive. Draws under 1024 values (biases) are filled on the main thread: there the fill
 * costs about what a request does.
 *
 * The default is `"worker"` (`setPhiloxPrefetch`). With a core to spare, the draw of the paper's
 * MLP (184,330 Gaussians, 1.7 ms to fill) costs the main thread 0.1-0.2 ms, a copy (measured on
 * the 2-core development machine while other processes ran: `bench/draws_bench.ts`). Without one
 * it costs about what `"off"` costs, not more: the thread runs at the lowest priority (Linux:
 * `lowerThreadPriority` in `philox_worker.ts`), so it never preempts the step or BLAS threads,
 * and the main thread never waits for it: it takes back the pieces not started and fills them,
 * and fills a piece being filled (64 KiB: 0.15 ms) itself too. `"off"` is for measuring.
 *
 * @module
 */
import { Worker } from "node:worker_threads";
import { philoxFillFast } from "../math/philox_fill.ts";
import type { PhiloxAttrs } from "./philox_kernel.ts";
import { PHASE, type PrefetchRequest } from "./philox_worker.ts";

/** Whether the kernels prefetch: `"worker"` (the default) or `"off"` (fill on the main thread). */
export type PhiloxPrefetchMode = "worker" | "off";

/** Counts of where the kernels' draws came from, and the main thread's waiting time. */
export interface PhiloxPrefetchStats {
  /** Pieces copied from the background thread's fill. */
  prefetched: number;
  /** Pieces (or whole small draws) the main thread filled itself. */
  filled: number;
  /** Of the filled, those the thread was filling at that moment (the main thread never waits). */
  raced: number;
}

/** Most values the slots may hold together (256 MiB); the least recently used go first. */
const MAX_SLOT_VALUES = 2 ** 26;
/** Values per request (64 KiB, about 0.15 ms to fill here). */
const PIECE_SIZE = 16384;
/** Smallest draw worth a request: below it the fill costs about what a copy and a message do. */
const MIN_PREFETCH_SIZE = 1024;

interface Slot {
  buffer: SharedArrayBuffer;
  state: Int32Array;
  ticket: number;
  /** The step requested under `ticket` (undefined: nothing requested). */
  step: number | undefined;
  size: number;
}

let mode: PhiloxPrefetchMode = "worker";
let worker: Worker | undefined;
let workerFailed = false;
const slots = new Map<string, Slot>();
let slotValues = 0;
const stats: PhiloxPrefetchStats = { prefetched: 0, filled: 0, raced: 0 };

/**
 * Chooses whether the cpu and wasm kernels prefetch on a background thread (default
 * `"worker"`). `"off"` drops every pending request and stops the thread; the numbers are the
 * same either way (module note). Returns the previous mode.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { setPhiloxPrefetch } from "./philox_prefetch.ts";
 * const before = setPhiloxPrefetch("off");
 * assert.equal(setPhiloxPrefetch(before), "off");
 * ```
 */
export function setPhiloxPrefetch(next: PhiloxPrefetchMode): PhiloxPrefetchMode {
  if (next !== "worker" && next !== "off") {
    throw new RangeError(`setPhiloxPrefetch: mode must be "worker" or "off", got ${next}`);
  }
  const previous = mode;
  mode = next;
  if (next === "off") {
    for (const slot of slots.values()) takeBack(slot);
    slots.clear();
    slotValues = 0;
    worker?.terminate();
    worker = undefined;
  }
  return previous;
}

/**
 * A copy of the counts since the process started (or since {@link resetPhiloxPrefetchStats}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { philoxPrefetchStats } from "./philox_prefetch.ts";
 * assert.equal(typeof philoxPrefetchStats().prefetched, "number");
 * ```
 */
export function philoxPrefetchStats(): PhiloxPrefetchStats {
  return { ...stats };
}

/**
 * Sets the counts to zero.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { philoxPrefetchStats, resetPhiloxPrefetchStats } from "./philox_prefetch.ts";
 * resetPhiloxPrefetchStats();
 * assert.equal(philoxPrefetchStats().filled, 0);
 * ```
 */
export function resetPhiloxPrefetchStats(): void {
  stats.prefetched = 0;
  stats.filled = 0;
  stats.raced = 0;
}

/**
 * Resolves when the background thread has finished (or dropped) every pending request, by
 * waiting on the slots' state words (`Atomics.waitAsync`), or after `timeoutMs` (default 30 s:
 * the thread runs at the lowest priority, and a loaded machine gives it little time): for tests
 * and benchmarks that need the next draw to come from the thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { philoxPrefetchSettled } from "./philox_prefetch.ts";
 * assert.equal(await philoxPrefetchSettled(), undefined); // nothing pending: resolves at once
 * await assert.rejects(philoxPrefetchSettled(-1), RangeError);
 * ```
 */
export async function philoxPrefetchSettled(timeoutMs = 30_000): Promise<void> {
  if (!(timeoutMs >= 0)) {
    throw new RangeError(`philoxPrefetchSettled: timeoutMs must be >= 0, got ${timeoutMs}`);
  }
  const thread = worker;
  if (thread === undefined) return;
  const deadline = performance.now() + timeoutMs;
  thread.ref(); // an unref'd thread's notifications would not keep the event loop waiting
  try {
    for (const slot of slots.values()) {
      for (;;) {
        const value = Atomics.load(slot.state, 0);
        const phase = value & 3;
        const left = deadline - performance.now();
        if ((phase !== PHASE.requested && phase !== PHASE.working) || left <= 0) break;
        const waited = Atomics.waitAsync(slot.state, 0, value, left);
        if (waited.async) await waited.value;
      }
    }
  } finally {
    thread.unref();
  }
}

function backgroundThread(): Worker | undefined {
  if (mode === "off" || workerFailed) return undefined;
  if (worker !== undefined) return worker;
  try {
    if (typeof SharedArrayBuffer !== "function" || typeof Worker !== "function") {
      throw new TypeError("no Worker or SharedArrayBuffer");
    }
    const started = new Worker(new URL("./philox_worker.ts", import.meta.url));
    started.unref();
    started.on("error", () => {
      // A thread that cannot run only costs the speed-up: the main thread fills from now on.
      workerFailed = true;
      if (worker === started) worker = undefined;
    });
    worker = started;
  } catch {
    workerFailed = true;
  }
  return worker;
}

function slotKey(a: PhiloxAttrs): string {
  return `${a.key0},${a.key1},${a.sample},${a.stream},${a.offset},${a.size},${a.distribution}`;
}

/** Takes a pending request back (requested -> idle); returns the phase it found. */
function takeBack(slot: Slot): number {
  const requested = (slot.ticket << 2) | PHASE.requested;
  const found = Atomics.compareExchange(slot.state, 0, requested, (slot.ticket << 2) | PHASE.idle);
  return found === requested ? PHASE.requested : found & 3;
}

/**
 * Fills `out` with the values of `attrs` (what `philoxFillFast` gives), from the background
 * thread's prefetch when it has them, and asks the thread for the next step's.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { prefetchedFill } from "./philox_prefetch.ts";
 * import { philoxFillKeyed } from "../math/philox.ts";
 * const attrs = { key0: 4, key1: 0, step: 0, sample: 0, stream: 0, offset: 0, size: 2048,
 *   distribution: "gaussian" as const };
 * const out = prefetchedFill(new Float32Array(2048), attrs);
 * assert.deepEqual(out, philoxFillKeyed(new Float32Array(2048), [4, 0], [0, 0, 0], 0, "gaussian"));
 * ```
 */
export function prefetchedFill<T extends Float32Array | Int32Array>(out: T, attrs: PhiloxAttrs): T {
  const thread = attrs.size >= MIN_PREFETCH_SIZE ? backgroundThread() : undefined;
  if (thread === undefined) {
    stats.filled++;
    return fillHere(out, attrs);
  }
  // Pieces of at most PIECE_SIZE values, each its own request: the main thread takes back at
  // that grain, and a piece the thread is filling costs it at most one piece's fill.
  for (let at = 0; at < attrs.size; at += PIECE_SIZE) {
    const size = Math.min(PIECE_SIZE, attrs.size - at);
    const piece = { ...attrs, offset: attrs.offset + at, size };
    const part = out.subarray(at, at + size);
    const slot = slots.get(slotKey(piece));
    if (slot === undefined || !collect(slot, part, piece.step)) {
      stats.filled++;
      fillHere(part, piece);
    }
    if (piece.step + 1 < 2 ** 32) request(thread, piece);
  }
  return out;
}

function fillHere<T extends Float32Array | Int32Array>(out: T, attrs: PhiloxAttrs): T {
  return philoxFillFast(
    out,
    [attrs.key0, attrs.key1],
    [attrs.sample, attrs.step, attrs.stream],
    attrs.offset,
    attrs.distribution,
  );
}

/**
 * Copies the slot's values into `out` if they are `step`'s and the thread has finished them.
 * Otherwise the request is taken back (not started) or left to the thread (started: the main
 * thread does not wait for a low-priority thread, it fills the piece itself, and the slot gets a
 * fresh buffer at its next request).
 */
function collect(slot: Slot, out: Float32Array | Int32Array, step: number): boolean {
  const found = takeBack(slot);
  if (slot.step !== step || found !== PHASE.done) {
    if (found === PHASE.working) stats.raced++;
    return false;
  }
  const View = out.constructor as Float32ArrayConstructor | Int32ArrayConstructor;
  out.set(new View(slot.buffer as unknown as ArrayBuffer, 8, out.length));
  stats.prefetched++;
  return true;
}

function newBuffer(size: number): { buffer: SharedArrayBuffer; state: Int32Array } {
  const buffer = new SharedArrayBuffer(8 + 4 * size);
  return { buffer, state: new Int32Array(buffer, 0, 1) };
}

/** Asks the thread for `attrs` at the next step, in the slot of its position. */
function request(thread: Worker, attrs: PhiloxAttrs): void {
  const key = slotKey(attrs);
  let slot = slots.get(key);
  if (slot === undefined) {
    while (slotValues + attrs.size > MAX_SLOT_VALUES && slots.size > 0) {
      const [oldestKey, oldest] = slots.entries().next().value!;
      takeBack(oldest);
      slots.delete(oldestKey);
      slotValues -= oldest.size;
    }
    slot = { ...newBuffer(attrs.size), ticket: 0, step: undefined, size: attrs.size };
    slotValues += attrs.size;
  } else {
    slots.delete(key); // re-inserted below: the map's order is the order of last use
    if ((Atomics.load(slot.state, 0) & 3) === PHASE.working) {
      // The thread is still writing the old buffer (a request the main thread did not wait
      // for): leave that buffer to it and use a new one.
      Object.assign(slot, newBuffer(attrs.size), { ticket: 0 });
    }
  }
  slots.set(key, slot);
  slot.ticket = (slot.ticket + 1) & 0x1fffffff;
  slot.step = attrs.step + 1;
  Atomics.store(slot.state, 0, (slot.ticket << 2) | PHASE.requested);
  const message: PrefetchRequest = {
    buffer: slot.buffer,
    ticket: slot.ticket,
    key0: attrs.key0,
    key1: attrs.key1,
    sample: attrs.sample,
    step: attrs.step + 1,
    stream: attrs.stream,
    offset: attrs.offset,
    size: attrs.size,
    distribution: attrs.distribution,
  };
  thread.postMessage(message);
}
