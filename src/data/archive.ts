/**
 * Extracts the members a dataset needs from its .tar.gz archive (CIFAR), through tar-stream.
 * Only regular files named `<memberDir>/<name>` for the expected names are written; anything
 * else in the archive (other files, links, paths with "..") is ignored. Each member is written
 * atomically (tmp then rename), so an interrupted extraction leaves no partial file.
 *
 * @module
 */
import { join } from "node:path";
import { Buffer } from "node:buffer";
import tarStream from "tar-stream";
import { digestHex } from "./checksum.ts";
import { CorruptDataError } from "./errors.ts";
import { maybeGunzip } from "./gzip.ts";

/**
 * Extracts `memberDir/<name>` for each of `names` from the archive at `archivePath` into
 * `targetDir/memberDir/`, returning the paths written.
 *
 * @throws CorruptDataError naming the archive when it is not a valid tar.gz or lacks a member.
 *
 * @example
 * ```ts ignore
 * import { extractMembers } from "./archive.ts";
 * await extractMembers("/cache/cifar10/cifar-10-binary.tar.gz", "cifar-10-batches-bin", ["test_batch.bin"], "/cache/cifar10");
 * ```
 */
export async function extractMembers(
  archivePath: string,
  memberDir: string,
  names: readonly string[],
  targetDir: string,
): Promise<string[]> {
  const tar = maybeGunzip(await Deno.readFile(archivePath), archivePath);
  const wanted = new Set(names.map((name) => `${memberDir}/${name}`));
  const members = new Map<string, Uint8Array>();
  const extract = tarStream.extract();
  const finished = new Promise<void>((resolve, reject) => {
    extract.on("entry", (header, stream, next) => {
      const name = header.name.replace(/^\.\//, "");
      const keep = header.type === "file" && wanted.has(name);
      const chunks: Uint8Array[] = [];
      stream.on("data", (chunk: unknown) => {
        if (keep) chunks.push(chunk as Uint8Array);
      });
      stream.on("end", () => {
        if (keep) members.set(name, new Uint8Array(Buffer.concat(chunks)));
        next();
      });
      stream.resume();
    });
    extract.on("finish", resolve);
    extract.on("error", reject);
  });
  extract.end(Buffer.from(tar.buffer, tar.byteOffset, tar.byteLength));
  try {
    await finished;
  } catch (error) {
    throw new CorruptDataError(
      archivePath,
      `not a valid tar archive (${(error as Error).message})`,
    );
  }
  const missing = [...wanted].filter((name) => !members.has(name));
  if (missing.length > 0) throw new CorruptDataError(archivePath, `lacks ${missing.join(", ")}`);
  const outDir = join(targetDir, memberDir);
  await Deno.mkdir(outDir, { recursive: true });
  const written: string[] = [];
  for (const name of names) {
    const dest = join(outDir, name);
    const tmp = `${dest}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
    try {
      await Deno.writeFile(tmp, members.get(`${memberDir}/${name}`)!);
      await Deno.rename(tmp, dest);
    } finally {
      await Deno.remove(tmp).catch(() => {});
    }
    written.push(dest);
  }
  const recorded = await readRecordedChecksums(outDir);
  for (const name of names) {
    recorded[name] = digestHex("sha256", members.get(`${memberDir}/${name}`)!);
  }
  const manifest = join(outDir, RECORDED_CHECKSUMS);
  const tmp = `${manifest}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  try {
    await Deno.writeTextFile(
      tmp,
      JSON.stringify({ algorithm: "sha256", files: recorded }, null, 1),
    );
    await Deno.rename(tmp, manifest);
  } finally {
    await Deno.remove(tmp).catch(() => {});
  }
  return written;
}

/**
 * The file, next to extracted members, that holds their SHA-256 as computed at extraction from
 * the verified archive: the members have no published checksum of their own, so this is what
 * proves on a later load that they are still the archive's bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RECORDED_CHECKSUMS } from "./archive.ts";
 * assert.equal(RECORDED_CHECKSUMS, "usam-checksums.json");
 * ```
 */
export const RECORDED_CHECKSUMS = "usam-checksums.json";

/**
 * The SHA-256 digests recorded in `dir`'s {@link RECORDED_CHECKSUMS}, by file name; `{}` when the
 * folder has none (members extracted by hand). A damaged record is a `CorruptDataError`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readRecordedChecksums } from "./archive.ts";
 * assert.deepEqual(await readRecordedChecksums("/nonexistent-folder"), {});
 * ```
 */
export async function readRecordedChecksums(dir: string): Promise<Record<string, string>> {
  const path = join(dir, RECORDED_CHECKSUMS);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return {};
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CorruptDataError(path, `not valid JSON (${(error as Error).message})`);
  }
  const files = (parsed as { files?: unknown })?.files;
  if (
    (parsed as { algorithm?: unknown })?.algorithm !== "sha256" || typeof files !== "object" ||
    files === null || !Object.values(files).every((v) => typeof v === "string")
  ) {
    throw new CorruptDataError(path, 'expected {"algorithm": "sha256", "files": {name: hex}}');
  }
  return { ...(files as Record<string, string>) };
}
