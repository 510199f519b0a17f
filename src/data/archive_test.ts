import assert from "node:assert/strict";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { extractMembers, readRecordedChecksums, RECORDED_CHECKSUMS } from "./archive.ts";
import { digestHex } from "./checksum.ts";
import { CorruptDataError } from "./errors.ts";

async function gnuTarGz(root: string, entries: Record<string, Uint8Array>): Promise<string> {
  const src = join(root, "src");
  for (const [name, bytes] of Object.entries(entries)) {
    await Deno.mkdir(join(src, name, ".."), { recursive: true });
    await Deno.writeFile(join(src, name), bytes);
  }
  const archive = join(root, "a.tar.gz");
  const { success } = await new Deno.Command("tar", { args: ["czf", archive, "-C", src, "."] })
    .output();
  assert.ok(success);
  return archive;
}

Deno.test("archive: extracts only the wanted members, atomically", async () => {
  const root = await Deno.makeTempDir();
  try {
    const a = Uint8Array.from({ length: 5000 }, (_, i) => i & 0xff);
    const archive = await gnuTarGz(root, {
      "m/one.bin": a,
      "m/two.bin": Uint8Array.of(1),
      "m/skip.txt": Uint8Array.of(2),
    });
    const written = await extractMembers(archive, "m", ["one.bin", "two.bin"], join(root, "out"));
    assert.deepEqual(written, [
      join(root, "out", "m", "one.bin"),
      join(root, "out", "m", "two.bin"),
    ]);
    assert.deepEqual(await Deno.readFile(written[0]), a);
    const names = [...Deno.readDirSync(join(root, "out", "m"))].map((e) => e.name).sort();
    // Next to them, the SHA-256 of each as extracted, for the loader to verify them later.
    assert.deepEqual(names, ["one.bin", "two.bin", RECORDED_CHECKSUMS]);
    const recorded = await readRecordedChecksums(join(root, "out", "m"));
    assert.deepEqual(Object.keys(recorded).sort(), ["one.bin", "two.bin"]);
    assert.equal(recorded["one.bin"], digestHex("sha256", a));
    await assert.rejects(
      extractMembers(archive, "m", ["three.bin"], join(root, "out2")),
      /lacks m\/three.bin/,
    );
    await Deno.writeFile(
      join(root, "bad.tar.gz"),
      new Uint8Array(gzipSync(Uint8Array.of(1, 2, 3))),
    );
    await assert.rejects(
      extractMembers(join(root, "bad.tar.gz"), "m", ["one.bin"], join(root, "out3")),
      CorruptDataError,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
