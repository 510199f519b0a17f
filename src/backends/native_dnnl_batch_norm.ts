/**
 * The fused training batch norm (`UsamBatchNormTrain`, `UsamBatchNormTrainGrad` of
 * batch_norm_train.ts) on the `native` backend through oneDNN 2.6's batch normalization primitive:
 * forward training (`dnnl_use_scale | dnnl_use_shift`, mean and variance written as outputs) and
 * backward (`dnnl_backward`: diff of the source, the scale and the shift), for NHWC tensors on the
 * wasm heap, in place like the convolutions (native_dnnl_conv.ts). oneDNN's variance is the biased
 * one (divided by N·H·W), as `tf.moments`'s.
 *
 * Rank-4 inputs only; others, and shapes oneDNN refuses, go to the JavaScript kernels. On by
 * default ({@link setDnnlBatchNorm} switches it off): it measured faster than the JavaScript
 * kernels once it ran on one OpenMP thread from creation on (see below).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import { asWasmBackend, sizeOf, tensorData } from "./wasm_internals.ts";
import {
  ARG,
  bindHeap,
  cachedPlan,
  createPrimitive,
  type Dnnl,
  execArgs,
  execute,
  loadDnnl,
  memoryDesc,
  memoryObject,
  OP_DESC_BYTES,
  type Primitive,
  PROP,
  TAG,
  withOpenMpThreads,
} from "./native_dnnl_ffi.ts";
import { BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD } from "./batch_norm_train.ts";

/** `dnnl_use_scale | dnnl_use_shift` (dnnl_types.h 2.6: 0x8 and 0x10). */
const SCALE_AND_SHIFT = 0x8 | 0x10;

interface Plan {
  primitive: Primitive;
  args: Uint8Array;
  /** The memory objects pointed into the heap on each call, by role. */
  heap: Map<string, Deno.PointerObject>;
}

const cache = new Map<string, Plan | null>();
const CACHE_LIMIT = 128;
let cacheOwner: Dnnl | undefined;

/**
 * Destroys every cached batch-norm primitive (they are rebuilt on demand).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { clearDnnlBatchNormCache, dnnlBatchNormCacheSize } from "./native_dnnl_batch_norm.ts";
 * clearDnnlBatchNormCache();
 * assert.equal(dnnlBatchNormCacheSize(), 0);
 * ```
 */
export function clearDnnlBatchNormCache(): void {
  if (cacheOwner !== undefined) {
    for (const plan of cache.values()) {
      if (plan === null) continue;
      cacheOwner.symbols.dnnl_primitive_destroy(plan.primitive.primitive);
      cacheOwner.symbols.dnnl_primitive_desc_destroy(plan.primitive.pd);
      for (const memory of plan.heap.values()) cacheOwner.symbols.dnnl_memory_destroy(memory);
    }
  }
  cache.clear();
}

/**
 * How many geometries have a cached plan (or a cached refusal).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { dnnlBatchNormCacheSize } from "./native_dnnl_batch_norm.ts";
 * assert.ok(dnnlBatchNormCacheSize() >= 0);
 * ```
 */
export function dnnlBatchNormCacheSize(): number {
  return cache.size;
}

function forwardDesc(dnnl: Dnnl, nchw: number[], epsilon: number): Uint8Array | null {
  const desc = new Uint8Array(OP_DESC_BYTES);
  const status = dnnl.symbols.dnnl_batch_normalization_forward_desc_init(
    desc,
    PROP.forwardTraining,
    memoryDesc(dnnl, nchw, TAG.nhwc),
    epsilon,
    SCALE_AND_SHIFT,
  );
  return status === 0 ? desc : null;
}

function buildForward(dnnl: Dnnl, nchw: number[], epsilon: number): Plan | null {
  const desc = forwardDesc(dnnl, nchw, epsilon);
  const primitive = desc === null ? null : createPrimitive(dnnl, desc, null, null);
  if (primitive === null) return null;
  const data = () => memoryObject(dnnl, memoryDesc(dnnl, nchw, TAG.nhwc), false);
  const channel = () => memoryObject(dnnl, memoryDesc(dnnl, [nchw[1]], TAG.a), false);
  const heap = new Map([
    ["x", data()],
    ["y", data()],
    ["scale", channel()],
    ["offset", channel()],
    ["mean", channel()],
    ["variance", channel()],
  ]);
  const args = execArgs([
    [ARG.src, heap.get("x")!],
    [ARG.dst, heap.get("y")!],
    [ARG.scale, heap.get("scale")!],
    [ARG.shift, heap.get("offset")!],
    [ARG.mean, heap.get("mean")!],
    [ARG.variance, heap.get("variance")!],
  ]);
  return { primitive, args, heap };
}

function buildBackward(dnnl: Dnnl, nchw: number[], epsilon: number): Plan | null {
  const desc = forwardDesc(dnnl, nchw, epsilon);
  const forward = desc === null ? null : createPrimitive(dnnl, desc, null, null);
  if (forward === null) return null;
  const backwardDesc = new Uint8Array(OP_DESC_BYTES);
  const status = dnnl.symbols.dnnl_batch_normalization_backward_desc_init(
    backwardDesc,
    PROP.backward,
    memoryDesc(dnnl, nchw, TAG.nhwc),
    memoryDesc(dnnl, nchw, TAG.nhwc),
    epsilon,
    SCALE_AND_SHIFT,
  );
  const primitive = status === 0 ? createPrimitive(dnnl, backwardDesc, null, forward.pd) : null;
  // The forward primitive is only the hint of the backward one.
  dnnl.symbols.dnnl_primitive_destroy(forward.primitive);
  dnnl.symbols.dnnl_primitive_desc_destroy(forward.pd);
  if (primitive === null) return null;
  const data = () => memoryObject(dnnl, memoryDesc(dnnl, nchw, TAG.nhwc), false);
  const channel = () => memoryObject(dnnl, memoryDesc(dnnl, [nchw[1]], TAG.a), false);
  const heap = new Map([
    ["dy", data()],
    ["x", data()],
    ["dx", data()],
    ["scale", channel()],
    ["shift", channel()],
    ["mean", channel()],
    ["variance", channel()],
    ["dscale", channel()],
    ["doffset", channel()],
  ]);
  const args = execArgs([
    [ARG.diffDst, heap.get("dy")!],
    [ARG.src, heap.get("x")!],
    [ARG.scale, heap.get("scale")!],
    // oneDNN 2.6 wants the shift among the backward arguments (exec_arg_md of DNNL_ARG_SHIFT is
    // not empty) though the gradients do not depend on it: it reads the scale's memory.
    [ARG.shift, heap.get("shift")!],
    [ARG.mean, heap.get("mean")!],
    [ARG.variance, heap.get("variance")!],
    [ARG.diffSrc, heap.get("dx")!],
    [ARG.diffScale, heap.get("dscale")!],
    [ARG.diffShift, heap.get("doffset")!],
  ]);
  return { primitive, args, heap };
}

function run(
  dnnl: Dnnl,
  planKey: string,
  build: () => Plan | null,
  heap: ArrayBuffer,
  offsets: Record<string, number>,
): boolean {
  // One OpenMP thread, for creation and execution alike (oneDNN sizes a primitive's work split
  // and its barriers for the thread count at creation; before, primitives created on 2 threads
  // ran with the count switched to 1). Why one: batch norm's reductions synchronize the team
  // between phases, and on 2 shared cores each barrier waited for the other, descheduled thread:
  // 13–27 ms calls against about 1 ms, 257–338 ms steps.
  return withOpenMpThreads(1, () => {
    const plan = cachedPlan(cache, planKey, CACHE_LIMIT, clearDnnlBatchNormCache, () => {
      cacheOwner = dnnl;
      return build();
    });
    if (plan === null) return false;
    bindHeap(dnnl, plan.heap, heap, offsets, "native_dnnl_batch_norm");
    execute(dnnl, plan.primitive.primitive, plan.args);
    return true;
  });
}

/** oneDNN's logical N, C, H, W of an NHWC shape. */
function nchwOf(shape: readonly number[]): number[] {
  return [shape[0], shape[3], shape[1], shape[2]];
}

// On by default since the thread fixes (oneDNN on one thread by default, and creation on the
// thread count of execution, see run). The earlier swings (87–123 ms steps in 10 of 13 processes,
// 353–363 ms in the other 3; slow calls of 13–27 ms inside the primitive) were measured while
// oneDNN's default was 2 OpenMP threads: primitives created for a 2-thread team with barriers,
// waiting on 2 shared, loaded cores. Measured after (bench/profile_step.ts, ResNet-18 ×1/16 SGD,
// batch 128, native, 6 processes each, alternating, load average 6–8): median step 45–130 ms
// with oneDNN's batch norm against 89–203 ms with the JavaScript kernels (oneDNN faster in 5 of
// 6 pairs), its batch-norm kernels 3.3–15.7 ms of the profiled step against 14–71 ms; the slow
// oneDNN process was slow in every kernel (95 ms in kernels against 41), machine load. Denormals
// (random-init gradients can make some) double oneDNN's batch-norm backward (0.59 → 1.23 ms, C =
// 16, 28×28, batch 128, every dy below 2^-126; flush-to-zero 0.57 ms), not a swing: left as is,
// since MXCSR is per thread and the JavaScript thread must keep IEEE denormals for wasm.
let dnnlEnabled = true;

/**
 * Switches the oneDNN batch norm on (the default, see above), or off (the JavaScript kernels run
 * instead), for measurements. Returns the previous setting.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { setDnnlBatchNorm } from "./native_dnnl_batch_norm.ts";
 * const previous = setDnnlBatchNorm(false);
 * assert.equal(setDnnlBatchNorm(previous), false);
 * ```
 */
export function setDnnlBatchNorm(enabled: boolean): boolean {
  if (typeof enabled !== "boolean") {
    throw new TypeError(`setDnnlBatchNorm: enabled must be a boolean, got ${enabled}`);
  }
  const previous = dnnlEnabled;
  dnnlEnabled = enabled;
  return previous;
}

function usable(x: TensorInfo): boolean {
  return dnnlEnabled && x.dtype === "float32" && x.shape.length === 4 && sizeOf(x.shape) > 0;
}

/**
 * Runs the cached plan `kind|nchw|epsilon` on the heap for `x`'s shape, writing three fresh
 * outputs (`x`'s shape, then two per-channel vectors) at the argument offsets `offsets` gives;
 * the fallback kernel when oneDNN refused the geometry or the call.
 */
function runPlan(
  dnnl: Dnnl,
  fallback: KernelFunc,
  args: Parameters<KernelFunc>[0],
  x: TensorInfo,
  kind: "forward" | "backward",
  build: (nchw: number[], epsilon: number) => Plan | null,
  offsets: (at: (t: TensorInfo) => number, outputs: TensorInfo[]) => Record<string, number>,
): ReturnType<KernelFunc> {
  const { epsilon } = args.attrs as unknown as { epsilon: number };
  const nchw = nchwOf(x.shape);
  const planKey = `${kind}|${nchw}|${epsilon}`;
  if (cache.get(planKey) === null) return fallback(args);
  const backend = asWasmBackend(args.backend);
  const channels = x.shape[3];
  const outputs = [
    backend.makeOutput(x.shape.slice(), "float32"),
    backend.makeOutput([channels], "float32"),
    backend.makeOutput([channels], "float32"),
  ];
  const at = (t: TensorInfo) => tensorData(backend, t).memoryOffset;
  // The heap buffer is taken after the allocations, which may have grown it.
  const ran = run(
    dnnl,
    planKey,
    () => build(nchw, epsilon),
    backend.wasm.HEAPU8.buffer as ArrayBuffer,
    offsets(at, outputs),
  );
  if (ran) return outputs;
  for (const t of outputs) backend.disposeData(t.dataId);
  return fallback(args);
}

function forwardKernel(dnnl: Dnnl, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { x, scale, offset } = args.inputs as Record<string, TensorInfo>;
    if (!usable(x) || scale.shape[0] !== x.shape[3] || offset.shape[0] !== x.shape[3]) {
      return fallback(args);
    }
    return runPlan(
      dnnl,
      fallback,
      args,
      x,
      "forward",
      (nchw, epsilon) => buildForward(dnnl, nchw, epsilon),
      (at, [y, mean, variance]) => ({
        x: at(x),
        scale: at(scale),
        offset: at(offset),
        y: at(y),
        mean: at(mean),
        variance: at(variance),
      }),
    );
  };
}

function backwardKernel(dnnl: Dnnl, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { dy, x, scale, mean, variance } = args.inputs as Record<string, TensorInfo>;
    if (!usable(x) || !tf.util.arraysEqual(dy.shape, x.shape) || dy.dtype !== "float32") {
      return fallback(args);
    }
    return runPlan(
      dnnl,
      fallback,
      args,
      x,
      "backward",
      (nchw, epsilon) => buildBackward(dnnl, nchw, epsilon),
      (at, [dx, dscale, doffset]) => ({
        dy: at(dy),
        x: at(x),
        scale: at(scale),
        shift: at(scale),
        mean: at(mean),
        variance: at(variance),
        dx: at(dx),
        dscale: at(dscale),
        doffset: at(doffset),
      }),
    );
  };
}

const replaced = new Set<string>();

/**
 * Replaces the fused batch-norm kernels of `backendName` (the `native` backend, after it copied
 * wasm's kernel table) with the oneDNN ones; the JavaScript kernels stay their fallback. Returns
 * false when already done. Throws when oneDNN does not load or the kernels are not registered.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "./init.ts";
 * try {
 *   await initBackend("native"); // registers them, when the native libraries load
 *   assert.ok(tf.getKernel("UsamBatchNormTrain", "native") !== undefined);
 * } catch (error) {
 *   assert.match((error as Error).message, /install/);
 * }
 * ```
 */
export function registerDnnlBatchNorm(backendName: string): boolean {
  if (replaced.has(backendName)) return false;
  const dnnl = loadDnnl();
  const originals = [BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD].map((name) => {
    const config = tf.getKernel(name, backendName);
    if (config === undefined) {
      throw new Error(
        `registerDnnlBatchNorm: no '${name}' kernel is registered for '${backendName}'`,
      );
    }
    return config;
  });
  const [forward, backward] = originals;
  tf.unregisterKernel(BATCH_NORM_TRAIN, backendName);
  tf.registerKernel({ ...forward, kernelFunc: forwardKernel(dnnl, forward.kernelFunc) });
  tf.unregisterKernel(BATCH_NORM_TRAIN_GRAD, backendName);
  tf.registerKernel({ ...backward, kernelFunc: backwardKernel(dnnl, backward.kernelFunc) });
  replaced.add(backendName);
  return true;
}
