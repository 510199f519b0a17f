import assert from "node:assert/strict";
import { assemblePhiloxFill, PHILOX_FILL_WAT_URL } from "./philox_fill_build.ts";
import {
  gaussianOfWordsWasm,
  gaussianOfWordWasm,
  philoxFillFast,
  philoxFillUsesWasm,
} from "./philox_fill.ts";
import { PHILOX_FILL_WASM_BASE64 } from "./philox_fill_wasm.ts";
import { gaussianOfWord, philoxFillKeyed } from "./philox.ts";

Deno.test("philox_fill_wasm.ts is the build of philox_fill.wat (reproducible with wabt)", async () => {
  const bytes = await assemblePhiloxFill(await Deno.readTextFile(PHILOX_FILL_WAT_URL));
  const committed = Uint8Array.from(atob(PHILOX_FILL_WASM_BASE64), (c) => c.charCodeAt(0));
  assert.deepEqual(committed, bytes, "rerun `deno task build:philox-wasm` and commit");
});

Deno.test("the WebAssembly scalar Gaussian transform equals the JavaScript one on all 2^24 inputs", () => {
  assert.ok(philoxFillUsesWasm());
  // The transform reads m = word >>> 8 only: these 2^24 words are every input it can get.
  const reference = new Float32Array(1);
  let mismatches = 0;
  let first = -1;
  for (let m = 0; m < 2 ** 24; m++) {
    const word = (m << 8) | (m & 0xff); // low byte varied too: it must be ignored
    reference[0] = gaussianOfWord(word);
    if (gaussianOfWordWasm(word) !== reference[0]) {
      if (mismatches++ === 0) first = m;
    }
  }
  assert.equal(mismatches, 0, `first mismatch at m = ${first}`);
});

for (const lanes of [4, 2] as const) {
  Deno.test(`the WebAssembly ${lanes}-lane (SIMD) Gaussian transform equals the JavaScript one on all 2^24 inputs`, () => {
    // Neighbouring inputs share a vector, and the rare lanes (tail, |f| < 2^-20) send theirs to
    // the narrower path: all of them are among these, in every position of a vector.
    const words = new Int32Array(2 ** 24);
    for (let m = 0; m < words.length; m++) words[m] = m << 8;
    const reference = Float32Array.from(words, (word) => gaussianOfWord(word));
    let mismatches = 0;
    for (let shift = 0; shift < lanes; shift++) {
      const got = gaussianOfWordsWasm(words.subarray(shift), lanes);
      assert.ok(got !== undefined);
      for (let m = shift; m < words.length; m++) if (got[m - shift] !== reference[m]) mismatches++;
    }
    assert.equal(mismatches, 0);
  });
}

Deno.test("philoxFillFast gives philoxFillKeyed's bits for every transform, offset and length", () => {
  const cases: [number, number][] = [[0, 1], [1, 3], [3, 5], [4, 4], [5, 1000], [2 ** 32 - 7, 7]];
  for (const distribution of ["bits", "uniform", "gaussian"] as const) {
    for (const [offset, length] of cases) {
      const make = () =>
        distribution === "bits" ? new Int32Array(length) : new Float32Array(length);
      const fast = philoxFillFast(make(), [0xdeadbeef, 5], [2, 9, 1], offset, distribution);
      const reference = philoxFillKeyed(make(), [0xdeadbeef, 5], [2, 9, 1], offset, distribution);
      assert.deepEqual(
        new Int32Array(fast.buffer),
        new Int32Array(reference.buffer),
        `${distribution} at ${offset}+${length}`,
      );
    }
  }
  const bits = philoxFillFast(new Uint32Array(6), [1, 2], [3, 4, 5], 2, "bits");
  assert.deepEqual(bits, philoxFillKeyed(new Uint32Array(6), [1, 2], [3, 4, 5], 2, "bits"));
});

Deno.test("philoxFillFast spans its 1 MiB chunks without a seam", () => {
  const length = 65536 * 4 * 2 + 13; // three chunks, the first starting mid-block
  for (const distribution of ["gaussian", "uniform", "bits"] as const) {
    const make = () => distribution === "bits" ? new Int32Array(length) : new Float32Array(length);
    const fast = philoxFillFast(make(), [3, 0], [0, 1, 0], 2, distribution);
    const reference = philoxFillKeyed(make(), [3, 0], [0, 1, 0], 2, distribution);
    assert.deepEqual(new Int32Array(fast.buffer), new Int32Array(reference.buffer), distribution);
  }
});

Deno.test("philoxFillFast keeps the reference's checks and its Float64 values", () => {
  assert.throws(
    () => philoxFillFast(new Float32Array(2), [0, 0], [0, 0, 0], -1, "gaussian"),
    RangeError,
  );
  assert.throws(() => philoxFillFast(new Float32Array(2), [0, 0], [0, 0, 0], 0, "bits"), TypeError);
  const wide = philoxFillFast(new Float64Array(5), [0, 0], [0, 0, 0], 0, "gaussian");
  assert.deepEqual(wide, philoxFillKeyed(new Float64Array(5), [0, 0], [0, 0, 0], 0, "gaussian"));
  assert.ok(wide.some((v) => v !== Math.fround(v))); // unrounded doubles, as the reference gives
});
