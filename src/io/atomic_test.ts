import assert from "node:assert/strict";
import { join } from "node:path";
import { writeFileAtomic } from "./atomic.ts";

Deno.test("writeFileAtomic replaces the file, creates parents and leaves no temporary file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "nested", "result.json");
    await writeFileAtomic(path, "first");
    await writeFileAtomic(path, new TextEncoder().encode("second"));
    assert.equal(await Deno.readTextFile(path), "second");
    assert.deepEqual([...Deno.readDirSync(join(dir, "nested"))].map((e) => e.name), [
      "result.json",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeFileAtomic: a failed rename keeps the old file and removes the temporary", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const target = join(dir, "occupied");
    await Deno.mkdir(join(target, "child"), { recursive: true }); // non-empty: rename fails
    await assert.rejects(() => writeFileAtomic(target, "data"));
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["occupied"]);
    await assert.rejects(() => writeFileAtomic("", "x"), TypeError);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
