/**
 * A reader (and a small writer) for MATLAB level-5 MAT-files, enough for SVHN's `X` and `y`:
 * numeric arrays, stored plain or in zlib-compressed (miCOMPRESSED) elements, either byte order.
 * Cells, structs, sparse and character arrays are skipped. MATLAB v7.3 files are HDF5 and are
 * rejected with a message saying so.
 *
 * @module
 */
import { deflateSync, inflateSync } from "node:zlib";
import { CorruptDataError } from "./errors.ts";

/** Element data types (the "mi" codes of the MAT-file format). */
const MI = {
  INT8: 1,
  UINT8: 2,
  INT16: 3,
  UINT16: 4,
  INT32: 5,
  UINT32: 6,
  SINGLE: 7,
  DOUBLE: 9,
  INT64: 12,
  UINT64: 13,
  MATRIX: 14,
  COMPRESSED: 15,
} as const;

/** Array classes (the "mx" codes), for the numeric ones this reader returns. */
const MX_CLASSES: Record<number, MatClass> = {
  6: "double",
  7: "single",
  8: "int8",
  9: "uint8",
  10: "int16",
  11: "uint16",
  12: "int32",
  13: "uint32",
  14: "int64",
  15: "uint64",
};

/**
 * The numeric MATLAB classes this reader returns.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { MatClass } from "./mat5.ts";
 * const svhnImages: MatClass = "uint8";
 * assert(svhnImages === "uint8");
 * ```
 */
export type MatClass =
  | "double"
  | "single"
  | "int8"
  | "uint8"
  | "int16"
  | "uint16"
  | "int32"
  | "uint32"
  | "int64"
  | "uint64";

/**
 * A numeric MATLAB array: `dims` in MATLAB order and `data` in column-major (first index
 * fastest) order, held in the type the file stored it in (MATLAB may store a double array as
 * uint8 when the values fit; `className` is the array's own class).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { MatArray } from "./mat5.ts";
 * const y: MatArray = { name: "y", className: "double", dims: [2, 1], data: Float64Array.of(10, 3) };
 * assert(y.data.length === y.dims[0] * y.dims[1]);
 * ```
 */
export interface MatArray {
  /** The variable's name. */
  readonly name: string;
  /** The array's MATLAB class. */
  readonly className: MatClass;
  /** Dimensions in MATLAB order. */
  readonly dims: readonly number[];
  /** The values, column-major, in the stored type. */
  readonly data:
    | Uint8Array
    | Int8Array
    | Uint16Array
    | Int16Array
    | Uint32Array
    | Int32Array
    | Float32Array
    | Float64Array;
}

/**
 * Parses a level-5 MAT-file into its numeric variables, by name.
 *
 * @param path used in error messages only.
 * @throws CorruptDataError on a bad header, a truncated element, a damaged compressed element
 *   or a data length that disagrees with the dimensions.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeMat5, parseMat5 } from "./mat5.ts";
 * const bytes = encodeMat5([{ name: "y", className: "uint8", dims: [2, 1], data: Uint8Array.of(10, 3) }]);
 * assert(parseMat5(bytes, "mem").get("y")?.data[0] === 10);
 * ```
 */
export function parseMat5(bytes: Uint8Array, path: string): Map<string, MatArray> {
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError(`bytes must be a Uint8Array, got ${typeof bytes}`);
  }
  if (bytes.length < 128) {
    throw new CorruptDataError(
      path,
      `truncated: ${bytes.length} bytes, shorter than the 128-byte MAT-file header`,
    );
  }
  const text = new TextDecoder("latin1").decode(bytes.subarray(0, 116));
  if (text.startsWith("MATLAB 7.3") || (bytes[0] === 0x89 && bytes[1] === 0x48)) {
    throw new CorruptDataError(
      path,
      "is a MATLAB v7.3 (HDF5) file; only level-5 MAT-files are read",
    );
  }
  const indicator = String.fromCharCode(bytes[126], bytes[127]);
  if (indicator !== "IM" && indicator !== "MI") {
    throw new CorruptDataError(
      path,
      `bad endian indicator ${
        JSON.stringify(indicator)
      } at byte 126, expected "IM" or "MI" (not a level-5 MAT-file)`,
    );
  }
  const little = indicator === "IM";
  const version = new DataView(bytes.buffer, bytes.byteOffset + 124, 2).getUint16(0, little);
  if (version !== 0x0100) {
    throw new CorruptDataError(path, `bad version 0x${version.toString(16)}, expected 0x0100`);
  }
  const out = new Map<string, MatArray>();
  readElements(bytes, 128, bytes.length, little, path, out, true);
  return out;
}

/**
 * One variable for `encodeMat5`: a numeric array, column-major.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { MatVariable } from "./mat5.ts";
 * const v: MatVariable = { name: "X", className: "uint8", dims: [1, 1], data: Uint8Array.of(7) };
 * assert(v.dims.length === 2);
 * ```
 */
export interface MatVariable {
  /** The variable's name. */
  readonly name: string;
  /** Its MATLAB class (and stored type). */
  readonly className: "uint8" | "double";
  /** Dimensions in MATLAB order. */
  readonly dims: readonly number[];
  /** The values, column-major. */
  readonly data: Uint8Array | Float64Array;
}

/**
 * Writes a little-endian level-5 MAT-file (uint8 and double arrays), each variable in its own
 * miCOMPRESSED element when `compress` is true (as MATLAB's default `save` does). Tests use it
 * to make SVHN-shaped files.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeMat5 } from "./mat5.ts";
 * const bytes = encodeMat5([{ name: "X", className: "uint8", dims: [1, 1], data: Uint8Array.of(7) }], { compress: true });
 * assert(bytes[126] === 0x49 && bytes[127] === 0x4d); // "IM"
 * ```
 */
export function encodeMat5(
  variables: readonly MatVariable[],
  options: { compress?: boolean } = {},
): Uint8Array {
  const header = new Uint8Array(128).fill(0x20);
  const text = new TextEncoder().encode("MATLAB 5.0 MAT-file, written by usam");
  header.set(text);
  const headerView = new DataView(header.buffer);
  headerView.setBigUint64(116, 0n, true);
  headerView.setUint16(124, 0x0100, true);
  header[126] = 0x49; // 'I'
  header[127] = 0x4d; // 'M'
  const parts: Uint8Array[] = [header];
  for (const variable of variables) {
    const matrix = encodeMatrix(variable);
    if (options.compress) {
      const packed = deflateSync(matrix);
      parts.push(
        tag(MI.COMPRESSED, packed.length),
        new Uint8Array(packed.buffer, packed.byteOffset, packed.length),
      );
    } else {
      parts.push(matrix);
    }
  }
  return concat(parts);
}

function readElements(
  bytes: Uint8Array,
  start: number,
  end: number,
  little: boolean,
  path: string,
  out: Map<string, MatArray>,
  topLevel: boolean,
): void {
  let offset = start;
  while (offset < end) {
    if (end - offset < 8) {
      // MATLAB pads the last element; only non-zero leftovers mean damage.
      if (bytes.subarray(offset, end).every((b) => b === 0)) return;
      throw new CorruptDataError(path, `truncated element tag at byte ${offset}`);
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset + offset, 8);
    const type = view.getUint32(0, little);
    const size = view.getUint32(4, little);
    const dataStart = offset + 8;
    if (dataStart + size > end) {
      throw new CorruptDataError(
        path,
        `truncated: element at byte ${offset} (type ${type}) declares ${size} bytes, but only ${
          end - dataStart
        } remain`,
      );
    }
    const data = bytes.subarray(dataStart, dataStart + size);
    if (type === MI.COMPRESSED) {
      let inflated: Uint8Array;
      try {
        const buffer = inflateSync(data);
        inflated = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
      } catch (error) {
        throw new CorruptDataError(
          path,
          `compressed element at byte ${offset} is damaged or truncated (${
            (error as Error).message
          })`,
        );
      }
      readElements(inflated, 0, inflated.length, little, path, out, topLevel);
      offset = dataStart + size; // compressed elements are not padded
    } else {
      if (type === MI.MATRIX && topLevel) {
        const array = readMatrix(data, little, path, offset);
        if (array !== undefined) out.set(array.name, array);
      }
      offset = dataStart + padded(size);
    }
  }
}

function readMatrix(
  bytes: Uint8Array,
  little: boolean,
  path: string,
  at: number,
): MatArray | undefined {
  if (bytes.length === 0) return undefined; // an empty miMATRIX is an empty array
  const sub = subElements(bytes, little, path, at);
  if (sub.length < 3) {
    throw new CorruptDataError(
      path,
      `matrix at byte ${at} has ${sub.length} sub-elements, expected at least 3`,
    );
  }
  const [flags, dimsElement, nameElement] = sub;
  if (flags.type !== MI.UINT32 || flags.data.length < 8) {
    throw new CorruptDataError(path, `matrix at byte ${at} lacks its array-flags sub-element`);
  }
  const flagWord = new DataView(flags.data.buffer, flags.data.byteOffset, 4).getUint32(0, little);
  const className = MX_CLASSES[flagWord & 0xff];
  const name = new TextDecoder().decode(nameElement.data);
  if (className === undefined) return undefined; // cell, struct, char, sparse, object: not needed here
  if ((flagWord & 0x0800) !== 0) {
    throw new CorruptDataError(path, `variable ${name} is complex; only real arrays are read`);
  }
  if (dimsElement.type !== MI.INT32) {
    throw new CorruptDataError(
      path,
      `variable ${name} has dimensions of type ${dimsElement.type}, expected miINT32`,
    );
  }
  const dims = [...toNumbers(dimsElement.type, dimsElement.data, little)];
  const count = dims.reduce((a, b) => a * b, 1);
  const real = sub[3];
  if (real === undefined) {
    if (count === 0) return { name, className, dims, data: new Float64Array(0) };
    throw new CorruptDataError(path, `variable ${name} has no data sub-element`);
  }
  const data = toNumbers(real.type, real.data, little);
  if (data.length !== count) {
    throw new CorruptDataError(
      path,
      `variable ${name} holds ${data.length} values, but its dimensions ${
        dims.join("×")
      } need ${count}`,
    );
  }
  return { name, className, dims, data };
}

interface Element {
  readonly type: number;
  readonly data: Uint8Array;
}

function subElements(bytes: Uint8Array, little: boolean, path: string, at: number): Element[] {
  const out: Element[] = [];
  let offset = 0;
  while (offset + 8 <= bytes.length) {
    const view = new DataView(bytes.buffer, bytes.byteOffset + offset, 8);
    const first = view.getUint32(0, little);
    const small = first >>> 16;
    if (small !== 0) {
      // Small data element: size in the upper 16 bits, type in the lower, data in the next 4 bytes.
      if (small > 4) {
        throw new CorruptDataError(
          path,
          `matrix at byte ${at}: small element declares ${small} bytes (at most 4)`,
        );
      }
      out.push({ type: first & 0xffff, data: bytes.subarray(offset + 4, offset + 4 + small) });
      offset += 8;
      continue;
    }
    const size = view.getUint32(4, little);
    if (offset + 8 + size > bytes.length) {
      throw new CorruptDataError(
        path,
        `matrix at byte ${at}: sub-element of ${size} bytes runs past the matrix's end (truncated)`,
      );
    }
    out.push({ type: first, data: bytes.subarray(offset + 8, offset + 8 + size) });
    offset += 8 + padded(size);
  }
  return out;
}

const WIDTH: Record<number, number> = {
  [MI.INT8]: 1,
  [MI.UINT8]: 1,
  [MI.INT16]: 2,
  [MI.UINT16]: 2,
  [MI.INT32]: 4,
  [MI.UINT32]: 4,
  [MI.SINGLE]: 4,
  [MI.DOUBLE]: 8,
  [MI.INT64]: 8,
  [MI.UINT64]: 8,
};

function toNumbers(type: number, bytes: Uint8Array, little: boolean): MatArray["data"] {
  const width = WIDTH[type];
  if (width === undefined) throw new RangeError(`unsupported MAT data type ${type}`);
  if (bytes.length % width !== 0) {
    throw new RangeError(
      `MAT data of type ${type} has ${bytes.length} bytes, not a multiple of ${width}`,
    );
  }
  const n = bytes.length / width;
  if (type === MI.UINT8) return bytes;
  if (type === MI.INT8) return new Int8Array(bytes.buffer, bytes.byteOffset, n);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  switch (type) {
    case MI.INT16:
      return Int16Array.from({ length: n }, (_, i) => view.getInt16(2 * i, little));
    case MI.UINT16:
      return Uint16Array.from({ length: n }, (_, i) => view.getUint16(2 * i, little));
    case MI.INT32:
      return Int32Array.from({ length: n }, (_, i) => view.getInt32(4 * i, little));
    case MI.UINT32:
      return Uint32Array.from({ length: n }, (_, i) => view.getUint32(4 * i, little));
    case MI.SINGLE:
      return Float32Array.from({ length: n }, (_, i) => view.getFloat32(4 * i, little));
    case MI.DOUBLE:
      return Float64Array.from({ length: n }, (_, i) => view.getFloat64(8 * i, little));
    case MI.INT64:
      return Float64Array.from({ length: n }, (_, i) => Number(view.getBigInt64(8 * i, little)));
    default: // MI.UINT64
      return Float64Array.from({ length: n }, (_, i) => Number(view.getBigUint64(8 * i, little)));
  }
}

function encodeMatrix(variable: MatVariable): Uint8Array {
  const { name, className, dims, data } = variable;
  const count = dims.reduce((a, b) => a * b, 1);
  if (data.length !== count) {
    throw new RangeError(
      `variable ${name}: data has length ${data.length}, expected ${dims.join("×")} = ${count}`,
    );
  }
  const flags = new Uint8Array(8);
  new DataView(flags.buffer).setUint32(0, className === "uint8" ? 9 : 6, true);
  const dimBytes = new Uint8Array(4 * dims.length);
  dims.forEach((d, i) => new DataView(dimBytes.buffer).setInt32(4 * i, d, true));
  const nameBytes = new TextEncoder().encode(name);
  let real: Uint8Array;
  let realType: number;
  if (className === "uint8") {
    real = data instanceof Uint8Array ? data : Uint8Array.from(data);
    realType = MI.UINT8;
  } else {
    real = new Uint8Array(8 * count);
    const view = new DataView(real.buffer);
    for (let i = 0; i < count; i++) view.setFloat64(8 * i, data[i], true);
    realType = MI.DOUBLE;
  }
  const body = concat([
    element(MI.UINT32, flags),
    element(MI.INT32, dimBytes),
    element(MI.INT8, nameBytes),
    element(realType, real),
  ]);
  return concat([tag(MI.MATRIX, body.length), body]);
}

function element(type: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + padded(data.length));
  out.set(tag(type, data.length));
  out.set(data, 8);
  return out;
}

function tag(type: number, size: number): Uint8Array {
  const out = new Uint8Array(8);
  const view = new DataView(out.buffer);
  view.setUint32(0, type, true);
  view.setUint32(4, size, true);
  return out;
}

function padded(size: number): number {
  return Math.ceil(size / 8) * 8;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
