/**
 * `philoxDraw`: counter-based random tensors made by the backend itself (kernel `UsamPhilox`, on
 * cpu, wasm and webgpu), value `index` of sample `sample` at step `step` of a run seeded `seed`
 * being the same number on every backend (`src/math/philox.ts` has the definition and the host
 * reference). Importing this module registers the three kernels. On cpu and wasm the kernel is a
 * host fill (`src/math/philox_fill.ts`, WebAssembly) that a background thread runs a step ahead
 * (`philox_prefetch.ts`, `setPhiloxPrefetch`): the same bits on every path.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { NamedAttrMap } from "@tensorflow/tfjs-core";
import {
  checkPhiloxStream,
  PHILOX_DISTRIBUTIONS,
  type PhiloxDistribution,
  philoxKey,
  type PhiloxStream,
} from "../math/philox.ts";
import { philoxCpuKernel } from "./philox_cpu.ts";
import { PHILOX_KERNEL, type PhiloxAttrs } from "./philox_kernel.ts";
import { philoxWasmKernel } from "./philox_wasm.ts";
import { philoxWebGpuKernel } from "./philox_webgpu.ts";

export { PHILOX_KERNEL } from "./philox_kernel.ts";

for (const kernel of [philoxCpuKernel, philoxWasmKernel, philoxWebGpuKernel]) {
  if (tf.getKernel(kernel.kernelName, kernel.backendName) === undefined) tf.registerKernel(kernel);
}

/** Where the draw sits in the stream, and its transform. */
export interface PhiloxDrawOptions extends PhiloxStream {
  /** Index of the first value (the flat position of this tensor in a longer draw). Default 0. */
  offset?: number;
  /** `"gaussian"` (N(0, 1)), `"uniform"` (on (-1, 1)) or `"bits"` (int32 holding the uint32). */
  distribution: PhiloxDistribution;
}

/**
 * A tensor of `shape` holding values `offset, offset + 1, ...` of the Philox stream, made on the
 * current backend (`offset + size <= 2^32`). Not differentiable (a draw has no gradient).
 *
 * @example
 * ```ts
 * import "@tensorflow/tfjs-backend-cpu";
 * import * as tf from "@tensorflow/tfjs-core";
 * import assert from "node:assert/strict";
 * import { philoxDraw } from "./philox.ts";
 * import { philoxFill } from "../math/philox.ts";
 * await tf.setBackend("cpu");
 * const where = { seed: 1, step: 4, sample: 0 };
 * const z = philoxDraw([2, 3], { ...where, distribution: "gaussian" });
 * assert.deepEqual(z.dataSync(), philoxFill(new Float32Array(6), where, 0, "gaussian"));
 * z.dispose();
 * ```
 */
export function philoxDraw(shape: readonly number[], options: PhiloxDrawOptions): tf.Tensor {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new RangeError(`philoxDraw: shape must be non-negative integers, got ${shape}`);
  }
  checkPhiloxStream(options);
  if (!(PHILOX_DISTRIBUTIONS as readonly string[]).includes(options.distribution)) {
    throw new RangeError(
      `philoxDraw: unknown distribution ${JSON.stringify(options.distribution)}`,
    );
  }
  const size = shape.reduce((a, b) => a * b, 1);
  const offset = options.offset ?? 0;
  if (!Number.isInteger(offset) || offset < 0 || offset + size > 2 ** 32) {
    throw new RangeError(
      `philoxDraw: offset must be an integer >= 0 with offset + size <= 2^32, got ${offset} ` +
        `(size ${size})`,
    );
  }
  const [key0, key1] = philoxKey(options.seed);
  const attrs: PhiloxAttrs = {
    key0,
    key1,
    step: options.step,
    sample: options.sample,
    stream: options.stream ?? 0,
    offset,
    size,
    distribution: options.distribution,
  };
  const flat = tf.engine().runKernel(
    PHILOX_KERNEL,
    {},
    attrs as unknown as NamedAttrMap,
  ) as tf.Tensor;
  if (shape.length === 1) return flat;
  const shaped = tf.reshape(flat, [...shape]);
  flat.dispose();
  return shaped;
}
