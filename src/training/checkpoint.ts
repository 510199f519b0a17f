/**
 * Per-epoch checkpoints: every model variable (BatchNorm moving statistics included), the
 * optimizer's state (step counter, momentum or Adam moments), the epoch history and the config,
 * in one binary file written atomically. The random streams need no saved state: each epoch's
 * streams are derived from (seed, epoch) (see `seeds.ts`), so resuming at epoch k replays them.
 * A run stopped inside an epoch (Ctrl-C, SIGTERM) also writes one, with `partial`: the steps of
 * that epoch already taken and the epoch's running sums. The perturbation draws are keyed by the
 * optimizer's step counter (saved with its state) and the batch order by (seed, epoch), so the
 * resume redraws and drops those steps' batches and continues bitwise.
 *
 * File layout: the 8 bytes `USAMCKP1`, a little-endian uint32 header length, the UTF-8 JSON
 * header, zero padding to a multiple of 8, then the tensors' raw little-endian bytes. The header
 * records each tensor's offset and length and the SHA-256 of the data section, so a truncated or
 * damaged file is reported rather than loaded.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import type { TrainConfig } from "./config.ts";
import type { EpochRecord } from "./result.ts";
import { writeFileAtomic } from "../io/atomic.ts";

const MAGIC = "USAMCKP1";
/** The name of the checkpoint file inside a checkpoint directory. */
export const CHECKPOINT_FILE = "checkpoint.bin";

/** One saved tensor, on the host. */
export interface SavedTensor {
  name: string;
  shape: number[];
  dtype: "float32" | "int32";
  data: Float32Array | Int32Array;
}

/**
 * The steps of an epoch that were done when the run was interrupted mid-epoch: the running sums
 * the epoch record is made of. A resume skips these steps' batches (same order, same
 * augmentation draws) and continues the sums, so it reaches bitwise the same epoch record.
 */
export interface PartialEpoch {
  /** Steps of the epoch already taken (the epoch is `Checkpoint.epoch + 1`). */
  steps: number;
  /** Σ clean loss × batch size over those steps (a float64, stored exactly by JSON). */
  lossSum: number;
  images: number;
  /** Correct training predictions so far (an integer). */
  correct: number;
  /** Training seconds so far (wall-clock: not part of the bitwise guarantee). */
  seconds: number;
  /** Process CPU seconds of those steps (absent in older checkpoints: counted from 0). */
  cpuSeconds?: number;
}

/** Everything needed to continue a run after `epoch` completed epochs. */
export interface Checkpoint {
  config: TrainConfig;
  /** Completed epochs. */
  epoch: number;
  /** Completed optimizer steps (global). */
  step: number;
  history: EpochRecord[];
  /** Model variables in `model.weights` order. */
  model: SavedTensor[];
  /** Optimizer state as `optimizer.getWeights()` lists it. */
  optimizer: SavedTensor[];
  /** Present when the run stopped inside epoch `epoch + 1` (Ctrl-C, SIGTERM). */
  partial?: PartialEpoch;
  /** The TF.js backend that wrote it (absent in older checkpoints). */
  backend?: string;
}

interface TensorEntry {
  name: string;
  shape: number[];
  dtype: "float32" | "int32";
  offset: number;
  length: number;
}

interface Header {
  format: 1;
  config: TrainConfig;
  epoch: number;
  step: number;
  history: EpochRecord[];
  model: TensorEntry[];
  optimizer: TensorEntry[];
  sha256: string;
  partial?: PartialEpoch;
  backend?: string;
}

/**
 * The checkpoint file path inside `dir`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkpointPath } from "./checkpoint.ts";
 * assert.ok(checkpointPath("/tmp/run.checkpoint").endsWith("checkpoint.bin"));
 * ```
 */
export function checkpointPath(dir: string): string {
  return join(dir, CHECKPOINT_FILE);
}

/**
 * Serializes a checkpoint to bytes (see the module doc for the layout).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeCheckpoint, encodeCheckpoint } from "./checkpoint.ts";
 * import { DEFAULT_TRAIN_CONFIG } from "./config.ts";
 * const bytes = encodeCheckpoint({
 *   config: { ...DEFAULT_TRAIN_CONFIG }, epoch: 1, step: 10, history: [], optimizer: [],
 *   model: [{ name: "w", shape: [2], dtype: "float32", data: Float32Array.of(1, 2) }],
 * });
 * assert.ok(decodeCheckpoint(bytes).model[0].data[1] === 2);
 * ```
 */
export function encodeCheckpoint(checkpoint: Checkpoint): Uint8Array {
  let offset = 0;
  const entries = (tensors: SavedTensor[]): TensorEntry[] =>
    tensors.map((t) => {
      const size = t.shape.reduce((a, b) => a * b, 1);
      if (t.data.length !== size) {
        throw new RangeError(
          `checkpoint tensor ${t.name}: shape [${t.shape}] needs ${size} values, got ${t.data.length}`,
        );
      }
      const entry = { name: t.name, shape: t.shape, dtype: t.dtype, offset, length: size };
      offset += size * 4;
      return entry;
    });
  const model = entries(checkpoint.model);
  const optimizer = entries(checkpoint.optimizer);
  const data = new Uint8Array(offset);
  for (
    const [tensors, list] of [[checkpoint.model, model], [checkpoint.optimizer, optimizer]] as const
  ) {
    tensors.forEach((t, i) => {
      data.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), list[i].offset);
    });
  }
  const header: Header = {
    format: 1,
    config: checkpoint.config,
    epoch: checkpoint.epoch,
    step: checkpoint.step,
    history: checkpoint.history,
    model,
    optimizer,
    sha256: createHash("sha256").update(data).digest("hex"),
    ...(checkpoint.partial ? { partial: checkpoint.partial } : {}),
    ...(checkpoint.backend !== undefined ? { backend: checkpoint.backend } : {}),
  };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const dataStart = align8(MAGIC.length + 4 + headerBytes.length);
  const out = new Uint8Array(dataStart + data.length);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(MAGIC.length, headerBytes.length, true);
  out.set(headerBytes, MAGIC.length + 4);
  out.set(data, dataStart);
  return out;
}

/**
 * Parses checkpoint bytes, throwing a `RangeError` that says what is wrong (magic, length,
 * checksum) for a damaged file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeCheckpoint } from "./checkpoint.ts";
 * try { decodeCheckpoint(new Uint8Array(3)); } catch (e) { assert.ok(e instanceof RangeError); }
 * ```
 */
export function decodeCheckpoint(bytes: Uint8Array, source = "checkpoint"): Checkpoint {
  if (bytes.length < MAGIC.length + 4) {
    throw new RangeError(`${source}: file is ${bytes.length} bytes, too short for a checkpoint`);
  }
  const magic = new TextDecoder().decode(bytes.subarray(0, MAGIC.length));
  if (magic !== MAGIC) {
    throw new RangeError(`${source}: bad magic ${JSON.stringify(magic)}, expected "${MAGIC}"`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(MAGIC.length, true);
  const headerEnd = MAGIC.length + 4 + headerLength;
  if (headerEnd > bytes.length) {
    throw new RangeError(`${source}: header of ${headerLength} bytes runs past the file end`);
  }
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(MAGIC.length + 4, headerEnd)));
  } catch (error) {
    throw new RangeError(`${source}: unreadable header (${(error as Error).message})`);
  }
  if (header.format !== 1) {
    throw new RangeError(`${source}: unknown format ${header.format}, expected 1`);
  }
  const data = bytes.slice(align8(headerEnd));
  const expectedBytes = [...header.model, ...header.optimizer].reduce(
    (n, e) => Math.max(n, e.offset + e.length * 4),
    0,
  );
  if (data.length !== expectedBytes) {
    throw new RangeError(
      `${source}: data section is ${data.length} bytes, the header describes ${expectedBytes}`,
    );
  }
  const digest = createHash("sha256").update(data).digest("hex");
  if (digest !== header.sha256) {
    throw new RangeError(
      `${source}: checksum mismatch (sha256 ${digest}, header ${header.sha256})`,
    );
  }
  const tensors = (list: TensorEntry[]): SavedTensor[] =>
    list.map((e) => ({
      name: e.name,
      shape: e.shape,
      dtype: e.dtype,
      data: e.dtype === "int32"
        ? new Int32Array(data.buffer, e.offset, e.length)
        : new Float32Array(data.buffer, e.offset, e.length),
    }));
  const checkpoint: Checkpoint = {
    config: header.config,
    epoch: header.epoch,
    step: header.step,
    history: header.history,
    model: tensors(header.model),
    optimizer: tensors(header.optimizer),
  };
  if (header.partial !== undefined) checkpoint.partial = parsePartial(header.partial, source);
  if (header.backend !== undefined) {
    if (typeof header.backend !== "string") {
      throw new RangeError(
        `${source}: backend must be a string, got ${JSON.stringify(header.backend)}`,
      );
    }
    checkpoint.backend = header.backend;
  }
  return checkpoint;
}

function parsePartial(partial: unknown, source: string): PartialEpoch {
  const p = partial as Record<string, unknown>;
  const keys = ["steps", "lossSum", "images", "correct", "seconds"] as const;
  if (p === null || typeof p !== "object" || keys.some((k) => typeof p[k] !== "number")) {
    throw new RangeError(
      `${source}: partial epoch must hold numbers ${keys.join(", ")}, got ${
        JSON.stringify(partial)
      }`,
    );
  }
  return {
    steps: p.steps as number,
    lossSum: p.lossSum as number,
    images: p.images as number,
    correct: p.correct as number,
    seconds: p.seconds as number,
    ...(typeof p.cpuSeconds === "number" ? { cpuSeconds: p.cpuSeconds } : {}),
  };
}

/**
 * Writes `dir/checkpoint.bin` atomically (a kill mid-write leaves the previous checkpoint).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readCheckpoint, writeCheckpoint } from "./checkpoint.ts";
 * import { DEFAULT_TRAIN_CONFIG } from "./config.ts";
 * const dir = await Deno.makeTempDir();
 * await writeCheckpoint(dir, {
 *   config: { ...DEFAULT_TRAIN_CONFIG }, epoch: 1, step: 1, history: [], model: [], optimizer: [],
 * });
 * assert.ok((await readCheckpoint(dir))?.epoch === 1);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeCheckpoint(dir: string, checkpoint: Checkpoint): Promise<void> {
  await writeFileAtomic(checkpointPath(dir), encodeCheckpoint(checkpoint));
}

/**
 * Reads `dir/checkpoint.bin`; null when there is none; a `RangeError` naming the path when it is
 * damaged.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readCheckpoint } from "./checkpoint.ts";
 * const dir = await Deno.makeTempDir();
 * assert.ok(await readCheckpoint(dir) === null);
 * await Deno.remove(dir);
 * ```
 */
export async function readCheckpoint(dir: string): Promise<Checkpoint | null> {
  const path = checkpointPath(dir);
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
  return decodeCheckpoint(bytes, path);
}

function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}
