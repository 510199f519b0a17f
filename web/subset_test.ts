import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadDataset } from "../src/data/mod.ts";
import { makeSubset } from "./make_subset.ts";
import { decodeSubset, encodeSubset } from "./subset.ts";

Deno.test("encodeSubset/decodeSubset round trip and reject other files", () => {
  const train = {
    images: Uint8Array.from({ length: 12 }, (_, i) => i),
    labels: Uint8Array.of(1, 2, 3),
    count: 3,
  };
  const test = { images: Uint8Array.of(9, 8, 7, 6), labels: Uint8Array.of(4), count: 1 };
  const bytes = encodeSubset({ height: 2, width: 2, mean: 0.25, std: 0.5, train, test });
  const back = decodeSubset(bytes);
  assert.deepEqual(back.train, train);
  assert.deepEqual(back.test, test);
  assert.equal(back.mean, 0.25);
  assert.throws(() => decodeSubset(bytes.subarray(0, bytes.length - 1)), /expected/);
  const wrong = bytes.slice();
  wrong[0] = 0;
  assert.throws(() => decodeSubset(wrong), /not a playground subset file/);
  assert.throws(
    () =>
      encodeSubset({ height: 2, width: 2, mean: 0, std: 1, train: { ...train, count: 4 }, test }),
    /train: expected 16 pixels and 4 labels/,
  );
});

Deno.test("makeSubset: 2,000 stratified training images and the first 1,000 test images", async () => {
  const dir = await mkdtemp(join(tmpdir(), "usam-subset-"));
  try {
    const out = join(dir, "subset.bin");
    const made = await makeSubset({ out });
    const subset = decodeSubset(new Uint8Array(await readFile(out)));
    assert.equal(made.train, 2000);
    assert.equal(subset.train.count, 2000);
    const perClass = new Array(10).fill(0);
    for (const label of subset.train.labels) perClass[label]++;
    assert.deepEqual(perClass, new Array(10).fill(200)); // Fashion-MNIST is balanced
    const data = await loadDataset("fashion-mnist", { download: false, progress: "none" });
    assert.deepEqual(subset.test.labels, data.test.labels.slice(0, 1000));
    assert.deepEqual(subset.test.images, data.test.images.slice(0, 1000 * 784));
    assert.equal(subset.mean, Math.fround(data.mean[0]));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
