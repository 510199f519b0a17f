/**
 * Writes a synthetic CIFAR-10 in the published binary layout (`cifar-10-batches-bin/`, five
 * `data_batch_N.bin` of 10,000 records and `test_batch.bin`; a record is the label byte then
 * 1024 red, 1024 green, 1024 blue bytes), so that `deno task train --dataset cifar10
 * --data-dir DIR` runs where the real data cannot be fetched (the GPU machine has no network).
 * The loader checks the member files' format and sizes; only the archive has a published
 * checksum, so these load as CIFAR-10 would.
 *
 * Each class has its own mean colour plus uniform noise, so a network can learn it and the
 * training loss falls.
 *
 *     deno run -A bench/gpu/synthetic_cifar.ts DIR
 *
 * @module
 */
import { join } from "node:path";

const RECORDS_PER_FILE = 10_000;
const PIXELS = 32 * 32;
const RECORD = 1 + 3 * PIXELS;

/**
 * One file's bytes: `RECORDS_PER_FILE` records drawn from an LCG seeded by `seed`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { syntheticCifarBatch } from "./synthetic_cifar.ts";
 * const bytes = syntheticCifarBatch(1);
 * assert.equal(bytes.length, 10_000 * 3073);
 * assert.ok(bytes[0] < 10); // a label
 * ```
 */
export function syntheticCifarBatch(seed: number): Uint8Array {
  const out = new Uint8Array(RECORDS_PER_FILE * RECORD);
  let state = (seed * 2654435761) >>> 0;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state >>> 24; // 0..255
  };
  for (let r = 0; r < RECORDS_PER_FILE; r++) {
    const label = next() % 10;
    const base = r * RECORD;
    out[base] = label;
    for (let c = 0; c < 3; c++) {
      // Class means spread over the colour cube; noise of ±64 around them.
      const mean = 40 + ((label * (c + 3) * 37) % 176);
      const offset = base + 1 + c * PIXELS;
      for (let p = 0; p < PIXELS; p++) {
        out[offset + p] = Math.min(255, Math.max(0, mean + (next() >> 1) - 64));
      }
    }
  }
  return out;
}

/**
 * Writes the six files under `DIR/cifar10/cifar-10-batches-bin/` and returns that folder.
 *
 * @example
 * ```ts ignore
 * import { writeSyntheticCifar } from "./synthetic_cifar.ts";
 * await writeSyntheticCifar(await Deno.makeTempDir()); // 184 MB
 * ```
 */
export async function writeSyntheticCifar(dir: string): Promise<string> {
  const folder = join(dir, "cifar10", "cifar-10-batches-bin");
  await Deno.mkdir(folder, { recursive: true });
  const names = [1, 2, 3, 4, 5].map((k) => `data_batch_${k}.bin`).concat("test_batch.bin");
  for (const [k, name] of names.entries()) {
    await Deno.writeFile(join(folder, name), syntheticCifarBatch(k + 1));
  }
  return folder;
}

if (import.meta.main) {
  const dir = Deno.args[0];
  if (!dir) {
    console.error("usage: deno run -A bench/gpu/synthetic_cifar.ts DIR");
    Deno.exit(2);
  }
  console.log(`synthetic CIFAR-10 written to ${await writeSyntheticCifar(dir)}`);
}
