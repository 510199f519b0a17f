/**
 * `aggregate` on a grid built so that each rule of the module has a case that shows it (issue 14:
 * these kill the mutants of aggregate.ts the other report tests let survive). Expected values are
 * worked out by hand from the records (`casesRecords` in test_fixtures.ts), or computed by SciPy 1.10.1 and statsmodels 0.13.5
 * (Debian python3-scipy, python3-statsmodels) where a test statistic is involved.
 *
 * Cells (fashion-mnist):
 * - mlp/clean: sam, sgd, frob-sam on seeds 0, 1, 2 given out of order (paired); frob-sam also
 *   has a failed run with no failure message and a "completed" run with no final result;
 * - mlp/noise: sgd and sam on seeds 0 and 1 (paired with two seeds), sam with validation;
 * - mlp/tiny: sam only, one run without epochs, counts only on a failed run;
 * - cnn/clean: one failed sgd run (no results at all);
 * - cnn/pair: sgd and sam with one seed each (not paired: one seed; no p-value);
 * - cnn/noise: sgd on seeds 0, 1 and sam on 1, 2 (Welch).
 */
import assert from "node:assert/strict";
import { aggregate, type CellSummary, type ComparisonSummary } from "./aggregate.ts";
import { casesRecords, syntheticRun } from "./test_fixtures.ts";

const RECORDS = casesRecords();
const run = syntheticRun;
const summary = aggregate(RECORDS);
const cell = (s: ComparisonSummary, model: string, setting: string): CellSummary =>
  s.cells.find((c) => c.model === model && c.setting === setting)!;
const method = (c: CellSummary, name: string) => c.methods.find((m) => m.method === name)!;
const close = (actual: number | null | undefined, expected: number, what: string) =>
  assert.ok(
    typeof actual === "number" &&
      Math.abs(actual - expected) <= 1e-12 * Math.max(1, Math.abs(expected)),
    `${what}: ${actual}, expected ${expected}`,
  );

// SciPy: ttest_rel(sam, sgd) on mlp/clean, ttest_rel(frob-sam, sgd) (= frob-sam against sam),
// ttest_rel on mlp/noise, ttest_ind(equal_var=False) on cnn/noise; statsmodels'
// multipletests(method="holm") over the five.
const P = {
  samSgd: 0.020204102886728754,
  frobSgd: 0.07417990022744853,
  noise: 0.20483276469913345,
  welch: 0.12904783554828336,
};
const HOLM = { samSgd: 0.10102051443364377, rest: 0.2967196009097941 };

Deno.test("aggregate cases: runs counted, sorted by seed, failures with their messages", () => {
  assert.equal(summary.runs, RECORDS.length);
  assert.equal(summary.failedRuns, 3);
  assert.deepEqual(summary.grids, ["test"]);
  assert.deepEqual(summary.environments, [
    { backend: "cpu", machine: "test" },
    { backend: "wasm", machine: "other" },
  ]);
  const a = cell(summary, "mlp", "clean");
  assert.deepEqual(a.methods.map((m) => m.method), ["sam", "sgd", "frob-sam"]);
  assert.deepEqual(method(a, "sam").seeds, [0, 1, 2]);
  assert.deepEqual(method(a, "sam").accuracies, [0.75, 0.8125, 0.875]);
  assert.deepEqual(method(a, "sgd").accuracies, [0.5, 0.625, 0.5625]);
  assert.deepEqual(method(a, "frob-sam").seeds, [0, 1, 2]);
  assert.deepEqual(method(a, "frob-sam").failures, [{ seed: 3, message: "failed" }]);
  assert.deepEqual(method(a, "sam").failures, []);
  const d = cell(summary, "cnn", "clean");
  assert.deepEqual(method(d, "sgd").failures, [{ seed: 0, message: "loss is NaN at step 5" }]);
  assert.equal(method(d, "sgd").accuracy, null);
  assert.equal(d.best, null);
});

Deno.test("aggregate cases: curves and bands skip missing values and sort epochs", () => {
  const sam = method(cell(summary, "mlp", "clean"), "sam");
  // Test accuracy after epoch k is accuracy - 0.01·(3 - k): seeds 0, 1, 2 give 0.73, 0.7925,
  // 0.855 after epoch 1; epoch 2 lost seed 2's value: (0.74 + 0.8025)/2.
  const curve = [0.7925, 0.77125, 0.8125];
  sam.accuracyCurve.forEach((v, i) => close(v, curve[i], `curve ${i + 1}`));
  assert.equal(sam.accuracyCurve.length, 3);
  assert.deepEqual(sam.accuracyBands.map((b) => [b.epoch, b.n]), [[1, 3], [2, 2], [3, 3]]);
  sam.accuracyBands.forEach((b, i) => close(b.mean, curve[i], `band ${i + 1}`));
  assert.ok(sam.accuracyBands.every((b) => b.low < b.mean && b.mean < b.high));
  // Trace after epoch k is 10·(4 - k); seed 1 has none after epoch 3, seed 2 a NaN there.
  assert.deepEqual(sam.hessianCurves.trace, [
    { epoch: 1, value: 30 },
    { epoch: 2, value: 20 },
    { epoch: 3, value: 10 },
  ]);
  // Last finite trace per run: seed 0: 10, seed 1: 20 (epoch 2), seed 2: NaN, left out.
  assert.equal(sam.hessian.trace!.n, 2);
  close(sam.hessian.trace!.mean, 15, "last trace");
  // SGD's first run (seed 0) lists its epochs backwards: 0.48, 0.605, 0.5425 after epoch 1.
  const sgd = method(cell(summary, "mlp", "clean"), "sgd");
  const sgdCurve = [0.5425, 0.5525, 0.5625];
  sgd.accuracyCurve.forEach((v, i) => close(v, sgdCurve[i], `SGD curve ${i + 1}`));
  assert.deepEqual(sgd.accuracyBands.map((b) => b.epoch), [1, 2, 3]);
  sgd.accuracyBands.forEach((b, i) => close(b.mean, sgdCurve[i], `SGD band ${i + 1}`));
  // Runs without Hessian measures have no curves and no summaries at all.
  assert.deepEqual(sgd.hessianCurves, {});
  assert.deepEqual(sgd.hessian, {});
  assert.deepEqual(sgd.validationAccuracyBands, []);
  assert.equal(sgd.validationAccuracy, null);
});

Deno.test("aggregate cases: validation from the last epoch that has it, counts from any run", () => {
  const sam = method(cell(summary, "mlp", "noise"), "sam");
  // Seed 0's last validated epoch is the second (0.6 - 0.01); seed 1's the third (0.7).
  assert.equal(sam.validationAccuracy!.n, 2);
  close(sam.validationAccuracy!.mean, (0.59 + 0.7) / 2, "validation");
  assert.deepEqual(sam.validationAccuracyBands.map((b) => [b.epoch, b.n]), [[1, 2], [2, 2], [
    3,
    1,
  ]]);
  close(sam.validationAccuracyBands[2].mean, 0.7, "validation band 3");
  assert.deepEqual(sam.counts, { train: 900, validation: 100, test: 500 });
  // No completed run of mlp/tiny states its counts; the failed one does.
  const tiny = method(cell(summary, "mlp", "tiny"), "sam");
  assert.deepEqual(tiny.counts, { train: 10, validation: 0, test: 5 });
  assert.equal(method(cell(summary, "cnn", "pair"), "sam").counts, null);
});

Deno.test("aggregate cases: costs relative to SGD, per run and pooled per model", () => {
  const a = cell(summary, "mlp", "clean");
  assert.equal(method(a, "sam").gradientRatio, 2);
  assert.equal(method(a, "sam").secondsRatio, 2);
  assert.deepEqual(method(a, "sam").runSecondsRatios, [2, 2, 2]);
  assert.equal(method(a, "frob-sam").gradientRatio, 3);
  assert.equal(method(a, "sgd").gradientRatio, 1);
  // The run without epochs has no per-epoch figures: one gradient count, one time.
  const tiny = method(cell(summary, "mlp", "tiny"), "sam");
  assert.equal(tiny.gradientEvaluationsPerEpoch, 100);
  assert.deepEqual(tiny.runSecondsPerEpoch, [1]);
  assert.deepEqual(tiny.seeds, [0, 2]);
  // No SGD in the cell: no ratios.
  assert.equal(tiny.gradientRatio, null);
  assert.equal(tiny.secondsRatio, null);
  assert.deepEqual(tiny.runSecondsRatios, []);
  // An SGD whose epochs took no time gives no ratio either (cnn/pair: seconds 0).
  const zero = aggregate([
    run({ method: "sgd", seed: 0, accuracy: 0.5, seconds: 0, gradientEvaluations: 0 }),
    run({ method: "sam", seed: 0, accuracy: 0.6, seconds: 2 }),
  ]);
  const samZero = method(zero.cells[0], "sam");
  assert.equal(samZero.secondsRatio, null);
  assert.equal(samZero.gradientRatio, null);
  assert.deepEqual(samZero.runSecondsRatios, []);

  const cost = (model: string, name: string) =>
    summary.costs.find((c) => c.model === model && c.method === name)!;
  // mlp sam: clean 2, noise 1 (same cost as SGD there), tiny none: median of [2, 1] = 1.5.
  assert.equal(cost("mlp", "sam").cells, 3);
  assert.equal(cost("mlp", "sam").gradientRatio, 1.5);
  assert.equal(cost("mlp", "sam").secondsRatio, 1.5);
  // Per-run seconds ratios 2, 2, 2 (clean), 1, 1 (noise): sd/√5.
  close(cost("mlp", "sam").secondsRatioSe, Math.sqrt(0.3) / Math.sqrt(5), "pooled se");
  assert.equal(cost("mlp", "frob-sam").cells, 1);
  assert.equal(cost("mlp", "frob-sam").secondsRatioSe, 0);
  // cnn sam: pair and noise, both at SGD's cost; two per-run ratios (pair 1, noise 2 runs).
  assert.equal(cost("cnn", "sam").cells, 2);
  assert.equal(cost("cnn", "sam").gradientRatio, 1);
  assert.equal(cost("cnn", "sgd").cells, 3);
  // One per-run ratio only: no spread.
  const one = aggregate([
    run({ method: "sgd", seed: 0, accuracy: 0.5 }),
    run({ method: "sam", seed: 0, accuracy: 0.6, seconds: 2 }),
  ]);
  assert.equal(one.costs.find((c) => c.method === "sam")!.secondsRatioSe, null);
  // SGD at 2 s per epoch: each run's ratio is its own time over 2; two per-run ratios are enough
  // for a spread; a method without epochs has no ratio at all (null, not 0).
  const noEpochs = run({ method: "adam", seed: 0, accuracy: 0.6 });
  noEpochs.epochs = [];
  const slow = aggregate([
    run({ method: "sgd", seed: 0, accuracy: 0.5, seconds: 2 }),
    run({ method: "sam", seed: 0, accuracy: 0.6, seconds: 3 }),
    run({ method: "sam", seed: 1, accuracy: 0.6, seconds: 5 }),
    noEpochs,
  ]);
  assert.deepEqual(method(slow.cells[0], "sam").runSecondsRatios, [1.5, 2.5]);
  assert.equal(method(slow.cells[0], "adam").gradientRatio, null);
  assert.equal(method(slow.cells[0], "adam").secondsRatio, null);
  close(slow.costs.find((c) => c.method === "sam")!.secondsRatioSe, 0.5, "se of 1.5 and 2.5");
  // No per-run ratio at all (no SGD): no spread, and no error.
  const alone = aggregate([run({ method: "sam", seed: 0, accuracy: 0.6 })]);
  assert.equal(alone.costs[0].secondsRatioSe, null);
  assert.equal(alone.costs[0].secondsRatio, null);
});

Deno.test("aggregate cases: paired tests only on two or more shared seeds, Welch otherwise", () => {
  assert.equal(cell(summary, "mlp", "clean").pairedSeeds, true);
  assert.equal(cell(summary, "mlp", "noise").pairedSeeds, true, "two shared seeds are enough");
  assert.equal(cell(summary, "mlp", "tiny").pairedSeeds, false, "one method");
  assert.equal(cell(summary, "cnn", "pair").pairedSeeds, false, "one seed");
  assert.equal(cell(summary, "cnn", "noise").pairedSeeds, false, "different seeds");
  const key = (c: ComparisonSummary["comparisons"][number]) =>
    `${c.model}/${c.setting} ${c.method}-${c.against} ${c.test} ${c.roles.join(",")}`;
  assert.deepEqual(summary.comparisons.map(key), [
    "mlp/clean sam-sgd paired vs-sgd,vs-sam",
    "mlp/clean frob-sam-sgd paired vs-sgd",
    "mlp/clean frob-sam-sam paired vs-sam,best-vs-runner-up",
    "mlp/noise sam-sgd paired vs-sgd,vs-sam,best-vs-runner-up",
    "cnn/pair sam-sgd welch vs-sgd,vs-sam,best-vs-runner-up",
    "cnn/noise sam-sgd welch vs-sgd,vs-sam,best-vs-runner-up",
  ]);
  const [samSgd, frobSgd, frobSam, noise, pair, welch] = summary.comparisons;
  close(samSgd.pPaired, P.samSgd, "paired p");
  close(samSgd.p, P.samSgd, "p relied on");
  close(frobSgd.p, P.frobSgd, "frob-sam vs sgd");
  close(frobSam.p, P.frobSgd, "frob-sam vs sam");
  close(noise.pPaired, P.noise, "two-seed paired p");
  assert.equal(pair.p, null);
  assert.equal(pair.pHolm, null);
  assert.equal(pair.significant, false);
  assert.equal(welch.pPaired, null);
  assert.equal(welch.ci95, null);
  close(welch.p, P.welch, "Welch p");
  close(welch.pWelch, P.welch, "Welch p");
  // Holm over the five p-values of the whole report, as statsmodels gives them.
  close(samSgd.pHolm, HOLM.samSgd, "Holm sam-sgd");
  for (const c of [frobSgd, frobSam, noise, welch]) close(c.pHolm, HOLM.rest, `Holm ${key(c)}`);
  // Each method's Holm p is its own cell's comparison's.
  const a = cell(summary, "mlp", "clean");
  close(method(a, "sam").pHolmVsSgd, HOLM.samSgd, "sam vs sgd");
  close(method(a, "frob-sam").pHolmVsSam, HOLM.rest, "frob-sam vs sam");
  close(method(a, "sgd").pHolmVsSam, HOLM.samSgd, "sgd vs sam");
  assert.equal(method(a, "sgd").pHolmVsSgd, null);
  close(method(cell(summary, "mlp", "noise"), "sam").pHolmVsSgd, HOLM.rest, "noise sam vs sgd");
  assert.equal(method(cell(summary, "cnn", "pair"), "sam").pHolmVsSgd, null);
});

Deno.test("aggregate cases: the best method, and significance strictly below alpha", () => {
  const a = cell(summary, "mlp", "clean");
  assert.equal(a.best!.method, "sam");
  assert.equal(a.best!.runnerUp, "frob-sam");
  assert.equal(a.best!.test, "paired");
  close(a.best!.pHolm, HOLM.rest, "best pHolm");
  assert.equal(a.best!.significant, false);
  const tiny = cell(summary, "mlp", "tiny");
  assert.deepEqual(
    { ...tiny.best },
    {
      method: "sam",
      runnerUp: null,
      p: null,
      pPaired: null,
      test: "welch",
      pHolm: null,
      significant: false,
    },
  );
  const pair = cell(summary, "cnn", "pair");
  assert.equal(pair.best!.runnerUp, "sgd");
  assert.equal(pair.best!.pHolm, null);
  assert.equal(pair.best!.significant, false, "no p-value, nothing significant");
  // alpha exactly at a comparison's Holm p: not significant (strictly below is required);
  // anything above: significant.
  const at = summary.comparisons[2].pHolm!;
  const onEdge = aggregate(RECORDS, { alpha: at });
  assert.equal(onEdge.comparisons[2].significant, false);
  assert.equal(onEdge.comparisons[0].significant, true, `${onEdge.comparisons[0].pHolm} < ${at}`);
  assert.equal(cell(onEdge, "mlp", "clean").best!.significant, false);
  const above = aggregate(RECORDS, { alpha: 0.3 });
  assert.equal(above.comparisons[2].significant, true);
  assert.equal(cell(above, "mlp", "clean").best!.significant, true);
  assert.equal(above.comparisons[4].significant, false, "a null p is never significant");
  assert.equal(cell(above, "cnn", "pair").best!.significant, false);
});

Deno.test("aggregate cases: alpha must lie strictly inside (0, 1)", () => {
  for (const alpha of [0, 1, -0.5, 1.5, Number.NaN]) {
    assert.throws(
      () => aggregate(RECORDS, { alpha }),
      (e: unknown) =>
        e instanceof RangeError && e.message === `aggregate: alpha must be in (0, 1), got ${alpha}`,
    );
  }
});

Deno.test("aggregate cases: the Hessian summary takes the highest epoch's value, not the last listed", () => {
  // Trace after epoch k is 10·(4 - k): 30, 20, 10. One run lists its epochs backwards, so the
  // last entry is epoch 1 (30); the highest epoch, 3, measured 10.
  const forwards = run({ method: "sam", seed: 0, accuracy: 0.8, trace: 10 });
  const backwards = run({ method: "sam", seed: 1, accuracy: 0.8, trace: 10 });
  backwards.epochs.reverse();
  const sam = method(cell(aggregate([forwards, backwards]), "mlp", "clean"), "sam");
  assert.equal(sam.hessian.trace!.n, 2);
  close(sam.hessian.trace!.mean, 10, "trace at epoch 3 in both runs");
});

Deno.test("aggregate cases: the validation accuracy is the highest epoch's, not the last listed", () => {
  // Validation accuracy after epoch k is 0.7 - 0.01·(3 - k): 0.68, 0.69, 0.7.
  const backwards = run({ method: "sam", seed: 1, accuracy: 0.8, validationAccuracy: 0.7 });
  backwards.epochs.reverse();
  const sam = method(cell(aggregate([backwards]), "mlp", "clean"), "sam");
  close(sam.validationAccuracy?.mean, 0.7, "validation accuracy at epoch 3");
});
