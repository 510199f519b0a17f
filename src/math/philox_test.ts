import assert from "node:assert/strict";
import {
  erfinvGiles,
  gaussianOfWord,
  philox4x32,
  philoxFill,
  philoxKey,
  symmetricUniform,
} from "./philox.ts";

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
    assert.equal(gaussian[j], gaussianOfWord(w[index % 4]));
  }
});

/**
 * An independent oracle for the quantile: Acklam's rational approximation of Φ^-1 (relative error
 * <= 1.15e-9 by its author's analysis), itself checked against published quantiles below.
 */
function acklam(p: number): number {
  const a = [
    -39.69683028665376,
    220.9460984245205,
    -275.9285104469687,
    138.357751867269,
    -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406,
    161.5858368580409,
    -155.6989798598866,
    66.80131188771972,
    -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293,
    -0.3223964580411365,
    -2.400758277161838,
    -2.549732539343734,
    4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const r = Math.min(p, 1 - p);
  if (r >= 0.02425) {
    const q = p - 0.5, s = q * q;
    return (((((a[0] * s + a[1]) * s + a[2]) * s + a[3]) * s + a[4]) * s + a[5]) * q /
      (((((b[0] * s + b[1]) * s + b[2]) * s + b[3]) * s + b[4]) * s + 1);
  }
  const t = Math.sqrt(-2 * Math.log(r));
  const low = (((((c[0] * t + c[1]) * t + c[2]) * t + c[3]) * t + c[4]) * t + c[5]) /
    ((((d[0] * t + d[1]) * t + d[2]) * t + d[3]) * t + 1);
  return p < 0.5 ? low : -low;
}

/**
 * Quantiles of N(0, 1) to 16 digits (standard values, e.g. Φ^-1(0.975) =
 * 1.959963984540054, Φ^-1(0.995) = 2.575829303548901, Φ^-1(0.999) = 3.090232306167814,
 * Φ^-1(0.9) = 1.281551565544601, Φ^-1(0.6) = 0.2533471031357997, Φ^-1(1e-5) = -4.264890793922825,
 * Φ^-1(1e-8) = -5.612001244174789). Acklam's approximation is within 1.15e-9 relative; a wrong
 * coefficient is off by far more.
 */
/**
 * How far Giles' single-precision erfinv may be from the exact quantile, relative to
 * max(1, |z|): his polynomials are fitted to single precision (a few float32 ulps); 1e-6 is
 * 16 ulps of float32 at 1, and a wrong coefficient is off by 1e-3 or more.
 */
const GILES_ERROR = 1e-6;

const QUANTILES: [number, number][] = [
  [0.975, 1.959963984540054],
  [0.995, 2.575829303548901],
  [0.999, 3.090232306167814],
  [0.9, 1.281551565544601],
  [0.6, 0.2533471031357997],
  [0.02, -2.053748910631823],
  [1e-5, -4.264890793922825],
  [1e-8, -5.612001244174789],
];

Deno.test("the quantile oracle (Acklam) matches published quantiles to 1.15e-9 relative", () => {
  for (const [p, z] of QUANTILES) {
    assert.ok(
      Math.abs(acklam(p) - z) <= 1.15e-9 * Math.abs(z),
      `Φ^-1(${p}) = ${acklam(p)}, expected ${z}`,
    );
    assert.ok(Math.abs(acklam(1 - p) + z) <= 1.2e-9 * Math.abs(z), `Φ^-1(1 - ${p})`);
  }
});

Deno.test("gaussianOfWord = Φ^-1 of the cell midpoint to within GILES_ERROR; symmetric and increasing", () => {
  let worst = 0;
  let previous = -Infinity;
  for (let m = 0; m < 2 ** 24; m += 997) {
    const z = gaussianOfWord(m << 8);
    const exact = acklam((2 * m + 1) / 2 ** 25);
    worst = Math.max(worst, Math.abs(z - exact) / Math.max(1, Math.abs(exact)));
    assert.ok(z > previous, `not increasing at m = ${m}`);
    previous = z;
    assert.equal(gaussianOfWord(((2 ** 24 - 1 - m) << 8) >>> 0), -z);
  }
  // Both extreme cells too.
  for (const m of [0, 1, 2 ** 24 - 2, 2 ** 24 - 1]) {
    const exact = acklam((2 * m + 1) / 2 ** 25);
    worst = Math.max(worst, Math.abs(gaussianOfWord((m << 8) >>> 0) - exact) / Math.abs(exact));
  }
  console.log(`max |gaussianOfWord - Φ^-1| / max(1, |Φ^-1|) = ${worst.toExponential(2)}`);
  assert.ok(worst <= GILES_ERROR, `Giles' erfinv off by ${worst}`);
  assert.throws(() => erfinvGiles(1), /x must be in \(-1, 1\)/);
});
