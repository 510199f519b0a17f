import assert from "node:assert/strict";
import { aggregate } from "./aggregate.ts";
import { headlineTable, renderMarkdown } from "./markdown.ts";
import { syntheticRun } from "./test_fixtures.ts";
import { welchTest } from "./stats.ts";

const SGD = [0.80, 0.81, 0.79];
const SAM = [0.85, 0.86, 0.84];
const CLOSE = [0.851, 0.862, 0.838]; // indistinguishable from SAM

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
  ];
}

Deno.test("aggregate: cells, intervals, tests against SGD and SAM", () => {
  const s = aggregate(grid());
  assert.equal(s.runs, 16);
  assert.equal(s.failedRuns, 1);
  assert.deepEqual(s.cells.map((c) => c.setting), ["clean", "20%-noise"]);
  const clean = s.cells[0];
  const sam = clean.methods.find((m) => m.method === "sam")!;
  // mean of 0.85, 0.86, 0.84 and its t interval (sd 0.01, t_{0.975,2} = 4.302652729749462)
  assert.ok(Math.abs(sam.accuracy!.mean - 0.85) < 1e-12);
  assert.ok(
    Math.abs(sam.accuracy!.ci95HalfWidth! - 4.302652729749462 * 0.01 / Math.sqrt(3)) < 1e-9,
  );
  assert.deepEqual(sam.vsSgd, welchTest(SAM, SGD));
  assert.equal(sam.vsSam, null);
  assert.equal(clean.methods.find((m) => m.method === "sgd")!.vsSgd, null);
  const frob = clean.methods.find((m) => m.method === "frob-sam")!;
  assert.deepEqual(frob.vsSam, welchTest(CLOSE, SAM));
  // Best is frob-sam (mean 0.8503 > 0.85) but not significantly better than SAM.
  assert.equal(clean.best!.method, "frob-sam");
  assert.equal(clean.best!.runnerUp, "sam");
  assert.equal(clean.best!.significant, false);
  // Noisy cell: SAM beats SGD by 5 points with sd 1 point: significant; the failed run is listed.
  const noisy = s.cells[1];
  assert.equal(noisy.best!.method, "sam");
  assert.equal(noisy.best!.significant, true);
  const failed = noisy.methods.find((m) => m.method === "frob-sam")!;
  assert.equal(failed.accuracy, null);
  assert.equal(failed.failures.length, 1);
});

Deno.test("aggregate: cost ratios against SGD and Hessian at the end", () => {
  const s = aggregate(grid());
  const clean = s.cells[0];
  const sam = clean.methods.find((m) => m.method === "sam")!;
  assert.equal(sam.gradientRatio, 2);
  assert.ok(Math.abs(sam.secondsRatio! - 2.2) < 1e-12);
  // Pooled over the two cells: median of 2.2 and 2.0.
  const pooled = s.costs.find((c) => c.method === "sam")!;
  assert.ok(Math.abs(pooled.secondsRatio! - 2.1) < 1e-12);
  assert.equal(pooled.cells, 2);
  // The last epoch's trace: trace * (epochs - k) at k = 2 of 3 epochs is the trace itself.
  assert.equal(sam.hessian.trace!.mean, 5);
  assert.deepEqual(sam.hessianCurves.trace!.map((p) => p.value), [15, 10, 5]);
  assert.deepEqual(sam.accuracyCurve.map((v) => Math.round(v * 1000)), [830, 840, 850]);
});

Deno.test("aggregate rejects a bad alpha", () => {
  assert.throws(() => aggregate([], { alpha: 1.5 }), /alpha must be in \(0, 1\), got 1.5/);
});

Deno.test("markdown: best in bold, dagger only when significant", () => {
  const s = aggregate(grid());
  const headline = headlineTable(s);
  const [, , clean, noisy] = headline.split("\n");
  assert.match(clean, /\*\*85\.03 ± [\d.]+\*\*(?! †)/);
  assert.match(noisy, /\*\*75\.00 ± [\d.]+\*\* †/);
  assert.match(noisy, /failed ×1/);
  const md = renderMarkdown(s, "Synthetic");
  assert.match(md, /^# Synthetic/);
  assert.match(md, /frob-sam seed 0: loss is NaN at step 5/);
  assert.match(md, /\| mlp \| sam \| 2\.00 \| 2\.10 ± 0\.04 \| 2 \|/);
});
