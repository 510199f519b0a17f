import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { initBackend } from "./init.ts";
import { findTensorflowPackage, startTensorflow, tensorflowMissingMessage } from "./tensorflow.ts";

function withNodeModules(packages: Record<string, { version: string; main?: string }>) {
  const parent = mkdtempSync(join(tmpdir(), "usam-tensorflow-"));
  const root = join(parent, "node_modules");
  for (const [name, manifest] of Object.entries(packages)) {
    const directory = join(root, name);
    mkdirSync(directory, { recursive: true });
    writeFileSync(join(directory, "package.json"), JSON.stringify({ name, ...manifest }));
    const entry = join(directory, manifest.main ?? "index.js");
    mkdirSync(dirname(entry), { recursive: true });
    // An ES module that registers nothing: enough to stand in for a broken install.
    writeFileSync(entry, "export {};\n");
  }
  mkdirSync(root, { recursive: true });
  return { root, [Symbol.dispose]: () => rmSync(parent, { recursive: true, force: true }) };
}

Deno.test("the missing-tensorflow message gives both install commands and says libtensorflow is downloaded", () => {
  const message = tensorflowMissingMessage("/repo/node_modules");
  assert.match(message, /npm i @tensorflow\/tfjs-node-gpu/);
  assert.match(message, /npm i @tensorflow\/tfjs-node\b/);
  assert.match(message, /libtensorflow/);
  assert.match(message, /at install time/);
  assert.match(message, /\/repo\/node_modules/);
});

Deno.test("initBackend('tensorflow') without the package rejects with that message, and installs nothing", async () => {
  using empty = withNodeModules({});
  await assert.rejects(
    () => initBackend("tensorflow", { nodeModules: empty.root }),
    (error: Error) => error.message === tensorflowMissingMessage(empty.root),
  );
  await assert.rejects(() => startTensorflow(empty.root), /npm i @tensorflow\/tfjs-node-gpu/);
});

Deno.test("findTensorflowPackage finds an installed package on disk, preferring tfjs-node-gpu", () => {
  using none = withNodeModules({ "@tensorflow/tfjs-core": { version: "4.22.0" } });
  assert.equal(findTensorflowPackage(none.root), undefined);
  using cpuOnly = withNodeModules({
    "@tensorflow/tfjs-node": { version: "4.22.0", main: "dist/index.js" },
  });
  const found = findTensorflowPackage(cpuOnly.root);
  assert.equal(found?.name, "@tensorflow/tfjs-node");
  assert.equal(found?.version, "4.22.0");
  assert.ok(found?.entry.endsWith(join("@tensorflow", "tfjs-node", "dist", "index.js")));
  using both = withNodeModules({
    "@tensorflow/tfjs-node": { version: "4.22.0" },
    "@tensorflow/tfjs-node-gpu": { version: "4.22.0" },
  });
  assert.equal(findTensorflowPackage(both.root)?.name, "@tensorflow/tfjs-node-gpu");
  assert.throws(() => findTensorflowPackage(""), TypeError);
});

Deno.test("a package that imports but registers no 'tensorflow' backend is reported, not silently used", async () => {
  using fake = withNodeModules({ "@tensorflow/tfjs-node": { version: "0.0.0-fake" } });
  await assert.rejects(
    () => startTensorflow(fake.root),
    /did not register the 'tensorflow' backend/,
  );
});
