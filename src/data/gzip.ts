/**
 * Gzip detection and decompression through node:zlib, with errors that name the file.
 *
 * @module
 */
import { gunzipSync } from "node:zlib";
import { CorruptDataError } from "./errors.ts";

/**
 * Whether the bytes start with the gzip magic 1f 8b.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isGzip } from "./gzip.ts";
 * assert(isGzip(Uint8Array.of(0x1f, 0x8b, 8)) && !isGzip(Uint8Array.of(0, 0, 8, 3)));
 * ```
 */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * The bytes, gunzipped when they are gzip (a truncated or damaged stream is a
 * `CorruptDataError` naming `path`), unchanged otherwise.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gzipSync } from "node:zlib";
 * import { maybeGunzip } from "./gzip.ts";
 * const raw = Uint8Array.of(1, 2, 3);
 * assert(maybeGunzip(gzipSync(raw), "x.gz").join() === "1,2,3");
 * assert(maybeGunzip(raw, "x") === raw);
 * ```
 */
export function maybeGunzip(bytes: Uint8Array, path: string): Uint8Array {
  if (!isGzip(bytes)) {
    // A name ending in .gz promises gzip: an empty or other file under it is damaged, and saying
    // so beats a checksum mismatch of bytes that were never decompressed.
    if (/\.gz$/i.test(path.replace(/[?#].*$/, ""))) {
      throw new CorruptDataError(
        path,
        bytes.length === 0
          ? "not a gzip file: it is empty"
          : `not a gzip file: it starts with ${
            Array.from(bytes.subarray(0, 2), (b) => `0x${b.toString(16).padStart(2, "0")}`)
              .join(" ")
          }, not the gzip magic 0x1f 0x8b`,
      );
    }
    return bytes;
  }
  try {
    const out = gunzipSync(bytes);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (error) {
    throw new CorruptDataError(
      path,
      `gzip stream is damaged or truncated (${(error as Error).message})`,
    );
  }
}
