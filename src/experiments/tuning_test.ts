import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { compareMain } from "./compare_command.ts";
import { scanResults } from "../report/results_dir.ts";
import type { GridDeclaration } from "./grid.ts";

// The done-when grid: two methods, a two-value search space each, two tuning seeds, three
// final seeds, 1,000 images, one epoch; real train() on the real Fashion-MNIST (wasm backend).
const grid: GridDeclaration = {
  name: "tuned",
  datasets: ["fashion-mnist"],
  models: ["mlp"],
  optimizers: [
    { optimizer: "sgd", search: { lr: [0.01, 0.1] } },
    { optimizer: "sam", flags: { lr: 0.05 }, search: { rho: [0.02, 0.5] } },
  ],
  seeds: [0, 1, 2],
  settings: [{ name: "clean" }],
  tuning: { seeds: [100, 101], metric: "final-validation-accuracy" },
  common: { epochs: 1, trainLimit: 1000, testLimit: 500, validationFraction: 0.2 },
};

const COMMAND = fileURLToPath(new URL("./compare_command.ts", import.meta.url));

Deno.test("a tiny tuned grid runs end to end, selects on validation, and resumes after a kill", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/grid.json`, JSON.stringify(grid));
  const args = ["--grid", `${dir}/grid.json`, "--out", `${dir}/runs`, "--backend", "wasm"];

  // Kill -9 once five runs are done (in the tuning phase: it has 8 runs).
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", COMMAND, ...args, "--no-report"],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.getReader();
  let seen = "";
  while ((seen.match(/\] completed /g) ?? []).length < 5) {
    const { value, done } = await reader.read();
    if (done) break;
    seen += new TextDecoder().decode(value);
  }
  child.kill("SIGKILL");
  await reader.cancel();
  assert.equal((await child.status).signal, "SIGKILL");
  const afterKill = (await scanResults([`${dir}/runs`])).runs.length;
  assert.ok(afterKill >= 5 && afterKill < 14, `${afterKill} results after the kill`);

  const out: string[] = [];
  const io = { stdout: (t: string) => out.push(t), stderr: (t: string) => out.push(t) };
  assert.equal(await compareMain(args, io), 0, out.join(""));
  const log = out.join("");
  // Nothing is trained twice: the rerun trains exactly the runs without a result.
  assert.equal(log.match(/\] completed /g)?.length, 14 - afterKill, log);

  const records = (await scanResults([`${dir}/runs`])).runs.map((e) => e.record);
  const tuning = records.filter((r) => r.run.phase === "tuning");
  const finals = records.filter((r) => r.run.phase !== "tuning");
  assert.equal(tuning.length, 8);
  assert.equal(finals.length, 6);
  assert.deepEqual([...new Set(tuning.map((r) => r.run.seed))].sort(), [100, 101]);
  assert.deepEqual([...new Set(finals.map((r) => r.run.seed))].sort(), [0, 1, 2]);

  // The selection, recomputed from the tuning runs' validation accuracy alone.
  const expected: Record<string, string> = {};
  for (const method of ["sgd", "sam"]) {
    const trials = [
      ...new Set(tuning.filter((r) => r.run.method === method).map((r) => r.run.trial!)),
    ];
    const score = (trial: string) => {
      const runs = tuning.filter((r) => r.run.method === method && r.run.trial === trial);
      assert.equal(runs.length, 2);
      return runs.reduce((s, r) => s + r.epochs.at(-1)!.validationAccuracy!, 0) / 2;
    };
    expected[method] = trials.reduce((best, t) => (score(t) > score(best) ? t : best));
  }
  for (const r of finals) {
    assert.equal(r.run.trial, expected[r.run.method]);
    const [key, value] = r.run.trial!.split("=");
    assert.equal(r.config[key], Number(value), "the final runs train with the selected value");
    assert.equal(r.counts?.validation, 200);
  }

  // The report: selected values, the search space, the cost; early stopping apart.
  const md = await Deno.readTextFile(`${dir}/runs/report/report.md`);
  assert.match(md, /## Tuning/);
  assert.match(
    md,
    new RegExp(`\\| fashion-mnist/mlp/clean \\| sam \\| rho: 0.02, 0.5 \\| ${expected.sam} \\|`),
  );
  assert.match(
    md,
    new RegExp(`\\| fashion-mnist/mlp/clean \\| sgd \\| lr: 0.01, 0.1 \\| ${expected.sgd} \\|`),
  );
  assert.match(md, /## Early stopping/);
  assert.match(md, /\| fashion-mnist\/mlp\/clean \| 0.2 \| 800 \| 200 \| 500 \|/);
  const data = JSON.parse(await Deno.readTextFile(`${dir}/runs/report/tuning.json`));
  assert.equal(data.tuning.cost.runs, 8);
  assert.equal(data.tuning.metric, "final-validation-accuracy");
  assert.deepEqual(
    data.tuning.cells.map((c: { selected: { trial: string } }) => c.selected.trial),
    [
      expected.sgd,
      expected.sam,
    ],
  );
  assert.equal(data.earlyStopping.length, 2);
  // The comparison tables hold the final runs only: three seeds per method.
  const report = JSON.parse(await Deno.readTextFile(`${dir}/runs/report/report.json`));
  assert.equal(report.runs, 6);

  // A third run does nothing.
  const again: string[] = [];
  assert.equal(
    await compareMain(args, { stdout: (t) => again.push(t), stderr: (t) => again.push(t) }),
    0,
  );
  assert.doesNotMatch(again.join(""), /\] completed /);
  await Deno.remove(dir, { recursive: true });
});
