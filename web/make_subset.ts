/**
 * `deno task playground:data [--train 2000] [--test 1000] [--seed 0] [--out FILE]`: writes the
 * Fashion-MNIST subset of the playground's second tab from the files the data layer finds
 * (Debian's dataset-fashion-mnist; never a download): a seeded stratified training subset
 * (`applySettings`) and the first test images.
 *
 * @module
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { applySettings, loadDataset } from "../src/data/mod.ts";
import { defaultSubsetPath, encodeSubset } from "./subset.ts";

function integerFlag(value: string, name: string, minimum: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < minimum) {
    throw new RangeError(`--${name} must be an integer >= ${minimum}, got ${value}`);
  }
  return n;
}

/**
 * Makes the subset file and returns its path and counts.
 *
 * @example
 * ```ts ignore
 * import { makeSubset } from "./make_subset.ts";
 * const { path, train } = await makeSubset({ train: 2000, test: 1000, seed: 0 });
 * console.log(path, train);
 * ```
 */
export async function makeSubset(
  options: { train?: number; test?: number; seed?: number; out?: string } = {},
): Promise<{ path: string; train: number; test: number; bytes: number }> {
  const trainCount = options.train ?? 2000;
  const testCount = options.test ?? 1000;
  const seed = options.seed ?? 0;
  const path = options.out ?? defaultSubsetPath();
  const data = await loadDataset("fashion-mnist", { download: false, progress: "none" });
  if (trainCount > data.train.count) {
    throw new RangeError(`train must be <= ${data.train.count}, got ${trainCount}`);
  }
  if (testCount > data.test.count) {
    throw new RangeError(`test must be <= ${data.test.count}, got ${testCount}`);
  }
  const train = applySettings(data.train, {
    trainFraction: trainCount / data.train.count,
    labelNoise: 0,
    seed,
  });
  const pixels = data.train.height * data.train.width;
  const bytes = encodeSubset({
    height: data.train.height,
    width: data.train.width,
    mean: data.mean[0],
    std: data.std[0],
    train: { images: train.images, labels: train.labels, count: train.count },
    test: {
      images: data.test.images.subarray(0, testCount * pixels),
      labels: data.test.labels.subarray(0, testCount),
      count: testCount,
    },
  });
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, bytes);
  return { path, train: train.count, test: testCount, bytes: bytes.length };
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      train: { type: "string", default: "2000" },
      test: { type: "string", default: "1000" },
      seed: { type: "string", default: "0" },
      out: { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(
      "deno task playground:data [--train 2000] [--test 1000] [--seed 0] [--out web/data/fashion-mnist-subset.bin]",
    );
    Deno.exit(0);
  }
  const made = await makeSubset({
    train: integerFlag(values.train, "train", 10),
    test: integerFlag(values.test, "test", 1),
    seed: integerFlag(values.seed, "seed", 0),
    out: values.out,
  });
  console.log(
    `wrote ${made.path}: ${made.train} train and ${made.test} test images, ${made.bytes} bytes`,
  );
}
