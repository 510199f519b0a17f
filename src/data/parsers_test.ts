import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { CorruptDataError } from "./errors.ts";
import { maybeGunzip } from "./gzip.ts";
import {
  encodeIdxImages,
  encodeIdxLabels,
  idxImageSet,
  parseIdxImages,
  parseIdxLabels,
} from "./idx.ts";
import { encodeCifarBinary, parseCifarBinary } from "./cifar.ts";
import { encodeMat5, parseMat5 } from "./mat5.ts";
import { parseSvhnMat } from "./svhn.ts";
import { digestHex, verifyChecksum } from "./checksum.ts";

function pattern(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 31 + seed * 7) & 0xff);
}

function assertCorrupt(fn: () => unknown, path: string, reason: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof CorruptDataError, `expected CorruptDataError, got ${error}`);
    assert.equal(error.path, path);
    assert.match(error.reason, reason);
    assert.ok(error.message.includes(path), "the message names the file");
    return true;
  });
}

Deno.test("IDX: round trip of images and labels, raw and gzip", () => {
  const pixels = pattern(3 * 5 * 4, 1);
  const labels = Uint8Array.of(0, 9, 4);
  for (const wrap of [(b: Uint8Array) => b, (b: Uint8Array) => new Uint8Array(gzipSync(b))]) {
    const imageBytes = maybeGunzip(wrap(encodeIdxImages(pixels, 3, 5, 4)), "img");
    const labelBytes = maybeGunzip(wrap(encodeIdxLabels(labels)), "lbl");
    const set = idxImageSet(
      { bytes: imageBytes, path: "img" },
      { bytes: labelBytes, path: "lbl" },
      10,
    );
    assert.equal(set.count, 3);
    assert.equal(set.height, 5);
    assert.equal(set.width, 4);
    assert.equal(set.channels, 1);
    assert.deepEqual([...set.images], [...pixels]);
    assert.deepEqual([...set.labels], [0, 9, 4]);
  }
  // The header is big-endian: count 3 is bytes 00 00 00 03.
  assert.deepEqual([...encodeIdxImages(pixels, 3, 5, 4).subarray(0, 8)], [0, 0, 8, 3, 0, 0, 0, 3]);
});

Deno.test("IDX: bad magic, short file, wrong count, trailing bytes, label mismatch are corrupt", () => {
  const good = encodeIdxImages(pattern(2 * 3 * 3, 2), 2, 3, 3);
  const badMagic = good.slice();
  badMagic[3] = 0x01; // a label-file magic on an image file
  assertCorrupt(
    () => parseIdxImages(badMagic, "a"),
    "a",
    /bad magic 0x00000801, expected 0x00000803/,
  );
  assertCorrupt(() => parseIdxImages(good.subarray(0, 10), "b"), "b", /truncated.*16-byte/);
  assertCorrupt(
    () => parseIdxImages(good.subarray(0, good.length - 1), "c"),
    "c",
    /truncated: length is 33/,
  );
  const wrongCount = good.slice();
  wrongCount[7] = 3; // header claims 3 images, data holds 2
  assertCorrupt(() => parseIdxImages(wrongCount, "d"), "d", /count 3.*needs 43/);
  const longer = new Uint8Array(good.length + 1);
  longer.set(good);
  assertCorrupt(() => parseIdxImages(longer, "e"), "e", /trailing bytes/);
  const labels = encodeIdxLabels(Uint8Array.of(1, 2, 3));
  const labelMagic = labels.slice();
  labelMagic[3] = 0x03;
  assertCorrupt(
    () => parseIdxLabels(labelMagic, "f"),
    "f",
    /bad magic 0x00000803, expected 0x00000801/,
  );
  assertCorrupt(() => parseIdxLabels(labels.subarray(0, 9), "g"), "g", /truncated: length is 9/);
  assertCorrupt(
    () => idxImageSet({ bytes: good, path: "img" }, { bytes: labels, path: "lbl" }, 10),
    "lbl",
    /3 labels, but img holds 2 images/,
  );
  assertCorrupt(
    () =>
      idxImageSet({ bytes: good, path: "img" }, {
        bytes: encodeIdxLabels(Uint8Array.of(1, 12)),
        path: "l",
      }, 10),
    "l",
    /label 1 is 12/,
  );
  assertCorrupt(
    () => maybeGunzip(new Uint8Array(gzipSync(good)).subarray(0, 20), "h.gz"),
    "h.gz",
    /gzip/,
  );
});

Deno.test("checksum mismatch names the file and both digests", () => {
  const bytes = pattern(100, 3);
  const sha = digestHex("sha256", bytes);
  verifyChecksum(bytes, { algorithm: "sha256", hex: sha.toUpperCase(), of: "decompressed" }, "ok");
  const flipped = bytes.slice();
  flipped[50] ^= 1;
  assertCorrupt(
    () => verifyChecksum(flipped, { algorithm: "sha256", hex: sha, of: "decompressed" }, "x"),
    "x",
    new RegExp(`sha256 of the decompressed bytes is [0-9a-f]{64}, expected ${sha}`),
  );
  // Known vector: MD5("abc").
  assert.equal(
    digestHex("md5", new TextEncoder().encode("abc")),
    "900150983cd24fb0d6963f7d28e17f72",
  );
});

Deno.test("CIFAR binary: planar RGB becomes channels-last; CIFAR-100 fine and coarse labels", () => {
  const images = pattern(2 * 3072, 4);
  const bytes10 = encodeCifarBinary({ variant: "cifar10" }, images, { fine: Uint8Array.of(7, 2) });
  assert.equal(bytes10.length, 2 * 3073);
  // Record 1, red plane, pixel (0, 1) is byte 3073 + 1 + 1 and lands at image 1, index 3·1 + 0.
  assert.equal(bytes10[3073 + 1 + 1], images[3072 + 3]);
  const set = parseCifarBinary(bytes10, "b", { variant: "cifar10", expectedCount: 2 });
  assert.deepEqual([...set.labels], [7, 2]);
  assert.deepEqual([...set.images], [...images]);
  assert.equal(set.numClasses, 10);

  const bytes100 = encodeCifarBinary({ variant: "cifar100" }, images, {
    fine: Uint8Array.of(99, 5),
    coarse: Uint8Array.of(19, 1),
  });
  assert.deepEqual([...parseCifarBinary(bytes100, "c", { variant: "cifar100" }).labels], [99, 5]);
  const coarse = parseCifarBinary(bytes100, "c", { variant: "cifar100", label: "coarse" });
  assert.deepEqual([...coarse.labels], [19, 1]);
  assert.equal(coarse.numClasses, 20);
  assert.deepEqual([...coarse.images], [...images]);
});

Deno.test("CIFAR binary: short file, wrong count and bad label are corrupt", () => {
  const bytes = encodeCifarBinary({ variant: "cifar10" }, pattern(3 * 3072, 5), {
    fine: Uint8Array.of(1, 2, 3),
  });
  assertCorrupt(
    () => parseCifarBinary(bytes.subarray(0, 3 * 3073 - 1), "s", { variant: "cifar10" }),
    "s",
    /not a positive whole number of 3073-byte/,
  );
  assertCorrupt(
    () => parseCifarBinary(bytes, "w", { variant: "cifar10", expectedCount: 10000 }),
    "w",
    /holds 3 records, expected 10000/,
  );
  const badLabel = bytes.slice();
  badLabel[3073] = 10;
  assertCorrupt(
    () => parseCifarBinary(badLabel, "l", { variant: "cifar10" }),
    "l",
    /record 1 has label 10/,
  );
  assert.throws(
    () => parseCifarBinary(bytes, "x", { variant: "cifar11" as "cifar10" }),
    RangeError,
  );
});

function svhnFile(
  count: number,
  compress: boolean,
  labels?: Uint8Array,
): { bytes: Uint8Array; x: Uint8Array; y: Uint8Array } {
  const x = pattern(32 * 32 * 3 * count, 6);
  const y = labels ?? Uint8Array.from({ length: count }, (_, n) => (n % 10) + 1);
  const bytes = encodeMat5([
    { name: "X", className: "uint8", dims: [32, 32, 3, count], data: x },
    { name: "y", className: "double", dims: [count, 1], data: Float64Array.from(y) },
  ], { compress });
  return { bytes, x, y };
}

Deno.test("SVHN .mat: column-major X becomes N×H×W×C, label 10 becomes 0, plain and compressed", () => {
  for (const compress of [false, true]) {
    const { bytes, x } = svhnFile(12, compress);
    const set = parseSvhnMat(bytes, "svhn.mat");
    assert.equal(set.count, 12);
    assert.deepEqual([...set.labels], [1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2]);
    // X(r=5, c=7, ch=2, n=3) in MATLAB order is image 3, row 5, column 7, channel 2.
    const r = 5, c = 7, ch = 2, n = 3;
    assert.equal(
      set.images[((n * 32 + r) * 32 + c) * 3 + ch],
      x[r + 32 * c + 1024 * ch + 3072 * n],
    );
  }
});

Deno.test("MAT v5: small elements and big-endian files are read", () => {
  // Hand-built big-endian file: a 1×2 uint8 matrix "y" = [3, 4] using small data elements.
  const header = new Uint8Array(128).fill(0x20);
  const view = new DataView(header.buffer);
  view.setUint16(124, 0x0100, false);
  header[126] = 0x4d; // 'M'
  header[127] = 0x49; // 'I'
  const body = new Uint8Array(8 + 16 + 16 + 8 + 8);
  const b = new DataView(body.buffer);
  b.setUint32(0, 14, false); // miMATRIX
  b.setUint32(4, body.length - 8, false);
  b.setUint32(8, 6, false); // miUINT32 flags, 8 bytes
  b.setUint32(12, 8, false);
  b.setUint32(16, 9, false); // mxUINT8
  b.setUint32(24, 5, false); // miINT32 dims, 8 bytes
  b.setUint32(28, 8, false);
  b.setInt32(32, 1, false);
  b.setInt32(36, 2, false);
  b.setUint32(40, (1 << 16) | 1, false); // small miINT8 name of 1 byte
  body[44] = "y".charCodeAt(0);
  b.setUint32(48, (2 << 16) | 2, false); // small miUINT8 data of 2 bytes
  body[52] = 3;
  body[53] = 4;
  const bytes = new Uint8Array(128 + body.length);
  bytes.set(header);
  bytes.set(body, 128);
  const y = parseMat5(bytes, "be.mat").get("y");
  assert.ok(y);
  assert.deepEqual(y.dims, [1, 2]);
  assert.deepEqual([...y.data], [3, 4]);
});

Deno.test("SVHN .mat: bad header, truncation, damaged compression, wrong count and labels are corrupt", () => {
  const { bytes } = svhnFile(3, false);
  const badIndicator = bytes.slice();
  badIndicator[126] = 0x58;
  assertCorrupt(() => parseSvhnMat(badIndicator, "a.mat"), "a.mat", /endian indicator/);
  assertCorrupt(() => parseSvhnMat(bytes.subarray(0, 100), "b.mat"), "b.mat", /128-byte/);
  assertCorrupt(
    () => parseSvhnMat(bytes.subarray(0, bytes.length - 40), "c.mat"),
    "c.mat",
    /truncated/,
  );
  const packed = svhnFile(3, true).bytes;
  assertCorrupt(() => parseSvhnMat(packed.subarray(0, 400), "d.mat"), "d.mat", /truncated/);
  const damaged = packed.slice();
  for (let i = 150; i < 170; i++) damaged[i] ^= 0xff;
  assertCorrupt(() => parseSvhnMat(damaged, "e.mat"), "e.mat", /damaged|truncated/);
  const wrongCount = encodeMat5([
    { name: "X", className: "uint8", dims: [32, 32, 3, 3], data: new Uint8Array(3 * 3072) },
    { name: "y", className: "double", dims: [2, 1], data: Float64Array.of(1, 2) },
  ]);
  assertCorrupt(
    () => parseSvhnMat(wrongCount, "f.mat"),
    "f.mat",
    /y has dimensions 2×1, expected 3×1/,
  );
  assertCorrupt(
    () => parseSvhnMat(svhnFile(2, false, Uint8Array.of(1, 11)).bytes, "g.mat"),
    "g.mat",
    /y\(2\) is 11/,
  );
  const noY = encodeMat5([{
    name: "X",
    className: "uint8",
    dims: [32, 32, 3, 1],
    data: new Uint8Array(3072),
  }]);
  assertCorrupt(() => parseSvhnMat(noY, "h.mat"), "h.mat", /no variable y/);
});

// Files written by another implementation: SciPy 1.17's scipy.io.savemat (format "5"), made by
//   r, c, ch, n = np.meshgrid(np.arange(32), np.arange(32), np.arange(3), np.arange(3), indexing="ij")
//   X = ((r + 2 * c + 5 * ch + 7 * n) % 256).astype(np.uint8)
//   savemat("svhn_scipy_compressed.mat", {"X": X, "y": np.array([[10], [1], [7]], dtype=np.uint8)}, do_compression=True)
//   savemat("svhn_scipy_plain.mat", {"X": X, "y": np.array([[3], [10], [5]], dtype=np.float64)}, do_compression=False)
Deno.test("SVHN .mat: files written by SciPy's savemat (compressed uint8 y, plain double y)", async () => {
  const cases = [
    { file: "svhn_scipy_compressed.mat", labels: [0, 1, 7] },
    { file: "svhn_scipy_plain.mat", labels: [3, 0, 5] },
  ];
  for (const { file, labels } of cases) {
    const path = new URL(`./testdata/${file}`, import.meta.url);
    const set = parseSvhnMat(await Deno.readFile(path), file);
    assert.equal(set.count, 3);
    assert.deepEqual([...set.labels], labels);
    for (let n = 0; n < 3; n++) {
      for (let r = 0; r < 32; r++) {
        for (let c = 0; c < 32; c++) {
          for (let ch = 0; ch < 3; ch++) {
            const got = set.images[((n * 32 + r) * 32 + c) * 3 + ch];
            if (got !== (r + 2 * c + 5 * ch + 7 * n) % 256) {
              assert.fail(`${file}: image ${n} row ${r} col ${c} channel ${ch} is ${got}`);
            }
          }
        }
      }
    }
  }
});

Deno.test("gzip: a name ending in .gz must hold gzip; other names pass through", () => {
  const plain = Uint8Array.of(1, 2, 3);
  assert.equal(maybeGunzip(plain, "raw-file"), plain);
  assert.throws(() => maybeGunzip(plain, "data.gz"), /not a gzip file: it starts with 0x01 0x02/);
  assert.throws(() => maybeGunzip(new Uint8Array(0), "https://host/x.gz?mirror=1"), /empty/);
});
