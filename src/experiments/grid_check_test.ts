import assert from "node:assert/strict";
import { compareMain } from "./compare_command.ts";
import type { GridDeclaration } from "./grid.ts";

const base: GridDeclaration = {
  name: "checked",
  datasets: ["fashion-mnist"],
  models: ["mlp"],
  optimizers: [{ optimizer: "sgd" }, { optimizer: "sam" }],
  seeds: [0, 1],
  settings: [{ name: "clean" }],
  common: { epochs: 1 },
};

async function compareGrid(grid: unknown) {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/grid.json`, JSON.stringify(grid));
  let trained = 0;
  const err: string[] = [];
  const code = await compareMain(["--grid", `${dir}/grid.json`, "--out", `${dir}/runs`], {
    stdout: () => {},
    stderr: (t) => err.push(t),
    train: () => {
      trained++;
      return Promise.reject(new Error("must not run"));
    },
  });
  await Deno.remove(dir, { recursive: true });
  return { code, err: err.join(""), trained };
}

Deno.test("every run's config is checked before the first run: exit 2 naming the run and key", async () => {
  const cases: [unknown, RegExp][] = [
    // A typo in a shared key: refused once, naming the first run and the key.
    [
      { ...base, common: { epoch: 2 } },
      /run fashion-mnist\/mlp\/clean sgd seed 0 \[[0-9a-f]{16}\]: config: unknown key "epoch"/,
    ],
    // A bad optimizer in part of a grid: nothing trains, not even the valid runs before it.
    [
      { ...base, optimizers: [{ optimizer: "sgd" }, { optimizer: "lion" }] },
      /run fashion-mnist\/mlp\/clean lion seed 0 .*--optimizer must be one of/,
    ],
    [
      { ...base, perModel: { mlp: { batchSize: 0 } } },
      /run fashion-mnist\/mlp\/clean sgd seed 0 .*--batch-size must be a positive integer, got 0/,
    ],
    [
      { ...base, models: ["mlp", "vit"] },
      /run fashion-mnist\/vit\/clean sgd seed 0 .*--model must be one of/,
    ],
    // A search-space value that is invalid for its key, found before any tuning run.
    [
      {
        ...base,
        common: { epochs: 1, validationFraction: 0.1 },
        optimizers: [{ optimizer: "sam", search: { rho: [0.05, -1] } }],
        tuning: { seeds: [9], metric: "final-validation-accuracy" },
      },
      /run fashion-mnist\/mlp\/clean sam seed 9 \(trial rho=-1\) .*--rho must be a positive number/,
    ],
    // Tuning selects on validation accuracy, so a grid without a validation split is refused.
    [
      {
        ...base,
        optimizers: [{ optimizer: "sam", search: { rho: [0.05] } }],
        tuning: { seeds: [9], metric: "final-validation-accuracy" },
      },
      /validationFraction must be > 0/,
    ],
  ];
  for (const [grid, pattern] of cases) {
    const { code, err, trained } = await compareGrid(grid);
    assert.equal(code, 2, err);
    assert.match(err, pattern);
    assert.equal(trained, 0, `nothing trains for ${err}`);
  }
});
