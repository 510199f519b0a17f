/**
 * The Fashion-MNIST subset file the playground's second tab trains on: a small binary made by
 * `deno task playground:data` from Debian's package through the project's data layer. Layout
 * (little-endian): the 8 bytes `USAMFMS1`, then uint32 train count, test count, height, width,
 * float32 mean and std (the [0, 1]-scale normalization of the full training set), then the
 * train images (uint8, N×H×W), train labels, test images, test labels.
 *
 * @module
 */

/**
 * The first 8 bytes of a subset file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SUBSET_MAGIC } from "./subset.ts";
 * assert.equal(SUBSET_MAGIC.length, 8);
 * ```
 */
export const SUBSET_MAGIC = "USAMFMS1";

const HEADER_BYTES = 8 + 4 * 4 + 2 * 4;

/** A decoded subset. */
export interface Subset {
  height: number;
  width: number;
  mean: number;
  std: number;
  train: { images: Uint8Array; labels: Uint8Array; count: number };
  test: { images: Uint8Array; labels: Uint8Array; count: number };
}

/**
 * Where `deno task playground:data` writes the file and the server reads it:
 * `web/data/fashion-mnist-subset.bin` (ignored by git).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultSubsetPath } from "./subset.ts";
 * assert.ok(defaultSubsetPath().endsWith("web/data/fashion-mnist-subset.bin"));
 * ```
 */
export function defaultSubsetPath(): string {
  return decodeURIComponent(new URL("./data/fashion-mnist-subset.bin", import.meta.url).pathname);
}

/**
 * Encodes a subset (the inverse of {@link decodeSubset}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeSubset, encodeSubset } from "./subset.ts";
 * const set = { images: new Uint8Array([1, 2, 3, 4]), labels: new Uint8Array([7]), count: 1 };
 * const bytes = encodeSubset({ height: 2, width: 2, mean: 0.25, std: 0.5, train: set, test: set });
 * assert.deepEqual(decodeSubset(bytes).test.images, set.images);
 * ```
 */
export function encodeSubset(subset: Subset): Uint8Array {
  const pixels = subset.height * subset.width;
  for (const split of ["train", "test"] as const) {
    const s = subset[split];
    if (s.images.length !== s.count * pixels || s.labels.length !== s.count) {
      throw new RangeError(
        `${split}: expected ${
          s.count * pixels
        } pixels and ${s.count} labels, got ${s.images.length} and ${s.labels.length}`,
      );
    }
  }
  const total = HEADER_BYTES + (subset.train.count + subset.test.count) * (pixels + 1);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set(new TextEncoder().encode(SUBSET_MAGIC), 0);
  view.setUint32(8, subset.train.count, true);
  view.setUint32(12, subset.test.count, true);
  view.setUint32(16, subset.height, true);
  view.setUint32(20, subset.width, true);
  view.setFloat32(24, subset.mean, true);
  view.setFloat32(28, subset.std, true);
  let offset = HEADER_BYTES;
  for (
    const part of [subset.train.images, subset.train.labels, subset.test.images, subset.test.labels]
  ) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * Decodes a subset file; throws a `RangeError` for a file that is not one (wrong magic, wrong
 * length) and a `TypeError` for something that is not bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeSubset } from "./subset.ts";
 * assert.throws(() => decodeSubset(new Uint8Array(40)), RangeError);
 * ```
 */
export function decodeSubset(bytes: Uint8Array): Subset {
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError(`bytes must be a Uint8Array, got ${typeof bytes}`);
  }
  const magic = new TextDecoder().decode(bytes.subarray(0, 8));
  if (bytes.length < HEADER_BYTES || magic !== SUBSET_MAGIC) {
    throw new RangeError(
      `not a playground subset file: magic ${JSON.stringify(magic)}, length ${bytes.length}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const trainCount = view.getUint32(8, true);
  const testCount = view.getUint32(12, true);
  const height = view.getUint32(16, true);
  const width = view.getUint32(20, true);
  const pixels = height * width;
  const expected = HEADER_BYTES + (trainCount + testCount) * (pixels + 1);
  if (bytes.length !== expected) {
    throw new RangeError(
      `subset file: expected ${expected} bytes for its header, got ${bytes.length}`,
    );
  }
  let offset = HEADER_BYTES;
  const take = (n: number) => {
    const part = bytes.slice(offset, offset + n);
    offset += n;
    return part;
  };
  const trainImages = take(trainCount * pixels);
  const trainLabels = take(trainCount);
  const testImages = take(testCount * pixels);
  const testLabels = take(testCount);
  return {
    height,
    width,
    mean: view.getFloat32(24, true),
    std: view.getFloat32(28, true),
    train: { images: trainImages, labels: trainLabels, count: trainCount },
    test: { images: testImages, labels: testLabels, count: testCount },
  };
}
