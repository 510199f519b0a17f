import assert from "node:assert/strict";
import { holmBonferroni, pairedTest } from "../report/stats.ts";
import { studyGrid } from "./presets/study.ts";
import { type AnswerTest, oriented, studyAnswers } from "./study_answers.ts";
import { answersMarkdown } from "./study_answers_markdown.ts";
import {
  PLANTED_ACCURACY,
  plantedAccuracy,
  plantedFrobenius,
  plantedStudy,
} from "./study_answers_fixture.ts";

const grid = { ...studyGrid(), models: ["mlp" as const] };
const seeds = [0, 1, 2, 3, 4];
const accuracies = (setting: string, method: string) =>
  seeds.map((s) => plantedAccuracy(setting, method, s));
const close = (a: number, b: number, what: string) =>
  assert.ok(Math.abs(a - b) < 1e-12, `${what}: ${a} vs ${b}`);

/** The family's test of `method` against `against` (either stored orientation), oriented. */
function find(
  tests: readonly AnswerTest[],
  setting: string,
  measure: string,
  a: string,
  b: string,
) {
  const t = tests.find((x) =>
    x.setting === setting && x.measure === measure &&
    ((x.method === a && x.against === b) || (x.method === b && x.against === a))
  );
  assert.ok(t, `no test ${setting} ${measure} ${a} vs ${b}`);
  return { test: t, ...oriented(t, a) };
}

Deno.test("studyAnswers: the family is 36 distinct paired tests, Holm-adjusted together", () => {
  const answers = studyAnswers(plantedStudy(), grid);
  assert.equal(answers.complete.length, 3);
  assert.equal(answers.missing.length, 0);
  // Counted by hand (study_answers_fixture.ts): clean 14, 10%-data 11, 20%-noise 11.
  assert.equal(answers.tests.length, 36);
  const keys = answers.tests.map((t) =>
    `${t.setting} ${t.measure} ${[t.method, t.against].sort().join(" ")}`
  );
  assert.equal(new Set(keys).size, 36, "a test requested twice must enter the family once");
  const expected = holmBonferroni(answers.tests.map((t) => t.paired.p));
  answers.tests.forEach((t, k) => assert.equal(t.pHolm, expected[k]));
  // Every test recomputes from the planted accuracies.
  const { test, difference, ci95 } = find(answers.tests, "clean", "testAccuracy", "det-sam", "sam");
  const direct = pairedTest(accuracies("clean", "det-sam"), accuracies("clean", "sam"));
  close(difference, direct.difference, "det-sam − sam");
  assert.deepEqual(ci95, direct.ci95);
  assert.equal(test.paired.p, direct.p);
  assert.ok(test.significant);
});

Deno.test("studyAnswers Q1: Frob-SAM's ‖H‖_F and accuracy against SGD and SAM, oriented from Frob-SAM", () => {
  const { frobenius } = studyAnswers(plantedStudy(), grid);
  const clean = frobenius.find((f) => f.setting === "clean")!;
  close(clean.frobeniusVsSgd!.paired.difference, -10, "clean ‖H‖_F vs SGD");
  close(clean.frobeniusVsSam!.relativeDifference, -5 / 15, "relative to SAM");
  assert.ok(clean.frobeniusVsSgd!.significant && clean.frobeniusVsSam!.significant);
  close(clean.accuracyVsSam.paired.difference, -0.0001, "accuracy vs SAM");
  assert.equal(clean.accuracyVsSam.significant, false);
  const data = frobenius.find((f) => f.setting === "10%-data")!;
  assert.equal(data.frobeniusVsSgd!.significant, false);
  close(data.frobeniusVsSam!.paired.difference, 5, "10%-data ‖H‖_F vs SAM");
  const direct = pairedTest(
    seeds.map((s) => plantedFrobenius("10%-data", "frob-sam", s)),
    seeds.map((s) => plantedFrobenius("10%-data", "sam", s)),
  );
  assert.deepEqual(data.frobeniusVsSam!.paired.ci95, direct.ci95);
});

Deno.test("studyAnswers Q2/Q3: winners against the runner-up, and the clean ranking's gaps", () => {
  const answers = studyAnswers(plantedStudy(), grid);
  const data = answers.winners.find((w) => w.setting === "10%-data")!;
  assert.deepEqual(data.ranking.slice(0, 3).map((m) => m.method), ["det-sam", "frob-sam", "sam"]);
  close(data.bestVsRunnerUp.paired.difference, 0.0001, "det-sam − frob-sam");
  assert.equal(data.bestVsRunnerUp.method, "det-sam");
  assert.equal(data.bestVsRunnerUp.significant, false);
  close(data.frobVsSam.paired.difference, 0.0199, "frob − sam");
  assert.ok(data.detVsSam.significant && data.detVsSam.paired.difference > 0);
  const noise = answers.winners.find((w) => w.setting === "20%-noise")!;
  assert.equal(noise.ranking[0].method, "sam");
  assert.equal(noise.bestVsRunnerUp.against, "asam");
  assert.ok(noise.bestVsRunnerUp.significant);
  close(noise.detVsSam.paired.difference, -0.035, "det − sam under noise");
  const [clean] = answers.rankings;
  const order = Object.entries(PLANTED_ACCURACY.clean).sort(([, a], [, b]) => b - a)
    .map(([m]) => m);
  assert.deepEqual(clean.ranking.map((m) => m.method), order);
  assert.deepEqual(clean.gaps.map((g) => g.significant), [false, true, true, true, true, true]);
  clean.gaps.forEach((g, k) => {
    assert.equal(g.method, order[k]);
    assert.ok(g.paired.difference > 0, "a gap reads higher − lower");
  });
});

Deno.test("studyAnswers Q4: cost per run and per point gained over SGD; no gain when the interval holds 0", () => {
  const { costs } = studyAnswers(plantedStudy(), grid);
  const row = (setting: string, method: string) =>
    costs.find((c) => c.setting === setting && c.method === method)!;
  const sam = row("clean", "sam");
  close(sam.secondsPerRun, 3 * 2.2, "sam seconds per run");
  assert.equal(sam.gradientEvaluationsPerRun, 600);
  // Gain 4 points: (600 − 300) / 4 gradient evaluations and (6.6 − 3) / 4 s per point.
  assert.ok(sam.gained);
  close(sam.extraGradientEvaluationsPerPoint!, 75, "sam gradients per point");
  close(sam.extraSecondsPerPoint!, 0.9, "sam seconds per point");
  const adam = row("20%-noise", "adam");
  assert.equal(adam.gained, false);
  assert.equal(adam.extraSecondsPerPoint, null);
  assert.ok(adam.gain!.paired.ci95![0] < 0);
  assert.equal(row("clean", "sgd").gain, null);
});

Deno.test("studyAnswers Q5: each claim's verdict follows the planted statistics", () => {
  const { claims } = studyAnswers(plantedStudy(), grid);
  const verdict = (claim: string, setting: string, method: string) =>
    claims.find((c) => c.claim === claim && c.setting === setting && c.method === method)
      ?.verdict;
  assert.equal(verdict("competitive-on-clean", "clean", "frob-sam"), "consistent");
  assert.equal(verdict("competitive-on-clean", "clean", "det-sam"), "contradicted");
  assert.equal(verdict("helps-limited-data-and-noise", "10%-data", "frob-sam"), "consistent");
  assert.equal(verdict("helps-limited-data-and-noise", "20%-noise", "det-sam"), "contradicted");
  assert.equal(verdict("keeps-frobenius-low", "clean", "frob-sam"), "consistent");
  assert.equal(verdict("keeps-frobenius-low", "10%-data", "frob-sam"), "contradicted");
  assert.equal(verdict("keeps-frobenius-low", "20%-noise", "frob-sam"), "not shown");
});

Deno.test("answersMarkdown: the planted answers in words, with their numbers", () => {
  const md = answersMarkdown(studyAnswers(plantedStudy(), grid));
  assert.match(md, /Complete: mlp, clean; mlp, 10%-data; mlp, 20%-noise\./);
  assert.match(md, /\(36 tests\), significant when corrected p < 0\.05/);
  assert.match(md, /Adam is ranked with the others but is a reference only/);
  assert.match(
    md,
    /- mlp, clean: Frob-SAM's final ‖H‖_F is significantly lower than SGD's: -10\.0 \(-50%\) \[-10\.2, -9\.80\], corrected p < 0\.0001 \(10\.0 vs 20\.0\); significantly lower than SAM's: -5\.00 \(-33%\)/,
  );
  assert.match(
    md,
    /10%-data: Frob-SAM's final ‖H‖_F is not significantly different from SGD's: -0\.00100 \(0%\)/,
  );
  assert.match(
    md,
    /- mlp, 10%-data: best mean det-sam 80\.00%; against frob-sam \+0\.01 points \[-0\.03, \+0\.05\], corrected p 1\.0000: no method is significantly better than the runner-up \(frob-sam\)\./,
  );
  assert.match(md, /sam is significantly better than the runner-up asam/);
  assert.match(
    md,
    /Det-SAM − SAM -3\.50 points \[-3\.68, -3\.32\], corrected p < 0\.0001 \(significantly worse than SAM\)/,
  );
  assert.match(
    md,
    /\| mlp \| 1 \| sam \| 90\.00 ± 0\.[0-9]+ \| \+0\.01 points \[-0\.13, \+0\.15\], corrected p 1\.0000 \| no \|/,
  );
  assert.match(
    md,
    /\| mlp \| 2 \| frob-sam \| 89\.99 ± [0-9.]+ \| \+0\.99 points \[\+0\.91, \+1\.07\], [^|]+ \| yes \|/,
  );
  assert.ok(md.includes("| mlp | 7 | sgd | 86.00 ± 0.03 |  |  |"), "the last rank has no gap");
  assert.match(
    md,
    /\| mlp \| clean \| sam \| 6\.6 \| 600 \| \+4\.00 points \[\+3\.98, \+4\.02\], corrected p < 0\.0001 \| 0\.9 \| 75 \|/,
  );
  assert.match(md, /\| mlp \| 20%-noise \| adam \| 3\.6 \| 300 \| [^|]+ \| no gain \| no gain \|/);
  assert.match(md, /shared 2-core machine/);
  assert.match(
    md,
    /mlp, clean, det-sam: \*\*contradicted\*\* \(the paper's claim does not hold here\); test accuracy Det-SAM − SAM -3\.00 points/,
  );
  assert.match(
    md,
    /Plainly: the complete cells contradict the paper for mlp, clean det-sam \(competitive with SAM\); mlp, 10%-data frob-sam \(‖H‖_F low\); mlp, 20%-noise frob-sam \(better than SAM\); mlp, 20%-noise det-sam \(better than SAM\); they do not show what it claims for mlp, 20%-noise frob-sam \(‖H‖_F low\); they are consistent with it for mlp, clean frob-sam \(competitive with SAM\); mlp, clean frob-sam \(‖H‖_F low\); mlp, 10%-data frob-sam \(better than SAM\); mlp, 10%-data det-sam \(better than SAM\)\./,
  );
  assert.ok(!md.includes("No answer yet"), "every cell is complete");
});

Deno.test("studyAnswers: an incomplete cell is left out and named in every question it leaves open", () => {
  // One missing seed of Det-SAM in the 20%-noise cell.
  const answers = studyAnswers(
    plantedStudy((setting, method, seed) =>
      setting === "20%-noise" && method === "det-sam" && seed === 4
    ),
    { ...studyGrid(), models: ["mlp", "cnn"] },
  );
  assert.deepEqual(answers.complete.map((c) => c.setting), ["clean", "10%-data"]);
  assert.equal(answers.winners.length, 1);
  assert.ok(answers.tests.every((t) => t.setting !== "20%-noise"));
  assert.equal(answers.tests.length, 25);
  const md = answersMarkdown(answers);
  assert.match(
    md,
    /No answer yet for mlp \(20%-noise 34\/35 final runs\): those cells are not complete\. No answer for cnn: none of its final runs exist/,
  );
  // A model without a single final run is "not run", never "incomplete" (that is how a model
  // cut from the plan shows).
  assert.ok(!/No answer yet for[^.]*cnn/.test(md), md);
  // Nothing left "not shown" in the complete cells: the sentence names no such part.
  assert.match(
    md,
    /Plainly: the complete cells contradict the paper for mlp, clean det-sam \(competitive with SAM\); mlp, 10%-data frob-sam \(‖H‖_F low\); they are consistent with it for /,
  );
  assert.match(
    md,
    /Not shown yet for mlp \(20%-noise\); cnn \(10%-data, 20%-noise\): cells incomplete/,
  );
  assert.equal(
    answers.claims.find((c) =>
      c.setting === "20%-noise" && c.method === "det-sam" && c.model === "mlp"
    )
      ?.evidence,
    "cell incomplete (34/35 final runs)",
  );
  // A tuning run is never a final seed.
  const tuning = plantedStudy().map((r) => ({ ...r, run: { ...r.run, phase: "tuning" as const } }));
  assert.equal(studyAnswers(tuning, grid).complete.length, 0);
  assert.throws(() => studyAnswers([], grid, 1), /alpha must be in \(0, 1\), got 1/);
});
