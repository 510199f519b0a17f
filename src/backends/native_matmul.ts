/**
 * `BatchMatMul` and `_FusedMatMul` of the `native` backend: OpenBLAS's `cblas_sgemm`, called
 * through Deno's FFI in place on the wasm heap (Float32Array views into the module's
 * `WebAssembly.Memory`, taken after the output is allocated, since an allocation may grow the
 * memory and detach older views). No copy, no transpose: CBLAS takes `op(A)` and `op(B)` directly.
 *
 * Why: wasm SIMD is 128 bits wide and one thread; OpenBLAS's Sapphire Rapids kernels use AVX-512
 * on every core (measured here: ~260 GFLOP/s at 512³ against 21–37 GFLOP/s for XNNPACK).
 *
 * Cases it does not take (non-float inputs, empty tensors, batch dimensions that broadcast other
 * than "equal or 1", PReLU weights, a bias that is not a vector of the output width) go to the
 * kernel it replaced (this project's wasm kernel) unchanged.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import { asWasmBackend, sizeOf, tensorData, type WasmBackend } from "./wasm_internals.ts";
import { CBLAS, type OpenBlas } from "./native_openblas.ts";
import type { MatMulIntoDelegate, Matrices } from "./wasm_matmul.ts";

/** A product the native kernel takes: sizes, batch counts and the output shape. */
interface GemmPlan {
  m: number;
  n: number;
  k: number;
  batch: number;
  batchA: number;
  batchB: number;
  outShape: number[];
}

function planGemm(
  a: TensorInfo,
  b: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
): GemmPlan | undefined {
  if (a.dtype !== "float32" || b.dtype !== "float32" || a.shape.length < 2 || b.shape.length < 2) {
    return undefined;
  }
  const [aRows, aCols] = a.shape.slice(-2);
  const [bRows, bCols] = b.shape.slice(-2);
  const m = transposeA ? aCols : aRows;
  const k = transposeA ? aRows : aCols;
  const n = transposeB ? bRows : bCols;
  if (k !== (transposeB ? bCols : bRows) || m * n * k === 0) return undefined;
  const aBatchShape = a.shape.slice(0, -2);
  const bBatchShape = b.shape.slice(0, -2);
  const outBatchShape = tf.broadcast_util.assertAndGetBroadcastShape(aBatchShape, bBatchShape);
  const batch = sizeOf(outBatchShape);
  const batchA = sizeOf(aBatchShape);
  const batchB = sizeOf(bBatchShape);
  // An operand of the full batch size broadcasts trivially; one of size 1 is reused; anything
  // else (e.g. [2,1] against [1,3]) needs index arithmetic the original kernel has.
  if ((batchA !== 1 && batchA !== batch) || (batchB !== 1 && batchB !== batch)) return undefined;
  return { m, n, k, batch, batchA, batchB, outShape: [...outBatchShape, m, n] };
}

/**
 * `out = op(A) op(B) + beta·out`, batch by batch, with `cblas_sgemm` on the wasm heap. `out` must
 * hold `plan.outShape`. A batch of untransposed A against one shared B is folded into one tall
 * `[batch·m, k] × [k, n]` product, since A's matrices are then contiguous rows.
 */
function gemmInto(
  blas: OpenBlas,
  backend: WasmBackend,
  plan: GemmPlan,
  a: TensorInfo,
  b: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
  out: TensorInfo,
  beta: number,
): void {
  const { m, n, k, batch, batchA, batchB } = plan;
  // Views are taken here, after every allocation of the kernel: a growth detaches old ones.
  const buffer = backend.wasm.HEAPU8.buffer;
  const aOffset = tensorData(backend, a).memoryOffset;
  const bOffset = tensorData(backend, b).memoryOffset;
  const cOffset = tensorData(backend, out).memoryOffset;
  const tA = transposeA ? CBLAS.trans : CBLAS.noTrans;
  const tB = transposeB ? CBLAS.trans : CBLAS.noTrans;
  const lda = transposeA ? m : k;
  const ldb = transposeB ? k : n;
  const sgemm = blas.symbols.cblas_sgemm;
  if (batchB === 1 && !transposeA && batch > 1) {
    const rows = batch * m;
    sgemm(
      CBLAS.rowMajor,
      tA,
      tB,
      rows,
      n,
      k,
      1,
      new Float32Array(buffer, aOffset, rows * k),
      lda,
      new Float32Array(buffer, bOffset, k * n),
      ldb,
      beta,
      new Float32Array(buffer, cOffset, rows * n),
      n,
    );
    return;
  }
  for (let i = 0; i < batch; i++) {
    const aAt = aOffset + (batchA === 1 ? 0 : i * m * k * 4);
    const bAt = bOffset + (batchB === 1 ? 0 : i * k * n * 4);
    sgemm(
      CBLAS.rowMajor,
      tA,
      tB,
      m,
      n,
      k,
      1,
      new Float32Array(buffer, aAt, m * k),
      lda,
      new Float32Array(buffer, bAt, k * n),
      ldb,
      beta,
      new Float32Array(buffer, cOffset + i * m * n * 4, m * n),
      n,
    );
  }
}

/** The activations `_FusedMatMul` applies here after the product (TF.js's names). */
const ACTIVATIONS: Record<string, ((c: Float32Array, alpha: number) => void) | null> = {
  linear: null,
  relu: (c) => {
    for (let i = 0; i < c.length; i++) if (c[i] < 0) c[i] = 0;
  },
  relu6: (c) => {
    for (let i = 0; i < c.length; i++) c[i] = c[i] < 0 ? 0 : c[i] > 6 ? 6 : c[i];
  },
  leakyrelu: (c, alpha) => {
    for (let i = 0; i < c.length; i++) if (c[i] < 0) c[i] *= alpha;
  },
  sigmoid: (c) => {
    for (let i = 0; i < c.length; i++) c[i] = 1 / (1 + Math.exp(-c[i]));
  },
  elu: (c) => {
    for (let i = 0; i < c.length; i++) if (c[i] < 0) c[i] = Math.expm1(c[i]);
  },
};

/** Fills every row of `out` (`rows × n`) with the vector `bias` (length n), by doubling copies. */
function broadcastRows(out: Float32Array, bias: Float32Array): void {
  const n = bias.length;
  if (n === 1) {
    out.fill(bias[0]);
    return;
  }
  out.set(bias, 0);
  let filled = n;
  while (filled < out.length) {
    const count = Math.min(filled, out.length - filled);
    out.copyWithin(filled, 0, count);
    filled += count;
  }
}

/**
 * `wasmMatMulInto` on OpenBLAS, for {@link setWasmMatMulDelegate}: the products of this project's
 * convolution gradients (im2col · dy and dy · filterᵀ) then run on the native GEMM. Declines (so
 * XNNPACK runs) while the native kernels are switched off.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nativeMatMulInto } from "./native_matmul.ts";
 * import { loadOpenBlas } from "./native_openblas.ts";
 * try {
 *   assert.equal(typeof nativeMatMulInto(loadOpenBlas()), "function");
 * } catch (error) {
 *   assert.match((error as Error).message, /install/);
 * }
 * ```
 */
export function nativeMatMulInto(blas: OpenBlas): MatMulIntoDelegate {
  return (backend, a: Matrices, b: Matrices, transposeA, transposeB, out) => {
    if (!nativeMatMulEnabled) return false;
    const m = transposeA ? a.cols : a.rows;
    const k = transposeA ? a.rows : a.cols;
    const n = transposeB ? b.rows : b.cols;
    const batch = Math.max(a.batch, b.batch);
    if (
      m * n * k === 0 || (a.batch !== 1 && a.batch !== batch) ||
      (b.batch !== 1 && b.batch !== batch)
    ) {
      return false;
    }
    const plan = { m, n, k, batch, batchA: a.batch, batchB: b.batch, outShape: [batch, m, n] };
    gemmInto(blas, backend, plan, a.info, b.info, transposeA, transposeB, out, 0);
    return true;
  };
}

/** Registered native kernels, per backend name: whether `registerNativeMatMul` ran. */
const registeredFor = new Set<string>();

let nativeMatMulEnabled = true;

/**
 * Switches the OpenBLAS matmul kernels on or off at run time (they stay registered); off, every
 * call goes to the kernel they replaced. For before/after measurements.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nativeMatMulIsEnabled, setNativeMatMul } from "./native_matmul.ts";
 * setNativeMatMul(false);
 * assert.equal(nativeMatMulIsEnabled(), false);
 * setNativeMatMul(true);
 * ```
 */
export function setNativeMatMul(enabled: boolean): void {
  if (typeof enabled !== "boolean") {
    throw new TypeError(`setNativeMatMul: enabled must be a boolean, got ${enabled}`);
  }
  nativeMatMulEnabled = enabled;
}

/**
 * Whether the OpenBLAS matmul kernels are in use (see {@link setNativeMatMul}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nativeMatMulIsEnabled } from "./native_matmul.ts";
 * assert.equal(typeof nativeMatMulIsEnabled(), "boolean");
 * ```
 */
export function nativeMatMulIsEnabled(): boolean {
  return nativeMatMulEnabled;
}

function replaceKernel(
  kernelName: string,
  backendName: string,
  wrap: (original: KernelFunc) => KernelFunc,
): void {
  const original = tf.getKernel(kernelName, backendName);
  if (original === undefined) {
    throw new Error(
      `registerNativeMatMul: no '${kernelName}' kernel is registered for '${backendName}' to ` +
        `fall back to; copy the wasm kernels to it first`,
    );
  }
  tf.unregisterKernel(kernelName, backendName);
  tf.registerKernel({ ...original, kernelFunc: wrap(original.kernelFunc) });
}

/**
 * Replaces `BatchMatMul` and `_FusedMatMul` of the backend `backendName` (a wasm backend: its
 * kernels must already be registered, they become the fallback) by the OpenBLAS ones. Idempotent:
 * returns false when they are already in place.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "./init.ts";
 * try {
 *   await initBackend("native"); // registers them, when OpenBLAS loads
 *   const c = tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]]));
 *   assert.equal(c.dataSync()[0], 11);
 * } catch (error) {
 *   assert.match((error as Error).message, /apt-get install/);
 * }
 * ```
 */
export function registerNativeMatMul(blas: OpenBlas, backendName: string): boolean {
  if (registeredFor.has(backendName)) return false;
  replaceKernel("BatchMatMul", backendName, (original) => (args) => {
    if (!nativeMatMulEnabled) return original(args);
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
    const plan = planGemm(a, b, transposeA, transposeB);
    if (plan === undefined) return original(args);
    const backend = asWasmBackend(args.backend);
    const out = backend.makeOutput(plan.outShape, "float32");
    gemmInto(blas, backend, plan, a, b, transposeA, transposeB, out, 0);
    return out;
  });
  replaceKernel("_FusedMatMul", backendName, (original) => (args) => {
    if (!nativeMatMulEnabled) return original(args);
    const { a, b, bias, preluActivationWeights } = args.inputs as {
      a: TensorInfo;
      b: TensorInfo;
      bias?: TensorInfo | null;
      preluActivationWeights?: TensorInfo | null;
    };
    const { transposeA, transposeB, activation, leakyreluAlpha } = args.attrs as {
      transposeA: boolean;
      transposeB: boolean;
      activation: string;
      leakyreluAlpha?: number;
    };
    const plan = planGemm(a, b, transposeA, transposeB);
    const biasFits = bias == null ||
      (bias.dtype === "float32" && (sizeOf(bias.shape) === 1 ||
        (sizeOf(bias.shape) === plan?.n && bias.shape[bias.shape.length - 1] === plan.n)));
    if (
      plan === undefined || preluActivationWeights != null || !biasFits ||
      !Object.hasOwn(ACTIVATIONS, activation)
    ) {
      return original(args);
    }
    const backend = asWasmBackend(args.backend);
    const out = backend.makeOutput(plan.outShape, "float32");
    const outSize = sizeOf(plan.outShape);
    let beta = 0;
    if (bias != null) {
      // C starts as the bias broadcast over rows, and the GEMM accumulates onto it (beta 1).
      const buffer = backend.wasm.HEAPU8.buffer;
      const biasView = new Float32Array(
        buffer,
        tensorData(backend, bias).memoryOffset,
        sizeOf(bias.shape),
      );
      broadcastRows(
        new Float32Array(buffer, tensorData(backend, out).memoryOffset, outSize),
        biasView,
      );
      beta = 1;
    }
    gemmInto(blas, backend, plan, a, b, transposeA, transposeB, out, beta);
    const apply = ACTIVATIONS[activation];
    if (apply !== null) {
      const view = new Float32Array(
        backend.wasm.HEAPU8.buffer,
        tensorData(backend, out).memoryOffset,
        outSize,
      );
      apply(view, leakyreluAlpha ?? 0.2);
    }
    return out;
  });
  registeredFor.add(backendName);
  return true;
}
