/**
 * The `UsamPhilox` kernel on the wasm backend: the host fill of `src/math/philox_fill.ts` (a
 * small WebAssembly module of its own, bit-identical to `src/math/philox.ts`) copied into the
 * output's memory in the backend's heap (no upload).
 *
 * @module
 */
import type { KernelConfig } from "@tensorflow/tfjs-core";
import { fillFromAttrs, PHILOX_KERNEL, philoxAttrs, philoxDtype } from "./philox_kernel.ts";
import { asWasmBackend, tensorData } from "./wasm_internals.ts";

/**
 * The wasm kernel config (registered by `philox.ts`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { philoxWasmKernel } from "./philox_wasm.ts";
 * assert.equal(philoxWasmKernel.backendName, "wasm");
 * ```
 */
export const philoxWasmKernel: KernelConfig = {
  kernelName: PHILOX_KERNEL,
  backendName: "wasm",
  kernelFunc: ({ backend, attrs }) => {
    const a = philoxAttrs(attrs);
    const wasm = asWasmBackend(backend);
    const dtype = philoxDtype(a.distribution);
    const out = wasm.makeOutput([a.size], dtype);
    if (a.size === 0) return out;
    const { memoryOffset } = tensorData(wasm, out);
    const buffer = wasm.wasm.HEAPU8.buffer;
    fillFromAttrs(
      dtype === "int32"
        ? new Int32Array(buffer, memoryOffset, a.size)
        : new Float32Array(buffer, memoryOffset, a.size),
      a,
    );
    return out;
  },
};
