/**
 * The fused element-wise kernels' WebAssembly module (native_elementwise.wat, built into
 * native_elementwise_wasm.ts), instantiated on the TF.js wasm backend's own memory: its exports
 * take the tensors' byte offsets on the heap and read and write them in place, with no copy.
 * Used by native_sgd.ts (`UsamSgdUpdate`), native_finite.ts (`UsamAllFinite`) and
 * native_bias.ts (the bias `Add` and its gradient's `Sum`), native_combine.ts (`UsamCombine`,
 * `UsamShift`, `UsamSumOfSquares`), native_relu_grad.ts (`UsamReluGrad`), native_adam.ts
 * (`UsamAdamUpdate`) and native_dense.ts (`UsamDenseRelu`, `UsamBiasReluGrad`).
 *
 * @module
 */
import { NATIVE_ELEMENTWISE_WASM_BASE64 } from "./native_elementwise_wasm.ts";
import type { WasmBackend } from "./wasm_internals.ts";

/** The exports of native_elementwise.wat (pointers are byte offsets on the heap). */
export interface ElementwiseExports {
  /** PyTorch SGD on n values (the .wat file says which flag is which). */
  sgd(
    n: number,
    x: number,
    g: number,
    b: number,
    xo: number,
    bo: number,
    lr: number,
    m: number,
    wd: number,
    keep: number,
    flags: number,
  ): void;
  /** 0 when the n float32 values at x are all finite, else NaN. */
  allFinite(x: number, n: number): number;
  /** out[r, j] = a[r, j] + b[j] (a: rows × cols). */
  addRows(out: number, a: number, b: number, rows: number, cols: number): void;
  /** out[j] = Σ_r a[r, j], float32, rows in order from +0. */
  sumRows(out: number, a: number, rows: number, cols: number): void;
  /** One term of a linear combination (the .wat file says which flag is which). */
  scaleAdd(out: number, g: number, c: number, n: number, flags: number): void;
  /** out = x + d·s, float32. */
  shift(out: number, x: number, d: number, s: number, n: number): void;
  /** Σ x_i² of n float32 values, in double precision. */
  sumSquares(x: number, n: number): number;
  /** out = dy · step(x) on n values: the ReLU gradient (Step, Cast, Multiply). */
  reluGrad(out: number, dy: number, x: number, n: number): void;
  /** out = max(x, 0) on n values, the wasm Relu's bits (an integer max of the bits with 0). */
  relu(out: number, x: number, n: number): void;
  /** PyTorch Adam on n values (the .wat file says which argument is which). */
  adam(
    n: number,
    x: number,
    g: number,
    m: number,
    v: number,
    xo: number,
    mo: number,
    vo: number,
    wd: number,
    b1: number,
    c1: number,
    b2: number,
    c2: number,
    corr: number,
    eps: number,
    step: number,
    flags: number,
  ): void;
}

let elementwiseModule: WebAssembly.Module | undefined;
const instances = new WeakMap<WebAssembly.Memory, ElementwiseExports>();

/**
 * The module instantiated on `backend`'s memory (once per memory; a growth of the memory needs
 * nothing: the instance holds the Memory object, not a buffer).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "./init.ts";
 * import { elementwiseExports } from "./native_elementwise.ts";
 * import { asWasmBackend, tensorData } from "./wasm_internals.ts";
 * await initBackend("wasm");
 * const backend = asWasmBackend(tf.backend());
 * const x = tf.tensor1d([1, 2, Infinity]);
 * const at = tensorData(backend, x).memoryOffset;
 * assert.equal(elementwiseExports(backend).allFinite(at, 2), 0);
 * assert.ok(Number.isNaN(elementwiseExports(backend).allFinite(at, 3)));
 * x.dispose();
 * ```
 */
export function elementwiseExports(backend: WasmBackend): ElementwiseExports {
  const memory = (backend.wasm as unknown as { asm?: { memory?: unknown } }).asm?.memory;
  if (!(memory instanceof WebAssembly.Memory)) {
    throw new TypeError(
      "elementwiseExports: the wasm backend does not export its memory (asm.memory)",
    );
  }
  let exports = instances.get(memory);
  if (exports === undefined) {
    elementwiseModule ??= new WebAssembly.Module(
      Uint8Array.from(atob(NATIVE_ELEMENTWISE_WASM_BASE64), (c) => c.charCodeAt(0)),
    );
    exports = new WebAssembly.Instance(elementwiseModule, { env: { memory } })
      .exports as unknown as ElementwiseExports;
    instances.set(memory, exports);
  }
  return exports;
}
