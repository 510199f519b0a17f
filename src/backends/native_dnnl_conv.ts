/**
 * oneDNN convolutions on the TF.js wasm heap: forward (with bias and a fused activation), backward
 * data and backward weights, for NHWC activations and HWIO filters, float32.
 *
 * The tensors stay where the wasm backend keeps them: each oneDNN memory object points into the
 * module's `WebAssembly.Memory` (the heap's current ArrayBuffer plus the tensor's byte offset,
 * taken after the output is allocated, so a heap growth cannot leave a stale pointer). TF.js's
 * layouts are plain oneDNN formats: NHWC activations are tag `nhwc` (= `acdb` on oneDNN's logical
 * N, C, H, W order) and HWIO filters are tag `hwio` (= `cdba` on O, I, H, W).
 *
 * Each distinct geometry (shapes, strides, paddings, dilations, activation) gets one plan,
 * cached: the primitive descriptor, the primitive, its memory objects and argument array. Filters
 * are handed to oneDNN either in TF.js's HWIO layout or in the blocked layout oneDNN prefers
 * (`weightsLayout`), with a reorder of the (small) filter on each call; which is faster was
 * measured in bench/native_dnnl_bench.ts.
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
  createReorder,
  dims,
  type Dnnl,
  eltwiseAttr,
  execArgs,
  execute,
  memoryDesc,
  memoryObject,
  OP_DESC_BYTES,
  openMpDefaultThreads,
  openMpThreads,
  type Primitive,
  PROP,
  QUERY,
  queryMd,
  sameMd,
  TAG,
  withOpenMpThreads,
} from "./native_dnnl_ffi.ts";

/**
 * Which filter layout the convolution primitives are created with.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type WeightsLayout } from "./native_dnnl_conv.ts";
 * const layout: WeightsLayout = "blocked";
 * assert.equal(layout, "blocked");
 * ```
 */
export type WeightsLayout = "hwio" | "blocked";

let weightsLayout: WeightsLayout = "blocked";

/**
 * Chooses the filter layout of the convolution primitives created from now on (the cache is
 * emptied) and returns the previous one: `hwio` hands oneDNN TF.js's layout as is, `blocked` lets
 * oneDNN pick its preferred layout and reorders the filter (or its gradient) on each call.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { setDnnlWeightsLayout } from "./native_dnnl_conv.ts";
 * const previous = setDnnlWeightsLayout("hwio");
 * assert.equal(setDnnlWeightsLayout(previous), "hwio");
 * ```
 */
export function setDnnlWeightsLayout(layout: WeightsLayout): WeightsLayout {
  if (layout !== "hwio" && layout !== "blocked") {
    throw new TypeError(`setDnnlWeightsLayout: layout must be 'hwio' or 'blocked', got ${layout}`);
  }
  const previous = weightsLayout;
  if (layout !== previous) clearDnnlConvCache();
  weightsLayout = layout;
  return previous;
}

/**
 * The geometry of one NHWC convolution, in the terms oneDNN takes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type ConvGeometry } from "./native_dnnl_conv.ts";
 * const g: Partial<ConvGeometry> = { strides: [2, 2], dilations: [1, 1] };
 * assert.deepEqual(g.strides, [2, 2]);
 * ```
 */
export interface ConvGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  outChannels: number;
  filterHeight: number;
  filterWidth: number;
  strides: [number, number];
  /** TF.js dilations (1 = none); oneDNN takes these minus one. */
  dilations: [number, number];
  padBefore: [number, number];
  padAfter: [number, number];
}

/**
 * The {@link ConvGeometry} of a TF.js `Conv2DInfo` (NHWC only; a TypeError otherwise).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { convGeometry } from "./native_dnnl_conv.ts";
 * const info = tf.backend_util.computeConv2DInfo([1, 5, 5, 2], [3, 3, 2, 4], 2, 1, "same");
 * assert.deepEqual(convGeometry(info).padBefore, [1, 1]);
 * ```
 */
export function convGeometry(info: tf.backend_util.Conv2DInfo): ConvGeometry {
  if (info.dataFormat !== "channelsLast") {
    throw new TypeError(`convGeometry: dataFormat must be channelsLast, got ${info.dataFormat}`);
  }
  return {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    outChannels: info.outChannels,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strides: [info.strideHeight, info.strideWidth],
    dilations: [info.dilationHeight, info.dilationWidth],
    padBefore: [info.padInfo.top, info.padInfo.left],
    padAfter: [info.padInfo.bottom, info.padInfo.right],
  };
}

/**
 * A fused activation oneDNN runs as an eltwise post-op.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type FusedActivation } from "./native_dnnl_conv.ts";
 * const activation: FusedActivation = "relu6";
 * assert.equal(activation, "relu6");
 * ```
 */
export type FusedActivation = "linear" | "relu" | "relu6" | "elu" | "leakyrelu" | "sigmoid";

/**
 * How many OpenMP threads a convolution plan runs on: a fixed count for every plan, or `"auto"`,
 * which gives each plan one thread or OpenMP's own count (all cores, or `OMP_NUM_THREADS`) by the
 * rule of {@link AUTO_PARALLEL}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type DnnlThreads } from "./native_dnnl_conv.ts";
 * const settings: DnnlThreads[] = [1, 2, "auto"];
 * assert.equal(settings.length, 3);
 * ```
 */
export type DnnlThreads = number | "auto";

/**
 * The `"auto"` thread rule's thresholds: a convolution runs on every core when a call does at
 * least `multiplyAdds` multiply-adds (the same for the forward pass and each gradient), or when
 * its output has at least `outputPixels` positions (height × width) and the call at least
 * `spatialMultiplyAdds`; otherwise on one thread. Why: a parallel region costs a fork and
 * barriers, which a short call cannot win back, and oneDNN splits the work over the batch and
 * the output rows, which a small image leaves too few of. Measured with
 * bench/native_conv_threads.ts (batch 128, blocked filters, quiet 2-core development VM,
 * 2026-12-01), milliseconds per forward call on 1 → 2 threads: ResNet-18 ×1/4's 3×3s at 302
 * million multiply-adds 1.78–3.12 → 0.97–1.89 (also at a 4×4 output), its stem (56.6 M)
 * 0.83 → 0.47; at 28×28 and 14×14 even small calls gain (×1/16 stem, 3.6 M: 0.35 → 0.22; LeNet's
 * first, 11.1 M: 0.49 → 0.30), while at 7×7 and 4×4 outputs calls of 7–19 M lose (0.12 → 0.15,
 * 0.16 → 0.18, 0.09 → 0.14); the gradients follow the same pattern. Inside a training step the
 * small calls gain less than alone, where the second thread stays warm: LeNet-5's SGD step
 * (`deno task bench:anchor cnn-sgd`, same machine and day, two runs each) gave 15.6k and 22.8k
 * images/s with its first convolution (11.1 M at 24×24) on 2 threads, 25.6k and 24.2k on one;
 * hence the 12 M floor of the spatial rule, which keeps it (and the ×1/16 stem) on one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AUTO_PARALLEL } from "./native_dnnl_conv.ts";
 * assert.ok(AUTO_PARALLEL.multiplyAdds > AUTO_PARALLEL.spatialMultiplyAdds);
 * ```
 */
export const AUTO_PARALLEL: Readonly<
  { multiplyAdds: number; outputPixels: number; spatialMultiplyAdds: number }
> = Object.freeze({ multiplyAdds: 50e6, outputPixels: 100, spatialMultiplyAdds: 12e6 });

/** The setting; unset, each plan runs on the OpenMP count in force when it is created. */
let convThreads: DnnlThreads | undefined;

/**
 * The convolutions' thread setting: the last {@link setDnnlConvThreads}, or before one, the OpenMP
 * count in force.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { dnnlConvThreadsSetting, setDnnlConvThreads } from "./native_dnnl_conv.ts";
 * import { loadDnnl } from "./native_dnnl_ffi.ts";
 * loadDnnl();
 * const previous = setDnnlConvThreads("auto");
 * assert.equal(dnnlConvThreadsSetting(), "auto");
 * setDnnlConvThreads(previous);
 * ```
 */
export function dnnlConvThreadsSetting(): DnnlThreads {
  return convThreads ?? openMpThreads();
}

/**
 * Sets how many threads the convolution plans created from now on run on, and returns the
 * previous setting. Plans are cached per thread count, so a change keeps the old plans for when
 * the setting comes back. Throws a RangeError for anything but an integer ≥ 1 or `"auto"`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { setDnnlConvThreads } from "./native_dnnl_conv.ts";
 * const previous = setDnnlConvThreads("auto");
 * assert.equal(setDnnlConvThreads(previous), "auto");
 * assert.throws(() => setDnnlConvThreads(0), /got 0/);
 * ```
 */
export function setDnnlConvThreads(threads: DnnlThreads): DnnlThreads {
  if (threads !== "auto" && (!Number.isInteger(threads) || threads < 1)) {
    throw new RangeError(
      `setDnnlConvThreads: threads must be an integer ≥ 1 or "auto", got ${threads}`,
    );
  }
  const previous = dnnlConvThreadsSetting();
  convThreads = threads;
  return previous;
}

/**
 * Multiply-adds of one call of the convolution of geometry `g` (the forward pass and each of its
 * gradients do the same number).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { convGeometry, convMultiplyAdds } from "./native_dnnl_conv.ts";
 * const info = tf.backend_util.computeConv2DInfo([2, 8, 8, 3], [3, 3, 3, 4], 1, 1, "same");
 * assert.equal(convMultiplyAdds(convGeometry(info)), 2 * 8 * 8 * 4 * 3 * 3 * 3);
 * ```
 */
export function convMultiplyAdds(g: ConvGeometry): number {
  return g.batch * g.outHeight * g.outWidth * g.outChannels * g.inChannels * g.filterHeight *
    g.filterWidth;
}

/**
 * The thread count the convolution of geometry `g` runs on under the current setting
 * ({@link setDnnlConvThreads}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { convGeometry, dnnlConvThreadsFor, setDnnlConvThreads } from "./native_dnnl_conv.ts";
 * import { loadDnnl, openMpDefaultThreads } from "./native_dnnl_ffi.ts";
 * loadDnnl();
 * const small = convGeometry(tf.backend_util.computeConv2DInfo([1, 8, 8, 1], [3, 3, 1, 4], 1, 1, "same"));
 * const large = convGeometry(tf.backend_util.computeConv2DInfo([128, 32, 32, 64], [3, 3, 64, 64], 1, 1, "same"));
 * const previous = setDnnlConvThreads("auto");
 * assert.equal(dnnlConvThreadsFor(small), 1);
 * assert.equal(dnnlConvThreadsFor(large), openMpDefaultThreads());
 * setDnnlConvThreads(3);
 * assert.equal(dnnlConvThreadsFor(small), 3);
 * setDnnlConvThreads(previous);
 * ```
 */
export function dnnlConvThreadsFor(g: ConvGeometry): number {
  const setting = dnnlConvThreadsSetting();
  if (setting !== "auto") return setting;
  const work = convMultiplyAdds(g);
  const parallel = work >= AUTO_PARALLEL.multiplyAdds ||
    (g.outHeight * g.outWidth >= AUTO_PARALLEL.outputPixels &&
      work >= AUTO_PARALLEL.spatialMultiplyAdds);
  return parallel ? openMpDefaultThreads() : 1;
}

/** One cached convolution: what runs, on which memory objects. */
interface ConvPlan {
  main: Primitive;
  /** Memory objects whose handle is set to a heap address on each call, by role. */
  heap: Map<string, Deno.PointerObject>;
  args: Uint8Array;
  /** Filter (or filter gradient) reorder between HWIO on the heap and oneDNN's layout. */
  reorder?: { primitive: Primitive; args: Uint8Array };
  owned: Deno.PointerObject[];
  /** The forward primitive built only as a hint for a backward one. */
  hint?: Primitive;
}

type PlanKind = "forward" | "backwardData" | "backwardWeights";

const cache = new Map<string, ConvPlan | null>();
/** Bound on cached plans: random-shape tests create many; a model has a few dozen. */
const CACHE_LIMIT = 256;

function planKey(kind: PlanKind, g: ConvGeometry, extra: string, threads: number): string {
  return `${kind}|${weightsLayout}|t${threads}|${g.batch},${g.inHeight},${g.inWidth},${g.inChannels}|` +
    `${g.outHeight},${g.outWidth},${g.outChannels}|${g.filterHeight},${g.filterWidth}|` +
    `${g.strides}|${g.dilations}|${g.padBefore}|${g.padAfter}|${extra}`;
}

function shapes(g: ConvGeometry) {
  return {
    src: [g.batch, g.inChannels, g.inHeight, g.inWidth],
    weights: [g.outChannels, g.inChannels, g.filterHeight, g.filterWidth],
    dst: [g.batch, g.outChannels, g.outHeight, g.outWidth],
  };
}

function destroy(dnnl: Dnnl, primitive: Primitive): void {
  dnnl.symbols.dnnl_primitive_destroy(primitive.primitive);
  dnnl.symbols.dnnl_primitive_desc_destroy(primitive.pd);
}

function destroyPlan(dnnl: Dnnl, plan: ConvPlan): void {
  destroy(dnnl, plan.main);
  if (plan.hint !== undefined) destroy(dnnl, plan.hint);
  if (plan.reorder !== undefined) destroy(dnnl, plan.reorder.primitive);
  for (const memory of [...plan.heap.values(), ...plan.owned]) {
    dnnl.symbols.dnnl_memory_destroy(memory);
  }
}

let cacheOwner: Dnnl | undefined;

/**
 * Destroys every cached convolution plan (primitives and memory objects).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { clearDnnlConvCache, dnnlConvCacheSize } from "./native_dnnl_conv.ts";
 * clearDnnlConvCache();
 * assert.equal(dnnlConvCacheSize(), 0);
 * ```
 */
export function clearDnnlConvCache(): void {
  if (cacheOwner !== undefined) {
    for (const plan of cache.values()) if (plan !== null) destroyPlan(cacheOwner, plan);
  }
  cache.clear();
}

/**
 * The number of cached plans (including geometries oneDNN refused, cached as such).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { dnnlConvCacheSize } from "./native_dnnl_conv.ts";
 * assert.ok(dnnlConvCacheSize() >= 0);
 * ```
 */
export function dnnlConvCacheSize(): number {
  return cache.size;
}

function cached(
  dnnl: Dnnl,
  key: string,
  build: () => ConvPlan | null,
): ConvPlan | null {
  return cachedPlan(cache, key, CACHE_LIMIT, clearDnnlConvCache, () => {
    cacheOwner = dnnl;
    return build();
  });
}

/**
 * Builds (once) and runs the plan of `kind` for geometry `g` on the thread count the setting gives
 * it, creation and execution alike. The filter reorder runs before the main primitive when it
 * feeds it (forward, input gradient: HWIO in) and after it for the filter gradient (HWIO out).
 */
function runPlan(
  dnnl: Dnnl,
  kind: PlanKind,
  g: ConvGeometry,
  extra: string,
  operands: ConvOperands,
  build: () => ConvPlan | null,
): boolean {
  const threads = dnnlConvThreadsFor(g);
  return withOpenMpThreads(threads, () => {
    const plan = cached(dnnl, planKey(kind, g, extra, threads), build);
    if (plan === null) return false;
    bind(dnnl, plan, operands.heap, operands.offsets);
    const reorder = plan.reorder;
    const reorderFirst = kind !== "backwardWeights";
    if (reorder !== undefined && reorderFirst) {
      execute(dnnl, reorder.primitive.primitive, reorder.args);
    }
    execute(dnnl, plan.main.primitive, plan.args);
    if (reorder !== undefined && !reorderFirst) {
      execute(dnnl, reorder.primitive.primitive, reorder.args);
    }
    return true;
  });
}

const ACTIVATIONS: Record<FusedActivation, [number, number, number] | null> = {
  linear: null,
  relu: [ALG.eltwiseRelu, 0, 0],
  relu6: [ALG.eltwiseClip, 0, 6],
  elu: [ALG.eltwiseElu, 1, 0],
  leakyrelu: [ALG.eltwiseRelu, NaN, 0], // alpha filled from leakyreluAlpha
  sigmoid: [ALG.eltwiseLogistic, 0, 0],
};

function forwardDesc(
  dnnl: Dnnl,
  g: ConvGeometry,
  withBias: boolean,
  weightsTag: number,
): Uint8Array | null {
  const s = shapes(g);
  const desc = new Uint8Array(OP_DESC_BYTES);
  const status = dnnl.symbols.dnnl_dilated_convolution_forward_desc_init(
    desc,
    PROP.forwardTraining,
    ALG.convolutionDirect,
    memoryDesc(dnnl, s.src, TAG.nhwc),
    memoryDesc(dnnl, s.weights, weightsTag),
    withBias ? memoryDesc(dnnl, [g.outChannels], TAG.a) : null,
    memoryDesc(dnnl, s.dst, TAG.nhwc),
    dims(g.strides),
    dims([g.dilations[0] - 1, g.dilations[1] - 1]),
    dims(g.padBefore),
    dims(g.padAfter),
  );
  return status === 0 ? desc : null;
}

/**
 * Builds the weights side of a plan: when the primitive's filter layout differs from HWIO, an
 * owned memory object in its layout and the reorder between it and the HWIO one on the heap.
 */
function weightsSide(
  dnnl: Dnnl,
  main: Primitive,
  query: number,
  g: ConvGeometry,
  direction: "toPrimitive" | "fromPrimitive",
) {
  const hwio = memoryDesc(dnnl, shapes(g).weights, TAG.hwio);
  const chosen = queryMd(dnnl, main.pd, query);
  const heapMemory = memoryObject(dnnl, hwio, false);
  if (sameMd(dnnl, chosen, hwio)) return { heapMemory, primitiveMemory: heapMemory };
  const primitiveMemory = memoryObject(dnnl, chosen, true);
  const [from, to] = direction === "toPrimitive"
    ? [hwio, chosen] as const
    : [chosen, hwio] as const;
  const [fromMemory, toMemory] = direction === "toPrimitive"
    ? [heapMemory, primitiveMemory]
    : [primitiveMemory, heapMemory];
  const primitive = createReorder(dnnl, from, to);
  return {
    heapMemory,
    primitiveMemory,
    reorder: { primitive, args: execArgs([[ARG.src, fromMemory], [ARG.dst, toMemory]]) },
  };
}

function weightsTag(): number {
  return weightsLayout === "hwio" ? TAG.hwio : TAG.any;
}

function buildForward(
  dnnl: Dnnl,
  g: ConvGeometry,
  withBias: boolean,
  activation: FusedActivation,
  leakyreluAlpha: number,
): ConvPlan | null {
  const desc = forwardDesc(dnnl, g, withBias, weightsTag());
  if (desc === null) return null;
  const post = ACTIVATIONS[activation];
  const attr = post === null
    ? null
    : eltwiseAttr(dnnl, post[0], activation === "leakyrelu" ? leakyreluAlpha : post[1], post[2]);
  let main: Primitive | null;
  try {
    main = createPrimitive(dnnl, desc, attr, null);
  } finally {
    if (attr !== null) dnnl.symbols.dnnl_primitive_attr_destroy(attr);
  }
  if (main === null) return null;
  const s = shapes(g);
  const src = memoryObject(dnnl, memoryDesc(dnnl, s.src, TAG.nhwc), false);
  const dst = memoryObject(dnnl, memoryDesc(dnnl, s.dst, TAG.nhwc), false);
  const w = weightsSide(dnnl, main, QUERY.weightsMd, g, "toPrimitive");
  const heap = new Map([["src", src], ["weights", w.heapMemory], ["dst", dst]]);
  const args: [number, Deno.PointerObject][] = [
    [ARG.src, src],
    [ARG.weights, w.primitiveMemory],
    [ARG.dst, dst],
  ];
  if (withBias) {
    const bias = memoryObject(dnnl, memoryDesc(dnnl, [g.outChannels], TAG.a), false);
    heap.set("bias", bias);
    args.push([ARG.bias, bias]);
  }
  return {
    main,
    heap,
    args: execArgs(args),
    reorder: w.reorder,
    owned: w.primitiveMemory === w.heapMemory ? [] : [w.primitiveMemory],
  };
}

/** The forward primitive descriptor a backward one needs as its hint. */
function forwardHint(dnnl: Dnnl, g: ConvGeometry): Primitive | null {
  const desc = forwardDesc(dnnl, g, false, weightsTag());
  return desc === null ? null : createPrimitive(dnnl, desc, null, null);
}

function buildBackwardData(dnnl: Dnnl, g: ConvGeometry): ConvPlan | null {
  const hint = forwardHint(dnnl, g);
  if (hint === null) return null;
  const s = shapes(g);
  const desc = new Uint8Array(OP_DESC_BYTES);
  const status = dnnl.symbols.dnnl_dilated_convolution_backward_data_desc_init(
    desc,
    ALG.convolutionDirect,
    memoryDesc(dnnl, s.src, TAG.nhwc),
    memoryDesc(dnnl, s.weights, weightsTag()),
    memoryDesc(dnnl, s.dst, TAG.nhwc),
    dims(g.strides),
    dims([g.dilations[0] - 1, g.dilations[1] - 1]),
    dims(g.padBefore),
    dims(g.padAfter),
  );
  const main = status === 0 ? createPrimitive(dnnl, desc, null, hint.pd) : null;
  if (main === null) {
    destroy(dnnl, hint);
    return null;
  }
  const diffSrc = memoryObject(dnnl, memoryDesc(dnnl, s.src, TAG.nhwc), false);
  const diffDst = memoryObject(dnnl, memoryDesc(dnnl, s.dst, TAG.nhwc), false);
  const w = weightsSide(dnnl, main, QUERY.weightsMd, g, "toPrimitive");
  return {
    main,
    hint,
    heap: new Map([["diffSrc", diffSrc], ["weights", w.heapMemory], ["diffDst", diffDst]]),
    args: execArgs([
      [ARG.diffSrc, diffSrc],
      [ARG.weights, w.primitiveMemory],
      [ARG.diffDst, diffDst],
    ]),
    reorder: w.reorder,
    owned: w.primitiveMemory === w.heapMemory ? [] : [w.primitiveMemory],
  };
}

/**
 * Whether oneDNN 2.6's `jit_1x1` backward-weights implementations write past their scratchpad for
 * geometry `g`: a strided 1×1 filter over an NHWC source with fewer input channels than the
 * kernel's channel block (16 with AVX-512, 8 with AVX2; 16 covers both). They address the
 * reduce-to-unit-stride buffer as `ic_block` channels per position while only `ic` per position
 * were booked, so on more than one thread the writes run past the end (up to 1,040 bytes measured
 * here, in 32 of 6,000 random shapes, every one of them strided 1×1 with IC < 16): with the
 * library-managed scratchpad that is glibc's heap, and the process later aborts ("corrupted size
 * vs. prev_size", "malloc(): invalid next size") or segfaults. Upstream: uxlfoundation/oneDNN
 * issue 6035, open; reproduced here without Deno (scripts/onednn_1x1_bwd_weights_repro.c).
 * One thread stays inside its buffer (0 of 6,000), but which implementation runs must not depend
 * on the thread count, so these shapes always take the next implementation oneDNN offers.
 */
function strided1x1Overflows(g: ConvGeometry): boolean {
  return g.filterHeight === 1 && g.filterWidth === 1 &&
    (g.strides[0] > 1 || g.strides[1] > 1) && g.inChannels < 16;
}

function isJit1x1(implementation: string): boolean {
  return implementation.startsWith("jit_1x1");
}

function buildBackwardWeights(dnnl: Dnnl, g: ConvGeometry): ConvPlan | null {
  const hint = forwardHint(dnnl, g);
  if (hint === null) return null;
  const s = shapes(g);
  const desc = new Uint8Array(OP_DESC_BYTES);
  const status = dnnl.symbols.dnnl_dilated_convolution_backward_weights_desc_init(
    desc,
    ALG.convolutionDirect,
    memoryDesc(dnnl, s.src, TAG.nhwc),
    memoryDesc(dnnl, s.weights, weightsTag()),
    null,
    memoryDesc(dnnl, s.dst, TAG.nhwc),
    dims(g.strides),
    dims([g.dilations[0] - 1, g.dilations[1] - 1]),
    dims(g.padBefore),
    dims(g.padAfter),
  );
  const reject = strided1x1Overflows(g) ? isJit1x1 : undefined;
  const main = status === 0 ? createPrimitive(dnnl, desc, null, hint.pd, reject) : null;
  if (main === null) {
    destroy(dnnl, hint);
    return null;
  }
  const src = memoryObject(dnnl, memoryDesc(dnnl, s.src, TAG.nhwc), false);
  const diffDst = memoryObject(dnnl, memoryDesc(dnnl, s.dst, TAG.nhwc), false);
  const w = weightsSide(dnnl, main, QUERY.diffWeightsMd, g, "fromPrimitive");
  return {
    main,
    hint,
    heap: new Map([["src", src], ["diffWeights", w.heapMemory], ["diffDst", diffDst]]),
    args: execArgs([
      [ARG.src, src],
      [ARG.diffWeights, w.primitiveMemory],
      [ARG.diffDst, diffDst],
    ]),
    reorder: w.reorder,
    owned: w.primitiveMemory === w.heapMemory ? [] : [w.primitiveMemory],
  };
}

/** Sets each heap memory object of `plan` to its byte offset in `heap`. */
function bind(
  dnnl: Dnnl,
  plan: ConvPlan,
  heap: ArrayBuffer,
  offsets: Record<string, number>,
): void {
  bindHeap(dnnl, plan.heap, heap, offsets, "native_dnnl_conv");
}

/**
 * Byte offsets of the tensors one convolution reads and writes, in the heap `heap`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type ConvOperands } from "./native_dnnl_conv.ts";
 * const operands: ConvOperands = { heap: new ArrayBuffer(64), offsets: { src: 0, dst: 32 } };
 * assert.equal(operands.offsets.dst, 32);
 * ```
 */
export interface ConvOperands {
  heap: ArrayBuffer;
  offsets: Record<string, number>;
}

/**
 * Runs the forward convolution of geometry `g` (roles `src`, `weights`, `dst`, and `bias` when
 * `withBias`); false, running nothing, when oneDNN has no implementation for it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { convGeometry, dnnlConvForward } from "./native_dnnl_conv.ts";
 * import { loadDnnl } from "./native_dnnl_ffi.ts";
 * const info = tf.backend_util.computeConv2DInfo([1, 3, 3, 1], [3, 3, 1, 1], 1, 1, "same");
 * const heap = new Float32Array(9 + 9 + 9).fill(1); // x, filter, y
 * const ran = dnnlConvForward(loadDnnl(), convGeometry(info), false, "linear", 0, {
 *   heap: heap.buffer, offsets: { src: 0, weights: 36, dst: 72 },
 * });
 * assert.ok(ran);
 * assert.deepEqual(Array.from(heap.subarray(18)), [4, 6, 4, 6, 9, 6, 4, 6, 4]);
 * ```
 */
export function dnnlConvForward(
  dnnl: Dnnl,
  g: ConvGeometry,
  withBias: boolean,
  activation: FusedActivation,
  leakyreluAlpha: number,
  operands: ConvOperands,
): boolean {
  const extra = `${withBias}|${activation}|${leakyreluAlpha}`;
  return runPlan(
    dnnl,
    "forward",
    g,
    extra,
    operands,
    () => buildForward(dnnl, g, withBias, activation, leakyreluAlpha),
  );
}

/**
 * Runs the input gradient of the convolution of geometry `g` (roles `diffSrc` written, `weights`,
 * `diffDst`); false when oneDNN has no implementation for it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { convGeometry, dnnlConvBackwardData } from "./native_dnnl_conv.ts";
 * import { loadDnnl } from "./native_dnnl_ffi.ts";
 * const info = tf.backend_util.computeConv2DInfo([1, 3, 3, 1], [3, 3, 1, 1], 1, 1, "same");
 * const heap = new Float32Array(27).fill(1); // dx, filter, dy
 * assert.ok(dnnlConvBackwardData(loadDnnl(), convGeometry(info), {
 *   heap: heap.buffer, offsets: { diffSrc: 0, weights: 36, diffDst: 72 },
 * }));
 * assert.equal(heap[4], 9); // the centre pixel feeds all 9 outputs
 * ```
 */
export function dnnlConvBackwardData(
  dnnl: Dnnl,
  g: ConvGeometry,
  operands: ConvOperands,
): boolean {
  return runPlan(dnnl, "backwardData", g, "", operands, () => buildBackwardData(dnnl, g));
}

/**
 * Runs the filter gradient of the convolution of geometry `g` (roles `src`, `diffWeights`
 * written, `diffDst`); false when oneDNN has no implementation for it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { convGeometry, dnnlConvBackwardWeights } from "./native_dnnl_conv.ts";
 * import { loadDnnl } from "./native_dnnl_ffi.ts";
 * const info = tf.backend_util.computeConv2DInfo([1, 3, 3, 1], [3, 3, 1, 1], 1, 1, "same");
 * const heap = new Float32Array(27).fill(1); // x, dW, dy
 * assert.ok(dnnlConvBackwardWeights(loadDnnl(), convGeometry(info), {
 *   heap: heap.buffer, offsets: { src: 0, diffWeights: 36, diffDst: 72 },
 * }));
 * assert.equal(heap[9 + 4], 9); // the centre tap sees all 9 pixels
 * assert.equal(heap[9], 4); // a corner tap sees 4
 * ```
 */
export function dnnlConvBackwardWeights(
  dnnl: Dnnl,
  g: ConvGeometry,
  operands: ConvOperands,
): boolean {
  return runPlan(dnnl, "backwardWeights", g, "", operands, () => buildBackwardWeights(dnnl, g));
}

/**
 * The implementation names oneDNN chose for the cached plans (e.g. `brg:avx512_core`), by plan
 * kind: what the benchmark prints to say which code ran.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { dnnlConvImplementations } from "./native_dnnl_conv.ts";
 * assert.ok(dnnlConvImplementations() instanceof Map);
 * ```
 */
export function dnnlConvImplementations(): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const [key, plan] of cache) {
    if (plan === null) continue;
    const kind = key.split("|")[0];
    if (!out.has(kind)) out.set(kind, new Set());
    out.get(kind)!.add(plan.main.implementation);
  }
  return out;
}
