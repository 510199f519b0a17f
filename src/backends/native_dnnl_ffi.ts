/**
 * The oneDNN 2.6 C API (Debian `libdnnl2`) through Deno FFI: the library handle, one CPU engine and
 * stream, and the few helpers the kernels in `native_dnnl_*.ts` need (memory descriptors, primitive
 * descriptors, primitives, memory objects that point into the wasm heap, execution).
 *
 * The enum values and struct sizes below are those of the 2.6 headers
 * (`/usr/include/oneapi/dnnl/dnnl_types.h`), checked with a C program compiled against them
 * (`sizeof(dnnl_memory_desc_t) = 696`, `sizeof(dnnl_convolution_desc_t) = 5976`, …). The op
 * descriptors are passed as opaque byte blocks of at least that size; nothing here reads their
 * fields, so only the sizes matter.
 *
 * Calls are synchronous: the CPU engine runs each primitive on OpenMP threads (libdnnl2 links
 * libgomp; `OMP_NUM_THREADS` sets how many, all cores by default) and returns when it is done.
 *
 * @module
 */

/** Where Debian and Ubuntu's `libdnnl2` puts the library, then the names the loader searches. */
const LIBRARY_CANDIDATES = [
  "/usr/lib/x86_64-linux-gnu/libdnnl.so.2",
  "/usr/lib/aarch64-linux-gnu/libdnnl.so.2",
  "libdnnl.so.2",
  "libdnnl.so",
  "libdnnl.3.dylib",
  "libdnnl.2.dylib",
  "libdnnl.dylib",
];

/**
 * `dnnl_f32`, the `dnnl_data_type_t` of float32.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DNNL_F32 } from "./native_dnnl_ffi.ts";
 * assert.equal(DNNL_F32, 3); // dnnl_f32 in dnnl_types.h 2.6
 * ```
 */
export const DNNL_F32 = 3;
/**
 * `dnnl_format_tag_t` values.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TAG } from "./native_dnnl_ffi.ts";
 * assert.equal(TAG.nhwc, 20); // dnnl_nhwc = dnnl_acdb
 * ```
 */
export const TAG = { any: 1, a: 2, nhwc: 20, hwio: 30 } as const;
/**
 * `dnnl_prop_kind_t` values.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PROP } from "./native_dnnl_ffi.ts";
 * assert.equal(PROP.forwardTraining, 64);
 * ```
 */
export const PROP = {
  forwardTraining: 64,
  forwardInference: 96,
  backward: 128,
  backwardData: 160,
  backwardWeights: 192,
} as const;
/**
 * `dnnl_alg_kind_t` values.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ALG } from "./native_dnnl_ffi.ts";
 * assert.equal(ALG.convolutionDirect, 1);
 * ```
 */
export const ALG = {
  convolutionDirect: 1,
  convolutionAuto: 3,
  eltwiseRelu: 31,
  eltwiseElu: 63,
  eltwiseLogistic: 175,
  eltwiseClip: 255,
  poolingMax: 511,
  poolingAvgIncludePadding: 767,
  poolingAvgExcludePadding: 1023,
} as const;
/**
 * `DNNL_ARG_*` values.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ARG } from "./native_dnnl_ffi.ts";
 * assert.equal(ARG.diffDst, 145);
 * ```
 */
export const ARG = {
  src: 1,
  dst: 17,
  weights: 33,
  bias: 41,
  workspace: 64,
  diffSrc: 129,
  diffDst: 145,
  diffWeights: 161,
  diffBias: 169,
  mean: 49,
  variance: 50,
  scale: 51,
  shift: 52,
  diffScale: 255,
  diffShift: 256,
} as const;
/**
 * `dnnl_query_t` values.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { QUERY } from "./native_dnnl_ffi.ts";
 * assert.equal(QUERY.weightsMd, 131);
 * ```
 */
export const QUERY = {
  implInfoStr: 8,
  srcMd: 129,
  diffSrcMd: 130,
  weightsMd: 131,
  diffWeightsMd: 132,
  dstMd: 133,
  diffDstMd: 134,
  workspaceMd: 135,
} as const;

/**
 * `sizeof(dnnl_memory_desc_t)` in 2.6.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MEMORY_DESC_BYTES } from "./native_dnnl_ffi.ts";
 * assert.equal(MEMORY_DESC_BYTES, 696);
 * ```
 */
export const MEMORY_DESC_BYTES = 696;
/**
 * Bytes reserved for any op descriptor: above `sizeof(dnnl_convolution_desc_t) = 5976`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { OP_DESC_BYTES } from "./native_dnnl_ffi.ts";
 * assert.ok(OP_DESC_BYTES >= 5976); // sizeof(dnnl_convolution_desc_t)
 * ```
 */
export const OP_DESC_BYTES = 8192;
/** `DNNL_MAX_NDIMS`: a `dnnl_dims_t` is this many int64. */
const MAX_NDIMS = 12;

const SYMBOLS = {
  dnnl_engine_create: { parameters: ["buffer", "i32", "usize"], result: "i32" },
  dnnl_stream_create: { parameters: ["buffer", "pointer", "u32"], result: "i32" },
  dnnl_stream_wait: { parameters: ["pointer"], result: "i32" },
  dnnl_memory_desc_init_by_tag: {
    parameters: ["buffer", "i32", "buffer", "i32", "i32"],
    result: "i32",
  },
  dnnl_memory_desc_equal: { parameters: ["pointer", "pointer"], result: "i32" },
  dnnl_memory_desc_get_size: { parameters: ["pointer"], result: "usize" },
  dnnl_dilated_convolution_forward_desc_init: {
    parameters: [
      "buffer",
      "i32",
      "i32",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
    ],
    result: "i32",
  },
  dnnl_dilated_convolution_backward_data_desc_init: {
    parameters: [
      "buffer",
      "i32",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
    ],
    result: "i32",
  },
  dnnl_dilated_convolution_backward_weights_desc_init: {
    parameters: [
      "buffer",
      "i32",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
    ],
    result: "i32",
  },
  dnnl_pooling_v2_forward_desc_init: {
    parameters: [
      "buffer",
      "i32",
      "i32",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
    ],
    result: "i32",
  },
  dnnl_pooling_v2_backward_desc_init: {
    parameters: [
      "buffer",
      "i32",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
    ],
    result: "i32",
  },
  dnnl_batch_normalization_forward_desc_init: {
    parameters: ["buffer", "i32", "buffer", "f32", "u32"],
    result: "i32",
  },
  dnnl_batch_normalization_backward_desc_init: {
    parameters: ["buffer", "i32", "buffer", "buffer", "f32", "u32"],
    result: "i32",
  },
  dnnl_primitive_attr_create: { parameters: ["buffer"], result: "i32" },
  dnnl_primitive_attr_destroy: { parameters: ["pointer"], result: "i32" },
  dnnl_primitive_attr_set_post_ops: { parameters: ["pointer", "pointer"], result: "i32" },
  dnnl_post_ops_create: { parameters: ["buffer"], result: "i32" },
  dnnl_post_ops_destroy: { parameters: ["pointer"], result: "i32" },
  dnnl_post_ops_append_eltwise: {
    parameters: ["pointer", "f32", "i32", "f32", "f32"],
    result: "i32",
  },
  dnnl_primitive_desc_create: {
    parameters: ["buffer", "buffer", "pointer", "pointer", "pointer"],
    result: "i32",
  },
  dnnl_reorder_primitive_desc_create: {
    parameters: ["buffer", "pointer", "pointer", "pointer", "pointer", "pointer"],
    result: "i32",
  },
  dnnl_primitive_desc_destroy: { parameters: ["pointer"], result: "i32" },
  dnnl_primitive_desc_iterator_create: {
    parameters: ["buffer", "buffer", "pointer", "pointer", "pointer"],
    result: "i32",
  },
  dnnl_primitive_desc_iterator_next: { parameters: ["pointer"], result: "i32" },
  dnnl_primitive_desc_iterator_fetch: { parameters: ["pointer"], result: "pointer" },
  dnnl_primitive_desc_iterator_destroy: { parameters: ["pointer"], result: "i32" },
  dnnl_primitive_desc_query: { parameters: ["pointer", "i32", "i32", "buffer"], result: "i32" },
  dnnl_primitive_desc_query_md: { parameters: ["pointer", "i32", "i32"], result: "pointer" },
  dnnl_primitive_create: { parameters: ["buffer", "pointer"], result: "i32" },
  dnnl_primitive_destroy: { parameters: ["pointer"], result: "i32" },
  dnnl_primitive_execute: { parameters: ["pointer", "pointer", "i32", "buffer"], result: "i32" },
  dnnl_memory_create: { parameters: ["buffer", "pointer", "pointer", "pointer"], result: "i32" },
  dnnl_memory_destroy: { parameters: ["pointer"], result: "i32" },
  dnnl_memory_set_data_handle: { parameters: ["pointer", "pointer"], result: "i32" },
} as const satisfies Deno.ForeignLibraryInterface;

type DnnlSymbols = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

/**
 * The loaded library with its CPU engine and stream.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Dnnl, loadDnnl } from "./native_dnnl_ffi.ts";
 * const dnnl: Dnnl = loadDnnl();
 * assert.ok(dnnl.path.includes("dnnl"));
 * ```
 */
export interface Dnnl {
  /** The path or name the library was loaded from. */
  path: string;
  symbols: DnnlSymbols;
  engine: Deno.PointerObject;
  stream: Deno.PointerObject;
}

let loaded: Dnnl | undefined;

/**
 * Loads libdnnl once (from the usual places) and creates its CPU engine and stream; see
 * {@link openDnnl} for the error when it is missing. Sets `OMP_WAIT_POLICY=passive` first unless
 * the environment sets it (idle OpenMP threads sleep instead of spinning).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadDnnl } from "./native_dnnl_ffi.ts";
 * const dnnl = loadDnnl();
 * assert.equal(loadDnnl(), dnnl); // loaded once
 * ```
 */
export function loadDnnl(): Dnnl {
  if (loaded !== undefined) return loaded;
  // libgomp reads its settings when it is loaded (with libdnnl). By default its idle threads spin
  // after each parallel region; with 2 cores shared by other jobs that spinning took the core the
  // JavaScript thread and the next region needed: a ResNet-18 ×1/16 step ran 2192 ms spinning
  // against 287 ms passive (bench/native_dnnl_bench.ts, same loaded machine). A user's own
  // OMP_WAIT_POLICY wins.
  if (Deno.env.get("OMP_WAIT_POLICY") === undefined) Deno.env.set("OMP_WAIT_POLICY", "passive");
  loaded = openDnnl(LIBRARY_CANDIDATES);
  return loaded;
}

/**
 * Opens the first of `candidates` (paths or loader names) that loads as libdnnl and creates a CPU
 * engine and stream on it. Throws an Error naming the Debian package `libdnnl2` (and each place it
 * tried) when none loads.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openDnnl } from "./native_dnnl_ffi.ts";
 * assert.throws(() => openDnnl(["/nonexistent/libdnnl.so.2"]), /apt-get install libdnnl2/);
 * ```
 */
export function openDnnl(candidates: readonly string[]): Dnnl {
  const errors: string[] = [];
  for (const path of candidates) {
    let library: Deno.DynamicLibrary<typeof SYMBOLS>;
    try {
      library = Deno.dlopen(path, SYMBOLS);
    } catch (error) {
      errors.push(`${path}: ${(error as Error).message.split("\n")[0]}`);
      continue;
    }
    const symbols = library.symbols;
    const out = new BigUint64Array(1);
    check(symbols.dnnl_engine_create(out, 1, /* dnnl_cpu */ 0n), "dnnl_engine_create");
    const engine = pointerOf(out[0], "engine");
    check(
      symbols.dnnl_stream_create(out, engine, 1 /* dnnl_stream_default_flags */),
      "dnnl_stream_create",
    );
    return { path, symbols, engine, stream: pointerOf(out[0], "stream") };
  }
  throw new Error(
    `loadDnnl: oneDNN (libdnnl 2.x) could not be loaded; install it with ` +
      `\`apt-get install libdnnl2\` (Debian/Ubuntu) or \`brew install onednn\` (macOS). ` +
      `Tried: ${errors.join("; ")}`,
  );
}

/** `dnnl_status_t` names, for error messages. */
const STATUS = [
  "success",
  "out_of_memory",
  "invalid_arguments",
  "unimplemented",
  "iterator_ends",
  "runtime_error",
  "not_required",
];

/**
 * Throws an Error naming `what` and the oneDNN status when `status` is not `dnnl_success`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { check } from "./native_dnnl_ffi.ts";
 * check(0, "fine");
 * assert.throws(() => check(3, "dnnl_primitive_desc_create"), /unimplemented/);
 * ```
 */
export function check(status: number, what: string): void {
  if (status !== 0) {
    throw new Error(`${what} failed: dnnl_${STATUS[status] ?? `status ${status}`}`);
  }
}

function pointerOf(value: bigint, what: string): Deno.PointerObject {
  const pointer = Deno.UnsafePointer.create(value);
  if (pointer === null) throw new Error(`oneDNN returned a null ${what}`);
  return pointer;
}

/**
 * A `dnnl_dims_t` (12 int64) holding `values` then zeros.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { dims } from "./native_dnnl_ffi.ts";
 * assert.equal(dims([2, 3])[1], 3n);
 * ```
 */
export function dims(values: readonly number[]): BigInt64Array {
  const out = new BigInt64Array(MAX_NDIMS);
  values.forEach((v, i) => (out[i] = BigInt(v)));
  return out;
}

/**
 * A float32 memory descriptor of logical `shape` (oneDNN's order: N, C, H, W for activations,
 * O, I, H, W for weights) laid out as `tag`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadDnnl, memoryDesc, TAG } from "./native_dnnl_ffi.ts";
 * const dnnl = loadDnnl();
 * const md = memoryDesc(dnnl, [2, 3, 4, 5], TAG.nhwc);
 * assert.equal(Number(dnnl.symbols.dnnl_memory_desc_get_size(Deno.UnsafePointer.of(md))), 480);
 * ```
 */
export function memoryDesc(dnnl: Dnnl, shape: readonly number[], tag: number): Uint8Array {
  const md = new Uint8Array(MEMORY_DESC_BYTES);
  check(
    dnnl.symbols.dnnl_memory_desc_init_by_tag(md, shape.length, dims(shape), DNNL_F32, tag),
    `dnnl_memory_desc_init_by_tag([${shape}], tag ${tag})`,
  );
  return md;
}

/**
 * A primitive descriptor with its primitive.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createReorder, loadDnnl, memoryDesc, type Primitive, TAG } from "./native_dnnl_ffi.ts";
 * const dnnl = loadDnnl();
 * const md = memoryDesc(dnnl, [2], TAG.a);
 * const reorder: Primitive = createReorder(dnnl, md, md);
 * assert.equal(typeof reorder.implementation, "string");
 * ```
 */
export interface Primitive {
  pd: Deno.PointerObject;
  primitive: Deno.PointerObject;
  /** oneDNN's name of the implementation it picked (e.g. `brg:avx512_core`). */
  implementation: string;
}

/**
 * Creates the primitive descriptor of `opDesc` (with optional attributes and forward hint) and
 * its primitive; null when oneDNN has no implementation for it (`dnnl_unimplemented`) or rejects
 * the shapes (`dnnl_invalid_arguments`), so that the caller can fall back.
 *
 * `reject`, when given, sees the name of each implementation oneDNN offers, best first (through
 * its primitive-descriptor iterator), and the first one it does not reject is taken; null when it
 * rejects them all. Why: an implementation can be wrong for some shapes (see
 * native_dnnl_conv.ts's strided 1×1 backward weights), and the next one in oneDNN's list is the
 * best that is not.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createPrimitive, loadDnnl } from "./native_dnnl_ffi.ts";
 * const dnnl = loadDnnl();
 * // An all-zero op descriptor describes nothing oneDNN can run.
 * assert.equal(createPrimitive(dnnl, new Uint8Array(8192), null, null), null);
 * assert.equal(createPrimitive(dnnl, new Uint8Array(8192), null, null, () => true), null);
 * ```
 */
export function createPrimitive(
  dnnl: Dnnl,
  opDesc: Uint8Array,
  attr: Deno.PointerObject | null,
  hint: Deno.PointerObject | null,
  reject?: (implementation: string) => boolean,
): Primitive | null {
  const out = new BigUint64Array(1);
  if (reject === undefined) {
    const status = dnnl.symbols.dnnl_primitive_desc_create(out, opDesc, attr, dnnl.engine, hint);
    if (status === 2 || status === 3) return null;
    check(status, "dnnl_primitive_desc_create");
    return finishPrimitive(dnnl, pointerOf(out[0], "primitive descriptor"));
  }
  const status = dnnl.symbols.dnnl_primitive_desc_iterator_create(
    out,
    opDesc,
    attr,
    dnnl.engine,
    hint,
  );
  if (status === 2 || status === 3) return null;
  check(status, "dnnl_primitive_desc_iterator_create");
  const iterator = pointerOf(out[0], "primitive descriptor iterator");
  try {
    for (;;) {
      const pd = dnnl.symbols.dnnl_primitive_desc_iterator_fetch(iterator);
      if (pd === null) throw new Error("dnnl_primitive_desc_iterator_fetch returned null");
      if (!reject(implementationOf(dnnl, pd))) return finishPrimitive(dnnl, pd);
      dnnl.symbols.dnnl_primitive_desc_destroy(pd);
      // dnnl_iterator_ends (4) once the list is exhausted.
      const next = dnnl.symbols.dnnl_primitive_desc_iterator_next(iterator);
      if (next === 4) return null;
      check(next, "dnnl_primitive_desc_iterator_next");
    }
  } finally {
    dnnl.symbols.dnnl_primitive_desc_iterator_destroy(iterator);
  }
}

/**
 * A reorder primitive from layout `from` to layout `to` (two memory descriptors of one tensor).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createReorder, loadDnnl, memoryDesc, TAG } from "./native_dnnl_ffi.ts";
 * const dnnl = loadDnnl();
 * const r = createReorder(dnnl, memoryDesc(dnnl, [4, 3, 2, 2], TAG.hwio), memoryDesc(dnnl, [4, 3, 2, 2], TAG.nhwc));
 * assert.ok(r.implementation.length > 0);
 * ```
 */
export function createReorder(dnnl: Dnnl, from: Uint8Array, to: Uint8Array): Primitive {
  const out = new BigUint64Array(1);
  check(
    dnnl.symbols.dnnl_reorder_primitive_desc_create(
      out,
      Deno.UnsafePointer.of(from),
      dnnl.engine,
      Deno.UnsafePointer.of(to),
      dnnl.engine,
      null,
    ),
    "dnnl_reorder_primitive_desc_create",
  );
  return finishPrimitive(dnnl, pointerOf(out[0], "reorder primitive descriptor"));
}

function finishPrimitive(dnnl: Dnnl, pd: Deno.PointerObject): Primitive {
  const out = new BigUint64Array(1);
  check(dnnl.symbols.dnnl_primitive_create(out, pd), "dnnl_primitive_create");
  const primitive = pointerOf(out[0], "primitive");
  return { pd, primitive, implementation: implementationOf(dnnl, pd) };
}

/** oneDNN's name of the implementation behind primitive descriptor `pd` ("unknown" if none). */
function implementationOf(dnnl: Dnnl, pd: Deno.PointerObject): string {
  const name = new BigUint64Array(1);
  if (dnnl.symbols.dnnl_primitive_desc_query(pd, QUERY.implInfoStr, 0, name) !== 0) {
    return "unknown";
  }
  const text = Deno.UnsafePointer.create(name[0]);
  return text === null ? "unknown" : new Deno.UnsafePointerView(text).getCString();
}

/**
 * The memory descriptor a primitive descriptor chose for `query` (e.g. {@link QUERY}.weightsMd),
 * copied out of the library.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import {
 *   createReorder, loadDnnl, memoryDesc, queryMd, QUERY, sameMd, TAG,
 * } from "./native_dnnl_ffi.ts";
 * const dnnl = loadDnnl();
 * const nhwc = memoryDesc(dnnl, [1, 2, 2, 2], TAG.nhwc);
 * const r = createReorder(dnnl, memoryDesc(dnnl, [1, 2, 2, 2], TAG.hwio), nhwc);
 * assert.ok(sameMd(dnnl, queryMd(dnnl, r.pd, QUERY.dstMd), nhwc));
 * ```
 */
export function queryMd(dnnl: Dnnl, pd: Deno.PointerObject, query: number): Uint8Array {
  const pointer = dnnl.symbols.dnnl_primitive_desc_query_md(pd, query, 0);
  if (pointer === null) throw new Error(`dnnl_primitive_desc_query_md(${query}) returned null`);
  const copy = new Uint8Array(MEMORY_DESC_BYTES);
  copy.set(new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(pointer, MEMORY_DESC_BYTES)));
  return copy;
}

/**
 * Whether two memory descriptors describe the same layout (`dnnl_memory_desc_equal`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadDnnl, memoryDesc, sameMd, TAG } from "./native_dnnl_ffi.ts";
 * const dnnl = loadDnnl();
 * assert.ok(!sameMd(dnnl, memoryDesc(dnnl, [2, 3, 2, 2], TAG.nhwc), memoryDesc(dnnl, [2, 3, 2, 2], TAG.hwio)));
 * ```
 */
export function sameMd(dnnl: Dnnl, a: Uint8Array, b: Uint8Array): boolean {
  return dnnl.symbols.dnnl_memory_desc_equal(Deno.UnsafePointer.of(a), Deno.UnsafePointer.of(b)) !==
    0;
}

/** `DNNL_MEMORY_ALLOCATE`: asks oneDNN to allocate (and own) a memory object's buffer. */
const MEMORY_ALLOCATE = Deno.UnsafePointer.create(0xffffffffffffffffn);

/**
 * A memory object of descriptor `md`: with no buffer (`owned` false; set one with
 * {@link setHandle} before each execution) or with a buffer oneDNN allocates and owns.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadDnnl, memoryDesc, memoryObject, TAG } from "./native_dnnl_ffi.ts";
 * const dnnl = loadDnnl();
 * assert.ok(memoryObject(dnnl, memoryDesc(dnnl, [4], TAG.a), false) !== null);
 * ```
 */
export function memoryObject(dnnl: Dnnl, md: Uint8Array, owned: boolean): Deno.PointerObject {
  const out = new BigUint64Array(1);
  check(
    dnnl.symbols.dnnl_memory_create(
      out,
      Deno.UnsafePointer.of(md),
      dnnl.engine,
      owned ? MEMORY_ALLOCATE : null,
    ),
    "dnnl_memory_create",
  );
  return pointerOf(out[0], "memory");
}

/**
 * Points memory object `memory` at byte `byteOffset` of `buffer` (the wasm heap's current
 * ArrayBuffer: take it after the last allocation, a heap growth replaces it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import {
 *   ARG, createReorder, execArgs, execute, loadDnnl, memoryDesc, memoryObject, setHandle, TAG,
 * } from "./native_dnnl_ffi.ts";
 * const dnnl = loadDnnl();
 * const md = memoryDesc(dnnl, [4], TAG.a);
 * const from = memoryObject(dnnl, md, false);
 * const to = memoryObject(dnnl, md, false);
 * const data = new Float32Array([1, 2, 3, 4, 0, 0, 0, 0]);
 * setHandle(dnnl, from, data.buffer, 0);
 * setHandle(dnnl, to, data.buffer, 16); // byte 16 = element 4
 * execute(dnnl, createReorder(dnnl, md, md).primitive, execArgs([[ARG.src, from], [ARG.dst, to]]));
 * assert.deepEqual(Array.from(data.subarray(4)), [1, 2, 3, 4]); // the copy landed at the offset
 * ```
 */
export function setHandle(
  dnnl: Dnnl,
  memory: Deno.PointerObject,
  buffer: ArrayBuffer,
  byteOffset: number,
): void {
  const base = Deno.UnsafePointer.of(buffer);
  check(
    dnnl.symbols.dnnl_memory_set_data_handle(memory, Deno.UnsafePointer.offset(base!, byteOffset)),
    "dnnl_memory_set_data_handle",
  );
}

/**
 * Points each memory object of `roles` at the heap byte offset `offsets` gives its role (see
 * {@link setHandle}). Throws an Error naming `where` and the role when an offset is missing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bindHeap, loadDnnl, memoryDesc, memoryObject, TAG } from "./native_dnnl_ffi.ts";
 * const dnnl = loadDnnl();
 * const roles = new Map([["src", memoryObject(dnnl, memoryDesc(dnnl, [4], TAG.a), false)]]);
 * bindHeap(dnnl, roles, new ArrayBuffer(32), { src: 16 }, "example");
 * assert.throws(() => bindHeap(dnnl, roles, new ArrayBuffer(32), {}, "example"), /example: no offset for src/);
 * ```
 */
export function bindHeap(
  dnnl: Dnnl,
  roles: ReadonlyMap<string, Deno.PointerObject>,
  heap: ArrayBuffer,
  offsets: Readonly<Record<string, number>>,
  where: string,
): void {
  for (const [role, memory] of roles) {
    const offset = offsets[role];
    if (offset === undefined) throw new Error(`${where}: no offset for ${role}`);
    setHandle(dnnl, memory, heap, offset);
  }
}

/**
 * The cached plan for `key`, built once by `build` (a null result, a geometry oneDNN refused, is
 * cached too). When the cache holds `limit` plans, `clear` empties it first: shapes from random
 * tests would otherwise pile up primitives without bound.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cachedPlan } from "./native_dnnl_ffi.ts";
 * const cache = new Map<string, number | null>();
 * let builds = 0;
 * const build = () => ++builds;
 * assert.equal(cachedPlan(cache, "a", 2, () => cache.clear(), build), 1);
 * assert.equal(cachedPlan(cache, "a", 2, () => cache.clear(), build), 1); // cached
 * cachedPlan(cache, "b", 2, () => cache.clear(), build);
 * assert.equal(cachedPlan(cache, "c", 2, () => cache.clear(), build), 3);
 * assert.deepEqual([...cache.keys()], ["c"]); // full at 2: emptied first
 * ```
 */
export function cachedPlan<T>(
  cache: Map<string, T | null>,
  key: string,
  limit: number,
  clear: () => void,
  build: () => T | null,
): T | null {
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  if (cache.size >= limit) clear();
  const plan = build();
  cache.set(key, plan);
  return plan;
}

/**
 * The `dnnl_exec_arg_t` array (16 bytes each: int index, pointer memory) of `args`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ARG, execArgs, loadDnnl, memoryDesc, memoryObject, TAG } from "./native_dnnl_ffi.ts";
 * const dnnl = loadDnnl();
 * const memory = memoryObject(dnnl, memoryDesc(dnnl, [4], TAG.a), false);
 * assert.equal(execArgs([[ARG.src, memory]]).length, 16);
 * ```
 */
export function execArgs(args: readonly [number, Deno.PointerObject][]): Uint8Array {
  const bytes = new Uint8Array(16 * args.length);
  const view = new DataView(bytes.buffer);
  args.forEach(([index, memory], i) => {
    view.setInt32(16 * i, index, true);
    view.setBigUint64(16 * i + 8, BigInt(Deno.UnsafePointer.value(memory)), true);
  });
  return bytes;
}

/**
 * Runs `primitive` on the stream with the argument array from {@link execArgs} and waits for it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import {
 *   ARG, createReorder, execArgs, execute, loadDnnl, memoryDesc, memoryObject, setHandle, TAG,
 * } from "./native_dnnl_ffi.ts";
 * const dnnl = loadDnnl();
 * // HWIO [1, 1, 2, 3] (I = 2, O = 3) to OIHW: a 2×3 transpose.
 * const hwio = memoryDesc(dnnl, [3, 2, 1, 1], TAG.hwio);
 * const oihw = memoryDesc(dnnl, [3, 2, 1, 1],5); // 5 = dnnl_oihw
 * const reorder = createReorder(dnnl, hwio, oihw);
 * const from = memoryObject(dnnl, hwio, false);
 * const to = memoryObject(dnnl, oihw, false);
 * const data = new Float32Array([1, 2, 3, 4, 5, 6, 0, 0, 0, 0, 0, 0]);
 * setHandle(dnnl, from, data.buffer, 0);
 * setHandle(dnnl, to, data.buffer, 24);
 * execute(dnnl, reorder.primitive, execArgs([[ARG.src, from], [ARG.dst, to]]));
 * assert.deepEqual(Array.from(data.subarray(6)), [1, 4, 2, 5, 3, 6]);
 * ```
 */
export function execute(dnnl: Dnnl, primitive: Deno.PointerObject, args: Uint8Array): void {
  check(
    dnnl.symbols.dnnl_primitive_execute(primitive, dnnl.stream, args.length / 16, args),
    "dnnl_primitive_execute",
  );
  check(dnnl.symbols.dnnl_stream_wait(dnnl.stream), "dnnl_stream_wait");
}

/**
 * Primitive attributes with one eltwise post-op (`alg`, `alpha`, `beta`), or null for none.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ALG, eltwiseAttr, loadDnnl } from "./native_dnnl_ffi.ts";
 * assert.ok(eltwiseAttr(loadDnnl(), ALG.eltwiseRelu, 0, 0) !== null);
 * ```
 */
export function eltwiseAttr(
  dnnl: Dnnl,
  alg: number,
  alpha: number,
  beta: number,
): Deno.PointerObject {
  const out = new BigUint64Array(1);
  check(dnnl.symbols.dnnl_post_ops_create(out), "dnnl_post_ops_create");
  const postOps = pointerOf(out[0], "post-ops");
  check(
    dnnl.symbols.dnnl_post_ops_append_eltwise(postOps, 1, alg, alpha, beta),
    "dnnl_post_ops_append_eltwise",
  );
  check(dnnl.symbols.dnnl_primitive_attr_create(out), "dnnl_primitive_attr_create");
  const attr = pointerOf(out[0], "attributes");
  check(dnnl.symbols.dnnl_primitive_attr_set_post_ops(attr, postOps), "set_post_ops");
  dnnl.symbols.dnnl_post_ops_destroy(postOps);
  return attr;
}

/** libgomp, which libdnnl2 links: already in the process once libdnnl is loaded. */
let openmp:
  | Deno.DynamicLibrary<{
    omp_set_num_threads: { parameters: ["i32"]; result: "void" };
    omp_get_max_threads: { parameters: []; result: "i32" };
  }>
  | undefined;

/** libgomp's thread count before this module changed it: `OMP_NUM_THREADS`, or all cores. */
let openMpDefault: number | undefined;

function loadOpenMp() {
  if (openmp === undefined) {
    openmp = Deno.dlopen("libgomp.so.1", {
      omp_set_num_threads: { parameters: ["i32"], result: "void" },
      omp_get_max_threads: { parameters: [], result: "i32" },
    });
    openMpDefault = openmp.symbols.omp_get_max_threads();
  }
  return openmp.symbols;
}

/**
 * OpenMP's own thread count on this process, as it was before anything here set one:
 * `OMP_NUM_THREADS` when the environment sets it, else the cores libgomp sees.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadDnnl, openMpDefaultThreads, openMpThreads, setOpenMpThreads } from "./native_dnnl_ffi.ts";
 * loadDnnl();
 * const before = openMpThreads();
 * const cores = openMpDefaultThreads();
 * setOpenMpThreads(1);
 * assert.equal(openMpDefaultThreads(), cores); // unchanged by a later setting
 * setOpenMpThreads(before);
 * assert.ok(cores >= 1);
 * ```
 */
export function openMpDefaultThreads(): number {
  loadOpenMp();
  return openMpDefault!;
}

/**
 * Runs `work` with this thread's OpenMP count set to `threads`, and puts the previous count back
 * after it (also when it throws). For oneDNN primitives, create and execute inside the same count:
 * some implementations size their work split and barriers for the team at creation.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadDnnl, openMpThreads, withOpenMpThreads } from "./native_dnnl_ffi.ts";
 * loadDnnl();
 * const before = openMpThreads();
 * assert.equal(withOpenMpThreads(before + 1, () => openMpThreads()), before + 1);
 * assert.equal(openMpThreads(), before);
 * assert.throws(() => withOpenMpThreads(2, () => { throw new Error("inside"); }), /inside/);
 * assert.equal(openMpThreads(), before);
 * ```
 */
export function withOpenMpThreads<T>(threads: number, work: () => T): T {
  const previous = openMpThreads();
  if (previous !== threads) setOpenMpThreads(threads);
  try {
    return work();
  } finally {
    if (previous !== threads) setOpenMpThreads(previous);
  }
}

/**
 * How many OpenMP threads oneDNN's next parallel region will use on this (the JavaScript) thread:
 * `OMP_NUM_THREADS`, or all cores, unless {@link setOpenMpThreads} changed it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadDnnl, openMpThreads } from "./native_dnnl_ffi.ts";
 * loadDnnl();
 * assert.ok(openMpThreads() >= 1);
 * ```
 */
export function openMpThreads(): number {
  return loadOpenMp().omp_get_max_threads();
}

/**
 * Sets the OpenMP thread count of this thread's later parallel regions (`omp_set_num_threads`).
 * Some oneDNN implementations size their work split when the primitive is created, so callers
 * drop cached primitives after a change.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadDnnl, openMpThreads, setOpenMpThreads } from "./native_dnnl_ffi.ts";
 * loadDnnl();
 * const before = openMpThreads();
 * setOpenMpThreads(1);
 * assert.equal(openMpThreads(), 1);
 * setOpenMpThreads(before);
 * ```
 */
export function setOpenMpThreads(threads: number): void {
  if (!Number.isInteger(threads) || threads < 1) {
    throw new RangeError(`setOpenMpThreads: threads must be an integer ≥ 1, got ${threads}`);
  }
  loadOpenMp().omp_set_num_threads(threads);
}
