/**
 * The fast host fill of the Philox stream: {@link philoxFillKeyed}'s values, bit for bit, from
 * the WebAssembly module `philox_fill.wat` (Philox with 64-bit products, the transforms in double
 * precision with fdlibm's logarithm, the one V8's `Math.log` uses; SIMD: the uniforms four blocks
 * at a time, the Gaussian four values at a time in f64x2). On this machine it takes a fifth of
 * the JavaScript's time for the words and the uniforms, and 40% for the Gaussian (whose cost is the transform: `bench/draws_bench.ts`). The cpu and wasm `UsamPhilox` kernels use it;
 * `philoxFillKeyed` stays the reference the tests compare it with (`philox_fill_test.ts` checks
 * every one of the 2^24 Gaussian inputs). Where WebAssembly is missing, or for a `Float64Array`
 * (the reference's unrounded doubles), it is `philoxFillKeyed` itself.
 *
 * @module
 */
import { type PhiloxDistribution, philoxFillKeyed } from "./philox.ts";
import { PHILOX_FILL_WASM_BASE64 } from "./philox_fill_wasm.ts";

interface PhiloxFillExports {
  memory: WebAssembly.Memory;
  fill(
    ptr: number,
    firstBlock: number,
    blocks: number,
    sample: number,
    step: number,
    stream: number,
    key0: number,
    key1: number,
    mode: number,
  ): void;
  gaussian(word: number): number;
  gaussianWords(ptr: number, n: number, quad: number): void;
}

/** Blocks per call of the module: 1 MiB of output, so its memory stays small for any size. */
const CHUNK_BLOCKS = 65536;

let instance: PhiloxFillExports | null | undefined;

/**
 * The module's exports, instantiated on first use (5 KB: synchronous compilation is fine; where
 * an engine refuses it, or lacks SIMD, the JavaScript fill serves).
 */
function philoxFillModule(): PhiloxFillExports | null {
  if (instance !== undefined) return instance;
  try {
    const binary = atob(PHILOX_FILL_WASM_BASE64);
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    const exports = new WebAssembly.Instance(new WebAssembly.Module(bytes), {})
      .exports as unknown as PhiloxFillExports;
    const pages = Math.ceil((CHUNK_BLOCKS * 16) / 65536) + 1;
    const have = exports.memory.buffer.byteLength / 65536;
    if (have < pages) exports.memory.grow(pages - have);
    instance = exports;
  } catch {
    instance = null; // no WebAssembly (or no SIMD) here: the JavaScript fill serves
  }
  return instance;
}

/**
 * Whether the WebAssembly fill is in use (false where WebAssembly or its SIMD is unavailable).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { philoxFillUsesWasm } from "./philox_fill.ts";
 * assert.equal(philoxFillUsesWasm(), typeof WebAssembly === "object");
 * ```
 */
export function philoxFillUsesWasm(): boolean {
  return philoxFillModule() !== null;
}

/**
 * {@link philoxFillKeyed} (same arguments, same checks, the same bits), by the WebAssembly
 * module.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { philoxFillFast } from "./philox_fill.ts";
 * import { philoxFillKeyed } from "./philox.ts";
 * const fast = philoxFillFast(new Float32Array(9), [7, 0], [1, 2, 0], 3, "gaussian");
 * const reference = philoxFillKeyed(new Float32Array(9), [7, 0], [1, 2, 0], 3, "gaussian");
 * assert.deepEqual(fast, reference);
 * ```
 */
export function philoxFillFast<T extends Float32Array | Float64Array | Uint32Array | Int32Array>(
  out: T,
  key: readonly [number, number],
  words: readonly [sample: number, step: number, stream: number],
  offset: number,
  distribution: PhiloxDistribution,
): T {
  const module = out instanceof Float64Array ? null : philoxFillModule();
  if (module === null || out.length === 0) {
    return philoxFillKeyed(out, key, words, offset, distribution);
  }
  // The reference's checks (offset, distribution, array kind), on an empty array: no work.
  philoxFillKeyed(out.subarray(0, 0) as T, key, words, offset, distribution);
  const mode = distribution === "bits" ? 0 : distribution === "uniform" ? 1 : 2;
  const end = offset + out.length;
  let block = Math.floor(offset / 4);
  let written = 0;
  while (written < out.length) {
    const blocks = Math.min(CHUNK_BLOCKS, Math.ceil(end / 4) - block);
    module.fill(
      0,
      block | 0,
      blocks,
      words[0] | 0,
      words[1] | 0,
      words[2] | 0,
      key[0] | 0,
      key[1] | 0,
      mode,
    );
    const skip = block * 4 < offset ? offset - block * 4 : 0;
    const count = Math.min(blocks * 4 - skip, out.length - written);
    // A view of the out array's own type: a copy of the bits, no conversion.
    const View = out.constructor as Float32ArrayConstructor | Int32ArrayConstructor;
    out.set(new View(module.memory.buffer as ArrayBuffer, 4 * skip, count), written);
    written += count;
    block += blocks;
  }
  return out;
}

/**
 * The `"gaussian"` transform of each word of `words` by the WebAssembly module's four-lane
 * (`lanes` 4, the one the fill uses) or two-lane (`lanes` 2, its fallback) SIMD path, into a new
 * array (for the exhaustive comparison with `gaussianOfWord`); `undefined` without WebAssembly.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gaussianOfWordsWasm } from "./philox_fill.ts";
 * import { gaussianOfWord } from "./philox.ts";
 * const words = Int32Array.from([0, 0x7fffffff, -1]);
 * const expected = Float32Array.from(words, (w) => gaussianOfWord(w));
 * assert.deepEqual(gaussianOfWordsWasm(words, 4), expected);
 * assert.deepEqual(gaussianOfWordsWasm(words, 2), expected);
 * ```
 */
export function gaussianOfWordsWasm(words: Int32Array, lanes: 2 | 4): Float32Array | undefined {
  if (lanes !== 2 && lanes !== 4) {
    throw new RangeError(`gaussianOfWordsWasm: lanes must be 2 or 4, got ${lanes}`);
  }
  const module = philoxFillModule();
  if (module === null) return undefined;
  const out = new Float32Array(words.length);
  const chunk = CHUNK_BLOCKS * 4;
  for (let at = 0; at < words.length; at += chunk) {
    const n = Math.min(chunk, words.length - at);
    new Int32Array(module.memory.buffer, 0, n).set(words.subarray(at, at + n));
    // A count short of a multiple of `lanes` transforms a few stale words more: never read.
    module.gaussianWords(0, Math.ceil(n / lanes) * lanes, lanes === 4 ? 1 : 0);
    out.set(new Float32Array(module.memory.buffer, 0, n), at);
  }
  return out;
}

/**
 * The `"gaussian"` transform of one word by the WebAssembly module's scalar path (the one its
 * two-lane path falls back to for rare lanes), for the exhaustive comparison with
 * `gaussianOfWord` (float32-rounded); `undefined` without WebAssembly.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gaussianOfWordWasm } from "./philox_fill.ts";
 * import { gaussianOfWord } from "./philox.ts";
 * assert.equal(gaussianOfWordWasm(0x12345678), Math.fround(gaussianOfWord(0x12345678)));
 * ```
 */
export function gaussianOfWordWasm(word: number): number | undefined {
  return philoxFillModule()?.gaussian(word | 0);
}
