import assert from "node:assert/strict";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { Buffer } from "node:buffer";
import tarStream from "tar-stream";
import type { DatasetSpec } from "./catalog.ts";
import { digestHex } from "./checksum.ts";
import { CorruptDataError, DatasetUnavailableError } from "./errors.ts";
import { encodeIdxImages, encodeIdxLabels, idxImageSet } from "./idx.ts";
import { loadDataset, loadDatasetSpec, searchDirs } from "./load.ts";
import { startLoopbackServer } from "./loopback_server_test_util.ts";

// A toy IDX dataset of 6 train and 4 test 3×2 images, in the exact on-disk format.
const trainImages = encodeIdxImages(Uint8Array.from({ length: 36 }, (_, i) => i), 6, 3, 2);
const trainLabels = encodeIdxLabels(Uint8Array.of(0, 1, 2, 0, 1, 2));
const testImages = encodeIdxImages(Uint8Array.from({ length: 24 }, (_, i) => 200 + i), 4, 3, 2);
const testLabels = encodeIdxLabels(Uint8Array.of(2, 2, 1, 0));
const raw: Record<string, Uint8Array> = {
  "train-images": trainImages,
  "train-labels": trainLabels,
  "test-images": testImages,
  "test-labels": testLabels,
};
const gz = (bytes: Uint8Array) => new Uint8Array(gzipSync(bytes));

function toySpec(urlBase: string, overrides: Partial<DatasetSpec> = {}): DatasetSpec {
  return {
    name: "toy",
    title: "Toy",
    homepage: "http://127.0.0.1/",
    classes: ["a", "b", "c"],
    mean: [0.5],
    std: [0.25],
    horizontalFlip: false,
    files: Object.keys(raw).map((base) => ({
      name: `${base}.gz`,
      accept: [base],
      urls: [`${urlBase}/${base}.gz`],
      checksums: [{
        algorithm: "sha256" as const,
        hex: digestHex("sha256", raw[base]),
        of: "decompressed" as const,
      }],
    })),
    systemDirs: [],
    installHint: "apt-get install dataset-toy",
    parse: (files) => {
      const get = (name: string) => {
        const file = files.get(name);
        if (!file) throw new Error(`no ${name}`);
        return file;
      };
      return {
        train: idxImageSet(get("train-images.gz"), get("train-labels.gz"), 3),
        test: idxImageSet(get("test-images.gz"), get("test-labels.gz"), 3),
      };
    },
    ...overrides,
  };
}

async function writeToy(dir: string, compress: boolean, only?: string[]): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  for (const [base, bytes] of Object.entries(raw)) {
    if (only && !only.includes(base)) continue;
    await Deno.writeFile(join(dir, compress ? `${base}.gz` : base), compress ? gz(bytes) : bytes);
  }
}

async function withDirs(
  fn: (dirs: { data: string; cache: string; system: string }) => Promise<void>,
): Promise<void> {
  const root = await Deno.makeTempDir();
  try {
    const dirs = {
      data: join(root, "data"),
      cache: join(root, "cache"),
      system: join(root, "system"),
    };
    // A data dir must exist (a missing one is an error); the others are created on demand.
    await Deno.mkdir(dirs.data);
    await fn(dirs);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

async function listTree(dir: string): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isDirectory) {
        out.push(...(await listTree(join(dir, entry.name))).map((n) => `${entry.name}/${n}`));
      } else out.push(entry.name);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return out.sort();
}

Deno.test("load: lookup order is data dir, then cache, then system folder", async () => {
  await withDirs(async ({ data, cache, system }) => {
    const spec = toySpec("http://127.0.0.1:9", { systemDirs: [system] });
    await writeToy(system, true);
    let loaded = await loadDatasetSpec(spec, { cacheDir: cache, download: false });
    assert.equal(loaded.files["train-images.gz"], join(system, "train-images.gz"));
    await writeToy(join(cache, "toy"), false);
    loaded = await loadDatasetSpec(spec, { cacheDir: cache, download: false });
    assert.equal(
      loaded.files["train-images.gz"],
      join(cache, "toy", "train-images"),
      "the cache comes before the system folder",
    );
    await writeToy(data, true); // DIR/ itself is accepted too
    loaded = await loadDatasetSpec(spec, { dataDir: data, cacheDir: cache, download: false });
    assert.equal(
      loaded.files["train-images.gz"],
      join(data, "train-images.gz"),
      "the data dir comes first",
    );
    Deno.env.set("USAM_DATA", data);
    try {
      loaded = await loadDatasetSpec(spec, { cacheDir: cache, download: false });
      assert.equal(
        loaded.files["test-labels.gz"],
        join(data, "test-labels.gz"),
        "USAM_DATA stands in for --data-dir",
      );
    } finally {
      Deno.env.delete("USAM_DATA");
    }
    // An explicit data dir is searched alone; without one, the cache and then the system folder.
    assert.deepEqual(searchDirs(spec, { dataDir: data, cacheDir: cache }), [
      join(data, "toy"),
      data,
    ]);
    assert.deepEqual(searchDirs(spec, { cacheDir: cache }), [join(cache, "toy"), system]);
    // The parsed sets carry what batching needs.
    assert.equal(loaded.train.count, 6);
    assert.deepEqual([...loaded.test.labels], [2, 2, 1, 0]);
    assert.equal(loaded.train.numClasses, 3);
    assert.deepEqual(loaded.train.std, [0.25]);
    assert.equal(loaded.checksumVerified.length, 4);
  });
});

Deno.test("load: downloads missing files into the cache once, verified", async () => {
  const routes = Object.fromEntries(
    Object.entries(raw).map(([base, bytes]) => [`/${base}.gz`, { body: gz(bytes) }]),
  );
  const server = startLoopbackServer(routes);
  try {
    await withDirs(async ({ cache, system }) => {
      await writeToy(system, true, ["train-images", "train-labels"]);
      const spec = toySpec(server.url, { systemDirs: [system] });
      const loaded = await loadDatasetSpec(spec, { cacheDir: cache, progress: "none" });
      assert.deepEqual(
        server.requests.sort(),
        ["/test-images.gz", "/test-labels.gz"],
        "only the missing files are fetched",
      );
      assert.deepEqual(await listTree(cache), ["toy/test-images.gz", "toy/test-labels.gz"]);
      assert.equal(loaded.test.count, 4);
      await loadDatasetSpec(spec, { cacheDir: cache, progress: "none" });
      assert.equal(server.requests.length, 2, "the second load reads the cache");
    });
  } finally {
    await server.close();
  }
});

Deno.test("load: mirrors are tried in order; a checksum mismatch caches nothing", async () => {
  const server = startLoopbackServer({
    ...Object.fromEntries(
      Object.entries(raw).map(([base, bytes]) => [`/good/${base}.gz`, { body: gz(bytes) }]),
    ),
    "/bad/train-images.gz": { body: gz(testImages) },
  });
  try {
    await withDirs(async ({ cache }) => {
      const good = toySpec(`${server.url}/good`);
      const mirrored: DatasetSpec = {
        ...good,
        files: good.files.map((f) => ({
          ...f,
          urls: [`${server.url}/missing/${f.name}`, ...(f.urls ?? [])],
        })),
      };
      const loaded = await loadDatasetSpec(mirrored, { cacheDir: cache, progress: "none" });
      assert.equal(loaded.train.count, 6);
      assert.ok(
        server.requests.includes("/missing/train-images.gz") &&
          server.requests.includes("/good/train-images.gz"),
      );

      await Deno.remove(cache, { recursive: true });
      const bad = toySpec(`${server.url}/bad`);
      await assert.rejects(
        loadDatasetSpec(bad, { cacheDir: cache, progress: "none" }),
        (error: unknown) => {
          assert.ok(error instanceof CorruptDataError, String(error));
          assert.equal(error.path, `${server.url}/bad/train-images.gz`);
          assert.match(error.reason, /sha256 of the decompressed bytes/);
          return true;
        },
      );
      assert.deepEqual(await listTree(cache), [], "nothing cached");
    });
  } finally {
    await server.close();
  }
});

Deno.test("load: a corrupt file on disk is reported with its path", async () => {
  await withDirs(async ({ data, cache }) => {
    await writeToy(data, true);
    // Valid gzip, valid IDX, different pixels: only the checksum can tell.
    const tampered = trainImages.slice();
    tampered[20] ^= 1;
    await Deno.writeFile(join(data, "train-images.gz"), gz(tampered));
    await assert.rejects(
      loadDatasetSpec(toySpec("http://127.0.0.1:9"), {
        dataDir: data,
        cacheDir: cache,
        download: false,
      }),
      (error: unknown) =>
        error instanceof CorruptDataError && error.path === join(data, "train-images.gz") &&
        /sha256/.test(error.reason),
    );
    await Deno.writeFile(join(data, "train-images.gz"), gz(trainImages).subarray(0, 30));
    await assert.rejects(
      loadDatasetSpec(toySpec("http://127.0.0.1:9"), {
        dataDir: data,
        cacheDir: cache,
        download: false,
      }),
      (error: unknown) =>
        error instanceof CorruptDataError &&
        /gzip stream is damaged or truncated/.test(error.reason),
    );
  });
});

Deno.test("load: file checksums cover only the published form; split sizes guard the rest", async () => {
  await withDirs(async ({ data, cache }) => {
    const base = toySpec("http://127.0.0.1:9");
    // Published MD5s of the .gz files (as for MNIST), no checksum of the decompressed bytes.
    const md5Spec: DatasetSpec = {
      ...base,
      files: base.files.map((f) => {
        const plain = raw[f.name.replace(/\.gz$/, "")];
        return {
          ...f,
          checksums: [{
            algorithm: "md5" as const,
            hex: digestHex("md5", gz(plain)),
            of: "file" as const,
          }],
        };
      }),
      splitSizes: { train: 6, test: 4 },
    };
    await writeToy(join(data, "gz"), true);
    const fromGz = await loadDatasetSpec(md5Spec, {
      dataDir: join(data, "gz"),
      cacheDir: cache,
      download: false,
    });
    assert.equal(fromGz.checksumVerified.length, 4);
    await writeToy(join(data, "raw"), false);
    const fromRaw = await loadDatasetSpec(md5Spec, {
      dataDir: join(data, "raw"),
      cacheDir: cache,
      download: false,
    });
    assert.deepEqual(
      fromRaw.checksumVerified,
      [],
      "no published checksum for the decompressed form",
    );
    assert.deepEqual(fromRaw.train.images, fromGz.train.images);
    // A decompressed file of the wrong length is still caught, by the format or by the split sizes.
    await assert.rejects(
      loadDatasetSpec({ ...md5Spec, splitSizes: { train: 60000, test: 4 } }, {
        dataDir: join(data, "raw"),
        cacheDir: cache,
        download: false,
      }),
      (error: unknown) =>
        error instanceof CorruptDataError &&
        /the train split has 6 images, but Toy has 60000/.test(error.reason),
    );
  });
});

Deno.test("load: offline, the error says what to install or where to put which files", async () => {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close(); // nothing listens there now: the connection is refused, as on a machine without the internet
  await withDirs(async ({ data, cache }) => {
    await assert.rejects(
      loadDatasetSpec(toySpec(`http://127.0.0.1:${port}`), {
        dataDir: data,
        cacheDir: cache,
        progress: "none",
      }),
      (error: unknown) => {
        assert.ok(error instanceof DatasetUnavailableError, String(error));
        assert.match(error.message, /could not be downloaded/);
        assert.match(error.message, /could not connect/);
        assert.match(error.message, /apt-get install dataset-toy/);
        assert.ok(
          error.message.includes(
            `put train-images.gz, train-labels.gz, test-images.gz, test-labels.gz into ${
              join(data, "toy")
            }/`,
          ),
        );
        return true;
      },
    );
    assert.deepEqual(await listTree(data), [], "no partial file");
    // The real catalog's messages, with downloads off.
    await assert.rejects(
      loadDataset("fashion-mnist", {
        dataDir: data,
        cacheDir: cache,
        systemDirs: [],
        download: false,
      }),
      /install the system package: apt-get install dataset-fashion-mnist/,
    );
    await assert.rejects(
      loadDataset("mnist", { dataDir: data, cacheDir: cache, download: false }),
      (error: unknown) =>
        error instanceof DatasetUnavailableError &&
        error.message.includes(
          `put train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz into ${
            join(data, "mnist")
          }/`,
        ),
    );
    await assert.rejects(
      loadDataset("imagenet"),
      (error: unknown) => error instanceof RangeError && /imagenet/.test(error.message),
    );
  });
});

Deno.test("load: SVHN's and CIFAR's MD5s are enforced; a verified archive is downloaded and extracted", async () => {
  await withDirs(async ({ data, cache }) => {
    await Deno.mkdir(join(data, "svhn"), { recursive: true });
    for (const name of ["train_32x32.mat", "test_32x32.mat"]) {
      await Deno.writeFile(join(data, "svhn", name), Uint8Array.of(1, 2, 3));
    }
    await assert.rejects(
      loadDataset("svhn", { dataDir: data, cacheDir: cache, download: false }),
      (error: unknown) =>
        error instanceof CorruptDataError && error.path === join(data, "svhn", "train_32x32.mat") &&
        /md5 of the file bytes is 5289df737df57326fcdd22597afb1fac, expected e26dedcc434d2e4c54c9b2d4a06d8373/
          .test(error.reason),
    );
    await Deno.mkdir(join(data, "cifar10"), { recursive: true });
    await Deno.writeFile(join(data, "cifar10", "cifar-10-binary.tar.gz"), Uint8Array.of(0));
    await assert.rejects(
      loadDataset("cifar10", { dataDir: data, cacheDir: cache }),
      (error: unknown) =>
        error instanceof CorruptDataError &&
        /md5 of the file bytes is [0-9a-f]{32}, expected c32a1d4ab5d03f1284b67883e8d87530/.test(
          error.reason,
        ),
    );
    // A toy spec's archive, served by the loopback server: downloaded, verified, then extracted.
    const pack = tarStream.pack();
    const chunks: Uint8Array[] = [];
    pack.on("data", (chunk: unknown) => chunks.push(chunk as Uint8Array));
    const packed = new Promise<void>((resolve) => pack.on("end", () => resolve()));
    for (const [base, bytes] of Object.entries(raw)) {
      pack.entry({ name: `toy-bin/${base}.gz` }, Buffer.from(gz(bytes)));
    }
    pack.entry({ name: "toy-bin/README" }, "not needed");
    pack.finalize();
    await packed;
    const archiveBytes = gz(new Uint8Array(Buffer.concat(chunks)));
    const server = startLoopbackServer({ "/toy.tar.gz": { body: archiveBytes } });
    try {
      const toy = toySpec("http://127.0.0.1:9");
      const archived: DatasetSpec = {
        ...toy,
        // Like CIFAR's members: no published checksum of their own, only the archive's.
        files: toy.files.map(({ name }) => ({ name })),
        archive: {
          name: "toy.tar.gz",
          urls: [`${server.url}/toy.tar.gz`],
          checksums: [{ algorithm: "md5", hex: digestHex("md5", archiveBytes), of: "file" }],
          memberDir: "toy-bin",
        },
      };
      const loaded = await loadDatasetSpec(archived, {
        dataDir: data,
        cacheDir: cache,
        progress: "none",
      });
      assert.equal(loaded.files["test-images.gz"], join(data, "toy", "toy-bin", "test-images.gz"));
      assert.deepEqual(loaded.test.labels, Uint8Array.of(2, 2, 1, 0));
      assert.deepEqual(await listTree(join(data, "toy")), [
        "toy-bin/test-images.gz",
        "toy-bin/test-labels.gz",
        "toy-bin/train-images.gz",
        "toy-bin/train-labels.gz",
        "toy-bin/usam-checksums.json",
        "toy.tar.gz",
      ]);
      // The extraction recorded each member's SHA-256; a reload verifies them against it.
      const reloaded = await loadDatasetSpec(archived, { dataDir: data, download: false });
      assert.ok(reloaded.checksumVerified.includes("train-images.gz"));
      // A member replaced by other bytes of a valid format (a valid gzip of an IDX file with one
      // pixel changed) is refused, naming the recorded digest.
      const member = join(data, "toy", "toy-bin", "train-images.gz");
      const tampered = trainImages.slice();
      tampered[20] ^= 1;
      await Deno.writeFile(member, gz(tampered));
      await assert.rejects(
        loadDatasetSpec(archived, { dataDir: data, download: false }),
        (error: unknown) =>
          error instanceof CorruptDataError && error.path === member &&
          /recorded when the verified archive was extracted/.test(error.reason),
      );
    } finally {
      await server.close();
    }
  });
});

Deno.test("load: a .gz that is not gzip, or is empty, is reported as not a gzip file", async () => {
  await withDirs(async ({ data, cache }) => {
    await writeToy(data, true);
    const spec = toySpec("http://127.0.0.1:9");
    const options = { dataDir: data, cacheDir: cache, download: false };
    for (
      const [bytes, why] of [[trainImages, /starts with 0x00 0x00/], [
        new Uint8Array(0),
        /empty/,
      ]] as const
    ) {
      await Deno.writeFile(join(data, "train-images.gz"), bytes);
      await assert.rejects(loadDatasetSpec(spec, options), (error: unknown) => {
        assert.ok(error instanceof CorruptDataError, String(error));
        assert.equal(error.path, join(data, "train-images.gz"));
        assert.match(error.reason, /^not a gzip file/);
        assert.match(error.reason, why);
        return true;
      });
    }
  });
});

Deno.test("load: an explicit data dir is searched alone; a missing one is an error", async () => {
  await withDirs(async ({ data, cache, system }) => {
    // The system folder has everything, the data dir all but one file.
    await writeToy(system, true);
    await writeToy(data, true, ["train-images", "train-labels", "test-images"]);
    const spec = toySpec("http://127.0.0.1:9", { systemDirs: [system] });
    await assert.rejects(
      loadDatasetSpec(spec, { dataDir: data, cacheDir: cache, download: false }),
      (error: unknown) =>
        error instanceof DatasetUnavailableError && /missing test-labels.gz/.test(error.message),
    );
    // Without --data-dir the same files come from the system folder.
    const loaded = await loadDatasetSpec(spec, { cacheDir: cache, download: false });
    assert.equal(loaded.files["test-labels.gz"], join(system, "test-labels.gz"));
    const absent = join(data, "no-such-folder");
    await assert.rejects(
      loadDatasetSpec(spec, { dataDir: absent, cacheDir: cache, download: false }),
      (error: unknown) =>
        error instanceof RangeError && error.message.includes("dataDir") &&
        error.message.includes(absent),
    );
    Deno.env.set("USAM_DATA", absent);
    try {
      await assert.rejects(
        loadDatasetSpec(spec, { cacheDir: cache, download: false }),
        /USAM_DATA must be an existing folder/,
      );
    } finally {
      Deno.env.delete("USAM_DATA");
    }
  });
});
