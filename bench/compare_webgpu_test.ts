import assert from "node:assert/strict";
import { probeWebGpuAdapter } from "../src/backends/webgpu.ts";
import type { GridDeclaration } from "../src/experiments/grid.ts";

// `deno task compare --backend webgpu`, the real command in a subprocess, on a tiny grid: the
// runs train on WebGPU (on the CI machine, Deno's software adapter) and the report is written.
const probe = await probeWebGpuAdapter();

const grid: GridDeclaration = {
  name: "webgpu-tiny",
  datasets: ["fashion-mnist"],
  models: ["mlp"],
  optimizers: [{ optimizer: "sgd" }, { optimizer: "frob-sam" }],
  seeds: [0],
  settings: [{ name: "clean" }],
  common: {
    epochs: 1,
    batchSize: 32,
    trainLimit: 64,
    testLimit: 64,
    hessianEvery: 1,
    hessianSamples: 2,
    hessianSubset: 32,
  },
};

Deno.test({
  name: "deno task compare --backend webgpu runs a tiny grid and writes its report",
  ignore: !probe.available,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "usam-compare-webgpu-" });
    try {
      await Deno.writeTextFile(`${dir}/grid.json`, JSON.stringify(grid));
      const output = await new Deno.Command(Deno.execPath(), {
        args: [
          "task",
          "compare",
          "--grid",
          `${dir}/grid.json`,
          "--backend",
          "webgpu",
          "--out",
          `${dir}/runs`,
        ],
        cwd: new URL("..", import.meta.url).pathname,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(output.stdout) +
        new TextDecoder().decode(output.stderr);
      assert.equal(output.code, 0, text);
      const results = [];
      for await (const entry of Deno.readDir(`${dir}/runs`)) {
        if (entry.isFile && entry.name.endsWith(".json")) {
          results.push(JSON.parse(await Deno.readTextFile(`${dir}/runs/${entry.name}`)));
        }
      }
      assert.equal(results.length, 2, text);
      for (const result of results) {
        assert.equal(result.status, "completed", JSON.stringify(result.failure));
        assert.equal(result.environment.backend, "webgpu");
        assert.ok(Number.isFinite(result.epochs[0].hessian.trace), "the Hessian was measured");
      }
      const report = await Deno.readTextFile(`${dir}/runs/report/report.md`);
      assert.match(report, /\| fashion-mnist \| mlp \| clean \|/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
