/**
 * The chart specifications on the grid of `casesRecords` (issue 14: these kill the mutants of
 * charts.ts that the SVG test lets survive). The data rows are checked against figures worked out
 * by hand (as in `aggregate_cases_test.ts`); the declarative rest of each specification (marks,
 * encodings, scales, titles) against `testdata/cases_charts.txt`, a reviewed copy, so that any
 * change to a chart shows as a diff to review (replace the file after an intended change).
 */
import assert from "node:assert/strict";
import { aggregate } from "./aggregate.ts";
import { chartSpecs, hessianPerEpochSpec, renderSvg } from "./charts.ts";
import { casesRecords, syntheticRun } from "./test_fixtures.ts";

const summary = aggregate(casesRecords());
const specs = chartSpecs(summary);
// deno-lint-ignore no-explicit-any
const rows = (name: string): any[] => (specs[name].data as { values: unknown[] }).values;
const CELLS = [
  "fashion-mnist · mlp · clean",
  "fashion-mnist · mlp · noise",
  "fashion-mnist · mlp · tiny",
  "fashion-mnist · cnn · clean",
  "fashion-mnist · cnn · pair",
  "fashion-mnist · cnn · noise",
];

Deno.test("charts: one per measure recorded, facets in the summary's cell order", () => {
  assert.deepEqual(Object.keys(specs), [
    "accuracy-per-epoch.svg",
    "accuracy-vs-cost.svg",
    "hessian-trace-per-epoch.svg",
    "hessian-frobenius-per-epoch.svg",
    "hessian-topEigenvalue-per-epoch.svg",
  ]);
  for (const spec of Object.values(specs)) {
    assert.deepEqual((spec.facet as { sort: string[] }).sort, CELLS);
  }
  // No run with Hessian measures: no Hessian charts.
  const plain = aggregate([syntheticRun({ method: "sgd", seed: 0, accuracy: 0.5 })]);
  assert.deepEqual(Object.keys(chartSpecs(plain)), [
    "accuracy-per-epoch.svg",
    "accuracy-vs-cost.svg",
  ]);
  assert.equal(hessianPerEpochSpec(plain, "trace"), null);
});

Deno.test("charts: accuracy bands per split with the seeds behind each point", () => {
  const values = rows("accuracy-per-epoch.svg");
  const sam = values.filter((v) => v.cell === CELLS[0] && v.method === "sam");
  // Test accuracy of seeds 0, 1, 2 after epoch 2: 0.74, 0.8025 and a NaN: mean 0.77125 of 2.
  assert.deepEqual(sam.map((v) => [v.split, v.epoch, v.seeds]), [
    ["test", 1, 3],
    ["test", 2, 2],
    ["test", 3, 3],
  ]);
  assert.ok(Math.abs(sam[1].accuracy - 0.77125) < 1e-12);
  assert.ok(sam[1].low < sam[1].accuracy && sam[1].accuracy < sam[1].high);
  // Validation of mlp/noise's sam: seed 0 lacks epoch 3.
  const validation = values.filter((v) => v.split === "validation");
  assert.deepEqual(validation.map((v) => [v.cell, v.method, v.epoch, v.seeds]), [
    [CELLS[1], "sam", 1, 2],
    [CELLS[1], "sam", 2, 2],
    [CELLS[1], "sam", 3, 1],
  ]);
  assert.equal(validation[2].low, 0.7, "one seed: the band is the point");
  assert.equal(validation[2].high, 0.7);
  assert.match(String(specs["accuracy-per-epoch.svg"].title), /^Validation \(dashed\) and test/);
  const testOnly = chartSpecs(aggregate([syntheticRun({ method: "sgd", seed: 0, accuracy: 0.5 })]));
  assert.equal(
    testOnly["accuracy-per-epoch.svg"].title,
    "Test accuracy per epoch: mean and 95% CI over seeds",
  );
});

Deno.test("charts: accuracy against cost only where both are known; log scale only for positive values", () => {
  const values = rows("accuracy-vs-cost.svg");
  // mlp/tiny has no SGD (no ratio), cnn/clean no results: neither is drawn.
  assert.deepEqual(values.map((v) => `${v.cell} ${v.method}`), [
    `${CELLS[0]} sam`,
    `${CELLS[0]} sgd`,
    `${CELLS[0]} frob-sam`,
    `${CELLS[1]} sgd`,
    `${CELLS[1]} sam`,
    `${CELLS[4]} sgd`,
    `${CELLS[4]} sam`,
    `${CELLS[5]} sgd`,
    `${CELLS[5]} sam`,
  ]);
  assert.deepEqual(values[0], {
    cell: CELLS[0],
    method: "sam",
    secondsRatio: 2,
    accuracy: 0.8125,
    low: summary.cells[0].methods[0].accuracy!.ci95![0],
    high: summary.cells[0].methods[0].accuracy!.ci95![1],
  });
  // One seed: no interval, the whiskers collapse onto the mean.
  assert.deepEqual([values[6].accuracy, values[6].low, values[6].high], [0.75, 0.75, 0.75]);
  // deno-lint-ignore no-explicit-any
  const yScale = (spec: any) => spec.spec.encoding.y.scale;
  assert.deepEqual(yScale(specs["hessian-trace-per-epoch.svg"]), { type: "log" });
  const trace = rows("hessian-trace-per-epoch.svg");
  assert.deepEqual(trace.map((v) => [v.cell, v.method, v.epoch, v.value]), [
    [CELLS[0], "sam", 1, 30],
    [CELLS[0], "sam", 2, 20],
    [CELLS[0], "sam", 3, 10],
  ]);
  const withZero = aggregate([
    syntheticRun({ method: "sgd", seed: 0, accuracy: 0.5, trace: 0 }),
    syntheticRun({ method: "sam", seed: 0, accuracy: 0.5, trace: 1 }),
  ]);
  assert.deepEqual(yScale(hessianPerEpochSpec(withZero, "trace")), { zero: false });
  assert.equal(
    hessianPerEpochSpec(withZero, "trace")!.title,
    "Hessian trace per epoch (mean over seeds)",
  );
});

Deno.test("charts: every specification is the reviewed one; renderSvg refuses a non-object", async () => {
  const expected = await Deno.readTextFile(new URL("./testdata/cases_charts.txt", import.meta.url));
  const got = `${JSON.stringify(specs, null, 2)}\n`;
  const wanted = expected.split("\n");
  const first = got.split("\n").findIndex((line, i) => line !== wanted[i]);
  assert.equal(
    first,
    -1,
    `line ${first + 1} differs:\n  got:      ${got.split("\n")[first]}\n  expected: ${
      wanted[first]
    }`,
  );
  assert.equal(got, expected);
  await assert.rejects(
    () => renderSvg(7 as never),
    /^TypeError: renderSvg: spec must be a vega-lite object, got 7$/,
  );
});
