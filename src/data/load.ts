/**
 * Finds, verifies and parses a dataset. Lookup order:
 *
 * 1. `dataDir` (the CLI's `--data-dir`) or else the `USAM_DATA` environment variable, in
 *    `DIR/<dataset>/` then `DIR/`;
 * 2. the per-user cache, `$XDG_CACHE_HOME/usam/<dataset>/` or `~/.cache/usam/<dataset>/`;
 * 3. the folders a system package installs into (Fashion-MNIST: /usr/share/datasets/fashion-mnist);
 * 4. a download from the canonical host, verified, written atomically into `DIR/<dataset>/` when
 *    a data folder was given and into the cache otherwise (an archive, CIFAR's, is then
 *    extracted there: only the needed members, each atomically).
 *
 * An explicit `dataDir` must be an existing folder and is searched alone (steps 2 and 3 are
 * skipped, so a file missing there is never taken silently from elsewhere); `USAM_DATA`, a
 * standing default, keeps the later steps. Each folder is also searched in the archive's member
 * folder (CIFAR: `cifar-10-batches-bin/`, `cifar-100-binary/`). Every file found is checked
 * (checksums as `catalog.ts` describes; extracted archive members against the SHA-256 recorded
 * in `usam-checksums.json` at extraction, or announced as unverified when extracted by hand;
 * then its format) and a bad one is reported with its path, never replaced silently.
 *
 * @module
 */
import { statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { type Checksum, verifyChecksum } from "./checksum.ts";
import {
  type DataFileSpec,
  DATASET_NAMES,
  type DatasetName,
  DATASETS,
  type DatasetSpec,
  isDatasetName,
  type LocatedFile,
} from "./catalog.ts";
import { extractMembers, readRecordedChecksums } from "./archive.ts";
import { downloadFile } from "./download.ts";
import { CorruptDataError, DatasetUnavailableError } from "./errors.ts";
import { maybeGunzip } from "./gzip.ts";
import { type ImageSet, validateImageSet } from "./image_set.ts";
import type { ProgressMode } from "./progress.ts";

/**
 * Where to look and whether to download.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { LoadOptions } from "./load.ts";
 * const options: LoadOptions = { dataDir: "/data", download: false };
 * assert(options.download === false);
 * ```
 */
export interface LoadOptions {
  /** A folder holding the files (`DIR/<dataset>/` or `DIR/`); default: `USAM_DATA`. */
  readonly dataDir?: string;
  /** The per-user cache; default `$XDG_CACHE_HOME/usam` or `~/.cache/usam`. */
  readonly cacheDir?: string;
  /** Whether to download missing files (default true). */
  readonly download?: boolean;
  /** Download progress (default `"auto"`). */
  readonly progress?: ProgressMode;
  /** Overrides the system folders of the dataset (tests use `[]`). */
  readonly systemDirs?: readonly string[];
  /** Aborts downloads. */
  readonly signal?: AbortSignal;
}

/**
 * A loaded dataset. Both splits carry `numClasses`, `mean`, `std` and `horizontalFlip`, so
 * `batches` and `applySettings` need nothing more.
 *
 * @example
 * ```ts ignore
 * import { loadDataset } from "./load.ts";
 * const data = await loadDataset("fashion-mnist");
 * console.log(data.train.count, data.test.count, data.classes[0]); // 60000 10000 T-shirt/top
 * ```
 */
export interface Dataset {
  /** The dataset's name (`DatasetSpec.name`). */
  readonly name: string;
  /** Class names, by label. */
  readonly classes: readonly string[];
  /** The training split. */
  readonly train: ImageSet;
  /** The test split (never altered by `applySettings`). */
  readonly test: ImageSet;
  /** Per-channel normalization mean on the [0, 1] scale. */
  readonly mean: readonly number[];
  /** Per-channel normalization std on the [0, 1] scale. */
  readonly std: readonly number[];
  /** Whether augmentation flips horizontally (CIFAR only). */
  readonly horizontalFlip: boolean;
  /** Where each file was read from, by its published name. */
  readonly files: Readonly<Record<string, string>>;
  /** The files whose checksum was verified on this load (the others got the format checks only). */
  readonly checksumVerified: readonly string[];
}

/**
 * Loads a built-in dataset by name (see the module notes for the lookup order).
 *
 * @throws RangeError for an unknown name; CorruptDataError for a damaged file (naming it);
 *   DatasetUnavailableError when the files are neither on disk nor downloadable, saying what to
 *   install or where to put which files.
 *
 * @example
 * ```ts ignore
 * import { loadDataset } from "./load.ts";
 * const { train } = await loadDataset("mnist", { dataDir: "/data" });
 * console.log(train.images.length === train.count * 28 * 28);
 * ```
 */
export function loadDataset(
  name: DatasetName | string,
  options: LoadOptions = {},
): Promise<Dataset> {
  if (!isDatasetName(name)) {
    return Promise.reject(
      new RangeError(
        `dataset must be one of ${DATASET_NAMES.join(", ")}; got ${JSON.stringify(name)}`,
      ),
    );
  }
  return loadDatasetSpec(DATASETS[name], options);
}

/**
 * Loads a dataset from its spec: the built-ins, or one a test or user defines.
 *
 * @example
 * ```ts ignore
 * import { DATASETS } from "./catalog.ts";
 * import { loadDatasetSpec } from "./load.ts";
 * const data = await loadDatasetSpec(DATASETS["fashion-mnist"], { download: false });
 * console.log(data.checksumVerified.length); // 4
 * ```
 */
export async function loadDatasetSpec(
  spec: DatasetSpec,
  options: LoadOptions = {},
): Promise<Dataset> {
  const dirs = searchDirs(spec, options);
  let found = locate(spec.files, dirs);
  const missing = spec.files.filter((file) => !found.has(file.name));
  if (missing.length > 0) {
    await fetchMissing(spec, missing, dirs, options);
    found = locate(spec.files, dirs);
  }
  const located = new Map<string, LocatedFile>();
  const checksumVerified: string[] = [];
  const unverified: string[] = [];
  for (const file of spec.files) {
    const path = found.get(file.name);
    if (path === undefined) {
      throw unavailable(spec, dirs, options, `${file.name} is still missing after the download`);
    }
    const raw = await Deno.readFile(path);
    const bytes = maybeGunzip(raw, path);
    if (verifyKnownChecksums(file, path, raw, bytes)) {
      checksumVerified.push(file.name);
    } else if (await verifyRecordedChecksum(path, raw)) {
      checksumVerified.push(file.name);
    } else {
      unverified.push(path);
    }
    located.set(file.name, { path, bytes });
  }
  if (unverified.length > 0 && spec.archive !== undefined) {
    // Members extracted by hand carry no record of the archive's bytes: say so once.
    console.warn(
      `${spec.name}: ${
        unverified.join(", ")
      } not checksum-verified (no ${"usam-checksums.json"} from a verified extraction next to them); they got the format checks only`,
    );
  }
  const parsed = spec.parse(located);
  if (spec.splitSizes !== undefined) {
    for (const split of ["train", "test"] as const) {
      if (parsed[split].count !== spec.splitSizes[split]) {
        const paths = [...located.values()].map((f) => f.path).join(", ");
        throw new CorruptDataError(
          paths,
          `the ${split} split has ${parsed[split].count} images, but ${spec.title} has ${
            spec.splitSizes[split]
          }`,
        );
      }
    }
  }
  const extra = {
    mean: spec.mean,
    std: spec.std,
    horizontalFlip: spec.horizontalFlip,
    numClasses: spec.classes.length,
  };
  const train = { ...parsed.train, ...extra };
  const test = { ...parsed.test, ...extra };
  validateImageSet(train, `${spec.name} train`);
  validateImageSet(test, `${spec.name} test`);
  return {
    name: spec.name,
    classes: spec.classes,
    train,
    test,
    mean: spec.mean,
    std: spec.std,
    horizontalFlip: spec.horizontalFlip,
    files: Object.fromEntries(found),
    checksumVerified,
  };
}

/**
 * The per-user cache folder: `$XDG_CACHE_HOME/usam`, else `~/.cache/usam` (on Windows
 * `%LOCALAPPDATA%\usam`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultCacheDir } from "./load.ts";
 * assert(defaultCacheDir().endsWith("usam"));
 * ```
 */
export function defaultCacheDir(): string {
  const xdg = Deno.env.get("XDG_CACHE_HOME");
  if (xdg) return join(xdg, "usam");
  const home = Deno.env.get("HOME");
  if (home) return join(home, ".cache", "usam");
  const local = Deno.env.get("LOCALAPPDATA");
  if (local) return join(local, "usam");
  return join(Deno.cwd(), ".cache", "usam");
}

/**
 * The folders searched for a dataset's files, in order (see the module notes).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DATASETS } from "./catalog.ts";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { searchDirs } from "./load.ts";
 * const dataDir = tmpdir(); // an explicit data folder is searched alone
 * const mine = searchDirs(DATASETS["fashion-mnist"], { dataDir, cacheDir: "/cache" });
 * assert.deepEqual(mine, [join(dataDir, "fashion-mnist"), dataDir]);
 * const saved = Deno.env.get("USAM_DATA");
 * Deno.env.delete("USAM_DATA");
 * const chain = searchDirs(DATASETS["fashion-mnist"], { cacheDir: "/cache" });
 * if (saved !== undefined) Deno.env.set("USAM_DATA", saved);
 * assert.deepEqual(chain, ["/cache/fashion-mnist", "/usr/share/datasets/fashion-mnist"]);
 * ```
 */
export function searchDirs(spec: DatasetSpec, options: LoadOptions = {}): string[] {
  const dataDir = resolveDataDir(options);
  const bases: string[] = [];
  if (dataDir !== undefined) bases.push(join(dataDir, spec.name), dataDir);
  // An explicit dataDir is used alone: a file missing there must not be taken, unannounced, from
  // the cache or the system folder (USAM_DATA, a standing default, keeps the fallbacks).
  if (options.dataDir === undefined) {
    bases.push(join(options.cacheDir ?? defaultCacheDir(), spec.name));
    bases.push(...(options.systemDirs ?? spec.systemDirs ?? []));
  }
  const member = spec.archive?.memberDir;
  const dirs = member === undefined ? bases : bases.flatMap((dir) => [dir, join(dir, member)]);
  return [...new Set(dirs)];
}

function resolveDataDir(options: LoadOptions): string | undefined {
  if (options.dataDir !== undefined) {
    if (typeof options.dataDir !== "string" || options.dataDir === "") {
      throw new TypeError(
        `dataDir must be a non-empty path string, got ${JSON.stringify(options.dataDir)}`,
      );
    }
    return requireFolder(options.dataDir, "dataDir");
  }
  const env = Deno.env.get("USAM_DATA");
  return env === undefined || env === "" ? undefined : requireFolder(env, "USAM_DATA");
}

function requireFolder(path: string, name: string): string {
  let isDirectory = false;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch {
    // missing or unreadable: reported below
  }
  if (!isDirectory) {
    throw new RangeError(`${name} must be an existing folder, got ${JSON.stringify(path)}`);
  }
  return path;
}

/** Verifies `raw` against the checksum recorded when its archive was extracted, if there is one. */
async function verifyRecordedChecksum(path: string, raw: Uint8Array): Promise<boolean> {
  const recorded = (await readRecordedChecksums(dirname(path)))[basename(path)];
  if (recorded === undefined) return false;
  try {
    verifyChecksum(raw, { algorithm: "sha256", hex: recorded, of: "file" }, path);
  } catch (error) {
    if (!(error instanceof CorruptDataError)) throw error;
    throw new CorruptDataError(
      path,
      `${error.reason}, the digest recorded when the verified archive was extracted`,
    );
  }
  return true;
}

function locate(files: readonly DataFileSpec[], dirs: readonly string[]): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of files) {
    search: for (const dir of dirs) {
      for (const name of [file.name, ...(file.accept ?? [])]) {
        const path = join(dir, name);
        if (isFile(path)) {
          found.set(file.name, path);
          break search;
        }
      }
    }
  }
  return found;
}

/** Returns whether a published checksum covered this file. */
function verifyKnownChecksums(
  file: DataFileSpec,
  path: string,
  raw: Uint8Array,
  bytes: Uint8Array,
): boolean {
  const checksums = file.checksums ?? [];
  const decompressed = checksums.filter((c) => c.of === "decompressed");
  if (decompressed.length > 0) {
    for (const checksum of decompressed) verifyChecksum(bytes, checksum, path);
    return true;
  }
  // A published file checksum covers the file only under its published name (not decompressed).
  const fileChecksums = checksums.filter((c) => c.of === "file");
  if (fileChecksums.length > 0 && path.endsWith(file.name)) {
    for (const checksum of fileChecksums) verifyChecksum(raw, checksum, path);
    return true;
  }
  return false;
}

async function fetchMissing(
  spec: DatasetSpec,
  missing: readonly DataFileSpec[],
  dirs: readonly string[],
  options: LoadOptions,
): Promise<void> {
  const names = missing.map((f) => f.name).join(", ");
  if (options.download === false) {
    throw unavailable(spec, dirs, options, `missing ${names} (downloads are off)`);
  }
  const target = join(resolveDataDir(options) ?? options.cacheDir ?? defaultCacheDir(), spec.name);
  if (spec.archive !== undefined) {
    const archive = spec.archive;
    const existing = dirs.map((dir) => join(dir, archive.name)).find(isFile);
    const path = existing ?? join(target, archive.name);
    if (existing === undefined) {
      await downloadWithMirrors(
        spec,
        archive.name,
        archive.urls,
        archive.checksums,
        path,
        dirs,
        options,
      );
    } else {
      const bytes = await Deno.readFile(existing);
      for (const checksum of archive.checksums) verifyChecksum(bytes, checksum, existing);
    }
    await extractMembers(path, archive.memberDir, missing.map((f) => f.name), target);
    return;
  }
  for (const file of missing) {
    if (file.urls === undefined || file.urls.length === 0) {
      throw unavailable(spec, dirs, options, `missing ${file.name}, which has no download URL`);
    }
    await downloadWithMirrors(
      spec,
      file.name,
      file.urls,
      file.checksums ?? [],
      join(target, file.name),
      dirs,
      options,
    );
  }
}

async function downloadWithMirrors(
  spec: DatasetSpec,
  name: string,
  urls: readonly string[],
  checksums: readonly Checksum[],
  dest: string,
  dirs: readonly string[],
  options: LoadOptions,
): Promise<void> {
  const failures: Error[] = [];
  for (const url of urls) {
    try {
      await downloadFile(url, dest, {
        checksums,
        progress: options.progress,
        signal: options.signal,
      });
      return;
    } catch (error) {
      if (!(error instanceof Error) || error.name === "AbortError") throw error;
      failures.push(error);
    }
  }
  // A mirror that served wrong bytes is a data problem, not a connectivity one: report it as such.
  const corrupt = failures.find((e) => e instanceof CorruptDataError);
  if (corrupt !== undefined && failures.length === 1) throw corrupt;
  throw unavailable(
    spec,
    dirs,
    options,
    `${name} is missing and could not be downloaded:\n${
      failures.map((e) => `  - ${e.message}`).join("\n")
    }`,
    failures.at(-1),
  );
}

function unavailable(
  spec: DatasetSpec,
  dirs: readonly string[],
  options: LoadOptions,
  what: string,
  cause?: unknown,
): DatasetUnavailableError {
  const dataDir = resolveDataDir(options);
  const home = join(dataDir ?? "DIR", spec.name);
  const cache = join(options.cacheDir ?? defaultCacheDir(), spec.name);
  const where = `${home}/ and pass --data-dir ${
    dataDir ?? "DIR"
  } (or set USAM_DATA), or into ${cache}/`;
  const lines = [
    `${spec.name}: ${what}`,
    `Looked in: ${dirs.join(", ")}.`,
    "To fix this on a machine without the internet:",
  ];
  const steps: string[] = [];
  if (spec.installHint !== undefined) steps.push(`install the system package: ${spec.installHint}`);
  if (spec.archive !== undefined) {
    steps.push(
      `download ${spec.archive.urls[0]} elsewhere, put ${spec.archive.name} into ${where}, ` +
        `to be verified and extracted (or extract it there yourself, so that ${spec.archive.memberDir}/ holds ` +
        `${spec.files.map((f) => f.name).join(", ")})`,
    );
  } else {
    const sources = spec.files.flatMap((f) => f.urls?.slice(0, 1) ?? []);
    const host = sources.length > 0
      ? sources[0].slice(0, sources[0].lastIndexOf("/") + 1)
      : undefined;
    steps.push(
      `${host ? `download from ${host} elsewhere and ` : ""}put ${
        spec.files.map((f) => f.name).join(", ")
      } into ${where}`,
    );
  }
  steps.forEach((step, k) => lines.push(`  ${k === 0 ? "-" : "- or"} ${step}`));
  lines.push(`  (home page: ${spec.homepage})`);
  return new DatasetUnavailableError(
    spec.name,
    lines.join("\n"),
    cause === undefined ? undefined : { cause },
  );
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
