import assert from "node:assert/strict";
import { compareMain } from "./compare_command.ts";
import { scanResults } from "../report/results_dir.ts";

// A fake training function (no TF.js): validation accuracy is rho, so the larger rho is selected.
const train = (flags: { rho?: number }) =>
  Promise.resolve({
    status: "completed" as const,
    config: {},
    environment: {},
    epochs: [{
      epoch: 1,
      trainLoss: 1,
      trainAccuracy: 0.5,
      testLoss: 1,
      testAccuracy: 0.5,
      validationAccuracy: flags.rho ?? 0,
      seconds: 1,
      gradientEvaluations: 2,
    }],
    final: { testAccuracy: 0.5, testLoss: 1, trainLoss: 1, seconds: 1 },
  });

const grid = {
  name: "tuning-only",
  datasets: ["fashion-mnist"],
  models: ["mlp"],
  optimizers: [{ optimizer: "sgd" }, { optimizer: "sam", search: { rho: [0.05, 0.1] } }],
  seeds: [0, 1],
  settings: [{ name: "clean" }, { name: "20%-noise", labelNoise: 0.2 }],
  tuning: { seeds: [9], metric: "final-validation-accuracy", setting: { name: "clean" } },
  common: { epochs: 1, validationFraction: 0.1 },
};

Deno.test("compare --tuning-only: exit 0 with only the tuning runs; the rerun does the finals", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/grid.json`, JSON.stringify(grid));
  const out: string[] = [];
  const io = {
    train: train as never,
    stdout: (t: string) => out.push(t),
    stderr: (t: string) => out.push(t),
    isTerminal: false,
  };
  const args = ["--grid", `${dir}/grid.json`, "--out", `${dir}/runs`, "--no-report"];
  assert.equal(await compareMain([...args, "--tuning-only"], io), 0, out.join(""));
  // The finals it leaves for later are not reported as missing.
  assert.doesNotMatch(out.join(""), /missing/, out.join(""));
  let runs = (await scanResults([`${dir}/runs`])).runs.map((r) => r.record.run);
  // SAM's two trials on the one tuning seed, on the tuning setting only.
  assert.equal(runs.length, 2);
  assert.ok(runs.every((r) => r.phase === "tuning" && r.setting === "clean"));
  // Without --tuning-only the same command is incomplete until the finals are there: it runs them.
  assert.equal(await compareMain(args, io), 0, out.join(""));
  runs = (await scanResults([`${dir}/runs`])).runs.map((r) => r.record.run);
  const finals = runs.filter((r) => r.phase !== "tuning");
  // sgd and sam × 2 settings × 2 seeds; SAM's noisy cell reuses the clean selection.
  assert.equal(finals.length, 8);
  assert.ok(finals.filter((r) => r.method === "sam").every((r) => r.trial === "rho=0.1"));
  await Deno.remove(dir, { recursive: true });
});
