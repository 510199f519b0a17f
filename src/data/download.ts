/**
 * Downloads a file to disk atomically: stream to `dest.tmp-<pid>-<random>` while hashing,
 * verify the checksums, then rename. A failed or corrupt download leaves nothing behind.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { dirname } from "node:path";
import { type Checksum, verifyChecksum } from "./checksum.ts";
import { CorruptDataError, DownloadError } from "./errors.ts";
import { maybeGunzip } from "./gzip.ts";
import { createProgress, type ProgressMode } from "./progress.ts";

/**
 * Options of `downloadFile`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { DownloadOptions } from "./download.ts";
 * const options: DownloadOptions = { progress: "none", checksums: [] };
 * assert(options.progress === "none");
 * ```
 */
export interface DownloadOptions {
  /** Checksums the result must match: `of: "file"` on the bytes received, `"decompressed"` after gunzip. */
  readonly checksums?: readonly Checksum[];
  /** How to show progress (default `"auto"`: a bar on a terminal, plain lines otherwise). */
  readonly progress?: ProgressMode;
  /** Aborts the transfer (the partial file is removed). */
  readonly signal?: AbortSignal;
  /** The fetch to use (default: the global one). */
  readonly fetch?: typeof fetch;
  /** Give up when no byte arrives for this long, in milliseconds (default 60,000). */
  readonly idleTimeoutMs?: number;
}

/**
 * Downloads `url` to `dest`, creating its directory. Resolves to the number of bytes written.
 *
 * @throws DownloadError on a network error, an HTTP error status, or a connection dropped
 *   before the announced length; CorruptDataError (naming the URL) on a checksum mismatch.
 *   Either way no file (partial or temporary) is left at or beside `dest`.
 *
 * @example
 * ```ts ignore
 * import { downloadFile } from "./download.ts";
 * await downloadFile(
 *   "https://ossci-datasets.s3.amazonaws.com/mnist/t10k-labels-idx1-ubyte.gz",
 *   "/tmp/usam/mnist/t10k-labels-idx1-ubyte.gz",
 *   { checksums: [{ algorithm: "md5", hex: "ec29112dd5afa0611ce80d1b7f02629c", of: "file" }] },
 * );
 * ```
 */
export async function downloadFile(
  url: string,
  dest: string,
  options: DownloadOptions = {},
): Promise<number> {
  if (typeof url !== "string" || !/^https?:\/\//.test(url)) {
    throw new TypeError(`url must be an http(s) URL string, got ${JSON.stringify(url)}`);
  }
  if (typeof dest !== "string" || dest === "") {
    throw new TypeError(`dest must be a non-empty path string, got ${JSON.stringify(dest)}`);
  }
  const checksums = options.checksums ?? [];
  const fileChecksums = checksums.filter((c) => c.of === "file");
  const decompressedChecksums = checksums.filter((c) => c.of === "decompressed");
  const doFetch = options.fetch ?? fetch;

  const idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
  if (!(idleTimeoutMs > 0)) {
    throw new RangeError(`idleTimeoutMs must be positive, got ${idleTimeoutMs}`);
  }
  // One controller for the caller's signal and the idle watchdog, re-armed on every chunk.
  const controller = new AbortController();
  const onAbort = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener("abort", onAbort, { once: true });
  let stalled = false;
  let watchdog: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    clearTimeout(watchdog);
    watchdog = setTimeout(() => {
      stalled = true;
      controller.abort(new Error(`no data for ${idleTimeoutMs} ms`));
    }, idleTimeoutMs);
  };
  try {
    return await transfer();
  } finally {
    clearTimeout(watchdog);
    options.signal?.removeEventListener("abort", onAbort);
  }

  async function transfer(): Promise<number> {
    arm();
    let response: Response;
    try {
      // Identity encoding: the checksums and the length are those of the file itself.
      response = await doFetch(url, {
        signal: controller.signal,
        headers: { "accept-encoding": "identity" },
      });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      const reason = stalled
        ? `no response within ${idleTimeoutMs} ms`
        : `could not connect (${(error as Error).message})`;
      throw new DownloadError(url, reason, { cause: error });
    }
    if (!response.ok || response.body === null) {
      await response.body?.cancel();
      throw new DownloadError(url, `HTTP ${response.status} ${response.statusText}`.trim());
    }
    const lengthHeader = response.headers.get("content-length");
    const encoding = response.headers.get("content-encoding");
    // A content-encoded body's length is not the file's: then only the checksums can judge it.
    const total = lengthHeader !== null && /^\d+$/.test(lengthHeader) &&
        (encoding === null || encoding === "identity")
      ? Number(lengthHeader)
      : undefined;

    await Deno.mkdir(dirname(dest), { recursive: true });
    const tmp = `${dest}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
    const hashes = fileChecksums.map((c) => ({ checksum: c, hash: createHash(c.algorithm) }));
    const progress = createProgress(url.slice(url.lastIndexOf("/") + 1), total, options.progress);
    let renamed = false;
    let received = 0;
    const file = await Deno.open(tmp, { write: true, createNew: true });
    try {
      const reader = response.body.getReader();
      try {
        for (;;) {
          let next: ReadableStreamReadResult<Uint8Array>;
          try {
            next = await reader.read();
          } catch (error) {
            if (options.signal?.aborted) throw error;
            const where = `${received}${total === undefined ? "" : ` of ${total}`} bytes`;
            throw new DownloadError(
              url,
              stalled
                ? `stalled: no data for ${idleTimeoutMs} ms after ${where}`
                : `connection dropped after ${where} (${(error as Error).message})`,
              { cause: error },
            );
          }
          if (next.done) break;
          const chunk = next.value;
          for (const { hash } of hashes) hash.update(chunk);
          for (let written = 0; written < chunk.length;) {
            written += await file.write(chunk.subarray(written));
          }
          received += chunk.length;
          progress.update(received);
          arm();
        }
      } finally {
        progress.finish();
        file.close();
        await reader.cancel().catch(() => {});
      }
      if (total !== undefined && received !== total) {
        throw new DownloadError(url, `connection dropped after ${received} of ${total} bytes`);
      }
      for (const { checksum, hash } of hashes) {
        const actual = hash.digest("hex");
        if (actual !== checksum.hex.toLowerCase()) {
          throw new CorruptDataError(
            url,
            `${checksum.algorithm} of the downloaded file is ${actual}, expected ${checksum.hex.toLowerCase()}; nothing was saved`,
          );
        }
      }
      if (decompressedChecksums.length > 0) {
        const bytes = maybeGunzip(await Deno.readFile(tmp), url);
        for (const checksum of decompressedChecksums) verifyChecksum(bytes, checksum, url);
      }
      await Deno.rename(tmp, dest);
      renamed = true;
      return received;
    } finally {
      if (!renamed) await Deno.remove(tmp).catch(() => {});
    }
  }
}
