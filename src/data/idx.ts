/**
 * The IDX format of MNIST and Fashion-MNIST: big-endian, magic 0x00000803 for images (then
 * count, rows, cols as uint32) and 0x00000801 for labels (then count), then raw uint8 data.
 * A file whose magic, counts or length disagree is corrupt.
 *
 * @module
 */
import { CorruptDataError } from "./errors.ts";
import type { ImageSet } from "./image_set.ts";

/**
 * Magic number of an IDX file of uint8 images (type 0x08, three dimensions).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { IDX_IMAGES_MAGIC } from "./idx.ts";
 * assert(IDX_IMAGES_MAGIC === 2051);
 * ```
 */
export const IDX_IMAGES_MAGIC = 0x00000803;
/**
 * Magic number of an IDX file of uint8 labels (type 0x08, one dimension).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { IDX_LABELS_MAGIC } from "./idx.ts";
 * assert(IDX_LABELS_MAGIC === 2049);
 * ```
 */
export const IDX_LABELS_MAGIC = 0x00000801;

/**
 * Images parsed from an IDX file: `pixels` is count×rows×cols uint8, row-major.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { IdxImages } from "./idx.ts";
 * const images: IdxImages = { pixels: new Uint8Array(4), count: 1, rows: 2, cols: 2 };
 * assert(images.pixels.length === images.count * images.rows * images.cols);
 * ```
 */
export interface IdxImages {
  /** count×rows×cols uint8 pixels (a view into the file's bytes). */
  readonly pixels: Uint8Array;
  /** Number of images. */
  readonly count: number;
  /** Image height. */
  readonly rows: number;
  /** Image width. */
  readonly cols: number;
}

/**
 * Parses an (already decompressed) IDX image file.
 *
 * @param path used in error messages only.
 * @throws CorruptDataError on a bad magic, a short header, or a length that disagrees with the counts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeIdxImages, parseIdxImages } from "./idx.ts";
 * const bytes = encodeIdxImages(new Uint8Array(2 * 3 * 3), 2, 3, 3);
 * assert(parseIdxImages(bytes, "mem").count === 2);
 * ```
 */
export function parseIdxImages(bytes: Uint8Array, path: string): IdxImages {
  const view = headerView(bytes, 16, "image", path);
  checkMagic(view, IDX_IMAGES_MAGIC, path);
  const count = view.getUint32(4, false);
  const rows = view.getUint32(8, false);
  const cols = view.getUint32(12, false);
  if (rows === 0 || cols === 0) {
    throw new CorruptDataError(
      path,
      `image size is ${rows}×${cols}; rows and cols must be positive`,
    );
  }
  const expected = 16 + count * rows * cols;
  if (bytes.length !== expected) {
    throw new CorruptDataError(
      path,
      `${
        bytes.length < expected ? "truncated" : "trailing bytes"
      }: length is ${bytes.length} bytes, but the header's count ${count} × ${rows}×${cols} needs ${expected}`,
    );
  }
  return { pixels: bytes.subarray(16), count, rows, cols };
}

/**
 * Parses an (already decompressed) IDX label file.
 *
 * @param path used in error messages only.
 * @throws CorruptDataError on a bad magic, a short header, or a length that disagrees with the count.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeIdxLabels, parseIdxLabels } from "./idx.ts";
 * assert(parseIdxLabels(encodeIdxLabels(Uint8Array.of(1, 2)), "mem").join() === "1,2");
 * ```
 */
export function parseIdxLabels(bytes: Uint8Array, path: string): Uint8Array {
  const view = headerView(bytes, 8, "label", path);
  checkMagic(view, IDX_LABELS_MAGIC, path);
  const count = view.getUint32(4, false);
  const expected = 8 + count;
  if (bytes.length !== expected) {
    throw new CorruptDataError(
      path,
      `${
        bytes.length < expected ? "truncated" : "trailing bytes"
      }: length is ${bytes.length} bytes, but the header's count ${count} needs ${expected}`,
    );
  }
  return bytes.subarray(8);
}

/**
 * Joins an IDX image file and its label file into a one-channel ImageSet, checking that both
 * hold the same number of items and that every label is below `numClasses`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeIdxImages, encodeIdxLabels, idxImageSet } from "./idx.ts";
 * const set = idxImageSet(
 *   { bytes: encodeIdxImages(new Uint8Array(4), 1, 2, 2), path: "img" },
 *   { bytes: encodeIdxLabels(Uint8Array.of(9)), path: "lbl" },
 *   10,
 * );
 * assert(set.count === 1 && set.channels === 1);
 * ```
 */
export function idxImageSet(
  images: { bytes: Uint8Array; path: string },
  labels: { bytes: Uint8Array; path: string },
  numClasses: number,
): ImageSet {
  const parsed = parseIdxImages(images.bytes, images.path);
  const labelValues = parseIdxLabels(labels.bytes, labels.path);
  if (labelValues.length !== parsed.count) {
    throw new CorruptDataError(
      labels.path,
      `holds ${labelValues.length} labels, but ${images.path} holds ${parsed.count} images`,
    );
  }
  for (let i = 0; i < labelValues.length; i++) {
    if (labelValues[i] >= numClasses) {
      throw new CorruptDataError(
        labels.path,
        `label ${i} is ${labelValues[i]}, outside [0, ${numClasses})`,
      );
    }
  }
  return {
    images: parsed.pixels,
    labels: labelValues,
    count: parsed.count,
    height: parsed.rows,
    width: parsed.cols,
    channels: 1,
    numClasses,
  };
}

/**
 * Writes images in the IDX format (the inverse of `parseIdxImages`; tests and exports use it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeIdxImages } from "./idx.ts";
 * assert(encodeIdxImages(new Uint8Array(8), 2, 2, 2).length === 16 + 8);
 * ```
 */
export function encodeIdxImages(
  pixels: Uint8Array,
  count: number,
  rows: number,
  cols: number,
): Uint8Array {
  if (pixels.length !== count * rows * cols) {
    throw new RangeError(
      `pixels has length ${pixels.length}, expected count×rows×cols = ${count * rows * cols}`,
    );
  }
  const out = new Uint8Array(16 + pixels.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, IDX_IMAGES_MAGIC, false);
  view.setUint32(4, count, false);
  view.setUint32(8, rows, false);
  view.setUint32(12, cols, false);
  out.set(pixels, 16);
  return out;
}

/**
 * Writes labels in the IDX format (the inverse of `parseIdxLabels`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeIdxLabels } from "./idx.ts";
 * assert(encodeIdxLabels(Uint8Array.of(1, 2, 3)).length === 11);
 * ```
 */
export function encodeIdxLabels(labels: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + labels.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, IDX_LABELS_MAGIC, false);
  view.setUint32(4, labels.length, false);
  out.set(labels, 8);
  return out;
}

function headerView(bytes: Uint8Array, headerBytes: number, kind: string, path: string): DataView {
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError(`bytes must be a Uint8Array, got ${typeof bytes}`);
  }
  if (bytes.length < headerBytes) {
    throw new CorruptDataError(
      path,
      `truncated: ${bytes.length} bytes, shorter than the ${headerBytes}-byte IDX ${kind} header`,
    );
  }
  return new DataView(bytes.buffer, bytes.byteOffset, headerBytes);
}

function checkMagic(view: DataView, expected: number, path: string): void {
  const magic = view.getUint32(0, false);
  if (magic !== expected) {
    throw new CorruptDataError(path, `bad magic ${hex32(magic)}, expected ${hex32(expected)}`);
  }
}

function hex32(n: number): string {
  return `0x${n.toString(16).padStart(8, "0")}`;
}
