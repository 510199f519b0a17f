/**
 * SVHN cropped digits from their MATLAB files: `X` is 32×32×3×N uint8 (MATLAB's column-major
 * order: row, column, channel, image) and `y` is N×1 with labels 1..10, where 10 means digit 0.
 *
 * @module
 */
import { CorruptDataError } from "./errors.ts";
import type { ImageSet } from "./image_set.ts";
import { parseMat5 } from "./mat5.ts";

/**
 * Parses an SVHN `*_32x32.mat` file into a 32×32×3 ImageSet with labels 0..9 (10 → 0).
 *
 * @param path used in error messages only.
 * @throws CorruptDataError when `X` or `y` is missing, has the wrong shape or class, or a label
 *   lies outside 1..10.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeMat5 } from "./mat5.ts";
 * import { parseSvhnMat } from "./svhn.ts";
 * const bytes = encodeMat5([
 *   { name: "X", className: "uint8", dims: [32, 32, 3, 1], data: new Uint8Array(3072) },
 *   { name: "y", className: "uint8", dims: [1, 1], data: Uint8Array.of(10) },
 * ]);
 * assert(parseSvhnMat(bytes, "mem").labels[0] === 0);
 * ```
 */
export function parseSvhnMat(bytes: Uint8Array, path: string): ImageSet {
  const variables = parseMat5(bytes, path);
  const x = variables.get("X");
  const y = variables.get("y");
  if (x === undefined) throw new CorruptDataError(path, "has no variable X (the images)");
  if (y === undefined) throw new CorruptDataError(path, "has no variable y (the labels)");
  if (x.className !== "uint8" || !(x.data instanceof Uint8Array)) {
    throw new CorruptDataError(path, `X is of class ${x.className}, expected uint8`);
  }
  const [rows, cols, channels, count = 1] = x.dims;
  if (x.dims.length > 4 || rows !== 32 || cols !== 32 || channels !== 3) {
    throw new CorruptDataError(path, `X has dimensions ${x.dims.join("×")}, expected 32×32×3×N`);
  }
  if (y.data.length !== count || y.dims.filter((d) => d !== 1).length > 1) {
    throw new CorruptDataError(
      path,
      `y has dimensions ${y.dims.join("×")}, expected ${count}×1 to match X`,
    );
  }
  const labels = new Uint8Array(count);
  for (let n = 0; n < count; n++) {
    const label = y.data[n];
    if (!Number.isInteger(label) || label < 1 || label > 10) {
      throw new CorruptDataError(path, `y(${n + 1}) is ${label}, expected an integer in 1..10`);
    }
    labels[n] = label % 10;
  }
  const src = x.data;
  const images = new Uint8Array(count * 3072);
  // X(r, c, ch, n) sits at r + 32c + 1024ch + 3072n; the ImageSet wants ((n·32 + r)·32 + c)·3 + ch.
  for (let n = 0; n < count; n++) {
    const base = n * 3072;
    for (let ch = 0; ch < 3; ch++) {
      for (let c = 0; c < 32; c++) {
        const column = base + 1024 * ch + 32 * c;
        for (let r = 0; r < 32; r++) images[base + (r * 32 + c) * 3 + ch] = src[column + r];
      }
    }
  }
  return { images, labels, count, height: 32, width: 32, channels: 3, numClasses: 10 };
}
