import assert from "node:assert/strict";
import { compareMain } from "./compare_command.ts";
import { scanResults } from "../report/results_dir.ts";

Deno.test("two workers on one folder share a real grid: every run trained exactly once", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(
    `${dir}/grid.json`,
    JSON.stringify({
      name: "jobs",
      datasets: ["fashion-mnist"],
      models: ["mlp"],
      optimizers: [{ optimizer: "sgd" }],
      seeds: [0, 1, 2, 3, 4, 5],
      settings: [{ name: "clean" }],
      common: { epochs: 1, trainLimit: 2000, testLimit: 128, batchSize: 32 },
    }),
  );
  const out: string[] = [];
  const code = await compareMain([
    "--grid",
    `${dir}/grid.json`,
    "--out",
    `${dir}/runs`,
    "--backend",
    "wasm",
    "--jobs",
    "2",
  ], {
    stdout: (t) => out.push(t),
    stderr: (t) => out.push(t),
    isTerminal: false,
  });
  const text = out.join("");
  assert.equal(code, 0, text);
  assert.match(text, /workers exited with 0, 0/);
  // Each worker walks the whole list and takes the runs it can lock: 6 trainings in all (not 12),
  // shared between the two.
  const trained = text.match(/\[w\d\] \[\d+\/6\] completed /g) ?? [];
  assert.equal(trained.length, 6, text);
  for (const worker of ["w1", "w2"]) {
    assert.ok(trained.some((line) => line.startsWith(`[${worker}]`)), `${worker} trained nothing`);
  }
  const scan = await scanResults([`${dir}/runs`]);
  assert.deepEqual(scan.runs.map((r) => r.record.run.seed).sort(), [0, 1, 2, 3, 4, 5]);
  assert.ok(scan.runs.every((r) => r.record.status === "completed"));
  // No lock or checkpoint is left behind.
  const left = [...Deno.readDirSync(`${dir}/runs`)].map((e) => e.name)
    .filter((n) => n.endsWith(".lock") || n.endsWith(".checkpoint"));
  assert.deepEqual(left, []);
  assert.match(
    await Deno.readTextFile(`${dir}/runs/report/report.md`),
    /\| fashion-mnist \| mlp \| clean \|/,
  );
  await Deno.remove(dir, { recursive: true });
});
