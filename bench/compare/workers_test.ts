import assert from "node:assert/strict";
import { compareMain } from "../compare.ts";
import { scanResults } from "../../src/report/results_dir.ts";

Deno.test("--jobs 2 splits a real grid between two worker processes sharing one folder", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(
    `${dir}/grid.json`,
    JSON.stringify({
      name: "jobs",
      datasets: ["fashion-mnist"],
      models: ["mlp"],
      optimizers: [{ optimizer: "sgd" }],
      seeds: [0, 1, 2],
      settings: [{ name: "clean" }],
      common: { epochs: 1, trainLimit: 128, testLimit: 128, batchSize: 64 },
    }),
  );
  const out: string[] = [];
  const code = await compareMain([
    "--grid",
    `${dir}/grid.json`,
    "--out",
    `${dir}/runs`,
    "--jobs",
    "2",
  ], {
    stdout: (t) => out.push(t),
    stderr: (t) => out.push(t),
    isTerminal: false,
  });
  const text = out.join("");
  assert.equal(code, 0, text);
  // Worker 1 takes runs 1 and 3, worker 2 run 2.
  assert.match(text, /\[w1\] grid "jobs": 2 of 3 runs/);
  assert.match(text, /\[w2\] grid "jobs": 1 of 3 runs/);
  assert.match(text, /workers exited with 0, 0/);
  const scan = await scanResults([`${dir}/runs`]);
  assert.deepEqual(scan.runs.map((r) => r.record.run.seed).sort(), [0, 1, 2]);
  assert.ok(scan.runs.every((r) => r.record.status === "completed"));
  assert.match(
    await Deno.readTextFile(`${dir}/runs/report/report.md`),
    /\| fashion-mnist \| mlp \| clean \|/,
  );
  await Deno.remove(dir, { recursive: true });
});
