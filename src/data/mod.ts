/**
 * The data layer: the standard files of Fashion-MNIST, MNIST (IDX), CIFAR-10/100 (binary
 * version) and SVHN (MATLAB v5), verified by checksum, found in the data folder, the per-user
 * cache or a system package, or downloaded; the paper's settings (training fraction, label
 * noise); and seeded, augmented, normalized batches.
 *
 * @example
 * ```ts ignore
 * import * as tf from "@tensorflow/tfjs-core";
 * import { applySettings, batches, loadDataset } from "./mod.ts";
 * const data = await loadDataset("fashion-mnist");
 * const train = applySettings(data.train, { trainFraction: 0.1, labelNoise: 0.2, seed: 0 });
 * for (const batch of batches(train, { batchSize: 128, seed: 0, augment: true })) {
 *   // ... a training step on batch.xs, batch.ys
 *   tf.dispose([batch.xs, batch.ys]);
 * }
 * ```
 *
 * @module
 */
export { CorruptDataError, DatasetUnavailableError, DownloadError } from "./errors.ts";
export {
  classCounts,
  concatImageSets,
  type ImageSet,
  numClassesOf,
  validateImageSet,
} from "./image_set.ts";
export { type Checksum, type ChecksumAlgorithm, digestHex, verifyChecksum } from "./checksum.ts";
export { isGzip, maybeGunzip } from "./gzip.ts";
export {
  encodeIdxImages,
  encodeIdxLabels,
  IDX_IMAGES_MAGIC,
  IDX_LABELS_MAGIC,
  type IdxImages,
  idxImageSet,
  parseIdxImages,
  parseIdxLabels,
} from "./idx.ts";
export { type CifarFormat, encodeCifarBinary, parseCifarBinary } from "./cifar.ts";
export { encodeMat5, type MatArray, type MatClass, type MatVariable, parseMat5 } from "./mat5.ts";
export { parseSvhnMat } from "./svhn.ts";
export {
  type ArchiveSpec,
  type DataFileSpec,
  DATASET_NAMES,
  type DatasetName,
  DATASETS,
  type DatasetSpec,
  isDatasetName,
  type LocatedFile,
} from "./catalog.ts";
export {
  createProgress,
  type Progress,
  type ProgressEvent,
  type ProgressMode,
} from "./progress.ts";
export { extractMembers } from "./archive.ts";
export { downloadFile, type DownloadOptions } from "./download.ts";
export {
  type Dataset,
  defaultCacheDir,
  loadDataset,
  loadDatasetSpec,
  type LoadOptions,
  searchDirs,
} from "./load.ts";
export {
  applySettings,
  type DataSettings,
  type SettledImageSet,
  splitValidation,
  type ValidationSplit,
} from "./settings.ts";
export {
  type AugmentOptions,
  type Batch,
  batchCount,
  batches,
  type BatchOptions,
} from "./batches.ts";
