import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { Random } from "../math/random.ts";
import { initBackend } from "./init.ts";
import { registerFastWasmTile, setFastWasmTile } from "./wasm_tile.ts";

function tileOn(
  values: number[],
  shape: number[],
  reps: number[],
  dtype: "float32" | "int32",
) {
  return tf.tidy(() => Array.from(tf.tile(tf.tensor(values, shape, dtype), reps).dataSync()));
}

Deno.test("wasm Tile (block copies) equals the cpu backend and TF.js's wasm kernel exactly", async () => {
  const rng = new Random(31);
  await initBackend("wasm");
  registerFastWasmTile();
  for (let trial = 0; trial < 60; trial++) {
    const rank = 1 + rng.integer(5);
    const shape = Array.from({ length: rank }, () => rng.integer(4) + (trial % 7 === 0 ? 0 : 1));
    const reps = Array.from({ length: rank }, () => 1 + rng.integer(4));
    const dtype = trial % 2 === 0 ? "float32" : "int32";
    const size = shape.reduce((p, d) => p * d, 1);
    const values = Array.from(
      { length: size },
      () => (dtype === "int32" ? rng.integer(1000) - 500 : rng.gaussian()),
    );
    const label = `shape [${shape}] reps [${reps}] ${dtype}`;
    await initBackend("cpu");
    const cpu = tileOn(values, shape, reps, dtype);
    await initBackend("wasm");
    const before = tf.memory().numTensors;
    const fast = tileOn(values, shape, reps, dtype);
    assert.equal(tf.memory().numTensors, before, `${label}: tensors leaked`);
    setFastWasmTile(false);
    let original: number[];
    try {
      original = tileOn(values, shape, reps, dtype);
    } finally {
      setFastWasmTile(true);
    }
    // Tiling only copies values, so the results are exactly equal, NaN-free and bit for bit.
    assert.deepEqual(fast, cpu, label);
    assert.deepEqual(fast, original, label);
  }
});

Deno.test("wasm Tile: the BatchNorm-gradient case ([1, 1, 1, C] to a batch of activations)", async () => {
  await initBackend("wasm");
  registerFastWasmTile();
  const c = 8;
  const x = tf.tensor(Array.from({ length: c }, (_, i) => i + 0.5), [1, 1, 1, c]);
  const tiled = tf.tile(x, [16, 7, 5, 1]);
  assert.deepEqual(tiled.shape, [16, 7, 5, c]);
  const values = tiled.dataSync();
  for (let i = 0; i < values.length; i++) assert.equal(values[i], (i % c) + 0.5, `element ${i}`);
  tf.dispose([x, tiled]);
  assert.throws(
    () => setFastWasmTile(1 as unknown as boolean),
    (e: Error) => e instanceof TypeError && /got 1/.test(e.message),
  );
});
