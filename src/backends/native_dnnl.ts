/**
 * oneDNN kernels for the TF.js wasm backend: `Conv2D`, `_FusedConv2D`, `Conv2DBackpropInput`,
 * `Conv2DBackpropFilter`, `MaxPool` and `MaxPoolGrad` run through Debian's `libdnnl2` (oneDNN 2.6,
 * C API, Deno FFI) on all cores, in place on the wasm heap (see native_dnnl_conv.ts and
 * native_dnnl_pool.ts for how). Whatever oneDNN or this file
 * does not handle (NCHW, non-float32, PReLU, a broadcast bias, empty tensors, a geometry oneDNN
 * refuses) goes to the kernel that was registered before.
 *
 * {@link registerDnnlKernels} loads the library and swaps the kernels in;
 * {@link unregisterDnnlKernels} puts the previous ones back.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { KernelConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import {
  asWasmBackend,
  disposeTemporary,
  sizeOf,
  tensorData,
  type WasmBackend,
} from "./wasm_internals.ts";
import { checkNumericPadding } from "./wasm_conv2d_guard.ts";
import { type Dnnl, loadDnnl, openMpThreads, setOpenMpThreads } from "./native_dnnl_ffi.ts";
import {
  clearDnnlConvCache,
  convGeometry,
  dnnlConvBackwardData,
  dnnlConvBackwardWeights,
  dnnlConvForward,
  dnnlConvThreadsSetting,
  type DnnlThreads,
  type FusedActivation,
  setDnnlConvThreads,
} from "./native_dnnl_conv.ts";
import {
  clearDnnlPoolCache,
  dnnlMaxPool,
  dnnlMaxPoolGrad,
  poolGeometry,
} from "./native_dnnl_pool.ts";

/**
 * The kernels {@link registerDnnlKernels} replaces.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DNNL_KERNEL_NAMES } from "./native_dnnl.ts";
 * assert.ok(DNNL_KERNEL_NAMES.includes("Conv2DBackpropFilter"));
 * ```
 */
export const DNNL_KERNEL_NAMES = [
  "Conv2D",
  "FusedConv2D",
  "Conv2DBackpropInput",
  "Conv2DBackpropFilter",
  "MaxPool",
  "MaxPoolGrad",
] as const;

/** wasm_internals.ts's mark of a replaced kernel, so that its guards do not wrap these again. */
const REPLACED = Symbol.for("usam.backends.replacedWasmKernel");

type Pad = "valid" | "same" | number | tf.backend_util.ExplicitPadding;

interface ConvAttrs {
  strides: [number, number] | number;
  pad: Pad;
  dataFormat: "NHWC" | "NCHW";
  dilations?: [number, number] | number;
  dimRoundingMode?: "floor" | "round" | "ceil";
  activation?: string;
  leakyreluAlpha?: number;
  inputShape?: [number, number, number, number];
  filterShape?: [number, number, number, number];
}

/** How many calls of each kernel oneDNN ran, and how many went to the previous kernel. */
const calls = new Map<string, { dnnl: number; fallback: number }>();

function count(kernelName: string, ranDnnl: boolean): void {
  const entry = calls.get(kernelName) ?? { dnnl: 0, fallback: 0 };
  if (ranDnnl) entry.dnnl++;
  else entry.fallback++;
  calls.set(kernelName, entry);
}

/**
 * Per kernel, how many calls oneDNN ran and how many fell back to the previous kernel since the
 * last {@link registerDnnlKernels} (a copy).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { dnnlKernelCalls } from "./native_dnnl.ts";
 * assert.ok(dnnlKernelCalls() instanceof Map);
 * ```
 */
export function dnnlKernelCalls(): Map<string, { dnnl: number; fallback: number }> {
  return new Map([...calls].map(([k, v]) => [k, { ...v }]));
}

const ACTIVATIONS = new Set(["linear", "relu", "relu6", "elu", "leakyrelu", "sigmoid"]);

function isFloat32(...infos: (TensorInfo | undefined)[]): boolean {
  return infos.every((info) => info === undefined || info.dtype === "float32");
}

function conv2DInfo(
  xShape: number[],
  filterShape: number[],
  attrs: ConvAttrs,
  dilations: ConvAttrs["dilations"],
): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    "channelsLast",
  );
}

function offsetOf(backend: WasmBackend, info: TensorInfo): number {
  return tensorData(backend, info).memoryOffset;
}

/**
 * Allocates the output, runs `run` on the heap's current buffer (taken after the allocation) and
 * returns the output; undefined (output freed) when `run` reports that oneDNN refused.
 */
function withOutput(
  backend: WasmBackend,
  shape: number[],
  run: (heap: ArrayBuffer, outOffset: number) => boolean,
): TensorInfo | undefined {
  const out = backend.makeOutput(shape, "float32");
  let ran = false;
  try {
    ran = run(backend.wasm.HEAPU8.buffer as ArrayBuffer, offsetOf(backend, out));
  } finally {
    if (!ran) disposeTemporary(backend, out);
  }
  return ran ? out : undefined;
}

function forwardKernel(dnnl: Dnnl, kernelName: string, original: KernelFunc): KernelFunc {
  return (args) => {
    const { x, filter, bias, preluActivationWeights } = args.inputs as {
      x: TensorInfo;
      filter: TensorInfo;
      bias?: TensorInfo;
      preluActivationWeights?: TensorInfo;
    };
    const attrs = args.attrs as unknown as ConvAttrs;
    const activation = attrs.activation ?? "linear";
    const outChannels = filter.shape[3];
    const usable = isFloat32(x, filter, bias) && attrs.dataFormat !== "NCHW" &&
      x.shape.length === 4 && filter.shape.length === 4 &&
      preluActivationWeights === undefined && ACTIVATIONS.has(activation) &&
      (bias === undefined ||
        (sizeOf(bias.shape) === outChannels && bias.shape[bias.shape.length - 1] === outChannels));
    if (!usable) {
      count(kernelName, false);
      return original(args);
    }
    checkNumericPadding(
      kernelName,
      filter.shape,
      attrs as Parameters<typeof checkNumericPadding>[2],
    );
    const info = conv2DInfo(x.shape, filter.shape, attrs, attrs.dilations);
    if (sizeOf(info.outShape) === 0 || sizeOf(x.shape) === 0 || sizeOf(filter.shape) === 0) {
      count(kernelName, false);
      return original(args);
    }
    const backend = asWasmBackend(args.backend);
    const g = convGeometry(info);
    const out = withOutput(backend, info.outShape, (heap, dst) => {
      const offsets: Record<string, number> = {
        src: offsetOf(backend, x),
        weights: offsetOf(backend, filter),
        dst,
      };
      if (bias !== undefined) offsets.bias = offsetOf(backend, bias);
      return dnnlConvForward(
        dnnl,
        g,
        bias !== undefined,
        activation as FusedActivation,
        attrs.leakyreluAlpha ?? 0.2,
        { heap, offsets },
      );
    });
    count(kernelName, out !== undefined);
    return out ?? original(args);
  };
}

function checkDy(kernelName: string, dy: TensorInfo, expected: number[]): void {
  if (dy.shape.length !== 4 || dy.shape.some((d, i) => d !== expected[i])) {
    throw new RangeError(
      `${kernelName} (oneDNN): dy must have shape [${expected}], got [${dy.shape}]`,
    );
  }
}

function backwardDataKernel(dnnl: Dnnl, original: KernelFunc): KernelFunc {
  const kernelName = "Conv2DBackpropInput";
  return (args) => {
    const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
    const attrs = args.attrs as unknown as ConvAttrs;
    const inputShape = attrs.inputShape!;
    const usable = isFloat32(dy, filter) && attrs.dataFormat !== "NCHW" &&
      filter.shape.length === 4 && inputShape.length === 4;
    if (!usable || sizeOf(inputShape) === 0 || sizeOf(filter.shape) === 0) {
      count(kernelName, false);
      return original(args);
    }
    const info = conv2DInfo(inputShape, filter.shape, attrs, 1);
    checkDy(kernelName, dy, info.outShape);
    if (sizeOf(dy.shape) === 0) {
      count(kernelName, false);
      return original(args);
    }
    const backend = asWasmBackend(args.backend);
    const g = convGeometry(info);
    const out = withOutput(
      backend,
      [...inputShape],
      (heap, diffSrc) =>
        dnnlConvBackwardData(dnnl, g, {
          heap,
          offsets: { diffSrc, weights: offsetOf(backend, filter), diffDst: offsetOf(backend, dy) },
        }),
    );
    count(kernelName, out !== undefined);
    return out ?? original(args);
  };
}

function backwardWeightsKernel(dnnl: Dnnl, original: KernelFunc): KernelFunc {
  const kernelName = "Conv2DBackpropFilter";
  return (args) => {
    const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
    const attrs = args.attrs as unknown as ConvAttrs;
    const filterShape = attrs.filterShape!;
    const usable = isFloat32(x, dy) && attrs.dataFormat !== "NCHW" && x.shape.length === 4 &&
      filterShape.length === 4;
    if (!usable || sizeOf(x.shape) === 0 || sizeOf(filterShape) === 0) {
      count(kernelName, false);
      return original(args);
    }
    const info = conv2DInfo(x.shape, filterShape, attrs, 1);
    checkDy(kernelName, dy, info.outShape);
    if (sizeOf(dy.shape) === 0) {
      count(kernelName, false);
      return original(args);
    }
    const backend = asWasmBackend(args.backend);
    const g = convGeometry(info);
    const out = withOutput(
      backend,
      [...filterShape],
      (heap, diffWeights) =>
        dnnlConvBackwardWeights(dnnl, g, {
          heap,
          offsets: { src: offsetOf(backend, x), diffWeights, diffDst: offsetOf(backend, dy) },
        }),
    );
    count(kernelName, out !== undefined);
    return out ?? original(args);
  };
}

interface PoolAttrs {
  filterSize: [number, number] | number;
  strides: [number, number] | number;
  pad: Pad;
  dimRoundingMode?: "floor" | "round" | "ceil";
}

function pool2DInfo(xShape: number[], attrs: PoolAttrs): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computePool2DInfo(
    xShape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
}

function filterPair(filterSize: [number, number] | number): [number, number] {
  return typeof filterSize === "number" ? [filterSize, filterSize] : filterSize;
}

function maxPoolKernel(dnnl: Dnnl, original: KernelFunc): KernelFunc {
  const kernelName = "MaxPool";
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const attrs = args.attrs as unknown as PoolAttrs;
    if (!isFloat32(x) || x.shape.length !== 4 || sizeOf(x.shape) === 0) {
      count(kernelName, false);
      return original(args);
    }
    checkNumericPadding(kernelName, filterPair(attrs.filterSize), attrs);
    const info = pool2DInfo(x.shape, attrs);
    if (sizeOf(info.outShape) === 0) {
      count(kernelName, false);
      return original(args);
    }
    const backend = asWasmBackend(args.backend);
    const g = poolGeometry(info);
    const out = withOutput(
      backend,
      info.outShape,
      (heap, dst) => dnnlMaxPool(dnnl, g, heap, { src: offsetOf(backend, x), dst }),
    );
    count(kernelName, out !== undefined);
    return out ?? original(args);
  };
}

function maxPoolGradKernel(dnnl: Dnnl, original: KernelFunc): KernelFunc {
  const kernelName = "MaxPoolGrad";
  return (args) => {
    const { dy, input } = args.inputs as { dy: TensorInfo; input: TensorInfo };
    const attrs = args.attrs as unknown as PoolAttrs;
    if (!isFloat32(dy, input) || input.shape.length !== 4 || sizeOf(input.shape) === 0) {
      count(kernelName, false);
      return original(args);
    }
    const info = pool2DInfo(input.shape, attrs);
    checkDy(kernelName, dy, info.outShape);
    if (sizeOf(dy.shape) === 0) {
      count(kernelName, false);
      return original(args);
    }
    const backend = asWasmBackend(args.backend);
    const g = poolGeometry(info);
    const out = withOutput(
      backend,
      [...input.shape],
      (heap, diffSrc) =>
        dnnlMaxPoolGrad(dnnl, g, heap, {
          src: offsetOf(backend, input),
          diffDst: offsetOf(backend, dy),
          diffSrc,
        }),
    );
    count(kernelName, out !== undefined);
    return out ?? original(args);
  };
}

/** The kernel configs in place before {@link registerDnnlKernels}, while its kernels are in. */
let previous: Map<string, KernelConfig> | undefined;

/**
 * Whether the oneDNN kernels are registered now.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { dnnlKernelsRegistered } from "./native_dnnl.ts";
 * assert.equal(typeof dnnlKernelsRegistered(), "boolean");
 * ```
 */
export function dnnlKernelsRegistered(): boolean {
  return previous !== undefined;
}

/**
 * Loads libdnnl (an Error naming the Debian package `libdnnl2` when it cannot) and registers the
 * oneDNN kernels of {@link DNNL_KERNEL_NAMES} on the wasm backend in place of the current ones,
 * which stay the fallback. Returns the kernels registered, the library path and the thread count. The wasm kernels must be registered already (`initBackend("wasm")` or
 * `startWasm` does that). Idempotent: a second call registers nothing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "./init.ts";
 * import { registerDnnlKernels, unregisterDnnlKernels } from "./native_dnnl.ts";
 * await initBackend("wasm");
 * const { kernels, library } = registerDnnlKernels();
 * assert.ok(kernels.includes("Conv2D") && library.includes("dnnl"));
 * const y = tf.conv2d(tf.ones([1, 3, 3, 1]) as tf.Tensor4D, tf.ones([3, 3, 1, 1]) as tf.Tensor4D, 1, "same");
 * assert.equal(y.dataSync()[4], 9);
 * unregisterDnnlKernels();
 * ```
 */
export function registerDnnlKernels(
  backendName = "wasm",
): { kernels: string[]; library: string; threads: DnnlThreads } {
  if (backendName !== "wasm") {
    throw new TypeError(
      `registerDnnlKernels: backendName must be 'wasm' (the kernels work on its heap), got ` +
        `'${backendName}'`,
    );
  }
  const dnnl = loadDnnl();
  if (previous !== undefined) {
    return { kernels: [], library: dnnl.path, threads: dnnlConvThreadsSetting() };
  }
  const originals = new Map<string, KernelConfig>();
  for (const name of DNNL_KERNEL_NAMES) {
    const config = tf.getKernel(name, "wasm");
    if (config === undefined) {
      throw new Error(
        `registerDnnlKernels: no '${name}' kernel is registered for 'wasm'; start the wasm ` +
          `backend (initBackend("wasm")) first`,
      );
    }
    originals.set(name, config);
  }
  const replacements: Record<string, KernelFunc> = {
    Conv2D: forwardKernel(dnnl, "Conv2D", originals.get("Conv2D")!.kernelFunc),
    FusedConv2D: forwardKernel(dnnl, "FusedConv2D", originals.get("FusedConv2D")!.kernelFunc),
    Conv2DBackpropInput: backwardDataKernel(dnnl, originals.get("Conv2DBackpropInput")!.kernelFunc),
    Conv2DBackpropFilter: backwardWeightsKernel(
      dnnl,
      originals.get("Conv2DBackpropFilter")!.kernelFunc,
    ),
    MaxPool: maxPoolKernel(dnnl, originals.get("MaxPool")!.kernelFunc),
    MaxPoolGrad: maxPoolGradKernel(dnnl, originals.get("MaxPoolGrad")!.kernelFunc),
  };
  for (const name of DNNL_KERNEL_NAMES) {
    const kernelFunc = replacements[name] as KernelFunc & { [REPLACED]?: true };
    kernelFunc[REPLACED] = true;
    tf.unregisterKernel(name, "wasm");
    tf.registerKernel({ ...originals.get(name)!, kernelFunc });
  }
  previous = originals;
  calls.clear();
  return {
    kernels: [...DNNL_KERNEL_NAMES],
    library: dnnl.path,
    threads: dnnlConvThreadsSetting(),
  };
}

/**
 * Puts back the kernels {@link registerDnnlKernels} replaced and frees the cached oneDNN
 * primitives. Returns the names restored (none when nothing was registered).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { unregisterDnnlKernels } from "./native_dnnl.ts";
 * unregisterDnnlKernels();
 * assert.deepEqual(unregisterDnnlKernels(), []);
 * ```
 */
export function unregisterDnnlKernels(): string[] {
  if (previous === undefined) return [];
  for (const [name, config] of previous) {
    tf.unregisterKernel(name, "wasm");
    tf.registerKernel(config);
  }
  const restored = [...previous.keys()];
  previous = undefined;
  clearDnnlConvCache();
  clearDnnlPoolCache();
  return restored;
}

/**
 * Sets how many threads the oneDNN kernels use (OpenMP) and returns the previous setting. A
 * number fixes every kernel to it. `"auto"` (the native path's default) runs each convolution
 * by its size (`dnnlConvThreadsFor`: one thread for a small call, all cores for a large one) and
 * the other kernels (pooling) on one thread. Convolution plans are cached per thread count;
 * pooling's cache is emptied on a change, since its primitives sized their work split for the
 * old count. On a machine whose cores are busy with other jobs, fewer threads can be faster: an
 * OpenMP barrier waits for its slowest, descheduled, thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { setDnnlThreads } from "./native_dnnl.ts";
 * const previous = setDnnlThreads(1);
 * assert.equal(setDnnlThreads("auto"), 1);
 * assert.equal(setDnnlThreads(previous), "auto");
 * assert.throws(() => setDnnlThreads(0), /got 0/);
 * ```
 */
export function setDnnlThreads(threads: DnnlThreads): DnnlThreads {
  if (threads !== "auto" && (!Number.isInteger(threads) || threads < 1)) {
    throw new RangeError(
      `setDnnlThreads: threads must be an integer ≥ 1 or "auto", got ${threads}`,
    );
  }
  loadDnnl();
  const previous = setDnnlConvThreads(threads);
  const others = threads === "auto" ? 1 : threads;
  if (others !== openMpThreads()) clearDnnlPoolCache();
  setOpenMpThreads(others);
  return previous;
}
