// Speed figures for the data layer: `deno bench -A src/data/data_bench.ts`. Loading Fashion-MNIST
// (gunzip + SHA-256 of 55 MB + parse) should stay around a second; batching must be far cheaper
// than a training step (a few ms per 128-image batch).
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { Random } from "../math/random.ts";
import { batches } from "./batches.ts";
import type { ImageSet } from "./image_set.ts";
import { loadDataset } from "./load.ts";
import { applySettings } from "./settings.ts";

await tf.setBackend("cpu");

const haveFashion = (() => {
  try {
    return Deno.statSync("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz").isFile;
  } catch {
    return false;
  }
})();
const emptyCache = Deno.makeTempDirSync();
globalThis.addEventListener("unload", () => Deno.removeSync(emptyCache, { recursive: true }));

Deno.bench({
  name: "load + verify Fashion-MNIST (system package)",
  ignore: !haveFashion,
  n: 3,
  warmup: 1,
  async fn() {
    // An empty cache, and the system folder named: an explicit data dir would be searched alone.
    await loadDataset("fashion-mnist", {
      cacheDir: emptyCache,
      systemDirs: ["/usr/share/datasets/fashion-mnist"],
      download: false,
    });
  },
});

function cifarShaped(count: number): ImageSet {
  const rng = new Random(1);
  return {
    images: Uint8Array.from({ length: count * 3072 }, () => rng.integer(256)),
    labels: Uint8Array.from({ length: count }, () => rng.integer(10)),
    count,
    height: 32,
    width: 32,
    channels: 3,
    numClasses: 10,
    mean: [0.4914, 0.4822, 0.4465],
    std: [0.2470, 0.2435, 0.2616],
    horizontalFlip: true,
  };
}
const cifar = cifarShaped(1024);

Deno.bench({
  name: "batches: 1024 CIFAR-shaped images, batch 128, crop + flip + normalize",
  fn() {
    for (const batch of batches(cifar, { batchSize: 128, seed: 1, augment: true })) {
      tf.dispose([batch.xs, batch.ys]);
    }
  },
});

Deno.bench({
  name: "batches: 1024 CIFAR-shaped images, batch 128, normalize only",
  fn() {
    for (const batch of batches(cifar, { batchSize: 128, seed: 1 })) {
      tf.dispose([batch.xs, batch.ys]);
    }
  },
});

const labelsOnly: ImageSet = {
  images: new Uint8Array(60000),
  labels: Uint8Array.from({ length: 60000 }, (_, i) => i % 10),
  count: 60000,
  height: 1,
  width: 1,
  channels: 1,
  numClasses: 10,
};

Deno.bench({
  name: "applySettings: 60,000 labels, 10% stratified, 20% noise",
  fn() {
    applySettings(labelsOnly, { trainFraction: 0.1, labelNoise: 0.2, seed: 0 });
  },
});
