/**
 * The errors the data layer throws on files and downloads, so that callers (the training CLI)
 * can tell a damaged file from a missing one and print where it is.
 *
 * @module
 */

/**
 * A data file whose bytes disagree with its format or its checksum. It names the file and what
 * was wrong; such a file is never written to the cache.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CorruptDataError } from "./errors.ts";
 * const error = new CorruptDataError("/data/train-labels-idx1-ubyte", "bad magic 0x00000802");
 * assert(error.message.includes("/data/train-labels-idx1-ubyte"));
 * ```
 */
export class CorruptDataError extends Error {
  /** The file (or URL) the bytes came from. */
  readonly path: string;
  /** What was wrong, without the path. */
  readonly reason: string;

  /** Names the file (or URL) and what was wrong with its bytes. */
  constructor(path: string, reason: string) {
    super(`corrupt data file ${path}: ${reason}`);
    this.name = "CorruptDataError";
    this.path = path;
    this.reason = reason;
  }
}

/**
 * A download that did not complete (network error, HTTP status, dropped connection). No partial
 * file is left behind.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DownloadError } from "./errors.ts";
 * const error = new DownloadError("http://127.0.0.1:1/x.gz", "HTTP 404 Not Found");
 * assert(error.url === "http://127.0.0.1:1/x.gz");
 * ```
 */
export class DownloadError extends Error {
  /** The URL that failed. */
  readonly url: string;

  /** Names the URL and why the transfer failed; `options.cause` keeps the underlying error. */
  constructor(url: string, reason: string, options?: ErrorOptions) {
    super(`download of ${url} failed: ${reason}`, options);
    this.name = "DownloadError";
    this.url = url;
  }
}

/**
 * A dataset that is neither on disk nor downloadable here. The message lists where the loader
 * looked and says what to install or where to put which files.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DatasetUnavailableError } from "./errors.ts";
 * const error = new DatasetUnavailableError("mnist", "put train-images-idx3-ubyte.gz in /data");
 * assert(error.dataset === "mnist");
 * ```
 */
export class DatasetUnavailableError extends Error {
  /** The dataset's name. */
  readonly dataset: string;

  /** The dataset and the whole explanation (where it looked, what to install or put where). */
  constructor(dataset: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "DatasetUnavailableError";
    this.dataset = dataset;
  }
}
