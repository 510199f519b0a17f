import assert from "node:assert/strict";
import {
  expandGrid,
  type GridDeclaration,
  parseShard,
  runId,
  selectShard,
  trialsOf,
  tuningRuns,
  validateGrid,
} from "./grid.ts";
import { selectTrials } from "./tuning.ts";
import type { RunRecord } from "../training/result.ts";
import { loadGridFile, presetGrid } from "./presets/mod.ts";

function tiny(): GridDeclaration {
  return {
    name: "tiny",
    datasets: ["fashion-mnist"],
    models: ["mlp", "cnn"],
    optimizers: [{ optimizer: "sgd" }, { optimizer: "sam", flags: { rho: 0.1 } }, {
      label: "sam-big",
      optimizer: "sam",
      flags: { rho: 0.5 },
    }],
    seeds: [0, 1],
    settings: [{ name: "clean" }, { name: "10%-data", trainFraction: 0.1 }],
    common: { epochs: 2, lr: 0.05 },
    perModel: { cnn: { lr: 0.02 } },
  };
}

Deno.test("expandGrid: every combination once, flags layered, ids unique and stable", () => {
  const runs = expandGrid(tiny());
  assert.equal(runs.length, 2 * 3 * 2 * 2);
  assert.equal(new Set(runs.map((r) => r.id)).size, runs.length);
  const cnnSam = runs.find((r) =>
    r.model === "cnn" && r.method === "sam-big" && r.setting === "10%-data"
  )!;
  assert.deepEqual(cnnSam.flags, {
    epochs: 2,
    lr: 0.02,
    rho: 0.5,
    dataset: "fashion-mnist",
    model: "cnn",
    optimizer: "sam",
    seed: 0,
    trainFraction: 0.1,
  });
  // Stable: the same declaration, reordered keys, gives the same ids.
  const again = expandGrid({ ...tiny(), common: { lr: 0.05, epochs: 2 } });
  assert.deepEqual(again.map((r) => r.id), runs.map((r) => r.id));
  // Changing a flag changes the id; renaming the grid does not (the id is what the run computes).
  assert.notEqual(expandGrid({ ...tiny(), common: { epochs: 3, lr: 0.05 } })[0].id, runs[0].id);
  assert.equal(expandGrid({ ...tiny(), name: "other" })[0].id, runs[0].id);
  assert.match(runs[0].id, /^[0-9a-f]{16}$/);
  assert.equal(runId({ ...runs[0], grid: "x" }), runs[0].id);
});

Deno.test("grid validation names the field and the value", () => {
  assert.throws(() => expandGrid({ ...tiny(), seeds: [] }), /seeds must not be empty/);
  assert.throws(() => expandGrid({ ...tiny(), seeds: [0, 0] }), /seeds has a duplicate entry 0/);
  assert.throws(() => expandGrid({ ...tiny(), seeds: [0.5] }), /seeds must be integers, got 0.5/);
  assert.throws(
    () => expandGrid({ ...tiny(), optimizers: [{ optimizer: "sgd" }, { optimizer: "sgd" }] }),
    /optimizers \(labels\) has a duplicate entry "sgd"/,
  );
  assert.throws(() => expandGrid({ ...tiny(), name: "a b" }), /name must be a word/);
  assert.throws(() => expandGrid({ ...tiny(), datasets: "fashion-mnist" as never }), TypeError);
});

Deno.test("shards partition the grid and balance it", () => {
  const runs = expandGrid(presetGrid("ci"));
  assert.equal(runs.length, 126);
  for (const count of [1, 2, 5, 7]) {
    const shards = Array.from(
      { length: count },
      (_, k) => selectShard(runs, { index: k + 1, count }),
    );
    const ids = shards.flatMap((s) => s.map((r) => r.id));
    assert.equal(ids.length, runs.length);
    assert.deepEqual(new Set(ids), new Set(runs.map((r) => r.id)));
    const sizes = shards.map((s) => s.length);
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `sizes ${sizes}`);
  }
  // Deterministic: the same shard twice is the same list.
  assert.deepEqual(
    selectShard(runs, parseShard("3/7")),
    selectShard(expandGrid(presetGrid("ci")), parseShard("3/7")),
  );
  assert.throws(() => parseShard("0/3"), /--shard must have 1 <= i <= n, got 0\/3/);
  assert.throws(() => parseShard("4/3"), /got 4\/3/);
  assert.throws(() => parseShard("two"), /--shard must look like i\/n/);
});

Deno.test("presets: the paper's settings and sizes", () => {
  const paper = expandGrid(presetGrid("paper"));
  assert.equal(paper.length, 3 * 7 * 3 * 3);
  const frob = paper.find((r) => r.method === "frob-sam")!;
  assert.equal(frob.flags.rho, 0.005);
  assert.equal(frob.flags.lambda, 0.005);
  assert.equal(frob.flags.samples, 2);
  assert.deepEqual(frob.flags.milestones, [50, 100, 150]);
  const cpu = expandGrid(presetGrid("cpu"));
  assert.equal(cpu.length, 126);
  assert.equal(cpu[0].flags.trainLimit, null);
  const noisy = expandGrid(presetGrid("ci")).filter((r) => r.setting === "20%-noise");
  assert.ok(noisy.every((r) => r.flags.labelNoise === 0.2));
  assert.throws(
    () => presetGrid("gpu"),
    /--preset must be one of ci, cpu, paper, study, study-demo, .*got "gpu"/,
  );
});

Deno.test("loadGridFile reads JSON and TypeScript grids and reports bad files", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/g.json`, JSON.stringify(tiny()));
  assert.equal((await loadGridFile(`${dir}/g.json`)).name, "tiny");
  await Deno.writeTextFile(
    `${dir}/g.ts`,
    `export default () => (${JSON.stringify({ ...tiny(), name: "ts" })});`,
  );
  assert.equal((await loadGridFile(`${dir}/g.ts`)).name, "ts");
  await Deno.writeTextFile(`${dir}/bad.json`, "{");
  await assert.rejects(() => loadGridFile(`${dir}/bad.json`), /bad\.json: not valid JSON/);
  await assert.rejects(() => loadGridFile(`${dir}/missing.json`), /missing\.json: cannot read/);
  await assert.rejects(
    () => loadGridFile(`${dir}/g.yaml`),
    /--grid must be a \.json, \.ts or \.js file/,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("tuning declarations: trials, disjoint seeds, metric, ids apart from the final runs", () => {
  const tuned: GridDeclaration = {
    name: "t",
    datasets: ["fashion-mnist"],
    models: ["mlp"],
    optimizers: [{ optimizer: "sgd" }, {
      optimizer: "sam",
      search: { rho: [0.05, 0.1], lr: [0.01, 0.1] },
    }],
    seeds: [0, 1, 2],
    settings: [{ name: "clean" }, { name: "20%-noise", labelNoise: 0.2 }],
    tuning: { seeds: [10, 11], metric: "best-validation-accuracy" },
    common: { validationFraction: 0.1 },
  };
  assert.deepEqual(trialsOf(tuned.optimizers[1].search!).map((t) => t.label), [
    "lr=0.01,rho=0.05",
    "lr=0.01,rho=0.1",
    "lr=0.1,rho=0.05",
    "lr=0.1,rho=0.1",
  ]);
  const runs = tuningRuns(tuned);
  // 2 settings × 4 trials × 2 tuning seeds, for the tuned method only.
  assert.equal(runs.length, 16);
  assert.ok(runs.every((r) => r.method === "sam" && r.phase === "tuning"));
  assert.equal(new Set(runs.map((r) => r.id)).size, 16);
  assert.equal(runs[0].flags.lr, 0.01);
  assert.equal(runs[0].flags.rho, 0.05);
  assert.throws(
    () => expandGrid(tuned),
    /clean sam is tuned; its final runs need the tuning selection/,
  );
  const bad = (patch: Partial<GridDeclaration>) => () => validateGrid({ ...tuned, ...patch });
  assert.throws(
    bad({ tuning: { seeds: [0, 11], metric: "final-validation-accuracy" } }),
    /disjoint.*0/,
  );
  assert.throws(
    bad({ tuning: { seeds: [10], metric: "test-accuracy" as never } }),
    /tuning\.metric/,
  );
  assert.throws(bad({ tuning: undefined }), /declare a search space but the grid has no "tuning"/);
  assert.throws(
    bad({ optimizers: [{ optimizer: "sam", search: { rho: [] } }] }),
    /search\.rho must be a non-empty list of numbers/,
  );
  // Untuned grids keep their run ids: existing result folders stay resumable.
  const plain = expandGrid({ ...tuned, optimizers: [{ optimizer: "sgd" }], tuning: undefined });
  assert.ok(plain.every((r) => r.phase === undefined && r.trial === undefined));
});

Deno.test("searchByModel: a model's own space replaces search for it alone, ids of the others kept", () => {
  const base: GridDeclaration = {
    name: "t",
    datasets: ["fashion-mnist"],
    models: ["mlp", "cnn"],
    optimizers: [{ optimizer: "sam", search: { rho: [0.05, 0.1] } }],
    seeds: [0],
    settings: [{ name: "clean" }],
    tuning: { seeds: [10], metric: "final-validation-accuracy" },
    common: { validationFraction: 0.1 },
  };
  const moved: GridDeclaration = {
    ...base,
    optimizers: [{
      optimizer: "sam",
      search: { rho: [0.05, 0.1] },
      searchByModel: { cnn: { rho: [0.01, 0.02, 0.05] } },
    }],
  };
  const before = tuningRuns(base);
  const after = tuningRuns(moved);
  const rhos = (runs: typeof after, model: string) =>
    runs.filter((r) => r.model === model).map((r) => r.flags.rho);
  assert.deepEqual(rhos(after, "mlp"), [0.05, 0.1]);
  assert.deepEqual(rhos(after, "cnn"), [0.01, 0.02, 0.05]);
  // The MLP's runs are the same runs (a finished tuning stays valid); the CNN's are new.
  const ids = (runs: typeof after, model: string) =>
    runs.filter((r) => r.model === model).map((r) => r.id);
  assert.deepEqual(ids(after, "mlp"), ids(before, "mlp"));
  assert.equal(ids(after, "cnn").filter((id) => ids(before, "cnn").includes(id)).length, 1);
  // Selection scores each model over its own space: the CNN's best trial is one the MLP lacks.
  const records: RunRecord[] = after.map((r) => ({
    status: "completed",
    config: {},
    environment: {},
    epochs: [{
      epoch: 1,
      trainLoss: 1,
      trainAccuracy: 0.5,
      testLoss: 1,
      testAccuracy: 0.5,
      seconds: 1,
      gradientEvaluations: 10,
      validationAccuracy: 1 - Math.abs((r.flags.rho as number) - (r.model === "cnn" ? 0.02 : 0.1)),
    }],
    final: null,
    run: {
      id: r.id,
      grid: "t",
      dataset: r.dataset,
      model: r.model,
      method: r.method,
      setting: r.setting,
      seed: r.seed,
      phase: "tuning",
      trial: r.trial,
    },
  } as unknown as RunRecord));
  const { selection } = selectTrials(moved, after, records);
  assert.equal(selection.get("fashion-mnist/cnn/clean sam")?.label, "rho=0.02");
  assert.equal(selection.get("fashion-mnist/mlp/clean sam")?.label, "rho=0.1");
  const finals = expandGrid(moved, selection);
  assert.equal(finals.find((r) => r.model === "cnn")?.flags.rho, 0.02);
  assert.throws(
    () =>
      validateGrid({
        ...base,
        optimizers: [{ optimizer: "sam", searchByModel: { lenet: { rho: [0.1] } } as never }],
      }),
    /optimizers\[sam\]\.searchByModel names model "lenet", which is not a model/,
  );
  assert.throws(
    () =>
      validateGrid({
        ...base,
        optimizers: [{ optimizer: "sam", searchByModel: { cnn: { rho: [] } } }],
      }),
    /optimizers\[sam\]\.searchByModel\[cnn\]\.search\.rho must be a non-empty list of numbers/,
  );
});
