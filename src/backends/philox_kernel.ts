/**
 * The `UsamPhilox` kernel's contract, shared by its cpu, wasm and webgpu implementations: the
 * attributes, and the host fill both cpu and wasm run (`src/math/philox_fill.ts`).
 *
 * @module
 */
import type { DataType, NamedAttrMap } from "@tensorflow/tfjs-core";
import type { PhiloxDistribution } from "../math/philox.ts";
import { prefetchedFill } from "./philox_prefetch.ts";

/** The TF.js kernel name of the counter-based draw. */
export const PHILOX_KERNEL = "UsamPhilox";

/** The attributes of one `UsamPhilox` call: `size` values from `offset` on, flat. */
export interface PhiloxAttrs {
  /** Key words (see `philoxKey`). */
  key0: number;
  key1: number;
  step: number;
  sample: number;
  stream: number;
  /** Index of the first value; `offset + size <= 2^32`. */
  offset: number;
  size: number;
  distribution: PhiloxDistribution;
}

/**
 * The attributes of a kernel call as the typed record (they travel as a `NamedAttrMap`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { philoxAttrs } from "./philox_kernel.ts";
 * const attrs = { key0: 1, key1: 0, step: 0, sample: 0, stream: 0, offset: 0, size: 4, distribution: "bits" };
 * assert.equal(philoxAttrs(attrs).size, 4);
 * ```
 */
export function philoxAttrs(attrs: NamedAttrMap | undefined): PhiloxAttrs {
  if (attrs == null || typeof attrs.size !== "number") {
    throw new TypeError(`${PHILOX_KERNEL}: missing attributes (use philoxDraw)`);
  }
  return attrs as unknown as PhiloxAttrs;
}

/**
 * The dtype of the kernel's output: int32 holding the bits for `"bits"` (TF.js has no uint32),
 * float32 otherwise.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { philoxDtype } from "./philox_kernel.ts";
 * assert.equal(philoxDtype("bits"), "int32");
 * ```
 */
export function philoxDtype(distribution: PhiloxDistribution): DataType {
  return distribution === "bits" ? "int32" : "float32";
}

/**
 * The host fill the cpu and wasm kernels share: `out` gets the values of `attrs`, by the
 * WebAssembly fill of `src/math/philox_fill.ts` (the reference's bits, a fraction of its time),
 * prefetched a step ahead on a background thread where one can run (`philox_prefetch.ts`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fillFromAttrs } from "./philox_kernel.ts";
 * const attrs = { key0: 0, key1: 0, step: 0, sample: 0, stream: 0, offset: 0, size: 4, distribution: "bits" } as const;
 * const out = fillFromAttrs(new Int32Array(4), attrs);
 * assert.equal(out[0] >>> 0, 0x6627e8d5); // Random123's zero-key, zero-counter answer
 * ```
 */
export function fillFromAttrs<T extends Float32Array | Int32Array>(out: T, attrs: PhiloxAttrs): T {
  return prefetchedFill(out, attrs);
}
