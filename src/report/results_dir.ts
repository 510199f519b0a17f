/**
 * Result folders: atomic JSON writes, and a tolerant scan that sorts a folder's files into
 * readable runs, unreadable files (reported, never fatal) and leftover temporary files.
 *
 * Atomicity: the JSON is written to `<path>.tmp-<pid>-<random>`, flushed to disk, then renamed over
 * `<path>`. A rename within a folder is atomic on POSIX filesystems, so a reader (or a rerun after
 * `kill -9` at any instant) sees either no file or the whole file, never a prefix. Temporary
 * files left by a killed writer do not end in `.json`, so scans skip them.
 *
 * @module
 */
import { join } from "node:path";
import { parseRunRecord, type RunRecord } from "../training/result.ts";
import { writeFileAtomic } from "../io/atomic.ts";

/**
 * Writes `text` to `path` atomically (temporary file, fsync, rename).
 *
 * @example
 * ```ts
 * import { writeTextAtomic } from "./results_dir.ts";
 * import assert from "node:assert/strict";
 * const dir = Deno.makeTempDirSync();
 * await writeTextAtomic(`${dir}/a.json`, "{}");
 * assert.ok(Deno.readTextFileSync(`${dir}/a.json`) === "{}");
 * Deno.removeSync(dir, { recursive: true });
 * ```
 */
export async function writeTextAtomic(path: string, text: string): Promise<void> {
  if (typeof path !== "string" || path === "") {
    throw new TypeError(
      `writeTextAtomic: path must be a non-empty string, got ${JSON.stringify(path)}`,
    );
  }
  await writeFileAtomic(path, text);
}

/**
 * Writes `value` as pretty JSON to `path` atomically.
 *
 * @example
 * ```ts
 * import { writeJsonAtomic } from "./results_dir.ts";
 * import assert from "node:assert/strict";
 * const dir = Deno.makeTempDirSync();
 * await writeJsonAtomic(`${dir}/a.json`, { ok: true });
 * assert.ok(JSON.parse(Deno.readTextFileSync(`${dir}/a.json`)).ok === true);
 * Deno.removeSync(dir, { recursive: true });
 * ```
 */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeTextAtomic(path, JSON.stringify(value, null, 2) + "\n");
}

/** A result file that could not be used, and why. */
export interface UnreadableFile {
  path: string;
  reason: string;
}

/** What {@link scanResults} found in one or more folders. */
export interface ResultScan {
  /** Readable runs, in path order. */
  runs: { path: string; record: RunRecord }[];
  /** `.json` files that are not valid run results (truncated, hand-edited, foreign). */
  unreadable: UnreadableFile[];
  /** Leftover `*.tmp-*` files of interrupted writers (harmless; safe to delete when idle). */
  temporary: string[];
}

/**
 * Reads every `*.json` run result in `dirs` (not recursive), tolerating junk: files that do not
 * parse or lack required fields go to `unreadable`; `*.tmp-*` files go to `temporary`. A folder
 * that does not exist is treated as empty.
 *
 * @example
 * ```ts
 * import { scanResults } from "./results_dir.ts";
 * import assert from "node:assert/strict";
 * const dir = Deno.makeTempDirSync();
 * Deno.writeTextFileSync(`${dir}/broken.json`, "{\"status\": ");
 * const scan = await scanResults([dir]);
 * assert.ok(scan.runs.length === 0 && scan.unreadable.length === 1);
 * Deno.removeSync(dir, { recursive: true });
 * ```
 */
export async function scanResults(dirs: readonly string[]): Promise<ResultScan> {
  const scan: ResultScan = { runs: [], unreadable: [], temporary: [] };
  for (const dir of dirs) {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(dir));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) continue;
      throw error;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (!entry.isFile) continue;
      const path = join(dir, entry.name);
      if (/\.tmp-/.test(entry.name)) {
        scan.temporary.push(path);
        continue;
      }
      if (!entry.name.endsWith(".json")) continue;
      try {
        const record = parseRunRecord(JSON.parse(await Deno.readTextFile(path)), path);
        scan.runs.push({ path, record });
      } catch (error) {
        const reason = error instanceof SyntaxError
          ? `not valid JSON (${error.message})`
          : String((error as Error).message ?? error);
        scan.unreadable.push({ path, reason });
      }
    }
  }
  return scan;
}
