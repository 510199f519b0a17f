/**
 * The datasets the paper uses, as data: class names, normalization, file names, canonical URLs
 * and checksums (from ../shared/DATA.md and the datasets' home pages), and how to parse them.
 *
 * Checksum policy. Fashion-MNIST: SHA-256 of the decompressed IDX bytes (so Debian's
 * re-compressed copies verify), checked on every load; the upstream gzip MD5 is also checked on
 * download. MNIST and SVHN: only MD5s of the upstream files are published, so they are checked on
 * the file as downloaded (and on every load of a file under its downloaded name); a decompressed
 * MNIST file a user put in place has no published checksum and gets the format checks only.
 * CIFAR: the archive's MD5 is checked on download; the extracted `.bin` files have no published
 * checksum and get the format checks (exact record length and count, label range).
 *
 * @module
 */
import type { Checksum } from "./checksum.ts";
import { parseCifarBinary } from "./cifar.ts";
import { idxImageSet } from "./idx.ts";
import { concatImageSets, type ImageSet } from "./image_set.ts";
import { parseSvhnMat } from "./svhn.ts";

/**
 * The built-in datasets; `"fashion-mnist"` is the default.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { DatasetName } from "./catalog.ts";
 * const name: DatasetName = "cifar10";
 * assert(name === "cifar10");
 * ```
 */
export type DatasetName = "fashion-mnist" | "mnist" | "cifar10" | "cifar100" | "svhn";

/**
 * Every built-in dataset name, the default first.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DATASET_NAMES } from "./catalog.ts";
 * assert(DATASET_NAMES[0] === "fashion-mnist" && DATASET_NAMES.length === 5);
 * ```
 */
export const DATASET_NAMES: readonly DatasetName[] = [
  "fashion-mnist",
  "mnist",
  "cifar10",
  "cifar100",
  "svhn",
];

/**
 * One file a dataset needs on disk.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { DataFileSpec } from "./catalog.ts";
 * const file: DataFileSpec = { name: "t10k-labels-idx1-ubyte.gz", accept: ["t10k-labels-idx1-ubyte"] };
 * assert(file.accept?.length === 1);
 * ```
 */
export interface DataFileSpec {
  /** The name as published (and as downloaded and cached). */
  readonly name: string;
  /** Other names accepted on disk, e.g. the decompressed form. */
  readonly accept?: readonly string[];
  /** Download mirrors, tried in order; none means the file comes from `archive` or by hand. */
  readonly urls?: readonly string[];
  /** Published checksums (see the module notes for which bytes each covers). */
  readonly checksums?: readonly Checksum[];
}

/**
 * An archive the files come in (CIFAR), with the folder its members sit in.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DATASETS } from "./catalog.ts";
 * assert(DATASETS.cifar10.archive?.memberDir === "cifar-10-batches-bin");
 * ```
 */
export interface ArchiveSpec {
  /** The archive's file name as published. */
  readonly name: string;
  /** Download mirrors, tried in order. */
  readonly urls: readonly string[];
  /** Published checksums of the archive file. */
  readonly checksums: readonly Checksum[];
  /** The folder inside the archive that holds the members. */
  readonly memberDir: string;
}

/**
 * A file found on disk, decompressed when it was gzip.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { LocatedFile } from "./catalog.ts";
 * const file: LocatedFile = { path: "/tmp/x", bytes: new Uint8Array(0) };
 * assert(file.path === "/tmp/x");
 * ```
 */
export interface LocatedFile {
  /** Where the file was read from. */
  readonly path: string;
  /** Its contents, gunzipped when the file was gzip. */
  readonly bytes: Uint8Array;
}

/**
 * Everything the loader needs to know about a dataset. The built-ins are in `DATASETS`; tests and
 * users may build their own and pass them to `loadDatasetSpec`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DATASETS } from "./catalog.ts";
 * const spec = DATASETS["fashion-mnist"];
 * assert(spec.classes.length === 10 && spec.mean.length === 1);
 * ```
 */
export interface DatasetSpec {
  /** The CLI name (`--dataset`), also the folder name under the data folder and the cache. */
  readonly name: string;
  /** The dataset's usual written name. */
  readonly title: string;
  /** Where the dataset is described. */
  readonly homepage: string;
  /** Class names, by label. */
  readonly classes: readonly string[];
  /** Per-channel mean and standard deviation of the training pixels on the [0, 1] scale. */
  readonly mean: readonly number[];
  /** See `mean`. */
  readonly std: readonly number[];
  /** Whether horizontal flips are a valid augmentation (CIFAR only: digits and clothes have a handedness). */
  readonly horizontalFlip: boolean;
  /** The files both splits are read from. */
  readonly files: readonly DataFileSpec[];
  /** The archive the files come in, when they are published only that way. */
  readonly archive?: ArchiveSpec;
  /** Folders a system package installs the files into, searched after the cache. */
  readonly systemDirs?: readonly string[];
  /** The command that installs the files on a machine without the internet, when there is one. */
  readonly installHint?: string;
  /** The published split sizes; a file set giving others is corrupt (guards files with no checksum). */
  readonly splitSizes?: { readonly train: number; readonly test: number };
  /** Builds the two splits from the located files, keyed by `DataFileSpec.name`. */
  parse(files: ReadonlyMap<string, LocatedFile>): { train: ImageSet; test: ImageSet };
}

const FASHION_HOST = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/";
const MNIST_HOSTS = [
  "https://ossci-datasets.s3.amazonaws.com/mnist/",
  "http://yann.lecun.com/exdb/mnist/",
];

const IDX_FILES = {
  trainImages: "train-images-idx3-ubyte",
  trainLabels: "train-labels-idx1-ubyte",
  testImages: "t10k-images-idx3-ubyte",
  testLabels: "t10k-labels-idx1-ubyte",
} as const;

function idxFiles(
  hosts: readonly string[],
  checksums: Record<keyof typeof IDX_FILES, readonly Checksum[]>,
): DataFileSpec[] {
  return (Object.keys(IDX_FILES) as (keyof typeof IDX_FILES)[]).map((key) => ({
    name: `${IDX_FILES[key]}.gz`,
    accept: [IDX_FILES[key]],
    urls: hosts.map((host) => `${host}${IDX_FILES[key]}.gz`),
    checksums: checksums[key],
  }));
}

function parseIdxPair(files: ReadonlyMap<string, LocatedFile>, numClasses: number) {
  const get = (base: string) => required(files, `${base}.gz`);
  return {
    train: idxImageSet(get(IDX_FILES.trainImages), get(IDX_FILES.trainLabels), numClasses),
    test: idxImageSet(get(IDX_FILES.testImages), get(IDX_FILES.testLabels), numClasses),
  };
}

function required(files: ReadonlyMap<string, LocatedFile>, name: string): LocatedFile {
  const file = files.get(name);
  if (file === undefined) throw new RangeError(`files has no entry ${JSON.stringify(name)}`);
  return file;
}

const sha256 = (hex: string): Checksum => ({ algorithm: "sha256", hex, of: "decompressed" });
const md5 = (hex: string): Checksum => ({ algorithm: "md5", hex, of: "file" });
const DIGITS = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

const fashionMnist: DatasetSpec = {
  name: "fashion-mnist",
  splitSizes: { train: 60_000, test: 10_000 },
  title: "Fashion-MNIST",
  homepage: "https://github.com/zalandoresearch/fashion-mnist",
  classes: [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
  ],
  // Computed from the 60,000 training images (fashion_mnist_test.ts recomputes them).
  mean: [0.2860],
  std: [0.3530],
  horizontalFlip: false,
  files: idxFiles([FASHION_HOST], {
    trainImages: [
      sha256("c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"),
      md5("8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
    ],
    trainLabels: [
      sha256("bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"),
      md5("25c81989df183df01b3e8a0aad5dffbe"),
    ],
    testImages: [
      sha256("5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"),
      md5("bef4ecab320f06d8554ea6380940ec79"),
    ],
    testLabels: [
      sha256("0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"),
      md5("bb300cfdad3c16e7a12a480ee83cd310"),
    ],
  }),
  systemDirs: ["/usr/share/datasets/fashion-mnist"],
  installHint: "apt-get install dataset-fashion-mnist",
  parse: (files) => parseIdxPair(files, 10),
};

const mnist: DatasetSpec = {
  name: "mnist",
  splitSizes: { train: 60_000, test: 10_000 },
  title: "MNIST",
  homepage: "http://yann.lecun.com/exdb/mnist/",
  classes: DIGITS,
  mean: [0.1307],
  std: [0.3081],
  horizontalFlip: false,
  files: idxFiles(MNIST_HOSTS, {
    trainImages: [md5("f68b3c2dcbeaaa9fbdd348bbdeb94873")],
    trainLabels: [md5("d53e105ee54ea40749a09fcbcd1e9432")],
    testImages: [md5("9fb629c4189551a2d022fa330f9573f3")],
    testLabels: [md5("ec29112dd5afa0611ce80d1b7f02629c")],
  }),
  parse: (files) => parseIdxPair(files, 10),
};

const CIFAR10_TRAIN = [1, 2, 3, 4, 5].map((k) => `data_batch_${k}.bin`);

const cifar10: DatasetSpec = {
  name: "cifar10",
  splitSizes: { train: 50_000, test: 10_000 },
  title: "CIFAR-10",
  homepage: "https://www.cs.toronto.edu/~kriz/cifar.html",
  classes: [
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
  ],
  mean: [0.4914, 0.4822, 0.4465],
  std: [0.2470, 0.2435, 0.2616],
  horizontalFlip: true,
  files: [...CIFAR10_TRAIN, "test_batch.bin"].map((name) => ({ name })),
  archive: {
    name: "cifar-10-binary.tar.gz",
    urls: ["https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"],
    checksums: [md5("c32a1d4ab5d03f1284b67883e8d87530")],
    memberDir: "cifar-10-batches-bin",
  },
  parse: (files) => ({
    train: concatImageSets(
      CIFAR10_TRAIN.map((name) => {
        const file = required(files, name);
        return parseCifarBinary(file.bytes, file.path, {
          variant: "cifar10",
          expectedCount: 10000,
        });
      }),
    ),
    test: (() => {
      const file = required(files, "test_batch.bin");
      return parseCifarBinary(file.bytes, file.path, { variant: "cifar10", expectedCount: 10000 });
    })(),
  }),
};

const cifar100: DatasetSpec = {
  name: "cifar100",
  splitSizes: { train: 50_000, test: 10_000 },
  title: "CIFAR-100 (fine labels)",
  homepage: "https://www.cs.toronto.edu/~kriz/cifar.html",
  classes: [
    "apple",
    "aquarium_fish",
    "baby",
    "bear",
    "beaver",
    "bed",
    "bee",
    "beetle",
    "bicycle",
    "bottle",
    "bowl",
    "boy",
    "bridge",
    "bus",
    "butterfly",
    "camel",
    "can",
    "castle",
    "caterpillar",
    "cattle",
    "chair",
    "chimpanzee",
    "clock",
    "cloud",
    "cockroach",
    "couch",
    "crab",
    "crocodile",
    "cup",
    "dinosaur",
    "dolphin",
    "elephant",
    "flatfish",
    "forest",
    "fox",
    "girl",
    "hamster",
    "house",
    "kangaroo",
    "keyboard",
    "lamp",
    "lawn_mower",
    "leopard",
    "lion",
    "lizard",
    "lobster",
    "man",
    "maple_tree",
    "motorcycle",
    "mountain",
    "mouse",
    "mushroom",
    "oak_tree",
    "orange",
    "orchid",
    "otter",
    "palm_tree",
    "pear",
    "pickup_truck",
    "pine_tree",
    "plain",
    "plate",
    "poppy",
    "porcupine",
    "possum",
    "rabbit",
    "raccoon",
    "ray",
    "road",
    "rocket",
    "rose",
    "sea",
    "seal",
    "shark",
    "shrew",
    "skunk",
    "skyscraper",
    "snail",
    "snake",
    "spider",
    "squirrel",
    "streetcar",
    "sunflower",
    "sweet_pepper",
    "table",
    "tank",
    "telephone",
    "television",
    "tiger",
    "tractor",
    "train",
    "trout",
    "tulip",
    "turtle",
    "wardrobe",
    "whale",
    "willow_tree",
    "wolf",
    "woman",
    "worm",
  ],
  mean: [0.5071, 0.4865, 0.4409],
  std: [0.2673, 0.2564, 0.2762],
  horizontalFlip: true,
  files: [{ name: "train.bin" }, { name: "test.bin" }],
  archive: {
    name: "cifar-100-binary.tar.gz",
    urls: ["https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz"],
    checksums: [md5("03b5dce01913d631647c71ecec9e9cb8")],
    memberDir: "cifar-100-binary",
  },
  parse: (files) => {
    const train = required(files, "train.bin");
    const test = required(files, "test.bin");
    return {
      train: parseCifarBinary(train.bytes, train.path, {
        variant: "cifar100",
        expectedCount: 50000,
      }),
      test: parseCifarBinary(test.bytes, test.path, { variant: "cifar100", expectedCount: 10000 }),
    };
  },
};

const svhn: DatasetSpec = {
  name: "svhn",
  splitSizes: { train: 73_257, test: 26_032 },
  title: "SVHN (cropped digits)",
  homepage: "http://ufldl.stanford.edu/housenumbers/",
  classes: DIGITS,
  mean: [0.4377, 0.4438, 0.4728],
  std: [0.1980, 0.2010, 0.1970],
  horizontalFlip: false,
  files: [
    {
      name: "train_32x32.mat",
      urls: ["http://ufldl.stanford.edu/housenumbers/train_32x32.mat"],
      checksums: [md5("e26dedcc434d2e4c54c9b2d4a06d8373")],
    },
    {
      name: "test_32x32.mat",
      urls: ["http://ufldl.stanford.edu/housenumbers/test_32x32.mat"],
      checksums: [md5("eb5a983be6a315427106f1b164d9cef3")],
    },
  ],
  parse: (files) => {
    const train = required(files, "train_32x32.mat");
    const test = required(files, "test_32x32.mat");
    return {
      train: parseSvhnMat(train.bytes, train.path),
      test: parseSvhnMat(test.bytes, test.path),
    };
  },
};

/**
 * The built-in datasets by name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DATASETS } from "./catalog.ts";
 * assert(DATASETS.cifar100.classes.length === 100);
 * assert(DATASETS.svhn.files[0].name === "train_32x32.mat");
 * ```
 */
export const DATASETS: Readonly<Record<DatasetName, DatasetSpec>> = {
  "fashion-mnist": fashionMnist,
  mnist,
  cifar10,
  cifar100,
  svhn,
};

/**
 * Whether a string names a built-in dataset.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isDatasetName } from "./catalog.ts";
 * assert(isDatasetName("cifar10") && !isDatasetName("imagenet"));
 * ```
 */
export function isDatasetName(name: unknown): name is DatasetName {
  return typeof name === "string" && (DATASET_NAMES as readonly string[]).includes(name);
}
