/**
 * The CIFAR-10 / CIFAR-100 binary versions: fixed-length records, each the label byte(s) then
 * 3072 bytes of pixels as three 32×32 planes (red, green, blue), each row-major. CIFAR-10
 * records carry one label byte; CIFAR-100 records a coarse then a fine label byte.
 *
 * @module
 */
import { CorruptDataError } from "./errors.ts";
import type { ImageSet } from "./image_set.ts";

const SIDE = 32;
const PLANE = SIDE * SIDE;
const PIXELS = 3 * PLANE;

/**
 * Which CIFAR binary layout to read and, for CIFAR-100, which label to keep.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { CifarFormat } from "./cifar.ts";
 * const format: CifarFormat = { variant: "cifar100", label: "fine" };
 * assert(format.variant === "cifar100");
 * ```
 */
export interface CifarFormat {
  /** CIFAR-10 (one label byte per record) or CIFAR-100 (coarse, then fine label byte). */
  readonly variant: "cifar10" | "cifar100";
  /** CIFAR-100 only: the 100 fine classes (default) or the 20 coarse superclasses. */
  readonly label?: "fine" | "coarse";
  /** When given, a file with another number of records is corrupt (10,000 per CIFAR-10 batch). */
  readonly expectedCount?: number;
}

/**
 * Parses one CIFAR binary file into a 32×32×3 ImageSet (channels last).
 *
 * @param path used in error messages only.
 * @throws CorruptDataError when the length is not a whole number of records, the record count
 *   differs from `expectedCount`, or a label is out of range.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeCifarBinary, parseCifarBinary } from "./cifar.ts";
 * const bytes = encodeCifarBinary({ variant: "cifar10" }, new Uint8Array(2 * 3072), { fine: Uint8Array.of(3, 9) });
 * assert(parseCifarBinary(bytes, "mem", { variant: "cifar10" }).labels.join() === "3,9");
 * ```
 */
export function parseCifarBinary(bytes: Uint8Array, path: string, format: CifarFormat): ImageSet {
  const labelBytes = labelBytesOf(format);
  const record = labelBytes + PIXELS;
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError(`bytes must be a Uint8Array, got ${typeof bytes}`);
  }
  if (bytes.length === 0 || bytes.length % record !== 0) {
    throw new CorruptDataError(
      path,
      `length ${bytes.length} bytes is not a positive whole number of ${record}-byte ${format.variant} records (truncated?)`,
    );
  }
  const count = bytes.length / record;
  if (format.expectedCount !== undefined && count !== format.expectedCount) {
    throw new CorruptDataError(path, `holds ${count} records, expected ${format.expectedCount}`);
  }
  const coarse = format.variant === "cifar100" && format.label === "coarse";
  const labelOffset = format.variant === "cifar10" || coarse ? 0 : 1;
  const numClasses = format.variant === "cifar10" ? 10 : coarse ? 20 : 100;
  const images = new Uint8Array(count * PIXELS);
  const labels = new Uint8Array(count);
  for (let n = 0; n < count; n++) {
    const base = n * record;
    const label = bytes[base + labelOffset];
    if (label >= numClasses) {
      throw new CorruptDataError(
        path,
        `record ${n} has label ${label}, outside [0, ${numClasses})`,
      );
    }
    labels[n] = label;
    const src = base + labelBytes;
    const dst = n * PIXELS;
    // Planar RGB to interleaved: pixel p of plane c goes to 3p + c.
    for (let p = 0; p < PLANE; p++) {
      images[dst + 3 * p] = bytes[src + p];
      images[dst + 3 * p + 1] = bytes[src + PLANE + p];
      images[dst + 3 * p + 2] = bytes[src + 2 * PLANE + p];
    }
  }
  return { images, labels, count, height: SIDE, width: SIDE, channels: 3, numClasses };
}

/**
 * Writes 32×32×3 channels-last images and labels in the CIFAR binary layout (the inverse of
 * `parseCifarBinary`; tests use it). For CIFAR-100, `coarse` defaults to zeros.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeCifarBinary } from "./cifar.ts";
 * const bytes = encodeCifarBinary({ variant: "cifar100" }, new Uint8Array(3072), { fine: Uint8Array.of(42) });
 * assert(bytes.length === 3074 && bytes[1] === 42);
 * ```
 */
export function encodeCifarBinary(
  format: CifarFormat,
  images: Uint8Array,
  labels: { fine: Uint8Array; coarse?: Uint8Array },
): Uint8Array {
  const count = labels.fine.length;
  if (images.length !== count * PIXELS) {
    throw new RangeError(
      `images has length ${images.length}, expected ${count}×3072 = ${count * PIXELS}`,
    );
  }
  const labelBytes = labelBytesOf(format);
  const record = labelBytes + PIXELS;
  const out = new Uint8Array(count * record);
  for (let n = 0; n < count; n++) {
    const base = n * record;
    if (format.variant === "cifar10") {
      out[base] = labels.fine[n];
    } else {
      out[base] = labels.coarse?.[n] ?? 0;
      out[base + 1] = labels.fine[n];
    }
    for (let p = 0; p < PLANE; p++) {
      for (let c = 0; c < 3; c++) {
        out[base + labelBytes + c * PLANE + p] = images[n * PIXELS + 3 * p + c];
      }
    }
  }
  return out;
}

function labelBytesOf(format: CifarFormat): number {
  if (format?.variant === "cifar10") return 1;
  if (format?.variant === "cifar100") {
    if (format.label !== undefined && format.label !== "fine" && format.label !== "coarse") {
      throw new RangeError(
        `format.label must be "fine" or "coarse", got ${JSON.stringify(format.label)}`,
      );
    }
    return 2;
  }
  throw new RangeError(
    `format.variant must be "cifar10" or "cifar100", got ${JSON.stringify(format?.variant)}`,
  );
}
