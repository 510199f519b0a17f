/**
 * One real `train()` run on a test-written file in each dataset format the catalog reads (issue
 * 14); CIFAR's binary format is in `train_mutants_test.ts`:
 *
 * - IDX, decompressed MNIST files at the published split sizes, through the real catalog (a
 *   decompressed MNIST file has no published checksum, so nothing is bypassed);
 * - IDX, gzip-compressed Fashion-MNIST-format files, and SVHN's MATLAB level-5 `.mat` (one file
 *   compressed, one plain), through `TrainOptions.datasetSpec`: the catalog's entry with its
 *   checksums and split sizes dropped (those rightly refuse test-written files), its parser kept.
 *
 * Each writer plants images whose class is visible in the pixels, over seeded noise. Two checks
 * fail if a file were misread: the learner set `train()` reports (`onStart`) must equal the
 * planted training pixels and labels byte for byte (a transposed, shifted or channel-mixed read,
 * or a wrong label mapping, differs); and the trained model must classify the test split, whose
 * labels follow another order than the training split's, far above chance (a test split read with
 * misaligned or swapped labels scores about 1/10).
 */
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import { DATASETS, type DatasetSpec } from "../data/catalog.ts";
import { loadDataset } from "../data/load.ts";
import { encodeIdxImages, encodeIdxLabels } from "../data/idx.ts";
import { encodeMat5 } from "../data/mat5.ts";
import { Random } from "../math/random.ts";
import type { TrainConfig } from "./config.ts";
import type { RunResult } from "./result.ts";
import { train, type TrainStart } from "./train.ts";

const tempDirs: string[] = [];
globalThis.addEventListener("unload", () => {
  for (const dir of tempDirs) Deno.removeSync(dir, { recursive: true });
});

/** Planted images in row-major `N×H×W×C` order, as an `ImageSet` holds them. */
interface Planted {
  images: Uint8Array;
  labels: Uint8Array;
}

/** Training labels cycle 0..9; test labels follow 3n + 7 mod 10, another order. */
const trainLabel = (n: number) => n % 10;
const testLabel = (n: number) => (3 * n + 7) % 10;

/**
 * 28×28 grey images: noise in [0, 40), and for class k a 7×7 white block in cell k of a 4×4 grid
 * of cells (row ⌊k/4⌋, column k mod 4). Not symmetric under a transpose (class 1's block moves to
 * class 4's cell), so a transposed read fails the byte comparison and mislabels the blocks.
 */
function plantGrey(count: number, label: (n: number) => number, seed: number): Planted {
  const rng = new Random(seed);
  const images = new Uint8Array(count * 784);
  const labels = new Uint8Array(count);
  for (let n = 0; n < count; n++) {
    const k = label(n);
    labels[n] = k;
    const top = 7 * Math.floor(k / 4);
    const left = 7 * (k % 4);
    for (let y = 0; y < 28; y++) {
      for (let x = 0; x < 28; x++) {
        const inBlock = y >= top && y < top + 7 && x >= left && x < left + 7;
        images[n * 784 + y * 28 + x] = inBlock ? 255 : rng.integer(40);
      }
    }
  }
  return { images, labels };
}

/**
 * The colour of class k: each channel at one of the levels 0, 96, 192, by the base-3 digits of
 * k + 5 (ten distinct colours). A uniform colour survives SVHN's random crops; the noise in
 * [0, 64) keeps the levels' ranges apart and gives every pixel its own value for the byte
 * comparison.
 */
function classColour(k: number): [number, number, number] {
  const code = k + 5;
  return [Math.floor(code / 9) % 3, Math.floor(code / 3) % 3, code % 3].map((d) => 96 * d) as [
    number,
    number,
    number,
  ];
}

/** 32×32×3 colour images of the classes' colours over noise, row-major with channels last. */
function plantColour(count: number, label: (n: number) => number, seed: number): Planted {
  const rng = new Random(seed);
  const images = new Uint8Array(count * 3072);
  const labels = new Uint8Array(count);
  for (let n = 0; n < count; n++) {
    const k = label(n);
    labels[n] = k;
    const colour = classColour(k);
    for (let p = 0; p < 1024; p++) {
      for (let ch = 0; ch < 3; ch++) images[n * 3072 + p * 3 + ch] = colour[ch] + rng.integer(64);
    }
  }
  return { images, labels };
}

/** SVHN's `.mat` layout: X is 32×32×3×N column-major (row fastest), y is N×1 with 10 for digit 0. */
function svhnMat(set: Planted, compress: boolean): Uint8Array {
  const count = set.labels.length;
  const x = new Uint8Array(count * 3072);
  for (let n = 0; n < count; n++) {
    for (let r = 0; r < 32; r++) {
      for (let c = 0; c < 32; c++) {
        for (let ch = 0; ch < 3; ch++) {
          x[r + 32 * c + 1024 * ch + 3072 * n] = set.images[n * 3072 + (r * 32 + c) * 3 + ch];
        }
      }
    }
  }
  const y = set.labels.map((k) => (k === 0 ? 10 : k));
  return encodeMat5([
    { name: "X", className: "uint8", dims: [32, 32, 3, count], data: x },
    { name: "y", className: "uint8", dims: [count, 1], data: y },
  ], { compress });
}

/** The catalog's entry without checksums, download URLs or split sizes: same files, same parser. */
function testWrittenSpec(spec: DatasetSpec): DatasetSpec {
  return {
    ...spec,
    files: spec.files.map(({ name, accept }) => ({ name, accept })),
    splitSizes: undefined,
    systemDirs: [],
  };
}

async function tempDir(prefix: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix });
  tempDirs.push(dir);
  return dir;
}

/** Where Debian's dataset-fashion-mnist installs the files (the CI installs it too). */
const FASHION_SYSTEM_DIR = "/usr/share/datasets/fashion-mnist";
const FASHION_FILES = [
  "train-images-idx3-ubyte.gz",
  "train-labels-idx1-ubyte.gz",
  "t10k-images-idx3-ubyte.gz",
  "t10k-labels-idx1-ubyte.gz",
];

const RUN: Partial<TrainConfig> = {
  model: "mlp",
  optimizer: "sgd",
  schedule: "constant",
  hessianEvery: 0,
  seed: 0,
  batchSize: 50,
  epochs: 2,
};

async function trainOn(
  partial: Partial<TrainConfig>,
  dataDir: string,
  datasetSpec?: DatasetSpec,
): Promise<{ result: RunResult; start: TrainStart }> {
  let start: TrainStart | undefined;
  const result = await train({ ...RUN, ...partial }, {
    backend: "wasm",
    dataDir,
    datasetSpec,
    onStart: (s) => (start = s),
  });
  assert.equal(result.status, "completed", JSON.stringify(result.failure));
  return { result, start: start! };
}

/** Byte equality of the learner set with the first `count` planted images (fast, one message). */
function assertSameData(start: TrainStart, planted: Planted, count: number, pixels: number) {
  const set = start.learnerSet;
  assert.equal(set.count, count);
  assert.deepEqual(set.labels, planted.labels.subarray(0, count), "labels as planted");
  const expected = planted.images.subarray(0, count * pixels);
  const first = expected.findIndex((v, i) => v !== set.images[i]);
  assert.equal(
    first,
    -1,
    `pixel ${first} read as ${set.images[first]}, planted ${expected[first]}`,
  );
  assert.equal(set.images.length, expected.length);
}

// Chance on ten balanced classes is 0.1; these blocks and colours are learned to ~1 in 20 steps.
// 0.8 over 200 test images is far from both: a misaligned test split scores 0.1 ± 0.02 (1σ).
const LEARNED = 0.8;
const TRAIN_N = 1000;
const TEST_N = 200;

Deno.test("train() on test-written MNIST IDX files (decompressed, published split sizes, the real catalog)", async () => {
  const dir = await tempDir("usam-formats-mnist-");
  const trainSet = plantGrey(60_000, trainLabel, 1);
  const testSet = plantGrey(10_000, testLabel, 2);
  await Deno.mkdir(join(dir, "mnist"));
  const write = (name: string, bytes: Uint8Array) =>
    Deno.writeFile(join(dir, "mnist", name), bytes);
  await write("train-images-idx3-ubyte", encodeIdxImages(trainSet.images, 60_000, 28, 28));
  await write("train-labels-idx1-ubyte", encodeIdxLabels(trainSet.labels));
  await write("t10k-images-idx3-ubyte", encodeIdxImages(testSet.images, 10_000, 28, 28));
  await write("t10k-labels-idx1-ubyte", encodeIdxLabels(testSet.labels));

  const { result, start } = await trainOn(
    { dataset: "mnist", trainLimit: TRAIN_N, testLimit: TEST_N },
    dir,
  );
  assertSameData(start, trainSet, TRAIN_N, 784);
  assert.equal(start.testImages, TEST_N);
  assert.equal(result.config.dataset, "mnist");
  assert.ok(result.final!.testAccuracy > LEARNED, `test accuracy ${result.final!.testAccuracy}`);

  // Another catalog dataset in the same data folder is its own data, not the MNIST just read (the
  // in-process cache of loaded datasets is keyed by dataset and folder): Fashion-MNIST's system
  // files, linked in.
  await Deno.mkdir(join(dir, "fashion-mnist"));
  for (const name of FASHION_FILES) {
    await Deno.symlink(join(FASHION_SYSTEM_DIR, name), join(dir, "fashion-mnist", name));
  }
  const fashion = await trainOn(
    { dataset: "fashion-mnist", trainLimit: 20, testLimit: 20, epochs: 1 },
    dir,
  );
  const system = await loadDataset("fashion-mnist", { dataDir: FASHION_SYSTEM_DIR });
  assert.deepEqual(fashion.start.learnerSet.labels, system.train.labels.subarray(0, 20));
  assert.deepEqual(fashion.start.learnerSet.images, system.train.images.subarray(0, 20 * 784));
});

Deno.test("train() on test-written gzip IDX files (Fashion-MNIST's format, via datasetSpec)", async () => {
  const dir = await tempDir("usam-formats-idx-gz-");
  const trainSet = plantGrey(TRAIN_N, trainLabel, 3);
  const testSet = plantGrey(TEST_N, testLabel, 4);
  const gz = (bytes: Uint8Array) => new Uint8Array(gzipSync(bytes));
  const write = (name: string, bytes: Uint8Array) => Deno.writeFile(join(dir, name), gz(bytes));
  await write("train-images-idx3-ubyte.gz", encodeIdxImages(trainSet.images, TRAIN_N, 28, 28));
  await write("train-labels-idx1-ubyte.gz", encodeIdxLabels(trainSet.labels));
  await write("t10k-images-idx3-ubyte.gz", encodeIdxImages(testSet.images, TEST_N, 28, 28));
  await write("t10k-labels-idx1-ubyte.gz", encodeIdxLabels(testSet.labels));

  const spec = testWrittenSpec(DATASETS["fashion-mnist"]);
  const { result, start } = await trainOn({ dataset: "fashion-mnist" }, dir, spec);
  assertSameData(start, trainSet, TRAIN_N, 784);
  assert.equal(start.testImages, TEST_N);
  assert.ok(result.final!.testAccuracy > LEARNED, `test accuracy ${result.final!.testAccuracy}`);
});

Deno.test("train() on test-written SVHN .mat files (compressed train, plain test, via datasetSpec)", async () => {
  const dir = await tempDir("usam-formats-svhn-");
  const trainSet = plantColour(TRAIN_N, trainLabel, 5);
  const testSet = plantColour(TEST_N, testLabel, 6);
  await Deno.writeFile(join(dir, "train_32x32.mat"), svhnMat(trainSet, true));
  await Deno.writeFile(join(dir, "test_32x32.mat"), svhnMat(testSet, false));

  const spec = testWrittenSpec(DATASETS.svhn);
  const { result, start } = await trainOn({ dataset: "svhn" }, dir, spec);
  // Digit 0 is stored as 10: the learner set holds 0, as planted.
  assertSameData(start, trainSet, TRAIN_N, 3072);
  assert.equal(start.testImages, TEST_N);
  assert.ok(result.final!.testAccuracy > LEARNED, `test accuracy ${result.final!.testAccuracy}`);
});

Deno.test("train() refuses a datasetSpec for another dataset than the config's, before any work", async () => {
  await assert.rejects(
    train({ ...RUN, dataset: "mnist" }, { backend: "wasm", datasetSpec: DATASETS.svhn }),
    (error: unknown) =>
      error instanceof RangeError && /datasetSpec\.name.*"mnist".*"svhn"/.test(error.message),
  );
  await assert.rejects(
    // deno-lint-ignore no-explicit-any
    train({ ...RUN }, { backend: "wasm", datasetSpec: {} as any }),
    (error: unknown) => error instanceof TypeError && /datasetSpec/.test(error.message),
  );
});
