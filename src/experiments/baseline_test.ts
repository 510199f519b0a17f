import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { parseBaseline, readBaseline } from "./baseline.ts";
import { regressMain, untrustworthyChecks } from "./regress_command.ts";
import type { GridDeclaration } from "./grid.ts";

const tinyGrid: GridDeclaration = {
  name: "tiny",
  datasets: ["fashion-mnist"],
  models: ["mlp"],
  optimizers: [{ optimizer: "sgd" }],
  seeds: [0],
  settings: [{ name: "clean" }],
  common: { epochs: 1, trainLimit: 64, testLimit: 64 },
};

async function regressWith(baseline: unknown) {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/baseline.json`, JSON.stringify(baseline));
  let trained = 0;
  const err: string[] = [];
  const code = await regressMain(
    ["--baseline", `${dir}/baseline.json`, "--out", `${dir}/runs`, "--no-history"],
    {
      grid: tinyGrid,
      stdout: () => {},
      stderr: (t) => err.push(t),
      train: () => {
        trained++;
        return Promise.reject(new Error("must not run"));
      },
    },
  );
  await Deno.remove(dir, { recursive: true });
  return { code, err: err.join(""), trained };
}

const COMMITTED = fileURLToPath(new URL("../../results/baseline.json", import.meta.url));
const committed = JSON.parse(await Deno.readTextFile(COMMITTED));

Deno.test("the committed baseline is readable", async () => {
  const baseline = await readBaseline(COMMITTED);
  assert.ok(baseline.accuracy.length > 0);
  assert.equal(baseline.preset, "ci");
});

Deno.test("regress refuses a damaged baseline before running anything, naming the field", async () => {
  const nullMeans = {
    ...committed,
    accuracy: committed.accuracy.map((a: object) => ({ ...a, mean: null })),
  };
  const cases: [unknown, RegExp][] = [
    [nullMeans, /accuracy\[0\]\.mean must be an accuracy in \[0, 1\], got null/],
    [{ accuracy: [], costs: [] }, /preset must be a preset name/],
    [{ ...committed, accuracy: [] }, /accuracy must be a non-empty list/],
    [{ ...committed, rule: { ...committed.rule, k: undefined } }, /rule\.k must be/],
    [
      { ...committed, accuracy: [{ ...committed.accuracy[0], method: undefined }] },
      /accuracy\[0\]\.method must be a name/,
    ],
    [{ ...committed, costs: undefined }, /costs must be a list/],
    [
      { ...committed, costs: [{ ...committed.costs[0], gradientRatio: "2" }] },
      /costs\[0\]\.gradientRatio/,
    ],
  ];
  for (const [baseline, pattern] of cases) {
    const { code, err, trained } = await regressWith(baseline);
    assert.equal(code, 2, err);
    assert.match(err, pattern);
    assert.equal(trained, 0, "nothing ran");
  }
  assert.throws(() => parseBaseline(null, "b.json"), /b\.json: \(root\)/);
});

Deno.test("a check with zero comparisons or a NaN threshold cannot pass", () => {
  assert.match(untrustworthyChecks([]).join(), /zero checks/);
  const nan = {
    kind: "accuracy" as const,
    where: "d/mlp/clean sgd",
    baseline: 0.8,
    current: 0.8,
    threshold: Number.NaN,
    passed: true,
    message: "",
  };
  assert.match(
    untrustworthyChecks([nan]).join(),
    /d\/mlp\/clean sgd: accuracy check has a non-finite/,
  );
  assert.deepEqual(untrustworthyChecks([{ ...nan, threshold: 0.78 }]), []);
});

Deno.test("regress --backend nonsense is refused like compare, before anything runs", async () => {
  const err: string[] = [];
  const code = await regressMain(["--backend", "nonsense"], {
    grid: tinyGrid,
    stderr: (t) => err.push(t),
    stdout: () => {},
    train: () => Promise.reject(new Error("must not run")),
  });
  assert.equal(code, 2);
  assert.match(err.join(""), /^regress: --backend must be one of .*got "nonsense"/);
});
