/**
 * The `UsamPhilox` kernel on the cpu backend: the host fill of `src/math/philox_fill.ts` (the
 * bits of `src/math/philox.ts`) into a new tensor.
 *
 * @module
 */
import type { DataType, KernelConfig, TensorInfo } from "@tensorflow/tfjs-core";
import { fillFromAttrs, PHILOX_KERNEL, philoxAttrs, philoxDtype } from "./philox_kernel.ts";

interface CpuBackendLike {
  makeTensorInfo(
    shape: number[],
    dtype: DataType,
    values: Float32Array | Int32Array,
  ): TensorInfo;
}

/**
 * The cpu kernel config (registered by `philox.ts`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { philoxCpuKernel } from "./philox_cpu.ts";
 * assert.equal(philoxCpuKernel.backendName, "cpu");
 * ```
 */
export const philoxCpuKernel: KernelConfig = {
  kernelName: PHILOX_KERNEL,
  backendName: "cpu",
  kernelFunc: ({ backend, attrs }) => {
    const a = philoxAttrs(attrs);
    const dtype = philoxDtype(a.distribution);
    const values = dtype === "int32" ? new Int32Array(a.size) : new Float32Array(a.size);
    fillFromAttrs(values, a);
    return (backend as unknown as CpuBackendLike).makeTensorInfo([a.size], dtype, values);
  },
};
