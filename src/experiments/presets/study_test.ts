import assert from "node:assert/strict";
import { cellMethodKey, checkGrid, expandGrid, type Trial, trialsOf, tuningRuns } from "../grid.ts";
import { runGrid } from "../run_grid.ts";
import { studyPlan, type StudyTiming } from "../study_plan.ts";
import { PRESET_NAMES, presetGrid } from "./mod.ts";
import { studyDemoGrid, studyGrid, studyParts } from "./study.ts";

/** A selection choosing, for every tuned method of every model, trial `k` of its space. */
function selectionOf(k: number): Map<string, Trial> {
  const grid = studyGrid();
  const selection = new Map<string, Trial>();
  for (const model of grid.models) {
    for (const o of grid.optimizers) {
      if (!o.search) continue;
      const trials = trialsOf(o.search);
      selection.set(
        cellMethodKey({ dataset: "fashion-mnist", model, setting: "clean", method: o.optimizer }),
        trials[Math.min(k, trials.length - 1)],
      );
    }
  }
  return selection;
}

Deno.test("study preset: validates, 33 tuning runs per model on clean only, 35 final runs per cell", () => {
  const grid = presetGrid("study");
  checkGrid(grid);
  const tuning = tuningRuns(grid);
  // SAM 3 + ASAM 3 + Trace-SAM 9 + Frob-SAM 9 + Det-SAM 9 trials, one tuning seed, 3 models.
  assert.equal(tuning.length, 3 * 33);
  assert.ok(tuning.every((r) => r.setting === "clean" && r.seed === 100 && r.phase === "tuning"));
  assert.ok(tuning.every((r) => r.flags.epochs === 5 && r.flags.hessianEvery === 0));
  assert.ok(tuning.every((r) => r.flags.validationFraction === 0.1 && r.flags.trainLimit === null));
  const finals = expandGrid(grid, selectionOf(1));
  assert.equal(finals.length, 3 * 3 * 7 * 5);
  assert.ok(finals.every((r) => r.flags.epochs === 20 && r.flags.hessianEvery === 1));
  assert.deepEqual([...new Set(finals.map((r) => r.seed))], [0, 1, 2, 3, 4]);
  assert.ok(finals.every((r) => r.flags.testLimit === null && r.flags.trainLimit === null));
  const adam = finals.filter((r) => r.method === "adam");
  assert.ok(adam.every((r) => r.flags.lr === 0.001 && r.trial === undefined));
});

Deno.test("study preset: the clean selection is reused in 10%-data and 20%-noise", () => {
  const finals = expandGrid(studyGrid(), selectionOf(2));
  const sam = finals.filter((r) => r.model === "cnn" && r.method === "sam");
  assert.equal(sam.length, 15);
  assert.ok(sam.every((r) => r.flags.rho === 0.1 && r.trial === "rho=0.1"));
  const noisy = finals.find((r) => r.setting === "20%-noise" && r.method === "frob-sam")!;
  assert.equal(noisy.flags.labelNoise, 0.2);
  assert.equal(noisy.trial, "lambda=0.00001,rho=0.02");
});

Deno.test("study parts: registered presets whose runs are exactly the study's (same ids)", () => {
  const parts = studyParts();
  assert.equal(parts.length, 9);
  for (const p of parts) assert.ok(PRESET_NAMES.includes(p.name), p.name);
  const study = studyGrid();
  const selection = selectionOf(0);
  const studyTuning = new Set(tuningRuns(study).map((r) => r.id));
  const studyFinals = expandGrid(study, selection).map((r) => r.id).sort();
  const partFinals: string[] = [];
  for (const p of parts) {
    assert.deepEqual(presetGrid(p.name), p.grid);
    const tuning = tuningRuns(p.grid);
    assert.equal(tuning.length, 33, p.name);
    assert.ok(tuning.every((r) => studyTuning.has(r.id)), p.name);
    const finals = expandGrid(p.grid, selection);
    assert.equal(finals.length, 35, p.name);
    partFinals.push(...finals.map((r) => r.id));
  }
  assert.deepEqual(partFinals.sort(), studyFinals);
});

Deno.test("study-demo preset: Frob-SAM 0.01/0.005 and SGD, lr 0.001 constant, 20 epochs, 5 seeds", () => {
  const runs = expandGrid(presetGrid("study-demo"));
  assert.equal(runs.length, 10);
  assert.ok(runs.every((r) => r.flags.lr === 0.001 && r.flags.schedule === "constant"));
  assert.ok(runs.every((r) => r.flags.epochs === 20 && r.flags.hessianEvery === 1));
  const frob = runs.filter((r) => r.method === "frob-sam");
  assert.equal(frob.length, 5);
  assert.ok(frob.every((r) => r.flags.rho === 0.01 && r.flags.lambda === 0.005));
  assert.equal(studyDemoGrid().seeds.length, 5);
});

Deno.test("study plan: under the committed timing every part fits a session; counts per part", async () => {
  const timing: StudyTiming = JSON.parse(
    await Deno.readTextFile(new URL("../../../results/study/timing.json", import.meta.url)),
  );
  const plan = studyPlan(timing);
  assert.ok(plan.parts.length > 0);
  for (const p of plan.parts) {
    assert.ok(p.seconds <= plan.sessionSeconds, `part ${p.index} ${p.what}: ${p.seconds} s`);
    const preset = /--preset (\S+)/.exec(p.command)![1];
    assert.ok(PRESET_NAMES.includes(preset), preset);
  }
  // The demo (10), then per planned model (MLP, CNN) 33 tuning runs and 3 × 35 final runs.
  assert.equal(plan.parts.reduce((s, p) => s + p.runs, 0), 10 + 2 * (33 + 105));
  assert.equal(plan.parts[0].runs, 10);
  assert.deepEqual(plan.cut.map((c) => c.model), ["resnet"]);
  // Halving the session doubles (at least) the parts of the long cells.
  const tight = studyPlan(timing, { sessionSeconds: plan.sessionSeconds / 2 });
  assert.ok(tight.parts.length > plan.parts.length);
  assert.ok(tight.parts.every((p) => p.seconds <= tight.sessionSeconds));
  assert.throws(() => studyPlan(timing, { margin: 0 }), /margin must be a positive number, got 0/);
});

Deno.test("runGrid tuningOnly: runs the tuning runs, then stops before the final runs", async () => {
  const outDir = await Deno.makeTempDir();
  const grid = {
    name: "t",
    datasets: ["fashion-mnist"],
    models: ["mlp" as const],
    seeds: [0, 1],
    settings: [{ name: "clean" }, { name: "10%-data", trainFraction: 0.1 }],
    optimizers: [{ optimizer: "sam" as const, search: { rho: [0.05, 0.1] } }],
    tuning: {
      seeds: [7],
      metric: "final-validation-accuracy" as const,
      setting: { name: "clean" },
      flags: { epochs: 1 },
    },
    common: { validationFraction: 0.1, epochs: 2 },
  };
  const seen: number[] = [];
  const train = (flags: { rho?: number; epochs?: number }) => {
    seen.push(flags.epochs ?? -1);
    return Promise.resolve({
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
  };
  const first = await runGrid({ grid, outDir, train: train as never, tuningOnly: true });
  assert.equal(first.tuning?.completed, 2);
  assert.equal(first.final, null);
  assert.equal(first.incomplete, null);
  assert.deepEqual(seen, [1, 1]);
  const second = await runGrid({ grid, outDir, train: train as never });
  assert.equal(second.tuning?.skipped, 2);
  // 2 settings × 2 seeds, all with the clean selection rho 0.1 (the higher validation accuracy).
  assert.equal(second.final?.completed, 4);
  assert.ok(second.plan.finalRuns!.every((r) => r.flags.rho === 0.1));
  await Deno.remove(outDir, { recursive: true });
});
