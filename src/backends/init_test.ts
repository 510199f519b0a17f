import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { BACKEND_NAMES, describeEnvironment, initBackend } from "./init.ts";
import { nativeUnavailableReason } from "./native.ts";

Deno.test("initBackend refuses an unknown name with a TypeError listing the valid ones", async () => {
  for (const bad of ["gpu", "", "WASM", 3, undefined]) {
    await assert.rejects(
      () => initBackend(bad as never),
      (error: Error) =>
        error instanceof TypeError &&
        error.message.includes(JSON.stringify(bad) ?? "undefined") &&
        BACKEND_NAMES.every((name) => error.message.includes(name)),
    );
  }
});

/** What this machine offers, read without the code under test (its finders and probes). */
async function machineFacts() {
  const exists = async (path: URL) => {
    try {
      await Deno.stat(path);
      return true;
    } catch {
      return false;
    }
  };
  const root = new URL("../../node_modules/@tensorflow/", import.meta.url);
  const tensorflow = await exists(new URL("tfjs-node-gpu/package.json", root)) ||
    await exists(new URL("tfjs-node/package.json", root));
  // deno-lint-ignore no-explicit-any
  const gpu = (navigator as any).gpu;
  // deno-lint-ignore no-explicit-any
  const adapter: any = gpu ? await gpu.requestAdapter() : null;
  const loads = (name: string) => {
    try {
      Deno.dlopen(name, {}).close();
      return true;
    } catch {
      return false;
    }
  };
  return {
    tensorflow,
    hardwareAdapter: adapter !== null && adapter.info?.isFallbackAdapter !== true,
    adapterName: adapter?.info?.description as string | undefined,
    native: loads("libopenblas.so.0") && loads("libdnnl.so.2"),
  };
}

Deno.test("initBackend('auto') picks tensorflow, else a hardware WebGPU adapter, else native, else wasm, and says why", async () => {
  const facts = await machineFacts();
  const expected = facts.tensorflow
    ? "tensorflow"
    : facts.hardwareAdapter
    ? "webgpu"
    : facts.native
    ? "native"
    : "wasm";
  const choice = await initBackend("auto");
  assert.equal(choice.backend, expected);
  assert.equal(tf.getBackend(), expected);
  assert.match(choice.description, /auto chose it because/);
  if (expected === "native") assert.match(choice.description, /native libraries load \(OpenBLAS/);
  if ((expected === "wasm" || expected === "native") && facts.adapterName) {
    // Here: Deno's software adapter (llvmpipe) is a fallback, and the description names it.
    assert.ok(choice.description.includes(facts.adapterName), choice.description);
  }
});

Deno.test("initBackend is idempotent: a second call returns the same choice without restarting", async () => {
  const first = await initBackend("wasm");
  const backendInstance = tf.backend();
  const second = await initBackend("wasm");
  assert.equal(second, first);
  assert.equal(tf.backend(), backendInstance);
  // Switching away and back works too (the wasm binaries are only configured once).
  await initBackend("cpu");
  assert.equal(tf.getBackend(), "cpu");
  const again = await initBackend("wasm");
  assert.equal(again.backend, "wasm");
  assert.equal(tf.getBackend(), "wasm");
});

Deno.test("describeEnvironment reports the active backend, its adapter and the versions", async () => {
  await initBackend("cpu");
  const cpu = describeEnvironment();
  assert.deepEqual(cpu, {
    backend: "cpu",
    adapter: "plain JavaScript",
    deno: Deno.version.deno,
    tfjs: tf.version_core,
  });
  await initBackend("wasm");
  const wasm = describeEnvironment();
  assert.equal(wasm.backend, "wasm");
  assert.match(wasm.adapter, /SIMD/);
  assert.equal(wasm.tfjs, "4.22.0");
});

Deno.test("the wasm backend registers this project's kernels", async () => {
  await initBackend("wasm");
  assert.ok(tf.getKernel("Conv2DBackpropFilter", "wasm") !== undefined);
  // A conv gradient runs (TF.js alone throws "Kernel 'Conv2DBackpropFilter' not registered").
  const dW = tf.tidy(() => {
    const x = tf.ones([1, 4, 4, 1]) as tf.Tensor4D;
    const loss = (w: tf.Tensor) => tf.sum(tf.conv2d(x, w as tf.Tensor4D, 1, "valid"));
    return tf.grad(loss)(tf.ones([3, 3, 1, 1])).dataSync();
  });
  assert.deepEqual(Array.from(dW), new Array(9).fill(4)); // each tap sees the 2×2 valid outputs
});

Deno.test({
  name: "initBackend('native') is the wasm backend's instance with native matmul kernels",
  ignore: nativeUnavailableReason() !== undefined,
  async fn() {
    await initBackend("wasm");
    const wasm = tf.backend();
    const x = tf.tensor2d([[1, 2], [3, 4]]);
    const choice = await initBackend("native");
    assert.equal(choice.backend, "native");
    assert.equal(tf.getBackend(), "native");
    assert.match(choice.description, /^native: requested by name \(OpenBLAS/);
    assert.equal(describeEnvironment().adapter, choice.adapter);
    // One instance under two names: a wasm tensor is used in place, without a move.
    assert.equal(tf.backend(), wasm);
    assert.deepEqual(Array.from(tf.matMul(x, x, false, true).dataSync()), [5, 11, 11, 25]);
    assert.notEqual(
      tf.getKernel("BatchMatMul", "native")?.kernelFunc,
      tf.getKernel("BatchMatMul", "wasm")?.kernelFunc,
    );
    // oneDNN's convolutions are native's only: the wasm backend keeps its own kernels.
    for (const name of ["Conv2D", "Conv2DBackpropInput", "Conv2DBackpropFilter"]) {
      assert.notEqual(
        tf.getKernel(name, "native")?.kernelFunc,
        tf.getKernel(name, "wasm")?.kernelFunc,
        name,
      );
    }
    // Every other wasm kernel is there too (copied), e.g. the project's Conv2DBackpropFilter.
    assert.ok(tf.getKernel("Conv2DBackpropFilter", "native") !== undefined);
    x.dispose();
    assert.equal(await initBackend("native"), choice); // idempotent
  },
});
