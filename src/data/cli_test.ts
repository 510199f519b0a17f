import assert from "node:assert/strict";
import { runDataCli } from "./cli.ts";

Deno.test("data CLI: verifies Fashion-MNIST through the data layer and reports failures", async () => {
  const empty = await Deno.makeTempDir();
  const saved = Deno.env.get("USAM_DATA");
  Deno.env.delete("USAM_DATA");
  try {
    // Fashion-MNIST by the default chain (Debian package, cache, checksummed download).
    const lines: string[] = [];
    assert.equal(await runDataCli(["--dataset", "fashion-mnist"], (l) => lines.push(l)), 0);
    const text = lines.join("\n");
    assert.match(
      text,
      /fashion-mnist: 60000 train \/ 10000 test images of 28×28×1, 10 classes \(train per class 6000..6000\)/,
    );
    assert.match(text, /train-images-idx3-ubyte.gz: \S+ \(checksum verified\)/);
    // MNIST with an empty cache, an empty data folder (searched alone) and no downloads.
    const failed: string[] = [];
    const code = await runDataCli(
      ["--dataset", "mnist", "--cache-dir", empty, "--data-dir", empty, "--no-download"],
      (line) => failed.push(line),
    );
    assert.equal(code, 1, "mnist is not in the empty folders and downloads are off");
    assert.match(failed.join("\n"), /^data: mnist: missing train-images-idx3-ubyte.gz/m);
    const help: string[] = [];
    assert.equal(await runDataCli(["--help"], (line) => help.push(line)), 0);
    assert.match(help.join(""), /^Usage: deno task data \[options\]/);
    assert.match(help.join(""), /--data-dir DIR/);
    // Bad flags and unknown datasets: exit 2, one "data: " line on the error stream, nothing else.
    for (const argv of [["--bogus"], ["--dataset", "imagenet"]]) {
      const out: string[] = [];
      const errors: string[] = [];
      const code = await runDataCli(argv, (l) => out.push(l), (l) => errors.push(l));
      assert.equal(code, 2, argv.join(" "));
      assert.deepEqual(out, [], argv.join(" "));
      assert.equal(errors.length, 1);
      assert.match(errors[0], /^data: .*(bogus|--dataset must be one of .*"imagenet")/);
    }
  } finally {
    if (saved !== undefined) Deno.env.set("USAM_DATA", saved);
    await Deno.remove(empty, { recursive: true });
  }
});
