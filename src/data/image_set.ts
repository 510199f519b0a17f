/**
 * The in-memory form of every dataset split: uint8 pixels N×H×W×C (channels last, row-major) and
 * uint8 labels. Pixels stay uint8 (a quarter of float32's memory) and are converted per batch.
 *
 * @module
 */

/**
 * One split of an image dataset. `images[((n * height + y) * width + x) * channels + c]` is
 * channel `c` of pixel (y, x) of image `n`.
 *
 * The optional fields let `batches` and `applySettings` do the right thing without extra
 * arguments: the loaders fill them in, and a hand-built set may leave them out.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ImageSet } from "./image_set.ts";
 * const set: ImageSet = {
 *   images: new Uint8Array(2 * 28 * 28), labels: Uint8Array.of(3, 7),
 *   count: 2, height: 28, width: 28, channels: 1,
 * };
 * assert(set.images.length === set.count * set.height * set.width * set.channels);
 * ```
 */
export interface ImageSet {
  /** Pixels, uint8, N×H×W×C. */
  readonly images: Uint8Array;
  /** Class indices, one per image. */
  readonly labels: Uint8Array;
  /** N. */
  readonly count: number;
  /** H, pixels. */
  readonly height: number;
  /** W, pixels. */
  readonly width: number;
  /** C: 1 for grey, 3 for RGB. */
  readonly channels: number;
  /** Number of classes (labels lie in [0, numClasses)). */
  readonly numClasses?: number;
  /** Per-channel normalization, on the [0, 1] scale: x = (pixel / 255 - mean[c]) / std[c]. */
  readonly mean?: readonly number[];
  /** See `mean`. */
  readonly std?: readonly number[];
  /** Whether augmentation may flip this data horizontally (CIFAR yes; digits and clothes no). */
  readonly horizontalFlip?: boolean;
}

/**
 * Checks that an ImageSet's arrays agree with its shape, throwing a `TypeError` or `RangeError`
 * that names the field and the value.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateImageSet } from "./image_set.ts";
 * const set = {
 *   images: new Uint8Array(4), labels: Uint8Array.of(0), count: 1, height: 2, width: 2, channels: 1,
 * };
 * validateImageSet(set); // 1×2×2×1 = 4 pixels, 1 label: passes
 * assert.throws(() => validateImageSet({ ...set, images: new Uint8Array(3) }), RangeError);
 * assert.throws(() => validateImageSet({ ...set, labels: new Uint8Array(2) }), RangeError);
 * ```
 */
export function validateImageSet(set: ImageSet, name = "set"): void {
  if (typeof set !== "object" || set === null) {
    throw new TypeError(`${name} must be an ImageSet object, got ${set}`);
  }
  if (!(set.images instanceof Uint8Array)) {
    throw new TypeError(`${name}.images must be a Uint8Array, got ${describe(set.images)}`);
  }
  if (!(set.labels instanceof Uint8Array)) {
    throw new TypeError(`${name}.labels must be a Uint8Array, got ${describe(set.labels)}`);
  }
  for (const key of ["count", "height", "width", "channels"] as const) {
    const value = set[key];
    if (!Number.isInteger(value) || value < 0 || (key !== "count" && value === 0)) {
      throw new RangeError(
        `${name}.${key} must be a ${
          key === "count" ? "non-negative" : "positive"
        } integer, got ${value}`,
      );
    }
  }
  const pixels = set.count * set.height * set.width * set.channels;
  if (set.images.length !== pixels) {
    throw new RangeError(
      `${name}.images has length ${set.images.length}, expected count×height×width×channels = ${pixels}`,
    );
  }
  if (set.labels.length !== set.count) {
    throw new RangeError(
      `${name}.labels has length ${set.labels.length}, expected count = ${set.count}`,
    );
  }
  if (set.numClasses !== undefined) {
    if (!Number.isInteger(set.numClasses) || set.numClasses < 1 || set.numClasses > 256) {
      throw new RangeError(
        `${name}.numClasses must be an integer in [1, 256], got ${set.numClasses}`,
      );
    }
    for (let i = 0; i < set.count; i++) {
      if (set.labels[i] >= set.numClasses) {
        throw new RangeError(
          `${name}.labels[${i}] is ${set.labels[i]}, outside [0, numClasses = ${set.numClasses})`,
        );
      }
    }
  }
  for (const key of ["mean", "std"] as const) {
    const values = set[key];
    if (values === undefined) continue;
    if (values.length !== set.channels) {
      throw new RangeError(
        `${name}.${key} has ${values.length} entries, expected channels = ${set.channels}`,
      );
    }
    if (!values.every(Number.isFinite) || (key === "std" && !values.every((v) => v > 0))) {
      throw new RangeError(
        `${name}.${key} must hold finite${
          key === "std" ? " positive" : ""
        } numbers, got [${values}]`,
      );
    }
  }
}

/**
 * The number of images of each class, `counts[k]` for class k.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { classCounts } from "./image_set.ts";
 * const counts = classCounts(Uint8Array.of(0, 2, 2), 3);
 * assert(counts.join() === "1,0,2");
 * ```
 */
export function classCounts(labels: Uint8Array, numClasses: number): Uint32Array {
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new RangeError(`numClasses must be a positive integer, got ${numClasses}`);
  }
  const counts = new Uint32Array(numClasses);
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] >= numClasses) {
      throw new RangeError(`labels[${i}] is ${labels[i]}, outside [0, numClasses = ${numClasses})`);
    }
    counts[labels[i]]++;
  }
  return counts;
}

/**
 * The number of classes of a set: its `numClasses` if given, otherwise one more than its largest
 * label (which undercounts only when the top classes are absent).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { numClassesOf } from "./image_set.ts";
 * assert(numClassesOf({
 *   images: new Uint8Array(2), labels: Uint8Array.of(0, 4), count: 2, height: 1, width: 1, channels: 1,
 * }) === 5);
 * ```
 */
export function numClassesOf(set: ImageSet): number {
  if (set.numClasses !== undefined) return set.numClasses;
  let max = 0;
  for (let i = 0; i < set.labels.length; i++) if (set.labels[i] > max) max = set.labels[i];
  return max + 1;
}

/**
 * Joins sets of equal image shape into one (the five CIFAR-10 training batches).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { concatImageSets } from "./image_set.ts";
 * const a = { images: Uint8Array.of(1), labels: Uint8Array.of(0), count: 1, height: 1, width: 1, channels: 1 };
 * assert(concatImageSets([a, a]).count === 2);
 * ```
 */
export function concatImageSets(sets: readonly ImageSet[]): ImageSet {
  if (sets.length === 0) throw new RangeError("concatImageSets: sets must not be empty, got []");
  const [first] = sets;
  for (const [k, set] of sets.entries()) {
    if (
      set.height !== first.height || set.width !== first.width || set.channels !== first.channels
    ) {
      throw new RangeError(
        `concatImageSets: sets[${k}] has shape ${set.height}×${set.width}×${set.channels}, expected ${first.height}×${first.width}×${first.channels}`,
      );
    }
  }
  const count = sets.reduce((n, s) => n + s.count, 0);
  const images = new Uint8Array(sets.reduce((n, s) => n + s.images.length, 0));
  const labels = new Uint8Array(count);
  let offset = 0;
  let labelOffset = 0;
  for (const set of sets) {
    images.set(set.images, offset);
    labels.set(set.labels, labelOffset);
    offset += set.images.length;
    labelOffset += set.count;
  }
  return { ...first, images, labels, count };
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") return (value as object).constructor?.name ?? "object";
  return typeof value;
}
