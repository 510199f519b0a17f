import assert from "node:assert/strict";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { Random } from "../math/random.ts";
import { digestHex } from "./checksum.ts";
import { downloadFile } from "./download.ts";
import { CorruptDataError, DownloadError } from "./errors.ts";
import { startLoopbackServer } from "./loopback_server_test_util.ts";

// Seeded noise, so that gzip cannot shrink it below the 50,000 bytes the dropped-connection test sends.
const noise = new Random(7);
const payload = Uint8Array.from({ length: 200_000 }, () => noise.integer(256));
const gzipped = new Uint8Array(gzipSync(payload));
assert.ok(gzipped.length > 100_000, `test payload compresses to ${gzipped.length} bytes`);

async function listDir(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  return names.sort();
}

Deno.test("download: success writes the verified file atomically and reports progress", async () => {
  const server = startLoopbackServer({ "/data.gz": { body: gzipped } });
  const dir = await Deno.makeTempDir();
  try {
    const dest = join(dir, "sub", "data.gz");
    const seen: number[] = [];
    const bytes = await downloadFile(`${server.url}/data.gz`, dest, {
      checksums: [
        { algorithm: "md5", hex: digestHex("md5", gzipped), of: "file" },
        { algorithm: "sha256", hex: digestHex("sha256", payload), of: "decompressed" },
      ],
      progress: (event) => seen.push(event.received),
    });
    assert.equal(bytes, gzipped.length);
    assert.deepEqual(await Deno.readFile(dest), gzipped);
    assert.deepEqual(await listDir(join(dir, "sub")), ["data.gz"], "no temporary file is left");
    assert.equal(seen.at(-1), gzipped.length);
    assert.ok(seen.every((v, i) => i === 0 || v >= seen[i - 1]), "progress never goes back");
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("download: a checksum mismatch caches nothing and names the URL", async () => {
  const server = startLoopbackServer({ "/data.gz": { body: gzipped } });
  const dir = await Deno.makeTempDir();
  try {
    const dest = join(dir, "data.gz");
    for (
      const checksum of [
        { algorithm: "md5" as const, hex: "0".repeat(32), of: "file" as const },
        { algorithm: "sha256" as const, hex: "0".repeat(64), of: "decompressed" as const },
      ]
    ) {
      await assert.rejects(
        downloadFile(`${server.url}/data.gz`, dest, { checksums: [checksum], progress: "none" }),
        (error: unknown) => {
          assert.ok(error instanceof CorruptDataError, String(error));
          assert.equal(error.path, `${server.url}/data.gz`);
          assert.match(error.message, new RegExp(`${checksum.algorithm} of the .* expected 0+`));
          return true;
        },
      );
      assert.deepEqual(await listDir(dir), [], "nothing cached, no temporary file");
    }
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("download: a dropped connection is a clear error and leaves no partial file", async () => {
  const server = startLoopbackServer({ "/data.gz": { body: gzipped, dropAfter: 50_000 } });
  const dir = await Deno.makeTempDir();
  try {
    const dest = join(dir, "data.gz");
    await assert.rejects(
      downloadFile(`${server.url}/data.gz`, dest, { progress: "none" }),
      (error: unknown) => {
        assert.ok(error instanceof DownloadError, String(error));
        assert.match(
          error.message,
          new RegExp(`connection dropped after \\d+ of ${gzipped.length} bytes`),
        );
        return true;
      },
    );
    assert.deepEqual(await listDir(dir), [], "no partial or temporary file");
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("download: a stalled connection times out and a cancelled one stops, leaving no partial file", async () => {
  const server = startLoopbackServer({
    "/data.gz": { body: gzipped, dropAfter: 10_000, stall: true },
  });
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(
      downloadFile(`${server.url}/data.gz`, join(dir, "data.gz"), {
        progress: "none",
        // Long enough that a loaded machine's scheduling gaps between the first 10,000 bytes
        // never trip it (the data arrives in one loopback burst); short enough to keep the test
        // quick.
        idleTimeoutMs: 1500,
      }),
      (error: unknown) => {
        assert.ok(error instanceof DownloadError, String(error));
        assert.match(
          error.message,
          new RegExp(`stalled: no data for 1500 ms after 10000 of ${gzipped.length} bytes`),
        );
        return true;
      },
    );
    assert.deepEqual(await listDir(dir), []);
    // The caller's signal cancels the same way, with the caller's reason.
    const controller = new AbortController();
    // Cancel once the server has sent its bytes and gone silent: an event, not a sleep.
    const stalled = server.nextStall();
    const cancelled = downloadFile(`${server.url}/data.gz`, join(dir, "data.gz"), {
      progress: "none",
      signal: controller.signal,
    });
    await stalled;
    controller.abort(new Error("user cancelled"));
    await assert.rejects(cancelled, /user cancelled/);
    assert.deepEqual(await listDir(dir), []);
    await assert.rejects(
      downloadFile(`${server.url}/data.gz`, join(dir, "x"), { idleTimeoutMs: 0 }),
      /idleTimeoutMs must be positive, got 0/,
    );
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("download: HTTP errors, refused connections and bad arguments", async () => {
  const server = startLoopbackServer({});
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(
      downloadFile(`${server.url}/missing.gz`, join(dir, "m.gz"), { progress: "none" }),
      /HTTP 404/,
    );
    // A port nobody listens on: take one from the OS, then free it.
    const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (probe.addr as Deno.NetAddr).port;
    probe.close();
    await assert.rejects(
      downloadFile(`http://127.0.0.1:${port}/x.gz`, join(dir, "x.gz"), { progress: "none" }),
      (error: unknown) => error instanceof DownloadError && /could not connect/.test(error.message),
    );
    assert.deepEqual(await listDir(dir), []);
    await assert.rejects(
      downloadFile("ftp://example/x", join(dir, "y")),
      /url must be an http\(s\) URL/,
    );
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});
