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
