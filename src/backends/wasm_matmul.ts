/**
 * A faster `BatchMatMul` and `_FusedMatMul` for the TF.js wasm backend.
 *
 * Why: the wasm C++ routes a product to XNNPACK's GEMM only when neither operand is transposed
 * and the batch is 1; everything else (every backward pass: `x^T dy`, `dy W^T`, and every batched
 * product) falls to a scalar triple loop, about 15 times slower (measured here on 128×784×128:
 * 1.6 GFLOP/s transposed against 22 GFLOP/s plain). These kernels keep the C++ but always feed it
 * the fast case:
 *
 * - a transposed operand is first transposed with the wasm `Transpose` routine (one memory pass,
 *   cheap next to the O(mkn) product); for `BatchMatMul` the kernel instead computes
 *   `C^T = op(B)^T op(A)^T` and transposes the result when that moves fewer elements;
 * - a batched product is run one batch at a time on zero-copy views, and a batch of `a` against a
 *   single `b` is folded into one tall product.
 *
 * Rare cases it does not speed up (general broadcasting of batch dimensions, non-float inputs,
 * empty tensors, PReLU weights on a batched fused product) go to the original kernel unchanged.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { TensorInfo } from "@tensorflow/tfjs-core";
import {
  asWasmBackend,
  disposeTemporary,
  int32Bytes,
  makeView,
  releaseView,
  replaceWasmKernel,
  sizeOf,
  tensorData,
  type WasmBackend,
  type WasmModule,
} from "./wasm_internals.ts";

type CFunction = (...args: unknown[]) => void;

interface WasmMatMulRoutines {
  batchMatMul: CFunction;
  fusedMatMul: CFunction;
  transpose: CFunction;
}

const routinesByModule = new WeakMap<WasmModule, WasmMatMulRoutines>();

/** The C++ entry points, wrapped once per wasm module (their signatures are those of TF.js 4.22). */
function routines(backend: WasmBackend): WasmMatMulRoutines {
  let found = routinesByModule.get(backend.wasm);
  if (found === undefined) {
    const n = "number";
    const a = "array";
    found = {
      batchMatMul: backend.wasm.cwrap("BatchMatMul", null, [n, a, n, n, a, n, n, n, n]),
      fusedMatMul: backend.wasm.cwrap("_FusedMatMul", null, [
        n,
        a,
        n,
        n,
        a,
        n,
        n,
        n,
        n,
        n,
        n,
        n,
        n,
      ]),
      transpose: backend.wasm.cwrap("Transpose", null, [n, a, n, n, n, a, n]),
    };
    routinesByModule.set(backend.wasm, found);
  }
  return found;
}

/** Float32 dtype code of the wasm C++ (`CppDType.float32`). */
const CPP_FLOAT32 = 0;

/**
 * A float32 tensor on the wasm heap read as `batch` row-major matrices of `rows × cols`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import type { Matrices } from "./wasm_matmul.ts";
 * import { initBackend } from "./mod.ts";
 * await initBackend("wasm");
 * const x = tf.zeros([2, 3, 4]);
 * const matrices: Matrices = { info: x, batch: 2, rows: 3, cols: 4 };
 * assert.ok(matrices.batch * matrices.rows * matrices.cols === x.size);
 * ```
 */
export interface Matrices {
  info: TensorInfo;
  batch: number;
  rows: number;
  cols: number;
}

/** Tensors a kernel allocated or aliased, released in one place whatever happens. */
class Scratch {
  readonly #backend: WasmBackend;
  readonly #temporaries: TensorInfo[] = [];
  readonly #views: TensorInfo[] = [];
  constructor(backend: WasmBackend) {
    this.#backend = backend;
  }
  temporary(shape: number[]): TensorInfo {
    const info = this.#backend.makeOutput(shape, "float32");
    this.#temporaries.push(info);
    return info;
  }
  view(base: TensorInfo, elementOffset: number, shape: number[]): TensorInfo {
    const info = makeView(this.#backend, base, elementOffset, shape);
    this.#views.push(info);
    return info;
  }
  release(): void {
    for (const view of this.#views) releaseView(this.#backend, view);
    for (const info of this.#temporaries) disposeTemporary(this.#backend, info);
    this.#views.length = 0;
    this.#temporaries.length = 0;
  }
}

/** Writes the per-batch transpose of `x` (`[batch, cols, rows]`) into `out`. */
function transposeInto(backend: WasmBackend, x: Matrices, out: TensorInfo): void {
  const xId = tensorData(backend, x.info).id;
  const outId = tensorData(backend, out).id;
  const shape = x.batch === 1 ? [x.rows, x.cols] : [x.batch, x.rows, x.cols];
  const perm = x.batch === 1 ? [1, 0] : [0, 2, 1];
  routines(backend).transpose(
    xId,
    int32Bytes(shape),
    shape.length,
    CPP_FLOAT32,
    outId,
    int32Bytes(perm),
    perm.length,
  );
}

/** `x` transposed batch by batch, as a new temporary (or an alias when it is a single row/column). */
function transposed(backend: WasmBackend, scratch: Scratch, x: Matrices): Matrices {
  const result = { batch: x.batch, rows: x.cols, cols: x.rows };
  if (x.rows === 1 || x.cols === 1) {
    // A vector's transpose has the same memory layout: alias it instead of copying.
    return { ...result, info: scratch.view(x.info, 0, [x.batch, x.cols, x.rows]) };
  }
  const info = scratch.temporary([x.batch, x.cols, x.rows]);
  transposeInto(backend, x, info);
  return { ...result, info };
}

/**
 * Runs `perBatch(aView, bView, outView)` on untransposed operands so that each call is a batch-1
 * product, the only one the C++ hands to XNNPACK. `a` of batch B against `b` of batch 1 is folded
 * into one `[B·m, k] × [k, n]` product, since the matrices of `a` are contiguous.
 */
function forEachBatch(
  scratch: Scratch,
  a: Matrices,
  b: Matrices,
  out: TensorInfo,
  perBatch: (
    a: TensorInfo,
    aShape: number[],
    b: TensorInfo,
    bShape: number[],
    out: TensorInfo,
  ) => void,
): void {
  const m = a.rows;
  const k = a.cols;
  const n = b.cols;
  if (b.batch === 1) {
    perBatch(a.info, [1, a.batch * m, k], b.info, [1, k, n], out);
    return;
  }
  const batch = b.batch;
  for (let i = 0; i < batch; i++) {
    const aView = a.batch === 1 ? a.info : scratch.view(a.info, i * m * k, [1, m, k]);
    const bView = scratch.view(b.info, i * k * n, [1, k, n]);
    const outView = scratch.view(out, i * m * n, [1, m, n]);
    perBatch(aView, [1, m, k], bView, [1, k, n], outView);
  }
}

/** Operand sizes and the output shape, or `undefined` when the fast path does not apply. */
interface ProductPlan {
  a: Matrices;
  b: Matrices;
  m: number;
  n: number;
  batch: number;
  outShape: number[];
}

function planProduct(
  a: TensorInfo,
  b: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
): ProductPlan | undefined {
  if (a.dtype !== "float32" || b.dtype !== "float32" || a.shape.length < 2 || b.shape.length < 2) {
    return undefined;
  }
  const aRows = a.shape[a.shape.length - 2];
  const aCols = a.shape[a.shape.length - 1];
  const bRows = b.shape[b.shape.length - 2];
  const bCols = b.shape[b.shape.length - 1];
  const aBatchShape = a.shape.slice(0, -2);
  const bBatchShape = b.shape.slice(0, -2);
  const m = transposeA ? aCols : aRows;
  const kA = transposeA ? aRows : aCols;
  const kB = transposeB ? bCols : bRows;
  const n = transposeB ? bRows : bCols;
  if (kA !== kB) return undefined; // the original kernel reports the mismatch in its own words
  let outBatchShape: number[];
  try {
    outBatchShape = tf.broadcast_util.assertAndGetBroadcastShape(aBatchShape, bBatchShape);
  } catch {
    return undefined;
  }
  const batch = sizeOf(outBatchShape);
  const batchA = sizeOf(aBatchShape);
  const batchB = sizeOf(bBatchShape);
  // Only a batch that covers the output batch (same order) or a single matrix can be indexed
  // linearly; other broadcasts are left to the original kernel.
  const linear = (batchA === batch || batchA === 1) && (batchB === batch || batchB === 1);
  if (!linear || m * n * kA * batch === 0) return undefined;
  return {
    a: { info: a, batch: batchA, rows: aRows, cols: aCols },
    b: { info: b, batch: batchB, rows: bRows, cols: bCols },
    m,
    n,
    batch,
    outShape: [...outBatchShape, m, n],
  };
}

/**
 * `C = op(A) op(B)` into `out` (`[batch, m, n]`) through XNNPACK, transposing whichever operands
 * need it.
 */
function plainProductInto(
  backend: WasmBackend,
  scratch: Scratch,
  a: Matrices,
  b: Matrices,
  transposeA: boolean,
  transposeB: boolean,
  out: TensorInfo,
  perBatch: (
    a: TensorInfo,
    aShape: number[],
    b: TensorInfo,
    bShape: number[],
    out: TensorInfo,
  ) => void,
): void {
  const aPlain = transposeA ? transposed(backend, scratch, a) : a;
  const bPlain = transposeB ? transposed(backend, scratch, b) : b;
  forEachBatch(scratch, aPlain, bPlain, out, perBatch);
}

function batchMatMulCall(backend: WasmBackend) {
  const { batchMatMul } = routines(backend);
  return (a: TensorInfo, aShape: number[], b: TensorInfo, bShape: number[], out: TensorInfo) => {
    batchMatMul(
      tensorData(backend, a).id,
      int32Bytes(aShape),
      3,
      tensorData(backend, b).id,
      int32Bytes(bShape),
      3,
      false,
      false,
      tensorData(backend, out).id,
    );
  };
}

/**
 * Cost of XNNPACK's packing of the right operand, per element, in units of one element moved by
 * the wasm `Transpose` (measured here: packing a fresh 784×128 operand adds 0.6 ms to a product,
 * transposing it takes 0.15–0.4 ms).
 */
const PACK_COST = 2;

/**
 * `out = op(A) op(B)` for float32 matrices on the wasm heap, through XNNPACK: either the plain
 * product of the operands transposed as needed, or `C^T = op(B)^T op(A)^T` followed by one
 * transpose of the result, whichever moves fewer elements (transposes, plus the packing of the
 * right operand). `out` holds `[batch, m, n]`; a batch of
 * `a` or `b` is either the output's or 1. Other kernels of this folder build on it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { asWasmBackend } from "./wasm_internals.ts";
 * import { wasmMatMulInto } from "./wasm_matmul.ts";
 * import { initBackend } from "./mod.ts";
 * await initBackend("wasm");
 * const backend = asWasmBackend(tf.backend());
 * const a = tf.tensor2d([[1, 2], [3, 4]]); // used as a^T
 * const b = tf.tensor2d([[1], [1]]);
 * const out = backend.makeOutput([1, 2, 1], "float32");
 * wasmMatMulInto(
 *   backend,
 *   { info: a, batch: 1, rows: 2, cols: 2 },
 *   { info: b, batch: 1, rows: 2, cols: 1 },
 *   true,
 *   false,
 *   out,
 * );
 * assert.ok(tf.engine().makeTensorFromTensorInfo(out).dataSync()[0] === 4);
 * ```
 */
export function wasmMatMulInto(
  backend: WasmBackend,
  a: Matrices,
  b: Matrices,
  transposeA: boolean,
  transposeB: boolean,
  out: TensorInfo,
): void {
  const delegate = delegates.get(tf.getBackend());
  if (delegate !== undefined && delegate(backend, a, b, transposeA, transposeB, out)) return;
  const m = transposeA ? a.cols : a.rows;
  const n = transposeB ? b.rows : b.cols;
  const batch = Math.max(a.batch, b.batch);
  const sizeA = a.batch * a.rows * a.cols;
  const sizeB = b.batch * b.rows * b.cols;
  const sizeC = batch * m * n;
  // XNNPACK repacks the right operand on every call (it is a fresh tensor), which costs about
  // twice a transpose per element; the left operand is read in place.
  const costDirect = (transposeA ? sizeA : 0) + (transposeB ? sizeB : 0) + PACK_COST * sizeB;
  const costSwapped = (transposeA ? 0 : sizeA) + (transposeB ? 0 : sizeB) + sizeC +
    PACK_COST * sizeA;
  const scratch = new Scratch(backend);
  try {
    const call = batchMatMulCall(backend);
    // A product with no transposed operand is already the fast case: never reroute it.
    if ((transposeA || transposeB) && costSwapped < costDirect) {
      const outT = scratch.temporary([batch, n, m]);
      plainProductInto(backend, scratch, b, a, !transposeB, !transposeA, outT, call);
      transposeInto(backend, { info: outT, batch, rows: n, cols: m }, out);
    } else {
      plainProductInto(backend, scratch, a, b, transposeA, transposeB, out, call);
    }
  } finally {
    scratch.release();
  }
}

/**
 * A product routine that can stand in for {@link wasmMatMulInto}: same arguments; returns false to
 * decline (the XNNPACK path then runs).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { MatMulIntoDelegate } from "./wasm_matmul.ts";
 * const decline: MatMulIntoDelegate = () => false;
 * assert.equal(decline.length, 0);
 * ```
 */
export type MatMulIntoDelegate = (
  backend: WasmBackend,
  a: Matrices,
  b: Matrices,
  transposeA: boolean,
  transposeB: boolean,
  out: TensorInfo,
) => boolean;

const delegates = new Map<string, MatMulIntoDelegate>();

/**
 * Routes {@link wasmMatMulInto} to `delegate` while the TF.js backend named `backendName` is the
 * active one (`undefined` removes it). Why: the `native` backend is this wasm backend under a
 * second name, and the kernels built on `wasmMatMulInto` (the convolution gradients) should run
 * their products on its GEMM there, while `wasm` keeps XNNPACK's.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { setWasmMatMulDelegate } from "./wasm_matmul.ts";
 * setWasmMatMulDelegate("some-backend", () => false);
 * setWasmMatMulDelegate("some-backend", undefined);
 * assert.throws(() => setWasmMatMulDelegate("wasm", () => false), TypeError); // wasm keeps XNNPACK
 * ```
 */
export function setWasmMatMulDelegate(
  backendName: string,
  delegate: MatMulIntoDelegate | undefined,
): void {
  if (typeof backendName !== "string" || backendName === "wasm") {
    throw new TypeError(
      `setWasmMatMulDelegate: backendName must name a backend other than wasm, got ${
        JSON.stringify(backendName)
      }`,
    );
  }
  if (delegate === undefined) delegates.delete(backendName);
  else delegates.set(backendName, delegate);
}

/** The fast `BatchMatMul` kernel body. */
function fastBatchMatMul(
  backend: WasmBackend,
  plan: ProductPlan,
  transposeA: boolean,
  transposeB: boolean,
): TensorInfo {
  const out = backend.makeOutput(plan.outShape, "float32");
  try {
    wasmMatMulInto(backend, plan.a, plan.b, transposeA, transposeB, out);
  } catch (error) {
    disposeTemporary(backend, out);
    throw error;
  }
  return out;
}

/** Fusable activation codes of the wasm C++ (`FusableActivation`). */
const FUSABLE_ACTIVATION: Record<string, number> = {
  linear: 0,
  relu: 1,
  relu6: 2,
  prelu: 3,
  leakyrelu: 4,
  sigmoid: 5,
  elu: 6,
};

interface FusedAttrs {
  transposeA: boolean;
  transposeB: boolean;
  activation: string;
  leakyreluAlpha?: number;
}

function fastFusedMatMul(
  backend: WasmBackend,
  plan: ProductPlan,
  attrs: FusedAttrs,
  bias: TensorInfo | undefined,
  prelu: TensorInfo | undefined,
): TensorInfo {
  const { fusedMatMul } = routines(backend);
  const activation = FUSABLE_ACTIVATION[attrs.activation];
  const biasId = bias === undefined ? 0 : tensorData(backend, bias).id;
  const preluId = prelu === undefined ? 0 : tensorData(backend, prelu).id;
  const scratch = new Scratch(backend);
  const out = backend.makeOutput(plan.outShape, "float32");
  try {
    plainProductInto(
      backend,
      scratch,
      plan.a,
      plan.b,
      attrs.transposeA,
      attrs.transposeB,
      out,
      (a, aShape, b, bShape, outView) => {
        fusedMatMul(
          tensorData(backend, a).id,
          int32Bytes(aShape),
          3,
          tensorData(backend, b).id,
          int32Bytes(bShape),
          3,
          false,
          false,
          activation,
          biasId,
          preluId,
          attrs.leakyreluAlpha ?? 0,
          tensorData(backend, outView).id,
        );
      },
    );
  } catch (error) {
    disposeTemporary(backend, out);
    throw error;
  } finally {
    scratch.release();
  }
  return out;
}

let fastMatMulEnabled = true;

/**
 * Switches the fast matmul kernels on or off at run time (they stay registered). Off, every call
 * goes to TF.js's original wasm kernel: the "before" of a before/after measurement.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "./mod.ts";
 * import { setFastWasmMatMul } from "./wasm_matmul.ts";
 * await initBackend("wasm");
 * for (const fast of [false, true]) {
 *   setFastWasmMatMul(fast); // false: measure the original kernel
 *   // [[1, 2], [3, 4]] · [5, 6]ᵀ = [1·5 + 2·6, 3·5 + 4·6] = [17, 39], exact in float32.
 *   const product = tf.matMul(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[5], [6]]));
 *   assert.deepEqual(Array.from(await product.data()), [17, 39]);
 *   product.dispose();
 * }
 * ```
 */
export function setFastWasmMatMul(enabled: boolean): void {
  if (typeof enabled !== "boolean") {
    throw new TypeError(`setFastWasmMatMul: enabled must be a boolean, got ${enabled}`);
  }
  fastMatMulEnabled = enabled;
}

/**
 * Whether the fast matmul kernels are in use (see {@link setFastWasmMatMul}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fastWasmMatMulEnabled } from "./wasm_matmul.ts";
 * assert.ok(typeof fastWasmMatMulEnabled() === "boolean");
 * ```
 */
export function fastWasmMatMulEnabled(): boolean {
  return fastMatMulEnabled;
}

/**
 * Registers the fast `BatchMatMul` and `_FusedMatMul` for the wasm backend in place of TF.js's.
 * Idempotent: returns whether anything was replaced by this call. Works whether or not the wasm
 * backend has been initialized yet.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import "@tensorflow/tfjs-backend-wasm";
 * import { registerFastWasmMatMul } from "./wasm_matmul.ts";
 * registerFastWasmMatMul();
 * assert.ok(registerFastWasmMatMul() === false); // already in place
 * ```
 */
export function registerFastWasmMatMul(): boolean {
  const replacedBatch = replaceWasmKernel("BatchMatMul", (original) => (args) => {
    if (!fastMatMulEnabled) return original(args);
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
    const plan = planProduct(a, b, transposeA, transposeB);
    if (plan === undefined) return original(args);
    return fastBatchMatMul(asWasmBackend(args.backend), plan, transposeA, transposeB);
  });
  const replacedFused = replaceWasmKernel("_FusedMatMul", (original) => (args) => {
    if (!fastMatMulEnabled) return original(args);
    const { a, b, bias, preluActivationWeights } = args.inputs as {
      a: TensorInfo;
      b: TensorInfo;
      bias?: TensorInfo | null;
      preluActivationWeights?: TensorInfo | null;
    };
    const attrs = args.attrs as unknown as FusedAttrs;
    const plan = planProduct(a, b, attrs.transposeA, attrs.transposeB);
    const activationKnown = attrs.activation in FUSABLE_ACTIVATION;
    const biasIsVector = bias == null || bias.shape.length === 1;
    // PReLU weights broadcast over the whole output: per-batch calls would misalign them.
    const preluSafe = preluActivationWeights == null || (plan !== undefined && plan.batch === 1);
    if (plan === undefined || !activationKnown || !biasIsVector || !preluSafe) {
      return original(args);
    }
    return fastFusedMatMul(
      asWasmBackend(args.backend),
      plan,
      attrs,
      bias ?? undefined,
      preluActivationWeights ?? undefined,
    );
  });
  return replacedBatch || replacedFused;
}
