/**
 * TF.js backend selection (`wasm | webgpu | tensorflow | cpu | auto`) and the wasm kernels TF.js
 * lacks or runs slowly: `Conv2DBackpropFilter` and the depthwise gradients (missing), `BatchMatMul` / `_FusedMatMul` with
 * transposed or batched operands, `Conv2DBackpropInput` and `MaxPoolGrad` (slow scalar loops in
 * TF.js 4.22).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { describeEnvironment, initBackend } from "./mod.ts";
 * const choice = await initBackend("auto");
 * assert.match(choice.description, /auto chose it because/); // e.g. "wasm: auto chose it because ..."
 * assert.equal(tf.getBackend(), choice.backend); // the chosen backend is the active one
 * assert.equal(describeEnvironment().backend, choice.backend); // { backend, adapter, deno, tfjs }
 * ```
 *
 * @module
 */
export {
  BACKEND_NAMES,
  type BackendChoice,
  type BackendName,
  describeEnvironment,
  initBackend,
  type InitBackendOptions,
} from "./init.ts";
export { registerWasmKernels, startWasm, wasmBinaryDirectory } from "./wasm.ts";
export { probeWebGpuAdapter, startWebGpu, type WebGpuAdapterProbe } from "./webgpu.ts";
export {
  findTensorflowPackage,
  startTensorflow,
  TENSORFLOW_PACKAGES,
  tensorflowMissingMessage,
  type TensorflowPackage,
} from "./tensorflow.ts";
export { fastWasmMatMulEnabled, setFastWasmMatMul } from "./wasm_matmul.ts";
export { setFastWasmConv2DBackpropInput } from "./wasm_conv2d_backprop_input.ts";
export { setFastWasmMaxPoolGrad } from "./wasm_max_pool_grad.ts";
export { conv2DBackpropFilterWasm } from "./wasm_conv2d_backprop_filter.ts";
export {
  type PhiloxPrefetchMode,
  philoxPrefetchSettled,
  type PhiloxPrefetchStats,
  philoxPrefetchStats,
  setPhiloxPrefetch,
} from "./philox_prefetch.ts";
export {
  setFusedSoftmaxCrossEntropy,
  softmaxCrossEntropyMean,
} from "./native_softmax_cross_entropy.ts";
