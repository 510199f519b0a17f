/**
 * Mini-batches as TF.js tensors: shuffled and augmented from a seed, converted from uint8 to
 * normalized float32 one batch at a time (the dataset itself stays uint8).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { Random } from "../math/random.ts";
import { type ImageSet, numClassesOf, validateImageSet } from "./image_set.ts";

/**
 * Augmentation: a random crop of the original size from the image zero-padded by `padding`
 * pixels on each side (default 4), and, when `horizontalFlip` is set, a left-right flip with
 * probability 1/2 (default: the set's own `horizontalFlip`, true for CIFAR only).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { AugmentOptions } from "./batches.ts";
 * const cifar: AugmentOptions = { padding: 4, horizontalFlip: true };
 * assert(cifar.padding === 4);
 * ```
 */
export interface AugmentOptions {
  /** Zero padding on each side before the crop, in pixels (default 4). */
  readonly padding?: number;
  /** Flip left-right with probability 1/2 (default: the set's `horizontalFlip`). */
  readonly horizontalFlip?: boolean;
}

/**
 * Options of `batches`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { BatchOptions } from "./batches.ts";
 * const options: BatchOptions = { batchSize: 128, seed: 7, augment: true };
 * assert(options.batchSize === 128);
 * ```
 */
export interface BatchOptions {
  /** Images per batch (the last one may be smaller unless `dropRemainder`). */
  readonly batchSize: number;
  /** Seeds the shuffle and the augmentation; required when either is on. Pass e.g. seed + epoch. */
  readonly seed?: number;
  /** Visit the images in a seeded random order (default true). */
  readonly shuffle?: boolean;
  /** `true` for the default augmentation (see `AugmentOptions`), `false` (default) for none. */
  readonly augment?: boolean | AugmentOptions;
  /**
   * Per-channel mean and std on the [0, 1] scale: x = (pixel/255 − mean)/std. Default: the set's
   * own `mean`/`std` when it has them (the loaders set them), else pixel/255.
   */
  readonly normalization?:
    | { readonly mean: readonly number[]; readonly std: readonly number[] }
    | "none";
  /** Labels as a float32 one-hot [B, numClasses] tensor instead of int32 [B] (default false). */
  readonly oneHot?: boolean;
  /** Drop a last batch smaller than `batchSize` (default false: keep it). */
  readonly dropRemainder?: boolean;
}

/**
 * One batch. The caller owns the tensors and must dispose them (`tf.dispose([b.xs, b.ys])`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Batch } from "./batches.ts";
 * const sizeOf = (b: Batch) => b.xs.shape[0] === b.count;
 * assert(typeof sizeOf === "function");
 * ```
 */
export interface Batch {
  /** float32 [B, H, W, C], normalized. */
  readonly xs: tf.Tensor4D;
  /** int32 [B] class indices, or float32 [B, numClasses] one-hot. */
  readonly ys: tf.Tensor1D | tf.Tensor2D;
  /** B. */
  readonly count: number;
  /** The images' indices in the set, in batch order. */
  readonly indices: Uint32Array;
}

/**
 * Yields the set's images in batches (see `BatchOptions`). The same set, options and seed give
 * the same batches, bit for bit, on every backend: the shuffle and the augmentation are drawn on
 * the host from `Random(seed)` and the float conversion happens on the host too.
 *
 * @throws RangeError / TypeError naming the option for a bad batch size, a missing seed, or a
 *   normalization of the wrong length.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import "@tensorflow/tfjs-backend-cpu";
 * import { batches } from "./batches.ts";
 * await tf.setBackend("cpu");
 * const set = {
 *   images: new Uint8Array(5 * 4), labels: Uint8Array.of(0, 1, 2, 1, 0),
 *   count: 5, height: 2, width: 2, channels: 1, numClasses: 3,
 * };
 * for (const batch of batches(set, { batchSize: 2, seed: 1 })) {
 *   assert(batch.xs.shape[0] === batch.count);
 *   tf.dispose([batch.xs, batch.ys]);
 * }
 * ```
 */
export function* batches(set: ImageSet, options: BatchOptions): Generator<Batch, void, undefined> {
  const plan = planBatches(set, options);
  const rng = new Random(plan.seed);
  const order = plan.shuffle
    ? rng.fork().permutation(set.count)
    : Uint32Array.from({ length: set.count }, (_, i) => i);
  const augmentRng = rng.fork();
  const { height: h, width: w, channels: c } = set;
  const pixels = h * w * c;
  for (
    let start = 0;
    start + (plan.dropRemainder ? options.batchSize : 1) <= set.count;
    start += options.batchSize
  ) {
    const indices = order.slice(start, Math.min(start + options.batchSize, set.count));
    const count = indices.length;
    const xs = new Float32Array(count * pixels);
    const labels = new Int32Array(count);
    for (let b = 0; b < count; b++) {
      const n = indices[b];
      labels[b] = set.labels[n];
      const src = n * pixels;
      const dst = b * pixels;
      if (plan.augment === undefined) {
        for (let i = 0; i < pixels; i++) {
          xs[dst + i] = plan.table[(i % c) * 256 + set.images[src + i]];
        }
        continue;
      }
      const { padding, flip } = plan.augment;
      // Crop origin in the padded image, 0..2·padding on each axis; flip with probability 1/2.
      const dy = augmentRng.integer(2 * padding + 1) - padding;
      const dx = augmentRng.integer(2 * padding + 1) - padding;
      const mirrored = flip && augmentRng.uniform() < 0.5;
      for (let y = 0; y < h; y++) {
        const sy = y + dy;
        for (let x = 0; x < w; x++) {
          const sx = (mirrored ? w - 1 - x : x) + dx;
          const out = dst + (y * w + x) * c;
          const inside = sy >= 0 && sy < h && sx >= 0 && sx < w;
          const from = src + (sy * w + sx) * c;
          // Padding is pixel value 0, normalized like any other pixel (as torchvision's RandomCrop).
          for (let k = 0; k < c; k++) {
            xs[out + k] = plan.table[k * 256 + (inside ? set.images[from + k] : 0)];
          }
        }
      }
    }
    const xsTensor = tf.tensor4d(xs, [count, h, w, c], "float32");
    let ys: tf.Tensor1D | tf.Tensor2D;
    if (plan.oneHot) {
      const hot = new Float32Array(count * plan.numClasses);
      for (let b = 0; b < count; b++) hot[b * plan.numClasses + labels[b]] = 1;
      ys = tf.tensor2d(hot, [count, plan.numClasses], "float32");
    } else {
      ys = tf.tensor1d(labels, "int32");
    }
    yield { xs: xsTensor, ys, count, indices };
  }
}

/**
 * The number of batches `batches(set, options)` yields.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { batchCount } from "./batches.ts";
 * const set = { images: new Uint8Array(10), labels: new Uint8Array(10), count: 10, height: 1, width: 1, channels: 1 };
 * assert(batchCount(set, { batchSize: 4 }) === 3);
 * assert(batchCount(set, { batchSize: 4, dropRemainder: true }) === 2);
 * ```
 */
export function batchCount(
  set: ImageSet,
  options: Pick<BatchOptions, "batchSize" | "dropRemainder">,
): number {
  checkBatchSize(options.batchSize);
  return options.dropRemainder
    ? Math.floor(set.count / options.batchSize)
    : Math.ceil(set.count / options.batchSize);
}

interface Plan {
  readonly seed: number;
  readonly shuffle: boolean;
  readonly dropRemainder: boolean;
  readonly oneHot: boolean;
  readonly numClasses: number;
  readonly augment: { padding: number; flip: boolean } | undefined;
  /** table[k·256 + v]: the normalized value of pixel value v in channel k. */
  readonly table: Float32Array;
}

function planBatches(set: ImageSet, options: BatchOptions): Plan {
  validateImageSet(set, "set");
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`options must be an object, got ${options}`);
  }
  checkBatchSize(options.batchSize);
  const shuffle = options.shuffle ?? true;
  const augment = resolveAugment(set, options.augment);
  if ((shuffle || augment !== undefined) && !Number.isInteger(options.seed)) {
    throw new TypeError(
      `seed must be an integer when shuffling or augmenting, got ${options.seed}`,
    );
  }
  const normalization = options.normalization ??
    (set.mean !== undefined && set.std !== undefined ? { mean: set.mean, std: set.std } : "none");
  const mean = normalization === "none" ? new Array(set.channels).fill(0) : normalization.mean;
  const std = normalization === "none" ? new Array(set.channels).fill(1) : normalization.std;
  if (mean.length !== set.channels || std.length !== set.channels) {
    throw new RangeError(
      `normalization must have one mean and std per channel (${set.channels}), got mean [${mean}] and std [${std}]`,
    );
  }
  if (!mean.every(Number.isFinite) || !std.every((s) => Number.isFinite(s) && s > 0)) {
    throw new RangeError(
      `normalization needs finite means and positive stds, got mean [${mean}] and std [${std}]`,
    );
  }
  const table = new Float32Array(set.channels * 256);
  for (let k = 0; k < set.channels; k++) {
    for (let v = 0; v < 256; v++) table[k * 256 + v] = (v / 255 - mean[k]) / std[k];
  }
  return {
    seed: options.seed ?? 0,
    shuffle,
    dropRemainder: options.dropRemainder ?? false,
    oneHot: options.oneHot ?? false,
    numClasses: numClassesOf(set),
    augment,
    table,
  };
}

function resolveAugment(set: ImageSet, augment: BatchOptions["augment"]): Plan["augment"] {
  if (augment === undefined || augment === false) return undefined;
  if (augment !== true && (typeof augment !== "object" || augment === null)) {
    throw new TypeError(`augment must be a boolean or { padding, horizontalFlip }, got ${augment}`);
  }
  const { padding = 4, horizontalFlip = set.horizontalFlip ?? false } = augment === true
    ? {}
    : augment;
  if (!Number.isInteger(padding) || padding < 0) {
    throw new RangeError(`augment.padding must be a non-negative integer, got ${padding}`);
  }
  return { padding, flip: horizontalFlip };
}

function checkBatchSize(batchSize: number): void {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  }
}
