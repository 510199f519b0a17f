/**
 * The TF.js WebGPU backend on Deno's WebGPU (`"unstable": ["webgpu"]` in deno.json). On a machine
 * without a GPU, Deno offers a software adapter (Mesa's llvmpipe) flagged `isFallbackAdapter`:
 * `auto` does not pick it, but `webgpu` asked for by name runs on it.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";

/**
 * What Deno's WebGPU offers: whether there is an adapter, whether it is a software fallback, and
 * a human description (`"llvmpipe (LLVM 15.0.6, 256 bits)"`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { WebGpuAdapterProbe } from "./webgpu.ts";
 * const none: WebGpuAdapterProbe = { available: false, isFallback: false, description: "none" };
 * assert.ok(!none.available);
 * ```
 */
export interface WebGpuAdapterProbe {
  available: boolean;
  isFallback: boolean;
  description: string;
}

interface AdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

/**
 * Asks Deno's WebGPU for an adapter (high-performance preference) and describes it, without
 * creating a device. Never throws: no WebGPU, or no adapter, gives `available: false` with the
 * reason in `description`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { probeWebGpuAdapter } from "./webgpu.ts";
 * // Never throws, adapter or not; either way the description says what was found or why not.
 * const probe = await probeWebGpuAdapter();
 * assert.equal(typeof probe.available, "boolean");
 * assert.ok(probe.description.length > 0);
 * if (!probe.available) assert.equal(probe.isFallback, false);
 * ```
 */
export async function probeWebGpuAdapter(): Promise<WebGpuAdapterProbe> {
  const gpu = (globalThis.navigator as { gpu?: GPU } | undefined)?.gpu;
  if (gpu === undefined) {
    return {
      available: false,
      isFallback: false,
      description: "navigator.gpu is undefined (run Deno with --unstable-webgpu)",
    };
  }
  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
  } catch (error) {
    return {
      available: false,
      isFallback: false,
      description: `requestAdapter failed: ${(error as Error).message}`,
    };
  }
  if (adapter === null) {
    return { available: false, isFallback: false, description: "requestAdapter returned null" };
  }
  const info = ((adapter as unknown as { info?: AdapterInfoLike }).info ?? {}) as AdapterInfoLike;
  const isFallback = Boolean(
    info.isFallbackAdapter ??
      (adapter as unknown as { isFallbackAdapter?: boolean }).isFallbackAdapter,
  );
  const parts = [info.description, info.vendor && `vendor ${info.vendor}`, info.architecture]
    .filter((part) => typeof part === "string" && part !== "");
  return {
    available: true,
    isFallback,
    description: parts.length > 0 ? parts.join(", ") : "unnamed adapter",
  };
}

/**
 * Makes the TF.js `webgpu` backend active. Throws an Error naming the reason when Deno offers no
 * adapter.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { startWebGpu } from "./webgpu.ts";
 * const probe = await startWebGpu();
 * assert.ok(tf.getBackend() === "webgpu" && probe.available);
 * ```
 */
export async function startWebGpu(): Promise<WebGpuAdapterProbe> {
  const probe = await probeWebGpuAdapter();
  if (!probe.available) {
    throw new Error(`initBackend("webgpu"): no WebGPU adapter: ${probe.description}`);
  }
  // Imported here so that loading this module does not register a backend TF.js would prefer
  // (webgpu has the highest priority) for ops run before initBackend.
  await import("@tensorflow/tfjs-backend-webgpu");
  const ok = await tf.setBackend("webgpu");
  if (!ok) {
    throw new Error(
      `initBackend("webgpu"): the TF.js webgpu backend failed on ${probe.description}`,
    );
  }
  chunkWebGpuAddN();
  return probe;
}

/** What the AddN kernel needs of the TF.js webgpu backend. */
interface WebGpuBackendLike {
  device: { limits: { maxStorageBuffersPerShaderStage: number } };
  disposeData(dataId: object): void;
}

let addNChunked = false;

/**
 * Makes the webgpu `AddN` kernel sum any number of tensors. TF.js 4.22's WebGPU AddN binds every
 * input as its own storage buffer in one shader; past the device's
 * `maxStorageBuffersPerShaderStage` (8 by default, on every adapter, since TF.js does not ask for
 * more) the pipeline is invalid and the output is left as garbage, silently: measured on Deno's
 * llvmpipe, `tf.addN` of 14 scalars gave 0 and of 8 gave the sum of the first few. SAM's global
 * gradient norm (`addN` over every variable) then turned NaN, and so did the Hessian's weight
 * norm. TF.js's own webgpu `Concat` splits its inputs the same way. This re-registers AddN to
 * sum chunks of at most `limit − 1` inputs (one binding is the output) and then the partial
 * sums. Idempotent.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import assert from "node:assert/strict";
 * import { chunkWebGpuAddN, probeWebGpuAdapter, startWebGpu } from "./webgpu.ts";
 * if ((await probeWebGpuAdapter()).available) {
 *   await startWebGpu(); // calls chunkWebGpuAddN
 *   chunkWebGpuAddN(); // again: a no-op
 *   const sum = tf.addN(Array.from({ length: 20 }, (_, i) => tf.scalar(i + 1)));
 *   assert.equal((await sum.data())[0], 210);
 * }
 * ```
 */
export function chunkWebGpuAddN(): void {
  if (addNChunked) return;
  const original = tf.getKernel(tf.AddN, "webgpu");
  if (original === undefined) {
    throw new Error("chunkWebGpuAddN: the webgpu backend has no AddN kernel to wrap");
  }
  const sum: tf.KernelFunc = (args) => {
    const inputs = args.inputs as unknown as tf.TensorInfo[];
    const backend = args.backend as unknown as WebGpuBackendLike;
    const most = backend.device.limits.maxStorageBuffersPerShaderStage - 1;
    if (inputs.length <= most) return original.kernelFunc(args);
    const partials: tf.TensorInfo[] = [];
    for (let i = 0; i < inputs.length; i += most) {
      const chunk = inputs.slice(i, i + most);
      partials.push(
        original.kernelFunc({
          ...args,
          inputs: chunk as unknown as tf.NamedTensorInfoMap,
        }) as tf.TensorInfo,
      );
    }
    try {
      return sum({ ...args, inputs: partials as unknown as tf.NamedTensorInfoMap });
    } finally {
      for (const partial of partials) backend.disposeData(partial.dataId);
    }
  };
  tf.unregisterKernel(tf.AddN, "webgpu");
  tf.registerKernel({ kernelName: tf.AddN, backendName: "webgpu", kernelFunc: sum });
  addNChunked = true;
}
