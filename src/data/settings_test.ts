import assert from "node:assert/strict";
import { Random } from "../math/random.ts";
import { classCounts, type ImageSet } from "./image_set.ts";
import { applySettings, splitValidation } from "./settings.ts";

function syntheticTrain(count: number, numClasses: number, seed = 3): ImageSet {
  const rng = new Random(seed);
  // Uneven classes, so that stratification has rounding to do.
  const labels = Uint8Array.from(
    { length: count },
    () => Math.min(rng.integer(numClasses + 3), numClasses - 1),
  );
  // Each image's 4 pixels encode its index, so the kept images can be traced back.
  const images = new Uint8Array(count * 4);
  for (let i = 0; i < count; i++) new DataView(images.buffer).setUint32(4 * i, i, false);
  return { images, labels, count, height: 2, width: 2, channels: 1, numClasses };
}

Deno.test("label noise: exactly round(fraction·N) labels corrupted, each to a different class", () => {
  const train = syntheticTrain(1001, 10);
  for (const labelNoise of [0, 0.2, 0.5, 1]) {
    const noisy = applySettings(train, { labelNoise, seed: 11 });
    const expected = Math.round(labelNoise * 1001);
    assert.equal(noisy.corruptedIndices.length, expected);
    const corrupted = new Set(noisy.corruptedIndices);
    let changed = 0;
    for (let i = 0; i < noisy.count; i++) {
      if (corrupted.has(i)) {
        assert.notEqual(noisy.labels[i], train.labels[i], `label ${i} was "corrupted" to itself`);
      } else assert.equal(noisy.labels[i], train.labels[i]);
      if (noisy.labels[i] !== train.labels[i]) changed++;
      assert.equal(noisy.cleanLabels[i], train.labels[i]);
      assert.ok(noisy.labels[i] < 10);
    }
    assert.equal(changed, expected);
  }
});

Deno.test("label noise and the subset are reproducible from the seed, and differ across seeds", () => {
  const train = syntheticTrain(2000, 10);
  const settings = { trainFraction: 0.3, labelNoise: 0.2, seed: 5 };
  const a = applySettings(train, settings);
  const b = applySettings(train, settings);
  assert.deepEqual(a.keptIndices, b.keptIndices);
  assert.deepEqual(a.corruptedIndices, b.corruptedIndices);
  assert.deepEqual(a.labels, b.labels);
  assert.deepEqual(a.images, b.images);
  const c = applySettings(train, { ...settings, seed: 6 });
  assert.notDeepEqual(c.keptIndices, a.keptIndices);
  assert.notDeepEqual(c.corruptedIndices, a.corruptedIndices);
  // The subset does not depend on the noise level (independent streams).
  assert.deepEqual(applySettings(train, { ...settings, labelNoise: 0 }).keptIndices, a.keptIndices);
});

Deno.test("train fraction: exact count, stratified shares, images follow their labels", () => {
  const train = syntheticTrain(1234, 7);
  const counts = classCounts(train.labels, 7);
  for (const trainFraction of [0.1, 0.37, 1]) {
    const subset = applySettings(train, { trainFraction, seed: 2 });
    assert.equal(subset.count, Math.round(trainFraction * 1234));
    const kept = classCounts(subset.labels, 7);
    // Largest-remainder apportionment: each class within 1 of its exact share.
    for (let c = 0; c < 7; c++) {
      assert.ok(Math.abs(kept[c] - trainFraction * counts[c]) < 1, `class ${c}`);
    }
    for (let i = 0; i < subset.count; i++) {
      const original = new DataView(subset.images.buffer, subset.images.byteOffset).getUint32(
        4 * i,
        false,
      );
      assert.equal(original, subset.keptIndices[i], "the image is the one kept");
      assert.equal(subset.labels[i], train.labels[original]);
      if (i > 0) {
        assert.ok(subset.keptIndices[i] > subset.keptIndices[i - 1], "original order kept");
      }
    }
  }
  const plain = applySettings(train, { trainFraction: 0.37, seed: 2, stratified: false });
  assert.equal(plain.count, Math.round(0.37 * 1234));
});

Deno.test("label noise: the new class is uniform over the other classes", () => {
  const train = syntheticTrain(9000, 10);
  const noisy = applySettings(train, { labelNoise: 1, seed: 8 });
  const shifts = new Array(10).fill(0);
  for (let i = 0; i < noisy.count; i++) shifts[(noisy.labels[i] - train.labels[i] + 10) % 10]++;
  assert.equal(shifts[0], 0);
  // Each shift 1..9 is Binomial(9000, 1/9): mean 1000, sd sqrt(9000·(1/9)·(8/9)) ≈ 29.8. Five
  // standard deviations (149) make a false failure about 1 in 10^5 per shift.
  for (let s = 1; s < 10; s++) {
    assert.ok(Math.abs(shifts[s] - 1000) < 149, `shift ${s}: ${shifts[s]}`);
  }
});

Deno.test("applySettings leaves its input alone and rejects bad settings by name", () => {
  const train = syntheticTrain(100, 10);
  const before = { images: train.images.slice(), labels: train.labels.slice() };
  applySettings(train, { trainFraction: 0.5, labelNoise: 0.5, seed: 1 });
  assert.deepEqual(train.images, before.images);
  assert.deepEqual(train.labels, before.labels);
  assert.throws(
    () => applySettings(train, { trainFraction: 0, seed: 1 }),
    /trainFraction must be in \(0, 1\], got 0/,
  );
  assert.throws(() => applySettings(train, { trainFraction: 1.5, seed: 1 }), RangeError);
  assert.throws(
    () => applySettings(train, { labelNoise: -0.1, seed: 1 }),
    /labelNoise must be in \[0, 1\], got -0.1/,
  );
  assert.throws(() => applySettings(train, { labelNoise: NaN, seed: 1 }), /labelNoise/);
  assert.throws(() => applySettings(train, { seed: 1.5 }), /seed must be an integer, got 1.5/);
  assert.throws(
    () => applySettings(train, { trainFraction: 0.001, seed: 1 }),
    /keeps round\(0.001·100\) = 0 images/,
  );
  assert.throws(
    () =>
      applySettings({ ...train, labels: new Uint8Array(100), numClasses: 1 }, {
        labelNoise: 0.1,
        seed: 1,
      }),
    /at least 2 classes/,
  );
  assert.throws(
    () => applySettings({ ...train, count: 99 }, { seed: 1 }),
    /train.images has length 400/,
  );
});

Deno.test("validation split: exact stratified count, disjoint, seeded, images follow labels", () => {
  const set = syntheticTrain(1001, 10);
  const split = splitValidation(set, { fraction: 0.15, seed: 4 });
  const validation = split.validation!;
  assert.equal(validation.count, Math.round(0.15 * 1001));
  assert.equal(split.train.count + validation.count, 1001);
  // Disjoint and covering: every index is in exactly one part.
  const all = [...split.trainIndices, ...split.validationIndices].sort((a, b) => a - b);
  assert.deepEqual(all, Array.from({ length: 1001 }, (_, i) => i));
  // Stratified: each class's share differs from fraction × class size by less than one image.
  const whole = classCounts(set.labels, 10);
  const held = classCounts(validation.labels, 10);
  for (let c = 0; c < 10; c++) assert.ok(Math.abs(held[c] - 0.15 * whole[c]) < 1, `class ${c}`);
  // The images travel with their labels (pixels encode the original index).
  const view = new DataView(validation.images.buffer);
  split.validationIndices.forEach((from, i) => {
    assert.equal(view.getUint32(4 * i, false), from);
    assert.equal(validation.labels[i], set.labels[from]);
  });
  const again = splitValidation(set, { fraction: 0.15, seed: 4 });
  assert.deepEqual(again.validationIndices, split.validationIndices);
  const other = splitValidation(set, { fraction: 0.15, seed: 5 });
  assert.notDeepEqual(other.validationIndices, split.validationIndices);
  assert.equal(splitValidation(set, { fraction: 0, seed: 4 }).train, set);
  assert.throws(() => splitValidation(set, { fraction: 1, seed: 0 }), /validationFraction.*1/);
  assert.throws(() => splitValidation(set, { fraction: -0.1, seed: 0 }), /validationFraction/);
  assert.throws(() => splitValidation(set, { fraction: 0.1, seed: 0.5 }), /seed/);
  assert.throws(
    () => splitValidation(syntheticTrain(3, 2), { fraction: 0.1, seed: 0 }),
    /leaves 0/,
  );
});

// ---- tests that kill mutants of settings.ts which the tests above let survive (issue 14) ----

/** A set of 3-channel 1×1 images whose three bytes encode the image's index and its label. */
function rgbSet(labels: readonly number[], numClasses: number): ImageSet {
  const images = new Uint8Array(labels.length * 3);
  labels.forEach((label, i) => images.set([i & 255, i >> 8, label], 3 * i));
  return {
    images,
    labels: Uint8Array.from(labels),
    count: labels.length,
    height: 1,
    width: 1,
    channels: 3,
    numClasses,
  };
}

/** Asserts that every image of `set` is the one at `indices[i]` of `source` (all channels). */
function assertImagesFollow(set: ImageSet, source: ImageSet, indices: Uint32Array) {
  assert.equal(set.images.length, indices.length * 3);
  indices.forEach((from, i) => {
    assert.deepEqual(
      set.images.subarray(3 * i, 3 * i + 3),
      source.images.subarray(3 * from, 3 * from + 3),
    );
  });
}

const classShares = (set: ImageSet, numClasses: number) =>
  Array.from(classCounts(set.labels, numClasses));

Deno.test("stratified shares by largest remainder, computed by hand", () => {
  // Class sizes 2, 9, 4; fraction 0.3 keeps round(4.5) = 5. Quotas floor(0.6, 2.7, 1.2) = 0, 2, 1
  // leave 2 to give; the remainders 0.6, 0.7, 0.2 give them to classes 1 and 0: shares 1, 3, 1.
  const uneven = rgbSet([...Array(2).fill(0), ...Array(9).fill(1), ...Array(4).fill(2)], 3);
  const kept = applySettings(uneven, { trainFraction: 0.3, seed: 2 });
  assert.deepEqual(classShares(kept, 3), [1, 3, 1]);
  // Sizes 3, 5, 7 at 0.5 keep round(7.5) = 8; quotas 1, 2, 3 leave 2; the remainders tie at 0.5
  // and go to the lower classes, 0 and 1: shares 2, 3, 3.
  const tied = rgbSet([...Array(3).fill(0), ...Array(5).fill(1), ...Array(7).fill(2)], 3);
  assert.deepEqual(classShares(applySettings(tied, { trainFraction: 0.5, seed: 2 }), 3), [2, 3, 3]);
  // The validation split uses the same apportionment.
  const split = splitValidation(uneven, { fraction: 0.3, seed: 2 });
  assert.deepEqual(classShares(split.validation!, 3), [1, 3, 1]);
});

Deno.test("three-channel images follow their labels through the subset and the validation split", () => {
  const labels = Array.from({ length: 300 }, (_, i) => (i * 7) % 5);
  const set = rgbSet(labels, 5);
  const kept = applySettings(set, { trainFraction: 0.4, seed: 1 });
  assert.equal(kept.count, 120);
  assertImagesFollow(kept, set, kept.keptIndices);
  const split = splitValidation(set, { fraction: 0.2, seed: 1 });
  assertImagesFollow(split.validation!, set, split.validationIndices);
  assertImagesFollow(split.train, set, split.trainIndices);
});

Deno.test("unstratified subsets: the right size, ascending, and class shares that vary with the seed", () => {
  const set = rgbSet(Array.from({ length: 10 }, (_, i) => i % 2), 2);
  const zeros = new Set<number>();
  for (let seed = 0; seed < 20; seed++) {
    const kept = applySettings(set, { trainFraction: 0.5, stratified: false, seed });
    assert.equal(kept.count, 5);
    assert.ok(
      kept.keptIndices.every((v, i) => i === 0 || kept.keptIndices[i - 1] < v),
      "ascending",
    );
    assertImagesFollow(kept, set, kept.keptIndices);
    zeros.add(classShares(kept, 2)[0]);
  }
  // A stratified subset always keeps 5 × 1/2 of each class. A uniform one keeps a hypergeometric
  // number of class 0 (P(exactly 2 or 3) ≈ 0.79 each draw): 20 seeds all giving one count has
  // probability below 1e-9 (and the seeds are fixed, so this is deterministic).
  assert.ok(zeros.size > 1, `class-0 counts ${[...zeros]}`);
  const stratified = applySettings(set, { trainFraction: 0.5, seed: 0 });
  assert.deepEqual(classShares(stratified, 2), [3, 2]);
});

Deno.test("label noise: corrupted indices ascending, two classes allowed, one class fine without noise", () => {
  const train = syntheticTrain(500, 10);
  const noisy = applySettings(train, { labelNoise: 0.4, seed: 3 });
  const c = noisy.corruptedIndices;
  assert.ok(c.every((v, i) => i === 0 || c[i - 1] < v), "corruptedIndices ascending");
  // Two classes: every corrupted label flips to the other one.
  const binary = rgbSet(Array.from({ length: 100 }, (_, i) => i % 2), 2);
  const flipped = applySettings(binary, { labelNoise: 0.3, seed: 1 });
  assert.equal(flipped.corruptedIndices.length, 30);
  for (const i of flipped.corruptedIndices) assert.equal(flipped.labels[i], 1 - binary.labels[i]);
  // One class and no noise: nothing to corrupt, nothing refused.
  const single = rgbSet(Array(10).fill(0), 1);
  assert.equal(applySettings(single, { seed: 1 }).count, 10);
  assert.equal(applySettings(single, { trainFraction: 0.5, seed: 1 }).count, 5);
});

Deno.test("bad settings and validation fractions are refused by name, whatever their type", () => {
  const train = syntheticTrain(100, 10);
  // deno-lint-ignore no-explicit-any
  const loose = (v: unknown) => v as any;
  assert.throws(
    () => applySettings(train, loose(null)),
    (e: unknown) =>
      e instanceof TypeError && /^settings must be an object, got null$/.test(e.message),
  );
  assert.throws(() => applySettings(train, loose(7)), /settings must be an object, got 7/);
  assert.throws(
    () => applySettings(train, { trainFraction: loose("0.5"), seed: 1 }),
    /trainFraction must be in \(0, 1\], got 0.5/,
  );
  assert.throws(
    () => applySettings(train, { labelNoise: loose("0.2"), seed: 1 }),
    /labelNoise must be in \[0, 1\], got 0.2/,
  );
  assert.throws(() => applySettings(train, { labelNoise: 1.5, seed: 1 }), /labelNoise.*1.5/);
  assert.equal(applySettings(train, { labelNoise: 1, seed: 1 }).corruptedIndices.length, 100);
  for (const fraction of [-0.1, 1, 1.5, NaN, loose("0.2")]) {
    assert.throws(
      () => splitValidation(train, { fraction, seed: 0 }),
      (e: unknown) =>
        e instanceof RangeError &&
        e.message === `validationFraction must be in [0, 1), got ${fraction}`,
      String(fraction),
    );
  }
  assert.throws(
    () => splitValidation({ ...train, count: 99 }, { fraction: 0.1, seed: 0 }),
    /^RangeError: set\.images has length 400/,
  );
  // round(0.9 × 2) = 2 held out leaves none to train on.
  assert.throws(
    () => splitValidation(rgbSet([0, 1], 2), { fraction: 0.9, seed: 0 }),
    /leaves 2 for validation and 0 for training; both need at least one/,
  );
  const none = splitValidation(train, { fraction: 0, seed: 0 });
  assert.deepEqual(none.trainIndices, Uint32Array.from({ length: 100 }, (_, i) => i));
  assert.equal(none.validation, null);
  assert.equal(none.validationIndices.length, 0);
});
