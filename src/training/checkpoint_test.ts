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
import { createHash } from "node:crypto";

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

/** The file layout of the module doc, read independently of `decodeCheckpoint`. */
function readLayout(bytes: Uint8Array) {
  const magic = new TextDecoder().decode(bytes.subarray(0, 8));
  const headerLength = bytes[8] | (bytes[9] << 8) | (bytes[10] << 16) | (bytes[11] << 24);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerLength)));
  const dataStart = Math.ceil((12 + headerLength) / 8) * 8;
  return {
    magic,
    headerLength,
    header,
    padding: bytes.subarray(12 + headerLength, dataStart),
    dataStart,
  };
}

/** A file with the given header object and data section (checksum computed here). */
function fileOf(header: Record<string, unknown>, data = new Uint8Array(0)): Uint8Array {
  const full = { ...header, sha256: createHash("sha256").update(data).digest("hex") };
  const json = new TextEncoder().encode(JSON.stringify(full));
  const dataStart = Math.ceil((12 + json.length) / 8) * 8;
  const out = new Uint8Array(dataStart + data.length);
  out.set(new TextEncoder().encode("USAMCKP1"));
  new DataView(out.buffer).setUint32(8, json.length, true);
  out.set(json, 12);
  out.set(data, dataStart);
  return out;
}

const baseHeader = () => ({
  format: 1,
  config: makeTrainConfig({}),
  epoch: 1,
  step: 2,
  history: [],
  model: [],
  optimizer: [],
});

Deno.test("the file layout is the documented one: magic, header length, JSON, zero padding to 8, data", () => {
  // Header lengths of every residue mod 8 (names of growing length), so the padding is exercised.
  for (let extra = 0; extra < 8; extra++) {
    const original = sample();
    original.model[1].name = "bn/moving_mean" + "x".repeat(extra);
    const bytes = encodeCheckpoint(original);
    const { magic, headerLength, header, padding, dataStart } = readLayout(bytes);
    assert.equal(magic, "USAMCKP1");
    assert.equal(dataStart % 8, 0);
    assert.ok(padding.length < 8 && padding.every((b) => b === 0), `padding ${padding}`);
    assert.equal(header.format, 1);
    assert.equal(header.epoch, 2);
    assert.equal(header.step, 314);
    assert.ok(12 + headerLength <= dataStart);
    // Each tensor's bytes sit at its offset, little-endian, one after another.
    const data = bytes.subarray(dataStart);
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const kernel = header.model[0];
    assert.deepEqual([kernel.offset, kernel.length], [0, 6]);
    assert.equal(view.getFloat32(kernel.offset + 4 * 2, true), 3.5);
    const mean = header.model[1];
    assert.deepEqual([mean.offset, mean.length], [24, 1]);
    assert.equal(view.getFloat32(mean.offset, true), 0.25);
    const iter = header.optimizer[0];
    assert.deepEqual([iter.offset, iter.length, iter.dtype, iter.shape], [28, 1, "int32", []]);
    assert.equal(view.getInt32(iter.offset, true), 314);
    const momentum = header.optimizer[1];
    assert.deepEqual([momentum.offset, momentum.length], [32, 3]);
    assert.equal(view.getFloat32(momentum.offset + 8, true), 9);
    assert.equal(data.length, 44);
    assert.equal(header.sha256, createHash("sha256").update(data).digest("hex"));
    assert.equal(header.partial, undefined);
    assert.equal(header.backend, undefined);
    // Bytes inside a larger buffer decode the same (offsets are relative to the view).
    const framed = new Uint8Array(bytes.length + 16);
    framed.set(bytes, 8);
    const decoded = decodeCheckpoint(framed.subarray(8, 8 + bytes.length));
    assert.deepEqual([...decoded.optimizer[1].data], [7, 8, 9]);
    assert.equal(decoded.model[1].name, original.model[1].name);
  }
});

Deno.test("damaged checkpoints: each check names the source and what is wrong", () => {
  const ok = fileOf(baseHeader());
  assert.equal(decodeCheckpoint(ok).step, 2);
  // The default source name.
  assert.throws(() => decodeCheckpoint(new Uint8Array(11)), {
    name: "RangeError",
    message: "checkpoint: file is 11 bytes, too short for a checkpoint",
  });
  // 12 bytes is long enough for magic and length; an empty header is unreadable.
  const empty = new Uint8Array(12);
  empty.set(new TextEncoder().encode("USAMCKP1"));
  assert.throws(
    () => decodeCheckpoint(empty, "e.bin"),
    /^RangeError: e\.bin: unreadable header \(/,
  );
  const wrong = ok.slice();
  wrong.set(new TextEncoder().encode("USAMCKP2"));
  assert.throws(() => decodeCheckpoint(wrong, "w.bin"), {
    name: "RangeError",
    message: 'w.bin: bad magic "USAMCKP2", expected "USAMCKP1"',
  });
  const long = ok.slice();
  new DataView(long.buffer).setUint32(8, ok.length, true);
  assert.throws(() => decodeCheckpoint(long, "l.bin"), {
    name: "RangeError",
    message: `l.bin: header of ${ok.length} bytes runs past the file end`,
  });
  // A header that ends exactly at the file end is not "past" it.
  const json = new TextEncoder().encode(JSON.stringify({ ...baseHeader(), format: 2 }));
  const exact = new Uint8Array(12 + json.length);
  exact.set(new TextEncoder().encode("USAMCKP1"));
  new DataView(exact.buffer).setUint32(8, json.length, true);
  exact.set(json, 12);
  assert.throws(() => decodeCheckpoint(exact, "x.bin"), {
    name: "RangeError",
    message: "x.bin: unknown format 2, expected 1",
  });
  const tensor = { name: "w", shape: [2], dtype: "float32", offset: 0, length: 2 };
  const short = fileOf({ ...baseHeader(), model: [tensor] }, new Uint8Array(4));
  assert.throws(() => decodeCheckpoint(short, "s.bin"), {
    name: "RangeError",
    message: "s.bin: data section is 4 bytes, the header describes 8",
  });
  // The data section's size is where the last tensor ends, whichever list it is in.
  const two = fileOf({
    ...baseHeader(),
    model: [{ ...tensor, offset: 8 }],
    optimizer: [{ ...tensor, name: "m", offset: 0 }],
  }, new Uint8Array(16));
  assert.equal(decodeCheckpoint(two).model[0].data.length, 2);
  const bytes = encodeCheckpoint(sample());
  const flipped = bytes.slice();
  flipped[flipped.length - 1] ^= 1;
  const sha = (b: Uint8Array) =>
    createHash("sha256").update(b.subarray(readLayout(b).dataStart)).digest("hex");
  assert.throws(() => decodeCheckpoint(flipped, "c.bin"), {
    name: "RangeError",
    message: `c.bin: checksum mismatch (sha256 ${sha(flipped)}, header ${sha(bytes)})`,
  });
  assert.throws(() => decodeCheckpoint(fileOf({ ...baseHeader(), backend: 3 }), "b.bin"), {
    name: "RangeError",
    message: "b.bin: backend must be a string, got 3",
  });
  for (const partial of [null, 5, { steps: 1 }]) {
    assert.throws(() => decodeCheckpoint(fileOf({ ...baseHeader(), partial }), "p.bin"), {
      name: "RangeError",
      message: "p.bin: partial epoch must hold numbers steps, lossSum, images, correct, seconds, " +
        `got ${JSON.stringify(partial)}`,
    });
  }
  // A CPU time that is not a number is dropped (counted from 0), the other sums kept.
  const partial = { steps: 1, lossSum: 2, images: 3, correct: 4, seconds: 5, extra: 1 };
  assert.deepEqual(
    decodeCheckpoint(fileOf({ ...baseHeader(), partial: { ...partial, cpuSeconds: "1" } }))
      .partial,
    { steps: 1, lossSum: 2, images: 3, correct: 4, seconds: 5 },
  );
  assert.throws(() => encodeCheckpoint(wrongShapeSample()), {
    name: "RangeError",
    message: "checkpoint tensor dense/kernel: shape [4] needs 4 values, got 6",
  });
});

function wrongShapeSample(): Checkpoint {
  const s = sample();
  s.model[0].shape = [4];
  return s;
}

Deno.test("readCheckpoint passes on errors other than a missing file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/plain`;
    await Deno.writeTextFile(file, "");
    // The "directory" is a file: not NotFound, so not "no checkpoint".
    await assert.rejects(readCheckpoint(file), (error: Error) => !(error instanceof RangeError));
    assert.equal(checkpointPath(dir), `${dir}/checkpoint.bin`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
