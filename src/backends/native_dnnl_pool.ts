/**
 * oneDNN max pooling on the TF.js wasm heap: forward, and the input gradient (`MaxPoolGrad`),
 * NHWC float32, in the manner of native_dnnl_conv.ts (memory objects on heap pointers, plans
 * cached by geometry).
 *
 * TF.js's `MaxPoolGrad` receives the pooled input and output but no argmax, while oneDNN's max
 * pooling backward reads the argmax from a workspace that only its forward pass (training kind)
 * writes. The gradient plan therefore runs that forward pass again into oneDNN-owned `dst` and
 * workspace buffers, then the backward pass. oneDNN scans each window in row-major order and keeps
 * the first maximum (strictly greater replaces), the tie rule of TF.js's cpu backend; padding
 * never wins (it is not a value), as in TF.js.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";
import {
  ALG,
  ARG,
  bindHeap,
  cachedPlan,
  createPrimitive,
  dims,
  type Dnnl,
  execArgs,
  execute,
  memoryDesc,
  memoryObject,
  OP_DESC_BYTES,
  type Primitive,
  PROP,
  QUERY,
  queryMd,
  TAG,
} from "./native_dnnl_ffi.ts";

/**
 * The geometry of one NHWC 2-D pooling, in the terms oneDNN takes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type PoolGeometry } from "./native_dnnl_pool.ts";
 * const g: Partial<PoolGeometry> = { kernel: [2, 2], strides: [2, 2] };
 * assert.deepEqual(g.kernel, [2, 2]);
 * ```
 */
export interface PoolGeometry {
  /** oneDNN's logical source dims: N, C, H, W. */
  src: [number, number, number, number];
  dst: [number, number, number, number];
  kernel: [number, number];
  strides: [number, number];
  padBefore: [number, number];
  padAfter: [number, number];
}

/**
 * The {@link PoolGeometry} of a TF.js pooling `Conv2DInfo` (from `computePool2DInfo`); a
 * TypeError for NCHW or dilated pooling, which these kernels do not take.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { poolGeometry } from "./native_dnnl_pool.ts";
 * const info = tf.backend_util.computePool2DInfo([2, 5, 5, 3], 2, 2, 1, "same");
 * assert.deepEqual(poolGeometry(info).dst, [2, 3, 3, 3]);
 * ```
 */
export function poolGeometry(info: tf.backend_util.Conv2DInfo): PoolGeometry {
  if (info.dataFormat !== "channelsLast") {
    throw new TypeError(`poolGeometry: dataFormat must be channelsLast, got ${info.dataFormat}`);
  }
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1) {
    throw new TypeError(
      `poolGeometry: dilations must be 1, got [${info.dilationHeight}, ${info.dilationWidth}]`,
    );
  }
  return {
    src: [info.batchSize, info.inChannels, info.inHeight, info.inWidth],
    dst: [info.batchSize, info.outChannels, info.outHeight, info.outWidth],
    kernel: [info.filterHeight, info.filterWidth],
    strides: [info.strideHeight, info.strideWidth],
    padBefore: [info.padInfo.top, info.padInfo.left],
    padAfter: [info.padInfo.bottom, info.padInfo.right],
  };
}

interface PoolPlan {
  primitives: { primitive: Primitive; args: Uint8Array }[];
  heap: Map<string, Deno.PointerObject>;
  owned: Deno.PointerObject[];
}

const cache = new Map<string, PoolPlan | null>();
const CACHE_LIMIT = 128;
let cacheOwner: Dnnl | undefined;

/**
 * Destroys every cached pooling plan.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { clearDnnlPoolCache, dnnlPoolCacheSize } from "./native_dnnl_pool.ts";
 * clearDnnlPoolCache();
 * assert.equal(dnnlPoolCacheSize(), 0);
 * ```
 */
export function clearDnnlPoolCache(): void {
  if (cacheOwner !== undefined) {
    for (const plan of cache.values()) {
      if (plan === null) continue;
      for (const { primitive } of plan.primitives) {
        cacheOwner.symbols.dnnl_primitive_destroy(primitive.primitive);
        cacheOwner.symbols.dnnl_primitive_desc_destroy(primitive.pd);
      }
      for (const memory of [...plan.heap.values(), ...plan.owned]) {
        cacheOwner.symbols.dnnl_memory_destroy(memory);
      }
    }
  }
  cache.clear();
}

/**
 * The number of cached pooling plans.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { dnnlPoolCacheSize } from "./native_dnnl_pool.ts";
 * assert.ok(dnnlPoolCacheSize() >= 0);
 * ```
 */
export function dnnlPoolCacheSize(): number {
  return cache.size;
}

function key(kind: string, g: PoolGeometry): string {
  return `${kind}|${g.src}|${g.dst}|${g.kernel}|${g.strides}|${g.padBefore}|${g.padAfter}`;
}

function forwardDesc(dnnl: Dnnl, g: PoolGeometry, prop: number): Uint8Array | null {
  const desc = new Uint8Array(OP_DESC_BYTES);
  const status = dnnl.symbols.dnnl_pooling_v2_forward_desc_init(
    desc,
    prop,
    ALG.poolingMax,
    memoryDesc(dnnl, g.src, TAG.nhwc),
    memoryDesc(dnnl, g.dst, TAG.nhwc),
    dims(g.strides),
    dims(g.kernel),
    dims([0, 0]),
    dims(g.padBefore),
    dims(g.padAfter),
  );
  return status === 0 ? desc : null;
}

function buildForward(dnnl: Dnnl, g: PoolGeometry): PoolPlan | null {
  const desc = forwardDesc(dnnl, g, PROP.forwardInference);
  const primitive = desc === null ? null : createPrimitive(dnnl, desc, null, null);
  if (primitive === null) return null;
  const src = memoryObject(dnnl, memoryDesc(dnnl, g.src, TAG.nhwc), false);
  const dst = memoryObject(dnnl, memoryDesc(dnnl, g.dst, TAG.nhwc), false);
  return {
    primitives: [{ primitive, args: execArgs([[ARG.src, src], [ARG.dst, dst]]) }],
    heap: new Map([["src", src], ["dst", dst]]),
    owned: [],
  };
}

function buildBackward(dnnl: Dnnl, g: PoolGeometry): PoolPlan | null {
  const desc = forwardDesc(dnnl, g, PROP.forwardTraining);
  const forward = desc === null ? null : createPrimitive(dnnl, desc, null, null);
  if (forward === null) return null;
  const backwardDesc = new Uint8Array(OP_DESC_BYTES);
  const status = dnnl.symbols.dnnl_pooling_v2_backward_desc_init(
    backwardDesc,
    ALG.poolingMax,
    memoryDesc(dnnl, g.src, TAG.nhwc),
    memoryDesc(dnnl, g.dst, TAG.nhwc),
    dims(g.strides),
    dims(g.kernel),
    dims([0, 0]),
    dims(g.padBefore),
    dims(g.padAfter),
  );
  const backward = status === 0 ? createPrimitive(dnnl, backwardDesc, null, forward.pd) : null;
  if (backward === null) {
    dnnl.symbols.dnnl_primitive_destroy(forward.primitive);
    dnnl.symbols.dnnl_primitive_desc_destroy(forward.pd);
    return null;
  }
  const src = memoryObject(dnnl, memoryDesc(dnnl, g.src, TAG.nhwc), false);
  const diffSrc = memoryObject(dnnl, memoryDesc(dnnl, g.src, TAG.nhwc), false);
  const diffDst = memoryObject(dnnl, memoryDesc(dnnl, g.dst, TAG.nhwc), false);
  const dst = memoryObject(dnnl, memoryDesc(dnnl, g.dst, TAG.nhwc), true);
  const workspace = memoryObject(dnnl, queryMd(dnnl, forward.pd, QUERY.workspaceMd), true);
  return {
    primitives: [
      {
        primitive: forward,
        args: execArgs([[ARG.src, src], [ARG.dst, dst], [ARG.workspace, workspace]]),
      },
      {
        primitive: backward,
        args: execArgs([
          [ARG.diffDst, diffDst],
          [ARG.workspace, workspace],
          [ARG.diffSrc, diffSrc],
        ]),
      },
    ],
    heap: new Map([["src", src], ["diffSrc", diffSrc], ["diffDst", diffDst]]),
    owned: [dst, workspace],
  };
}

function run(
  dnnl: Dnnl,
  planKey: string,
  build: () => PoolPlan | null,
  heap: ArrayBuffer,
  offsets: Record<string, number>,
): boolean {
  const plan = cachedPlan(cache, planKey, CACHE_LIMIT, clearDnnlPoolCache, () => {
    cacheOwner = dnnl;
    return build();
  });
  if (plan === null) return false;
  bindHeap(dnnl, plan.heap, heap, offsets, "native_dnnl_pool");
  for (const { primitive, args } of plan.primitives) execute(dnnl, primitive.primitive, args);
  return true;
}

/**
 * Runs the max pooling of geometry `g` from byte offset `offsets.src` of `heap` into
 * `offsets.dst`; false, running nothing, when oneDNN has no implementation for it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { dnnlMaxPool, poolGeometry } from "./native_dnnl_pool.ts";
 * import { loadDnnl } from "./native_dnnl_ffi.ts";
 * const info = tf.backend_util.computePool2DInfo([1, 2, 2, 1], 2, 2, 1, "valid");
 * const heap = new Float32Array([1, 5, 3, 2, 0]);
 * assert.ok(dnnlMaxPool(loadDnnl(), poolGeometry(info), heap.buffer, { src: 0, dst: 16 }));
 * assert.equal(heap[4], 5);
 * ```
 */
export function dnnlMaxPool(
  dnnl: Dnnl,
  g: PoolGeometry,
  heap: ArrayBuffer,
  offsets: { src: number; dst: number },
): boolean {
  return run(dnnl, key("forward", g), () => buildForward(dnnl, g), heap, offsets);
}

/**
 * Runs the max pooling input gradient of geometry `g`: reads the pooled input at `offsets.src`
 * and the output gradient at `offsets.diffDst`, writes the input gradient at `offsets.diffSrc`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { dnnlMaxPoolGrad, poolGeometry } from "./native_dnnl_pool.ts";
 * import { loadDnnl } from "./native_dnnl_ffi.ts";
 * const info = tf.backend_util.computePool2DInfo([1, 2, 2, 1], 2, 2, 1, "valid");
 * const heap = new Float32Array([1, 5, 3, 2, 7, 9, 9, 9, 9]); // x, dy, dx
 * assert.ok(dnnlMaxPoolGrad(loadDnnl(), poolGeometry(info), heap.buffer, {
 *   src: 0, diffDst: 16, diffSrc: 20,
 * }));
 * assert.deepEqual(Array.from(heap.subarray(5)), [0, 7, 0, 0]);
 * ```
 */
export function dnnlMaxPoolGrad(
  dnnl: Dnnl,
  g: PoolGeometry,
  heap: ArrayBuffer,
  offsets: { src: number; diffDst: number; diffSrc: number },
): boolean {
  return run(dnnl, key("backward", g), () => buildBackward(dnnl, g), heap, offsets);
}
