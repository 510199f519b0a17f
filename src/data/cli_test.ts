import assert from "node:assert/strict";
import { runDataCli } from "./cli.ts";

Deno.test("data CLI: verifies Fashion-MNIST from the system package and reports failures", async () => {
  const empty = await Deno.makeTempDir();
  try {
    const lines: string[] = [];
    const code = await runDataCli(
      [
        "--dataset",
        "fashion-mnist",
        "--dataset",
        "mnist",
        "--cache-dir",
        empty,
        "--data-dir",
        empty,
        "--no-download",
      ],
      (line) => lines.push(line),
    );
    const text = lines.join("\n");
    assert.equal(code, 1, "mnist is not installed here, so the run fails");
    assert.match(
      text,
      /fashion-mnist: 60000 train \/ 10000 test images of 28×28×1, 10 classes \(train per class 6000..6000\)/,
    );
    assert.match(
      text,
      /train-images-idx3-ubyte.gz: \/usr\/share\/datasets\/fashion-mnist\/train-images-idx3-ubyte.gz \(checksum verified\)/,
    );
    assert.match(text, /^mnist: missing train-images-idx3-ubyte.gz/m);
    const help: string[] = [];
    assert.equal(await runDataCli(["--help"], (line) => help.push(line)), 0);
    assert.match(help.join(""), /--data-dir DIR/);
    const bad: string[] = [];
    assert.equal(await runDataCli(["--bogus"], (line) => bad.push(line)), 2);
    assert.match(bad.join(""), /bogus/);
  } finally {
    await Deno.remove(empty, { recursive: true });
  }
});
