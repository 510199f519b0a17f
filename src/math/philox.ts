/**
 * Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011; the
 * generator of JAX and of PyTorch's CUDA backend) and the transforms the perturbation kernels
 * apply to its output. A draw is a pure function of a key and a counter, so value `index` of
 * sample `sample` at step `step` of a run seeded `seed` can be computed anywhere, in any order:
 * on the host here, and in the cpu, wasm and webgpu kernels of `src/backends/philox_*.ts`, which
 * follow this file to the bit (uint32 words, uniforms) or to float32 rounding of the
 * transcendental functions (Gaussians).
 *
 * The layout of a draw: key `(seed mod 2^32, floor(seed / 2^32) mod 2^32)`; counter
 * `(floor(index / 4), sample, step, stream)`; value `index` takes word `index mod 4` of that
 * block. Transforms of a word `w`, with `m = w >>> 8` (24 bits):
 * - `"bits"`: `w` itself;
 * - `"uniform"`: `(2m + 1 - 2^24) / 2^24`, uniform on the odd multiples of 2^-24 in (-1, 1):
 *   exact in float32 and symmetric (`m <-> 2^24 - 1 - m` negates it);
 * - `"gaussian"`: the inverse normal CDF `Φ^-1(p) = √2 erfinv(2p - 1)` at `p = (2m + 1) / 2^25`
 *   (the midpoints of the 2^24-cell grid of (0, 1); `x = 2p - 1 = (2m + 1 - 2^24) / 2^24` is exact
 *   in float32), with Giles' erfinv, a pair of polynomials built for float32 evaluation. One word
 *   per value, no trigonometry (a GPU's sin and cos are its least accurate functions: WGSL allows
 *   2^-11), `z(-x) = -z(x)` exactly (symmetric draws), |z| <= 5.5 (P(|Z| > 5.5) = 4e-8). The host
 *   evaluates in double precision and rounds; webgpu evaluates in float32.
 *
 * @module
 */

/** The transforms of a Philox word (module note). */
export const PHILOX_DISTRIBUTIONS = ["bits", "uniform", "gaussian"] as const;

/** One of {@link PHILOX_DISTRIBUTIONS}. */
export type PhiloxDistribution = typeof PHILOX_DISTRIBUTIONS[number];

const M0 = 0xD2511F53;
const M1 = 0xCD9E8D57;
const W0 = 0x9E3779B9;
const W1 = 0xBB67AE85;
const TWO_16 = 65536;
const TWO_24 = 16777216;

/** The high 32 bits of the 64-bit product of two uint32 (exact: every partial product < 2^53). */
function mulHigh(a: number, b: number): number {
  const low = (a & 0xffff) * b; // < 2^48
  const high = (a >>> 16) * b; // < 2^48
  return Math.floor((high + Math.floor(low / TWO_16)) / TWO_16) >>> 0;
}

/**
 * Philox4x32-10 of `counter` (4 uint32) under `key` (2 uint32), written into `out`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { philox4x32 } from "./philox.ts";
 * // Random123's known answer for a zero counter and key (kat_vectors).
 * const out = philox4x32([0, 0, 0, 0], [0, 0], new Uint32Array(4));
 * assert.deepEqual([...out], [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]);
 * ```
 */
export function philox4x32(
  counter: ArrayLike<number>,
  key: ArrayLike<number>,
  out: Uint32Array,
): Uint32Array {
  let c0 = counter[0] >>> 0, c1 = counter[1] >>> 0, c2 = counter[2] >>> 0, c3 = counter[3] >>> 0;
  let k0 = key[0] >>> 0, k1 = key[1] >>> 0;
  for (let round = 0; round < 10; round++) {
    const hi0 = mulHigh(M0, c0), lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = mulHigh(M1, c2), lo1 = Math.imul(M1, c2) >>> 0;
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
    k0 = (k0 + W0) >>> 0;
    k1 = (k1 + W1) >>> 0;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
  return out;
}

/** Where a run of draws sits in the stream: the key and the counter words besides the index. */
export interface PhiloxStream {
  /** The run's seed (any integer; split into the two key words). */
  seed: number;
  /** The step (counter word 2), 0 <= step < 2^32. */
  step: number;
  /** The sample within the step (counter word 1), 0 <= sample < 2^32. */
  sample: number;
  /** Which use of the generator (counter word 3), so that two uses never share draws. Default 0. */
  stream?: number;
}

/**
 * The two key words of a seed: its value modulo 2^32 and `floor(seed / 2^32)` modulo 2^32.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { philoxKey } from "./philox.ts";
 * assert.deepEqual(philoxKey(2 ** 32 + 5), [5, 1]);
 * assert.deepEqual(philoxKey(-1), [0xffffffff, 0xffffffff]);
 * ```
 */
export function philoxKey(seed: number): [number, number] {
  if (!Number.isSafeInteger(seed)) {
    throw new RangeError(`philox: seed must be a safe integer, got ${seed}`);
  }
  return [seed >>> 0, Math.floor(seed / 2 ** 32) >>> 0];
}

/**
 * Checks a stream position, naming the bad field: every counter word is a uint32.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkPhiloxStream } from "./philox.ts";
 * assert.throws(() => checkPhiloxStream({ seed: 1, step: -1, sample: 0 }), /step/);
 * ```
 */
export function checkPhiloxStream(where: PhiloxStream): void {
  philoxKey(where.seed);
  for (const field of ["step", "sample", "stream"] as const) {
    const value = where[field] ?? 0;
    if (!Number.isInteger(value) || value < 0 || value >= 2 ** 32) {
      throw new RangeError(`philox: ${field} must be an integer in [0, 2^32), got ${value}`);
    }
  }
}

/**
 * Fills `out` with values `offset, offset + 1, ...` of the stream `where`, transformed by
 * `distribution` (module note). `"bits"` needs a `Uint32Array` or `Int32Array` (the same bits);
 * the others a `Float32Array` (rounded from double-precision transcendentals) or `Float64Array`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { philoxFill } from "./philox.ts";
 * const where = { seed: 7, step: 3, sample: 1 };
 * const whole = philoxFill(new Float32Array(10), where, 0, "gaussian");
 * const tail = philoxFill(new Float32Array(5), where, 5, "gaussian");
 * assert.deepEqual([...tail], [...whole.subarray(5)]); // a value depends on its index only
 * ```
 */
export function philoxFill<T extends Float32Array | Float64Array | Uint32Array | Int32Array>(
  out: T,
  where: PhiloxStream,
  offset: number,
  distribution: PhiloxDistribution,
): T {
  checkPhiloxStream(where);
  return philoxFillKeyed(
    out,
    philoxKey(where.seed),
    [where.sample, where.step, where.stream ?? 0],
    offset,
    distribution,
  );
}

/**
 * {@link philoxFill} from the key words and the counter words `(sample, step, stream)` directly
 * (what the kernels receive).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { philoxFill, philoxFillKeyed, philoxKey } from "./philox.ts";
 * const a = philoxFillKeyed(new Uint32Array(6), philoxKey(-3), [1, 2, 0], 0, "bits");
 * const b = philoxFill(new Uint32Array(6), { seed: -3, sample: 1, step: 2 }, 0, "bits");
 * assert.deepEqual(a, b);
 * ```
 */
export function philoxFillKeyed<T extends Float32Array | Float64Array | Uint32Array | Int32Array>(
  out: T,
  key: readonly [number, number],
  words: readonly [sample: number, step: number, stream: number],
  offset: number,
  distribution: PhiloxDistribution,
): T {
  if (!Number.isInteger(offset) || offset < 0 || offset + out.length > 2 ** 34) {
    throw new RangeError(
      `philox: offset must be an integer >= 0 with offset + length <= 2^34, got ${offset}`,
    );
  }
  if (!(PHILOX_DISTRIBUTIONS as readonly string[]).includes(distribution)) {
    throw new RangeError(`philox: unknown distribution ${JSON.stringify(distribution)}`);
  }
  const isFloat = out instanceof Float32Array || out instanceof Float64Array;
  if ((distribution === "bits") === isFloat) {
    throw new TypeError(
      `philox: "${distribution}" needs ${
        isFloat ? "an integer" : "a float"
      } array, got ${out.constructor.name}`,
    );
  }
  fillBlocks(out, key[0] >>> 0, key[1] >>> 0, words, offset, distribution);
  return out;
}

const INV_24 = 2 ** -24;
const M0_HI = M0 >>> 16, M0_LO = M0 & 0xffff;
const M1_HI = M1 >>> 16, M1_LO = M1 & 0xffff;
/** The words of the last block {@link blockWords} computed (int32 bit patterns). */
const words32 = new Int32Array(4);
/** The four transformed values of the last block. */
const blockValues = new Float64Array(4);

/**
 * Philox4x32-10 in int32 arithmetic only (the 32x32 -> 64 products from 16-bit halves, wrapping
 * sums), which V8 keeps in registers: the same function as {@link philox4x32}, about twice as
 * fast. Writes the block into `words32`.
 */
function blockWords(c0: number, c1: number, c2: number, c3: number, k0: number, k1: number) {
  for (let round = 0; round < 10; round++) {
    let lo = c0 & 0xffff, hi = c0 >>> 16;
    let ll = Math.imul(M0_LO, lo) >>> 0;
    let t = (Math.imul(M0_HI, lo) >>> 0) + (ll >>> 16);
    let w1 = (t & 0xffff) + (Math.imul(M0_LO, hi) >>> 0);
    const hi0 = (Math.imul(M0_HI, hi) + (t >>> 16) + (w1 >>> 16)) | 0;
    const lo0 = Math.imul(M0, c0);
    lo = c2 & 0xffff, hi = c2 >>> 16;
    ll = Math.imul(M1_LO, lo) >>> 0;
    t = (Math.imul(M1_HI, lo) >>> 0) + (ll >>> 16);
    w1 = (t & 0xffff) + (Math.imul(M1_LO, hi) >>> 0);
    const hi1 = (Math.imul(M1_HI, hi) + (t >>> 16) + (w1 >>> 16)) | 0;
    const lo1 = Math.imul(M1, c2);
    c0 = hi1 ^ c1 ^ k0;
    c1 = lo1;
    c2 = hi0 ^ c3 ^ k1;
    c3 = lo0;
    k0 = (k0 + W0) | 0;
    k1 = (k1 + W1) | 0;
  }
  words32[0] = c0;
  words32[1] = c1;
  words32[2] = c2;
  words32[3] = c3;
}

/**
 * The hot loop of {@link philoxFillKeyed}: one Philox block per 4 values (compared with
 * {@link philox4x32} by the tests).
 */
function fillBlocks(
  out: Float32Array | Float64Array | Uint32Array | Int32Array,
  key0: number,
  key1: number,
  words: readonly [number, number, number],
  offset: number,
  distribution: PhiloxDistribution,
): void {
  const sample = words[0] | 0, step = words[1] | 0, stream = words[2] | 0;
  const end = offset + out.length;
  const mode = distribution === "bits" ? 0 : distribution === "uniform" ? 1 : 2;
  for (let block = Math.floor(offset / 4); block * 4 < end; block++) {
    blockWords(block | 0, sample, step, stream, key0 | 0, key1 | 0);
    if (mode === 0) {
      for (let lane = 0; lane < 4; lane++) blockValues[lane] = words32[lane] >>> 0;
    } else if (mode === 1) {
      for (let lane = 0; lane < 4; lane++) blockValues[lane] = symmetricUniform(words32[lane]);
    } else {
      for (let lane = 0; lane < 4; lane++) blockValues[lane] = gaussianOfWord(words32[lane]);
    }
    const first = Math.max(block * 4, offset), last = Math.min(block * 4 + 4, end);
    for (let index = first; index < last; index++) out[index - offset] = blockValues[index & 3];
  }
}

/**
 * The `"uniform"` transform of one word: `(2m + 1 - 2^24) / 2^24`, `m = w >>> 8`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { symmetricUniform } from "./philox.ts";
 * assert.equal(symmetricUniform(0), -1 + 2 ** -24);
 * assert.equal(symmetricUniform(0xffffffff), 1 - 2 ** -24);
 * ```
 */
export function symmetricUniform(word: number): number {
  return (2 * (word >>> 8) + 1 - TWO_24) / TWO_24;
}

/**
 * Giles' single-precision inverse error function ("Approximating the erfinv function", GPU
 * Computing Gems, 2011): two polynomials of degree 8, in `w - 2.5` for `w < 5` and in
 * `sqrt(w) - 3` beyond, `w = -ln((1 - x)(1 + x))`. Built for float32 evaluation (no
 * cancellation), so the webgpu kernel evaluates the same function to float32 rounding.
 */
export const GILES_CENTRAL = [
  2.81022636e-08,
  3.43273939e-07,
  -3.5233877e-06,
  -4.39150654e-06,
  0.00021858087,
  -0.00125372503,
  -0.00417768164,
  0.246640727,
  1.50140941,
] as const;

/** The tail polynomial of Giles' erfinv (see {@link GILES_CENTRAL}), highest degree first. */
export const GILES_TAIL = [
  -0.000200214257,
  0.000100950558,
  0.00134934322,
  -0.00367342844,
  0.00573950773,
  -0.0076224613,
  0.00943887047,
  1.00167406,
  2.83297682,
] as const;

/**
 * `erfinv(x)` for `-1 < x < 1` by Giles' approximation (the polynomials above), evaluated in
 * double precision. Its error against the exact function is about float32 resolution (checked
 * in `philox_test.ts` against an independent quantile); the perturbations need no more.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { erfinvGiles } from "./philox.ts";
 * // erfinv(0.95) = 1.385903824349678 (= Φ^-1(0.975) / √2).
 * assert.ok(Math.abs(erfinvGiles(0.95) - 1.385903824349678) < 1e-6);
 * ```
 */
export function erfinvGiles(x: number): number {
  if (!(x > -1 && x < 1)) throw new RangeError(`erfinvGiles: x must be in (-1, 1), got ${x}`);
  let w = -Math.log((1 - x) * (1 + x));
  let p: number;
  if (w < 5) {
    w = w - 2.5;
    p = GILES_CENTRAL[0];
    for (let k = 1; k < 9; k++) p = GILES_CENTRAL[k] + p * w;
  } else {
    w = Math.sqrt(w) - 3;
    p = GILES_TAIL[0];
    for (let k = 1; k < 9; k++) p = GILES_TAIL[k] + p * w;
  }
  return p * x;
}

/**
 * The `"gaussian"` transform of one word (module note): `√2 erfinv(x)`, `x = (2m + 1 - 2^24) / 2^24`,
 * `m = w >>> 8`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gaussianOfWord } from "./philox.ts";
 * assert.equal(gaussianOfWord(0x80000000), -gaussianOfWord(0x7fffffff)); // symmetric
 * assert.ok(gaussianOfWord(0) < -5.3 && gaussianOfWord(0) > -5.7); // the lowest cell
 * ```
 */
export function gaussianOfWord(word: number): number {
  return Math.SQRT2 * erfinvGiles((2 * (word >>> 8) + 1 - TWO_24) * INV_24);
}
