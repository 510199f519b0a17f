/**
 * File checksums (SHA-256 and MD5 through node:crypto) and their verification.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { CorruptDataError } from "./errors.ts";

/**
 * The hash functions the datasets' published checksums use.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ChecksumAlgorithm } from "./checksum.ts";
 * const algorithm: ChecksumAlgorithm = "sha256";
 * assert(algorithm === "sha256");
 * ```
 */
export type ChecksumAlgorithm = "sha256" | "md5";

/**
 * A published checksum and which bytes it covers: `"decompressed"` (the raw IDX file; what
 * DATA.md gives for Fashion-MNIST, so Debian's re-compressed copies verify too) or `"file"` (the
 * bytes as downloaded, e.g. upstream gzip MD5s).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Checksum } from "./checksum.ts";
 * const c: Checksum = { algorithm: "md5", hex: "f68b3c2dcbeaaa9fbdd348bbdeb94873", of: "file" };
 * assert(c.hex.length === 32);
 * ```
 */
export interface Checksum {
  /** The hash function. */
  readonly algorithm: ChecksumAlgorithm;
  /** The expected digest in hex (either case). */
  readonly hex: string;
  /** Which bytes it covers. */
  readonly of: "decompressed" | "file";
}

/**
 * The lowercase hex digest of some bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { digestHex } from "./checksum.ts";
 * assert(digestHex("md5", new Uint8Array(0)) === "d41d8cd98f00b204e9800998ecf8427e");
 * ```
 */
export function digestHex(algorithm: ChecksumAlgorithm, bytes: Uint8Array): string {
  if (algorithm !== "sha256" && algorithm !== "md5") {
    throw new RangeError(`algorithm must be "sha256" or "md5", got ${JSON.stringify(algorithm)}`);
  }
  return createHash(algorithm).update(bytes).digest("hex");
}

/**
 * Throws a `CorruptDataError` naming `path` when the bytes' digest differs from `expected`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CorruptDataError } from "./errors.ts";
 * import { verifyChecksum } from "./checksum.ts";
 * // d41d8cd98f00b204e9800998ecf8427e is the published MD5 of the empty input (RFC 1321 test suite).
 * const empty = { algorithm: "md5", hex: "d41d8cd98f00b204e9800998ecf8427e", of: "file" } as const;
 * verifyChecksum(new Uint8Array(0), empty, "empty"); // matches: passes
 * assert.throws(() => verifyChecksum(Uint8Array.of(0), empty, "one-zero"), CorruptDataError);
 * ```
 */
export function verifyChecksum(bytes: Uint8Array, expected: Checksum, path: string): void {
  const actual = digestHex(expected.algorithm, bytes);
  if (actual !== expected.hex.toLowerCase()) {
    throw new CorruptDataError(
      path,
      `${expected.algorithm} of the ${
        expected.of === "file" ? "file" : "decompressed"
      } bytes is ${actual}, expected ${expected.hex.toLowerCase()}`,
    );
  }
}
