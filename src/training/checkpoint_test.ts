import assert from "node:assert/strict";
import {
  type Checkpoint,
  checkpointPath,
  decodeCheckpoint,
  encodeCheckpoint,
  readCheckpoint,
  writeCheckpoint,
} from "./checkpoint.ts";
import { makeTrainConfig } from "./config.ts";

function sample(): Checkpoint {
  return {
    config: makeTrainConfig({ optimizer: "sam", epochs: 3 }),
    epoch: 2,
    step: 314,
    history: [{
      epoch: 1,
      trainLoss: 0.5,
      trainAccuracy: 0.8,
      testLoss: 0.6,
      testAccuracy: 0.79,
      seconds: 1.5,
      imagesPerSecond: 1000,
      gradientEvaluations: 314,
    }],
    model: [
      {
        name: "dense/kernel",
        shape: [2, 3],
        dtype: "float32",
        data: Float32Array.of(1, -2, 3.5, NaN, 1e-30, -0),
      },
      { name: "bn/moving_mean", shape: [1], dtype: "float32", data: Float32Array.of(0.25) },
    ],
    optimizer: [
      { name: "iter", shape: [], dtype: "int32", data: Int32Array.of(314) },
      {
        name: "dense/kernel/momentum",
        shape: [3],
        dtype: "float32",
        data: Float32Array.of(7, 8, 9),
      },
    ],
  };
}

Deno.test("checkpoint round-trips every tensor bit for bit, with config and history", () => {
  const original = sample();
  const decoded = decodeCheckpoint(encodeCheckpoint(original));
  assert.deepEqual(decoded.config, original.config);
  assert.deepEqual(decoded.history, original.history);
  assert.equal(decoded.epoch, 2);
  assert.equal(decoded.step, 314);
  for (const part of ["model", "optimizer"] as const) {
    assert.equal(decoded[part].length, original[part].length);
    decoded[part].forEach((t, i) => {
      const o = original[part][i];
      assert.deepEqual([t.name, t.shape, t.dtype], [o.name, o.shape, o.dtype]);
      assert.equal(t.data.constructor, o.data.constructor);
      // Bitwise, so NaN and -0 count: compare the raw bytes.
      assert.deepEqual(
        new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength),
        new Uint8Array(o.data.buffer, o.data.byteOffset, o.data.byteLength),
      );
    });
  }
});

Deno.test("damaged checkpoints are reported, not loaded", () => {
  const bytes = encodeCheckpoint(sample());
  assert.throws(() => decodeCheckpoint(bytes.slice(0, 5)), /too short/);
  const badMagic = bytes.slice();
  badMagic[0] = 0x58;
  assert.throws(() => decodeCheckpoint(badMagic), /bad magic/);
  assert.throws(() => decodeCheckpoint(bytes.slice(0, bytes.length - 4)), /data section/);
  const flipped = bytes.slice();
  flipped[flipped.length - 1] ^= 1;
  assert.throws(() => decodeCheckpoint(flipped, "x.bin"), /x\.bin: checksum mismatch/);
  assert.throws(() => decodeCheckpoint(bytes.slice(0, 40)), /header/);
  const wrongShape = sample();
  wrongShape.model[0].shape = [4];
  assert.throws(() => encodeCheckpoint(wrongShape), /dense\/kernel.*\[4\].*6/);
});

Deno.test("writeCheckpoint replaces the file atomically and leaves no temporary files", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assert.equal(await readCheckpoint(dir), null);
    await writeCheckpoint(dir, sample());
    const second = { ...sample(), epoch: 3 };
    await writeCheckpoint(dir, second);
    assert.equal((await readCheckpoint(dir))?.epoch, 3);
    const names = [...Deno.readDirSync(dir)].map((e) => e.name);
    assert.deepEqual(names, ["checkpoint.bin"]);
    await Deno.writeFile(checkpointPath(dir), new Uint8Array(100));
    await assert.rejects(readCheckpoint(dir), /checkpoint\.bin: bad magic/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a mid-epoch checkpoint keeps its partial sums exactly, and its backend", () => {
  // lossSum is a float64 sum: JSON must give back the same double, not a rounded one.
  const partial = {
    steps: 7,
    lossSum: 0.1 + 0.2 + 1 / 3,
    images: 448,
    correct: 301,
    seconds: 0.5,
    cpuSeconds: 0.75,
  };
  const back = decodeCheckpoint(encodeCheckpoint({ ...sample(), partial, backend: "wasm" }));
  assert.deepEqual(back.partial, partial);
  assert.equal(back.backend, "wasm");
  // A partial epoch written before CPU times were kept decodes without one (counted from 0).
  const { cpuSeconds: _c, ...older } = partial;
  assert.deepEqual(
    decodeCheckpoint(encodeCheckpoint({ ...sample(), partial: older })).partial,
    older,
  );
  // An epoch-end checkpoint has neither.
  const plain = decodeCheckpoint(encodeCheckpoint(sample()));
  assert.equal(plain.partial, undefined);
  assert.equal(plain.backend, undefined);
  const damaged = encodeCheckpoint({
    ...sample(),
    partial: { ...partial, correct: "many" as unknown as number },
  });
  assert.throws(
    () => decodeCheckpoint(damaged, "c.bin"),
    /c\.bin: partial epoch must hold numbers/,
  );
});
