/**
 * Setting up the TF.js wasm backend under Deno: where its `.wasm` binaries are, and the kernels
 * this project adds or replaces (`Conv2DBackpropFilter` and the depthwise convolution gradients,
 * which TF.js lacks; faster `BatchMatMul`,
 * `_FusedMatMul`, `Conv2DBackpropInput` and `MaxPoolGrad`; a guard on the forward convolutions against a
 * TF.js sizing bug that corrupts the wasm heap).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { existsSync } from "node:fs";
import { registerFastWasmMatMul } from "./wasm_matmul.ts";
import { registerWasmConv2DBackpropFilter } from "./wasm_conv2d_backprop_filter.ts";
import { registerFastWasmConv2DBackpropInput } from "./wasm_conv2d_backprop_input.ts";
import { registerWasmConvGuards } from "./wasm_conv2d_guard.ts";
import { registerFastWasmMaxPoolGrad } from "./wasm_max_pool_grad.ts";
import { registerWasmDepthwiseGradients } from "./wasm_depthwise_grads.ts";

/** The binary the single-threaded SIMD build loads (the one used under Deno; see README). */
const SIMD_BINARY = "tfjs-backend-wasm-simd.wasm";

/**
 * The directory holding `@tensorflow/tfjs-backend-wasm`'s `.wasm` files, with a trailing
 * separator (the form `setWasmPaths` wants). Resolved from the package itself through this
 * module's import map, so it does not depend on the working directory; falls back to the
 * repository's `node_modules/` when the package resolves to something that is not a file.
 * Throws an Error naming the places it looked when the binaries are not there.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { wasmBinaryDirectory } from "./wasm.ts";
 * assert.ok(wasmBinaryDirectory().endsWith("/dist/"));
 * ```
 */
export function wasmBinaryDirectory(): string {
  const candidates: string[] = [];
  const entry = import.meta.resolve("@tensorflow/tfjs-backend-wasm");
  if (entry.startsWith("file:")) candidates.push(dirname(fileURLToPath(entry)));
  candidates.push(
    fileURLToPath(
      new URL("../../node_modules/@tensorflow/tfjs-backend-wasm/dist", import.meta.url),
    ),
  );
  for (const directory of candidates) {
    if (existsSync(join(directory, SIMD_BINARY))) return directory + "/";
  }
  throw new Error(
    `wasmBinaryDirectory: ${SIMD_BINARY} not found in ${candidates.join(" or ")}; ` +
      `run \`deno install\` in the repository to populate node_modules/`,
  );
}

/**
 * Registers this project's wasm kernels (idempotent; safe before or after the backend starts).
 * Returns the names of the kernels registered or replaced by this call.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import "@tensorflow/tfjs-backend-wasm";
 * import { registerWasmKernels } from "./wasm.ts";
 * registerWasmKernels();
 * assert.ok(registerWasmKernels().length === 0); // the second call has nothing to do
 * ```
 */
export function registerWasmKernels(): string[] {
  if (tf.getKernel("BatchMatMul", "wasm") === undefined) {
    throw new Error(
      `registerWasmKernels: the wasm backend's kernels are not loaded; import ` +
        `"@tensorflow/tfjs-backend-wasm" (or call startWasm) first`,
    );
  }
  const done: string[] = [];
  if (registerFastWasmMatMul()) done.push("BatchMatMul", "_FusedMatMul");
  if (registerWasmConv2DBackpropFilter()) done.push("Conv2DBackpropFilter");
  done.push(...registerWasmDepthwiseGradients());
  if (registerFastWasmConv2DBackpropInput()) done.push("Conv2DBackpropInput");
  if (registerFastWasmMaxPoolGrad()) done.push("MaxPoolGrad");
  if (registerWasmConvGuards()) {
    done.push(
      "Conv2D",
      "FusedConv2D",
      "DepthwiseConv2dNative",
      "FusedDepthwiseConv2D",
      "MaxPool",
      "AvgPool",
    );
  }
  return done;
}

/**
 * Loads the wasm backend, points it at its binaries (once, before it starts), registers the
 * kernels and makes `wasm` the active backend. Idempotent.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { startWasm } from "./wasm.ts";
 * await startWasm();
 * assert.ok(tf.getBackend() === "wasm");
 * ```
 */
export async function startWasm(): Promise<void> {
  // Imported here rather than at the top so that merely loading this module does not register a
  // wasm backend that TF.js would pick, unconfigured, for ops run before initBackend.
  const tfWasm = await import("@tensorflow/tfjs-backend-wasm");
  registerWasmKernels();
  // setWasmPaths throws once the backend has been created, so only the first start sets it.
  if (tf.findBackend("wasm") == null) tfWasm.setWasmPaths(wasmBinaryDirectory());
  const ok = await tf.setBackend("wasm");
  if (!ok) {
    throw new Error(
      `startWasm: the TF.js wasm backend failed to initialize (binaries in ${wasmBinaryDirectory()})`,
    );
  }
}
