/**
 * The paper's data settings on a training set: limited data (keep a seeded fraction) and label
 * noise (corrupt a seeded fraction of labels, each to a different class drawn uniformly). Both
 * are reproducible from the seed alone. Only the training set is passed in: the test set is never
 * touched.
 *
 * @module
 */
import { Random } from "../math/random.ts";
import { classCounts, type ImageSet, numClassesOf, validateImageSet } from "./image_set.ts";

/**
 * The settings. `trainFraction` in (0, 1] (default 1), `labelNoise` in [0, 1] (default 0).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { DataSettings } from "./settings.ts";
 * const paper: DataSettings = { trainFraction: 0.1, labelNoise: 0.2, seed: 0 };
 * assert.equal(paper.trainFraction, 0.1);
 * ```
 */
export interface DataSettings {
  /** Fraction of the training set kept, in (0, 1] (default 1). */
  readonly trainFraction?: number;
  /** Fraction of the kept labels corrupted, in [0, 1] (default 0). */
  readonly labelNoise?: number;
  /** Seeds both the subset and the noise (an integer). */
  readonly seed: number;
  /**
   * Keep the same fraction of every class (default true): the subset then has the original class
   * balance up to rounding, which is what "limited data" means in the paper's comparisons.
   * `false` keeps a uniformly random subset of the same size.
   */
  readonly stratified?: boolean;
}

/**
 * A training set after `applySettings`, with the record of what was done to it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { applySettings } from "./settings.ts";
 * const set = applySettings({
 *   images: new Uint8Array(10), labels: Uint8Array.of(0, 1, 0, 1, 0, 1, 0, 1, 0, 1),
 *   count: 10, height: 1, width: 1, channels: 1, numClasses: 2,
 * }, { labelNoise: 0.2, seed: 1 });
 * assert.equal(set.corruptedIndices.length, 2);
 * ```
 */
export interface SettledImageSet extends ImageSet {
  /** For each kept image, its index in the original set (ascending). */
  readonly keptIndices: Uint32Array;
  /** Indices (into this set) of the images whose label was corrupted, ascending. */
  readonly corruptedIndices: Uint32Array;
  /** The labels before the noise, aligned with `labels`. */
  readonly cleanLabels: Uint8Array;
}

/**
 * Applies the training fraction and then the label noise. The kept count is exactly
 * round(trainFraction·N) and the corrupted count exactly round(labelNoise·kept). With
 * `stratified` (the default) each class keeps its share, the rounding remainders going to the
 * classes with the largest fractional parts (ties to the lower class index). Each corrupted label
 * becomes one of the other numClasses − 1 classes, uniformly. The subset and the noise draw from
 * two independent streams of `Random(seed)`, so changing the noise level does not change the
 * subset. The input is not modified.
 *
 * @throws RangeError naming the parameter for a fraction outside its range, a non-integer seed,
 *   a fraction that keeps no image, or label noise on a one-class set.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { applySettings } from "./settings.ts";
 * const train = {
 *   images: new Uint8Array(100), labels: Uint8Array.from({ length: 100 }, (_, i) => i % 10),
 *   count: 100, height: 1, width: 1, channels: 1, numClasses: 10,
 * };
 * const small = applySettings(train, { trainFraction: 0.1, labelNoise: 0.2, seed: 0 });
 * assert.equal(small.count, 10);
 * assert.equal(small.corruptedIndices.length, 2);
 * ```
 */
export function applySettings(train: ImageSet, settings: DataSettings): SettledImageSet {
  validateImageSet(train, "train");
  if (typeof settings !== "object" || settings === null) {
    throw new TypeError(`settings must be an object, got ${settings}`);
  }
  const { trainFraction = 1, labelNoise = 0, seed, stratified = true } = settings;
  if (typeof trainFraction !== "number" || !(trainFraction > 0 && trainFraction <= 1)) {
    throw new RangeError(`trainFraction must be in (0, 1], got ${trainFraction}`);
  }
  if (typeof labelNoise !== "number" || !(labelNoise >= 0 && labelNoise <= 1)) {
    throw new RangeError(`labelNoise must be in [0, 1], got ${labelNoise}`);
  }
  if (!Number.isInteger(seed)) {
    throw new RangeError(`seed must be an integer, got ${seed}`);
  }
  const numClasses = numClassesOf(train);
  const rng = new Random(seed);
  const subsetRng = rng.fork();
  const noiseRng = rng.fork();

  const keptIndices = trainFraction === 1
    ? Uint32Array.from({ length: train.count }, (_, i) => i)
    : chooseSubset(train.labels, numClasses, trainFraction, stratified, subsetRng);
  const kept = keptIndices.length;
  if (kept === 0) {
    throw new RangeError(
      `trainFraction ${trainFraction} keeps round(${trainFraction}·${train.count}) = 0 images; use a larger fraction`,
    );
  }
  const pixels = train.height * train.width * train.channels;
  let images = train.images;
  if (kept !== train.count) {
    images = new Uint8Array(kept * pixels);
    for (let i = 0; i < kept; i++) {
      const from = keptIndices[i] * pixels;
      images.set(train.images.subarray(from, from + pixels), i * pixels);
    }
  }
  const cleanLabels = Uint8Array.from(keptIndices, (i) => train.labels[i]);
  const labels = cleanLabels.slice();

  const corrupted = Math.round(labelNoise * kept);
  if (corrupted > 0 && numClasses < 2) {
    throw new RangeError(
      `labelNoise ${labelNoise} needs at least 2 classes, got numClasses = ${numClasses}`,
    );
  }
  const corruptedIndices = noiseRng.permutation(kept).slice(0, corrupted).sort();
  for (const i of corruptedIndices) {
    // Adding 1..C-1 (mod C) reaches every other class exactly once: uniform, never the original.
    labels[i] = (labels[i] + 1 + noiseRng.integer(numClasses - 1)) % numClasses;
  }
  return {
    ...train,
    images,
    labels,
    count: kept,
    numClasses,
    keptIndices,
    corruptedIndices,
    cleanLabels,
  };
}

function chooseSubset(
  labels: Uint8Array,
  numClasses: number,
  fraction: number,
  stratified: boolean,
  rng: Random,
): Uint32Array {
  const total = Math.round(fraction * labels.length);
  if (!stratified) return rng.permutation(labels.length).slice(0, total).sort();
  const counts = classCounts(labels, numClasses);
  // Largest-remainder apportionment of `total` among the classes, proportional to their sizes.
  const quotas = Array.from(counts, (n) => Math.floor(fraction * n));
  const remainders = Array.from(counts, (n, c) => ({ c, r: fraction * n - quotas[c] }))
    .sort((a, b) => b.r - a.r || a.c - b.c);
  let left = total - quotas.reduce((a, b) => a + b, 0);
  for (const { c } of remainders) {
    if (left <= 0) break;
    if (quotas[c] < counts[c]) {
      quotas[c]++;
      left--;
    }
  }
  const byClass = Array.from({ length: numClasses }, () => [] as number[]);
  labels.forEach((label, i) => byClass[label].push(i));
  const out: number[] = [];
  for (let c = 0; c < numClasses; c++) {
    const members = byClass[c];
    const order = rng.permutation(members.length);
    for (let k = 0; k < quotas[c]; k++) out.push(members[order[k]]);
  }
  return Uint32Array.from(out).sort();
}

/**
 * The learner's data split into the part it trains on and a held-out validation part.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { splitValidation } from "./settings.ts";
 * const set = {
 *   images: new Uint8Array(10), labels: Uint8Array.of(0, 1, 0, 1, 0, 1, 0, 1, 0, 1),
 *   count: 10, height: 1, width: 1, channels: 1, numClasses: 2,
 * };
 * const split = splitValidation(set, { fraction: 0.2, seed: 0 });
 * assert.equal(split.validation?.count, 2);
 * ```
 */
export interface ValidationSplit {
  /** The images trained on (the input itself when the fraction is 0). */
  readonly train: ImageSet;
  /** The held-out images; null when the fraction is 0. */
  readonly validation: ImageSet | null;
  /** Indices into the input of the validation images, ascending. */
  readonly validationIndices: Uint32Array;
  /** Indices into the input of the training images, ascending. */
  readonly trainIndices: Uint32Array;
}

/**
 * Carves a seeded, stratified validation set out of `set`: exactly round(fraction·N) images, each
 * class contributing its share of its labels (largest remainders, ties to the lower class), the
 * rest kept for training. It is meant for the set `applySettings` returned, so a learner with 10%
 * of the data validates on part of that 10%, and one with noisy labels validates on the same noisy
 * labels (the stratification uses them too: they are all the learner knows). Fraction 0 returns
 * the input unchanged as `train`.
 *
 * @throws RangeError naming the parameter for a fraction outside [0, 1), a non-integer seed, or a
 *   split that leaves no validation or no training image.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { splitValidation } from "./settings.ts";
 * const set = {
 *   images: Uint8Array.from({ length: 100 }, (_, i) => i), labels: Uint8Array.from({ length: 100 }, (_, i) => i % 4),
 *   count: 100, height: 1, width: 1, channels: 1, numClasses: 4,
 * };
 * const { train, validation } = splitValidation(set, { fraction: 0.2, seed: 3 });
 * assert.equal(train.count + validation!.count, 100);
 * assert.equal(validation!.labels.filter((l) => l === 0).length, 5);
 * ```
 */
export function splitValidation(
  set: ImageSet,
  options: { fraction: number; seed: number },
): ValidationSplit {
  validateImageSet(set, "set");
  const { fraction, seed } = options ?? {};
  if (typeof fraction !== "number" || !(fraction >= 0 && fraction < 1)) {
    throw new RangeError(`validationFraction must be in [0, 1), got ${fraction}`);
  }
  if (!Number.isInteger(seed)) {
    throw new RangeError(`seed must be an integer, got ${seed}`);
  }
  if (fraction === 0) {
    return {
      train: set,
      validation: null,
      validationIndices: new Uint32Array(0),
      trainIndices: Uint32Array.from({ length: set.count }, (_, i) => i),
    };
  }
  const numClasses = numClassesOf(set);
  const validationIndices = chooseSubset(set.labels, numClasses, fraction, true, new Random(seed));
  const held = new Uint8Array(set.count);
  for (const i of validationIndices) held[i] = 1;
  const trainIndices = new Uint32Array(set.count - validationIndices.length);
  for (let i = 0, k = 0; i < set.count; i++) if (!held[i]) trainIndices[k++] = i;
  if (validationIndices.length === 0 || trainIndices.length === 0) {
    throw new RangeError(
      `validationFraction ${fraction} of ${set.count} images leaves ${validationIndices.length} ` +
        `for validation and ${trainIndices.length} for training; both need at least one`,
    );
  }
  return {
    train: pick(set, trainIndices),
    validation: pick(set, validationIndices),
    validationIndices,
    trainIndices,
  };
}

function pick(set: ImageSet, indices: Uint32Array): ImageSet {
  const pixels = set.height * set.width * set.channels;
  const images = new Uint8Array(indices.length * pixels);
  indices.forEach((from, i) => {
    images.set(set.images.subarray(from * pixels, (from + 1) * pixels), i * pixels);
  });
  return {
    ...set,
    images,
    labels: Uint8Array.from(indices, (i) => set.labels[i]),
    count: indices.length,
  };
}
