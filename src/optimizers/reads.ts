/**
 * One step, two ways to read: a step is written once as a generator that yields each tensor whose
 * values it needs on the host and receives those values back. `runSync` answers with `dataSync()`
 * (the `tf.Optimizer.minimize` contract), `runAsync` with `await data()` (backends without
 * synchronous reads, e.g. webgpu under Deno). The tensor ops are the same in both, so the two give
 * the same bits.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";

/**
 * A step as a program: it yields a tensor to read (which it hands over: the driver disposes it),
 * receives its values, and returns the step's result.
 */
export type StepProgram<R> = Generator<tf.Tensor, R, Float32Array>;

/**
 * Whether the current backend can read a tensor synchronously. TF.js's webgpu backend reads
 * synchronously through a 2D canvas; under Deno there is none (`OffscreenCanvas` exists but its
 * `getContext("2d")` is null, and `dataSync` fails with "Cannot read properties of null (reading
 * 'clearRect')"). The canvas is probed once ({@link hasCanvas2d} of `globalThis`) and the answer
 * kept.
 *
 * @example
 * ```ts
 * import "@tensorflow/tfjs-backend-cpu";
 * import * as tf from "@tensorflow/tfjs-core";
 * import assert from "node:assert/strict";
 * import { syncReadsAvailable } from "./reads.ts";
 * await tf.setBackend("cpu");
 * assert.equal(syncReadsAvailable(), true);
 * ```
 */
export function syncReadsAvailable(): boolean {
  return tf.getBackend() !== "webgpu" || (canvas2d ??= hasCanvas2d(globalThis as CanvasScope));
}

let canvas2d: boolean | undefined;

/** The globals {@link hasCanvas2d} looks at (`globalThis` in {@link syncReadsAvailable}). */
export interface CanvasScope {
  document?: unknown;
  OffscreenCanvas?: new (width: number, height: number) => { getContext(kind: "2d"): unknown };
}

/**
 * Whether `scope` offers a 2D canvas, the way TF.js's webgpu backend looks for one: a `document`
 * (a browser page), or an `OffscreenCanvas` whose `getContext("2d")` is not null. A probe that
 * throws means no canvas.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hasCanvas2d } from "./reads.ts";
 * assert.equal(hasCanvas2d({}), false);
 * assert.equal(hasCanvas2d({ document: {} }), true);
 * class NullCanvas {
 *   getContext(): null {
 *     return null; // what Deno's OffscreenCanvas answers
 *   }
 * }
 * assert.equal(hasCanvas2d({ OffscreenCanvas: NullCanvas }), false);
 * ```
 */
export function hasCanvas2d(scope: CanvasScope): boolean {
  try {
    return scope.document !== undefined ||
      (scope.OffscreenCanvas !== undefined &&
        new scope.OffscreenCanvas(1, 1).getContext("2d") != null);
  } catch {
    return false;
  }
}

/**
 * The error `minimize` throws, before any work, on a backend without synchronous reads.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { syncReadsMissing } from "./reads.ts";
 * assert.match(syncReadsMissing("sam").message, /await optimizer\.step\(f\)/);
 * ```
 */
export function syncReadsMissing(owner: string): Error {
  return new Error(
    `${owner}: minimize() reads values synchronously, which the ${tf.getBackend()} backend ` +
      `does not support here; use \`await optimizer.step(f)\` instead`,
  );
}

/**
 * Closes a program that caught a failed read and went on to `next`: the tensor it yielded is
 * disposed unread, and `return()` runs its finally blocks (disposing any tensor they yield).
 */
function close<R>(program: StepProgram<R>, next: IteratorResult<tf.Tensor, R>): void {
  while (!next.done) {
    next.value.dispose();
    next = program.return(undefined as R);
  }
}

/**
 * Runs a step program reading with `dataSync()`. If a read or the program throws, the program's
 * `finally` blocks run before the error propagates (a program that catches a failed read is
 * closed, and the tensor it yields next is disposed unread).
 *
 * @example
 * ```ts
 * import "@tensorflow/tfjs-backend-cpu";
 * import * as tf from "@tensorflow/tfjs-core";
 * import assert from "node:assert/strict";
 * import { runSync, type StepProgram } from "./reads.ts";
 * function* program(): StepProgram<number> {
 *   const values = yield tf.tensor1d([1, 2]);
 *   return values[0] + values[1];
 * }
 * assert.equal(runSync(program()), 3);
 * ```
 */
export function runSync<R>(program: StepProgram<R>): R {
  let next = program.next();
  while (!next.done) {
    const tensor = next.value;
    let values: Float32Array;
    try {
      values = tensor.dataSync() as Float32Array;
    } catch (error) {
      close(program, program.throw(error));
      throw error; // a program that swallows a failed read still must not go on
    } finally {
      tensor.dispose();
    }
    next = program.next(values);
  }
  return next.value;
}

/**
 * Runs a step program reading with `await data()`: the only read a backend without synchronous
 * reads allows.
 *
 * @example
 * ```ts
 * import "@tensorflow/tfjs-backend-cpu";
 * import * as tf from "@tensorflow/tfjs-core";
 * import assert from "node:assert/strict";
 * import { runAsync, type StepProgram } from "./reads.ts";
 * function* program(): StepProgram<number> {
 *   const values = yield tf.tensor1d([1, 2]);
 *   return values[0] * values[1];
 * }
 * assert.equal(await runAsync(program()), 2);
 * ```
 */
export async function runAsync<R>(program: StepProgram<R>): Promise<R> {
  let next = program.next();
  while (!next.done) {
    const tensor = next.value;
    let values: Float32Array;
    try {
      values = (await tensor.data()) as Float32Array;
    } catch (error) {
      close(program, program.throw(error));
      throw error;
    } finally {
      tensor.dispose();
    }
    next = program.next(values);
  }
  return next.value;
}
