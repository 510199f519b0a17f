/**
 * Atomic file writes (ARCHITECTURE.md, shared conventions): readers see the old file or the new
 * one, never a torn one, even when the process is killed mid-write.
 *
 * @module
 */
import { dirname } from "node:path";

/**
 * Writes `data` to `path` via `path.tmp-<pid>-<random>` and a rename (atomic on one file system),
 * creating the parent directory. On failure the temporary file is removed and the error rethrown.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeFileAtomic } from "./atomic.ts";
 * const path = await Deno.makeTempFile();
 * await writeFileAtomic(path, new TextEncoder().encode("{}"));
 * assert(await Deno.readTextFile(path) === "{}");
 * await Deno.remove(path);
 * ```
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  if (typeof path !== "string" || path.length === 0) {
    throw new TypeError(`writeFileAtomic: path must be a non-empty string, got ${path}`);
  }
  await Deno.mkdir(dirname(path), { recursive: true });
  const random = crypto.getRandomValues(new Uint32Array(1))[0].toString(36);
  const temporary = `${path}.tmp-${Deno.pid}-${random}`;
  try {
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
    const file = await Deno.open(temporary, { write: true, createNew: true });
    try {
      let written = 0;
      while (written < bytes.length) written += await file.write(bytes.subarray(written));
      // The rename is only atomic for the reader if the data is on disk before it.
      await file.sync();
    } finally {
      file.close();
    }
    await Deno.rename(temporary, path);
  } catch (error) {
    await Deno.remove(temporary).catch(() => {});
    throw error;
  }
}
