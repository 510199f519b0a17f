import assert from "node:assert/strict";
import { aggregate } from "./aggregate.ts";
import { headlineTable, renderMarkdown } from "./markdown.ts";
import { syntheticRun } from "./test_fixtures.ts";

const SGD = [0.80, 0.81, 0.79];
const SAM = [0.85, 0.87, 0.84];
const CLOSE = [0.851, 0.872, 0.838]; // indistinguishable from SAM
// "10%-data" cell: SAM lacks seed 2, so its tests are unpaired (Welch).
const DATA_SGD = [0.70, 0.72, 0.71];
const DATA_SAM = [0.735, 0.745];

// Expected values from SciPy 1.10.1 (Debian python3-scipy) and statsmodels 0.13.5:
//   stats.ttest_ind(a, b, equal_var=False), stats.ttest_rel(a, b),
//   intervals mean(d) ± q·stats.sem(d) with q = t_{0.975, n-1} from mpmath at 40 digits (SciPy
//   1.10's t.ppf is up to 1e-9 off, see stats_test.ts),
//   statsmodels.stats.multitest.multipletests(p, method="holm").
// Tolerance 1e-12 on p: the t CDF is good to ~1e-13 (stats_test.ts) and the statistics are a few
// float64 operations on values of order 1; intervals 1e-12 likewise (quantile to 1e-10 × se 1e-2).
const SCIPY = {
  samVsSgd: {
    welchT: 5.059644256269393,
    welchP: 0.010555091171331132,
    pairedP: 0.003883509816495486,
  },
  // SAM - SGD by seed
  samMinusSgdCi: [0.03899115756750171, 0.067675509099164825],
  frobVsSgd: { welchP: 0.01572799656497707, pairedP: 0.006229637743709965 },
  frobMinusSgdCi: [0.035355802424699493, 0.071977530908633719],
  frobVsSam: { welchP: 0.9811673659559881, pairedP: 0.8075499102701247 },
  dataSamVsSgd: { welchP: 0.031577640462547456 },
  // Family of 5 in report order: clean sam–sgd, clean frob–sgd, clean frob–sam, noisy sam–sgd,
  // 10%-data sam–sgd.
  holm: [
    0.01941754908247743,
    0.01941754908247743,
    0.8075499102701247,
    0.01941754908247743,
    0.06315528092509491,
  ],
};

function close(actual: number | null | undefined, expected: number, what: string, tol = 1e-12) {
  assert.ok(
    typeof actual === "number" && Math.abs(actual - expected) < tol,
    `${what}: ${actual} vs ${expected}`,
  );
}

function grid() {
  return [
    ...SGD.map((a, seed) =>
      syntheticRun({
        method: "sgd",
        seed,
        accuracy: a,
        seconds: 1,
        gradientEvaluations: 100,
        trace: 10,
      })
    ),
    ...SAM.map((a, seed) =>
      syntheticRun({
        method: "sam",
        seed,
        accuracy: a,
        seconds: 2.2,
        gradientEvaluations: 200,
        trace: 5,
      })
    ),
    ...CLOSE.map((a, seed) =>
      syntheticRun({
        method: "frob-sam",
        seed,
        accuracy: a,
        seconds: 3.3,
        gradientEvaluations: 300,
        trace: 6,
      })
    ),
    ...SGD.map((a, seed) =>
      syntheticRun({
        setting: "20%-noise",
        method: "sgd",
        seed,
        accuracy: a - 0.1,
        seconds: 1,
        gradientEvaluations: 100,
      })
    ),
    ...SAM.map((a, seed) =>
      syntheticRun({
        setting: "20%-noise",
        method: "sam",
        seed,
        accuracy: a - 0.1,
        seconds: 2,
        gradientEvaluations: 200,
      })
    ),
    syntheticRun({
      setting: "20%-noise",
      method: "frob-sam",
      seed: 0,
      accuracy: 0,
      status: "failed",
    }),
    ...DATA_SGD.map((a, seed) =>
      syntheticRun({ setting: "10%-data", method: "sgd", seed, accuracy: a, seconds: 1 })
    ),
    ...DATA_SAM.map((a, seed) =>
      syntheticRun({ setting: "10%-data", method: "sam", seed, accuracy: a, seconds: 2 })
    ),
  ];
}

Deno.test("aggregate: cells, intervals, tests against SGD and SAM", () => {
  const s = aggregate(grid());
  assert.equal(s.runs, 21);
  assert.equal(s.failedRuns, 1);
  assert.deepEqual(s.cells.map((c) => c.setting), ["clean", "20%-noise", "10%-data"]);
  const clean = s.cells[0];
  const sam = clean.methods.find((m) => m.method === "sam")!;
  // mean of 0.85, 0.87, 0.84 and its t interval (sd 0.0152753, t_{0.975,2} = 4.302652729749462)
  close(sam.accuracy!.mean, 0.8533333333333334, "SAM mean");
  close(
    sam.accuracy!.ci95HalfWidth!,
    4.302652729749462 * 0.015275252316519465 / Math.sqrt(3),
    "half",
  );
  close(sam.vsSgd!.t, SCIPY.samVsSgd.welchT, "Welch t SAM vs SGD");
  close(sam.vsSgd!.p, SCIPY.samVsSgd.welchP, "Welch p SAM vs SGD");
  close(sam.pairedVsSgd!.p, SCIPY.samVsSgd.pairedP, "paired p SAM vs SGD");
  assert.equal(sam.vsSam, null);
  assert.equal(sam.pairedVsSam, null);
  assert.equal(clean.methods.find((m) => m.method === "sgd")!.vsSgd, null);
  const frob = clean.methods.find((m) => m.method === "frob-sam")!;
  close(frob.vsSam!.p, SCIPY.frobVsSam.welchP, "Welch p frob vs SAM");
  close(frob.pairedVsSam!.p, SCIPY.frobVsSam.pairedP, "paired p frob vs SAM");
  close(frob.vsSgd!.p, SCIPY.frobVsSgd.welchP, "Welch p frob vs SGD");
  close(frob.pairedVsSgd!.p, SCIPY.frobVsSgd.pairedP, "paired p frob vs SGD");
  close(frob.pairedVsSgd!.ci95![0], SCIPY.frobMinusSgdCi[0], "paired CI low");
  close(frob.pairedVsSgd!.ci95![1], SCIPY.frobMinusSgdCi[1], "paired CI high");
  assert.equal(clean.pairedSeeds, true);
  // Best is frob-sam (mean 0.8537 > 0.8533) but not significantly better than SAM.
  assert.equal(clean.best!.method, "frob-sam");
  assert.equal(clean.best!.runnerUp, "sam");
  assert.equal(clean.best!.test, "paired");
  close(clean.best!.p, SCIPY.frobVsSam.welchP, "best Welch p");
  close(clean.best!.pPaired, SCIPY.frobVsSam.pairedP, "best paired p");
  assert.equal(clean.best!.significant, false);
  // Noisy cell: SAM beats SGD by 5 points, significant after Holm; the failed run is listed, and
  // a method without results does not break the pairing of the others.
  const noisy = s.cells[1];
  assert.equal(noisy.pairedSeeds, true);
  assert.equal(noisy.best!.method, "sam");
  close(noisy.best!.pHolm, SCIPY.holm[3], "noisy best Holm p");
  assert.equal(noisy.best!.significant, true);
  const failed = noisy.methods.find((m) => m.method === "frob-sam")!;
  assert.equal(failed.accuracy, null);
  assert.equal(failed.failures.length, 1);
});

Deno.test("aggregate: paired only on matching seeds, Holm over the whole report", () => {
  const s = aggregate(grid());
  assert.equal(s.correction, "holm-bonferroni");
  assert.deepEqual(
    s.comparisons.map((c) => `${c.setting} ${c.method}-${c.against} ${c.test}`),
    [
      "clean sam-sgd paired",
      "clean frob-sam-sgd paired",
      "clean frob-sam-sam paired",
      "20%-noise sam-sgd paired",
      "10%-data sam-sgd welch",
    ],
  );
  s.comparisons.forEach((c, i) => close(c.pHolm, SCIPY.holm[i], `Holm p of comparison ${i}`));
  assert.deepEqual(s.comparisons[2].roles, ["vs-sam", "best-vs-runner-up"]);
  close(s.comparisons[0].ci95![0], SCIPY.samMinusSgdCi[0], "SAM - SGD CI low");
  close(s.comparisons[0].ci95![1], SCIPY.samMinusSgdCi[1], "SAM - SGD CI high");
  assert.deepEqual(s.comparisons[0].roles, ["vs-sgd", "vs-sam"]);
  // 10%-data: SAM ran seeds 0 and 1 only, so Welch; raw p 0.032 < 0.05 but Holm 0.063 is not:
  // best is SAM without the mark.
  const data = s.cells[2];
  assert.equal(data.pairedSeeds, false);
  const sam = data.methods.find((m) => m.method === "sam")!;
  assert.equal(sam.pairedVsSgd, null);
  close(sam.vsSgd!.p, SCIPY.dataSamVsSgd.welchP, "10%-data Welch p");
  close(sam.pHolmVsSgd, SCIPY.holm[4], "10%-data Holm p");
  assert.equal(data.best!.method, "sam");
  assert.equal(data.best!.test, "welch");
  assert.equal(data.best!.pPaired, null);
  assert.ok(data.best!.p! < 0.05);
  assert.equal(data.best!.significant, false);
});

Deno.test("aggregate: cost ratios against SGD and Hessian at the end", () => {
  const s = aggregate(grid());
  const clean = s.cells[0];
  const sam = clean.methods.find((m) => m.method === "sam")!;
  assert.equal(sam.gradientRatio, 2);
  assert.ok(Math.abs(sam.secondsRatio! - 2.2) < 1e-12);
  // Pooled over the three cells: median of 2.2, 2.0 and 2.0.
  const pooled = s.costs.find((c) => c.method === "sam")!;
  assert.ok(Math.abs(pooled.secondsRatio! - 2) < 1e-12);
  assert.equal(pooled.cells, 3);
  // Per-run ratios 2.2 ×3 and 2.0 ×5: sd sqrt(0.075 / 7), se sd / sqrt(8).
  assert.ok(Math.abs(pooled.secondsRatioSe! - Math.sqrt(0.075 / 7 / 8)) < 1e-12);
  // The last epoch's trace: trace * (epochs - k) at k = 2 of 3 epochs is the trace itself.
  assert.equal(sam.hessian.trace!.mean, 5);
  assert.deepEqual(sam.hessianCurves.trace!.map((p) => p.value), [15, 10, 5]);
  // Epoch k's test accuracy is the final one minus 0.01 per remaining epoch (test_fixtures.ts).
  assert.deepEqual(sam.accuracyCurve.map((v) => Math.round(v * 1000)), [833, 843, 853]);
  // Bands: the same mean with the seeds' 95% t interval (sd of 0.85, 0.87, 0.84 at every epoch).
  const half = 4.302652729749462 * 0.015275252316519465 / Math.sqrt(3);
  sam.accuracyBands.forEach((b, k) => {
    assert.equal(b.epoch, k + 1);
    assert.equal(b.n, 3);
    assert.ok(Math.abs(b.mean - sam.accuracyCurve[k]) < 1e-12);
    assert.ok(Math.abs(b.high - b.mean - half) < 1e-9 && Math.abs(b.mean - b.low - half) < 1e-9);
  });
  assert.deepEqual(sam.validationAccuracyBands, []);
  assert.equal(sam.validationAccuracy, null);
});

Deno.test("aggregate rejects a bad alpha", () => {
  assert.throws(() => aggregate([], { alpha: 1.5 }), /alpha must be in \(0, 1\), got 1.5/);
});

Deno.test("markdown: best in bold, dagger only when significant", () => {
  const s = aggregate(grid());
  const headline = headlineTable(s);
  const [, , clean, noisy] = headline.split("\n");
  assert.match(clean, /\*\*85\.37 ± [\d.]+\*\*(?! †)/);
  assert.match(noisy, /\*\*75\.33 ± [\d.]+\*\* †/);
  assert.match(noisy, /failed ×1/);
  const md = renderMarkdown(s, "Synthetic");
  assert.match(md, /^# Synthetic/);
  assert.match(md, /frob-sam seed 0: loss is NaN at step 5/);
  assert.match(md, /\| mlp \| sam \| 2\.00 \| 2\.00 ± 0\.04 \| 3 \|/);
});

Deno.test("report: a note in each cell whose runs used different backends, none otherwise", () => {
  const cell = (setting: string) => [
    syntheticRun({ setting, method: "sgd", seed: 0, accuracy: 0.8 }),
    syntheticRun({ setting, method: "sam", seed: 0, accuracy: 0.81 }),
  ];
  const [mixedSgd, mixedSam] = cell("mixed");
  // One run resumed from wasm onto cpu: its epochs say so.
  mixedSam.epochs = mixedSam.epochs.map((e, k) => ({ ...e, backend: k === 0 ? "wasm" : "cpu" }));
  const summary = aggregate([mixedSgd, mixedSam, ...cell("same")]);
  const mixed = summary.cells.find((c) => c.setting === "mixed")!;
  assert.deepEqual(mixed.backends, [
    { backend: "cpu", runs: ["sgd s0", "sam s0"] },
    { backend: "wasm", runs: ["sam s0"] },
  ]);
  assert.deepEqual(summary.cells.find((c) => c.setting === "same")!.backends, [
    { backend: "cpu", runs: ["sgd s0", "sam s0"] },
  ]);
  const md = renderMarkdown(summary, "t");
  const notes = md.match(/the runs of this cell used different backends \([^)]*\)/g) ?? [];
  assert.deepEqual(notes, [
    "the runs of this cell used different backends (cpu: sgd s0, sam s0; wasm: sam s0)",
  ]);
});

Deno.test("CPU-seconds ratios come from the epochs' cpuSeconds, and only when every epoch has them", () => {
  const sgd = [0, 1].map((seed) =>
    syntheticRun({ method: "sgd", seed, accuracy: 0.8, seconds: 1, cpuSeconds: 1.5 })
  );
  const sam = [0, 1].map((seed) =>
    syntheticRun({ method: "sam", seed, accuracy: 0.8, seconds: 3, cpuSeconds: 3 + seed })
  );
  const summary = aggregate([...sgd, ...sam]);
  const m = summary.cells[0].methods.find((x) => x.method === "sam")!;
  // Per-run median CPU epochs 3 and 4 (median 3.5) over SGD's 1.5.
  assert.deepEqual(m.runCpuSecondsPerEpoch, [3, 4]);
  assert.equal(m.cpuSecondsRatio, 3.5 / 1.5);
  assert.deepEqual(m.runCpuSecondsRatios, [2, 4 / 1.5]);
  const cost = summary.costs.find((c) => c.method === "sam")!;
  assert.equal(cost.cpuSecondsRatio, 3.5 / 1.5);
  // sd of [2, 2.667] is 0.4714, se = sd / √2 = 1/3.
  assert.ok(Math.abs(cost.cpuSecondsRatioSe! - 1 / 3) < 1e-12, `${cost.cpuSecondsRatioSe}`);
  assert.equal(cost.secondsRatio, 3);
  // One run without CPU times: no CPU ratio at all, rather than a ratio of a subset.
  const older = syntheticRun({ method: "sam", seed: 2, accuracy: 0.8, seconds: 3 });
  const mixed = aggregate([...sgd, ...sam, older]);
  assert.equal(mixed.costs.find((c) => c.method === "sam")!.cpuSecondsRatio, null);
});
