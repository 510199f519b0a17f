import assert from "node:assert/strict";
import { boxMuller, philox4x32, philoxFill, philoxKey, symmetricUniform } from "./philox.ts";

/**
 * Random123's published known answers for Philox4x32-10 (file `examples/kat_vectors` of
 * github.com/DEShawResearch/random123): counter (4 words), key (2 words), result (4 words).
 */
const KNOWN_ANSWERS: [number[], number[], number[]][] = [
  [[0, 0, 0, 0], [0, 0], [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]],
  [
    [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff],
    [0xffffffff, 0xffffffff],
    [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd],
  ],
  [
    [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
    [0xa4093822, 0x299f31d0],
    [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1],
  ],
];

Deno.test("philox4x32: Random123 known-answer vectors", () => {
  for (const [counter, key, expected] of KNOWN_ANSWERS) {
    assert.deepEqual([...philox4x32(counter, key, new Uint32Array(4))], expected);
  }
  // Control: one flipped counter bit changes every word.
  const flipped = philox4x32([1, 0, 0, 0], [0, 0], new Uint32Array(4));
  for (let i = 0; i < 4; i++) assert.notEqual(flipped[i], KNOWN_ANSWERS[0][2][i]);
});

Deno.test("philoxFill: bits follow the documented layout (key from seed, counter (index/4, sample, step, stream))", () => {
  const seed = 2 ** 32 * 3 + 11;
  const where = { seed, step: 5, sample: 2, stream: 1 };
  const bits = philoxFill(new Uint32Array(9), where, 3, "bits");
  for (let j = 0; j < bits.length; j++) {
    const index = 3 + j;
    const block = philox4x32([Math.floor(index / 4), 2, 5, 1], philoxKey(seed), new Uint32Array(4));
    assert.equal(bits[j], block[index % 4]);
  }
  assert.deepEqual(philoxKey(seed), [11, 3]);
});

Deno.test("philoxFill: bad arguments name the parameter", () => {
  const where = { seed: 1, step: 0, sample: 0 };
  assert.throws(
    () => philoxFill(new Float32Array(2), { ...where, seed: 0.5 }, 0, "gaussian"),
    /seed/,
  );
  assert.throws(
    () => philoxFill(new Float32Array(2), { ...where, sample: -1 }, 0, "gaussian"),
    /sample/,
  );
  assert.throws(
    () => philoxFill(new Float32Array(2), { ...where, step: 2 ** 32 }, 0, "uniform"),
    /step/,
  );
  assert.throws(() => philoxFill(new Float32Array(2), where, -1, "gaussian"), /offset/);
  assert.throws(() => philoxFill(new Float32Array(2), where, 0, "bits"), TypeError);
  assert.throws(() => philoxFill(new Uint32Array(2), where, 0, "gaussian"), TypeError);
  assert.throws(
    () => philoxFill(new Float32Array(2), where, 0, "normal" as "gaussian"),
    /unknown distribution "normal"/,
  );
});

Deno.test("philoxFill: different steps, samples, streams and seeds give different draws", () => {
  const base = { seed: 1, step: 0, sample: 0, stream: 0 };
  const reference = [...philoxFill(new Uint32Array(8), base, 0, "bits")];
  for (const change of [{ seed: 2 }, { step: 1 }, { sample: 1 }, { stream: 1 }]) {
    const other = [...philoxFill(new Uint32Array(8), { ...base, ...change }, 0, "bits")];
    assert.notDeepEqual(other, reference, JSON.stringify(change));
  }
});

Deno.test("philoxFill: uniforms and Gaussians are the documented transforms of the block words", () => {
  const where = { seed: 77, step: 9, sample: 4 };
  const offset = 4 * 12345 + 2; // starts and ends inside a block
  const uniform = philoxFill(new Float64Array(11), where, offset, "uniform");
  const gaussian = philoxFill(new Float64Array(11), where, offset, "gaussian");
  for (let j = 0; j < 11; j++) {
    const index = offset + j;
    const w = philox4x32([Math.floor(index / 4), 4, 9, 0], philoxKey(77), new Uint32Array(4));
    assert.equal(uniform[j], symmetricUniform(w[index % 4]));
    const pair = index % 4 < 2 ? 0 : 2;
    assert.equal(gaussian[j], boxMuller(w[pair], w[pair + 1], index % 2 === 0));
  }
});
