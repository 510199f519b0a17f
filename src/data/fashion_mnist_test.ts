// End to end on the real Fashion-MNIST, got the way every test that needs it gets it: the data
// layer's chain (Debian's `dataset-fashion-mnist`, then the per-user cache, then the canonical
// download with checksums). Offline and without the package, it fails with the loader's one-line
// install hint.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { classCounts } from "./image_set.ts";
import { defaultCacheDir, loadDataset } from "./load.ts";
import { applySettings } from "./settings.ts";

const DEBIAN = "/usr/share/datasets/fashion-mnist";

Deno.test("Fashion-MNIST through the data layer loads with its SHA-256 checksums verified", async () => {
  const saved = Deno.env.get("USAM_DATA");
  Deno.env.delete("USAM_DATA"); // the chain itself, not a user's data folder
  try {
    const started = performance.now();
    const data = await loadDataset("fashion-mnist", { progress: "none" });
    const seconds = (performance.now() - started) / 1000;
    console.log(`loaded and verified Fashion-MNIST in ${seconds.toFixed(2)} s`);
    assert.deepEqual([...data.checksumVerified].sort(), [
      "t10k-images-idx3-ubyte.gz",
      "t10k-labels-idx1-ubyte.gz",
      "train-images-idx3-ubyte.gz",
      "train-labels-idx1-ubyte.gz",
    ]);
    // From the Debian package when it is installed (it comes first), else from the cache the
    // download fills: a machine that got the data another way passes too.
    const source = existsSync(`${DEBIAN}/train-images-idx3-ubyte.gz`)
      ? DEBIAN
      : `${defaultCacheDir()}/fashion-mnist`;
    assert.ok(
      data.files["train-images-idx3-ubyte.gz"].startsWith(`${source}/`),
      data.files["train-images-idx3-ubyte.gz"],
    );
    assert.equal(data.train.count, 60000);
    assert.equal(data.test.count, 10000);
    for (const set of [data.train, data.test]) {
      assert.equal(set.height, 28);
      assert.equal(set.width, 28);
      assert.equal(set.channels, 1);
      assert.equal(set.images.length, set.count * 784);
    }
    // The published splits are exactly balanced: 6,000 and 1,000 images per class.
    assert.deepEqual([...classCounts(data.train.labels, 10)], Array(10).fill(6000));
    assert.deepEqual([...classCounts(data.test.labels, 10)], Array(10).fill(1000));
    assert.equal(data.classes[9], "Ankle boot");
    // The catalog's normalization is the training set's own mean and std, rounded to 4 decimals
    // (so each may be off by at most 5e-5, plus float64 summation error far below that).
    let sum = 0;
    let sumSquares = 0;
    for (const v of data.train.images) {
      sum += v;
      sumSquares += v * v;
    }
    const n = data.train.images.length;
    const mean = sum / n / 255;
    const std = Math.sqrt(sumSquares / n / 255 ** 2 - mean ** 2);
    assert.ok(Math.abs(mean - data.mean[0]) <= 5e-5, `mean ${mean} vs catalog ${data.mean[0]}`);
    assert.ok(Math.abs(std - data.std[0]) <= 5e-5, `std ${std} vs catalog ${data.std[0]}`);
    // The paper's settings on the real data: 10% kept (stratified: exactly 600 per class), then
    // 20% of those labels corrupted (exactly 1,200), the test split left as loaded.
    const testLabels = data.test.labels.slice();
    const settled = applySettings(data.train, { trainFraction: 0.1, labelNoise: 0.2, seed: 0 });
    assert.equal(settled.count, 6000);
    assert.deepEqual([...classCounts(settled.cleanLabels, 10)], Array(10).fill(600));
    assert.equal(settled.corruptedIndices.length, 1200);
    assert.ok(settled.corruptedIndices.every((i) => settled.labels[i] !== settled.cleanLabels[i]));
    assert.deepEqual(data.test.labels, testLabels);
    assert.deepEqual(
      [...classCounts(data.train.labels, 10)],
      Array(10).fill(6000),
      "the loaded set is not modified",
    );
  } finally {
    if (saved !== undefined) Deno.env.set("USAM_DATA", saved);
  }
});
