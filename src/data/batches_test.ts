import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { Random } from "../math/random.ts";
import { batchCount, batches } from "./batches.ts";
import type { ImageSet } from "./image_set.ts";

await tf.setBackend("cpu");

function randomSet(
  count: number,
  side: number,
  channels: number,
  extra: Partial<ImageSet> = {},
): ImageSet {
  const rng = new Random(21);
  return {
    // Values 1..255 so that a zero in the output can only come from the padding.
    images: Uint8Array.from({ length: count * side * side * channels }, () => 1 + rng.integer(255)),
    labels: Uint8Array.from({ length: count }, () => rng.integer(10)),
    count,
    height: side,
    width: side,
    channels,
    numClasses: 10,
    ...extra,
  };
}

Deno.test("batches: every image exactly once, shapes, labels, and the last partial batch", () => {
  const set = randomSet(23, 4, 1);
  const seen: number[] = [];
  const sizes: number[] = [];
  for (const batch of batches(set, { batchSize: 5, seed: 3 })) {
    assert.deepEqual(batch.xs.shape, [batch.count, 4, 4, 1]);
    assert.equal(batch.xs.dtype, "float32");
    assert.equal(batch.ys.dtype, "int32");
    assert.deepEqual([...batch.ys.dataSync()], [...batch.indices].map((i) => set.labels[i]));
    seen.push(...batch.indices);
    sizes.push(batch.count);
    tf.dispose([batch.xs, batch.ys]);
  }
  assert.deepEqual(sizes, [5, 5, 5, 5, 3]);
  assert.equal(batchCount(set, { batchSize: 5 }), 5);
  assert.deepEqual([...seen].sort((a, b) => a - b), Array.from({ length: 23 }, (_, i) => i));
  assert.notDeepEqual(seen, Array.from({ length: 23 }, (_, i) => i), "shuffled");
  const dropped = [...batches(set, { batchSize: 5, seed: 3, dropRemainder: true })];
  assert.equal(dropped.length, 4);
  dropped.forEach((b) => tf.dispose([b.xs, b.ys]));
  const inOrder = [...batches(set, { batchSize: 10, shuffle: false })];
  assert.deepEqual([...inOrder[0].indices], Array.from({ length: 10 }, (_, i) => i));
  inOrder.forEach((b) => tf.dispose([b.xs, b.ys]));
});

Deno.test("batches: uint8 → (v/255 − mean)/std per channel, as float32", () => {
  const set = randomSet(6, 3, 3, { mean: [0.1, 0.5, 0.9], std: [0.2, 0.25, 0.5] });
  for (const batch of batches(set, { batchSize: 6, shuffle: false })) {
    const xs = batch.xs.dataSync();
    // The only error is float32 rounding of the double result, which Math.fround reproduces exactly.
    for (let i = 0; i < xs.length; i++) {
      const k = i % 3;
      assert.equal(
        xs[i],
        Math.fround((set.images[i] / 255 - set.mean![k]) / set.std![k]),
        `element ${i}`,
      );
    }
    tf.dispose([batch.xs, batch.ys]);
  }
  const [plain] = batches({ ...set, mean: undefined, std: undefined }, {
    batchSize: 1,
    shuffle: false,
  });
  assert.equal(plain.xs.dataSync()[0], Math.fround(set.images[0] / 255));
  tf.dispose([plain.xs, plain.ys]);
  const [explicit] = batches(set, { batchSize: 1, shuffle: false, normalization: "none" });
  assert.equal(explicit.xs.dataSync()[1], Math.fround(set.images[1] / 255));
  tf.dispose([explicit.xs, explicit.ys]);
});

/** All (dy, dx, flip) with |dy|, |dx| ≤ padding under which `out` is the padded crop of image n. */
function explanations(set: ImageSet, n: number, out: Float32Array, padding: number): string[] {
  const { height: h, width: w, channels: c } = set;
  const found: string[] = [];
  for (const flip of [false, true]) {
    for (let dy = -padding; dy <= padding; dy++) {
      for (let dx = -padding; dx <= padding; dx++) {
        let ok = true;
        for (let y = 0; y < h && ok; y++) {
          for (let x = 0; x < w && ok; x++) {
            const sy = y + dy;
            const sx = (flip ? w - 1 - x : x) + dx;
            for (let k = 0; k < c && ok; k++) {
              const v = sy >= 0 && sy < h && sx >= 0 && sx < w
                ? set.images[n * h * w * c + (sy * w + sx) * c + k]
                : 0;
              ok = out[(y * w + x) * c + k] === Math.fround(v / 255);
            }
          }
        }
        if (ok) found.push(`${dy},${dx},${flip}`);
      }
    }
  }
  return found;
}

Deno.test("augment: a zero-padded crop within 4 pixels, flipped only when the set allows it", () => {
  for (const horizontalFlip of [false, true]) {
    const set = randomSet(60, 8, 3, { horizontalFlip });
    const shifts = new Set<string>();
    let flipped = 0;
    for (
      const batch of batches(set, { batchSize: 20, seed: 9, augment: true, normalization: "none" })
    ) {
      const xs = batch.xs.dataSync() as Float32Array;
      const size = 8 * 8 * 3;
      batch.indices.forEach((n, b) => {
        const found = explanations(set, n, xs.subarray(b * size, (b + 1) * size), 4);
        // Distinct random pixels make the explanation unique.
        assert.equal(found.length, 1, `image ${n}: ${found}`);
        const [dy, dx, flip] = found[0].split(",");
        shifts.add(`${dy},${dx}`);
        if (flip === "true") flipped++;
      });
      tf.dispose([batch.xs, batch.ys]);
    }
    if (horizontalFlip) {
      // Binomial(60, 1/2): P(fewer than 15 or more than 45) < 1e-4.
      assert.ok(flipped >= 15 && flipped <= 45, `flipped ${flipped} of 60`);
    } else {
      assert.equal(flipped, 0);
    }
    // 81 possible shifts, 60 draws: expect about 42 distinct; fewer than 20 would mean a broken sampler.
    assert.ok(shifts.size >= 20, `only ${shifts.size} distinct shifts`);
  }
  // Padding 0 and no flip is the identity.
  const set = randomSet(4, 5, 1);
  const [batch] = batches(set, {
    batchSize: 4,
    shuffle: false,
    seed: 1,
    augment: { padding: 0, horizontalFlip: false },
    normalization: "none",
  });
  assert.deepEqual([...batch.xs.dataSync()], [...set.images].map((v) => Math.fround(v / 255)));
  tf.dispose([batch.xs, batch.ys]);
});

Deno.test("batches are reproducible from the seed and differ across seeds", () => {
  const set = randomSet(30, 6, 3, { horizontalFlip: true });
  const run = (seed: number) => {
    const out: number[] = [];
    for (const batch of batches(set, { batchSize: 7, seed, augment: true })) {
      out.push(...batch.indices, ...batch.xs.dataSync());
      tf.dispose([batch.xs, batch.ys]);
    }
    return out;
  };
  assert.deepEqual(run(4), run(4));
  assert.notDeepEqual(run(4), run(5));
});

Deno.test("batches: one-hot labels, a flat tensor count, and named errors", () => {
  const set = randomSet(9, 2, 1);
  const before = tf.memory().numTensors;
  for (const batch of batches(set, { batchSize: 4, seed: 1, oneHot: true })) {
    assert.deepEqual(batch.ys.shape, [batch.count, 10]);
    const hot = batch.ys.arraySync() as number[][];
    hot.forEach((row, b) => {
      assert.equal(row.reduce((a, v) => a + v, 0), 1);
      assert.equal(row[set.labels[batch.indices[b]]], 1);
    });
    tf.dispose([batch.xs, batch.ys]);
  }
  assert.equal(
    tf.memory().numTensors,
    before,
    "every tensor a batch makes is the caller's to dispose, and no more",
  );
  const take = (
    options: Parameters<typeof batches>[1],
    s: ImageSet = set,
  ) => [...batches(s, options)];
  assert.throws(
    () => take({ batchSize: 0, seed: 1 }),
    /batchSize must be a positive integer, got 0/,
  );
  assert.throws(
    () => take({ batchSize: 2 }),
    /seed must be an integer when shuffling or augmenting, got undefined/,
  );
  assert.throws(
    () => take({ batchSize: 2, seed: 1, augment: { padding: -1 } }),
    /augment.padding must be a non-negative integer, got -1/,
  );
  assert.throws(
    () => take({ batchSize: 2, seed: 1, normalization: { mean: [0, 0], std: [1, 1] } }),
    /one mean and std per channel \(1\)/,
  );
  assert.throws(
    () => take({ batchSize: 2, seed: 1, normalization: { mean: [0], std: [0] } }),
    /positive stds/,
  );
  assert.throws(
    () => take({ batchSize: 2, seed: 1 }, { ...set, count: 8 }),
    /set.images has length/,
  );
});
