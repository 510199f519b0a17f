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
  return written;
}
